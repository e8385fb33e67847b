// One way to write an optional figure into results.json: absent when not measured, null when not finite
// (JSON has no inf/nan), else the number. Shared by the results.json writers (results_json, load_json and the
// per-step writers volume_json, dc_json).
#pragma once

#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace outbench {

inline void put_optional(nlohmann::json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// An object of the given optional figures, each written by put_optional ({} when none was measured).
inline nlohmann::json optional_fields_json(
    std::initializer_list<std::pair<const char*, std::optional<double>>> fields) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, v] : fields) put_optional(j, key, v);
  return j;
}

}  // namespace outbench
