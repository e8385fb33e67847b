// Test helpers: slow, obvious references (naive DFT, Goertzel), RBJ biquads with their exact digital
// response, deterministic noise, quantisation. Used to check the fast analysis paths against theory.
#pragma once

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <span>
#include <vector>

namespace outbench::test {

inline constexpr double kPi = std::numbers::pi;

// Naive DFT bin k of x (unscaled, e^{-j...}), the reference for the FFT.
inline std::complex<double> naive_dft(std::span<const double> x, double k) {
  std::complex<double> s = 0;
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double turns = std::fmod(k * static_cast<double>(i), n) / n;  // exact phase for integer k
    s += x[i] * std::polar(1.0, -2 * kPi * turns);
  }
  return s;
}

// Multi-tone: fundamental amplitude a1 at f, harmonics (order, amplitude) with zero phase offsets.
struct Tone {
  double freq_hz;
  double amplitude;
  double phase_rad = 0;
};
inline std::vector<double> tones(const std::vector<Tone>& ts, double rate_hz, std::size_t n, double dc = 0) {
  std::vector<double> x(n, dc);
  for (const auto& t : ts)
    for (std::size_t i = 0; i < n; ++i)
      x[i] += t.amplitude * std::sin(2 * kPi * t.freq_hz * static_cast<double>(i) / rate_hz + t.phase_rad);
  return x;
}

inline std::vector<double> gaussian(std::size_t n, double sigma, unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> d(0.0, sigma);
  std::vector<double> x(n);
  for (auto& v : x) v = d(g);
  return x;
}

inline void quantize(std::vector<double>& x, int bits) {
  const double q = std::ldexp(1.0, -(bits - 1));
  for (auto& v : x) v = std::round(v / q) * q;
}
inline void to_float(std::vector<double>& x) {
  for (auto& v : x) v = static_cast<double>(static_cast<float>(v));
}

// RBJ Audio EQ Cookbook biquad (direct form I) with its exact digital frequency response.
struct Biquad {
  double b0, b1, b2, a1, a2;  // a0 normalised to 1
  std::complex<double> response(double freq_hz, double rate_hz) const {
    const auto z1 = std::polar(1.0, -2 * kPi * freq_hz / rate_hz);
    const auto z2 = z1 * z1;
    return (b0 + b1 * z1 + b2 * z2) / (1.0 + a1 * z1 + a2 * z2);
  }
  std::vector<double> apply(std::span<const double> x) const {
    std::vector<double> y(x.size());
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double v = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = x[i];
      y2 = y1;
      y1 = v;
      y[i] = v;
    }
    return y;
  }
  static Biquad make(double b0, double b1, double b2, double a0, double a1, double a2) {
    return {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
  }
  static Biquad highpass(double f0, double q, double fs) {
    const double w = 2 * kPi * f0 / fs, al = std::sin(w) / (2 * q), c = std::cos(w);
    return make((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + al, -2 * c, 1 - al);
  }
  static Biquad lowpass(double f0, double q, double fs) {
    const double w = 2 * kPi * f0 / fs, al = std::sin(w) / (2 * q), c = std::cos(w);
    return make((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + al, -2 * c, 1 - al);
  }
  static Biquad peaking(double f0, double q, double gain_db, double fs) {
    const double A = std::pow(10.0, gain_db / 40), w = 2 * kPi * f0 / fs, al = std::sin(w) / (2 * q), c = std::cos(w);
    return make(1 + al * A, -2 * c, 1 - al * A, 1 + al / A, -2 * c, 1 - al / A);
  }
};

}  // namespace outbench::test
