#include <gtest/gtest.h>

#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

TEST(Sweep, SynchronizedRateParameter) {
  SweepSpec s;
  s.start_hz = 20;
  s.stop_hz = 20000;
  s.duration_s = 2;
  const auto info = sweep_info(s);
  // f1 * L is an integer (Novak 2015), duration = L ln(f2/f1).
  EXPECT_NEAR(s.start_hz * info.l_s, std::round(s.start_hz * info.l_s), 1e-9);
  EXPECT_NEAR(info.duration_s, info.l_s * std::log(1000.0), 1e-12);
  EXPECT_NEAR(info.duration_s, 2.0, 0.2);
}

TEST(Sweep, HarmonicIsTimeAdvancedSweep) {
  // sin(n * phi(t)) == sin(phi(t + L ln n)) for the synchronized sweep.
  SweepSpec s;
  s.start_hz = 20;
  s.stop_hz = 20000;
  const auto info = sweep_info(s);
  const double k = 2 * test::kPi * s.start_hz * info.l_s;
  for (double t : {0.1, 0.5, 1.0}) {
    const double phi2 = 2 * k * std::expm1(t / info.l_s);
    const double shifted = k * std::expm1((t + info.harmonic_advance_s(2)) / info.l_s);
    EXPECT_NEAR(std::sin(phi2), std::sin(shifted), 1e-6);
  }
}

TEST(Sweep, LevelAndFades) {
  SweepSpec s;
  s.level_dbfs = -6;
  const auto x = make_sweep(s);
  double peak = 0;
  for (double v : x) peak = std::max(peak, std::abs(v));
  EXPECT_NEAR(peak, peak_from_dbfs(-6), 1e-3);
  EXPECT_LT(std::abs(x.front()), 1e-6);
  EXPECT_LT(std::abs(x.back()), 1e-3);
}

TEST(Sweep, RejectsBadSpecs) {
  SweepSpec s;
  s.stop_hz = 30000;  // above Nyquist at 48 kHz
  EXPECT_THROW(sweep_info(s), std::invalid_argument);
  s.stop_hz = 10;
  EXPECT_THROW(sweep_info(s), std::invalid_argument);
}

TEST(Tone, LevelFrequencyAndFades) {
  ToneSpec t;
  t.freq_hz = 1000;
  t.level_dbfs = -20;
  t.duration_s = 1;
  t.fade_s = 0.01;
  const auto x = make_tone(t);
  ASSERT_EQ(x.size(), 48000u);
  EXPECT_LT(std::abs(x.front()), 1e-5);
  // Middle: exact sine of amplitude 0.1.
  double ms = 0;
  for (std::size_t i = 12000; i < 36000; ++i) ms += x[i] * x[i];
  EXPECT_NEAR(dbfs_from_mean_square(ms / 24000), -20.0, 1e-6);
  t.freq_hz = 24000;
  EXPECT_THROW(make_tone(t), std::invalid_argument);
}

TEST(Stepped, LogSpacedList) {
  const auto f = stepped_sine_freqs(20, 20000, 3);
  EXPECT_DOUBLE_EQ(f.front(), 20);
  EXPECT_NEAR(f.back(), 20000, 1e-6);
  EXPECT_EQ(f.size(), 31u);  // 9.97 octaves * 3 + 1, plus the stop
  EXPECT_NEAR(f[3], 40, 1e-9);
}

}  // namespace
}  // namespace outbench
