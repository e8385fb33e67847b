#include <algorithm>
#include <cmath>
#include <complex>

#include "analysis/fft.hpp"
#include "analysis/multitone.hpp"
#include "analysis/number_text.hpp"
#include "analysis/units.hpp"

namespace outbench {
namespace {

constexpr double kMinToneFraction = 0.5;  // below it the capture is not this multitone
constexpr std::size_t kMinFloorBins = 8;  // clean bins behind each band's floor estimate

// -400 dB: the level of "nothing there" (a residual of exactly zero stays a number; multitone_json.hpp).
constexpr double kNothingPowerRatio = 1e-40;

double db10(double power_ratio) {
  return db_from_power_ratio_floored(power_ratio, kNothingPowerRatio);
}

// The last full period before the end of the loud region, kMultitoneMinSettleBlocks blocks after its start.
bool find_period(std::span<const double> x, const MultitoneDesign& d, std::size_t& start, std::string& reason) {
  const std::size_t n = d.period_frames;
  const double period_s = static_cast<double>(n) / d.rate_hz;
  if (x.size() < n) {
    reason = "the capture (" + fmt_sig(static_cast<double>(x.size()) / d.rate_hz) +
             " s) is shorter than one period of the multitone (" + fmt_sig(period_s) + " s)";
    return false;
  }
  const auto block = static_cast<std::size_t>(std::ceil(d.rate_hz / d.band_lo_hz));
  const std::size_t nb = x.size() / block;
  std::vector<double> ms(nb, 0.0);
  for (std::size_t b = 0; b < nb; ++b) {
    for (std::size_t i = b * block; i < (b + 1) * block; ++i) ms[b] += x[i] * x[i];
    ms[b] /= static_cast<double>(block);
  }
  const double max_ms = nb ? *std::max_element(ms.begin(), ms.end()) : 0.0;
  std::vector<double> loud;
  for (double m : ms)
    if (m >= 0.1 * max_ms) loud.push_back(m);
  if (max_ms <= 0 || loud.empty()) {
    reason = "the capture is silent";
    return false;
  }
  std::nth_element(loud.begin(), loud.begin() + static_cast<long>(loud.size() / 2), loud.end());
  const double typical = loud[loud.size() / 2];
  // The longest run of blocks within a factor 2 (power) of the typical one.
  std::size_t best_first = 0, best_len = 0;
  for (std::size_t b = 0; b < nb;) {
    if (ms[b] < 0.5 * typical) {
      ++b;
      continue;
    }
    std::size_t e = b;
    while (e < nb && ms[e] >= 0.5 * typical) ++e;
    if (e - b > best_len) best_first = b, best_len = e - b;
    b = e;
  }
  const std::size_t end = (best_first + best_len - 1) * block;  // the last loud block left out (fade-out)
  const std::size_t earliest = (best_first + kMultitoneMinSettleBlocks) * block;
  if (best_len < 2 || end < n || end - n < earliest) {
    reason = "the steady part of the capture (" + fmt_sig(static_cast<double>(best_len * block) / d.rate_hz) +
             " s) does not hold one settled period of the multitone (" + fmt_sig(period_s) + " s plus " +
             fmt_sig(static_cast<double>((kMultitoneMinSettleBlocks + 1) * block) / d.rate_hz) +
             " s to settle): play it longer";
    return false;
  }
  start = end - n;
  return true;
}

// The noise floor per bin (mean square) near `centre`: the mean of the clean bins in [lo, hi], at least
// kMinFloorBins of them (the nearest to `centre` outside the band when the band has fewer).
double floor_per_bin(const std::vector<std::size_t>& clean, const std::vector<double>& ms, std::size_t lo,
                     std::size_t hi, std::size_t centre) {
  std::vector<std::size_t> pick;
  for (std::size_t k : clean)
    if (k >= lo && k <= hi) pick.push_back(k);
  if (pick.size() < kMinFloorBins) {
    std::vector<std::size_t> all = clean;
    const auto dist = [&](std::size_t k) { return k > centre ? k - centre : centre - k; };
    std::sort(all.begin(), all.end(), [&](std::size_t a, std::size_t b) { return dist(a) < dist(b); });
    all.resize(std::min(all.size(), kMinFloorBins));
    pick = all;
  }
  if (pick.empty()) return 0;
  double s = 0;
  for (std::size_t k : pick) s += ms[k];
  return s / static_cast<double>(pick.size());
}

}  // namespace

MultitoneAnalysis analyze_multitone(std::span<const double> x, const MultitoneDesign& d, double level_dbfs) {
  MultitoneAnalysis r;
  if (!d.valid) {
    r.reason = "no valid multitone design: " + d.reason;
    return r;
  }
  std::size_t start = 0;
  if (!find_period(x, d, start, r.reason)) return r;
  r.start_frame = start;
  const std::size_t n = d.period_frames;
  RealFft fft(n);
  const auto sp = fft.forward(x.subspan(start, n));
  const std::size_t nb = n / 2;  // bins 1..N/2-1 (Nyquist left out)
  std::vector<double> ms(nb, 0.0);
  for (std::size_t k = 1; k < nb; ++k) ms[k] = 2.0 * std::norm(sp[k]) / (static_cast<double>(n) * n);
  std::vector<bool> is_tone(nb + 1, false);
  for (std::size_t b : d.bins) is_tone[b] = true;
  std::vector<std::size_t> clean;
  for (std::size_t k = 1; k < nb; ++k)
    if (!is_tone[k] && !d.product_bin[k]) clean.push_back(k);

  const double bin_hz = d.bin_hz();
  const std::size_t kt = d.bins.size();
  const auto edge_bin = [&](double f) {
    return std::clamp<std::size_t>(static_cast<std::size_t>(std::llround(f / bin_hz)), 1, nb - 1);
  };
  double tone_ms = 0;
  for (std::size_t b : d.bins) tone_ms += ms[b];
  const double tone_level = multitone_tone_level_dbfs(d, level_dbfs);
  double band_ms = 0, resid_ms = 0, floor_ms = 0;
  for (std::size_t i = 0; i < kt; ++i) {
    MultitoneTone t;
    t.freq_hz = d.freq_hz[i];
    t.level_dbfs = dbfs_from_mean_square(ms[d.bins[i]]);
    t.response_db = t.level_dbfs - tone_level;
    t.band_lo_hz = i == 0 ? t.freq_hz * std::pow(10.0, -0.05) : std::sqrt(t.freq_hz * d.freq_hz[i - 1]);
    t.band_hi_hz = i + 1 == kt ? t.freq_hz * std::pow(10.0, 0.05) : std::sqrt(t.freq_hz * d.freq_hz[i + 1]);
    // Bins [lo, hi): each bin belongs to one band.
    const std::size_t lo = edge_bin(t.band_lo_hz);
    const std::size_t hi = i + 1 == kt ? edge_bin(t.band_hi_hz) + 1 : edge_bin(t.band_hi_hz);
    double res = 0;
    for (std::size_t k = lo; k < hi; ++k) {
      band_ms += ms[k];
      if (is_tone[k]) continue;
      res += ms[k];
      ++t.residual_bins;
    }
    const double fl = floor_per_bin(clean, ms, lo, hi == 0 ? 0 : hi - 1, d.bins[i]) * t.residual_bins;
    resid_ms += res;
    floor_ms += fl;
    t.tdn_dbfs = dbfs_from_mean_square(res);
    r.tones.push_back(t);
    r.tones.back().tdn_db = db10(res / tone_ms);
    r.tones.back().tdn_re_tone_db = db10(res / ms[d.bins[i]]);
    r.tones.back().floor_db = db10(fl / tone_ms);
  }
  r.total_dbfs = dbfs_from_mean_square(tone_ms);
  r.tone_fraction = band_ms > 0 ? tone_ms / band_ms : 0;
  if (r.tone_fraction < kMinToneFraction) {
    r.reason = "the capture is not this multitone: only " + fmt_sig(100 * r.tone_fraction) +
               " % of its power in the band lies on the multitone's " + std::to_string(kt) + " tone bins (at least " +
               fmt_sig(100 * kMinToneFraction) + " % expected); was it generated with the same rate (" +
               fmt_sig(d.rate_hz) + " Hz), period and band?";
    r.tones.clear();
    return r;
  }
  r.tdn_db = db10(resid_ms / tone_ms);
  r.floor_db = db10(floor_ms / tone_ms);
  r.valid = true;
  return r;
}

}  // namespace outbench
