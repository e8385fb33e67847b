#include "measure/engine/capture_session.hpp"

#include <algorithm>
#include <cstdio>

#include "measure/strformat.hpp"

namespace outbench::engine {

std::string step_of_capture(const std::string& what) {
  static const std::map<std::string, std::string> steps{{"sweep", "response"},      {"ref-tone", "thdn"},
                                                        {"noise", "noise"},         {"dr-tone", "noise"},
                                                        {"xtalk", "crosstalk"},     {"level", "maxlevel"},
                                                        {"nominal", "levels"},      {"sweep-alone", "zout"},
                                                        {"thdn-freq", "thdn-freq"}, {"xtalk-freq", "crosstalk-freq"},
                                                        {"probe", "probe"},         {"floor", "floor"},
                                                        {"imd-smpte", "imd"},       {"imd-ccif", "imd"},
                                                        {"volume-tone", "volume"},  {"volume-noise", "volume"}};
  const auto it = steps.find(what);
  return it == steps.end() ? what : it->second;
}

void CaptureSession::check_stop() const {
  if (stop && stop->load()) throw Stopped();
}

void CaptureSession::progress(const std::string& test) const {
  if (!on_progress) return;
  Progress p{cur_port, cur_load,   test,      planned_s > 0 ? std::min(1.0, played_s / planned_s) : 0,
             0,        stimulus_s, last_step, last_step.empty() ? 0.0 : stimulus_by_step_s.at(last_step)};
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  p.eta_s = p.fraction > 0.01 ? el / p.fraction * (1 - p.fraction) : 0;
  on_progress(p);
}

std::size_t CaptureSession::margin_frames() const {
  return latency_frames >= 0 ? static_cast<std::size_t>(latency_frames) + plan.frames(kLatencyGuardS)
                             : plan.frames(kCaptureMarginS);
}

void CaptureSession::select_load(const Load& load) {
  // The load already in place on this port (the level probe's open load, then the open load's own
  // measurements): no second switch, so a manual bench is not asked twice for the same load.
  if (selected && selected->load == load.name && selected->port == cur_port) return;
  selected.reset();
  try {
    sw.select(load);
  } catch (...) {
    check_stop();
    throw;
  }
  selected = Selected{cur_port, load.name};
}

Capture CaptureSession::play(const PortWiring& port, const std::vector<std::vector<double>>& stim,
                             std::size_t capture_frames, const std::string& what) {
  check_stop();
  // The last line of defence: nothing above the load's safety cap reaches the interface.
  for (const auto& ch : stim)
    if (peak_dbfs(ch) > cap.drive_dbfs + 1e-9)
      throw std::logic_error("refusing to play '" + what + "' on " + port.name + " into " + cur_load + ": its peak " +
                             strformat("%.2f", peak_dbfs(ch)) + " dBFS is above the safety cap " +
                             strformat("%.2f", cap.drive_dbfs) + " dBFS (" + cap.limit_text + ")");
  // A capture with an xrun is played again (bench audio.retries); the load is marked either way.
  const Capture c =
      play_record_retrying(io, retries, port.output_channels, stim, port.input_channels, capture_frames, stop);
  // A Ctrl-C during the capture faded the output to silence: that capture is not a measurement.
  check_stop();
  const double rate = plan.rate_hz;
  if (c.clock_ppm)
    clock_readings.push_back({port.name + "-" + cur_load + "-" + what, *c.clock_ppm, c.clock_u_ppm, c.clock_at_s});
  played_s += c.attempts * static_cast<double>(capture_frames) / rate;
  const double stim_s = c.attempts * (stim.empty() ? 0.0 : static_cast<double>(stim.front().size()) / rate);
  stimulus_s += stim_s;
  last_step = step_of_capture(what);
  stimulus_by_step_s[last_step] += stim_s;
  retried_captures += c.attempts - 1;  // every attempt before the last had xruns
  xrun_captures += c.attempts - 1 + (c.xruns > 0 ? 1 : 0);
  if (!c.valid)
    throw std::runtime_error(
        "capture '" + what + "' on " + port.name + " into " + cur_load + " failed: " + c.problem +
        (c.xruns > 0 ? " after " + std::to_string(retries + 1) + " attempts (audio.retries in the bench file)" : ""));
  if (sink) {
    sink(strformat("%03d-%s-%s-%s", ++capture_no, port.name.c_str(), cur_load.c_str(), what.c_str()), c.channels, rate);
  }
  return c;
}

}  // namespace outbench::engine
