#include "reports/dc_json.hpp"

#include <cmath>

namespace outbench {

using nlohmann::json;

namespace {

void put(json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = std::isfinite(*v) ? json(*v) : json(nullptr);
}

}  // namespace

json dc_offset_json(const PortDcOffset& d) {
  json chans = json::array();
  for (const auto& c : d.channels) {
    json jc = {{"channel", c.channel}, {"method", c.method}};
    put(jc, "value_mv", c.value_mv);
    if (!c.note.empty()) jc["note"] = c.note;
    chans.push_back(jc);
  }
  return {{"load", d.load}, {"channels", chans}};
}

json transients_json(const PortTransients& t) {
  json evs = json::array();
  for (const auto& e : t.events) {
    json je = {{"event", e.event}, {"channel", e.channel}, {"seen", e.seen}};
    put(je, "peak_mv", e.peak_mv);
    put(je, "peak_dbfs", e.peak_dbfs);
    put(je, "duration_ms", e.duration_ms);
    if (!e.note.empty()) je["note"] = e.note;
    if (!e.wave.empty())
      je["wave"] = {{"start_ms", e.wave_start_ms},
                    {"step_ms", e.wave_step_ms},
                    {"unit", e.wave_in_mv ? "mV" : "FS"},
                    {"values", e.wave}};
    evs.push_back(je);
  }
  return {{"load", t.load}, {"threshold_fraction", t.threshold_fraction}, {"events", evs}};
}

}  // namespace outbench
