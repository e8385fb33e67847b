// The responses predicted with real headphones on the simulated bench: from the measured complex |Zout| of the
// USB interface's headphone out (10 ohm and a 220 uF coupling capacitor) into each shipped headphone, against
// the complex divider with the model's own source impedance; the verdict judges them, damping as information.
#include <gtest/gtest.h>

#include <cmath>

#include "measure/config/headphones_config.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

double divider_db(std::complex<double> zhp, std::complex<double> zout) {
  return 20 * std::log10(std::abs(zhp / (zhp + zout)));
}

TEST(Headphones, PredictedDeviationIsTheDividerWithTheModelsSource) {
  const auto model = test::model_with("usb-interface.json", nullptr);
  BenchConfig bench = sim::bench_for_model(model, 48000);
  sim::SimulatedBench io(model, bench, 1);
  sim::SimulatedLoadSwitch sw(io);
  RunOptions opt;
  opt.ports = {"headphone"};
  opt.loads = {"open", "32", "16"};
  opt.rules = load_rules(test::fixture("verdicts/default.json"));
  opt.headphones = load_headphone_folder(test::fixture("headphones"));
  ASSERT_EQ(opt.headphones.size(), 4u);
  Results res;
  Sequencer(bench, io, sw, opt).run(res);
  const auto& p = test::port_of(res, "headphone");
  ASSERT_EQ(p.headphones.size(), 4u);
  const auto& ch = model.port("headphone")->ch(0);
  for (std::size_t i = 0; i < p.headphones.size(); ++i) {
    const auto& hp = opt.headphones[i];
    const auto& pr = p.headphones[i].prediction;
    SCOPED_TRACE(hp.id);
    ASSERT_TRUE(pr.max_deviation_db && pr.level_1k_db) << pr.problem;
    const double ref = divider_db(*hp.z_at(1000), sim::source_impedance(ch, 1000));
    EXPECT_NEAR(*pr.level_1k_db, ref, 0.01);
    double truth = 0;
    for (double f = 20; f <= 20000 * (1 + 1e-12); f *= std::exp2(1.0 / 500))
      truth = std::max(truth, std::abs(divider_db(*hp.z_at(f), sim::source_impedance(ch, f)) - ref));
    EXPECT_NEAR(*pr.max_deviation_db, truth, 0.02 + 0.01 * truth);
    ASSERT_EQ(p.headphones[i].channels.size(), 2u);
    EXPECT_NEAR(*p.headphones[i].channels[1].max_deviation_db, truth, 0.02 + 0.01 * truth);
  }
  // The verdict: each headphone's rule, the damping rules as information.
  for (const auto& v : res.verdicts) {
    if (v.id != "headphone_for_headphones") continue;
    int judged = 0;
    for (const auto& r : v.rules) {
      if (r.id.rfind("headphone_", 0) == 0) judged += r.evaluated;
      if (r.id.rfind("damping_", 0) == 0) {
        EXPECT_TRUE(r.informational) << r.id;
      }
    }
    EXPECT_EQ(judged, 4);
    EXPECT_EQ(v.grade, "no") << v.summary;  // 220 uF into the 16 ohm planar: several dB down at 20 Hz
  }
}

}  // namespace
}  // namespace outbench
