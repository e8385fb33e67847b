// JSON for the offline analyses (`outbench analyze ... --json`), and the pieces results.json shares with
// them (THD+N, impedance points). Method: one function per analysis result, field by field, nothing
// computed. Conventions: field names carry their units; values that are not finite (the level of a
// component that is absent) are written as null. Limits: no schema field of its own; the README's
// `analyze` section lists the fields.
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/distortion.hpp"
#include "analysis/headphone.hpp"
#include "analysis/imd.hpp"
#include "analysis/impedance.hpp"
#include "analysis/response.hpp"

namespace outbench {

nlohmann::json finite_or_null(double v);
nlohmann::json thdn_json(const ThdnResult& r);
nlohmann::json response_json(const ResponseResult& r);
nlohmann::json impedance_json(const ImpedanceResult& r);
// [{freq_hz, z_ohms, r_ohms, x_ohms}]: the points of an analysis and the combined points of a run alike.
nlohmann::json impedance_points_json(const std::vector<ImpedancePoint>& points);
// SMPTE: imd_db/imd_pct; CCIF: d2_db/d2_pct/d3_db/d3_pct; both: the components read, bound.
nlohmann::json imd_json(const ImdResult& r);
// The standard's figures alone, into j: SMPTE imd_db/imd_pct, CCIF d2_db/d2_pct/d3_db/d3_pct.
void put_imd_figures(const ImdResult& r, nlohmann::json& j);
// A predicted headphone response (reports/SCHEMA.md "ports[].headphones[]", without `channels`).
nlohmann::json headphone_prediction_json(const HeadphonePrediction& r);

}  // namespace outbench
