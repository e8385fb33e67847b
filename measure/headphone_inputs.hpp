// The responses predicted with real headphones for every port of a run (analysis/headphone.hpp), from the
// measured complex output impedance. Pure: Results and headphone models in, Results out; no I/O.
//
// Method: per present port with a measured |Zout|, each headphone's prediction from channel 0's combined
// impedance (PortResult::impedance; its points, level at 1 kHz, damping factor), and every channel's maximum
// deviation from that channel's impedance (PortResult::channels[].impedance). The verdicts read them through
// port_figures (measure/verdict_inputs.hpp). Conventions: 20 Hz-20 kHz, dB re 1 kHz. Limits: a port without
// |Zout| (no open load, loads not switched) gets each headphone with its `problem` said.
#pragma once

#include <vector>

#include "analysis/headphone.hpp"
#include "measure/results.hpp"

namespace outbench {

// Replaces every port's `headphones` with the predictions for `set` (an empty set clears them).
void predict_headphones(Results& r, const std::vector<HeadphoneModel>& set);

}  // namespace outbench
