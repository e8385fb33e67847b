// The stimulus budget of a full run (scripts/bench.sh): runs the whole plan on the simulated bench (a device
// model, default fixtures/devices/usb-interface.json: both ports, both channels, six loads) and prints the
// seconds of stimulus per plan step, their share and the total. On hardware the stimulus is the run's wall
// time (plus load switching), so this is what a bench user waits for. Simulated: the figures are exact.
//   usage: outbench_stimulus_budget [DEVICE.json] [--quick]
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/engine/test_set.hpp"
#include "measure/sim/simulated_bench.hpp"

int main(int argc, char** argv) {
  using namespace outbench;
  std::filesystem::path device = std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures/devices/usb-interface.json";
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
    else
      device = argv[i];
  }
  try {
    const auto model = sim::load_device_model(device);
    const auto bench = sim::bench_for_model(model, 48000);
    sim::SimulatedBench io(model, bench, 1);
    sim::SimulatedLoadSwitch sw(io);
    RunOptions opt;
    opt.quick = quick;
    opt.rules = load_rules(std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures/verdicts/default.json");
    Results res;
    Sequencer(bench, io, sw, opt).run(res);
    const auto& c = res.conditions;
    std::printf("stimulus per step, %s run of %s (%zu ports):\n", quick ? "--quick" : "full", model.name.c_str(),
                res.ports.size());
    auto row = [&](const std::string& step) {
      const auto it = c.stimulus_by_step_s.find(step);
      if (it == c.stimulus_by_step_s.end()) return;
      std::printf("  %-16s %8.2f s  %5.1f %%\n", step.c_str(), it->second, 100 * it->second / c.stimulus_s);
    };
    row("probe");
    row("floor");
    for (const auto& t : engine::kTests) row(t.name);
    std::printf("  %-16s %8.2f s  (issue 13 budget: <= 90 s for a full run)\n", "total", c.stimulus_s);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outbench_stimulus_budget: %s\n", e.what());
    return 1;
  }
}
