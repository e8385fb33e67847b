#include "reports/dc_json.hpp"

#include <cmath>

#include "reports/json_put.hpp"

namespace outbench {

using nlohmann::json;

json dc_offset_json(const PortDcOffset& d) {
  json chans = json::array();
  for (const auto& c : d.channels) {
    json jc = {{"channel", c.channel}, {"method", c.method}};
    put_optional(jc, "value_mv", c.value_mv);
    if (!c.note.empty()) jc["note"] = c.note;
    chans.push_back(jc);
  }
  return {{"load", d.load}, {"channels", chans}};
}

json transients_json(const PortTransients& t) {
  json evs = json::array();
  for (const auto& e : t.events) {
    json je = {{"event", e.event}, {"channel", e.channel}, {"seen", e.seen}};
    put_optional(je, "peak_mv", e.peak_mv);
    put_optional(je, "peak_dbfs", e.peak_dbfs);
    put_optional(je, "duration_ms", e.duration_ms);
    if (!e.note.empty()) je["note"] = e.note;
    put_optional(je, "to_rate_hz", e.to_rate_hz);
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
