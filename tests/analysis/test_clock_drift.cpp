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
std::vector<double> capture_of(const Played& p, double ppm, double latency, std::size_t frames, double noise,
                               unsigned seed = 7) {
  std::mt19937 rng(seed);
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
    // The marker's first sample (it is found against the marker stretched by the ratio read).
    EXPECT_NEAR(d.first_position, 123.4, 0.25) << ppm;
    std::printf("ppm %.1f: estimated %.4f\n", ppm, d.ppm);
  }
}

// Clocks far off, up to the +/- 1000 ppm the model accepts, on markers 0.34 s and 2.3 s apart: within a tenth of
// a ppm, and the first marker where it lies (seen before the markers were found against the stretched marker:
// 1200.8 for +1000 on the short distance, -1200.1 for -1000, the first marker 1.1 samples early).
TEST(ClockDrift, AClockFarOffIsReadAsCloselyAsANearOne) {
  for (double tone : {4992.0, 100000.0}) {
    Played p;
    p.tone_frames = tone;
    p.distance = static_cast<double>(p.marker.size()) + 2 * p.gap + p.tone_frames;
    const auto frames = static_cast<std::size_t>(p.distance * 1.002) + 2 * p.marker.size() + 2400;
    for (double ppm : {-1000.0, -900.0, 800.0, 900.0, 1000.0}) {
      const auto y = capture_of(p, ppm, 96.0, frames, 3e-5);
      const auto d = estimate_clock_drift(y, p.marker, p.distance, 4800);
      ASSERT_TRUE(d.found) << d.problem;
      EXPECT_NEAR(d.ppm, ppm, 0.1) << ppm << " ppm, " << tone;
      EXPECT_NEAR(d.first_position, 96.0, 0.05) << ppm << " ppm, " << tone;
    }
  }
}

// The uncertainty each estimate carries is the scatter its noise gives: markers 0.64 s apart in white noise as
// strong as they are (rms 0.04 against the marker's 0.043 over its length: the simulated dongle's level probe
// at -100 dBFS hears its markers so), 60 captures of independent noise: the rms error of the ppm against the
// truth is the rms of u_ppm within 30 % (seen: 1.13 and 1.10 ppm); 20 dB less noise, a tenth of the
// uncertainty; no silence beside the markers, u infinite.
TEST(ClockDrift, TheUncertaintyIsTheScatterTheNoiseGives) {
  Played p;
  p.distance = static_cast<double>(p.marker.size()) + 2 * p.gap + p.tone_frames;
  double err2 = 0, u2 = 0;
  constexpr int kRuns = 60;
  for (int i = 0; i < kRuns; ++i) {
    const auto y = capture_of(p, 150, 123.4, 40000, 0.04, static_cast<unsigned>(100 + i));
    const auto d = estimate_clock_drift(y, p.marker, p.distance, 4800);
    ASSERT_TRUE(d.found) << d.problem;
    EXPECT_GE(d.noise_segments, 8u);
    err2 += (d.ppm - 150) * (d.ppm - 150);
    u2 += d.u_ppm * d.u_ppm;
  }
  const double err = std::sqrt(err2 / kRuns), u = std::sqrt(u2 / kRuns);
  std::printf("rms error %.3f ppm, rms u %.3f ppm\n", err, u);
  EXPECT_GT(u, 0.3);  // a capture that cannot resolve 1 ppm says so
  EXPECT_NEAR(err / u, 1.0, 0.3);
  // 20 dB less noise: a tenth of the uncertainty.
  const auto quiet = estimate_clock_drift(capture_of(p, 150, 123.4, 40000, 0.004, 100), p.marker, p.distance, 4800);
  EXPECT_NEAR(quiet.u_ppm / u, 0.1, 0.03);
  // The capture ends at the second marker and starts at the first: no silence to read, u infinite.
  Played q = p;
  const auto tight = capture_of(q, 0, 0, static_cast<std::size_t>(p.distance) + p.marker.size() + 100, 2e-4);
  const auto t = estimate_clock_drift(tight, p.marker, p.distance, 4800);
  ASSERT_TRUE(t.found) << t.problem;
  EXPECT_EQ(t.noise_segments, 0u);
  EXPECT_TRUE(std::isinf(t.u_ppm));
}

// Clocks 1200 ppm apart (a device at another nominal rate, say): beyond the second marker's search, refused
// with the reason, never a wrong ratio.
TEST(ClockDrift, AClockBeyond1000PpmIsNotFound) {
  Played p;
  p.tone_frames = 240000;  // a 5 s tone: the search's 8 samples of slack are 33 ppm of the distance
  p.distance = static_cast<double>(p.marker.size()) + 2 * p.gap + p.tone_frames;
  for (double ppm : {1200.0, -1200.0}) {
    const auto y = capture_of(p, ppm, 50, 260000, 3e-5);
    const auto d = estimate_clock_drift(y, p.marker, p.distance, 4800);
    EXPECT_FALSE(d.found) << ppm << ": " << d.ppm;
    EXPECT_NE(d.problem.find("second timing marker is not near sample"), std::string::npos) << d.problem;
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
