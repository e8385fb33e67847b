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

std::optional<std::complex<double>> reference_zout(std::span<const LoadEstimate> estimates) {
  std::vector<std::complex<double>> zs;
  for (const auto& e : estimates)
    if (is_informative(e.zp_ohms, std::abs(e.z_ohms))) zs.push_back(e.z_ohms);
  if (zs.empty()) return std::nullopt;
  std::sort(zs.begin(), zs.end(), [](auto a, auto b) { return std::abs(a) < std::abs(b); });
  return zs[zs.size() / 2];
}

std::optional<SwitchCheck> check_switch(std::complex<double> zref_ohms, double zp_ohms, double input_ohms,
                                        double measured_db) {
  if (!is_informative(zp_ohms, std::abs(zref_ohms))) return std::nullopt;
  const double zin = input_ohms, zp = zp_ohms;
  const std::complex<double> ratio =
      std::isfinite(zin) ? zp * (zref_ohms + zin) / (zin * (zref_ohms + zp)) : zp / (zref_ohms + zp);
  SwitchCheck sc;
  sc.predicted_db = db_from_ratio(std::abs(ratio));
  sc.measured_db = measured_db;
  sc.ok = std::abs(sc.measured_db - sc.predicted_db) <=
          std::max(kSwitchToleranceDb, kSwitchToleranceRel * std::abs(sc.predicted_db));
  return sc;
}

bool estimates_agree(double z_ohms, double zref_ohms) {
  return std::abs(z_ohms - zref_ohms) <= kAgreeRel * zref_ohms + kAgreeAbsOhms;
}

LoadsMoved check_loads_moved(double largest_move_db, double heaviest_zp_ohms) {
  LoadsMoved m;
  m.z_floor_ohms = heaviest_zp_ohms * (ratio_from_db(kNoSwitchDb) - 1.0);
  m.moved = largest_move_db > kNoSwitchDb;
  m.withdraw = !m.moved && m.z_floor_ohms <= kPlausibleZoutOhms;
  return m;
}

std::vector<std::optional<CurrentLimit>> classify_current_limits(std::span<const LimitInput> loads) {
  double hi_vrms = 0;
  for (const auto& l : loads)
    if (l.valid && l.load_ohms >= kHighImpedanceOhms && l.max_vrms_1pct) hi_vrms = std::max(hi_vrms, *l.max_vrms_1pct);
  std::vector<std::optional<CurrentLimit>> out(loads.size());
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const auto& l = loads[i];
    if (!l.valid || !l.max_vrms_1pct || hi_vrms <= 0 || l.load_ohms >= kHighImpedanceOhms) continue;
    if (l.stopped_by_distortion && *l.max_vrms_1pct < kCurrentLimitFraction * hi_vrms)
      out[i] = CurrentLimit{std::sqrt(2.0) * *l.max_vrms_1pct / l.load_ohms, db_from_ratio(*l.max_vrms_1pct / hi_vrms)};
  }
  return out;
}

}  // namespace outbench
