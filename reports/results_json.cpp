#include "reports/results_json.hpp"

#include <cmath>

#include "analysis/distortion.hpp"
#include "analysis/windows.hpp"
#include "reports/analysis_json.hpp"
#include "reports/dc_json.hpp"
#include "reports/imd_results_json.hpp"
#include "reports/json_put.hpp"
#include "reports/multitone_json.hpp"
#include "reports/volume_json.hpp"

namespace outbench {

using nlohmann::json;

namespace {

// A plot spectrum (engine/spectra.hpp): 1/48-octave bands from 10 Hz with their scale ("sine": a sine reads
// its level; "density_per_hz": dBFS in 1 Hz), the FFT bin width and window they come from (0: not stated).
json spectrum_json(const std::vector<double>& level_dbfs, const char* scale, double bin_hz) {
  json j = {{"start_hz", 10.0},
            {"points_per_octave", 48},
            {"level_dbfs", level_dbfs},
            {"scale", scale},
            {"window", std::string(window_name(kThdnWindow))}};
  if (bin_hz > 0) j["bin_hz"] = bin_hz;
  return j;
}

template <class T>
void put(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = finite_or_null(*v);
}

// One figure's margin over the analyser floor; `sign` -1 for a level or THD+N (the floor comes off it), +1 for
// an SNR or a dynamic range (it goes onto it). The corrected figure only where a correction applies.
json margin_json(const FloorMargin& m, std::optional<double> figure, double sign, const char* corrected_key) {
  json j = {{"margin_db", m.margin_db}, {"analyser_limited", m.analyser_limited}};
  if (m.correction_db && figure) j[corrected_key] = *figure + sign * *m.correction_db;
  return j;
}

// The margins `f` of one set of figures (a load's headline or one channel's: the same field names).
template <class Figures>
json floor_json(const FloorMargins& f, const Figures& l, bool mutes_on_silence) {
  json j = json::object();
  auto add = [&](const char* key, const std::optional<FloorMargin>& m, std::optional<double> figure, double sign,
                 const char* corrected_key) {
    if (m) j[key] = margin_json(*m, figure, sign, corrected_key);
  };
  auto valid = [](const NoiseResult& n) { return n.valid ? std::optional<double>(n.noise_dbfs) : std::nullopt; };
  add("noise", f.noise, valid(l.noise), -1, "floor_corrected_dbfs");
  add("noise_a", f.noise_a, valid(l.noise_a), -1, "floor_corrected_dbfs");
  add("noise_under_tone", f.noise_tone, l.noise_tone_dbfs, -1, "floor_corrected_dbfs");
  add("noise_under_tone_a", f.noise_tone_a, l.noise_tone_a_dbfs, -1, "floor_corrected_dbfs");
  add("thdn", f.thdn, l.thdn_ref.valid ? std::optional<double>(l.thdn_ref.thdn_db) : std::nullopt, -1,
      "floor_corrected_db");
  add("snr", mutes_on_silence ? f.noise_tone : f.noise, l.snr_db, +1, "floor_corrected_db");
  add("snr_a", mutes_on_silence ? f.noise_tone_a : f.noise_a, l.snr_a_db, +1, "floor_corrected_db");
  add("dynamic_range", f.dr, l.dynamic_range_db, +1, "floor_corrected_db");
  add("dynamic_range_a", f.dr_a, l.dynamic_range_a_db, +1, "floor_corrected_db");
  return j;
}

json ohms(double v) {
  return std::isfinite(v) ? json(v) : json("open");
}

json point_json(const MaxLevel::Point& p) {
  json j = {{"found", p.found}};
  if (!p.found) return j;
  j["drive_dbfs"] = p.drive_dbfs;
  j["out_dbfs"] = p.out_dbfs;
  put(j, "vrms", p.vrms);
  put(j, "dbv", p.dbv);
  put(j, "dbu", p.dbu);
  put(j, "mw", p.mw);
  return j;
}

json steps_json(const std::vector<LevelStep>& steps) {
  json out = json::array();
  for (const auto& s : steps) {
    json st = {{"drive_dbfs", s.drive_dbfs}, {"valid", s.valid()}};
    put(st, "out_dbfs", s.out_dbfs);
    put(st, "thdn_db", s.thdn_db);
    put(st, "thd_db", s.thd_db);
    put(st, "out_vrms", s.out_vrms);
    out.push_back(st);
  }
  return out;
}

json max_level_json(const MaxLevel& m) {
  return {{"valid", m.valid},
          {"stop_reason", m.stop_reason},
          {"explanation", m.explanation},
          {"at_1pct", point_json(m.at_1pct)},
          {"at_0p1pct", point_json(m.at_0p1pct)}};
}

// Idle noise; above 48 kHz also out of band (conditions.out_of_band_hz).
template <class Figures>
json noise_json(const Figures& f) {
  json j = {{"unweighted_dbfs", finite_or_null(f.noise.noise_dbfs)},
            {"a_weighted_dbfs", finite_or_null(f.noise_a.noise_dbfs)}};
  put(j, "unweighted_dbv", f.noise_dbv);
  put(j, "a_weighted_dbv", f.noise_a_dbv);
  put(j, "out_of_band_dbfs", f.noise_oob_dbfs);
  put(j, "out_of_band_dbv", f.noise_oob_dbv);
  return j;
}

json opt_pair_json(std::initializer_list<std::pair<const char*, std::optional<double>>> fields) {
  json j = json::object();
  for (const auto& [k, v] : fields) put(j, k, v);
  return j;
}

// One channel's figures (LoadResult::channel_figures) merged into its loads[].channels[] entry.
void channel_figures_json(const ChannelFigures& f, const LoadResult& l, json& j) {
  if (const json fl = floor_json(f.floor, f, l.mutes_on_silence); !fl.empty()) j["floor"] = fl;
  j["thdn_reference"] = thdn_json(f.thdn_ref);
  j["noise"] = noise_json(f);
  j["noise_under_tone"] = opt_pair_json({{"unweighted_dbfs", f.noise_tone_dbfs},
                                         {"a_weighted_dbfs", f.noise_tone_a_dbfs},
                                         {"unweighted_dbv", f.noise_tone_dbv},
                                         {"a_weighted_dbv", f.noise_tone_a_dbv}});
  j["dynamic_range_residual"] =
      opt_pair_json({{"unweighted_dbfs", f.dr_residual_dbfs}, {"a_weighted_dbfs", f.dr_residual_a_dbfs}});
  j["thdn_vs_level"] = steps_json(f.thdn_vs_level);
  j["max_level"] = max_level_json(f.max_level);
  put(j, "snr_db", f.snr_db);
  put(j, "snr_a_db", f.snr_a_db);
  put(j, "dynamic_range_db", f.dynamic_range_db);
  put(j, "dynamic_range_a_db", f.dynamic_range_a_db);
  // Channel 0's spectra are the load's (`spectrum`, `noise_spectrum`); every other channel carries its own.
  if (f.channel != 0) {
    j["spectrum"] = spectrum_json(f.spectrum_dbfs, "sine", l.spectrum_bin_hz);
    j["noise_spectrum"] = spectrum_json(f.noise_spectrum_dbfs, "density_per_hz", l.noise_spectrum_bin_hz);
  }
}

// Each channel's response into a load (both channels driven in phase): gain at 1 kHz, deviation, and relative_db
// at the frequencies of the load's response.points (one sweep, one grid).
json load_channels_json(const LoadResult& l) {
  json out = json::array();
  for (const auto& c : l.channel_responses) {
    json j = {{"channel", c.channel}, {"valid", c.response.valid}};
    if (!c.response.valid) {
      j["problem"] = c.response.reason;
      out.push_back(j);
      continue;
    }
    j["gain_1k_db"] = finite_or_null(c.response.gain_1k_db);
    put(j, "response_deviation_20_20k_db", c.response_deviation_db);
    put(j, "response_deviation_wide_db", c.response_deviation_wide_db);
    json rel = json::array();
    for (const auto& p : c.response.points) rel.push_back(finite_or_null(p.relative_db));
    j["relative_db"] = rel;
    for (const auto& f : l.channel_figures)
      if (f.channel == c.channel) channel_figures_json(f, l, j);
    out.push_back(j);
  }
  return out;
}

// Each channel's output impedance (both driven in phase) and its ground-return figures.
json port_channels_json(const PortResult& p) {
  json out = json::array();
  for (const auto& c : p.channels) {
    json j = {{"channel", c.channel}, {"impedance", impedance_points_json(c.impedance)}};
    put(j, "z_1k_ohms", c.z_1k_ohms);
    put(j, "z_20hz_ohms", c.z_20hz_ohms);
    put(j, "max_z_20_20k_ohms", c.max_zout_ohms);
    put(j, "z_1k_u95_ohms", c.z_1k_u95_ohms);
    put(j, "z_20hz_u95_ohms", c.z_20hz_u95_ohms);
    put(j, "max_z_20_20k_u95_ohms", c.max_zout_u95_ohms);
    put(j, "z_1k_alone_ohms", c.z_1k_alone_ohms);
    put(j, "ground_return_ohms", c.ground_return_ohms);
    out.push_back(j);
  }
  return out;
}

// A crosstalk point; a figure that is an upper bound says so (its _bound flag), a missing reading is null.
json crosstalk_json(const LoadResult::Crosstalk& x) {
  return {{"freq_hz", x.freq_hz},
          {"l_to_r_db", finite_or_null(x.l_to_r_db)},
          {"r_to_l_db", finite_or_null(x.r_to_l_db)},
          {"l_to_r_bound", x.l_to_r_bound},
          {"r_to_l_bound", x.r_to_l_bound}};
}

json load_json(const LoadResult& l) {
  json j;
  j["load"] = l.load_name;
  j["load_ohms"] = ohms(l.load_ohms);
  if (!l.load_description.empty()) j["load_network"] = l.load_description;
  j["lead_ohms"] = l.lead_ohms;
  j["valid"] = l.valid;
  if (!l.valid) {
    j["problem"] = l.problem;
    return j;
  }
  json resp = response_json(l.response);
  j["response"] = resp;
  put(j, "response_deviation_20_20k_db", l.response_deviation_db);
  put(j, "response_deviation_wide_db", l.response_deviation_wide_db);
  j["channels"] = load_channels_json(l);
  j["thdn_reference"] = thdn_json(l.thdn_ref);
  json ch = json::array();
  for (const auto& c : l.channels_ref)
    ch.push_back({{"channel", c.channel}, {"level_dbfs", c.level_dbfs}, {"thdn_db", c.thdn_db}});
  j["channels_reference"] = ch;
  put(j, "balance_db", l.balance_db);
  j["thdn_vs_level"] = steps_json(l.thdn_vs_level);
  j["max_level"] = max_level_json(l.max_level);
  j["noise"] = noise_json(l);
  j["noise_under_tone"] = opt_pair_json({{"unweighted_dbfs", l.noise_tone_dbfs},
                                         {"a_weighted_dbfs", l.noise_tone_a_dbfs},
                                         {"unweighted_dbv", l.noise_tone_dbv},
                                         {"a_weighted_dbv", l.noise_tone_a_dbv}});
  if (!l.worse_channel.empty()) j["worse_channel"] = l.worse_channel;
  j["mutes_on_silence"] = l.mutes_on_silence;
  j["dynamic_range_residual"] =
      opt_pair_json({{"unweighted_dbfs", l.dr_residual_dbfs}, {"a_weighted_dbfs", l.dr_residual_a_dbfs}});
  if (l.mute_undecided) j["mute_undecided"] = true;
  if (const json fl = floor_json(l.floor, l, l.mutes_on_silence); !fl.empty()) j["floor"] = fl;
  put(j, "reference_below_input_fs_db", l.ref_below_input_fs_db);
  put(j, "dynamic_range_db", l.dynamic_range_db);
  put(j, "dynamic_range_a_db", l.dynamic_range_a_db);
  put(j, "snr_db", l.snr_db);
  put(j, "snr_a_db", l.snr_a_db);
  if (l.switch_check)
    j["switch_check"] = {{"measured_db", l.switch_check->measured_db},
                         {"predicted_db", l.switch_check->predicted_db},
                         {"resolution_db", l.switch_check->resolution_db},
                         {"status", check_status_id(l.switch_check->status)},
                         {"ok", l.switch_check->ok()}};
  if (l.agreement)
    j["zout_agreement"] = {{"z_1k_ohms", l.agreement->z_1k_ohms},
                           {"reference_ohms", l.agreement->reference_ohms},
                           {"resolution_ohms", l.agreement->resolution_ohms},
                           {"status", check_status_id(l.agreement->status)}};
  j["xruns"] = {{"captures_flagged", l.xrun_captures}, {"captures_retried", l.retried_captures}};
  j["drives_dbfs"] = {{"reference", l.reference_drive_dbfs},
                      {"dynamic_range", l.dynamic_range_drive_dbfs},
                      {"cap", finite_or_null(l.drive_cap_dbfs)},
                      {"cap_limit", l.drive_cap_limit}};
  json xt = json::array();
  for (const auto& x : l.crosstalk) xt.push_back(crosstalk_json(x));
  j["crosstalk"] = xt;
  json al = json::array();
  for (const auto& a : l.at_levels) {
    json ja = {{"what", a.what}, {"drive_dbfs", a.drive_dbfs}, {"out_vrms", a.out_vrms}, {"thdn", thdn_json(a.thdn)}};
    if (!a.channels.empty()) ja["channel"] = a.channel;
    for (const auto& c : a.channels)
      ja["channels"].push_back({{"channel", c.channel},
                                {"drive_dbfs", c.drive_dbfs},
                                {"out_vrms", c.out_vrms},
                                {"thdn", thdn_json(c.thdn)}});
    al.push_back(ja);
  }
  j["at_levels"] = al;
  j["spectrum"] = spectrum_json(l.spectrum_dbfs, "sine", l.spectrum_bin_hz);
  j["noise_spectrum"] = spectrum_json(l.noise_spectrum_dbfs, "density_per_hz", l.noise_spectrum_bin_hz);
  return j;
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
    put(jt, "thdn_db", t.thdn_db);
    put(jt, "level_dbfs", t.level_dbfs);
    if (t.valid()) {
      put(jt, "thd_db", t.thd_db);
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
    put(jf, "noise_dbfs", f.noise_dbfs);
    put(jf, "noise_a_dbfs", f.noise_a_dbfs);
    put(jf, "input_full_scale_vrms", f.input_full_scale_vrms);
    if (!f.input_range.empty()) jf["input_range"] = f.input_range;
    put(jf, "loopback_drive_dbfs", f.loopback_drive_dbfs);
    put(jf, "loopback_thdn_db", f.loopback_thdn_db);
    put(jf, "loopback_residual_dbfs", f.loopback_residual_dbfs);
    for (const auto& c : f.channels)
      jf["channels"].push_back(opt_pair_json({{"noise_dbfs", c.noise_dbfs}, {"noise_a_dbfs", c.noise_a_dbfs}}));
    if (!f.note.empty()) jf["note"] = f.note;
    if (p.present) jp["analyser_floor"] = jf;
  }
  json loads = json::array();
  for (const auto& l : p.loads) loads.push_back(load_json(l));
  jp["loads"] = loads;
  json imp;
  imp["points"] = impedance_points_json(p.impedance);
  put(imp, "z_1k_ohms", p.z_1k_ohms);
  put(imp, "z_20hz_ohms", p.z_20hz_ohms);
  put(imp, "max_z_20_20k_ohms", p.max_zout_ohms);
  put(imp, "z_1k_u95_ohms", p.z_1k_u95_ohms);
  put(imp, "z_20hz_u95_ohms", p.z_20hz_u95_ohms);
  put(imp, "max_z_20_20k_u95_ohms", p.max_zout_u95_ohms);
  imp["loads_agree"] = p.loads_agree;
  imp["loads_switched"] = p.loads_switched;
  imp["agreement_note"] = p.agreement_note;
  json per = json::array();
  for (const auto& z : p.impedance_per_load) per.push_back(impedance_json(z));
  imp["per_load"] = per;
  jp["output_impedance"] = imp;
  jp["channels"] = port_channels_json(p);
  put(jp, "ground_return_ohms", p.ground_return_ohms);
  if (!p.ground_return_load.empty()) jp["ground_return_load"] = p.ground_return_load;
  if (!p.ground_return_note.empty()) jp["ground_return_note"] = p.ground_return_note;
  if (!p.headphones.empty()) {  // the responses predicted with real headphones, each channel's maximum too
    json hs = json::array();
    for (const auto& h : p.headphones) {
      json j = headphone_prediction_json(h.prediction), ch = json::array();
      for (const auto& c : h.channels) {
        ch.push_back({{"channel", c.channel}});
        put(ch.back(), "max_deviation_20_20k_db", c.max_deviation_db);
        put(ch.back(), "max_deviation_u95_db", c.max_deviation_u95_db);
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
    put(jr, "thdn_db", x.thdn_db);
    put(jr, "noise_dbv", x.noise_dbv);
    put(jr, "volume_db", x.volume_db);
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
