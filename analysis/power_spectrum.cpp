// Welch power spectra (7-term Blackman-Harris, per-segment mean removed, 50 % overlap while segments are few),
// the settled part of a capture (the blocks whose peak stays within 5 % of the typical one, fades excluded) and
// the band noise reading built on them. Declared in distortion.hpp, shared by THD+N and noise.
#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/distortion.hpp"
#include "analysis/fft.hpp"
#include "analysis/partial_sums.hpp"
#include "analysis/units.hpp"
#include "analysis/weighting.hpp"
#include "analysis/windows.hpp"

namespace outbench {
namespace {

// Peak must stay within this fraction of the typical block peak to count as settled.
constexpr double kSettledTolerance = 0.05;
// Segment count beyond which Welch averaging drops the 50 % overlap.
constexpr std::size_t kManySegments = 16;

template <class T>
Segment settled_segment_of(std::span<const T> x, double rate_hz, double lowest_freq_hz) {
  const std::size_t n = x.size();
  Segment whole{0, n};
  const auto block = static_cast<std::size_t>(std::ceil(rate_hz / std::max(lowest_freq_hz, 1.0)));
  if (block == 0 || n < 8 * block) return whole;
  const std::size_t nb = n / block;
  // The largest |x| of each block. The maximum is exact, so eight running maxima give the same value as one
  // (also with NaN, which std::max passes over), without one long chain of dependent comparisons.
  std::vector<double> peak(nb, 0.0);
  for (std::size_t b = 0; b < nb; ++b) {
    // In the samples' own type (the maximum of |x| is exact, so it is the same value as in double).
    const T* xb = x.data() + b * block;
    T m[8] = {};
    std::size_t i = 0;
    for (; i + 8 <= block; i += 8)
      for (std::size_t j = 0; j < 8; ++j) m[j] = std::max(m[j], std::abs(xb[i + j]));
    for (; i < block; ++i) m[0] = std::max(m[0], std::abs(xb[i]));
    for (std::size_t j = 1; j < 8; ++j) m[0] = std::max(m[0], m[j]);
    peak[b] = static_cast<double>(m[0]);
  }
  const double max_peak = *std::max_element(peak.begin(), peak.end());
  if (max_peak <= 0) return whole;
  std::vector<double> loud;
  for (double p : peak)
    if (p >= 0.3 * max_peak) loud.push_back(p);
  std::nth_element(loud.begin(), loud.begin() + loud.size() / 2, loud.end());
  const double typical = loud[loud.size() / 2];
  std::size_t first = nb, last = 0;
  for (std::size_t b = 0; b < nb; ++b)
    if (std::abs(peak[b] - typical) <= kSettledTolerance * typical) {
      first = std::min(first, b);
      last = b;
    }
  if (first >= last || last - first + 1 < 4) return whole;
  // One block of margin each side: the block where the fade ends still carries part of it.
  first += 1;
  last -= 1;
  const std::size_t seg_n = (last - first + 1) * block;
  if (seg_n < n / 4) return whole;
  return {first * block, seg_n};
}

template <class T>
PowerSpectrum power_spectrum_of(std::span<const T> x, double rate_hz, std::size_t max_segment_frames) {
  PowerSpectrum ps;
  if (x.size() < 16) return ps;
  const std::size_t seg = fft_good_size_below(std::min(x.size(), std::max<std::size_t>(max_segment_frames, 16)));
  std::size_t n_seg = 1;
  std::size_t hop = seg;
  if (x.size() > seg) {
    // 50 % overlap while segments are few; past kManySegments the average is smooth enough without it.
    hop = (x.size() - seg) / (seg / 2) + 1 > kManySegments ? seg : seg / 2;
    n_seg = (x.size() - seg) / hop + 1;
  }
  const std::size_t offset0 = (x.size() - ((n_seg - 1) * hop + seg)) / 2;
  const CachedWindow& cw = cached_window(kThdnWindow, seg);
  const std::vector<double>& w = cw.w;
  const WindowFigures& wf = cw.figures;
  RealFft fft(seg);
  ps.ms.assign(seg / 2 + 1, 0.0);
  const double norm = 1.0 / (static_cast<double>(seg) * wf.sum_w2 * static_cast<double>(n_seg));
  for (std::size_t s = 0; s < n_seg; ++s) {
    const T* xs = x.data() + offset0 + s * hop;
    const double mean_w =
        sum_in_four(seg, [xs, &w](std::size_t i) { return static_cast<double>(xs[i]) * w[i]; }) / wf.sum_w;
    auto t = fft.time();
    for (std::size_t i = 0; i < seg; ++i) t[i] = (static_cast<double>(xs[i]) - mean_w) * w[i];
    fft.forward();
    auto X = fft.spectrum();
    // One-sided: every bin twice, bar DC and (even seg) Nyquist.
    const std::size_t k_end = seg % 2 == 0 ? X.size() - 1 : X.size();
    ps.ms[0] += 1.0 * std::norm(X[0]) * norm;
    for (std::size_t k = 1; k < k_end; ++k) ps.ms[k] += 2.0 * std::norm(X[k]) * norm;
    if (k_end < X.size()) ps.ms[k_end] += 1.0 * std::norm(X[k_end]) * norm;
  }
  ps.bin_hz = rate_hz / static_cast<double>(seg);
  ps.segment_frames = seg;
  ps.n_segments = n_seg;
  return ps;
}

}  // namespace

PowerSpectrum power_spectrum(std::span<const double> x, double rate_hz, std::size_t max_segment_frames) {
  return power_spectrum_of(x, rate_hz, max_segment_frames);
}
PowerSpectrum power_spectrum(std::span<const float> x, double rate_hz, std::size_t max_segment_frames) {
  return power_spectrum_of(x, rate_hz, max_segment_frames);
}
Segment settled_segment(std::span<const double> x, double rate_hz, double lowest_freq_hz) {
  return settled_segment_of(x, rate_hz, lowest_freq_hz);
}
Segment settled_segment(std::span<const float> x, double rate_hz, double lowest_freq_hz) {
  return settled_segment_of(x, rate_hz, lowest_freq_hz);
}

NoiseResult analyze_noise(std::span<const double> x, double rate_hz, double band_lo_hz, double band_hi_hz,
                          Weighting weighting) {
  NoiseResult r;
  r.band_lo_hz = band_lo_hz;
  r.band_hi_hz = std::min(band_hi_hz, rate_hz / 2);
  if (x.size() < 256) {
    r.reason = "signal too short for a noise reading";
    return r;
  }
  const PowerSpectrum ps = power_spectrum(x, rate_hz, std::size_t{1} << 16);
  double p = 0;
  const double df = ps.bin_hz;
  // Skip the DC leakage lobe of the window (7 bins) even when the band starts lower.
  const long k_lo =
      std::max<long>(window_main_lobe_half_width_bins(kThdnWindow) + 1, static_cast<long>(std::ceil(band_lo_hz / df)));
  const long k_hi =
      std::min<long>(static_cast<long>(ps.ms.size()) - 1, static_cast<long>(std::floor(r.band_hi_hz / df)));
  for (long k = k_lo; k <= k_hi; ++k) {
    const double g = weighting_gain(weighting, static_cast<double>(k) * df);
    p += ps.ms[static_cast<std::size_t>(k)] * g * g;
  }
  r.noise_dbfs = dbfs_from_mean_square(p);
  r.valid = true;
  return r;
}

}  // namespace outbench
