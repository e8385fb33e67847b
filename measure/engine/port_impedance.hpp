// The conclusions about a port drawn from all its loads (pure logic in analysis/load_checks.hpp, applied here
// to the result structs with the sentences a user reads): the switch check right after each load, whether any
// load moved the level at all, the output impedance from open versus each load (every channel's) with the
// agreement of the per-load estimates at 1 kHz, and the current-limit classification of the maximum levels.
// No I/O: findings go to the results and to `warnings`.
// Conventions: impedances in ohm; `input_ohms` is the loopback input's impedance (+inf: none).
// Limits: every check needs the open load measured; without it the impedance is not measured.
#pragma once

#include <string>
#include <vector>

#include "measure/results.hpp"

namespace outbench::engine {

// Right after a load's sweep: did the level move as that load predicts from |Zout| of the loads before it?
// A relay that did not switch leaves the level where it was; it is reported by the load's name.
void check_switched(PortResult& pr, LoadResult& lr, double input_ohms, std::vector<std::string>& warnings);

// After every load: the output impedance and its agreement (withdrawing the load figures when no load moved
// the level: pr.loads_switched = false).
void port_impedance(PortResult& pr, double input_ohms, std::vector<std::string>& warnings);

// A maximum well below the one into the high-impedance loads means the output current ran out.
void classify_limits(PortResult& pr);

}  // namespace outbench::engine
