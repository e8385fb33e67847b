// Frequency response from a swept-sine capture (docs/MEASUREMENTS.md "Frequency response").
//
// Method. Deconvolution by regularised spectral division over one FFT of size N >= max(capture, reference)
// frames plus margin: IR = IFFT(Y * conj(X) / (|X|^2 + eps(f))), with eps(f) = 1e-8 * max_k(f_k |X_k|^2) / f,
// i.e. a Tikhonov term that follows the exponential sweep's pink spectrum: the inverse is exact (to 1e-8) where
// the sweep has energy and fades out where it has none (the "band-limited inverse"). Because the sweep is
// synchronized (Novak 2015), the n-th harmonic's impulse response lands L*ln(n) before the linear one (in the
// circular IR, at the end of the buffer).
// Latency: the index of the linear IR's peak (sub-sample part by parabolic interpolation, reported only).
// Gate: the linear IR from peak - pre to peak + post, pre = post = L*ln(2)/2 (half-way to the 2nd harmonic's
// IR), Hann-tapered over the outer 10 % of each side; rotated so the peak is at t = 0 (latency removed),
// zero-padded to 4x and transformed; H(f) at the 1/24-octave points is linearly interpolated between those
// closely spaced bins (spacing < 1/(4 * gate length)).
// Reported points: 1/N-octave from report_lo_hz to min(report_hi_hz, Nyquist), limited to where the
// reference sweep carries energy (within 20 dB of its pink-compensated maximum).
// L is taken from the caller (SweepInfo) when known, else estimated from the reference: the part that carries
// the sweep (|x| above -60 dB of its peak; real sweep files have seconds of silence around it) is checked to be
// an exponential sweep by fitting its spectrum's group delay against ln f (a straight line, slope L, where
// f*L >= 20: see response_detail.hpp). A reference that is not one (a linear chirp, noise) still gives the
// linear response, but no harmonic responses (harmonics_note says why); L then only sizes the gate. Harmonic
// responses are reported where the sweep separates them cleanly (response_gates.cpp; harmonics_note gives the
// range): the fundamental at full level and f*L >= 20, the harmonic 240 frames of sweep time below the top.
// Checks (ResponseResult invalid, with the reason, when one fails):
// - the capture holds the reference sweep: the linear IR's peak stands at least 20 dB above the RMS of the rest
//   of the linear gate (a tone gives ~7 dB, white noise ~13 dB, another sweep ~17 dB; a sweep at -60 dBFS
//   through a simulated device with its noise ~30 dB);
// - the sweep's linear response explains it: the gated linear IR, put through the deconvolution's own filter
//   (G/inv, i.e. G*X up to the regularisation), accounts for at least 50 % of the capture's energy Y in the
//   sweep's band (DC, tones, another sweep: ~0-1 %; genuine captures, distorted or at -70 dBFS: > 99.9 %). Since
//   the IR's spectrum is Y*inv, the residual Y - G/inv is D/inv, D the spectrum of the IR outside the gate: one
//   transform, in the IR's own buffer once the responses are read;
// - the capture covers the sweep: the part that carries it, moved by the latency, lies inside the capture
//   (0.5 % of its length may be missing at each end);
// - every reported figure is finite.
#pragma once

#include <complex>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/fft.hpp"

namespace outbench {

struct ResponseOptions {
  int points_per_octave = 24;
  double report_lo_hz = 10.0;
  double report_hi_hz = 0.0;  // 0: Nyquist
  double sweep_l_s = 0.0;     // Novak's L of the reference; 0: estimate
  // Set: use this latency (e.g. the open-load capture's; negative when the capture leads) instead of finding it.
  std::optional<long> forced_latency_frames;
  int max_harmonic = 5;  // harmonic responses H2..max_harmonic (0 or 1: none)
};

struct ResponsePoint {
  double freq_hz = 0;
  std::complex<double> h;    // capture / reference, latency removed
  double gain_db = 0;        // |h| in dB (capture relative to reference)
  double relative_db = 0;    // relative to the 1 kHz value
  double phase_deg = 0;      // wrapped to (-180, 180]
  double group_delay_s = 0;  // excluding the removed latency
};

struct HarmonicResponsePoint {
  double freq_hz = 0;  // excitation (fundamental) frequency
  double level_dbc = 0;
};
struct HarmonicResponse {
  int order = 0;
  std::vector<HarmonicResponsePoint> points;
};

struct ResponseResult {
  bool valid = false;
  std::string reason;
  // Evidence that the capture holds the reference sweep (see "Checks" above), set once the IR is computed:
  // the linear IR's peak over the RMS of the rest of the linear gate.
  double ir_peak_to_noise_db = 0;
  // The share of the capture's energy in the sweep's band that the gated linear response explains.
  double explained_fraction = 0;
  // Why `harmonics` is empty although harmonic responses were asked for (e.g. the reference is no
  // exponential sweep), or over which range they are reported.
  std::string harmonics_note;
  long latency_frames = 0;
  double latency_fraction = 0;  // sub-sample part of the latency, -0.5..0.5
  double gain_1k_db = 0;
  double sweep_lo_hz = 0;  // where the reference has energy
  double sweep_hi_hz = 0;
  double sweep_l_s = 0;  // the sweep's L (given or fitted); 0 when the reference is no exponential sweep
  double gate_s = 0;
  std::vector<ResponsePoint> points;
  std::vector<HarmonicResponse> harmonics;
  std::size_t fft_frames = 0;
  // Sizes of the real FFTs this analysis ran (capture forward, impulse response back, the gated linear and
  // harmonic responses, the IR outside the gate at full size for the explained-energy check); the reference's
  // transforms (its spectrum and Hilbert transform) are made once per Deconvolver and are not listed.
  std::vector<std::size_t> transform_sizes;
};

ResponseResult analyze_response(std::span<const double> reference, std::span<const double> capture, double rate_hz,
                                const ResponseOptions& opt = {});

namespace response_detail {
struct GatedIr;  // response.cpp
}

// The same, with the reference's spectrum computed once for many captures of up to max_capture_frames
// (the sequencer measures one sweep across several loads). Throws std::invalid_argument on a bad reference.
class Deconvolver {
 public:
  Deconvolver(std::span<const double> reference, double rate_hz, std::size_t max_capture_frames);
  // The same with the reference already in a transform of fft_frames_for(reference_frames, max_capture_frames)
  // points: its samples first, zeros after them (a caller reading it from a file puts it there directly; the
  // buffer becomes the inverse's).
  Deconvolver(RealFft reference, std::size_t reference_frames, double rate_hz, std::size_t max_capture_frames);
  static std::size_t fft_frames_for(std::size_t reference_frames, std::size_t max_capture_frames);
  ResponseResult analyze(std::span<const double> capture, const ResponseOptions& opt = {}) const;
  // The same, with the capture already in a transform of fft_frames() points: its capture_frames samples in
  // capture.time(), zeros after them (a caller reading a long capture from a file puts it there directly,
  // without a second full-length copy). The buffer becomes the impulse response's.
  ResponseResult analyze(RealFft capture, std::size_t capture_frames, const ResponseOptions& opt = {}) const;
  // The same with the capture's buffer already transformed (its forward() done by the caller, e.g. on another
  // thread while this Deconvolver was built): the same figures, bit for bit.
  ResponseResult analyze_spectrum(RealFft capture, std::size_t capture_frames, const ResponseOptions& opt = {}) const;
  std::size_t fft_frames() const { return n_fft_; }
  double sweep_lo_hz() const { return sweep_lo_hz_; }
  // The estimate of the reference's L (0 when the reference is not an exponential sweep).
  double estimated_l_s() const { return exponential_ ? l_est_s_ : 0.0; }
  // RMS departure of the reference's ln(instantaneous frequency) from a straight line in time.
  double sweep_fit_residual() const { return sweep_fit_residual_; }
  double sweep_hi_hz() const { return sweep_hi_hz_; }
  // The causal high-pass carried by the inverse below the band (divided out of every reported value).
  std::complex<double> edge_highpass(double freq_hz) const;

 private:
  double rate_hz_;
  std::size_t n_ref_;
  std::size_t n_fft_;
  // conj(X) / (|X|^2 + eps), n_fft/2+1 bins, computed in place over the reference's own transform.
  RealFft inverse_;
  // The part of the reference that carries the sweep (|x| above -60 dB of its peak): [active_begin_, active_end_).
  std::size_t active_begin_ = 0, active_end_ = 0;
  // The sweep's rate parameter L from its instantaneous frequency (ln f linear in t), when it is an
  // exponential sweep (exponential_ set); else why not.
  bool exponential_ = false;
  double l_est_s_ = 0;
  std::string not_exponential_;
  double sweep_fit_residual_ = 0;
  double sweep_lo_hz_ = 0, sweep_hi_hz_ = 0, hp_fc_hz_ = 1;
  double full_lo_hz_ = 0, full_hi_hz_ = 0;  // where the reference is at full level (response_detail::kFullLevel)

  // The steps of the constructor: the band where X carries the sweep (sets sweep_lo/hi; returns max_k k*|X_k|^2
  // and the median of k*|X_k|^2 over the band), the sweep fit (from X's group delay), X turned into the inverse
  // in place, the part of the reference that carries the sweep.
  struct SweepBand {
    double pmax = 0, pink_median = 0;
  };
  SweepBand find_sweep_band(std::span<const std::complex<double>> X);
  void fit_sweep(std::span<const std::complex<double>> X, double pink_median);
  void build_inverse(double pmax);
  void find_active_part(std::span<const double> reference);
  void build();  // the constructors' body, on the reference in inverse_
  // The steps of analyze() (each check sets r.reason and returns false when it fails).
  struct Gate {
    long pre = 0, post = 0;  // the linear IR's gate around its peak: [-pre, post) frames
  };
  std::pair<std::size_t, std::size_t> band_bins() const;  // the sweep's band [k0, k1] in bins
  bool capture_fits(std::size_t frames, ResponseResult& r) const;
  // The capture in fft (its samples, or its spectrum when `transformed`) into its IR; returns its in-band |Y|^2.
  double deconvolve(RealFft& fft, bool transformed) const;
  ResponseResult analyze_buffer(RealFft capture, std::size_t capture_frames, const ResponseOptions& opt,
                                bool transformed) const;
  std::optional<long> find_latency(std::span<const double> ir, const ResponseOptions& opt, ResponseResult& r) const;
  Gate linear_gate(const ResponseOptions& opt, ResponseResult& r) const;
  bool check_peak(std::span<const double> ir, long lat, const Gate& g, const ResponseOptions& opt,
                  ResponseResult& r) const;
  // The tapered linear gate, then the harmonic ones (H2, H3, ...) when the sweep is exponential.
  std::vector<response_detail::GatedIr> cut_gates(std::span<const double> ir, long lat, const Gate& g,
                                                  const ResponseOptions& opt, double l_s) const;
  void read_responses(const std::vector<response_detail::GatedIr>& gates, double lo, double hi,
                      const ResponseOptions& opt, ResponseResult& out) const;
  bool check_explained(RealFft& fft, long lat, const Gate& g, double e_y, ResponseResult& r) const;
  bool check_coverage(std::size_t capture_frames, ResponseResult& r) const;
  // The capture (in fft) deconvolved and checked: the cut gates, or nullopt (r.reason says why). Takes the
  // buffer, so that it is freed before the gates are transformed.
  std::optional<std::vector<response_detail::GatedIr>> checked_gates(RealFft fft, bool transformed,
                                                                     std::size_t capture_frames,
                                                                     const ResponseOptions& opt,
                                                                     ResponseResult& r) const;
};

// Interpolate h at freq_hz from response points (linear in log-frequency on the complex value; log_interp.hpp).
std::optional<std::complex<double>> response_at(const std::vector<ResponsePoint>& pts, double freq_hz);

// The largest |relative_db| over the closed band [lo_hz, hi_hz]: every reported point inside it and the
// response at both edges exactly (relative_db interpolated linearly in log-frequency, where the points reach
// the edge). 0 when no point lies in the band.
double max_abs_relative_db(const std::vector<ResponsePoint>& pts, double lo_hz, double hi_hz);

// 1/N-octave smoothing of magnitudes (power average over f*2^(-1/2N)..f*2^(1/2N)); returns dB values.
std::vector<double> smooth_fractional_octave(std::span<const double> freqs_hz, std::span<const double> gain_db,
                                             double fraction_n);

}  // namespace outbench
