#include "measure/sim/oversampled.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "measure/sim/port_sim.hpp"

namespace outbench::sim {

namespace {

constexpr double kAttenuationDb = 100.0;
constexpr int kHalfTaps = 20 * kOversample;  // the filter's half length (Kaiser: 616 taps for 8/48 transition)
constexpr double kAdcLsb = 1.0 / 8388608.0;  // 24 bits
constexpr std::size_t kBlock = 4096;         // base-rate frames per block

// g[j + kHalfTaps] = sinc(j / M) w(j), j = -kHalfTaps..kHalfTaps: the interpolator (gain M); g/M decimates.
std::vector<double> kaiser_sinc() {
  const double beta = 0.1102 * (kAttenuationDb - 8.7);
  std::vector<double> g(2 * kHalfTaps + 1);
  for (int j = -kHalfTaps; j <= kHalfTaps; ++j) {
    const double x = static_cast<double>(j) / kOversample;
    const double sinc = j == 0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
    const double r = static_cast<double>(j) / kHalfTaps;
    const double w = std::cyl_bessel_i(0.0, beta * std::sqrt(std::max(0.0, 1 - r * r))) / std::cyl_bessel_i(0.0, beta);
    g[static_cast<std::size_t>(j + kHalfTaps)] = sinc * w;
  }
  return g;
}

// u[k] = sum_n x[n] g[k - n M] for high-rate samples k in [k0, k0 + count).
void interpolate(const std::vector<double>& x, const std::vector<double>& g, long k0, std::size_t count,
                 std::vector<double>& u) {
  u.assign(count, 0.0);
  const long m = kOversample, n_x = static_cast<long>(x.size());
  for (std::size_t i = 0; i < count; ++i) {
    const long k = k0 + static_cast<long>(i);
    const long n_lo = std::max(0L, (k - kHalfTaps + m - 1) / m), n_hi = std::min(n_x - 1, (k + kHalfTaps) / m);
    double s = 0;
    for (long n = n_lo; n <= n_hi; ++n)
      s += x[static_cast<std::size_t>(n)] * g[static_cast<std::size_t>(k - n * m + kHalfTaps)];
    u[i] = s;
  }
}

}  // namespace

std::vector<std::vector<double>> simulate_oversampled(const LoopbackModel& lb, const PortModel& p, double load_ohms,
                                                      const std::vector<std::vector<double>>& in, double rate_hz,
                                                      std::uint64_t seed, double lead_ohms,
                                                      const NetworkElement* load_network) {
  static const std::vector<double> g = kaiser_sinc();
  const std::size_t nch = in.size(), n = nch ? in[0].size() : 0;
  PortSimulator sim(lb, p, rate_hz * kOversample, seed);
  sim.set_load(load_ohms, lead_ohms, load_network);
  // The high-rate output z, kept from index z0 (what the decimator still needs).
  std::vector<std::vector<double>> z(nch), out(nch, std::vector<double>(n, 0.0)), u(nch);
  long z0 = 0, next_out = 0;
  const long m = kOversample, total = static_cast<long>(n) * m + kHalfTaps + 1;
  for (long k0 = 0; k0 < total; k0 += static_cast<long>(kBlock) * m) {
    const std::size_t count = static_cast<std::size_t>(std::min<long>(static_cast<long>(kBlock) * m, total - k0));
    std::vector<std::vector<double>> y(nch, std::vector<double>(count));
    const double* ip[2] = {nullptr, nullptr};
    double* op[2] = {nullptr, nullptr};
    for (std::size_t c = 0; c < nch && c < 2; ++c) {
      interpolate(in[c], g, k0, count, u[c]);
      ip[c] = u[c].data();
      op[c] = y[c].data();
    }
    sim.process(ip, op, count);
    for (std::size_t c = 0; c < nch; ++c) z[c].insert(z[c].end(), y[c].begin(), y[c].end());
    const long z_end = z0 + static_cast<long>(z.empty() ? 0 : z[0].size());
    // out[n] = sum_j (g[j]/M) z[n M - j], complete once z reaches n M + kHalfTaps.
    for (; next_out < static_cast<long>(n) && next_out * m + kHalfTaps < z_end; ++next_out) {
      const long centre = next_out * m;
      for (std::size_t c = 0; c < nch; ++c) {
        double s = 0;
        for (long j = -kHalfTaps; j <= kHalfTaps; ++j) {
          const long k = centre - j;
          if (k >= z0) s += g[static_cast<std::size_t>(j + kHalfTaps)] * z[c][static_cast<std::size_t>(k - z0)];
        }
        const double v = std::clamp(s / m, -1.0, 1.0 - kAdcLsb);
        out[c][static_cast<std::size_t>(next_out)] = std::round(v / kAdcLsb) * kAdcLsb;
      }
    }
    const long keep_from = std::max(z0, next_out * m - kHalfTaps);
    for (std::size_t c = 0; c < nch; ++c) z[c].erase(z[c].begin(), z[c].begin() + (keep_from - z0));
    z0 = keep_from;
  }
  return out;
}

}  // namespace outbench::sim
