#include "measure/engine/dc_transients.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <stdexcept>

#include "analysis/transient.hpp"
#include "measure/strformat.hpp"

namespace outbench::engine {

std::string dc_load_for(const std::vector<const Load*>& loads, const std::string& nominal) {
  for (const Load* l : loads)
    if (l->name == "32") return "32";
  return nominal;
}

namespace {

const char* channel_name(std::size_t c) {
  return c == 0 ? "L" : c == 1 ? "R" : "?";
}

// A capture across stream events through the audio I/O, booked like session.play's; nullopt when it cannot.
std::optional<Capture> events_capture(StepContext& cx, const PortWiring& port, double seconds, long start, long stop,
                                      const std::string& what, std::string& why_not) {
  CaptureSession& s = cx.session;
  s.check_stop();
  const auto frames = static_cast<std::size_t>(std::llround(seconds * cx.plan.rate_hz));
  auto c = s.io.capture_stream_events(port.output_channels, port.input_channels, frames, start, stop, why_not);
  s.check_stop();
  if (!c) return c;
  if (!c->valid) throw std::runtime_error("capture '" + what + "' on " + port.name + " failed: " + c->problem);
  s.played_s += seconds;
  s.stimulus_s += seconds;
  s.last_step = what;
  s.stimulus_by_step_s[what] += seconds;
  if (s.sink)
    s.sink(strformat("%03d-%s-%s-%s", ++s.capture_no, port.name.c_str(), s.cur_load.c_str(), what.c_str()), c->channels,
           cx.plan.rate_hz);
  return c;
}

bool loopback_reads_dc(const StepContext& cx) {
  return cx.bench.input_dc_coupled && cx.bench.input.valid();
}

std::size_t dc_frames(const StepContext& cx) {
  return static_cast<std::size_t>(std::llround(kDcCaptureS * cx.plan.rate_hz));
}

// Each channel's settled mean of the first kDcCaptureS of an idle capture, in mV via the input calibration.
void dc_channels(const StepContext& cx, const Capture& c, PortDcOffset& out) {
  const double volts_per_fs = std::numbers::sqrt2 * *cx.bench.input.vrms_at_0dbfs;
  const auto skip = static_cast<std::size_t>(std::llround(kDcSettleS * cx.plan.rate_hz));
  for (std::size_t ch = 0; ch < c.channels.size(); ++ch) {
    const auto& x = c.channels[ch];
    const std::span<const double> first(x.data(), std::min(x.size(), dc_frames(cx)));
    out.channels.push_back({static_cast<int>(ch), settled_mean(first, skip) * volts_per_fs * 1e3, "loopback", ""});
  }
}

// The loopback reads DC: an idle capture (the stream running), its settled mean in volts.
void dc_from_loopback(StepContext& cx, const PortWiring& port, PortDcOffset& out) {
  std::string why_not;
  auto c = events_capture(cx, port, kDcCaptureS, -1, -1, "dc", why_not);
  if (!c) {
    const std::size_t frames = dc_frames(cx);
    c = cx.session.play(
        port, std::vector<std::vector<double>>(port.output_channels.size(), std::vector<double>(frames)), frames, "dc");
  }
  dc_channels(cx, *c, out);
}

void dc_offset(StepContext& cx, const PortWiring& port, PortResult& pr) {
  PortDcOffset out;
  out.load = cx.session.cur_load;
  if (loopback_reads_dc(cx)) {
    dc_from_loopback(cx, port, out);
  } else {
    const std::string why = !cx.bench.input_dc_coupled
                                ? "the loopback input is not DC-coupled (bench loopback_input.dc_coupled)"
                                : "the loopback input is not calibrated (outbench calibrate input)";
    for (std::size_t ch = 0; ch < port.input_channels.size(); ++ch) {
      DcOffsetChannel d{static_cast<int>(ch), std::nullopt, "not_measured", ""};
      std::string why_not = "no one to ask for a meter reading (stdin is not a terminal, or --no-prompt)";
      if (cx.opt.ask_dc_meter_mv) {
        d.value_mv =
            cx.opt.ask_dc_meter_mv("measure the DC voltage at the " + port.name + " port, channel " + channel_name(ch) +
                                       " (into " + out.load + ") with a DC voltmeter, enter mV: ",
                                   why_not);
        cx.session.check_stop();
      }
      if (d.value_mv)
        d.method = "meter";
      else
        d.note = why + "; " + why_not;
      out.channels.push_back(d);
    }
  }
  pr.dc_offset = out;
}

// One event's figures on every channel of the capture: baseline before `event`, window [event, end).
void read_event(const StepContext& cx, const Capture& c, const std::string& name, std::size_t event,
                std::size_t baseline, std::size_t end, PortTransients& out) {
  const double rate = cx.plan.rate_hz;
  const bool volts = cx.bench.input.valid();
  const double mv_per_fs = volts ? std::numbers::sqrt2 * *cx.bench.input.vrms_at_0dbfs * 1e3 : 1.0;
  for (std::size_t ch = 0; ch < c.channels.size(); ++ch) {
    const auto& x = c.channels[ch];
    const TransientFigures f = transient_figures(x, event, baseline, end);
    TransientEvent e;
    e.event = name;
    e.channel = static_cast<int>(ch);
    e.seen = "full";
    if (volts) e.peak_mv = f.peak_signed * mv_per_fs;
    e.peak_dbfs = f.peak > 0 ? 20 * std::log10(f.peak) : -std::numeric_limits<double>::infinity();
    if (!f.above_noise) {  // the peak is the noise's own: no duration, no waveform
      e.note = "no transient above the noise";
      out.events.push_back(std::move(e));
      continue;
    }
    e.duration_ms = static_cast<double>(f.duration_frames) / rate * 1e3;
    // The waveform: 5 ms before the event to 3 durations after it (at least 20 ms), within the window.
    const auto before = static_cast<std::size_t>(0.005 * rate);
    const auto after = std::max(static_cast<std::size_t>(0.02 * rate), 3 * (f.peak_frame - event + f.duration_frames));
    std::vector<double> dev(x.begin() + static_cast<long>(event - before),
                            x.begin() + static_cast<long>(std::min(end, event + after)));
    for (double& v : dev) v = (v - f.baseline) * mv_per_fs;
    std::size_t step = 1;
    e.wave = peak_decimate(dev, 0, dev.size(), kWavePoints, step);
    e.wave_start_ms = -static_cast<double>(before) / rate * 1e3;
    e.wave_step_ms = static_cast<double>(step) / rate * 1e3;
    e.wave_in_mv = volts;
    out.events.push_back(std::move(e));
  }
}

void transients(StepContext& cx, const PortWiring& port, PortResult& pr) {
  PortTransients out;
  out.load = cx.session.cur_load;
  out.threshold_fraction = kTransientFraction;
  const double rate = cx.plan.rate_hz;
  const auto start = static_cast<std::size_t>(std::llround(kStartAtS * rate));
  const auto stop = static_cast<std::size_t>(std::llround(kStopAtS * rate));
  std::string why_not;
  const auto c = events_capture(cx, port, kEventsCaptureS, static_cast<long>(start), static_cast<long>(stop),
                                "transients", why_not);
  if (c) {
    read_event(cx, *c, "start", start, start, stop, out);
    read_event(cx, *c, "stop", stop, static_cast<std::size_t>(0.1 * rate), c->channels.front().size(), out);
    why_not = "the audio I/O does not change the sample rate within a run";
  }
  for (const char* name : {"start", "stop", "rate_change"}) {
    if (c && std::string(name) != "rate_change") continue;
    for (std::size_t ch = 0; ch < port.input_channels.size(); ++ch) {
      TransientEvent e;
      e.event = name;
      e.channel = static_cast<int>(ch);
      e.seen = "not_measured";
      e.note = why_not;
      out.events.push_back(e);
    }
  }
  pr.transients = std::move(out);
}

}  // namespace

bool dc_offset_from_idle(StepContext& cx, const Capture& idle, PortResult& pr) {
  if (!loopback_reads_dc(cx) || cx.plan.frames(cx.plan.d.noise_s) != dc_frames(cx)) return false;
  PortDcOffset out;
  out.load = cx.session.cur_load;
  dc_channels(cx, idle, out);
  pr.dc_offset = out;  // the step plays nothing: it books no stimulus (absent from stimulus_by_step_s)
  return true;
}

void dc_and_transients(StepContext& cx, const PortWiring& port, const Load& /*load*/, PortResult& pr) {
  if (cx.tests.has("dc") && !pr.dc_offset) {
    cx.session.progress("DC offset");
    dc_offset(cx, port, pr);
  }
  if (cx.tests.has("transients")) {
    cx.session.progress("switching transients");
    transients(cx, port, pr);
  }
}

}  // namespace outbench::engine
