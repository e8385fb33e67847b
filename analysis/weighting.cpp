#include "analysis/weighting.hpp"

#include <cmath>

namespace outbench {

double a_weighting_db(double freq_hz) {
  // IEC 61672-1 pole frequencies (Hz) and the +2.00 dB normalisation constant.
  constexpr double f1 = 20.598997, f2 = 107.65265, f3 = 737.86223, f4 = 12194.217;
  constexpr double a1000_db = 2.0;
  const double f2s = freq_hz * freq_hz;
  const double ra =
      (f4 * f4 * f2s * f2s) / ((f2s + f1 * f1) * std::sqrt((f2s + f2 * f2) * (f2s + f3 * f3)) * (f2s + f4 * f4));
  return 20.0 * std::log10(ra) + a1000_db;
}

double weighting_gain(Weighting w, double freq_hz) {
  if (w == Weighting::None) return 1.0;
  if (freq_hz <= 0) return 0.0;
  return std::pow(10.0, a_weighting_db(freq_hz) / 20.0);
}

}  // namespace outbench
