// libFuzzer target: a simulated device model (fixtures/devices/*.json) through sim::load_device_model.
#include "fuzz_common.hpp"
#include "measure/sim/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path =
      outbench::fuzz::json_input(data, size, "device.json", OUTBENCH_SOURCE_DIR "/fixtures/devices/usb-interface.json");
  outbench::fuzz::expect_clean([&] { outbench::sim::load_device_model(path); });
  return 0;
}
