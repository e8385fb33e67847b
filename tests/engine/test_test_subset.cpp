// outbench run --tests: a subset of the plan plays only its steps (and their dependencies), records which
// ran and the stimulus per step, and its verdicts do not pass on figures that were not measured.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/engine/test_set.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

Results run_tests(const std::string& device, std::vector<std::string> tests) {
  const auto model = sim::load_device_model(test::fixture("devices/" + device));
  return test::quick_run(model, sim::bench_for_model(model, 48000),
                         {.tests = std::move(tests), .rules = test::default_rules(), .model_volumes = true});
}

double sum_by_step(const Results& r) {
  double s = 0;
  for (const auto& [step, secs] : r.conditions.stimulus_by_step_s) s += secs;
  return s;
}

TEST(TestSubset, ResolvesDependenciesAndRefusesUnknownNames) {
  const auto all = engine::resolve_tests({});
  EXPECT_TRUE(all.all);
  EXPECT_EQ(all.list().size(), engine::kTests.size());
  const auto z = engine::resolve_tests({"zout"});
  EXPECT_EQ(z.list(), (std::vector<std::string>{"response", "zout"}));
  const auto n = engine::resolve_tests({"noise"});
  EXPECT_EQ(n.list(), (std::vector<std::string>{"response", "noise", "maxlevel"}));
  ASSERT_EQ(n.added.size(), 2u);
  EXPECT_EQ(n.added[1], "maxlevel (needed by noise: SNR and dynamic range are relative to the maximum level)");
  try {
    engine::resolve_tests({"thdn", "imd-typo"});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "--tests: 'imd-typo' is not a test of the plan (tests: " + engine::test_names() + ")");
    EXPECT_NE(std::string(e.what()).find("thdn-freq"), std::string::npos);
  }
}

// Output impedance alone: the sweeps only (and the level probe), Zout as in the full plan, nothing else
// measured, and no verdict passes on the figures it lacks.
TEST(TestSubset, ZoutAloneMeasuresZoutAndNothingElse) {
  const Results r = run_tests("phone-dongle.json", {"zout"});
  EXPECT_EQ(r.conditions.tests, (std::vector<std::string>{"response", "zout"}));
  EXPECT_TRUE(r.conditions.tests_subset);
  const auto model = sim::load_device_model(test::fixture("devices/phone-dongle.json"));
  const auto& hp = test::port_of(r, "headphone");
  ASSERT_TRUE(hp.z_1k_ohms);
  const double z1k = std::abs(sim::source_impedance(*model.port("headphone"), 1000));
  EXPECT_NEAR(*hp.z_1k_ohms, z1k, 0.02 * z1k);
  for (const auto& l : hp.loads) {
    EXPECT_TRUE(l.valid) << l.load_name;
    EXPECT_FALSE(l.thdn_ref.valid) << l.load_name;
    EXPECT_FALSE(l.max_level.at_1pct.found) << l.load_name;
    EXPECT_FALSE(l.noise.valid) << l.load_name;
    EXPECT_TRUE(l.crosstalk.empty()) << l.load_name;
  }
  EXPECT_TRUE(hp.thdn_vs_freq.empty());
  EXPECT_TRUE(hp.crosstalk_vs_freq.empty());
  for (const auto& [step, secs] : r.conditions.stimulus_by_step_s)
    EXPECT_TRUE(step == "response" || step == "zout" || step == "probe") << step << " played " << secs << " s";
  EXPECT_GT(r.conditions.stimulus_by_step_s.at("zout"), 0.0);
  EXPECT_NEAR(sum_by_step(r), r.conditions.stimulus_s, 1e-9);
  ASSERT_FALSE(r.verdicts.empty());
  for (const auto& v : r.verdicts) {
    EXPECT_FALSE(v.pass) << v.id << ": " << v.summary;
    if (v.applicable && v.grade != "no") {
      EXPECT_EQ(v.grade, "cannot_decide") << v.id;
      EXPECT_NE(v.summary.find("not measured in this run (--tests response,zout)"), std::string::npos) << v.summary;
    }
  }
}

// The whole plan books every second of stimulus to a step, and every test of the plan plays.
TEST(TestSubset, FullPlanBooksStimulusPerStep) {
  const Results r = run_tests("phone-dongle.json", {});
  EXPECT_FALSE(r.conditions.tests_subset);
  EXPECT_EQ(r.conditions.tests.size(), engine::kTests.size());
  EXPECT_NEAR(sum_by_step(r), r.conditions.stimulus_s, 1e-9);
  // In a --quick run the multitone stands in for the THD+N-versus-frequency tone list; every other test plays.
  for (const auto& t : engine::kTests)
    EXPECT_EQ(r.conditions.stimulus_by_step_s.count(t.name), std::string(t.name) == "thdn-freq" ? 0u : 1u) << t.name;
  EXPECT_GT(r.conditions.stimulus_by_step_s.count("floor"), 0u);
}

}  // namespace
}  // namespace outbench
