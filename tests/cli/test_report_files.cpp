// Reports and files: results files the report reads are validated field by field; strings cannot break out
// of the page's data block and the page's scripts run under a hash-based Content-Security-Policy; a run
// writes results.json and report.html both or neither, and removes the temporary files of killed runs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

// One quick run shared by the tests that only read its results.
class ReportFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    const auto r = run_cli("run --quick --quiet --ports line --loads open,10k -o " + (*dir_ / "rep"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    results_ = new json(json::parse(test::slurp(*dir_ / "rep/results.json")));
  }
  static void TearDownTestSuite() {
    delete results_;
    delete dir_;
  }
  static test::TempDir* dir_;
  static json* results_;

  // Index of the first valid load of ports[0].
  static std::size_t valid_load() {
    const auto& loads = (*results_)["ports"][0]["loads"];
    for (std::size_t i = 0; i < loads.size(); ++i)
      if (loads[i]["valid"].get<bool>()) return i;
    ADD_FAILURE() << "no valid load";
    return 0;
  }

  // `outbench report` of a modified copy: exit 2, nothing written, the error names `field`.
  static void expect_rejected(const json& bad, const std::string& field, const std::string& expected) {
    const std::string in = *dir_ / "bad.json", out = *dir_ / "bad.html";
    std::filesystem::remove(out);
    { std::ofstream(in) << bad.dump(); }
    const auto r = run_cli("report " + in + " -o " + out);
    EXPECT_EQ(r.exit_code, 2) << field << ": " << r.err;
    EXPECT_NE(r.err.find(in + ": " + field + ": expected " + expected), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << field;
    // compare validates both files the same way
    const auto c = run_cli("compare " + (*dir_ / "rep/results.json") + " " + in + " -o " + out);
    EXPECT_EQ(c.exit_code, 2) << field << ": " << c.err;
    EXPECT_NE(c.err.find(in + ": " + field + ": expected " + expected), std::string::npos) << c.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << field;
  }
};
test::TempDir* ReportFiles::dir_ = nullptr;
json* ReportFiles::results_ = nullptr;

// The case: a one-element band made the report read past the array (heap overflow, exit 0 in release
// builds). Every field the report reads is checked the same way, with its path in the error.
TEST_F(ReportFiles, ReportAndCompareRejectMalformedFieldsNamingThem) {
  ASSERT_EQ(run_cli("report " + (*dir_ / "rep/results.json") + " -o " + (*dir_ / "ok.html")).exit_code, 0);
  const std::size_t li = valid_load();
  const std::string load = "ports[0].loads[" + std::to_string(li) + "]";
  json bad = *results_;
  bad["conditions"]["band_hz"] = {20};
  expect_rejected(bad, "conditions.band_hz", "[low, high]");

  bad = *results_;
  bad["conditions"]["band_hz"] = "20-20000";
  expect_rejected(bad, "conditions.band_hz", "an array");

  bad = *results_;
  bad["conditions"]["rate_hz"] = "48000";
  expect_rejected(bad, "conditions.rate_hz", "a number");

  bad = *results_;
  bad["conditions"]["seed"] = 1.5e300;
  expect_rejected(bad, "conditions.seed", "an integer >= 0");

  bad = *results_;
  bad["ports"][0]["loads"][li]["response"]["points"][5]["relative_db"] = "x";
  expect_rejected(bad, load + ".response.points[5].relative_db", "a number or null");

  bad = *results_;
  bad["ports"][0]["loads"][li]["response"]["points"][5].erase("freq_hz");
  expect_rejected(bad, load + ".response.points[5].freq_hz", "a number, but it is missing");

  bad = *results_;  // the table reads every load at the first load's frequencies
  bool seen_first = false;
  std::size_t second = 0;
  for (std::size_t i = 0; i < bad["ports"][0]["loads"].size(); ++i)
    if (bad["ports"][0]["loads"][i]["valid"].get<bool>()) {
      if (seen_first) second = i;
      seen_first = true;
    }
  ASSERT_GT(second, li) << "the run must have two valid loads";
  bad["ports"][0]["loads"][second]["response"]["points"].erase(10);
  expect_rejected(bad, "ports[0].loads[" + std::to_string(second) + "].response.points",
                  std::to_string((*results_)["ports"][0]["loads"][li]["response"]["points"].size()) + " points like " +
                      load + ".response.points");

  bad = *results_;
  bad["ports"][0]["loads"][li].erase("thdn_reference");
  expect_rejected(bad, load + ".thdn_reference", "an object, but it is missing");

  bad = *results_;
  bad["ports"][0]["loads"][li]["max_level"]["at_1pct"]["found"] = "yes";
  expect_rejected(bad, load + ".max_level.at_1pct.found", "true or false");

  bad = *results_;
  bad["ports"][0]["loads"][li]["spectrum"]["points_per_octave"] = 0;
  expect_rejected(bad, load + ".spectrum.points_per_octave", "a number > 0");

  bad = *results_;
  bad["ports"][0]["output_impedance"]["points"][3]["z_ohms"] = nullptr;
  expect_rejected(bad, "ports[0].output_impedance.points[3].z_ohms", "a number");

  bad = *results_;
  bad["ports"][0]["present"] = "true";
  expect_rejected(bad, "ports[0].present", "true or false");

  bad = *results_;
  bad["verdicts"][0]["rules"] = 3;
  expect_rejected(bad, "verdicts[0].rules", "an array");

  std::size_t vi = 0;  // a verdict with rules
  while (vi + 1 < results_->at("verdicts").size() && results_->at("verdicts")[vi]["rules"].empty()) ++vi;
  ASSERT_FALSE(results_->at("verdicts")[vi]["rules"].empty());
  bad = *results_;
  bad["verdicts"][vi]["rules"][0].erase("measured");
  expect_rejected(bad, "verdicts[" + std::to_string(vi) + "].rules[0].measured", "a number or null, but it is missing");

  bad = *results_;
  bad["warnings"] = {"fine", 7};
  expect_rejected(bad, "warnings[1]", "a string");
}

}  // namespace
}  // namespace outbench
