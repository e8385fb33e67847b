// The reference side of the sweep analysis: the reference's band, the regularised inverse with its low-edge
// high-pass, the part of the file that carries the sweep, and the fit that tells an exponential sweep (and its
// L) from anything else. Made once per reference; see response.hpp.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "analysis/fft.hpp"
#include "analysis/response.hpp"
#include "analysis/response_detail.hpp"
#include "analysis/units.hpp"

namespace outbench {

using response_detail::fmt1;
using response_detail::kFullLevel;
using response_detail::kMinCyclesPerLnF;

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
// Sweep fit: bins whose pink-compensated amplitude is at least this fraction of its median (edges excluded) ...
constexpr double kSteadyEnvelope = 0.5;
// ... at least this many of them ...
constexpr double kMinFitPoints = 64;
// ... crossing it in at least this many frames (an impulse crosses it in none) ...
constexpr double kMinSweepFrames = 64;
// ... read at up to this many log-spaced bins (from where f*L >= kMinCyclesPerLnF, response_detail.hpp).
constexpr std::size_t kFitPoints = std::size_t{1} << 16;
// ... and an exponential sweep's ln f stays this close (rms) to a straight line in t (a linear chirp over
// three decades departs by ~0.5).
constexpr double kMaxLnFreqResidual = 0.02;

// The median of v_k = k|X_k|^2 over [k_lo, k_hi] (the element of rank m/2 of the m values, as nth_element gives
// it), without a copy of them all (a full-size scratch: up to n/2 values): non-negative doubles order as their bit
// patterns, so a histogram of the top 12 bits (sign and exponent), then of the next 12 within the bucket that holds the
// rank, narrows it down to the values that share their top 24 bits; only those are copied and selected.
double pink_median(std::span<const std::complex<double>> X, std::size_t k_lo, std::size_t k_hi) {
  if (k_hi < k_lo) return 0.0;
  auto value = [&](std::size_t k) { return static_cast<double>(k) * std::norm(X[k]); };
  auto bits = [](double v) { return std::bit_cast<std::uint64_t>(v); };
  std::size_t rank = (k_hi - k_lo + 1) / 2;
  std::uint64_t prefix = 0;  // the top bits found so far
  int known = 0;             // how many
  for (int step = 0; step < 2; ++step) {
    std::vector<std::size_t> count(4096, 0);
    for (std::size_t k = k_lo; k <= k_hi; ++k) {
      const std::uint64_t b = bits(value(k));
      if (known > 0 && (b >> (64 - known)) != prefix) continue;
      ++count[(b >> (52 - known)) & 0xfff];
    }
    std::size_t bucket = 0;
    while (rank >= count[bucket]) rank -= count[bucket++];
    prefix = (prefix << 12) | bucket;
    known += 12;
  }
  std::vector<double> rest;
  for (std::size_t k = k_lo; k <= k_hi; ++k)
    if ((bits(value(k)) >> (64 - known)) == prefix) rest.push_back(value(k));
  std::nth_element(rest.begin(), rest.begin() + static_cast<long>(rank), rest.end());
  return rest[rank];
}

}  // namespace

std::size_t Deconvolver::fft_frames_for(std::size_t reference_frames, std::size_t max_capture_frames) {
  return fft_long_size(std::max(reference_frames, max_capture_frames) + reference_frames / 4 + 1024);
}

Deconvolver::Deconvolver(std::span<const double> reference, double rate_hz, std::size_t max_capture_frames)
    : rate_hz_(rate_hz),
      n_ref_(reference.size()),
      n_fft_(fft_frames_for(reference.size(), max_capture_frames)),
      inverse_(n_fft_) {
  const auto t = inverse_.time();
  std::fill(std::copy(reference.begin(), reference.end(), t.begin()), t.end(), 0.0);
  build();
}

Deconvolver::Deconvolver(RealFft reference, std::size_t reference_frames, double rate_hz,
                         std::size_t max_capture_frames)
    : rate_hz_(rate_hz),
      n_ref_(reference_frames),
      n_fft_(fft_frames_for(reference_frames, max_capture_frames)),
      inverse_(std::move(reference)) {
  if (inverse_.size() != n_fft_)
    throw std::invalid_argument("Deconvolver: the reference's buffer has " + std::to_string(inverse_.size()) +
                                " points, not fft_frames_for() = " + std::to_string(n_fft_));
  build();
}

void Deconvolver::build() {
  if (!(rate_hz_ >= 1000.0 && rate_hz_ <= 1e6)) throw std::invalid_argument("sample rate out of range");
  if (n_ref_ < 256) throw std::invalid_argument("reference sweep too short (need at least 256 frames)");
  find_active_part(inverse_.time().first(n_ref_));
  // The reference's spectrum X, in the buffer that then holds the inverse (no second full-size spectrum).
  inverse_.forward();
  // The plan's twiddles weigh as much as the data: not kept beside the next ones (holding it for the first
  // capture's transform saves ~5 % of a one-shot `analyze response`, but 1.5 MiB more at its peak).
  inverse_.drop_plans();
  const auto X = inverse_.spectrum();
  // The band, the fit that tells an exponential sweep (from X's group delay), then X turns into the inverse.
  const SweepBand band = find_sweep_band(X);
  fit_sweep(X, band.pink_median);
  build_inverse(band.pmax);
}

Deconvolver::SweepBand Deconvolver::find_sweep_band(std::span<const std::complex<double>> X) {
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
  const double median = pink_median(X, k_lo, k_hi);
  while (k_lo < k_hi && static_cast<double>(k_lo) * std::norm(X[k_lo]) < kLowEdgeThreshold * median) ++k_lo;
  sweep_lo_hz_ = static_cast<double>(k_lo) * df;
  sweep_hi_hz_ = static_cast<double>(k_hi) * df;
  std::size_t k_full_lo = k_lo, k_full_hi = k_hi;
  while (k_full_lo < k_hi && static_cast<double>(k_full_lo) * std::norm(X[k_full_lo]) < kFullLevel * median)
    ++k_full_lo;
  while (k_full_hi > k_full_lo && static_cast<double>(k_full_hi) * std::norm(X[k_full_hi]) < kFullLevel * median)
    --k_full_hi;
  full_lo_hz_ = static_cast<double>(k_full_lo) * df;
  full_hi_hz_ = static_cast<double>(k_full_hi) * df;
  return {pmax, median};
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
    X[k] = taper * edge_highpass(f) * std::conj(X[k]) * (1.0 / (std::norm(X[k]) + eps));
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

namespace {

// A least-squares line tau = a + L ln f through group-delay readings.
struct GroupDelayFit {
  double n = 0, l_s = 0, resid_s = 0, ln_f_span = 0;
};

}  // namespace

void Deconvolver::fit_sweep(std::span<const std::complex<double>> X, double pink_median) {
  // Is it an exponential sweep, and its L: an exponential sweep reaches frequency f at t = t0 + L ln f, which is
  // its spectrum's group delay tau(f) = -dphi/domega (stationary phase). tau is read from the phase step
  // between neighbouring bins and fitted as a straight line in ln f over the steady part of the band (pink-
  // compensated level k|X_k|^2 at least a quarter of its median: the envelope at least half) within
  // [2*sweep_lo, sweep_hi/2], at up to kFitPoints log-spaced bins (evenly spread in ln f, as the sweep spends
  // its time); the fit's residual, in ln f, tells an exponential sweep from a linear chirp or anything else.
  // Where the sweep spends few cycles per unit of ln f (f*L small: the start of a fast sweep) stationary phase
  // does not hold; a second fit starts where f*L >= kMinCyclesPerLnF by the first one's L.
  const double df = rate_hz_ / static_cast<double>(n_fft_);
  const double period_s = static_cast<double>(n_fft_) / rate_hz_;  // tau is known modulo this
  const double steady = kSteadyEnvelope * kSteadyEnvelope * pink_median;
  const auto k_b = std::min(X.size() - 2, static_cast<std::size_t>(std::floor(sweep_hi_hz_ / 2 / df)));
  auto fit = [&](double f_from_hz) {
    GroupDelayFit g;
    const auto k_a = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(f_from_hz / df)));
    if (k_b <= k_a) return g;
    double sx = 0, st = 0, sxx = 0, sxt = 0, stt = 0, x_min = 1e300, x_max = -1e300;
    const double ratio = static_cast<double>(k_b) / static_cast<double>(k_a);
    const std::size_t m = std::min(kFitPoints, k_b - k_a + 1);
    std::size_t last = 0;
    for (std::size_t j = 0; j < m; ++j) {
      const double kf = static_cast<double>(k_a) *
                        std::pow(ratio, static_cast<double>(j) / static_cast<double>(std::max<std::size_t>(m - 1, 1)));
      const std::size_t k = std::min(k_b, static_cast<std::size_t>(std::lround(kf)));
      if (k == last) continue;
      last = k;
      if (static_cast<double>(k) * std::norm(X[k]) < steady) continue;
      // The phase step over one bin is -2 pi df tau; the sweep lies within the transform's period, so tau is
      // taken in [-0.05, 0.95) periods (a little noise around 0 does not wrap to a whole period).
      double tau = -std::arg(X[k + 1] * std::conj(X[k])) / (2 * std::numbers::pi * df);
      if (tau < -0.05 * period_s) tau += period_s;
      const double x = std::log((static_cast<double>(k) + 0.5) * df);
      g.n += 1;
      sx += x;
      st += tau;
      sxx += x * x;
      sxt += x * tau;
      stt += tau * tau;
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
    }
    const double n1 = std::max(g.n, 1.0);
    const double vx = sxx - sx * sx / n1, cxt = sxt - sx * st / n1, vt = stt - st * st / n1;
    g.ln_f_span = g.n > 0 ? x_max - x_min : 0.0;
    if (!(vx > 0)) return g;
    g.l_s = cxt / vx;
    g.resid_s = std::sqrt(std::max(vt - g.l_s * cxt, 0.0) / n1);
    return g;
  };
  auto usable = [](const GroupDelayFit& g) { return g.n >= kMinFitPoints && g.ln_f_span >= std::log(2.0); };
  GroupDelayFit g = fit(2 * sweep_lo_hz_);
  if (usable(g) && g.l_s > 0 && kMinCyclesPerLnF / g.l_s > 2 * sweep_lo_hz_) {
    const GroupDelayFit g2 = fit(kMinCyclesPerLnF / g.l_s);
    if (usable(g2)) g = g2;
  }
  if (!usable(g) || g.l_s == 0) {
    not_exponential_ = "the reference does not sweep an octave or more with a steady level";
    return;
  }
  // A sweep takes time to cross its band; an impulse or a click brings every frequency at once (L ~ 0).
  if (std::abs(g.l_s) * g.ln_f_span * rate_hz_ < kMinSweepFrames) {
    not_exponential_ = "the reference does not sweep: its frequencies arrive within " +
                       fmt1(std::abs(g.l_s) * g.ln_f_span * rate_hz_) +
                       " frames of each other (an impulse or a click?)";
    return;
  }
  // The residual in ln f (at the fitted rate): the departure of ln f from a line in t.
  const double resid_rms = g.l_s > 0 ? g.resid_s / g.l_s : 0.0;
  sweep_fit_residual_ = resid_rms;
  if (!(g.l_s > 0)) {
    not_exponential_ = "the reference does not sweep upwards";
  } else if (resid_rms > kMaxLnFreqResidual) {
    not_exponential_ =
        "the reference is not an exponential sweep (its log-frequency departs from a straight line in time by " +
        fmt1(resid_rms) + " rms; at most " + fmt1(kMaxLnFreqResidual) + " expected)";
  } else {
    exponential_ = true;
    l_est_s_ = g.l_s;
  }
}

std::complex<double> Deconvolver::edge_highpass(double freq_hz) const {
  // 4th-order Butterworth high-pass, analog prototype: poles at angles 5pi/8 and 7pi/8.
  // s = j*w (w = f/fc): each section is -w^2 / ((1 - w^2) + j*w/q), divided out by hand (complex division
  // through libgcc's __divdc3 is slow).
  // (Multiplications by reciprocals: this runs once per bin of the inverse, ~1.3 M times for a 10 s sweep at 96 kHz.)
  const double w = freq_hz / hp_fc_hz_, w2 = w * w;
  std::complex<double> h = 1.0;
  for (double inv_q : {1.0 / 0.5411961001461970, 1.0 / 1.3065629648763766}) {
    const double re = 1.0 - w2, im = w * inv_q, g = w2 / (re * re + im * im);
    h *= std::complex<double>(-re * g, im * g);
  }
  return h;
}

}  // namespace outbench
