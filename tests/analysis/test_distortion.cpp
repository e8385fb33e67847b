#include <gtest/gtest.h>

#include "analysis/distortion.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

constexpr double kFs = 48000;

// Truth for a fundamental of amplitude a1 plus harmonics of amplitudes ah (all in band): THD+N per AES17
// (residual over total) and THD (harmonics over fundamental), in dB.
struct Truth {
  double thdn_db, thd_db;
};
Truth truth(double a1, const std::vector<double>& ah, double extra_noise_ms = 0) {
  double ph = 0;
  for (double a : ah) ph += a * a / 2;
  const double pf = a1 * a1 / 2;
  return {10 * std::log10((ph + extra_noise_ms) / (pf + ph + extra_noise_ms)), 10 * std::log10(ph / pf)};
}

// A tone at f0 (not bin-centred, non-integer cycle count) with H2 and H3 giving THD `thd_db`.
std::vector<double> distorted(double f0, double level_dbfs, double thd_db, double seconds, double fs = kFs) {
  const double a1 = peak_from_dbfs(level_dbfs);
  const double ah = a1 * ratio_from_db(thd_db) / std::sqrt(2.0);  // H2 = H3, together thd_db
  return test::tones({{f0, a1}, {2 * f0, ah, 0.3}, {3 * f0, ah, 1.1}}, fs, static_cast<std::size_t>(seconds * fs));
}

class ThdnLevels : public ::testing::TestWithParam<std::tuple<double, int>> {};

// THD+N and THD within 0.1 dB of truth from -20 to -120 dB, in 24-bit and float files.
TEST_P(ThdnLevels, MatchesTruth) {
  const auto [thd_db, bits] = GetParam();
  const double f0 = 1000.37, lvl = -1.0;
  auto x = distorted(f0, lvl, thd_db, 1.2345);
  if (bits == 24)
    test::quantize(x, 24);
  else
    test::to_float(x);
  const auto r = analyze_thdn(x, kFs, {});
  ASSERT_TRUE(r.valid) << r.reason;
  const double a1 = peak_from_dbfs(lvl), ah = a1 * ratio_from_db(thd_db) / std::sqrt(2.0);
  // 24-bit quantisation adds its own noise (q^2/12 over the band fraction of the spectrum).
  const double q = std::ldexp(1.0, -23);
  const double quant_ms = bits == 24 ? q * q / 12 * (19980.0 / 24000.0) : 0.0;
  const Truth t = truth(a1, {ah, ah}, quant_ms);
  EXPECT_NEAR(r.thdn_db, t.thdn_db, 0.1);
  EXPECT_NEAR(r.thd_db, thd_db, 0.1);
  EXPECT_NEAR(r.level_dbfs, lvl, 0.01);
  EXPECT_NEAR(r.fundamental_hz, f0, 0.01);
  ASSERT_GE(r.harmonics.size(), 2u);
  EXPECT_NEAR(r.harmonics[0].level_dbc, thd_db - 3.0103, thd_db < -110 ? 0.5 : 0.1);
  EXPECT_EQ(r.harmonics[0].order, 2);
  // The same samples in float (which holds 24-bit and float data exactly): the very same figures.
  const std::vector<float> xf(x.begin(), x.end());
  const auto rf = analyze_thdn(std::span<const float>(xf), kFs, {});
  ASSERT_TRUE(rf.valid) << rf.reason;
  EXPECT_EQ(rf.thdn_db, r.thdn_db);
  EXPECT_EQ(rf.thd_db, r.thd_db);
  EXPECT_EQ(rf.noise_dbfs, r.noise_dbfs);
  EXPECT_EQ(rf.fundamental_hz, r.fundamental_hz);
  EXPECT_EQ(rf.n_frames, r.n_frames);
  ASSERT_EQ(rf.harmonics.size(), r.harmonics.size());
  for (std::size_t i = 0; i < r.harmonics.size(); ++i) EXPECT_EQ(rf.harmonics[i].level_dbc, r.harmonics[i].level_dbc);
}

INSTANTIATE_TEST_SUITE_P(Levels, ThdnLevels,
                         ::testing::Combine(::testing::Values(-20.0, -40.0, -60.0, -80.0, -100.0, -120.0),
                                            ::testing::Values(24, 32)));

TEST(Thdn, Minus130dBWithinOneDb) {
  for (int bits : {24, 32}) {
    auto x = distorted(997, -1, -130, 2.0);
    bits == 24 ? test::quantize(x, 24) : test::to_float(x);
    const auto r = analyze_thdn(x, kFs, {});
    ASSERT_TRUE(r.valid);
    EXPECT_NEAR(r.thdn_db, -130, 1.0) << bits << "-bit";
    EXPECT_NEAR(r.thd_db, -130, 1.0) << bits << "-bit";
  }
}

// The Welch spectrum on two threads (odd segments on whichever thread comes to them first) adds the segments in
// their order: the same bins bit for bit as on one, in double and in float, with even and odd counts of segments
// (4 and 15 with overlap, 16 without), and the same THD+N figures.
TEST(Thdn, TwoThreadWelchIsBitForBitTheOneThreadOne) {
  for (const double seconds : {2.0, 5.5, 11.0}) {
    auto x = distorted(997, -3, -90, seconds);
    test::quantize(x, 24);
    x[1234] += 0.25;  // something that is not periodic
    const std::vector<float> xf(x.begin(), x.end());
    const PowerSpectrum one = power_spectrum(std::span<const double>(x), kFs, 1 << 15, 1);
    const PowerSpectrum two = power_spectrum(std::span<const double>(x), kFs, 1 << 15, 2);
    ASSERT_GE(one.n_segments, 4u) << seconds;
    EXPECT_EQ(one.n_segments, two.n_segments);
    EXPECT_TRUE(one.ms == two.ms) << seconds << " s, " << one.n_segments << " segments";
    const PowerSpectrum onef = power_spectrum(std::span<const float>(xf), kFs, 1 << 15, 1);
    const PowerSpectrum twof = power_spectrum(std::span<const float>(xf), kFs, 1 << 15, 2);
    EXPECT_TRUE(onef.ms == twof.ms) << seconds << " s, float";
    ThdnOptions o1, o2;
    o1.max_segment_frames = o2.max_segment_frames = 1 << 15;
    o2.threads = 2;
    const ThdnResult r1 = analyze_thdn(x, kFs, o1), r2 = analyze_thdn(x, kFs, o2);
    ASSERT_TRUE(r1.valid && r2.valid) << r1.reason << r2.reason;
    EXPECT_EQ(r1.thdn_db, r2.thdn_db);
    EXPECT_EQ(r1.thd_db, r2.thd_db);
    EXPECT_EQ(r1.level_dbfs, r2.level_dbfs);
    EXPECT_EQ(r1.noise_dbfs, r2.noise_dbfs);
  }
}

// The same at -130 dB with a tone that is neither bin-centred nor a whole number of cycles.
TEST(Thdn, Minus130dBNotBinCentredWithinOneDb) {
  for (int bits : {24, 32}) {
    auto x = distorted(1000.37, -1, -130, 2.1);
    bits == 24 ? test::quantize(x, 24) : test::to_float(x);
    const auto r = analyze_thdn(x, kFs, {});
    ASSERT_TRUE(r.valid);
    EXPECT_NEAR(r.thd_db, -130, 1.0) << bits << "-bit";
    if (bits == 32) {
      EXPECT_NEAR(r.thdn_db, -130, 1.0);
    }
  }
}

// The worst case for leakage: half-way between the analysis bins (1000.25 Hz in 96000 frames = bin 2000.5);
// the power centroid of the exclusion band still gives level, frequency and THD.
TEST(Thdn, ToneHalfwayBetweenBins) {
  ThdnOptions o;
  o.trim_to_settled = false;  // the analysis segment is the whole signal: 96000 frames, 0.5 Hz bins
  auto x = distorted(1000.25, -6, -100, 2.0);
  test::to_float(x);
  const auto r = analyze_thdn(x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  ASSERT_EQ(r.segment_frames, 96000u);
  EXPECT_NEAR(std::fmod(1000.25 / r.bin_hz, 1.0), 0.5, 1e-9);  // exactly half-way
  EXPECT_NEAR(r.level_dbfs, -6, 0.01);
  EXPECT_NEAR(r.fundamental_hz, 1000.25, 0.01);
  EXPECT_NEAR(r.thd_db, -100, 0.1);
}

// A non-integer number of cycles (997 Hz for 1.2345 s: 1230.8 cycles), untrimmed: the signal's ends cut the
// tone mid-cycle, which the window's sidelobes (-180 dB) must not turn into residual.
TEST(Thdn, NonIntegerCycleCount) {
  ThdnOptions o;
  o.trim_to_settled = false;
  auto x = distorted(997, -1, -110, 1.2345);
  test::to_float(x);
  const auto r = analyze_thdn(x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_NEAR(r.level_dbfs, -1, 0.01);
  EXPECT_NEAR(r.fundamental_hz, 997, 0.01);
  EXPECT_NEAR(r.thd_db, -110, 0.1);
  const double a1 = peak_from_dbfs(-1), ah = a1 * ratio_from_db(-110) / std::sqrt(2.0);
  EXPECT_NEAR(r.thdn_db, truth(a1, {ah, ah}).thdn_db, 0.1);
}

// THD counts harmonics 2..max_harmonic only.
TEST(Thdn, HarmonicCountIsConfigurable) {
  const double a1 = 0.5, a2 = a1 * 1e-4, a5 = a1 * 1e-3;  // H2 -80 dBc, H5 -60 dBc
  const auto x = test::tones({{1000.3, a1}, {2000.6, a2, 0.2}, {5001.5, a5, 0.7}}, kFs, 60000);
  ThdnOptions o;
  o.max_harmonic = 4;
  const auto r4 = analyze_thdn(x, kFs, o);
  ASSERT_TRUE(r4.valid);
  EXPECT_EQ(r4.harmonics.size(), 3u);
  EXPECT_NEAR(r4.thd_db, -80, 0.1);
  o.max_harmonic = 10;
  const auto r10 = analyze_thdn(x, kFs, o);
  EXPECT_EQ(r10.harmonics.size(), 9u);
  EXPECT_NEAR(r10.thd_db, 10 * std::log10(1e-8 + 1e-6), 0.1);
  // THD+N holds everything but the fundamental either way.
  EXPECT_NEAR(r4.thdn_db, r10.thdn_db, 1e-9);
}

// With fundamental_hz given, a weaker tone is analysed and the stronger one counts as residual.
TEST(Thdn, GivenFundamentalPicksTheWeakerTone) {
  const double a1 = 0.05, a2 = 0.5;
  const auto x = test::tones({{3300.7, a1}, {1000.3, a2}}, kFs, 48000);
  ThdnOptions o;
  o.fundamental_hz = 3300;
  const auto r = analyze_thdn(x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_NEAR(r.fundamental_hz, 3300.7, 0.01);
  EXPECT_NEAR(r.level_dbfs, dbfs_from_peak(a1), 0.01);
  EXPECT_NEAR(r.thdn_db, 10 * std::log10(a2 * a2 / (a1 * a1 + a2 * a2)), 0.05);
  const auto auto_r = analyze_thdn(x, kFs, {});
  EXPECT_NEAR(auto_r.fundamental_hz, 1000.3, 0.01);  // without it: the strongest
}

TEST(Thdn, AnalyserFloorOfClean24BitSine) {
  ToneSpec t;
  t.level_dbfs = -1;
  t.duration_s = 1;
  auto x = make_tone(t);
  test::quantize(x, 24);
  const auto r = analyze_thdn(x, kFs, {});
  ASSERT_TRUE(r.valid);
  EXPECT_LT(r.thdn_db, -135.0);
  EXPECT_NEAR(r.fundamental_hz, 997, 0.01);
}

TEST(Thdn, FrequencyEstimateNotBinCentred) {
  for (double f0 : {41.3, 100.123, 997.0, 1234.567, 15000.89}) {
    auto x = test::tones({{f0, 0.5}}, kFs, 57123);  // 1.19 s: non-integer cycles
    const auto r = analyze_thdn(x, kFs, {});
    ASSERT_TRUE(r.valid) << f0 << ": " << r.reason;
    EXPECT_NEAR(r.fundamental_hz, f0, 0.01) << f0;
    EXPECT_NEAR(r.level_dbfs, dbfs_from_peak(0.5), 0.01) << f0;
    EXPECT_LT(r.thdn_db, -150) << f0;
  }
}

TEST(Thdn, WhiteNoiseResidual) {
  // Truth from the noise realisation: in-band power of white noise is its variance times the band fraction.
  const double sigma = 1e-4;
  auto x = test::tones({{997, 0.5}}, kFs, 4 * 48000);
  const auto n = test::gaussian(x.size(), sigma, 42);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += n[i];
  const double noise_ms = sigma * sigma * (19980.0 / 24000.0);
  const auto r = analyze_thdn(x, kFs, {});
  ASSERT_TRUE(r.valid);
  EXPECT_NEAR(r.thdn_db, 10 * std::log10(noise_ms / (0.125 + noise_ms)), 0.1);
  EXPECT_NEAR(r.noise_dbfs, dbfs_from_mean_square(noise_ms), 0.1);
}

// Notched noise: the residual without the harmonics. A -60 dBFS tone with H2, H3 at -50 dBc over white noise
// 11 dB below them: THD+N reads both, the notched noise the white noise's in-band power (unweighted and,
// against the integral of |A(f)|^2, A-weighted); hum stays in it.
TEST(Thdn, NotchedNoiseLeavesTheHarmonicsOut) {
  const double sigma = 1e-6, a1 = 1e-3, ah = a1 * ratio_from_db(-50);
  auto x = test::tones({{997.3, a1}, {2 * 997.3, ah, 0.3}, {3 * 997.3, ah, 1.1}}, kFs, 4 * 48000);
  const auto n = test::gaussian(x.size(), sigma, 7);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += n[i];
  const double noise_ms = sigma * sigma * (19980.0 / 24000.0);
  const auto r = analyze_thdn(x, kFs, {});
  ASSERT_TRUE(r.valid && r.notched_noise_dbfs);
  EXPECT_NEAR(*r.notched_noise_dbfs, dbfs_from_mean_square(noise_ms), 0.1);
  EXPECT_NEAR(r.noise_dbfs, dbfs_from_mean_square(noise_ms + ah * ah), 0.1);  // two harmonics of ah^2/2 each
  ThdnOptions a;
  a.weighting = Weighting::A;
  const auto ra = analyze_thdn(x, kFs, a);
  ASSERT_TRUE(ra.valid && ra.notched_noise_dbfs);
  double w = 0;
  for (double f = 20.5; f < 20000; f += 1.0) w += std::pow(weighting_gain(Weighting::A, f), 2);
  EXPECT_NEAR(*ra.notched_noise_dbfs, dbfs_from_mean_square(sigma * sigma / 24000.0 * w), 0.15);
  // Hum is noise in use: it stays in the notched noise.
  auto y = x;
  const auto hum = test::tones({{50.0, 100 * sigma}}, kFs, y.size());
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += hum[i];
  const auto rh = analyze_thdn(y, kFs, {});
  ASSERT_TRUE(rh.valid && rh.notched_noise_dbfs);
  EXPECT_NEAR(*rh.notched_noise_dbfs, dbfs_from_mean_square(noise_ms + 1e4 * sigma * sigma / 2), 0.1);
}

TEST(Thdn, DcOffsetIsIgnored) {
  auto x = distorted(997.3, -6, -90, 1.0);
  for (auto& v : x) v += 0.05;
  const auto r = analyze_thdn(x, kFs, {});
  ASSERT_TRUE(r.valid);
  EXPECT_NEAR(r.thdn_db, -90, 0.1);
  EXPECT_NEAR(r.level_dbfs, -6, 0.01);
}

TEST(Thdn, HumCountsAsNoiseInBand) {
  for (double hum_hz : {50.0, 60.0}) {
    const double a1 = 0.5, hum = a1 * ratio_from_db(-80);
    auto x = test::tones({{997.0, a1}, {hum_hz, hum, 0.2}}, kFs, 48000);
    const auto r = analyze_thdn(x, kFs, {});
    ASSERT_TRUE(r.valid);
    EXPECT_NEAR(r.thdn_db, -80, 0.1) << hum_hz;
    EXPECT_LT(r.thd_db, -150) << hum_hz;  // hum is not a harmonic
  }
}

TEST(Thdn, HarmonicAboveBandIsExcluded) {
  const double fs = 96000, f0 = 8000.5, a1 = 0.5;
  // H2 at 16 kHz (in band, -100 dBc), H3 at 24 kHz (above the 20 kHz band, -60 dBc).
  auto x = test::tones({{f0, a1}, {2 * f0, a1 * 1e-5}, {3 * f0, a1 * 1e-3}}, fs, 96000);
  const auto r = analyze_thdn(x, fs, {});
  ASSERT_TRUE(r.valid);
  EXPECT_NEAR(r.thdn_db, -100, 0.1);
  EXPECT_NEAR(r.thd_db, -100, 0.1);
  ASSERT_GE(r.harmonics.size(), 2u);
  EXPECT_TRUE(r.harmonics[0].in_band);
  EXPECT_FALSE(r.harmonics[1].in_band);
  EXPECT_NEAR(r.harmonics[1].level_dbc, -60, 0.05);
  // Widening the band brings it back.
  ThdnOptions wide;
  wide.band_hi_hz = 40000;
  EXPECT_NEAR(analyze_thdn(x, fs, wide).thd_db, -60, 0.05);
}

// The settled part by its definition: blocks of ceil(rate / lowest) frames (here 143, not a multiple of 4, so the
// search's last, unrolled-loop remainder counts), the block peaks within 5 % of the typical loud peak, less one
// block each side. Each block holds 0.5 except that the settled blocks 5..34 of 40 peak at 1.0 in their last
// frame: the settled part is blocks 6..33 (read without the last frames, every block would look alike).
TEST(Thdn, SettledSegmentReadsEveryFrameOfEachBlock) {
  const std::size_t block = 143, nb = 40;
  std::vector<double> x(block * nb, 0.5);
  for (std::size_t b = 5; b <= 34; ++b) x[b * block + block - 1] = (b % 2 ? 1.0 : -1.0);
  const std::vector<float> xf(x.begin(), x.end());
  for (const Segment s : {settled_segment(x, 1000, 7), settled_segment(xf, 1000, 7)}) {
    EXPECT_EQ(s.start, 6 * block);
    EXPECT_EQ(s.n, 28 * block);
  }
}

TEST(Thdn, FadedToneIsTrimmedToSettledPart) {
  ToneSpec t;
  t.freq_hz = 997;
  t.level_dbfs = -20;
  t.duration_s = 1.0;
  t.fade_s = 0.05;
  auto x = make_tone(t);
  // Leading and trailing silence, as in a capture with latency.
  x.insert(x.begin(), 3000, 0.0);
  x.insert(x.end(), 2000, 0.0);
  const auto r = analyze_thdn(x, kFs, {});
  ASSERT_TRUE(r.valid);
  EXPECT_LT(r.thdn_db, -200 + 60);  // double precision: far below any converter
  EXPECT_NEAR(r.level_dbfs, -20, 0.01);
  EXPECT_GT(r.start_frame, 3000u + 2400u);
}

TEST(Thdn, AWeightingWeightsTheResidual) {
  // Residual: a 10 kHz tone at -60 dBc (A(10 kHz) = -2.49 dB); fundamental at 1 kHz (A = 0 dB).
  const double a1 = 0.5, a2 = a1 * 1e-3;
  auto x = test::tones({{1000.2, a1}, {10000.7, a2}}, kFs, 48000);
  ThdnOptions opt;
  opt.weighting = Weighting::A;
  const auto r = analyze_thdn(x, kFs, opt);
  ASSERT_TRUE(r.valid);
  const double g2 = std::pow(weighting_gain(Weighting::A, 10000.7), 2),
               g1 = std::pow(weighting_gain(Weighting::A, 1000.2), 2);
  const double resid = a2 * a2 / 2 * g2, total = a1 * a1 / 2 + resid;
  EXPECT_NEAR(r.thdn_db, 10 * std::log10(resid / total), 0.05);
  EXPECT_NEAR(r.level_dbfs, dbfs_from_peak(a1), 0.01);  // the level is unweighted
  EXPECT_NEAR(g1, 1.0, 0.01);
}

// A low fundamental: A(100 Hz) = -19.1 dB weights the residual only, never the reference.
TEST(Thdn, AWeightingDoesNotScaleALowFundamental) {
  const double a1 = 0.5, a2 = a1 * 1e-3;  // 1 kHz residual at -60 dBc, A(1 kHz) = 0 dB
  auto x = test::tones({{100.3, a1}, {1000.7, a2}}, kFs, 96000);
  ThdnOptions opt;
  opt.weighting = Weighting::A;
  opt.fundamental_hz = 100.3;
  const auto r = analyze_thdn(x, kFs, opt);
  ASSERT_TRUE(r.valid) << r.reason;
  const double resid = a2 * a2 / 2 * std::pow(weighting_gain(Weighting::A, 1000.7), 2);
  EXPECT_NEAR(r.thdn_db, 10 * std::log10(resid / (a1 * a1 / 2 + resid)), 0.05);
}

TEST(Thdn, LongSignalIsSegmentAveraged) {
  const double fs = 96000;
  auto x = distorted(997.1, -3, -100, 12.0, fs);
  test::quantize(x, 24);
  const auto r = analyze_thdn(x, fs, {});
  ASSERT_TRUE(r.valid);
  EXPECT_GT(r.n_segments, 1u);
  EXPECT_NEAR(r.thd_db, -100, 0.1);
  EXPECT_NEAR(r.fundamental_hz, 997.1, 0.01);
}

TEST(Thdn, InvalidInputsSayWhy) {
  const auto x = test::tones({{997, 0.5}}, kFs, 48000);
  ThdnOptions o;
  o.fundamental_hz = 30000;
  auto r = analyze_thdn(x, kFs, o);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("Nyquist"), std::string::npos);
  r = analyze_thdn(std::vector<double>(100, 0.0), kFs, {});
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("short"), std::string::npos);
  r = analyze_thdn(std::vector<double>(48000, 0.0), kFs, {});
  EXPECT_FALSE(r.valid);
  // Too few cycles: 30 Hz in 0.1 s.
  r = analyze_thdn(test::tones({{30, 0.5}}, kFs, 4800), kFs, {});
  EXPECT_FALSE(r.valid);
}

// A tone ten bins below Nyquist, its band reaching Nyquist: measured (no harmonic lies in band, so THD is not
// a reading), every figure finite.
TEST(Thdn, ToneJustBelowNyquist) {
  ToneSpec t;
  t.freq_hz = 23990;
  t.level_dbfs = -6;
  const auto x = make_tone(t);
  ThdnOptions o;
  o.band_hi_hz = 24000;
  o.fundamental_hz = 23990;
  const auto r = analyze_thdn(x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_NEAR(r.fundamental_hz, 23990, 0.01);
  EXPECT_NEAR(r.level_dbfs, -6, 0.01);
  EXPECT_TRUE(std::isfinite(r.thdn_db));
  EXPECT_EQ(r.harmonics_in_band, 0);
  EXPECT_TRUE(std::isnan(r.thd_db));  // not a reading: no harmonic in band
}

// A clean tone whose harmonics all sit below the noise: THD is the bound their bands give (9 in-band harmonics,
// 21 bins each, of white noise: 10 log10(9 * 21 * density / P_fundamental)), finite and flagged.
TEST(Thdn, HarmonicsBelowTheNoiseBoundTheThd) {
  const double a = 0.5, sigma = 1e-5;
  auto x = test::tones({{1000.3, a}}, kFs, 48000);
  const auto n = test::gaussian(x.size(), sigma, 21);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += n[i];
  const auto r = analyze_thdn(x, kFs, {});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.harmonics_in_band, 9);
  EXPECT_TRUE(r.thd_below_noise);
  const double per_bin = sigma * sigma * r.bin_hz / (kFs / 2);  // mean square per bin
  EXPECT_NEAR(r.thd_db, db_from_power_ratio(9 * 21 * per_bin / (a * a / 2)), 1.0);
  for (const auto& h : r.harmonics) EXPECT_TRUE(std::isfinite(h.level_dbc)) << h.order;
}

// No steady tone, no reading: a shorted input (noise alone, or noise with a small spur that is the strongest
// bin), a sweep, and tone bursts with silent gaps are refused with "no steady tone" (bursts also when the tone
// is named).
TEST(Thdn, NoSteadyToneIsRefused) {
  struct Case {
    const char* name;
    std::vector<double> x;
    double fundamental_hz;
    double band_hi_hz = 20000;
  };
  std::vector<Case> cases;
  cases.push_back({"noise", test::gaussian(48000, 1e-5, 31), 0.0});
  // Its strongest bin lies above this band: still no tone (not "a fundamental outside the band").
  cases.push_back({"noise, 20-5000 Hz band", test::gaussian(48000, 1e-5, 34), 0.0, 5000});
  {
    // A spur 15 dB above the noise beside it, but 13 dB below the band's noise in all.
    auto x = test::tones({{1234.5, 3e-6}}, kFs, 48000);
    const auto n = test::gaussian(x.size(), 1e-5, 33);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += n[i];
    cases.push_back({"noise and a spur", x, 0.0});
  }
  {
    SweepSpec s;
    s.duration_s = 2;
    cases.push_back({"sweep", make_sweep(s), 0.0});
  }
  {
    // 1 kHz at -20 dBFS, 80 ms on, 20 ms off.
    auto x = test::tones({{1000, 0.1}}, kFs, 96000);
    for (std::size_t i = 0; i < x.size(); ++i)
      if ((i / 960) % 5 == 4) x[i] = 0;
    cases.push_back({"bursts", x, 0.0});
    cases.push_back({"bursts, named tone", x, 1000.0});
  }
  for (const auto& c : cases) {
    ThdnOptions o;
    o.fundamental_hz = c.fundamental_hz;
    o.band_hi_hz = c.band_hi_hz;
    const auto r = analyze_thdn(c.x, kFs, o);
    EXPECT_FALSE(r.valid) << c.name << ": " << r.fundamental_hz << " Hz at " << r.level_dbfs << " dBFS, THD+N "
                          << r.thdn_percent << " %";
    EXPECT_NE(r.reason.find("no steady tone"), std::string::npos) << c.name << ": " << r.reason;
  }
  // The same spur, named, is measured: a tone below the band's noise is what crosstalk readings look at.
  ThdnOptions o;
  o.fundamental_hz = 1234.5;
  const auto r = analyze_thdn(cases[2].x, kFs, o);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_NEAR(r.level_dbfs, dbfs_from_peak(3e-6), 0.5);
}

TEST(Noise, IdleChannelInBand) {
  const double sigma = 1e-5;
  const auto n = test::gaussian(96000, sigma, 3);
  const auto r = analyze_noise(n, kFs);
  ASSERT_TRUE(r.valid);
  EXPECT_NEAR(r.noise_dbfs, dbfs_from_mean_square(sigma * sigma * 19980.0 / 24000.0), 0.15);
  const auto ra = analyze_noise(n, kFs, 20, 20000, Weighting::A);
  EXPECT_LT(ra.noise_dbfs, r.noise_dbfs);
}

// A-weighted white noise: the power weighting |A(f)|^2 integrated over the band (numerically, 1 Hz steps).
TEST(Noise, AWeightedWhiteNoiseMatchesTheIntegral) {
  const double sigma = 1e-5;
  const auto n = test::gaussian(480000, sigma, 4);
  const auto ra = analyze_noise(n, kFs, 20, 20000, Weighting::A);
  ASSERT_TRUE(ra.valid);
  double w = 0;
  for (double f = 20.5; f < 20000; f += 1.0) w += std::pow(weighting_gain(Weighting::A, f), 2);
  const double density = sigma * sigma / 24000.0;  // mean square per Hz
  EXPECT_NEAR(ra.noise_dbfs, dbfs_from_mean_square(density * w), 0.1);
}

}  // namespace
}  // namespace outbench
