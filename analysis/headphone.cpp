#include "analysis/headphone.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "analysis/log_interp.hpp"

namespace outbench {

namespace {

constexpr double kPointsPerOctave = 24.0;

double db_of(std::complex<double> h) {
  return 20.0 * std::log10(std::abs(h));
}

// 20 log10 |Zhp/(Zhp + Zout)|; -inf for a headphone of 0 ohm.
double divider_db(std::complex<double> zhp, std::complex<double> zout) {
  return db_of(zhp / (zhp + zout));
}

// The frequencies of the prediction: kPointsPerOctave per octave from lo_hz, and hi_hz itself.
std::vector<double> band_grid(double lo_hz, double hi_hz) {
  std::vector<double> f;
  const int n = static_cast<int>(std::floor(std::log2(hi_hz / lo_hz) * kPointsPerOctave + 1e-9));
  for (int i = 0; i <= n; ++i) f.push_back(lo_hz * std::exp2(i / kPointsPerOctave));
  if (f.empty() || f.back() < hi_hz * (1 - 1e-12)) f.push_back(hi_hz);
  return f;
}

// Zout scaled to |Zout| + s*u95 (phase kept, magnitude not below 0).
std::complex<double> moved(std::complex<double> z, double u95, double s) {
  const double m = std::abs(z);
  if (m == 0.0) return {std::max(0.0, s * u95), 0.0};
  return z * (std::max(0.0, m + s * u95) / m);
}

// max |level(f) - level(1 kHz)| over the grid for Zout moved by s * u95 at every point.
double max_deviation(const std::vector<HeadphonePoint>& pts, const std::vector<std::complex<double>>& zout,
                     const std::vector<double>& u95, std::complex<double> zhp_1k, std::complex<double> zout_1k,
                     double u95_1k, double s) {
  const double ref = divider_db(zhp_1k, moved(zout_1k, u95_1k, s));
  double m = 0;
  for (std::size_t i = 0; i < pts.size(); ++i)
    m = std::max(m, std::abs(divider_db(pts[i].z_headphone_ohms, moved(zout[i], u95[i], s)) - ref));
  return m;
}

}  // namespace

std::optional<std::complex<double>> HeadphoneModel::z_at(double freq_hz) const {
  if (network) return network_impedance(*network, freq_hz);
  return impedance_at(curve, freq_hz);
}

HeadphonePrediction predict_headphone(const std::vector<ImpedancePoint>& zout, const HeadphoneModel& hp, double lo_hz,
                                      double hi_hz) {
  HeadphonePrediction r;
  r.id = hp.id;
  r.name = hp.name;
  r.source = hp.source;
  const auto zo_1k = impedance_at(zout, 1000.0);
  const auto zh_1k = hp.z_at(1000.0);
  const auto u_1k = interpolate_log_freq(zout, 1000.0, &ImpedancePoint::u95_ohms);
  if (!zo_1k || !zh_1k) {
    r.problem =
        !zo_1k ? "the output impedance was not measured at 1 kHz" : "the headphone's curve does not reach 1 kHz";
    return r;
  }
  const double ref_db = divider_db(*zh_1k, *zo_1k);
  r.level_1k_db = ref_db;
  std::vector<std::complex<double>> zs;
  std::vector<double> us;
  bool have_u95 = u_1k && *u_1k > 0;
  double max_dev = 0, min_df = std::numeric_limits<double>::infinity();
  for (const double f : band_grid(lo_hz, hi_hz)) {
    const auto zo = impedance_at(zout, f);
    const auto zh = hp.z_at(f);
    if (!zo || !zh) continue;
    HeadphonePoint p;
    p.freq_hz = f;
    p.z_headphone_ohms = *zh;
    p.level_db = divider_db(*zh, *zo);
    p.relative_db = p.level_db - ref_db;
    p.damping_factor = std::abs(*zh) / std::abs(*zo);
    max_dev = std::max(max_dev, std::abs(p.relative_db));
    min_df = std::min(min_df, p.damping_factor);
    const auto u = interpolate_log_freq(zout, f, &ImpedancePoint::u95_ohms);
    have_u95 = have_u95 && u && *u > 0;
    zs.push_back(*zo);
    us.push_back(u.value_or(0.0));
    r.points.push_back(p);
  }
  if (r.points.empty()) {
    r.problem = "neither the output impedance nor the headphone covers 20 Hz-20 kHz";
    return r;
  }
  r.max_deviation_db = max_dev;
  r.min_damping_factor = min_df;
  if (have_u95) {
    const double up = max_deviation(r.points, zs, us, *zh_1k, *zo_1k, *u_1k, 1.0);
    const double down = max_deviation(r.points, zs, us, *zh_1k, *zo_1k, *u_1k, -1.0);
    r.max_deviation_u95_db = std::max(std::abs(up - max_dev), std::abs(down - max_dev));
  }
  return r;
}

}  // namespace outbench
