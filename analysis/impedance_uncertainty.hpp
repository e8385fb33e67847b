// Expanded uncertainty (k = 2) of the output impedance estimated by analysis/impedance.hpp (docs/MEASUREMENTS.md
// "Uncertainty of |Zout|").
//
// Method. With G = 1/Zin, Gl = 1/Rl and the measured ratio r = H_open/H_load, the estimator is
//   Zout = (r - 1) / (Gl - (r - 1) G)
// (the same as analysis/impedance.hpp's form). Holding r fixed, its partial derivatives give
//   dZout/Zout = (1 + Zout/Zin) dRl/Rl      (the load's value: a 1 % error in Rl is a 1 % error in Zout)
//   dZout      = -(Zout^2/Zin) dZin/Zin     (the input's impedance: small unless Zout is a fair part of Zin)
//   dZout      = -d(lead)                   (a lead resistance taken out of the estimate)
// A tolerance of +/-t (the load's tolerance_pct, the input's tolerance, the lead's uncertainty) is a rectangular
// distribution: standard uncertainty t/sqrt(3). The statistical term is the scatter of the estimate across
// neighbouring frequency points: the second differences of ln|Z| over log-spaced points (zero for any |Z|
// proportional to a power of f, a flat resistance or a coupling capacitor's 1/f) have variance 6 s^2 for
// independent relative noise s; s from their RMS over +/- half an octave, times |Z|. The terms add in quadrature,
// then k = 2. Combining loads (weights w_i, summing to 1, of combine_impedance) the load, lead and statistical
// terms are independent between loads (sum of (w_i u_i)^2) and the input's term is common to all (|sum w_i u_i|).
// A frequency-dependent input (Zin(f), ImpedanceResult::input_z) enters each point with its own complex Zin(f);
// its tolerance is then the calibration's (the series resistor's), not a spread over frequency.
// Conventions: ohm; tolerances in percent; u95 = the expanded uncertainty (k = 2, about 95 % coverage).
// Limits: first order in each term (fine for tolerances of a few percent); the statistical term needs at least
// three points within the half octave (0 otherwise); a systematic error shared by neighbouring points (a relay
// that did not switch) is not in it: the loads' agreement check (measure/engine/port_impedance.hpp) covers that.
#pragma once

#include <complex>
#include <vector>

#include "analysis/impedance.hpp"

namespace outbench {

struct ImpedanceTolerances {
  double load_tolerance_pct = 1.0;     // the load resistor's value (or the meter's accuracy for a measured one)
  double input_tolerance_pct = 10.0;   // the loopback input's impedance
  double lead_uncertainty_ohms = 0.0;  // the lead resistance taken out (or left in) of the estimate, +/-
};

// Standard uncertainties (k = 1) of one estimate `z_ohms` at one frequency, by source, and the expanded total.
struct ImpedanceUncertainty {
  double load_ohms = 0, input_ohms = 0, lead_ohms = 0, statistical_ohms = 0;
  double u95_ohms = 0;  // 2 * sqrt(sum of squares)
};

ImpedanceUncertainty impedance_uncertainty(std::complex<double> z_ohms, double load_ohms, double input_ohms,
                                           const ImpedanceTolerances& tol, double statistical_ohms);
// The same with the input's complex impedance at that frequency (infinite real part: no input).
ImpedanceUncertainty impedance_uncertainty(std::complex<double> z_ohms, std::complex<double> input_ohms,
                                           const ImpedanceTolerances& tol, double statistical_ohms);

// Standard uncertainty of |z| at point i from the scatter of its neighbours within +/- half_width_oct.
double impedance_scatter_ohms(const std::vector<ImpedancePoint>& pts, std::size_t i, double half_width_oct = 0.5);

// Fills u95_ohms of every point of one load's estimate (and z_1k/z_20hz's), from its tolerances.
void add_uncertainty(ImpedanceResult& r, const ImpedanceTolerances& tol);

// combine_impedance with each combined point's u95_ohms from the per-load ones (header note); the per-load
// results must carry their tolerances' terms (add_uncertainty with the same `tols`, one per load).
std::vector<ImpedancePoint> combine_impedance_with_uncertainty(const std::vector<ImpedanceResult>& per_load,
                                                               const std::vector<ImpedanceTolerances>& tols);

// The largest |z| over [lo_hz, hi_hz] (as max_abs_impedance_ohms) and the u95 at that point.
struct MaxImpedance {
  double z_ohms = 0, u95_ohms = 0;
};
MaxImpedance max_abs_impedance(const std::vector<ImpedancePoint>& pts, double lo_hz, double hi_hz);

// u95 interpolated at freq_hz (nullopt outside the points).
std::optional<double> u95_at(const std::vector<ImpedancePoint>& pts, double freq_hz);

}  // namespace outbench
