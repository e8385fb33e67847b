// Headphone curves (CSV) and `outbench analyze headphones` / `run --headphones`: a curve's rows, each bad row
// refused with its line number, the offline prediction from a results file against the divider's closed form,
// and a bad --headphones file refused (exit 2) before anything is measured.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "measure/config/headphones_config.hpp"
#include "measure/errors.hpp"
#include "run_cli.hpp"

namespace outbench {
namespace {

using json = nlohmann::json;
using test::run_cli;

std::string error_of(const std::string& csv) {
  try {
    parse_impedance_csv(csv, "hp.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(HeadphoneCsv, ReadsRowsWithCommentsAndAHeader) {
  const auto pts = parse_impedance_csv(
      "* REW export\n# comment\nFreq(Hz), Z(ohms), Phase(degrees)\n10, 32, 0\n1000;40;90\n20000\t20 -45\n", "hp.csv");
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_NEAR(pts[1].z_ohms.imag(), 40.0, 1e-12);
  EXPECT_NEAR(pts[2].z_ohms.real(), 20 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(pts[2].z_ohms.imag(), -20 / std::sqrt(2.0), 1e-12);
}

TEST(HeadphoneCsv, EachBadRowIsNamedByItsLine) {
  const std::string head = "freq_hz,z_ohms,phase_deg\n10,32,0\n";
  EXPECT_NE(error_of(head + "100,x,0\n").find("hp.csv:3: field 2 'x' is not a finite number"), std::string::npos);
  EXPECT_NE(error_of(head + "100,32\n").find("hp.csv:3: 2 fields, expected 3"), std::string::npos);
  EXPECT_NE(error_of(head + "10,32,0\n").find("hp.csv:3: freq_hz must increase"), std::string::npos);
  EXPECT_NE(error_of(head + "100,-3,0\n").find("hp.csv:3: z_ohms must be > 0, got -3"), std::string::npos);
  EXPECT_NE(error_of(head + "100,3,95\n").find("hp.csv:3: phase_deg must lie within -90..90"), std::string::npos);
  EXPECT_NE(error_of(head + "100,3,0\nfreq,z,p\n").find("hp.csv:4: 'freq' is not a number"), std::string::npos);
  EXPECT_NE(error_of(head + "1000,3,0\n").find("must span 20 Hz-20 kHz"), std::string::npos);
  EXPECT_NE(error_of("freq_hz,z_ohms,phase_deg\n10,32,0\n").find("1 data rows"), std::string::npos);
  EXPECT_EQ(error_of(head + "20000,3,0\n"), "");
}

// A results file whose port has a 120 ohm resistive |Zout|: a flat 16 ohm curve loses 20 log10(16/136) and
// deviates by nothing; the 300 ohm dynamic deviates as the divider between 500 and 300 ohm says.
TEST(HeadphoneCli, AnalyzeHeadphonesFromAResultsFile) {
  test::TempDir d;
  json pts = json::array();
  for (double f = 10; f < 24000; f *= 2)
    pts.push_back({{"freq_hz", f}, {"z_ohms", 120}, {"r_ohms", 120}, {"x_ohms", 0}});
  pts.push_back({{"freq_hz", 24000}, {"z_ohms", 120}, {"r_ohms", 120}, {"x_ohms", 0}});
  std::ofstream(d / "results.json")
      << json{{"ports", {{{"name", "line"}, {"present", true}, {"output_impedance", {{"points", pts}}}}}}}.dump();
  std::ofstream(d / "flat.csv") << "freq_hz,z_ohms,phase_deg\n10,16,0\n30000,16,0\n";
  const std::string dyn = std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/headphones/dynamic-300.json";
  const auto r = run_cli("analyze headphones " + (d / "results.json") + " --headphones " + (d / "flat.csv") + "," +
                         dyn + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  const auto& hs = j["ports"][0]["headphones"];
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0]["id"], "flat");
  EXPECT_NEAR(hs[0]["level_1k_db"].get<double>(), 20 * std::log10(16.0 / 136.0), 1e-9);
  EXPECT_LT(hs[0]["max_deviation_20_20k_db"].get<double>(), 1e-9);
  EXPECT_NEAR(hs[0]["min_damping_factor"].get<double>(), 16.0 / 120.0, 1e-9);
  // At 90 Hz |Z| = 500 ohm (plus 0.45j); at 1 kHz 300.4 ohm and a little reactance: about 1.05 dB.
  EXPECT_NEAR(hs[1]["max_deviation_20_20k_db"].get<double>(),
              20 * std::log10(500.0 / 620.0) - 20 * std::log10(300.0 / 420.0), 0.01);
  // Without --json: a line per headphone, against the rules' tolerance.
  const auto t = run_cli("analyze headphones " + (d / "results.json") + " --headphones " + dyn);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("OUTSIDE 0.50 dB"), std::string::npos) << t.out;
}

TEST(HeadphoneCli, BadHeadphoneFilesAreRefusedBeforeAnythingIsMeasured) {
  test::TempDir d;
  std::ofstream(d / "bad.csv") << "freq_hz,z_ohms,phase_deg\n10,16,0\n20,abc,0\n30000,16,0\n";
  const auto r = run_cli("run --quick --quiet -o " + (d / "rep") + " --headphones " + (d / "bad.csv"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("bad.csv:3: field 2 'abc' is not a finite number"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d / "rep/results.json"));
  std::ofstream(d / "net.json")
      << R"({"schema": "outbench-headphone/1", "name": "n", "network": {"series": [{"r_ohm": 3}]}})";
  const auto n = run_cli("analyze headphones x.json --headphones " + (d / "net.json"));
  EXPECT_EQ(n.exit_code, 2);
  EXPECT_NE(n.err.find("network.series[0]"), std::string::npos) << n.err;
  EXPECT_NE(n.err.find("r_ohms"), std::string::npos) << n.err;  // the nearest known key
}

// The default run predicts the shipped set on every port and the verdict judges them.
TEST(HeadphoneCli, RunPredictsTheShippedSet) {
  test::TempDir d;
  const auto r = run_cli("run --quick --quiet --device " + std::string(OUTBENCH_SOURCE_DIR) +
                         "/fixtures/devices/phone-dongle.json -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  for (const auto& p : j["ports"]) {
    if (!p["present"].get<bool>()) continue;
    ASSERT_EQ(p["headphones"].size(), 4u);
    // About 1 ohm: flat 16 ohm deviates by nothing, the IEM (7.4-40 ohm) by 20 log10(40/41) - 20 log10(7.4/8.4).
    for (const auto& h : p["headphones"]) {
      const double dev = h["max_deviation_20_20k_db"].get<double>();
      if (h["id"] == "planar-16") {
        EXPECT_LT(dev, 0.01);
      }
      if (h["id"] == "iem-ba-multi") {
        EXPECT_NEAR(dev, 0.89, 0.1);
      }
    }
  }
  int judged = 0;
  for (const auto& v : j["verdicts"])
    for (const auto& rule : v["rules"]) judged += rule["id"].get<std::string>().rfind("headphone_", 0) == 0;
  EXPECT_EQ(judged, 4);
}

}  // namespace
}  // namespace outbench
