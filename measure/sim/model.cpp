#include "measure/sim/model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <sstream>

#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"

namespace outbench::sim {

const PortModel* DeviceModel::port(const std::string& n) const {
  for (const auto& p : ports)
    if (p.name == n) return &p;
  return nullptr;
}

namespace {

using PerChannel = std::array<double, 2>;

std::string range_text(double lo, double hi) {
  std::ostringstream e;
  e << "a number from " << lo << " to " << hi;
  return e.str();
}

// A port parameter: one number (both channels) or [left, right], each within [lo[c], hi]. Absent: `fallback`
// (required when there is none). A port with one channel takes one number only.
PerChannel per_channel(const JsonReader& p, const std::string& key, PerChannel lo, double hi,
                       std::optional<PerChannel> fallback, int channels) {
  if (!p.has(key) && fallback) return *fallback;
  if (!p.has(key) || !p.json().at(key).is_array()) {
    const double v = p.number_in(key, std::max(lo[0], lo[1]), hi);
    return {v, v};
  }
  if (channels < 2) p.fail(key, "one number (the port has 1 channel, so no [left, right])");
  const JsonReader a = p.at(key);
  if (a.size() != 2) p.fail(key, range_text(std::max(lo[0], lo[1]), hi) + ", or [left, right]: two such numbers");
  PerChannel out{};
  for (std::size_t c = 0; c < 2; ++c) {
    const auto& v = a.json().at(c);
    if (!v.is_number() || !(v.get<double>() >= lo[c] && v.get<double>() <= hi))
      a.at(c).fail("", range_text(lo[c], hi) + " (" + (c == 0 ? "left" : "right") + " channel), got " + v.dump());
    out[c] = v.get<double>();
  }
  return out;
}

struct Param {
  const char* key;
  double ChannelModel::*field;
  double lo, hi;
  bool optional;  // absent: the ChannelModel default
};

// Every per-channel parameter but volume_db / volume_max_db (read first, their ranges depend on each other).
constexpr Param kParams[] = {
    {"vrms_at_0dbfs", &ChannelModel::vrms_at_0dbfs, 1e-3, 100, false},
    {"source_r_ohms", &ChannelModel::source_r_ohms, 0, 1e5, false},
    {"coupling_c_farads", &ChannelModel::coupling_c_farads, 0, 1, false},
    {"rail_vpeak", &ChannelModel::rail_vpeak, 1e-3, 200, false},
    {"current_limit_apeak", &ChannelModel::current_limit_apeak, 1e-6, 100, false},
    {"noise_vrms", &ChannelModel::noise_vrms, 0, 1, false},
    {"h2_dbc_at_0dbfs", &ChannelModel::h2_dbc_at_0dbfs, -200, -10, true},
    {"h3_dbc_at_0dbfs", &ChannelModel::h3_dbc_at_0dbfs, -200, -10, true},
    {"hum_vrms", &ChannelModel::hum_vrms, 0, 1, true},
    {"hum_hz", &ChannelModel::hum_hz, 1, 1000, true},
    {"crosstalk_db", &ChannelModel::crosstalk_db, -200, -6, true},
    {"dac_lowpass_hz", &ChannelModel::dac_lowpass_hz, 0, 1e6, true},
    {"volume_step_db", &ChannelModel::volume_step_db, 0, 20, true},
    {"volume_tracking_db", &ChannelModel::volume_tracking_db, -20, 20, true},
    {"volume_tracking_ref_db", &ChannelModel::volume_tracking_ref_db, 1, 120, true},
    {"volume_tracking_exponent", &ChannelModel::volume_tracking_exponent, 0, 4, true},
    {"dc_offset_mv", &ChannelModel::dc_offset_mv, -1e4, 1e4, true},
    {"turn_on_step_mv", &ChannelModel::turn_on_step_mv, -1e4, 1e4, true},
    {"turn_on_tau_ms", &ChannelModel::turn_on_tau_ms, 1e-3, 1e4, true},
    {"turn_off_step_mv", &ChannelModel::turn_off_step_mv, -1e4, 1e4, true},
    {"turn_off_tau_ms", &ChannelModel::turn_off_tau_ms, 1e-3, 1e4, true},
    {"rate_change_step_mv", &ChannelModel::rate_change_step_mv, -1e4, 1e4, true},
    {"rate_change_tau_ms", &ChannelModel::rate_change_tau_ms, 1e-3, 1e4, true},
};

PortModel read_port(const JsonReader& p, const std::string& name) {
  std::vector<const char*> known = {"channels", "volume_db", "volume_max_db", "ground_return_ohms", "mute_on_silence"};
  for (const Param& q : kParams) known.push_back(q.key);
  p.only_keys(known);  // a misspelt parameter is an error, not its default used silently
  PortModel pm;
  pm.name = name;
  pm.channels = p.integer_in("channels", 1, 2);
  const int n = pm.channels;
  ChannelModel* ch[2] = {&pm, &pm.right};
  pm.has_volume = p.has("volume_db");
  const PerChannel vol = per_channel(p, "volume_db", {-120, -120}, 20, PerChannel{0, 0}, n);
  const PerChannel vol_max =
      per_channel(p, "volume_max_db", vol, 20, PerChannel{std::max(0.0, vol[0]), std::max(0.0, vol[1])}, n);
  for (int c = 0; c < 2; ++c) {
    ch[c]->volume_db = vol[static_cast<std::size_t>(c)];
    ch[c]->volume_max_db = vol_max[static_cast<std::size_t>(c)];
  }
  for (const Param& q : kParams) {
    const double dflt = pm.*q.field;
    const auto v = per_channel(p, q.key, {q.lo, q.lo}, q.hi,
                               q.optional ? std::optional<PerChannel>(PerChannel{dflt, dflt}) : std::nullopt, n);
    pm.*q.field = v[0];
    pm.right.*q.field = v[1];
  }
  if (p.has("ground_return_ohms") && p.json().at("ground_return_ohms").is_array())
    p.fail("ground_return_ohms", "one number: the return is shared by both channels");
  pm.ground_return_ohms = p.number_in("ground_return_ohms", 0, 1e3, 0);
  pm.mute_on_silence = p.boolean("mute_on_silence", false);
  return pm;
}

}  // namespace

double volume_gain_db(const ChannelModel& c, double setting_db) {
  double atten = std::max(0.0, c.volume_max_db - setting_db);
  if (c.volume_step_db > 0) atten = c.volume_step_db * std::round(atten / c.volume_step_db);
  const double error =
      atten > 0 ? c.volume_tracking_db * std::pow(atten / c.volume_tracking_ref_db, c.volume_tracking_exponent) : 0.0;
  return c.volume_max_db - atten + error;
}

DeviceModel load_device_model(const std::filesystem::path& path) {
  const auto j = read_json_file(path);
  JsonReader r(j, path.string());
  r.require_object();
  r.only_keys({"schema", "name", "description", "clock_ppm", "clock_wander_ppm_per_min", "loopback_input", "ports"});
  if (r.string("schema") != "outbench-device/1") r.fail("schema", "\"outbench-device/1\"");
  DeviceModel m;
  m.source = path.string();
  m.name = r.string("name");
  m.description = r.string("description", "");
  m.clock_ppm = r.number_in("clock_ppm", -1000, 1000, 0);
  m.clock_wander_ppm_per_min = r.number_in("clock_wander_ppm_per_min", -100, 100, 0);
  const auto lb = r.at("loopback_input");
  lb.only_keys({"impedance_ohms", "input_capacitance_pf", "full_scale_vrms", "noise_dbfs", "latency_frames"});
  m.loopback.impedance_ohms = lb.number_in("impedance_ohms", 100, 1e12);
  m.loopback.input_capacitance_pf = lb.number_in("input_capacitance_pf", 0, 1e6, 0);
  m.loopback.full_scale_vrms = lb.number_in("full_scale_vrms", 0.01, 100);
  m.loopback.noise_dbfs = lb.number_in("noise_dbfs", -200, -20, m.loopback.noise_dbfs);
  m.loopback.latency_frames = lb.has("latency_frames") ? lb.integer_in("latency_frames", 0, 100000) : 96;
  const auto ports = r.at("ports");
  for (const auto& name : ports.keys()) m.ports.push_back(read_port(ports.at(name), name));
  if (m.ports.empty()) ports.fail("", "at least one port (\"line\", \"headphone\")");
  return m;
}

}  // namespace outbench::sim
