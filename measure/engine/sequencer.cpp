#include "measure/engine/sequencer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "analysis/fft.hpp"
#include "analysis/impedance.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "measure/engine/drive_limits.hpp"
#include "measure/errors.hpp"

namespace outbench {

namespace {

// Plan constants (seconds of stimulus), full and --quick.
struct Durations {
  double sweep_s, tone_s, step_s, noise_s, dr_s, xtalk_s, freq_tone_min_s;
  int level_step_db, bisections, thdn_freq_per_octave;
  std::vector<double> xtalk_freqs;  // per load
  double xtalk_per_octave;          // crosstalk versus frequency, into the nominal load
};
const Durations kFull{2.0, 0.5, 0.2, 0.5, 0.5, 0.3, 0.2, 3, 4, 3, {100.0, 997.0, 10000.0}, 1.0};
const Durations kQuick{1.0, 0.25, 0.1, 0.25, 0.25, 0.2, 0.1, 6, 3, 1, {997.0}, 0.5};

constexpr double kFadeS = 0.005;           // raised-cosine fades on every tone
constexpr double kCaptureMarginS = 0.1;    // extra capture for the interface's latency, until it is measured
constexpr double kLatencyGuardS = 0.002;   // added to the measured latency
constexpr double kSweepTailS = 0.05;       // capture after the sweep (it ends at Nyquist: short decay)
constexpr double kLevelStartDbfs = -40.0;  // THD+N versus level starts here
constexpr double kThdn1PctDb = -40.0;      // 1 % THD+N
constexpr double kThdn0p1PctDb = -60.0;    // 0.1 % THD+N
constexpr double kCompressionDb = 1.0;     // output rise short of the drive step by this much: compression
constexpr double kAdcNearFullScaleDbfs = -0.5;
constexpr double kDrMeasureDbfs = -60.0;   // AES17 dynamic range
constexpr double kSweepStartHz = 5.0;      // so the response is clean from 10 Hz
constexpr double kFloorMarginDb = 10.0;    // readings this close to the analyser floor are flagged
constexpr double kThdnFreqStartHz = 20.0;  // THD+N versus frequency: 20 Hz..20 kHz
constexpr double kThdnFreqStopHz = 20000.0;
constexpr double kThdnFreqCycles = 60.0;  // cycles per tone, at most kThdnFreqMaxS
constexpr double kThdnFreqMaxS = 1.5;
constexpr double kAgreeRel = 0.05, kAgreeAbsOhms = 0.05, kInformativeRatio = 50.0;
constexpr double kMinZoutOhms = 0.01;  // below this an output is treated as 0.01 ohm when judging loads
// A load's level must move as predicted within the larger of these (the switch check).
constexpr double kSwitchToleranceDb = 0.1, kSwitchToleranceRel = 0.25;
// No load moved the 1 kHz level from open by more than this: the relays did not switch (or |Zout| is below
// about 0.35 mOhm per ohm of the heaviest load, which the bench cannot resolve).
constexpr double kNoSwitchDb = 0.003;
// ... and when the heaviest load could show a source above this, the load figures are withdrawn (below it a
// source of a few milliohm is as likely as a stuck relay: only a warning).
constexpr double kPlausibleZoutOhms = 0.05;
// The level probe (drive_limits.hpp): from kProbeStartDbfs in kProbeStepDb steps, kProbeS each, until the
// tone reads kProbeGoodThdnDb above noise and distortion.
constexpr double kProbeStartDbfs = -100.0, kProbeStepDb = 20.0, kProbeS = 0.1, kProbeGoodThdnDb = -40.0;
// The output calibration and the volts read through the input calibration must agree within this; a sweep
// is compared only when its 1 kHz level at the input is above kSweepCheckMinDbfs (else noise decides).
constexpr double kCalAgreeDb = 1.0, kSweepCheckMinDbfs = -70.0;

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

double max_abs_deviation(const ResponseResult& r, double lo, double hi) {
  double m = 0;
  for (const auto& p : r.points)
    if (p.freq_hz >= lo && p.freq_hz <= hi) m = std::max(m, std::abs(p.relative_db));
  return m;
}

}  // namespace

struct Sequencer::Impl {
  const BenchConfig& bench;
  AudioIo& io;
  LoadSwitch& sw;
  const RunOptions& opt;
  Results& res;
  const Durations& d;
  double rate;
  double planned_s = 0, played_s = 0;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::string cur_port, cur_load;
  int capture_no = 0;

  Impl(const BenchConfig& b, AudioIo& i, LoadSwitch& s, const RunOptions& o, Results& r)
      : bench(b), io(i), sw(s), opt(o), res(r), d(o.quick ? kQuick : kFull), rate(i.rate_hz()) {}

  void check_stop() const {
    if (opt.stop && opt.stop->load()) throw Stopped();
  }

  void progress(const std::string& test) {
    if (!opt.on_progress) return;
    Progress p{cur_port, cur_load, test, planned_s > 0 ? std::min(1.0, played_s / planned_s) : 0, 0};
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    p.eta_s = p.fraction > 0.01 ? el / p.fraction * (1 - p.fraction) : 0;
    opt.on_progress(p);
  }

  std::size_t frames(double s) const { return static_cast<std::size_t>(std::llround(s * rate)); }
  // Capture beyond a tone's end: the round-trip latency once the first sweep measured it.
  long latency_frames = -1;
  std::size_t margin_frames() const {
    return latency_frames >= 0 ? static_cast<std::size_t>(latency_frames) + frames(kLatencyGuardS)
                               : frames(kCaptureMarginS);
  }
  double stimulus_s = 0;     // sum of the stimulus lengths played (what the bench time is compared with)
  int xrun_captures = 0;     // captures that carried xrun flags (retried, or accepted: ignore_xrun_flags)
  int retried_captures = 0;  // captures played again after an xrun

  // Switch the load. A Ctrl-C while the switch waits (the manual prompt, a relay's settle time) ends the run
  // as a stop, not as the switch's own error.
  void select_load(const Load& load) {
    try {
      sw.select(load);
    } catch (...) {
      check_stop();
      throw;
    }
  }

  // Play `stim` on the given channel indices of the port (others silent), capture all its inputs.
  Capture play(const PortWiring& port, const std::vector<std::vector<double>>& stim, std::size_t capture_frames,
               const std::string& what) {
    check_stop();
    // The last line of defence: nothing above the load's safety cap reaches the interface.
    for (const auto& ch : stim)
      if (peak_dbfs(ch) > cap.drive_dbfs + 1e-9)
        throw std::logic_error("refusing to play '" + what + "' on " + port.name + " into " + cur_load + ": its peak " +
                               fmt("%.2f", peak_dbfs(ch)) + " dBFS is above the safety cap " +
                               fmt("%.2f", cap.drive_dbfs) + " dBFS (" + cap.limit_text + ")");
    // A capture with an xrun is played again (bench audio.retries); the load is marked either way.
    const Capture c = play_record_retrying(io, bench.retries, port.output_channels, stim, port.input_channels,
                                           capture_frames, opt.stop);
    // A Ctrl-C during the capture faded the output to silence: that capture is not a measurement.
    check_stop();
    played_s += c.attempts * static_cast<double>(capture_frames) / rate;
    stimulus_s += c.attempts * (stim.empty() ? 0.0 : static_cast<double>(stim.front().size()) / rate);
    retried_captures += c.attempts - 1;  // every attempt before the last had xruns
    xrun_captures += c.attempts - 1 + (c.xruns > 0 ? 1 : 0);
    if (!c.valid)
      throw std::runtime_error(
          "capture '" + what + "' on " + port.name + " into " + cur_load + " failed: " + c.problem +
          (c.xruns > 0 ? " after " + std::to_string(bench.retries + 1) + " attempts (audio.retries in the bench file)"
                       : ""));
    if (opt.keep_capture) {
      char name[160];
      std::snprintf(name, sizeof name, "%03d-%s-%s-%s", ++capture_no, port.name.c_str(), cur_load.c_str(),
                    what.c_str());
      opt.keep_capture(name, c.channels, rate);
    }
    return c;
  }

  std::vector<std::vector<double>> on_channels(const PortWiring& port, const std::vector<double>& x,
                                               int only_channel = -1) const {
    std::vector<std::vector<double>> s(port.output_channels.size());
    for (std::size_t c = 0; c < s.size(); ++c)
      s[c] = (only_channel < 0 || static_cast<int>(c) == only_channel) ? x : std::vector<double>(x.size(), 0.0);
    return s;
  }

  std::vector<double> tone(double freq_hz, double level_dbfs, double seconds) const {
    ToneSpec t;
    t.freq_hz = freq_hz;
    t.level_dbfs = level_dbfs;
    t.duration_s = seconds;
    t.rate_hz = rate;
    t.fade_s = kFadeS;
    return make_tone(t);
  }

  ThdnResult thdn(const std::vector<double>& x, double f0) const {
    ThdnOptions o;
    o.fundamental_hz = f0;
    return analyze_thdn(x, rate, o);
  }

  // --- safety (drive_limits.hpp) ---------------------------------------------------------------------------
  // What this run measured of the Vrms across each load of the port for a 0 dBFS sine, through the input
  // calibration: `accurate` readings (a tone well above noise, a sweep, a level step: the largest is kept,
  // sample peaks included, so transients and lopsided waveforms count) and rough upper `bound`s (a reading
  // lost in noise or hum: signal plus interference, and the capture's peak; the smallest is kept).
  struct Volts {
    std::optional<double> accurate, bound;
  };
  std::map<std::string, Volts> volts;  // by load name (this port)
  // >= 1: how much the input calibration reads low against the output calibration at the open load (within
  // the tolerance kCalAgreeDb); every input-based reading is raised by it, so the cap never trusts the more
  // optimistic of two calibrations.
  double input_correction = 1.0;
  DriveCap cap{-std::numeric_limits<double>::infinity(), "", "no load selected"};  // of the load selected now

  std::optional<double> measured_volts(const std::string& load_name) const {
    const auto it = volts.find(load_name);
    if (it == volts.end()) return std::nullopt;
    if (it->second.accurate) return *it->second.accurate * input_correction;
    if (it->second.bound) return *it->second.bound * input_correction;
    return std::nullopt;
  }

  // The cap into `load`. The open-circuit volts bound every load (a passive divider only lowers them): the
  // larger of the output calibration and the open load's reading. A load's own reading may lower that.
  DriveCap cap_for(const PortWiring& port, const Load& load) const {
    std::optional<double> emf;
    if (port.output.valid()) emf = port.output.vrms_at_0dbfs;
    if (const Load* open = bench.load("open"))
      if (const auto m = measured_volts(open->name)) emf = emf ? std::max(*emf, *m) : *m;
    std::optional<double> v = emf;
    if (!load.is_open())
      if (const auto m = measured_volts(load.name)) v = v ? std::min(*v, *m) : *m;
    return drive_cap(bench.safety, load.actual_ohms, v);
  }

  // A 1 kHz volt reading through the input calibration (Vrms per 0 dBFS of drive) against the output
  // calibration: the open load must read what the output calibration says, any other load no more than that.
  // A disagreement means one calibration is wrong (or the volume moved since): stop.
  void cross_check(const PortWiring& port, const Load& load, double vrms_at_0, const char* how) {
    if (!port.output.valid() || !bench.input.valid()) return;
    const double diff_db = db_from_ratio(vrms_at_0 / port.output.vrms_at_0dbfs);
    if (load.is_open() ? std::abs(diff_db) > kCalAgreeDb : diff_db > kCalAgreeDb)
      throw InputError("the calibrations disagree on the " + port.name + " out: its output calibration says " +
                       fmt("%.4g", port.output.vrms_at_0dbfs) + " Vrms at 0 dBFS open-circuit, but " + how + " into '" +
                       load.name + "' read " + fmt("%.4g", vrms_at_0) +
                       " Vrms at 0 dBFS through the input calibration (" + fmt("%.4g", bench.input.vrms_at_0dbfs) +
                       " Vrms full scale): " + fmt("%+.1f", diff_db) + " dB apart (at most " +
                       fmt("%.1f", kCalAgreeDb) +
                       " dB allowed). One of them is wrong, or the volume changed since: run `outbench calibrate "
                       "output` and `outbench calibrate input` again (bench file '" +
                       bench.source + "').");
    if (load.is_open()) input_correction = std::max(1.0, port.output.vrms_at_0dbfs / vrms_at_0);
  }

  // Record a reading of the volts across `load` and tighten the cap of the load selected now.
  void learn_volts(const PortWiring& port, const Load& load, double vrms_at_0, bool accurate) {
    auto& v = volts[load.name];
    if (accurate)
      v.accurate = std::max(v.accurate.value_or(0.0), vrms_at_0);
    else
      v.bound = std::min(v.bound.value_or(std::numeric_limits<double>::infinity()), vrms_at_0);
    const Load* now = bench.load(cur_load);
    cap = cap_for(port, now ? *now : load);
  }

  // The volts a capture shows per 0 dBFS of drive, from its sample peak against the stimulus's (every
  // channel: the largest), when the input is calibrated.
  std::optional<double> peak_volts(const std::vector<std::vector<double>>& stim, const Capture& c) const {
    double stim_peak = 0, cap_peak = 0;
    for (const auto& ch : stim) stim_peak = std::max(stim_peak, ratio_from_db(peak_dbfs(ch)));
    for (const auto& ch : c.channels) cap_peak = std::max(cap_peak, ratio_from_db(peak_dbfs(ch)));
    if (!bench.input.valid() || stim_peak <= 0) return std::nullopt;
    return bench.input.vrms_at_0dbfs * cap_peak / stim_peak;
  }

  // Before the first sweep of a port (input calibrated), into the open load (the highest volts): a 997 Hz
  // tone from kProbeStartDbfs up in kProbeStepDb steps, each played only when the previous reading predicts it
  // is under the cap, until the tone reads kProbeGoodThdnDb above noise and distortion. A reading lost in
  // noise or hum bounds the volts by signal plus interference and by the capture's peak, whichever is larger.
  void probe(const PortWiring& port, const Load& open) {
    const double top = std::max(opt.sweep_level_dbfs, opt.reference_level_dbfs);
    const double first = std::min(kProbeStartDbfs, bench.safety.max_drive_dbfs);
    if (!std::isfinite(cap.drive_dbfs))  // nothing known of the volts yet: the first step is the only drive allowed
      cap = {first, "max_drive_dbfs", "the level probe's first step, " + fmt("%g", first) + " dBFS"};
    double drive = std::min(first, cap.drive_dbfs);
    while (true) {
      const auto stim = on_channels(port, tone(opt.tone_hz, drive, kProbeS));
      const Capture c = play(port, stim, frames(kProbeS + kCaptureMarginS), "probe");
      double fs_rms = 0;  // the largest channel's reading, in full-scale sine rms
      bool accurate = true;
      for (const auto& ch : c.channels) {
        const auto t = thdn(ch, opt.tone_hz);
        const bool read = t.valid && std::isfinite(t.thdn_db);
        // The tone plus everything else in band (THD+N is the rest relative to the tone).
        const double total = read ? ratio_from_db(t.level_dbfs) * std::sqrt(1.0 + std::pow(10.0, t.thdn_db / 10.0)) : 0;
        if (read && t.thdn_db < kProbeGoodThdnDb) {
          fs_rms = std::max(fs_rms, total);
        } else {
          accurate = false;
          // A full-scale sine's rms reads 0 dBFS: the capture's peak bounds it.
          fs_rms = std::max({fs_rms, total, ratio_from_db(peak_dbfs(ch))});
        }
      }
      const double v0 = bench.input.vrms_at_0dbfs * std::max(fs_rms, 1e-12) / ratio_from_db(drive);
      if (accurate) cross_check(port, open, v0, "a level probe");
      learn_volts(port, open, v0, accurate);
      if (accurate) return;
      const double next = drive + kProbeStepDb;
      if (next > top || next > cap.drive_dbfs) return;
      drive = next;
    }
  }

  std::optional<double> vrms_of(double adc_dbfs) const {
    if (!bench.input.valid()) return std::nullopt;
    return bench.input.vrms_from_dbfs(adc_dbfs);
  }

  // --- one load -----------------------------------------------------------------------------------------
  struct SweepPlan {
    SweepSpec spec;
    SweepInfo info;
    std::vector<double> x;
    std::size_t capture_frames = 0;
    std::unique_ptr<Deconvolver> deconv;
  };

  SweepPlan make_sweep_plan(double level_dbfs) const {
    SweepPlan s;
    s.spec.start_hz = kSweepStartHz;
    s.spec.stop_hz = rate / 2;
    s.spec.duration_s = d.sweep_s;
    s.spec.rate_hz = rate;
    s.spec.level_dbfs = level_dbfs;
    s.info = sweep_info(s.spec);
    s.x = make_sweep(s.spec);
    s.capture_frames = s.x.size() + frames(kSweepTailS + kCaptureMarginS);
    s.deconv = std::make_unique<Deconvolver>(s.x, rate, s.capture_frames);
    return s;
  }

  void measure_load(const PortWiring& port, const Load& load, SweepPlan& sweep, PortResult& pr, LoadResult& lr,
                    std::optional<long> open_latency) {
    lr.load_name = load.name;
    lr.load_ohms = load.actual_ohms;
    const double ref = opt.reference_level_dbfs;
    const std::size_t nch = port.output_channels.size();

    // Sweep.
    progress("sweep");
    const double sweep_drive = std::min(sweep.spec.level_dbfs, cap.drive_dbfs - kSweepHeadroomDb);
    std::vector<double> sx = sweep.x;
    const double sweep_scale = ratio_from_db(sweep_drive - sweep.spec.level_dbfs);
    for (auto& v : sx) v *= sweep_scale;
    const auto sweep_stim = on_channels(port, sx);
    Capture c = play(port, sweep_stim, sweep.capture_frames, "sweep");
    ResponseOptions ro;
    ro.sweep_l_s = sweep.info.l_s;
    if (open_latency) ro.forced_latency_frames = *open_latency;
    lr.response = sweep.deconv->analyze(c.channels[0], ro);
    if (!lr.response.valid) {
      lr.valid = false;
      lr.problem = "no response to the sweep: " + lr.response.reason + " (is the loopback cable connected?)";
      return;
    }
    // The sweep was scaled: express the gain per dBFS of drive.
    const double gain_shift = db_from_ratio(sweep_scale);
    lr.response.gain_1k_db -= gain_shift;
    for (auto& p : lr.response.points) {
      p.gain_db -= gain_shift;
      p.h /= sweep_scale;
    }
    lr.response_deviation_db = max_abs_deviation(lr.response, 20.0, 20000.0);
    if (lr.response.latency_frames >= 0) latency_frames = std::max(latency_frames, lr.response.latency_frames);
    const double gain_db = lr.response.gain_1k_db;
    const std::size_t margin = margin_frames();  // from the latency the sweep just measured
    if (gain_db < -100) {
      lr.valid = false;
      lr.problem =
          "the loopback input sees nothing of the port (gain " + fmt("%.1f", gain_db) + " dB): check the cable";
      return;
    }
    // The sweep's volts: at 1 kHz to check the calibrations (when the sweep stands well above the noise), and
    // for the cap the largest of the gain in 20 Hz..20 kHz and the capture's peak (the start transient through
    // a coupling capacitor, hum): a response that rises away from 1 kHz must not let a tone there through.
    if (bench.input.valid()) {
      double top_db = gain_db;
      for (const auto& p : lr.response.points)
        if (p.freq_hz >= 20.0 && p.freq_hz <= 20000.0 && std::isfinite(p.gain_db)) top_db = std::max(top_db, p.gain_db);
      if (sweep_drive + gain_db > kSweepCheckMinDbfs)
        cross_check(port, load, bench.input.vrms_at_0dbfs * ratio_from_db(gain_db), "the sweep");
      learn_volts(port, load,
                  std::max(bench.input.vrms_at_0dbfs * ratio_from_db(top_db), peak_volts(sweep_stim, c).value_or(0.0)),
                  true);
    }
    const double safe = cap.drive_dbfs;
    lr.drive_cap_dbfs = cap.drive_dbfs;
    lr.drive_cap_limit = cap.limit_text;

    // Reference tone on every channel.
    progress("THD+N at reference level");
    const double ref_drive = std::min(ref, safe);
    lr.reference_drive_dbfs = ref_drive;
    if (ref_drive < ref)
      res.warnings.push_back(port.name + " into " + load.name + ": the reference tone was played at " +
                             fmt("%.1f", ref_drive) + " dBFS, not " + fmt("%.1f", ref) +
                             " dBFS: the bench's safety limit caps the drive into this load");
    c = play(port, on_channels(port, tone(opt.tone_hz, ref_drive, d.tone_s)), frames(d.tone_s) + margin, "ref-tone");
    for (std::size_t ch = 0; ch < nch; ++ch) {
      const auto t = thdn(c.channels[ch], opt.tone_hz);
      if (ch == 0) lr.thdn_ref = t;
      if (t.valid) lr.channels_ref.push_back({static_cast<int>(ch), t.level_dbfs, t.thdn_db});
    }
    if (lr.channels_ref.size() >= 2)
      lr.balance_db = std::abs(lr.channels_ref[0].level_dbfs - lr.channels_ref[1].level_dbfs);
    {
      const auto seg = settled_segment(c.channels[0], rate, opt.tone_hz / 2);
      lr.spectrum_dbfs =
          decimated_spectrum(std::vector<double>(c.channels[0].begin() + static_cast<long>(seg.start),
                                                 c.channels[0].begin() + static_cast<long>(seg.start + seg.n)));
    }
    lr.spectrum_bin_hz =
        rate / static_cast<double>(fft_good_size_below(std::min<std::size_t>(c.channels[0].size(), 1u << 18)));

    // Idle noise.
    progress("noise");
    c = play(port, on_channels(port, make_silence(d.noise_s, rate)), frames(d.noise_s) + margin, "noise");
    lr.noise = analyze_noise(c.channels[0], rate);
    lr.noise_spectrum_dbfs = decimated_spectrum(c.channels[0]);
    lr.noise_a = analyze_noise(c.channels[0], rate, 20, 20000, Weighting::A);
    if (bench.input.valid()) {
      lr.noise_dbv = lr.noise.noise_dbfs + db_from_ratio(bench.input.vrms_at_0dbfs);
      lr.noise_a_dbv = lr.noise_a.noise_dbfs + db_from_ratio(bench.input.vrms_at_0dbfs);
    }

    // Dynamic range (AES17): THD+N of a -60 dBFS tone, plus 60 dB.
    progress("dynamic range");
    const double dr_drive = std::min(kDrMeasureDbfs, safe);
    lr.dynamic_range_drive_dbfs = dr_drive;
    c = play(port, on_channels(port, tone(opt.tone_hz, dr_drive, d.dr_s)), frames(d.dr_s) + margin, "dr-tone");
    {
      const auto t = thdn(c.channels[0], opt.tone_hz);
      if (t.valid) lr.dynamic_range_db = -t.thdn_db - dr_drive;
    }

    // Crosstalk.
    if (nch >= 2) {
      progress("crosstalk");
      for (double f : d.xtalk_freqs) lr.crosstalk.push_back(crosstalk_at(port, f, ref_drive, lr.noise.noise_dbfs));
    }

    // THD+N versus level, then the maximum level.
    progress("THD+N versus level");
    measure_levels(port, load, lr);
    // SNR relative to the maximum output level (DESIGN.md "Noise and dynamic range"), unweighted and A.
    if (lr.max_level.at_1pct.found && lr.noise.valid) {
      lr.snr_db = lr.max_level.at_1pct.out_dbfs - lr.noise.noise_dbfs;
      if (lr.noise_a.valid) lr.snr_a_db = lr.max_level.at_1pct.out_dbfs - lr.noise_a.noise_dbfs;
    }

    // THD+N at nominal level (line load) or 1 mW (headphone loads), once calibrated.
    if (bench.input.valid() && !load.is_open()) {
      std::vector<std::pair<std::string, double>> targets;
      if (std::abs(load.nominal_ohms - opt.rules.line_load_ohms) < 1) {
        for (const auto& l : opt.rules.line_levels)
          targets.push_back({"nominal " + l.name + " line level (" + fmt("%+.1f", l.level_dbv) + " dBV)", l.level_dbv});
      } else if (load.actual_ohms <= 600) {
        targets.push_back({"1 mW", dbv_from_vrms(vrms_from_mw(1.0, load.actual_ohms))});
      }
      for (const auto& [what, dbv] : targets) {
        const double drive = dbv - db_from_ratio(bench.input.vrms_at_0dbfs) - gain_db;
        if (drive > cap.drive_dbfs) continue;
        progress("THD+N at " + what);
        c = play(port, on_channels(port, tone(opt.tone_hz, drive, d.tone_s)), frames(d.tone_s) + margin, "nominal");
        LoadResult::AtLevel al{what, drive, vrms_from_dbv(dbv), thdn(c.channels[0], opt.tone_hz)};
        if (al.thdn.valid) al.out_vrms = bench.input.vrms_from_dbfs(al.thdn.level_dbfs);
        lr.at_levels.push_back(al);
      }
    }
    (void)pr;
  }

  // Max-hold into 1/48-octave bands from 10 Hz to Nyquist, for plots.
  std::vector<double> decimated_spectrum(const std::vector<double>& x) const {
    const PowerSpectrum ps = power_spectrum(x, rate);
    std::vector<double> out;
    const double step = std::pow(2.0, 1.0 / 48);
    for (double f = 10.0; f < rate / 2; f *= step) {
      const auto a = static_cast<std::size_t>(f / ps.bin_hz), b = static_cast<std::size_t>(f * step / ps.bin_hz);
      double m = 0;
      for (std::size_t k = a; k <= std::min(b, ps.ms.size() - 1); ++k) m = std::max(m, ps.ms[k]);
      out.push_back(dbfs_from_mean_square(std::max(m, 1e-30)));
    }
    return out;
  }

  // One step of the level search, never above the cap; its capture's peak tightens the cap (distortion that
  // makes the waveform lopsided shows up here before the next, louder step).
  LevelStep level_step(const PortWiring& port, const Load& load, double drive) {
    drive = std::min(drive, cap.drive_dbfs);
    const auto stim = on_channels(port, tone(opt.tone_hz, drive, d.step_s));
    Capture c = play(port, stim, frames(d.step_s) + margin_frames(), "level");
    if (const auto v = peak_volts(stim, c)) learn_volts(port, load, *v, true);
    const auto t = thdn(c.channels[0], opt.tone_hz);
    LevelStep s;
    s.drive_dbfs = drive;
    s.valid = t.valid;
    s.out_dbfs = t.valid ? t.level_dbfs : -200;
    s.thdn_db = t.valid ? t.thdn_db : 0.0;
    s.out_vrms = vrms_of(s.out_dbfs);
    return s;
  }

  void measure_levels(const PortWiring& port, const Load& load, LoadResult& lr) {
    auto& steps = lr.thdn_vs_level;
    MaxLevel& ml = lr.max_level;
    const double step = d.level_step_db;
    double drive = std::min(kLevelStartDbfs, cap.drive_dbfs);
    std::string reason;
    while (true) {
      LevelStep s = level_step(port, load, drive);
      drive = s.drive_dbfs;
      steps.push_back(s);
      if (!s.valid) {
        reason = "no_signal";
        break;
      }
      if (s.out_dbfs > kAdcNearFullScaleDbfs) {
        reason = "input_full_scale";
        break;
      }
      if (s.thdn_db >= kThdn1PctDb) {
        reason = "thdn_1pct";
        break;
      }
      if (steps.size() >= 2) {
        const auto& p = steps[steps.size() - 2];
        if (s.out_dbfs - p.out_dbfs < (s.drive_dbfs - p.drive_dbfs) - kCompressionDb) {
          reason = "compression";
          break;
        }
      }
      if (drive >= cap.drive_dbfs - 1e-9) {
        reason = drive >= -1e-9 ? "full_scale" : "safety_limit";
        break;
      }
      drive = std::min(drive + step, cap.drive_dbfs);
    }
    // Bisection around the 0.1 % and 1 % crossings (a crossing from below to above on the rising side).
    auto refine = [&](double limit_db) {
      for (int it = 0; it < d.bisections; ++it) {
        std::sort(steps.begin(), steps.end(), [](const auto& a, const auto& b) { return a.drive_dbfs < b.drive_dbfs; });
        std::size_t hi = steps.size();
        for (std::size_t i = 1; i < steps.size(); ++i)
          if (steps[i].valid && steps[i].thdn_db >= limit_db && steps[i - 1].valid && steps[i - 1].thdn_db < limit_db)
            hi = i;
        if (hi == steps.size()) return;
        const double mid = 0.5 * (steps[hi - 1].drive_dbfs + steps[hi].drive_dbfs);
        if (steps[hi].drive_dbfs - steps[hi - 1].drive_dbfs < 0.05) return;
        steps.push_back(level_step(port, load, mid));
      }
    };
    refine(kThdn1PctDb);
    refine(kThdn0p1PctDb);
    std::sort(steps.begin(), steps.end(), [](const auto& a, const auto& b) { return a.drive_dbfs < b.drive_dbfs; });

    auto crossing = [&](double limit_db) {
      MaxLevel::Point pt;
      for (std::size_t i = steps.size(); i-- > 1;)
        if (steps[i].valid && steps[i - 1].valid && steps[i].thdn_db >= limit_db && steps[i - 1].thdn_db < limit_db) {
          const auto& a = steps[i - 1];
          const auto& b = steps[i];
          const double t = (limit_db - a.thdn_db) / (b.thdn_db - a.thdn_db);
          pt.found = true;
          pt.drive_dbfs = a.drive_dbfs + t * (b.drive_dbfs - a.drive_dbfs);
          pt.out_dbfs = a.out_dbfs + t * (b.out_dbfs - a.out_dbfs);
          break;
        }
      return pt;
    };
    auto fill = [&](MaxLevel::Point& pt) {
      if (!pt.found) return;
      pt.vrms = vrms_of(pt.out_dbfs);
      if (pt.vrms) {
        pt.dbv = dbv_from_vrms(*pt.vrms);
        pt.dbu = dbu_from_vrms(*pt.vrms);
        if (!load.is_open()) pt.mw = mw_from_vrms(*pt.vrms, load.actual_ohms);
      }
    };
    ml.at_1pct = crossing(kThdn1PctDb);
    ml.at_0p1pct = crossing(kThdn0p1PctDb);
    ml.stop_reason = reason;
    // A search that stopped before a limit was crossed (full scale, safety): the maximum is the highest
    // step still under that limit.
    for (auto [pt, limit] : {std::pair{&ml.at_1pct, kThdn1PctDb}, std::pair{&ml.at_0p1pct, kThdn0p1PctDb}}) {
      if (pt->found) continue;
      const LevelStep* best = nullptr;
      for (const auto& s : steps)
        if (s.valid && s.thdn_db < limit && (!best || s.out_dbfs > best->out_dbfs)) best = &s;
      if (best && best == &steps.back()) *pt = {true, best->drive_dbfs, best->out_dbfs, {}, {}, {}, {}};
    }
    fill(ml.at_1pct);
    fill(ml.at_0p1pct);
    ml.valid = ml.at_1pct.found;
    const std::map<std::string, std::string> why = {
        {"thdn_1pct", "THD+N reached 1 %"},
        {"compression", "the output stopped rising with the drive (current or voltage limit)"},
        {"safety_limit", "the bench's safety limit (" + cap.limit_text + ") was reached before 1 % THD+N"},
        {"full_scale", "full-scale drive was reached before 1 % THD+N"},
        {"input_full_scale", "the loopback input reached full scale: attenuate the input or raise its range"},
        {"no_signal", "no tone came back"}};
    ml.explanation = why.count(reason) ? why.at(reason) : reason;
  }

  // --- the run ------------------------------------------------------------------------------------------
  std::vector<const Load*> loads_in_run() const {
    std::vector<const Load*> out;
    if (opt.loads.empty()) {
      for (const auto& l : bench.loads) out.push_back(&l);
    } else {
      for (const auto& n : opt.loads) {
        const Load* l = bench.load(n);
        if (!l) throw std::invalid_argument("load '" + n + "' is not on the bench");
        out.push_back(l);
      }
    }
    std::stable_partition(out.begin(), out.end(), [](const Load* l) { return l->is_open(); });
    return out;
  }

  std::vector<const PortWiring*> ports_in_run() const {
    std::vector<const PortWiring*> out;
    if (opt.ports.empty()) {
      for (const auto& p : bench.ports) out.push_back(&p);
    } else {
      for (const auto& n : opt.ports) {
        const PortWiring* p = bench.port(n);
        if (p) {
          out.push_back(p);
          continue;
        }
        // line/headphone on a device without that port: reported as absent, not an error.
        if (n != "line" && n != "headphone") throw std::invalid_argument("port '" + n + "' is not on the bench");
      }
    }
    return out;
  }

  static std::string nominal_load_for(const std::string& port, const std::vector<const Load*>& loads) {
    const double want = port == "headphone" ? 32.0 : 10e3;
    const Load* best = nullptr;
    for (const auto* l : loads)
      if (!l->is_open() &&
          (!best || std::abs(std::log(l->nominal_ohms / want)) < std::abs(std::log(best->nominal_ohms / want))))
        best = l;
    return best ? best->name : "";
  }

  double plan_seconds(std::size_t n_ports, std::size_t n_loads) const {
    const double per_load = d.sweep_s + kSweepTailS + d.tone_s + d.noise_s + d.dr_s +
                            2 * d.xtalk_s * static_cast<double>(d.xtalk_freqs.size()) + 12 * d.step_s + d.tone_s +
                            8 * kCaptureMarginS;
    const double freq = 11.0 * d.thdn_freq_per_octave * 0.3 + 11.0 * d.xtalk_per_octave * 2 * 0.6;
    return static_cast<double>(n_ports) * (static_cast<double>(n_loads) * per_load + freq);
  }

  // A maximum well below the one into the high-impedance loads means the output current ran out.
  static void classify_limits(PortResult& pr) {
    double hi_vrms = 0;
    for (const auto& l : pr.loads)
      if (l.valid && l.load_ohms >= 10e3 && l.max_level.at_1pct.vrms)
        hi_vrms = std::max(hi_vrms, *l.max_level.at_1pct.vrms);
    for (auto& l : pr.loads) {
      auto& ml = l.max_level;
      if (!l.valid || !ml.at_1pct.vrms || hi_vrms <= 0 || l.load_ohms >= 10e3) continue;
      if ((ml.stop_reason == "thdn_1pct" || ml.stop_reason == "compression") && *ml.at_1pct.vrms < 0.9 * hi_vrms) {
        ml.stop_reason = "current_limit";
        const double ipk = std::sqrt(2.0) * *ml.at_1pct.vrms / l.load_ohms;
        ml.explanation = "THD+N reached 1 % at " + fmt("%.0f", 1e3 * ipk) + " mA peak into the load, " +
                         fmt("%.1f", db_from_ratio(*ml.at_1pct.vrms / hi_vrms)) +
                         " dB below the level into high impedances: the output's current limit";
      }
    }
  }

  // The port's open-load result, when it was measured.
  static const LoadResult* open_load(const PortResult& pr) {
    for (const auto& l : pr.loads)
      if (!std::isfinite(l.load_ohms) && l.valid) return &l;
    return nullptr;
  }

  // Zp of a load on this bench (the loopback input in parallel).
  double zp_of(double load_ohms) const {
    const double zin = bench.input_impedance_ohms;
    return std::isfinite(zin) ? load_ohms * zin / (load_ohms + zin) : load_ohms;
  }

  // |Zout| at 1 kHz from the open load versus `l` alone, when both were measured.
  std::optional<std::complex<double>> z1k_from(const PortResult& pr, const LoadResult& l) const {
    const LoadResult* open = open_load(pr);
    if (!open || !l.valid || !std::isfinite(l.load_ohms) || &l == open) return std::nullopt;
    const auto ho = response_at(open->response.points, 1000.0), hl = response_at(l.response.points, 1000.0);
    if (!ho || !hl || std::abs(*hl) == 0.0) return std::nullopt;
    return output_impedance(*ho, *hl, l.load_ohms, bench.input_impedance_ohms);
  }

  // The median of the estimates at 1 kHz from the informative loads other than `skip` (a load is informative
  // when its Zp is within kInformativeRatio of |Zout|). With three or more, a stuck relay spoils one estimate,
  // not the median; with two, the larger is taken, and two loads that disagree are both named.
  std::optional<std::complex<double>> reference_z1k(const PortResult& pr, const LoadResult* skip) const {
    std::vector<std::complex<double>> zs;
    for (const auto& l : pr.loads) {
      if (&l == skip) continue;
      const auto z = z1k_from(pr, l);
      if (z && zp_of(l.load_ohms) <= kInformativeRatio * std::max(std::abs(*z), kMinZoutOhms)) zs.push_back(*z);
    }
    if (zs.empty()) return std::nullopt;
    std::sort(zs.begin(), zs.end(), [](auto a, auto b) { return std::abs(a) < std::abs(b); });
    return zs[zs.size() / 2];
  }

  // Right after a load's sweep: did the level move as that load predicts from |Zout| of the loads before it?
  // (H_load / H_open = Zp (Zout + Zin) / (Zin (Zout + Zp)).) A relay that did not switch leaves the level
  // where it was; it is reported by the load's name, and the load's figures are marked.
  void check_switched(PortResult& pr, LoadResult& lr) {
    const LoadResult* open = open_load(pr);
    if (!open || &lr == open || !lr.valid) return;
    const auto zref = reference_z1k(pr, &lr);
    if (!zref) return;
    const double zp = zp_of(lr.load_ohms), zin = bench.input_impedance_ohms;
    if (zp > kInformativeRatio * std::max(std::abs(*zref), kMinZoutOhms)) return;
    const std::complex<double> ratio =
        std::isfinite(zin) ? zp * (*zref + zin) / (zin * (*zref + zp)) : zp / (*zref + zp);
    LoadResult::SwitchCheck sc;
    sc.predicted_db = db_from_ratio(std::abs(ratio));
    sc.measured_db = lr.response.gain_1k_db - open->response.gain_1k_db;
    sc.ok = std::abs(sc.measured_db - sc.predicted_db) <=
            std::max(kSwitchToleranceDb, kSwitchToleranceRel * std::abs(sc.predicted_db));
    lr.switch_check = sc;
    if (!sc.ok)
      res.warnings.push_back(pr.name + " into " + lr.load_name + ": switching to the load '" + lr.load_name +
                             "' moved the level by " + fmt("%+.2f", sc.measured_db) + " dB from open, but a " +
                             fmt("%g", lr.load_ohms) + " ohm load should move it by " + fmt("%+.2f", sc.predicted_db) +
                             " dB (|Zout| " + fmt("%.3g", std::abs(*zref)) +
                             " ohm from the other loads): the relay for '" + lr.load_name +
                             "' did not switch? Its figures are not that load's.");
  }

  // No load moved the 1 kHz level from open: a switch that does nothing (a command that ignores its
  // argument, a board that never got its bytes) would otherwise report a perfect source and every load's
  // figures as if it were connected. Those figures are withdrawn and the run says so.
  void check_any_switched(PortResult& pr) {
    const LoadResult* open = open_load(pr);
    if (!open) return;
    double largest_db = 0, heaviest_ohms = std::numeric_limits<double>::infinity();
    int n = 0;
    for (const auto& l : pr.loads) {
      if (&l == open || !l.valid || !std::isfinite(l.load_ohms)) continue;
      ++n;
      largest_db = std::max(largest_db, std::abs(l.response.gain_1k_db - open->response.gain_1k_db));
      heaviest_ohms = std::min(heaviest_ohms, l.load_ohms);
    }
    if (n == 0 || largest_db > kNoSwitchDb) return;
    const double z_floor = zp_of(heaviest_ohms) * (ratio_from_db(kNoSwitchDb) - 1.0);
    if (z_floor > kPlausibleZoutOhms) {
      res.warnings.push_back(pr.name + ": the loads in this run did not move the level at 1 kHz by more than " +
                             fmt("%.3f", kNoSwitchDb) + " dB; they cannot prove that the load switch switched " +
                             "(|Zout| below " + fmt("%.2g", z_floor) + " ohm would look the same): add a heavier " +
                             "load (32 or 16 ohm) to check it");
      return;
    }
    pr.loads_switched = false;
    const std::string why = "no load moved the level at 1 kHz from open by more than " + fmt("%.3f", kNoSwitchDb) +
                            " dB (largest " + fmt("%.4f", largest_db) + " dB, " + std::to_string(n) +
                            " load(s)): the load switch did not switch, or |Zout| is below " + fmt("%.2g", z_floor) +
                            " ohm, which this bench cannot tell apart";
    for (auto& l : pr.loads) {
      if (&l == open || !l.valid || !std::isfinite(l.load_ohms)) continue;
      l.valid = false;
      l.problem = why;
    }
    res.warnings.push_back(pr.name + ": LOADS NOT CONNECTED? " + why +
                           ". The output impedance and every per-load figure are withdrawn; check the relay board "
                           "or the load_switch command (README: 'Real bench').");
  }

  void impedance(PortResult& pr) {
    const LoadResult* open = open_load(pr);
    if (!open) {
      res.warnings.push_back(pr.name + ": output impedance not measured (the open load is not in the run)");
      return;
    }
    check_any_switched(pr);
    if (!pr.loads_switched) return;
    for (const auto& l : pr.loads) {
      if (&l == open || !l.valid) continue;
      pr.impedance_per_load.push_back(
          output_impedance(open->response, l.response, l.load_ohms, bench.input_impedance_ohms));
    }
    pr.impedance = combine_impedance(pr.impedance_per_load);
    if (pr.impedance.empty()) return;
    if (auto z = impedance_at(pr.impedance, 1000.0)) pr.z_1k_ohms = std::abs(*z);
    if (auto z = impedance_at(pr.impedance, 20.0)) pr.z_20hz_ohms = std::abs(*z);
    double zmax = 0;
    for (const auto& p : pr.impedance)
      if (p.freq_hz >= 20 && p.freq_hz <= 20000) zmax = std::max(zmax, std::abs(p.z_ohms));
    pr.max_zout_ohms = zmax;
    // Agreement at 1 kHz: each informative load (Zp within kInformativeRatio of |Zout|) against the median
    // of the others, so one load whose relay did not switch cannot drag the reference with it.
    if (!pr.z_1k_ohms) return;
    for (const auto& l : pr.loads) {
      const auto zi_c = z1k_from(pr, l);
      const auto zref_c = reference_z1k(pr, &l);
      if (!zi_c || !zref_c) continue;
      const double zi = std::abs(*zi_c), zc = std::abs(*zref_c);
      if (zp_of(l.load_ohms) > kInformativeRatio * std::max(zc, kMinZoutOhms)) continue;
      if (std::abs(zi - zc) > kAgreeRel * zc + kAgreeAbsOhms) {
        pr.loads_agree = false;
        const std::string note = "the load '" + l.load_name + "' (" + fmt("%g", l.load_ohms) + " ohm) gives " +
                                 fmt("%.3g", zi) + " ohm at 1 kHz, the others " + fmt("%.3g", zc) +
                                 " ohm: check that its relay switched. ";
        pr.agreement_note += note;
        res.warnings.push_back(pr.name + ": load estimates of the output impedance disagree (" + note + ")");
      }
    }
    if (pr.loads_agree) pr.agreement_note = "the per-load estimates agree within 5 %";
  }

  // THD+N options for a tone at f: the band's edges move out (to f/2 for the lowest tones, to 1.05 f for the
  // highest) so the fundamental and its exclusion band fit inside it; callers record the band.
  ThdnOptions band_for(double f) const {
    ThdnOptions o;
    o.fundamental_hz = f;
    o.band_lo_hz = std::min(res.conditions.band_lo_hz, f / 2);
    o.band_hi_hz = std::max(res.conditions.band_hi_hz, std::min(f * 1.05, rate / 2));
    return o;
  }

  // One crosstalk point: each channel driven alone at `drive`, the idle channel's level at f relative to the
  // driven one's. Below the noise the leak is at most the noise: `noise_dbfs` bounds it then.
  LoadResult::Crosstalk crosstalk_at(const PortWiring& port, double f, double drive, double noise_dbfs) {
    LoadResult::Crosstalk x{f, 0, 0};
    // Long enough for ~60 cycles (the analysis needs ~20 in its settled segment at its bin width).
    const double secs = std::clamp(kThdnFreqCycles / f, d.xtalk_s, kThdnFreqMaxS);
    for (int driven = 0; driven < 2; ++driven) {
      const auto ch = static_cast<std::size_t>(driven);
      const Capture c =
          play(port, on_channels(port, tone(f, drive, secs), driven), frames(secs) + margin_frames(), "xtalk");
      const auto a = analyze_thdn(c.channels[ch], rate, band_for(f));
      ThdnOptions o = band_for(f);
      o.trim_to_settled = false;  // the idle channel has no settled tone to find: use the driven one's
      const auto seg = settled_segment(c.channels[ch], rate, std::min(20.0, f / 2));
      const auto b = analyze_thdn(std::span<const double>(c.channels[1 - ch].data() + seg.start, seg.n), rate, o);
      (driven == 0 ? x.l_to_r_db : x.r_to_l_db) =
          (b.valid ? b.level_dbfs : noise_dbfs) - (a.valid ? a.level_dbfs : drive);
    }
    return x;
  }

  // Crosstalk versus frequency (20 Hz..20 kHz) into the port's nominal load, at the reference level.
  void crosstalk_vs_freq(const PortWiring& port, PortResult& pr) {
    if (port.output_channels.size() < 2 || port.input_channels.size() < 2) return;
    const LoadResult* lr = nullptr;
    for (const auto& l : pr.loads)
      if (l.load_name == pr.nominal_load && l.valid) lr = &l;
    const Load* nominal = bench.load(pr.nominal_load);
    if (!lr || !nominal) return;
    cur_load = nominal->name;
    select_load(*nominal);
    cap = cap_for(port, *nominal);
    const double drive = std::min(opt.reference_level_dbfs, cap.drive_dbfs);
    pr.crosstalk_vs_freq_drive_dbfs = drive;
    for (double f : stepped_sine_freqs(kThdnFreqStartHz, kThdnFreqStopHz, d.xtalk_per_octave)) {
      progress("crosstalk versus frequency");
      pr.crosstalk_vs_freq.push_back(crosstalk_at(port, f, drive, lr->noise.noise_dbfs));
    }
  }

  void thdn_vs_freq(const PortWiring& port, PortResult& pr) {
    const Load* nominal = bench.load(pr.nominal_load);
    if (!nominal) return;
    cur_load = nominal->name;
    select_load(*nominal);
    cap = cap_for(port, *nominal);
    const double drive = std::min(opt.reference_level_dbfs, cap.drive_dbfs);
    pr.thdn_vs_freq_drive_dbfs = drive;
    for (double f : stepped_sine_freqs(kThdnFreqStartHz, kThdnFreqStopHz, d.thdn_freq_per_octave)) {
      progress("THD+N versus frequency");
      // kThdnFreqCycles cycles (the analysis needs ~20 in its segment), within d.freq_tone_min_s and
      // kThdnFreqMaxS (30 cycles at 20 Hz).
      const double secs = std::clamp(kThdnFreqCycles / f, d.freq_tone_min_s, kThdnFreqMaxS);
      Capture c = play(port, on_channels(port, tone(f, drive, secs)), frames(secs) + margin_frames(), "thdn-freq");
      const ThdnOptions o = band_for(f);
      const auto t = analyze_thdn(c.channels[0], rate, o);
      ThdnFreqPoint pt;
      pt.freq_hz = f;
      pt.valid = t.valid;
      pt.thdn_db = t.valid ? t.thdn_db : 0.0;
      pt.level_dbfs = t.valid ? t.level_dbfs : 0.0;
      pt.band_lo_hz = o.band_lo_hz;
      pt.band_hi_hz = o.band_hi_hz;
      if (!t.valid) pt.problem = t.reason;
      pr.thdn_vs_freq.push_back(pt);
    }
  }

  void run() {
    const auto ports = ports_in_run();
    const auto loads = loads_in_run();
    planned_s = plan_seconds(ports.size(), loads.size());
    check_safe_to_start(bench, opt);
    for (const PortWiring* port : ports) {
      volts.clear();
      input_correction = 1.0;
      if (needs_uncalibrated_limit(*port, bench.input))
        res.warnings.push_back(port->name +
                               ": neither the output nor the loopback input is calibrated, so the volt "
                               "and power limits cannot be held; every drive is capped at " +
                               fmt("%g", *bench.safety.uncalibrated_max_drive_dbfs) +
                               " dBFS (safety.uncalibrated_max_drive_dbfs) instead");
      PortResult pr;
      pr.name = port->name;
      pr.output_channels = port->output_channels;
      pr.input_channels = port->input_channels;
      pr.vrms_at_0dbfs = port->output.vrms_at_0dbfs;
      pr.nominal_load = nominal_load_for(port->name, loads);
      cur_port = port->name;
      SweepPlan sweep = make_sweep_plan(opt.sweep_level_dbfs);
      res.conditions.sweep_start_hz = sweep.spec.start_hz;
      res.conditions.sweep_stop_hz = sweep.spec.stop_hz;
      res.conditions.sweep_duration_s = sweep.info.duration_s;
      res.ports.push_back(pr);
      std::optional<long> open_latency;
      // The volts before anything loud (input calibrated): a level probe into the open load, the highest
      // volts of all, whether or not the run measures it.
      if (const Load* open = bench.load("open"); open && bench.input.valid()) {
        cur_load = open->name;
        progress("level probe");
        check_stop();
        select_load(*open);
        cap = cap_for(*port, *open);
        probe(*port, *open);
      }
      for (const Load* load : loads) {
        cur_load = load->name;
        progress("switching load");
        check_stop();
        select_load(*load);
        cap = cap_for(*port, *load);
        LoadResult lr;
        const int xruns_before = xrun_captures, retried_before = retried_captures;
        measure_load(*port, *load, sweep, res.ports.back(), lr, open_latency);
        lr.xrun_captures = xrun_captures - xruns_before;
        lr.retried_captures = retried_captures - retried_before;
        // (With ignore_xrun_flags the flags are counted in results.json but not warned about: the bench
        // says they carry no news, as on a JACK server without realtime scheduling.)
        if (lr.retried_captures > 0)
          res.warnings.push_back(port->name + " into " + load->name + ": " + std::to_string(lr.retried_captures) +
                                 " capture(s) were played again after buffer under/overflows; the figures come "
                                 "from the clean retries");
        if (load->is_open() && lr.valid) open_latency = lr.response.latency_frames;
        if (bench.analyser_floor && lr.valid) {
          // Readings within 10 dB of the interface's own floor measure the analyser, not the device.
          const auto& fl = *bench.analyser_floor;
          if (lr.thdn_ref.valid && lr.thdn_ref.thdn_db < fl.thdn_db + kFloorMarginDb)
            res.warnings.push_back(port->name + " into " + load->name + ": THD+N " + fmt("%.1f", lr.thdn_ref.thdn_db) +
                                   " dB is within 10 dB of the analyser floor (" + fmt("%.1f", fl.thdn_db) + " dB)");
          if (lr.noise.valid && lr.noise.noise_dbfs < fl.noise_dbfs + kFloorMarginDb)
            res.warnings.push_back(port->name + " into " + load->name + ": noise " + fmt("%.1f", lr.noise.noise_dbfs) +
                                   " dBFS is within 10 dB of the analyser floor (" + fmt("%.1f", fl.noise_dbfs) +
                                   " dBFS)");
        }
        res.ports.back().loads.push_back(std::move(lr));
        check_switched(res.ports.back(), res.ports.back().loads.back());
        if (opt.on_checkpoint) opt.on_checkpoint(res);
      }
      classify_limits(res.ports.back());
      impedance(res.ports.back());
      if (res.ports.back().loads_switched) {  // into the nominal load: not when no load was connected
        thdn_vs_freq(*port, res.ports.back());
        crosstalk_vs_freq(*port, res.ports.back());
      }
      if (opt.on_checkpoint) opt.on_checkpoint(res);
    }
    res.conditions.stimulus_s = stimulus_s;
    res.conditions.capture_s = played_s;
    res.conditions.xrun_captures = xrun_captures;
    res.conditions.retried_captures = retried_captures;
  }
};

void check_safe_to_start(const BenchConfig& bench, const RunOptions& opt) {
  for (const auto& p : bench.ports) {
    if (!opt.ports.empty() && std::find(opt.ports.begin(), opt.ports.end(), p.name) == opt.ports.end()) continue;
    if (needs_uncalibrated_limit(p, bench.input) && !bench.safety.uncalibrated_max_drive_dbfs)
      throw InputError(
          "the " + p.name +
          " out has no output calibration and the loopback input is not calibrated: outbench "
          "cannot predict the volts and milliwatts it would put into the loads, so it cannot hold safety.max_vrms (" +
          fmt("%g", bench.safety.max_vrms) + " Vrms) and safety.max_mw (" + fmt("%g", bench.safety.max_mw) +
          " mW). Calibrate the output first (`outbench calibrate output --bench " + bench.source + " --port " + p.name +
          "`, then `outbench calibrate input`), or set safety.uncalibrated_max_drive_dbfs in '" + bench.source +
          "' to the highest drive you accept into any load without that protection. Nothing was played.");
  }
}

Sequencer::Sequencer(const BenchConfig& bench, AudioIo& io, LoadSwitch& sw, RunOptions opt)
    : bench_(bench), io_(io), sw_(sw), opt_(std::move(opt)) {}

// line/headphone asked for (or every port asked for) on a device without that port: reported as absent.
void Sequencer::add_absent_ports(Results& results) const {
  for (const char* n : {"line", "headphone"})
    if (!bench_.port(n) &&
        (opt_.ports.empty() || std::find(opt_.ports.begin(), opt_.ports.end(), n) != opt_.ports.end())) {
      PortResult absent;
      absent.name = n;
      absent.present = false;
      results.ports.push_back(absent);
    }
}

void Sequencer::run(Results& results) {
  Impl impl(bench_, io_, sw_, opt_, results);
  results.conditions.rate_hz = io_.rate_hz();
  results.conditions.seed = opt_.seed;
  results.conditions.quick = opt_.quick;
  results.conditions.reference_level_dbfs = opt_.reference_level_dbfs;
  results.conditions.tone_hz = opt_.tone_hz;
  results.conditions.sweep_level_dbfs = opt_.sweep_level_dbfs;
  results.conditions.input_impedance_ohms = bench_.input_impedance_ohms;
  results.conditions.input_vrms_at_0dbfs = bench_.input.vrms_at_0dbfs;
  results.conditions.max_drive_dbfs = bench_.safety.max_drive_dbfs;
  results.conditions.max_vrms = bench_.safety.max_vrms;
  results.conditions.max_mw = bench_.safety.max_mw;
  results.conditions.uncalibrated_max_drive_dbfs = bench_.safety.uncalibrated_max_drive_dbfs;
  // After an error or a stop: silence, loads off, and the time played so far in the results.
  auto wind_down = [&] {
    io_.silence();
    try {  // the error that stopped the run is the one to report
      sw_.all_off();
    } catch (const std::exception& e) {
      results.warnings.push_back(std::string("could not switch the loads off after the error: ") + e.what());
    } catch (...) {
      results.warnings.push_back("could not switch the loads off after the error");
    }
    results.conditions.stimulus_s = impl.stimulus_s;
    results.conditions.capture_s = impl.played_s;
  };
  try {
    impl.run();
  } catch (const Stopped&) {
    wind_down();
    add_absent_ports(results);  // a stopped run keeps what it knows of the device's ports
    throw;
  } catch (...) {
    wind_down();
    throw;
  }
  sw_.all_off();
  add_absent_ports(results);
  decide_verdicts(results, opt_.rules);
  results.complete = true;
}

}  // namespace outbench
