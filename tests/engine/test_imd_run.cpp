// IMD in `outbench run` (measure/engine/imd_step.hpp) against the simulated device's static polynomial.
//
// Truth. The model (measure/sim/port_sim.hpp) turns the digital stimulus x (full-scale units) into the EMF
// e = k (x + c2 x^2 + c3 x^3) with c2 = 2 h2 and c3 = -4 h3 (h2, h3: the harmonic levels of a 0 dBFS sine as
// ratios; k: the EMF peak of a 0 dBFS sine). A two-tone x = b1 cos w1 t + b2 cos w2 t then carries, in x units:
//   f2 +/- f1                      c2 b1 b2
//   f2 +/- 2 f1 and 2 f1 - f2      3/4 |c3| b1^2 b2
//   2 f2 - f1                      3/4 |c3| b1 b2^2
//   f2 (f1 likewise)               b2 (1 + c3 (3/4 b2^2 + 3/2 b1^2))
// and nothing at f2 +/- 3 f1 or f2 +/- 4 f1 (a cubic has no products of order 4 or 5). With a resistive source,
// no coupling capacitor, no DAC filter and no ground return every line sees the same divider into the load, so
// the ratios reach the loopback unchanged. Hence, with b1 = r b2, b1 + b2 = 10^(drive/20):
//   SMPTE (r = 4): IMD = sqrt(2 (c2 b1 b2)^2 + 2 (3/4 c3 b1^2 b2)^2) / |f2 line|
//   CCIF (r = 1, b1 = b2 = b): d2 = c2 b^2 / (2 |f1 line|), d3 = 3/4 |c3| b^3 / |f1 line|.
// The device: the usb-interface line out (100 ohm, no capacitor) with H2 -50 / -56 dBc and H3 -45 / -60 dBc at
// 0 dBFS (left / right), quiet noise (the products stand 35 dB or more above the narrow-band noise at the
// reference level), EMF crosstalk off. Into 10 kohm every step up to -3 dBFS drive stays below the rails' knee.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/units.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/imd_step.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;

struct ImdTruth {
  double smpte_db, d2_db, d3_db;
};

ImdTruth polynomial_truth(const sim::ChannelModel& ch, double drive_dbfs) {
  const double c2 = 2 * ratio_from_db(ch.h2_dbc_at_0dbfs), c3 = -4 * ratio_from_db(ch.h3_dbc_at_0dbfs);
  const double peak = ratio_from_db(drive_dbfs);
  // SMPTE, 4:1.
  double b2 = peak / 5, b1 = 4 * b2;
  const double f2_line = std::abs(b2 * (1 + c3 * (0.75 * b2 * b2 + 1.5 * b1 * b1)));
  const double s1 = c2 * b1 * b2, s2 = 0.75 * c3 * b1 * b1 * b2;
  ImdTruth t{};
  t.smpte_db = db_from_ratio(std::sqrt(2 * s1 * s1 + 2 * s2 * s2) / f2_line);
  // CCIF, 1:1.
  const double b = peak / 2, line = std::abs(b * (1 + c3 * 2.25 * b * b));
  t.d2_db = db_from_ratio(std::abs(c2) * b * b / (2 * line));
  t.d3_db = db_from_ratio(0.75 * std::abs(c3) * b * b * b / line);
  return t;
}

struct ImdRun {
  sim::DeviceModel model;
  Results res;
};

ImdRun run_polynomial_device() {
  ImdRun r;
  r.model = test::model_with("usb-interface.json", [](json& dev) {
    dev["ports"].erase("headphone");
    dev["loopback_input"]["noise_dbfs"] = -140;
    auto& line = dev["ports"]["line"];
    line["noise_vrms"] = 1e-6;
    line["crosstalk_db"] = -200;
    line["h2_dbc_at_0dbfs"] = {-50, -56};
    line["h3_dbc_at_0dbfs"] = {-45, -60};
  });
  r.res = test::quick_run(r.model, sim::bench_for_model(r.model, 48000),
                          {.seed = 7, .ports = {"line"}, .loads = {"open", "10k"}, .rules = test::default_rules()});
  return r;
}

const ImdRun& shared_run() {
  static const ImdRun r = run_polynomial_device();
  return r;
}

TEST(ImdRun, ReferenceLevelMatchesThePolynomialOnBothChannels) {
  const ImdRun& r = shared_run();
  const auto& p = test::port_of(r.res, "line");
  ASSERT_TRUE(p.imd.has_value());
  const PortImd& imd = *p.imd;
  EXPECT_EQ(imd.load, "10k");
  EXPECT_NEAR(imd.reference_drive_dbfs, -20.0, 1e-9);
  ASSERT_EQ(imd.smpte.size(), 2u);
  ASSERT_EQ(imd.ccif.size(), 2u);
  for (int ch = 0; ch < 2; ++ch) {
    const ImdTruth t = polynomial_truth(r.model.port("line")->ch(ch), -20.0);
    const ImdSeries& s = imd.smpte[static_cast<std::size_t>(ch)];
    const ImdSeries& c = imd.ccif[static_cast<std::size_t>(ch)];
    ASSERT_GE(s.reference_step, 0);
    ASSERT_GE(c.reference_step, 0);
    const ImdResult& sr = s.steps[static_cast<std::size_t>(s.reference_step)].reading;
    const ImdResult& cr = c.steps[static_cast<std::size_t>(c.reference_step)].reading;
    ASSERT_TRUE(sr.valid) << sr.reason;
    ASSERT_TRUE(cr.valid) << cr.reason;
    EXPECT_FALSE(sr.bound);
    EXPECT_FALSE(cr.bound);
    EXPECT_NEAR(sr.imd_db, t.smpte_db, 0.1) << "channel " << ch;
    EXPECT_NEAR(sr.imd_pct, 100 * ratio_from_db(t.smpte_db), 100 * ratio_from_db(t.smpte_db) * 0.012);
    EXPECT_NEAR(cr.d2_db, t.d2_db, 0.1) << "channel " << ch;
    EXPECT_NEAR(cr.d3_db, t.d3_db, 0.2) << "channel " << ch;
  }
  // The two channels differ by what their models say (left 6 dB more H2: SMPTE and d2 about 6 dB higher).
  const auto ref = [&](const std::vector<ImdSeries>& v, int ch) {
    return v[static_cast<std::size_t>(ch)]
        .steps[static_cast<std::size_t>(v[static_cast<std::size_t>(ch)].reference_step)]
        .reading;
  };
  EXPECT_NEAR(ref(imd.ccif, 0).d2_db - ref(imd.ccif, 1).d2_db, 6.0, 0.15);
}

TEST(ImdRun, VersusLevelFollowsThePolynomialUpToTheMaximumLevel) {
  const ImdRun& r = shared_run();
  const auto& p = test::port_of(r.res, "line");
  ASSERT_TRUE(p.imd.has_value());
  const LoadResult* nominal = nullptr;
  for (const auto& l : p.loads)
    if (l.load_name == "10k") nominal = &l;
  ASSERT_NE(nominal, nullptr);
  for (int ch = 0; ch < 2; ++ch) {
    const auto& cf = nominal->channel_figures[static_cast<std::size_t>(ch)];
    ASSERT_TRUE(cf.max_level.at_1pct.found);
    const double top = cf.max_level.at_1pct.drive_dbfs;
    for (const auto* series : {&p.imd->smpte, &p.imd->ccif}) {
      const ImdSeries& s = (*series)[static_cast<std::size_t>(ch)];
      ASSERT_GE(s.steps.size(), 4u) << "from -40 dBFS in 12 dB steps to the maximum level";
      EXPECT_LE(s.steps.front().drive_dbfs, -40 + 12);
      // Ends at this channel's maximum-level drive, never above it, rising.
      EXPECT_NEAR(s.steps.back().drive_dbfs, top, 1e-9) << "channel " << ch;
      for (std::size_t i = 1; i < s.steps.size(); ++i) EXPECT_GT(s.steps[i].drive_dbfs, s.steps[i - 1].drive_dbfs);
      int checked = 0;
      for (const auto& st : s.steps) {
        if (st.drive_dbfs > -3 || st.drive_dbfs < -30) continue;  // below the rails' knee, above the noise
        ASSERT_TRUE(st.reading.valid) << st.reading.reason;
        const ImdTruth t = polynomial_truth(r.model.port("line")->ch(ch), st.drive_dbfs);
        if (st.reading.standard == ImdStandard::Smpte) {
          EXPECT_NEAR(st.reading.imd_db, t.smpte_db, 0.1) << "channel " << ch << " at " << st.drive_dbfs;
        } else {
          EXPECT_NEAR(st.reading.d2_db, t.d2_db, 0.1) << "channel " << ch << " at " << st.drive_dbfs;
          EXPECT_NEAR(st.reading.d3_db, t.d3_db, 0.2) << "channel " << ch << " at " << st.drive_dbfs;
        }
        ++checked;
      }
      EXPECT_GE(checked, 2);
    }
  }
  // Its stimulus: two two-tones of kImdToneS per drive.
  EXPECT_NEAR(p.imd->stimulus_s, 2 * engine::kImdToneS * static_cast<double>(p.imd->smpte[0].steps.size()), 1e-6);
}

TEST(ImdRun, DrivesFromTheReferenceInStepsToEachChannelsTop) {
  const auto d = engine::imd_drives(-20, {-1.5, -7.25}, 12);
  const std::vector<double> want = {-32, -20, -8, -7.25, -1.5};
  ASSERT_EQ(d.size(), want.size());
  for (std::size_t i = 0; i < d.size(); ++i) EXPECT_NEAR(d[i], want[i], 1e-12);
  // A top below the reference: the reference is still read.
  const auto low = engine::imd_drives(-20, {-26}, 6);
  EXPECT_NEAR(low.back(), -20, 1e-12);
}

}  // namespace
}  // namespace outbench
