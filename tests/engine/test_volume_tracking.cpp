// Volume tracking (docs/MEASUREMENTS.md "Volume tracking"): the volume step on the simulated bench recovers the
// model's own tracking law (fixtures/devices/README.md "Volume control"): each channel's gain error at every
// setting, the balance, the lowest setting that keeps the balance within the rules, and the verdict's sentence.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "analysis/units.hpp"
#include "measure/config/bench_config.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/engine/volume_tracking.hpp"
#include "measure/errors.hpp"
#include "measure/sim/model.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "measure/switch/volume_setters.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

struct VolumeRun {
  sim::DeviceModel model;
  BenchConfig bench;
  Results res;
  explicit VolumeRun(const sim::DeviceModel& m, double max_mw = 500.0)
      : model(m), bench(sim::bench_for_model(m, 48000)) {
    bench.safety.max_mw = max_mw;
    res = test::quick_run(model, bench,
                          {.ports = {"headphone"},
                           .loads = {"open", "10k", "32"},
                           .rules = test::default_rules(),
                           .model_volumes = true});
  }
};

// The model's truth: a channel's gain error at a setting is volume_gain_db minus the nominal setting, re the top.
double truth_error_db(const sim::ChannelModel& c, double setting_db) {
  return (sim::volume_gain_db(c, setting_db) - sim::volume_gain_db(c, c.volume_max_db)) -
         (setting_db - c.volume_max_db);
}

// usb-interface: +/-0.2 dB at 40 dB down, growing with a^2. Every step's gain error within 0.02 dB of the law,
// the balance within 0.02 dB of the difference, and the lowest balanced setting at -42 dB (0.44 dB there,
// 0.58 dB at -48).
TEST(VolumeTracking, RecoversTheModelsTrackingLaw) {
  const VolumeRun r(test::model_with("usb-interface.json", nullptr));
  const PortResult& hp = test::port_of(r.res, "headphone");
  const sim::PortModel& pm = *r.model.port("headphone");
  ASSERT_TRUE(hp.volume);
  EXPECT_EQ(hp.volume->load, "32");
  ASSERT_EQ(hp.volume->steps.size(), 11u);
  double worst = 0;
  for (const auto& st : hp.volume->steps) {
    ASSERT_EQ(st.channels.size(), 2u);
    for (const auto& ch : st.channels) {
      ASSERT_TRUE(ch.gain_error_db) << st.setting_db;
      const double want = truth_error_db(pm.ch(ch.channel), st.setting_db);
      EXPECT_NEAR(*ch.gain_error_db, want, 0.02) << "setting " << st.setting_db << " channel " << ch.channel;
      worst = std::max(worst, std::abs(want));
      ASSERT_TRUE(ch.thdn_db && ch.noise_dbfs);
    }
    ASSERT_TRUE(st.balance_db);
    const double want_balance = truth_error_db(pm, st.setting_db) - truth_error_db(pm.right, st.setting_db);
    EXPECT_NEAR(*st.balance_db, want_balance, 0.02) << st.setting_db;
  }
  EXPECT_GT(worst, 0.4);  // the law was exercised: 0.45 dB at 60 dB down
  ASSERT_TRUE(hp.volume->balanced_down_to_db);
  EXPECT_DOUBLE_EQ(*hp.volume->balanced_down_to_db, -42.0);
  // The noise after the control does not follow it: within 1 dB from the top to 60 dB down.
  const auto &top = hp.volume->steps.front().channels[0], &low = hp.volume->steps.back().channels[0];
  EXPECT_NEAR(*low.noise_dbfs, *top.noise_dbfs, 1.0);
  for (const auto& v : r.res.verdicts)
    if (v.id == "headphone_as_line_out") {
      EXPECT_NE(v.summary.find("down to -42 dB of volume"), std::string::npos) << v.summary;
    }
}

// A stepped control with a step that does not divide 6 dB: the setting lands on the nearest step, and that
// rounding is gain error (the law of the model, rounding included); a top that is not 0 dB moves the settings;
// the top step, 8 dB above the run's setting, keeps within the safety limit (0.05 mW into 32 ohm binds).
TEST(VolumeTracking, SteppedControlAndItsTop) {
  const VolumeRun r(test::model_with("iec61938-120ohm.json",
                                     [](nlohmann::json& d) {
                                       auto& p = d["ports"]["headphone"];
                                       p["volume_step_db"] = 4;
                                       p["volume_max_db"] = 6;
                                       p["volume_db"] = -2;
                                       p["volume_tracking_db"] = nlohmann::json::array({0.0, 0.9});
                                       p["volume_tracking_exponent"] = 1;
                                     }),
                    0.05);
  const PortResult& hp = test::port_of(r.res, "headphone");
  const sim::PortModel& pm = *r.model.port("headphone");
  ASSERT_TRUE(hp.volume);
  ASSERT_EQ(hp.volume->steps.size(), 11u);
  const double limit_dbv = db_from_ratio(std::sqrt(0.05e-3 * 32.0));
  for (const auto& st : hp.volume->steps)
    for (const auto& ch : st.channels)
      EXPECT_LE(*ch.level_dbfs + db_from_ratio(*r.bench.input.vrms_at_0dbfs), limit_dbv) << st.setting_db;
  EXPECT_DOUBLE_EQ(hp.volume->steps.front().setting_db, 6.0);
  EXPECT_DOUBLE_EQ(hp.volume->steps.back().setting_db, -54.0);
  // The top step is 8 dB above the run's setting (-2 dB): its drive came down by 8 + 1 dB below the capped others'.
  EXPECT_LT(hp.volume->steps[2].drive_dbfs, -20.0);  // -6 dB: below the run's setting, the cap itself
  EXPECT_NEAR(hp.volume->steps[2].drive_dbfs - hp.volume->steps[0].drive_dbfs, 9.0, 1e-9);
  for (const auto& st : hp.volume->steps)
    for (const auto& ch : st.channels)
      EXPECT_NEAR(*ch.gain_error_db, truth_error_db(pm.ch(ch.channel), st.setting_db), 0.02)
          << "setting " << st.setting_db << " channel " << ch.channel;
  // The right channel's error, 0.9 dB x a / 40, passes 0.5 dB at -12 (a = 20 after rounding: 0.45) and breaks it at
  // -18.
  ASSERT_TRUE(hp.volume->balanced_down_to_db);
  double want_lowest = hp.volume->steps.front().setting_db;
  for (const auto& st : hp.volume->steps) {
    if (std::abs(truth_error_db(pm, st.setting_db) - truth_error_db(pm.right, st.setting_db)) > 0.5) break;
    want_lowest = st.setting_db;
  }
  EXPECT_DOUBLE_EQ(*hp.volume->balanced_down_to_db, want_lowest);
  EXPECT_DOUBLE_EQ(want_lowest, -12.0);
}

// The verdict input is pure: from the top down until the first step beyond the limit; none when the top fails.
TEST(VolumeTracking, BalancedDownToStopsAtTheFirstBreach) {
  auto step = [](double s, std::optional<double> b) {
    VolumeStep st;
    st.setting_db = s;
    st.balance_db = b;
    return st;
  };
  EXPECT_EQ(balanced_down_to({step(0, 0.1), step(-6, -0.4), step(-12, 0.6), step(-18, 0.1)}, 0.5), -6.0);
  EXPECT_EQ(balanced_down_to({step(0, 0.7), step(-6, 0.1)}, 0.5), std::nullopt);
  EXPECT_EQ(balanced_down_to({step(0, 0.0), step(-6, std::nullopt), step(-12, 0.0)}, 0.5), 0.0);
  EXPECT_EQ(balanced_down_to({step(0, 0.0), step(-6, 0.5)}, 0.5), -6.0);
}

// On hardware the bench file says how to set the volume: a misspelt key is refused with its path and the near
// key; a command gets the setting as its last argument (here a script that writes it to a file).
TEST(VolumeTracking, BenchVolumeSectionRefusesUnknownKeysAndRunsItsCommand) {
  const auto dir = std::filesystem::temp_directory_path() / ("outbench_volume_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto bench_with = [&](const nlohmann::json& volume) {
    auto b = nlohmann::json::parse(std::ifstream(test::fixture("benches/usb-2in4out-relay.json")));
    b["ports"]["headphone"]["volume"] = volume;
    std::ofstream(dir / "bench.json") << b.dump();
    return load_bench_config(dir / "bench.json");
  };
  try {
    bench_with({{"type", "manual"}, {"top-db", 0}});
    ADD_FAILURE() << "a misspelt key was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ports.headphone.volume.top-db: unknown field (did you mean \"top_db\"?)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(bench_with({{"type", "knob"}}), InputError);
  EXPECT_THROW(bench_with({{"type", "manual"}, {"top_db", 0}, {"run_db", 3}}), InputError);  // above the top
  const auto script = dir / "set-volume.sh";
  std::ofstream(script) << "#!/bin/sh\necho \"$1 $2\" > " << (dir / "got").string() << "\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  const BenchConfig b = bench_with({{"type", "command"}, {"argv", {script.string(), "headphone"}}, {"settle_s", 0}});
  const auto& v = b.port("headphone")->volume;
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type, "command");
  std::vector<std::unique_ptr<VolumeSetter>> owned;
  const auto volumes = bench_volumes(b, nullptr, owned);
  ASSERT_EQ(volumes.count("headphone"), 1u);
  volumes.at("headphone").setter->set("headphone", -6);
  std::string got;
  std::getline(std::ifstream(dir / "got"), got);
  EXPECT_EQ(got, "headphone -6");
  std::filesystem::remove_all(dir);
}

// A volume command that fails at -12 dB stops the run; the results say where the control was left and what to
// set it back to (the calibration and the safety limits hold only at the run's setting).
TEST(VolumeTracking, AStopMidwaySaysWhereTheControlWasLeft) {
  struct FailsAt : VolumeSetter {
    void set(const std::string&, double setting_db) override {
      if (setting_db < -11.5) throw std::runtime_error("volume command failed");
    }
    std::string describe() const override { return "test"; }
  } setter;
  const auto model = test::model_with("usb-interface.json", nullptr);
  const BenchConfig bench = sim::bench_for_model(model, 48000);
  sim::SimulatedBench io(model, bench, 1);
  sim::SimulatedLoadSwitch sw(io);
  RunOptions opt;
  opt.quick = true;
  opt.ports = {"headphone"};
  opt.loads = {"open", "32"};
  opt.rules = load_rules(test::fixture("verdicts/default.json"));
  opt.volumes["headphone"] = PortVolume{0.0, -6.0, &setter};
  Results res;
  EXPECT_THROW(Sequencer(bench, io, sw, opt).run(res), std::runtime_error);
  bool said = false;
  for (const auto& w : res.warnings)
    said = said || w == "headphone: the volume steps stopped with the volume control at -12 dB, not at the run's "
                        "setting -6 dB: set it back to -6 dB before the next run (the calibration and the safety "
                        "limits hold only there)";
  EXPECT_TRUE(said);
}

}  // namespace
}  // namespace outbench
