// The analyser's own floor on the simulated bench (measure/engine/analyser_floor.hpp): the port's floor is
// captured with the loopback input terminated (the model's ADC noise and 24-bit quantisation, nothing of the
// device), and each load's noise, SNR, DR and THD+N carry their margin over it.
//
// Truth: the model's noise is white; the device's in-band noise at the input is noise_vrms through the divider
// over the input's full scale, the floor the ADC's noise plus quantisation (test_noise_dr.cpp), and the two add
// in power. Each test sets the device's noise so that the idle reading stands a chosen margin above the floor.
// Tolerances: 0.2 dB on the floor and on a noise reading (a 0.25 s capture spreads by about 0.05 dB); 0.5 dB on
// the floor-corrected noise (the requirement; the reading's spread is amplified by the subtraction,
// 1/(1 - 10^-0.6) = 1.33 times at a 6 dB margin).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

#include "analysis/units.hpp"
#include "measure/engine/analyser_floor.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;

struct FloorRun {
  sim::DeviceModel model;
  Results res;
  double floor_dbfs = 0;   // the model's ADC noise plus quantisation, in band
  double device_dbfs = 0;  // the device's own noise at the input, in band
  const PortResult& line() const { return res.ports.at(0); }
  const LoadResult& open() const { return line().loads.at(0); }
};

double power_db(double ratio) {
  return 20 * std::log10(ratio);
}

// The usb-interface line out (no hum) into the open load, its noise set so that idle noise reads `margin_db`
// above the floor; `edit` changes the port further.
FloorRun run_at_margin(double margin_db, const std::function<void(json&)>& edit = {}) {
  auto edited = [&](double noise_vrms) {
    return test::model_with("usb-interface.json", [&](json& d) {
      json& p = d["ports"]["line"];
      p["hum_vrms"] = 0.0;
      p["noise_vrms"] = noise_vrms;
      if (edit) edit(d);
    });
  };
  const sim::DeviceModel base = edited(0.0);
  const auto& pm = *base.port("line");
  const double fs = base.loopback.full_scale_vrms;
  const double adc = ratio_from_db(base.loopback.noise_dbfs);
  const double quant = std::sqrt(2.0) * std::ldexp(1.0, -23) / std::sqrt(12.0) * std::sqrt(19980.0 / 24000.0);
  const double floor_pow = adc * adc + quant * quant;
  const double device_ratio = std::sqrt(floor_pow * (std::pow(10.0, margin_db / 10) - 1));
  const double gain = sim::divider_gain(pm, base.loopback, std::numeric_limits<double>::infinity(), 1000);
  FloorRun r{edited(device_ratio * fs / gain), {}, 10 * std::log10(floor_pow), power_db(device_ratio)};
  r.res = test::quick_run(r.model, sim::bench_for_model(r.model, 48000),
                          {.seed = 11, .ports = {"line"}, .loads = {"open"}});
  return r;
}

bool warned(const Results& res, const std::string& what) {
  for (const auto& w : res.warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}

// Noise 1 dB above the floor: the port's floor is the model's, and the noise, the SNR and the THD+N residual
// are marked analyser-limited (shown "<="), with no correction; a warning says so.
TEST(AnalyserFloor, DeviceOneDbAboveTheFloorIsAnalyserLimited) {
  const FloorRun r = run_at_margin(1.0);
  const auto& fl = r.line().analyser_floor;
  EXPECT_EQ(fl.source, "input terminated");
  ASSERT_TRUE(fl.noise_dbfs && fl.noise_a_dbfs);
  EXPECT_NEAR(*fl.noise_dbfs, r.floor_dbfs, 0.2);
  const auto& l = r.open();
  ASSERT_TRUE(l.floor.noise && l.floor.thdn && l.floor.dr);
  EXPECT_NEAR(l.floor.noise->margin_db, 1.0, 0.2);
  EXPECT_TRUE(l.floor.noise->analyser_limited);
  EXPECT_FALSE(l.floor.noise->correction_db);
  EXPECT_TRUE(l.floor.thdn->analyser_limited);  // at -26 dBFS the residual is the noise
  EXPECT_TRUE(l.floor.dr->analyser_limited);
  EXPECT_TRUE(warned(r.res, "within 3 dB of the analyser's own floor (noise"));
}

// Noise 6 dB above the floor: floor-corrected (power subtraction) within 0.5 dB of the model's device noise,
// where the reading itself is 1.26 dB high.
TEST(AnalyserFloor, DeviceSixDbAboveTheFloorIsCorrectedToTheModelsNoise) {
  const FloorRun r = run_at_margin(6.0);
  const auto& l = r.open();
  ASSERT_TRUE(l.floor.noise && l.noise.valid);
  EXPECT_FALSE(l.floor.noise->analyser_limited);
  ASSERT_TRUE(l.floor.noise->correction_db);
  EXPECT_NEAR(l.floor.noise->margin_db, 6.0, 0.2);
  EXPECT_GT(l.noise.noise_dbfs - r.device_dbfs, 1.0);  // the premise: uncorrected, it is off
  EXPECT_NEAR(device_level_db(l.noise.noise_dbfs, *l.floor.noise), r.device_dbfs, 0.5);
  EXPECT_FALSE(warned(r.res, "within 3 dB of the analyser's own floor"));
}

// A quiet device well above the floor (20 dB), its tone 8 dB below a 1 Vrms input's full scale: nothing is
// marked, nothing corrected, no range advice. The default input (7.75 Vrms) puts the tone 26 dB below full
// scale: there the advice is given.
TEST(AnalyserFloor, DeviceWellAboveTheFloorIsNotMarked) {
  const FloorRun r = run_at_margin(20.0, [](json& d) { d["loopback_input"]["full_scale_vrms"] = 1.0; });
  const auto& l = r.open();
  ASSERT_TRUE(l.floor.noise && l.floor.noise_a && l.floor.dr && l.ref_below_input_fs_db);
  EXPECT_NEAR(l.floor.noise->margin_db, 20.0, 0.2);
  for (const auto& m : {*l.floor.noise, *l.floor.noise_a, *l.floor.dr}) {
    EXPECT_FALSE(m.analyser_limited);
    EXPECT_FALSE(m.correction_db);
  }
  EXPECT_NEAR(*l.ref_below_input_fs_db, -l.thdn_ref.level_dbfs, 1e-12);
  EXPECT_LT(*l.ref_below_input_fs_db, engine::kRangeAdviceDb);
  EXPECT_FALSE(warned(r.res, "more sensitive input range"));
  const FloorRun deflt = run_at_margin(20.0);
  EXPECT_GT(*deflt.open().ref_below_input_fs_db, engine::kRangeAdviceDb);
  EXPECT_TRUE(warned(deflt.res, "more sensitive input range"));
}

// A DAC that mutes on digital silence, its noise in use 3 dB under the floor: under the -60 dBFS tone the
// reading stands 1.8 dB above the floor (the analyser's), so muting cannot be judged: not claimed, marked
// undecided, no warning; the SNR uses the idle noise.
TEST(AnalyserFloor, MutingDacUnderTheFloorIsNotClaimed) {
  const FloorRun r = run_at_margin(10 * std::log10(1.5), [](json& d) { d["ports"]["line"]["mute_on_silence"] = true; });
  const auto& l = r.open();
  ASSERT_TRUE(l.noise_tone_dbfs && l.snr_db);
  EXPECT_NEAR(*l.noise_tone_dbfs - r.floor_dbfs, 10 * std::log10(1.5), 0.2);  // the premise
  EXPECT_FALSE(l.mutes_on_silence);
  EXPECT_TRUE(l.mute_undecided);
  EXPECT_FALSE(warned(r.res, "mutes on digital silence"));
  EXPECT_NEAR(*l.snr_db, l.max_level.at_1pct.out_dbfs - l.noise.noise_dbfs, 1e-9);
}

// mute_decided on readings against a -125 dBFS floor: idle at the floor and the tone 10 dB above it is a mute;
// the tone within 3 dB of the floor is not judged, whatever the idle reading; without a floor, the readings.
TEST(AnalyserFloor, MuteDecidedOnFloorCorrectedLevels) {
  using engine::mute_decided;
  EXPECT_TRUE(mute_decided(-125.0, -115.0, -125.0, 3.0));
  EXPECT_FALSE(mute_decided(-135.0, -122.5, -125.0, 3.0));  // raw readings would say 12.5 dB
  EXPECT_TRUE(mute_decided(-135.0, -122.5, std::nullopt, 3.0));
  EXPECT_FALSE(mute_decided(-118.0, -115.0, -125.0, 3.0));  // device levels -118.97 and -115.97: 3.0 dB only
}

}  // namespace
}  // namespace outbench
