#include "measure/engine/spectra.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/distortion.hpp"
#include "analysis/units.hpp"
#include "analysis/windows.hpp"

namespace outbench::engine {

namespace {

constexpr std::size_t kNoiseSegmentFrames = 16384;  // 2.9 Hz bins at 48 kHz, ~23 segments in 4 s

// Bands of 1/48 octave from 10 Hz: `reduce` turns the bins [a, b] of each band into one mean square.
template <class Reduce>
std::vector<double> bands_dbfs(const PowerSpectrum& ps, double rate_hz, Reduce reduce) {
  std::vector<double> out;
  if (ps.ms.empty()) return out;
  const double step = std::pow(2.0, 1.0 / 48);
  for (double f = 10.0; f < rate_hz / 2; f *= step) {
    const auto a = std::min(static_cast<std::size_t>(f / ps.bin_hz), ps.ms.size() - 1);
    const auto b = std::min(static_cast<std::size_t>(f * step / ps.bin_hz), ps.ms.size() - 1);
    out.push_back(dbfs_from_mean_square(std::max(reduce(a, b), 1e-30)));
  }
  return out;
}

}  // namespace

PlotSpectrum tone_spectrum(const std::vector<double>& x, double rate_hz) {
  const PowerSpectrum ps = power_spectrum(x, rate_hz);
  PlotSpectrum s{{}, ps.bin_hz, "sine", std::string(window_name(kThdnWindow))};
  if (ps.ms.empty()) return s;
  const double enbw = cached_window(kThdnWindow, ps.segment_frames).figures.enbw_bins;
  s.level_dbfs = bands_dbfs(ps, rate_hz, [&](std::size_t a, std::size_t b) {
    double m = 0;
    for (std::size_t k = a; k <= b; ++k) m = std::max(m, ps.ms[k]);
    return m * enbw;
  });
  return s;
}

PlotSpectrum noise_density(const std::vector<double>& x, double rate_hz) {
  // Averaged over many short segments (Welch): one long periodogram scatters each bin by +/-10 dB.
  const PowerSpectrum ps = power_spectrum(x, rate_hz, kNoiseSegmentFrames);
  PlotSpectrum s{{}, ps.bin_hz, "density_per_hz", std::string(window_name(kThdnWindow))};
  if (ps.ms.empty()) return s;
  s.level_dbfs = bands_dbfs(ps, rate_hz, [&](std::size_t a, std::size_t b) {
    double sum = 0;
    for (std::size_t k = a; k <= b; ++k) sum += ps.ms[k];
    return sum / static_cast<double>(b - a + 1) / ps.bin_hz;
  });
  return s;
}

}  // namespace outbench::engine
