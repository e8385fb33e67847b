// outbench compare with more than two runs: a column per run, each later run's difference from run A, changed
// verdicts and moved figures marked per run; outbench/1 files compare with outbench/2 ones; fewer than two
// files is a usage error (exit 2).
// GCC 12 under the sanitizer build reports -Wmaybe-uninitialized inside std::regex's compiled state (a
// std::function); a false positive in the library, silenced for this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

// The cells (inner HTML with their opening tag) of the table row whose first cell reads `figure`.
std::vector<std::string> row_cells(const std::string& html, const std::string& figure) {
  std::vector<std::string> cells;
  const auto at = html.find("<td class=\"l\">" + figure + "</td>");
  if (at == std::string::npos) return cells;
  const std::string row = html.substr(at, html.find("</tr>", at) - at);
  const std::regex cell("<td[^>]*>[^<]*</td>");
  for (auto it = std::sregex_iterator(row.begin(), row.end(), cell); it != std::sregex_iterator(); ++it)
    cells.push_back(it->str());
  return cells;
}

// Three runs: B has one verdict flipped and the headphone |Zout| at 1 kHz 10 % higher (tolerance 2 %); C has
// |Zout| 1 % higher (within tolerance) and the 10k load's SNR 2 dB higher (tolerance 1 dB).
TEST(CliCompare, ThreeRunsAColumnEachMovedFiguresPerRun) {
  test::TempDir d;
  ASSERT_EQ(run_cli("run --quick --quiet --loads open,10k,32 -o " + (d / "rep")).exit_code, 0);
  const auto a = json::parse(test::slurp(d / "rep/results.json"));
  json b = a, c = a;
  b["verdicts"][0]["pass"] = !a["verdicts"][0]["pass"].get<bool>();
  b["verdicts"][0]["grade"] = a["verdicts"][0]["pass"].get<bool>() ? "no" : "yes";
  for (auto* r : {&b, &c})
    for (auto& p : (*r)["ports"])
      if (p["name"] == "headphone") {
        auto& z = p["output_impedance"]["z_1k_ohms"];
        z = z.get<double>() * (r == &b ? 1.10 : 1.01);
        if (r == &c) {
          p["loads"][1]["snr_db"] = p["loads"][1]["snr_db"].get<double>() + 2.0;
          // A reading in C, not a bound at the analyser's floor (two bounds differing are not a move).
          if (p["loads"][1].contains("floor") && p["loads"][1]["floor"].contains("snr"))
            p["loads"][1]["floor"]["snr"]["analyser_limited"] = false;
        }
      }
  std::ofstream(d / "b.json") << b.dump();
  std::ofstream(d / "c.json") << c.dump();
  const auto r = run_cli("compare " + (d / "rep/results.json") + " " + (d / "b.json") + " " + (d / "c.json") + " -o " +
                         (d / "three.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = test::slurp(d / "three.html");
  EXPECT_NE(html.find("<br>C: "), std::string::npos);
  EXPECT_NE(html.find("<th>B − A</th><th>C − A</th>"), std::string::npos);
  EXPECT_NE(html.find("1 verdict(s) changed"), std::string::npos);
  // |Zout| moved in B only, SNR in C only: two figures moved.
  EXPECT_NE(html.find("2 figure(s) moved by more than their tolerance in at least one run"), std::string::npos);
  const auto z = row_cells(html, "headphone out: output impedance at 1 kHz");
  ASSERT_EQ(z.size(), 7u) << "figure, A, B, C, B − A, C − A, tolerance";
  EXPECT_NE(z[4].find("delta moved"), std::string::npos) << z[4];
  EXPECT_EQ(z[5].find("moved"), std::string::npos) << z[5];
  const auto snr = row_cells(html, "headphone out into 10k: SNR");
  ASSERT_EQ(snr.size(), 7u);
  EXPECT_EQ(snr[4].find("moved"), std::string::npos) << snr[4];
  EXPECT_NE(snr[5].find("delta moved"), std::string::npos) << snr[5];
  EXPECT_NE(snr[5].find("+2.00 dB"), std::string::npos) << snr[5];
  // The flipped verdict: B's cell marked, C's not.
  const auto v = row_cells(html, a["verdicts"][0]["question"].get<std::string>());
  ASSERT_EQ(v.size(), 5u) << "question, A, B, C, change";
  EXPECT_NE(v[2].find("class=\"changed\""), std::string::npos) << v[2];
  EXPECT_EQ(v[3].find("changed"), std::string::npos) << v[3];
  EXPECT_NE(v[4].find("CHANGED"), std::string::npos);
  // Every run's results are in the page for the overlays, labelled.
  for (const char* l : {"\"label\":\"A\"", "\"label\":\"B\"", "\"label\":\"C\""})
    EXPECT_NE(html.find(l), std::string::npos) << l;

  // A file of schema outbench/1 among three.
  const std::string v1 = std::string(OUTBENCH_SOURCE_DIR) + "/tests/data/results-outbench1-dongle.json";
  const auto w =
      run_cli("compare " + v1 + " " + (d / "rep/results.json") + " " + (d / "c.json") + " -o " + (d / "v1.html"));
  EXPECT_EQ(w.exit_code, 0) << w.err;

  // A thresholds file: |Zout| may move 15 %, SNR 3 dB: nothing of B or C moves any more; the page says whose
  // tolerances it used. A misspelt key is refused, naming it.
  std::ofstream(d / "th.json") << R"({"schema": "outbench-compare-thresholds/1", "z_1k_pct": 15, "snr_db": 3})";
  const auto t = run_cli("compare " + (d / "rep/results.json") + " " + (d / "b.json") + " " + (d / "c.json") +
                         " --thresholds " + (d / "th.json") + " -o " + (d / "th.html"));
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::string th_html = test::slurp(d / "th.html");
  EXPECT_NE(th_html.find("0 figure(s) moved by more than their tolerance in at least one run (highlighted; "
                         "tolerances from " +
                         (d / "th.json") + ")"),
            std::string::npos);
  const auto zt = row_cells(th_html, "headphone out: output impedance at 1 kHz");
  ASSERT_EQ(zt.size(), 7u);
  EXPECT_EQ(zt[6], "<td>15 %</td>");
  std::ofstream(d / "typo.json") << R"({"schema": "outbench-compare-thresholds/1", "z1k_pct": 15})";
  const auto typo = run_cli("compare " + (d / "rep/results.json") + " " + (d / "b.json") + " --thresholds " +
                            (d / "typo.json") + " -o " + (d / "typo.html"));
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("z1k_pct"), std::string::npos) << typo.err;

  const auto one = run_cli("compare " + (d / "rep/results.json") + " -o " + (d / "one.html"));
  EXPECT_EQ(one.exit_code, 2);
  EXPECT_NE(one.err.find("compare needs 2 to 26 results files (got 1)"), std::string::npos) << one.err;
}

}  // namespace
}  // namespace outbench
