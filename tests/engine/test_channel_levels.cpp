// Per channel, the rest of issue 11 §1 against the device model's truth: THD+N at nominal line level with each
// channel driven to the level through its own gain (the right channel 6 dB quieter and with a strong H2), the
// line-drive advice giving each channel's drive, the floor margins of each channel over its own input's floor,
// and the current-limit / rail-clipping label of each channel judged with that channel's own |Zout| (a 47 ohm
// left and a 2 ohm right channel, both clipping at their rails).
// Tolerances: level 0.1 dB (the input calibration is the model's), drive difference 0.05 dB (the two sweeps'
// gains), THD+N 0.5 dB (model_truth.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/units.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "measure/verdict_inputs.hpp"
#include "model_truth.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;

struct SimRun {
  sim::DeviceModel model;
  BenchConfig bench;
  VerdictRules rules;
  Results res;
};

SimRun quick_run(sim::DeviceModel model, const std::vector<std::string>& loads) {
  SimRun r{std::move(model), {}, test::default_rules(), {}};
  r.bench = sim::bench_for_model(r.model, 48000);
  r.res = test::quick_run(r.model, r.bench, {.seed = 7, .ports = {"headphone"}, .loads = loads, .rules = r.rules});
  return r;
}

sim::PortModel as_left(const sim::PortModel& p, int c) {
  sim::PortModel q = p;
  static_cast<sim::ChannelModel&>(q) = p.ch(c);
  return q;
}

// The usb-interface headphone out (no coupling capacitor) with its right channel at half the volts per dBFS,
// twice the noise and H2 at -70 dBc (left -105) into open and 10k (the line load).
SimRun uneven_gain_run() {
  return quick_run(test::model_with("usb-interface.json",
                                    [](json& dev) {
                                      dev["ports"].erase("line");
                                      auto& hp = dev["ports"]["headphone"];
                                      hp["coupling_c_farads"] = 0;
                                      hp["crosstalk_db"] = -120;
                                      hp["vrms_at_0dbfs"] = {3.2, 1.6};
                                      hp["noise_vrms"] = {4e-6, 8e-6};
                                      hp["h2_dbc_at_0dbfs"] = {-105, -70};
                                    }),
                   {"open", "10k"});
}

TEST(ChannelLevels, EachChannelIsDrivenToTheLevelAndTheWorseIsTheHeadline) {
  const SimRun r = uneven_gain_run();
  const auto& p = test::port_of(r.res, "headphone");
  const auto& pm = *r.model.port("headphone");
  const LoadResult& line = p.loads.back();
  ASSERT_TRUE(line.valid) << line.problem;
  ASSERT_EQ(line.at_levels.size(), r.rules.line_levels.size());
  for (const auto& al : line.at_levels) {
    ASSERT_EQ(al.channels.size(), 2u) << al.what;
    for (const auto& c : al.channels) {
      ASSERT_TRUE(c.thdn.valid) << al.what << " " << c.channel;
      // Each channel reaches the level (the line level the entry names) through its own gain.
      bool named = false;
      for (const auto& lvl : r.rules.line_levels)
        if (al.what.find(lvl.name) != std::string::npos) {
          named = true;
          EXPECT_NEAR(dbv_from_vrms(c.out_vrms), lvl.level_dbv, 0.1) << al.what << " " << c.channel;
        }
      EXPECT_TRUE(named) << al.what;
      EXPECT_NEAR(c.thdn.thdn_db, test::model_thdn_db(r.model, as_left(pm, c.channel), line.load_ohms, c.drive_dbfs),
                  0.5)
          << al.what << " " << c.channel;
    }
    // The right channel needs 6.02 dB more drive, and its H2 makes it the worse: the headline.
    EXPECT_NEAR(al.channels[1].drive_dbfs - al.channels[0].drive_dbfs, db_from_ratio(2.0), 0.05) << al.what;
    EXPECT_EQ(al.channel, 1) << al.what;
    EXPECT_EQ(al.thdn.thdn_db, al.channels[1].thdn.thdn_db) << al.what;
    EXPECT_EQ(al.drive_dbfs, al.channels[1].drive_dbfs) << al.what;
    EXPECT_GT(al.channels[1].thdn.thdn_db, al.channels[0].thdn.thdn_db + 3) << al.what;
  }
  // The line-drive advice gives each channel's drive, and the quieter channel's as the drive to play.
  Results res = r.res;
  recommend_line_drive(res, r.rules, r.bench.input, {});
  const auto& hp = test::port_of(res, "headphone");
  ASSERT_EQ(hp.recommendations.size(), r.rules.line_levels.size());
  for (const auto& rec : hp.recommendations) {
    ASSERT_EQ(rec.channel_drives_dbfs.size(), 2u) << rec.level_name;
    EXPECT_NEAR(rec.channel_drives_dbfs[1] - rec.channel_drives_dbfs[0], db_from_ratio(2.0), 0.05) << rec.level_name;
    EXPECT_EQ(rec.drive_dbfs, rec.channel_drives_dbfs[1]) << rec.level_name;
    EXPECT_NE(rec.sentence.find(" / R "), std::string::npos) << rec.sentence;
    ASSERT_TRUE(rec.thdn_db) << rec.level_name;
  }
}

TEST(ChannelLevels, EachChannelsFiguresCarryTheirMarginOverTheirOwnFloor) {
  const SimRun r = uneven_gain_run();
  const auto& p = test::port_of(r.res, "headphone");
  ASSERT_TRUE(p.analyser_floor.known());
  ASSERT_EQ(p.analyser_floor.channels.size(), 2u);
  for (const auto& l : p.loads) {
    ASSERT_EQ(l.channel_figures.size(), 2u);
    for (const auto& f : l.channel_figures) {
      const auto& fc = p.analyser_floor.channels[static_cast<std::size_t>(f.channel)];
      ASSERT_TRUE(fc.noise_dbfs && f.floor.noise && f.floor.thdn && f.floor.noise_tone) << l.load_name;
      EXPECT_NEAR(f.floor.noise->margin_db, f.noise.noise_dbfs - *fc.noise_dbfs, 1e-9) << l.load_name;
      EXPECT_NEAR(f.floor.thdn->margin_db, f.thdn_ref.level_dbfs + f.thdn_ref.thdn_db - *fc.noise_dbfs, 1e-9);
    }
    // The right channel's noise (8 uV against 4 uV) stands ~6 dB further above the floor, and the headline's
    // margin is the right channel's, the one its noise comes from.
    const FloorMargins& left = l.channel_figures[0].floor;
    const FloorMargins& right = l.channel_figures[1].floor;
    EXPECT_GT(right.noise->margin_db, left.noise->margin_db + 2.5) << l.load_name;
    ASSERT_EQ(l.worse_channel.at("noise"), 1);
    ASSERT_TRUE(l.floor.noise);
    EXPECT_EQ(l.floor.noise->margin_db, right.noise->margin_db) << l.load_name;
  }
}

// The rail-clipping 47 ohm output with its right channel built out with 2 ohm: both channels clip at their
// rails into every load (peak currents far below the 1 A limit), which only each channel's own |Zout| shows
// (with the left's 47 ohm the right channel's EMF would read 0.6-1.2 dB above its open-load one: no label).
TEST(ChannelLevels, EachChannelsLimitIsNamedWithItsOwnZout) {
  const SimRun r = quick_run(test::model_with("rail-clipping-47ohm.json",
                                              [](json& dev) {
                                                dev["ports"]["headphone"]["source_r_ohms"] = {47, 2};
                                              }),
                             {"open", "10k", "600", "300"});
  const auto& p = test::port_of(r.res, "headphone");
  ASSERT_EQ(p.channels.size(), 2u);
  ASSERT_TRUE(p.channels[1].z_1k_ohms);
  EXPECT_NEAR(*p.channels[1].z_1k_ohms, 2.0, 0.05);
  for (const auto& l : p.loads) {
    if (!std::isfinite(l.load_ohms)) continue;
    ASSERT_TRUE(l.valid) << l.problem;
    for (const auto& f : l.channel_figures)
      EXPECT_EQ(f.max_level.stop_reason, "rail_clipping")
          << l.load_name << " channel " << f.channel << ": " << f.max_level.explanation;
    // The headline is the worse channel's (the left: 47 ohm divides its rails further), as classified.
    EXPECT_EQ(l.worse_channel.at("max_level"), 0) << l.load_name;
    EXPECT_EQ(l.max_level.stop_reason, l.channel_figures[0].max_level.stop_reason) << l.load_name;
    EXPECT_EQ(l.max_level.explanation, l.channel_figures[0].max_level.explanation) << l.load_name;
  }
}

}  // namespace
}  // namespace outbench
