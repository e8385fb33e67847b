// Plot spectra on a stated scale: on the tone scale a sine reads its own level (the window's ENBW restores what
// the window spreads over its main lobe); on the density scale white noise is flat at its density and the
// bands integrate back to the noise's power.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "measure/engine/spectra.hpp"

namespace outbench::engine {
namespace {

constexpr double kRate = 48000;

std::vector<double> sine(double freq_hz, double level_dbfs, std::size_t n) {
  std::vector<double> x(n);
  const double a = std::pow(10.0, level_dbfs / 20);
  for (std::size_t i = 0; i < n; ++i)
    x[i] = a * std::sin(2 * std::numbers::pi * freq_hz * static_cast<double>(i) / kRate);
  return x;
}

TEST(PlotSpectra, ASineReadsItsLevelOnTheToneScale) {
  const std::size_t n = 48000;
  const PlotSpectrum centred = tone_spectrum(sine(1000, -26, n), kRate);
  ASSERT_GT(centred.bin_hz, 0);
  EXPECT_EQ(centred.scale, "sine");
  EXPECT_NEAR(*std::max_element(centred.level_dbfs.begin(), centred.level_dbfs.end()), -26, 0.05);
  // Half a bin off: the window's scalloping, stated as at most 0.8 dB.
  const PlotSpectrum off = tone_spectrum(sine(1000 + centred.bin_hz / 2, -26, n), kRate);
  const double peak = *std::max_element(off.level_dbfs.begin(), off.level_dbfs.end());
  EXPECT_LE(peak, -26 + 0.01);
  EXPECT_GE(peak, -26 - 0.8);
}

TEST(PlotSpectra, WhiteNoiseIsFlatAtItsDensityAndIntegratesToItsPower) {
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0.0, 1e-4);
  std::vector<double> x(4 * 48000);
  for (double& v : x) v = g(rng);
  const PlotSpectrum d = noise_density(x, kRate);
  EXPECT_EQ(d.scale, "density_per_hz");
  // sigma^2 spread over 0..Nyquist: density sigma^2 / (rate/2) per Hz, in dBFS (a full-scale sine's ms is 1/2).
  const double truth_dbfs = 10 * std::log10(1e-8 / (kRate / 2) / 0.5);
  // Flat: the mean power (in dB) of the bands over a decade low and an octave high both read the density
  // (max-hold per band rose ~7 dB across the band); and the bands integrate to the noise of 20 Hz-20 kHz.
  auto mean_db = [&](double f_lo, double f_hi) {
    double sum = 0;
    int k = 0;
    for (std::size_t i = 0; i < d.level_dbfs.size(); ++i) {
      const double f = 10 * std::pow(2.0, i / 48.0);
      if (f >= f_lo && f <= f_hi) sum += std::pow(10.0, d.level_dbfs[i] / 10), ++k;
    }
    return 10 * std::log10(sum / k);
  };
  EXPECT_NEAR(mean_db(100, 1000), truth_dbfs, 0.5);
  EXPECT_NEAR(mean_db(10000, 20000), truth_dbfs, 0.3);
  double power = 0;
  for (std::size_t i = 0; i < d.level_dbfs.size(); ++i) {
    const double f = 10 * std::pow(2.0, i / 48.0);
    if (f >= 20 && f <= 20000) power += std::pow(10.0, d.level_dbfs[i] / 10) * f * (std::pow(2.0, 1 / 48.0) - 1);
  }
  const double band_truth = 10 * std::log10(1e-8 * (20000 - 20) / (kRate / 2) / 0.5);
  EXPECT_NEAR(10 * std::log10(power), band_truth, 0.1);
}

}  // namespace
}  // namespace outbench::engine
