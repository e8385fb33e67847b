// results.json's `ports[].loads[]` (reports/SCHEMA.md "ports[].loads[]"): one load's figures (LoadResult) as
// JSON, with each channel's own figures, the margins over the analyser floor and the plot spectra. Method: field
// by field, nothing computed but the floor-corrected figures (the figure with its FloorMargin's correction).
// Conventions: names carry units; a load that could not be measured has valid false and its problem; absent
// optional figures are left out, figures that are not finite written as null.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/results.hpp"

namespace outbench {

nlohmann::json load_json(const LoadResult& l);
// A crosstalk point (a load's, or the port's versus frequency): an upper bound says so in its _bound flag.
nlohmann::json crosstalk_json(const LoadResult::Crosstalk& x);

}  // namespace outbench
