// compare.html: 2…26 results files side by side, run A the baseline (reports/html_report.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "measure/errors.hpp"
#include "reports/html_page.hpp"
#include "reports/html_report.hpp"

namespace outbench {

using nlohmann::json;
using namespace html;

namespace {

constexpr std::size_t kMaxRuns = 26;  // labelled A…Z

std::string letter(std::size_t i) {
  return std::string(1, static_cast<char>('A' + i));
}

// A figure compared across runs: its value in each run (null where the run lacks it) and its tolerance.
struct Figure {
  std::string what;
  std::vector<json> values;
  double tolerance;
  std::string unit;
  bool relative;  // tolerance as a fraction of run A's value
};

// The figures of run A's ports and loads, looked up by port and load name in every run.
std::vector<Figure> collect(const std::vector<CompareRun>& runs, const CompareThresholds& th) {
  std::vector<Figure> out;
  const json& ra = runs[0].results;
  for (const auto& pa : ra.at("ports")) {
    if (!pa.value("present", true)) continue;
    const std::string name = pa.value("name", ""), pn = name + " out";
    std::vector<const json*> ports;
    for (const auto& r : runs) {
      const json* p = find_port(r.results, name);
      ports.push_back(p && p->value("present", true) ? p : nullptr);
    }
    auto port_fig = [&](const std::string& what, const char* key, double tol) {
      Figure f{pn + ": " + what, {}, tol, "Ω", true};
      for (const json* p : ports) f.values.push_back(p ? p->at("output_impedance").value(key, json()) : json());
      out.push_back(std::move(f));
    };
    port_fig("output impedance at 1 kHz", "z_1k_ohms", th.z_1k_pct / 100);
    port_fig("output impedance at 20 Hz", "z_20hz_ohms", th.z_20hz_pct / 100);
    for (const auto& la : pa.at("loads")) {
      if (!la.value("valid", true)) continue;
      std::vector<const json*> loads;
      for (const json* p : ports) {
        const json* m = nullptr;
        if (p)
          for (const auto& l : p->at("loads"))
            if (l.value("load", "") == la.value("load", "") && l.value("valid", true)) m = &l;
        loads.push_back(m);
      }
      const std::string ln = pn + " into " + la.value("load", "");
      auto load_fig = [&](const std::string& what, const std::function<json(const json&)>& get, double tol,
                          const std::string& unit) {
        Figure f{ln + ": " + what, {}, tol, unit, false};
        for (const json* l : loads) f.values.push_back(l ? get(*l) : json());
        out.push_back(std::move(f));
      };
      load_fig(
          "THD+N at reference", [](const json& l) { return l.at("thdn_reference").value("thdn_db", json()); },
          th.thdn_db, "dB");
      load_fig(
          "maximum level (1 %)", [](const json& l) { return l.at("max_level").at("at_1pct").value("dbv", json()); },
          th.max_level_db, "dBV");
      load_fig(
          "noise", [](const json& l) { return l.at("noise").value("unweighted_dbfs", json()); }, th.noise_db, "dBFS");
      load_fig(
          "SNR", [](const json& l) { return l.value("snr_db", json()); }, th.snr_db, "dB");
      load_fig(
          "dynamic range", [](const json& l) { return l.value("dynamic_range_db", json()); }, th.dynamic_range_db,
          "dB");
      load_fig(
          "response deviation 20–20k", [](const json& l) { return l.value("response_deviation_20_20k_db", json()); },
          th.response_deviation_db, "dB");
    }
  }
  return out;
}

std::string header(const std::vector<CompareRun>& runs) {
  std::string h = "<h1>Compare</h1>\n<p class=\"sub\">";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const json& r = runs[i].results;
    h += (i ? "<br>" : "") + letter(i) + ": " + esc(r.at("device").value("name", "")) + " (" + esc(runs[i].name) +
         ", " + run_label(r) + ", " + esc(r.at("conditions").value("date_utc", "")) + ")";
  }
  return h + "</p>\n";
}

// Every question of any run, in order of first appearance; a run's word differing from A's is marked.
std::string verdicts_table(const std::vector<CompareRun>& runs) {
  std::vector<std::string> questions;
  for (const auto& r : runs)
    for (const auto& v : r.results.at("verdicts")) {
      const std::string q = v.value("question", "");
      if (std::find(questions.begin(), questions.end(), q) == questions.end()) questions.push_back(q);
    }
  auto word = [](const json& r, const std::string& q) -> std::string {
    for (const auto& v : r.at("verdicts"))
      if (v.value("question", "") == q) return !v.value("applicable", true) ? "N/A" : verdict_word(v);
    return "—";
  };
  std::ostringstream o;
  o << "<h2>Verdicts</h2>\n<table class=\"compare-verdicts\"><tr><th class=\"l\">question</th>";
  for (std::size_t i = 0; i < runs.size(); ++i) o << "<th>" << letter(i) << "</th>";
  o << "<th class=\"l\">change</th></tr>\n";
  int changed = 0;
  for (const auto& q : questions) {
    const std::string wa = word(runs[0].results, q);
    std::string cells;
    bool diff = false;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::string w = word(runs[i].results, q);
      const bool d = i > 0 && w != wa;
      diff = diff || d;
      cells += std::string("<td") + (d ? " class=\"changed\"" : "") + ">" + w + "</td>";
    }
    changed += diff;
    o << "<tr><td class=\"l\">" << esc(q) << "</td>" << cells << "<td class=\"l"
      << (diff ? " changed verdict-changed" : "") << "\">" << (diff ? "CHANGED" : "same") << "</td></tr>\n";
  }
  o << "</table>\n<p>" << changed << " verdict(s) changed.</p>\n";
  return o.str();
}

// Values per run, then each later run's difference from A (highlighted when beyond the tolerance).
std::string figures_table(const std::vector<CompareRun>& runs, const CompareThresholds& th) {
  std::ostringstream o;
  o << "<h2>Figures</h2>\n<table class=\"compare-figures\"><tr><th class=\"l\">figure</th>";
  for (std::size_t i = 0; i < runs.size(); ++i) o << "<th>" << letter(i) << "</th>";
  for (std::size_t i = 1; i < runs.size(); ++i) o << "<th>" << letter(i) << " − A</th>";
  o << "<th>tolerance</th></tr>\n";
  int moved = 0;
  for (const auto& f : collect(runs, th)) {
    if (!f.values[0].is_number()) continue;
    if (std::none_of(f.values.begin() + 1, f.values.end(), [](const json& v) { return v.is_number(); })) continue;
    const double va = f.values[0].get<double>();
    const double tol = f.relative ? f.tolerance * std::max(std::abs(va), 1e-9) : f.tolerance;
    std::string vals, deltas;
    bool any = false;
    for (std::size_t i = 0; i < f.values.size(); ++i) {
      vals += "<td>" + num(f.values[i], 3) + "</td>";
      if (i == 0) continue;
      if (!f.values[i].is_number()) {
        deltas += "<td class=\"delta\">—</td>";
        continue;
      }
      const double d = f.values[i].get<double>() - va;
      const bool mv = std::abs(d) > tol;
      any = any || mv;
      char b[64];
      std::snprintf(b, sizeof b, "%+.3g %s", d, f.unit.c_str());
      deltas += std::string("<td class=\"delta") + (mv ? " moved" : "") + "\">" + b + "</td>";
    }
    moved += any;
    char t[64];
    std::snprintf(t, sizeof t, f.relative ? "%.3g %%" : "%.3g", f.relative ? 100 * f.tolerance : f.tolerance);
    o << "<tr><td class=\"l\">" << esc(f.what) << "</td>" << vals << deltas << "<td>" << t
      << (f.relative ? "" : " " + f.unit) << "</td></tr>\n";
  }
  o << "</table>\n<p>" << moved << " figure(s) moved by more than their tolerance"
    << (runs.size() > 2 ? " in at least one run" : "") << " (highlighted; tolerances "
    << (th.source.empty() ? std::string("as built in") : "from " + esc(th.source)) << ").</p>\n";
  return o.str();
}

}  // namespace

std::string render_compare_html(const std::vector<CompareRun>& runs, const CompareThresholds& thresholds) {
  if (runs.size() < 2 || runs.size() > kMaxRuns)
    throw InputError("compare needs 2 to " + std::to_string(kMaxRuns) + " results files, got " +
                     std::to_string(runs.size()));
  for (const auto& r : runs) check_results_schema(r.results, r.name);
  try {
    std::string h = head("outbench: compare") + header(runs) + verdicts_table(runs);
    h += "<div id=\"outbench-summary\"></div>\n";
    h += figures_table(runs, thresholds);
    h += "<div id=\"outbench-ports\"></div>\n";
    json data = {{"mode", "compare"}, {"runs", json::array()}};
    for (std::size_t i = 0; i < runs.size(); ++i)
      data["runs"].push_back({{"label", letter(i)}, {"name", runs[i].name}, {"results", runs[i].results}});
    return h + tail(data);
  } catch (const json::exception& e) {
    std::string names;
    for (const auto& r : runs) names += (names.empty() ? "'" : ", '") + r.name + "'";
    throw InputError("cannot compare " + names + ": " + e.what());
  }
}

std::string render_compare_html(const json& a, const std::string& an, const json& b, const std::string& bn) {
  return render_compare_html(std::vector<CompareRun>{{a, an}, {b, bn}});
}

}  // namespace outbench
