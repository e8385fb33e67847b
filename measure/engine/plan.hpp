// The plan of a run: the stimulus durations (full and --quick), the procedure's constants, and the helpers
// every step shares (frames from seconds, tones, THD+N of a capture, the synchronized sweep, which ports and
// loads a run covers, the time it plans to play). Pure: no I/O.
//
// Conventions: durations in seconds (_s), levels in dBFS of a sine (AES17), frequencies in Hz. Every tone
// fades in and out over kFadeS (raised cosine).
// Limits: plan_seconds() is an estimate for the progress bar, not the time the run will take.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/distortion.hpp"
#include "analysis/response.hpp"
#include "analysis/signals.hpp"
#include "analysis/verdict.hpp"
#include "measure/config/bench_config.hpp"

namespace outbench::engine {

// Plan constants (seconds of stimulus), full and --quick.
struct Durations {
  double sweep_s, tone_s, step_s, noise_s, dr_s, xtalk_s, freq_tone_min_s;
  int level_step_db, bisections, thdn_freq_per_octave;
  std::vector<double> xtalk_freqs;  // per load (80 Hz rather than 100 Hz: mains hum has a line at 100 Hz)
  double xtalk_per_octave;          // crosstalk versus frequency, into the nominal load
  // THD+N versus frequency: each tone lasts this many cycles, within freq_tone_min_s and thdn_freq_max_s
  // (60 cycles, 0.2..1.5 s; 30 cycles reads THD 1..4 dB off near 150 Hz, under 0.2 s hum lines leak in).
  double thdn_freq_cycles, thdn_freq_max_s;
};
extern const Durations kFull, kQuick;

inline constexpr double kFadeS = 0.005;           // raised-cosine fades on every tone
inline constexpr double kCaptureMarginS = 0.1;    // extra capture for the interface's latency, until it is measured
inline constexpr double kLatencyGuardS = 0.002;   // added to the measured latency
inline constexpr double kSweepTailS = 0.05;       // capture after the sweep (it ends at Nyquist: short decay)
inline constexpr double kLevelStartDbfs = -40.0;  // THD+N versus level starts here
inline constexpr double kThdn1PctDb = -40.0;      // 1 % THD+N
inline constexpr double kThdn0p1PctDb = -60.0;    // 0.1 % THD+N
inline constexpr double kCompressionDb = 1.0;     // output rise short of the drive step by this much: compression
inline constexpr double kAdcNearFullScaleDbfs = -0.5;
inline constexpr double kDrMeasureDbfs = -60.0;   // AES17 dynamic range
inline constexpr double kSweepStartHz = 5.0;      // so the response is clean from 10 Hz
inline constexpr double kFloorMarginDb = 10.0;    // readings this close to the analyser floor are flagged
inline constexpr double kThdnFreqStartHz = 20.0;  // THD+N versus frequency: 20 Hz..20 kHz
inline constexpr double kThdnFreqStopHz = 20000.0;
inline constexpr double kXtalkMaxS = 2.0;  // a crosstalk tone (its length is set by the hum lines near it)
// THD+N versus frequency is measured again this far below the nominal load's 1 % THD+N drive.
inline constexpr double kNearMaxBelowDb = 6.0;
inline constexpr double kHeadphoneNominalOhms = 32.0;  // the headphone out's nominal load (the line out's: the rules')

// The synchronized sweep of a port: its stimulus, the capture length and the deconvolver.
struct SweepPlan {
  SweepSpec spec;
  SweepInfo info;
  std::vector<double> x;
  std::size_t capture_frames = 0;
  std::unique_ptr<Deconvolver> deconv;
};

// `x` on every output channel of the port, or only on `only_channel` (the others silent).
std::vector<std::vector<double>> on_channels(const PortWiring& port, const std::vector<double>& x,
                                             int only_channel = -1);

// The rate-dependent edges of a run: the response band's upper edge and the out-of-band noise band (both only
// above 48 kHz, where the rate leaves room above 20 kHz).
inline constexpr double kWideResponseHz = 40000.0;            // the response is also reported to here...
inline constexpr double kWideResponseNyquistFraction = 0.45;  // ...or to this fraction of the rate, if lower
inline constexpr double kOutOfBandLoHz = 20000.0;             // out-of-band noise: 20 kHz..Nyquist
inline constexpr double kWideBandMinRateHz = 48000.0;         // rates above this get both

struct Plan {
  Plan(double rate_hz, bool quick, double band_lo_hz = 20.0, double band_hi_hz = 20000.0)
      : rate_hz(rate_hz), d(quick ? kQuick : kFull), band_lo_hz(band_lo_hz), band_hi_hz(band_hi_hz) {}
  double rate_hz;
  const Durations& d;
  // The band of every THD+N and unweighted noise figure (--band, AES17 20 Hz..20 kHz by default).
  double band_lo_hz, band_hi_hz;
  bool wide_band() const { return rate_hz > kWideBandMinRateHz; }
  // The response band's upper edge above 48 kHz: min(kWideResponseHz, 0.45 rate); 0 at 48 kHz and below.
  double wide_response_hi_hz() const;

  std::size_t frames(double s) const;
  std::vector<double> tone(double freq_hz, double level_dbfs, double seconds) const;
  ThdnResult thdn(const std::vector<double>& x, double f0_hz) const;  // in the run's band
  ThdnOptions thdn_options(double f0_hz) const;                       // the same options, for variants
  SweepPlan sweep(double level_dbfs) const;
  // Stimulus seconds of a crosstalk tone at f_hz: long enough that the narrow-band reading keeps the hum
  // lines out of its main lobe (analysis/narrowband.hpp) over the settled segment, at least d.xtalk_s, at
  // most kXtalkMaxS (a tone on a hum line gets kXtalkMaxS; its reading is refused).
  double xtalk_seconds(double f_hz) const;
  double plan_seconds(std::size_t n_ports, std::size_t n_loads) const;  // the sum of plan_seconds_by_step
  // The estimate's parts: "per load" (every load's captures), "thdn-freq" (the tone lists and the ground-return
  // sweeps), "imd", "multitone" (each capture with its margin).
  std::map<std::string, double> plan_seconds_by_step(std::size_t n_ports, std::size_t n_loads) const;
};

// Why LOW..HIGH cannot be a run's band at rate_hz with tone_hz (LOW >= kMinBandLoHz, LOW < HIGH, HIGH <=
// rate/2, the tone an octave inside it), or "" when it can. The text names the edges, not the option.
inline constexpr double kMinBandLoHz = 10.0;
std::string band_problem(double band_lo_hz, double band_hi_hz, double rate_hz, double tone_hz);

// The loads of a run (every load of the bench when `names` is empty), open first. Throws
// std::invalid_argument for a name the bench lacks.
std::vector<const Load*> loads_in_run(const BenchConfig& bench, const std::vector<std::string>& names);
// The ports of a run; line/headphone on a bench without them are left out (reported absent), any other
// unknown name throws std::invalid_argument.
std::vector<const PortWiring*> ports_in_run(const BenchConfig& bench, const std::vector<std::string>& names);
// The port's nominal load among `loads`: the one nearest (in log ohms) the rules' line load for the line
// out, kHeadphoneNominalOhms for the headphone out. "" when the run has no load but open.
std::string nominal_load_for(const std::string& port, const std::vector<const Load*>& loads, const VerdictRules& rules);

}  // namespace outbench::engine
