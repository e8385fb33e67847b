// The measurement sequencer: walks ports x loads x tests on an AudioIo and a LoadSwitch (definitions:
// docs/MEASUREMENTS.md), analyses every capture with analysis/, and fills a Results value.
//
// Per port, for each load (open first): a synchronized sweep on both channels in phase (every channel's
// response; the open-load one is the impedance reference), a 997 Hz tone at the reference level on all
// channels (THD+N, spectrum, balance), idle noise (unweighted and A), a -60 dBFS tone (AES17 dynamic range),
// crosstalk (one channel driven at a time), THD+N versus level (coarse steps, then bisection around the 0.1 %
// and 1 % crossings) ending at the maximum level, and, once calibrated, THD+N at nominal line level (line load)
// or 1 mW (headphone loads); into the heaviest load then one sweep per channel driven alone (ground_return.hpp).
// Then output impedance from open versus each load (per channel), combined and checked for agreement, the
// shared ground return, and THD+N versus
// frequency into the port's nominal load, and (a port in RunOptions::volumes) its volume control stepped down. Every
// drive is capped by the bench's safety limits, predicted from the sweep's measured gain into the load before the tone
// is played; tones fade in and out. Progress goes to a callback; results go to a checkpoint callback after each port x
// load (results.json is rewritten then, so an interrupted run keeps what it measured). A stop flag ends the run between
// steps. At the end (or at a stop), the ports asked for that the device lacks (line, headphone) are added as absent; a
// complete run then has its verdicts decided, once (measure/verdict_inputs.hpp). Sequencer::run only orchestrates: the
// steps are plan, capture_session, port_volts (with drive_limits), load_procedure, level_search, port_sweeps,
// port_impedance and spectra, each in its own unit here.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "measure/config/bench_config.hpp"
#include "measure/engine/capture_session.hpp"
#include "measure/headphone_inputs.hpp"
#include "measure/io/audio_io.hpp"
#include "measure/io/volume_setter.hpp"
#include "measure/results.hpp"
#include "measure/verdict_inputs.hpp"

namespace outbench {

struct RunOptions {
  std::vector<std::string> ports;  // empty: every port of the bench
  std::vector<std::string> loads;  // empty: every load of the bench
  std::vector<std::string> tests;  // empty: the whole plan (engine/test_set.hpp)
  bool quick = false;
  std::uint64_t seed = 1;
  double reference_level_dbfs = -20.0;  // AES17
  double tone_hz = 997.0;               // AES17
  double sweep_level_dbfs = -20.0;
  // The band of every THD+N and unweighted noise figure (--band; AES17 20 Hz..20 kHz). A-weighted figures keep
  // 20 Hz..20 kHz.
  double band_lo_hz = 20.0, band_hi_hz = 20000.0;
  VerdictRules rules;
  CaptureSink keep_capture;                   // when set: receives every capture (--keep-captures)
  std::map<std::string, PortVolume> volumes;  // ports whose volume control the run steps (volume_tracking.hpp)
  std::vector<HeadphoneModel> headphones;     // the predicted responses (measure/headphone_inputs.hpp); empty: none
  std::function<void(const Progress&)> on_progress;
  std::function<void(const Results&)> on_checkpoint;
  const std::atomic<bool>* stop = nullptr;
  // Asks for a DC voltmeter's reading (mV) with `prompt` (the dc step, when the loopback cannot read DC); nullopt
  // with the reason in why_not when none was given. Empty: nobody to ask (no terminal, --no-prompt).
  std::function<std::optional<double>(const std::string& prompt, std::string& why_not)> ask_dc_meter_mv;
};

class Sequencer {
 public:
  Sequencer(const BenchConfig& bench, AudioIo& io, LoadSwitch& sw, RunOptions opt);
  // Runs the plan; `results` arrives with the device and bench description filled in.
  void run(Results& results);

 private:
  struct Impl;
  void add_absent_ports(Results& results) const;
  const BenchConfig& bench_;
  AudioIo& io_;
  LoadSwitch& sw_;
  RunOptions opt_;
};

// Before anything is played or written: throws InputError when a port of the run has neither an output nor
// an input calibration and the bench does not set safety.uncalibrated_max_drive_dbfs (no volt or power
// limit could be held). Sequencer::run checks this too.
void check_safe_to_start(const BenchConfig& bench, const RunOptions& opt);

}  // namespace outbench
