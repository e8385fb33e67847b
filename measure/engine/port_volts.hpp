// What a run knows of the volts each load of a port sees, and the safety cap that follows (drive_limits.hpp
// holds the pure caps). The sources, in the order the run learns them: the output calibration, the level
// probe into the open load, the sweep into each load, and every level step's capture peak.
//
// Method: readings through the input calibration are `accurate` (a tone well above noise, a sweep, a level
// step: the largest is kept, sample peaks included, so transients and lopsided waveforms count) or rough
// upper `bound`s (a reading lost in noise or hum: signal plus interference, and the capture's peak; the
// smallest is kept). The open-circuit volts bound every load (a passive divider only lowers them): the larger
// of the output calibration and the open load's reading; a load's own reading may lower that. Readings are
// raised by input_correction (>= 1), how much the input calibration reads low against the output
// calibration, so the cap never trusts the more optimistic of two calibrations.
// Conventions: volts are Vrms across the load per 0 dBFS sine of drive.
// Limits: one port at a time (start_port() forgets the previous port's readings).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "measure/config/bench_config.hpp"
#include "measure/engine/capture_session.hpp"
#include "measure/engine/drive_limits.hpp"

namespace outbench::engine {

// The calibrations must agree within kCalAgreeDb; a sweep is compared only when its 1 kHz level at the input
// is above kSweepCheckMinDbfs (else noise decides).
inline constexpr double kCalAgreeDb = 1.0, kSweepCheckMinDbfs = -70.0;
// The level probe: from kProbeStartDbfs in kProbeStepDb steps, kProbeS each, until the tone reads
// kProbeGoodThdnDb above noise and distortion.
inline constexpr double kProbeStartDbfs = -100.0, kProbeStepDb = 20.0, kProbeS = 0.1, kProbeGoodThdnDb = -40.0;

class PortVolts {
 public:
  PortVolts(const BenchConfig& bench, CaptureSession& session) : bench_(bench), s_(session) {}

  // Forget the readings of the previous port.
  void start_port();
  // The cap into `load`, from what is known now.
  DriveCap cap_for(const PortWiring& port, const Load& load) const;
  // Set the session's cap to the one into `load` (after selecting it).
  void use_cap_of(const PortWiring& port, const Load& load) { s_.cap = cap_for(port, load); }
  // A 1 kHz volt reading through the input calibration against the output calibration: the open load must
  // read what the output calibration says, any other load no more than that. Throws InputError when they
  // disagree by more than kCalAgreeDb (one calibration is wrong, or the volume moved since).
  void cross_check(const PortWiring& port, const Load& load, double vrms_at_0dbfs, const char* how);
  // Record a reading of the volts across `load` and tighten the cap of the load selected now.
  void learn(const PortWiring& port, const Load& load, double vrms_at_0dbfs, bool accurate);
  // The volts a capture shows per 0 dBFS of drive, from its sample peak against the stimulus's (every
  // channel: the largest); nullopt when the input is not calibrated.
  std::optional<double> peak_volts(const std::vector<std::vector<double>>& stim, const Capture& c) const;
  // Before the first sweep of a port (input calibrated), into the open load: a tone of `tone_hz` from
  // kProbeStartDbfs up in kProbeStepDb steps (never above `top_dbfs` or the cap), each played only when the
  // previous reading predicts it is under the cap, until the tone reads kProbeGoodThdnDb above noise and
  // distortion.
  void probe(const PortWiring& port, const Load& open, double tone_hz, double top_dbfs);

 private:
  struct Volts {
    std::optional<double> accurate, bound;
  };
  std::optional<double> measured(const std::string& load_name) const;

  const BenchConfig& bench_;
  CaptureSession& s_;
  std::map<std::string, Volts> volts_;  // by load name (this port)
  double input_correction_ = 1.0;
};

}  // namespace outbench::engine
