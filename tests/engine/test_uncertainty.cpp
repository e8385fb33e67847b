// |Zout| and its expanded uncertainty (k = 2) on the simulated bench (docs/MEASUREMENTS.md "Uncertainty of |Zout|"):
// the model's true source impedance lies within the stated band; the load term grows with tolerance_pct as the
// analytic derivative says; a damping limit inside the band grades "marginal".
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/port_sim.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "measure/verdict_inputs.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

Results run_quick(const sim::DeviceModel& model, const std::function<void(BenchConfig&)>& edit = nullptr,
                  std::vector<std::string> ports = {}) {
  BenchConfig bench = sim::bench_for_model(model, 48000);
  if (edit) edit(bench);
  return test::quick_run(model, bench, {.ports = std::move(ports), .rules = test::default_rules()});
}

TEST(ZoutUncertainty, TrueSourceImpedanceLiesWithinTheStatedBand) {
  for (const char* device : {"usb-interface.json", "phone-dongle.json", "iec61938-120ohm.json"}) {
    const auto model = test::model_with(device, nullptr);
    const auto res = run_quick(model);
    for (const auto& p : res.ports) {
      if (!p.present || !p.z_1k_ohms) continue;
      const auto& ch = model.port(p.name)->ch(0);
      SCOPED_TRACE(std::string(device) + " " + p.name);
      const double true_1k = std::abs(sim::source_impedance(ch, 1000.0));
      const double true_20 = std::abs(sim::source_impedance(ch, 20.0));
      ASSERT_TRUE(p.z_1k_u95_ohms && p.z_20hz_u95_ohms && p.max_zout_u95_ohms);
      EXPECT_GT(*p.z_1k_u95_ohms, 0.0);
      EXPECT_LE(std::abs(*p.z_1k_ohms - true_1k), *p.z_1k_u95_ohms) << *p.z_1k_ohms << " vs " << true_1k;
      EXPECT_LE(std::abs(*p.z_20hz_ohms - true_20), *p.z_20hz_u95_ohms) << *p.z_20hz_ohms << " vs " << true_20;
      EXPECT_LE(std::abs(*p.max_zout_ohms - std::max(true_1k, true_20)), *p.max_zout_u95_ohms);
      // Not a band wide enough to say nothing: within 3 % of |Zout| plus the 0.02 ohm lead term at 1 % loads.
      EXPECT_LT(*p.z_1k_u95_ohms, 0.03 * true_1k + 0.03);
      for (const auto& z : p.impedance_per_load) {
        ASSERT_TRUE(z.z_1k_ohms && z.z_1k_u95_ohms);
        EXPECT_LE(std::abs(std::abs(*z.z_1k_ohms) - true_1k), *z.z_1k_u95_ohms) << "load " << z.load_ohms;
      }
      for (const auto& c : p.channels) ASSERT_TRUE(c.z_1k_u95_ohms && c.max_zout_u95_ohms);
    }
  }
}

// Per load: u95^2 = 4 (u_load^2 + others), u_load = |Z| |1 + Z/Zin| t/sqrt(3); only the load term depends on t.
TEST(ZoutUncertainty, LoadTermGrowsWithToleranceAsTheDerivativeSays) {
  const auto model = test::model_with("usb-interface.json", nullptr);
  const auto with_tol = [&](double pct) {
    return run_quick(model,
                     [pct](BenchConfig& b) {
                       for (auto& l : b.loads) l.tolerance_pct = pct;
                     },
                     {"line"});
  };
  const auto r1 = with_tol(1.0), r5 = with_tol(5.0);
  const auto& p1 = test::port_of(r1, "line");
  const auto& p5 = test::port_of(r5, "line");
  ASSERT_EQ(p1.impedance_per_load.size(), p5.impedance_per_load.size());
  ASSERT_FALSE(p1.impedance_per_load.empty());
  for (std::size_t i = 0; i < p1.impedance_per_load.size(); ++i) {
    const auto& a = p1.impedance_per_load[i];
    const auto& b = p5.impedance_per_load[i];
    ASSERT_EQ(a.points.size(), b.points.size());
    for (std::size_t k = 0; k < a.points.size(); k += 10) {  // the same captures (seed 1): only t differs
      const auto z = a.points[k].z_ohms;
      const double dz = std::abs(z * (1.0 + z / a.input_ohms));  // |dZ/(dRl/Rl)|
      const double expected = 4.0 * dz * dz * (0.05 * 0.05 - 0.01 * 0.01) / 3.0;
      const double got = std::pow(b.points[k].u95_ohms, 2) - std::pow(a.points[k].u95_ohms, 2);
      EXPECT_NEAR(got, expected, 1e-9 * expected) << "load " << a.load_ohms << " at " << a.points[k].freq_hz << " Hz";
    }
  }
  // The 100 ohm line out's combined band: about 2 |Z| 5 %/sqrt(3) / sqrt(loads) at most, grown by about 5x.
  EXPECT_GT(*p5.z_1k_u95_ohms, 3.0 * *p1.z_1k_u95_ohms);
}

// A line out of 2.0 ohm judged for 16 ohm headphones (limit 16/8 = 2.0 ohm): the limit lies within the band.
TEST(ZoutUncertainty, DampingLimitWithinTheBandIsMarginal) {
  const auto model =
      test::model_with("usb-interface.json", [](nlohmann::json& d) { d["ports"]["line"]["source_r_ohms"] = 2.0; });
  auto res = run_quick(model, nullptr, {"line"});
  decide_verdicts(res, load_rules(test::fixture("verdicts/default.json")));
  const auto& p = test::port_of(res, "line");
  ASSERT_TRUE(p.max_zout_ohms && p.max_zout_u95_ohms);
  EXPECT_LE(std::abs(*p.max_zout_ohms - 2.0), *p.max_zout_u95_ohms);
  const RuleResult* damping16 = nullptr;
  const RuleResult* damping32 = nullptr;
  for (const auto& v : res.verdicts)
    for (const auto& r : v.rules)
      if (v.port == "line" && r.id == "damping_16")
        damping16 = &r;
      else if (v.port == "line" && r.id == "damping_32")
        damping32 = &r;
  ASSERT_TRUE(damping16 && damping32);
  EXPECT_EQ(damping16->grade, "marginal") << damping16->sentence;
  EXPECT_NE(damping16->sentence.find("marginal"), std::string::npos);
  ASSERT_TRUE(damping16->uncertainty);
  EXPECT_EQ(damping32->grade, "pass");  // 2.0 ohm against 4.0 ohm: far outside the band
}

}  // namespace
}  // namespace outbench
