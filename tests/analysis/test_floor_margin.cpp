// floor_margin (analysis/floor_margin.hpp) against power arithmetic: a device level D and a floor F read
// together as 10 log10(10^(D/10) + 10^(F/10)); the margin, the analyser-limited mark (<= 3 dB) and the
// floor-corrected level (3..10 dB) must give D back.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/floor_margin.hpp"

namespace outbench {
namespace {

double power_sum_db(double a_db, double b_db) {
  return 10 * std::log10(std::pow(10.0, a_db / 10) + std::pow(10.0, b_db / 10));
}

TEST(FloorMargin, CorrectionRecoversTheDeviceBetween3And10Db) {
  const double floor_db = -125.0;
  for (double device_db : {-125.0 + 1.0, -125.0 + 4.7, -125.0 + 8.0}) {
    const double reading = power_sum_db(device_db, floor_db);
    const FloorMargin m = floor_margin(reading, floor_db);
    EXPECT_NEAR(m.margin_db, reading - floor_db, 1e-12);
    ASSERT_FALSE(m.analyser_limited) << device_db;
    ASSERT_TRUE(m.correction_db) << device_db;
    EXPECT_NEAR(device_level_db(reading, m), device_db, 1e-9) << device_db;
  }
}

TEST(FloorMargin, LimitedWithin3DbAndUnmarkedFrom10Db) {
  const FloorMargin equal = floor_margin(power_sum_db(-125, -125), -125);  // 3.01 dB: just corrected
  EXPECT_FALSE(equal.analyser_limited);
  const FloorMargin below = floor_margin(power_sum_db(-131, -125), -125);  // 0.97 dB
  EXPECT_TRUE(below.analyser_limited);
  EXPECT_FALSE(below.correction_db);
  EXPECT_NEAR(below.margin_db, 0.973, 1e-3);
  EXPECT_TRUE(floor_margin(-122.0, -125.0).analyser_limited);  // exactly 3 dB: the bound
  const FloorMargin far = floor_margin(-115.0, -125.0);
  EXPECT_FALSE(far.analyser_limited);
  EXPECT_FALSE(far.correction_db);
  EXPECT_DOUBLE_EQ(device_level_db(-115.0, far), -115.0);
}

}  // namespace
}  // namespace outbench
