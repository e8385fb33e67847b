// Narrow-band level of a tone of known frequency, with the narrow-band noise beside it and an upper bound when
// the tone does not stand clearly above that noise (docs/MEASUREMENTS.md "Crosstalk and balance").
//
// Method. The signal (its window-weighted mean removed) is weighted by a Blackman-Harris 7-term window
// (main lobe +/-7 bins, highest sidelobe -180 dB; windows.hpp) and correlated with a complex exponential at
// exactly freq_hz (a DFT at one frequency, not tied to the FFT's bins): the reading is the level a sine at
// freq_hz has, 2|X(f)|/sum(w), in dBFS (a full-scale sine reads 0 dBFS). A bin is rate_hz / n.
// - Hum lines: multiples of each mains frequency (50 and 60 Hz) up to hum_max_hz, each known only within
//   hum_tolerance of its frequency. The tone must lie more than 8 bins plus that tolerance from every line
//   (outside the line's main lobe: a line there leaks at most -180 dB into the reading); otherwise the result
//   is invalid and says how long the signal must be. narrowband_min_seconds() gives that length beforehand.
// - Noise: the same reading at neighbouring frequencies f +/- k bins (k >= 8: outside the tone's main lobe),
//   nearest first, skipping those within a hum line's keep-out; the noise power is the median of their
//   powers / ln 2 (for Gaussian noise the reading's power is exponentially distributed, whose mean is its
//   median / ln 2; the median ignores a stray spur). It is the power pure noise gives the reading on average:
//   the noise in the window's equivalent noise bandwidth (enbw_hz, ~2.6 bins), expressed as a sine's level.
// - Decision: the tone is measured when its reading's power is at least kNarrowbandDetectDb (10 dB) above
//   that noise; level_dbfs is then the reading with the noise power subtracted. Pure noise passes 10 dB
//   with probability e^-10 (5e-5; at 6 dB it would be e^-4 = 1.8 %, a noise reading or two per run labelled as
//   a measured value). Below it, level_dbfs is an upper bound (bound set): amplitude reading +
//   sqrt(noise power * ln 20). The noise adds a vector n to the tone's, so tone <= |reading| + |n|, and |n|
//   (Rayleigh) stays below sqrt(P_noise ln 20) with probability 95 %: a 95 % upper limit, about 6-9 dB
//   above the noise when the reading is noise.
// Conventions: levels in dBFS of a sine's peak (AES17), frequencies in Hz, lengths in seconds.
// Limits: the noise estimate uses at most noise_points readings (their spread is about +/-1 dB with the default
// 32) and is taken as exact in the bound; hum above hum_max_hz is not kept out (a line there only raises the
// noise estimate if it lands among the noise readings); a frequency offset between the tone and freq_hz
// lowers the reading (scalloping, 0.1 dB at 0.1 bin).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace outbench {

inline constexpr double kNarrowbandDetectDb = 10.0;

struct NarrowbandOptions {
  double freq_hz = 1000.0;                      // the tone's exact frequency
  std::vector<double> mains_hz = {50.0, 60.0};  // hum fundamentals
  double hum_max_hz = 400.0;                    // their harmonics up to here are hum lines
  double hum_tolerance = 0.01;                  // each line is known within this fraction of its frequency
  int noise_points = 32;                        // neighbouring readings for the noise estimate
};

struct NarrowbandResult {
  bool valid = false;
  std::string reason;       // why not valid
  double reading_dbfs = 0;  // the reading at freq_hz (tone plus noise)
  double noise_dbfs = 0;    // the mean reading of the noise at neighbouring frequencies
  double level_dbfs = 0;    // the tone: measured (bound false) or its 95 % upper bound (bound true)
  bool bound = false;
  double bin_hz = 0;     // rate_hz / n
  double enbw_hz = 0;    // equivalent noise bandwidth of the reading
  int noise_points = 0;  // readings that made the noise estimate
};

// The hum lines of `opt` (sorted).
std::vector<double> hum_lines_hz(const NarrowbandOptions& opt);

// The shortest signal (seconds) for which the tone at opt.freq_hz lies outside every hum line's keep-out, the
// DC's and Nyquist's: +infinity when the tone sits on a hum line (within its tolerance).
double narrowband_min_seconds(double rate_hz, const NarrowbandOptions& opt);

NarrowbandResult narrowband_level(std::span<const double> x, double rate_hz, const NarrowbandOptions& opt);

}  // namespace outbench
