// Opening a bench's audio and load switch for `outbench run` and `outbench calibrate`: the simulated bench
// (a device model) or a real interface through PortAudio with the bench file's load switch.
//
// Method: a real bench opens the audio interface first (a missing interface is the likelier mistake), with
// SIGINT and SIGTERM blocked meanwhile (StopSignalsBlocked: PortAudio's and JACK's threads never receive
// them), then the relay board or switch program. The stream opens as many channels as the highest channel
// any port uses, at the bench's rate, buffer size and xrun policy; a two-device bench opens an output stream
// on the device under test and an input stream on the analyser (measure/io/portaudio_io.hpp).
// Conventions: an interface that cannot be opened is an InputError naming the bench file and pointing to
// `outbench devices`. Limits: one bench per process (PortAudio and the stop signals are process-wide).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "measure/config/bench_config.hpp"
#include "measure/io/audio_io.hpp"
#include "measure/io/portaudio_io.hpp"
#include "measure/sim/model.hpp"
#include "measure/switch/switches.hpp"
#include "measure/switch/volume_setters.hpp"

namespace outbench::cli {

// The PortAudio stream a bench needs: device, host API, rate, buffer size, xrun policy, and as many output
// and input channels as the highest channel of any port (at least one each).
PortAudioOptions portaudio_options(const BenchConfig& bench);

struct OpenBench {
  std::unique_ptr<AudioIo> io;
  std::unique_ptr<LoadSwitch> sw;
  // results' conditions.audio: "simulated", "portaudio: DEVICE (HOST API)", or on two devices
  // "portaudio: DUT (HOST API), captured on ANALYSER (HOST API)"
  std::string audio;
  // The ports' volume controls the run steps (simulated: the model's; real: the bench's ports.NAME.volume).
  std::vector<std::unique_ptr<VolumeSetter>> volume_setters;
  std::map<std::string, PortVolume> volumes;
};

// A simulated bench runs `model` with `seed` (and a simulated switch); a real one opens PortAudio, then the
// bench's load switch (`loads_in_place`: the manual switch's --yes; `stop` ends the switch's waits).
OpenBench open_bench(const BenchConfig& bench, const sim::DeviceModel& model, std::uint64_t seed, bool loads_in_place,
                     const std::atomic<bool>* stop);

}  // namespace outbench::cli
