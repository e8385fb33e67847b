// Reactive dummy loads and a loopback input with a capacitance on the simulated bench (docs/MEASUREMENTS.md
// "Output impedance"): the run uses Zl(f) and Zin(f) per frequency point. Truth: the model's source impedance
// (sim::source_impedance) and the divider's exact ratio.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>

#include "analysis/impedance.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using K = NetworkElement::Kind;

Results run_zout(const sim::DeviceModel& model, const std::string& port,
                 const std::function<void(BenchConfig&)>& edit) {
  BenchConfig bench = sim::bench_for_model(model, 48000);
  edit(bench);
  return test::quick_run(model, bench, {.ports = {port}, .tests = {"zout"}, .rules = test::default_rules()});
}

Load resistor(const std::string& name, double ohms) {
  Load l;
  l.name = name;
  l.nominal_ohms = l.actual_ohms = ohms;
  l.lead_uncertainty_ohms = 0;
  return l;
}

Load reactive(const std::string& name, NetworkElement e) {
  Load l;
  l.name = name;
  l.network = std::move(e);
  l.description = describe_network(*l.network);
  l.nominal_ohms = l.actual_ohms = std::abs(network_impedance(*l.network, 1000.0));
  l.lead_uncertainty_ohms = 0;
  return l;
}

// The largest |(|Z| - |Zs|)| / |Zs| over the combined points 20 Hz..20 kHz.
double worst_relative_error(const PortResult& p, const sim::ChannelModel& ch) {
  double worst = 0;
  for (const auto& pt : p.impedance) {
    if (pt.freq_hz < 20 || pt.freq_hz > 20000) continue;
    const double t = std::abs(sim::source_impedance(ch, pt.freq_hz));
    worst = std::max(worst, std::abs(std::abs(pt.z_ohms) - t) / t);
  }
  return worst;
}

// The headphone out of usb-interface (10 ohm + 220 uF) into 32 ohm + 500 uH and 300 ohm || 10 nF recovers
// |Zout(f)| within the tolerance of the resistive 32 and 300 ohm loads (1 %, as analysis' RcSource); the loads'
// real resistances in place of Zl(f) would be 80 % off at 20 kHz (test_complex_impedance.cpp).
TEST(ReactiveLoads, RecoverZoutAsTheResistiveLoadsDo) {
  const auto model = test::model_with("usb-interface.json", nullptr);
  const auto& ch = model.port("headphone")->ch(0);
  const auto res_r = run_zout(model, "headphone", [](BenchConfig& b) {
    b.loads = {resistor("open", std::numeric_limits<double>::infinity()), resistor("32", 32), resistor("300", 300)};
  });
  const NetworkElement rl{K::series, 0, {{K::resistor, 32, {}}, {K::inductor, 0.5e-3, {}}}};
  const NetworkElement rc{K::parallel, 0, {{K::resistor, 300, {}}, {K::capacitor, 10e-9, {}}}};
  const auto res_x = run_zout(model, "headphone", [&](BenchConfig& b) {
    b.loads = {resistor("open", std::numeric_limits<double>::infinity()), reactive("32+L", rl), reactive("300||C", rc)};
  });
  const auto &pr = test::port_of(res_r, "headphone"), &px = test::port_of(res_x, "headphone");
  ASSERT_FALSE(pr.impedance.empty());
  ASSERT_FALSE(px.impedance.empty());
  const double err_r = worst_relative_error(pr, ch), err_x = worst_relative_error(px, ch);
  std::printf("worst |Zout| error 20 Hz-20 kHz: resistive loads %.4f %%, reactive loads %.4f %%\n", 100 * err_r,
              100 * err_x);
  EXPECT_LT(err_r, 0.01);
  EXPECT_LT(err_x, 0.01);
  const auto z20k = impedance_at(px.impedance, 20000.0);
  ASSERT_TRUE(z20k);
  EXPECT_NEAR(std::abs(*z20k), std::abs(sim::source_impedance(ch, 20000.0)), 0.01 * std::abs(*z20k));
  ASSERT_EQ(px.loads.size(), 3u);
  EXPECT_EQ(px.loads[1].load_description, "32 ohm + 500 uH");
  EXPECT_NEAR(px.loads[1].load_ohms, std::hypot(32.0, 2 * M_PI * 1000 * 0.5e-3), 1e-9);
}

// A loopback input of 100 kohm || 470 pF and one 10 kohm load on a 120 ohm source: Zin at 1 kHz alone biases Zout
// at 20 kHz by Zs/(1 + Zs (Y_true - Y_assumed)) - Zs (about -0.85 ohm of reactance; |Zout| only to second order);
// the bench's Zin(f) removes the bias.
TEST(ReactiveLoads, InputCapacitanceBiasAtTwentyKilohertzAndItsRemoval) {
  const auto model = test::model_with("iec61938-120ohm.json", [](nlohmann::json& d) {
    d["loopback_input"]["impedance_ohms"] = 1e5;
    d["loopback_input"]["input_capacitance_pf"] = 470;
  });
  const double zs = std::abs(sim::source_impedance(model.port("headphone")->ch(0), 20000.0));
  const auto loads = [](BenchConfig& b) {
    b.loads = {resistor("open", std::numeric_limits<double>::infinity()), resistor("10k", 1e4)};
  };
  const auto with_curve = run_zout(model, "headphone", loads);
  const double zin_1k = std::abs(sim::loopback_impedance(model.loopback, 1000.0));
  const auto constant = run_zout(model, "headphone", [&](BenchConfig& b) {
    loads(b);
    b.input_impedance_curve.clear();
    b.input_impedance_ohms = zin_1k;
  });
  const auto zin = sim::loopback_impedance(model.loopback, 20000.0);
  const std::complex<double> bias = zs / (1.0 + zs * (1.0 / zin - 1.0 / zin_1k)) - zs;
  const auto zc = impedance_at(test::port_of(with_curve, "headphone").impedance, 20000.0);
  const auto zk = impedance_at(test::port_of(constant, "headphone").impedance, 20000.0);
  ASSERT_TRUE(zc && zk);
  std::printf(
      "Zout at 20 kHz: true %.3f ohm; Zin(f) %.3f%+.3fj; Zin(1 kHz) only %.3f%+.3fj (computed bias %.3f%+.3fj)\n", zs,
      zc->real(), zc->imag(), zk->real(), zk->imag(), bias.real(), bias.imag());
  EXPECT_GT(std::abs(bias), 0.5);
  EXPECT_LT(std::abs(*zk - zs - bias), 0.2);
  EXPECT_LT(std::abs(*zc - zs), 0.2);
}

}  // namespace
}  // namespace outbench
