// Test signals.
//
// Exponential sine sweep, synchronized form (Novak et al., "Synchronized swept-sine: theory, application,
// and implementation", JAES 63(10), 2015): x(t) = sin(2*pi*f1*L*(exp(t/L) - 1)) with
// L = round(f1*T/ln(f2/f1))/f1, so that f1*L is an integer and the n-th harmonic of the sweep is the sweep
// advanced by L*ln(n). The actual duration L*ln(f2/f1) therefore differs slightly from the requested one.
// A raised-cosine fade-in over the first 1/6 octave and fade-out over the last 1/24 octave (durations
// derived from L) keep the spectrum clean; the response below f1*2^(1/6) is not reported.
// Tones: sine with raised-cosine fades in and out (safety on a real bench, and no clicks in the analysis).
// Levels are in dBFS (peak amplitude 10^(dBFS/20) of full scale). All generators are pure.
#pragma once

#include <cstddef>
#include <vector>

namespace outbench {

struct SweepSpec {
  double start_hz = 20.0;
  double stop_hz = 20000.0;
  double duration_s = 2.0;  // requested; actual is sweep_rate_l_s * ln(stop/start)
  double rate_hz = 48000.0;
  double level_dbfs = -6.0;
  double fade_in_octaves = 1.0 / 6.0;
  double fade_out_octaves = 1.0 / 24.0;
};

struct SweepInfo {
  double l_s = 0;         // Novak's L (rate parameter), seconds
  double duration_s = 0;  // actual duration
  std::size_t n_frames = 0;
  // Time advance of the n-th harmonic response in the deconvolved impulse response: L*ln(n).
  double harmonic_advance_s(int order) const;
};

// Throws std::invalid_argument on an impossible spec (start >= stop, stop above Nyquist, ...).
SweepInfo sweep_info(const SweepSpec& spec);
std::vector<double> make_sweep(const SweepSpec& spec);

struct ToneSpec {
  double freq_hz = 997.0;  // AES17 test frequency
  double duration_s = 1.0;
  double rate_hz = 48000.0;
  double level_dbfs = -20.0;
  double fade_s = 0.01;  // raised-cosine fade in and out, each
  double phase_rad = 0.0;
};
std::vector<double> make_tone(const ToneSpec& spec);

std::vector<double> make_silence(double duration_s, double rate_hz);

// Raised-cosine fade in over the first fade_in frames and out over the last fade_out frames, in place.
void apply_fades(std::vector<double>& x, std::size_t fade_in_frames, std::size_t fade_out_frames);

// Stepped-sine frequency list: log-spaced, `per_octave` points per octave from start to stop (both
// included).
std::vector<double> stepped_sine_freqs(double start_hz, double stop_hz, double per_octave);

}  // namespace outbench
