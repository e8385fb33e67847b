// Two-terminal impedances versus frequency: an electrical network of resistors, inductors and capacitors in series
// and parallel groups (the headphone fixtures' network, fixtures/headphones/README.md; a reactive dummy load,
// fixtures/benches/README.md), or a measured curve (|Z| and phase per frequency), or a plain resistance.
// Method: a network's impedance is evaluated exactly (jwL, 1/(jwC), sums and reciprocal sums); a curve is
// interpolated linearly in log-frequency on the complex value (analysis/log_interp.hpp) and held at its end points
// outside its span. Conventions: ohm, henry, farad, Hz; frequencies > 0. Pure, no I/O.
#pragma once

#include <complex>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace outbench {

struct ImpedancePoint {
  double freq_hz = 0;
  std::complex<double> z_ohms;
  double u95_ohms = 0;  // expanded uncertainty of |z| (k = 2), 0 = not estimated (analysis/impedance_uncertainty.hpp)
  double magnitude_ohms() const { return std::abs(z_ohms); }
};

// One element of a network: a resistor, inductor or capacitor, or a series or parallel group of elements.
struct NetworkElement {
  enum class Kind { resistor, inductor, capacitor, series, parallel };
  Kind kind = Kind::resistor;
  double value = 0;                   // ohm, henry or farad (leaf elements)
  std::vector<NetworkElement> parts;  // series and parallel groups
};

// The network's complex impedance at freq_hz (> 0). A parallel group holding a zero impedance is a short (0).
std::complex<double> network_impedance(const NetworkElement& e, double freq_hz);

// A short text for reports: "32 ohm + 500 uH", "300 ohm || 10 nF" (groups inside groups in parentheses).
std::string describe_network(const NetworkElement& e);

// An impedance versus frequency: a network, else a curve, else the resistance `ohms` (+inf: open).
struct FrequencyImpedance {
  double ohms = std::numeric_limits<double>::infinity();
  std::optional<NetworkElement> network;
  std::vector<ImpedancePoint> curve;  // sorted by frequency
  bool resistive() const { return !network && curve.empty(); }
  // The impedance at freq_hz (a curve: held at its end points outside its span).
  std::complex<double> at(double freq_hz) const;
};

}  // namespace outbench
