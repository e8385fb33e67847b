#include "analysis/imd.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>

#include "analysis/distortion.hpp"
#include "analysis/narrowband.hpp"
#include "analysis/number_text.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"

namespace outbench {

namespace {

constexpr double kMinSettledS = 0.5;
constexpr double kBoundShare = 0.01;
constexpr double kMinTonePowerShare = 0.5;

// The products the standard sums: name and frequency.
std::vector<std::pair<std::string, double>> products(const ImdSpec& s) {
  std::vector<std::pair<std::string, double>> p;
  if (s.standard == ImdStandard::Smpte) {
    for (int n = 1; n <= 4; ++n) {
      p.push_back({"f2-" + std::to_string(n) + "f1", s.f2_hz - n * s.f1_hz});
      p.push_back({"f2+" + std::to_string(n) + "f1", s.f2_hz + n * s.f1_hz});
    }
  } else {
    p.push_back({"d2 f2-f1", s.f2_hz - s.f1_hz});
    p.push_back({"d3 2f1-f2", 2 * s.f1_hz - s.f2_hz});
    p.push_back({"d3 2f2-f1", 2 * s.f2_hz - s.f1_hz});
  }
  return p;
}

}  // namespace

ImdSpec imd_spec(ImdStandard standard) {
  if (standard == ImdStandard::Ccif) return {ImdStandard::Ccif, 19000.0, 20000.0, 1.0};
  return {ImdStandard::Smpte, 60.0, 7000.0, 4.0};
}

ImdStandard parse_imd_standard(const std::string& word) {
  if (word == "smpte") return ImdStandard::Smpte;
  if (word == "ccif") return ImdStandard::Ccif;
  throw std::invalid_argument(
      "'" + word + "' is not an IMD standard: use smpte (60 Hz + 7 kHz, 4:1) or ccif (19 kHz + 20 kHz, 1:1)");
}

const char* imd_standard_name(ImdStandard standard) {
  return standard == ImdStandard::Ccif ? "ccif" : "smpte";
}

std::vector<double> make_imd_stimulus(const ImdStimulusSpec& spec) {
  const ImdSpec& s = spec.imd;
  if (!std::isfinite(spec.level_dbfs) || spec.level_dbfs > 0)
    throw std::invalid_argument("IMD stimulus: level must be a finite number <= 0 dBFS");
  if (!(spec.rate_hz > 0) || !(s.f1_hz > 0) || !(s.f2_hz > s.f1_hz) || s.f2_hz >= spec.rate_hz / 2)
    throw std::invalid_argument("IMD stimulus: need 0 < f1 < f2 < Nyquist (f2 " + fmt_fixed(s.f2_hz, 0) + " Hz at " +
                                fmt_fixed(spec.rate_hz, 0) + " Hz)");
  if (!(spec.duration_s > 2 * spec.fade_s) || !(s.ratio_f1_to_f2 > 0))
    throw std::invalid_argument("IMD stimulus: duration must exceed both fades and the ratio be positive");
  const double peak = std::pow(10.0, spec.level_dbfs / 20.0);
  const double a2 = peak / (1.0 + s.ratio_f1_to_f2), a1 = peak - a2;
  const auto n = static_cast<std::size_t>(std::llround(spec.duration_s * spec.rate_hz));
  std::vector<double> x(n);
  const double w1 = 2 * std::numbers::pi * s.f1_hz / spec.rate_hz, w2 = 2 * std::numbers::pi * s.f2_hz / spec.rate_hz;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i);
    x[i] = a1 * std::sin(w1 * t) + a2 * std::sin(w2 * t);
  }
  const auto fade = static_cast<std::size_t>(std::llround(spec.fade_s * spec.rate_hz));
  apply_fades(x, fade, fade);
  return x;
}

ImdResult analyze_imd(std::span<const double> x, double rate_hz, const ImdSpec& spec) {
  ImdResult r;
  r.standard = spec.standard;
  r.f1_hz = spec.f1_hz;
  r.f2_hz = spec.f2_hz;
  if (!(rate_hz > 0) || !(spec.f2_hz > spec.f1_hz) || spec.f2_hz >= rate_hz / 2) {
    r.reason = "f2 (" + fmt_fixed(spec.f2_hz, 0) + " Hz) must lie below Nyquist (" + fmt_fixed(rate_hz / 2, 0) + " Hz)";
    return r;
  }
  const double slowest = std::min(spec.f1_hz, spec.f2_hz - spec.f1_hz);
  const Segment seg = settled_segment(x, rate_hz, slowest);
  r.start_frame = seg.start;
  r.n_frames = seg.n;
  if (static_cast<double>(seg.n) < kMinSettledS * rate_hz) {
    r.reason = "the capture holds " + fmt_fixed(1e3 * static_cast<double>(seg.n) / rate_hz, 0) +
               " ms of steady two-tone; at least 500 ms are needed";
    return r;
  }
  const auto part = x.subspan(seg.start, seg.n);
  auto read = [&](const std::string& name, double f) {
    ImdComponent c{name, f, 0, false, f > 0 && f < rate_hz / 2};
    if (c.in_band) {
      NarrowbandOptions o;
      o.freq_hz = f;
      o.mains_hz = {};  // SMPTE's f1 is 60 Hz itself
      const NarrowbandResult nb = narrowband_level(part, rate_hz, o);
      if (!nb.valid && r.reason.empty()) r.reason = name + ": " + nb.reason;
      c.level_dbfs = nb.level_dbfs;
      c.bound = nb.bound;
    }
    r.components.push_back(c);
    return c;
  };
  const ImdComponent t1 = read("f1", spec.f1_hz), t2 = read("f2", spec.f2_hz);
  if (!r.reason.empty()) return r;
  if (t1.bound || t2.bound) {
    r.reason = "no two-tone in the capture: f1 or f2 does not stand above the noise";
    return r;
  }
  const double a1 = std::pow(10.0, t1.level_dbfs / 20), a2 = std::pow(10.0, t2.level_dbfs / 20);
  // The two tones must carry the capture: at least half its power (DC removed). A capture of another
  // stimulus, a single tone or noise reads leakage at f1 and f2 and is refused rather than measured.
  double mean = 0, ms = 0;
  for (double v : part) mean += v;
  mean /= static_cast<double>(part.size());
  for (double v : part) ms += (v - mean) * (v - mean);
  ms /= static_cast<double>(part.size());
  const double tones_ms = (a1 * a1 + a2 * a2) / 2;
  if (!(tones_ms >= kMinTonePowerShare * ms)) {
    char b[160];
    std::snprintf(
        b, sizeof b,
        "no %s two-tone in the capture: %s Hz and %s Hz carry %.1f %% of its power (at least %.0f %% expected)",
        imd_standard_name(spec.standard), fmt_fixed(spec.f1_hz, 0).c_str(), fmt_fixed(spec.f2_hz, 0).c_str(),
        ms > 0 ? 100 * tones_ms / ms : 0.0, 100 * kMinTonePowerShare);
    r.reason = b;
    return r;
  }
  r.level_dbfs = db_from_ratio(a1 + a2);
  double sum_sq = 0, bound_sq = 0, d2 = 0, d3 = 0;
  for (const auto& [name, f] : products(spec)) {
    const ImdComponent c = read(name, f);
    if (!r.reason.empty()) return r;
    if (!c.in_band) continue;
    const double a = std::pow(10.0, c.level_dbfs / 20);
    sum_sq += a * a;
    if (c.bound) bound_sq += a * a;
    if (name.rfind("d2", 0) == 0) d2 += a;
    if (name.rfind("d3", 0) == 0) d3 += a;
  }
  // Products under the noise enter at their upper bound. They make the figure a bound only when they could
  // matter: more than 1 % of the summed power (0.04 dB); below that the figure is the measured products'.
  r.bound = bound_sq > kBoundShare * sum_sq;
  if (spec.standard == ImdStandard::Smpte) {
    const double imd = std::sqrt(sum_sq) / a2;
    r.imd_db = db_from_ratio(imd);
    r.imd_pct = 100 * imd;
  } else {
    r.d2_db = db_from_ratio(d2 / (a1 + a2));
    r.d2_pct = 100 * d2 / (a1 + a2);
    r.d3_db = db_from_ratio(d3 / (a1 + a2));
    r.d3_pct = 100 * d3 / (a1 + a2);
  }
  r.valid = true;
  return r;
}

}  // namespace outbench
