// outbench report results.json [-o report.html]; outbench compare a.json b.json [c.json …] [-o compare.html].
#include <iostream>

#include "measure/cli/cli.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"
#include "measure/files/atomic_write.hpp"
#include "reports/html_report.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

int report(const Args& args) {
  std::string input, out;
  po::options_description desc("report options");
  desc.add_options()("help,h", "show this help")("input", po::value(&input)->required(), "results.json")(
      "output,o", po::value(&out), "HTML file (default: report.html beside the JSON)");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: outbench report results.json [-o report.html]\n"
                << desc << "\n"
                << examples_for("outbench report");
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\nusage: outbench report results.json [-o report.html]");
  }
  if (vm.count("output")) check_output_file("-o", out, "HTML file", "report.html");
  const auto j = read_json_file(input);
  const std::filesystem::path dest =
      vm.count("output") ? std::filesystem::path(out) : std::filesystem::path(input).parent_path() / "report.html";
  write_text_atomic(dest, render_report_html(j, input));
  std::cerr << "report: " << dest.string() << "\n";
  return 0;
}

namespace {

// A thresholds file: {"schema": "outbench-compare-thresholds/1", "z_1k_pct": 2, ...}; keys left out keep
// their defaults, unknown keys and values out of range are refused.
CompareThresholds read_thresholds(const std::string& path) {
  const auto j = read_json_file(path);  // JsonReader keeps a reference: the document outlives it
  const JsonReader r(j, path);
  r.require_object();
  r.only_keys({"schema", "description", "z_1k_pct", "z_20hz_pct", "thdn_db", "max_level_db", "noise_db", "snr_db",
               "dynamic_range_db", "response_deviation_db"});
  if (r.string("schema") != "outbench-compare-thresholds/1") r.fail("schema", "\"outbench-compare-thresholds/1\"");
  CompareThresholds t;
  t.source = path;
  t.z_1k_pct = r.number_in("z_1k_pct", 0, 1000, t.z_1k_pct);
  t.z_20hz_pct = r.number_in("z_20hz_pct", 0, 1000, t.z_20hz_pct);
  t.thdn_db = r.number_in("thdn_db", 0, 100, t.thdn_db);
  t.max_level_db = r.number_in("max_level_db", 0, 100, t.max_level_db);
  t.noise_db = r.number_in("noise_db", 0, 100, t.noise_db);
  t.snr_db = r.number_in("snr_db", 0, 100, t.snr_db);
  t.dynamic_range_db = r.number_in("dynamic_range_db", 0, 100, t.dynamic_range_db);
  t.response_deviation_db = r.number_in("response_deviation_db", 0, 100, t.response_deviation_db);
  return t;
}

}  // namespace

int compare(const Args& args) {
  std::vector<std::string> inputs;
  std::string out = "compare.html", thresholds_file;
  po::options_description desc("compare options");
  desc.add_options()("help,h", "show this help")("inputs", po::value(&inputs)->required(),
                                                 "a.json b.json [c.json …] (2 to 26 files)")(
      "output,o", po::value(&out)->default_value(out), "HTML file")(
      "thresholds", po::value(&thresholds_file),
      "JSON file: how far each figure may move before it is highlighted (outbench-compare-thresholds/1; "
      "default: fixtures/compare-thresholds.json's values)");
  po::positional_options_description pos;
  pos.add("inputs", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: outbench compare a.json b.json [c.json ...] [-o compare.html]\n"
                << desc << "\n"
                << examples_for("outbench compare");
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\nusage: outbench compare a.json b.json [c.json ...] [-o compare.html]");
  }
  if (inputs.size() < 2 || inputs.size() > 26)
    throw UsageError("compare needs 2 to 26 results files (got " + std::to_string(inputs.size()) +
                     "): outbench compare a.json b.json [c.json ...]");
  check_output_file("-o", out, "HTML file", "compare.html");
  std::vector<CompareRun> runs;
  for (const auto& in : inputs) runs.push_back({read_json_file(in), in});
  const CompareThresholds th = thresholds_file.empty() ? CompareThresholds{} : read_thresholds(thresholds_file);
  write_text_atomic(out, render_compare_html(runs, th));
  std::cerr << "comparison: " << out << "\n";
  return 0;
}

}  // namespace outbench::cli
