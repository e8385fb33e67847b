// Ctrl-C and SIGTERM for the commands that play through an audio interface (run, calibrate).
//
// Method: while a StopSignals lives, SIGINT and SIGTERM first silence its AudioIo (AudioIo::silence, a
// lock-free flag the audio callback ramps on, so the output falls silent within milliseconds even when the
// main thread is busy), then set the stop flag, which the command, the engine and the load switches poll
// between steps. The handlers are installed without SA_RESTART, so a signal also interrupts a blocking read
// (the manual switch's prompt, the typed meter reading of calibrate output).
// Conventions: one command per process, so one stop flag (stop_requested()) for the whole process; it is
// never cleared. Limits: before a StopSignals is installed (and after it is gone) a signal has its previous
// effect (by default it ends the process); only the main thread should receive the signals (open audio
// devices under a StopSignalsBlocked, whose threads then inherit the blocked mask).
#pragma once

#include <atomic>
#include <csignal>

#include "measure/io/audio_io.hpp"

namespace outbench::cli {

// Set by SIGINT or SIGTERM while a StopSignals is installed.
const std::atomic<bool>& stop_requested();

// Installs the handlers and points them at `io` (may be null: then only the flag is set); the previous
// handlers come back when it goes. Declare it after the AudioIo it points to.
class StopSignals {
 public:
  explicit StopSignals(AudioIo* io);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Blocks SIGINT and SIGTERM in the calling thread while it lives: threads started meanwhile (PortAudio's,
// JACK's) inherit the mask and never receive them, so a Ctrl-C always lands on the main thread.
class StopSignalsBlocked {
 public:
  StopSignalsBlocked();
  ~StopSignalsBlocked();
  StopSignalsBlocked(const StopSignalsBlocked&) = delete;
  StopSignalsBlocked& operator=(const StopSignalsBlocked&) = delete;

 private:
  sigset_t old_mask_{};
};

}  // namespace outbench::cli
