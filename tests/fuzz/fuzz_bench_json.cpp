// libFuzzer target: a bench configuration (fixtures/benches/*.json) through load_bench_config, including the
// load-switch section (built into a switch object without opening any port or running any command).
#include "fuzz_common.hpp"
#include "measure/config/bench_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path =
      outbench::fuzz::json_input(data, size, "bench.json", OUTBENCH_SOURCE_DIR "/fixtures/benches/simulated-usb.json");
  outbench::fuzz::expect_clean([&] { outbench::load_bench_config(path); });
  return 0;
}
