#include "measure/switch/volume_setters.hpp"

#include <unistd.h>

#include <iostream>
#include <stdexcept>

#include "measure/errors.hpp"
#include "measure/strformat.hpp"
#include "measure/switch/switches.hpp"

namespace outbench {

VolumeConfig read_volume_config(const JsonReader& r, const std::string& source) {
  r.require_object();
  VolumeConfig c;
  c.type = r.string("type");
  if (c.type == "manual") {
    r.only_keys({"type", "top_db", "run_db"});
  } else if (c.type == "command") {
    r.only_keys({"type", "argv", "timeout_s", "settle_s", "top_db", "run_db"});
    const auto a = r.at("argv");
    a.require_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a.json()[i].is_string()) a.fail("", "a list of strings");
      c.argv.push_back(a.json()[i].get<std::string>());
    }
    if (c.argv.empty() || c.argv.front().empty()) a.fail("", "at least the program to run");
    find_switch_program(c.argv.front(), "in " + source + ": volume.argv[0]");
    c.timeout_s = r.number_in("timeout_s", 0.01, 600, 10);
    c.settle_s = r.number_in("settle_s", 0, 10, 0.5);
  } else {
    r.fail("type", "\"command\" or \"manual\"");
  }
  c.top_db = r.number_in("top_db", -120, 40, 0);
  c.run_db = r.number_in("run_db", -200, c.top_db, c.top_db);
  return c;
}

void CommandVolume::set(const std::string& port, double setting_db) {
  // The load switch's command runner, given the setting where it would get a load name.
  CommandSwitch run(c_.argv, c_.timeout_s, c_.settle_s, stop_);
  Load as_arg;
  as_arg.name = strformat("%g", setting_db);
  try {
    run.select(as_arg);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("setting the " + port + " volume to " + as_arg.name + " dB (ports." + port +
                             ".volume in the bench file): " + e.what());
  }
}

void ManualVolume::set(const std::string& port, double setting_db) {
  if (!terminal_)
    throw UsageError("a manual volume setting (ports." + port +
                     ".volume) needs a terminal to wait for Enter; use a \"command\" volume or leave it out");
  out_ << "\nSet the " << port << " volume to " << strformat("%g", setting_db) << " dB, then press Enter... "
       << std::flush;
  std::string line;
  if (!std::getline(in_, line)) throw UsageError("no answer on the terminal (Ctrl-C or end of input): stopped");
}

std::map<std::string, PortVolume> bench_volumes(const BenchConfig& bench, const std::atomic<bool>* stop,
                                                std::vector<std::unique_ptr<VolumeSetter>>& owned) {
  std::map<std::string, PortVolume> out;
  for (const auto& p : bench.ports) {
    if (!p.volume) continue;
    if (p.volume->type == "command")
      owned.push_back(std::make_unique<CommandVolume>(*p.volume, stop));
    else
      owned.push_back(std::make_unique<ManualVolume>(std::cin, std::cerr, ::isatty(STDIN_FILENO) != 0));
    out[p.name] = PortVolume{p.volume->top_db, p.volume->run_db, owned.back().get()};
  }
  return out;
}

}  // namespace outbench
