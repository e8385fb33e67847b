// results.json's `ports[].dc_offset` and `ports[].transients` (reports/SCHEMA.md): a port's DC offset and
// switching transients (measure/dc_results.hpp) as JSON. Pure; absent figures are left out, as elsewhere.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/dc_results.hpp"

namespace outbench {

nlohmann::json dc_offset_json(const PortDcOffset& d);
nlohmann::json transients_json(const PortTransients& t);

}  // namespace outbench
