#include "measure/engine/dc_transients.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
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

// A capture across stream events booked like session.play's: stimulus time of step `what`, the capture's WAV.
void book_events_capture(StepContext& cx, const PortWiring& port, double seconds, const Capture& c,
                         const std::string& what);

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
  book_events_capture(cx, port, seconds, *c, what);
  return c;
}

void book_events_capture(StepContext& cx, const PortWiring& port, double seconds, const Capture& c,
                         const std::string& what) {
  CaptureSession& s = cx.session;
  s.played_s += seconds;
  s.stimulus_s += seconds;
  s.last_step = what;
  s.stimulus_by_step_s[what] += seconds;
  if (s.sink)
    s.sink(strformat("%03d-%s-%s-%s", ++s.capture_no, port.name.c_str(), s.cur_load.c_str(), what.c_str()), c.channels,
           cx.plan.rate_hz);
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

// The event frames the audio I/O reports (hardware: where it asked), else those asked for; `asked` must be met
// in order and leave room for the baseline and the waveform's lead.
std::vector<std::size_t> event_frames(const Capture& c, const std::vector<long>& asked) {
  std::vector<std::size_t> f;
  const bool given = c.event_frames.size() == asked.size();
  for (std::size_t k = 0; k < asked.size(); ++k)
    f.push_back(static_cast<std::size_t>(std::max(given ? c.event_frames[k] : asked[k], asked[k])));
  return f;
}

void not_measured(const PortWiring& port, const char* name, const std::string& why, PortTransients& out) {
  for (std::size_t ch = 0; ch < port.input_channels.size(); ++ch) {
    TransientEvent e;
    e.event = name;
    e.channel = static_cast<int>(ch);
    e.seen = "not_measured";
    e.note = why;
    out.events.push_back(e);
  }
}

// The rate the rate-change capture reopens the stream at: the first of the bench's supported rates
// (audio.supported_rates_hz; none listed: every run rate) other than the run's; 0 when there is none.
double other_rate(const BenchConfig& bench, double rate_hz) {
  const std::vector<double> rates = bench.supported_rates_hz.empty()
                                        ? std::vector<double>(std::begin(kRunRatesHz), std::end(kRunRatesHz))
                                        : bench.supported_rates_hz;
  for (double r : rates)
    if (r != rate_hz) return r;
  return 0;
}

void transients(StepContext& cx, const PortWiring& port, PortResult& pr) {
  PortTransients out;
  out.load = cx.session.cur_load;
  out.threshold_fraction = kTransientFraction;
  const double rate = cx.plan.rate_hz;
  const long start = std::lround(kStartAtS * rate), stop = std::lround(kStopAtS * rate);
  std::string why_not;
  if (const auto c = events_capture(cx, port, kEventsCaptureS, start, stop, "transients", why_not)) {
    const auto f = event_frames(*c, {start, stop});
    read_event(cx, *c, "start", f[0], f[0], f[1], out);
    read_event(cx, *c, "stop", f[1], static_cast<std::size_t>(0.1 * rate), c->channels.front().size(), out);
  } else {
    not_measured(port, "start", why_not, out);
    not_measured(port, "stop", why_not, out);
  }
  // The sample rate changing: the stream reopened at another rate of the bench, at kStartAtS of its capture.
  const double to_rate = other_rate(cx.bench, rate);
  std::optional<Capture> rc;
  if (to_rate > 0) {
    CaptureSession& s = cx.session;
    s.check_stop();
    const auto frames = static_cast<std::size_t>(std::llround(kRateChangeCaptureS * rate));
    rc = s.io.capture_rate_change(port.output_channels, port.input_channels, frames, start, to_rate, why_not);
    s.check_stop();
    if (rc && !rc->valid) throw std::runtime_error("capture 'rate-change' on " + port.name + " failed: " + rc->problem);
    if (rc) book_events_capture(cx, port, kRateChangeCaptureS, *rc, "transients");
  } else {
    why_not = "the bench supports no other sample rate (audio.supported_rates_hz)";
  }
  if (rc) {
    const auto f = event_frames(*rc, {start});
    const std::size_t first = out.events.size();
    read_event(cx, *rc, "rate_change", f[0], f[0], rc->channels.front().size(), out);
    for (std::size_t k = first; k < out.events.size(); ++k) out.events[k].to_rate_hz = to_rate;
  } else {
    not_measured(port, "rate_change", why_not, out);
    for (auto& e : out.events)
      if (e.event == "rate_change" && to_rate > 0) e.to_rate_hz = to_rate;
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
