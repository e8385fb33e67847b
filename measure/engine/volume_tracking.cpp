#include "measure/engine/volume_tracking.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "measure/strformat.hpp"
#include "measure/verdict_inputs.hpp"

namespace outbench::engine {

std::vector<double> volume_settings(double top_db) {
  std::vector<double> out;
  for (double a = 0; a <= kVolumeSpanDb + 1e-9; a += kVolumeStepDb) out.push_back(top_db - a);
  return out;
}

namespace {

// One setting: the tone on every channel, then idle noise; each channel's level, THD+N and noise.
VolumeStep measure_step(StepContext& cx, const PortWiring& port, double setting_db, double drive_dbfs) {
  const Plan& plan = cx.plan;
  VolumeStep st;
  st.setting_db = setting_db;
  st.drive_dbfs = drive_dbfs;
  const double tone_s = plan.d.tone_s, noise_s = plan.d.noise_s;
  const Capture t = cx.session.play(port, on_channels(port, plan.tone(cx.opt.tone_hz, drive_dbfs, tone_s)),
                                    plan.frames(tone_s) + cx.session.margin_frames(), "volume-tone");
  const Capture n = cx.session.play(port, on_channels(port, make_silence(noise_s, plan.rate_hz)),
                                    plan.frames(noise_s) + cx.session.margin_frames(), "volume-noise");
  const Calibration& input = cx.bench.input;
  for (std::size_t c = 0; c < t.channels.size() && c < n.channels.size(); ++c) {
    VolumeStep::Channel ch;
    ch.channel = static_cast<int>(c);
    const ThdnResult r = plan.thdn(t.channels[c], cx.opt.tone_hz);
    if (r.valid) {
      ch.level_dbfs = r.level_dbfs;
      ch.thdn_db = r.thdn_db;
    }
    const NoiseResult nr = analyze_noise(n.channels[c], plan.rate_hz, plan.band_lo_hz, plan.band_hi_hz);
    if (nr.valid) {
      ch.noise_dbfs = nr.noise_dbfs;
      if (input.valid()) ch.noise_dbv = nr.noise_dbfs + db_from_ratio(*input.vrms_at_0dbfs);
    }
    st.channels.push_back(ch);
  }
  if (st.channels.size() >= 2 && st.channels[0].level_dbfs && st.channels[1].level_dbfs)
    st.balance_db = *st.channels[0].level_dbfs - *st.channels[1].level_dbfs;
  return st;
}

// Each channel's gain error against the top step (steps[0]).
void gain_errors(std::vector<VolumeStep>& steps) {
  if (steps.empty()) return;
  const VolumeStep& top = steps.front();
  for (auto& st : steps)
    for (auto& ch : st.channels) {
      const auto c = static_cast<std::size_t>(ch.channel);
      if (!ch.level_dbfs || c >= top.channels.size() || !top.channels[c].level_dbfs) continue;
      const double change = (*ch.level_dbfs - st.drive_dbfs) - (*top.channels[c].level_dbfs - top.drive_dbfs);
      ch.gain_error_db = change + st.attenuation_db;
    }
}

}  // namespace

void volume_tracking(StepContext& cx, const PortWiring& port, PortResult& pr, const PortVolume& vol) {
  const Load* nominal = cx.bench.load(pr.nominal_load);
  if (!nominal || !vol.setter) return;
  cx.session.cur_load = nominal->name;
  cx.session.select_load(*nominal);
  cx.volts.use_cap_of(port, *nominal);  // at the run's setting
  VolumeTracking vt;
  vt.load = nominal->name;
  vt.top_db = vol.top_db;
  vt.run_db = vol.run_db;
  vt.balance_limit_db = cx.opt.rules.max_balance_db;
  std::optional<double> left_at;  // the setting the control was last sent to, while it is not run_db
  try {
    for (double s : volume_settings(vol.top_db)) {
      cx.session.progress("volume " + strformat("%.0f", s) + " dB");
      cx.session.check_stop();
      left_at = s;
      vol.setter->set(port.name, s);
      // Above the run's setting the port gives more volts per dBFS than the cap was made for.
      const double above = s > vol.run_db + 1e-9 ? s - vol.run_db + kSafetyMarginDb : 0.0;
      const double drive = std::min(cx.opt.reference_level_dbfs, cx.session.cap.drive_dbfs - above);
      VolumeStep st = measure_step(cx, port, s, drive);
      st.attenuation_db = vol.top_db - s;
      vt.steps.push_back(std::move(st));
    }
    vol.setter->set(port.name, vol.run_db);
  } catch (...) {
    // Stopped mid-way (Ctrl-C, a failed capture or command): the control may sit away from the run's setting,
    // where neither the calibration nor the safety limits hold. Said in the (partial) results before leaving.
    if (left_at)
      cx.res.warnings.push_back(port.name + ": the volume steps stopped with the volume control at " +
                                strformat("%g", *left_at) + " dB, not at the run's setting " +
                                strformat("%g", vol.run_db) + " dB: set it back to " + strformat("%g", vol.run_db) +
                                " dB before the next run (the calibration and the safety limits hold only there)");
    throw;
  }
  vol.setter->done(port.name);
  gain_errors(vt.steps);
  vt.balanced_down_to_db = balanced_down_to(vt.steps, vt.balance_limit_db);
  pr.volume = std::move(vt);
}

}  // namespace outbench::engine
