// Volume controls on a real bench (fixtures/benches/README.md, `ports.NAME.volume`), for the volume-tracking
// step (measure/engine/volume_tracking.hpp).
//
//  command: runs argv + [the setting in dB, e.g. "-6"] exactly as a `command` load switch runs its program
//           (CommandSwitch: no shell, its own process group, a timeout, stderr in the error), then waits settle_s.
//           {"type": "command", "argv": ["/usr/local/bin/set-volume", "headphone"], "timeout_s": 10, "settle_s": 0.5}
//  manual:  prints the setting to turn the control to and waits for Enter (needs a terminal).
//           {"type": "manual", "top_db": 0, "run_db": -10}
// Both take top_db (the top of the control's range on its own scale, default 0) and run_db (the setting the
// rest of the run and the calibrations use, default top_db). Unknown keys are refused (JsonReader::only_keys).
#pragma once

#include <atomic>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "measure/config/bench_config.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/io/volume_setter.hpp"

namespace outbench {

// Reads and checks a ports.NAME.volume section (a command's program must exist and be executable).
VolumeConfig read_volume_config(const JsonReader& r, const std::string& source);

class CommandVolume : public VolumeSetter {
 public:
  CommandVolume(VolumeConfig c, const std::atomic<bool>* stop) : c_(std::move(c)), stop_(stop) {}
  void set(const std::string& port, double setting_db) override;
  std::string describe() const override { return "volume command " + (c_.argv.empty() ? "" : c_.argv.front()); }

 private:
  VolumeConfig c_;
  const std::atomic<bool>* stop_;
};

class ManualVolume : public VolumeSetter {
 public:
  ManualVolume(std::istream& in, std::ostream& out, bool is_terminal) : in_(in), out_(out), terminal_(is_terminal) {}
  void set(const std::string& port, double setting_db) override;
  std::string describe() const override { return "manual volume setting"; }

 private:
  std::istream& in_;
  std::ostream& out_;
  bool terminal_;
};

// The setters of a bench's ports that have a `volume` section, and the ports' PortVolume (pointing into
// `owned`).
std::map<std::string, PortVolume> bench_volumes(const BenchConfig& bench, const std::atomic<bool>* stop,
                                                std::vector<std::unique_ptr<VolumeSetter>>& owned);

}  // namespace outbench
