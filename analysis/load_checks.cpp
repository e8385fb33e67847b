#include "analysis/load_checks.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/units.hpp"

namespace outbench {

double parallel_ohms(double load_ohms, double input_ohms) {
  return std::isfinite(input_ohms) ? load_ohms * input_ohms / (load_ohms + input_ohms) : load_ohms;
}

bool is_informative(double zp_ohms, double zout_ohms) {
  return zp_ohms <= kInformativeRatio * std::max(zout_ohms, kMinZoutOhms);
}

std::optional<LoadEstimate> reference_zout(std::span<const LoadEstimate> estimates) {
  std::vector<LoadEstimate> zs;
  for (const auto& e : estimates)
    if (is_informative(e.zp_ohms, std::abs(e.z_ohms))) zs.push_back(e);
  if (zs.empty()) zs.assign(estimates.begin(), estimates.end());
  if (zs.empty()) return std::nullopt;
  std::sort(zs.begin(), zs.end(), [](const auto& a, const auto& b) { return std::abs(a.z_ohms) < std::abs(b.z_ohms); });
  return zs[zs.size() / 2];
}

std::complex<double> without_leads(std::complex<double> z_raw_ohms, double zp_ohms, double input_ohms, double lead_ohms,
                                   double open_lead_ohms) {
  if (!std::isfinite(input_ohms)) return z_raw_ohms - lead_ohms;
  const double zin = input_ohms, zp = zp_ohms;
  // The ratio the raw estimate came from (analysis/impedance.hpp, solved for r), then Zs from it with leads.
  const std::complex<double> r = zin * (zp + z_raw_ohms) / (zp * (z_raw_ohms + zin));
  return (zin * (lead_ohms + zp) - r * zp * (open_lead_ohms + zin)) / (r * zp - zin);
}

const char* check_status_id(CheckStatus s) {
  switch (s) {
    case CheckStatus::ok: return "ok";
    case CheckStatus::failed: return "failed";
    case CheckStatus::cannot_verify: return "cannot_verify";
  }
  return "failed";
}

double level_change_resolution_db(std::span<const LevelChangePoint> points, std::optional<double> tone_minus_sweep_db) {
  // Least-squares line of change_db against log2(f / 1 kHz) over the band; the residual RMS with n - 2 degrees
  // of freedom.
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  std::vector<std::pair<double, double>> xy;
  for (const auto& p : points) {
    const double x = std::log2(p.freq_hz / 1000.0);
    if (std::abs(x) > kResolutionBandOct || !std::isfinite(p.change_db)) continue;
    xy.emplace_back(x, p.change_db);
    n += 1;
    sx += x;
    sy += p.change_db;
    sxx += x * x;
    sxy += x * p.change_db;
  }
  double scatter_db = 0;
  if (n >= 4 && n * sxx - sx * sx > 0) {
    const double b = (n * sxy - sx * sy) / (n * sxx - sx * sx), a = (sy - b * sx) / n;
    double ss = 0;
    for (const auto& [x, y] : xy) ss += (y - a - b * x) * (y - a - b * x);
    scatter_db = std::sqrt(ss / (n - 2));
  }
  const double repeat_db = tone_minus_sweep_db ? *tone_minus_sweep_db : 0.0;
  return kResolutionCoverage * std::hypot(scatter_db, repeat_db);
}

SwitchCheck check_switch(const LoadEstimate& ref, double zp_ohms, double input_ohms, double measured_db,
                         double resolution_db) {
  const double zin = input_ohms, zp = zp_ohms;
  const std::complex<double> zref_ohms = ref.z_ohms;
  resolution_db += 20.0 / std::log(10.0) * ref.resolution_ohms / std::abs(zref_ohms + zp);
  const std::complex<double> ratio =
      std::isfinite(zin) ? zp * (zref_ohms + zin) / (zin * (zref_ohms + zp)) : zp / (zref_ohms + zp);
  SwitchCheck sc;
  sc.predicted_db = db_from_ratio(std::abs(ratio));
  sc.measured_db = measured_db;
  sc.resolution_db = resolution_db;
  if (std::abs(sc.predicted_db) <= resolution_db)
    sc.status = CheckStatus::cannot_verify;
  else
    sc.status = std::abs(sc.measured_db - sc.predicted_db) <=
                        std::max(resolution_db, kSwitchToleranceRel * std::abs(sc.predicted_db))
                    ? CheckStatus::ok
                    : CheckStatus::failed;
  return sc;
}

double estimate_resolution_ohms(std::complex<double> zref_ohms, double zp_ohms, double resolution_db) {
  return std::abs(zref_ohms + zp_ohms) * std::log(10.0) / 20.0 * resolution_db;
}

bool estimates_agree(double z_ohms, double zref_ohms, double resolution_ohms) {
  return std::abs(z_ohms - zref_ohms) <= kAgreeRel * zref_ohms + resolution_ohms;
}

CheckStatus agreement_status(double z_ohms, double zref_ohms, double resolution_ohms) {
  if (estimates_agree(0.0, zref_ohms, resolution_ohms)) return CheckStatus::cannot_verify;
  return estimates_agree(z_ohms, zref_ohms, resolution_ohms) ? CheckStatus::ok : CheckStatus::failed;
}

LoadsMoved check_loads_moved(double largest_move_db, double heaviest_zp_ohms) {
  LoadsMoved m;
  m.z_floor_ohms = heaviest_zp_ohms * (ratio_from_db(kNoSwitchDb) - 1.0);
  m.moved = largest_move_db > kNoSwitchDb;
  m.withdraw = !m.moved && m.z_floor_ohms <= kPlausibleZoutOhms;
  return m;
}

std::vector<std::optional<LimitFinding>> classify_output_limits(std::span<const LimitInput> loads) {
  std::vector<std::optional<LimitFinding>> out(loads.size());
  const LimitInput* open = nullptr;
  for (const auto& l : loads)
    if (l.valid && !std::isfinite(l.load_ohms) && l.max_vrms_1pct && l.emf_per_load_vrms) open = &l;
  if (!open) return out;
  const double open_emf = *open->max_vrms_1pct * *open->emf_per_load_vrms;
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const auto& l = loads[i];
    if (!l.valid || !std::isfinite(l.load_ohms) || !l.max_vrms_1pct || !l.emf_per_load_vrms ||
        !(l.reached_1pct || l.compressed))
      continue;
    LimitFinding f;
    f.emf_vrms = *l.max_vrms_1pct * *l.emf_per_load_vrms;
    f.open_emf_vrms = open_emf;
    f.open_clipped = open->reached_1pct;
    f.emf_below_open_db = db_from_ratio(f.emf_vrms / open_emf);
    f.peak_current_a = std::sqrt(2.0) * *l.max_vrms_1pct / l.load_ohms;
    if (f.emf_below_open_db < -kRailEmfMatchDb) {
      f.kind = LimitKind::current_limit;
      out[i] = f;
    } else if (l.reached_1pct && f.open_clipped && f.emf_below_open_db <= kRailEmfMatchDb) {
      f.kind = LimitKind::rail_clipping;
      out[i] = f;
    }
  }
  return out;
}

}  // namespace outbench
