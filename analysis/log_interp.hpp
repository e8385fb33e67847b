// Interpolation between points on a log-frequency grid (responses, impedances).
//
// Method: linear in log-frequency on the value (complex values: on the real and imaginary parts), between the
// two points around freq_hz. Points must be sorted by increasing frequency; a frequency outside their span (with
// a relative tolerance of 1e-9 at either end) has no value (nullopt). Pure, header-only.
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

namespace outbench {

// `value` is the member of Point to interpolate (Point must have freq_hz).
template <class Point, class Value>
std::optional<Value> interpolate_log_freq(const std::vector<Point>& pts, double freq_hz, Value Point::*value) {
  if (pts.empty() || freq_hz < pts.front().freq_hz * (1 - 1e-9) || freq_hz > pts.back().freq_hz * (1 + 1e-9))
    return std::nullopt;
  for (std::size_t i = 0; i + 1 < pts.size(); ++i)
    if (freq_hz <= pts[i + 1].freq_hz) {
      const double a = std::log(freq_hz / pts[i].freq_hz) / std::log(pts[i + 1].freq_hz / pts[i].freq_hz);
      return pts[i].*value * (1.0 - a) + pts[i + 1].*value * a;
    }
  return pts.back().*value;
}

}  // namespace outbench
