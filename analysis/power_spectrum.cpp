// Welch power spectra (7-term Blackman-Harris, per-segment mean removed, 50 % overlap while segments are few),
// the settled part of a capture (the blocks whose peak stays within 5 % of the typical one, fades excluded) and
// the band noise reading built on them. Declared in distortion.hpp, shared by THD+N and noise.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <optional>
#include <semaphore>
#include <system_error>
#include <thread>
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

// Segment s of x (its samples less their windowed mean, times the window) into fft's time(), transformed.
template <class T>
void transform_segment(const T* xs, const std::vector<double>& w, const WindowFigures& wf, RealFft& fft) {
  const std::size_t seg = fft.size();
  const double mean_w =
      sum_in_four(seg, [xs, &w](std::size_t i) { return static_cast<double>(xs[i]) * w[i]; }) / wf.sum_w;
  auto t = fft.time();
  for (std::size_t i = 0; i < seg; ++i) t[i] = (static_cast<double>(xs[i]) - mean_w) * w[i];
  fft.forward();
}

// One-sided power of a transformed segment: every bin twice, bar DC and (even seg) Nyquist; p[k] = that times
// norm, and add(k, p[k]) for each bin.
template <class Add>
void segment_power(const RealFft& fft, double norm, Add add) {
  const auto X = fft.spectrum();
  const std::size_t k_end = fft.size() % 2 == 0 ? X.size() - 1 : X.size();
  add(0, 1.0 * std::norm(X[0]) * norm);
  for (std::size_t k = 1; k < k_end; ++k) add(k, 2.0 * std::norm(X[k]) * norm);
  if (k_end < X.size()) add(k_end, 1.0 * std::norm(X[k_end]) * norm);
}

// Segments at odd positions transformed on a second thread into one of two spectra of powers, handed over in
// order: the main thread adds each where the one-thread loop would have (the same sums, bit for bit). Each odd
// segment is claimed by whichever thread comes to it first (`next_`, the next odd segment nobody has claimed):
// when the machine is busy and the second thread gets no core, the main thread does the work itself instead of
// waiting for it.
class OddSegments {
 public:
  template <class T>
  OddSegments(const T* x0, std::size_t hop, std::size_t n_seg, std::size_t seg, const std::vector<double>& w,
              const WindowFigures& wf, double norm)
      : slots_{std::vector<double>(seg / 2 + 1), std::vector<double>(seg / 2 + 1)} {
    worker_ = std::thread([this, x0, hop, n_seg, seg, &w, &wf, norm] {
      std::size_t i = 0;
      try {
        RealFft fft(seg);
        for (;; ++i) {
          free_.acquire();
          std::size_t s = next_.load();
          for (;;) {
            if (stop_.load() || s >= n_seg) return;
            if (next_.compare_exchange_weak(s, s + 2)) break;
          }
          transform_segment(x0 + s * hop, w, wf, fft);
          std::vector<double>& p = slots_[i % 2];
          segment_power(fft, norm, [&p](std::size_t k, double v) { p[k] = v; });
          ready_.release();
        }
      } catch (...) {
        error_ = std::current_exception();
        failed_.store(true);
        ready_.release();  // the segment it had claimed will not come: the main thread stops at it
      }
    });
  }
  OddSegments(const OddSegments&) = delete;
  OddSegments& operator=(const OddSegments&) = delete;
  ~OddSegments() {
    if (worker_.joinable()) {
      stop_.store(true);
      free_.release();
      worker_.join();
    }
  }
  // Odd segment s for the main thread: true when it claimed it (it transforms it itself), false when the second
  // thread has: then next() gives its powers (blocking until they are there) and done() gives the slot back.
  bool claim(std::size_t s) {
    std::size_t expected = s;
    return next_.compare_exchange_strong(expected, s + 2);
  }
  const std::vector<double>& next() {
    ready_.acquire();
    if (failed_.load()) std::rethrow_exception(error_);
    return slots_[taken_ % 2];
  }
  void done() {
    ++taken_;
    free_.release();
  }
  // After the last segment. A failure of the second thread that cost no segment (say before it claimed one)
  // has already been made good by the main thread; one that did was thrown by next().
  void join() {
    stop_.store(true);
    free_.release();
    worker_.join();
  }

 private:
  std::vector<double> slots_[2];
  std::counting_semaphore<1 << 30> free_{2}, ready_{0};
  std::atomic<std::size_t> next_{1};
  std::size_t taken_ = 0;
  std::atomic<bool> stop_{false}, failed_{false};
  std::exception_ptr error_;  // written before failed_ is set
  std::thread worker_;
};

// A second thread only where its start (~0.1 ms) is small beside the work.
constexpr std::size_t kTwoThreadMinSegments = 4;
constexpr std::size_t kTwoThreadMinFrames = 16384;

template <class T>
PowerSpectrum power_spectrum_of(std::span<const T> x, double rate_hz, std::size_t max_segment_frames, int threads) {
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
  const T* x0 = x.data() + offset0;
  auto add = [&ms = ps.ms](std::size_t k, double v) { ms[k] += v; };
  std::optional<OddSegments> odd;
  if (threads >= 2 && n_seg >= kTwoThreadMinSegments && seg >= kTwoThreadMinFrames) {
    try {
      odd.emplace(x0, hop, n_seg, seg, w, wf, norm);
    } catch (const std::system_error&) {  // no second thread to be had: one does it all
    }
  }
  for (std::size_t s = 0; s < n_seg; ++s) {
    if (!odd || s % 2 == 0 || odd->claim(s)) {
      transform_segment(x0 + s * hop, w, wf, fft);
      segment_power(fft, norm, add);
    } else {
      const std::vector<double>& p = odd->next();
      for (std::size_t k = 0; k < p.size(); ++k) ps.ms[k] += p[k];
      odd->done();
    }
  }
  if (odd) odd->join();
  ps.bin_hz = rate_hz / static_cast<double>(seg);
  ps.segment_frames = seg;
  ps.n_segments = n_seg;
  return ps;
}

}  // namespace

PowerSpectrum power_spectrum(std::span<const double> x, double rate_hz, std::size_t max_segment_frames, int threads) {
  return power_spectrum_of(x, rate_hz, max_segment_frames, threads);
}
PowerSpectrum power_spectrum(std::span<const float> x, double rate_hz, std::size_t max_segment_frames, int threads) {
  return power_spectrum_of(x, rate_hz, max_segment_frames, threads);
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
