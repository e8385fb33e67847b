#include "measure/config/bench_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "measure/config/headphones_config.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"
#include "measure/strformat.hpp"
#include "measure/switch/switches.hpp"
#include "measure/switch/volume_setters.hpp"

namespace outbench {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxLeadOhms = 100.0;  // leads of more than this are a wiring fault, not a lead
}  // namespace

bool is_run_rate(double rate_hz) {
  return std::find(std::begin(kRunRatesHz), std::end(kRunRatesHz), rate_hz) != std::end(kRunRatesHz);
}

std::string rate_list_text(const std::vector<double>& rates_hz) {
  const std::vector<double> r =
      rates_hz.empty() ? std::vector<double>(std::begin(kRunRatesHz), std::end(kRunRatesHz)) : rates_hz;
  std::string s;
  for (std::size_t i = 0; i < r.size(); ++i)
    s += (i == 0 ? "" : i + 1 == r.size() ? " or " : ", ") + strformat("%.0f", r[i]);
  return s + " Hz";
}

const PortWiring* BenchConfig::port(const std::string& n) const {
  for (const auto& p : ports)
    if (p.name == n) return &p;
  return nullptr;
}

const Load* BenchConfig::load(const std::string& n) const {
  for (const auto& l : loads)
    if (l.name == n) return &l;
  return nullptr;
}

std::vector<Load> standard_loads() {
  const auto resistor = [](const char* name, double ohms) {
    Load l;
    l.name = name;
    l.nominal_ohms = l.actual_ohms = ohms;
    return l;
  };
  return {resistor("open", kInf), resistor("10k", 10e3), resistor("600", 600),
          resistor("300", 300),   resistor("32", 32),    resistor("16", 16)};
}

nlohmann::json& analyser_input_section(nlohmann::json& j) {
  if (j.contains("audio") && j["audio"].is_object() && j["audio"].contains("input") && !j.contains("loopback_input"))
    return j["audio"]["input"];
  return j["loopback_input"];
}

std::string expand_env(const std::string& s, const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      const auto end = s.find('}', i);
      if (end == std::string::npos) throw InputError(where + ": unterminated ${...}");
      const std::string name = s.substr(i + 2, end - i - 2);
      const char* v = std::getenv(name.c_str());
      if (!v)
        throw InputError(where + ": the environment variable " + name + " is not set: set it (`export " + name +
                         "=...`)" +
                         (name == "OUTBENCH_RELAY_PORT"
                              ? ", or run the command under scripts/with-jack.sh (it starts the JACK server and the "
                                "virtual DUT and sets it)"
                              : std::string()));
      out += v;
      i = end;
    } else {
      out += s[i];
    }
  }
  return out;
}

namespace {

// The analyser input's calibration and impedance: "loopback_input", or "audio.input" of the two-device form.
const std::vector<const char*> kAnalyserInputKeys = {
    "impedance_ohms",          "vrms_at_0dbfs",     "calibrated_on", "impedance_tolerance_pct",
    "impedance_calibrated_on", "impedance_vs_freq", "ranges",        "dc_coupled"};

// The two-device form: "output" (the device under test) and "input" (the analyser), each with its device,
// host API and (optionally) rate, which must be the bench's one rate: only drift is corrected, not a rate.
void read_two_devices(const JsonReader& audio, BenchConfig& c) {
  if (!audio.has("output") || !audio.has("input"))
    audio.fail(audio.has("output") ? "input" : "output",
               "both \"output\" (the device under test) and \"input\" (the analyser) in the two-device form");
  for (const char* k : {"device", "host_api"})
    if (audio.has(k))
      audio.fail(k, "no \"" + std::string(k) + "\" beside \"output\" and \"input\": give each device its own");
  const auto out = audio.at("output"), in = audio.at("input");
  out.only_keys({"device", "host_api", "rate_hz"});
  std::vector<const char*> in_keys = {"device", "host_api", "rate_hz"};
  in_keys.insert(in_keys.end(), kAnalyserInputKeys.begin(), kAnalyserInputKeys.end());
  in.only_keys(in_keys);
  c.device = out.string("device");
  c.host_api = out.string("host_api", "");
  c.input_device = in.string("device");
  c.input_host_api = in.string("host_api", "");
  if (c.device.empty()) out.fail("device", "a device name substring or index (not empty)");
  if (c.input_device.empty()) in.fail("device", "a device name substring or index (not empty)");
  // One device named twice is one clock: the single-device form measures it full duplex.
  if (c.input_device == c.device && c.input_host_api == c.host_api)
    in.fail("device", "a device other than audio.output's ('" + c.device +
                          "'): to measure through one device's own input, use the single-device form "
                          "(audio.device, audio.host_api and loopback_input)");
  if (!audio.has("rate_hz") && out.has("rate_hz")) c.rate_hz = out.number_in("rate_hz", kMinRunRateHz, kMaxRunRateHz);
  for (const auto* d : {&out, &in})
    if (d->has("rate_hz") && d->number_in("rate_hz", kMinRunRateHz, kMaxRunRateHz) != c.rate_hz)
      d->fail("rate_hz", strformat("%.0f Hz, the bench's rate (both devices run at one nominal rate; outbench "
                                   "corrects the drift between their clocks, not a rate conversion)",
                                   c.rate_hz));
  c.two_clocks = true;
}

// audio.supported_rates_hz: each one a run rate, once; the bench's rate_hz among them.
void read_supported_rates(const JsonReader& audio, BenchConfig& c) {
  if (!audio.has("supported_rates_hz")) return;
  const auto key = "supported_rates_hz";
  const auto list = audio.int_list(key, static_cast<int>(kMinRunRateHz), static_cast<int>(kMaxRunRateHz));
  for (int r : list) {
    if (!is_run_rate(r)) audio.fail(key, "rates among " + rate_list_text() + ", not " + std::to_string(r));
    if (std::count(list.begin(), list.end(), r) > 1)
      audio.fail(key, "each rate once (" + std::to_string(r) + " twice)");
    c.supported_rates_hz.push_back(r);
  }
  std::sort(c.supported_rates_hz.begin(), c.supported_rates_hz.end());
  if (!std::count(c.supported_rates_hz.begin(), c.supported_rates_hz.end(), c.rate_hz))
    audio.fail("rate_hz", strformat("%.0f Hz listed in supported_rates_hz (", c.rate_hz) +
                              rate_list_text(c.supported_rates_hz) + ")");
}

// "audio": the simulated device model (relative to the bench file) or the PortAudio device(s) and settings.
void read_audio(const JsonReader& r, const std::filesystem::path& path, BenchConfig& c) {
  const auto audio = r.at("audio");
  audio.only_keys({"type", "rate_hz", "supported_rates_hz", "device_model", "device", "host_api", "output", "input",
                   "ignore_xrun_flags", "frames_per_buffer", "retries"});
  c.audio = audio.string("type");
  if (c.audio != "simulated" && c.audio != "portaudio") audio.fail("type", "\"simulated\" or \"portaudio\"");
  c.rate_hz = audio.number_in("rate_hz", kMinRunRateHz, kMaxRunRateHz, 48000);
  if (c.audio == "simulated") {
    for (const char* k : {"output", "input"})
      if (audio.has(k)) audio.fail(k, "no \"" + std::string(k) + "\" with a simulated audio device");
    c.device_model = audio.string("device_model");
    const auto rel = std::filesystem::path(c.device_model);
    std::error_code ec;
    if (rel.is_relative() && !std::filesystem::exists(rel, ec)) c.device_model = (path.parent_path() / rel).string();
  } else {
    if (audio.has("output") || audio.has("input")) {
      read_two_devices(audio, c);
    } else {
      c.device = audio.string("device");
      c.host_api = audio.string("host_api", "");
    }
    c.ignore_xrun_flags = audio.boolean("ignore_xrun_flags", false);
    c.frames_per_buffer = static_cast<unsigned long>(audio.number_in("frames_per_buffer", 0, 65536, 0));
    c.retries = audio.has("retries") ? audio.integer_in("retries", 0, 10) : 2;
  }
  if (c.rate_hz != std::floor(c.rate_hz)) audio.fail("rate_hz", "a whole number of Hz");
  if (!is_run_rate(c.rate_hz)) audio.fail("rate_hz", "one of " + rate_list_text() + " (the rates a run measures at)");
  read_supported_rates(audio, c);
}

// "impedance_vs_freq" as `calibrate input-impedance` writes it: points of R + jX, increasing in frequency.
void read_zin_curve(const JsonReader& z, BenchConfig& c) {
  z.only_keys({"series_ohms", "source_ohms", "tolerance_pct", "fit", "points"});
  // What the calibration was made with and its R || C fit (for inspection; runs use the points): in the ranges
  // `calibrate input-impedance` accepts and writes, so a hand-edited value is not carried on unnoticed.
  z.number_in("series_ohms", 1, 1e9, 1);
  z.number_in("source_ohms", 0, 1e6, 0);
  if (z.has("fit")) {
    const auto fit = z.at("fit");
    fit.require_object();
    fit.only_keys({"r_ohms", "c_pf"});  // {} when calibrate could not fit
    fit.number_in("r_ohms", 100, 1e12, 100);
    fit.number_in("c_pf", 0, 1e9, 0);
  }
  const auto pts = z.at("points");
  pts.require_array();
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const auto p = pts.at(i);
    p.only_keys({"freq_hz", "ohms", "r_ohms", "x_ohms"});
    const double f = p.number_in("freq_hz", 0.1, 1e6);
    const std::complex<double> zin(p.number_in("r_ohms", -1e12, 1e12), p.number_in("x_ohms", -1e12, 1e12));
    if (!c.input_impedance_curve.empty() && !(f > c.input_impedance_curve.back().freq_hz))
      p.fail("freq_hz", "a frequency above the previous point's (" +
                            strformat("%g", c.input_impedance_curve.back().freq_hz) +
                            " Hz): points in increasing order");
    if (!(std::abs(zin) >= 100)) p.fail("r_ohms", "an input impedance of at least 100 ohm (|R + jX|)");
    if (!(zin.real() > 0))
      p.fail("r_ohms", "a positive resistance (a passive input; rerun `outbench calibrate input-impedance`)");
    if (p.has("ohms") && !(std::abs(p.number_in("ohms", 0, 1e12) - std::abs(zin)) <= 0.01 * std::abs(zin)))
      p.fail("ohms", strformat("|R + jX| = %.6g ohm (within 1 %%): ohms and r_ohms/x_ohms disagree", std::abs(zin)));
    c.input_impedance_curve.push_back({f, zin});
  }
  if (c.input_impedance_curve.size() < 2)
    pts.fail("", "at least 2 points (rerun `outbench calibrate input-impedance`), or no \"impedance_vs_freq\"");
  // impedance_ohms is the curve's |Z| at 1 kHz (the 1 kHz checks use it): a hand-edited mismatch is refused.
  const double z_1k_ohms = std::abs(c.input_z().at(1000.0));  // as the runs read the curve
  if (!(std::abs(z_1k_ohms - c.input_impedance_ohms) <= 0.02 * z_1k_ohms))
    z.fail("points", strformat("a curve whose |Z| at 1 kHz (%.6g ohm) is loopback_input.impedance_ohms (%.6g ohm) "
                               "within 2 %%; rerun `outbench calibrate input-impedance`, or remove the curve",
                               z_1k_ohms, c.input_impedance_ohms));
  // Older calibrations stored no tolerance of their own: the whole impedance_tolerance_pct (with its spread).
  c.input_impedance_curve_tolerance_pct = z.number_in("tolerance_pct", 0.0, 100.0, c.input_impedance_tolerance_pct);
}

// The analyser input's calibration and impedance (loopback_input, or audio.input of the two-device form).
void read_analyser_input(const JsonReader& r, BenchConfig& c) {
  if (c.two_devices() && r.has("loopback_input"))
    r.fail("loopback_input",
           "no \"loopback_input\" in the two-device form: its keys (impedance_ohms, vrms_at_0dbfs, ...) belong "
           "in \"audio.input\", the analyser's section");
  const auto in = c.two_devices() ? r.at("audio").at("input") : r.at("loopback_input");
  if (!c.two_devices()) in.only_keys(kAnalyserInputKeys);
  c.input_impedance_ohms = in.number_in("impedance_ohms", 100, 1e12);
  c.input_impedance_tolerance_pct = in.number_in("impedance_tolerance_pct", 0.0, 100.0, 10.0);
  c.input_impedance_calibrated_on = in.string("impedance_calibrated_on", "");
  if (in.has("impedance_vs_freq")) read_zin_curve(in.at("impedance_vs_freq"), c);
  if (const double v = in.number_in("vrms_at_0dbfs", 0, 1000, 0); v > 0) c.input.vrms_at_0dbfs = v;  // 0: none
  c.input_calibrated_on = in.string("calibrated_on", "");
  // DC-coupled: the input reads DC (the DC offset step measures it from the loopback); the simulated one does.
  c.input_dc_coupled = in.boolean("dc_coupled", c.audio == "simulated");
}

// One wire per channel: a channel twice in a port, or an output shared by two ports, is a wiring mistake.
// (The loopback inputs may be shared: the cable moves from port to port.)
void check_wiring(const PortWiring& w, const JsonReader& p, const std::vector<PortWiring>& others,
                  const std::string& src) {
  for (const auto* list : {&w.output_channels, &w.input_channels})
    for (std::size_t i = 0; i < list->size(); ++i)
      for (std::size_t k = 0; k < i; ++k)
        if ((*list)[i] == (*list)[k]) {
          const std::string key = list == &w.output_channels ? "output_channels" : "input_channels";
          throw InputError(src + ": " + p.path() + "." + key + ": channel " + std::to_string((*list)[i]) +
                           " appears twice (" + key + "[" + std::to_string(k) + "] and " + key + "[" +
                           std::to_string(i) + "]); each channel of a port is a different wire");
        }
  for (const auto& other : others)
    for (int ch : w.output_channels)
      if (std::find(other.output_channels.begin(), other.output_channels.end(), ch) != other.output_channels.end())
        throw InputError(src + ": ports." + other.name + " and ports." + w.name + " both use output channel " +
                         std::to_string(ch) + ": each port needs its own interface outputs");
}

std::vector<PortWiring> read_ports(const JsonReader& r, const std::string& src) {
  std::vector<PortWiring> out;
  const auto ports = r.at("ports");
  for (const auto& name : ports.keys()) {
    const auto p = ports.at(name);
    p.only_keys({"output_channels", "input_channels", "vrms_at_0dbfs", "calibrated_on", "volume", "input_range"});
    PortWiring w;
    w.name = name;
    w.output_channels = p.int_list("output_channels", 0, 255);
    w.input_channels = p.int_list("input_channels", 0, 255);
    if (w.input_channels.size() != w.output_channels.size())
      p.fail("input_channels",
             "as many input channels as output_channels (" + std::to_string(w.output_channels.size()) + ")");
    check_wiring(w, p, out, src);
    if (const double v = p.number_in("vrms_at_0dbfs", 0, 1000, 0); v > 0) w.output.vrms_at_0dbfs = v;  // 0: none
    w.calibrated_on = p.string("calibrated_on", "");
    if (p.has("volume")) w.volume = read_volume_config(p.at("volume"), src);
    w.input_range = p.string("input_range", "");
    out.push_back(w);
  }
  if (out.empty()) ports.fail("", "at least one port");
  return out;
}

// A reactive load: "network" (an element as in a headphone file) or "impedance_file" (a headphone file beside
// the bench file: a .json network or a .csv/.txt measured curve); its nominal and actual ohms are |Z| at 1 kHz.
void read_reactive_load(const JsonReader& l, const std::filesystem::path& bench_path, bool simulated, Load& load) {
  if (l.has("network") && l.has("impedance_file"))
    l.fail("impedance_file", "one of \"network\" and \"impedance_file\", not both");
  for (const char* k : {"nominal_ohms", "actual_ohms"})
    if (l.has(k))
      l.fail(k, "no \"" + std::string(k) + "\" with a network or curve: its |Z| at 1 kHz is the load's nominal value");
  if (l.has("network")) {
    load.network = read_network_element(l.at("network"));
    load.description = describe_network(*load.network);
  } else {
    std::filesystem::path f = l.string("impedance_file");
    if (f.is_relative()) f = bench_path.parent_path() / f;
    const auto hp = load_headphone(f);
    load.network = hp.network;
    load.curve = hp.curve;
    load.description = hp.network ? describe_network(*hp.network) : "measured curve " + f.filename().string();
  }
  if (simulated && !load.network)
    l.fail("impedance_file", "a network (.json): the simulated bench cannot run a measured curve as a load");
  load.nominal_ohms = load.actual_ohms = std::abs(load.impedance().at(1000.0));
  if (!(load.actual_ohms >= 0.1) || !std::isfinite(load.actual_ohms))
    l.fail(l.has("network") ? "network" : "impedance_file",
           "a load of 0.1 ohm to 10 Mohm at 1 kHz, not " + strformat("%g", load.actual_ohms) + " ohm");
}

// "loads" (default: the standard loads); each name once, and an "open" load among them.
std::vector<Load> read_loads(const JsonReader& r, const std::filesystem::path& bench_path, bool simulated) {
  const std::string src = bench_path.string();
  if (!r.has("loads")) return standard_loads();
  std::vector<Load> out;
  const auto loads = r.at("loads");
  loads.require_array();
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const auto l = loads.at(i);
    l.only_keys({"name", "nominal_ohms", "actual_ohms", "lead_ohms", "tolerance_pct", "lead_uncertainty_ohms",
                 "network", "impedance_file"});
    Load load;
    load.name = l.string("name");
    if (load.name == "open" && (l.has("network") || l.has("impedance_file")))
      l.fail(l.has("network") ? "network" : "impedance_file", "nothing: the \"open\" load is no load at all");
    if (load.name != "open" && (l.has("network") || l.has("impedance_file"))) {
      read_reactive_load(l, bench_path, simulated, load);
    } else if (load.name == "open") {
      load.nominal_ohms = load.actual_ohms = kInf;
    } else {
      load.nominal_ohms = l.number_in("nominal_ohms", 0.1, 1e7);
      load.actual_ohms = l.number_in("actual_ohms", 0.1, 1e7, load.nominal_ohms);
    }
    load.lead_ohms = l.number_in("lead_ohms", 0.0, kMaxLeadOhms, 0.0);
    load.tolerance_pct = l.number_in("tolerance_pct", 0.0, 50.0, load.tolerance_pct);
    load.lead_uncertainty_ohms = l.number_in("lead_uncertainty_ohms", 0.0, kMaxLeadOhms, load.lead_uncertainty_ohms);
    for (std::size_t k = 0; k < out.size(); ++k)
      if (out[k].name == load.name)
        throw InputError(src + ": loads[" + std::to_string(k) + "] and loads[" + std::to_string(i) +
                         "] are both named \"" + load.name + "\"" + (load.name == "open" ? " (two open loads)" : "") +
                         ": give each load its own name");
    out.push_back(load);
  }
  return out;
}

// "load_switch": its kind, the section with ${VAR} expanded, checked against the loads (nothing opened).
void read_load_switch(const JsonReader& r, const nlohmann::json& j, const std::string& src, BenchConfig& c) {
  if (r.has("load_switch")) {
    const std::string type = r.at("load_switch").string("type");
    c.load_switch_json = j.at("load_switch");
    for (auto it = c.load_switch_json.begin(); it != c.load_switch_json.end(); ++it)
      if (it->is_string()) *it = expand_env(it->get<std::string>(), src + ": load_switch." + it.key());
    const auto kind = parse_load_switch_kind(type);
    if (!kind) r.at("load_switch").fail("type", load_switch_kind_list());
    c.load_switch = *kind;
    // Raw relay bytes that are not hex, a switch program that is not there: refused before anything runs.
    check_load_switch(c.load_switch_json, src, c.loads);
  }
  if (c.audio == "simulated" && c.load_switch != LoadSwitchKind::simulated)
    r.at("load_switch").fail("type", "\"simulated\" with a simulated audio device");
}

// "loopback_input.ranges": [{name, full_scale_vrms}], each name once; every port names the range in use
// ("ports.NAME.input_range"; with one range it may leave it out), and no port names a range not listed.
void read_input_ranges(const JsonReader& r, const JsonReader& in, BenchConfig& c) {
  std::string names;
  if (in.has("ranges")) {
    const auto rs = in.at("ranges");
    rs.require_array();
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const auto e = rs.at(i);
      e.only_keys({"name", "full_scale_vrms"});
      InputRange ir{e.string("name"), e.number_in("full_scale_vrms", 1e-4, 1000)};
      for (const auto& o : c.input_ranges)
        if (o.name == ir.name) e.fail("name", "a name no other range has (\"" + ir.name + "\" is there twice)");
      names += (names.empty() ? "\"" : ", \"") + ir.name + "\"";
      c.input_ranges.push_back(ir);
    }
    if (c.input_ranges.empty()) rs.fail("", "at least one range, or no \"ranges\"");
  }
  for (auto& w : c.ports) {
    const auto p = r.at("ports").at(w.name);
    if (w.input_range.empty()) {
      if (c.input_ranges.size() == 1) w.input_range = c.input_ranges.front().name;
      if (c.input_ranges.size() > 1) p.fail("input_range", "the loopback input's range in use: one of " + names);
      continue;
    }
    bool found = false;
    for (const auto& ir : c.input_ranges) found |= ir.name == w.input_range;
    if (!found)
      p.fail("input_range",
             c.input_ranges.empty() ? "a range listed in loopback_input.ranges (there is none)" : "one of " + names);
  }
}

SafetyLimits read_safety(const JsonReader& r) {
  SafetyLimits safety;
  if (!r.has("safety")) return safety;
  const auto s = r.at("safety");
  // A misspelt limit must never be a limit ignored: every key is one of these.
  s.only_keys({"max_drive_dbfs", "max_vrms", "max_mw", "uncalibrated_max_drive_dbfs"});
  safety.max_drive_dbfs = s.number_in("max_drive_dbfs", -120, 0, 0);
  safety.max_vrms = s.number_in("max_vrms", 0.001, 100, safety.max_vrms);
  safety.max_mw = s.number_in("max_mw", 0.001, 1e5, safety.max_mw);
  if (s.has("uncalibrated_max_drive_dbfs"))
    safety.uncalibrated_max_drive_dbfs = s.number_in("uncalibrated_max_drive_dbfs", -120, 0);
  return safety;
}

}  // namespace

BenchConfig load_bench_config(const std::filesystem::path& path) {
  const auto j = read_json_file(path);
  const std::string src = path.string();
  JsonReader r(j, src);
  r.require_object();
  r.only_keys({"schema", "name", "audio", "loopback_input", "ports", "loads", "load_switch", "safety", "analyser_floor",
               "settle_s"});
  if (r.string("schema") != "outbench-bench/1") r.fail("schema", "\"outbench-bench/1\"");
  BenchConfig c;
  c.source = src;
  c.name = r.string("name", path.stem().string());
  read_audio(r, path, c);
  read_analyser_input(r, c);
  c.ports = read_ports(r, src);
  read_input_ranges(r, c.two_devices() ? r.at("audio").at("input") : r.at("loopback_input"), c);
  c.loads = read_loads(r, path, c.audio == "simulated");
  if (!c.load("open")) r.fail("loads", "a load named \"open\" (output impedance is measured against it)");
  read_load_switch(r, j, src, c);
  c.safety = read_safety(r);
  // A top-level "settle_s" (older bench files) is accepted and not used: the wait after a switch is the
  // switch's own (load_switch.settle_s).
  if (r.has("analyser_floor")) {
    const auto f = r.at("analyser_floor");
    f.only_keys({"thdn_db", "noise_dbfs", "at_level_dbfs", "gain_1k_db", "response_deviation_20_20k_db",
                 "latency_frames", "response", "port", "measured_on", "reference_drive_dbfs", "reference_thdn_db",
                 "reference_residual_dbfs"});  // as `outbench calibrate loopback` writes it
    c.analyser_floor = BenchConfig::Floor{};  // not emplace(): clang 14 (the fuzz build) rejects it for a nested struct
                                              // with member initializers
    c.analyser_floor->thdn_db = f.number_in("thdn_db", -200, 0);
    c.analyser_floor->noise_dbfs = f.number_in("noise_dbfs", -250, 0);
    if (f.has("reference_drive_dbfs") || f.has("reference_thdn_db") || f.has("reference_residual_dbfs")) {
      c.analyser_floor->reference_drive_dbfs = f.number_in("reference_drive_dbfs", -200, 0);
      c.analyser_floor->reference_thdn_db = f.number_in("reference_thdn_db", -250, 0);
      c.analyser_floor->reference_residual_dbfs = f.number_in("reference_residual_dbfs", -250, 0);
    }
  }
  return c;
}

}  // namespace outbench
