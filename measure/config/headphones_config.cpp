#include "measure/config/headphones_config.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"

namespace outbench {

namespace {

constexpr std::size_t kMaxRows = 100000;
constexpr int kMaxNetworkDepth = 16;

NetworkElement read_element(const JsonReader& r, int depth) {
  r.require_object();
  r.only_keys({"r_ohms", "l_henries", "c_farads", "series", "parallel"});
  if (r.keys().size() != 1) r.fail("", "exactly one of r_ohms, l_henries, c_farads, series, parallel");
  if (depth > kMaxNetworkDepth) r.fail("", "at most " + std::to_string(kMaxNetworkDepth) + " nested groups");
  NetworkElement e;
  using K = NetworkElement::Kind;
  if (r.has("r_ohms")) {
    e = {K::resistor, r.number_in("r_ohms", 1e-6, 1e9), {}};
  } else if (r.has("l_henries")) {
    e = {K::inductor, r.number_in("l_henries", 1e-12, 1e6), {}};
  } else if (r.has("c_farads")) {
    e = {K::capacitor, r.number_in("c_farads", 1e-15, 1e3), {}};
  } else {
    const bool series = r.has("series");
    const auto g = r.at(series ? "series" : "parallel");
    g.require_array();
    if (g.size() == 0) g.fail("", "at least one element");
    e.kind = series ? K::series : K::parallel;
    for (std::size_t i = 0; i < g.size(); ++i) e.parts.push_back(read_element(g.at(i), depth + 1));
  }
  return e;
}

}  // namespace

NetworkElement read_network_element(const JsonReader& r) {
  return read_element(r, 0);
}

namespace {

HeadphoneModel read_network_file(const std::filesystem::path& path) {
  const auto j = read_json_file(path);
  JsonReader r(j, path.string());
  r.require_object();
  if (r.string("schema") != "outbench-headphone/1") r.fail("schema", "\"outbench-headphone/1\"");
  r.only_keys({"schema", "name", "description", "network"});
  HeadphoneModel m;
  m.name = r.string("name");
  m.network = read_element(r.at("network"), 0);
  return m;
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (const char c : line) {
    if (c == ',' || c == ';' || c == '\t' || c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::optional<double> parse_number(const std::string& s) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::vector<ImpedancePoint> parse_impedance_csv(const std::string& text, const std::string& source) {
  std::vector<ImpedancePoint> pts;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  bool header_seen = false;
  auto fail = [&](const std::string& what) {
    throw InputError(source + ":" + std::to_string(line_no) + ": " + what +
                     " (expected rows of freq_hz, z_ohms, phase_deg; see fixtures/headphones/README.md)");
  };
  while (std::getline(in, line)) {
    ++line_no;
    const auto fields = split_fields(line);
    if (fields.empty() || fields[0][0] == '#' || fields[0][0] == '*') continue;
    if (!parse_number(fields[0])) {
      if (header_seen || !pts.empty()) fail("'" + fields[0] + "' is not a number");
      header_seen = true;  // a header line: column names
      continue;
    }
    if (fields.size() != 3) fail(std::to_string(fields.size()) + " fields, expected 3");
    double v[3];
    for (int i = 0; i < 3; ++i) {
      const auto x = parse_number(fields[i]);
      if (!x) fail("field " + std::to_string(i + 1) + " '" + fields[i] + "' is not a finite number");
      v[i] = *x;
    }
    if (!(v[0] > 0)) fail("freq_hz must be > 0, got " + fields[0]);
    if (!pts.empty() && !(v[0] > pts.back().freq_hz)) fail("freq_hz must increase from row to row, got " + fields[0]);
    if (!(v[1] > 0)) fail("z_ohms must be > 0, got " + fields[1]);
    if (v[2] < -90 || v[2] > 90) fail("phase_deg must lie within -90..90, got " + fields[2]);
    if (pts.size() >= kMaxRows) fail("more than " + std::to_string(kMaxRows) + " rows");
    pts.push_back({v[0], std::polar(v[1], v[2] * M_PI / 180.0)});
  }
  if (pts.size() < 2)
    throw InputError(source + ": " + std::to_string(pts.size()) +
                     " data rows; an impedance curve needs at least 2 (freq_hz, z_ohms, phase_deg)");
  if (pts.front().freq_hz > 20.0 * (1 + 1e-9) || pts.back().freq_hz < 20000.0 * (1 - 1e-9))
    throw InputError(source + ": the curve covers " + std::to_string(pts.front().freq_hz) + " Hz to " +
                     std::to_string(pts.back().freq_hz) + " Hz; it must span 20 Hz-20 kHz");
  return pts;
}

HeadphoneModel load_headphone(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  HeadphoneModel m;
  if (ext == ".json") {
    m = read_network_file(path);
  } else if (ext == ".csv" || ext == ".txt") {
    const std::string what = "impedance curve (CSV)";
    const std::string text = read_input_file(open_input_file(path, what), kMaxJsonBytes, path, what);
    if (text.size() > kMaxJsonBytes) throw InputError(path.string() + ": larger than 16 MiB");
    m.curve = parse_impedance_csv(text, path.string());
    m.name = path.stem().string() + " (measured curve)";
  } else {
    throw InputError(path.string() + ": a headphone file is a network (.json) or a measured curve (.csv, .txt)");
  }
  m.id = path.stem().string();
  m.source = path.string();
  return m;
}

std::vector<HeadphoneModel> load_headphone_list(const std::vector<std::string>& files) {
  std::vector<HeadphoneModel> out;
  for (const auto& f : files) {
    out.push_back(load_headphone(f));
    for (std::size_t i = 0; i + 1 < out.size(); ++i)
      if (out[i].id == out.back().id)
        throw UsageError("--headphones: two files named '" + out.back().id + "' (" + out[i].source + ", " +
                         out.back().source + "): rename one, the file's stem is the headphone's id");
  }
  return out;
}

std::vector<HeadphoneModel> load_headphone_folder(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  if (ec) throw InputError(dir.string() + ": cannot read the headphone folder: " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<HeadphoneModel> out;
  for (const auto& f : files) out.push_back(load_headphone(f));
  return out;
}

}  // namespace outbench
