#include <gtest/gtest.h>

#include <random>

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
  // The capture handed over in a transform buffer (as analyze response reads a file): the very same figures.
  const Deconvolver d(fx.sweep, kFs, y.size());
  RealFft buf(d.fft_frames());
  std::fill(std::copy(y.begin(), y.end(), buf.time().begin()), buf.time().end(), 0.0);
  const auto rb = d.analyze(std::move(buf), y.size(), fx.options());
  ASSERT_TRUE(rb.valid) << rb.reason;
  ASSERT_EQ(rb.points.size(), r.points.size());
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    ASSERT_EQ(rb.points[i].h, r.points[i].h);
    ASSERT_EQ(rb.points[i].group_delay_s, r.points[i].group_delay_s);
  }
  ASSERT_EQ(rb.harmonics.size(), r.harmonics.size());
  for (std::size_t j = 0; j < r.harmonics.size(); ++j)
    for (std::size_t i = 0; i < r.harmonics[j].points.size(); ++i)
      ASSERT_EQ(rb.harmonics[j].points[i].level_dbc, r.harmonics[j].points[i].level_dbc);
  EXPECT_EQ(rb.explained_fraction, r.explained_fraction);
  EXPECT_EQ(rb.transform_sizes, r.transform_sizes);
  EXPECT_THROW(d.analyze(RealFft(d.fft_frames() / 2), y.size()), std::invalid_argument);
  // ... and already transformed by the caller (as analyze response does on a second thread): the same again.
  RealFft spec(d.fft_frames());
  std::fill(std::copy(y.begin(), y.end(), spec.time().begin()), spec.time().end(), 0.0);
  spec.forward();
  const auto rs = d.analyze_spectrum(std::move(spec), y.size(), fx.options());
  ASSERT_TRUE(rs.valid) << rs.reason;
  ASSERT_EQ(rs.points.size(), r.points.size());
  for (std::size_t i = 0; i < r.points.size(); ++i) ASSERT_EQ(rs.points[i].h, r.points[i].h);
  ASSERT_EQ(rs.harmonics.size(), r.harmonics.size());
  for (std::size_t j = 0; j < r.harmonics.size(); ++j)
    for (std::size_t i = 0; i < r.harmonics[j].points.size(); ++i)
      ASSERT_EQ(rs.harmonics[j].points[i].level_dbc, r.harmonics[j].points[i].level_dbc);
  EXPECT_EQ(rs.explained_fraction, r.explained_fraction);
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

// A real sweep file has seconds of silence around the sweep. The harmonic gates must follow the sweep's L,
// estimated from the part of the reference that carries it: x + 0.05 x^2 + 0.05 x^3 on a sweep of peak A gives,
// for x = A sin: x^2 -> A^2/2 at 2f, x^3 -> A^3/4 at 3f and 3A^3/4 at f, so relative to the fundamental
// A (1 + 3/4 0.05 A^2): H2 = 0.05 A^2/2, H3 = 0.05 A^3/4 (-38.1 and -50.2 dBc at A = 0.5).
TEST(Response, HarmonicsOfASweepWithSilenceAroundIt) {
  Fixture fx;
  const double a = peak_from_dbfs(fx.spec.level_dbfs), k2 = 0.05, k3 = 0.05;
  std::vector<double> ref(static_cast<std::size_t>(2 * kFs), 0.0);
  ref.insert(ref.end(), fx.sweep.begin(), fx.sweep.end());
  ref.resize(ref.size() + static_cast<std::size_t>(2 * kFs), 0.0);
  std::vector<double> y(ref);
  for (auto& v : y) v = v + k2 * v * v + k3 * v * v * v;
  const auto r = analyze_response(ref, y, kFs, {});  // L not given: estimated
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_NEAR(r.sweep_l_s, fx.info.l_s, 0.002 * fx.info.l_s);
  ASSERT_GE(r.harmonics.size(), 2u);
  const double fund = a * (1 + 0.75 * k3 * a * a);
  const double h2 = db_from_ratio(k2 * a * a / 2 / fund), h3 = db_from_ratio(k3 * a * a * a / 4 / fund);
  EXPECT_NEAR(h2, -38.1, 0.1);
  EXPECT_NEAR(h3, -50.2, 0.1);
  int n2 = 0, n3 = 0;
  for (const auto& p : r.harmonics[0].points)
    if (p.freq_hz > 50 && p.freq_hz < 5000) {
      EXPECT_NEAR(p.level_dbc, h2, 0.5) << p.freq_hz;
      ++n2;
    }
  for (const auto& p : r.harmonics[1].points)
    if (p.freq_hz > 50 && p.freq_hz < 5000) {
      EXPECT_NEAR(p.level_dbc, h3, 0.5) << p.freq_hz;
      ++n3;
    }
  EXPECT_GT(n2, 100);
  EXPECT_GT(n3, 100);
}

// A linear chirp deconvolves into a valid linear response but puts no harmonic at L*ln(n): no harmonic
// responses, and a note that says why.
TEST(Response, LinearChirpReferenceGivesNoHarmonics) {
  const double f0 = 20, f1 = 20000, secs = 3;
  std::vector<double> ref(static_cast<std::size_t>(secs * kFs));
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double t = static_cast<double>(i) / kFs;
    ref[i] = 0.5 * std::sin(2 * test::kPi * (f0 * t + (f1 - f0) / (2 * secs) * t * t));
  }
  apply_fades(ref, 480, 480);
  std::vector<double> y(ref);
  for (auto& v : y) v = 0.5 * v + 0.01 * v * v;  // H2 -40 dBc
  y.resize(y.size() + 24000, 0.0);
  const auto r = analyze_response(ref, y, kFs, {});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_TRUE(r.harmonics.empty());
  EXPECT_NE(r.harmonics_note.find("not an exponential sweep"), std::string::npos) << r.harmonics_note;
  for (const auto& p : r.points)
    if (p.freq_hz > 200 && p.freq_hz < 10000) {
      EXPECT_NEAR(p.gain_db, db_from_ratio(0.5), 0.1) << p.freq_hz;
    }
  // An impulse brings every frequency at once: no sweep (its group delay fits L ~ 0), no harmonic responses
  // and no L, with the reason.
  {
    std::vector<double> click(48000, 0.0);
    click[1000] = 0.5;
    const auto ri = analyze_response(click, click, kFs, {});
    ASSERT_TRUE(ri.valid) << ri.reason;
    EXPECT_TRUE(ri.harmonics.empty());
    EXPECT_EQ(ri.sweep_l_s, 0.0);
    EXPECT_NE(ri.harmonics_note.find("its frequencies arrive within"), std::string::npos) << ri.harmonics_note;
  }
  // The synchronized sweep itself is recognised, with its L.
  Fixture fx;
  Deconvolver d(fx.sweep, kFs, fx.sweep.size() + 24000);
  EXPECT_NEAR(d.estimated_l_s(), fx.info.l_s, 0.002 * fx.info.l_s);
}

// The reference's L, estimated from the sweep's group delay, across rates, start frequencies and lengths, with
// silence around the sweep (as real sweep files have) and with dither at -100 dBFS: within 3e-5 of the
// generator's exact L (3e-5 moves the 5th harmonic's gate by 0.07 ms on a 10 s sweep). The estimate from
// the analytic signal's instantaneous frequency that it replaced was 7 % off for 10 Hz..40 kHz in 1 s at 192 kHz.
TEST(Response, EstimatesTheSweepRateLAcrossRatesAndBands) {
  struct Case {
    double rate_hz, start_hz, stop_hz, seconds, silence_s;
  };
  for (const Case c : {Case{192000, 10, 40000, 1, 0}, Case{48000, 20, 20000, 2, 0}, Case{44100, 5, 20000, 4, 1},
                       Case{96000, 20, 20000, 10, 2}, Case{48000, 50, 10000, 0.5, 0.2}, Case{8000, 20, 3600, 3, 0}}) {
    SweepSpec spec;
    spec.start_hz = c.start_hz;
    spec.stop_hz = c.stop_hz;
    spec.duration_s = c.seconds;
    spec.rate_hz = c.rate_hz;
    spec.level_dbfs = -6;
    const SweepInfo info = sweep_info(spec);
    std::vector<double> ref = make_sweep(spec);
    const auto pad = static_cast<std::size_t>(c.silence_s * c.rate_hz);
    ref.insert(ref.begin(), pad, 0.0);
    ref.resize(ref.size() + pad, 0.0);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(-0.5e-5, 0.5e-5);  // TPDF, about -100 dBFS rms
    for (auto& v : ref) v += u(rng) + u(rng);
    const Deconvolver d(ref, c.rate_hz, ref.size());
    EXPECT_NEAR(d.estimated_l_s() / info.l_s, 1.0, 3e-5)
        << c.rate_hz << " Hz, " << c.start_hz << ".." << c.stop_hz << " Hz in " << c.seconds << " s: L "
        << d.estimated_l_s() << " s, exact " << info.l_s << " s";
    EXPECT_LT(d.sweep_fit_residual(), 1e-3) << c.rate_hz << " Hz, " << c.start_hz << " Hz";
  }
}

// A fast sweep does not separate the harmonics at low frequencies: a distortion-free capture of a 2 s, 20 Hz sweep
// (L = 0.3 s) read H2 at -80 dBc below 40 Hz. Harmonic responses start where f*L >= 20 (66.7 Hz), the note says
// so, and every reported harmonic of the clean capture stays below -100 dBc.
TEST(Response, FastSweepHarmonicsStartWhereTheSweepSeparatesThem) {
  SweepSpec spec;
  spec.start_hz = 20;
  spec.stop_hz = 20000;
  spec.duration_s = 2;
  spec.rate_hz = 48000;
  spec.level_dbfs = -6;
  const SweepInfo info = sweep_info(spec);
  const std::vector<double> ref = make_sweep(spec);
  std::vector<double> y(ref);
  for (auto& v : y) v *= 0.5;
  y.resize(y.size() + 9600, 0.0);
  ResponseOptions o;
  o.sweep_l_s = info.l_s;
  const auto r = analyze_response(ref, y, spec.rate_hz, o);
  ASSERT_TRUE(r.valid) << r.reason;
  ASSERT_EQ(info.l_s, 0.3);
  ASSERT_GE(r.harmonics.size(), 4u);
  EXPECT_NE(r.harmonics_note.find("where the fundamental is 66.7 Hz or more"), std::string::npos) << r.harmonics_note;
  for (const auto& h : r.harmonics) {
    ASSERT_FALSE(h.points.empty());
    EXPECT_GE(h.points.front().freq_hz, 20 / 0.3) << "H" << h.order;
    for (const auto& p : h.points) EXPECT_LT(p.level_dbc, -100.0) << "H" << h.order << " at " << p.freq_hz << " Hz";
  }
}

// The edges of the sweep: a clean capture of a 0.125 s sweep to Nyquist at 8 kHz read H2 at -36 dBc at the top
// (the band's top edge rings into the harmonic gates), and x + 0.01 x^2 through a 10 s, 20 Hz sweep at 8 kHz
// read H2 18.8 dB low at 19.7 Hz (in the sweep's fade-in, where the drive is lower). Harmonic responses now stop
// 240 frames of sweep time below the top and start where the sweep is at full level: the reported H2 of the
// distorted capture within 1 dB of a2*A/2 below 30 Hz and 0.1 dB to 1 kHz, every harmonic of the clean one below
// -100 dBc.
TEST(Response, HarmonicResponsesStayClearOfTheSweepsEdges) {
  auto sweep = [](double rate_hz, double start_hz, double stop_hz, double seconds) {
    SweepSpec spec;
    spec.start_hz = start_hz;
    spec.stop_hz = stop_hz;
    spec.duration_s = seconds;
    spec.rate_hz = rate_hz;
    spec.level_dbfs = -6;
    return std::pair{sweep_info(spec), make_sweep(spec)};
  };
  {
    const auto [info, ref] = sweep(8000, 200, 4000, 0.125);
    std::vector<double> y(ref);
    for (auto& v : y) v *= 0.5;
    y.resize(y.size() + 1600, 0.0);
    const auto r = analyze_response(ref, y, 8000, {});
    ASSERT_TRUE(r.valid) << r.reason;
    ASSERT_FALSE(r.harmonics.empty()) << r.harmonics_note;
    std::size_t n = 0;
    for (const auto& h : r.harmonics)
      for (const auto& p : h.points) {
        EXPECT_LT(p.level_dbc, -100.0) << "H" << h.order << " at " << p.freq_hz << " Hz";
        ++n;
      }
    EXPECT_GT(n, 10u);
  }
  {
    const auto [info, ref] = sweep(8000, 20, 4000, 10);
    const double a = peak_from_dbfs(-6), a2 = 0.01;
    std::vector<double> y(ref);
    for (auto& v : y) v += a2 * v * v;
    y.resize(y.size() + 8000, 0.0);
    ResponseOptions o;
    o.sweep_l_s = info.l_s;
    const auto r = analyze_response(ref, y, 8000, o);
    ASSERT_TRUE(r.valid) << r.reason;
    ASSERT_FALSE(r.harmonics.empty());
    const auto& h2 = r.harmonics[0].points;
    ASSERT_GT(h2.size(), 100u);
    // From the end of the 1/6-octave fade-in (22.4 Hz) on, within 1 dB (the chirp's Fresnel ripple) up to 30 Hz
    // and 0.1 dB up to 1 kHz. (Above 2 kHz the digital x^2 aliases: a real ADC filters that out.)
    EXPECT_GT(h2.front().freq_hz, 22.0);
    EXPECT_LT(h2.front().freq_hz, 25.0);
    for (const auto& p : h2)
      if (p.freq_hz <= 1000) {
        EXPECT_NEAR(p.level_dbc, db_from_ratio(a2 * a / 2), p.freq_hz < 30 ? 1.0 : 0.1) << p.freq_hz << " Hz";
      }
  }
}

// Captures that hold no (whole) response to the reference sweep are refused, each with what is wrong.
// The explained-energy check against a known share: the sweep plus an echo of it at half its amplitude, 1.2 s
// later (beyond the 1 s post-peak gate). The gated linear response explains the direct sweep only: 1/(1 + 0.5^2)
// = 80 % of the capture's in-band energy (the cross term of sweep and echo averages out over the band).
TEST(Response, ExplainedFractionOfASweepWithALateEcho) {
  Fixture fx;
  const double g = 0.5;
  const auto lag = static_cast<std::size_t>(1.2 * kFs);
  std::vector<double> y(fx.sweep.size() + lag + 24000, 0.0);
  for (std::size_t i = 0; i < fx.sweep.size(); ++i) {
    y[i] += fx.sweep[i];
    y[i + lag] += g * fx.sweep[i];
  }
  const auto r = analyze_response(fx.sweep, y, kFs, fx.options());
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_NEAR(r.explained_fraction, 1.0 / (1.0 + g * g), 0.01);
  EXPECT_NEAR(r.gain_1k_db, 0.0, 0.01);  // the echo lies outside the linear gate
  EXPECT_EQ(r.latency_frames, 0);
}

TEST(Response, CapturesWithoutTheSweepAreRefused) {
  Fixture fx;
  const std::size_t n = fx.sweep.size() + 24000;
  struct Case {
    const char* name;
    std::vector<double> y;
    const char* expect;
  };
  std::vector<Case> cases;
  cases.push_back({"tone", test::tones({{997, 0.5}}, kFs, n), "does not hold the reference sweep"});
  cases.push_back({"dc", std::vector<double>(n, 0.1), "not mainly a response"});
  cases.push_back({"noise", test::gaussian(n, 0.1, 5), "does not hold the reference sweep"});
  {
    auto sq = test::tones({{1000, 1.0}}, kFs, n);
    for (auto& v : sq) v = v > 0 ? 0.5 : -0.5;
    cases.push_back({"square", sq, "does not hold the reference sweep"});
  }
  {
    SweepSpec other = fx.spec;
    other.duration_s = 4;  // another sweep: same band, other L
    auto o = make_sweep(other);
    o.resize(o.size() + 24000, 0.0);
    cases.push_back({"other sweep", o, "reference sweep"});
  }
  {
    std::vector<double> early(72000, 0.0);  // 1.5 s of latency, then the recording stops at 60 % of the sweep
    early.insert(early.end(), fx.sweep.begin(), fx.sweep.begin() + static_cast<long>(fx.sweep.size() * 6 / 10));
    cases.push_back({"end cut off", early, "misses the end of the sweep"});
  }
  cases.push_back({"second half missing", std::vector<double>(fx.sweep.begin(), fx.sweep.begin() + fx.sweep.size() / 2),
                   "shorter than the sweep"});
  {
    std::vector<double> late(fx.sweep.begin() + static_cast<long>(fx.sweep.size() * 3 / 10), fx.sweep.end());
    late.resize(late.size() + 96000, 0.0);  // longer than the sweep, but it started late
    cases.push_back({"start cut off", late, "misses the start of the sweep"});
  }
  for (const auto& c : cases) {
    const auto r = analyze_response(fx.sweep, c.y, kFs, fx.options());
    EXPECT_FALSE(r.valid) << c.name << ": gain at 1 kHz " << r.gain_1k_db << ", latency " << r.latency_frames;
    EXPECT_NE(r.reason.find(c.expect), std::string::npos) << c.name << ": " << r.reason;
  }
  // The loaded capture of an impedance measurement is read at the open one's latency: a capture with the
  // sweep elsewhere is refused there.
  auto o = fx.options();
  o.forced_latency_frames = 20000;
  const auto r = analyze_response(fx.sweep, fx.capture([](std::vector<double> x) { return x; }), kFs, o);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("at the given latency"), std::string::npos) << r.reason;
}

// A genuine capture at a low level through a device with latency, a coupling capacitor (high-pass), a DAC
// low-pass, distortion and noise (24-bit) still passes and reads the device's response: about -78 dBFS at the
// loopback (what a -60 dBFS drive gives through the simulated devices) with noise only ~27 dB below the sweep's
// RMS.
TEST(Response, QuietNoisyDistortedCaptureStillPasses) {
  Fixture fx;
  const double level_dbfs = -78;
  const double scale = ratio_from_db(level_dbfs - fx.spec.level_dbfs);
  std::vector<double> x(fx.sweep);
  for (auto& v : x) v *= scale;
  x.resize(x.size() + 24000, 0.0);
  const auto hp = test::Biquad::highpass(5, 0.7071, kFs), lp = test::Biquad::lowpass(20000, 0.7071, kFs);
  auto y = lp.apply(hp.apply(x));
  const double a = peak_from_dbfs(level_dbfs);
  for (auto& v : y) v = v + 0.05 / a * v * v + 0.02 / (a * a) * v * v * v;  // H2 -32, H3 -46 dBc
  const auto noise = test::gaussian(y.size(), 6e-6, 11);                    // -104 dBFS rms, 0-24 kHz
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += noise[i];
  y.insert(y.begin(), 313, 0.0);
  test::quantize(y, 24);
  const auto r = analyze_response(fx.sweep, y, kFs, fx.options());
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.latency_frames, 313);
  const double lin = db_from_ratio(scale * (1 + 0.75 * 0.02));  // the cubic term's gain at the fundamental
  for (const auto& p : r.points)
    if (p.freq_hz > 50 && p.freq_hz < 10000) {
      const double truth = lin + db_from_ratio(std::abs(hp.response(p.freq_hz, kFs) * lp.response(p.freq_hz, kFs)));
      EXPECT_NEAR(p.gain_db, truth, 1.0) << p.freq_hz;  // noise-limited
    }
}

// 1/N-octave smoothing is a power average over f*2^(-1/2N)..f*2^(1/2N): one +6 dB point among 0 dB points
// on a 1/20-octave grid, smoothed to 1/3 octave (+/-1/6 octave: 3 points each side), reads
// 10 log10((6 + 10^0.6)/7) at that point and 0 dB four points away.
TEST(Response, SmoothingIsAPowerAverageOverTheFraction) {
  std::vector<double> f, g;
  for (int k = 0; k < 100; ++k) {
    f.push_back(20 * std::pow(2.0, k / 20.0));
    g.push_back(k == 50 ? 6.0 : 0.0);
  }
  const auto s = smooth_fractional_octave(f, g, 3);
  EXPECT_NEAR(s[50], 10 * std::log10((6 + std::pow(10.0, 0.6)) / 7), 1e-9);
  EXPECT_NEAR(s[47], s[50], 1e-9);
  EXPECT_NEAR(s[54], 0.0, 1e-12);
  EXPECT_NEAR(s[46], 0.0, 1e-12);
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

// The band's deviation includes both edges exactly: a response falling 0.2 dB per octave above 1 kHz and
// rising 0.1 dB per octave below it (linear in log-frequency between the 1/24-octave points) deviates most at
// 20 kHz itself, between the points at 19.6 and 20.2 kHz.
TEST(Response, BandDeviationIncludesTheEdges) {
  std::vector<ResponsePoint> pts;
  for (int k = -140; k <= 110; ++k) {
    ResponsePoint p;
    p.freq_hz = 1000.0 * std::pow(2.0, k / 24.0);
    const double oct = std::log2(p.freq_hz / 1000.0);
    p.relative_db = oct > 0 ? -0.2 * oct : -0.1 * oct;
    pts.push_back(p);
  }
  EXPECT_NEAR(max_abs_relative_db(pts, 20.0, 20000.0), 0.2 * std::log2(20.0), 1e-9);
  EXPECT_NEAR(max_abs_relative_db(pts, 20.0, 2000.0), 0.1 * std::log2(1000.0 / 20.0),
              1e-9);  // 20 Hz, between 19.7 and 20.3 Hz
  EXPECT_EQ(max_abs_relative_db({}, 20.0, 20000.0), 0.0);
}

}  // namespace
}  // namespace outbench
