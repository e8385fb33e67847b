// Sample rates and the analysis band on the simulated bench (docs/MEASUREMENTS.md "Sample rate and band"):
// a run at 44.1 kHz and 96 kHz recovers the model's |Zout|, response and THD+N within the 48 kHz tolerances
// (test_engine.cpp); a white-noise model reads the same in-band noise at 48 kHz and 96 kHz, and at 96 kHz its
// out-of-band noise (20 kHz..48 kHz) is the model's noise density times that bandwidth; --band 20:8000 lowers
// every white-noise figure by 10 log10(7980 / 19980) dB and moves the THD+N-versus-frequency harmonics marking.
//
// Truth: the model's noise sources are white with a density fixed in physical units (port_sim.hpp: noise_vrms
// and noise_dbfs are their 20 Hz..20 kHz RMS); 24-bit quantisation is white over 0..rate/2 (per sample, so its
// density halves at twice the rate; at -152 dBFS it is 27 dB under the ADC noise).
// Tolerances: |Zout| 2 % at 1 kHz and 5 % at 20 Hz, THD+N 0.5 dB, response 0.1 dB (as at 48 kHz); noise 0.3 dB
// (a 0.25 s capture reads white noise within about 0.05 dB; the same seed gives the same noise at both bands).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/response.hpp"
#include "analysis/units.hpp"
#include "measure/engine/plan.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "model_truth.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;

struct RateRun {
  sim::DeviceModel model;
  Results res;
};

// A quick run of `port` into `loads` with `tests` at `rate_hz` in band lo..hi, on the simulated bench.
RateRun run_at(sim::DeviceModel model, double rate_hz, const std::string& port, std::vector<std::string> loads,
               std::vector<std::string> tests, double lo_hz = 20, double hi_hz = 20000) {
  RateRun r{std::move(model), {}};
  r.res = test::quick_run(
      r.model, sim::bench_for_model(r.model, rate_hz),
      {.seed = 5, .ports = {port}, .loads = std::move(loads), .tests = std::move(tests), .more = [&](RunOptions& o) {
         o.band_lo_hz = lo_hz;
         o.band_hi_hz = hi_hz;
       }});
  return r;
}

sim::DeviceModel white_line() {  // the usb-interface line out, no mute, harmonics far below the noise
  return test::model_with("usb-interface.json", [](json& d) {
    d["ports"]["line"]["mute_on_silence"] = false;
    d["ports"]["line"]["h2_dbc_at_0dbfs"] = -200;
    d["ports"]["line"]["h3_dbc_at_0dbfs"] = -200;
  });
}

// The model's noise at the loopback input (dBFS) over bandwidth_hz at rate_hz: EMF noise through the divider,
// ADC noise (both given as their 20 Hz..20 kHz RMS), quantisation (white over 0..rate/2).
double model_noise_dbfs(const sim::DeviceModel& m, const sim::PortModel& pm, double load_ohms, double bandwidth_hz,
                        double rate_hz) {
  const double share = bandwidth_hz / 19980.0;
  const double emf = pm.noise_vrms * sim::divider_gain(pm, m.loopback, load_ohms, 1000) / m.loopback.full_scale_vrms;
  const double adc = ratio_from_db(m.loopback.noise_dbfs);
  const double q = std::sqrt(2.0) * std::ldexp(1.0, -23) / std::sqrt(12.0);
  return 10 * std::log10((emf * emf + adc * adc) * share + q * q * bandwidth_hz / (rate_hz / 2));
}

// |Zout|, response (the coupling capacitor's roll-off into 16 ohm) and THD+N at 44.1 kHz and 96 kHz, against
// the model with the 48 kHz tolerances; above 48 kHz the response is also read to 40 kHz.
TEST(RatesAndBand, RunsAt441And96kRecoverTheModel) {
  for (double rate : {44100.0, 96000.0}) {
    const RateRun r =
        run_at(test::model_with("usb-interface.json", nullptr), rate, "headphone", {"open", "16"}, {"zout", "thdn"});
    EXPECT_EQ(r.res.conditions.rate_hz, rate);
    const auto& p = test::port_of(r.res, "headphone");
    const auto* pm = r.model.port("headphone");
    ASSERT_TRUE(p.z_1k_ohms && p.z_20hz_ohms) << rate;
    const double z1k = std::abs(sim::source_impedance(*pm, 1000)), z20 = std::abs(sim::source_impedance(*pm, 20));
    EXPECT_NEAR(*p.z_1k_ohms, z1k, 0.02 * z1k) << rate;
    EXPECT_NEAR(*p.z_20hz_ohms, z20, 0.05 * z20) << rate;
    for (const auto& l : p.loads) {
      ASSERT_TRUE(l.valid) << rate << " " << l.load_name << ": " << l.problem;
      EXPECT_NEAR(l.thdn_ref.thdn_db, test::model_thdn_db(r.model, *pm, l.load_ohms, -20), 0.5)
          << rate << " into " << l.load_name;
      if (l.load_name != "16") continue;
      for (double f : {20.0, 45.0, 100.0, 10000.0, 20000.0}) {
        const auto h = response_at(l.response.points, f);
        ASSERT_TRUE(h) << rate << " at " << f;
        const double truth = db_from_ratio(sim::divider_gain(*pm, r.model.loopback, l.load_ohms, f) /
                                           sim::divider_gain(*pm, r.model.loopback, l.load_ohms, 1000));
        EXPECT_NEAR(db_from_ratio(std::abs(*h)) - l.response.gain_1k_db, truth, 0.1) << rate << " at " << f;
      }
      if (rate > 48000) {  // the response band reaches 40 kHz, and the points go that far
        EXPECT_EQ(r.res.conditions.response_wide_hi_hz, 40000.0);
        ASSERT_TRUE(l.response_deviation_wide_db);
        EXPECT_GE(*l.response_deviation_wide_db, *l.response_deviation_db);
        EXPECT_GT(l.response.points.back().freq_hz, 40000.0);
        EXPECT_TRUE(response_at(l.response.points, 40000.0));
      } else {
        EXPECT_EQ(r.res.conditions.response_wide_hi_hz, 0.0);
        EXPECT_FALSE(l.response_deviation_wide_db);
      }
    }
  }
}

// White noise: the same in-band figure at 48 kHz and 96 kHz (and the model's); at 96 kHz the out-of-band noise
// (20 kHz..48 kHz) is the model's density times 28 kHz, 1.47 dB above the in-band figure; none at 48 kHz.
TEST(RatesAndBand, WhiteNoiseInBandAndOutOfBandFollowTheModel) {
  const RateRun r48 = run_at(white_line(), 48000, "line", {"open"}, {"noise"});
  const RateRun r96 = run_at(white_line(), 96000, "line", {"open"}, {"noise"});
  const auto& pm = *r48.model.port("line");
  const auto& l48 = test::port_of(r48.res, "line").loads.at(0);
  const auto& l96 = test::port_of(r96.res, "line").loads.at(0);
  ASSERT_TRUE(l48.noise.valid && l96.noise.valid);
  const double in_band = model_noise_dbfs(r48.model, pm, l48.load_ohms, 19980, 48000);
  EXPECT_NEAR(l48.noise.noise_dbfs, in_band, 0.3);
  EXPECT_NEAR(l96.noise.noise_dbfs, model_noise_dbfs(r96.model, pm, l96.load_ohms, 19980, 96000), 0.3);
  EXPECT_NEAR(l96.noise.noise_dbfs, l48.noise.noise_dbfs, 0.3);
  EXPECT_FALSE(l48.noise_oob_dbfs);
  EXPECT_EQ(r48.res.conditions.out_of_band_hi_hz, 0.0);
  ASSERT_TRUE(l96.noise_oob_dbfs && l96.noise_oob_dbv);
  EXPECT_EQ(r96.res.conditions.out_of_band_lo_hz, 20000.0);
  EXPECT_EQ(r96.res.conditions.out_of_band_hi_hz, 48000.0);
  const double oob = model_noise_dbfs(r96.model, pm, l96.load_ohms, 28000, 96000);
  EXPECT_NEAR(*l96.noise_oob_dbfs, oob, 0.3);
  EXPECT_NEAR(*l96.noise_oob_dbv, *l96.noise_oob_dbfs + db_from_ratio(r96.model.loopback.full_scale_vrms), 1e-9);
  for (const auto& c : l96.channel_figures) {
    ASSERT_TRUE(c.noise_oob_dbfs) << c.channel;
    EXPECT_NEAR(*c.noise_oob_dbfs, oob, 0.3) << c.channel;
  }
}

// --band 20:8000: the idle noise, the noise under the -60 dBFS tone, the DR residual and the reference tone's
// THD+N (all white noise here) fall by 10 log10(7980 / 19980) dB; the A-weighted noise keeps its band; THD+N
// versus frequency marks the harmonics above the run's band.
TEST(RatesAndBand, NarrowBandLowersWhiteNoiseFigures) {
  const std::vector<std::string> tests = {"noise", "thdn", "thdn-freq"};
  const RateRun wide = run_at(white_line(), 48000, "line", {"open", "10k"}, tests);
  const RateRun narrow = run_at(white_line(), 48000, "line", {"open", "10k"}, tests, 20, 8000);
  EXPECT_EQ(narrow.res.conditions.band_lo_hz, 20.0);
  EXPECT_EQ(narrow.res.conditions.band_hi_hz, 8000.0);
  const double drop = 10 * std::log10(7980.0 / 19980.0);  // -3.98 dB
  const auto& pw = test::port_of(wide.res, "line");
  const auto& pn = test::port_of(narrow.res, "line");
  ASSERT_EQ(pw.loads.size(), pn.loads.size());
  for (std::size_t i = 0; i < pw.loads.size(); ++i) {
    const auto &w = pw.loads[i], &n = pn.loads[i];
    ASSERT_TRUE(w.valid && n.valid) << w.load_name;
    EXPECT_NEAR(n.noise.noise_dbfs - w.noise.noise_dbfs, drop, 0.3) << w.load_name;
    EXPECT_NEAR(n.noise.band_hi_hz, 8000.0, 1e-9);
    ASSERT_TRUE(n.noise_tone_dbfs && w.noise_tone_dbfs && n.dr_residual_dbfs && w.dr_residual_dbfs);
    // The notched estimate (harmonic bands at the local density, 0.25 s) spreads more: 0.38 dB seen, 0.5 allowed.
    EXPECT_NEAR(*n.noise_tone_dbfs - *w.noise_tone_dbfs, drop, 0.5) << w.load_name;
    EXPECT_NEAR(*n.dr_residual_dbfs - *w.dr_residual_dbfs, drop, 0.3) << w.load_name;
    EXPECT_NEAR(n.thdn_ref.thdn_db - w.thdn_ref.thdn_db, drop, 0.3) << w.load_name;
    EXPECT_NEAR(n.thdn_ref.band_hi_hz, 8000.0, 1e-9);
    EXPECT_NEAR(n.noise_a.noise_dbfs, w.noise_a.noise_dbfs, 0.01) << w.load_name;  // A keeps 20 Hz..20 kHz
  }
  ASSERT_FALSE(pn.thdn_vs_freq.empty());
  for (const auto& pt : pn.thdn_vs_freq) {
    const double hi = std::max(8000.0, std::min(1.05 * pt.freq_hz, 24000.0));  // moved out for a tone above it
    EXPECT_NEAR(pt.band_hi_hz, hi, 1e-9) << pt.freq_hz;
    int first = 0;
    for (int k = 2; k <= 10 && !first; ++k)
      if (k * pt.freq_hz > hi) first = k;
    EXPECT_EQ(pt.first_harmonic_out_of_band, first) << pt.freq_hz;
  }
}

// A band the run cannot use is refused before anything plays.
TEST(RatesAndBand, SequencerRefusesABadBand) {
  const auto model = test::model_with("usb-interface.json", nullptr);
  const BenchConfig bench = sim::bench_for_model(model, 48000);
  for (auto [lo, hi] : {std::pair{20.0, 30000.0}, {5.0, 20000.0}, {8000.0, 2000.0}, {600.0, 20000.0}}) {
    sim::SimulatedBench io(model, bench, 1);
    sim::SimulatedLoadSwitch sw(io);
    RunOptions opt;
    opt.quick = true;
    opt.band_lo_hz = lo;
    opt.band_hi_hz = hi;
    Results res;
    EXPECT_THROW(Sequencer(bench, io, sw, opt).run(res), std::invalid_argument) << lo << ":" << hi;
    EXPECT_TRUE(res.ports.empty()) << lo << ":" << hi;
  }
  EXPECT_EQ(engine::band_problem(20, 24000, 48000, 997), "");
  EXPECT_NE(engine::band_problem(20, 24000.5, 48000, 997).find("24000 Hz at 48000 Hz"), std::string::npos);
}

}  // namespace
}  // namespace outbench
