#include "reports/csv_export.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace outbench {

using json = nlohmann::json;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string number_text(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string quoted(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

bool is_number_list(const json& v) {
  if (!v.is_array() || v.empty() || v.size() > 4) return false;
  for (const auto& e : v)
    if (!e.is_number()) return false;
  return true;
}

// A cell for a scalar, a null or a short list of numbers; nullopt-like "" marker via ok=false for the rest.
bool cell(const json& v, std::string& out) {
  if (v.is_null()) return out = "", true;
  if (v.is_boolean()) return out = v.get<bool>() ? "true" : "false", true;
  if (v.is_number()) return out = number_text(v.get<double>()), true;
  if (v.is_string()) return out = quoted(v.get<std::string>()), true;
  if (is_number_list(v)) {
    out.clear();
    for (const auto& e : v) out += (out.empty() ? "" : ":") + number_text(e.get<double>());
    return true;
  }
  return false;
}

std::string header(const std::string& field) {
  const std::string u = unit_of_field(field);
  return quoted(u.empty() ? field : field + " (" + u + ")");
}

// How an array element is named in paths: its name, load, id or order when it has one, else its index.
std::string element_name(const json& e, std::size_t index) {
  if (e.is_object())
    for (const char* k : {"name", "load", "id", "order", "channel"})
      if (auto it = e.find(k); it != e.end() && (it->is_string() || it->is_number_integer())) {
        std::string n =
            it->is_string() ? it->get<std::string>() : std::string(k) + std::to_string(it->get<long long>());
        if (auto ll = e.find("line_level");
            ll != e.end() && ll->is_object() && ll->contains("name") && ll->at("name").is_string())
          n += "_" + ll->at("name").get<std::string>();  // the consumer and the pro verdict of one question
        return n;
      }
  return std::to_string(index);
}

std::string file_safe(const std::string& path) {
  // Readable names: the parts of the path joined by '_', without the "ports" and "loads" levels (the port
  // and load names that follow them say it); any other character than [A-Za-z0-9-] becomes '_'.
  std::string s, part;
  auto flush = [&](bool last) {
    if (!part.empty() && (last || (part != "ports" && part != "loads"))) s += (s.empty() ? "" : "_") + part;
    part.clear();
  };
  for (char c : path) {
    if (c == '.') {
      flush(false);
      continue;
    }
    part += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  }
  flush(true);
  return s.empty() ? "results" : s;
}

struct Exporter {
  std::vector<CsvFile> files;
  std::set<std::string> names;
  std::string figures = "where,field,value,unit\n";

  void add_file(const std::string& path, std::string text) {
    std::string name = file_safe(path);
    for (int k = 2; names.count(name + ".csv"); ++k) name = file_safe(path) + "_" + std::to_string(k);
    names.insert(name + ".csv");
    files.push_back({name + ".csv", std::move(text)});
  }

  // A log-spaced curve stored as its first frequency, points per octave and values: one CSV with freq_hz.
  bool log_spaced_curve(const json& o, const std::string& where) {
    const auto start = o.find("start_hz"), ppo = o.find("points_per_octave");
    if (start == o.end() || ppo == o.end() || !start->is_number() || !ppo->is_number() || ppo->get<double>() <= 0)
      return false;
    std::vector<std::string> cols;
    std::size_t n = 0;
    for (const auto& [k, v] : o.items())
      if (v.is_array() && !v.empty() && v.front().is_number()) cols.push_back(k), n = std::max(n, v.size());
    if (cols.empty()) return false;
    std::string t = header("freq_hz");
    for (const auto& c : cols) t += "," + header(c);
    t += '\n';
    for (std::size_t i = 0; i < n; ++i) {
      t += number_text(start->get<double>() * std::exp2(static_cast<double>(i) / ppo->get<double>()));
      for (const auto& c : cols) {
        const auto& a = o.at(c);
        t += ',';
        if (i < a.size() && a[i].is_number()) t += number_text(a[i].get<double>());
      }
      t += '\n';
    }
    add_file(where, t);
    for (const auto& [k, v] : o.items()) {  // its scalars (start, step, scale, bin width, window)
      std::string c;
      if (cell(v, c)) figures += quoted(where) + "," + quoted(k) + "," + c + "," + unit_of_field(k) + "\n";
    }
    return true;
  }

  void object(const json& o, const std::string& where) {
    if (log_spaced_curve(o, where)) return;
    for (const auto& [k, v] : o.items()) {
      std::string c;
      if (cell(v, c)) {
        figures += quoted(where.empty() ? "results" : where) + "," + quoted(k) + "," + c + "," +
                   (v.is_string() ? std::string() : unit_of_field(k)) + "\n";  // a word has no unit
      } else if (v.is_object()) {
        object(v, where.empty() ? k : where + "." + k);
      } else if (v.is_array()) {
        array(v, where.empty() ? k : where + "." + k);
      }
    }
  }

  void array(const json& a, const std::string& where) {
    bool objects = false;
    for (const auto& e : a) objects |= e.is_object();
    if (!objects) {  // a list of scalars or lists: one column
      std::string t = header(where.substr(where.rfind('.') + 1)) + "\n";
      for (const auto& e : a) {
        std::string c;
        if (!cell(e, c)) c = quoted(e.dump());
        t += c;
        t += '\n';
      }
      if (!a.empty()) add_file(where, t);
      return;
    }
    std::vector<std::string> cols;  // scalar fields, in first-seen order
    std::set<std::string> seen;
    for (const auto& e : a) {
      if (!e.is_object()) continue;
      for (const auto& [k, v] : e.items()) {
        std::string c;
        if (cell(v, c) && seen.insert(k).second) cols.push_back(k);
      }
    }
    // The element's name and its x axis first (load, freq_hz, ...), the other fields in name order.
    std::stable_partition(cols.begin(), cols.end(), [](const std::string& c) {
      for (const char* k : {"name", "load", "id", "order", "channel", "freq_hz", "drive_dbfs"})
        if (c == k) return true;
      return false;
    });
    std::string t;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) t += ',';
      t += header(cols[i]);
    }
    t += "\n";
    for (const auto& e : a) {
      for (std::size_t i = 0; i < cols.size(); ++i) {
        std::string c;
        if (e.is_object())
          if (const auto it = e.find(cols[i]);
              it != e.end() && (!cell(*it, c) || (it->is_string() && !unit_of_field(cols[i]).empty())))
            c.clear();  // a word in a column of numbers ("open" as load_ohms): empty; the load column names it
        if (i) t += ',';
        t += c;
      }
      t += "\n";
    }
    if (!cols.empty()) add_file(where, t);
    for (std::size_t i = 0; i < a.size(); ++i) {  // nested curves and tables of each element
      if (!a[i].is_object()) continue;
      const std::string w = where + "." + element_name(a[i], i);
      for (const auto& [k, v] : a[i].items()) {
        std::string c;
        if (cell(v, c)) continue;
        if (v.is_object()) object(v, w + "." + k);
        if (v.is_array()) array(v, w + "." + k);
      }
    }
  }
};

}  // namespace

std::string unit_of_field(const std::string& field) {
  // Longest suffixes first: _dbfs before _db, _vrms before _v.
  static const std::pair<const char*, const char*> kUnits[] = {{"_dbfs", "dBFS"},
                                                               {"_dbfs_per_hz", "dBFS/Hz"},
                                                               {"_dbc", "dBc"},
                                                               {"_dbv", "dBV"},
                                                               {"_dbu", "dBu"},
                                                               {"_db", "dB"},
                                                               {"_hz", "Hz"},
                                                               {"_ohms", "ohm"},
                                                               {"_vrms", "Vrms"},
                                                               {"_mv", "mV"},
                                                               {"_v", "V"},
                                                               {"_mw", "mW"},
                                                               {"_ma", "mA"},
                                                               {"_s", "s"},
                                                               {"_ms", "ms"},
                                                               {"_deg", "deg"},
                                                               {"_pct", "%"},
                                                               {"_ppm", "ppm"},
                                                               {"_frames", "frames"},
                                                               {"_percent", "%"},
                                                               {"_ppm_per_min", "ppm/min"}};
  std::string best, unit;
  for (const auto& [suffix, u] : kUnits)
    if (ends_with(field, suffix) && std::string(suffix).size() > best.size()) best = suffix, unit = u;
  // Fields that are a unit's name alone ("dbv", "vrms", "mw": at_1pct's).
  static const std::pair<const char*, const char*> kBare[] = {{"dbv", "dBV"},   {"dbu", "dBu"}, {"dbfs", "dBFS"},
                                                              {"vrms", "Vrms"}, {"mw", "mW"},   {"percent", "%"}};
  if (unit.empty())
    for (const auto& [name, u] : kBare)
      if (field == name) return u;
  return unit;
}

std::vector<CsvFile> export_results_csv(const json& results) {
  Exporter x;
  x.object(results, "");
  std::vector<CsvFile> out;
  out.push_back({"figures.csv", x.figures});
  for (auto& f : x.files) out.push_back(std::move(f));
  return out;
}

}  // namespace outbench
