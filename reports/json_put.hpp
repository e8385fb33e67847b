// One way to write an optional figure into results.json: absent when not measured, null when not finite
// (JSON has no inf/nan), else the number. Shared by the per-step writers (volume_json, dc_json).
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

namespace outbench {

inline void put_optional(nlohmann::json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace outbench
