// Verdict rules from JSON ("schema": "outbench-rules/1", fixtures/verdicts/default.json shows every field).
// Method: read with JsonReader into analysis' VerdictRules. Conventions: missing fields keep the defaults of
// VerdictRules; bad ones throw InputError with the JSON path; units are in the field names. Limits: those of
// read_json_file (json_reader.hpp).
#pragma once

#include <filesystem>

#include "analysis/verdict.hpp"

namespace outbench {

VerdictRules load_rules(const std::filesystem::path& path);

}  // namespace outbench
