#include "analysis/impedance.hpp"

#include <cmath>
#include <string>

#include "analysis/log_interp.hpp"

namespace outbench {

std::complex<double> output_impedance(std::complex<double> h_open, std::complex<double> h_load, double load_ohms,
                                      double input_ohms) {
  const std::complex<double> r = h_open / h_load;
  if (!std::isfinite(input_ohms)) return load_ohms * (r - 1.0);
  const double zp = load_ohms * input_ohms / (load_ohms + input_ohms);
  return input_ohms * zp * (1.0 - r) / (r * zp - input_ohms);
}

std::complex<double> output_impedance(std::complex<double> h_open, std::complex<double> h_load,
                                      std::complex<double> load_ohms, std::complex<double> input_ohms) {
  if (load_ohms.imag() == 0.0 && input_ohms.imag() == 0.0)
    return output_impedance(h_open, h_load, load_ohms.real(), input_ohms.real());
  const std::complex<double> r = h_open / h_load;
  if (!std::isfinite(input_ohms.real())) return load_ohms * (r - 1.0);
  const std::complex<double> zp = load_ohms * input_ohms / (load_ohms + input_ohms);
  return input_ohms * zp * (1.0 - r) / (r * zp - input_ohms);
}

std::optional<std::complex<double>> ground_return_ohms(std::complex<double> z_both, std::complex<double> z_alone,
                                                       std::complex<double> k_both, std::complex<double> k_alone) {
  const std::complex<double> dk = k_both - k_alone;
  if (!(std::abs(dk) >= 0.1)) return std::nullopt;
  return (z_both - z_alone) / dk;
}

ImpedanceResult output_impedance(const ResponseResult& open, const ResponseResult& loaded, double load_ohms,
                                 double input_ohms) {
  FrequencyImpedance zl, zin;
  zl.ohms = load_ohms;
  zin.ohms = input_ohms;
  return output_impedance(open, loaded, zl, zin);
}

double parallel_magnitude_ohms(const ImpedanceResult& r, double freq_hz) {
  if (r.load_z.resistive() && r.input_z.resistive())
    return std::isfinite(r.input_ohms) ? r.load_ohms * r.input_ohms / (r.load_ohms + r.input_ohms) : r.load_ohms;
  const auto zl = r.load_z.at(freq_hz), zin = r.input_z.at(freq_hz);
  return std::isfinite(zin.real()) ? std::abs(zl * zin / (zl + zin)) : std::abs(zl);
}

ImpedanceResult output_impedance(const ResponseResult& open, const ResponseResult& loaded,
                                 const FrequencyImpedance& load, const FrequencyImpedance& input) {
  ImpedanceResult res;
  res.load_z = load;
  res.input_z = input;
  res.load_ohms = load.resistive() ? load.ohms : std::abs(load.at(1000.0));
  res.input_ohms = input.resistive() ? input.ohms : std::abs(input.at(1000.0));
  const double load_ohms = res.load_ohms, input_ohms = res.input_ohms;
  if (!open.valid || !loaded.valid) {
    res.reason =
        !open.valid ? "open-load response invalid: " + open.reason : "loaded response invalid: " + loaded.reason;
    return res;
  }
  if (!(load_ohms > 0) || !std::isfinite(load_ohms)) {
    res.reason = "the load must be a finite positive resistance (an open load shows no output impedance), not " +
                 std::to_string(load_ohms) + " ohm";
    return res;
  }
  if (!(input_ohms > 0)) {
    res.reason = "the loopback input's impedance must be positive (infinite for an ideal input), not " +
                 std::to_string(input_ohms) + " ohm";
    return res;
  }
  for (const auto& p : open.points) {
    const auto hl = response_at(loaded.points, p.freq_hz);
    if (!hl || std::abs(*hl) == 0.0) continue;
    const auto z = output_impedance(p.h, *hl, load.at(p.freq_hz), input.at(p.freq_hz));
    if (!std::isfinite(z.real()) || !std::isfinite(z.imag())) {
      res.points.clear();
      res.reason = "the output impedance at " + std::to_string(p.freq_hz) +
                   " Hz is not finite (the loaded and open responses cannot be divided there)";
      return res;
    }
    res.points.push_back({p.freq_hz, z});
  }
  if (res.points.empty()) {
    res.reason = "the two responses share no frequencies";
    return res;
  }
  res.z_1k_ohms = impedance_at(res.points, 1000.0);
  res.z_20hz_ohms = impedance_at(res.points, 20.0);
  res.valid = true;
  return res;
}

std::optional<std::complex<double>> impedance_at(const std::vector<ImpedancePoint>& pts, double freq_hz) {
  return interpolate_log_freq(pts, freq_hz, &ImpedancePoint::z_ohms);
}

double max_abs_impedance_ohms(const std::vector<ImpedancePoint>& pts, double lo_hz, double hi_hz) {
  double m = 0;
  for (const auto& p : pts)
    if (p.freq_hz >= lo_hz && p.freq_hz <= hi_hz) m = std::max(m, std::abs(p.z_ohms));
  for (const double edge_hz : {lo_hz, hi_hz})
    if (const auto z = impedance_at(pts, edge_hz)) m = std::max(m, std::abs(*z));
  return m;
}

std::optional<std::complex<double>> input_impedance_from_series(std::complex<double> h_direct,
                                                                std::complex<double> h_series, double series_ohms,
                                                                double source_ohms) {
  if (std::abs(h_series) == 0.0) return std::nullopt;
  const std::complex<double> km1 = h_direct / h_series - 1.0;
  if (!(km1.real() > 0)) return std::nullopt;
  return series_ohms / km1 - source_ohms;
}

double combine_weight(std::complex<double> z_ohms, const ImpedanceResult& r, double freq_hz) {
  const double zp = parallel_magnitude_ohms(r, freq_hz);
  const double m = std::abs(z_ohms);
  return std::pow(m / (m + zp), 2) + 1e-30;
}

std::vector<ImpedancePoint> combine_impedance(const std::vector<ImpedanceResult>& per_load) {
  std::vector<ImpedancePoint> out;
  const ImpedanceResult* first = nullptr;
  for (const auto& r : per_load)
    if (r.valid) {
      first = &r;
      break;
    }
  if (!first) return out;
  for (std::size_t i = 0; i < first->points.size(); ++i) {
    const double f = first->points[i].freq_hz;
    std::complex<double> sum = 0;
    double wsum = 0;
    for (const auto& r : per_load) {
      if (!r.valid) continue;
      const auto z = impedance_at(r.points, f);
      if (!z) continue;
      const double w = combine_weight(*z, r, f);
      sum += w * *z;
      wsum += w;
    }
    if (wsum > 0) out.push_back({f, sum / wsum});
  }
  return out;
}

}  // namespace outbench
