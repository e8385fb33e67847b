// The shared ground return of a two-channel port (docs/MEASUREMENTS.md "Ground return"): into the port's
// heaviest load, one extra sweep per channel with that channel driven alone (the other at digital zero), beside
// the load's own sweep with both channels driven in phase. Each channel's apparent |Zout| at 1 kHz differs
// between the two by the return's share (analysis/impedance.hpp ground_return_ohms); the estimate per channel
// is the real part at 1 kHz, the port's the mean of the channels'.
// Conventions: ohms; responses per dBFS of drive at the load's sweep drive.
// Limits: needs two output and two input channels, the open load and the heaviest load measured; the loads on
// both channels are taken as equal (one bench load per port).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "measure/engine/step_context.hpp"

namespace outbench::engine {

// The finite load of `loads` with the lowest resistance (the largest ground-return drop); nullptr when none.
const Load* heaviest_load(const std::vector<const Load*>& loads);

// Into the load selected now (lr's, already measured): one sweep per channel driven alone, at the load's
// sweep drive, with the open load's latency; fills lr.alone_sweeps.
void alone_sweeps(StepContext& cx, const PortWiring& port, const SweepPlan& sweep, LoadResult& lr,
                  std::optional<long> open_latency);

// From the open load, the load with alone_sweeps and both channels' responses: fills pr.channels[c]
// .z_1k_alone_ohms / .ground_return_ohms, pr.ground_return_ohms and pr.ground_return_load (or the note).
void ground_return(PortResult& pr, double input_ohms);

}  // namespace outbench::engine
