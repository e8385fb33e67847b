// The conclusions about a port drawn from all its loads (pure logic in analysis/load_checks.hpp, applied here
// to the result structs with the sentences a user reads): the switch check right after each load, whether any
// load moved the level at all, the output impedance from open versus each load (every channel's) with the
// agreement of the per-load estimates at 1 kHz, and the naming of the limit behind the maximum levels (rails or
// current). No I/O: findings go to the results and to `warnings`.
// Conventions: impedances in ohm; `input_ohms` is the loopback input's impedance (+inf: none).
// Limits: every check needs the open load measured; without it the impedance is not measured.
#pragma once

#include <string>
#include <vector>

#include "measure/results.hpp"

namespace outbench::engine {

// Right after a load's sweep: did the level move as that load predicts from |Zout| of the loads before it?
// A relay that did not switch leaves the level where it was; it is reported by the load's name. The check's
// resolution comes from the load's sweep and reference tone (`tone_hz`); below it: cannot_verify.
void check_switched(PortResult& pr, LoadResult& lr, double input_ohms, double tone_hz,
                    std::vector<std::string>& warnings);

// After every load: the output impedance and its agreement (withdrawing the load figures when no load moved
// the level: pr.loads_switched = false).
// One warning names the loads whose switch could not be verified at this |Zout|.
// Every |Zout| figure carries its expanded uncertainty (k = 2; analysis/impedance_uncertainty.hpp) from each load's
// tolerance_pct and lead_uncertainty_ohms, the input's `input_tolerance_pct` and the estimate's scatter.
// `zin`: the input's impedance versus frequency (bench input_z(): constant, or calibrate input-impedance's curve),
// each load's its own (LoadResult::load_z: a resistor, or a reactive load's network or curve), both used per
// frequency point; the checks at 1 kHz use the constant zin.ohms and each load's |Z| at 1 kHz.
void port_impedance(PortResult& pr, const FrequencyImpedance& zin, double tone_hz, std::vector<std::string>& warnings,
                    double input_tolerance_pct = 10.0);

// After port_impedance: names the limit behind each load's maximum level from the EMF behind |Zout| at
// `tone_hz` (rail_clipping or current_limit in place of thdn_1pct / compression; analysis/load_checks.hpp).
// Per channel: each channel's maximum level (channel_figures[].max_level) is classified with that channel's own
// |Zout| (ports[].channels[]), and the load's headline max_level is then the worse channel's, as classified.
// Without |Zout| (no open load, loads not switched) the stop reasons stay as the search found them.
void classify_limits(PortResult& pr, double tone_hz, double input_ohms);

}  // namespace outbench::engine
