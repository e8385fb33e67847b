#include <gtest/gtest.h>

#include "analysis/impedance.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

constexpr double kFs = 48000;

// A source with series R and C driving load Zl (= Rl || Zin), simulated in discrete time with the bilinear
// transform; its exact impedance is Rs + 1/(j C (2 fs) tan(pi f / fs)) (the bilinear C), used as truth.
std::vector<double> rc_divider(const std::vector<double>& e, double rs, double c, double zl) {
  std::vector<double> v(e.size());
  const double k = 1.0 / (2 * kFs * c);  // T/(2C)
  double vc = 0, i_prev = 0;
  for (std::size_t n = 0; n < e.size(); ++n) {
    const double i = (e[n] - vc - k * i_prev) / (rs + zl + k);
    vc += k * (i + i_prev);
    i_prev = i;
    v[n] = i * zl;
  }
  return v;
}

std::complex<double> truth(double rs, double c, double f) {
  return {rs, -1.0 / (c * 2 * kFs * std::tan(test::kPi * f / kFs))};
}

class RcSource : public ::testing::TestWithParam<double> {};

TEST_P(RcSource, RecoversZoutWithinOnePercent) {
  const double rl = GetParam(), zin = 1e6, rs = 10, c = 220e-6;
  SweepSpec s;
  s.start_hz = 10;
  s.stop_hz = 24000;
  s.duration_s = 3;
  s.level_dbfs = -6;
  const auto sweep = make_sweep(s);
  std::vector<double> e(sweep);
  e.resize(sweep.size() + 24000, 0.0);
  auto open = rc_divider(e, rs, c, zin);
  auto loaded = rc_divider(e, rs, c, rl * zin / (rl + zin));
  test::quantize(open, 24);
  test::quantize(loaded, 24);
  ResponseOptions o;
  o.sweep_l_s = sweep_info(s).l_s;
  const auto ro = analyze_response(sweep, open, kFs, o);
  o.forced_latency_frames = ro.latency_frames;
  const auto rl_resp = analyze_response(sweep, loaded, kFs, o);
  const auto z = output_impedance(ro, rl_resp, rl, zin);
  ASSERT_TRUE(z.valid) << z.reason;
  int n = 0;
  for (const auto& p : z.points) {
    if (p.freq_hz < 20 || p.freq_hz > 20000) continue;
    const auto t = truth(rs, c, p.freq_hz);
    EXPECT_NEAR(std::abs(p.z_ohms), std::abs(t), 0.01 * std::abs(t)) << rl << " ohm at " << p.freq_hz << " Hz";
    ++n;
  }
  EXPECT_GT(n, 230);
  ASSERT_TRUE(z.z_1k_ohms && z.z_20hz_ohms);
  EXPECT_LT(z.z_20hz_ohms->imag(), 0);  // capacitive
  EXPECT_NEAR(std::abs(*z.z_20hz_ohms), std::abs(truth(rs, c, 20)), 0.01 * std::abs(truth(rs, c, 20)));
}

INSTANTIATE_TEST_SUITE_P(Loads, RcSource, ::testing::Values(16.0, 32.0, 300.0, 600.0));

TEST(Impedance, FormulaLimits) {
  // Zs = 10 ohm into 32 ohm, Zin infinite: r = 42/32.
  const auto z = output_impedance(std::complex<double>(1.0), std::complex<double>(32.0 / 42.0), 32, kInfiniteOhms);
  EXPECT_NEAR(z.real(), 10.0, 1e-12);
  // Finite Zin: open = Zin/(Zs+Zin), loaded = Zp/(Zs+Zp).
  const double zin = 10e3, zs = 100, rl = 600, zp = rl * zin / (rl + zin);
  const auto z2 = output_impedance(zin / (zs + zin), zp / (zs + zp), rl, zin);
  EXPECT_NEAR(z2.real(), zs, 1e-9);
  EXPECT_NEAR(z2.imag(), 0.0, 1e-9);
}

TEST(Impedance, CombineWeightsTheInformativeLoad) {
  ImpedanceResult a, b;
  a.valid = b.valid = true;
  a.load_ohms = 16;
  b.load_ohms = 10000;
  a.input_ohms = b.input_ohms = 1e6;
  a.points = {{1000, {10.0, 0}}};
  b.points = {{1000, {30.0, 0}}};  // a noisy high-load estimate
  const auto c = combine_impedance({a, b});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_LT(std::abs(c[0].z_ohms - 10.0), 0.1);
}

// Inverse-variance weights: the error of a load's estimate grows as (|Z| + Zp)/|Z| times the relative error of
// r, so each estimate counts (|Z|/(|Z| + Zp))^2. Two estimates of 10 and 11 ohm from 16 and 32 ohm loads
// combine to (w1*10 + w2*11)/(w1 + w2) with w1 = (10/26)^2, w2 = (11/43)^2 = 10.307 ohm (1/Zp weights
// would give 10.333 ohm).
TEST(Impedance, CombineUsesInverseErrorVarianceWeights) {
  ImpedanceResult a, b;
  a.valid = b.valid = true;
  a.load_ohms = 16;
  b.load_ohms = 32;
  a.input_ohms = b.input_ohms = kInfiniteOhms;
  a.points = {{1000, {10.0, 0}}};
  b.points = {{1000, {11.0, 0}}};
  const double w1 = std::pow(10.0 / 26.0, 2), w2 = std::pow(11.0 / 43.0, 2);
  const auto c = combine_impedance({a, b});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NEAR(c[0].z_ohms.real(), (w1 * 10 + w2 * 11) / (w1 + w2), 1e-9);
  EXPECT_NEAR(c[0].z_ohms.real(), 10.307, 0.001);
}

// An infinite load (an open circuit) gives no impedance reading: invalid, never a NaN.
// The band's maximum includes both edges: |z| rising as 1/f below 1 kHz peaks at exactly 20 Hz, between two
// points of a 1/24-octave grid; a grid that ends inside the band contributes only its own points.
TEST(Impedance, BandMaximumIncludesTheEdges) {
  std::vector<ImpedancePoint> pts;
  for (int k = -140; k <= 110; ++k) {
    const double f = 1000.0 * std::pow(2.0, k / 24.0);
    pts.push_back({f, {10.0 + 5.0 * std::max(0.0, std::log2(1000.0 / f)), 0.0}});
  }
  EXPECT_NEAR(max_abs_impedance_ohms(pts, 20.0, 20000.0), 10.0 + 5.0 * std::log2(1000.0 / 20.0), 1e-9);
  EXPECT_NEAR(max_abs_impedance_ohms(pts, 25.0, 20000.0), 10.0 + 5.0 * std::log2(1000.0 / 25.0), 1e-9);
  const std::vector<ImpedancePoint> inside(pts.begin() + 10, pts.end());  // from 26.3 Hz
  EXPECT_NEAR(max_abs_impedance_ohms(inside, 20.0, 20000.0), std::abs(inside.front().z_ohms), 1e-12);
  EXPECT_EQ(max_abs_impedance_ohms({}, 20.0, 20000.0), 0.0);
}

TEST(Impedance, InfiniteLoadIsRefused) {
  ResponseResult open, loaded;
  open.valid = loaded.valid = true;
  open.points = loaded.points = {{1000, {1.0, 0.0}}, {2000, {1.0, 0.0}}};
  for (double load : {kInfiniteOhms, std::nan(""), -32.0, 0.0}) {
    const auto z = output_impedance(open, loaded, load, 1e6);
    EXPECT_FALSE(z.valid) << load;
    EXPECT_NE(z.reason.find("finite positive resistance"), std::string::npos) << z.reason;
    EXPECT_TRUE(z.points.empty());
  }
  // Responses that cannot be divided (r*Zp == Zin): invalid, never an infinite point.
  const double zp = 32.0 * 1e6 / (32.0 + 1e6);
  ResponseResult odd = loaded;
  odd.points[0].h = zp / 1e6;
  const auto zi = output_impedance(open, odd, 32, 1e6);
  EXPECT_FALSE(zi.valid);
  EXPECT_NE(zi.reason.find("not finite"), std::string::npos) << zi.reason;
  EXPECT_TRUE(zi.points.empty());
  const auto z = output_impedance(open, loaded, 32, kInfiniteOhms);  // an ideal input is fine
  ASSERT_TRUE(z.valid) << z.reason;
  EXPECT_NEAR(std::abs(z.points[0].z_ohms), 0.0, 1e-12);
}

}  // namespace
}  // namespace outbench
