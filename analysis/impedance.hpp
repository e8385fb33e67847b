// Output impedance from an open-circuit and a loaded transfer function (docs/MEASUREMENTS.md "Output impedance").
//
// The source (EMF E, impedance Zout) drives the load Rl in parallel with the loopback input's impedance Zin:
// Zp = Rl*Zin/(Rl+Zin). With r(f) = H_open(f)/H_load(f),
//   Zout(f) = Zin*Zp*(1 - r) / (r*Zp - Zin)      (-> Zp*(r - 1) as Zin -> infinity).
// Rl and Zin may be complex and frequency-dependent (a reactive dummy load, an input's R || C; FrequencyImpedance of
// analysis/network.hpp): each point then uses Zl(f) and Zin(f) at its own frequency, Zp = Zl*Zin/(Zl + Zin).
// Complex: a series coupling capacitor gives X < 0 and |Zout| rising at low frequencies. Both transfer
// functions must share one latency (use the open capture's for the loaded one). Sensitivity: the relative
// error of |Zout| is about (|Zout| + Zp)/|Zout| times the relative error of r, so a load much larger than
// Zout gives a noisy estimate; the per-load estimates are combined by weighting each with
// (|Zout|/(|Zout| + Zp))^2 (inverse error variance).
#pragma once

#include <complex>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/network.hpp"
#include "analysis/response.hpp"

namespace outbench {

// ImpedancePoint, NetworkElement, FrequencyImpedance: analysis/network.hpp.

struct ImpedanceResult {
  bool valid = false;
  std::string reason;
  double load_ohms = 0;                // the load's |Z| at 1 kHz (its resistance when resistive)
  double input_ohms = 0;               // the input's |Z| at 1 kHz
  FrequencyImpedance load_z, input_z;  // both versus frequency (resistive: ohms = load_ohms, input_ohms)
  std::vector<ImpedancePoint> points;
  std::optional<std::complex<double>> z_1k_ohms;
  std::optional<std::complex<double>> z_20hz_ohms;
  std::optional<double> z_1k_u95_ohms, z_20hz_u95_ohms;  // their expanded uncertainties, when estimated
};

inline constexpr double kInfiniteOhms = std::numeric_limits<double>::infinity();

std::complex<double> output_impedance(std::complex<double> h_open, std::complex<double> h_load, double load_ohms,
                                      double input_ohms);

// Complex Zl and Zin at one frequency (Zin infinite in its real part: no input). Exactly the real form when
// both are real.
std::complex<double> output_impedance(std::complex<double> h_open, std::complex<double> h_load,
                                      std::complex<double> load_ohms, std::complex<double> input_ohms);

// From two response results measured with the same sweep (points at the same frequencies).
ImpedanceResult output_impedance(const ResponseResult& open, const ResponseResult& loaded, double load_ohms,
                                 double input_ohms);
// The same with Zl(f) and Zin(f) evaluated per point (load_ohms, input_ohms of the result: their |Z| at 1 kHz).
ImpedanceResult output_impedance(const ResponseResult& open, const ResponseResult& loaded,
                                 const FrequencyImpedance& load, const FrequencyImpedance& input);

// |Zl(f) || Zin(f)| of a result's load and input (the real Rl || Zin when both are resistive).
double parallel_magnitude_ohms(const ImpedanceResult& r, double freq_hz);

// Interpolate z at freq_hz (linear in log-frequency on the complex value; log_interp.hpp).
std::optional<std::complex<double>> impedance_at(const std::vector<ImpedancePoint>& pts, double freq_hz);

// The largest |z| over the closed band [lo_hz, hi_hz]: every point inside it and z at both edges exactly
// (impedance_at, where the points reach the edge). 0 when no point lies in the band.
double max_abs_impedance_ohms(const std::vector<ImpedancePoint>& pts, double lo_hz, double hi_hz);

// The shared ground return g of a two-channel output (the resistance between the jack's sleeve and the device's
// ground, carrying both load currents) from one channel's apparent output impedances into the same load on both
// channels: z_both with both channels driven in phase, z_alone with this channel driven alone (the other at
// digital zero). With k = the other channel's load current over this one's (= the ratio of their load voltages,
// equal loads), each apparent impedance is Zs + g (1 + k), so g = (z_both - z_alone) / (k_both - k_alone); k_alone
// is the (small, negative) ground-return leak into the undriven channel, 0 when it is lost in noise. Exact for
// a linear source; nullopt when |k_both - k_alone| < 0.1 (the two drives do not tell g apart).
std::optional<std::complex<double>> ground_return_ohms(std::complex<double> z_both, std::complex<double> z_alone,
                                                       std::complex<double> k_both, std::complex<double> k_alone);

// The loopback input's impedance from the open port read directly (h_direct) and through a known series resistor
// `series_ohms` (h_series), both at one drive: with k = h_direct/h_series, Zin + Zsrc = Rs/(k - 1), so
// Zin = Rs/(k - 1) - Zsrc (`source_ohms`: the port's |Zout|, 0 when unknown: then the result is Zin + Zsrc).
// Best conditioned for Rs near Zin (the level then halves); nullopt when k - 1 is not positive in its real part.
std::optional<std::complex<double>> input_impedance_from_series(std::complex<double> h_direct,
                                                                std::complex<double> h_series, double series_ohms,
                                                                double source_ohms);

// Combine per-load estimates (same frequencies) into one, weighting by inverse error variance (header note).
std::vector<ImpedancePoint> combine_impedance(const std::vector<ImpedanceResult>& per_load);

// The (unnormalised) weight combine_impedance gives the estimate `z_ohms` of the load result `r` at freq_hz.
double combine_weight(std::complex<double> z_ohms, const ImpedanceResult& r, double freq_hz);

}  // namespace outbench
