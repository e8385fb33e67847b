// Two clocks (measure/engine/two_clocks.hpp): the phone dongle (headphone out only) measured with its clock
// offset against the analyser's by +150 and -80 ppm, against the same model on one clock: every figure within
// the tolerances the one-clock run is held to (|Zout| 2 %, THD+N 0.5 dB, maximum level 0.3 dB against the
// model), the response and crosstalk against the one-clock run, the ppm within 1 ppm of the model's; a clock
// that wanders is a warning with its slope.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>

#include "analysis/units.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/engine/two_clocks.hpp"
#include "measure/sim/clock_stream.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "model_truth.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

struct ClockRun {
  sim::DeviceModel model;
  Results res;
  ClockRun(double ppm, double wander_ppm_per_min = 0) {
    model = test::model_with("phone-dongle.json", [&](nlohmann::json& d) {
      if (ppm != 0) d["clock_ppm"] = ppm;
      if (wander_ppm_per_min != 0) d["clock_wander_ppm_per_min"] = wander_ppm_per_min;
    });
    res = test::quick_run(model, sim::bench_for_model(model, 48000), {.rules = test::default_rules()});
  }
};

const ClockRun& one_clock() {
  static const ClockRun r(0);
  return r;
}

const ResponsePoint& point_at(const ResponseResult& r, double f_hz) {
  const ResponsePoint* best = &r.points.at(0);
  for (const auto& p : r.points)
    if (std::abs(std::log(p.freq_hz / f_hz)) < std::abs(std::log(best->freq_hz / f_hz))) best = &p;
  return *best;
}
double gain_at(const ResponseResult& r, double f_hz) {
  return point_at(r, f_hz).gain_db;
}
// Phase difference (degrees, wrapped): the figures above tolerate an uncorrected drift of 150 ppm in a quick
// run; the phase of the response does not (a capture stretched by 12 samples over the sweep). 5 degrees at
// 20 kHz is 0.03 samples: the latency itself is scaled by the ratio (96 samples * 150 ppm = 0.014 samples).
double phase_diff_deg(const ResponseResult& a, const ResponseResult& b, double f_hz) {
  return std::remainder(point_at(a, f_hz).phase_deg - point_at(b, f_hz).phase_deg, 360.0);
}

class TwoClocks : public ::testing::TestWithParam<double> {};

TEST_P(TwoClocks, EveryFigureAsOnOneClockAndThePpmWithinOne) {
  const double ppm = GetParam();
  const ClockRun run(ppm);
  const auto& ref = one_clock();
  EXPECT_FALSE(ref.res.conditions.clock.has_value());  // one clock: no markers, nothing reported
  ASSERT_TRUE(run.res.conditions.clock.has_value());
  const auto& c = *run.res.conditions.clock;
  EXPECT_NEAR(c.mean_ppm, ppm, 1.0);
  EXPECT_GT(c.captures.size(), 20u);
  for (const auto& k : c.captures) {
    EXPECT_NEAR(k.ppm, ppm, 1.0) << k.capture;
    EXPECT_LE(k.u_ppm, engine::kResolveUPpm) << k.capture;
  }
  // The level probe's first step (-100 dBFS: markers about as strong as the analyser's noise) cannot resolve
  // 1 ppm: listed apart, within 5 of its own u of the truth (seen: 149.62 +- 1.34 at +150).
  EXPECT_LE(c.unresolved.size(), 3u);
  for (const auto& k : c.unresolved) {
    EXPECT_GT(k.u_ppm, engine::kResolveUPpm) << k.capture;
    EXPECT_NEAR(k.ppm, ppm, 5 * k.u_ppm) << k.capture;
    EXPECT_TRUE(k.capture.ends_with("-probe")) << k.capture;
  }
  for (const auto& k : c.captures) std::printf("  %s %.3f +- %.3f\n", k.capture.c_str(), k.ppm, k.u_ppm);
  for (const auto& k : c.unresolved) std::printf("  unresolved %s %.3f +- %.3f\n", k.capture.c_str(), k.ppm, k.u_ppm);
  EXPECT_LT(c.spread_ppm, 2.0);
  for (const auto& w : run.res.warnings) EXPECT_EQ(w.find("moved by"), std::string::npos) << w;  // no false wander
  const auto& p = test::port_of(run.res, "headphone");
  const auto& p1 = test::port_of(ref.res, "headphone");
  const auto* pm = run.model.port("headphone");
  ASSERT_TRUE(p.z_1k_ohms);
  const double z1k = std::abs(sim::source_impedance(*pm, 1000));
  EXPECT_NEAR(*p.z_1k_ohms, z1k, 0.02 * z1k);
  ASSERT_EQ(p.loads.size(), p1.loads.size());
  for (std::size_t i = 0; i < p.loads.size(); ++i) {
    const auto& l = p.loads[i];
    const auto& l1 = p1.loads[i];
    ASSERT_TRUE(l.valid) << l.problem;
    EXPECT_NEAR(l.thdn_ref.thdn_db, test::model_thdn_db(run.model, *pm, l.load_ohms, -20), 0.5) << l.load_name;
    const auto& pt = l.max_level.at_1pct;
    ASSERT_TRUE(pt.found && pt.vrms) << l.load_name;
    EXPECT_NEAR(db_from_ratio(*pt.vrms / test::model_max_vrms(run.model, *pm, l.load_ohms, -40)), 0.0, 0.3)
        << l.load_name;
    for (double f : {20.0, 1000.0, 10000.0, 20000.0}) {
      EXPECT_NEAR(gain_at(l.response, f), gain_at(l1.response, f), 0.02) << l.load_name << " at " << f << " Hz";
      EXPECT_NEAR(phase_diff_deg(l.response, l1.response, f), 0.0, 5.0) << l.load_name << " at " << f << " Hz";
    }
    ASSERT_EQ(l.crosstalk.size(), l1.crosstalk.size());
    for (std::size_t k = 0; k < l.crosstalk.size(); ++k)
      EXPECT_NEAR(l.crosstalk[k].l_to_r_db, l1.crosstalk[k].l_to_r_db, 1.0) << l.load_name;
  }
}

// +150 and -80 as the issue asks; +/- 200, the range the figures are verified for; +/- 1000, the model's limit
// (seen before the markers were matched to the clock's stretch: 1200.8 ppm on every short capture at +1000).
INSTANTIATE_TEST_SUITE_P(PhoneDongle, TwoClocks, ::testing::Values(150.0, -80.0, 200.0, -200.0, 1000.0, -1000.0));

// A clock that moves by 10 ppm per minute: followed capture by capture (the figures hold), its slope
// reported, and a warning.
TEST(TwoClocksWander, IsReportedAndWarned) {
  const ClockRun run(50, 10);
  ASSERT_TRUE(run.res.conditions.clock.has_value());
  const auto& c = *run.res.conditions.clock;
  EXPECT_NEAR(c.wander_ppm_per_min, 10.0, 1.0);
  EXPECT_GT(c.spread_ppm, 2.0);
  bool warned = false;
  for (const auto& w : run.res.warnings) warned |= w.find("moved by") != std::string::npos;
  EXPECT_TRUE(warned);
  const auto& l = test::port_of(run.res, "headphone").loads.front();
  EXPECT_NEAR(l.thdn_ref.thdn_db, test::model_thdn_db(run.model, *run.model.port("headphone"), l.load_ohms, -20), 0.5);
}

// A clock that wanders by 60 and 100 ppm/min (+150 ppm at the start): the open and the loaded sweeps are
// corrected by different ratios; |Zout| at 19.6 kHz stays within its stated u95 of the model's (seen before the
// captures were anchored on their first marker: 1.164 +- 0.021 ohm for 1.000 at 100 ppm/min, 1.042 at 60).
TEST(TwoClocksWander, ZoutHoldsAtHighFrequency) {
  for (double wander : {60.0, 100.0}) {
    const ClockRun run(150, wander);
    const auto& port = test::port_of(run.res, "headphone");
    ASSERT_FALSE(port.impedance.empty());
    const ImpedancePoint* best = &port.impedance.front();
    for (const auto& pt : port.impedance)
      if (std::abs(std::log(pt.freq_hz / 19600.0)) < std::abs(std::log(best->freq_hz / 19600.0))) best = &pt;
    const double truth = std::abs(sim::source_impedance(*run.model.port("headphone"), best->freq_hz));
    std::printf("  wander %.0f ppm/min: |Zout| at %.0f Hz %.4f +- %.4f (model %.4f)\n", wander, best->freq_hz,
                best->magnitude_ohms(), best->u95_ohms, truth);
    EXPECT_GT(best->u95_ohms, 0.0);
    EXPECT_NEAR(best->magnitude_ohms(), truth, best->u95_ohms) << wander << " ppm/min";
  }
}

// The clock's figures from the resolved captures only; none resolved, or a clock beyond +/- 200 ppm: warned.
TEST(TwoClocksSummary, UnresolvedCapturesAreListedApartAndOutOfTheFigures) {
  std::vector<std::string> w;
  const auto s = engine::summarise_clock(
      {{"hp-open-probe", 147.0, 1.3, 0}, {"hp-open-sweep", 150.1, 0.01, 1}, {"hp-open-ref-tone", 149.9, 0.02, 12}}, w);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->captures.size(), 2u);
  ASSERT_EQ(s->unresolved.size(), 1u);
  EXPECT_EQ(s->unresolved[0].capture, "hp-open-probe");
  EXPECT_DOUBLE_EQ(s->mean_ppm, 150.0);
  EXPECT_NEAR(s->spread_ppm, 0.2, 1e-9);
  EXPECT_DOUBLE_EQ(s->resolve_u_ppm, engine::kResolveUPpm);
  EXPECT_TRUE(w.empty());  // the probe's 3 ppm off is not a wandering clock
  // Nothing resolved: the figures from what there is, and a warning saying so.
  const auto n = engine::summarise_clock({{"a", 147.0, 1.3, 0}, {"b", 152.0, 0.9, 1}}, w);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->captures.empty());
  EXPECT_DOUBLE_EQ(n->mean_ppm, 149.5);
  ASSERT_GE(w.size(), 1u);
  EXPECT_NE(w[0].find("no capture's timing markers resolve the clock"), std::string::npos) << w[0];
  // A clock 500 ppm off is corrected, but beyond what the figures are verified for: a warning.
  w.clear();
  engine::summarise_clock({{"a", 500.0, 0.01, 0}}, w);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("+500 ppm off the analyser's, beyond the +/- 200"), std::string::npos) << w[0];
}

// The virtual DUT's clock on JACK (measure/sim/clock_stream.hpp): a tone in 256-frame blocks comes out as the
// tone at k * (1 + ppm) - queue, within -110 dB, fast or slow, and with no underrun over 10 s.
TEST(ClockStream, PlaysTheInputOnItsOwnClock) {
  constexpr double kFs = 48000, kF = 19000;
  for (double ppm : {150.0, -80.0}) {
    const double queue = ppm > 0 ? 3000 : 128, r = 1 + ppm * 1e-6;
    sim::ClockStream cs(ppm, queue);
    std::vector<float> in(256), out(256);
    double worst = 0;
    for (std::size_t block = 0; block < 1875; ++block) {
      for (std::size_t i = 0; i < 256; ++i)
        in[i] =
            static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * kF * static_cast<double>(block * 256 + i) / kFs));
      cs.process(in.data(), out.data(), 256);
      if (block < 40) continue;  // the queue's silence first
      for (std::size_t i = 0; i < 256; ++i) {
        const double k = static_cast<double>(block * 256 + i);
        worst = std::max(worst, std::abs(out[i] - 0.5 * std::sin(2 * std::numbers::pi * kF * (k * r - queue) / kFs)));
      }
    }
    EXPECT_LE(static_cast<double>(cs.underruns()), queue + 64);  // the queue's start only
    EXPECT_LT(db_from_ratio(worst / 0.5), -110.0) << ppm;
  }
}

}  // namespace
}  // namespace outbench
