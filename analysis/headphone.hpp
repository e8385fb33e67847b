// Headphone impedance models and the response a headphone will see from a source of known output impedance
// (docs/MEASUREMENTS.md "Predicted response with real headphones"). Pure: models and impedances in, structs
// out; no I/O.
//
// Method. A headphone is an electrical network (resistors, inductors, capacitors in series and parallel
// groups, fixtures/headphones/README.md) or a measured curve (|Z| and phase per frequency, interpolated
// linearly in log-frequency on the complex value). The source (EMF E, impedance Zout(f)) drives it as a
// complex voltage divider H(f) = Zhp/(Zhp + Zout): `level_db` = 20 log10 |H| (the loss against the open
// circuit, e.g. 20 log10(16/(16 + R)) for a 16 ohm resistor on a source R), `relative_db` = level_db minus its
// value at 1 kHz (the change of the response's shape), the damping factor = |Zhp|/|Zout|. The maximum
// deviation is max |relative_db| over the closed band [lo_hz, hi_hz], evaluated at 24 points per octave from
// lo_hz and at hi_hz itself (both edges exactly): the headphone's own narrow resonances are evaluated exactly
// there, Zout (smooth) is interpolated between its points (log-frequency, complex). Its uncertainty: the maximum
// recomputed with every |Zout| moved by its expanded uncertainty u95 (k = 2) up and down, phase kept.
// Conventions: ohm, Hz, dB; frequencies > 0. Limits: the device's own response (open circuit) is not part of
// the prediction (it is the response into the open load); a curve must cover the band.
#pragma once

#include <complex>
#include <optional>
#include <string>
#include <vector>

#include "analysis/impedance.hpp"

namespace outbench {

// NetworkElement and network_impedance: analysis/network.hpp (included by analysis/impedance.hpp).

struct HeadphoneModel {
  std::string id;      // short name (the file's stem): rule ids and results
  std::string name;    // what the report shows
  std::string source;  // the file it came from
  std::optional<NetworkElement> network;
  std::vector<ImpedancePoint> curve;  // a measured curve, sorted by frequency (used when there is no network)
  // The impedance at freq_hz; nullopt outside a curve's span.
  std::optional<std::complex<double>> z_at(double freq_hz) const;
};

struct HeadphonePoint {
  double freq_hz = 0;
  std::complex<double> z_headphone_ohms;
  double level_db = 0;        // 20 log10 |Zhp/(Zhp + Zout)|
  double relative_db = 0;     // level_db re its value at 1 kHz
  double damping_factor = 0;  // |Zhp| / |Zout| (+inf for Zout = 0)
};

struct HeadphonePrediction {
  std::string id, name, source;
  std::vector<HeadphonePoint> points;          // 24 per octave over the band, where Zout and the curve reach
  std::optional<double> level_1k_db;           // the divider's loss at 1 kHz
  std::optional<double> max_deviation_db;      // max |relative_db| over the closed band
  std::optional<double> max_deviation_u95_db;  // its expanded uncertainty (absent: Zout without u95)
  std::optional<double> min_damping_factor;    // over the closed band
  std::string problem;                         // why there is no prediction
};

// The prediction for `hp` from Zout points (sorted by frequency, each with its u95_ohms; 0 = not estimated).
HeadphonePrediction predict_headphone(const std::vector<ImpedancePoint>& zout, const HeadphoneModel& hp,
                                      double lo_hz = 20.0, double hi_hz = 20000.0);

}  // namespace outbench
