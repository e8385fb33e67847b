#include "measure/sim/clock_stream.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace outbench::sim {

namespace {

constexpr int kPhases = 2048;
constexpr double kBeta = 12.3;

double bessel_i0(double x) {
  double sum = 1, term = 1;
  for (int k = 1; k < 60; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

// table[p][t]: the kernel at (p / kPhases) - (t - kHalfTaps + 1), for p = 0..kPhases, t = 0..2*kHalfTaps-1.
const std::vector<double>& kernel_table() {
  static const std::vector<double> table = [] {
    constexpr int taps = 2 * ClockStream::kHalfTaps;
    std::vector<double> t(static_cast<std::size_t>((kPhases + 1) * taps));
    const double i0b = bessel_i0(kBeta);
    for (int p = 0; p <= kPhases; ++p)
      for (int k = 0; k < taps; ++k) {
        const double x = static_cast<double>(p) / kPhases - (k - ClockStream::kHalfTaps + 1);
        const double u = x / ClockStream::kHalfTaps;
        const double w = std::abs(u) < 1 ? bessel_i0(kBeta * std::sqrt(1 - u * u)) / i0b : 0.0;
        const double sinc = x == 0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
        t[static_cast<std::size_t>(p * taps + k)] = sinc * w;
      }
    return t;
  }();
  return table;
}

}  // namespace

ClockStream::ClockStream(double clock_ppm, double queue_frames)
    : ratio_minus_1_(clock_ppm * 1e-6), queue_(queue_frames), ring_(kHistoryFrames, 0.0) {
  kernel_table();
}

double ClockStream::queue_frames() const {
  const double next = static_cast<double>(out_count_) + static_cast<double>(out_count_) * ratio_minus_1_ - queue_;
  return static_cast<double>(in_count_) - 1.0 - next;
}

void ClockStream::process(const float* in, float* out, std::size_t n) {
  constexpr int taps = 2 * kHalfTaps;
  const auto& table = kernel_table();
  const std::size_t mask = kHistoryFrames - 1;
  for (std::size_t i = 0; i < n; ++i) ring_[(in_count_ + i) & mask] = in[i];
  in_count_ += n;
  for (std::size_t i = 0; i < n; ++i, ++out_count_) {
    // Position in input samples: k + k * (ratio - 1) - queue (k exact, the product small).
    const double k = static_cast<double>(out_count_);
    const double pos = k - queue_ + k * ratio_minus_1_;
    const double fl = std::floor(pos);
    const double mu = pos - fl;
    const auto i0 = static_cast<long long>(fl);
    const long long first = i0 - kHalfTaps + 1, last = i0 + kHalfTaps;
    if (first < 0 || last >= static_cast<long long>(in_count_) ||
        static_cast<long long>(in_count_) - first > static_cast<long long>(kHistoryFrames)) {
      out[i] = 0.0f;
      ++underruns_;
      continue;
    }
    const double ph = mu * kPhases;
    const int p = std::min(kPhases - 1, static_cast<int>(ph));
    const double a = ph - p;
    const double* t0 = &table[static_cast<std::size_t>(p * taps)];
    const double* t1 = t0 + taps;
    double acc = 0;
    for (int t = 0; t < taps; ++t) {
      const double h = t0[t] + a * (t1[t] - t0[t]);
      acc += h * ring_[static_cast<std::size_t>(first + t) & mask];
    }
    out[i] = static_cast<float>(acc);
  }
}

}  // namespace outbench::sim
