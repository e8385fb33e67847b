#include "measure/engine/two_clocks.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/clock_drift.hpp"
#include "analysis/resample.hpp"
#include "measure/strformat.hpp"

namespace outbench::engine {

Capture TwoClockIo::play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stimulus,
                                const std::vector<int>& in_channels, std::size_t capture_frames) {
  double peak = 0;
  for (const auto& ch : stimulus)
    for (double v : ch) peak = std::max(peak, std::abs(v));
  const double rate = inner_.rate_hz();
  if (peak == 0) {
    played_s_ += static_cast<double>(capture_frames) / rate;
    return inner_.play_record(out_channels, stimulus, in_channels, capture_frames);
  }
  const auto marker = timing_marker(rate, std::min(peak, kMarkerMaxPeak));
  const std::size_t lm = marker.size(), gap = static_cast<std::size_t>(std::lround(kGapS * rate));
  const std::size_t start = lm + gap;                       // where the stimulus begins in what is played
  const std::size_t second = start + capture_frames + gap;  // where the second marker begins
  const std::size_t total = second + lm + gap;
  std::vector<std::vector<double>> played(stimulus.size(), std::vector<double>(total, 0.0));
  for (std::size_t c = 0; c < stimulus.size(); ++c) {
    std::copy(marker.begin(), marker.end(), played[c].begin());
    std::copy(stimulus[c].begin(),
              stimulus[c].begin() + static_cast<long>(std::min(stimulus[c].size(), capture_frames)),
              played[c].begin() + static_cast<long>(start));
    std::copy(marker.begin(), marker.end(), played[c].begin() + static_cast<long>(second));
  }
  Capture c = inner_.play_record(out_channels, played, in_channels, total);
  c.clock_at_s = played_s_;
  played_s_ += static_cast<double>(total) / rate;
  if (!c.valid) return c;
  // The markers on the input that hears them best.
  ClockDrift best;
  for (const auto& ch : c.channels) {
    const auto d = estimate_clock_drift(ch, marker, static_cast<double>(second), gap);
    if (d.found && (!best.found || d.u_ppm < best.u_ppm)) best = d;
    if (!best.found && best.problem.empty()) best.problem = d.problem;
  }
  if (!best.found) {
    c.valid = false;
    c.problem = "two clocks: " + best.problem + " (is the DUT's output wired to the analyser's input, the " +
                "latency between the two devices below " + strformat("%.0f ms", kGapS * 1e3) +
                ", and their clocks within 1000 ppm, i.e. both at one nominal rate?)";
    return c;
  }
  // Every capture's first marker lands where the run's first capture had it (to the fraction of a sample).
  if (!anchor_) anchor_ = best.first_position;
  const double anchor_whole = std::floor(*anchor_), anchor_frac = *anchor_ - anchor_whole;
  for (auto& ch : c.channels) {
    if (*anchor_ < static_cast<double>(start)) {
      // y[n] = x(p1 + (n - A) / ratio) = x(q + (n - floor(A)) / ratio), q = p1 - frac(A) / ratio: x shifted so
      // that q falls on a whole sample i, resampled from there.
      const double q = best.first_position - anchor_frac / best.ratio, whole = std::round(q);
      const auto a = static_cast<std::size_t>(anchor_whole);
      const auto i = static_cast<std::size_t>(std::max(0.0, whole));
      const auto xs = shift_by_fraction(ch, q - whole);
      const auto z =
          resample_by_ratio(std::span<const double>(xs).subspan(i), 1.0 / best.ratio, start - a + capture_frames);
      ch.assign(z.begin() + static_cast<long>(start - a), z.end());
    } else {
      const auto z = resample_by_ratio(ch, 1.0 / best.ratio, start + capture_frames);
      ch.assign(z.begin() + static_cast<long>(start), z.end());
    }
  }
  c.clock_ppm = best.ppm;
  c.clock_u_ppm = best.u_ppm;
  return c;
}

std::optional<ClockSummary> summarise_clock(const std::vector<ClockCapture>& captures,
                                            std::vector<std::string>& warnings) {
  if (captures.empty()) return std::nullopt;
  ClockSummary s;
  s.resolve_u_ppm = kResolveUPpm;
  for (const auto& c : captures) (c.u_ppm <= kResolveUPpm ? s.captures : s.unresolved).push_back(c);
  const auto& used = s.captures.empty() ? s.unresolved : s.captures;
  if (s.captures.empty())
    warnings.push_back(
        strformat("two clocks: no capture's timing markers resolve the clock to %.1f ppm (standard "
                  "uncertainty above %.1f ppm on all %zu): the clock figures are from captures "
                  "that cannot resolve it; are the DUT's output and the analyser's input levels "
                  "far apart?",
                  5 * kResolveUPpm, kResolveUPpm, s.unresolved.size()));
  double sum = 0, st = 0, stt = 0, sp = 0, stp = 0;
  s.min_ppm = s.max_ppm = used.front().ppm;
  for (const auto& c : used) {
    sum += c.ppm;
    s.min_ppm = std::min(s.min_ppm, c.ppm);
    s.max_ppm = std::max(s.max_ppm, c.ppm);
    const double t = c.at_s / 60.0;
    st += t, stt += t * t, sp += c.ppm, stp += t * c.ppm;
  }
  const double n = static_cast<double>(used.size());
  s.mean_ppm = sum / n;
  s.spread_ppm = s.max_ppm - s.min_ppm;
  const double den = n * stt - st * st;
  s.wander_ppm_per_min = den > 0 ? (n * stp - st * sp) / den : 0.0;
  if (s.spread_ppm > kWanderWarnPpm)
    warnings.push_back(
        strformat("two clocks: the DUT's clock against the analyser's moved by %.1f ppm during the "
                  "run (%.1f .. %.1f ppm, %+.2f ppm per minute; more than %.0f ppm is a clock that "
                  "wanders): each capture was corrected by its own estimate, but check the DUT's "
                  "clock source",
                  s.spread_ppm, s.min_ppm, s.max_ppm, s.wander_ppm_per_min, kWanderWarnPpm));
  if (std::abs(s.mean_ppm) > kVerifiedPpm)
    warnings.push_back(
        strformat("two clocks: the DUT's clock is %+.0f ppm off the analyser's, beyond the +/- %.0f "
                  "ppm outbench's figures are verified for: check that both devices run at the "
                  "bench's nominal rate",
                  s.mean_ppm, kVerifiedPpm));
  return s;
}

}  // namespace outbench::engine
