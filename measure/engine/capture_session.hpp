// The capture session of a run: every stimulus goes through play(), which refuses a stimulus above the
// safety cap of the load selected now (the last line of defence), plays it on the port's outputs and captures
// its inputs (played again after an xrun, up to the bench's audio.retries), counts the time played and the
// xruns, hands the capture to the keep-captures sink, and reports progress with an estimate of the time left.
// A stop request (Ctrl-C) ends the run before and after every capture and during a load switch, as Stopped.
//
// Conventions: times in seconds (_s), frames at the interface's rate; progress is the fraction of the
// planned stimulus time played (planned_s, set by the sequencer).
// Limits: the ETA extrapolates the wall time so far linearly; it is not shown before 1 % is played.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "measure/config/bench_config.hpp"
#include "measure/engine/drive_limits.hpp"
#include "measure/engine/plan.hpp"
#include "measure/io/audio_io.hpp"
#include "measure/results.hpp"

namespace outbench {

struct Progress {
  std::string port, load, test;
  double fraction = 0;    // 0..1 of the planned stimulus time
  double eta_s = 0;       // estimated time left
  double stimulus_s = 0;  // stimulus played so far
  std::string step;       // the plan step of the last capture (engine/test_set.hpp)
  double step_s = 0;      // its stimulus so far
};

class Stopped : public std::runtime_error {
 public:
  Stopped() : std::runtime_error("stopped by the user") {}
};

// Receives every capture of a run (--keep-captures) under a name that orders and describes it,
// "NNN-port-load-what", with its channels and sample rate. The engine writes no file itself.
using CaptureSink =
    std::function<void(const std::string& name, const std::vector<std::vector<double>>& channels, double rate_hz)>;

namespace engine {

struct CaptureSession {
  CaptureSession(AudioIo& io, LoadSwitch& sw, int retries, const Plan& plan)
      : io(io), sw(sw), retries(retries), plan(plan) {}

  AudioIo& io;
  LoadSwitch& sw;
  int retries;  // bench audio.retries
  const Plan& plan;
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const Progress&)> on_progress;
  CaptureSink sink;

  std::string cur_port, cur_load;
  // The cap of the load selected now (drive_limits.hpp): play() refuses anything above it.
  DriveCap cap{-std::numeric_limits<double>::infinity(), "", "no load selected"};
  long latency_frames = -1;  // the round-trip latency once the first sweep measured it
  double planned_s = 0, played_s = 0;
  double stimulus_s = 0;  // sum of the stimulus lengths played (what the bench time is compared with)
  std::map<std::string, double> stimulus_by_step_s;  // the same per step (step_of_capture)
  int xrun_captures = 0;     // captures that carried xrun flags (retried, or accepted: ignore_xrun_flags)
  int retried_captures = 0;  // captures played again after an xrun
  int capture_no = 0;
  std::vector<ClockCapture> clock_readings;  // two clocks: each capture's measured drift
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

  void check_stop() const;
  void progress(const std::string& test) const;
  // Capture beyond a tone's end: the latency plus a guard once measured, else kCaptureMarginS.
  std::size_t margin_frames() const;
  // Switch the load. A Ctrl-C while the switch waits (the manual prompt, a relay's settle time) ends the run
  // as a stop, not as the switch's own error.
  void select_load(const Load& load);
  struct Selected {
    std::string port, load;
  };
  std::optional<Selected> selected;  // what the switch last connected (port, load), once it said so
  // Play `stim` (one vector per output channel of the port), capture all the port's inputs.
  // The stimulus is booked under the step of `what` (step_of_capture).
  Capture play(const PortWiring& port, const std::vector<std::vector<double>>& stim, std::size_t capture_frames,
               const std::string& what);
  std::string last_step;
};

// The plan step a capture named `what` belongs to: "xtalk" -> "crosstalk", "thdn-freq" -> "thdn-freq", ...
std::string step_of_capture(const std::string& what);

}  // namespace engine
}  // namespace outbench
