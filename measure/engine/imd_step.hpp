// Intermodulation into the port's nominal load (docs/MEASUREMENTS.md "Intermodulation"): SMPTE (60 Hz + 7 kHz,
// 4:1) and CCIF (19 + 20 kHz, 1:1) two-tones, both channels driven together and each read (analysis/imd.hpp),
// at the reference level and versus level up to the maximum level; fills PortResult::imd.
//
// The sequencer runs it once every port's other figures are measured (so the simulated bench's noise, which
// follows the capture count, leaves those figures as they were), with the volts that port's run learned.
// Method: the drives are the reference drive plus whole multiples of 2 x the plan's level step (6 dB, --quick
// 12 dB) from kLevelStartDbfs up, then each channel's maximum-level drive into that load (its 1 % THD+N point,
// or where its THD+N-versus-level search stopped cleanly). At each drive the SMPTE two-tone, then the CCIF one,
// kImdToneS each. A channel keeps the steps up to its own maximum-level drive (and the reference step). The
// safety caps hold exactly as for THD+N versus level: every drive is min(drive, the load's cap now), the level
// is the sum of the two amplitudes as a sine's level (so the two-tone's sample peak never exceeds that of a
// sine at the cap), the session refuses anything above the cap, and every capture's peak volts tighten it; a
// step the cap lowered is the last.
// Conventions: drives in dBFS; seconds of stimulus in tone_s / stimulus_s.
// Limits: needs the nominal load measured validly with its maximum level; CCIF needs a rate above 40 kHz
// (its 20 kHz tone), otherwise only SMPTE runs (a note says so).
#pragma once

#include "measure/engine/step_context.hpp"

namespace outbench::engine {

// Each two-tone's stimulus: the analysis reads at least 0.5 s of its settled part (the SMPTE sidebands lie
// 60 Hz apart), which a 60 Hz-block settling detector trims by a few blocks at each end.
inline constexpr double kImdToneS = 0.6;

// The drives of IMD versus level (sorted, without duplicates), given the reference drive, the top drive
// (the highest channel's maximum-level drive) and the step.
std::vector<double> imd_drives(double reference_dbfs, const std::vector<double>& channel_tops_dbfs, double step_db);

// Stimulus seconds the step plans to play per port (for the progress estimate): a top at 0 dBFS.
double imd_plan_seconds(const Plan& plan, double reference_dbfs);

// Into pr.nominal_load (selected here): fill pr.imd.
void imd_vs_level(StepContext& cx, const PortWiring& port, PortResult& pr);

}  // namespace outbench::engine
