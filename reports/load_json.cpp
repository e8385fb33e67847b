#include "reports/load_json.hpp"

#include <cmath>

#include "analysis/distortion.hpp"
#include "analysis/windows.hpp"
#include "reports/analysis_json.hpp"
#include "reports/json_put.hpp"

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
  j["crossed"] = p.crossed;
  j["drive_dbfs"] = p.drive_dbfs;
  j["out_dbfs"] = p.out_dbfs;
  put_optional(j, "vrms", p.vrms);
  put_optional(j, "dbv", p.dbv);
  put_optional(j, "dbu", p.dbu);
  put_optional(j, "mw", p.mw);
  return j;
}

json steps_json(const std::vector<LevelStep>& steps) {
  json out = json::array();
  for (const auto& s : steps) {
    json st = {{"drive_dbfs", s.drive_dbfs}, {"valid", s.valid()}};
    put_optional(st, "out_dbfs", s.out_dbfs);
    put_optional(st, "thdn_db", s.thdn_db);
    put_optional(st, "thd_db", s.thd_db);
    put_optional(st, "out_vrms", s.out_vrms);
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
  put_optional(j, "unweighted_dbv", f.noise_dbv);
  put_optional(j, "a_weighted_dbv", f.noise_a_dbv);
  put_optional(j, "out_of_band_dbfs", f.noise_oob_dbfs);
  put_optional(j, "out_of_band_dbv", f.noise_oob_dbv);
  return j;
}

// The figures a load and each of its channels carry under the same names (LoadResult, ChannelFigures).
template <class Figures>
void figures_json(const Figures& f, bool mutes_on_silence, json& j) {
  if (const json fl = floor_json(f.floor, f, mutes_on_silence); !fl.empty()) j["floor"] = fl;
  j["thdn_reference"] = thdn_json(f.thdn_ref);
  j["noise"] = noise_json(f);
  j["noise_under_tone"] = optional_fields_json({{"unweighted_dbfs", f.noise_tone_dbfs},
                                                {"a_weighted_dbfs", f.noise_tone_a_dbfs},
                                                {"unweighted_dbv", f.noise_tone_dbv},
                                                {"a_weighted_dbv", f.noise_tone_a_dbv}});
  j["dynamic_range_residual"] =
      optional_fields_json({{"unweighted_dbfs", f.dr_residual_dbfs}, {"a_weighted_dbfs", f.dr_residual_a_dbfs}});
  j["thdn_vs_level"] = steps_json(f.thdn_vs_level);
  j["max_level"] = max_level_json(f.max_level);
  put_optional(j, "snr_db", f.snr_db);
  put_optional(j, "snr_a_db", f.snr_a_db);
  put_optional(j, "dynamic_range_db", f.dynamic_range_db);
  put_optional(j, "dynamic_range_a_db", f.dynamic_range_a_db);
}

// One channel's figures (LoadResult::channel_figures) merged into its loads[].channels[] entry.
void channel_figures_json(const ChannelFigures& f, const LoadResult& l, json& j) {
  figures_json(f, l.mutes_on_silence, j);
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
    put_optional(j, "response_deviation_20_20k_db", c.response_deviation_db);
    put_optional(j, "response_deviation_wide_db", c.response_deviation_wide_db);
    json rel = json::array();
    for (const auto& p : c.response.points) rel.push_back(finite_or_null(p.relative_db));
    j["relative_db"] = rel;
    for (const auto& f : l.channel_figures)
      if (f.channel == c.channel) channel_figures_json(f, l, j);
    out.push_back(j);
  }
  return out;
}

}  // namespace

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
  put_optional(j, "response_deviation_20_20k_db", l.response_deviation_db);
  put_optional(j, "response_deviation_wide_db", l.response_deviation_wide_db);
  j["channels"] = load_channels_json(l);
  figures_json(l, l.mutes_on_silence, j);  // (nlohmann::json orders an object's keys by name)
  json ch = json::array();
  for (const auto& c : l.channels_ref)
    ch.push_back({{"channel", c.channel}, {"level_dbfs", c.level_dbfs}, {"thdn_db", c.thdn_db}});
  j["channels_reference"] = ch;
  put_optional(j, "balance_db", l.balance_db);
  if (!l.worse_channel.empty()) j["worse_channel"] = l.worse_channel;
  j["mutes_on_silence"] = l.mutes_on_silence;
  if (l.mute_undecided) j["mute_undecided"] = true;
  put_optional(j, "reference_below_input_fs_db", l.ref_below_input_fs_db);
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

}  // namespace outbench
