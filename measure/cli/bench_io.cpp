#include "measure/cli/bench_io.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "measure/cli/signals.hpp"
#include "measure/errors.hpp"
#include "measure/sim/simulated_bench.hpp"

namespace outbench::cli {

PortAudioOptions portaudio_options(const BenchConfig& bench) {
  PortAudioOptions o;
  o.device = bench.device;
  o.host_api = bench.host_api;
  o.rate_hz = bench.rate_hz;
  o.ignore_xrun_flags = bench.ignore_xrun_flags;
  o.frames_per_buffer = bench.frames_per_buffer;
  o.input_device = bench.input_device;
  o.input_host_api = bench.input_host_api;
  o.output_channels = o.input_channels = 1;
  for (const auto& p : bench.ports) {
    for (int c : p.output_channels) o.output_channels = std::max(o.output_channels, c + 1);
    for (int c : p.input_channels) o.input_channels = std::max(o.input_channels, c + 1);
  }
  return o;
}

OpenBench open_bench(const BenchConfig& bench, const sim::DeviceModel& model, std::uint64_t seed, bool loads_in_place,
                     const std::atomic<bool>* stop) {
  OpenBench r;
  if (bench.audio == "simulated") {
    auto sio = std::make_unique<sim::SimulatedBench>(model, bench, seed);
    r.sw = std::make_unique<sim::SimulatedLoadSwitch>(*sio);
    r.volume_setters.push_back(std::make_unique<sim::SimulatedVolume>(*sio));
    r.volumes = sim::model_volumes(model, *r.volume_setters.back());
    if (parse_input_termination(bench.load_switch_json, bench.source).kind == InputTermination::Kind::manual)
      r.sw =
          std::make_unique<ManualTerminationSwitch>(std::move(r.sw), std::cin, std::cerr, ::isatty(STDIN_FILENO) != 0);
    r.io = std::move(sio);
    r.audio = "simulated";
    return r;
  }
  std::unique_ptr<PortAudioIo> pio;
  {
    const StopSignalsBlocked blocked;
    try {
      pio = std::make_unique<PortAudioIo>(portaudio_options(bench));
    } catch (const std::runtime_error& e) {
      throw InputError(std::string(e.what()) + " (bench file '" + bench.source +
                       "'; `outbench devices` lists what is there)");
    }
  }
  r.sw = make_load_switch(bench.load_switch_json, bench.source, bench.loads, loads_in_place, stop);
  r.volumes = bench_volumes(bench, stop, r.volume_setters);
  r.audio = "portaudio: " + pio->device_name() + " (" + bench.host_api + ")";
  if (bench.two_devices()) r.audio += ", captured on " + pio->input_device_name() + " (" + bench.input_host_api + ")";
  r.io = std::move(pio);
  return r;
}

}  // namespace outbench::cli
