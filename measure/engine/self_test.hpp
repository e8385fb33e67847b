// The analysis self-test run before touching hardware (STYLE.md: self-test before trusting hardware): a tone
// with a known THD+N and a sweep through a known gain and delay must come out right. Returns "" when it
// passes, else what failed.
#pragma once

#include <string>

namespace outbench {

std::string analysis_self_test();

}  // namespace outbench
