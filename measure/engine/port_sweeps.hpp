// Per-port sweeps of stepped tones into the port's nominal load, at the reference level (capped): THD+N
// versus frequency (20 Hz..20 kHz) and crosstalk versus frequency; and the crosstalk of one frequency, which
// the load procedure also uses.
//
// Method: each tone lasts the plan's thdn_freq_cycles cycles, within its minimum and maximum. THD+N uses the
// AES17 band widened only where the tone and its exclusion band would not fit (to f/2 below 40 Hz, to 1.05 f
// near Nyquist); each point records its band. Crosstalk drives each channel alone and reads both channels
// narrow-band at f (analysis/narrowband.hpp: a windowed DFT at exactly f, over the driven channel's settled
// segment): the idle channel's reading relative to the driven one's. A tone that does not stand 10 dB above
// the narrow-band noise beside f gives its 95 % upper bound instead, flagged (l_to_r_bound / r_to_l_bound).
// Each crosstalk tone lasts long enough that the hum lines (50/60 Hz and harmonics up to 400 Hz, 1 %
// tolerance) stay outside the reading's main lobe (Plan::xtalk_seconds), at least the plan's xtalk_s. A frequency
// the per-load crosstalk already read into the nominal load at the same drive (80 Hz) is taken from that reading.
// Conventions: levels in dBFS, THD+N and crosstalk in dB.
// Limits: crosstalk needs two output and two input channels; only channels 0 and 1 are measured.
#pragma once

#include "analysis/distortion.hpp"
#include "measure/engine/step_context.hpp"

namespace outbench::engine {

// THD+N options for a tone at f_hz, with the band as above.
ThdnOptions band_for(const StepContext& cx, double f_hz);

// One crosstalk point at `drive_dbfs`; a reading the narrow-band analysis refuses is NaN (no value).
LoadResult::Crosstalk crosstalk_at(StepContext& cx, const PortWiring& port, double f_hz, double drive_dbfs,
                                   const char* what = "xtalk");

// Into pr.nominal_load (selected here): fill pr.thdn_vs_freq / pr.crosstalk_vs_freq and their drives.
void thdn_vs_freq(StepContext& cx, const PortWiring& port, PortResult& pr);
void crosstalk_vs_freq(StepContext& cx, const PortWiring& port, PortResult& pr);

}  // namespace outbench::engine
