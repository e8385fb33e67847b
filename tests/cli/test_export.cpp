// outbench export results.json --csv DIR: the CSV files carry exactly the numbers of results.json, with units
// in the header row.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_cli.hpp"

namespace outbench {
namespace {

using json = nlohmann::json;
using test::run_cli;

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted)
        cells.push_back(cell), cell.clear();
      else
        cell += c;
    }
    cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  ADD_FAILURE() << "no column '" << name << "'";
  return 0;
}

TEST(CliExport, CsvFilesHoldTheResultsNumbersWithUnits) {
  test::TempDir d;
  ASSERT_EQ(run_cli("run --quick --quiet --ports line --loads open,32 -o " + (d / "rep")).exit_code, 0);
  const auto r = run_cli("export " + (d / "rep/results.json") + " --csv " + (d / "csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  const auto& port = j["ports"][0];
  ASSERT_EQ(port["name"], "line");

  // A single figure: |Zout| at 1 kHz, in figures.csv with its unit.
  bool found = false;
  for (const auto& row : read_csv(d / "csv/figures.csv")) {
    if (row.size() == 4 && row[0] == "ports.line.output_impedance" && row[1] == "z_1k_ohms") {
      EXPECT_NEAR(std::stod(row[2]), port["output_impedance"]["z_1k_ohms"].get<double>(), 1e-6);
      EXPECT_EQ(row[3], "ohm");
      found = true;
    }
  }
  EXPECT_TRUE(found) << "figures.csv has no row for ports.line.output_impedance z_1k_ohms";

  // A curve: the response into 32 ohm, one row per point, units in the header.
  const auto& load32 = port["loads"][1];
  ASSERT_EQ(load32["load"], "32");
  const auto resp = read_csv(d / "csv/line_32_response_points.csv");
  const auto& pts = load32["response"]["points"];
  ASSERT_EQ(resp.size(), pts.size() + 1);
  const auto f = column(resp[0], "freq_hz (Hz)"), m = column(resp[0], "magnitude_db (dB)");
  for (std::size_t i : {std::size_t{0}, pts.size() / 2, pts.size() - 1}) {
    EXPECT_NEAR(std::stod(resp[i + 1][f]), pts[i]["freq_hz"].get<double>(), 1e-6 * pts[i]["freq_hz"].get<double>());
    EXPECT_NEAR(std::stod(resp[i + 1][m]), pts[i]["magnitude_db"].get<double>(), 1e-7);
  }

  // A log-spaced spectrum gets its frequency column: start_hz * 2^(i / points_per_octave).
  const auto spec = read_csv(d / "csv/line_32_spectrum.csv");
  const auto& s = load32["spectrum"];
  ASSERT_EQ(spec.size(), s["level_dbfs"].size() + 1);
  const std::size_t k = 100;
  EXPECT_NEAR(std::stod(spec[k + 1][0]),
              s["start_hz"].get<double>() * std::exp2(k / s["points_per_octave"].get<double>()), 1e-4);
  EXPECT_NEAR(std::stod(spec[k + 1][1]), s["level_dbfs"][k].get<double>(), 1e-6);

  // Every figure that is a number of a unit has it: fields named by the unit alone (at_1pct's "vrms", "mw"),
  // percentages ("thdn_percent"), the clock's wander (ppm per minute); a word has none.
  std::map<std::string, std::string> want_unit = {
      {"vrms", "Vrms"}, {"mw", "mW"}, {"thdn_percent", "%"}, {"thd_percent", "%"}, {"wander_ppm_per_min", "ppm/min"}};
  std::map<std::string, int> seen_unit;
  for (const auto& row : read_csv(d / "csv/figures.csv")) {
    if (row.size() != 4) continue;
    if (const auto w = want_unit.find(row[1]); w != want_unit.end() && !row[2].empty()) {
      EXPECT_EQ(row[3], w->second) << row[0] << " " << row[1];
      ++seen_unit[row[1]];
    }
    if (row[2] == "open") {
      EXPECT_EQ(row[3], "") << row[0] << " " << row[1] << ": a word with a unit";
    }
  }
  for (const char* k : {"vrms", "mw", "thdn_percent"}) EXPECT_GT(seen_unit[k], 0) << "no figure '" << k << "'";

  // A table: the loads of the port, the name first; the open load's load_ohms (a number column) is empty.
  const auto loads = read_csv(d / "csv/line_loads.csv");
  ASSERT_EQ(loads.size(), 3u);
  EXPECT_EQ(loads[0][0], "load");
  EXPECT_EQ(loads[1][0], "open");
  EXPECT_EQ(loads[1][column(loads[0], "load_ohms (ohm)")], "");
  EXPECT_NEAR(std::stod(loads[2][column(loads[0], "load_ohms (ohm)")]), 32.0, 1e-12);
  EXPECT_EQ(loads[2][0], "32");
  EXPECT_NEAR(std::stod(loads[2][column(loads[0], "snr_a_db (dB)")]), load32["snr_a_db"].get<double>(), 1e-5);

  // IMD (ports[].imd): the reference readings one row per channel, and each channel's steps versus level.
  const auto& imd = port["imd"]["smpte"];
  const auto ref = read_csv(d / "csv/line_imd_smpte_reference.csv");
  ASSERT_EQ(ref.size(), imd["reference"].size() + 1);
  EXPECT_EQ(ref[0][0], "channel");
  EXPECT_NEAR(std::stod(ref[2][column(ref[0], "imd_pct (%)")]), imd["reference"][1]["imd_pct"].get<double>(), 1e-9);
  const auto steps = read_csv(d / "csv/line_imd_smpte_vs_level_channel1_steps.csv");
  ASSERT_EQ(steps.size(), imd["vs_level"][1]["steps"].size() + 1);
  EXPECT_NEAR(std::stod(steps[1][column(steps[0], "imd_db (dB)")]),
              imd["vs_level"][1]["steps"][0]["imd_db"].get<double>(), 1e-6);
}

TEST(CliExport, BadInputIsAUsageOrInputError) {
  test::TempDir d;
  std::ofstream(d / "other.json") << R"({"schema": "something/9"})";
  const auto wrong = run_cli("export " + (d / "other.json") + " --csv " + (d / "csv"));
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("schema"), std::string::npos) << wrong.err;
  const auto no_dir = run_cli("export " + (d / "other.json"));
  EXPECT_EQ(no_dir.exit_code, 2);
  EXPECT_NE(no_dir.err.find("--csv"), std::string::npos) << no_dir.err;
}

// --csv naming an existing file: a usage error (exit 2) naming the path and what to do, not a failed write.
// A CSV file already in the folder that this export does not write is left as it is, and named.
TEST(CliExport, CsvFolderThatIsAFileIsAUsageErrorAndOtherFilesAreNamed) {
  test::TempDir d;
  ASSERT_EQ(run_cli("run --quick --quiet --ports line --loads 32 -o " + (d / "rep")).exit_code, 0);
  std::ofstream(d / "afile") << "x";
  const auto file = run_cli("export " + (d / "rep/results.json") + " --csv " + (d / "afile"));
  EXPECT_EQ(file.exit_code, 2) << file.err;
  EXPECT_NE(file.err.find(d / "afile"), std::string::npos) << file.err;
  EXPECT_NE(file.err.find("not a folder"), std::string::npos) << file.err;
  EXPECT_EQ(test::slurp(d / "afile"), "x");
  std::filesystem::create_directories(d / "csv");
  std::ofstream(d / "csv/zzz_earlier.csv") << "a\n1\n";
  const auto r = run_cli("export " + (d / "rep/results.json") + " --csv " + (d / "csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::slurp(d / "csv/zzz_earlier.csv"), "a\n1\n");  // a user's file is never deleted
  EXPECT_NE(r.err.find("1 other CSV file(s)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("zzz_earlier.csv"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace outbench
