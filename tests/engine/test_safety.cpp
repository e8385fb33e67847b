// Safety caps (measure/engine/drive_limits.hpp) on the simulated bench: each of safety.max_vrms, safety.max_mw,
// safety.max_drive_dbfs and safety.uncalibrated_max_drive_dbfs binds in its own run, with the output calibrated,
// the input calibrated, both, or neither, and every capture's true peak volts (from the model's own input
// full scale, not the bench's calibration) stay under the limit. Wrong calibrations stop the run; a load switch
// that never switches withdraws the load figures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/units.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/drive_limits.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/errors.hpp"
#include "measure/sim/simulated_bench.hpp"

namespace outbench {
namespace {

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures" / name;
}

// Records every capture with the load the simulated switch had selected, and every stimulus's peak.
class RecordingIo : public AudioIo {
 public:
  struct Record {
    double load_ohms;
    double stim_peak_fs;  // largest sample played
    double cap_peak_fs;   // largest sample captured
  };
  explicit RecordingIo(sim::SimulatedBench& inner) : inner_(inner) {}
  double rate_hz() const override { return inner_.rate_hz(); }
  Capture play_record(const std::vector<int>& o, const std::vector<std::vector<double>>& s, const std::vector<int>& i,
                      std::size_t n) override {
    Capture c = inner_.play_record(o, s, i, n);
    Record r{inner_.load_ohms(), 0, 0};
    for (const auto& ch : s)
      for (double v : ch) r.stim_peak_fs = std::max(r.stim_peak_fs, std::abs(v));
    for (const auto& ch : c.channels)
      for (double v : ch) r.cap_peak_fs = std::max(r.cap_peak_fs, std::abs(v));
    records.push_back(r);
    return c;
  }
  std::vector<Record> records;

 private:
  sim::SimulatedBench& inner_;
};

struct SafetyRun {
  sim::DeviceModel model;
  BenchConfig bench;
  Results res;
  std::vector<RecordingIo::Record> records;
  std::string error;  // what the run threw (empty: it finished)

  // `edit` changes the bench (calibrations, limits) before the run.
  SafetyRun(const std::string& device, const std::function<void(BenchConfig&)>& edit,
            std::vector<std::string> ports = {"line"}, std::vector<std::string> loads = {},
            const std::function<void(nlohmann::json&)>& edit_device = {}, double reference_dbfs = -20) {
    if (edit_device) {  // a variant of the shipped model, written beside the test
      auto j = nlohmann::json::parse(std::ifstream(fixture("devices/" + device)));
      edit_device(j);
      const auto f = std::filesystem::temp_directory_path() /
                     ("outbench_safety_" + std::to_string(::getpid()) + "_" + std::to_string(++files_) + ".json");
      std::ofstream(f) << j.dump();
      model = sim::load_device_model(f);
      std::filesystem::remove(f);
    } else {
      model = sim::load_device_model(fixture("devices/" + device));
    }
    bench = sim::bench_for_model(model, 48000);
    edit(bench);
    sim::SimulatedBench sim_io(model, bench, 3);
    RecordingIo io(sim_io);
    sim::SimulatedLoadSwitch sw(sim_io);
    RunOptions opt;
    opt.quick = true;
    opt.ports = std::move(ports);
    opt.loads = std::move(loads);
    opt.rules = load_rules(fixture("verdicts/default.json"));
    opt.reference_level_dbfs = reference_dbfs;
    try {
      Sequencer(bench, io, sw, opt).run(res);
    } catch (const std::exception& e) {
      error = e.what();
    }
    records = io.records;
  }
  static inline int files_ = 0;
  // The true peak volts across the load of a capture: the model's input full scale, not the bench's.
  double peak_volts(const RecordingIo::Record& r) const {
    return r.cap_peak_fs * model.loopback.full_scale_vrms * std::sqrt(2.0);
  }
  double max_peak_volts() const {
    double m = 0;
    for (const auto& r : records) m = std::max(m, peak_volts(r));
    return m;
  }
  const LoadResult& load(const std::string& name) const {
    for (const auto& l : res.ports.front().loads)
      if (l.load_name == name) return l;
    throw std::runtime_error("no load " + name);
  }
};

void uncalibrate_output(BenchConfig& b) {
  for (auto& p : b.ports) p.output.vrms_at_0dbfs.reset();
}
void uncalibrate_input(BenchConfig& b) {
  b.input.vrms_at_0dbfs.reset();
}

// Every capture's peak under sqrt(2) * max_vrms, the cap close to the limit (it binds, not far below), and
// the maximum-level search stopped by the safety limit wherever the port could exceed it.
void expect_volt_cap_holds(const SafetyRun& r, double max_vrms) {
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_FALSE(r.records.empty());
  const double limit_peak = std::sqrt(2.0) * max_vrms;
  for (const auto& rec : r.records) EXPECT_LE(r.peak_volts(rec), limit_peak) << "into " << rec.load_ohms << " ohm";
  EXPECT_GT(r.max_peak_volts(), limit_peak * ratio_from_db(-1.5)) << "the cap is far below the limit";
  for (const auto& l : r.res.ports.front().loads) {
    EXPECT_EQ(l.max_level.stop_reason, "safety_limit") << l.load_name;
    EXPECT_NE(l.max_level.explanation.find("max_vrms"), std::string::npos) << l.max_level.explanation;
    EXPECT_EQ(l.drive_cap_limit.rfind("safety.max_vrms", 0), 0u) << l.drive_cap_limit;
  }
}

// The line out reaches 3.9 Vrms open and 0.54 Vrms into 16 ohm: a 0.1 V limit binds into every load.
TEST(Safety, VoltLimitHoldsWithOnlyTheInputCalibrated) {
  const SafetyRun r("usb-interface.json", [](BenchConfig& b) {
    uncalibrate_output(b);
    b.safety.max_vrms = 0.1;
  });
  expect_volt_cap_holds(r, 0.1);
}

TEST(Safety, VoltLimitHoldsWithOnlyTheOutputCalibrated) {
  const SafetyRun r("usb-interface.json", [](BenchConfig& b) {
    uncalibrate_input(b);
    b.safety.max_vrms = 0.1;
  });
  ASSERT_TRUE(r.error.empty()) << r.error;
  // The open-circuit voltage bounds every load: the cap holds everywhere, and binds into the open load.
  for (const auto& rec : r.records) EXPECT_LE(r.peak_volts(rec), std::sqrt(2.0) * 0.1) << rec.load_ohms;
  EXPECT_GT(r.max_peak_volts(), std::sqrt(2.0) * 0.1 * ratio_from_db(-1.5));
  EXPECT_EQ(r.load("open").max_level.stop_reason, "safety_limit");
}

TEST(Safety, VoltLimitHoldsWithBothCalibrated) {
  const SafetyRun r("usb-interface.json", [](BenchConfig& b) { b.safety.max_vrms = 0.001; });
  expect_volt_cap_holds(r, 0.001);
}

// 1 mW: 0.179 Vrms into 32 ohm, 0.126 Vrms into 16 ohm; the line out would put 28 mW into 32 ohm.
TEST(Safety, PowerLimitHoldsIntoEachLoad) {
  const SafetyRun r("usb-interface.json",
                    [](BenchConfig& b) {
                      uncalibrate_output(b);
                      b.safety.max_mw = 1.0;
                    },
                    {"line"}, {"open", "32", "16"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  std::map<double, double> loudest_mw;
  for (const auto& rec : r.records) {
    if (!std::isfinite(rec.load_ohms)) continue;
    const double vrms = r.peak_volts(rec) / std::sqrt(2.0);
    loudest_mw[rec.load_ohms] = std::max(loudest_mw[rec.load_ohms], mw_from_vrms(vrms, rec.load_ohms));
  }
  ASSERT_EQ(loudest_mw.size(), 2u);
  for (const auto& [ohms, mw] : loudest_mw) {
    EXPECT_LE(mw, 1.0) << ohms << " ohm";
    EXPECT_GT(mw, std::pow(10.0, -3.0 / 10)) << ohms << " ohm: the power cap is far below 1 mW";
  }
  for (const char* n : {"32", "16"}) {
    EXPECT_EQ(r.load(n).max_level.stop_reason, "safety_limit") << n;
    EXPECT_EQ(r.load(n).drive_cap_limit.rfind("safety.max_mw", 0), 0u) << r.load(n).drive_cap_limit;
  }
  // The open load draws no power: only the drive limit applies there.
  EXPECT_EQ(r.load("open").max_level.stop_reason, "full_scale");
}

// The bench's own drive limit binds as a safety limit (not "full scale").
TEST(Safety, DriveLimitIsASafetyLimit) {
  const SafetyRun r("usb-interface.json", [](BenchConfig& b) { b.safety.max_drive_dbfs = -30; }, {"line"},
                    {"open", "10k"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  for (const auto& rec : r.records) EXPECT_LE(rec.stim_peak_fs, ratio_from_db(-30.0) * (1 + 1e-9));
  for (const auto& l : r.res.ports.front().loads) {
    EXPECT_EQ(l.max_level.stop_reason, "safety_limit") << l.load_name;
    EXPECT_NEAR(l.drive_cap_dbfs, -30.0, 1e-9);
  }
}

// Neither calibration: nothing is played unless the bench states the drive it accepts without volts.
TEST(Safety, NoCalibrationRefusesBeforeTheFirstTone) {
  const SafetyRun r("usb-interface.json", [](BenchConfig& b) {
    uncalibrate_output(b);
    uncalibrate_input(b);
  });
  EXPECT_TRUE(r.records.empty()) << r.records.size() << " captures were made";
  EXPECT_NE(r.error.find("safety.uncalibrated_max_drive_dbfs"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("calibrate"), std::string::npos) << r.error;
}

TEST(Safety, UncalibratedDriveLimitBindsAndIsWarned) {
  const SafetyRun r("usb-interface.json",
                    [](BenchConfig& b) {
                      uncalibrate_output(b);
                      uncalibrate_input(b);
                      b.safety.uncalibrated_max_drive_dbfs = -45;
                    },
                    {"line"}, {"open", "32"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  double loudest = 0;
  for (const auto& rec : r.records) loudest = std::max(loudest, rec.stim_peak_fs);
  EXPECT_LE(loudest, ratio_from_db(-45.0) * (1 + 1e-9));
  EXPECT_GT(loudest, ratio_from_db(-45.5));
  for (const auto& l : r.res.ports.front().loads) EXPECT_EQ(l.max_level.stop_reason, "safety_limit") << l.load_name;
  bool warned = false;
  for (const auto& w : r.res.warnings) warned |= w.find("uncalibrated_max_drive_dbfs") != std::string::npos;
  EXPECT_TRUE(warned);
}

// An output calibration 40 dB low (it would let the drive up 40 dB too far) and an input calibration 40 dB
// high are both caught against each other before anything louder than the level probe is played.
TEST(Safety, CalibrationsThatDisagreeStopTheRun) {
  for (const bool output_wrong : {true, false}) {
    const SafetyRun r("usb-interface.json", [&](BenchConfig& b) {
      if (output_wrong)
        for (auto& p : b.ports) *p.output.vrms_at_0dbfs /= 100;
      else
        *b.input.vrms_at_0dbfs *= 100;
      b.safety.max_vrms = 1.0;
    });
    EXPECT_NE(r.error.find("calibrations disagree"), std::string::npos) << output_wrong << ": " << r.error;
    EXPECT_NE(r.error.find("+40.0 dB apart"), std::string::npos) << r.error;
    ASSERT_FALSE(r.records.empty());
    // Only the probe ran: its loudest step is far below the sweep level (-20 dBFS).
    double loudest = 0;
    for (const auto& rec : r.records) loudest = std::max(loudest, rec.stim_peak_fs);
    EXPECT_LT(loudest, ratio_from_db(-50.0)) << output_wrong;
    EXPECT_LE(r.max_peak_volts(), std::sqrt(2.0) * 1.0);
  }
  // Within 1 dB they are accepted (a meter's and an interface's tolerance).
  const SafetyRun ok("usb-interface.json", [](BenchConfig& b) { *b.input.vrms_at_0dbfs *= ratio_from_db(0.8); },
                     {"line"}, {"open", "10k"});
  EXPECT_TRUE(ok.error.empty()) << ok.error;
}

// Every capture within both limits: peak volts under sqrt(2) * max_vrms, and the power of a sine of that peak
// under max_mw into the load it was captured across.
void expect_within_limits(const SafetyRun& r, double max_vrms, double max_mw, const std::string& what) {
  ASSERT_FALSE(r.records.empty()) << what;
  for (const auto& rec : r.records) {
    const double vpk = r.peak_volts(rec);
    EXPECT_LE(vpk, std::sqrt(2.0) * max_vrms) << what << ": into " << rec.load_ohms << " ohm";
    if (!std::isfinite(rec.load_ohms)) continue;
    EXPECT_LE(mw_from_vrms(vpk / std::sqrt(2.0), rec.load_ohms), max_mw) << what << ": into " << rec.load_ohms;
  }
}

// The outside review's cases that went over a limit, each within both limits now.
// Hum larger than the probe's first tones (1 mV at 50 Hz) must not make the probe read low.
TEST(Safety, HumDoesNotFoolTheProbe) {
  for (const double hum_vrms : {0.001, 0.03}) {
    const auto hum = [&](nlohmann::json& d) {
      for (auto& [n, p] : d["ports"].items()) {
        p["hum_vrms"] = hum_vrms;
        p["hum_hz"] = 50;
        p["noise_vrms"] = 1e-9;
      }
    };
    const SafetyRun r(
        "usb-interface.json", [](BenchConfig& b) { b.safety.max_vrms = 0.05; }, {"headphone"}, {"open", "10k", "600"},
        hum);
    expect_within_limits(r, 0.05, 500, std::to_string(hum_vrms) + " V hum, 50 mV limit");
  }
}

// An input calibration 0.9 dB low (inside the 1 dB the two calibrations may differ) with the open load not in
// the run: the open load is probed all the same, and the input's readings are raised by the difference.
TEST(Safety, TheMorePessimisticCalibrationWins) {
  for (const double err_db : {-0.9, 0.9}) {
    const SafetyRun r("usb-interface.json",
                      [&](BenchConfig& b) {
                        *b.input.vrms_at_0dbfs *= ratio_from_db(err_db);
                        b.safety.max_vrms = 0.5;
                        b.safety.max_mw = 5;
                      },
                      {"line"}, {"600", "16"});
    ASSERT_TRUE(r.error.empty()) << r.error;
    expect_within_limits(r, 0.5, 5, "input calibration " + std::to_string(err_db) + " dB");
    // An input that reads low is corrected up to the output calibration: the same cap as with a right one
    // (an input that reads high only lowers it).
    if (err_db < 0) {
      const SafetyRun right("usb-interface.json",
                            [&](BenchConfig& b) {
                              b.safety.max_vrms = 0.5;
                              b.safety.max_mw = 5;
                            },
                            {"line"}, {"600", "16"});
      for (const char* n : {"600", "16"}) EXPECT_NEAR(r.load(n).drive_cap_dbfs, right.load(n).drive_cap_dbfs, 0.1) << n;
    }
  }
  // Output calibration 0.9 dB low, input right.
  const SafetyRun r("usb-interface.json",
                    [](BenchConfig& b) {
                      for (auto& p : b.ports) *p.output.vrms_at_0dbfs *= ratio_from_db(-0.9);
                      b.safety.max_vrms = 0.5;
                    },
                    {"line"}, {"open", "10k"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  expect_within_limits(r, 0.5, 500, "output calibration 0.9 dB low");
  // 3 dB apart with the open load not in the run: caught at the probe.
  const SafetyRun bad("usb-interface.json", [](BenchConfig& b) { *b.input.vrms_at_0dbfs *= ratio_from_db(-3); },
                      {"line"}, {"600", "16"});
  EXPECT_NE(bad.error.find("calibrations disagree"), std::string::npos) << bad.error;
}

// A hot output (20 Vrms at 0 dBFS) with a 50 V input and only the input calibrated: even the probe's first step
// stays under a 1 mV limit.
TEST(Safety, TheProbesFirstStepIsQuiet) {
  const auto hot = [](nlohmann::json& d) {
    d["loopback_input"]["full_scale_vrms"] = 50;
    for (auto& [n, p] : d["ports"].items()) {
      p["vrms_at_0dbfs"] = 20;
      p["rail_vpeak"] = 40;
    }
  };
  const SafetyRun r(
      "usb-interface.json",
      [](BenchConfig& b) {
        uncalibrate_output(b);
        b.input.vrms_at_0dbfs = 50;
        b.safety.max_vrms = 0.001;
      },
      {"line"}, {"open", "600"}, hot);
  ASSERT_TRUE(r.error.empty()) << r.error;
  expect_within_limits(r, 0.001, 500, "hot output, 1 mV");
}

// The sweep's start transient through the headphone out's 220 uF capacitor, and a lopsided waveform (H2 at
// -20 dBc) at the reference level 0 dBFS: both count in the peak.
TEST(Safety, TransientsAndLopsidedWaveformsCount) {
  const SafetyRun r("usb-interface.json", [](BenchConfig& b) { b.safety.max_vrms = 0.1; }, {"headphone"},
                    {"open", "600", "300"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  expect_within_limits(r, 0.1, 500, "coupling capacitor");
  const auto h2 = [](nlohmann::json& d) { d["ports"]["line"]["h2_dbc_at_0dbfs"] = -20; };
  const SafetyRun r2(
      "usb-interface.json", [](BenchConfig& b) { b.safety.max_vrms = 2.0; }, {"line"}, {"open", "10k"}, h2, 0.0);
  ASSERT_TRUE(r2.error.empty()) << r2.error;
  expect_within_limits(r2, 2.0, 500, "H2 -20 dBc at 0 dBFS");
}

// The pure cap: each limit in dB, less the margin, and nothing at all without volts or a stated drive.
TEST(Safety, DriveCapArithmetic) {
  SafetyLimits s;
  s.max_drive_dbfs = -1;
  s.max_vrms = 2.0;
  s.max_mw = 100;
  // 4 Vrms at 0 dBFS: 2 V at -6.02 dBFS; 100 mW into 32 ohm is 1.789 V, -6.99 dBFS.
  auto c = drive_cap(s, 32.0, 4.0);
  EXPECT_EQ(c.binding, "max_mw");
  EXPECT_NEAR(c.drive_dbfs, db_from_ratio(std::sqrt(0.1 * 32) / 4.0) - 1.0, 1e-12);
  c = drive_cap(s, std::numeric_limits<double>::infinity(), 4.0);
  EXPECT_EQ(c.binding, "max_vrms");
  EXPECT_NEAR(c.drive_dbfs, db_from_ratio(0.5) - 1.0, 1e-12);
  c = drive_cap(s, 32.0, 0.1);
  EXPECT_EQ(c.binding, "max_drive_dbfs");
  EXPECT_EQ(c.drive_dbfs, -1.0);
  c = drive_cap(s, 32.0, std::nullopt);
  EXPECT_TRUE(std::isinf(c.drive_dbfs) && c.drive_dbfs < 0);
  s.uncalibrated_max_drive_dbfs = -40;
  c = drive_cap(s, 32.0, std::nullopt);
  EXPECT_EQ(c.binding, "uncalibrated_max_drive_dbfs");
  EXPECT_EQ(c.drive_dbfs, -40.0);
}

// A load switch that never switches (a command that ignores its argument): every load reads as open. The
// run says so loudly and withdraws the output impedance and the load figures, instead of a perfect source.
class DeadSwitch : public LoadSwitch {
 public:
  void select(const Load&) override {}
  std::string describe() const override { return "a switch that does nothing"; }
};

TEST(Safety, LoadSwitchThatNeverSwitchesWithdrawsTheLoadFigures) {
  const auto model = sim::load_device_model(fixture("devices/usb-interface.json"));
  const auto bench = sim::bench_for_model(model, 48000);
  sim::SimulatedBench io(model, bench, 4);
  DeadSwitch sw;
  RunOptions opt;
  opt.quick = true;
  opt.ports = {"line"};
  opt.rules = load_rules(fixture("verdicts/default.json"));
  Results res;
  Sequencer(bench, io, sw, opt).run(res);
  const auto& p = res.ports.front();
  EXPECT_FALSE(p.loads_switched);
  EXPECT_FALSE(p.z_1k_ohms);
  EXPECT_TRUE(p.impedance.empty());
  for (const auto& l : p.loads) {
    if (l.load_name == "open") {
      EXPECT_TRUE(l.valid);
      continue;
    }
    EXPECT_FALSE(l.valid) << l.load_name;
    EXPECT_NE(l.problem.find("did not switch"), std::string::npos) << l.problem;
  }
  bool loud = false;
  for (const auto& w : res.warnings) loud |= w.find("LOADS NOT CONNECTED") != std::string::npos;
  EXPECT_TRUE(loud);
  for (const auto& v : res.verdicts) {
    if (v.port != "line") continue;
    EXPECT_FALSE(v.pass) << v.question << ": " << v.summary;
  }
}

// A run that fails part-way reports its own error even when switching the loads off afterwards fails too.
class FailingIo : public AudioIo {
 public:
  double rate_hz() const override { return 48000; }
  Capture play_record(const std::vector<int>&, const std::vector<std::vector<double>>&, const std::vector<int>&,
                      std::size_t) override {
    throw std::runtime_error("the audio device vanished");
  }
};
class FailingSwitch : public LoadSwitch {
 public:
  void select(const Load&) override {}
  void all_off() override { throw std::runtime_error("relay board unplugged"); }
  std::string describe() const override { return "a switch whose all_off fails"; }
};

TEST(Safety, AFailingSwitchOffDoesNotHideTheError) {
  const auto model = sim::load_device_model(fixture("devices/usb-interface.json"));
  const auto bench = sim::bench_for_model(model, 48000);
  FailingIo io;
  FailingSwitch sw;
  RunOptions opt;
  opt.quick = true;
  Results res;
  try {
    Sequencer(bench, io, sw, opt).run(res);
    FAIL() << "the run did not fail";
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "the audio device vanished");
  }
  ASSERT_FALSE(res.warnings.empty());
  EXPECT_NE(res.warnings.back().find("relay board unplugged"), std::string::npos) << res.warnings.back();
}

}  // namespace
}  // namespace outbench
