#include "analysis/transient.hpp"

#include <algorithm>
#include <cmath>

namespace outbench {

double settled_mean(std::span<const double> x, std::size_t skip) {
  if (skip >= x.size()) return 0.0;
  double s = 0;
  for (std::size_t i = skip; i < x.size(); ++i) s += x[i];
  return s / static_cast<double>(x.size() - skip);
}

TransientFigures transient_figures(std::span<const double> x, std::size_t event, std::size_t baseline_frames,
                                   std::size_t window_end) {
  TransientFigures f;
  event = std::min(event, x.size());
  window_end = std::clamp(window_end, event, x.size());
  const std::size_t b0 = event - std::min(event, baseline_frames);
  if (event > b0) {
    double s = 0, s2 = 0;
    for (std::size_t i = b0; i < event; ++i) s += x[i];
    const double n = static_cast<double>(event - b0);
    f.baseline = s / n;
    for (std::size_t i = b0; i < event; ++i) s2 += (x[i] - f.baseline) * (x[i] - f.baseline);
    f.noise = std::sqrt(s2 / n);
  }
  for (std::size_t i = event; i < window_end; ++i)
    if (const double d = x[i] - f.baseline; std::abs(d) > f.peak) {
      f.peak = std::abs(d);
      f.peak_signed = d;
      f.peak_frame = i;
    }
  const double threshold = std::max(kTransientFraction * f.peak, kTransientNoiseSigmas * f.noise);
  f.above_noise = f.peak > kTransientNoiseSigmas * f.noise;
  if (!f.above_noise) return f;
  std::size_t first = window_end, last = event;
  for (std::size_t i = event; i < window_end; ++i)
    if (std::abs(x[i] - f.baseline) >= threshold) {
      first = std::min(first, i);
      last = i;
    }
  f.duration_frames = first < window_end ? last - first + 1 : 0;
  return f;
}

std::vector<double> peak_decimate(std::span<const double> x, std::size_t from, std::size_t to, std::size_t points,
                                  std::size_t& frames_per_point) {
  to = std::min(to, x.size());
  from = std::min(from, to);
  points = std::max<std::size_t>(points, 1);
  frames_per_point = std::max<std::size_t>(1, (to - from + points - 1) / points);
  std::vector<double> out;
  for (std::size_t i = from; i < to; i += frames_per_point) {
    double best = x[i];
    for (std::size_t k = i; k < std::min(to, i + frames_per_point); ++k)
      if (std::abs(x[k]) > std::abs(best)) best = x[k];
    out.push_back(best);
  }
  return out;
}

}  // namespace outbench
