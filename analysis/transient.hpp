// DC level and switching transients of a capture (docs/MEASUREMENTS.md "DC offset and switching transients").
// Method: the DC level is the mean of the settled part of an idle capture. A transient after an event (a stream
// starting or stopping) is read against the baseline just before it: baseline = mean of the `baseline_frames`
// before the event, noise = their standard deviation; the peak is the largest |x - baseline| from the event to
// the end of the window; its duration is the span from the first to the last sample whose |x - baseline|
// reaches the threshold max(kTransientFraction * peak, kTransientNoiseSigmas * noise) (for an exponential step
// well above the noise: tau * ln 10).
// Conventions: samples in any unit (the caller scales: full-scale units of the capture, or volts); indices in
// frames; the result's peak_signed keeps the sign of the largest excursion.
// Limits: pure; a window shorter than the transient truncates its duration (the caller gives long windows); a
// peak not above kTransientNoiseSigmas * noise (nothing but noise) gives duration 0 and above_noise false.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace outbench {

inline constexpr double kTransientFraction = 0.1;  // the duration counts samples above 10 % of the peak
// ... and above 6 sigma of the baseline's noise (Gaussian noise reaches ~4.5 sigma once in a 1 s window at 48 kHz)
inline constexpr double kTransientNoiseSigmas = 6.0;

// Mean of x[skip..end). Empty range: 0.
double settled_mean(std::span<const double> x, std::size_t skip);

struct TransientFigures {
  double baseline = 0, noise = 0;  // mean and standard deviation before the event
  double peak = 0;                 // largest |x - baseline| in the window (>= 0)
  double peak_signed = 0;          // that excursion with its sign
  std::size_t peak_frame = 0;      // where (index into x)
  std::size_t duration_frames = 0;
  bool above_noise = false;  // the peak exceeds kTransientNoiseSigmas * noise
};

// The event at x[event]; the baseline from x[event - baseline_frames, event), the window x[event, window_end).
TransientFigures transient_figures(std::span<const double> x, std::size_t event, std::size_t baseline_frames,
                                   std::size_t window_end);

// x[from, to) reduced to at most `points` values, each bin's sample of largest |value| (a plot of a transient).
std::vector<double> peak_decimate(std::span<const double> x, std::size_t from, std::size_t to, std::size_t points,
                                  std::size_t& frames_per_point);

}  // namespace outbench
