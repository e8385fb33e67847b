// The narrow-band reading at a known frequency (analysis/narrowband.hpp) on analytic signals: a tone beside
// hum, white noise alone (a bound), the keep-out around hum lines, the bound's coverage.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/narrowband.hpp"
#include "analysis/units.hpp"
#include "analysis/windows.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

constexpr double kFs = 48000;

std::size_t frames(double seconds) {
  return static_cast<std::size_t>(seconds * kFs);
}

std::vector<double> plus(std::vector<double> a, const std::vector<double>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

// The reading pure white noise of standard deviation sigma gives on average (power of a sine's amplitude in
// the window's equivalent noise bandwidth).
double noise_reading_dbfs(double sigma, std::size_t n) {
  const double enbw_bins = cached_window(WindowKind::BlackmanHarris7, n).figures.enbw_bins;
  return 10 * std::log10(4 * sigma * sigma * enbw_bins / static_cast<double>(n));
}

// A tone at -100 dBFS at 40 Hz with hum 18 dB above it at 50 Hz (10 Hz away) and a little white noise: read
// within 0.05 dB, not a bound; the hum alone at 40 Hz reads far below it.
TEST(Narrowband, ToneBesideHumIsReadAtItsLevel) {
  const double secs = 1.2, tone_dbfs = -100, hum_dbfs = -82;
  const auto hum = test::tones({{50.0, peak_from_dbfs(hum_dbfs), 0.4}}, kFs, frames(secs));
  const auto noise = test::gaussian(frames(secs), peak_from_dbfs(-135), 7);
  const auto x = plus(plus(test::tones({{40.0, peak_from_dbfs(tone_dbfs), 1.0}}, kFs, frames(secs)), hum), noise);
  NarrowbandOptions o;
  o.freq_hz = 40.0;
  const auto r = narrowband_level(x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_FALSE(r.bound);
  EXPECT_NEAR(r.level_dbfs, tone_dbfs, 0.05);
  EXPECT_NEAR(r.noise_dbfs, noise_reading_dbfs(peak_from_dbfs(-135), x.size()), 1.5);
  // Without the tone the hum does not reach the reading: a bound near the noise, 40 dB below the tone.
  const auto h = narrowband_level(plus(hum, noise), kFs, o);
  ASSERT_TRUE(h.valid) << h.reason;
  EXPECT_TRUE(h.bound);
  EXPECT_LT(h.level_dbfs, tone_dbfs - 30);
}

// Hum 60 dB above the tone on the lines nearest 80 Hz (60, 100, 150 Hz, each 0.9 % off its nominal) leaves
// the reading untouched at the length narrowband_min_seconds() asks for.
TEST(Narrowband, MinimumLengthKeepsHumOut) {
  NarrowbandOptions o;
  o.freq_hz = 80.0;
  const double need = narrowband_min_seconds(kFs, o);
  EXPECT_NEAR(need, 8.0 / (20.0 - 1.0), 1e-9);  // the 100 Hz line: 20 Hz away, less its 1 % tolerance
  const double secs = need * 1.001;
  const auto x = test::tones({{80.0, peak_from_dbfs(-120), 0.2},
                              {60.0 * 1.009, peak_from_dbfs(-60), 0.1},
                              {100.0 * 0.991, peak_from_dbfs(-60), 0.7},
                              {150.0 * 1.009, peak_from_dbfs(-60), 1.3}},
                             kFs, frames(secs));
  const auto r = narrowband_level(x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_FALSE(r.bound);
  EXPECT_NEAR(r.level_dbfs, -120, 0.05);
  // Shorter than that: refused, with the length it needs.
  const auto s = narrowband_level(std::span<const double>(x).first(frames(need * 0.9)), kFs, o);
  EXPECT_FALSE(s.valid);
  EXPECT_NE(s.reason.find("hum line at 60 Hz"), std::string::npos) << s.reason;
  EXPECT_NE(s.reason.find("use at least 0.4211"), std::string::npos) << s.reason;
  // A tone on a hum line cannot be separated at any length.
  o.freq_hz = 100.0;
  EXPECT_TRUE(std::isinf(narrowband_min_seconds(kFs, o)));
}

// White noise only: a bound, above the noise's mean reading by 3 to 10 dB, and the noise read within 1.5 dB of
// its analytic value; never the broadband level (60 dB higher here).
TEST(Narrowband, WhiteNoiseGivesABoundNearTheNoise) {
  const double sigma = peak_from_dbfs(-100);
  const auto x = test::gaussian(frames(0.5), sigma, 3);
  NarrowbandOptions o;
  o.freq_hz = 997.0;
  const auto r = narrowband_level(x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_TRUE(r.bound);
  const double truth = noise_reading_dbfs(sigma, x.size());
  EXPECT_NEAR(r.noise_dbfs, truth, 1.5);
  EXPECT_GT(r.level_dbfs, truth + 3);
  EXPECT_LT(r.level_dbfs, truth + 10);
  EXPECT_EQ(r.noise_points, 32);
  EXPECT_NEAR(r.enbw_hz, r.bin_hz * 2.63, 0.05 * r.bin_hz);
}

// The bound holds: a tone 6 dB above the noise's mean reading (below the 10 dB needed for a value) lies at or
// below its bound in at least 90 % of 200 draws (95 % by construction); a tone 30 dB above the noise is measured within
// the spread the noise gives it.
TEST(Narrowband, BoundCoversTheToneAndClearTonesAreMeasured) {
  const double sigma = peak_from_dbfs(-100);
  const std::size_t n = frames(0.2);
  const double noise = noise_reading_dbfs(sigma, n);
  NarrowbandOptions o;
  o.freq_hz = 1234.5;
  int covered = 0, bounds = 0;
  for (unsigned seed = 0; seed < 200; ++seed) {
    const auto x = plus(test::tones({{o.freq_hz, peak_from_dbfs(noise + 6), 0.1 * seed}}, kFs, n),
                        test::gaussian(n, sigma, 100 + seed));
    const auto r = narrowband_level(x, kFs, o);
    ASSERT_TRUE(r.valid) << r.reason;
    bounds += r.bound;
    covered += r.bound && r.level_dbfs >= noise + 6;
  }
  EXPECT_GE(bounds, 150);
  EXPECT_GE(covered, bounds * 9 / 10);
  // 30 dB above the noise, a quadrature component of the noise has 1/sqrt(2) of its amplitude: 0.022 of the
  // tone's (0.2 dB) per draw; 3 sigma is 0.6 dB.
  double sq = 0;
  for (unsigned seed = 0; seed < 20; ++seed) {
    const auto x = plus(test::tones({{o.freq_hz, peak_from_dbfs(noise + 30), 0.3 * seed}}, kFs, n),
                        test::gaussian(n, sigma, 500 + seed));
    const auto r = narrowband_level(x, kFs, o);
    ASSERT_TRUE(r.valid) << r.reason;
    EXPECT_FALSE(r.bound) << seed;
    EXPECT_NEAR(r.level_dbfs, noise + 30, 0.6) << seed;
    sq += (r.level_dbfs - noise - 30) * (r.level_dbfs - noise - 30);
  }
  EXPECT_LT(std::sqrt(sq / 20), 0.3);
}

// Hum lines: multiples of 50 and 60 Hz up to hum_max_hz, once each; a tone too near DC is refused.
TEST(Narrowband, HumLinesAndEdges) {
  NarrowbandOptions o;
  o.hum_max_hz = 200;
  EXPECT_EQ(hum_lines_hz(o), (std::vector<double>{50, 60, 100, 120, 150, 180, 200}));
  o.freq_hz = 10.0;
  const auto r = narrowband_level(std::vector<double>(frames(0.5), 0.0), kFs, o);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("DC or Nyquist"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace outbench
