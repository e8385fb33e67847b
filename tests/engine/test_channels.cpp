// Both channels (issue 11 §1) against the device model's truth: [left, right] parameters in model files (and
// their errors), each channel's |Zout| and response, the verdict on the worse channel, and the shared
// ground-return resistance recovered from one channel driven alone versus both driven in phase.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/errors.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures" / name;
}

// The USB interface's headphone out made resistive and clean (no coupling capacitor, EMF crosstalk -120 dB),
// then edited; written to `path` (the loader's errors name it).
json headphone_model(const std::function<void(json&)>& edit) {
  auto dev = json::parse(std::ifstream(fixture("devices/usb-interface.json")));
  dev["ports"].erase("line");
  auto& hp = dev["ports"]["headphone"];
  hp["coupling_c_farads"] = 0;
  hp["crosstalk_db"] = -120;
  edit(hp);
  return dev;
}

std::filesystem::path model_path() {
  return std::filesystem::temp_directory_path() / ("outbench_channels_" + std::to_string(::getpid()) + ".json");
}

struct ModelFile {
  std::filesystem::path path = model_path();
  explicit ModelFile(const json& dev) { std::ofstream(path) << dev.dump(); }
  ~ModelFile() { std::filesystem::remove(path); }
  sim::DeviceModel load() const { return sim::load_device_model(path); }
};

std::string load_error(const std::function<void(json&)>& edit) {
  const ModelFile f(headphone_model(edit));
  try {
    f.load();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ChannelModel, ArraysGiveEachChannelItsValue) {
  const ModelFile f(headphone_model([](json& hp) {
    hp["source_r_ohms"] = {8, 12};
    hp["noise_vrms"] = {1e-6, 3e-6};
    hp["ground_return_ohms"] = 0.25;
  }));
  const auto m = f.load();
  const auto& p = *m.port("headphone");
  EXPECT_EQ(p.ch(0).source_r_ohms, 8);
  EXPECT_EQ(p.ch(1).source_r_ohms, 12);
  EXPECT_EQ(p.source_r_ohms, 8);  // the port's own fields are the left channel's
  EXPECT_EQ(p.ch(1).noise_vrms, 3e-6);
  EXPECT_EQ(p.ch(0).vrms_at_0dbfs, 3.2);  // one number: both channels
  EXPECT_EQ(p.ch(1).vrms_at_0dbfs, 3.2);
  EXPECT_EQ(p.ground_return_ohms, 0.25);
}

TEST(ChannelModel, BadArraysAreRefusedWithFileAndPath) {
  const std::string path = model_path().string();
  const std::string range = "expected a number from 0 to 100000";
  EXPECT_EQ(load_error([](json& hp) { hp["source_r_ohms"] = {1}; }),
            path + ": ports.headphone.source_r_ohms: " + range + ", or [left, right]: two such numbers, got [1]");
  EXPECT_EQ(load_error([](json& hp) {
              hp["source_r_ohms"] = {1, 2, 3};
            }),
            path + ": ports.headphone.source_r_ohms: " + range + ", or [left, right]: two such numbers, got [1,2,3]");
  EXPECT_EQ(load_error([](json& hp) {
              hp["source_r_ohms"] = json::array({"a", 2});
            }),
            path + ": ports.headphone.source_r_ohms[0]: " + range + " (left channel), got \"a\"");
  EXPECT_EQ(load_error([](json& hp) {
              hp["source_r_ohms"] = {2, -1};
            }),
            path + ": ports.headphone.source_r_ohms[1]: " + range + " (right channel), got -1");
  EXPECT_EQ(load_error([](json& hp) {
              hp["ground_return_ohms"] = {0.1, 0.2};
            }),
            path + ": ports.headphone.ground_return_ohms: expected one number: the return is shared by both " +
                "channels, got [0.1,0.2]");
  EXPECT_EQ(load_error([](json& hp) {
              hp["channels"] = 1;
              hp["rail_vpeak"] = {6, 7};
            }),
            path + ": ports.headphone.rail_vpeak: expected one number (the port has 1 channel, so no [left, " +
                "right]), got [6,7]");
}

struct SimRun {
  sim::DeviceModel model;
  Results res;
  const PortResult& hp() const { return res.ports.front(); }
  const Verdict& verdict(const std::string& id) const {
    for (const auto& v : res.verdicts)
      if (v.id == id) return v;
    throw std::runtime_error("no verdict " + id);
  }
};

SimRun run_headphone(const std::function<void(json&)>& edit) {
  SimRun r;
  r.model = ModelFile(headphone_model(edit)).load();
  r.res = test::quick_run(
      r.model, sim::bench_for_model(r.model, 48000),
      {.seed = 3, .ports = {"headphone"}, .loads = {"open", "300", "32", "16"}, .rules = test::default_rules()});
  return r;
}

const ChannelImpedance& channel(const PortResult& p, int c) {
  for (const auto& x : p.channels)
    if (x.channel == c) return x;
  throw std::runtime_error("no channel " + std::to_string(c));
}

// source_r_ohms [8, 12], no ground return: each channel's |Zout| is its own resistance (within 0.1 %), the
// top-level figures stay the left channel's, and the damping rules judge the right channel's 12 ohm.
TEST(Channels, EachChannelsOutputImpedanceAndTheWorseInTheVerdict) {
  const SimRun r = run_headphone([](json& hp) { hp["source_r_ohms"] = {8, 12}; });
  const auto& p = r.hp();
  ASSERT_EQ(p.channels.size(), 2u);
  for (int c = 0; c < 2; ++c) {
    const double truth = r.model.port("headphone")->ch(c).source_r_ohms;
    const auto& ci = channel(p, c);
    ASSERT_TRUE(ci.z_1k_ohms && ci.max_zout_ohms && ci.z_20hz_ohms) << c;
    EXPECT_NEAR(*ci.z_1k_ohms, truth, 1e-3 * truth) << c;
    EXPECT_NEAR(*ci.z_20hz_ohms, truth, 1e-3 * truth) << c;
    EXPECT_NEAR(*ci.max_zout_ohms, truth, 1e-3 * truth) << c;
  }
  EXPECT_EQ(p.z_1k_ohms, channel(p, 0).z_1k_ohms);
  EXPECT_EQ(p.max_zout_ohms, channel(p, 0).max_zout_ohms);
  // Each load has both channels' responses; into 16 ohm the right channel sits lower by the divider's ratio.
  const auto& l16 = p.loads.back();
  ASSERT_EQ(l16.channel_responses.size(), 2u);
  const double truth_db = 20 * std::log10((16.0 / 28.0) / (16.0 / 24.0));
  EXPECT_NEAR(l16.channel_responses[1].response.gain_1k_db - l16.channel_responses[0].response.gain_1k_db, truth_db,
              0.01);
  int damping = 0;
  for (const auto& rule : r.verdict("headphone_for_headphones").rules) {
    if (rule.id.rfind("damping_", 0) != 0) continue;
    ++damping;
    ASSERT_TRUE(rule.measured);
    EXPECT_EQ(*rule.measured, *channel(p, 1).max_zout_ohms) << rule.id;
    EXPECT_NE(rule.sentence.find("(right channel, the worse)"), std::string::npos) << rule.sentence;
  }
  EXPECT_EQ(damping, 3);
  // No ground return: the estimate is ~0.
  ASSERT_TRUE(p.ground_return_ohms) << p.ground_return_note;
  EXPECT_LT(std::abs(*p.ground_return_ohms), 0.002);
}

// ground_return_ohms 0.5 with 8 ohm on both channels: driven in phase each shows 8 + 2 x 0.5 = 9 ohm; the
// estimate from one channel alone versus both recovers 0.5 ohm within 1 % (each 1 kHz |Zout| from one load is
// within ~0.01 % of ~9 ohm, ~0.001 ohm, so their difference within ~0.002 ohm; 0.005 ohm allows for that).
TEST(Channels, GroundReturnRecovered) {
  const SimRun r = run_headphone([](json& hp) {
    hp["source_r_ohms"] = 8;
    hp["ground_return_ohms"] = 0.5;
  });
  const auto& p = r.hp();
  ASSERT_TRUE(p.ground_return_ohms) << p.ground_return_note;
  EXPECT_EQ(p.ground_return_load, "16");
  EXPECT_NEAR(*p.ground_return_ohms, 0.5, 0.005);
  const double zl = 16.0 * 1e6 / (16.0 + 1e6), d = 8 + zl;
  for (int c = 0; c < 2; ++c) {
    const auto& ci = channel(p, c);
    ASSERT_TRUE(ci.ground_return_ohms && ci.z_1k_ohms && ci.z_1k_alone_ohms) << c;
    EXPECT_NEAR(*ci.ground_return_ohms, 0.5, 0.005) << c;
    EXPECT_NEAR(*ci.z_1k_ohms, 9.0, 9e-3) << c;
    EXPECT_NEAR(*ci.z_1k_alone_ohms, 8 + 0.5 * d / (d + 0.5), 9e-3) << c;
  }
}

}  // namespace
}  // namespace outbench
