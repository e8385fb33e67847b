// Verdict rules (docs/MEASUREMENTS.md "The verdicts") on hand-made figures: every rule's limit is inclusive on the
// right side, absent and unmeasured ports are not failures, uncalibrated figures skip the volt rules.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/units.hpp"
#include "analysis/verdict.hpp"

namespace outbench {
namespace {

const RuleResult& rule(const Verdict& v, const std::string& id) {
  for (const auto& r : v.rules)
    if (r.id == id) return r;
  throw std::runtime_error("no rule " + id);
}

// A headphone out that meets every consumer line-out rule with a margin.
PortFigures good_headphone() {
  PortFigures f;
  f.present = true;
  f.calibrated = true;
  f.max_zout_ohms = 10.0;
  f.zout_1k_ohms = 10.0;
  f.loads.push_back({10e3, vrms_from_dbv(-10.0 + 12.0 + 1.0), vrms_from_dbv(4.0), 0.1, ""});
  f.loads.push_back({32, 1.0, 2.0, 0.3, ""});
  f.loads.push_back({16, 0.5, 1.2, 0.45, ""});
  f.loads.push_back({300, 2.0, 3.0, 0.05, ""});
  f.thdn_at_nominal_db = -95.0;
  f.dynamic_range_db = 110.0;
  f.balance_db = 0.1;
  return f;
}

const LineLevel kConsumer{"consumer", -10.0, true};

TEST(Verdict, HeadphoneAsLineOutPassesWithEveryRuleEvaluated) {
  const VerdictRules rules;
  const auto v = headphone_as_line_out(good_headphone(), nullptr, rules, kConsumer);
  EXPECT_TRUE(v.applicable);
  EXPECT_TRUE(v.pass) << v.summary;
  for (const auto& r : v.rules) EXPECT_TRUE(r.evaluated && r.pass) << r.id << ": " << r.sentence;
  EXPECT_NEAR(*rule(v, "headroom").measured, 13.0, 1e-9);
  EXPECT_EQ(rule(v, "headroom").comparison, ">=");
}

TEST(Verdict, EachLineOutRuleFailsJustPastItsLimit) {
  const VerdictRules rules;
  struct Case {
    const char* id;
    void (*spoil)(PortFigures&, const VerdictRules&);
  };
  const Case cases[] = {
      {"headroom",
       [](PortFigures& f, const VerdictRules& r) {
         f.loads[0].max_vrms_0p1 = vrms_from_dbv(-10.0 + r.headroom_db - 0.01);
       }},
      {"zout", [](PortFigures& f, const VerdictRules& r) { f.max_zout_ohms = r.max_zout_line_ohms + 0.01; }},
      {"response", [](PortFigures& f,
                      const VerdictRules& r) { f.loads[0].response_deviation_db = r.response_tolerance_db + 0.001; }},
      {"thdn", [](PortFigures& f, const VerdictRules& r) { f.thdn_at_nominal_db = r.max_thdn_db + 0.01; }},
      {"dynamic_range",
       [](PortFigures& f, const VerdictRules& r) { f.dynamic_range_db = r.min_dynamic_range_db - 0.01; }},
      {"balance", [](PortFigures& f, const VerdictRules& r) { f.balance_db = r.max_balance_db + 0.001; }},
  };
  for (const auto& c : cases) {
    PortFigures f = good_headphone();
    c.spoil(f, rules);
    const auto v = headphone_as_line_out(f, nullptr, rules, kConsumer);
    EXPECT_FALSE(v.pass) << c.id;
    EXPECT_TRUE(rule(v, c.id).evaluated) << c.id;
    EXPECT_FALSE(rule(v, c.id).pass) << c.id;
    EXPECT_NE(v.summary.find(rule(v, c.id).description), std::string::npos) << v.summary;
  }
  // Exactly at the limit passes.
  PortFigures f = good_headphone();
  f.max_zout_ohms = rules.max_zout_line_ohms;
  f.balance_db = rules.max_balance_db;
  EXPECT_TRUE(headphone_as_line_out(f, nullptr, rules, kConsumer).pass);
}

TEST(Verdict, ComparesThdnWithTheSameDevicesLineOut) {
  const VerdictRules rules;
  PortFigures line = good_headphone();
  line.thdn_at_nominal_db = -100.0;
  auto hp = good_headphone();
  hp.thdn_at_nominal_db = -94.0;  // exactly 6 dB worse: passes
  EXPECT_TRUE(rule(headphone_as_line_out(hp, &line, rules, kConsumer), "thdn_vs_line_out").pass);
  hp.thdn_at_nominal_db = -93.9;
  const auto v = headphone_as_line_out(hp, &line, rules, kConsumer);
  EXPECT_NEAR(*rule(v, "thdn_vs_line_out").measured, 6.1, 1e-9);
  EXPECT_FALSE(v.pass);
}

TEST(Verdict, UncalibratedSkipsTheVoltRulesAndSaysSo) {
  auto f = good_headphone();
  f.calibrated = false;
  f.thdn_at_nominal_db.reset();
  const auto v = headphone_as_line_out(f, nullptr, VerdictRules{}, kConsumer);
  EXPECT_FALSE(rule(v, "headroom").evaluated);
  EXPECT_NE(rule(v, "headroom").sentence.find("not calibrated"), std::string::npos);
  EXPECT_FALSE(rule(v, "thdn").evaluated);
  EXPECT_TRUE(rule(v, "zout").evaluated);
  EXPECT_NE(v.summary.find("Not evaluated (2)"), std::string::npos) << v.summary;
}

TEST(Verdict, AbsentAndUnmeasuredPortsAreNotFailures) {
  PortFigures absent;  // measured, but the device has no such port
  const auto a = drives_headphones(absent, VerdictRules{}, "line");
  EXPECT_FALSE(a.applicable);
  EXPECT_EQ(a.summary, "The device has no line out.");
  PortFigures left_out;
  left_out.measured = false;
  const auto b = headphone_as_line_out(left_out, nullptr, VerdictRules{}, kConsumer);
  EXPECT_FALSE(b.applicable);
  EXPECT_NE(b.summary.find("not measured"), std::string::npos);
  // Nothing evaluated: no verdict either way.
  PortFigures empty;
  empty.present = true;
  const auto c = drives_headphones(empty, VerdictRules{}, "line");
  EXPECT_FALSE(c.pass);
  EXPECT_NE(c.summary.find("Cannot decide"), std::string::npos);
}

// Line out for headphones: damping |Zout| <= Rl/8 per headphone load, the voltage for the target SPL
// (P = 10^((SPL - sensitivity)/10) mW, V = sqrt(P R)), and the response into the load.
TEST(Verdict, HeadphoneRulesFollowDampingAndSplArithmetic) {
  const VerdictRules rules;
  auto f = good_headphone();
  f.max_zout_ohms = 2.0;  // = 16/8: passes into 16 ohm exactly
  const auto v = drives_headphones(f, rules, "headphone");
  EXPECT_TRUE(rule(v, "damping_16").pass);
  EXPECT_NEAR(rule(v, "damping_16").limit, 2.0, 1e-12);
  EXPECT_NEAR(rule(v, "damping_300").limit, 37.5, 1e-12);
  // 110 dB SPL with 100 dB/mW into 32 ohm: 10 mW, sqrt(0.010 * 32) = 0.566 Vrms.
  EXPECT_NEAR(rule(v, "voltage_32").limit, std::sqrt(0.010 * 32), 1e-9);
  // 300 ohm at 97 dB/mW: 10^1.3 mW = 19.95 mW, 2.447 Vrms; the port's 3.0 V passes.
  EXPECT_NEAR(rule(v, "voltage_300").limit, std::sqrt(std::pow(10.0, 1.3) * 1e-3 * 300), 1e-9);
  EXPECT_TRUE(rule(v, "voltage_300").pass);
  EXPECT_TRUE(v.pass) << v.summary;
  f.max_zout_ohms = 2.01;
  const auto w = drives_headphones(f, rules, "headphone");
  EXPECT_FALSE(rule(w, "damping_16").pass);
  EXPECT_TRUE(rule(w, "damping_32").pass);
  EXPECT_FALSE(w.pass);
}

}  // namespace
}  // namespace outbench
