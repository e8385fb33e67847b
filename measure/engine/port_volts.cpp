#include "measure/engine/port_volts.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/units.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/errors.hpp"
#include "measure/strformat.hpp"

namespace outbench::engine {

void PortVolts::start_port() {
  volts_.clear();
  input_correction_ = 1.0;
}

std::optional<double> PortVolts::measured(const std::string& load_name) const {
  const auto it = volts_.find(load_name);
  if (it == volts_.end()) return std::nullopt;
  if (it->second.accurate) return *it->second.accurate * input_correction_;
  if (it->second.bound) return *it->second.bound * input_correction_;
  return std::nullopt;
}

DriveCap PortVolts::cap_for(const PortWiring& port, const Load& load) const {
  std::optional<double> emf;
  if (port.output.valid()) emf = *port.output.vrms_at_0dbfs;
  if (const Load* open = bench_.load("open"))
    if (const auto m = measured(open->name)) emf = emf ? std::max(*emf, *m) : *m;
  std::optional<double> v = emf;
  if (!load.is_open())
    if (const auto m = measured(load.name)) v = v ? std::min(*v, *m) : *m;
  return drive_cap(bench_.safety, load.actual_ohms, v);
}

void PortVolts::cross_check(const PortWiring& port, const Load& load, double vrms_at_0, const char* how) {
  if (!port.output.valid() || !bench_.input.valid()) return;
  const double diff_db = db_from_ratio(vrms_at_0 / *port.output.vrms_at_0dbfs);
  if (load.is_open() ? std::abs(diff_db) > kCalAgreeDb : diff_db > kCalAgreeDb)
    throw InputError(
        "the calibrations disagree on the " + port.name + " out: its output calibration says " +
        strformat("%.4g", *port.output.vrms_at_0dbfs) + " Vrms at 0 dBFS open-circuit, but " + how + " into '" +
        load.name + "' read " + strformat("%.4g", vrms_at_0) + " Vrms at 0 dBFS through the input calibration (" +
        strformat("%.4g", *bench_.input.vrms_at_0dbfs) + " Vrms full scale): " + strformat("%+.1f", diff_db) +
        " dB apart (at most " + strformat("%.1f", kCalAgreeDb) +
        " dB allowed). One of them is wrong, or the volume changed since: run `outbench calibrate "
        "output` and `outbench calibrate input` again (bench file '" +
        bench_.source + "').");
  if (load.is_open()) input_correction_ = std::max(1.0, *port.output.vrms_at_0dbfs / vrms_at_0);
}

void PortVolts::learn(const PortWiring& port, const Load& load, double vrms_at_0, bool accurate) {
  auto& v = volts_[load.name];
  if (accurate)
    v.accurate = std::max(v.accurate.value_or(0.0), vrms_at_0);
  else
    v.bound = std::min(v.bound.value_or(std::numeric_limits<double>::infinity()), vrms_at_0);
  const Load* now = bench_.load(s_.cur_load);
  s_.cap = cap_for(port, now ? *now : load);
}

std::optional<double> PortVolts::peak_volts(const std::vector<std::vector<double>>& stim, const Capture& c) const {
  double stim_peak = 0, cap_peak = 0;
  for (const auto& ch : stim) stim_peak = std::max(stim_peak, ratio_from_db(peak_dbfs(ch)));
  for (const auto& ch : c.channels) cap_peak = std::max(cap_peak, ratio_from_db(peak_dbfs(ch)));
  if (!bench_.input.valid() || stim_peak <= 0) return std::nullopt;
  return *bench_.input.vrms_at_0dbfs * cap_peak / stim_peak;
}

void PortVolts::probe(const PortWiring& port, const Load& open, double tone_hz, double top_dbfs) {
  const Plan& plan = s_.plan;
  const double first = std::min(kProbeStartDbfs, bench_.safety.max_drive_dbfs);
  if (!std::isfinite(s_.cap.drive_dbfs))  // nothing known of the volts yet: the first step is the only drive allowed
    s_.cap = {first, "max_drive_dbfs", "the level probe's first step, " + strformat("%g", first) + " dBFS"};
  double drive = std::min(first, s_.cap.drive_dbfs);
  while (true) {
    const auto stim = on_channels(port, plan.tone(tone_hz, drive, kProbeS));
    const Capture c = s_.play(port, stim, plan.frames(kProbeS + kCaptureMarginS), "probe");
    double fs_rms = 0;  // the largest channel's reading, in full-scale sine rms
    bool accurate = true;
    for (const auto& ch : c.channels) {
      const auto t = plan.thdn(ch, tone_hz);
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
    const double v0 = *bench_.input.vrms_at_0dbfs * std::max(fs_rms, 1e-12) / ratio_from_db(drive);
    if (accurate) cross_check(port, open, v0, "a level probe");
    learn(port, open, v0, accurate);
    if (accurate) return;
    const double next = drive + kProbeStepDb;
    if (next > top_dbfs || next > s_.cap.drive_dbfs) return;
    drive = next;
  }
}

}  // namespace outbench::engine

namespace outbench {

void check_safe_to_start(const BenchConfig& bench, const RunOptions& opt) {
  for (const auto& p : bench.ports) {
    if (!opt.ports.empty() && std::find(opt.ports.begin(), opt.ports.end(), p.name) == opt.ports.end()) continue;
    if (needs_uncalibrated_limit(p, bench.input) && !bench.safety.uncalibrated_max_drive_dbfs)
      throw InputError(
          "the " + p.name + " out has no output calibration and " +
          (bench.two_devices() ? "the analyser's input (audio.input)" : std::string("the loopback input")) +
          " is not calibrated: outbench "
          "cannot predict the volts and milliwatts it would put into the loads, so it cannot hold safety.max_vrms (" +
          strformat("%g", bench.safety.max_vrms) + " Vrms) and safety.max_mw (" + strformat("%g", bench.safety.max_mw) +
          " mW). Calibrate the output first (`outbench calibrate output --bench " + bench.source + " --port " + p.name +
          "`, then `outbench calibrate input`), or set safety.uncalibrated_max_drive_dbfs in '" + bench.source +
          "' to the highest drive you accept into any load without that protection. Nothing was played.");
  }
}

}  // namespace outbench
