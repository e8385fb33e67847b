// PortAudioIo: a real audio interface through PortAudio, as an AudioIo (README "Layout").
//
// One full-duplex stream on one device (one clock for playback and capture), opened once for the run and
// kept running; play_record hands a job to the callback, which only copies stimulus out and capture in
// (buffers allocated beforehand) and counts under/overflows from statusFlags; between jobs it plays silence.
// The capture therefore starts on the same sample clock tick as the playback and contains the interface's
// round-trip latency, which the analysis finds and removes. A capture with an xrun comes back invalid with
// its xrun count (the sequencer retries it, bench `audio.retries`, and marks the load); `ignore_xrun_flags`
// judges the data instead (JACK without realtime raises the flags with intact data): the capture is then
// valid and still carries its count. silence() ramps the output to zero within 10 ms.
// PortAudio's own error text is carried in every exception.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "measure/io/audio_io.hpp"

namespace outbench {

struct PortAudioOptions {
  std::string device;    // name substring (case-insensitive) or index
  std::string host_api;  // substring of the host API name (ALSA, JACK, PulseAudio, ...); empty = any
  double rate_hz = 48000;
  int output_channels = 2;  // channels opened on the device (max channel index used + 1)
  int input_channels = 2;
  unsigned long frames_per_buffer = 0;  // 0 = PortAudio's choice
  bool ignore_xrun_flags = false;
  std::string client_name = "outbench";  // JACK client name
};

// Pa_Initialize/Pa_Terminate guard; silences ALSA's probe errors (a machine without a sound card prints ~100).
class PortAudioSession {
 public:
  explicit PortAudioSession(const std::string& jack_client_name = "outbench");
  ~PortAudioSession();
  // True when PortAudio's JACK host API found no running server (libjack's own messages are suppressed).
  bool jack_server_missing() const;
  PortAudioSession(const PortAudioSession&) = delete;
  PortAudioSession& operator=(const PortAudioSession&) = delete;
};

class PortAudioIo : public AudioIo {
 public:
  explicit PortAudioIo(const PortAudioOptions& opt);  // throws std::runtime_error with PortAudio's text
  ~PortAudioIo() override;
  double rate_hz() const override;
  Capture play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stimulus,
                      const std::vector<int>& in_channels, std::size_t capture_frames) override;
  void silence() override;
  std::string device_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `outbench devices`: host APIs and devices with channel counts, default rates and latencies, and the sample
// rates each device supports at the given channel counts (0 = the device's maximum).
std::string describe_audio_devices(int want_in, int want_out);

}  // namespace outbench
