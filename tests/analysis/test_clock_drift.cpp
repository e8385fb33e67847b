// Clock drift (analysis/clock_drift.hpp) and the resampler (analysis/resample.hpp) on analytic signals: a
// capture made by evaluating the played signal (marker, tone, marker) at the recorder's sample times for a
// known clock offset, with noise; the tone resampled by a known ratio against the analytic tone.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>

#include "analysis/clock_drift.hpp"
#include "analysis/resample.hpp"

namespace outbench {
namespace {

constexpr double kFs = 48000;
constexpr double kPi = std::numbers::pi;

// The played signal at continuous time t (player samples): marker at 0, a 1 kHz tone from gap on, the marker
// again at `distance`.
struct Played {
  std::vector<double> marker = timing_marker(kFs, 0.1);
  double gap = 2400, tone_frames = 24000, distance = 0;
  double marker_at(double t) const {
    const double n = static_cast<double>(marker.size());
    if (t < 0 || t >= n) return 0;
    const double f0 = 0.04 * kFs, f1 = 0.25 * kFs, T = n / kFs, ts = t / kFs;
    return 0.1 * (0.5 - 0.5 * std::cos(2 * kPi * t / n)) *
           std::sin(2 * kPi * (f0 * ts + 0.5 * (f1 - f0) / T * ts * ts));
  }
  double at(double t) const {
    const double m = static_cast<double>(marker.size());
    double v = marker_at(t) + marker_at(t - distance);
    if (t >= m + gap && t < m + gap + tone_frames) v += 0.5 * std::sin(2 * kPi * 1000.0 * (t - m - gap) / kFs);
    return v;
  }
};

// The capture on a recorder whose clock is `ppm` slower than the player's, `latency` recorder samples late.
std::vector<double> capture_of(const Played& p, double ppm, double latency, std::size_t frames, double noise) {
  std::mt19937 rng(7);
  std::normal_distribution<double> g(0.0, noise);
  std::vector<double> y(frames);
  for (std::size_t m = 0; m < frames; ++m) y[m] = p.at((static_cast<double>(m) - latency) * (1 + ppm * 1e-6)) + g(rng);
  return y;
}

TEST(ClockDrift, EstimatesTheOffsetOfAnalyticCapturesWithinATenthOfAPpm) {
  Played p;
  p.distance = static_cast<double>(p.marker.size()) + 2 * p.gap + p.tone_frames;
  for (double ppm : {-200.0, -150.0, -80.0, 0.0, 80.0, 150.0, 200.0}) {
    const auto y = capture_of(p, ppm, 123.4, 40000, 3e-5);  // noise -90 dBFS
    const auto d = estimate_clock_drift(y, p.marker, p.distance, 4800);
    ASSERT_TRUE(d.found) << d.problem;
    EXPECT_NEAR(d.ppm, ppm, 0.1) << ppm;
    // Where the marker's energy lies, not its first sample: a marker shortened by ppm * its length reads
    // earlier by about half that (both markers alike, so their distance is exact).
    EXPECT_NEAR(d.first_position, 123.4, 0.25) << ppm;
    std::printf("ppm %.1f: estimated %.4f\n", ppm, d.ppm);
  }
}

TEST(ClockDrift, InvertedPolarityAndAMissingMarker) {
  Played p;
  p.distance = static_cast<double>(p.marker.size()) + 2 * p.gap + p.tone_frames;
  auto y = capture_of(p, 150, 50.25, 40000, 3e-5);
  for (auto& v : y) v = -v;
  const auto d = estimate_clock_drift(y, p.marker, p.distance, 4800);
  ASSERT_TRUE(d.found) << d.problem;
  EXPECT_NEAR(d.ppm, 150, 0.1);
  // The second marker cut off: not found, and said so.
  y.resize(static_cast<std::size_t>(p.distance) - 100);
  const auto e = estimate_clock_drift(y, p.marker, p.distance, 4800);
  EXPECT_FALSE(e.found);
  EXPECT_NE(e.problem.find("second timing marker"), std::string::npos) << e.problem;
}

TEST(Resample, ATonePlayedOnAFastClockComesBackOnTheStimulusClock) {
  for (double ppm : {-200.0, -80.0, 150.0}) {
    // The tone as a recorder `ppm` slower sees it: x[m] = s(m * (1 + ppm)).
    const double r = 1 + ppm * 1e-6, f = 997.0;
    std::vector<double> x(48000);
    for (std::size_t m = 0; m < x.size(); ++m) x[m] = std::sin(2 * kPi * f * static_cast<double>(m) * r / kFs);
    // Back on the player's clock: out[n] = x(n / r).
    const auto y = resample_by_ratio(x, 1 / r, 47000);
    double worst = 0;
    for (std::size_t n = 2000; n < 45000; ++n)
      worst = std::max(worst, std::abs(y[n] - std::sin(2 * kPi * f * static_cast<double>(n) / kFs)));
    EXPECT_LT(worst, 1e-6) << ppm;  // -120 dB: no leak of the fundamental into a THD+N residual
  }
  EXPECT_THROW(resample_by_ratio(std::vector<double>(10), 3.0, 10), std::invalid_argument);
}

// A capture aligned on its marker (two streams apart): x(n + shift) for a fraction of a sample, band-limited.
TEST(Resample, AFractionalShiftIsTheSignalAtTheShiftedTimes) {
  for (double shift : {0.3, -0.47, 1.0}) {
    const double f = 15000.0;           // high in the band, where a shift shows most
    const auto burst = [&](double t) {  // a Hann-windowed tone: starts and ends in silence
      const double w = t > 0 && t < 40000 ? 0.5 - 0.5 * std::cos(2 * kPi * t / 40000) : 0.0;
      return w * std::sin(2 * kPi * f * t / kFs);
    };
    std::vector<double> x(48000);
    for (std::size_t n = 0; n < x.size(); ++n) x[n] = burst(static_cast<double>(n));
    const auto y = shift_by_fraction(x, shift);
    ASSERT_EQ(y.size(), x.size());
    double worst = 0;
    for (std::size_t n = 0; n < y.size(); ++n)
      worst = std::max(worst, std::abs(y[n] - burst(static_cast<double>(n) + shift)));
    EXPECT_LT(worst, 1e-6) << shift;
  }
  EXPECT_THROW(shift_by_fraction(std::vector<double>(10), 1.5), std::invalid_argument);
}

}  // namespace
}  // namespace outbench
