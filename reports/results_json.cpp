#include "reports/results_json.hpp"

#include "reports/analysis_json.hpp"
#include "reports/dc_json.hpp"
#include "reports/imd_results_json.hpp"
#include "reports/json_put.hpp"
#include "reports/load_json.hpp"
#include "reports/multitone_json.hpp"
#include "reports/volume_json.hpp"

namespace outbench {

using nlohmann::json;

namespace {

// The output impedance's figures of a port or of one of its channels (PortResult, ChannelImpedance).
template <class Zout>
void put_zout_figures(json& j, const Zout& z) {
  put_optional(j, "z_1k_ohms", z.z_1k_ohms);
  put_optional(j, "z_20hz_ohms", z.z_20hz_ohms);
  put_optional(j, "max_z_20_20k_ohms", z.max_zout_ohms);
  put_optional(j, "z_1k_u95_ohms", z.z_1k_u95_ohms);
  put_optional(j, "z_20hz_u95_ohms", z.z_20hz_u95_ohms);
  put_optional(j, "max_z_20_20k_u95_ohms", z.max_zout_u95_ohms);
}

// Each channel's output impedance (both driven in phase) and its ground-return figures.
json port_channels_json(const PortResult& p) {
  json out = json::array();
  for (const auto& c : p.channels) {
    json j = {{"channel", c.channel}, {"impedance", impedance_points_json(c.impedance)}};
    put_zout_figures(j, c);
    put_optional(j, "z_1k_alone_ohms", c.z_1k_alone_ohms);
    put_optional(j, "ground_return_ohms", c.ground_return_ohms);
    out.push_back(j);
  }
  return out;
}

json verdict_json(const Verdict& v) {
  json rules = json::array();
  for (const auto& r : v.rules) {
    json jr = {{"id", r.id},
               {"description", r.description},
               {"limit", r.limit},
               {"unit", r.unit},
               {"comparison", r.comparison},
               {"evaluated", r.evaluated},
               {"pass", r.pass},
               {"grade", r.grade},
               {"sentence", r.sentence}};
    if (!r.condition.empty()) jr["condition"] = r.condition;
    if (r.uncertainty) jr["uncertainty"] = *r.uncertainty;
    if (!r.lower_bound_reason.empty()) jr["lower_bound_reason"] = r.lower_bound_reason;
    if (r.informational) jr["informational"] = true;
    jr["measured"] = r.measured ? finite_or_null(*r.measured) : json(nullptr);
    rules.push_back(jr);
  }
  json j = {{"id", v.id},     {"question", v.question}, {"port", v.port},       {"applicable", v.applicable},
            {"pass", v.pass}, {"grade", v.grade},       {"summary", v.summary}, {"rules", rules}};
  if (v.level_dbv) j["line_level"] = {{"name", v.level_name}, {"dbv", *v.level_dbv}};
  return j;
}

json clock_json(const ClockSummary& s) {
  const auto list = [](const std::vector<ClockCapture>& cs) {
    json a = json::array();
    for (const auto& c : cs) {
      json k = {{"capture", c.capture}, {"ppm", c.ppm}, {"at_s", c.at_s}};
      put_optional(k, "u_ppm", c.u_ppm);  // null: no silence beside the markers to read their noise
      a.push_back(k);
    }
    return a;
  };
  return {{"mean_ppm", s.mean_ppm},
          {"min_ppm", s.min_ppm},
          {"max_ppm", s.max_ppm},
          {"spread_ppm", s.spread_ppm},
          {"wander_ppm_per_min", s.wander_ppm_per_min},
          {"resolve_u_ppm", s.resolve_u_ppm},
          {"captures", list(s.captures)},
          {"unresolved", list(s.unresolved)}};
}

json conditions_base_json(const Results& r) {
  const auto& c = r.conditions;
  return {{"date_utc", c.date_utc},
          {"outbench_version", c.outbench_version},
          {"audio", c.audio},
          {"rate_hz", c.rate_hz},
          {"seed", c.seed},
          {"quick", c.quick},
          {"reference_level_dbfs", c.reference_level_dbfs},
          {"tone_hz", c.tone_hz},
          {"band_hz", {c.band_lo_hz, c.band_hi_hz}},
          {"window", c.window},
          {"sweep",
           {{"level_dbfs", c.sweep_level_dbfs},
            {"start_hz", c.sweep_start_hz},
            {"stop_hz", c.sweep_stop_hz},
            {"duration_s", c.sweep_duration_s}}},
          {"input_impedance_ohms", c.input_impedance_ohms},
          {"input_impedance_tolerance_pct", c.input_impedance_tolerance_pct},
          {"input_impedance_calibrated_on", c.input_impedance_calibrated_on},
          {"input_vrms_at_0dbfs", c.input_vrms_at_0dbfs.value_or(0.0)},  // 0 = uncalibrated (SCHEMA.md)
          {"calibrated", r.calibrated()},
          {"stimulus_s", c.stimulus_s},
          {"stimulus_by_step_s", c.stimulus_by_step_s},
          {"tests", {{"run", c.tests}, {"subset", c.tests_subset}, {"added", c.tests_added}}},
          {"capture_s", c.capture_s},
          {"elapsed_s", c.elapsed_s},
          {"xruns", {{"captures_flagged", c.xrun_captures}, {"captures_retried", c.retried_captures}}},
          {"safety",
           {{"max_drive_dbfs", c.max_drive_dbfs},
            {"max_vrms", c.max_vrms},
            {"max_mw", c.max_mw},
            {"uncalibrated_max_drive_dbfs",
             c.uncalibrated_max_drive_dbfs ? json(*c.uncalibrated_max_drive_dbfs) : json(nullptr)}}}};
}

// The conditions; above 48 kHz also the out-of-band noise band and the wide response's band.
json conditions_json(const Results& r) {
  const auto& c = r.conditions;
  json j = conditions_base_json(r);
  if (c.out_of_band_hi_hz > 0) j["out_of_band_hz"] = {c.out_of_band_lo_hz, c.out_of_band_hi_hz};
  if (c.response_wide_hi_hz > 0) j["response_wide_hz"] = {20.0, c.response_wide_hi_hz};
  return j;
}

json thdn_freq_json(const std::vector<ThdnFreqPoint>& points) {
  json tf = json::array();
  for (const auto& t : points) {
    json jt = {{"freq_hz", t.freq_hz}, {"valid", t.valid()}, {"band_hz", {t.band_lo_hz, t.band_hi_hz}}};
    put_optional(jt, "thdn_db", t.thdn_db);
    put_optional(jt, "level_dbfs", t.level_dbfs);
    if (t.valid()) {
      put_optional(jt, "thd_db", t.thd_db);
      jt["thd_below_noise"] = t.thd_below_noise;
      jt["harmonics_in_band"] = t.harmonics_in_band;
    }
    if (t.first_harmonic_out_of_band > 0) jt["first_harmonic_out_of_band"] = t.first_harmonic_out_of_band;
    if (!t.valid()) jt["problem"] = t.problem;
    tf.push_back(jt);
  }
  return tf;
}

// Every channel's THD+N versus frequency: [{channel, points[]}].
json thdn_freq_channels_json(const std::vector<std::vector<ThdnFreqPoint>>& channels) {
  json out = json::array();
  for (std::size_t c = 0; c < channels.size(); ++c)
    out.push_back({{"channel", static_cast<int>(c)}, {"points", thdn_freq_json(channels[c])}});
  return out;
}

json port_json(const PortResult& p) {
  json jp;
  jp["name"] = p.name;
  jp["present"] = p.present;
  jp["output_channels"] = p.output_channels;
  jp["input_channels"] = p.input_channels;
  jp["vrms_at_0dbfs"] = p.vrms_at_0dbfs.value_or(0.0);  // 0 = uncalibrated (SCHEMA.md)
  jp["nominal_load"] = p.nominal_load;
  {
    const auto& f = p.analyser_floor;
    json jf = {{"measured", f.known()}, {"source", f.source}};
    put_optional(jf, "noise_dbfs", f.noise_dbfs);
    put_optional(jf, "noise_a_dbfs", f.noise_a_dbfs);
    put_optional(jf, "input_full_scale_vrms", f.input_full_scale_vrms);
    if (!f.input_range.empty()) jf["input_range"] = f.input_range;
    put_optional(jf, "loopback_drive_dbfs", f.loopback_drive_dbfs);
    put_optional(jf, "loopback_thdn_db", f.loopback_thdn_db);
    put_optional(jf, "loopback_residual_dbfs", f.loopback_residual_dbfs);
    for (const auto& c : f.channels)
      jf["channels"].push_back(optional_fields_json({{"noise_dbfs", c.noise_dbfs}, {"noise_a_dbfs", c.noise_a_dbfs}}));
    if (!f.note.empty()) jf["note"] = f.note;
    if (p.present) jp["analyser_floor"] = jf;
  }
  json loads = json::array();
  for (const auto& l : p.loads) loads.push_back(load_json(l));
  jp["loads"] = loads;
  json imp;
  imp["points"] = impedance_points_json(p.impedance);
  put_zout_figures(imp, p);
  imp["loads_agree"] = p.loads_agree;
  imp["loads_switched"] = p.loads_switched;
  imp["agreement_note"] = p.agreement_note;
  json per = json::array();
  for (const auto& z : p.impedance_per_load) per.push_back(impedance_json(z));
  imp["per_load"] = per;
  jp["output_impedance"] = imp;
  jp["channels"] = port_channels_json(p);
  put_optional(jp, "ground_return_ohms", p.ground_return_ohms);
  if (!p.ground_return_load.empty()) jp["ground_return_load"] = p.ground_return_load;
  if (!p.ground_return_note.empty()) jp["ground_return_note"] = p.ground_return_note;
  if (!p.headphones.empty()) {  // the responses predicted with real headphones, each channel's maximum too
    json hs = json::array();
    for (const auto& h : p.headphones) {
      json j = headphone_prediction_json(h.prediction), ch = json::array();
      for (const auto& c : h.channels) {
        ch.push_back({{"channel", c.channel}});
        put_optional(ch.back(), "max_deviation_20_20k_db", c.max_deviation_db);
        put_optional(ch.back(), "max_deviation_u95_db", c.max_deviation_u95_db);
      }
      j["channels"] = ch;
      hs.push_back(j);
    }
    jp["headphones"] = hs;
  }
  jp["thdn_vs_freq"] = thdn_freq_json(p.thdn_vs_freq);
  jp["thdn_vs_freq_channels"] = thdn_freq_channels_json(p.thdn_vs_freq_channels);
  jp["thdn_vs_freq_drive_dbfs"] = p.thdn_vs_freq_drive_dbfs;
  if (p.thdn_vs_freq_near_max)
    jp["thdn_vs_freq_near_max"] = {{"level_basis", p.thdn_vs_freq_near_max->level_basis},
                                   {"drive_dbfs", p.thdn_vs_freq_near_max->drive_dbfs},
                                   {"points", thdn_freq_json(p.thdn_vs_freq_near_max->points)},
                                   {"channels", thdn_freq_channels_json(p.thdn_vs_freq_near_max->channels)}};
  json xf = json::array();
  for (const auto& x : p.crosstalk_vs_freq) xf.push_back(crosstalk_json(x));
  jp["crosstalk_vs_freq"] = xf;
  jp["crosstalk_vs_freq_drive_dbfs"] = p.crosstalk_vs_freq_drive_dbfs;
  if (p.imd) jp["imd"] = port_imd_json(*p.imd);
  if (p.multitone) jp["multitone"] = port_multitone_json(*p.multitone);
  json rec = json::array();
  for (const auto& x : p.recommendations) {
    json jr = {
        {"level", x.level_name}, {"target_dbv", x.target_dbv}, {"drive_dbfs", x.drive_dbfs}, {"sentence", x.sentence}};
    put_optional(jr, "thdn_db", x.thdn_db);
    put_optional(jr, "noise_dbv", x.noise_dbv);
    put_optional(jr, "volume_db", x.volume_db);
    if (!x.channel_drives_dbfs.empty()) jr["channel_drives_dbfs"] = x.channel_drives_dbfs;
    rec.push_back(jr);
  }
  jp["recommendations"] = rec;
  if (p.volume) jp["volume"] = volume_json(*p.volume);
  if (p.dc_offset) jp["dc_offset"] = dc_offset_json(*p.dc_offset);
  if (p.transients) jp["transients"] = transients_json(*p.transients);
  return jp;
}

}  // namespace

json results_json(const Results& r) {
  json j;
  j["schema"] = kResultsSchema;
  j["complete"] = r.complete;
  if (!r.run_id.empty()) j["run_id"] = r.run_id;
  j["device"] = {{"name", r.device_name}, {"description", r.device_description}, {"model_file", r.device_model_file}};
  j["bench"] = {{"name", r.bench_name}, {"source", r.bench_source}};
  j["conditions"] = conditions_json(r);
  if (r.conditions.clock) j["conditions"]["clock"] = clock_json(*r.conditions.clock);  // two clocks only
  json ports = json::array();
  for (const auto& p : r.ports) ports.push_back(port_json(p));
  j["ports"] = ports;
  json vs = json::array();
  for (const auto& v : r.verdicts) vs.push_back(verdict_json(v));
  j["verdicts"] = vs;
  j["warnings"] = r.warnings;
  return j;
}

}  // namespace outbench
