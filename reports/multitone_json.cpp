#include "reports/multitone_json.hpp"

#include "reports/analysis_json.hpp"

namespace outbench {

using nlohmann::json;

json multitone_analysis_json(const MultitoneAnalysis& r) {
  json j = {{"valid", r.valid}};
  if (!r.valid) {
    j["problem"] = r.reason;
    return j;
  }
  j["start_frame"] = r.start_frame;
  j["total_dbfs"] = finite_or_null(r.total_dbfs);
  j["tone_fraction"] = r.tone_fraction;
  j["tdn_db"] = finite_or_null(r.tdn_db);
  j["floor_db"] = finite_or_null(r.floor_db);
  json tones = json::array();
  for (const auto& t : r.tones)
    tones.push_back({{"freq_hz", t.freq_hz},
                     {"level_dbfs", finite_or_null(t.level_dbfs)},
                     {"response_db", finite_or_null(t.response_db)},
                     {"band_hz", {t.band_lo_hz, t.band_hi_hz}},
                     {"tdn_db", finite_or_null(t.tdn_db)},
                     {"tdn_re_tone_db", finite_or_null(t.tdn_re_tone_db)},
                     {"floor_db", finite_or_null(t.floor_db)}});
  j["tones"] = tones;
  return j;
}

json multitone_design_json(const MultitoneDesign& d) {
  return {{"rate_hz", d.rate_hz},
          {"period_frames", d.period_frames},
          {"crest_factor_db", d.crest_factor_db},
          {"freq_hz", d.freq_hz}};
}

json port_multitone_json(const PortMultitone& m) {
  json ch = json::array();
  for (const auto& c : m.channels) {
    json j = multitone_analysis_json(c.reading);
    j["channel"] = c.channel;
    ch.push_back(j);
  }
  return {{"load", m.load},
          {"drive_dbfs", m.drive_dbfs},
          {"tone_level_dbfs", m.tone_level_dbfs},
          {"crest_factor_db", m.crest_factor_db},
          {"period_s", m.period_s},
          {"duration_s", m.duration_s},
          {"channels", ch}};
}

}  // namespace outbench
