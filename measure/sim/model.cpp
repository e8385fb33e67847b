#include "measure/sim/model.hpp"

#include <algorithm>

#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"

namespace outbench::sim {

const PortModel* DeviceModel::port(const std::string& n) const {
  for (const auto& p : ports)
    if (p.name == n) return &p;
  return nullptr;
}

DeviceModel load_device_model(const std::filesystem::path& path) {
  const auto j = read_json_file(path);
  JsonReader r(j, path.string());
  r.require_object();
  if (r.string("schema") != "outbench-device/1") r.fail("schema", "\"outbench-device/1\"");
  DeviceModel m;
  m.source = path.string();
  m.name = r.string("name");
  m.description = r.string("description", "");
  const auto lb = r.at("loopback_input");
  m.loopback.impedance_ohms = lb.number_in("impedance_ohms", 100, 1e12);
  m.loopback.full_scale_vrms = lb.number_in("full_scale_vrms", 0.01, 100);
  m.loopback.noise_dbfs = lb.number_in("noise_dbfs", -200, -20, m.loopback.noise_dbfs);
  m.loopback.latency_frames = lb.has("latency_frames") ? lb.integer_in("latency_frames", 0, 100000) : 96;
  const auto ports = r.at("ports");
  for (const auto& name : ports.keys()) {
    const auto p = ports.at(name);
    PortModel pm;
    pm.name = name;
    pm.channels = p.integer_in("channels", 1, 2);
    pm.vrms_at_0dbfs = p.number_in("vrms_at_0dbfs", 1e-3, 100);
    pm.has_volume = p.has("volume_db");
    pm.volume_db = p.number_in("volume_db", -120, 20, 0);
    pm.volume_max_db = p.number_in("volume_max_db", pm.volume_db, 20, std::max(0.0, pm.volume_db));
    pm.source_r_ohms = p.number_in("source_r_ohms", 0, 1e5);
    pm.coupling_c_farads = p.number_in("coupling_c_farads", 0, 1);
    pm.rail_vpeak = p.number_in("rail_vpeak", 1e-3, 200);
    pm.current_limit_apeak = p.number_in("current_limit_apeak", 1e-6, 100);
    pm.noise_vrms = p.number_in("noise_vrms", 0, 1);
    pm.h2_dbc_at_0dbfs = p.number_in("h2_dbc_at_0dbfs", -200, -10, pm.h2_dbc_at_0dbfs);
    pm.h3_dbc_at_0dbfs = p.number_in("h3_dbc_at_0dbfs", -200, -10, pm.h3_dbc_at_0dbfs);
    pm.hum_vrms = p.number_in("hum_vrms", 0, 1, 0);
    pm.hum_hz = p.number_in("hum_hz", 1, 1000, 50);
    pm.crosstalk_db = p.number_in("crosstalk_db", -200, -6, pm.crosstalk_db);
    pm.dac_lowpass_hz = p.number_in("dac_lowpass_hz", 0, 1e6, 0);
    pm.mute_on_silence = p.boolean("mute_on_silence", false);
    m.ports.push_back(pm);
  }
  if (m.ports.empty()) ports.fail("", "at least one port (\"line\", \"headphone\")");
  return m;
}

}  // namespace outbench::sim
