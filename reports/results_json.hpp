// results.json: the Results of a run as JSON, schema "outbench/2" (reads "outbench/1" too) (reports/SCHEMA.md). Field
// names carry their units; values that are not finite are written as null; absent optional figures are omitted.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/results.hpp"

namespace outbench {

inline constexpr const char* kResultsSchema = "outbench/2";

nlohmann::json results_json(const Results& r);

}  // namespace outbench
