#include "reports/imd_results_json.hpp"

#include "reports/analysis_json.hpp"

namespace outbench {

using nlohmann::json;

namespace {

// The figures of one reading (valid ones only): level, volts, the standard's figures in dB and %, bound.
void figures(const ImdStep& s, json& j) {
  const ImdResult& r = s.reading;
  j["valid"] = r.valid;
  if (!r.valid) {
    j["problem"] = r.reason;
    return;
  }
  j["level_dbfs"] = finite_or_null(r.level_dbfs);
  if (s.out_vrms) j["out_vrms"] = finite_or_null(*s.out_vrms);
  j["bound"] = r.bound;
  put_imd_figures(r, j);
}

json standard_json(ImdStandard standard, const std::vector<ImdSeries>& series) {
  const ImdSpec spec = imd_spec(standard);
  json ref = json::array(), vs = json::array();
  for (const auto& c : series) {
    json steps = json::array();
    for (const auto& s : c.steps) {
      json j = {{"drive_dbfs", s.drive_dbfs}};
      figures(s, j);
      steps.push_back(j);
    }
    vs.push_back({{"channel", c.channel}, {"steps", steps}});
    if (c.reference_step < 0) continue;
    const ImdStep& s = c.steps[static_cast<std::size_t>(c.reference_step)];
    json j = s.reading.valid ? imd_json(s.reading) : json::object();
    j["channel"] = c.channel;
    j["drive_dbfs"] = s.drive_dbfs;
    figures(s, j);
    ref.push_back(j);
  }
  return {{"f1_hz", spec.f1_hz},
          {"f2_hz", spec.f2_hz},
          {"ratio_f1_to_f2", spec.ratio_f1_to_f2},
          {"reference", ref},
          {"vs_level", vs}};
}

}  // namespace

json port_imd_json(const PortImd& imd) {
  json j = {{"load", imd.load},
            {"tone_s", imd.tone_s},
            {"stimulus_s", imd.stimulus_s},
            {"reference_drive_dbfs", imd.reference_drive_dbfs},
            {"smpte", standard_json(ImdStandard::Smpte, imd.smpte)}};
  if (!imd.ccif.empty()) j["ccif"] = standard_json(ImdStandard::Ccif, imd.ccif);
  if (!imd.note.empty()) j["note"] = imd.note;
  return j;
}

}  // namespace outbench
