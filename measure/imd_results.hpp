// The intermodulation figures of a port in a run (results.json ports[].imd, reports/SCHEMA.md "ports[].imd"):
// SMPTE (60 Hz + 7 kHz, 4:1) and CCIF (19 + 20 kHz, 1:1) two-tones into the port's nominal load, per channel,
// at the reference level and versus level up to the maximum level (measure/engine/imd_step.hpp plays them,
// analysis/imd.hpp reads them; docs/MEASUREMENTS.md "Intermodulation" defines the figures).
// Conventions: a two-tone's level is the sum of its two amplitudes as a sine's level (dBFS; a two-tone at
// -20 dBFS peaks no higher than a -20 dBFS sine); drives in dBFS, volts at the loopback input when calibrated.
// Limits: plain data; a reading the analysis refused has valid false in `reading` and its reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/imd.hpp"

namespace outbench {

// One two-tone played at `drive_dbfs`, read on one channel.
struct ImdStep {
  double drive_dbfs = 0;
  ImdResult reading;
  std::optional<double> out_vrms;  // reading.level_dbfs in Vrms (a sine of the same peak), input calibrated
};

// One standard on one channel: its steps sorted by drive, up to that channel's maximum-level drive.
struct ImdSeries {
  int channel = 0;
  std::vector<ImdStep> steps;
  int reference_step = -1;  // index of the step at the reference drive (-1: none)
};

struct PortImd {
  std::string load;                    // the port's nominal load
  double tone_s = 0;                   // stimulus length of every two-tone
  double stimulus_s = 0;               // stimulus played by the IMD step on this port
  double reference_drive_dbfs = 0;     // the reference level, capped by the safety limits
  std::string note;                    // why the series stops short, when it does
  std::vector<ImdSeries> smpte, ccif;  // one per output channel
};

}  // namespace outbench
