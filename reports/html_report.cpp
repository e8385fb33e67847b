#include "reports/html_report.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string_view>
#include <vector>

#include "measure/errors.hpp"
#include "reports/html_page.hpp"
#include "reports/sha256.hpp"

namespace outbench {

namespace assets {
extern const std::string_view uplot_js;
extern const std::string_view uplot_css;
extern const std::string_view report_js;
extern const std::string_view report_css;
extern const std::string_view format_js;
extern const std::string_view summary_js;
extern const std::string_view volume_js;
extern const std::string_view multitone_js;  // the multitone section (web/multitone.js)
extern const std::string_view imd_js;        // the IMD table and plot (web/imd.js)
extern const std::string_view dc_js;         // the DC offset and transients tables and plot (web/dc.js)
extern const std::string_view marks_js;
extern const std::string_view compare_js;
}  // namespace assets

using nlohmann::json;

namespace html {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  return o;
}

std::string num(const json& v, int digits) {
  if (!v.is_number()) return "—";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v.get<double>());
  std::string s = b;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // no "-0.00"
  return s;
}

}  // namespace html

namespace {

// JSON inside <script type="application/json">: every '<' is written as the JSON escape \u003c, so no
// string (a device name, a warning) can put "<!--", "<script" or "</script" into the script-data state of
// the HTML parser, which would end the block early or swallow the scripts after it. '<' only occurs inside
// JSON strings, where \u003c means the same character.
std::string script_json(const json& j) {
  const std::string s = j.dump();
  std::string o;
  o.reserve(s.size() + s.size() / 16);
  for (char c : s)
    if (c == '<')
      o += "\\u003c";
    else
      o += c;
  return o;
}

// The inline scripts of every page. Their SHA-256 hashes are the only scripts the Content-Security-Policy
// allows (no 'unsafe-inline'). The browser hashes the text with line breaks normalized to LF, so the text
// is written that way.
std::string lf(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] != '\r')
      o += s[i];
    else if (i + 1 >= s.size() || s[i + 1] != '\n')
      o += '\n';
  return o;
}

const std::string& error_script() {
  static const std::string s =
      "window.__obErrors=[];window.addEventListener('error',function(e){window.__obErrors.push(String(e."
      "message))});"
      "(function(){var "
      "o=console.error;console.error=function(){window.__obErrors.push(Array.prototype.join.call(arguments,' '));"
      "o.apply(console,arguments)}})();";
  return s;
}
const std::string& uplot_script() {
  static const std::string s = lf(assets::uplot_js);
  return s;
}
const std::string& page_script() {
  // One script: the unit formatter, the plots' limits and warning tags, the port sections report.js calls
  // (volume, IMD), the plots and tables, the comparison's overlays, then the summary (which formats the page).
  static const std::string s = lf(assets::format_js) + "\n" + lf(assets::marks_js) + "\n" + lf(assets::volume_js) +
                               "\n" + lf(assets::multitone_js) + "\n" + lf(assets::dc_js) + "\n" + lf(assets::imd_js) +
                               "\n" + lf(assets::report_js) + "\n" + lf(assets::compare_js) + "\n" +
                               lf(assets::summary_js);
  return s;
}

}  // namespace

std::string report_script_csp() {
  return "default-src 'none'; script-src " + csp_sha256(error_script()) + " " + csp_sha256(uplot_script()) + " " +
         csp_sha256(page_script()) + "; style-src 'unsafe-inline'; img-src data:";
}

namespace html {

// A verdict's grade; files written before grades existed carry only "pass".
std::string verdict_grade(const json& v) {
  if (v.contains("grade") && v.at("grade").is_string()) return v.at("grade").get<std::string>();
  return v.value("pass", false) ? "yes" : "no";
}

std::string verdict_word(const json& v) {
  const std::string g = verdict_grade(v);
  return g == "yes" ? "YES" : g == "yes_with_conditions" ? "YES, WITH CONDITIONS" : g == "cannot_decide" ? "?" : "NO";
}

const json* find_port(const json& r, const std::string& name) {
  for (const auto& p : r.at("ports"))
    if (p.value("name", "") == name) return &p;
  return nullptr;
}

std::string head(const std::string& title) {
  static const std::string csp = report_script_csp();
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + csp + "\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + esc(title) + "</title>\n";
  h += "<script>" + error_script() + "</script>\n";
  h +=
      "<style>" + std::string(assets::uplot_css) + "</style>\n<style>" + std::string(assets::report_css) + "</style>\n";
  h += "</head><body>\n";
  return h;
}

std::string tail(const json& data) {
  std::string t = "<pre id=\"outbench-selftest\"></pre>\n";
  t += "<script type=\"application/json\" id=\"outbench-data\">" + script_json(data) + "</script>\n";
  t += "<script>" + uplot_script() + "</script>\n";
  t += "<script>" + page_script() + "</script>\n</body></html>\n";
  return t;
}

// Which run (and how far it got): results.json and report.html written together carry the same run id.
std::string run_label(const json& r) {
  const std::string id = r.value("run_id", "");
  const bool complete = r.value("complete", false);
  return (id.empty() ? std::string() : "run <span class=\"run-id\">" + esc(id) + "</span> ") +
         (complete ? "(complete)" : "(<b>incomplete</b>)");
}

}  // namespace html

namespace {

using namespace html;

// The one-line answer a user reads first, with the figures behind it.
std::string headline(const json& r, const json& v) {
  const std::string id = v.value("id", "");
  std::string s = v.value("summary", "");
  if (id == "headphone_as_line_out" && v.value("applicable", false)) {
    double headroom = NAN, level = NAN;
    std::string bound;  // the headroom is a lower bound: what stopped the search first
    for (const auto& rule : v.at("rules"))
      if (rule.value("id", "") == "headroom" && rule.at("measured").is_number()) {
        headroom = rule.at("measured").get<double>();
        bound = rule.value("lower_bound_reason", "");
      }
    std::string q_kind;
    if (v.contains("line_level")) {
      level = v.at("line_level").value("dbv", NAN);
      q_kind = v.at("line_level").value("name", "");
    } else {  // files written before verdicts carried their level: read it from the question
      const std::string q = v.value("question", "");
      const auto p0 = q.find('('), p1 = q.find(" dBV");
      if (p0 != std::string::npos && p1 != std::string::npos) level = std::atof(q.substr(p0 + 1, p1 - p0 - 1).c_str());
      q_kind = q.find("pro") != std::string::npos ? "pro" : q.find("consumer") != std::string::npos ? "consumer" : "";
    }
    const json* hp = find_port(r, "headphone");
    std::ostringstream o;
    const std::string g = verdict_grade(v);
    const bool pass = g != "no" && g != "cannot_decide";
    o << "Headphone out: "
      << (g == "yes"                   ? "usable"
          : g == "yes_with_conditions" ? "usable with conditions"
                                       : "not usable")
      << " as a " << (q_kind.empty() ? "" : q_kind + " ") << "line out";
    if (std::isfinite(headroom) && std::isfinite(level)) {
      char b[96];
      if (bound.empty()) {
        std::snprintf(b, sizeof b, "%s %+.1f dBV at 0.1 %% THD+N", pass ? ", up to" : "; it reaches", level + headroom);
        o << b;
      } else {  // the search stopped first (digital full scale, ...): the level measured, a lower bound
        std::snprintf(b, sizeof b, "%s %+.1f dBV", pass ? ", up to at least" : "; it reaches", level + headroom);
        o << b << " (" << bound << "; 0.1 % THD+N not reached)";
      }
    }
    if (hp && hp->contains("output_impedance") && hp->at("output_impedance").contains("z_1k_ohms")) {
      const auto& oi = hp->at("output_impedance");
      o << "; output impedance " << num(oi.at("z_1k_ohms"), 2)
        << (oi.contains("z_1k_u95_ohms") ? " ± " + num(oi.at("z_1k_u95_ohms"), 2) : std::string()) << " Ω at 1 kHz";
    }
    o << ". ";
    s = o.str() + s;
  }
  return s;
}

std::string verdict_html(const json& r) {
  std::ostringstream o;
  o << "<h2>Verdicts</h2>\n<div class=\"answers\">\n";
  if (r.at("verdicts").empty())
    o << "<p class=\"sub\">"
      << (r.value("complete", false) ? "No verdicts in this file."
                                     : "No verdicts: the run stopped before it measured "
                                       "every figure they need.")
      << "</p>\n";
  for (const auto& v : r.at("verdicts")) {
    const bool app = v.value("applicable", true);
    const std::string g = verdict_grade(v);
    const std::string cls = !app ? "na" : g == "yes" ? "pass" : g == "yes_with_conditions" ? "cond" : "fail";
    o << "<div class=\"answer " << cls << "\"><div class=\"q\"><span class=\"badge " << cls << "\">"
      << (!app ? "N/A" : verdict_word(v)) << "</span>" << esc(v.value("question", "")) << "</div>\n";
    o << "<div class=\"a verdict-text\">" << esc(headline(r, v)) << "</div>\n";
    if (app && !v.at("rules").empty()) {
      o << "<details><summary>rules</summary><table><tr><th "
           "class=\"l\">rule</th><th>measured</th><th>limit</th><th>result</th>"
           "<th class=\"l\">what it means</th></tr>\n";
      for (const auto& rule : v.at("rules")) {
        const bool marginal = rule.value("grade", "") == "marginal";  // the limit within +/- u95
        const bool ev = rule.value("evaluated", false), ok = rule.value("pass", false) && !marginal;
        const bool cond = rule.value("grade", "") == "conditional" || marginal;
        const bool info = rule.value("informational", false);  // shown, not counted in the verdict
        o << "<tr><td class=\"l\">" << esc(rule.value("description", "")) << "</td><td>" << num(rule.at("measured"), 2)
          << " " << esc(rule.value("unit", "")) << "</td><td>" << esc(rule.value("comparison", "")) << " "
          << num(rule.at("limit"), 2) << " " << esc(rule.value("unit", "")) << "</td><td><span class=\"badge "
          << (!ev || info ? "skip"
              : ok        ? "pass"
              : cond      ? "cond"
                          : "fail")
          << "\">"
          << (!ev    ? "skipped"
              : info ? "information"
              : ok   ? "pass"
              : cond ? (marginal ? "marginal" : "short")
                     : "fail")
          << "</span></td><td class=\"l\">" << esc(rule.value("sentence", "")) << "</td></tr>\n";
      }
      o << "</table></details>\n";
    }
    o << "</div>\n";
  }
  o << "</div>\n";
  // Recommendations: the drive for nominal line level.
  for (const auto& p : r.at("ports"))
    for (const auto& rec : p.value("recommendations", json::array()))
      o << "<p>" << esc(rec.value("sentence", "")) << "</p>\n";
  return o.str();
}

// Every warning of the run: the file's, an incomplete run, loads that could not be measured.
std::vector<std::string> warnings_of(const json& r) {
  std::vector<std::string> warnings;
  for (const auto& w : r.at("warnings")) warnings.push_back(w.get<std::string>());
  if (!r.value("complete", false))
    warnings.insert(warnings.begin(),
                    "This run did not complete: the figures below are what was measured before it stopped.");
  for (const auto& p : r.at("ports"))
    for (const auto& l : p.value("loads", json::array())) {
      if (!l.value("valid", true))
        warnings.push_back(p.value("name", "") + " into " + l.value("load", "") + ": " + l.value("problem", ""));
    }
  return warnings;
}

// The warnings box directly under the verdicts (above the fold): the full list, or "none".
std::string warnings_html(const json& r) {
  const auto warnings = warnings_of(r);
  std::ostringstream o;
  o << "<div id=\"outbench-warnings\" class=\"warnbox" << (warnings.empty() ? " none" : "") << "\"><b>Warnings"
    << (warnings.empty() ? ": none" : " (" + std::to_string(warnings.size()) + ")") << "</b>";
  if (!warnings.empty()) {
    o << "<ul>\n";
    // Each warning has an anchor (#warning-N, from 1): the plots it qualifies link to it (reports/web/marks.js).
    for (std::size_t i = 0; i < warnings.size(); ++i)
      o << "<li class=\"warn\" id=\"warning-" << i + 1 << "\">" << esc(warnings[i]) << "</li>\n";
    o << "</ul>";
  }
  o << "</div>\n";
  return o.str();
}

// Two clocks: each capture's ppm and its standard uncertainty, the resolved ones first (SCHEMA.md conditions.clock).
std::string clock_captures_html(const json& k) {
  std::ostringstream o;
  o << "<details><summary>clock per capture</summary><table><tr><th class=\"l\">capture</th><th>at (s)</th>"
       "<th>ppm</th><th>u (ppm)</th><th class=\"l\"></th></tr>\n";
  for (const char* list : {"captures", "unresolved"}) {
    if (!k.contains(list)) continue;
    for (const auto& x : k.at(list)) {
      const auto& u = x.value("u_ppm", json());
      o << "<tr><td class=\"l\">" << esc(x.value("capture", "")) << "</td><td>" << num(x.at("at_s"), 1) << "</td><td>"
        << num(x.at("ppm"), 2) << "</td><td>" << (u.is_number() ? num(u, 2) : std::string("–"))
        << "</td><td class=\"l\">"
        << (list[0] == 'u' ? "unresolved: u above " + num(k.value("resolve_u_ppm", json(0.0)), 1) + " ppm, not counted"
                           : std::string())
        << "</td></tr>\n";
    }
  }
  o << "</table></details>\n";
  return o.str();
}

std::string conditions_html(const json& r) {
  const auto& c = r.at("conditions");
  std::ostringstream o;
  o << "<h2>Device, bench and conditions</h2>\n<table>\n";
  auto row = [&](const std::string& k, const std::string& v) {
    o << "<tr><th class=\"l\">" << esc(k) << "</th><td class=\"l\">" << esc(v) << "</td></tr>\n";
  };
  row("device", r.at("device").value("name", ""));
  row("description", r.at("device").value("description", ""));
  row("bench", r.at("bench").value("name", "") + " (" + r.at("bench").value("source", "") + ")");
  row("date (UTC)", c.value("date_utc", ""));
  row("outbench", c.value("outbench_version", ""));
  row("audio", c.value("audio", "") + ", " + num(c.at("rate_hz"), 0) + " Hz");
  row("reference level", num(c.at("reference_level_dbfs"), 1) + " dBFS, tone " + num(c.at("tone_hz"), 0) + " Hz");
  row("THD+N and noise band", num(c.at("band_hz").at(0), 0) + "–" + num(c.at("band_hz").at(1), 0) +
                                  " Hz (A-weighted figures: 20–20000 Hz), window " + c.value("window", ""));
  if (c.contains("out_of_band_hz"))
    row("out-of-band noise",
        num(c.at("out_of_band_hz").at(0), 0) + "–" + num(c.at("out_of_band_hz").at(1), 0) + " Hz, unweighted, idle");
  if (c.contains("response_wide_hz"))
    row("wide response", "deviation over " + num(c.at("response_wide_hz").at(0), 0) + "–" +
                             num(c.at("response_wide_hz").at(1), 0) + " Hz");
  const auto& s = c.at("sweep");
  row("sweep", num(s.at("start_hz"), 1) + "–" + num(s.at("stop_hz"), 0) + " Hz, " + num(s.at("duration_s"), 2) +
                   " s, " + num(s.at("level_dbfs"), 1) + " dBFS (synchronized, Novák 2015)");
  row("loopback input", num(c.at("input_impedance_ohms"), 0) + " Ω");
  row("calibration", c.value("calibrated", false)
                         ? "calibrated: input " + num(c.at("input_vrms_at_0dbfs"), 3) + " Vrms at 0 dBFS"
                         : "NOT calibrated: levels in dBFS only, volt-based rules skipped");
  for (const auto& p : r.at("ports")) {
    if (!p.value("present", true)) continue;
    const double v = p.value("vrms_at_0dbfs", 0.0);
    row(p.value("name", "") + " out calibration",
        v > 0 ? num(p.at("vrms_at_0dbfs"), 3) + " Vrms (open circuit) at 0 dBFS" : "not calibrated (dBFS only)");
  }
  if (c.contains("clock")) {  // two clocks (SCHEMA.md conditions.clock)
    const auto& k = c.at("clock");
    const std::size_t unresolved = k.contains("unresolved") ? k.at("unresolved").size() : 0;
    row("clocks", "two: the DUT's clock " + num(k.at("mean_ppm"), 2) + " ppm against the analyser's (per capture " +
                      num(k.at("min_ppm"), 2) + " … " + num(k.at("max_ppm"), 2) + ", spread " +
                      num(k.at("spread_ppm"), 2) + " ppm, " + num(k.at("wander_ppm_per_min"), 2) + " ppm/min, " +
                      std::to_string(k.at("captures").size()) + " captures" +
                      (unresolved > 0 ? "; " + std::to_string(unresolved) +
                                            " more whose timing markers cannot resolve 1 ppm, not counted"
                                      : "") +
                      "), removed from every capture");
  }
  row("seed", std::to_string(c.value("seed", std::uint64_t{0})) + (c.value("quick", false) ? " (quick run)" : ""));
  std::string steps;  // stimulus per plan step (SCHEMA.md conditions.stimulus_by_step_s)
  const json by_step = c.value("stimulus_by_step_s", json::object());
  for (const auto& [k, v] : by_step.items()) steps += (steps.empty() ? " (" : ", ") + esc(k) + " " + num(v, 1) + " s";
  row("stimulus / elapsed", num(c.at("stimulus_s"), 1) + " s" + (steps.empty() ? "" : steps + ")") + " / " +
                                num(c.at("elapsed_s"), 1) + " s");
  if (c.contains("tests") && c.at("tests").value("subset", false)) {
    std::string t;
    for (const auto& n : c.at("tests").at("run")) t += (t.empty() ? "" : ", ") + esc(n.get<std::string>());
    row("tests", "a subset of the plan (--tests): " + t + "; the other figures were not measured");
  }
  o << "</table>\n";
  if (c.contains("clock")) o << clock_captures_html(c.at("clock"));
  return o.str();
}

}  // namespace

std::string render_report_html(const json& r, const std::string& src) {
  check_results_schema(r, src);
  try {
    std::string h = head("outbench: " + r.at("device").value("name", "report"));
    h += "<h1>" + esc(r.at("device").value("name", "")) + "</h1>\n<p class=\"sub\">outbench report · " + run_label(r) +
         " · " + esc(r.at("conditions").value("date_utc", "")) + " · " + esc(src) + "</p>\n";
    h += verdict_html(r);
    h += warnings_html(r);
    h += "<div id=\"outbench-summary\"></div>\n";
    h += "<div id=\"outbench-ports\"></div>\n";
    h += conditions_html(r);
    json data = {{"mode", "report"}, {"results", r}};
    h += tail(data);
    return h;
  } catch (const json::exception& e) {
    throw InputError("'" + src + "' is not a valid results file: " + e.what());
  }
}

}  // namespace outbench
