// Band-limited resampling by an arbitrary ratio (libsoxr, "very high quality": passband flat to 0.1 dB up to
// 96 % of the Nyquist frequency, alias and image rejection ~ 170 dB, i.e. below any figure outbench reports).
//
// Why libsoxr and not libsamplerate: libsamplerate's best converter ("SINC_BEST_QUALITY") is specified at
// 97 dB SNR, which is the THD+N of a good line out: its own error would show in the residual. libsoxr's VHQ
// is ~ 170 dB and faster. Both are Debian packages (libsoxr-dev).
//
// Convention: out[m] = x(m * in_per_out), with x the band-limited signal through the samples x[n] (t = 0 at
// sample 0 in both; soxr's filter delay is removed). Samples beyond the end of x read as silence.
// out_frames values are returned (the tail zero-padded when x runs out).
// Limits: in_per_out must be in (0.5, 2); the phase response is linear (a pure delay that soxr removes).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace outbench {

std::vector<double> resample_by_ratio(std::span<const double> x, double in_per_out, std::size_t out_frames);

// y[n] = x(n + shift) for the band-limited x through the samples (|shift| <= 1): a delay of -shift samples by
// a linear phase on the whole signal's spectrum (FFT, zero-padded by at least 1024 frames so that the wrap-around
// is silence for a signal that starts and ends in silence or noise). The Nyquist bin keeps its real part.
// Same length as x.
std::vector<double> shift_by_fraction(std::span<const double> x, double shift);

}  // namespace outbench
