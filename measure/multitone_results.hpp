// The multitone figures of a port in a run (results.json ports[].multitone, reports/SCHEMA.md): one multitone
// (analysis/multitone.hpp: 31 third-octave tones on exact bins) played on every channel together into the port's
// nominal load at the reference level, each channel read: per tone its response and the distortion + noise
// residual in its third-octave band, and the noise floor in the same bins (docs/MEASUREMENTS.md "Multitone").
// Conventions: drive_dbfs is the multitone's PEAK as a sine's level (it peaks no higher than a sine at that level);
// tone_level_dbfs each tone's level; ratios in dB re the whole multitone's rms.
// Limits: plain data; a channel the analysis refused has no readings and its reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/multitone.hpp"

namespace outbench {

struct MultitoneChannel {
  int channel = 0;
  MultitoneAnalysis reading;  // valid false: reading.reason says why
};

struct PortMultitone {
  std::string load;            // the port's nominal load
  double drive_dbfs = 0;       // peak, sine-equivalent
  double tone_level_dbfs = 0;  // each tone
  double crest_factor_db = 0;
  double period_s = 0;    // the analysed period (1 / bin)
  double duration_s = 0;  // the stimulus
  std::vector<MultitoneChannel> channels;
};

}  // namespace outbench
