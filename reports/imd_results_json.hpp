// results.json ports[].imd (reports/SCHEMA.md "ports[].imd"): a port's SMPTE and CCIF figures per channel, at the
// reference level (each reading as `outbench analyze imd --json` prints it, with its channel and drive) and
// versus level (compact steps). Names carry units; a reading the analysis refused has valid false and problem.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/imd_results.hpp"

namespace outbench {

nlohmann::json port_imd_json(const PortImd& imd);

}  // namespace outbench
