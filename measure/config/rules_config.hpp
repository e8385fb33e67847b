// Verdict rules from JSON ("schema": "outbench-rules/1", fixtures/verdicts/default.json shows every field).
// Missing fields keep the defaults of VerdictRules; bad ones throw InputError with the JSON path.
#pragma once

#include <filesystem>

#include "analysis/verdict.hpp"

namespace outbench {

VerdictRules load_rules(const std::filesystem::path& path);

}  // namespace outbench
