// The simulated bench: an AudioIo that runs a DeviceModel (port_sim.hpp) on whichever port the output
// channels belong to, into the load a SimulatedLoadSwitch selected, and a bench configuration derived from
// the model (calibrated from the model's own figures: the run can then report volts).
// Deterministic: capture k of a run uses seed + k. A model with clock_ppm plays on its own clock (model.hpp):
// its stimulus is resampled (libsoxr) before the port is simulated. SimulatedVolume sets a port's volume
// control for the volume-tracking step.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "measure/config/bench_config.hpp"
#include "measure/io/audio_io.hpp"
#include "measure/io/volume_setter.hpp"
#include "measure/sim/model.hpp"

namespace outbench::sim {

class SimulatedBench : public AudioIo {
 public:
  SimulatedBench(DeviceModel model, const BenchConfig& bench, std::uint64_t seed);
  double rate_hz() const override { return rate_hz_; }
  Capture play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stimulus,
                      const std::vector<int>& in_channels, std::size_t capture_frames) override;
  std::optional<Capture> capture_stream_events(const std::vector<int>& out_channels,
                                               const std::vector<int>& in_channels, std::size_t capture_frames,
                                               long start_frame, long stop_frame, std::string& why_not) override;
  std::optional<Capture> capture_rate_change(const std::vector<int>& out_channels, const std::vector<int>& in_channels,
                                             std::size_t capture_frames, long change_frame, double other_rate_hz,
                                             std::string& why_not) override;
  void set_load_ohms(double ohms, double lead_ohms = 0.0, std::optional<NetworkElement> network = std::nullopt) {
    load_ohms_ = ohms;
    lead_ohms_ = lead_ohms;
    load_network_ = std::move(network);
  }
  double load_ohms() const { return load_ohms_; }
  // The loopback input terminated: captures hold the ADC's own noise and quantisation only (no device
  // signal, noise or hum), drawn from a seed sequence of their own so the run's other captures do not move.
  void set_input_terminated(bool on) { input_terminated_ = on; }
  const DeviceModel& model() const { return model_; }
  // A port's volume control set directly (the volume-tracking step): its captures run at `setting_db` on
  // every channel, drawn from a seed sequence of their own (the run's other captures do not move), until
  // clear_volume(). capture_stream_events plays the model's turn-on/turn-off transients (model.hpp) at the frames
  // asked, capture_rate_change its rate-change step (the capture stays at the run's rate), from a seed sequence of
  // their own; no other capture plays them (its stream is taken to be running).
  void set_volume_db(const std::string& port, double setting_db) { volume_[port] = setting_db; }
  void clear_volume(const std::string& port) { volume_.erase(port); }

 private:
  DeviceModel model_;
  const BenchConfig& bench_;
  double rate_hz_;
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;
  double played_s_ = 0;  // capture time so far (the clock's wander runs with it)
  double load_ohms_;
  double lead_ohms_ = 0.0;  // the selected load's leads (Load::lead_ohms), in series before the load
  std::optional<NetworkElement> load_network_;  // a reactive load's network (Load::network)
  bool input_terminated_ = false;
  std::uint64_t terminated_calls_ = 0;
  std::map<std::string, double> volume_;  // ports whose volume the volume-tracking step set
  std::uint64_t volume_calls_ = 0;
  std::uint64_t event_calls_ = 0;
  std::uint64_t rate_calls_ = 0;  // the rate-change captures: a sequence of their own (the others do not move)
  const PortWiring& wiring_of(int out_channel) const;
  Capture to_capture(const PortWiring& w, const std::vector<std::vector<double>>& y,
                     const std::vector<int>& in_channels, std::size_t capture_frames) const;
};

// The simulated bench's volume controls: set() sets the model (SimulatedBench::set_volume_db).
class SimulatedVolume : public VolumeSetter {
 public:
  explicit SimulatedVolume(SimulatedBench& bench) : bench_(bench) {}
  void set(const std::string& port, double setting_db) override { bench_.set_volume_db(port, setting_db); }
  void done(const std::string& port) override { bench_.clear_volume(port); }
  std::string describe() const override { return "simulated volume control"; }

 private:
  SimulatedBench& bench_;
};

// The volume controls of a model's ports that have one (PortModel::has_volume): top = volume_max_db, run =
// volume_db (the left channel's), each set through `setter`.
std::map<std::string, PortVolume> model_volumes(const DeviceModel& model, VolumeSetter& setter);

class SimulatedLoadSwitch : public LoadSwitch {
 public:
  explicit SimulatedLoadSwitch(SimulatedBench& bench) : bench_(bench) {}
  void select(const Load& load) override { bench_.set_load_ohms(load.actual_ohms, load.lead_ohms, load.network); }
  void all_off() override { bench_.set_load_ohms(std::numeric_limits<double>::infinity()); }
  std::string describe() const override { return "simulated load switch"; }
  bool terminate_input(bool on) override {
    bench_.set_input_terminated(on);
    return true;
  }

 private:
  SimulatedBench& bench_;
};

// The default bench for a model: line -> outputs 0/1, headphone -> outputs 2/3 (other ports after),
// loopback inputs 0/1, the standard loads, calibrated from the model.
BenchConfig bench_for_model(const DeviceModel& model, double rate_hz);

}  // namespace outbench::sim
