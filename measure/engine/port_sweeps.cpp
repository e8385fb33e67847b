#include "measure/engine/port_sweeps.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "analysis/narrowband.hpp"
#include "analysis/signals.hpp"

namespace outbench::engine {

namespace {

// Selects the port's nominal load and returns the drive into it (the reference level, capped).
double select_nominal(StepContext& cx, const PortWiring& port, const Load& nominal) {
  cx.session.cur_load = nominal.name;
  cx.session.select_load(nominal);
  cx.volts.use_cap_of(port, nominal);
  return std::min(cx.opt.reference_level_dbfs, cx.session.cap.drive_dbfs);
}

// The port's measured result into its nominal load, when that load was measured validly.
const LoadResult* nominal_result(const PortResult& pr) {
  for (const auto& l : pr.loads)
    if (l.load_name == pr.nominal_load && l.valid) return &l;
  return nullptr;
}

}  // namespace

ThdnOptions band_for(const StepContext& cx, double f_hz) {
  ThdnOptions o;
  o.fundamental_hz = f_hz;
  o.band_lo_hz = std::min(cx.res.conditions.band_lo_hz, f_hz / 2);
  o.band_hi_hz = std::max(cx.res.conditions.band_hi_hz, std::min(f_hz * 1.05, cx.plan.rate_hz / 2));
  return o;
}

LoadResult::Crosstalk crosstalk_at(StepContext& cx, const PortWiring& port, double f_hz, double drive_dbfs,
                                   const char* what) {
  const Plan& plan = cx.plan;
  const double rate = plan.rate_hz;
  LoadResult::Crosstalk x;
  x.freq_hz = f_hz;
  const double secs = plan.xtalk_seconds(f_hz);
  NarrowbandOptions o;
  o.freq_hz = f_hz;
  for (int driven = 0; driven < 2; ++driven) {
    const auto ch = static_cast<std::size_t>(driven);
    const Capture c = cx.session.play(port, on_channels(port, plan.tone(f_hz, drive_dbfs, secs), driven),
                                      plan.frames(secs) + cx.session.margin_frames(), what);
    // Both channels over the driven one's settled segment, at the tone's frequency (the same window and
    // frequency for both, so the ratio is the coupling).
    const auto seg = settled_segment(c.channels[ch], rate, std::min(20.0, f_hz / 2));
    const auto part = [&](std::size_t k) { return std::span<const double>(c.channels[k].data() + seg.start, seg.n); };
    const auto a = narrowband_level(part(ch), rate, o);
    const auto b = narrowband_level(part(1 - ch), rate, o);
    const double ref = a.valid && !a.bound ? a.level_dbfs : drive_dbfs;
    const double db = b.valid ? b.level_dbfs - ref : std::numeric_limits<double>::quiet_NaN();
    (driven == 0 ? x.l_to_r_db : x.r_to_l_db) = db;
    (driven == 0 ? x.l_to_r_bound : x.r_to_l_bound) = b.valid && b.bound;
  }
  return x;
}

void crosstalk_vs_freq(StepContext& cx, const PortWiring& port, PortResult& pr) {
  if (port.output_channels.size() < 2 || port.input_channels.size() < 2) return;
  const LoadResult* lr = nominal_result(pr);
  const Load* nominal = cx.bench.load(pr.nominal_load);
  if (!lr || !nominal) return;
  const double drive = select_nominal(cx, port, *nominal);
  pr.crosstalk_vs_freq_drive_dbfs = drive;
  // A frequency the per-load crosstalk already read into this load at this drive (80 Hz: an octave of 20 Hz)
  // is that reading: the same definition, load, drive and tone length, so it is not played again.
  const double load_drive = std::min(cx.opt.reference_level_dbfs, lr->drive_cap_dbfs);
  for (double f : stepped_sine_freqs(kThdnFreqStartHz, kThdnFreqStopHz, cx.plan.d.xtalk_per_octave)) {
    const auto same = std::find_if(lr->crosstalk.begin(), lr->crosstalk.end(),
                                   [&](const LoadResult::Crosstalk& x) { return x.freq_hz == f; });
    if (same != lr->crosstalk.end() && std::abs(load_drive - drive) <= 1e-9) {
      pr.crosstalk_vs_freq.push_back(*same);
      continue;
    }
    cx.session.progress("crosstalk versus frequency");
    pr.crosstalk_vs_freq.push_back(crosstalk_at(cx, port, f, drive, "xtalk-freq"));
  }
}

namespace {

// One tone of THD+N versus frequency read from one channel's capture.
ThdnFreqPoint freq_point(const std::vector<double>& x, double f, const ThdnOptions& o, double rate_hz) {
  const auto t = analyze_thdn(x, rate_hz, o);
  ThdnFreqPoint pt;
  pt.freq_hz = f;
  if (t.valid) {
    pt.thdn_db = t.thdn_db;
    pt.level_dbfs = t.level_dbfs;
    pt.harmonics_in_band = t.harmonics_in_band;
    if (t.harmonics_in_band > 0) pt.thd_db = t.thd_db;
    pt.thd_below_noise = t.thd_below_noise;
  } else {
    pt.problem = t.reason;
  }
  for (int n = 2; n <= o.max_harmonic; ++n)
    if (n * f > o.band_hi_hz) {
      pt.first_harmonic_out_of_band = n;
      break;
    }
  pt.band_lo_hz = o.band_lo_hz;
  pt.band_hi_hz = o.band_hi_hz;
  return pt;
}

// One THD+N-versus-frequency tone list at `drive` into the selected load, per channel (every channel of each
// capture is read).
std::vector<std::vector<ThdnFreqPoint>> thdn_freq_points(StepContext& cx, const PortWiring& port, double drive) {
  const Plan& plan = cx.plan;
  std::vector<std::vector<ThdnFreqPoint>> out(port.output_channels.size());
  for (double f : stepped_sine_freqs(kThdnFreqStartHz, kThdnFreqStopHz, plan.d.thdn_freq_per_octave)) {
    cx.session.progress("THD+N versus frequency");
    // d.thdn_freq_cycles cycles (the analysis needs ~20 in its segment), within d.freq_tone_min_s and
    // d.thdn_freq_max_s.
    const double secs = std::clamp(plan.d.thdn_freq_cycles / f, plan.d.freq_tone_min_s, plan.d.thdn_freq_max_s);
    Capture c = cx.session.play(port, on_channels(port, plan.tone(f, drive, secs)),
                                plan.frames(secs) + cx.session.margin_frames(), "thdn-freq");
    const ThdnOptions o = band_for(cx, f);
    for (std::size_t ch = 0; ch < out.size() && ch < c.channels.size(); ++ch)
      out[ch].push_back(freq_point(c.channels[ch], f, o, plan.rate_hz));
  }
  return out;
}

}  // namespace

void thdn_vs_freq(StepContext& cx, const PortWiring& port, PortResult& pr) {
  const Load* nominal = cx.bench.load(pr.nominal_load);
  if (!nominal) return;
  const double drive = select_nominal(cx, port, *nominal);
  pr.thdn_vs_freq_drive_dbfs = drive;
  pr.thdn_vs_freq_channels = thdn_freq_points(cx, port, drive);
  if (!pr.thdn_vs_freq_channels.empty()) pr.thdn_vs_freq = pr.thdn_vs_freq_channels.front();
  // Again where distortion rises above the noise: 6 dB below the 1 % point into this load (the worse
  // channel's drive, so
  // that the output stays below the limit at every frequency the response keeps flat), within the cap.
  const LoadResult* lr = nominal_result(pr);
  if (!lr || !lr->max_level.at_1pct.found) return;
  const double high = std::min(lr->max_level.at_1pct.drive_dbfs - kNearMaxBelowDb, cx.session.cap.drive_dbfs);
  if (high < drive + 1.0) return;
  auto per_channel = thdn_freq_points(cx, port, high);
  if (per_channel.empty()) return;
  pr.thdn_vs_freq_near_max = ThdnFreqSeries{"near_max", high, per_channel.front(), per_channel};
}

}  // namespace outbench::engine
