// outbench calibrate input-impedance: the loopback input's impedance versus frequency, from the open port read
// directly and through a known series resistor the user inserts (analysis/impedance.hpp
// input_impedance_from_series; docs/MEASUREMENTS.md "Input impedance calibration"). Stored in the bench file
// (loopback_input.impedance_ohms at 1 kHz, impedance_tolerance_pct, impedance_calibrated_on, impedance_vs_freq:
// the points R + jX, their tolerance (the resistor's) and an R || C fit over 100 Hz..10 kHz), atomically; every
// later |Zout| uses Zin(f) per frequency point (the curve; held at its end points outside it). A simulated bench
// inserts the resistor itself (as a lead of the open load); a real one asks the user at the terminal (refused
// without one). Limits: impedance_tolerance_pct (used only where the curve is not: older readers) holds the
// resistor's tolerance plus half the spread of |Zin| over 100 Hz..10 kHz.
#pragma once

#include "measure/cli/cli.hpp"
#include "measure/config/bench_config.hpp"
#include "measure/engine/drive_limits.hpp"

namespace outbench::cli {

int calibrate_input_impedance(const Args& args);

// The calibration tones go into the open load: capped by the volt limit once the output is calibrated,
// by safety.uncalibrated_max_drive_dbfs (when set) before (calibrate.cpp).
DriveCap open_load_cap(const BenchConfig& bench, const PortWiring& port);

}  // namespace outbench::cli
