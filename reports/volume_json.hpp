// results.json's `ports[].volume` (reports/SCHEMA.md "ports[].volume"): the volume steps of a port
// (measure/engine/volume_tracking.hpp) as JSON. Pure; absent figures are left out, as elsewhere in results.json.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/results.hpp"

namespace outbench {

nlohmann::json volume_json(const VolumeTracking& v);

}  // namespace outbench
