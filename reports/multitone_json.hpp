// JSON of a multitone reading (`outbench analyze multitone --json`) and of results.json ports[].multitone
// (reports/SCHEMA.md "ports[].multitone"). Method: field by field, nothing computed. Conventions: names carry
// units; ratios (dB) re the whole multitone's rms; a reading the analysis refused has valid false and problem.
// Limits: values at the analysis's -400 dB "nothing there" are written as they are.
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/multitone.hpp"
#include "measure/multitone_results.hpp"

namespace outbench {

// {valid, problem | total_dbfs, tone_fraction, tdn_db, floor_db, tones[]}
nlohmann::json multitone_analysis_json(const MultitoneAnalysis& r);
// The design: {rate_hz, period_frames, crest_factor_db, freq_hz[]}
nlohmann::json multitone_design_json(const MultitoneDesign& d);
nlohmann::json port_multitone_json(const PortMultitone& m);

}  // namespace outbench
