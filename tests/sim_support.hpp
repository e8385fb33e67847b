// Shared by the engine tests: shipped fixtures by name, a shipped device model with some fields changed
// (loaded through a temporary file so that the model loader validates it as it would a user's file), and a
// port of a run's results by name.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "measure/results.hpp"
#include "measure/sim/model.hpp"

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

// The port named `name` in a run's results (std::runtime_error when absent).
inline const PortResult& port_of(const Results& res, const std::string& name) {
  for (const auto& p : res.ports)
    if (p.name == name) return p;
  throw std::runtime_error("no port " + name);
}

}  // namespace outbench::test
