// Shared by the engine tests: shipped fixtures by name, a shipped device model with some fields changed
// (loaded through a temporary file so that the model loader validates it as it would a user's file), a quick
// run of a model on the simulated bench, and a port of a run's results by name.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/results.hpp"
#include "measure/sim/model.hpp"
#include "measure/sim/simulated_bench.hpp"

namespace outbench::test {

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures" / name;
}

// fixtures/devices/`device` with `edit` applied (none: as shipped).
inline sim::DeviceModel model_with(const std::string& device, const std::function<void(nlohmann::json&)>& edit) {
  auto dev = nlohmann::json::parse(std::ifstream(fixture("devices/" + device)));
  if (edit) edit(dev);
  static std::atomic<int> n{0};
  const auto path = std::filesystem::temp_directory_path() /
                    ("outbench_model_" + std::to_string(::getpid()) + "_" + std::to_string(++n) + ".json");
  std::ofstream(path) << dev.dump();
  auto m = sim::load_device_model(path);
  std::filesystem::remove(path);
  return m;
}

// fixtures/verdicts/default.json, the rules `outbench run` applies when given none.
inline VerdictRules default_rules() {
  return load_rules(fixture("verdicts/default.json"));
}

// What a quick run measures (RunOptions' fields of the same names; empty lists: the whole bench and plan).
struct QuickRun {
  std::uint64_t seed = 1;  // the simulated bench's noise, recorded as the run's seed
  std::vector<std::string> ports{};
  std::vector<std::string> loads{};
  std::vector<std::string> tests{};
  VerdictRules rules{};
  bool model_volumes = false;               // the run steps the model's volume controls, as `outbench run` sets them
  std::function<void(RunOptions&)> more{};  // any other option
};

// A quick run (--quick) of `model` on `bench` (sim::bench_for_model's, perhaps edited), the loads switched by
// the simulated switch.
inline Results quick_run(const sim::DeviceModel& model, const BenchConfig& bench, const QuickRun& q) {
  sim::SimulatedBench io(model, bench, q.seed);
  sim::SimulatedLoadSwitch sw(io);
  sim::SimulatedVolume vol(io);
  RunOptions opt;
  opt.quick = true;
  opt.seed = q.seed;
  opt.ports = q.ports;
  opt.loads = q.loads;
  opt.tests = q.tests;
  opt.rules = q.rules;
  if (q.model_volumes) opt.volumes = sim::model_volumes(model, vol);
  if (q.more) q.more(opt);
  Results res;
  Sequencer(bench, io, sw, opt).run(res);
  return res;
}

// The port named `name` in a run's results (std::runtime_error when absent).
inline const PortResult& port_of(const Results& res, const std::string& name) {
  for (const auto& p : res.ports)
    if (p.name == name) return p;
  throw std::runtime_error("no port " + name);
}

}  // namespace outbench::test
