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
// Two devices (input_device set): an output stream on the device under test and an input stream on the
// analyser, each kept running with its own callback and clock. play_record starts the capture first (the input
// callback takes the job at its next buffer) and the stimulus only once the capture has begun (the output
// callback's next buffer after that), so the capture brackets the stimulus: it holds the streams' offset plus
// both devices' latencies before the stimulus, which the caller finds per capture (and must leave room for at
// the end); the two clocks are corrected by the caller (measure/engine/two_clocks.hpp).
// Stream events (capture_stream_events, capture_rate_change): the capture runs on an input-only stream while the
// main thread starts, stops or reopens the output stream once the capture has reached the frame asked for; the
// frame captured when it asked is returned (Capture::event_frames). Before the capture the streams settle for
// kEventsSettleS (0.5 s), and again after the run's streams are put back, so no other capture sees these
// transients; the constructor waits as long after opening the streams, for the same reason.
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
  // Two devices: the analyser that captures (device/host_api above play). Empty: one full-duplex stream.
  std::string input_device;
  std::string input_host_api;
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
  // The stream starting and stopping (measure/engine/dc_transients.hpp): on two devices the DUT's output stream is
  // stopped and started while the analyser's input stream runs on; on one device the full-duplex stream is
  // closed for the capture and the device opened as an input-only and an output-only stream (JACK can; a device
  // that refuses gives nullopt with PortAudio's reason), then reopened as before. Only silence is played.
  std::optional<Capture> capture_stream_events(const std::vector<int>& out_channels,
                                               const std::vector<int>& in_channels, std::size_t capture_frames,
                                               long start_frame, long stop_frame, std::string& why_not) override;
  // Two devices only: the DUT's output stream reopened at other_rate_hz, where its device takes that rate.
  std::optional<Capture> capture_rate_change(const std::vector<int>& out_channels, const std::vector<int>& in_channels,
                                             std::size_t capture_frames, long change_frame, double other_rate_hz,
                                             std::string& why_not) override;
  std::string device_name() const;        // the device that plays (one device: plays and captures)
  std::string input_device_name() const;  // two devices: the analyser; else empty

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `outbench devices --bench`: one device a bench needs, and what it needs of it.
struct DeviceNeed {
  std::string role;  // "device", "output device (the DUT, audio.output)", "input device (the analyser, audio.input)"
  std::string device, host_api;
  int inputs = 0, outputs = 0;  // channels opened (0: none of that direction)
  double rate_hz = 48000;
  std::vector<double> supported_rates_hz{};  // the bench's audio.supported_rates_hz: each is checked as well
};
// One line per need ("ok: ..." or "PROBLEM: ..." naming what is missing and how to fix it; a rate of
// supported_rates_hz the device does not run at is a PROBLEM of its own); `ok` tells whether every need is met.
std::string check_audio_devices(const std::vector<DeviceNeed>& needs, bool& ok);

// `outbench devices`: host APIs and devices with channel counts, default rates and latencies, and the sample
// rates each device supports at the given channel counts (0 = the device's maximum).
std::string describe_audio_devices(int want_in, int want_out);

}  // namespace outbench
