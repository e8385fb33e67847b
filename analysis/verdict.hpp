// The two verdicts of docs/MEASUREMENTS.md "The verdicts": "headphone out usable as line out" and "line out usable
// for headphones". Pure: a summary of measured figures in, rule results out. Every rule reports the measured
// value, its limit, its grade and the sentence a user reads; a rule whose figure could not be measured (no
// calibration, port absent) is skipped with the reason.
// Grades. A rule passes, fails, or is "conditional": it missed by at most max_conditional_shortfall_db in a
// way that has a stated workaround (headroom: sources that peak lower; voltage: a lower loudness), said in
// `condition`. A rule on a figure with a stated uncertainty (|Zout|: its u95) is "marginal" when the limit lies
// within measured +/- u95: the measurement cannot say on which side it is (`pass` keeps the comparison of the
// measured value; `condition` says so). A verdict is "yes" when every evaluated rule passed,
// "yes_with_conditions" when the others were conditional or marginal, "no" when any rule failed,
// "cannot_decide" when none could be evaluated; `pass` stays true for "yes" only. An informational rule
// (RuleResult::informational) is reported with its grade and does not count.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace outbench {

struct LineLevel {
  std::string name;  // "consumer", "pro"
  double level_dbv = -10.0;
  bool primary = true;  // the verdict's headline uses the primary level
  // Headroom this level needs above nominal (its alignment's clip point); absent: VerdictRules::headroom_db.
  std::optional<double> headroom_db;
};

struct HeadphoneLoadRule {
  double load_ohms = 32;
  double sensitivity_db_spl_per_mw = 100;  // the headphone the user has in mind
};

struct VerdictRules {
  std::vector<LineLevel> line_levels{{"consumer", -10.0, true, 12.0}, {"pro", 4.0 - 2.2184874961635637, false, 14.0}};
  double line_load_ohms = 10e3;
  double headroom_db = 12.0;                  // above nominal, before 0.1 % THD+N (levels may set their own)
  double max_conditional_shortfall_db = 6.0;  // a headroom/voltage miss up to this is "yes with conditions"
  double max_zout_line_ohms = 1000.0;         // over 20 Hz..20 kHz
  double response_tolerance_db = 0.5;         // 20 Hz..20 kHz, relative to 1 kHz
  double max_thdn_db = -80.0;                 // at nominal level
  double max_thdn_vs_line_out_db = 6.0;       // how much worse than the same device's line out
  double min_dynamic_range_db = 96.0;
  double max_balance_db = 0.5;
  double damping_factor = 8.0;  // |Zout| <= Rl / damping_factor
  double target_spl_db = 110.0;
  std::vector<HeadphoneLoadRule> headphone_loads{{16, 100}, {32, 100}, {300, 97}};
  // The thump when the stream starts or stops, peak mV into 32 ohm (test "transients"): information beside the
  // "drives headphones" verdict, which says so when it is exceeded. 20 mV peak is 12.5 uW into 32 ohm, about
  // 81 dB SPL peak with 100 dB SPL/mW headphones (a clear click; sensitive IEMs hear ~20 dB more).
  double max_thump_mv = 20.0;
};

// What the verdicts need of one port (optional = not measured).
struct PortFigures {
  bool present = false;  // the device has the port
  bool measured = true;  // false: the port was left out of this run (--ports); nothing is known of it
  bool calibrated = false;
  std::optional<double> max_zout_ohms;      // max |Zout| over 20 Hz..20 kHz, the worse channel's
  std::string max_zout_channel;             // "right" when that is the worse channel, "" when channel 0's stands
  std::optional<double> max_zout_u95_ohms;  // its expanded uncertainty (k = 2): the rules on it may be "marginal"
  std::optional<double> zout_1k_ohms;
  struct PerLoad {
    double load_ohms = 0;
    std::optional<double> max_vrms_0p1;           // before 0.1 % THD+N
    std::optional<double> max_vrms_1;             // before 1 % THD+N
    std::optional<double> response_deviation_db;  // max |relative dB| over 20 Hz..20 kHz, the worse channel's
    std::string response_deviation_channel;       // as max_zout_channel
    std::string max_level_channel;                // as max_zout_channel: the channel of max_vrms_0p1 and max_vrms_1
    // Why the search stopped before THD+N crossed 0.1 % / 1 % (a stop reason id, e.g. "full_scale"): the level
    // of max_vrms_0p1 / max_vrms_1 is then the highest clean level, a lower bound. Empty: the limit was crossed there.
    std::string max_0p1_not_reached{};
    std::string max_1_not_reached{};
  };
  std::vector<PerLoad> loads;
  std::optional<double> thdn_at_nominal_db;  // into the line load at the primary nominal level
  std::optional<double> dynamic_range_db;    // the worse channel's
  std::string dynamic_range_channel;         // as max_zout_channel
  std::optional<double> balance_db;          // |L - R| at the reference level
  // The volume steps, in dB below the top of the control: the lowest measured, and the lowest down to which
  // |L - R| stays within max_balance_db from the top (absent: not measured, or not even at the top).
  std::optional<double> volume_lowest_db, volume_balanced_to_db;
  // The responses predicted with real headphones (analysis/headphone.hpp); empty: none predicted, and the
  // damping rules judge the output impedance instead.
  struct Headphone {
    std::string id, name;
    std::optional<double> max_deviation_db;  // max |dB re 1 kHz| over 20 Hz..20 kHz, the worse channel's
    std::optional<double> u95_db;            // its expanded uncertainty (k = 2), from |Zout|'s
    std::string channel;                     // as max_zout_channel
    std::string problem;                     // why it was not predicted
  };
  std::vector<Headphone> headphones;
  // The largest |peak| of the stream starting or stopping into 32 ohm, over both events and channels (absent: not
  // measured into 32 ohm; a peak not above the noise counts as it reads), and which event and channel it was
  // ("turn-on, left"). The thump_32 rule is shown only when it is present.
  std::optional<double> thump_mv;
  std::string thump_what;
  const PerLoad* load(double ohms) const;
};

struct RuleResult {
  std::string id;
  std::string description;
  std::optional<double> measured;
  double limit = 0;
  std::string unit;
  std::string comparison;  // ">=" or "<="
  bool evaluated = false;  // false: skipped (reason in sentence)
  bool pass = false;
  std::string grade = "skipped";      // "pass", "conditional", "marginal", "fail", "skipped"
  std::string condition;              // conditional or marginal: by how much it missed and what that means
  std::optional<double> uncertainty;  // the measured value's expanded uncertainty (k = 2), when known
  // Non-empty: `measured` is a lower bound (what stopped the measurement first, e.g. "digital full scale").
  std::string lower_bound_reason;
  std::string sentence;
  bool informational = false;  // shown with its grade, not counted in the verdict's
};

struct Verdict {
  std::string id;  // "headphone_as_line_out", "line_out_for_headphones"
  std::string question;
  std::string port;
  bool applicable = true;  // false: the device has no such port
  std::string level_name;  // headphone_as_line_out: the line level judged ("consumer", "pro")
  std::optional<double> level_dbv;
  bool pass = false;
  std::string grade = "cannot_decide";  // "yes", "yes_with_conditions", "no", "cannot_decide", "not_applicable"
  std::string summary;
  std::vector<RuleResult> rules;
};

Verdict headphone_as_line_out(const PortFigures& headphone, const PortFigures* line_out, const VerdictRules& rules,
                              const LineLevel& level);
// "Can this port drive headphones?" (damping, voltage for the target SPL, response, per headphone load; and the
// response predicted with each headphone of PortFigures::headphones, <= response_tolerance_db: when any of those
// is evaluated, the damping rules stay as information and no longer count in the grade).
// For the line out this is the "line out usable for headphones" verdict (docs/MEASUREMENTS.md); for the headphone out
// it checks the port at its own job (a 120 ohm IEC 61938 output fails the damping rule for 16 and 32 ohm).
Verdict drives_headphones(const PortFigures& port, const VerdictRules& rules, const std::string& port_name);
// The notes a verdict's summary ends with, whatever its grade (" Note: it thumps ..." from a failed thump_32 rule,
// held in its `condition`), each with a leading space; "" when there are none.
std::string verdict_notes(const Verdict& v);

}  // namespace outbench
