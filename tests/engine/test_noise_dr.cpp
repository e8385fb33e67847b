// Noise, SNR and dynamic range on the simulated bench against the device model's truth (docs/MEASUREMENTS.md
// "Noise, SNR and dynamic range"): both referenced to the maximum level the port reaches into the load,
// unweighted and A-weighted; the noise under a -60 dBFS tone; an output that mutes on digital silence.
//
// Truth: the model's noise is white (EMF noise through the divider, ADC noise, 24-bit quantisation), so its
// in-band power is the sum of the three and A-weighting scales it by the mean of |A(f)|^2 over 20 Hz..20 kHz
// (integrated here). The maximum level comes from the model's own fine search (model_truth.hpp).
// Tolerance 0.5 dB on SNR and DR: 0.3 dB for the maximum level (the level search's resolution, as in the
// maximum-level tests) plus 0.2 dB for a noise reading of a 0.25 s capture (its statistical spread is about
// 0.05 dB).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "analysis/units.hpp"
#include "analysis/weighting.hpp"
#include "measure/engine/load_procedure.hpp"
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

// The usb-interface model with its line port edited, through a file (the loader validates it).
sim::DeviceModel usb_line_with(const std::function<void(json&)>& edit) {
  return model_with("usb-interface.json", [&](json& dev) { edit(dev["ports"]["line"]); });
}

struct LineRun {
  sim::DeviceModel model;
  Results res;
  const PortResult& line() const { return res.ports.at(0); }
};

// A quick run of the line port into `loads` on the simulated bench, calibrated from the model.
LineRun run_line(sim::DeviceModel model, std::vector<std::string> loads) {
  LineRun r{std::move(model), {}};
  r.res = test::quick_run(r.model, sim::bench_for_model(r.model, 48000),
                          {.seed = 11, .ports = {"line"}, .loads = std::move(loads)});
  return r;
}

// Mean of |A(f)|^2 over 20 Hz..20 kHz, in dB (-2.05 dB): what A-weighting does to white noise.
double a_gain_white_db() {
  double w = 0;
  const int n = 20000;
  for (int k = 0; k < n; ++k) w += std::pow(weighting_gain(Weighting::A, 20.0 + (k + 0.5) * 19980.0 / n), 2);
  return 10 * std::log10(w / n);
}

// In-band noise at the loopback input (dBFS): EMF noise through the divider (when `with_emf`), ADC, quantisation.
double model_noise_dbfs(const sim::DeviceModel& m, const sim::PortModel& pm, double load_ohms, bool with_emf) {
  const double emf =
      with_emf ? pm.noise_vrms * sim::divider_gain(pm, m.loopback, load_ohms, 1000) / m.loopback.full_scale_vrms : 0.0;
  const double adc = ratio_from_db(m.loopback.noise_dbfs);
  const double quant = std::sqrt(2.0) * std::ldexp(1.0, -23) / std::sqrt(12.0) * std::sqrt(19980.0 / 24000.0);
  return 10 * std::log10(emf * emf + adc * adc + quant * quant);
}

double model_max_dbfs(const sim::DeviceModel& m, const sim::PortModel& pm, double load_ohms) {
  return db_from_ratio(test::model_max_vrms(m, pm, load_ohms) / m.loopback.full_scale_vrms);
}

// SNR and DR of the line out (noise 5 uVrms, 100 ohm, +14 dBu at 0 dBFS), relative to the maximum level into
// each load, unweighted and A, against the model; the noise under the tone reads the same noise as idle, so
// the output is not flagged as muting.
TEST(NoiseDr, SnrAndDrRelativeToMaximumLevelMatchModel) {
  const LineRun r = run_line(usb_line_with([](json& p) { p["mute_on_silence"] = false; }), {"open", "10k", "600"});
  const auto& pm = *r.model.port("line");
  const double a_db = a_gain_white_db();
  ASSERT_EQ(r.line().loads.size(), 3u);
  for (const auto& l : r.line().loads) {
    const double noise = model_noise_dbfs(r.model, pm, l.load_ohms, true);
    // The -60 dBFS tone's residual: the noise plus its harmonics (H2 -170 dBc, H3 -225 dBc: nothing).
    const double top = model_max_dbfs(r.model, pm, l.load_ohms);
    ASSERT_TRUE(l.snr_db && l.snr_a_db && l.dynamic_range_db && l.dynamic_range_a_db) << l.load_name;
    EXPECT_NEAR(*l.snr_db, top - noise, 0.5) << l.load_name;
    EXPECT_NEAR(*l.snr_a_db, top - noise - a_db, 0.5) << l.load_name;
    EXPECT_NEAR(*l.dynamic_range_db, top - noise, 0.5) << l.load_name;
    EXPECT_NEAR(*l.dynamic_range_a_db, top - noise - a_db, 0.5) << l.load_name;
    // The figures are the maximum level over the readings, exactly.
    // Exactly, per channel (the headline SNR is the worse channel's, its maximum level and noise may be another's).
    const auto& fs = l.channel_figures.at(static_cast<std::size_t>(l.worse_channel.at("snr")));
    EXPECT_NEAR(*l.snr_db, fs.max_level.at_1pct.out_dbfs - fs.noise.noise_dbfs, 1e-9);
    const auto& fd = l.channel_figures.at(static_cast<std::size_t>(l.worse_channel.at("dynamic_range")));
    EXPECT_NEAR(*l.dynamic_range_db, fd.max_level.at_1pct.out_dbfs - *fd.dr_residual_dbfs, 1e-9);
    // Noise under the tone, notched: the same white noise as idle.
    ASSERT_TRUE(l.noise_tone_dbfs && l.noise_tone_a_dbfs && l.noise_tone_dbv) << l.load_name;
    EXPECT_NEAR(*l.noise_tone_dbfs, noise, 0.3) << l.load_name;
    EXPECT_NEAR(*l.noise_tone_a_dbfs, noise + a_db, 0.3) << l.load_name;
    EXPECT_NEAR(*l.noise_tone_dbv, *l.noise_tone_dbfs + db_from_ratio(r.model.loopback.full_scale_vrms), 1e-9);
    EXPECT_FALSE(l.mutes_on_silence) << l.load_name;
  }
  for (const auto& w : r.res.warnings) EXPECT_EQ(w.find("mutes on digital silence"), std::string::npos) << w;
}

// A rail-clipping line out (rails +/-2 V: the maximum level is about 9 dB below the output at 0 dBFS drive):
// DR is referenced to the level the port reaches, so it cannot exceed the SNR (the -60 dBFS tone's residual
// holds at least the noise); relative to 0 dBFS drive it read about 9 dB more than the SNR.
TEST(NoiseDr, RailClippingOutputDrIsRelativeToItsMaximumLevel) {
  const LineRun r = run_line(usb_line_with([](json& p) { p["rail_vpeak"] = 2.0; }), {"10k"});
  const auto& pm = *r.model.port("line");
  const auto& l = r.line().loads.at(0);
  const double top = model_max_dbfs(r.model, pm, l.load_ohms);
  const double full = db_from_ratio(pm.vrms_at_0dbfs * sim::divider_gain(pm, r.model.loopback, l.load_ohms, 997) /
                                    r.model.loopback.full_scale_vrms);
  ASSERT_LT(top, full - 8.0);  // the premise: 0 dBFS drive is out of reach
  const double noise = model_noise_dbfs(r.model, pm, l.load_ohms, true);
  ASSERT_TRUE(l.snr_db && l.dynamic_range_db && l.dynamic_range_a_db);
  EXPECT_NEAR(*l.dynamic_range_db, top - noise, 0.5);
  EXPECT_NEAR(*l.snr_db, top - noise, 0.5);
  EXPECT_LT(*l.dynamic_range_db, *l.snr_db + 0.2);
}

// A line out that mutes on digital silence: idle noise reads the ADC's floor (no EMF noise), the noise under
// the tone the device's; the load is flagged, a warning says so, and the SNR uses the noise under the tone,
// so it agrees with the model's (unmuted) truth. Into 300 ohm the device's noise is too close to the ADC's
// for the mute to show by 3 dB; it is flagged as the port's, found into the open load, all the same.
TEST(NoiseDr, MutingOutputIsFlaggedAndUsesTheNoiseUnderTheTone) {
  const LineRun r = run_line(usb_line_with([](json& p) { p["mute_on_silence"] = true; }), {"open", "10k", "300"});
  const auto& pm = *r.model.port("line");
  ASSERT_TRUE(pm.mute_on_silence);
  const double a_db = a_gain_white_db();
  ASSERT_EQ(r.line().loads.size(), 3u);
  for (const auto& l : r.line().loads) {
    const double noise = model_noise_dbfs(r.model, pm, l.load_ohms, true);
    const double floor = model_noise_dbfs(r.model, pm, l.load_ohms, false);
    ASSERT_TRUE(l.noise.valid && l.noise_tone_dbfs && l.noise_tone_a_dbfs) << l.load_name;
    // The first 10 ms of the idle capture play before the mute: up to 0.3 dB above the ADC floor.
    EXPECT_NEAR(l.noise.noise_dbfs, floor + 0.15, 0.3) << l.load_name;
    EXPECT_NEAR(*l.noise_tone_dbfs, noise, 0.3) << l.load_name;
    EXPECT_TRUE(l.mutes_on_silence) << l.load_name;
    const double top = model_max_dbfs(r.model, pm, l.load_ohms);
    ASSERT_TRUE(l.snr_db && l.snr_a_db && l.dynamic_range_db) << l.load_name;
    EXPECT_NEAR(*l.snr_db, l.max_level.at_1pct.out_dbfs - *l.noise_tone_dbfs, 1e-9);
    EXPECT_NEAR(*l.snr_a_db, l.max_level.at_1pct.out_dbfs - *l.noise_tone_a_dbfs, 1e-9);
    EXPECT_NEAR(*l.snr_db, top - noise, 0.5) << l.load_name;
    EXPECT_NEAR(*l.snr_a_db, top - noise - a_db, 0.5) << l.load_name;
    EXPECT_NEAR(*l.dynamic_range_db, top - noise, 0.5) << l.load_name;
  }
  // The premise: the mute shows by more than 3 dB into the open load, not into 300 ohm.
  const auto& open = r.line().loads.at(0);
  const auto& l300 = r.line().loads.at(2);
  EXPECT_LT(open.noise.noise_dbfs, *open.noise_tone_dbfs - engine::kMuteMarginDb);
  EXPECT_GT(l300.noise.noise_dbfs, *l300.noise_tone_dbfs - engine::kMuteMarginDb);
  std::vector<std::string> warned;
  for (const auto& w : r.res.warnings)
    if (w.find("mutes on digital silence") != std::string::npos) warned.push_back(w);
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_EQ(warned[0].rfind("line into open: the output mutes on digital silence", 0), 0u) << warned[0];
}

}  // namespace
}  // namespace outbench
