// |Zout| with complex, frequency-dependent loads and input impedances (analysis/impedance.hpp,
// analysis/network.hpp): the transfer functions of a known source (R + series C) into a reactive load in parallel
// with an R || C input, computed exactly; the estimator given Zl(f) and Zin(f) recovers the source, the real
// resistances in their place do not (by the amount the divider says).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>

#include "analysis/impedance.hpp"
#include "analysis/impedance_uncertainty.hpp"
#include "analysis/network.hpp"

namespace outbench {
namespace {

using K = NetworkElement::Kind;

NetworkElement r_plus_l(double r, double l) {
  return {K::series, 0, {{K::resistor, r, {}}, {K::inductor, l, {}}}};
}
NetworkElement r_par_c(double r, double c) {
  return {K::parallel, 0, {{K::resistor, r, {}}, {K::capacitor, c, {}}}};
}

// 2 ohm and 220 uF (or rs alone: c_farads = 0).
std::complex<double> source(double f, double rs = 2.0, double c_farads = 220e-6) {
  return {rs, c_farads > 0 ? -1.0 / (2 * std::numbers::pi * f * c_farads) : 0.0};
}

// The open and loaded responses of `source` at 1/6 octave from 20 kHz down to 10 Hz: H = Zp/(Zs + Zp).
std::pair<ResponseResult, ResponseResult> responses(const FrequencyImpedance& load, const FrequencyImpedance& in,
                                                    double rs = 2.0, double c_farads = 220e-6) {
  ResponseResult open, loaded;
  open.valid = loaded.valid = true;
  for (int k = 60; k >= 0; --k) {
    const double f = 20000.0 * std::exp2(-k / 6.0);
    const auto zin = in.at(f), zl = load.at(f), zp = zl * zin / (zl + zin), zs = source(f, rs, c_farads);
    open.points.push_back({f, zin / (zs + zin)});
    loaded.points.push_back({f, zp / (zs + zp)});
  }
  return {open, loaded};
}

FrequencyImpedance net(NetworkElement e) {
  FrequencyImpedance z;
  z.network = std::move(e);
  return z;
}
FrequencyImpedance resistor(double ohms) {
  FrequencyImpedance z;
  z.ohms = ohms;
  return z;
}

TEST(ComplexImpedance, NetworkDescriptionAndValue) {
  EXPECT_EQ(describe_network(r_plus_l(32, 0.5e-3)), "32 ohm + 500 uH");
  EXPECT_EQ(describe_network(r_par_c(300, 10e-9)), "300 ohm || 10 nF");
  const auto z = net(r_par_c(300, 10e-9)).at(20000.0);
  const std::complex<double> y(1.0 / 300, 2 * std::numbers::pi * 20000 * 10e-9);
  EXPECT_NEAR(std::abs(z - 1.0 / y), 0.0, 1e-9);
}

// The reactive loads recover Zs(f) to round-off; their real resistance in place of Zl(f) is off at 20 kHz by
// what the divider predicts (Zs times Zp_real/Zp_true, Zin much larger than Zl).
TEST(ComplexImpedance, ReactiveLoadsRecoverTheSource) {
  const FrequencyImpedance zin = net(r_par_c(1e6, 100e-12));
  for (const auto& [load, r] : {std::pair{r_plus_l(32, 0.5e-3), 32.0}, std::pair{r_par_c(300, 10e-9), 300.0}}) {
    SCOPED_TRACE(describe_network(load));
    const auto [open, loaded] = responses(net(load), zin);
    const auto z = output_impedance(open, loaded, net(load), zin);
    ASSERT_TRUE(z.valid) << z.reason;
    EXPECT_NEAR(z.load_ohms, std::abs(net(load).at(1000.0)), 1e-9);
    for (const auto& p : z.points)
      EXPECT_NEAR(std::abs(p.z_ohms - source(p.freq_hz)), 0.0, 1e-9 * std::abs(source(p.freq_hz)));
    // The real resistance in its place: wrong by |Zs| |R/Zl - 1|, to first order, at 20 kHz (over 5 %).
    const auto wrong = output_impedance(open, loaded, resistor(r), zin);
    const auto zw = impedance_at(wrong.points, 20000.0);
    const auto zt = source(20000.0);
    ASSERT_TRUE(zw);
    const double expected_err = std::abs(zt) * std::abs(r / net(load).at(20000.0) - 1.0);
    EXPECT_GT(std::abs(*zw - zt), 0.05 * std::abs(zt));
    EXPECT_NEAR(std::abs(*zw - zt), expected_err, 0.1 * expected_err);
  }
}

// Zin = 100 kohm || 470 pF with a 10 kohm load on a 1 kohm source: Zin at 1 kHz at every frequency biases Zout at
// 20 kHz by the computed amount, Zs/(1 + Zs (Y_true - Y_assumed)) - Zs (first order in the reactance X, second in
// |Zout| for a resistive source); Zin(f) removes it. The uncertainty's input term uses |Zout^2/Zin(f)|.
TEST(ComplexImpedance, InputCapacitanceBiasAndItsRemoval) {
  const double zs = 1000.0;
  const FrequencyImpedance zin = net(r_par_c(1e5, 470e-12)), load = resistor(1e4);
  const auto [open, loaded] = responses(load, zin, zs, 0.0);
  const auto good = output_impedance(open, loaded, load, zin);
  FrequencyImpedance zin_1k;
  zin_1k.ohms = std::abs(zin.at(1000.0));
  const auto biased = output_impedance(open, loaded, load, zin_1k);
  ASSERT_TRUE(good.valid && biased.valid);
  const auto zg = impedance_at(good.points, 20000.0), zb = impedance_at(biased.points, 20000.0);
  ASSERT_TRUE(zg && zb);
  EXPECT_NEAR(std::abs(*zg - zs), 0.0, 1e-9 * zs);
  const auto zt = zin.at(20000.0);
  const std::complex<double> bias = zs / (1.0 + zs * (1.0 / zt - 1.0 / zin_1k.ohms)) - zs;
  std::printf("Zout at 20 kHz: true %.3f ohm; Zin(1 kHz) only %.3f%+.3fj (bias %.3f%+.3fj); Zin(f) %.3f%+.3fj\n", zs,
              zb->real(), zb->imag(), bias.real(), bias.imag(), zg->real(), zg->imag());
  EXPECT_GT(std::abs(bias), 0.05 * zs);  // not a bias lost in round-off
  EXPECT_NEAR(std::abs(*zb - zs - bias), 0.0, 1e-9 * zs);
  EXPECT_NEAR(std::abs(*zb) - zs, std::abs(zs + bias) - zs, 1e-9 * zs);
  // Uncertainty with Zin(f): the input term at 20 kHz is |Z^2/Zin(20 kHz)| t/sqrt(3).
  ImpedanceTolerances tol{0.0, 10.0, 0.0};
  auto withu = good;
  add_uncertainty(withu, tol);
  const auto u = u95_at(withu.points, 20000.0);
  const double expected = 2 * std::abs(*zg * *zg / zt) * 0.1 / std::sqrt(3.0);
  ASSERT_TRUE(u);
  EXPECT_NEAR(*u, expected, 0.05 * expected);
}

// A curve held at its ends; a resistive spec is exactly the real formula.
TEST(ComplexImpedance, CurveAndResistiveForms) {
  FrequencyImpedance c;
  c.curve = {{100, {50, 10}}, {1000, {60, 0}}};
  EXPECT_EQ(c.at(10), std::complex<double>(50, 10));
  EXPECT_EQ(c.at(5000), std::complex<double>(60, 0));
  EXPECT_NEAR(std::abs(c.at(std::sqrt(1e5)) - std::complex<double>(55, 5)), 0.0, 1e-9);
  const std::complex<double> ho(0.9, 0.1), hl(0.5, 0.2);
  EXPECT_EQ(output_impedance(ho, hl, std::complex<double>(32, 0), std::complex<double>(1e6, 0)),
            output_impedance(ho, hl, 32.0, 1e6));
}

}  // namespace
}  // namespace outbench
