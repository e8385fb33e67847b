// report.html and compare.html: one self-contained page each (styles, the uPlot charting library, the page
// script and the data inlined; a Content-Security-Policy forbids any network request). The verdicts,
// conditions and differences are rendered here as plain HTML (readable without scripts, printable); the
// plots and data tables are drawn by the page script from the embedded results.json.
// Input is results.json (schema "outbench/2", or "outbench/1"), so a report can be re-rendered from the JSON alone; any
// other schema or a malformed document throws InputError saying what is wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace outbench {

std::string render_report_html(const nlohmann::json& results, const std::string& source_name);
// One results file of a comparison and the name it was given on the command line.
struct CompareRun {
  nlohmann::json results;
  std::string name;
};

// compare.html for 2…26 runs, labelled A, B, C, …: the verdicts with a column per run (a verdict that differs
// from run A's is marked), the figures with a column per run and each run's difference from A (moved beyond
// the figure's tolerance: highlighted), the datasheet summary with a column per run, and every curve of the
// runs overlaid (reports/web/compare.js). Throws InputError for fewer than two runs or an invalid file.
// How far a figure may move from run A's value before the comparison highlights it (outbench compare
// --thresholds FILE; README "Comparing runs"): |Zout| relative (%), the others absolute (dB).
struct CompareThresholds {
  double z_1k_pct = 2.0, z_20hz_pct = 5.0;
  double thdn_db = 1.0, max_level_db = 0.3, noise_db = 1.0, snr_db = 1.0, dynamic_range_db = 1.0;
  double response_deviation_db = 0.1;
  std::string source;  // the file they came from; empty: these defaults
};
std::string render_compare_html(const std::vector<CompareRun>& runs, const CompareThresholds& thresholds = {});
// Two runs (as above).
std::string render_compare_html(const nlohmann::json& a, const std::string& a_name, const nlohmann::json& b,
                                const std::string& b_name);

// The page's Content-Security-Policy: no network, and only the page's own inline scripts run (by their
// SHA-256 hashes).
std::string report_script_csp();

// Throws InputError unless `j` is a results.json this version reads: the schema, and the type of every field
// the report and compare pages read (finite numbers, array lengths, required members), the error naming
// the field's path, e.g. "results.json: ports[0].loads[2].response.points[5].relative_db: expected a number
// or null, got "x"" (reports/results_check.cpp).
void check_results_schema(const nlohmann::json& j, const std::string& source_name);

}  // namespace outbench
