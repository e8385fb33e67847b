// A reading's margin over the analyser's own floor (docs/MEASUREMENTS.md "The analyser's own floor").
//
// Method: reading and floor are power levels in dB on one scale (dBFS of noise, or a THD+N residual in dBFS);
// the margin is their difference. The floor adds in power to what the device puts out, so:
//   margin <= kAnalyserLimitedDb: the reading is mostly the analyser's; it is an upper bound on the device's
//     noise (shown "<= value") and no correction is made;
//   kAnalyserLimitedDb < margin < kFloorCorrectDb: the device alone is the reading minus the floor in power,
//     10 log10(10^(r/10) - 10^(f/10)) = r - correction_db, given as "floor-corrected";
//   margin >= kFloorCorrectDb: the floor changes the reading by less than 0.46 dB; nothing is marked.
// Conventions: correction_db >= 0 is what comes off a noise level (and off a THD+N in dB) and goes onto an
// SNR or a dynamic range. Limits: the floor is assumed uncorrelated with the device's noise and measured
// in the same band, weighting and input range as the reading. Pure: numbers in, struct out.
#pragma once

#include <cmath>
#include <optional>

namespace outbench {

inline constexpr double kAnalyserLimitedDb = 3.0;
inline constexpr double kFloorCorrectDb = 10.0;

struct FloorMargin {
  double margin_db = 0;                 // reading - floor, dB
  bool analyser_limited = false;        // margin <= kAnalyserLimitedDb: the reading bounds the device's
  std::optional<double> correction_db;  // kAnalyserLimitedDb < margin < kFloorCorrectDb: power subtraction
};

inline FloorMargin floor_margin(double reading_db, double floor_db) {
  FloorMargin m;
  m.margin_db = reading_db - floor_db;
  m.analyser_limited = m.margin_db <= kAnalyserLimitedDb;
  if (!m.analyser_limited && m.margin_db < kFloorCorrectDb)
    m.correction_db = -10.0 * std::log10(1.0 - std::pow(10.0, -m.margin_db / 10.0));
  return m;
}

// The device's own level behind a reading: corrected when a correction applies, else the reading (an upper
// bound when analyser-limited).
inline double device_level_db(double reading_db, const FloorMargin& m) {
  return reading_db - m.correction_db.value_or(0.0);
}

}  // namespace outbench
