#include "measure/engine/spectra.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/distortion.hpp"
#include "analysis/units.hpp"

namespace outbench::engine {

std::vector<double> decimated_spectrum_dbfs(const std::vector<double>& x, double rate_hz) {
  const PowerSpectrum ps = power_spectrum(x, rate_hz);
  std::vector<double> out;
  const double step = std::pow(2.0, 1.0 / 48);
  for (double f = 10.0; f < rate_hz / 2; f *= step) {
    const auto a = static_cast<std::size_t>(f / ps.bin_hz), b = static_cast<std::size_t>(f * step / ps.bin_hz);
    double m = 0;
    for (std::size_t k = a; k <= std::min(b, ps.ms.size() - 1); ++k) m = std::max(m, ps.ms[k]);
    out.push_back(dbfs_from_mean_square(std::max(m, 1e-30)));
  }
  return out;
}

}  // namespace outbench::engine
