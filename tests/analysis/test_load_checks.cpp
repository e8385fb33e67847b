// analysis/load_checks: the conclusions drawn from a port's loads, against a voltage divider worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/load_checks.hpp"

namespace outbench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(LoadChecks, ParallelImpedanceOfLoadAndInput) {
  EXPECT_DOUBLE_EQ(parallel_ohms(32.0, kInf), 32.0);
  EXPECT_NEAR(parallel_ohms(10e3, 10e3), 5e3, 1e-9);
  EXPECT_NEAR(parallel_ohms(600.0, 1e6), 1.0 / (1.0 / 600 + 1.0 / 1e6), 1e-9);
}

TEST(LoadChecks, InformativeWithinFiftyTimesZoutWithAFloor) {
  EXPECT_TRUE(is_informative(50.0, 1.0));
  EXPECT_FALSE(is_informative(50.5, 1.0));
  // |Zout| below 10 mOhm counts as 10 mOhm: a 0 ohm source still makes a 0.5 ohm load informative.
  EXPECT_TRUE(is_informative(0.5, 0.0));
  EXPECT_FALSE(is_informative(0.6, 0.0));
}

TEST(LoadChecks, ReferenceIsTheMedianOfTheInformativeEstimates) {
  // Three informative estimates and one from a load 1000 times |Zout| (left out).
  const std::vector<LoadEstimate> three{{32, {1.0, 0}}, {16, {5.0, 0}}, {30, {1.1, 0.2}}, {10e3, {0.1, 0}}};
  const auto z = reference_zout(three);
  ASSERT_TRUE(z);
  EXPECT_DOUBLE_EQ(z->real(), 1.1);
  EXPECT_DOUBLE_EQ(z->imag(), 0.2);
  // Two: the larger.
  const std::vector<LoadEstimate> two{{32, {1.0, 0}}, {16, {2.0, 0}}};
  EXPECT_DOUBLE_EQ(reference_zout(two)->real(), 2.0);
  // None informative.
  const std::vector<LoadEstimate> none{{10e3, {0.1, 0}}};
  EXPECT_FALSE(reference_zout(none));
  EXPECT_FALSE(reference_zout({}));
}

// The level into Rl || Zin from a source E, Zout: E Zp / (Zout + Zp); open: E Zin / (Zout + Zin).
double divider_change_db(double zout, double rl, double zin) {
  const double zp = std::isfinite(zin) ? rl * zin / (rl + zin) : rl;
  const double open = std::isfinite(zin) ? zin / (zout + zin) : 1.0;
  return 20 * std::log10(zp / (zout + zp) / open);
}

TEST(LoadChecks, SwitchCheckPredictsTheDividerAndFlagsAStuckRelay) {
  for (const double zin : {kInf, 20e3}) {
    const double rl = 32, zout = 10, zp = parallel_ohms(rl, zin);
    const double truth = divider_change_db(zout, rl, zin);
    const auto ok = check_switch({zout, 0}, zp, zin, truth);
    ASSERT_TRUE(ok);
    EXPECT_NEAR(ok->predicted_db, truth, 1e-12);
    EXPECT_TRUE(ok->ok);
    // Tolerance: the larger of 0.1 dB and 25 % of the prediction (-2.36 dB here: 0.59 dB).
    EXPECT_TRUE(check_switch({zout, 0}, zp, zin, truth + 0.55)->ok);
    EXPECT_FALSE(check_switch({zout, 0}, zp, zin, truth + 0.65)->ok);
    // A relay that did not switch: the level stayed where it was.
    const auto stuck = check_switch({zout, 0}, zp, zin, 0.0);
    EXPECT_FALSE(stuck->ok);
    EXPECT_DOUBLE_EQ(stuck->measured_db, 0.0);
  }
  // A small prediction keeps the 0.1 dB floor.
  const double small = divider_change_db(1.0, 32, kInf);  // -0.27 dB
  EXPECT_TRUE(check_switch({1.0, 0}, 32, kInf, small + 0.09)->ok);
  EXPECT_FALSE(check_switch({1.0, 0}, 32, kInf, small + 0.11)->ok);
  // A load far above |Zout| says nothing.
  EXPECT_FALSE(check_switch({0.1, 0}, 10e3, kInf, 0.0));
}

TEST(LoadChecks, EstimatesAgreeWithinFivePercentPlusFiftyMilliohm) {
  EXPECT_TRUE(estimates_agree(1.0, 1.0));
  EXPECT_TRUE(estimates_agree(1.099, 1.0));
  EXPECT_FALSE(estimates_agree(1.101, 1.0));
  EXPECT_FALSE(estimates_agree(0.899, 1.0));
  EXPECT_TRUE(estimates_agree(0.06, 0.01));  // the absolute term dominates near 0 ohm
}

TEST(LoadChecks, LoadsThatDidNotMoveTheLevel) {
  EXPECT_TRUE(check_loads_moved(0.01, 16).moved);
  // 0.003 dB of 16 ohm: a source below 5.5 mOhm would look the same; the bench could have shown more, so the
  // figures are withdrawn.
  const auto heavy = check_loads_moved(0.001, 16);
  EXPECT_FALSE(heavy.moved);
  EXPECT_NEAR(heavy.z_floor_ohms, 16 * (std::pow(10.0, 0.003 / 20) - 1), 1e-12);
  EXPECT_TRUE(heavy.withdraw);
  // Only 600 ohm: below 0.21 ohm looks the same: a warning, not a withdrawal.
  const auto light = check_loads_moved(0.001, 600);
  EXPECT_FALSE(light.moved);
  EXPECT_FALSE(light.withdraw);
}

TEST(LoadChecks, CurrentLimitBelowNinetyPercentOfTheHighImpedanceMaximum) {
  const std::vector<LimitInput> loads{{true, kInf, 2.1, true},   // open: high impedance
                                      {true, 10e3, 2.0, true},   // high impedance
                                      {true, 600, 1.95, true},   // 93 % of 2.1: not limited
                                      {true, 32, 1.0, true},     // limited
                                      {true, 16, 0.5, false},    // stopped by the safety limit: not classified
                                      {false, 300, 0.1, true}};  // invalid
  const auto lim = classify_current_limits(loads);
  ASSERT_EQ(lim.size(), loads.size());
  EXPECT_FALSE(lim[0]);
  EXPECT_FALSE(lim[1]);
  EXPECT_FALSE(lim[2]);
  ASSERT_TRUE(lim[3]);
  EXPECT_NEAR(lim[3]->peak_current_a, std::sqrt(2.0) * 1.0 / 32, 1e-12);
  EXPECT_NEAR(lim[3]->below_high_imp_db, 20 * std::log10(1.0 / 2.1), 1e-12);
  EXPECT_FALSE(lim[4]);
  EXPECT_FALSE(lim[5]);
  // Without a high-impedance load nothing is classified.
  const std::vector<LimitInput> low{{true, 32, 1.0, true}, {true, 16, 0.2, true}};
  for (const auto& l : classify_current_limits(low)) EXPECT_FALSE(l);
}

}  // namespace
}  // namespace outbench
