#include "analysis/clock_drift.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>

#include "analysis/fft.hpp"
#include "analysis/resample.hpp"
#include "measure/strformat.hpp"

namespace outbench {

namespace {
constexpr double kMarkerS = 0.040;
constexpr double kLowFraction = 0.04, kHighFraction = 0.25;  // of the sample rate
constexpr double kMinCorrelation = 0.5;

// Fractional offsets of segments against one marker (same length), from the cross-spectrum phase slope; the
// marker's spectrum is computed once.
class DelayMeter {
 public:
  explicit DelayMeter(std::span<const double> marker) : n_(fft_good_size(2 * marker.size())), a_(n_), b_(n_) {
    const auto sa = a_.forward(marker);
    double peak = 0;
    for (const auto& v : sa) peak = std::max(peak, std::abs(v));
    for (std::size_t k = 1; k < sa.size(); ++k)
      if (std::abs(sa[k]) >= 1e-2 * peak)
        bins_.push_back({k, sa[k], 2 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n_)});
  }
  double delay(std::span<const double> seg) {
    const auto sb = b_.forward(seg);
    double num = 0, den = 0;
    for (const auto& bin : bins_) {
      const auto cross = std::conj(bin.sa) * sb[bin.k];
      const double w = std::abs(cross);
      num += w * bin.omega * -std::arg(cross);
      den += w * bin.omega * bin.omega;
    }
    return den > 0 ? num / den : 0.0;
  }

 private:
  struct Bin {
    std::size_t k;
    std::complex<double> sa;
    double omega;
  };
  std::size_t n_;
  RealFft a_, b_;
  std::vector<Bin> bins_;
};

double fractional_delay(std::span<const double> seg, std::span<const double> marker) {
  return DelayMeter(marker).delay(seg);
}

// The rms fractional delay the noise segments add to a clean marker of amplitude `gain` (each segment as long
// as the marker): the timing noise of a marker found at that gain in that noise.
double timing_noise_samples(std::span<const double> marker, double gain,
                            const std::vector<std::span<const double>>& noise) {
  DelayMeter meter(marker);
  std::vector<double> x(marker.size());
  double sum = 0;
  for (const auto seg : noise) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = gain * marker[i] + seg[i];
    const double d = meter.delay(x);
    sum += d * d;
  }
  return std::sqrt(sum / static_cast<double>(noise.size()));
}
}  // namespace

std::vector<double> timing_marker(double rate_hz, double peak) {
  const auto n = static_cast<std::size_t>(std::lround(kMarkerS * rate_hz));
  std::vector<double> m(n);
  const double f0 = kLowFraction * rate_hz, f1 = kHighFraction * rate_hz, T = static_cast<double>(n) / rate_hz;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate_hz;
    const double w = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
    m[i] = peak * w * std::sin(2 * std::numbers::pi * (f0 * t + 0.5 * (f1 - f0) / T * t * t));
  }
  return m;
}

MarkerPosition locate_marker(std::span<const double> capture, std::span<const double> marker, std::size_t search_begin,
                             std::size_t search_end) {
  MarkerPosition r;
  const std::size_t len = marker.size();
  if (len == 0 || search_begin >= capture.size() || capture.size() - search_begin < len) return r;
  search_end = std::min(search_end, capture.size() - len);
  if (search_end < search_begin) return r;
  const std::size_t region = search_end - search_begin + len;
  const std::size_t n = fft_good_size(region + len);
  RealFft fc(n), fm(n), out(n);
  const auto sc = fc.forward(capture.subspan(search_begin, region));
  const auto sm = fm.forward(marker);
  auto so = out.spectrum();
  for (std::size_t k = 0; k < so.size(); ++k) so[k] = sc[k] * std::conj(sm[k]);
  out.inverse();
  const auto corr = out.time();
  std::size_t best = 0;
  for (std::size_t k = 0; k <= search_end - search_begin; ++k)
    if (std::abs(corr[k]) > std::abs(corr[best])) best = k;
  std::size_t at = search_begin + best;
  double em = 0, ec = 0;
  for (std::size_t i = 0; i < len; ++i) {
    em += marker[i] * marker[i];
    ec += capture[at + i] * capture[at + i];
  }
  r.correlation = em > 0 && ec > 0 ? corr[best] / static_cast<double>(n) / std::sqrt(em * ec) : 0.0;
  r.gain = em > 0 ? std::abs(corr[best]) / static_cast<double>(n) / em : 0.0;
  if (std::abs(r.correlation) < kMinCorrelation) return r;
  const double sign = r.correlation < 0 ? -1.0 : 1.0;
  std::vector<double> seg(len);
  double frac = 0;
  for (int iter = 0; iter < 3; ++iter) {
    for (std::size_t i = 0; i < len; ++i) seg[i] = sign * capture[at + i];
    frac = fractional_delay(seg, marker);
    if (std::abs(frac) <= 0.5) break;
    const long step = std::lround(frac);
    if ((step < 0 && at < static_cast<std::size_t>(-step)) ||
        at + static_cast<std::size_t>(std::max(0L, step)) + len > capture.size())
      break;
    at = static_cast<std::size_t>(static_cast<long>(at) + step);
  }
  r.found = true;
  r.position = static_cast<double>(at) + frac;
  return r;
}

namespace {
ClockDrift estimate_once(std::span<const double> capture, std::span<const double> marker, double played_distance,
                         std::size_t search_frames) {
  ClockDrift d;
  const auto m1 = locate_marker(capture, marker, 0, search_frames);
  if (!m1.found) {
    d.problem = strformat("the first timing marker is not in the first %zu samples (correlation %.2f)", search_frames,
                          m1.correlation);
    return d;
  }
  // The second marker within +/- 1000 ppm (and a few samples) of where one clock would put it.
  const double slack = 1e-3 * played_distance + 8;
  const double expect = m1.position + played_distance;
  const auto lo = static_cast<std::size_t>(std::max(0.0, std::floor(expect - slack)));
  const auto hi = static_cast<std::size_t>(std::max(0.0, std::ceil(expect + slack)));
  const auto m2 = locate_marker(capture, marker, lo, hi);
  if (!m2.found) {
    d.problem =
        strformat("the second timing marker is not near sample %.0f (correlation %.2f)", expect, m2.correlation);
    return d;
  }
  d.found = true;
  d.first_position = m1.position;
  d.second_position = m2.position;
  d.ratio = played_distance / (m2.position - m1.position);
  d.ppm = (d.ratio - 1.0) * 1e6;
  // The uncertainty from the silence beside the markers: after the second first (the device's own noise as it
  // plays silence), then before the first.
  // Segments every 1/64 of a marker: the timing error a segment gives decorrelates within a few samples (the
  // marker's bandwidth), so overlapping segments are nearly independent draws of it; 32 of them read u to ~13 %.
  const std::size_t len = marker.size(), guard = len / 4, step = std::max<std::size_t>(1, len / 64);
  constexpr std::size_t kMaxSegments = 32;
  std::vector<std::span<const double>> noise;
  const auto add = [&](double from, double to) {
    if (!(to - from >= static_cast<double>(len))) return;
    for (auto s = static_cast<std::size_t>(std::ceil(from));
         static_cast<double>(s + len) <= to && noise.size() < kMaxSegments; s += step)
      noise.push_back(capture.subspan(s, len));
  };
  add(m2.position + static_cast<double>(len + guard), static_cast<double>(capture.size()));
  add(0.0, m1.position - static_cast<double>(guard));
  d.noise_segments = noise.size();
  if (noise.empty()) {
    d.u_ppm = std::numeric_limits<double>::infinity();
  } else {
    const double u1 = timing_noise_samples(marker, m1.gain, noise), u2 = timing_noise_samples(marker, m2.gain, noise);
    d.u_ppm = 1e6 * std::hypot(u1, u2) / (m2.position - m1.position);
  }
  return d;
}
}  // namespace

ClockDrift estimate_clock_drift(std::span<const double> capture, std::span<const double> marker, double played_distance,
                                std::size_t search_frames) {
  // A clock far off stretches each captured marker (1000 ppm: 1.9 samples over its 40 ms), and against the
  // unstretched marker the cross-spectrum phase bends (the chirp's group delay runs over those 1.9 samples): the
  // fractional delay is then biased by an amount that depends on where the marker falls between two samples,
  // so it differs between the two markers (seen: 1200.8 ppm read for 1000 on a 0.34 s distance). The estimate
  // is therefore repeated against the marker as the capture holds it, stretched by the estimate before (from
  // 200 ppm off, one pass reads the ratio to 1e-4 ppm), until it moves by less than 1e-3 ppm.
  ClockDrift d = estimate_once(capture, marker, played_distance, search_frames);
  for (int pass = 0; pass < 3 && d.found; ++pass) {
    const auto frames = static_cast<std::size_t>(std::ceil(static_cast<double>(marker.size()) / d.ratio));
    const auto stretched = resample_by_ratio(marker, d.ratio, frames);
    const ClockDrift next = estimate_once(capture, stretched, played_distance, search_frames);
    if (!next.found) break;
    const bool settled = std::abs(next.ppm - d.ppm) < 1e-3;
    d = next;
    if (settled) break;
  }
  return d;
}

}  // namespace outbench
