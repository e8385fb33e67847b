#include "measure/engine/multitone_step.hpp"

#include <algorithm>
#include <cmath>

namespace outbench::engine {

MultitoneDesign run_multitone_design(double rate_hz, double band_lo_hz, double band_hi_hz) {
  MultitoneSpec s;
  s.rate_hz = rate_hz;
  s.period_frames = static_cast<std::size_t>(std::llround(kMultitonePeriodS * rate_hz));
  s.band_lo_hz = band_lo_hz;
  s.band_hi_hz = std::min(band_hi_hz, 0.45 * rate_hz);
  return design_multitone(s);
}

void multitone_step(StepContext& cx, const PortWiring& port, PortResult& pr) {
  const Load* nominal = cx.bench.load(pr.nominal_load);
  if (!nominal) return;
  cx.session.cur_load = nominal->name;
  cx.session.select_load(*nominal);
  cx.volts.use_cap_of(port, *nominal);
  const double drive = std::min(cx.opt.reference_level_dbfs, cx.session.cap.drive_dbfs);
  const double rate = cx.plan.rate_hz;
  const MultitoneDesign d = run_multitone_design(rate, kThdnFreqStartHz, kThdnFreqStopHz);
  PortMultitone m;
  m.load = nominal->name;
  m.drive_dbfs = drive;
  if (!d.valid) {
    cx.res.warnings.push_back(port.name + ": no multitone at " + std::to_string(rate) + " Hz: " + d.reason);
    return;
  }
  m.tone_level_dbfs = multitone_tone_level_dbfs(d, drive);
  m.crest_factor_db = d.crest_factor_db;
  m.period_s = static_cast<double>(d.period_frames) / rate;
  m.duration_s = kMultitoneS;
  cx.session.progress("multitone");
  const auto x = make_multitone(d, drive, kMultitoneS, kFadeS);
  const Capture c = cx.session.play(port, on_channels(port, x), x.size() + cx.session.margin_frames(), "multitone");
  for (std::size_t ch = 0; ch < port.output_channels.size() && ch < c.channels.size(); ++ch)
    m.channels.push_back({static_cast<int>(ch), analyze_multitone(c.channels[ch], d, drive)});
  pr.multitone = std::move(m);
}

}  // namespace outbench::engine
