#include "analysis/narrowband.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>

#include "analysis/number_text.hpp"
#include "analysis/units.hpp"
#include "analysis/windows.hpp"

namespace outbench {
namespace {

constexpr WindowKind kWindow = WindowKind::BlackmanHarris7;
// A frequency this many bins or more from a line is outside the line's main lobe (7 bins for BH7).
constexpr double kKeepOutBins = 8.0;
constexpr int kMinNoisePoints = 8;
constexpr int kResyncSamples = 4096;  // the phasor is recomputed exactly this often

// |sum y[n] exp(-2 pi i c n)|^2 for c in cycles per sample.
double power_at(std::span<const double> y, double c) {
  std::complex<double> acc = 0;
  const std::size_t n = y.size();
  for (std::size_t start = 0; start < n; start += kResyncSamples) {
    const double turns = std::fmod(c * static_cast<double>(start), 1.0);
    std::complex<double> ph = std::polar(1.0, -2 * std::numbers::pi * turns);
    const std::complex<double> step = std::polar(1.0, -2 * std::numbers::pi * c);
    const std::size_t end = std::min(n, start + kResyncSamples);
    for (std::size_t i = start; i < end; ++i) {
      acc += y[i] * ph;
      ph *= step;
    }
  }
  return std::norm(acc);
}

// True when `g` lies outside every hum line's keep-out (kKeepOutBins bins of bin_hz plus the line's tolerance);
// otherwise the line is written to *line_hz.
bool clear_of_hum(double g, double bin_hz, const std::vector<double>& lines, double tolerance, double* line_hz) {
  for (double h : lines)
    if (std::abs(g - h) <= kKeepOutBins * bin_hz + tolerance * h) {
      if (line_hz) *line_hz = h;
      return false;
    }
  return true;
}

bool clear_of_edges(double g, double bin_hz, double rate_hz) {
  return g >= kKeepOutBins * bin_hz && g <= rate_hz / 2 - kKeepOutBins * bin_hz;
}

// -600 dBFS: the level of an amplitude of exactly zero (it stays a number).
constexpr double kNothingAmplitude = 1e-30;

double dbfs(double amplitude) {
  return db_from_ratio_floored(amplitude, kNothingAmplitude);
}

}  // namespace

std::vector<double> hum_lines_hz(const NarrowbandOptions& opt) {
  std::vector<double> lines;
  for (double m : opt.mains_hz)
    if (m > 0)
      for (int k = 1; k * m <= opt.hum_max_hz; ++k) lines.push_back(k * m);
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  return lines;
}

double narrowband_min_seconds(double rate_hz, const NarrowbandOptions& opt) {
  const double f = opt.freq_hz;
  const double nyquist = rate_hz / 2;
  if (!(f > 0 && f < nyquist)) return std::numeric_limits<double>::infinity();
  double t = std::max(kKeepOutBins / f, kKeepOutBins / (nyquist - f));
  for (double h : hum_lines_hz(opt)) {
    const double room = std::abs(f - h) - opt.hum_tolerance * h;
    if (room <= 0) return std::numeric_limits<double>::infinity();
    t = std::max(t, kKeepOutBins / room);
  }
  return t;
}

NarrowbandResult narrowband_level(std::span<const double> x, double rate_hz, const NarrowbandOptions& opt) {
  NarrowbandResult r;
  const double f = opt.freq_hz;
  if (x.size() < 64 || !(rate_hz > 0)) {
    r.reason = "too few samples for a narrow-band reading";
    return r;
  }
  const double n = static_cast<double>(x.size());
  r.bin_hz = rate_hz / n;
  const auto lines = hum_lines_hz(opt);
  double line = 0;
  if (!clear_of_edges(f, r.bin_hz, rate_hz) || !clear_of_hum(f, r.bin_hz, lines, opt.hum_tolerance, &line)) {
    const double need_s = narrowband_min_seconds(rate_hz, opt);
    r.reason = "the tone at " + fmt_sig(f) + " Hz is within " + fmt_sig(kKeepOutBins) + " bins of " +
               (line > 0 ? "the hum line at " + fmt_sig(line) + " Hz" : "DC or Nyquist") + " in " +
               fmt_sig(n / rate_hz) +
               " s: " + (std::isfinite(need_s) ? "use at least " + fmt_sig(need_s) + " s" : "no length separates them");
    return r;
  }
  const CachedWindow& cw = cached_window(kWindow, x.size());
  double mean = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mean += cw.w[i] * x[i];
  mean /= cw.figures.sum_w;
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = cw.w[i] * (x[i] - mean);
  // Power of a sine's amplitude: (2|X| / sum w)^2.
  const double scale = 4.0 / (cw.figures.sum_w * cw.figures.sum_w);
  r.enbw_hz = cw.figures.enbw_bins * r.bin_hz;

  std::vector<double> noise;
  const int max_k = static_cast<int>(kKeepOutBins) + 40 * std::max(opt.noise_points, 1);
  for (int k = static_cast<int>(kKeepOutBins); k <= max_k && static_cast<int>(noise.size()) < opt.noise_points; ++k)
    for (int side : {-1, 1}) {
      const double g = f + side * k * r.bin_hz;
      if (static_cast<int>(noise.size()) < opt.noise_points && clear_of_edges(g, r.bin_hz, rate_hz) &&
          clear_of_hum(g, r.bin_hz, lines, opt.hum_tolerance, nullptr))
        noise.push_back(scale * power_at(y, g / rate_hz));
    }
  r.noise_points = static_cast<int>(noise.size());
  if (r.noise_points < kMinNoisePoints) {
    r.reason = "no room for the noise estimate beside " + fmt_sig(f) + " Hz (" + std::to_string(r.noise_points) +
               " readings clear of hum): use a longer signal";
    return r;
  }
  std::nth_element(noise.begin(), noise.begin() + static_cast<long>(noise.size() / 2), noise.end());
  const double p_noise = noise[noise.size() / 2] / std::numbers::ln2;
  const double p_reading = scale * power_at(y, f / rate_hz);
  r.reading_dbfs = dbfs(std::sqrt(p_reading));
  r.noise_dbfs = dbfs(std::sqrt(p_noise));
  r.bound = p_reading < p_noise * std::pow(10.0, kNarrowbandDetectDb / 10);
  r.level_dbfs =
      r.bound ? dbfs(std::sqrt(p_reading) + std::sqrt(p_noise * std::log(20.0))) : dbfs(std::sqrt(p_reading - p_noise));
  r.valid = true;
  return r;
}

}  // namespace outbench
