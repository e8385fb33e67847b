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
// A value within 3 dB of the analyser's floor (the load's floor.KEY.analyser_limited) is a bound ("≤ x" for
// noise and THD+N, "≥ x" for SNR and DR): a difference between two bounds is the analysers', not the device's,
// and is not flagged as moved.
struct Figure {
  std::string what;
  std::vector<json> values;
  double tolerance;
  std::string unit;
  bool relative;              // tolerance as a fraction of run A's value
  std::vector<bool> bound{};  // per run: the value is an analyser-limited bound
  std::string bound_sign{};   // "≤" or "≥"
};

// A level's difference is in dB whatever the level's unit (dBV, dBFS).
std::string delta_unit(const std::string& unit) {
  return unit.rfind("dB", 0) == 0 ? "dB" : unit;
}

// A signed difference in fixed digits ("+0.012 Ω", "−" never for a value that rounds to zero).
std::string signed_fixed(double d, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%+.*f", digits, d);
  std::string s = b;
  if (s.find_first_not_of("+-0.") == std::string::npos) s = s.substr(1);  // "+0.000" / "-0.000" -> "0.000"
  return s;
}

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
                          const std::string& unit, const char* floor_key = nullptr, const char* sign = "") {
        Figure f{ln + ": " + what, {}, tol, unit, false};
        f.bound_sign = sign;
        for (const json* l : loads) {
          f.values.push_back(l ? get(*l) : json());
          bool b = false;
          if (l && floor_key && l->contains("floor") && l->at("floor").contains(floor_key))
            b = l->at("floor").at(floor_key).value("analyser_limited", false);
          f.bound.push_back(b);
        }
        out.push_back(std::move(f));
      };
      // Noise in dBV where every run that has this load is calibrated (its noise carries unweighted_dbv),
      // else in dBFS.
      const bool noise_dbv = std::all_of(loads.begin(), loads.end(), [](const json* l) {
        return !l || (l->contains("noise") && l->at("noise").contains("unweighted_dbv") &&
                      l->at("noise").at("unweighted_dbv").is_number());
      });
      load_fig(
          "THD+N at reference", [](const json& l) { return l.at("thdn_reference").value("thdn_db", json()); },
          th.thdn_db, "dB", "thdn", "≤");
      load_fig(
          "maximum level (1 %)", [](const json& l) { return l.at("max_level").at("at_1pct").value("dbv", json()); },
          th.max_level_db, "dBV");
      load_fig(
          "noise",
          [noise_dbv](const json& l) {
            return l.at("noise").value(noise_dbv ? "unweighted_dbv" : "unweighted_dbfs", json());
          },
          th.noise_db, noise_dbv ? "dBV" : "dBFS", "noise", "≤");
      load_fig(
          "SNR", [](const json& l) { return l.value("snr_db", json()); }, th.snr_db, "dB", "snr", "≥");
      load_fig(
          "dynamic range", [](const json& l) { return l.value("dynamic_range_db", json()); }, th.dynamic_range_db, "dB",
          "dynamic_range", "≥");
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
    const std::string du = delta_unit(f.unit);
    const int digits = du == "dB" ? 2 : 3;
    auto is_bound = [&](std::size_t i) { return i < f.bound.size() && f.bound[i]; };
    for (std::size_t i = 0; i < f.values.size(); ++i) {
      vals += std::string("<td") + (is_bound(i) ? " class=\"bound\"" : "") + ">" +
              (is_bound(i) && f.values[i].is_number() ? f.bound_sign + " " : std::string()) + num(f.values[i], 3) +
              "</td>";
      if (i == 0) continue;
      if (!f.values[i].is_number()) {
        deltas += "<td class=\"delta\">—</td>";
        continue;
      }
      const double d = f.values[i].get<double>() - va;
      // Two bounds at the analysers' floors: their difference says nothing of the device.
      const bool both_bounds = is_bound(0) && is_bound(i);
      const bool mv = std::abs(d) > tol && !both_bounds;
      any = any || mv;
      deltas += std::string("<td class=\"delta") + (mv ? " moved" : "") + (both_bounds ? " bounds" : "") + "\">" +
                signed_fixed(d, digits) + " " + du + (both_bounds ? " (both bounds)" : "") + "</td>";
    }
    moved += any;
    char t[64];
    std::snprintf(t, sizeof t, f.relative ? "%.3g %%" : "%.3g", f.relative ? 100 * f.tolerance : f.tolerance);
    o << "<tr><td class=\"l\">" << esc(f.what) << "</td>" << vals << deltas << "<td>" << t
      << (f.relative ? "" : " " + du) << "</td></tr>\n";
  }
  o << "</table>\n<p>" << moved << " figure(s) moved by more than their tolerance"
    << (runs.size() > 2 ? " in at least one run" : "") << " (highlighted; tolerances "
    << (th.source.empty() ? std::string("as built in") : "from " + esc(th.source))
    << "). Differences of levels are in dB; a value marked ≤ or ≥ is within 3 dB of the analyser's own floor and "
       "bounds the device's figure: a difference between two such bounds is not counted as a move.</p>\n";
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
