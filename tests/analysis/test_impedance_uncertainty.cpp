// |Zout|'s uncertainty terms against finite differences of the estimator, the scatter term against known noise,
// and Zin from a series resistor against an exact divider.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/impedance.hpp"
#include "analysis/impedance_uncertainty.hpp"

namespace outbench {
namespace {

// The ratio r = H_open/H_load a source `z` gives with load `rl` and input `zin`.
std::complex<double> ratio(std::complex<double> z, double rl, double zin) {
  const double zp = rl * zin / (rl + zin);
  return (zin / (zin + z)) / (zp / (zp + z));
}

TEST(ImpedanceUncertainty, LoadAndInputTermsAreTheEstimatorsDerivatives) {
  const std::complex<double> z(47.0, -12.0);
  const double rl = 32.0, zin = 20000.0, t_pct = 1.0;
  const auto r = ratio(z, rl, zin);
  const auto h_load = 1.0 / r;  // h_open = 1
  // Numerical derivatives with r fixed: a relative step in Rl, then in Zin.
  const double e = 1e-6;
  const double dz_rl = std::abs(output_impedance(1.0, h_load, rl * (1 + e), zin) - z) / e;
  const double dz_zin = std::abs(output_impedance(1.0, h_load, rl, zin * (1 + e)) - z) / e;
  const ImpedanceTolerances tol{t_pct, t_pct, 0.05};
  const auto u = impedance_uncertainty(z, rl, zin, tol, 0.2);
  EXPECT_NEAR(u.load_ohms, dz_rl * t_pct / 100 / std::sqrt(3.0), 1e-5 * u.load_ohms);
  EXPECT_NEAR(u.input_ohms, dz_zin * t_pct / 100 / std::sqrt(3.0), 1e-4 * u.input_ohms);
  EXPECT_NEAR(u.lead_ohms, 0.05 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(u.u95_ohms,
              2 * std::sqrt(std::pow(u.load_ohms, 2) + std::pow(u.input_ohms, 2) + std::pow(u.lead_ohms, 2) + 0.04),
              1e-12);
  // Ideal input: no input term.
  EXPECT_EQ(impedance_uncertainty(z, rl, kInfiniteOhms, tol, 0).input_ohms, 0.0);
}

TEST(ImpedanceUncertainty, ScatterRecoversKnownNoiseAndIgnoresSmoothCurves) {
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0.0, 0.01);  // 1 % relative noise
  std::vector<ImpedancePoint> noisy, rc;
  for (int i = 0; i <= 240; ++i) {
    const double f = 20.0 * std::pow(2.0, i / 24.0);
    noisy.push_back({f, 10.0 * std::exp(n(rng))});
    rc.push_back({f, std::complex<double>(10.0, -1.0 / (2 * M_PI * f * 220e-6))});  // 10 ohm + 220 uF
  }
  double s = 0;
  for (std::size_t i = 24; i < 216; i += 24) s += impedance_scatter_ohms(noisy, i, 2.0);
  EXPECT_NEAR(s / 8, 0.10, 0.015);  // 1 % of 10 ohm
  // An RC curve has little curvature in ln|z| versus ln f: far below any 1 % noise.
  EXPECT_LT(impedance_scatter_ohms(rc, 100), 1e-3 * std::abs(rc[100].z_ohms));
}

TEST(ImpedanceUncertainty, InputImpedanceFromASeriesResistor) {
  const std::complex<double> zin(20000.0, -3000.0), zs = 100.0;
  const double rs = 22000.0;
  const auto direct = zin / (zin + zs), series = zin / (zin + zs + rs);
  const auto got = input_impedance_from_series(direct, series, rs, 100.0);
  ASSERT_TRUE(got);
  EXPECT_NEAR(std::abs(*got - zin), 0.0, 1e-6);
  EXPECT_FALSE(input_impedance_from_series(direct, direct, rs, 0.0));  // the level did not drop
}

}  // namespace
}  // namespace outbench
