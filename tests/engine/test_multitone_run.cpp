// The multitone in `outbench run` (measure/engine/multitone_step.hpp) on the simulated usb-interface: the
// response at every tone agrees with the synchronized sweep's response into the same load within 0.05 dB on
// both channels and both ports (the headphone out's coupling capacitor rolls the low end off); with --quick it
// replaces the THD+N-versus-frequency tone list, and its stimulus is booked under "multitone".
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/log_interp.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/multitone_step.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

Results run_quick(const std::vector<std::string>& tests) {
  const auto model = test::model_with("usb-interface.json", nullptr);
  return test::quick_run(model, sim::bench_for_model(model, 48000),
                         {.seed = 11, .tests = tests, .rules = test::default_rules()});
}

const Results& shared_run() {
  static const Results r = run_quick({"multitone", "thdn-freq"});
  return r;
}

TEST(MultitoneRun, ResponseAtTheTonesAgreesWithTheSweep) {
  const Results& res = shared_run();
  int compared = 0;
  for (const auto& p : res.ports) {
    if (!p.present) continue;
    ASSERT_TRUE(p.multitone.has_value()) << p.name;
    const PortMultitone& m = *p.multitone;
    EXPECT_EQ(m.load, p.nominal_load);
    const LoadResult* lr = nullptr;
    for (const auto& l : p.loads)
      if (l.load_name == p.nominal_load) lr = &l;
    ASSERT_NE(lr, nullptr) << p.name;
    ASSERT_EQ(m.channels.size(), 2u) << p.name;
    for (const auto& c : m.channels) {
      ASSERT_TRUE(c.reading.valid) << p.name << " channel " << c.channel << ": " << c.reading.reason;
      ASSERT_EQ(c.reading.tones.size(), 31u);
      const auto& pts = lr->channel_responses.at(static_cast<std::size_t>(c.channel)).response.points;
      for (const auto& t : c.reading.tones) {
        const auto g = interpolate_log_freq(pts, t.freq_hz, &ResponsePoint::gain_db);
        ASSERT_TRUE(g.has_value()) << t.freq_hz;
        EXPECT_NEAR(t.response_db, *g, 0.05) << p.name << " channel " << c.channel << " at " << t.freq_hz << " Hz";
        ++compared;
        // The residual is never far below its floor (a band of a few bins reads a few dB either side of it).
        EXPECT_GT(t.tdn_db, t.floor_db - 10) << t.freq_hz;
      }
    }
  }
  EXPECT_GE(compared, 4 * 31);
}

TEST(MultitoneRun, QuickRunsReplaceTheThdnFreqToneListAndBookTheStimulus) {
  const Results& res = shared_run();
  for (const auto& p : res.ports) {
    if (p.present) {
      EXPECT_TRUE(p.thdn_vs_freq.empty()) << p.name;
    }
  }
  const auto& by_step = res.conditions.stimulus_by_step_s;
  ASSERT_TRUE(by_step.count("multitone"));
  EXPECT_NEAR(by_step.at("multitone"), 2 * engine::kMultitoneS, 1e-6);  // two ports
  EXPECT_FALSE(by_step.count("thdn-freq"));
}

// The progress bar's estimate (Plan::plan_seconds) counts the multitone: its "multitone" part is what the run
// books for it (one 1.3 s multitone per port) plus each capture's margin, and the total is the sum of the parts.
TEST(MultitoneRun, PlanEstimateCountsTheMultitone) {
  const Results& res = shared_run();
  const double booked = res.conditions.stimulus_by_step_s.at("multitone");
  const engine::Plan plan(48000, true);
  const auto parts = plan.plan_seconds_by_step(2, 2);
  ASSERT_TRUE(parts.count("multitone"));
  EXPECT_GE(parts.at("multitone"), booked);
  EXPECT_NEAR(parts.at("multitone"), booked, 2 * engine::kCaptureMarginS + 1e-9);
  double sum = 0;
  for (const auto& [step, s] : parts) sum += s;
  EXPECT_DOUBLE_EQ(plan.plan_seconds(2, 2), sum);
}

}  // namespace
}  // namespace outbench
