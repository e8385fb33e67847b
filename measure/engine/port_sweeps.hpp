// Per-port sweeps of stepped tones into the port's nominal load, at the reference level (capped): THD+N
// versus frequency (20 Hz..20 kHz) and crosstalk versus frequency; and the crosstalk of one frequency, which
// the load procedure also uses.
//
// Method: each tone lasts kThdnFreqCycles cycles, within the plan's minimum and kThdnFreqMaxS. THD+N uses the
// AES17 band widened only where the tone and its exclusion band would not fit (to f/2 below 40 Hz, to 1.05 f
// near Nyquist); each point records its band. Crosstalk drives each channel alone and reads the idle
// channel's level at f, in the driven channel's settled segment, relative to the driven one's; below the
// noise the leak is at most the noise, which then bounds it.
// Conventions: levels in dBFS, THD+N and crosstalk in dB.
// Limits: crosstalk needs two output and two input channels; only channels 0 and 1 are measured.
#pragma once

#include "analysis/distortion.hpp"
#include "measure/engine/step_context.hpp"

namespace outbench::engine {

// THD+N options for a tone at f_hz, with the band as above.
ThdnOptions band_for(const StepContext& cx, double f_hz);

// One crosstalk point at `drive_dbfs`; `noise_dbfs` bounds a leak below the noise.
LoadResult::Crosstalk crosstalk_at(StepContext& cx, const PortWiring& port, double f_hz, double drive_dbfs,
                                   double noise_dbfs);

// Into pr.nominal_load (selected here): fill pr.thdn_vs_freq / pr.crosstalk_vs_freq and their drives.
void thdn_vs_freq(StepContext& cx, const PortWiring& port, PortResult& pr);
void crosstalk_vs_freq(StepContext& cx, const PortWiring& port, PortResult& pr);

}  // namespace outbench::engine
