// Multitone: the whole band in one capture (docs/MEASUREMENTS.md "Multitone").
//
// Design. Tones on the base-10 third-octave series f_k = band_lo * 10^(k/10) (31 tones from 20 Hz to 20 kHz),
// each moved to an exact bin of the period N (period_frames; a bin is rate_hz / N): the signal repeats every
// N samples, so any N consecutive samples of its settled part hold every tone on its bin and a rectangular
// window is exact (no leakage). Each tone's bin is the nearest to f_k (within +/-kSearchFraction of f_k) such
// that no product of the tones placed so far lands on a tone: harmonics 2..max_harmonic of each tone, and
// f1 +/- f2, 2 f1 +/- f2 of each pair, folded about Nyquist (a digital nonlinearity aliases). The tones are
// placed from the lowest up, each checked against every product with the tones below it, so no such product
// of the final set lands on a tone. Optionally the mains hum lines (50/60 Hz multiples up to 400 Hz, 1 %)
// are kept off the tones. Phases: Schroeder's rule generalised to any spacing (each tone's group delay
// proportional to its rank, the tones following one another as in a sweep), then refined by iterative clipping
// (clip the period at 1.2-1.6 times its rms, keep the phases of the tone bins, restore the equal amplitudes;
// the best period found is kept). The crest factor is peak / rms of one period: 11.5 dB for the 31 tones at
// 48 kHz (random phases ~12.8 dB, all in phase 17.9 dB: log-spaced tones do not reach the few dB that
// Schroeder's phases give harmonically spaced ones).
// Level: level_dbfs is the PEAK of the multitone in dBFS of a sine's peak (sine-equivalent peak): its peak
// is at most what a sine at level_dbfs reaches, so it is peak-safe wherever a sine at that level is. Every
// tone then has level_dbfs - 20 log10(peak of the unit-tone sum) dBFS (multitone_tone_level_dbfs()).
//
// Analysis. One period (N samples) of the capture's settled part (the last full period before the end of
// its loud region, at least kMinSettleBlocks blocks of 1/band_lo after its start) is transformed (rectangular
// window). Per tone: its level (dBFS, sine peak) and response_db = level - the stimulus tone's level. The
// residual: every bin that is not a tone (DC excluded) holds distortion (harmonics and IMD between tones)
// plus noise; per tone it is summed over the tone's band (reaching halfway, geometrically, to its neighbours),
// expressed in dB re the whole multitone's mean square (tdn_db) and re that tone (tdn_re_tone_db). The floor
// is the noise in the same bins estimated from the "clean" bins (no tone and no product of the design's
// orders): their mean power in or nearest the band times the band's residual bin count. The residual reads
// higher than single-tone THD+N at the same level, as it holds the IMD between all the tones.
// Conventions: levels in dBFS (a full-scale sine is 0 dBFS), ratios in dB, frequencies in Hz.
// Limits: only the products listed are kept off the tones (higher orders and three-tone products f1+f2-f3
// land anywhere, on tones too, where they change the response reading by their level); a capture must hold
// one settled period; a clock offset between playback and capture spreads the tones out of their bins
// (the analysis assumes one clock).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace outbench {

inline constexpr double kMultitoneSearchFraction = 0.1;  // a tone moves at most this fraction of its frequency
inline constexpr int kMultitoneMinSettleBlocks = 2;

struct MultitoneSpec {
  double rate_hz = 48000.0;
  std::size_t period_frames = 48000;  // N: every tone on a bin of N (48000 at 48 kHz: 1 Hz bins)
  double band_lo_hz = 20.0;
  double band_hi_hz = 20000.0;
  double tones_per_decade = 10.0;  // 10: third octaves (base-10 series)
  int max_harmonic = 5;
  bool avoid_hum = true;
  int refine_iterations = 200;  // iterative clipping of the phases (0: Schroeder's phases only)
};

struct MultitoneDesign {
  bool valid = false;
  std::string reason;  // why not valid
  double rate_hz = 0;
  std::size_t period_frames = 0;
  double band_lo_hz = 0, band_hi_hz = 0;
  std::vector<std::size_t> bins;         // each tone's bin (ascending)
  std::vector<double> freq_hz;           // bins * rate_hz / N
  std::vector<double> phase_rad;         // each tone's phase (cosine)
  std::vector<bool> product_bin;         // N/2+1 flags: a harmonic or IMD product of the design's orders
  double crest_factor_db = 0;            // peak / rms of one period
  double schroeder_crest_factor_db = 0;  // with the generalised Schroeder phases, before the refinement
  double peak_unit = 0;                  // peak of one period with unit-amplitude tones
  double bin_hz() const { return rate_hz / static_cast<double>(period_frames); }
};

// Throws nothing: an impossible spec gives valid = false and the reason.
MultitoneDesign design_multitone(const MultitoneSpec& spec);

// Each tone's level (dBFS, sine peak) when the multitone's peak is at level_dbfs.
double multitone_tone_level_dbfs(const MultitoneDesign& d, double level_dbfs);
// The whole multitone's rms as a sine-equivalent level (dBFS) when its peak is at level_dbfs.
double multitone_rms_dbfs(const MultitoneDesign& d, double level_dbfs);

// duration_s of the multitone (peak at level_dbfs), faded in and out over fade_s (raised cosine).
std::vector<double> make_multitone(const MultitoneDesign& d, double level_dbfs, double duration_s, double fade_s);

struct MultitoneTone {
  double freq_hz = 0;
  double level_dbfs = 0;                  // the tone in the capture (sine peak)
  double response_db = 0;                 // level re the stimulus tone
  double band_lo_hz = 0, band_hi_hz = 0;  // its third-octave band
  int residual_bins = 0;                  // bins of the band that are not tones
  double tdn_dbfs = -400;                 // distortion + noise in the band (sine-equivalent rms)
  double tdn_db = -400;                   // re the whole multitone's mean square
  double tdn_re_tone_db = -400;           // re this tone
  double floor_db = -400;                 // the noise floor in those bins, re the whole multitone
};

struct MultitoneAnalysis {
  bool valid = false;
  std::string reason;
  std::size_t start_frame = 0;  // the period analysed
  double total_dbfs = 0;        // the multitone (tone bins) as a sine-equivalent rms level
  double tone_fraction = 0;     // share of the band's power on the tone bins
  double tdn_db = -400;         // the residual over the band (band_lo..band_hi) re the multitone
  double floor_db = -400;       // the noise floor over the same bins
  std::vector<MultitoneTone> tones;
};

// `level_dbfs`: the stimulus's peak level (the one given to make_multitone), for response_db.
MultitoneAnalysis analyze_multitone(std::span<const double> x, const MultitoneDesign& d, double level_dbfs);

}  // namespace outbench
