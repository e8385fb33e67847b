// IMD (SMPTE, CCIF/DFD) against the closed form of a static polynomial y = x + a2 x^2 + a3 x^3 driven by two
// tones A sin(w1 t) + B sin(w2 t): f2 +/- f1 at a2 A B, f2 +/- 2 f1 (and 2 f1 - f2) at 3/4 a3 A^2 B, 2 f2 - f1 at
// 3/4 a3 A B^2, the tones themselves A + a3 (3/4 A^3 + 3/2 A B^2) and B + a3 (3/4 B^3 + 3/2 A^2 B).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "analysis/imd.hpp"

namespace outbench {
namespace {

constexpr double kRate = 48000;

std::vector<double> through_polynomial(std::vector<double> x, double a2, double a3, double noise_rms = 0) {
  std::mt19937 rng(7);
  std::normal_distribution<double> n(0.0, noise_rms);
  for (double& v : x) v = v + a2 * v * v + a3 * v * v * v + (noise_rms > 0 ? n(rng) : 0.0);
  return x;
}

TEST(Imd, StimulusPeaksAtItsLevelWithTheStandardsRatio) {
  for (auto st : {ImdStandard::Smpte, ImdStandard::Ccif}) {
    ImdStimulusSpec s;
    s.imd = imd_spec(st);
    s.level_dbfs = -6;
    const auto x = make_imd_stimulus(s);
    double peak = 0;
    for (double v : x) peak = std::max(peak, std::abs(v));
    EXPECT_LE(peak, std::pow(10, -6.0 / 20) * (1 + 1e-12));
    EXPECT_GE(peak, std::pow(10, -6.0 / 20) * 0.95) << imd_standard_name(st);
    EXPECT_NEAR(analyze_imd(x, kRate, s.imd).level_dbfs, -6, 0.01);
    const auto r = analyze_imd(x, kRate, s.imd);
    ASSERT_TRUE(r.valid) << r.reason;
    const double ratio_db = r.components[0].level_dbfs - r.components[1].level_dbfs;
    EXPECT_NEAR(ratio_db, 20 * std::log10(s.imd.ratio_f1_to_f2), 0.01) << imd_standard_name(st);
  }
  ImdStimulusSpec bad;
  bad.imd = imd_spec(ImdStandard::Ccif);
  bad.rate_hz = 32000;  // 20 kHz is above Nyquist
  EXPECT_THROW(make_imd_stimulus(bad), std::invalid_argument);
  EXPECT_THROW(parse_imd_standard("din"), std::invalid_argument);
}

TEST(Imd, SmpteMatchesThePolynomialsClosedForm) {
  ImdStimulusSpec s;  // SMPTE, -6 dBFS: A = 0.4, B = 0.1 (peak 0.501)
  s.level_dbfs = -6;
  const double peak = std::pow(10, -6.0 / 20), B = peak / 5, A = peak - B;
  const double a2 = 0.01, a3 = 0.02;
  const auto r = analyze_imd(through_polynomial(make_imd_stimulus(s), a2, a3), kRate, s.imd);
  ASSERT_TRUE(r.valid) << r.reason;
  const double side1 = a2 * A * B, side2 = 0.75 * a3 * A * A * B;
  const double b_out = B + a3 * (0.75 * B * B * B + 1.5 * A * A * B);
  const double truth = std::sqrt(2 * side1 * side1 + 2 * side2 * side2) / b_out;
  EXPECT_NEAR(r.imd_db, 20 * std::log10(truth), 0.01);
  EXPECT_NEAR(r.imd_pct, 100 * truth, 0.001 * 100 * truth);
  ASSERT_EQ(r.components.size(), 10u);  // f1, f2 and f2 -/+ n f1 for n = 1..4
  EXPECT_EQ(r.components.back().name, "f2+4f1");
  EXPECT_NEAR(r.components.back().freq_hz, 7240, 1e-9);
  EXPECT_FALSE(r.bound);  // n = 3, 4 are zero (bounds at the numerical floor) and cannot matter
  for (const auto& c : r.components)
    if (c.name == "f2-1f1") {
      EXPECT_NEAR(c.level_dbfs, 20 * std::log10(side1), 0.01);
    }
}

TEST(Imd, CcifDifferenceFrequencyMatchesTheClosedForm) {
  ImdStimulusSpec s;
  s.imd = imd_spec(ImdStandard::Ccif);
  s.level_dbfs = -3;
  const double peak = std::pow(10, -3.0 / 20), A = peak / 2, B = peak / 2;
  const double a2 = 0.003, a3 = 0.05;
  const auto r = analyze_imd(through_polynomial(make_imd_stimulus(s), a2, a3), kRate, s.imd);
  ASSERT_TRUE(r.valid) << r.reason;
  const double a_out = A + a3 * (0.75 * A * A * A + 1.5 * A * B * B);
  const double b_out = B + a3 * (0.75 * B * B * B + 1.5 * A * A * B);
  const double d2 = a2 * A * B / (a_out + b_out);
  const double d3 = 0.75 * a3 * (A * A * B + A * B * B) / (a_out + b_out);
  EXPECT_NEAR(r.d2_db, 20 * std::log10(d2), 0.01);
  EXPECT_NEAR(r.d3_db, 20 * std::log10(d3), 0.01);
  EXPECT_NEAR(r.d3_pct, 100 * d3, 0.001 * 100 * d3);
}

TEST(Imd, ProductsUnderTheNoiseGiveABoundAboveTheTruth) {
  ImdStimulusSpec s;
  s.level_dbfs = -6;
  // A linear path with -100 dBFS of noise (rms): no product stands above it.
  const auto r = analyze_imd(through_polynomial(make_imd_stimulus(s), 0, 0, 1e-5), kRate, s.imd);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_TRUE(r.bound);
  EXPECT_LT(r.imd_db, -60);  // a bound near the narrow-band noise relative to f2 (-20 dBFS)
  // No two-tone at all: not valid, says why.
  std::vector<double> silence(48000, 0.0);
  std::mt19937 rng(1);
  std::normal_distribution<double> n(0.0, 1e-4);
  for (double& v : silence) v = n(rng);
  const auto none = analyze_imd(silence, kRate, s.imd);
  EXPECT_FALSE(none.valid);
  EXPECT_NE(none.reason.find("two-tone"), std::string::npos) << none.reason;
  // Another standard's two-tone: 19 and 20 kHz carry nothing of a SMPTE capture.
  const auto other = analyze_imd(make_imd_stimulus(s), kRate, imd_spec(ImdStandard::Ccif));
  EXPECT_FALSE(other.valid);
  EXPECT_NE(other.reason.find("two-tone"), std::string::npos) << other.reason;
}

}  // namespace
}  // namespace outbench
