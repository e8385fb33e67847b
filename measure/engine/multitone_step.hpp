// The multitone step (test "multitone"): one multitone (analysis/multitone.hpp) on every output channel of the
// port together, into its nominal load at the reference level (capped by the safety limits), every channel
// read: per-tone response, distortion + noise residual per third-octave band, and its noise floor.
// Method: the design covers kThdnFreqStartHz..kThdnFreqStopHz (the top lowered below 0.45 of the rate) with a
// period of kMultitonePeriodS (1 Hz bins); the stimulus lasts kMultitoneS (the period, its settling and the
// fades). The multitone's drive is its peak (it peaks no higher than a sine at that level).
// Conventions: results in PortResult::multitone (measure/multitone_results.hpp); stimulus booked as "multitone".
// Limits: needs the port's nominal load; a channel whose capture is not read says why.
#pragma once

#include "analysis/multitone.hpp"
#include "measure/engine/step_context.hpp"

namespace outbench::engine {

inline constexpr double kMultitonePeriodS = 1.0;  // 1 Hz bins: every product kept off the tones
inline constexpr double kMultitoneS = 1.3;        // the period, 2 blocks (1/20 Hz) to settle, 1 at the end, fades

// The design a run uses at rate_hz (band_lo_hz..band_hi_hz).
MultitoneDesign run_multitone_design(double rate_hz, double band_lo_hz, double band_hi_hz);

// Into pr.nominal_load (selected here): fill pr.multitone.
void multitone_step(StepContext& cx, const PortWiring& port, PortResult& pr);

}  // namespace outbench::engine
