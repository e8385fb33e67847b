// Reading response curves: the complex response at any frequency (log-frequency interpolation), the largest
// deviation over a closed band, fractional-octave smoothing.
#include <algorithm>
#include <cmath>

#include "analysis/log_interp.hpp"
#include "analysis/response.hpp"

namespace outbench {

std::optional<std::complex<double>> response_at(const std::vector<ResponsePoint>& pts, double freq_hz) {
  return interpolate_log_freq(pts, freq_hz, &ResponsePoint::h);
}

double max_abs_relative_db(const std::vector<ResponsePoint>& pts, double lo_hz, double hi_hz) {
  double m = 0;
  for (const auto& p : pts)
    if (p.freq_hz >= lo_hz && p.freq_hz <= hi_hz) m = std::max(m, std::abs(p.relative_db));
  for (const double edge_hz : {lo_hz, hi_hz})
    if (const auto v = interpolate_log_freq(pts, edge_hz, &ResponsePoint::relative_db)) m = std::max(m, std::abs(*v));
  return m;
}

std::vector<double> smooth_fractional_octave(std::span<const double> freqs_hz, std::span<const double> gain_db,
                                             double fraction_n) {
  std::vector<double> out(freqs_hz.size());
  const double half = std::pow(2.0, 0.5 / fraction_n);
  for (std::size_t i = 0; i < freqs_hz.size(); ++i) {
    double sum = 0;
    int cnt = 0;
    for (std::size_t j = 0; j < freqs_hz.size(); ++j)
      if (freqs_hz[j] >= freqs_hz[i] / half && freqs_hz[j] <= freqs_hz[i] * half) {
        sum += std::pow(10.0, gain_db[j] / 10.0);
        ++cnt;
      }
    out[i] = 10.0 * std::log10(sum / cnt);
  }
  return out;
}

}  // namespace outbench
