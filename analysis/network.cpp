#include "analysis/network.hpp"

#include <cmath>
#include <cstdio>
#include <numbers>

#include "analysis/log_interp.hpp"

namespace outbench {

std::complex<double> network_impedance(const NetworkElement& e, double freq_hz) {
  const double w = 2.0 * std::numbers::pi * freq_hz;
  using K = NetworkElement::Kind;
  switch (e.kind) {
    case K::resistor: return {e.value, 0.0};
    case K::inductor: return {0.0, w * e.value};
    case K::capacitor:
      return e.value > 0 ? std::complex<double>(0.0, -1.0 / (w * e.value))
                         : std::complex<double>(std::numeric_limits<double>::infinity(), 0.0);
    case K::series: {
      std::complex<double> z = 0.0;
      for (const auto& p : e.parts) z += network_impedance(p, freq_hz);
      return z;
    }
    case K::parallel: {
      std::complex<double> y = 0.0;
      for (const auto& p : e.parts) {
        const auto z = network_impedance(p, freq_hz);
        if (std::abs(z) == 0.0) return 0.0;  // a short across the group
        if (std::isfinite(std::abs(z))) y += 1.0 / z;
      }
      return std::abs(y) == 0.0 ? std::complex<double>(std::numeric_limits<double>::infinity(), 0.0) : 1.0 / y;
    }
  }
  return 0.0;
}

namespace {

// A value with an SI prefix: 0.0005, "H" -> "0.5 mH".
std::string si(double v, const char* unit) {
  static const struct {
    double scale;
    const char* prefix;
  } kPrefixes[] = {{1e6, "M"}, {1e3, "k"}, {1, ""}, {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}};
  for (const auto& p : kPrefixes)
    if (std::abs(v) >= p.scale * (1 - 1e-9) || p.scale == 1e-12) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g %s%s", v / p.scale, p.prefix, unit);
      return buf;
    }
  return "";
}

}  // namespace

std::string describe_network(const NetworkElement& e) {
  using K = NetworkElement::Kind;
  switch (e.kind) {
    case K::resistor: return si(e.value, "ohm");
    case K::inductor: return si(e.value, "H");
    case K::capacitor: return si(e.value, "F");
    case K::series:
    case K::parallel: {
      std::string s;
      for (const auto& p : e.parts) {
        if (!s.empty()) s += e.kind == K::series ? " + " : " || ";
        const bool group = p.kind == K::series || p.kind == K::parallel;
        // Appended piece by piece: GCC 12's -Wrestrict misreads "(" + std::string&&.
        if (group) s += '(';
        s += describe_network(p);
        if (group) s += ')';
      }
      return s;
    }
  }
  return "";
}

std::complex<double> FrequencyImpedance::at(double freq_hz) const {
  if (network) return network_impedance(*network, freq_hz);
  if (curve.empty()) return {ohms, 0.0};
  if (freq_hz <= curve.front().freq_hz) return curve.front().z_ohms;
  if (freq_hz >= curve.back().freq_hz) return curve.back().z_ohms;
  return interpolate_log_freq(curve, freq_hz, &ImpedancePoint::z_ohms).value_or(curve.back().z_ohms);
}

}  // namespace outbench
