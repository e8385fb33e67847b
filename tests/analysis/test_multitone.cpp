// Multitone design and analysis against analytic truth: the design's products (recomputed here) miss every
// tone; the crest factor stays below a bound; a capture through a first-order low-pass and the static
// polynomial y = x + a2 x^2 + a3 x^3 reads, per tone, the filter's gain and, per band, the residual that the
// polynomial's exact spectrum predicts (every p-tuple of the tones' complex exponentials, summed per bin
// modulo N: the DFT of the polynomial, aliasing included, without an FFT); white noise reads its own power.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <set>

#include "analysis/multitone.hpp"
#include "analysis/signals.hpp"

namespace outbench {
namespace {

constexpr double kRate = 48000;

const MultitoneDesign& design48k() {
  static const MultitoneDesign d = [] {
    MultitoneSpec s;
    s.rate_hz = kRate;
    s.period_frames = 48000;
    return design_multitone(s);
  }();
  return d;
}

long fold(long p, long n) {
  p %= n;
  if (p < 0) p += n;
  return p > n / 2 ? n - p : p;
}

TEST(Multitone, ThirtyOneTonesOnBinsNearTheThirdOctavesNoProductOnATone) {
  const auto& d = design48k();
  ASSERT_TRUE(d.valid) << d.reason;
  ASSERT_EQ(d.bins.size(), 31u);
  const long n = 48000;
  std::set<long> tones(d.bins.begin(), d.bins.end());
  for (std::size_t k = 0; k < d.bins.size(); ++k) {
    const double nominal = 20 * std::pow(10.0, k / 10.0);
    EXPECT_NEAR(d.freq_hz[k], nominal, 0.1 * nominal) << k;
    EXPECT_DOUBLE_EQ(d.freq_hz[k], static_cast<double>(d.bins[k]) * kRate / n);
  }
  int checked = 0;
  for (long a : tones) {
    for (int h = 2; h <= 5; ++h, ++checked) EXPECT_FALSE(tones.count(fold(h * a, n))) << "H" << h << " of bin " << a;
    for (long b : tones)
      if (b != a)
        for (long p : {a + b, a - b, 2 * a + b, 2 * a - b}) {
          ++checked;
          EXPECT_FALSE(tones.count(fold(p, n))) << "product of bins " << a << ", " << b << " at " << fold(p, n);
        }
  }
  EXPECT_GT(checked, 3000);
}

TEST(Multitone, CrestFactorBelowBoundAndPeakAtTheLevel) {
  const auto& d = design48k();
  ASSERT_TRUE(d.valid) << d.reason;
  // Random phases give ~12.8 dB for these 31 tones, all in phase 17.9 dB; the sweep-like phases ~11.9 dB, refined
  // lower.
  EXPECT_LT(d.crest_factor_db, 12.0);
  EXPECT_LE(d.crest_factor_db, d.schroeder_crest_factor_db);
  const auto x = make_multitone(d, -10, 1.3, 0.005);
  double peak = 0, ms = 0;
  for (double v : x) peak = std::max(peak, std::abs(v));
  for (std::size_t i = 0; i < 48000; ++i) ms += x[6000 + i] * x[6000 + i] / 48000;
  EXPECT_LE(peak, std::pow(10, -10 / 20.0) * (1 + 1e-9));
  EXPECT_GT(peak, std::pow(10, -10 / 20.0) * 0.999);
  EXPECT_NEAR(20 * std::log10(peak / std::sqrt(ms)), d.crest_factor_db, 0.01);
  EXPECT_NEAR(10 * std::log10(2 * ms), multitone_rms_dbfs(d, -10), 0.01);
}

TEST(Multitone, ImpossibleDesignsSayWhy) {
  MultitoneSpec s;
  s.rate_hz = 32000;  // 20 kHz above Nyquist
  EXPECT_FALSE(design_multitone(s).valid);
  s.rate_hz = kRate;
  s.period_frames = 480;  // 100 Hz bins: the low tones cannot be placed
  const auto d = design_multitone(s);
  EXPECT_FALSE(d.valid);
  EXPECT_NE(d.reason.find("longer period"), std::string::npos) << d.reason;
}

// The tones through H(f) = 1 / (1 + j f / fc): amplitude a |H|, phase + arg H.
struct Filtered {
  std::vector<double> amp, phase;
};
Filtered low_pass(const MultitoneDesign& d, double a, double fc_hz) {
  Filtered f;
  for (std::size_t k = 0; k < d.bins.size(); ++k) {
    const std::complex<double> h = 1.0 / std::complex<double>(1.0, d.freq_hz[k] / fc_hz);
    f.amp.push_back(a * std::abs(h));
    f.phase.push_back(d.phase_rad[k] + std::arg(h));
  }
  return f;
}

// The exact DFT (per bin, modulo N, 1/N-normalised) of x + a2 x^2 + a3 x^3 for x = sum amp cos(2 pi b n / N + phase).
std::vector<std::complex<double>> poly_spectrum(const MultitoneDesign& d, const Filtered& f, double a2, double a3) {
  const long n = static_cast<long>(d.period_frames);
  std::vector<long> bin;
  std::vector<std::complex<double>> c;
  for (std::size_t k = 0; k < d.bins.size(); ++k)
    for (int s : {1, -1}) {
      bin.push_back(s * static_cast<long>(d.bins[k]));
      c.push_back(std::polar(f.amp[k] / 2, s * f.phase[k]));
    }
  std::vector<std::complex<double>> out(static_cast<std::size_t>(n));
  const auto at = [&](long b) -> std::complex<double>& { return out[static_cast<std::size_t>(((b % n) + n) % n)]; };
  const std::size_t m = c.size();
  for (std::size_t i = 0; i < m; ++i) {
    at(bin[i]) += c[i];
    for (std::size_t j = 0; j < m; ++j) {
      at(bin[i] + bin[j]) += a2 * c[i] * c[j];
      for (std::size_t k = 0; k < m; ++k) at(bin[i] + bin[j] + bin[k]) += a3 * c[i] * c[j] * c[k];
    }
  }
  return out;
}

std::vector<double> through(const MultitoneDesign& d, const Filtered& f, double a2, double a3, double seconds) {
  const auto n = static_cast<std::size_t>(seconds * kRate);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    double x = 0;
    for (std::size_t k = 0; k < d.bins.size(); ++k)
      x += f.amp[k] * std::cos(2 * std::numbers::pi * static_cast<double>(d.bins[k] * (i % d.period_frames)) /
                                   static_cast<double>(d.period_frames) +
                               f.phase[k]);
    y[i] = x + a2 * x * x + a3 * x * x * x;
  }
  return y;
}

TEST(Multitone, LowPassAndPolynomialReadTheirAnalyticResponseAndResidual) {
  const auto& d = design48k();
  ASSERT_TRUE(d.valid) << d.reason;
  const double level = -6, fc = 5000, a2 = 0.01, a3 = 0.02;
  const double a = std::pow(10, multitone_tone_level_dbfs(d, level) / 20);
  const Filtered f = low_pass(d, a, fc);
  const auto y = through(d, f, a2, a3, 1.3);
  const auto r = analyze_multitone(y, d, level);
  ASSERT_TRUE(r.valid) << r.reason;
  const auto truth = poly_spectrum(d, f, a2, a3);
  const auto ms = [&](std::size_t k) { return 2 * std::norm(truth[k]); };
  double tone_ms = 0;
  for (std::size_t b : d.bins) tone_ms += ms(b);
  ASSERT_EQ(r.tones.size(), d.bins.size());
  int residual_above = 0;
  for (std::size_t i = 0; i < d.bins.size(); ++i) {
    const auto& t = r.tones[i];
    // The tone bin holds the filtered tone plus the cubic's products on it (a3 A^3 terms): the truth's bin.
    EXPECT_NEAR(t.response_db, 10 * std::log10(ms(d.bins[i]) * 2) - 20 * std::log10(a), 0.001) << t.freq_hz;
    // ...which is the filter's gain within the cubic's few hundredths of a dB.
    EXPECT_NEAR(t.response_db, -10 * std::log10(1 + std::pow(t.freq_hz / fc, 2)), 0.1) << t.freq_hz;
    // The band's bins: [round(lo / bin), round(hi / bin)), the last band's top bin included; tones left out.
    const auto lo = static_cast<std::size_t>(std::llround(t.band_lo_hz / d.bin_hz()));
    const auto hi = static_cast<std::size_t>(std::llround(t.band_hi_hz / d.bin_hz())) + (i + 1 == d.bins.size());
    double res = 0;
    for (std::size_t k = lo; k < hi; ++k)
      if (std::find(d.bins.begin(), d.bins.end(), k) == d.bins.end()) res += ms(k);
    if (10 * std::log10(res / tone_ms) > -150) ++residual_above;
    EXPECT_NEAR(t.tdn_db, 10 * std::log10(res / tone_ms), 0.05) << t.freq_hz;
  }
  EXPECT_GT(residual_above, 25);
}

TEST(Multitone, WhiteNoiseReadsItsPowerInResidualAndFloor) {
  const auto& d = design48k();
  const double level = -10, sigma = 1e-4;
  auto x = make_multitone(d, level, 1.3, 0.005);
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0.0, sigma);
  for (double& v : x) v += g(rng);
  const auto r = analyze_multitone(x, d, level);
  ASSERT_TRUE(r.valid) << r.reason;
  double tone_ms = std::pow(10, multitone_rms_dbfs(d, level) / 10) / 2;
  int bins = 0;
  for (const auto& t : r.tones) {
    bins += t.residual_bins;
    EXPECT_NEAR(t.response_db, 0, 0.05) << t.freq_hz;
  }
  // Each bin holds 2 sigma^2 / N of white noise (mean square).
  const double expect_db = 10 * std::log10(bins * 2 * sigma * sigma / 48000 / tone_ms);
  EXPECT_NEAR(r.tdn_db, expect_db, 0.3);
  EXPECT_NEAR(r.floor_db, expect_db, 0.5);
  EXPECT_NEAR(r.total_dbfs, multitone_rms_dbfs(d, level), 0.01);
}

TEST(Multitone, RefusesWhatIsNotThisMultitoneOrTooShort) {
  const auto& d = design48k();
  ToneSpec s;
  s.freq_hz = 1000;
  s.duration_s = 1.3;
  const auto sine = make_tone(s);
  const auto r = analyze_multitone(sine, d, -20);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("not this multitone"), std::string::npos) << r.reason;
  const auto shorty = make_multitone(d, -20, 0.8, 0.005);
  const auto r2 = analyze_multitone(shorty, d, -20);
  EXPECT_FALSE(r2.valid);
  EXPECT_NE(r2.reason.find("shorter than one period"), std::string::npos) << r2.reason;
}

}  // namespace
}  // namespace outbench
