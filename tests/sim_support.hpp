// Shared by the engine tests: shipped fixtures by name, and a shipped device model with some fields changed,
// loaded through a temporary file so that the model loader validates it as it would a user's file.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace outbench::test
