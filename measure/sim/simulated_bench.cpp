#include "measure/sim/simulated_bench.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "analysis/resample.hpp"
#include "measure/config/kinds.hpp"
#include "measure/sim/port_sim.hpp"

namespace outbench::sim {

SimulatedBench::SimulatedBench(DeviceModel model, const BenchConfig& bench, std::uint64_t seed)
    : model_(std::move(model)),
      bench_(bench),
      rate_hz_(bench.rate_hz),
      seed_(seed),
      load_ohms_(std::numeric_limits<double>::infinity()) {}

const PortWiring& SimulatedBench::wiring_of(int out_channel) const {
  const PortWiring* wiring = nullptr;
  for (const auto& p : bench_.ports)
    if (std::any_of(p.output_channels.begin(), p.output_channels.end(), [&](int c) { return c == out_channel; }))
      wiring = &p;
  if (!wiring)
    throw std::invalid_argument("simulated bench: output channel " + std::to_string(out_channel) +
                                " belongs to no port");
  return *wiring;
}

Capture SimulatedBench::to_capture(const PortWiring& w, const std::vector<std::vector<double>>& y,
                                   const std::vector<int>& in_channels, std::size_t capture_frames) const {
  Capture c;
  c.rate_hz = rate_hz_;
  for (int in : in_channels) {
    const auto it = std::find(w.input_channels.begin(), w.input_channels.end(), in);
    const auto idx = static_cast<std::size_t>(it - w.input_channels.begin());
    c.channels.push_back(it != w.input_channels.end() && idx < y.size() ? y[idx]
                                                                        : std::vector<double>(capture_frames, 0.0));
  }
  return c;
}

std::optional<Capture> SimulatedBench::capture_stream_events(const std::vector<int>& out_channels,
                                                             const std::vector<int>& in_channels,
                                                             std::size_t capture_frames, long start_frame,
                                                             long stop_frame, std::string& /*why_not*/) {
  const PortWiring& wiring = wiring_of(out_channels.front());
  const PortModel* pm = model_.port(wiring.name);
  if (!pm) throw std::invalid_argument("simulated device '" + model_.name + "' has no " + wiring.name + " port");
  const auto y = simulate_stream_events(model_.loopback, *pm, load_ohms_, rate_hz_, capture_frames, start_frame,
                                        stop_frame, (seed_ ^ 0x2545f4914f6cdd1dULL) + event_calls_++, lead_ohms_);
  Capture c = to_capture(wiring, y, in_channels, capture_frames);
  c.event_frames = {start_frame, stop_frame};
  return c;
}

std::optional<Capture> SimulatedBench::capture_rate_change(const std::vector<int>& out_channels,
                                                           const std::vector<int>& in_channels,
                                                           std::size_t capture_frames, long change_frame,
                                                           double /*other_rate_hz*/, std::string& /*why_not*/) {
  const PortWiring& wiring = wiring_of(out_channels.front());
  const PortModel* pm = model_.port(wiring.name);
  if (!pm) throw std::invalid_argument("simulated device '" + model_.name + "' has no " + wiring.name + " port");
  const auto y = simulate_stream_events(model_.loopback, *pm, load_ohms_, rate_hz_, capture_frames, -1, -1,
                                        (seed_ ^ 0x9e3779b97f4a7c15ULL) + rate_calls_++, lead_ohms_, change_frame);
  Capture c = to_capture(wiring, y, in_channels, capture_frames);
  c.event_frames = {change_frame};
  return c;
}

Capture SimulatedBench::play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stim,
                                    const std::vector<int>& in_channels, std::size_t capture_frames) {
  if (stim.size() != out_channels.size())
    throw std::invalid_argument("play_record: one stimulus per output channel is needed");
  const PortWiring* wiring = &wiring_of(out_channels.front());
  const PortModel* pm = model_.port(wiring->name);
  if (!pm) throw std::invalid_argument("simulated device '" + model_.name + "' has no " + wiring->name + " port");
  // Stimulus per port channel (silence where an output is not driven).
  std::vector<std::vector<double>> per_ch(static_cast<std::size_t>(pm->channels));
  for (std::size_t k = 0; k < out_channels.size(); ++k) {
    const auto it = std::find(wiring->output_channels.begin(), wiring->output_channels.end(), out_channels[k]);
    if (it == wiring->output_channels.end())
      throw std::invalid_argument("simulated bench: output channels of different ports in one call");
    const auto idx = static_cast<std::size_t>(it - wiring->output_channels.begin());
    if (idx < per_ch.size()) per_ch[idx] = stim[k];
  }
  // A DUT on its own clock: it plays r samples of the stimulus per analyser sample (model.hpp).
  if (model_.two_clocks()) {
    const double ppm = model_.clock_ppm + model_.clock_wander_ppm_per_min * played_s_ / 60.0;
    for (auto& ch : per_ch)
      if (!ch.empty()) ch = resample_by_ratio(ch, 1.0 + ppm * 1e-6, capture_frames);
  }
  played_s_ += static_cast<double>(capture_frames) / rate_hz_;
  std::vector<std::vector<double>> y;
  const NetworkElement* net = load_network_ ? &*load_network_ : nullptr;
  if (input_terminated_) {  // the device is off the input: no stimulus, no EMF noise or hum reaches the ADC
    PortModel quiet = *pm;
    for (ChannelModel* c : {static_cast<ChannelModel*>(&quiet), &quiet.right}) c->noise_vrms = c->hum_vrms = 0.0;
    for (auto& s : per_ch) s.assign(s.size(), 0.0);
    y = simulate_port(model_.loopback, quiet, load_ohms_, per_ch, rate_hz_, capture_frames,
                      ~seed_ - terminated_calls_++, lead_ohms_, net);
  } else if (const auto v = volume_.find(wiring->name); v != volume_.end()) {
    PortModel stepped = *pm;
    stepped.volume_db = stepped.right.volume_db = v->second;
    y = simulate_port(model_.loopback, stepped, load_ohms_, per_ch, rate_hz_, capture_frames,
                      (seed_ ^ 0x5851f42d4c957f2dULL) + volume_calls_++, lead_ohms_, net);
  } else {
    y = simulate_port(model_.loopback, *pm, load_ohms_, per_ch, rate_hz_, capture_frames, seed_ + calls_++, lead_ohms_,
                      net);
  }
  return to_capture(*wiring, y, in_channels, capture_frames);
}

std::map<std::string, PortVolume> model_volumes(const DeviceModel& model, VolumeSetter& setter) {
  std::map<std::string, PortVolume> out;
  for (const auto& p : model.ports)
    if (p.has_volume) out[p.name] = PortVolume{p.volume_max_db, p.volume_db, &setter};
  return out;
}

BenchConfig bench_for_model(const DeviceModel& model, double rate_hz) {
  BenchConfig b;
  b.source = "built-in simulated bench";
  b.name = "simulated bench: " + model.name;
  b.audio = "simulated";
  b.device_model = model.source;
  b.rate_hz = rate_hz;
  b.two_clocks = model.two_clocks();
  b.input_impedance_ohms = model.loopback.impedance_ohms;
  if (model.loopback.input_capacitance_pf > 0) {  // Zin(f), as calibrate input-impedance would store it
    for (double f = 5.0; f < 48000.0; f *= std::exp2(1.0 / 6))
      b.input_impedance_curve.push_back({f, loopback_impedance(model.loopback, f)});
    b.input_impedance_ohms = std::abs(loopback_impedance(model.loopback, 1000.0));
    b.input_impedance_curve_tolerance_pct = b.input_impedance_tolerance_pct;
  }
  b.input.vrms_at_0dbfs = model.loopback.full_scale_vrms;
  b.input_calibrated_on = "device model";
  b.input_dc_coupled = true;  // the simulated loopback sees DC (through the load divider)
  int next = 0;
  std::vector<const PortModel*> order;
  for (const auto& [kind, word] : kPortKindNames)
    if (const auto* p = model.port(std::string(word))) order.push_back(p);
  for (const auto& p : model.ports)
    if (!parse_port_kind(p.name)) order.push_back(&p);
  for (const auto* p : order) {
    PortWiring w;
    w.name = p->name;
    const auto kind = parse_port_kind(p->name);
    const int base = kind == PortKind::line ? 0 : kind == PortKind::headphone ? 2 : 4 + 2 * next++;
    for (int c = 0; c < p->channels; ++c) {
      w.output_channels.push_back(base + c);
      w.input_channels.push_back(c);
    }
    w.output.vrms_at_0dbfs = p->vrms_at_0dbfs * std::pow(10.0, volume_gain_db(*p, p->volume_db) / 20.0);
    w.calibrated_on = "device model";
    b.ports.push_back(w);
  }
  b.loads = standard_loads();
  b.load_switch = LoadSwitchKind::simulated;
  return b;
}

}  // namespace outbench::sim
