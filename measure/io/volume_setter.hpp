// Setting a port's volume control during a run (the volume-tracking step, measure/engine/volume_tracking.hpp).
//
// Method: VolumeSetter::set(port, setting_db) puts the port's volume control at `setting_db` on the device's
// own scale (dB, the top of the range is PortVolume::top_db) and returns once it is there: the simulated bench
// sets its model directly; on hardware the bench file says how (ports.NAME.volume: a `command` program given
// the setting as its last argument, or `manual` prompts naming the setting; measure/switch/volume_setters.hpp).
// Conventions: settings in dB of the device's control, 0 dB steps measured down from top_db.
// Limits: one port's control at a time; a setter need not know the setting in force before the first set().
#pragma once

#include <string>
#include <vector>

namespace outbench {

class VolumeSetter {
 public:
  virtual ~VolumeSetter() = default;
  virtual void set(const std::string& port, double setting_db) = 0;
  // The run's volume steps are over (restore() follows set(run_db)): a simulated bench goes back to its model.
  virtual void done(const std::string& /*port*/) {}
  virtual std::string describe() const = 0;
};

// A port's volume control as a run may set it.
struct PortVolume {
  double top_db = 0;  // top of its range: the volume steps are top_db, top_db - 6, ... dB
  double run_db = 0;  // its setting for the rest of the run (the calibrations hold there); set again after the steps
  VolumeSetter* setter = nullptr;
};

// A bench file's ports.NAME.volume (fixtures/benches/README.md): how a real bench sets the control.
struct VolumeConfig {
  std::string type;               // "command" (argv + the setting, e.g. "-6") or "manual" (a prompt)
  std::vector<std::string> argv;  // command
  double timeout_s = 10, settle_s = 0.5;
  double top_db = 0;  // PortVolume::top_db
  double run_db = 0;  // PortVolume::run_db (default top_db)
};

}  // namespace outbench
