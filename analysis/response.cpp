#include "analysis/response.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>

#include "analysis/fft.hpp"
#include "analysis/log_interp.hpp"
#include "analysis/units.hpp"

namespace outbench {

// The tapered samples of ir around a centre (circular index) over [-pre, post): cut from the impulse response
// before its buffer is reused, transformed later.
struct response_detail::GatedIr {
  long pre = 0, post = 0;
  std::vector<double> v;  // v[i + pre] for i in [-pre, post)
};
using response_detail::GatedIr;

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
// Zero-padding factor of the gated IR before its FFT (bin spacing 1/(4*gate)).
constexpr std::size_t kGatePadding = 4;
// Fraction of each gate side that is Hann-tapered.
constexpr double kTaperFraction = 0.1;
// Longest post-peak gate (s): enough for a 2 Hz high-pass to ring out; more only adds noise.
constexpr double kMaxPostGateS = 1.0;
constexpr double kReferenceHz = 1000.0;
// Capture check: the linear IR's peak (within kPeakHalfWidthS of it) over the RMS of the rest of the linear gate.
// White noise gives ~14 dB, a tone ~3 dB; a sweep at -60 dBFS through a simulated device with its noise
// gives 30 dB and more.
constexpr double kMinPeakToNoiseDb = 20.0;
constexpr double kNoiselessPeakToNoiseDb = 400.0;
constexpr double kPeakHalfWidthS = 0.002;
constexpr long kPeakHalfWidthMin = 16;
// ... and the share of the capture's in-band energy that the gated linear response explains.
constexpr double kMinExplainedFraction = 0.5;
// How much of the sweep's length (each end) the capture may miss.
constexpr double kCoverageTolerance = 0.005;
// The reference carries its sweep where |x| is above this fraction (-60 dB) of its peak.
constexpr double kActiveThreshold = 1e-3;
// Sweep fit: samples whose analytic envelope is at least this fraction of its peak (fades excluded) ...
constexpr double kSteadyEnvelope = 0.5;
// ... at least this many of them ...
constexpr double kMinFitFrames = 1000;
// ... and an exponential sweep's ln f stays this close (rms) to a straight line in t (a linear chirp over
// three decades departs by ~0.5).
constexpr double kMaxLnFreqResidual = 0.02;

std::string fmt1(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

double taper(long i, long pre, long post) {
  // i in [-pre, post): 1 in the middle, Hann half-windows over the outer kTaperFraction of each side.
  const double tp = std::max(1.0, kTaperFraction * static_cast<double>(pre));
  const double tq = std::max(1.0, kTaperFraction * static_cast<double>(post));
  if (i < 0 && static_cast<double>(-i) > pre - tp) {
    const double u = (static_cast<double>(pre + i)) / tp;  // 0 at the edge, 1 inside
    return 0.5 - 0.5 * std::cos(std::numbers::pi * std::clamp(u, 0.0, 1.0));
  }
  if (i >= 0 && static_cast<double>(i) > post - tq) {
    const double u = (static_cast<double>(post - i)) / tq;
    return 0.5 - 0.5 * std::cos(std::numbers::pi * std::clamp(u, 0.0, 1.0));
  }
  return 1.0;
}

GatedIr cut_gate(std::span<const double> ir, long center, long pre, long post) {
  const auto n = static_cast<long>(ir.size());
  GatedIr g{pre, post, std::vector<double>(static_cast<std::size_t>(pre + post))};
  long src = ((center - pre) % n + n) % n;
  for (long i = -pre; i < post; ++i) {
    g.v[static_cast<std::size_t>(i + pre)] = ir[static_cast<std::size_t>(src)] * taper(i, pre, post);
    if (++src == n) src = 0;
  }
  return g;
}

// A gated IR, zero-padded (kGatePadding) and transformed; H(f) linearly interpolated between its bins.
struct GatedSpectrum {
  RealFft fft;
  double bin_hz = 0;
  std::complex<double> at(double f) {
    const auto bins = fft.spectrum();
    const double pos = f / bin_hz;
    const auto k = static_cast<std::size_t>(std::floor(pos));
    if (k + 1 >= bins.size()) return bins.back();
    const double a = pos - static_cast<double>(k);
    return bins[k] * (1.0 - a) + bins[k + 1] * a;
  }
};

GatedSpectrum transform_gate(const GatedIr& g, double rate_hz) {
  const std::size_t m = fft_good_size(kGatePadding * static_cast<std::size_t>(g.pre + g.post));
  GatedSpectrum s{RealFft(m), rate_hz / static_cast<double>(m)};
  auto t = s.fft.time();
  std::fill(t.begin(), t.end(), 0.0);
  const auto ml = static_cast<long>(m);
  for (long i = -g.pre; i < g.post; ++i)
    t[static_cast<std::size_t>(i < 0 ? i + ml : i)] = g.v[static_cast<std::size_t>(i + g.pre)];
  s.fft.forward();
  s.fft.drop_plans();
  return s;
}

std::vector<double> grid_anchored_1k(double lo, double hi, int per_octave) {
  std::vector<double> f;
  const auto k0 = static_cast<long>(std::ceil(per_octave * std::log2(lo / kReferenceHz) - 1e-9));
  const auto k1 = static_cast<long>(std::floor(per_octave * std::log2(hi / kReferenceHz) + 1e-9));
  for (long k = k0; k <= k1; ++k) f.push_back(kReferenceHz * std::pow(2.0, static_cast<double>(k) / per_octave));
  return f;
}

// Group delay from the unwrapped phase (central differences).
void add_group_delay(std::vector<ResponsePoint>& points) {
  std::vector<double> ph(points.size());
  for (std::size_t i = 0; i < ph.size(); ++i) {
    ph[i] = std::arg(points[i].h);
    if (i > 0) {
      while (ph[i] - ph[i - 1] > std::numbers::pi) ph[i] -= 2 * std::numbers::pi;
      while (ph[i] - ph[i - 1] < -std::numbers::pi) ph[i] += 2 * std::numbers::pi;
    }
  }
  for (std::size_t i = 0; i < ph.size(); ++i) {
    const std::size_t a = i > 0 ? i - 1 : i, b = i + 1 < ph.size() ? i + 1 : i;
    if (a == b) continue;
    points[i].group_delay_s = -(ph[b] - ph[a]) / (2 * std::numbers::pi * (points[b].freq_hz - points[a].freq_hz));
  }
}

// No non-finite figure leaves the analysis.
bool all_finite(const ResponseResult& r) {
  bool finite = std::isfinite(r.gain_1k_db) && std::isfinite(r.latency_fraction);
  for (const auto& p : r.points)
    finite = finite && std::isfinite(p.gain_db) && std::isfinite(p.phase_deg) && std::isfinite(p.group_delay_s) &&
             std::isfinite(p.relative_db);
  for (const auto& h : r.harmonics)
    for (const auto& p : h.points) finite = finite && std::isfinite(p.level_dbc);
  return finite;
}

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

std::pair<std::size_t, std::size_t> Deconvolver::band_bins() const {
  const double df = rate_hz_ / static_cast<double>(n_fft_);
  const auto k0 = static_cast<std::size_t>(std::ceil(sweep_lo_hz_ / df));
  const auto k1 = std::min(n_fft_ / 2, static_cast<std::size_t>(std::floor(sweep_hi_hz_ / df)));
  return {k0, k1};
}

bool Deconvolver::capture_fits(std::size_t frames, ResponseResult& r) const {
  if (frames < 256) {
    r.reason = "capture too short (" + std::to_string(frames) + " frames)";
    return false;
  }
  if (frames + n_ref_ / 4 + 1024 > n_fft_) {
    r.reason = "capture longer than the deconvolver was set up for";
    return false;
  }
  const double sweep_frames = static_cast<double>(active_end_ - active_begin_);
  if (static_cast<double>(frames) < (1.0 - kCoverageTolerance) * sweep_frames) {
    r.reason = "the capture cannot hold the whole sweep: it is " + fmt1(static_cast<double>(frames) / rate_hz_) +
               " s long, shorter than the sweep (" + fmt1(sweep_frames / rate_hz_) + " s); record all of it";
    return false;
  }
  return true;
}

double Deconvolver::deconvolve(RealFft& fft) const {
  fft.forward();
  auto Y = fft.spectrum();
  const auto inv = inverse_.spectrum();
  const auto [k0, k1] = band_bins();
  double e_y = 0;  // the capture's energy in the sweep's band, where the inverse can give it back
  for (std::size_t k = k0; k <= k1; ++k)
    if (inv[k] != 0.0) e_y += std::norm(Y[k]);
  const double scale = 1.0 / static_cast<double>(n_fft_);
  for (std::size_t k = 0; k < Y.size(); ++k) Y[k] *= inv[k] * scale;
  fft.inverse();
  // The forward plan stays held for the explained-energy check's transform (made once, not twice); the
  // inverse's twiddles are freed before the gates are cut.
  fft.drop_inverse_plan();
  return e_y;
}

std::optional<long> Deconvolver::find_latency(std::span<const double> ir, const ResponseOptions& opt,
                                              ResponseResult& r) const {
  const auto n = static_cast<long>(n_fft_);
  long lat = 0;
  if (opt.forced_latency_frames) {
    lat = ((*opt.forced_latency_frames % n) + n) % n;
  } else {
    double best = -1;
    for (long i = 0; i < n; ++i)
      if (std::abs(ir[static_cast<std::size_t>(i)]) > best) {
        best = std::abs(ir[static_cast<std::size_t>(i)]);
        lat = i;
      }
    if (!(best > 0)) {
      r.reason = "the capture holds no response to the sweep (silent or unrelated)";
      return std::nullopt;
    }
  }
  const double a = std::abs(ir[static_cast<std::size_t>((lat - 1 + n) % n)]);
  const double b = std::abs(ir[static_cast<std::size_t>(lat)]);
  const double c = std::abs(ir[static_cast<std::size_t>((lat + 1) % n)]);
  const double den = a - 2 * b + c;
  r.latency_fraction = den != 0 ? std::clamp(0.5 * (a - c) / den, -0.5, 0.5) : 0.0;
  // A peak in the last part of the buffer is a negative delay: the capture leads the reference.
  r.latency_frames = lat > n - static_cast<long>(n_ref_ / 8) ? lat - n : lat;
  return lat;
}

Deconvolver::Gate Deconvolver::linear_gate(const ResponseOptions& opt, ResponseResult& r) const {
  // L: the caller's, else the reference's fitted one, else (no exponential sweep: gate sizes only) from the
  // length of the part that carries the sweep and its band.
  const auto n = static_cast<long>(n_fft_);
  double l_s = opt.sweep_l_s;
  if (!(l_s > 0)) l_s = exponential_ ? l_est_s_ : 0.0;
  if (!(l_s > 0))
    l_s = static_cast<double>(active_end_ - active_begin_) / rate_hz_ /
          std::log(std::max(sweep_hi_hz_ / std::max(sweep_lo_hz_, 1e-3), 1.01));
  r.sweep_l_s = l_s;
  Gate g;
  g.pre = std::clamp(static_cast<long>(0.5 * l_s * std::log(2.0) * rate_hz_), 64L, n / 8);
  const long harm_room = static_cast<long>(std::ceil(l_s * std::log(6.0) * rate_hz_));
  g.post = std::clamp(n - harm_room - g.pre, 64L, std::max(g.pre, static_cast<long>(kMaxPostGateS * rate_hz_)));
  r.gate_s = static_cast<double>(g.pre + g.post) / rate_hz_;
  return g;
}

bool Deconvolver::check_peak(std::span<const double> ir, long lat, const Gate& g, const ResponseOptions& opt,
                             ResponseResult& r) const {
  // Does the capture hold the reference sweep? Its linear IR is one sharp peak standing far above the rest of
  // the linear gate (noise, and the short tail of a real device); a tone, noise, DC, a click or another sweep
  // spread over the IR instead.
  const auto n = static_cast<long>(n_fft_);
  const long w = std::max(kPeakHalfWidthMin, static_cast<long>(kPeakHalfWidthS * rate_hz_));
  double e_rest = 0, peak = 0;
  long n_rest = 0;
  for (long i = lat - g.pre; i < lat + g.post; ++i) {
    const double v = ir[static_cast<std::size_t>(((i % n) + n) % n)];
    if (i >= lat - w && i <= lat + w) {
      peak = std::max(peak, std::abs(v));
    } else {
      e_rest += v * v;
      ++n_rest;
    }
  }
  const double rms_rest = n_rest > 0 ? std::sqrt(e_rest / static_cast<double>(n_rest)) : 0.0;
  r.ir_peak_to_noise_db = rms_rest > 0 ? db_from_ratio(peak / rms_rest) : kNoiselessPeakToNoiseDb;
  if (r.ir_peak_to_noise_db >= kMinPeakToNoiseDb) return true;
  const std::string where = opt.forced_latency_frames
                                ? " at the given latency (" + std::to_string(*opt.forced_latency_frames) + " frames)"
                                : "";
  r.reason = "the capture does not hold the reference sweep" + where + ": its impulse response has no clear peak (" +
             fmt1(r.ir_peak_to_noise_db) + " dB above the rest of the response; a swept capture gives at least " +
             fmt1(kMinPeakToNoiseDb) +
             " dB). Is it a recording of this sweep (not a tone, noise, DC or another sweep), at a level above "
             "the noise?";
  return false;
}

std::vector<GatedIr> Deconvolver::cut_gates(std::span<const double> ir, long lat, const Gate& g,
                                            const ResponseOptions& opt, double l_s) const {
  std::vector<GatedIr> gates;
  gates.push_back(cut_gate(ir, lat, g.pre, g.post));
  // Harmonic responses (synchronized sweep): H_n lands L*ln(n) before the linear IR. Only for an exponential
  // sweep (the caller's word for it or the fit's): any other reference puts no harmonic at a known place.
  const bool harmonics_ok = opt.sweep_l_s > 0 || exponential_;
  for (int order = 2; harmonics_ok && order <= opt.max_harmonic; ++order) {
    const double t_n = l_s * std::log(static_cast<double>(order)) * rate_hz_;
    const long a = static_cast<long>(0.5 * l_s * std::log((order + 1.0) / order) * rate_hz_);
    const long b = static_cast<long>(0.5 * l_s * std::log(order / (order - 1.0)) * rate_hz_);
    if (a < 16 || b < 16) break;
    gates.push_back(cut_gate(ir, lat - static_cast<long>(std::lround(t_n)), a, b));
  }
  return gates;
}

void Deconvolver::read_responses(const std::vector<GatedIr>& gates, double lo, double hi, const ResponseOptions& opt,
                                 ResponseResult& out) const {
  GatedSpectrum lin = transform_gate(gates.front(), rate_hz_);
  out.transform_sizes.push_back(lin.fft.size());
  for (double f : grid_anchored_1k(lo, hi, opt.points_per_octave)) {
    ResponsePoint p;
    p.freq_hz = f;
    p.h = lin.at(f) / edge_highpass(f);
    p.gain_db = db_from_ratio(std::abs(p.h));
    p.phase_deg = std::arg(p.h) * 180.0 / std::numbers::pi;
    out.points.push_back(p);
  }
  if (out.points.empty()) return;
  const double f1k = std::clamp(kReferenceHz, lo, hi);
  const std::complex<double> h1k = lin.at(f1k) / edge_highpass(f1k);
  out.gain_1k_db = db_from_ratio(std::abs(h1k));
  for (auto& p : out.points) p.relative_db = p.gain_db - out.gain_1k_db;
  add_group_delay(out.points);
  if (!(opt.sweep_l_s > 0 || exponential_) && opt.max_harmonic >= 2)
    out.harmonics_note =
        "no harmonic responses: " + not_exponential_ + " (they need a synchronized exponential sweep as the reference)";
  for (std::size_t j = 1; j < gates.size(); ++j) {
    const int order = static_cast<int>(j) + 1;
    GatedSpectrum hs = transform_gate(gates[j], rate_hz_);
    out.transform_sizes.push_back(hs.fft.size());
    HarmonicResponse hr;
    hr.order = order;
    for (const auto& p : out.points) {
      const double fh = order * p.freq_hz;
      if (fh > hi) break;
      const double mag1 = std::abs(p.h);
      if (!(mag1 > 0)) continue;
      hr.points.push_back({p.freq_hz, db_from_ratio(std::abs(hs.at(fh) / edge_highpass(fh)) / mag1)});
    }
    out.harmonics.push_back(std::move(hr));
  }
}

bool Deconvolver::check_explained(RealFft& fft, long lat, const Gate& g, double e_y, ResponseResult& r) const {
  // Does the sweep's linear response explain the capture? The gated linear IR, through the deconvolution's own
  // filter (Y*inv = IR's spectrum), must account for most of the capture's energy Y in the sweep's band: what it
  // leaves, Y - G/inv = D/inv with D the spectrum of the IR outside the gate, is noise, harmonics and anything that
  // is not a response to the sweep. D is transformed in the IR's own buffer (read by then).
  const auto n = static_cast<long>(n_fft_);
  auto t = fft.time();
  for (long i = -g.pre; i < g.post; ++i)
    t[static_cast<std::size_t>((((lat + i) % n) + n) % n)] *= 1.0 - taper(i, g.pre, g.post);
  fft.forward();
  fft.drop_plans();
  r.transform_sizes.push_back(n_fft_);
  const auto D = fft.spectrum();
  const auto inv = inverse_.spectrum();
  const auto [k0, k1] = band_bins();
  double e_res = 0;
  for (std::size_t k = k0; k <= k1; ++k)
    if (inv[k] != 0.0) e_res += std::norm(D[k]) / std::norm(inv[k]);
  r.explained_fraction = e_y > 0 ? std::max(0.0, 1.0 - e_res / e_y) : 0.0;
  if (r.explained_fraction >= kMinExplainedFraction) return true;
  r.reason = "the capture is not mainly a response to the reference sweep: the sweep's linear response explains " +
             fmt1(100 * r.explained_fraction) + " % of its energy in the sweep's band " + fmt1(sweep_lo_hz_) + "-" +
             fmt1(sweep_hi_hz_) + " Hz (at least " + fmt1(100 * kMinExplainedFraction) +
             " % expected): other signals (tones, DC steps, noise, another sweep) dominate it";
  return false;
}

bool Deconvolver::check_coverage(std::size_t capture_frames, ResponseResult& r) const {
  // Does it hold the whole sweep? The part of the reference that carries the sweep, moved by the latency, must
  // lie inside the capture (a peak that does not fit as a delay may fit as a lead).
  const auto n = static_cast<long>(n_fft_);
  const auto cap = static_cast<long>(capture_frames);
  const auto a = static_cast<long>(active_begin_), b = static_cast<long>(active_end_);
  const long tol = static_cast<long>(kCoverageTolerance * static_cast<double>(b - a));
  auto covers = [&](long l) { return l + a >= -tol && l + b <= cap + tol; };
  // How much of the sweep a latency leaves out of the capture (frames, beyond the tolerance).
  auto shortfall = [&](long l) { return std::max(0L, -(l + a) - tol) + std::max(0L, l + b - cap - tol); };
  if (!covers(r.latency_frames)) {
    const long other = r.latency_frames >= 0 ? r.latency_frames - n : r.latency_frames + n;
    if (shortfall(other) < shortfall(r.latency_frames)) r.latency_frames = other;
  }
  const long l = r.latency_frames;
  if (l + a < -tol) {
    r.reason = "the capture misses the start of the sweep: it begins " +
               fmt1(static_cast<double>(-(l + a)) / rate_hz_) +
               " s after the sweep started (start the recording before playback)";
    return false;
  }
  if (l + b > cap + tol) {
    r.reason = "the capture misses the end of the sweep: it ends " + fmt1(static_cast<double>(l + b - cap) / rate_hz_) +
               " s before the sweep does (the sweep ends " + fmt1(static_cast<double>(l + b) / rate_hz_) +
               " s into the capture at a latency of " + std::to_string(l) + " frames; the capture is " +
               fmt1(static_cast<double>(cap) / rate_hz_) + " s long): record for longer";
    return false;
  }
  return true;
}

ResponseResult Deconvolver::analyze(std::span<const double> capture, const ResponseOptions& opt) const {
  RealFft fft(n_fft_);
  const auto t = fft.time();
  const std::size_t m = std::min(capture.size(), n_fft_);
  std::copy_n(capture.begin(), m, t.begin());
  std::fill(t.begin() + static_cast<long>(m), t.end(), 0.0);
  return analyze(std::move(fft), capture.size(), opt);
}

std::optional<std::vector<GatedIr>> Deconvolver::checked_gates(RealFft fft, std::size_t capture_frames,
                                                               const ResponseOptions& opt, ResponseResult& r) const {
  const double e_y = deconvolve(fft);
  r.transform_sizes = {n_fft_, n_fft_};
  const std::span<const double> ir = fft.time();
  const std::optional<long> lat = find_latency(ir, opt, r);
  if (!lat) return std::nullopt;
  const Gate gate = linear_gate(opt, r);
  if (!check_peak(ir, *lat, gate, opt, r)) return std::nullopt;
  // The gates are cut from the IR before the explained-energy check reuses its buffer (and the forward plan
  // that transformed the capture); they are transformed once the full-size buffer and plans are given back.
  std::vector<GatedIr> gates = cut_gates(ir, *lat, gate, opt, r.sweep_l_s);
  if (!check_explained(fft, *lat, gate, e_y, r)) return std::nullopt;
  if (!check_coverage(capture_frames, r)) return std::nullopt;
  return gates;
}

ResponseResult Deconvolver::analyze(RealFft capture, std::size_t capture_frames, const ResponseOptions& opt) const {
  if (capture.size() != n_fft_)
    throw std::invalid_argument("Deconvolver::analyze: the capture's buffer has " + std::to_string(capture.size()) +
                                " points, not fft_frames() = " + std::to_string(n_fft_));
  ResponseResult r;
  r.fft_frames = n_fft_;
  r.sweep_lo_hz = sweep_lo_hz_;
  r.sweep_hi_hz = sweep_hi_hz_;
  if (!capture_fits(capture_frames, r)) return r;
  const std::optional<std::vector<GatedIr>> gates = checked_gates(std::move(capture), capture_frames, opt, r);
  if (!gates) return r;
  const double nyq = rate_hz_ / 2.0;
  const double hi = std::min({opt.report_hi_hz > 0 ? opt.report_hi_hz : nyq, nyq, sweep_hi_hz_});
  const double lo = std::max(opt.report_lo_hz, sweep_lo_hz_);
  if (!(hi > lo)) {
    r.reason = "the reference sweep carries no energy in the requested band";
    return r;
  }
  // The responses are kept only if every check passes.
  ResponseResult read;
  read_responses(*gates, lo, hi, opt, read);
  if (read.points.empty()) {
    r.reason = "no report points in the band";
    return r;
  }
  r.points = std::move(read.points);
  r.harmonics = std::move(read.harmonics);
  r.harmonics_note = std::move(read.harmonics_note);
  r.gain_1k_db = read.gain_1k_db;
  r.transform_sizes.insert(r.transform_sizes.end(), read.transform_sizes.begin(), read.transform_sizes.end());
  if (!all_finite(r)) {
    r.reason = "the response has non-finite values (the capture is silent or degenerate in part of the band)";
    return r;
  }
  r.valid = true;
  return r;
}

ResponseResult analyze_response(std::span<const double> reference, std::span<const double> capture, double rate_hz,
                                const ResponseOptions& opt) {
  ResponseResult r;
  try {
    Deconvolver d(reference, rate_hz, capture.size());
    return d.analyze(capture, opt);
  } catch (const std::invalid_argument& e) {
    r.reason = e.what();
    return r;
  }
}

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
