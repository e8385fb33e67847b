#include "analysis/impedance_uncertainty.hpp"

#include <cmath>

#include "analysis/log_interp.hpp"

namespace outbench {

namespace {

const double kSqrt3 = std::sqrt(3.0);

// The input impedance's term alone (common to every load of a port).
double input_term_ohms(std::complex<double> z, double input_ohms, const ImpedanceTolerances& tol) {
  if (!std::isfinite(input_ohms)) return 0.0;
  return std::abs(z * z / input_ohms) * tol.input_tolerance_pct / 100.0 / kSqrt3;
}

// The same for the result `r` at freq_hz (its input's Zin(f) when not resistive).
double input_term_ohms(std::complex<double> z, const ImpedanceResult& r, double freq_hz,
                       const ImpedanceTolerances& tol) {
  if (r.input_z.resistive()) return input_term_ohms(z, r.input_ohms, tol);
  const auto zin = r.input_z.at(freq_hz);
  if (!std::isfinite(zin.real())) return 0.0;
  return std::abs(z * z / zin) * tol.input_tolerance_pct / 100.0 / kSqrt3;
}

}  // namespace

ImpedanceUncertainty impedance_uncertainty(std::complex<double> z_ohms, double load_ohms, double input_ohms,
                                           const ImpedanceTolerances& tol, double statistical_ohms) {
  ImpedanceUncertainty u;
  const std::complex<double> zin_term = std::isfinite(input_ohms) ? z_ohms / input_ohms : 0.0;
  u.load_ohms = std::abs(z_ohms * (1.0 + zin_term)) * tol.load_tolerance_pct / 100.0 / kSqrt3;
  u.input_ohms = input_term_ohms(z_ohms, input_ohms, tol);
  u.lead_ohms = tol.lead_uncertainty_ohms / kSqrt3;
  u.statistical_ohms = statistical_ohms;
  (void)load_ohms;  // the load enters through the estimate itself (dZ/Z = (1 + Z/Zin) dRl/Rl)
  u.u95_ohms = 2.0 * std::sqrt(u.load_ohms * u.load_ohms + u.input_ohms * u.input_ohms + u.lead_ohms * u.lead_ohms +
                               u.statistical_ohms * u.statistical_ohms);
  return u;
}

ImpedanceUncertainty impedance_uncertainty(std::complex<double> z_ohms, std::complex<double> input_ohms,
                                           const ImpedanceTolerances& tol, double statistical_ohms) {
  if (input_ohms.imag() == 0.0) return impedance_uncertainty(z_ohms, 0.0, input_ohms.real(), tol, statistical_ohms);
  ImpedanceUncertainty u;
  const std::complex<double> zin_term = std::isfinite(input_ohms.real()) ? z_ohms / input_ohms : 0.0;
  u.load_ohms = std::abs(z_ohms * (1.0 + zin_term)) * tol.load_tolerance_pct / 100.0 / kSqrt3;
  u.input_ohms = std::isfinite(input_ohms.real())
                     ? std::abs(z_ohms * z_ohms / input_ohms) * tol.input_tolerance_pct / 100.0 / kSqrt3
                     : 0.0;
  u.lead_ohms = tol.lead_uncertainty_ohms / kSqrt3;
  u.statistical_ohms = statistical_ohms;
  u.u95_ohms = 2.0 * std::sqrt(u.load_ohms * u.load_ohms + u.input_ohms * u.input_ohms + u.lead_ohms * u.lead_ohms +
                               u.statistical_ohms * u.statistical_ohms);
  return u;
}

double impedance_scatter_ohms(const std::vector<ImpedancePoint>& pts, std::size_t i, double half_width_oct) {
  if (i >= pts.size() || !(std::abs(pts[i].z_ohms) > 0)) return 0.0;
  double sum = 0;
  int n = 0;
  for (std::size_t k = 1; k + 1 < pts.size(); ++k) {
    if (std::abs(std::log2(pts[k].freq_hz / pts[i].freq_hz)) > half_width_oct) continue;
    const double a = std::abs(pts[k - 1].z_ohms), b = std::abs(pts[k].z_ohms), c = std::abs(pts[k + 1].z_ohms);
    if (!(a > 0 && b > 0 && c > 0)) continue;
    // Second difference of ln|z| on a (possibly uneven) log-frequency grid, scaled to an even grid's.
    const double h1 = std::log(pts[k].freq_hz / pts[k - 1].freq_hz), h2 = std::log(pts[k + 1].freq_hz / pts[k].freq_hz);
    if (!(h1 > 0 && h2 > 0)) continue;
    const double d2 =
        (std::log(c) - std::log(b)) * 2 * h1 / (h1 + h2) - (std::log(b) - std::log(a)) * 2 * h2 / (h1 + h2);
    sum += d2 * d2;
    ++n;
  }
  if (n < 1) return 0.0;
  return std::abs(pts[i].z_ohms) * std::sqrt(sum / n / 6.0);
}

void add_uncertainty(ImpedanceResult& r, const ImpedanceTolerances& tol) {
  if (!r.valid) return;
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    const double stat = impedance_scatter_ohms(r.points, i);
    r.points[i].u95_ohms =
        r.input_z.resistive()
            ? impedance_uncertainty(r.points[i].z_ohms, r.load_ohms, r.input_ohms, tol, stat).u95_ohms
            : impedance_uncertainty(r.points[i].z_ohms, r.input_z.at(r.points[i].freq_hz), tol, stat).u95_ohms;
  }
  r.z_1k_u95_ohms = u95_at(r.points, 1000.0);
  r.z_20hz_u95_ohms = u95_at(r.points, 20.0);
}

std::vector<ImpedancePoint> combine_impedance_with_uncertainty(const std::vector<ImpedanceResult>& per_load,
                                                               const std::vector<ImpedanceTolerances>& tols) {
  auto out = combine_impedance(per_load);
  for (auto& p : out) {
    double wsum = 0, var_independent = 0, common = 0;
    std::vector<double> w(per_load.size(), 0.0), u_ind(per_load.size(), 0.0), u_in(per_load.size(), 0.0);
    for (std::size_t i = 0; i < per_load.size() && i < tols.size(); ++i) {
      const auto& r = per_load[i];
      if (!r.valid) continue;
      const auto z = impedance_at(r.points, p.freq_hz);
      const auto u95 = u95_at(r.points, p.freq_hz);
      if (!z || !u95) continue;
      w[i] = combine_weight(*z, r, p.freq_hz);
      wsum += w[i];
      u_in[i] = input_term_ohms(*z, r, p.freq_hz, tols[i]);
      const double u = *u95 / 2.0;
      u_ind[i] = std::sqrt(std::max(0.0, u * u - u_in[i] * u_in[i]));
    }
    if (!(wsum > 0)) continue;
    for (std::size_t i = 0; i < per_load.size(); ++i) {
      const double wi = w[i] / wsum;
      var_independent += wi * wi * u_ind[i] * u_ind[i];
      common += wi * u_in[i];
    }
    p.u95_ohms = 2.0 * std::sqrt(var_independent + common * common);
  }
  return out;
}

std::optional<double> u95_at(const std::vector<ImpedancePoint>& pts, double freq_hz) {
  return interpolate_log_freq(pts, freq_hz, &ImpedancePoint::u95_ohms);
}

MaxImpedance max_abs_impedance(const std::vector<ImpedancePoint>& pts, double lo_hz, double hi_hz) {
  MaxImpedance m;
  for (const auto& p : pts)
    if (p.freq_hz >= lo_hz && p.freq_hz <= hi_hz && std::abs(p.z_ohms) > m.z_ohms) m = {std::abs(p.z_ohms), p.u95_ohms};
  for (const double edge_hz : {lo_hz, hi_hz})
    if (const auto z = impedance_at(pts, edge_hz); z && std::abs(*z) > m.z_ohms)
      m = {std::abs(*z), u95_at(pts, edge_hz).value_or(0.0)};
  return m;
}

}  // namespace outbench
