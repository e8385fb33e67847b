// libFuzzer target: verdict rules (fixtures/verdicts/*.json) through load_rules.
#include "fuzz_common.hpp"
#include "measure/config/rules_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path =
      outbench::fuzz::json_input(data, size, "rules.json", OUTBENCH_SOURCE_DIR "/fixtures/verdicts/default.json");
  outbench::fuzz::expect_clean([&] { outbench::load_rules(path); });
  return 0;
}
