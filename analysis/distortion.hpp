// THD+N, THD and harmonic levels of a single tone (docs/MEASUREMENTS.md "THD+N and THD"; AES17).
//
// Method. The settled part of the signal is found (fades and leading/trailing silence are cut: blocks one
// period of band_lo_hz long whose peak is within 5 % of the typical level, one block of margin each side).
// It is analysed in segments of at most max_segment_frames (50 % overlap, averaged power spectra; one
// segment when it fits), each with its window-weighted mean (DC) removed and a Blackman-Harris 7-term window
// (highest sidelobe -180.1 dB for segments of 1024 points or more; windows.hpp). Bin powers are normalised so that they
// add up to the signal's mean square.
// - Fundamental: the strongest bin in band (or the one near fundamental_hz). Its power is the sum of the
//   bins within the exclusion band of +/-kExclusionHalfWidthBins (10) bins around it; its frequency is the
//   power centroid of those bins, which is exact for a periodic cosine-sum window (tone not bin-centred,
//   non-integer cycle counts included).
// - THD+N = sqrt(P_residual / P_total): P_residual is the power of every in-band bin outside the
//   fundamental's exclusion band plus, for the excluded bins, the local noise density (mean of the 40
//   nearest free bins) times their count; P_total = P_fundamental + P_residual. Hum, DC leakage and
//   harmonics in band count as residual; anything outside band_lo_hz..band_hi_hz does not.
//   With A-weighting, every residual bin is weighted by |A(f)|^2 (IEC 61672) before summing, and P_total is
//   the unweighted fundamental plus the weighted residual (the weighting is a noise filter; it does not
//   scale the reference, so a 100 Hz tone is not penalised by A(100 Hz) = -19 dB).
// - Harmonics 2..max_harmonic: power in the same +/-10-bin exclusion band around n*f0, less the local noise
//   density times its width; reported in dBc; flagged below_noise when not 3 dB above that noise. THD sums
//   the in-band harmonics only.
// - A steady tone or no reading ("no steady tone"): the analysed part has no gaps (no block of the segment
//   falls 12 dB below the median block's RMS; blocks long enough that a steady sine's block power stays within
//   1/8 of its mean, also near DC and Nyquist; a few low blocks at either end are allowed), and a tone found on
//   its own (fundamental_hz 0) stands 10 dB above the spectrum beside it and carries more power than the rest
//   of the band (noise, a spur in it, a sweep: refused). A named tone is measured down to the noise.
// - Notched noise (the noise under the tone): the in-band power outside the fundamental's and every
//   harmonic's exclusion band, plus for each of those bands (its in-band bins) the local noise density times
//   its width; weighted like the residual. It is the residual without the harmonics' excess over the noise:
//   hum and spurs stay in it. Absent when the band holds no power at all.
// - Every reported figure is finite: THD with no harmonic in band is NaN and harmonics_in_band 0 (no reading;
//   JSON null); with every in-band harmonic below the noise, THD is the bound their bands give
//   (thd_below_noise).
// Limits: the fundamental must lie at least 2*10 bins above band_lo and apart from its harmonics, i.e. the
// segment must hold about 20 cycles or more; otherwise the result is invalid with a reason.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/weighting.hpp"
#include "analysis/windows.hpp"

namespace outbench {

inline constexpr int kExclusionHalfWidthBins = 10;
// The window of every THD+N, THD and noise spectrum.
inline constexpr WindowKind kThdnWindow = WindowKind::BlackmanHarris7;

struct ThdnOptions {
  double band_lo_hz = 20.0;  // AES17 band
  double band_hi_hz = 20000.0;
  double fundamental_hz = 0.0;  // 0: find the strongest tone
  Weighting weighting = Weighting::None;
  int max_harmonic = 10;
  bool trim_to_settled = true;
  std::size_t max_segment_frames = std::size_t{1} << 18;
  // Threads for the Welch spectrum (1 or 2; see power_spectrum): the figures are the same bit for bit.
  int threads = 1;
};

struct HarmonicLevel {
  int order = 0;
  double freq_hz = 0;
  double level_dbc = 0;
  bool in_band = true;
  bool below_noise = false;
};

struct ThdnResult {
  bool valid = false;
  std::string reason;  // why not valid
  double fundamental_hz = 0;
  double level_dbfs = 0;  // the fundamental
  // THD sums the in-band harmonics. None in band (a high tone): NaN, not a reading (harmonics_in_band == 0).
  // All in-band harmonics below the noise: the bound their bands' power gives, thd_below_noise set.
  double thd_db = 0;
  double thd_percent = 0;
  int harmonics_in_band = 0;
  bool thd_below_noise = false;
  double thdn_db = 0;
  double thdn_percent = 0;
  double noise_dbfs = 0;  // the residual (everything but the fundamental, in band), weighted if asked
  std::optional<double> notched_noise_dbfs;  // the residual less the harmonics (fundamental and harmonics notched)
  std::vector<HarmonicLevel> harmonics;
  // Conditions.
  std::size_t start_frame = 0;  // settled segment analysed
  std::size_t n_frames = 0;
  std::size_t segment_frames = 0;
  std::size_t n_segments = 0;
  double bin_hz = 0;
  std::string_view window = window_name(kThdnWindow);
  double band_lo_hz = 0;
  double band_hi_hz = 0;
};

ThdnResult analyze_thdn(std::span<const double> x, double rate_hz, const ThdnOptions& opt = {});
// The same from single-precision samples (half the memory of a long capture): every sum is formed in double,
// so samples that float holds exactly (16/24-bit and float files) give the very figures of their doubles.
ThdnResult analyze_thdn(std::span<const float> x, double rate_hz, const ThdnOptions& opt = {});

// Averaged power spectrum (mean square per bin, full-scale units), window kThdnWindow, DC removed.
struct PowerSpectrum {
  double bin_hz = 0;
  std::size_t segment_frames = 0;
  std::size_t n_segments = 0;
  std::vector<double> ms;  // bins 0..N/2; sum over all bins == mean square of the signal
};
// threads = 2: a second thread transforms the odd segments it comes to before the main thread does (when there
// are at least 4 of 16384 frames or more) and the main thread adds the segments' powers in their order, so the
// sums are the same bit for bit; it needs the memory of a second segment's transform and two of its spectra.
PowerSpectrum power_spectrum(std::span<const double> x, double rate_hz,
                             std::size_t max_segment_frames = std::size_t{1} << 18, int threads = 1);
PowerSpectrum power_spectrum(std::span<const float> x, double rate_hz,
                             std::size_t max_segment_frames = std::size_t{1} << 18, int threads = 1);

// In-band noise of an idle channel: RMS over band_lo..band_hi (optionally A-weighted), in dBFS.
struct NoiseResult {
  bool valid = false;
  std::string reason;
  double noise_dbfs = 0;
  double band_lo_hz = 0;
  double band_hi_hz = 0;
};
NoiseResult analyze_noise(std::span<const double> x, double rate_hz, double band_lo_hz = 20.0,
                          double band_hi_hz = 20000.0, Weighting weighting = Weighting::None);

// The settled part of a tone capture: [start, start+n). Returns the whole signal when no clear settled
// part is found.
struct Segment {
  std::size_t start = 0;
  std::size_t n = 0;
};
Segment settled_segment(std::span<const double> x, double rate_hz, double lowest_freq_hz = 20.0);
Segment settled_segment(std::span<const float> x, double rate_hz, double lowest_freq_hz = 20.0);

}  // namespace outbench
