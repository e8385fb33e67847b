// The results of a bench run: what results.json holds (reports/SCHEMA.md documents every field and unit).
// Plain data, filled by the sequencer (measure/) and read by the report writers; no PortAudio here.
#pragma once

#include <complex>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/distortion.hpp"
#include "analysis/floor_margin.hpp"
#include "analysis/headphone.hpp"
#include "analysis/impedance.hpp"
#include "analysis/load_checks.hpp"
#include "analysis/response.hpp"
#include "analysis/verdict.hpp"
#include "measure/dc_results.hpp"
#include "measure/imd_results.hpp"
#include "measure/multitone_results.hpp"

namespace outbench {

// One step of THD+N versus level. A step whose capture held no tone has no level and no THD+N.
struct LevelStep {
  double drive_dbfs = 0;
  std::optional<double> out_dbfs;  // measured at the loopback input (fundamental)
  std::optional<double> out_vrms;  // when the input is calibrated
  std::optional<double> thdn_db;
  std::optional<double> thd_db;  // harmonics only (absent: no harmonic in band)
  bool valid() const { return out_dbfs && thdn_db; }
};

struct MaxLevel {
  bool valid = false;
  std::string stop_reason;  // an id of engine/level_search.hpp StopReason: "thdn_1pct", "current_limit", ...
  std::string explanation;
  // At 1 % THD+N (or where the search stopped) and at 0.1 % THD+N. `crossed`: THD+N crossed the limit (the
  // point is interpolated at it); false with `found`: the search stopped first (stop_reason) and the point is the
  // highest level measured below the limit, a lower bound of where the limit lies.
  struct Point {
    bool found = false;
    bool crossed = false;
    double drive_dbfs = 0;
    double out_dbfs = 0;
    std::optional<double> vrms, dbv, dbu, mw;
  };
  Point at_1pct;
  Point at_0p1pct;
};

struct ChannelLevel {
  int channel = 0;
  double level_dbfs = 0;
  double thdn_db = 0;
};

// One channel's response to the sweep into a load (both channels driven in phase).
struct ChannelResponse {
  int channel = 0;
  ResponseResult response;                      // gains per dBFS of drive, as LoadResult::response
  std::optional<double> response_deviation_db;  // max |relative dB| 20 Hz..20 kHz
  // Above 48 kHz: the same over 20 Hz..RunConditions::response_wide_hi_hz (to 40 kHz, or 0.45 rate if lower).
  std::optional<double> response_deviation_wide_db;
};

// A sweep on one channel alone (the other at digital zero), for the ground return: both channels' responses at
// 1 kHz (the undriven one's is the ground-return leak; absent when it is lost in noise), per dBFS of drive.
struct AloneSweep {
  int channel = 0;
  std::optional<std::complex<double>> driven_1k, other_1k;
  std::string problem;  // why the driven channel has no response
};

// Margins over the port's analyser floor (analysis/floor_margin.hpp; absent: no floor known): idle noise,
// noise under the -60 dBFS tone (unweighted, A), the reference tone's THD+N residual and the -60 dBFS
// tone's residual (DR). The SNR carries the margin of the noise it uses.
struct FloorMargins {
  std::optional<FloorMargin> noise, noise_a, noise_tone, noise_tone_a, thdn, dr, dr_a;
};

// One channel's figures in a load: every tone and noise capture records both channels and each is analysed
// (docs/MEASUREMENTS.md "Both channels"). The load's own fields of the same names are the worse channel's.
struct ChannelFigures {
  int channel = 0;
  ThdnResult thdn_ref;         // at the reference level
  NoiseResult noise, noise_a;  // idle noise (digital silence)
  std::optional<double> noise_dbv, noise_a_dbv;
  // Above 48 kHz: the idle noise from 20 kHz to Nyquist (RunConditions::out_of_band_*), unweighted.
  std::optional<double> noise_oob_dbfs, noise_oob_dbv;
  std::optional<double> noise_tone_dbfs, noise_tone_a_dbfs, noise_tone_dbv, noise_tone_a_dbv;
  std::optional<double> dr_residual_dbfs, dr_residual_a_dbfs;
  std::vector<LevelStep> thdn_vs_level;  // the steps up to this channel's own stop
  MaxLevel max_level;
  std::optional<double> snr_db, snr_a_db, dynamic_range_db, dynamic_range_a_db;
  std::vector<double> spectrum_dbfs, noise_spectrum_dbfs;  // as LoadResult's
  FloorMargins floor;                                      // this channel's figures over the port's floor
};

struct LoadResult {
  std::string load_name;
  double load_ohms = 0;          // actual; +inf for open (a reactive load: its |Z| at 1 kHz)
  FrequencyImpedance load_z;     // the load versus frequency (a resistor: load_ohms), for |Zout|
  std::string load_description;  // a reactive load's network or curve ("" for a resistor)
  double lead_ohms = 0;          // the bench's series lead resistance to this load (subtracted from |Zout|)
  double tolerance_pct = 1.0, lead_uncertainty_ohms = 0.02;  // the bench's (Load), for |Zout|'s uncertainty
  bool valid = true;
  std::string problem;
  ResponseResult response;
  std::optional<double> response_deviation_db;       // max |relative dB| 20 Hz..20 kHz
  std::optional<double> response_deviation_wide_db;  // above 48 kHz: to response_wide_hi_hz (ChannelResponse)
  std::vector<ChannelResponse> channel_responses;    // every channel's (channel 0's is also `response`)
  std::vector<AloneSweep> alone_sweeps;              // on the port's heaviest load only (ground return)
  // Every channel's figures; the fields below of the same names (thdn_ref, noise, ..., max_level, snr_db) are
  // the worse channel's, the left's unless another is worse by more than kChannelResolutionDb, and
  // `worse_channel` names the channel each came from ("thdn_reference", "noise", "max_level", "snr", ...).
  std::vector<ChannelFigures> channel_figures;
  std::map<std::string, int> worse_channel;
  ThdnResult thdn_ref;                     // at the reference level, the worse channel
  std::vector<ChannelLevel> channels_ref;  // every channel at the reference level
  std::optional<double> balance_db;
  std::vector<LevelStep> thdn_vs_level;
  MaxLevel max_level;
  NoiseResult noise, noise_a;  // idle noise (digital silence), as measured
  std::optional<double> noise_dbv, noise_a_dbv;
  std::optional<double> noise_oob_dbfs, noise_oob_dbv;  // out-of-band idle noise (ChannelFigures), the worse
  // The noise under the -60 dBFS tone (its fundamental and harmonics notched), unweighted and A-weighted.
  std::optional<double> noise_tone_dbfs, noise_tone_a_dbfs, noise_tone_dbv, noise_tone_a_dbv;
  // Idle noise more than kMuteMarginDb below the noise under the tone: the output mutes on digital silence,
  // and the SNR uses the noise under the tone.
  bool mutes_on_silence = false;
  // The -60 dBFS tone's THD+N residual (everything but the fundamental, in band), unweighted and A-weighted.
  std::optional<double> dr_residual_dbfs, dr_residual_a_dbfs;
  // Dynamic range: the maximum level (1 % THD+N point) over that residual; SNR: the maximum level over the
  // noise in use (idle, or under the tone when the output mutes). Unweighted and A-weighted.
  std::optional<double> dynamic_range_db, dynamic_range_a_db;
  std::optional<double> snr_db, snr_a_db;
  using FloorMargins = outbench::FloorMargins;
  FloorMargins floor;  // the headline figures' margins (each channel's: channel_figures[].floor)
  std::optional<double> ref_below_input_fs_db;  // the reference tone's level below input full scale, dB
  bool mute_undecided = false;          // the noise under the tone was analyser-limited: muting could not be judged
  double reference_drive_dbfs = 0;      // drive of the reference tone (capped by the safety limits)
  double dynamic_range_drive_dbfs = 0;  // drive of the -60 dBFS tone
  // The highest drive the safety limits allowed into this load (after its sweep), and the limit that set it.
  double drive_cap_dbfs = 0;
  std::string drive_cap_limit;
  struct Crosstalk {
    double freq_hz = 0;
    double l_to_r_db = 0;  // NaN: no reading
    double r_to_l_db = 0;
    // The figure is an upper bound (95 %): the leak did not stand 10 dB above the narrow-band noise.
    bool l_to_r_bound = false;
    bool r_to_l_bound = false;
  };
  std::vector<Crosstalk> crosstalk;
  // THD+N at nominal line level (line loads) or at 1 mW (headphone loads), when calibrated.
  // Each channel is driven to the level through its own gain; the fields are the worse channel's (`channel`).
  struct AtLevel {
    std::string what;  // "nominal consumer line level (-10 dBV)", "1 mW"
    double drive_dbfs = 0;
    double out_vrms = 0;
    ThdnResult thdn;
    int channel = 0;  // the channel the fields above are from
    struct Channel {
      int channel = 0;
      double drive_dbfs = 0;
      double out_vrms = 0;
      ThdnResult thdn;
    };
    std::vector<Channel> channels;  // every channel that could be driven to the level (within the cap)
  };
  std::vector<AtLevel> at_levels;
  std::vector<double> spectrum_dbfs;        // reference tone, 1/48-octave max-hold, a sine reads its level
  std::vector<double> noise_spectrum_dbfs;  // idle-channel noise density, dBFS in 1 Hz, same bands
  double spectrum_bin_hz = 0, noise_spectrum_bin_hz = 0;  // the FFT bins they are made of
  // After the switch: the 1 kHz level relative to open, measured and predicted from the other loads' |Zout|,
  // with the measured change's resolution (analysis/load_checks.hpp).
  struct SwitchCheck {
    double measured_db = 0;
    double predicted_db = 0;
    double resolution_db = 0;
    CheckStatus status = CheckStatus::ok;
    bool ok() const { return status == CheckStatus::ok; }
  };
  std::optional<SwitchCheck> switch_check;
  // After every load: this load's |Zout| estimate at 1 kHz against the median of the others'.
  struct Agreement {
    double z_1k_ohms = 0;
    double reference_ohms = 0;
    double resolution_ohms = 0;
    CheckStatus status = CheckStatus::ok;
  };
  std::optional<Agreement> agreement;
  int xrun_captures = 0;     // captures into this load that flagged buffer under/overflows
  int retried_captures = 0;  // of those, played again
};

// One tone of THD+N versus frequency; a tone that could not be measured has no THD+N and no level, and
// `problem` says why.
struct ThdnFreqPoint {
  double freq_hz = 0;
  std::optional<double> thdn_db;
  std::optional<double> level_dbfs;
  // THD (harmonics 2..10 inside the band only); absent when no harmonic lies in the band (a tone above
  // 10 kHz has none below 20 kHz). `thd_below_noise`: every in-band harmonic was below the noise, THD is a bound.
  std::optional<double> thd_db;
  bool thd_below_noise = false;
  int harmonics_in_band = 0;
  // The lowest harmonic order above the band (0: H2..H10 all in band): from it on, THD and THD+N miss them.
  int first_harmonic_out_of_band = 0;
  bool valid() const { return thdn_db && level_dbfs; }
  double band_lo_hz = 20;  // the band moves out to f/2 below 40 Hz and to 1.05 f above 19 kHz
  double band_hi_hz = 20000;
  std::string problem;
};

// THD+N versus frequency at one drive into the port's nominal load.
struct ThdnFreqSeries {
  std::string level_basis;  // "reference" or "near_max" (6 dB below the 1 % point into that load)
  double drive_dbfs = 0;
  std::vector<ThdnFreqPoint> points;                 // channel 0's
  std::vector<std::vector<ThdnFreqPoint>> channels;  // every channel's (index = channel)
};

// One channel's output impedance (both channels driven in phase), and its ground-return estimate.
struct ChannelImpedance {
  int channel = 0;
  std::vector<ImpedancePoint> impedance;  // combined over the loads
  std::optional<double> z_1k_ohms, z_20hz_ohms, max_zout_ohms;
  std::optional<double> z_1k_u95_ohms, z_20hz_u95_ohms, max_zout_u95_ohms;  // their expanded uncertainties (k = 2)
  std::optional<double> z_1k_alone_ohms;     // |Zout| at 1 kHz with this channel driven alone
  std::optional<double> ground_return_ohms;  // Re of the shared return's resistance at 1 kHz from this channel
};

// The volume control stepped down from the top of its range into the port's nominal load
// (measure/engine/volume_tracking.hpp; docs/MEASUREMENTS.md "Volume tracking").
struct VolumeStep {
  double setting_db = 0;      // on the device's scale
  double attenuation_db = 0;  // below the top: the nominal gain change from the top step is -attenuation_db
  double drive_dbfs = 0;
  struct Channel {
    int channel = 0;
    std::optional<double> level_dbfs;     // the tone at the loopback input
    std::optional<double> gain_error_db;  // level change from the top step minus its nominal change
    std::optional<double> thdn_db, noise_dbfs, noise_dbv;
  };
  std::vector<Channel> channels;
  std::optional<double> balance_db;  // left minus right level (signed)
};
struct VolumeTracking {
  std::string load;  // the port's nominal load
  double top_db = 0, run_db = 0;
  std::vector<VolumeStep> steps;
  double balance_limit_db = 0;  // the rules' max_balance_db
  // The lowest setting down to which every step from the top keeps |balance| within balance_limit_db.
  std::optional<double> balanced_down_to_db;
};

struct PortResult {
  // The loopback input's own floor (measure/engine/analyser_floor.hpp), at the input range in use.
  struct AnalyserFloor {
    std::string source;  // "input terminated", "bench file" (calibrate loopback) or "" (not measured)
    std::optional<double> noise_dbfs, noise_a_dbfs;
    std::optional<double> input_full_scale_vrms;  // the range in use (input calibration, else the range's)
    std::string input_range;                      // its name (the bench's ports.NAME.input_range), "" = not named
    std::string note;                             // why it is not measured
    // The interface's output and input together at the run's reference drive (the bench file's, from calibrate
    // loopback): its THD+N and residual (dBFS), the floor under THD+N at that drive.
    std::optional<double> loopback_drive_dbfs, loopback_thdn_db, loopback_residual_dbfs;
    // Every input channel's floor (index = channel; terminated input only); the fields above are channel 0's.
    struct Channel {
      std::optional<double> noise_dbfs, noise_a_dbfs;
    };
    std::vector<Channel> channels;
    bool known() const { return noise_dbfs.has_value(); }
    // Channel `ch`'s floor: its own where measured, else channel 0's (the bench file's floor is one figure).
    AnalyserFloor of_channel(int ch) const {
      AnalyserFloor f = *this;
      if (ch >= 0 && static_cast<std::size_t>(ch) < channels.size() &&
          channels[static_cast<std::size_t>(ch)].noise_dbfs) {
        f.noise_dbfs = channels[static_cast<std::size_t>(ch)].noise_dbfs;
        f.noise_a_dbfs = channels[static_cast<std::size_t>(ch)].noise_a_dbfs;
      }
      return f;
    }
  };
  std::string name;
  AnalyserFloor analyser_floor;
  bool present = true;
  std::vector<int> output_channels, input_channels;
  std::optional<double> vrms_at_0dbfs;  // the output calibration; absent = uncalibrated
  std::vector<LoadResult> loads;
  std::vector<ImpedanceResult> impedance_per_load;
  std::vector<ImpedancePoint> impedance;                        // combined
  std::optional<double> z_1k_ohms, z_20hz_ohms, max_zout_ohms;  // channel 0's
  std::vector<ChannelImpedance> channels;                       // every channel's
  std::optional<double> ground_return_ohms;                     // mean of the channels' estimates
  std::string ground_return_load;                               // the load it was measured into
  std::string ground_return_note;                               // why it is absent, when it is
  // The expanded uncertainties (k = 2) of z_1k_ohms, z_20hz_ohms, max_zout_ohms.
  std::optional<double> z_1k_u95_ohms, z_20hz_u95_ohms, max_zout_u95_ohms;
  bool loads_agree = true;
  std::string agreement_note;
  // False when no load moved the level from open (relays that never switched): the per-load figures and
  // the output impedance are then not reported.
  bool loads_switched = true;
  std::string nominal_load;
  std::vector<ThdnFreqPoint> thdn_vs_freq;                        // at the reference level, channel 0's
  std::vector<std::vector<ThdnFreqPoint>> thdn_vs_freq_channels;  // every channel's (index = channel)
  double thdn_vs_freq_drive_dbfs = 0;
  // The same tones where distortion shows: 6 dB below the nominal load's 1 % point (capped by the safety
  // limits); absent when that is not at least 1 dB above the reference drive.
  std::optional<ThdnFreqSeries> thdn_vs_freq_near_max;
  std::vector<LoadResult::Crosstalk> crosstalk_vs_freq;  // into the nominal load
  double crosstalk_vs_freq_drive_dbfs = 0;
  std::optional<PortImd> imd;                // SMPTE and CCIF into the nominal load (measure/imd_results.hpp)
  std::optional<PortMultitone> multitone;    // into the nominal load (measure/multitone_results.hpp)
  std::optional<PortDcOffset> dc_offset;     // the step "dc" (measure/dc_results.hpp)
  std::optional<PortTransients> transients;  // the step "transients"
  struct Recommendation {
    std::string level_name;
    double target_dbv = 0;
    double drive_dbfs = 0;
    std::optional<double> thdn_db;
    std::optional<double> noise_dbv;
    std::optional<double> volume_db;  // volume setting at which 0 dBFS gives nominal + headroom
    // Each channel's drive for the level (index = channel) when the channels' gains differ by more than
    // kDriveChannelsDifferDb; drive_dbfs is then the larger (the quieter channel reaches the level).
    std::vector<double> channel_drives_dbfs;
    std::string sentence;
  };
  std::vector<Recommendation> recommendations;
  std::optional<VolumeTracking> volume;  // ports with a volume control the run could set
  // The response each headphone of the run's set would see from this port (measure/headphone_inputs.hpp):
  // the prediction from channel 0's |Zout| (`impedance`), and every channel's maximum deviation.
  struct Headphone {
    HeadphonePrediction prediction;
    struct Channel {
      int channel = 0;
      std::optional<double> max_deviation_db, max_deviation_u95_db;
    };
    std::vector<Channel> channels;
  };
  std::vector<Headphone> headphones;
};

// Two clocks (reports/SCHEMA.md "conditions.clock"): the DUT's clock against the analyser's, per capture.
struct ClockCapture {
  std::string capture;  // "port-load-what", as --keep-captures names it
  double ppm = 0;       // (f_DUT / f_analyser - 1) * 1e6, measured on this capture and removed from it
  double u_ppm = 0;     // its standard uncertainty (the markers' timing noise over their distance)
  double at_s = 0;      // audio time played before it (timing markers included)
};
struct ClockSummary {
  std::vector<ClockCapture> captures;    // resolved (u_ppm <= resolve_u_ppm): the figures below are theirs
  std::vector<ClockCapture> unresolved;  // u_ppm above it: corrected by their own estimate, not in the figures
  double resolve_u_ppm = 0;
  double mean_ppm = 0, min_ppm = 0, max_ppm = 0, spread_ppm = 0;  // spread = max - min
  double wander_ppm_per_min = 0;                                  // slope of ppm over the run
};

struct RunConditions {
  std::string date_utc;
  std::string outbench_version;
  std::string audio;  // "simulated" / "portaudio: device"
  double rate_hz = 0;
  std::uint64_t seed = 0;
  bool quick = false;
  double reference_level_dbfs = -20;
  double tone_hz = 997;
  double band_lo_hz = 20, band_hi_hz = 20000;  // of every THD+N and unweighted noise figure (--band)
  // Above 48 kHz only (0 otherwise): the out-of-band noise band (20 kHz..Nyquist) and the wide response's top.
  double out_of_band_lo_hz = 0, out_of_band_hi_hz = 0, response_wide_hi_hz = 0;
  std::string window{window_name(kThdnWindow)};  // the THD+N analysis window
  double sweep_level_dbfs = -20;
  double sweep_start_hz = 0, sweep_stop_hz = 0, sweep_duration_s = 0;
  double input_impedance_ohms = 0;
  double input_impedance_tolerance_pct = 0;          // its +/- (the bench's loopback_input.impedance_tolerance_pct)
  std::string input_impedance_calibrated_on;         // date of `calibrate input-impedance`, "" = not calibrated
  std::optional<double> input_vrms_at_0dbfs;         // the input calibration; absent = uncalibrated
  double stimulus_s = 0;                             // total duration of the stimuli played
  std::map<std::string, double> stimulus_by_step_s;  // the same per plan step (engine/test_set.hpp names)
  std::vector<std::string> tests;        // the plan's tests that ran (--tests, resolved); empty = not recorded
  bool tests_subset = false;             // --tests chose a subset
  std::vector<std::string> tests_added;  // dependencies --tests added, with the reason
  double capture_s = 0;                  // total duration captured (stimuli + latency + sweep tails)
  double elapsed_s = 0;
  int xrun_captures = 0;
  int retried_captures = 0;
  std::optional<ClockSummary> clock;  // two clocks only (DUT and analyser on two devices): the drift measured
  // The bench's safety limits in force (uncalibrated_max_drive_dbfs: absent when not set).
  double max_drive_dbfs = 0, max_vrms = 0, max_mw = 0;
  std::optional<double> uncalibrated_max_drive_dbfs;
};

struct Results {
  std::string run_id;  // the same in results.json and report.html: which run (and save) a folder holds
  std::string device_name, device_description, device_model_file;
  std::string bench_name, bench_source;
  RunConditions conditions;
  std::vector<PortResult> ports;
  std::vector<Verdict> verdicts;
  std::vector<std::string> warnings;
  bool complete = false;  // false while the run is in progress or was interrupted
  bool calibrated() const;
};

}  // namespace outbench
