// README claims on the simulated bench, each against the device model or analytic truth: every reason the
// maximum-level search can stop (full scale, safety limit, compression, no signal), THD+N at 1 mW, and the
// A-weighted SNR.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/units.hpp"
#include "measure/engine/drive_limits.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "model_truth.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::fixture;
using test::model_with;

// Peak of a stimulus (all channels): a 0 dBFS sine peaks at 1.0.
double peak_of(const std::vector<std::vector<double>>& s) {
  double p = 0;
  for (const auto& ch : s)
    for (double v : ch) p = std::max(p, std::abs(v));
  return p;
}

// An output with a perfect limiter: above a peak drive of `threshold` the whole capture is scaled down so
// the output holds at the threshold's level (gain reduction without distortion, as a slow limiter does).
class LimiterIo : public AudioIo {
 public:
  LimiterIo(AudioIo& inner, double threshold_dbfs) : inner_(inner), threshold_(ratio_from_db(threshold_dbfs)) {}
  double rate_hz() const override { return inner_.rate_hz(); }
  Capture play_record(const std::vector<int>& o, const std::vector<std::vector<double>>& s, const std::vector<int>& i,
                      std::size_t n) override {
    Capture c = inner_.play_record(o, s, i, n);
    const double peak = peak_of(s);
    if (peak > threshold_)
      for (auto& ch : c.channels)
        for (auto& v : ch) v *= threshold_ / peak;
    return c;
  }

 private:
  AudioIo& inner_;
  double threshold_;
};

// An output whose protection mutes it above a peak drive of `threshold`: nothing comes back.
class MutingIo : public AudioIo {
 public:
  MutingIo(AudioIo& inner, double threshold_dbfs) : inner_(inner), threshold_(ratio_from_db(threshold_dbfs)) {}
  double rate_hz() const override { return inner_.rate_hz(); }
  Capture play_record(const std::vector<int>& o, const std::vector<std::vector<double>>& s, const std::vector<int>& i,
                      std::size_t n) override {
    Capture c = inner_.play_record(o, s, i, n);
    if (peak_of(s) > threshold_)
      for (auto& ch : c.channels) std::fill(ch.begin(), ch.end(), 0.0);
    return c;
  }

 private:
  AudioIo& inner_;
  double threshold_;
};

struct SimResult {
  sim::DeviceModel model;
  BenchConfig bench;
  Results res;
  const PortResult& port(const std::string& n) const { return test::port_of(res, n); }
  const LoadResult& load(const std::string& port_name, const std::string& load_name) const {
    for (const auto& l : port(port_name).loads)
      if (l.load_name == load_name) return l;
    throw std::runtime_error("no load " + load_name);
  }
};

// A run on the simulated bench (calibrated from the model), optionally through a wrapper around the bench's
// audio and with the bench's safety limits changed.
SimResult simulate(sim::DeviceModel model, std::vector<std::string> ports, std::vector<std::string> loads, bool quick,
                   const std::function<void(BenchConfig&)>& edit_bench = {},
                   const std::function<std::unique_ptr<AudioIo>(AudioIo&)>& wrap = {}) {
  SimResult r;
  r.model = std::move(model);
  r.bench = sim::bench_for_model(r.model, 48000);
  if (edit_bench) edit_bench(r.bench);
  sim::SimulatedBench io(r.model, r.bench, 11);
  sim::SimulatedLoadSwitch sw(io);
  std::unique_ptr<AudioIo> wrapped = wrap ? wrap(io) : nullptr;
  RunOptions opt;
  opt.quick = quick;
  opt.seed = 11;
  opt.ports = std::move(ports);
  opt.loads = std::move(loads);
  Sequencer(r.bench, wrapped ? *wrapped : io, sw, opt).run(r.res);
  return r;
}

// Vrms across `load_ohms` for a drive, from the model (EMF times the divider with the loopback input).
double model_vrms(const SimResult& r, const std::string& port, double load_ohms, double drive_dbfs) {
  const auto& pm = *r.model.port(port);
  return pm.vrms_at_0dbfs * ratio_from_db(pm.volume_db) * ratio_from_db(drive_dbfs) *
         sim::divider_gain(pm, r.model.loopback, load_ohms, 997);
}

// full_scale: a clean 1 Vrms line out with rails far above it never reaches 1 % THD+N; the search ends at
// the bench's maximum drive (0 dBFS) and reports the level there.
TEST(StopReason, FullScale) {
  const auto model = model_with("usb-interface.json", [](json& d) {
    d["ports"].erase("headphone");
    d["ports"]["line"]["vrms_at_0dbfs"] = 1.0;
    d["ports"]["line"]["rail_vpeak"] = 10.0;
    d["ports"]["line"]["current_limit_apeak"] = 1.0;
  });
  const SimResult r = simulate(model, {"line"}, {"open", "10k"}, true);
  for (const auto& l : r.port("line").loads) {
    const auto& ml = l.max_level;
    EXPECT_EQ(ml.stop_reason, "full_scale") << l.load_name;
    EXPECT_NE(ml.explanation.find("full-scale"), std::string::npos) << ml.explanation;
    ASSERT_TRUE(ml.at_1pct.found && ml.at_1pct.vrms) << l.load_name;
    EXPECT_DOUBLE_EQ(ml.at_1pct.drive_dbfs, 0.0) << l.load_name;
    EXPECT_NEAR(db_from_ratio(*ml.at_1pct.vrms / model_vrms(r, "line", l.load_ohms, 0.0)), 0.0, 0.05) << l.load_name;
    // The model's own fine search agrees: THD+N never crosses 1 % or 0.1 % below full scale.
    EXPECT_NEAR(db_from_ratio(*ml.at_1pct.vrms / test::model_max_vrms(r.model, *r.model.port("line"), l.load_ohms)),
                0.0, 0.05);
    ASSERT_TRUE(ml.at_0p1pct.found);
    EXPECT_DOUBLE_EQ(ml.at_0p1pct.drive_dbfs, 0.0);
    // Neither limit was crossed: both points are the highest clean level, lower bounds of the limits.
    EXPECT_FALSE(ml.at_1pct.crossed) << l.load_name;
    EXPECT_FALSE(ml.at_0p1pct.crossed) << l.load_name;
  }
}

// safety_limit: the bench allows at most 1 Vrms and 1 mW (calibrated bench); the typical line out (3.9 V
// EMF) is capped there, long before 1 % THD+N, and the search ends exactly at the cap, kSafetyMarginDb below
// the limit (drive_limits.hpp).
TEST(StopReason, SafetyLimit) {
  const auto model = sim::load_device_model(fixture("devices/usb-interface.json"));
  const SimResult r = simulate(model, {"line"}, {"open", "10k", "600"}, true, [](BenchConfig& b) {
    b.safety.max_vrms = 1.0;
    b.safety.max_mw = 1.0;
  });
  for (const auto& l : r.port("line").loads) {
    const auto& ml = l.max_level;
    EXPECT_EQ(ml.stop_reason, "safety_limit") << l.load_name;
    EXPECT_NE(ml.explanation.find("safety limit"), std::string::npos) << ml.explanation;
    ASSERT_TRUE(ml.at_1pct.found && ml.at_1pct.vrms) << l.load_name;
    // 10k and open: the 1 Vrms limit (1 mW into 10k is 3.2 V); 600 ohm: 1 mW = 0.775 Vrms.
    const double limit_vrms = l.load_name == "600" ? std::sqrt(1e-3 * 600.0) : 1.0;
    const double cap_vrms = limit_vrms * ratio_from_db(-kSafetyMarginDb);
    EXPECT_NEAR(db_from_ratio(*ml.at_1pct.vrms / cap_vrms), 0.0, 0.05) << l.load_name << ": " << *ml.at_1pct.vrms;
    EXPECT_LE(*ml.at_1pct.vrms, cap_vrms * 1.005) << l.load_name;
    // Nothing above the cap was played: every step's output stays under it.
    for (const auto& s : l.thdn_vs_level) {
      ASSERT_TRUE(s.out_vrms);
      EXPECT_LE(*s.out_vrms, cap_vrms * 1.005) << l.load_name << " at " << s.drive_dbfs;
    }
    // The drive that gives the cap, from the model.
    EXPECT_NEAR(ml.at_1pct.drive_dbfs, db_from_ratio(cap_vrms / model_vrms(r, "line", l.load_ohms, 0.0)), 0.05)
        << l.load_name;
    if (l.load_name == "600") {
      ASSERT_TRUE(ml.at_1pct.mw);
      EXPECT_NEAR(*ml.at_1pct.mw, 1.0 * std::pow(10.0, -kSafetyMarginDb / 10), 0.012);
    }
  }
}

// compression: the output stops rising with the drive while THD+N stays low (a limiter holding the output at
// a -12 dBFS drive). The search stops at the first step that rose 1 dB short of the drive step, and the
// level reported is the limiter's.
TEST(StopReason, Compression) {
  const auto model = sim::load_device_model(fixture("devices/usb-interface.json"));
  for (const bool quick : {true, false}) {
    const SimResult r = simulate(model, {"line"}, {"open", "10k"}, quick, {},
                                 [](AudioIo& io) { return std::make_unique<LimiterIo>(io, -12.0); });
    for (const auto& l : r.port("line").loads) {
      const auto& ml = l.max_level;
      EXPECT_EQ(ml.stop_reason, "compression") << l.load_name << (quick ? " quick" : "");
      EXPECT_NE(ml.explanation.find("stopped rising"), std::string::npos) << ml.explanation;
      ASSERT_TRUE(ml.at_1pct.found && ml.at_1pct.vrms) << l.load_name;
      EXPECT_NEAR(db_from_ratio(*ml.at_1pct.vrms / model_vrms(r, "line", l.load_ohms, -12.0)), 0.0, 0.05)
          << l.load_name;
      EXPECT_GT(ml.at_1pct.drive_dbfs, -12.0);  // the step that showed the compression
      EXPECT_LT(l.thdn_vs_level.back().thdn_db.value(), -80.0);
    }
  }
}

// no_signal: the output mutes above a -16 dBFS drive (a protection circuit): the search stops at the first
// step with no tone, no maximum level is claimed, and every step before it is a clean, rising tone.
TEST(StopReason, NoSignal) {
  const auto model = sim::load_device_model(fixture("devices/usb-interface.json"));
  const SimResult r = simulate(model, {"line"}, {"10k"}, true, {},
                               [](AudioIo& io) { return std::make_unique<MutingIo>(io, -16.0 + 0.01); });
  const auto& l = r.load("line", "10k");
  const auto& ml = l.max_level;
  EXPECT_EQ(ml.stop_reason, "no_signal");
  EXPECT_EQ(ml.explanation, "no tone came back");
  EXPECT_FALSE(ml.at_1pct.found);
  EXPECT_FALSE(ml.valid);
  ASSERT_GE(l.thdn_vs_level.size(), 2u);
  EXPECT_FALSE(l.thdn_vs_level.back().valid());
  EXPECT_FALSE(l.thdn_vs_level.back().out_dbfs || l.thdn_vs_level.back().thdn_db || l.thdn_vs_level.back().out_vrms);
  EXPECT_NEAR(l.thdn_vs_level.back().drive_dbfs, -10.0, 1e-9);  // -40, -34, ..., -16, then -10 (6 dB steps)
  for (std::size_t i = 0; i + 1 < l.thdn_vs_level.size(); ++i) {
    const auto& s = l.thdn_vs_level[i];
    EXPECT_TRUE(s.valid()) << s.drive_dbfs;
    ASSERT_TRUE(s.out_vrms);
    EXPECT_NEAR(db_from_ratio(*s.out_vrms / model_vrms(r, "line", 10e3, s.drive_dbfs)), 0.0, 0.05) << s.drive_dbfs;
  }
}

// THD+N at 1 mW into each headphone load (calibrated bench): the drive that gives 1 mW follows from the
// model's EMF and divider, the level measured there is 1 mW, and THD+N matches the model at that drive.
TEST(Figures, ThdnAtOneMilliwatt) {
  const auto model = sim::load_device_model(fixture("devices/usb-interface.json"));
  const SimResult r = simulate(model, {"headphone"}, {"open", "300", "32", "16"}, true);
  const auto& pm = *r.model.port("headphone");
  int checked = 0;
  for (const auto& l : r.port("headphone").loads) {
    if (l.load_name == "open") {
      EXPECT_TRUE(l.at_levels.empty());
      continue;
    }
    ASSERT_EQ(l.at_levels.size(), 1u) << l.load_name;
    const auto& a = l.at_levels.front();
    EXPECT_EQ(a.what, "1 mW");
    const double want_vrms = std::sqrt(1e-3 * l.load_ohms);
    EXPECT_NEAR(a.drive_dbfs, db_from_ratio(want_vrms / model_vrms(r, "headphone", l.load_ohms, 0.0)), 0.05)
        << l.load_name;
    ASSERT_TRUE(a.thdn.valid) << l.load_name;
    EXPECT_NEAR(1e3 * a.out_vrms * a.out_vrms / l.load_ohms, 1.0, 0.012) << l.load_name;  // mW, within 0.05 dB
    EXPECT_NEAR(a.thdn.thdn_db, test::model_thdn_db(r.model, pm, l.load_ohms, a.drive_dbfs), 0.5) << l.load_name;
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

// IEC 61672-1 A-weighting, written out independently of analysis/weighting.cpp.
double a_weight_power(double f) {
  const double f2 = f * f, c1 = 20.598997 * 20.598997, c2 = 107.65265 * 107.65265, c3 = 737.86223 * 737.86223,
               c4 = 12194.217 * 12194.217;
  const double ra = c4 * f2 * f2 / ((f2 + c1) * std::sqrt((f2 + c2) * (f2 + c3)) * (f2 + c4));
  const double g = ra * std::pow(10.0, 2.0 / 20);
  return g * g;
}

// A-weighted SNR: the simulated noise is white (EMF noise, ADC noise, quantisation), so A-weighting changes
// it by the mean of |A(f)|^2 over 20 Hz..20 kHz (-2.05 dB, integrated here); the SNR is the maximum level
// over that noise.
TEST(Figures, AWeightedSnr) {
  double mean_a2 = 0;
  const int n = 200000;
  for (int k = 0; k < n; ++k) mean_a2 += a_weight_power(20.0 + (k + 0.5) * 19980.0 / n);
  mean_a2 /= n;
  const double a_gain_db = 10 * std::log10(mean_a2);  // -2.05 dB
  // The formula against IEC 61672-1's table: 0 dB at 1 kHz, -19.1 dB at 100 Hz, -2.5 dB at 10 kHz.
  EXPECT_NEAR(10 * std::log10(a_weight_power(1000)), 0.0, 0.01);
  EXPECT_NEAR(10 * std::log10(a_weight_power(100)), -19.1, 0.05);
  EXPECT_NEAR(10 * std::log10(a_weight_power(10000)), -2.5, 0.05);

  const auto model = sim::load_device_model(fixture("devices/usb-interface.json"));
  const SimResult r = simulate(model, {"line"}, {"open", "10k", "600"}, true);
  const auto& pm = *r.model.port("line");
  for (const auto& l : r.port("line").loads) {
    const double g = sim::divider_gain(pm, r.model.loopback, l.load_ohms, 1000);
    const double emf = pm.noise_vrms * g / r.model.loopback.full_scale_vrms;
    const double adc = ratio_from_db(r.model.loopback.noise_dbfs);
    const double quant = std::sqrt(2.0) * std::ldexp(1.0, -23) / std::sqrt(12.0) * std::sqrt(19980.0 / 24000.0);
    const double truth_a_dbfs = 10 * std::log10(emf * emf + adc * adc + quant * quant) + a_gain_db;
    ASSERT_TRUE(l.noise_a.valid && l.snr_a_db && l.snr_db) << l.load_name;
    EXPECT_NEAR(l.noise_a.noise_dbfs, truth_a_dbfs, 0.5) << l.load_name;
    EXPECT_NEAR(*l.snr_a_db, l.max_level.at_1pct.out_dbfs - truth_a_dbfs, 0.5) << l.load_name;
    EXPECT_NEAR(*l.snr_a_db - *l.snr_db, -a_gain_db, 0.3) << l.load_name;
    ASSERT_TRUE(l.noise_a_dbv);
    EXPECT_NEAR(*l.noise_a_dbv, truth_a_dbfs + db_from_ratio(r.model.loopback.full_scale_vrms), 0.5);
  }
}

}  // namespace
}  // namespace outbench
