// The reference side of the sweep analysis: the reference's band, the regularised inverse with its low-edge
// high-pass, the part of the file that carries the sweep, and the fit that tells an exponential sweep (and its
// L) from anything else. Made once per reference; see response.hpp.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "analysis/fft.hpp"
#include "analysis/response.hpp"
#include "analysis/response_detail.hpp"
#include "analysis/units.hpp"

namespace outbench {

using response_detail::fmt1;

namespace {

// Tikhonov weight relative to the sweep's pink-compensated peak power (see header).
constexpr double kRegularisation = 1e-8;
// The reference "has energy" where f*|X|^2 is within this power ratio (-20 dB) of its maximum.
constexpr double kBandThreshold = 1e-2;
// The response is reported from where the reference reaches kLowEdgeThreshold of its pink-compensated
// median level (-13 dB: the fade-in of a sweep started at f1 leaves about that much at f1, so a 20 Hz
// sweep reports from 20 Hz); the inverse rolls off smoothly over the octave below (kLowEdgeRatio = 2).
constexpr double kLowEdgeThreshold = 0.05;
constexpr double kLowEdgeRatio = 2.0;
// The reference carries its sweep where |x| is above this fraction (-60 dB) of its peak.
constexpr double kActiveThreshold = 1e-3;
// Sweep fit: samples whose analytic envelope is at least this fraction of its peak (fades excluded) ...
constexpr double kSteadyEnvelope = 0.5;
// ... at least this many of them ...
constexpr double kMinFitFrames = 1000;
// ... and an exponential sweep's ln f stays this close (rms) to a straight line in t (a linear chirp over
// three decades departs by ~0.5).
constexpr double kMaxLnFreqResidual = 0.02;

}  // namespace

Deconvolver::Deconvolver(std::span<const double> reference, double rate_hz, std::size_t max_capture_frames)
    : rate_hz_(rate_hz),
      n_ref_(reference.size()),
      n_fft_(fft_good_size(std::max(reference.size(), max_capture_frames) + reference.size() / 4 + 1024)),
      inverse_(n_fft_) {
  if (!(rate_hz >= 1000.0 && rate_hz <= 1e6)) throw std::invalid_argument("sample rate out of range");
  if (reference.size() < 256) throw std::invalid_argument("reference sweep too short (need at least 256 frames)");
  // The reference's spectrum X, in the buffer that then holds the inverse (no second full-size spectrum).
  const auto X = inverse_.forward(reference);
  inverse_.drop_plans();  // the plan's twiddles weigh as much as the data: not kept beside the next ones
  // The Hilbert transform of the reference (for the sweep fit): X times -j, DC and Nyquist dropped, taken
  // (in single precision: it only locates the sweep in time) before X turns into the inverse. Its buffer
  // serves first as the band search's scratch space.
  RealFft hilbert(n_fft_);
  const double pmax = find_sweep_band(X, hilbert.time());
  auto sp = hilbert.spectrum();
  for (std::size_t k = 0; k < sp.size(); ++k) {
    const std::complex<float> xf(X[k]);
    sp[k] = k == 0 || k + 1 == sp.size() ? std::complex<double>(0.0, 0.0) : std::complex<double>(xf.imag(), -xf.real());
  }
  build_inverse(pmax);
  find_active_part(reference);
  hilbert.inverse();
  hilbert.drop_plans();
  fit_sweep(reference, hilbert.time());
}

double Deconvolver::find_sweep_band(std::span<const std::complex<double>> X, std::span<double> scratch) {
  const double df = rate_hz_ / static_cast<double>(n_fft_);
  double pmax = 0;
  for (std::size_t k = 1; k < X.size(); ++k) pmax = std::max(pmax, static_cast<double>(k) * std::norm(X[k]));
  if (!(pmax > 0)) throw std::invalid_argument("reference is silent");
  std::size_t k_lo = X.size(), k_hi = 0;
  for (std::size_t k = 1; k < X.size(); ++k)
    if (static_cast<double>(k) * std::norm(X[k]) >= kBandThreshold * pmax) {
      k_lo = std::min(k_lo, k);
      k_hi = k;
    }
  // The median of k*|X_k|^2 over the band (k_hi - k_lo + 1 <= n/2 values: they fit in the scratch space).
  const auto pink = scratch.first(k_hi >= k_lo ? k_hi - k_lo + 1 : 0);
  for (std::size_t k = k_lo; k <= k_hi; ++k) pink[k - k_lo] = static_cast<double>(k) * std::norm(X[k]);
  std::nth_element(pink.begin(), pink.begin() + static_cast<long>(pink.size() / 2), pink.end());
  const double median = pink[pink.size() / 2];
  while (k_lo < k_hi && static_cast<double>(k_lo) * std::norm(X[k_lo]) < kLowEdgeThreshold * median) ++k_lo;
  sweep_lo_hz_ = static_cast<double>(k_lo) * df;
  sweep_hi_hz_ = static_cast<double>(k_hi) * df;
  return pmax;
}

void Deconvolver::build_inverse(double pmax) {
  // Low-frequency edge. A zero-phase edge would ring symmetrically, and the pre-peak gate (short: the 2nd
  // harmonic's IR is near) would cut that ringing and spill it into the band. So the inverse carries a causal
  // 4th-order Butterworth high-pass at sweep_lo/2, whose ringing falls inside the long post-peak gate and whose
  // exact response is divided out again at the report points; below that a raised cosine in log frequency
  // (sweep_lo/8 -> sweep_lo/4) removes DC and the inverse's own edge where the sweep has no energy.
  const auto X = inverse_.spectrum();
  const double df = rate_hz_ / static_cast<double>(n_fft_);
  hp_fc_hz_ = sweep_lo_hz_ / kLowEdgeRatio;
  const double edge_hi_hz = hp_fc_hz_ / kLowEdgeRatio;
  const double edge_lo_hz = edge_hi_hz / kLowEdgeRatio;
  X[0] = 0.0;
  for (std::size_t k = 1; k < X.size(); ++k) {
    const double f = static_cast<double>(k) * df;
    if (f <= edge_lo_hz) {
      X[k] = 0.0;
      continue;
    }
    const double eps = kRegularisation * pmax / static_cast<double>(k);
    double taper = 1.0;
    if (f < edge_hi_hz)
      taper = 0.5 - 0.5 * std::cos(std::numbers::pi * std::log(f / edge_lo_hz) / std::log(kLowEdgeRatio));
    X[k] = taper * edge_highpass(f) * std::conj(X[k]) / (std::norm(X[k]) + eps);
  }
}

void Deconvolver::find_active_part(std::span<const double> reference) {
  // The part that carries the sweep (real sweep files have seconds of silence around it).
  double peak = 0;
  for (double v : reference) peak = std::max(peak, std::abs(v));
  const double thr = kActiveThreshold * peak;
  while (active_begin_ < n_ref_ && std::abs(reference[active_begin_]) < thr) ++active_begin_;
  active_end_ = n_ref_;
  while (active_end_ > active_begin_ && std::abs(reference[active_end_ - 1]) < thr) --active_end_;
}

void Deconvolver::fit_sweep(std::span<const double> reference, std::span<const double> hilbert) {
  // Is it an exponential sweep, and its L: the instantaneous frequency f(t) of the analytic signal
  // x + j*Hilbert(x) obeys ln f = ln f1 + t/L. Fitted over the steady part (envelope above half its peak) and
  // [2*sweep_lo, sweep_hi/2], where the estimate is clean; the fit's residual tells an exponential sweep from
  // a linear chirp or anything else.
  const double hs = 1.0 / static_cast<double>(n_fft_);
  auto z = [&](std::size_t i) { return std::complex<double>(reference[i], hilbert[i] * hs); };
  double env_max = 0;
  for (std::size_t i = active_begin_; i < active_end_; ++i) env_max = std::max(env_max, std::abs(z(i)));
  const double f_lo = 2 * sweep_lo_hz_, f_hi = sweep_hi_hz_ / 2;
  // Least squares of y = ln f on t (in frames from active_begin_).
  double n = 0, st = 0, sy = 0, stt = 0, sty = 0, syy = 0, y_min = 1e300, y_max = -1e300;
  for (std::size_t i = active_begin_; i + 1 < active_end_; ++i) {
    const std::complex<double> a = z(i), b = z(i + 1);
    if (std::abs(a) < kSteadyEnvelope * env_max) continue;
    const double f = std::arg(b * std::conj(a)) * rate_hz_ / (2 * std::numbers::pi);
    if (!(f >= f_lo && f <= f_hi)) continue;
    const double t = static_cast<double>(i - active_begin_), y = std::log(f);
    n += 1;
    st += t;
    sy += y;
    stt += t * t;
    sty += t * y;
    syy += y * y;
    y_min = std::min(y_min, y);
    y_max = std::max(y_max, y);
  }
  const double vt = stt - st * st / std::max(n, 1.0), cty = sty - st * sy / std::max(n, 1.0),
               vy = syy - sy * sy / std::max(n, 1.0);
  if (n < kMinFitFrames || !(y_max - y_min >= std::log(2.0)) || !(vt > 0)) {
    not_exponential_ = "the reference does not sweep an octave or more with a steady level";
    return;
  }
  const double slope = cty / vt;  // per frame
  const double resid_rms = std::sqrt(std::max(vy - slope * cty, 0.0) / n);
  sweep_fit_residual_ = resid_rms;
  if (!(slope > 0)) {
    not_exponential_ = "the reference does not sweep upwards";
  } else if (resid_rms > kMaxLnFreqResidual) {
    not_exponential_ =
        "the reference is not an exponential sweep (its log-frequency departs from a straight line in time by " +
        fmt1(resid_rms) + " rms; at most " + fmt1(kMaxLnFreqResidual) + " expected)";
  } else {
    exponential_ = true;
    l_est_s_ = 1.0 / (slope * rate_hz_);
  }
}

std::complex<double> Deconvolver::edge_highpass(double freq_hz) const {
  // 4th-order Butterworth high-pass, analog prototype: poles at angles 5pi/8 and 7pi/8.
  // s = j*w (w = f/fc): each section is -w^2 / ((1 - w^2) + j*w/q), divided out by hand (complex division
  // through libgcc's __divdc3 is slow).
  const double w = freq_hz / hp_fc_hz_, w2 = w * w;
  std::complex<double> h = 1.0;
  for (double q : {0.5411961001461970, 1.3065629648763766}) {
    const double re = 1.0 - w2, im = w / q, den = re * re + im * im;
    h *= std::complex<double>(-w2 * re / den, w2 * im / den);
  }
  return h;
}

}  // namespace outbench
