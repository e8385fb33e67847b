#include "measure/cli/signals.hpp"

#include <pthread.h>

namespace outbench::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<AudioIo*> g_io{nullptr};  // cleared (~StopSignals) before the AudioIo it points to is destroyed

// Silence the output first, then ask the command to stop between steps.
extern "C" void on_stop_signal(int) {
  if (AudioIo* io = g_io.load()) io->silence();
  g_stop.store(true);
}

sigset_t stop_signal_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

}  // namespace

const std::atomic<bool>& stop_requested() {
  return g_stop;
}

StopSignals::StopSignals(AudioIo* io) {
  g_io.store(io);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a signal interrupts a blocking read (a prompt)
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

StopSignals::~StopSignals() {
  g_io.store(nullptr);
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

StopSignalsBlocked::StopSignalsBlocked() {
  const sigset_t s = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &s, &old_mask_);
}

StopSignalsBlocked::~StopSignalsBlocked() {
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace outbench::cli
