#include "measure/engine/load_procedure.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/fft.hpp"
#include "analysis/units.hpp"
#include "measure/engine/analyser_floor.hpp"
#include "measure/engine/channel_figures.hpp"
#include "measure/engine/dc_transients.hpp"
#include "measure/engine/level_search.hpp"
#include "measure/engine/port_sweeps.hpp"
#include "measure/engine/spectra.hpp"
#include "measure/strformat.hpp"
#include "measure/verdict_inputs.hpp"

namespace outbench::engine {

// One channel of a sweep capture: its response per dBFS of drive (the sweep was scaled by `sweep_scale`).
ChannelResponse channel_response(const SweepPlan& sweep, const std::vector<double>& capture, int channel,
                                 const ResponseOptions& ro, double sweep_scale, double wide_hi_hz) {
  ChannelResponse cr;
  cr.channel = channel;
  cr.response = sweep.deconv->analyze(capture, ro);
  if (!cr.response.valid) return cr;
  const double gain_shift = db_from_ratio(sweep_scale);
  cr.response.gain_1k_db -= gain_shift;
  for (auto& p : cr.response.points) {
    p.gain_db -= gain_shift;
    p.h /= sweep_scale;
  }
  cr.response_deviation_db = max_abs_relative_db(cr.response.points, 20.0, 20000.0);
  if (wide_hi_hz > 0) cr.response_deviation_wide_db = max_abs_relative_db(cr.response.points, 20.0, wide_hi_hz);
  return cr;
}

// The sweep's drive into the load selected now: the plan's level, kSweepHeadroomDb below the cap.
double sweep_drive_dbfs(const StepContext& cx, const SweepPlan& sweep) {
  return std::min(sweep.spec.level_dbfs, cx.session.cap.drive_dbfs - kSweepHeadroomDb);
}

namespace {

// The sweep: response and gain per dBFS of drive on every channel; its volts tighten the cap. False when
// nothing came back on channel 0.
bool sweep_step(StepContext& cx, const PortWiring& port, const Load& load, SweepPlan& sweep, LoadResult& lr,
                std::optional<long> open_latency) {
  const Calibration& input = cx.bench.input;
  cx.session.progress("sweep");
  const double sweep_drive = sweep_drive_dbfs(cx, sweep);
  std::vector<double> sx = sweep.x;
  const double sweep_scale = ratio_from_db(sweep_drive - sweep.spec.level_dbfs);
  for (auto& v : sx) v *= sweep_scale;
  const auto sweep_stim = on_channels(port, sx);
  const Capture c = cx.session.play(port, sweep_stim, sweep.capture_frames, "sweep");
  ResponseOptions ro;
  ro.sweep_l_s = sweep.info.l_s;
  if (open_latency) ro.forced_latency_frames = *open_latency;
  for (std::size_t ch = 0; ch < c.channels.size() && ch < port.output_channels.size(); ++ch)
    lr.channel_responses.push_back(
        channel_response(sweep, c.channels[ch], static_cast<int>(ch), ro, sweep_scale, cx.plan.wide_response_hi_hz()));
  lr.response = lr.channel_responses.front().response;
  if (!lr.response.valid) {
    lr.valid = false;
    lr.problem = "no response to the sweep: " + lr.response.reason + " (is the loopback cable connected?)";
    return false;
  }
  lr.response_deviation_db = lr.channel_responses.front().response_deviation_db;
  lr.response_deviation_wide_db = lr.channel_responses.front().response_deviation_wide_db;
  if (lr.response.latency_frames >= 0)
    cx.session.latency_frames = std::max(cx.session.latency_frames, lr.response.latency_frames);
  const double gain_db = lr.response.gain_1k_db;
  if (gain_db < -100) {
    lr.valid = false;
    lr.problem =
        "the loopback input sees nothing of the port (gain " + strformat("%.1f", gain_db) + " dB): check the cable";
    return false;
  }
  // The sweep's volts: at 1 kHz to check the calibrations (when the sweep stands well above the noise), and
  // for the cap the largest of the gain in 20 Hz..20 kHz on any channel and the capture's peak (the start
  // transient through a coupling capacitor, hum): a response that rises away from 1 kHz must not let a tone
  // there through.
  if (input.valid()) {
    double top_db = gain_db;
    for (const auto& cr : lr.channel_responses)
      for (const auto& p : cr.response.points)
        if (cr.response.valid && p.freq_hz >= 20.0 && p.freq_hz <= 20000.0 && std::isfinite(p.gain_db))
          top_db = std::max(top_db, p.gain_db);
    if (sweep_drive + gain_db > kSweepCheckMinDbfs)
      cx.volts.cross_check(port, load, *input.vrms_at_0dbfs * ratio_from_db(gain_db), "the sweep");
    cx.volts.learn(
        port, load,
        std::max(*input.vrms_at_0dbfs * ratio_from_db(top_db), cx.volts.peak_volts(sweep_stim, c).value_or(0.0)), true);
  }
  return true;
}

// The reference tone on every channel: THD+N, per-channel levels, balance, spectrum.
void reference_tone(StepContext& cx, const PortWiring& port, const Load& load, LoadResult& lr, double safe) {
  const Plan& plan = cx.plan;
  const double ref = cx.opt.reference_level_dbfs, tone_hz = cx.opt.tone_hz;
  cx.session.progress("THD+N at reference level");
  const double ref_drive = std::min(ref, safe);
  lr.reference_drive_dbfs = ref_drive;
  if (ref_drive < ref)
    cx.res.warnings.push_back(port.name + " into " + load.name + ": the reference tone was played at " +
                              strformat("%.1f", ref_drive) + " dBFS, not " + strformat("%.1f", ref) +
                              " dBFS: the bench's safety limit caps the drive into this load");
  const Capture c = cx.session.play(port, on_channels(port, plan.tone(tone_hz, ref_drive, plan.d.tone_s)),
                                    plan.frames(plan.d.tone_s) + cx.session.margin_frames(), "ref-tone");
  for (std::size_t ch = 0; ch < port.output_channels.size(); ++ch) {
    const auto t = plan.thdn(c.channels[ch], tone_hz);
    lr.channel_figures[ch].thdn_ref = t;
    if (t.valid) lr.channels_ref.push_back({static_cast<int>(ch), t.level_dbfs, t.thdn_db});
  }
  if (lr.channels_ref.size() >= 2)
    lr.balance_db = std::abs(lr.channels_ref[0].level_dbfs - lr.channels_ref[1].level_dbfs);
  for (auto& f : lr.channel_figures) {
    const auto& x = c.channels[static_cast<std::size_t>(f.channel)];
    const auto seg = settled_segment(x, plan.rate_hz, tone_hz / 2);
    const PlotSpectrum sp = tone_spectrum(
        std::vector<double>(x.begin() + static_cast<long>(seg.start), x.begin() + static_cast<long>(seg.start + seg.n)),
        plan.rate_hz);
    f.spectrum_dbfs = sp.level_dbfs;
    if (&f == &lr.channel_figures.front()) lr.spectrum_bin_hz = sp.bin_hz;
  }
  lr.spectrum_dbfs = lr.channel_figures.front().spectrum_dbfs;
}

// Idle noise (unweighted and A), then the -60 dBFS tone (AES17): its THD+N residual (for the dynamic range) and
// the noise under it, fundamental and harmonics notched, unweighted and A. Both captures are read here; the
// figures relative to the maximum level come after it is known (snr_and_dynamic_range).
void noise_and_dynamic_range(StepContext& cx, const PortWiring& port, LoadResult& lr, double safe, bool dc_load) {
  const Plan& plan = cx.plan;
  const Calibration& input = cx.bench.input;
  cx.session.progress("noise");
  // Every channel, each into its own ChannelFigures (the headline is chosen afterwards).
  Capture c = cx.session.play(port, on_channels(port, make_silence(plan.d.noise_s, plan.rate_hz)),
                              plan.frames(plan.d.noise_s) + cx.session.margin_frames(), "noise");
  const double k = input.valid() ? db_from_ratio(*input.vrms_at_0dbfs) : 0.0;
  for (auto& f : lr.channel_figures) {
    const auto& x = c.channels[static_cast<std::size_t>(f.channel)];
    f.noise = analyze_noise(x, plan.rate_hz, plan.band_lo_hz, plan.band_hi_hz);
    const PlotSpectrum ns = noise_density(x, plan.rate_hz);
    f.noise_spectrum_dbfs = ns.level_dbfs;
    if (&f == &lr.channel_figures.front()) lr.noise_spectrum_bin_hz = ns.bin_hz;
    f.noise_a = analyze_noise(x, plan.rate_hz, 20, 20000, Weighting::A);
    if (input.valid()) {
      f.noise_dbv = f.noise.noise_dbfs + k;
      f.noise_a_dbv = f.noise_a.noise_dbfs + k;
    }
    if (plan.wide_band()) {
      const auto oob = analyze_noise(x, plan.rate_hz, kOutOfBandLoHz, plan.rate_hz / 2);
      if (oob.valid) f.noise_oob_dbfs = oob.noise_dbfs;
      if (oob.valid && input.valid()) f.noise_oob_dbv = oob.noise_dbfs + k;
    }
  }
  lr.noise_spectrum_dbfs = lr.channel_figures.front().noise_spectrum_dbfs;
  if (dc_load && cx.tests.has("dc")) dc_offset_from_idle(cx, c, cx.res.ports.back());
  cx.session.progress("dynamic range");
  const double dr_drive = std::min(kDrMeasureDbfs, safe);
  lr.dynamic_range_drive_dbfs = dr_drive;
  c = cx.session.play(port, on_channels(port, plan.tone(cx.opt.tone_hz, dr_drive, plan.d.dr_s)),
                      plan.frames(plan.d.dr_s) + cx.session.margin_frames(), "dr-tone");
  ThdnOptions o;  // A-weighted: 20 Hz..20 kHz whatever the run's band
  o.fundamental_hz = cx.opt.tone_hz;
  o.weighting = Weighting::A;
  for (auto& f : lr.channel_figures) {
    const auto& x = c.channels[static_cast<std::size_t>(f.channel)];
    const auto t = plan.thdn(x, cx.opt.tone_hz);
    const auto ta = analyze_thdn(x, plan.rate_hz, o);
    if (t.valid) {
      f.dr_residual_dbfs = t.noise_dbfs;
      f.noise_tone_dbfs = t.notched_noise_dbfs;
    }
    if (ta.valid) {
      f.dr_residual_a_dbfs = ta.noise_dbfs;
      f.noise_tone_a_dbfs = ta.notched_noise_dbfs;
    }
    if (input.valid()) {
      if (f.noise_tone_dbfs) f.noise_tone_dbv = *f.noise_tone_dbfs + k;
      if (f.noise_tone_a_dbfs) f.noise_tone_a_dbv = *f.noise_tone_a_dbfs + k;
    }
  }
}

// After the maximum level: whether the output mutes on digital silence (idle noise more than kMuteMarginDb
// below the noise under the tone; muting is the port's, not the load's, so a load measured after one that
// showed it is flagged too: into heavy loads the device's noise can sink into the analyser's and hide the
// mute), the SNR (maximum level over the noise in use) and the dynamic range (maximum level over the -60 dBFS
// tone's residual), unweighted and A (docs/MEASUREMENTS.md "Noise, SNR and dynamic range").
void snr_and_dynamic_range(StepContext& cx, const PortWiring& port, LoadResult& lr) {
  // Judged on the device's own levels (floor-corrected): not where the noise under the tone is the analyser's.
  const PortResult::AnalyserFloor* floor = nullptr;
  bool seen_before = false;
  if (!cx.res.ports.empty() && cx.res.ports.back().name == port.name) {
    floor = &cx.res.ports.back().analyser_floor;
    for (const auto& other : cx.res.ports.back().loads) seen_before = seen_before || other.mutes_on_silence;
  }
  const ChannelFigures* shows = nullptr;  // the first channel that shows the mute
  bool tone_read = false, undecided = false;
  for (const auto& f : lr.channel_figures) {
    if (!f.noise_tone_dbfs) continue;
    const std::optional<double> floor_dbfs = floor ? floor->of_channel(f.channel).noise_dbfs : std::nullopt;
    tone_read = true;
    undecided = undecided || (floor_dbfs && floor_margin(*f.noise_tone_dbfs, *floor_dbfs).analyser_limited);
    if (!shows && f.noise.valid && mute_decided(f.noise.noise_dbfs, *f.noise_tone_dbfs, floor_dbfs, kMuteMarginDb))
      shows = &f;
  }
  lr.mute_undecided = undecided;
  lr.mutes_on_silence = tone_read && (shows || seen_before);
  if (shows && !seen_before)
    cx.res.warnings.push_back(
        port.name + " into " + lr.load_name + ": the output mutes on digital silence: idle noise " +
        strformat("%.1f", shows->noise.noise_dbfs) + " dBFS is " +
        strformat("%.1f", *shows->noise_tone_dbfs - shows->noise.noise_dbfs) +
        " dB below the noise under a -60 dBFS tone (" + strformat("%.1f", *shows->noise_tone_dbfs) +
        " dBFS); noise and SNR into this load and the port's later loads use the noise "
        "under the tone");
  for (auto& f : lr.channel_figures) {
    const MaxLevel::Point& top = f.max_level.at_1pct;
    if (!top.found) continue;
    const std::optional<double> n = lr.mutes_on_silence ? f.noise_tone_dbfs
                                    : f.noise.valid     ? std::optional<double>(f.noise.noise_dbfs)
                                                        : std::nullopt;
    const std::optional<double> na = lr.mutes_on_silence ? f.noise_tone_a_dbfs
                                     : f.noise_a.valid   ? std::optional<double>(f.noise_a.noise_dbfs)
                                                         : std::nullopt;
    if (n) f.snr_db = top.out_dbfs - *n;
    if (na) f.snr_a_db = top.out_dbfs - *na;
    if (f.dr_residual_dbfs) f.dynamic_range_db = top.out_dbfs - *f.dr_residual_dbfs;
    if (f.dr_residual_a_dbfs) f.dynamic_range_a_db = top.out_dbfs - *f.dr_residual_a_dbfs;
  }
}

// THD+N versus level and the maximum level; each step's capture peak tightens the cap (distortion that makes
// the waveform lopsided shows up there before the next, louder step).
void max_level(StepContext& cx, const PortWiring& port, const Load& load, LoadResult& lr) {
  const Plan& plan = cx.plan;
  const Calibration& input = cx.bench.input;
  auto vrms_of = [&](double adc_dbfs) -> std::optional<double> {
    if (!input.valid()) return std::nullopt;
    return input.vrms_from_dbfs(adc_dbfs);
  };
  LevelSearch search;
  search.start_dbfs = kLevelStartDbfs;
  search.step_db = plan.d.level_step_db;
  search.bisections = plan.d.bisections;
  search.cap_dbfs = [&] { return cx.session.cap.drive_dbfs; };
  search.step_channels = [&](double drive) {
    drive = std::min(drive, cx.session.cap.drive_dbfs);
    const auto stim = on_channels(port, plan.tone(cx.opt.tone_hz, drive, plan.d.step_s));
    const Capture c = cx.session.play(port, stim, plan.frames(plan.d.step_s) + cx.session.margin_frames(), "level");
    if (const auto v = cx.volts.peak_volts(stim, c)) cx.volts.learn(port, load, *v, true);
    std::vector<LevelStep> read;
    for (const auto& f : lr.channel_figures) {
      const auto t = plan.thdn(c.channels[static_cast<std::size_t>(f.channel)], cx.opt.tone_hz);
      LevelStep& s = read.emplace_back();
      s.drive_dbfs = drive;
      if (t.valid) {
        s.out_dbfs = t.level_dbfs;
        s.thdn_db = t.thdn_db;
        if (t.harmonics_in_band > 0) s.thd_db = t.thd_db;
        s.out_vrms = vrms_of(t.level_dbfs);
      }
    }
    return read;
  };
  const auto searched = search_channels(search);
  for (std::size_t ch = 0; ch < searched.size() && ch < lr.channel_figures.size(); ++ch) {
    ChannelFigures& f = lr.channel_figures[ch];
    f.thdn_vs_level = searched[ch].steps;
    MaxLevel& ml = f.max_level;
    ml.at_1pct = level_at_limit(f.thdn_vs_level, kThdn1PctDb);
    ml.at_0p1pct = level_at_limit(f.thdn_vs_level, kThdn0p1PctDb);
    for (MaxLevel::Point* pt : {&ml.at_1pct, &ml.at_0p1pct}) {
      if (!pt->found) continue;
      pt->vrms = vrms_of(pt->out_dbfs);
      if (!pt->vrms) continue;
      pt->dbv = dbv_from_vrms(*pt->vrms);
      pt->dbu = dbu_from_vrms(*pt->vrms);
      if (!load.is_open()) pt->mw = mw_from_vrms(*pt->vrms, load.actual_ohms);
    }
    ml.valid = ml.at_1pct.found;
    ml.stop_reason = stop_reason_id(searched[ch].reason);
    ml.explanation = stop_explanation(searched[ch].reason, cx.session.cap.limit_text);
  }
}

// The worse channel's reading of one level (higher THD+N by more than kChannelResolutionDb; else the first).
LoadResult::AtLevel at_level_headline(const std::string& what, std::vector<LoadResult::AtLevel::Channel> chans) {
  std::size_t w = 0;
  for (std::size_t i = 1; i < chans.size(); ++i)
    if (chans[i].thdn.valid &&
        (!chans[w].thdn.valid || chans[i].thdn.thdn_db > chans[w].thdn.thdn_db + kChannelResolutionDb))
      w = i;
  LoadResult::AtLevel al{what, chans[w].drive_dbfs, chans[w].out_vrms, chans[w].thdn, chans[w].channel, {}};
  al.channels = std::move(chans);
  return al;
}

// THD+N at each nominal line level (the line load) or at 1 mW (loads up to 600 ohm), once calibrated.
void at_levels(StepContext& cx, const PortWiring& port, const Load& load, LoadResult& lr) {
  const Plan& plan = cx.plan;
  const Calibration& input = cx.bench.input;
  if (!input.valid() || load.is_open()) return;
  std::vector<std::pair<std::string, double>> targets;
  if (is_line_load(load.actual_ohms, cx.opt.rules)) {
    for (const auto& l : cx.opt.rules.line_levels)
      targets.push_back(
          {"nominal " + l.name + " line level (" + strformat("%+.1f", l.level_dbv) + " dBV)", l.level_dbv});
  } else if (load.actual_ohms <= 600) {
    targets.push_back({"1 mW", dbv_from_vrms(vrms_from_mw(1.0, load.actual_ohms))});
  }
  for (const auto& [what, dbv] : targets) {
    // Each channel at the drive that brings it to the level through its own gain; a channel whose drive is
    // above the cap stays silent and is left out.
    std::vector<std::vector<double>> stim(port.output_channels.size());
    std::vector<LoadResult::AtLevel::Channel> chans;
    for (std::size_t ch = 0; ch < stim.size(); ++ch) {
      const auto* cr = ch < lr.channel_responses.size() && lr.channel_responses[ch].response.valid
                           ? &lr.channel_responses[ch].response
                           : &lr.response;
      const double drive = dbv - db_from_ratio(*input.vrms_at_0dbfs) - cr->gain_1k_db;
      const bool fits = drive <= cx.session.cap.drive_dbfs;
      stim[ch] = plan.tone(cx.opt.tone_hz, std::min(drive, cx.session.cap.drive_dbfs), plan.d.tone_s);
      if (fits)
        chans.push_back({static_cast<int>(ch), drive, vrms_from_dbv(dbv), {}});
      else
        std::fill(stim[ch].begin(), stim[ch].end(), 0.0);  // silent: its drive is above the cap
    }
    if (chans.empty()) continue;
    cx.session.progress("THD+N at " + what);
    const Capture c = cx.session.play(port, stim, plan.frames(plan.d.tone_s) + cx.session.margin_frames(), "nominal");
    for (auto& ac : chans) {
      ac.thdn = plan.thdn(c.channels[static_cast<std::size_t>(ac.channel)], cx.opt.tone_hz);
      if (ac.thdn.valid) ac.out_vrms = input.vrms_from_dbfs(ac.thdn.level_dbfs);
    }
    lr.at_levels.push_back(at_level_headline(what, std::move(chans)));
  }
}

}  // namespace

void measure_load(StepContext& cx, const PortWiring& port, const Load& load, SweepPlan& sweep, LoadResult& lr,
                  std::optional<long> open_latency, bool dc_load) {
  lr.load_name = load.name;
  lr.load_ohms = load.actual_ohms;
  for (std::size_t ch = 0; ch < port.output_channels.size(); ++ch)
    lr.channel_figures.emplace_back().channel = static_cast<int>(ch);
  if (!sweep_step(cx, port, load, sweep, lr, open_latency)) return;
  const double safe = cx.session.cap.drive_dbfs;
  lr.drive_cap_dbfs = safe;
  lr.drive_cap_limit = cx.session.cap.limit_text;
  if (cx.tests.has("thdn")) reference_tone(cx, port, load, lr, safe);
  if (cx.tests.has("noise")) noise_and_dynamic_range(cx, port, lr, safe, dc_load);
  if (port.output_channels.size() >= 2 && cx.tests.has("crosstalk")) {
    cx.session.progress("crosstalk");
    for (double f : cx.plan.d.xtalk_freqs)
      lr.crosstalk.push_back(crosstalk_at(cx, port, f, std::min(cx.opt.reference_level_dbfs, safe)));
  }
  if (cx.tests.has("maxlevel")) {
    cx.session.progress("THD+N versus level");
    max_level(cx, port, load, lr);
  }
  if (cx.tests.has("noise")) snr_and_dynamic_range(cx, port, lr);
  headline_from_channels(lr);
  if (cx.tests.has("levels")) at_levels(cx, port, load, lr);
}

void floor_warnings(const BenchConfig& bench, const std::string& port, const LoadResult& lr,
                    std::vector<std::string>& warnings) {
  if (!bench.analyser_floor || !lr.valid) return;
  const auto& fl = *bench.analyser_floor;
  // The interface's THD+N at this load's reference drive where calibrate loopback measured it there.
  const bool same =
      fl.reference_thdn_db && std::abs(*fl.reference_drive_dbfs - lr.reference_drive_dbfs) <= kLoopbackDriveMatchDb;
  const double floor_thdn = same ? *fl.reference_thdn_db : fl.thdn_db;
  if (lr.thdn_ref.valid && lr.thdn_ref.thdn_db < floor_thdn + kFloorMarginDb)
    warnings.push_back(port + " into " + lr.load_name + ": THD+N " + strformat("%.1f", lr.thdn_ref.thdn_db) +
                       " dB is within 10 dB of the analyser floor (" + strformat("%.1f", floor_thdn) + " dB" +
                       (same ? " at the same drive)"
                             : ", measured near full scale: calibrate loopback again for " +
                                   strformat("%.1f", lr.reference_drive_dbfs) + " dBFS)"));
  if (lr.noise.valid && lr.noise.noise_dbfs < fl.noise_dbfs + kFloorMarginDb)
    warnings.push_back(port + " into " + lr.load_name + ": noise " + strformat("%.1f", lr.noise.noise_dbfs) +
                       " dBFS is within 10 dB of the analyser floor (" + strformat("%.1f", fl.noise_dbfs) + " dBFS)");
}

}  // namespace outbench::engine
