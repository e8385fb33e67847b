#include "analysis/response.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>

#include "analysis/fft.hpp"
#include "analysis/response_detail.hpp"
#include "analysis/units.hpp"

namespace outbench {

using response_detail::fmt1;
using response_detail::GatedIr;
using response_detail::taper;

namespace {

// Longest post-peak gate (s): enough for a 2 Hz high-pass to ring out; more only adds noise.
constexpr double kMaxPostGateS = 1.0;
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

double Deconvolver::deconvolve(RealFft& fft, bool transformed) const {
  if (!transformed) fft.forward();
  auto Y = fft.spectrum();
  const auto inv = inverse_.spectrum();
  const auto [k0, k1] = band_bins();
  double e_y = 0;  // the capture's energy in the sweep's band, where the inverse can give it back
  for (std::size_t k = k0; k <= k1; ++k)
    if (inv[k] != 0.0) e_y += std::norm(Y[k]);
  const double scale = 1.0 / static_cast<double>(n_fft_);
  for (std::size_t k = 0; k < Y.size(); ++k) Y[k] *= inv[k] * scale;
  // One full-size plan's twiddles at a time (the peak memory): the forward plan is given back before the
  // inverse one is made, and made again for the explained-energy check (in a one-shot process on the pages the
  // inverse's freed: its twiddles cost less than their memory).
  fft.drop_plans();
  fft.inverse();
  fft.drop_plans();
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
  r.sweep_l_s = opt.sweep_l_s > 0 || exponential_ ? l_s : 0.0;  // the sweep's L, not the gates' stand-in
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

std::optional<std::vector<GatedIr>> Deconvolver::checked_gates(RealFft fft, bool transformed,
                                                               std::size_t capture_frames, const ResponseOptions& opt,
                                                               ResponseResult& r) const {
  const double e_y = deconvolve(fft, transformed);
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
  return analyze_buffer(std::move(capture), capture_frames, opt, false);
}

ResponseResult Deconvolver::analyze_spectrum(RealFft capture, std::size_t capture_frames,
                                             const ResponseOptions& opt) const {
  return analyze_buffer(std::move(capture), capture_frames, opt, true);
}

ResponseResult Deconvolver::analyze_buffer(RealFft capture, std::size_t capture_frames, const ResponseOptions& opt,
                                           bool transformed) const {
  if (capture.size() != n_fft_)
    throw std::invalid_argument("Deconvolver::analyze: the capture's buffer has " + std::to_string(capture.size()) +
                                " points, not fft_frames() = " + std::to_string(n_fft_));
  ResponseResult r;
  r.fft_frames = n_fft_;
  r.sweep_lo_hz = sweep_lo_hz_;
  r.sweep_hi_hz = sweep_hi_hz_;
  if (!capture_fits(capture_frames, r)) return r;
  const std::optional<std::vector<GatedIr>> gates =
      checked_gates(std::move(capture), transformed, capture_frames, opt, r);
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

}  // namespace outbench
