#include <gtest/gtest.h>

#include "analysis/response.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

constexpr double kFs = 48000;

struct Fixture {
  SweepSpec spec;
  SweepInfo info;
  std::vector<double> sweep;
  Fixture() {
    spec.start_hz = 10;
    spec.stop_hz = kFs / 2;
    spec.duration_s = 3;
    spec.rate_hz = kFs;
    spec.level_dbfs = -6;
    info = sweep_info(spec);
    sweep = make_sweep(spec);
  }
  // Capture: the sweep through `f`, delayed by `delay` frames, with a tail of silence for the response.
  template <class F>
  std::vector<double> capture(F&& f, std::size_t delay = 0) const {
    std::vector<double> x(sweep);
    x.resize(sweep.size() + 24000, 0.0);
    auto y = f(x);
    y.insert(y.begin(), delay, 0.0);
    return y;
  }
  ResponseOptions options() const {
    ResponseOptions o;
    o.sweep_l_s = info.l_s;
    return o;
  }
};

void expect_matches(const ResponseResult& r, const test::Biquad& bq, double gain, double tol_db) {
  ASSERT_TRUE(r.valid) << r.reason;
  int checked = 0;
  for (const auto& p : r.points) {
    if (p.freq_hz < 20 || p.freq_hz > 0.45 * kFs) continue;
    const double truth = db_from_ratio(gain * std::abs(bq.response(p.freq_hz, kFs)));
    EXPECT_NEAR(p.gain_db, truth, tol_db) << "at " << p.freq_hz << " Hz";
    ++checked;
  }
  EXPECT_GT(checked, 240);  // 1/24 octave over 20 Hz..21.6 kHz
}

TEST(Response, PureGain) {
  Fixture fx;
  const auto y = fx.capture([](std::vector<double> x) {
    for (auto& v : x) v *= 0.5;
    return x;
  });
  const auto r = analyze_response(fx.sweep, y, kFs, fx.options());
  expect_matches(r, test::Biquad{1, 0, 0, 0, 0}, 0.5, 0.05);
  EXPECT_NEAR(r.gain_1k_db, -6.0206, 0.005);
  for (const auto& p : r.points) EXPECT_NEAR(p.relative_db, 0.0, 0.05);
}

TEST(Response, PureDelayIsFoundAndRemoved) {
  Fixture fx;
  const auto y = fx.capture([](std::vector<double> x) { return x; }, 1234);
  const auto r = analyze_response(fx.sweep, y, kFs, fx.options());
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.latency_frames, 1234);
  for (const auto& p : r.points) {
    if (p.freq_hz < 20 || p.freq_hz > 0.45 * kFs) continue;
    EXPECT_NEAR(p.gain_db, 0.0, 0.05) << p.freq_hz;
    EXPECT_NEAR(p.phase_deg, 0.0, 1.0) << p.freq_hz;
    EXPECT_NEAR(p.group_delay_s, 0.0, 2e-5) << p.freq_hz;
  }
}

TEST(Response, HighPass) {
  Fixture fx;
  const auto bq = test::Biquad::highpass(40, 0.7071, kFs);
  const auto r =
      analyze_response(fx.sweep, fx.capture([&](std::vector<double> x) { return bq.apply(x); }, 77), kFs, fx.options());
  expect_matches(r, bq, 1.0, 0.05);
}

TEST(Response, LowPass) {
  Fixture fx;
  const auto bq = test::Biquad::lowpass(10000, 0.7071, kFs);
  const auto r =
      analyze_response(fx.sweep, fx.capture([&](std::vector<double> x) { return bq.apply(x); }), kFs, fx.options());
  expect_matches(r, bq, 1.0, 0.05);
}

TEST(Response, PeakingEq) {
  Fixture fx;
  const auto bq = test::Biquad::peaking(1000, 2.0, 6.0, kFs);
  const auto r =
      analyze_response(fx.sweep, fx.capture([&](std::vector<double> x) { return bq.apply(x); }), kFs, fx.options());
  expect_matches(r, bq, 1.0, 0.05);
  // Phase of the minimum-phase EQ matches the analytic response too.
  for (const auto& p : r.points)
    if (p.freq_hz > 100 && p.freq_hz < 10000) {
      EXPECT_NEAR(p.phase_deg, std::arg(bq.response(p.freq_hz, kFs)) * 180 / test::kPi, 0.5) << p.freq_hz;
    }
}

TEST(Response, LatencyEstimatedWhenLIsUnknown) {
  Fixture fx;
  const auto bq = test::Biquad::highpass(40, 0.7071, kFs);
  ResponseOptions o;  // no sweep_l_s: estimated from the reference
  const auto r =
      analyze_response(fx.sweep, fx.capture([&](std::vector<double> x) { return bq.apply(x); }, 300), kFs, o);
  expect_matches(r, bq, 1.0, 0.05);
  EXPECT_NEAR(r.sweep_l_s, fx.info.l_s, 0.1 * fx.info.l_s);
}

TEST(Response, HarmonicResponsesSeparated) {
  // Static nonlinearity y = x + a2 x^2 + a3 x^3 on a sweep of peak A: H2 = a2 A / 2, H3 = a3 A^2 / 4.
  Fixture fx;
  const double A = peak_from_dbfs(fx.spec.level_dbfs), a2 = 0.01, a3 = 0.02;
  const auto y = fx.capture([&](std::vector<double> x) {
    for (auto& v : x) v = v + a2 * v * v + a3 * v * v * v;
    return x;
  });
  const auto r = analyze_response(fx.sweep, y, kFs, fx.options());
  ASSERT_TRUE(r.valid);
  ASSERT_GE(r.harmonics.size(), 2u);
  const double h2 = db_from_ratio(a2 * A / 2), h3 = db_from_ratio(a3 * A * A / 4);
  int n = 0;
  for (const auto& p : r.harmonics[0].points)
    if (p.freq_hz > 100 && p.freq_hz < 5000) {
      EXPECT_NEAR(p.level_dbc, h2, 0.3) << p.freq_hz;
      ++n;
    }
  for (const auto& p : r.harmonics[1].points)
    if (p.freq_hz > 100 && p.freq_hz < 5000) {
      EXPECT_NEAR(p.level_dbc, h3, 0.3) << p.freq_hz;
    }
  EXPECT_GT(n, 100);
  // The linear response is not disturbed by the harmonics (0.05 dB, bar the cubic term's gain at the fundamental:
  // a3 * 3/4 * A^2).
  const double lin = db_from_ratio(1 + 0.75 * a3 * A * A);
  for (const auto& p : r.points)
    if (p.freq_hz > 20 && p.freq_hz < 10000) {
      EXPECT_NEAR(p.gain_db, lin, 0.05) << p.freq_hz;
    }
}

TEST(Response, SilentCaptureIsInvalid) {
  Fixture fx;
  const auto r = analyze_response(fx.sweep, std::vector<double>(fx.sweep.size(), 0.0), kFs, fx.options());
  EXPECT_FALSE(r.valid);
  EXPECT_FALSE(r.reason.empty());
}

TEST(Response, SmoothingOfAFlatResponseIsFlat) {
  std::vector<double> f, g;
  for (int k = 0; k < 100; ++k) {
    f.push_back(20 * std::pow(2.0, k / 24.0));
    g.push_back(k == 50 ? 6.0 : 0.0);
  }
  const auto s = smooth_fractional_octave(f, g, 3);
  EXPECT_NEAR(s[10], 0.0, 1e-12);
  EXPECT_GT(s[50], 0.0);
  EXPECT_LT(s[50], 6.0);
}

}  // namespace
}  // namespace outbench
