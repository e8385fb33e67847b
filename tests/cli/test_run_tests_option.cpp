// outbench run --tests LIST: the help lists the plan's tests, an unknown name is a usage error naming the
// valid ones (exit 2, nothing written), dependencies are stated, and results.json records what ran and the
// stimulus seconds per step.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

TEST(CliRunTests, HelpListsTheTestsWithAnExample) {
  const auto r = run_cli("run --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* t : {"--tests", "zout,thdn", "response:", "thdn:", "noise:", "crosstalk:", "maxlevel:", "levels:",
                        "zout:", "thdn-freq:", "crosstalk-freq:", "volume:", "imd:", "(adds maxlevel)"})
    EXPECT_NE(r.out.find(t), std::string::npos) << t;
}

TEST(CliRunTests, UnknownTestIsAUsageErrorListingTheValidOnes) {
  test::TempDir d;
  const auto r = run_cli("run --quick --quiet --tests thdn,zuot -o " + (d / "rep"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--tests: 'zuot' is not a test of the plan (tests: response, thdn, noise, crosstalk, "
                       "maxlevel, levels, zout, thdn-freq, crosstalk-freq"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(d / "rep/results.json"));
}

TEST(CliRunTests, SubsetStatesDependenciesAndRecordsWhatRan) {
  test::TempDir d;
  const auto r = run_cli("run --quick --quiet --ports headphone --tests thdn-freq -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--tests: added maxlevel (needed by thdn-freq"), std::string::npos) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  const auto& t = j["conditions"]["tests"];
  EXPECT_EQ(t["run"], json({"response", "maxlevel", "thdn-freq"}));
  EXPECT_TRUE(t["subset"].get<bool>());
  const auto& steps = j["conditions"]["stimulus_by_step_s"];
  double sum = 0;
  for (const auto& [k, v] : steps.items()) sum += v.get<double>();
  EXPECT_NEAR(sum, j["conditions"]["stimulus_s"].get<double>(), 1e-6);
  EXPECT_TRUE(steps.contains("thdn-freq") && steps.contains("maxlevel") && steps.contains("response"));
  EXPECT_FALSE(steps.contains("thdn") || steps.contains("noise") || steps.contains("crosstalk"));
  for (const auto& p : j["ports"])
    if (p["name"] == "headphone") {
      EXPECT_FALSE(p["thdn_vs_freq"].empty());
    }
  for (const auto& v : j["verdicts"]) EXPECT_NE(v["grade"], "yes") << v["summary"];
}

}  // namespace
}  // namespace outbench
