// Audio I/O and load switching interfaces (README "Layout").
//
// AudioIo::play_record plays one stimulus per output channel (full-scale units, +/-1.0 = 0 dBFS peak) on
// the named output channels of the interface (0-based), and records capture_frames frames from the named
// input channels, starting at the same sample clock tick (one full-duplex stream: one clock). The capture
// includes the interface's latency; the caller finds and removes it. A capture disturbed by a dropout
// (xrun) comes back with valid == false, its xrun count and the reason; the caller decides whether to retry
// (the sequencer does, up to the bench's audio.retries, and marks the load).
// AudioIo::capture_stream_events (the DC and transients step, measure/engine/dc_transients.hpp) captures the
// inputs across the outputs' stream starting and stopping, capture_rate_change across its sample rate changing;
// an AudioIo that cannot says why (the default).
// LoadSwitch::select connects one dummy load (by name, e.g. "open", "10k", "32") across the port under test.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/network.hpp"

namespace outbench {

struct Capture {
  bool valid = true;
  std::string problem;  // why not valid (xrun, device error)
  int xruns = 0;        // under/overflows flagged during this capture (also when the bench ignores the flags)
  int attempts = 1;     // captures made to get this one (play_record_retrying)
  double rate_hz = 0;
  std::optional<double> clock_ppm;            // two clocks: the drift measured on this capture and removed from it
  double clock_u_ppm = 0;                     // two clocks: the standard uncertainty of clock_ppm
  double clock_at_s = 0;                      // two clocks: audio time played before this capture (markers included)
  std::vector<std::vector<double>> channels;  // one per requested input channel
  // capture_stream_events / capture_rate_change: the frame of the capture at which each event was asked for (in
  // the order start, stop; or the rate change). Hardware: the frames captured when the request was made, a lower
  // bound of the event's own frame (it reaches the input after the request and the latencies).
  std::vector<long> event_frames{};
};

class AudioIo {
 public:
  virtual ~AudioIo() = default;
  virtual double rate_hz() const = 0;
  virtual Capture play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stimulus,
                              const std::vector<int>& in_channels, std::size_t capture_frames) = 0;
  // Set every output to silence at once (Ctrl-C, errors). Must be safe to call at any time.
  virtual void silence() {}
  // Digital silence on out_channels while in_channels are captured for capture_frames, the outputs' stream
  // starting at frame start_frame and stopping at stop_frame of the capture (-1: no such event; both -1: the
  // idle stream running throughout). nullopt, with the reason in why_not, where this AudioIo cannot.
  virtual std::optional<Capture> capture_stream_events(const std::vector<int>& /*out_channels*/,
                                                       const std::vector<int>& /*in_channels*/,
                                                       std::size_t /*capture_frames*/, long /*start_frame*/,
                                                       long /*stop_frame*/, std::string& why_not) {
    why_not = "this audio I/O keeps the output stream running for the whole run (no stream start or stop to capture)";
    return std::nullopt;
  }
  // Digital silence on out_channels while in_channels are captured for capture_frames at the run's rate; at
  // change_frame the outputs' stream is reopened at other_rate_hz (the analyser's capture runs on), and put back
  // at the run's rate after the capture. nullopt, with the reason in why_not, where this AudioIo cannot.
  virtual std::optional<Capture> capture_rate_change(const std::vector<int>& /*out_channels*/,
                                                     const std::vector<int>& /*in_channels*/,
                                                     std::size_t /*capture_frames*/, long /*change_frame*/,
                                                     double /*other_rate_hz*/, std::string& why_not) {
    why_not = "this audio I/O does not change the sample rate within a run";
    return std::nullopt;
  }
};

struct Load {
  std::string name;         // "open", "10k", "600", "300", "32", "16"
  double nominal_ohms = 0;  // +infinity for open
  double actual_ohms = 0;   // measured value of the resistor on the bench (used in the calculations)
  double lead_ohms = 0;     // series resistance of its contacts, cable and jack (the loopback reads after it)
  // The +/- of actual_ohms (its tolerance, or the meter's accuracy) and of lead_ohms, for |Zout|'s uncertainty.
  double tolerance_pct = 1.0, lead_uncertainty_ohms = 0.02;
  // A reactive dummy load (fixtures/benches/README.md): a network or a measured curve in place of the resistor;
  // nominal_ohms and actual_ohms are then its |Z| at 1 kHz. `description` says what it is ("" for a resistor).
  std::optional<NetworkElement> network{};  // {}: brace-initialised Loads may leave these out
  std::vector<ImpedancePoint> curve{};
  std::string description{};
  bool is_open() const;
  // Its impedance versus frequency (a resistor: actual_ohms).
  FrequencyImpedance impedance() const { return {actual_ohms, network, curve}; }
};

// play_record, played again while the capture comes back invalid with xruns, up to `retries` more times
// (the bench's audio.retries) and while `stop` (when given) is not set; the result says how many attempts
// it took. Other failures are not retried.
Capture play_record_retrying(AudioIo& io, int retries, const std::vector<int>& out_channels,
                             const std::vector<std::vector<double>>& stimulus, const std::vector<int>& in_channels,
                             std::size_t capture_frames, const std::atomic<bool>* stop = nullptr);

class LoadSwitch {
 public:
  virtual ~LoadSwitch() = default;
  virtual void select(const Load& load) = 0;
  virtual void all_off() {}
  virtual std::string describe() const = 0;
  // Terminates the loopback input (on) or reconnects it (off), for the analyser's floor; false when this
  // switch cannot (the floor is then not measured).
  virtual bool terminate_input(bool /*on*/) { return false; }
};

}  // namespace outbench
