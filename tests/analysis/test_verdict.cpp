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
  f.loads.push_back({10e3, vrms_from_dbv(-10.0 + 12.0 + 1.0), vrms_from_dbv(4.0), 0.1, "", ""});
  f.loads.push_back({32, 1.0, 2.0, 0.3, "", ""});
  f.loads.push_back({16, 0.5, 1.2, 0.45, "", ""});
  f.loads.push_back({300, 2.0, 3.0, 0.05, "", ""});
  f.thdn_at_nominal_db = -95.0;
  f.dynamic_range_db = 110.0;
  f.balance_db = 0.1;
  return f;
}

const LineLevel kConsumer{"consumer", -10.0, true, std::nullopt};  // the rules' headroom_db

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
      // Short of the headroom but clean at nominal is "yes with conditions" (below); not even nominal fails.
      {"headroom", [](PortFigures& f, const VerdictRules&) { f.loads[0].max_vrms_0p1 = vrms_from_dbv(-10.0 - 0.01); }},
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
    EXPECT_EQ(v.grade, "no") << c.id;
    EXPECT_EQ(rule(v, c.id).grade, "fail") << c.id;
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
  // Sentences read as a bench engineer says them (not "deviates by up to is 0.45 dB").
  EXPECT_NE(
      rule(v, "response_16").sentence.find("The response into 16 ohm deviates by up to 0.45 dB, within the limit"),
      std::string::npos)
      << rule(v, "response_16").sentence;
  EXPECT_NE(rule(v, "voltage_32").sentence.find("reaches 2.000 Vrms before 1 % THD+N, within"), std::string::npos)
      << rule(v, "voltage_32").sentence;
  f.max_zout_ohms = 2.01;
  const auto w = drives_headphones(f, rules, "headphone");
  EXPECT_FALSE(rule(w, "damping_16").pass);
  EXPECT_TRUE(rule(w, "damping_32").pass);
  EXPECT_FALSE(w.pass);
}

// A search that stopped at digital full scale before 0.1 % / 1 % THD+N gives a lower bound: the headroom
// "is at least" that, the voltage is what full scale reached, each saying 0.1 % / 1 % was not reached
// (attack: a clean usb-interface headphone out claimed "+10.1 dBV at 0.1 % THD+N" at 0.001 %).
TEST(Verdict, LevelsWhereTheSearchStoppedFirstAreLowerBounds) {
  const VerdictRules rules;
  PortFigures f = good_headphone();
  f.loads[0].max_vrms_0p1 = vrms_from_dbv(10.1);
  const auto crossed = rule(headphone_as_line_out(f, nullptr, rules, kConsumer), "headroom");
  EXPECT_TRUE(crossed.lower_bound_reason.empty());
  EXPECT_EQ(crossed.sentence.find("at least"), std::string::npos) << crossed.sentence;
  f.loads[0].max_0p1_not_reached = "full_scale";
  const auto v = headphone_as_line_out(f, nullptr, rules, kConsumer);
  const auto& hr = rule(v, "headroom");
  EXPECT_EQ(hr.grade, "pass");
  EXPECT_NEAR(*hr.measured, 20.1, 1e-9);  // the figure itself is unchanged
  EXPECT_EQ(hr.lower_bound_reason, "digital full scale");
  EXPECT_NE(hr.sentence.find("is at least 20.1 dB (digital full scale; 0.1 % THD+N not reached)"), std::string::npos)
      << hr.sentence;
  f.loads[0].max_0p1_not_reached = "safety_limit";
  EXPECT_EQ(rule(headphone_as_line_out(f, nullptr, rules, kConsumer), "headroom").lower_bound_reason, "the safety cap");
}

// Three grades: a headroom or voltage rule missed by at most max_conditional_shortfall_db (6 dB) with a
// workaround is "yes with conditions", saying by how much and what it means; more is "no"; a conditional rule
// beside a failed one leaves "no". Each line level needs its own headroom (pro: +18 dBu clip, 14 dB).
TEST(Verdict, ShortfallsWithAWorkaroundGiveYesWithConditions) {
  const VerdictRules rules;
  EXPECT_DOUBLE_EQ(rules.max_conditional_shortfall_db, 6.0);
  // A phone dongle: 1.0 Vrms (0 dBV) before 0.1 % into the line load, 10 dB above -10 dBV.
  PortFigures f = good_headphone();
  f.loads[0].max_vrms_0p1 = 1.0;
  const auto v = headphone_as_line_out(f, nullptr, rules, kConsumer);
  EXPECT_EQ(v.grade, "yes_with_conditions") << v.summary;
  EXPECT_FALSE(v.pass);
  const auto& hr = rule(v, "headroom");
  EXPECT_EQ(hr.grade, "conditional");
  EXPECT_FALSE(hr.pass);
  EXPECT_NE(hr.condition.find("maximum level is 2.0 dB short of the +12.0 dB headroom"), std::string::npos)
      << hr.condition;
  EXPECT_NE(hr.condition.find("peak below -2.0 dBFS"), std::string::npos) << hr.condition;
  EXPECT_EQ(v.summary.rfind("Yes, with conditions:", 0), 0u) << v.summary;
  EXPECT_NE(v.summary.find(hr.condition), std::string::npos) << v.summary;
  // 6.0 dB short is still conditional, 6.01 dB is not.
  f.loads[0].max_vrms_0p1 = vrms_from_dbv(-10.0 + 12.0 - 6.0);
  EXPECT_EQ(headphone_as_line_out(f, nullptr, rules, kConsumer).grade, "yes_with_conditions");
  f.loads[0].max_vrms_0p1 = vrms_from_dbv(-10.0 + 12.0 - 6.01);
  EXPECT_EQ(headphone_as_line_out(f, nullptr, rules, kConsumer).grade, "no");
  // A hair short never reads "0.0 dB short ... below -0.0 dBFS".
  f.loads[0].max_vrms_0p1 = vrms_from_dbv(-10.0 + 12.0 - 0.01);
  const auto hair = rule(headphone_as_line_out(f, nullptr, rules, kConsumer), "headroom");
  EXPECT_EQ(hair.grade, "conditional");
  EXPECT_NE(hair.condition.find("0.1 dB short"), std::string::npos) << hair.condition;
  EXPECT_NE(hair.condition.find("below -0.1 dBFS"), std::string::npos) << hair.condition;
  // A conditional beside a failed rule: no, and the summary names both.
  f.loads[0].max_vrms_0p1 = 1.0;
  f.balance_db = 1.0;
  const auto w = headphone_as_line_out(f, nullptr, rules, kConsumer);
  EXPECT_EQ(w.grade, "no");
  EXPECT_NE(w.summary.find("Also short: headroom"), std::string::npos) << w.summary;
  // The pro level's own headroom: 13 dB above +4 dBu passes 12 dB but not its 14 dB.
  const LineLevel pro = rules.line_levels.at(1);
  ASSERT_EQ(pro.name, "pro");
  EXPECT_DOUBLE_EQ(pro.headroom_db.value_or(0), 14.0);
  PortFigures g = good_headphone();
  g.loads[0].max_vrms_0p1 = vrms_from_dbv(pro.level_dbv + 13.0);
  const auto p = headphone_as_line_out(g, nullptr, rules, pro);
  EXPECT_EQ(rule(p, "headroom").limit, 14.0);
  EXPECT_EQ(rule(p, "headroom").grade, "conditional");
  // Voltage for 110 dB SPL into 32 ohm (0.566 Vrms): 3 dB short plays 107 dB SPL; 7 dB short fails.
  PortFigures h = good_headphone();
  h.max_zout_ohms = 1.0;
  h.loads[1].max_vrms_1 = std::sqrt(0.010 * 32) * ratio_from_db(-3.0);
  const auto d = drives_headphones(h, rules, "headphone");
  EXPECT_EQ(rule(d, "voltage_32").grade, "conditional");
  EXPECT_NE(rule(d, "voltage_32").condition.find("reaches 107.0 dB SPL"), std::string::npos)
      << rule(d, "voltage_32").condition;
  EXPECT_EQ(d.grade, "yes_with_conditions") << d.summary;
  h.loads[1].max_vrms_1 = std::sqrt(0.010 * 32) * ratio_from_db(-7.0);
  EXPECT_EQ(rule(drives_headphones(h, rules, "headphone"), "voltage_32").grade, "fail");
}

}  // namespace
}  // namespace outbench

namespace outbench {
namespace {

// A damping or |Zout| rule whose limit lies within measured +/- u95 is "marginal" (neither pass nor fail): the
// verdict is then "yes_with_conditions" and says why; outside the band the comparison stands.
TEST(Verdict, ZoutRulesWithTheLimitInsideTheUncertaintyAreMarginal) {
  const VerdictRules rules;
  auto f = good_headphone();
  f.max_zout_ohms = 2.05;  // 16/8 = 2.0 ohm: just above the 16 ohm limit
  f.max_zout_u95_ohms = 0.1;
  auto v = drives_headphones(f, rules, "headphone");
  const auto& r16 = v.rules[0];
  ASSERT_EQ(r16.id, "damping_16");
  EXPECT_EQ(r16.grade, "marginal");
  EXPECT_FALSE(r16.pass);  // the comparison of the measured value itself
  ASSERT_TRUE(r16.uncertainty);
  EXPECT_DOUBLE_EQ(*r16.uncertainty, 0.1);
  EXPECT_NE(r16.condition.find("2.05 +/- 0.10 ohm (k = 2) includes the limit of 2.00 ohm"), std::string::npos)
      << r16.condition;
  // The sentence states the value with its band once, not "outside the limit" and then "marginal".
  EXPECT_NE(r16.sentence.find("2.05 ohm +/- 0.10 ohm (k = 2), which includes the limit of <= 2.00 ohm: marginal"),
            std::string::npos)
      << r16.sentence;
  EXPECT_EQ(r16.sentence.find("outside"), std::string::npos) << r16.sentence;
  EXPECT_EQ(v.grade, "yes_with_conditions") << v.summary;
  EXPECT_NE(v.summary.find("marginal"), std::string::npos) << v.summary;
  // Outside the band: the comparison stands (fail above, pass below).
  f.max_zout_u95_ohms = 0.04;
  v = drives_headphones(f, rules, "headphone");
  EXPECT_EQ(v.rules[0].grade, "fail");
  f.max_zout_ohms = 1.95;
  v = drives_headphones(f, rules, "headphone");
  EXPECT_EQ(v.rules[0].grade, "pass");
  // No stated uncertainty: as before.
  f.max_zout_ohms = 2.05;
  f.max_zout_u95_ohms.reset();
  EXPECT_EQ(drives_headphones(f, rules, "headphone").rules[0].grade, "fail");
}

}  // namespace
}  // namespace outbench

namespace outbench {
namespace {

// With predicted responses the headphones judge: each deviation <= response_tolerance_db (0.5 dB); the damping
// rules stay, graded, as information that no longer counts. Without predictions the damping rules judge.
TEST(Verdict, PredictedHeadphoneResponsesJudgeInsteadOfDamping) {
  const VerdictRules rules;
  auto f = good_headphone();  // 10 ohm: fails Rl/8 for 16 and 32 ohm
  ASSERT_EQ(drives_headphones(f, rules, "headphone").grade, "no");
  f.headphones = {{"planar-16", "16 ohm planar", 0.0, std::nullopt, "", ""},
                  {"dynamic-300", "300 ohm dynamic", 0.5, std::nullopt, "", ""}};
  auto v = drives_headphones(f, rules, "headphone");
  EXPECT_EQ(v.grade, "yes") << v.summary;
  const auto& d16 = rule(v, "damping_16");
  EXPECT_TRUE(d16.informational);
  EXPECT_EQ(d16.grade, "fail");  // still graded, shown as information
  EXPECT_NE(d16.sentence.find("Information only"), std::string::npos) << d16.sentence;
  const auto& h = rule(v, "headphone_dynamic-300");
  EXPECT_EQ(h.grade, "pass");  // 0.50 dB against <= 0.50 dB
  EXPECT_NE(h.sentence.find("With 300 ohm dynamic the response (predicted from the output impedance"),
            std::string::npos)
      << h.sentence;
  // Just past the tolerance: no, naming the headphone; the damping rules are not in the failures.
  f.headphones[1].max_deviation_db = 0.51;
  v = drives_headphones(f, rules, "headphone");
  EXPECT_EQ(v.grade, "no");
  EXPECT_NE(v.summary.find("Failed: response with 300 ohm dynamic."), std::string::npos) << v.summary;
  EXPECT_EQ(v.summary.find("damping"), std::string::npos) << v.summary;
  // The tolerance within the deviation's uncertainty: marginal, yes with conditions.
  f.headphones[1].u95_db = 0.05;
  v = drives_headphones(f, rules, "headphone");
  EXPECT_EQ(rule(v, "headphone_dynamic-300").grade, "marginal");
  EXPECT_EQ(v.grade, "yes_with_conditions") << v.summary;
  // A headphone that could not be predicted is skipped; with none evaluated, the damping rules judge again.
  f.headphones = {{"x", "x", std::nullopt, std::nullopt, "", "the output impedance was not measured"}};
  v = drives_headphones(f, rules, "headphone");
  EXPECT_FALSE(rule(v, "headphone_x").evaluated);
  EXPECT_FALSE(rule(v, "damping_16").informational);
  EXPECT_EQ(v.grade, "no");
}

}  // namespace
}  // namespace outbench
