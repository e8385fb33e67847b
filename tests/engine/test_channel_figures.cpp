// Every figure per channel (issue 11 §1) against the device model's truth: a headphone out whose right channel
// has 6 dB more noise, a strong 2nd harmonic and lower rails than its left. Each channel's THD+N at the
// reference level, idle noise, noise under the -60 dBFS tone and maximum level match that channel's model; the
// load's headline figures are the worse (right) channel's and say so (worse_channel), and the verdict's
// dynamic-range and headroom rules judge the right channel and name it; THD+N versus frequency per channel.
// Truth and tolerances as the single-channel tests: THD+N 0.5 dB (model_truth.hpp), noise 0.3 dB
// (test_noise_dr.cpp), maximum level 0.3 dB (the level search's resolution).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/units.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/engine/test_set.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "model_truth.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;

struct UnevenRun {
  sim::DeviceModel model;
  Results res;
};

// The usb-interface headphone out (no coupling capacitor, EMF crosstalk -120 dB) into open and 10k; the right
// channel: noise 8 uVrms (left 4 uVrms), H2 -70 dBc at 0 dBFS (left -105), rails 1.5 Vpeak (left 6.5: the left
// never clips before 0 dBFS, the right reaches 1 % near -9.5 dBFS drive, a coarse step or more below).
UnevenRun run_uneven() {
  UnevenRun r;
  r.model = test::model_with("usb-interface.json", [](json& dev) {
    dev["ports"].erase("line");
    auto& hp = dev["ports"]["headphone"];
    hp["coupling_c_farads"] = 0;
    hp["crosstalk_db"] = -120;
    hp["noise_vrms"] = {4e-6, 8e-6};
    hp["h2_dbc_at_0dbfs"] = {-105, -70};
    hp["rail_vpeak"] = {6.5, 1.5};
  });
  // Every test but the multitone, which with --quick replaces the THD+N-versus-frequency tone list read here.
  std::vector<std::string> tests;
  for (const auto& t : engine::kTests)
    if (std::string(t.name) != "multitone") tests.push_back(t.name);
  r.res = test::quick_run(r.model, sim::bench_for_model(r.model, 48000),
                          {.seed = 5,
                           .ports = {"headphone"},
                           .loads = {"open", "10k"},
                           .tests = std::move(tests),
                           .rules = test::default_rules()});
  return r;
}

// The port model with channel `c`'s parameters in the left's place (the truth helpers read the left's).
sim::PortModel as_left(const sim::PortModel& p, int c) {
  sim::PortModel q = p;
  static_cast<sim::ChannelModel&>(q) = p.ch(c);
  return q;
}

// In-band noise at the loopback input (dBFS): EMF noise through the divider, ADC noise, quantisation.
double model_noise_dbfs(const sim::DeviceModel& m, const sim::PortModel& pm, double load_ohms) {
  const double emf = pm.noise_vrms * sim::divider_gain(pm, m.loopback, load_ohms, 1000) / m.loopback.full_scale_vrms;
  const double adc = ratio_from_db(m.loopback.noise_dbfs);
  const double quant = std::sqrt(2.0) * std::ldexp(1.0, -23) / std::sqrt(12.0) * std::sqrt(19980.0 / 24000.0);
  return 10 * std::log10(emf * emf + adc * adc + quant * quant);
}

TEST(ChannelFigures, EachChannelMatchesItsModelAndTheWorseIsTheHeadline) {
  const UnevenRun r = run_uneven();
  const auto& p = test::port_of(r.res, "headphone");
  const auto& pm = *r.model.port("headphone");
  ASSERT_EQ(p.loads.size(), 2u);
  for (const auto& l : p.loads) {
    ASSERT_TRUE(l.valid) << l.problem;
    ASSERT_EQ(l.channel_figures.size(), 2u);
    for (int c = 0; c < 2; ++c) {
      const auto& f = l.channel_figures[static_cast<std::size_t>(c)];
      const sim::PortModel pc = as_left(pm, c);
      const std::string at = l.load_name + " channel " + std::to_string(c);
      EXPECT_EQ(f.channel, c);
      ASSERT_TRUE(f.thdn_ref.valid) << at;
      EXPECT_NEAR(f.thdn_ref.thdn_db, test::model_thdn_db(r.model, pc, l.load_ohms, -20), 0.5) << at;
      const double noise = model_noise_dbfs(r.model, pc, l.load_ohms);
      ASSERT_TRUE(f.noise.valid && f.noise_tone_dbfs) << at;
      EXPECT_NEAR(f.noise.noise_dbfs, noise, 0.3) << at;
      EXPECT_NEAR(*f.noise_tone_dbfs, noise, 0.3) << at;
      ASSERT_TRUE(f.max_level.at_1pct.found && f.max_level.at_1pct.vrms) << at;
      EXPECT_NEAR(db_from_ratio(*f.max_level.at_1pct.vrms / test::model_max_vrms(r.model, pc, l.load_ohms)), 0.0, 0.3)
          << at;
      ASSERT_TRUE(f.snr_db && f.dynamic_range_db) << at;
      EXPECT_NEAR(*f.snr_db, f.max_level.at_1pct.out_dbfs - f.noise.noise_dbfs, 1e-9) << at;
    }
    // The right channel is worse in every figure, by far more than the channels' resolution: the headline.
    const auto& right = l.channel_figures[1];
    EXPECT_EQ(l.thdn_ref.thdn_db, right.thdn_ref.thdn_db) << l.load_name;
    EXPECT_EQ(l.noise.noise_dbfs, right.noise.noise_dbfs) << l.load_name;
    EXPECT_EQ(l.noise_tone_dbfs, right.noise_tone_dbfs) << l.load_name;
    EXPECT_EQ(l.max_level.at_1pct.out_dbfs, right.max_level.at_1pct.out_dbfs) << l.load_name;
    EXPECT_EQ(l.thdn_vs_level.size(), right.thdn_vs_level.size()) << l.load_name;
    EXPECT_EQ(l.snr_db, right.snr_db) << l.load_name;
    EXPECT_EQ(l.dynamic_range_db, right.dynamic_range_db) << l.load_name;
    for (const char* figure : {"thdn_reference", "noise", "noise_under_tone", "max_level", "snr", "dynamic_range"}) {
      ASSERT_TRUE(l.worse_channel.count(figure)) << figure;
      EXPECT_EQ(l.worse_channel.at(figure), 1) << l.load_name << " " << figure;
    }
    // The left channel kept stepping after the right one stopped: its own 1 % point lies higher.
    // The right channel clips at its 1.5 V rails: into 10k its own |Zout| puts the EMF at the open load's,
    // rail_clipping (classified per channel; the open load keeps the search's thdn_1pct).
    EXPECT_EQ(right.max_level.stop_reason, std::isfinite(l.load_ohms) ? "rail_clipping" : "thdn_1pct") << l.load_name;
    EXPECT_EQ(l.channel_figures[0].max_level.stop_reason, "full_scale") << l.load_name;
    EXPECT_GT(l.channel_figures[0].thdn_vs_level.size(), right.thdn_vs_level.size()) << l.load_name;
    EXPECT_GT(l.channel_figures[0].max_level.at_1pct.out_dbfs, right.max_level.at_1pct.out_dbfs + 3) << l.load_name;
  }
  const LoadResult& line = p.loads.back();
  // THD+N versus frequency per channel, into the nominal load (10k: the run's only headphone-range load is
  // absent) at the reference drive: a static nonlinearity and a flat response give each channel its model
  // THD+N at every tone whose H2, H3 are in band.
  ASSERT_EQ(p.thdn_vs_freq_channels.size(), 2u);
  ASSERT_EQ(p.nominal_load, line.load_name);
  for (int c = 0; c < 2; ++c) {
    const double truth = test::model_thdn_db(r.model, as_left(pm, c), line.load_ohms, p.thdn_vs_freq_drive_dbfs);
    int n = 0;
    for (const auto& t : p.thdn_vs_freq_channels[static_cast<std::size_t>(c)]) {
      if (t.freq_hz < 100 || t.freq_hz > 2000) continue;
      ++n;
      ASSERT_TRUE(t.thdn_db) << c << " " << t.freq_hz << " " << t.problem;
      EXPECT_NEAR(*t.thdn_db, truth, 0.5) << c << " " << t.freq_hz;
    }
    EXPECT_GE(n, 3) << c;
  }
  EXPECT_EQ(p.thdn_vs_freq.size(), p.thdn_vs_freq_channels[0].size());
  // The verdict judges the right channel and names it.
  int seen = 0;
  for (const auto& v : r.res.verdicts) {
    if (v.id != "headphone_as_line_out") continue;
    for (const auto& rule : v.rules) {
      if (rule.id != "dynamic_range" && rule.id != "headroom") continue;
      ++seen;
      ASSERT_TRUE(rule.measured) << rule.id;
      if (rule.id == "dynamic_range") {
        EXPECT_EQ(*rule.measured, *line.channel_figures[1].dynamic_range_db);
      }
      EXPECT_NE(rule.sentence.find("(right channel, the worse)"), std::string::npos) << rule.sentence;
    }
  }
  EXPECT_GE(seen, 2);
}

}  // namespace
}  // namespace outbench
