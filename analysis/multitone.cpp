#include "analysis/multitone.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "analysis/fft.hpp"
#include "analysis/number_text.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"

namespace outbench {
namespace {

// A product's bin folded about Nyquist (0..N/2).
long fold(long p, long n) {
  p %= n;
  if (p < 0) p += n;
  return p > n / 2 ? n - p : p;
}

// Every product of the design's orders of `c` alone and of `c` with each tone of `placed`.
std::vector<long> products_with(long c, const std::vector<long>& placed, int max_harmonic, long n) {
  std::vector<long> out;
  for (int h = 2; h <= max_harmonic; ++h) out.push_back(fold(h * c, n));
  for (long t : placed)
    for (long p : {c + t, c - t, 2 * c + t, 2 * c - t, 2 * t + c, 2 * t - c}) out.push_back(fold(p, n));
  return out;
}

bool near_hum(double f_hz, double bin_hz) {
  for (double m : {50.0, 60.0})
    for (int k = 1; k * m <= 400.0; ++k)
      if (std::abs(f_hz - k * m) <= 0.01 * k * m + bin_hz) return true;
  return false;
}

// Places the tones (bins ascending); empty with `reason` set when a tone finds no clear bin.
std::vector<long> place_tones(const MultitoneSpec& s, std::vector<bool>& hit, std::string& reason) {
  const long n = static_cast<long>(s.period_frames);
  const double bin_hz = s.rate_hz / static_cast<double>(n);
  const int count =
      static_cast<int>(std::floor(s.tones_per_decade * std::log10(s.band_hi_hz / s.band_lo_hz) + 1e-6)) + 1;
  std::vector<long> placed;
  std::vector<bool> is_tone(hit.size(), false);
  for (int k = 0; k < count; ++k) {
    const double f = s.band_lo_hz * std::pow(10.0, k / s.tones_per_decade);
    const long lo = std::max<long>({1, static_cast<long>(std::ceil(f * (1 - kMultitoneSearchFraction) / bin_hz)),
                                    placed.empty() ? 1 : placed.back() + 1});
    const long hi =
        std::min<long>(n / 2 - 1, static_cast<long>(std::floor(f * (1 + kMultitoneSearchFraction) / bin_hz)));
    std::vector<long> cand;
    for (long c = lo; c <= hi; ++c) cand.push_back(c);
    std::stable_sort(cand.begin(), cand.end(), [&](long a, long b) {
      return std::abs(static_cast<double>(a) * bin_hz - f) < std::abs(static_cast<double>(b) * bin_hz - f);
    });
    long chosen = -1;
    for (long c : cand) {
      if (hit[static_cast<std::size_t>(c)] || (s.avoid_hum && near_hum(static_cast<double>(c) * bin_hz, bin_hz)))
        continue;
      const auto prods = products_with(c, placed, s.max_harmonic, n);
      if (std::none_of(prods.begin(), prods.end(),
                       [&](long p) { return p == c || is_tone[static_cast<std::size_t>(p)]; })) {
        chosen = c;
        for (long p : prods) hit[static_cast<std::size_t>(p)] = true;
        break;
      }
    }
    if (chosen < 0) {
      reason = "no bin within " + fmt_sig(100 * kMultitoneSearchFraction) + " % of " + fmt_sig(f) +
               " Hz is clear of the other tones' products with a period of " + std::to_string(n) + " samples (bin " +
               fmt_sig(bin_hz) + " Hz): use a longer period";
      return {};
    }
    placed.push_back(chosen);
    is_tone[static_cast<std::size_t>(chosen)] = true;
  }
  return placed;
}

// One period of unit-amplitude cosines at `bins` with `phases`.
std::vector<double> synth(const std::vector<std::size_t>& bins, const std::vector<double>& phases, std::size_t n) {
  RealFft fft(n);
  auto sp = fft.spectrum();
  std::fill(sp.begin(), sp.end(), std::complex<double>(0, 0));
  for (std::size_t k = 0; k < bins.size(); ++k) sp[bins[k]] = std::polar(0.5, phases[k]);
  fft.inverse();
  const auto t = fft.time();
  return {t.begin(), t.end()};
}

double peak_of(const std::vector<double>& x) {
  double p = 0;
  for (double v : x) p = std::max(p, std::abs(v));
  return p;
}

// Iterative clipping: clip at a fraction of the peak, keep the tone bins' phases; the best phases are kept.
std::vector<double> refine_phases(const MultitoneDesign& d, std::vector<double> phases, int iterations) {
  const std::size_t n = d.period_frames;
  double best_peak = peak_of(synth(d.bins, phases, n));
  std::vector<double> best = phases;
  RealFft fft(n);
  for (int it = 0; it < iterations; ++it) {
    auto x = synth(d.bins, phases, n);
    // Clipping at a crest factor of 1.2-1.6 (the rms of unit tones is sqrt(K / 2)).
    const double clip = (1.2 + 0.1 * (it % 5)) * std::sqrt(static_cast<double>(d.bins.size()) / 2);
    auto t = fft.time();
    for (std::size_t i = 0; i < n; ++i) t[i] = std::clamp(x[i], -clip, clip);
    fft.forward();
    const auto sp = fft.spectrum();
    for (std::size_t k = 0; k < d.bins.size(); ++k) phases[k] = std::arg(sp[d.bins[k]]);
    const double p = peak_of(synth(d.bins, phases, n));
    if (p < best_peak) {
      best_peak = p;
      best = phases;
    }
  }
  return best;
}

}  // namespace

MultitoneDesign design_multitone(const MultitoneSpec& s) {
  MultitoneDesign d;
  d.rate_hz = s.rate_hz;
  d.period_frames = s.period_frames;
  d.band_lo_hz = s.band_lo_hz;
  d.band_hi_hz = s.band_hi_hz;
  if (!(s.rate_hz > 0) || s.period_frames < 64 || !(s.band_lo_hz > 0) || !(s.band_hi_hz > s.band_lo_hz) ||
      s.band_hi_hz * (1 + kMultitoneSearchFraction) >= s.rate_hz / 2 || !(s.tones_per_decade > 0)) {
    d.reason = "impossible multitone: the band " + fmt_sig(s.band_lo_hz) + ".." + fmt_sig(s.band_hi_hz) +
               " Hz must lie below " + fmt_sig(s.rate_hz / 2 / (1 + kMultitoneSearchFraction)) + " Hz (rate " +
               fmt_sig(s.rate_hz) + " Hz), with a period of at least 64 samples";
    return d;
  }
  d.product_bin.assign(s.period_frames / 2 + 1, false);
  const auto placed = place_tones(s, d.product_bin, d.reason);
  if (placed.empty()) return d;
  for (long b : placed) {
    d.bins.push_back(static_cast<std::size_t>(b));
    d.freq_hz.push_back(static_cast<double>(b) * d.bin_hz());
  }
  const double kk = static_cast<double>(d.bins.size());
  // Schroeder's rule generalised to any spacing: tone k's group delay is k/K of the period (the tones follow
  // one another as in a sweep), phi_k = phi_(k-1) - 2 pi (f_k - f_(k-1)) tau_k in cycles of the period.
  std::vector<double> phases(d.bins.size(), 0.0);
  for (std::size_t k = 1; k < phases.size(); ++k) {
    const double tau = static_cast<double>(k) / kk;  // in periods
    const double dbins = static_cast<double>(d.bins[k] - d.bins[k - 1]);
    phases[k] = std::remainder(phases[k - 1] - 2 * std::numbers::pi * dbins * tau, 2 * std::numbers::pi);
  }
  const double rms_unit = std::sqrt(kk / 2);
  d.schroeder_crest_factor_db = db_from_ratio(peak_of(synth(d.bins, phases, d.period_frames)) / rms_unit);
  d.phase_rad = refine_phases(d, phases, s.refine_iterations);
  d.peak_unit = peak_of(synth(d.bins, d.phase_rad, d.period_frames));
  d.crest_factor_db = db_from_ratio(d.peak_unit / rms_unit);
  d.valid = true;
  return d;
}

double multitone_tone_level_dbfs(const MultitoneDesign& d, double level_dbfs) {
  return level_dbfs - db_from_ratio(d.peak_unit);
}

double multitone_rms_dbfs(const MultitoneDesign& d, double level_dbfs) {
  return multitone_tone_level_dbfs(d, level_dbfs) + 10 * std::log10(static_cast<double>(d.bins.size()));
}

std::vector<double> make_multitone(const MultitoneDesign& d, double level_dbfs, double duration_s, double fade_s) {
  const auto period = synth(d.bins, d.phase_rad, d.period_frames);
  const double a = peak_from_dbfs(level_dbfs) / d.peak_unit;
  const auto n = static_cast<std::size_t>(std::llround(duration_s * d.rate_hz));
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = a * period[i % d.period_frames];
  const auto fade = static_cast<std::size_t>(std::llround(fade_s * d.rate_hz));
  apply_fades(x, std::min(fade, n / 2), std::min(fade, n / 2));
  return x;
}

}  // namespace outbench
