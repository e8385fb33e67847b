#include "reports/analysis_json.hpp"

#include <cmath>

namespace outbench {

using nlohmann::json;

json finite_or_null(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

json thdn_json(const ThdnResult& r) {
  json j;
  j["valid"] = r.valid;
  if (!r.valid) j["reason"] = r.reason;
  j["fundamental_hz"] = r.fundamental_hz;
  j["level_dbfs"] = finite_or_null(r.level_dbfs);
  j["thd_db"] = finite_or_null(r.thd_db);
  j["thd_percent"] = finite_or_null(r.thd_percent);
  j["harmonics_in_band"] = r.harmonics_in_band;
  j["thd_below_noise"] = r.thd_below_noise;
  j["thdn_db"] = finite_or_null(r.thdn_db);
  j["thdn_percent"] = finite_or_null(r.thdn_percent);
  j["noise_dbfs"] = finite_or_null(r.noise_dbfs);
  json h = json::array();
  for (const auto& x : r.harmonics)
    h.push_back({{"order", x.order},
                 {"freq_hz", x.freq_hz},
                 {"level_dbc", finite_or_null(x.level_dbc)},
                 {"in_band", x.in_band},
                 {"below_noise", x.below_noise}});
  j["harmonics"] = h;
  j["band_hz"] = {r.band_lo_hz, r.band_hi_hz};
  j["analysed"] = {{"start_frame", r.start_frame},
                   {"n_frames", r.n_frames},
                   {"segment_frames", r.segment_frames},
                   {"n_segments", r.n_segments},
                   {"bin_hz", r.bin_hz},
                   {"window", r.window},
                   {"exclusion_half_width_bins", kExclusionHalfWidthBins}};
  return j;
}

json response_json(const ResponseResult& r) {
  json j;
  j["valid"] = r.valid;
  if (!r.valid) j["reason"] = r.reason;
  j["latency_samples"] = r.latency_frames;
  j["latency_fraction_samples"] = r.latency_fraction;
  j["gain_1k_db"] = finite_or_null(r.gain_1k_db);
  j["sweep_band_hz"] = {r.sweep_lo_hz, r.sweep_hi_hz};
  j["gate_s"] = r.gate_s;
  j["sweep_l_s"] = r.sweep_l_s > 0 ? nlohmann::json(r.sweep_l_s) : nlohmann::json(nullptr);
  j["ir_peak_to_noise_db"] = r.ir_peak_to_noise_db;
  j["explained_fraction"] = r.explained_fraction;
  if (!r.harmonics_note.empty()) j["harmonics_note"] = r.harmonics_note;
  json pts = json::array();
  for (const auto& p : r.points)
    pts.push_back({{"freq_hz", p.freq_hz},
                   {"magnitude_db", finite_or_null(p.gain_db)},
                   {"relative_db", finite_or_null(p.relative_db)},
                   {"phase_deg", p.phase_deg},
                   {"group_delay_s", p.group_delay_s}});
  j["points"] = pts;
  json hs = json::array();
  for (const auto& h : r.harmonics) {
    json hp = json::array();
    for (const auto& p : h.points) hp.push_back({{"freq_hz", p.freq_hz}, {"level_dbc", finite_or_null(p.level_dbc)}});
    hs.push_back({{"order", h.order}, {"points", hp}});
  }
  j["harmonics"] = hs;
  return j;
}

namespace {
json z_json(const std::optional<std::complex<double>>& z) {
  if (!z) return nullptr;
  return {{"z_ohms", std::abs(*z)}, {"r_ohms", z->real()}, {"x_ohms", z->imag()}};
}
}  // namespace

json impedance_points_json(const std::vector<ImpedancePoint>& points) {
  json pts = json::array();
  for (const auto& p : points) {
    json j = {{"freq_hz", p.freq_hz},
              {"z_ohms", std::abs(p.z_ohms)},
              {"r_ohms", p.z_ohms.real()},
              {"x_ohms", p.z_ohms.imag()}};
    if (p.u95_ohms > 0) j["u95_ohms"] = p.u95_ohms;
    pts.push_back(j);
  }
  return pts;
}

json impedance_json(const ImpedanceResult& r) {
  json j;
  j["valid"] = r.valid;
  if (!r.valid) j["reason"] = r.reason;
  j["load_ohms"] = r.load_ohms;
  j["input_ohms"] = finite_or_null(r.input_ohms);
  j["at_1k"] = z_json(r.z_1k_ohms);
  j["at_20hz"] = z_json(r.z_20hz_ohms);
  if (r.z_1k_u95_ohms && r.z_1k_ohms) j["at_1k"]["u95_ohms"] = *r.z_1k_u95_ohms;
  if (r.z_20hz_u95_ohms && r.z_20hz_ohms) j["at_20hz"]["u95_ohms"] = *r.z_20hz_u95_ohms;
  j["points"] = impedance_points_json(r.points);
  return j;
}

}  // namespace outbench

namespace outbench {

void put_imd_figures(const ImdResult& r, nlohmann::json& j) {
  if (r.standard == ImdStandard::Smpte) {
    j["imd_db"] = finite_or_null(r.imd_db);
    j["imd_pct"] = finite_or_null(r.imd_pct);
  } else {
    j["d2_db"] = finite_or_null(r.d2_db);
    j["d2_pct"] = finite_or_null(r.d2_pct);
    j["d3_db"] = finite_or_null(r.d3_db);
    j["d3_pct"] = finite_or_null(r.d3_pct);
  }
}

nlohmann::json imd_json(const ImdResult& r) {
  nlohmann::json comps = nlohmann::json::array();
  for (const auto& c : r.components)
    comps.push_back({{"name", c.name},
                     {"freq_hz", c.freq_hz},
                     {"level_dbfs", c.in_band ? finite_or_null(c.level_dbfs) : nlohmann::json(nullptr)},
                     {"bound", c.bound},
                     {"in_band", c.in_band}});
  nlohmann::json j = {{"standard", imd_standard_name(r.standard)},
                      {"f1_hz", r.f1_hz},
                      {"f2_hz", r.f2_hz},
                      {"level_dbfs", finite_or_null(r.level_dbfs)},
                      {"bound", r.bound},
                      {"components", comps},
                      {"start_frame", r.start_frame},
                      {"n_frames", r.n_frames}};
  put_imd_figures(r, j);
  return j;
}

json headphone_prediction_json(const HeadphonePrediction& r) {
  json j = {{"id", r.id}, {"name", r.name}, {"source", r.source}};
  auto put = [&j](const char* key, std::optional<double> v) {
    if (v) j[key] = finite_or_null(*v);
  };
  put("level_1k_db", r.level_1k_db);
  put("max_deviation_20_20k_db", r.max_deviation_db);
  put("max_deviation_u95_db", r.max_deviation_u95_db);
  put("min_damping_factor", r.min_damping_factor);
  if (!r.problem.empty()) j["problem"] = r.problem;
  json pts = json::array();
  for (const auto& q : r.points)
    pts.push_back({{"freq_hz", q.freq_hz},
                   {"z_ohms", std::abs(q.z_headphone_ohms)},
                   {"phase_deg", std::arg(q.z_headphone_ohms) * 180.0 / M_PI},
                   {"level_db", finite_or_null(q.level_db)},
                   {"relative_db", finite_or_null(q.relative_db)},
                   {"damping_factor", finite_or_null(q.damping_factor)}});
  j["points"] = pts;
  return j;
}

}  // namespace outbench
