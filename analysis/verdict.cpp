#include "analysis/verdict.hpp"

#include <cmath>

#include "analysis/number_text.hpp"
#include "analysis/units.hpp"

namespace outbench {

namespace {

std::string num(double v, int digits = 1) {
  return fmt_fixed(v, digits);
}

RuleResult rule(std::string id, std::string desc, std::optional<double> measured, double limit, std::string unit,
                bool at_least, const std::string& what, const std::string& skipped_reason, int digits = 1) {
  RuleResult r;
  r.id = std::move(id);
  r.description = std::move(desc);
  r.measured = measured;
  r.limit = limit;
  r.unit = std::move(unit);
  r.comparison = at_least ? ">=" : "<=";
  if (!measured) {
    r.sentence = "Not evaluated: " + skipped_reason + ".";
    return r;
  }
  r.evaluated = true;
  r.pass = at_least ? *measured >= limit : *measured <= limit;
  r.grade = r.pass ? "pass" : "fail";
  // `what` either names the figure ("... is <value>") or holds "{v}" where the value goes.
  const std::string value = num(*measured, digits) + " " + r.unit;
  const auto at = what.find("{v}");
  const std::string stated =
      at == std::string::npos ? what + " is " + value : what.substr(0, at) + value + what.substr(at + 3);
  r.sentence = stated + (r.pass ? ", within" : ", outside") + " the limit of " + r.comparison + " " +
               num(limit, digits) + " " + r.unit + ".";
  return r;
}

// What stopped the level search before THD+N reached its limit, from its stop reason id (docs/MEASUREMENTS.md
// "Maximum output level"): the level then measured is a lower bound of the limit's.
std::string stop_phrase(const std::string& stop_reason) {
  if (stop_reason == "full_scale") return "digital full scale";
  if (stop_reason == "safety_limit") return "the safety cap";
  if (stop_reason == "input_full_scale") return "the loopback input's full scale";
  if (stop_reason == "compression") return "compression";
  return "the search stopped (" + stop_reason + ")";
}

// " (right channel, the worse)" when a figure comes from a channel other than the left; "" otherwise.
std::string channel_note(const std::string& channel) {
  return channel.empty() ? "" : " (" + channel + " channel, the worse)";
}

// A rule whose limit lies within measured +/- u95: "marginal", said in its condition and sentence.
void mark_marginal(RuleResult& r, std::optional<double> u95, int digits) {
  if (!r.evaluated || !r.measured || !u95 || !(*u95 > 0)) return;
  r.uncertainty = u95;
  if (std::abs(*r.measured - r.limit) > *u95) return;
  r.grade = "marginal";
  r.condition = r.description + ": " + num(*r.measured, digits) + " +/- " + num(*u95, digits) + " " + r.unit +
                " (k = 2) includes the limit of " + num(r.limit, digits) + " " + r.unit +
                ": marginal, the measurement cannot tell on which side it lies.";
  // The sentence says it once: the value with its uncertainty against the limit, not "outside the limit" first.
  const std::string unc = " +/- " + num(*u95, digits) + " " + r.unit + " (k = 2), which includes the limit of " +
                          r.comparison + " " + num(r.limit, digits) + " " + r.unit +
                          ": marginal, the measurement cannot tell on which side it lies.";
  for (const char* clause : {", within the limit of ", ", outside the limit of "})
    if (const auto at = r.sentence.rfind(clause); at != std::string::npos) {
      r.sentence = r.sentence.substr(0, at) + unc;
      return;
    }
  r.sentence += " " + r.condition;
}

// A failed ">=" rule in dB (or Vrms, compared in dB) that missed by at most `max_db` becomes conditional.
// Returns the shortfall in dB when it does.
std::optional<double> shortfall_db(const RuleResult& r, bool volts, double max_db) {
  if (r.grade != "fail" || !r.measured || r.comparison != ">=") return std::nullopt;
  if (volts && !(*r.measured > 0)) return std::nullopt;
  const double s = volts ? db_from_ratio(r.limit / *r.measured) : r.limit - *r.measured;
  if (!(s > 0) || s > max_db + 1e-12) return std::nullopt;
  return s;
}

void conclude(Verdict& v, const std::string& yes, const std::string& conditional, const std::string& no) {
  int evaluated = 0, failed = 0, conditions = 0;
  for (const auto& r : v.rules) {
    if (r.informational) continue;
    evaluated += r.evaluated;
    failed += r.grade == "fail";
    conditions += r.grade == "conditional" || r.grade == "marginal";
  }
  v.grade = evaluated == 0 ? "cannot_decide" : failed ? "no" : conditions ? "yes_with_conditions" : "yes";
  v.pass = v.grade == "yes";
  int skipped = 0;
  for (const auto& r : v.rules) skipped += !r.evaluated && !r.informational;
  if (evaluated == 0) {
    v.summary = "Cannot decide: no rule could be evaluated.";
  } else if (v.grade == "yes") {
    v.summary = yes;
  } else if (v.grade == "yes_with_conditions") {
    v.summary = conditional;
    for (const auto& r : v.rules)
      if (!r.informational && (r.grade == "conditional" || r.grade == "marginal")) v.summary += " " + r.condition;
  } else {
    v.summary = no + " Failed:";
    for (const auto& r : v.rules)
      if (!r.informational && r.grade == "fail") v.summary += " " + r.description + ";";
    v.summary.back() = '.';
    if (conditions) {
      v.summary += " Also short:";
      for (const auto& r : v.rules)
        if (!r.informational && (r.grade == "conditional" || r.grade == "marginal"))
          v.summary += " " + r.description + ";";
      v.summary.back() = '.';
    }
  }
  if (evaluated > 0 && skipped > 0) {
    v.summary += " Not evaluated (" + std::to_string(skipped) + "):";
    for (const auto& r : v.rules)
      if (!r.evaluated && !r.informational) v.summary += " " + r.description + ";";
    v.summary.back() = '.';
  }
}

// What the volume steps say of the balance: how far down the volume the headphone out can serve as a line out.
std::string volume_sentence(const PortFigures& hp, const VerdictRules& rules, bool usable) {
  const std::string lim = num(rules.max_balance_db) + " dB";
  if (!hp.volume_balanced_to_db)
    return "Left and right differ by more than " + lim + " at every volume setting measured (volume tracking).";
  const std::string to = num(*hp.volume_balanced_to_db, 0) + " dB of volume";
  const std::string why = *hp.volume_balanced_to_db > *hp.volume_lowest_db + 1e-9
                              ? "below that left and right differ by more than " + lim
                              : "the lowest setting measured; left and right stay within " + lim;
  return (usable ? "Usable as a line out down to " : "Left and right stay within " + lim + " down to ") + to + " (" +
         (usable ? why : "volume tracking") + ").";
}

// The response predicted with each headphone; once any is evaluated, the damping rules are information only.
void judge_by_headphones(Verdict& v, const PortFigures& port, const VerdictRules& rules) {
  bool judged = false;
  for (const auto& h : port.headphones) {
    v.rules.push_back(rule("headphone_" + h.id, "response with " + h.name, h.max_deviation_db,
                           rules.response_tolerance_db, "dB", false,
                           "With " + h.name + channel_note(h.channel) +
                               " the response (predicted from the output impedance, 20 Hz-20 kHz re 1 kHz) "
                               "changes by up to {v}",
                           h.problem.empty() ? "not predicted" : h.problem, 2));
    mark_marginal(v.rules.back(), h.u95_db, 2);
    judged = judged || v.rules.back().evaluated;
  }
  if (!judged) return;
  for (auto& r : v.rules)
    if (r.id.rfind("damping_", 0) == 0) {
      r.informational = true;
      r.sentence += " Information only: the responses predicted with the headphones judge the output impedance.";
    }
}

}  // namespace

std::string verdict_notes(const Verdict& v) {
  std::string notes;
  for (const auto& r : v.rules)
    if (r.informational && r.id == "thump_32" && !r.condition.empty()) notes += " " + r.condition;
  return notes;
}

const PortFigures::PerLoad* PortFigures::load(double ohms) const {
  for (const auto& l : loads)
    if (std::abs(l.load_ohms - ohms) <= 0.02 * ohms) return &l;
  return nullptr;
}

Verdict headphone_as_line_out(const PortFigures& hp, const PortFigures* line, const VerdictRules& rules,
                              const LineLevel& level) {
  Verdict v;
  v.id = "headphone_as_line_out";
  v.question = "Can the headphone out be used as a " + level.name + " line out (" + num(level.level_dbv) +
               " dBV nominal, into " + num(rules.line_load_ohms / 1000, 0) + " kohm)?";
  v.port = "headphone";
  v.level_name = level.name;
  v.level_dbv = level.level_dbv;
  if (!hp.measured || !hp.present) {
    v.applicable = false;
    v.grade = "not_applicable";
    v.summary = hp.measured ? "The device has no headphone out." : "The headphone out was not measured in this run.";
    return v;
  }
  const auto* ll = hp.load(rules.line_load_ohms);
  const std::string nocal = "the port is not calibrated in volts";
  const std::string nomeas = "not measured (load " + num(rules.line_load_ohms, 0) + " ohm not in the run)";
  std::optional<double> headroom;
  if (ll && ll->max_vrms_0p1 && hp.calibrated) headroom = dbv_from_vrms(*ll->max_vrms_0p1) - level.level_dbv;
  const double need_db = level.headroom_db.value_or(rules.headroom_db);
  // The search stopped before 0.1 % THD+N (digital full scale, the safety cap): the headroom is at least that.
  const std::string not_reached = ll ? ll->max_0p1_not_reached : "";
  auto hr =
      rule("headroom", "headroom above nominal before 0.1 % THD+N", headroom, need_db, "dB", true,
           "Headroom above " + num(level.level_dbv) + " dBV before 0.1 % THD+N" +
               channel_note(ll ? ll->max_level_channel : "") +
               (not_reached.empty() ? std::string()
                                    : " is at least {v} (" + stop_phrase(not_reached) + "; 0.1 % THD+N not reached)"),
           hp.calibrated ? nomeas : nocal);
  if (hr.evaluated && !not_reached.empty()) hr.lower_bound_reason = stop_phrase(not_reached);
  // Short of the headroom but clean at nominal: usable with sources whose peaks stay that much below 0 dBFS.
  if (const auto s = shortfall_db(hr, false, rules.max_conditional_shortfall_db); s && headroom && *headroom >= 0) {
    hr.grade = "conditional";
    // Said so for a maximum set by distortion or by digital full scale alike; a shortfall under 0.05 dB is
    // shown as "0.1" (rounded up), never "0.0".
    const double shown = std::max(*s, 0.05);
    hr.condition = "Its maximum level is " + num(shown) + " dB short of the +" + num(need_db) +
                   " dB headroom the rules ask for: fine for sources that peak below " + num(-shown) + " dBFS.";
    hr.sentence += " " + hr.condition;
  }
  v.rules.push_back(hr);
  v.rules.push_back(rule("zout", "output impedance 20 Hz-20 kHz", hp.max_zout_ohms, rules.max_zout_line_ohms, "ohm",
                         false, "The highest output impedance over 20 Hz-20 kHz" + channel_note(hp.max_zout_channel),
                         "output impedance not measured", 2));
  mark_marginal(v.rules.back(), hp.max_zout_u95_ohms, 2);
  v.rules.push_back(rule("response", "response into the line load", ll ? ll->response_deviation_db : std::nullopt,
                         rules.response_tolerance_db, "dB", false,
                         "The response into " + num(rules.line_load_ohms / 1000, 0) + " kohm" +
                             channel_note(ll ? ll->response_deviation_channel : "") + " deviates by up to {v}",
                         nomeas, 2));
  v.rules.push_back(rule("thdn", "THD+N at nominal level", hp.thdn_at_nominal_db, rules.max_thdn_db, "dB", false,
                         "THD+N at nominal level", hp.calibrated ? "not measured at nominal level" : nocal));
  if (line && (line->present || !line->measured)) {
    std::optional<double> worse;
    if (hp.thdn_at_nominal_db && line->thdn_at_nominal_db) worse = *hp.thdn_at_nominal_db - *line->thdn_at_nominal_db;
    v.rules.push_back(
        rule("thdn_vs_line_out", "THD+N compared with the line out", worse, rules.max_thdn_vs_line_out_db, "dB", false,
             "THD+N at nominal level, relative to the line out of the same device (positive: worse), is {v}",
             line->measured ? "THD+N at nominal level not measured on both ports"
                            : "the line out was not measured in this run"));
  }
  v.rules.push_back(rule("dynamic_range", "dynamic range (AES17)", hp.dynamic_range_db, rules.min_dynamic_range_db,
                         "dB", true, "The dynamic range (AES17)" + channel_note(hp.dynamic_range_channel),
                         "dynamic range not measured"));
  v.rules.push_back(rule("balance", "channel balance", hp.balance_db, rules.max_balance_db, "dB", false,
                         "The level difference between left and right", "balance not measured", 2));
  conclude(v, "Yes: the headphone out works as a " + level.name + " line out.",
           "Yes, with conditions: the headphone out works as a " + level.name + " line out within these limits.",
           "No: the headphone out does not meet the " + level.name + " line-out rules.");
  if (hp.volume_lowest_db) v.summary += " " + volume_sentence(hp, rules, v.grade != "no");
  return v;
}

Verdict drives_headphones(const PortFigures& line, const VerdictRules& rules, const std::string& port_name) {
  Verdict v;
  const std::string label = port_name == "line" ? "line out" : port_name == "headphone" ? "headphone out" : port_name;
  v.id = port_name + "_for_headphones";
  v.question = "Can the " + label + " drive headphones?";
  v.port = port_name;
  if (!line.measured || !line.present) {
    v.applicable = false;
    v.grade = "not_applicable";
    v.summary = line.measured ? "The device has no " + label + "." : "The " + label + " was not measured in this run.";
    return v;
  }
  for (const auto& hl : rules.headphone_loads) {
    const std::string at = num(hl.load_ohms, 0) + " ohm";
    const auto* l = line.load(hl.load_ohms);
    const std::string nomeas = "the " + at + " load was not measured";
    const double zmax = hl.load_ohms / rules.damping_factor;
    v.rules.push_back(rule("damping_" + num(hl.load_ohms, 0), "damping into " + at, line.max_zout_ohms, zmax, "ohm",
                           false,
                           "For " + at + " headphones (limit Rl/" + num(rules.damping_factor, 0) +
                               "), the output impedance" + channel_note(line.max_zout_channel),
                           "output impedance not measured", 2));
    mark_marginal(v.rules.back(), line.max_zout_u95_ohms, 2);
    // Voltage for the target SPL: P = 10^((SPL - sensitivity)/10) mW.
    const double need_mw = std::pow(10.0, (rules.target_spl_db - hl.sensitivity_db_spl_per_mw) / 10.0);
    const double need_vrms = vrms_from_mw(need_mw, hl.load_ohms);
    std::optional<double> have;
    if (l && l->max_vrms_1 && line.calibrated) have = *l->max_vrms_1;
    const std::string not_reached = l ? l->max_1_not_reached : "";
    auto r = rule(
        "voltage_" + num(hl.load_ohms, 0), "voltage into " + at, have, need_vrms, "Vrms", true,
        "Into " + at + " the " + label + channel_note(l ? l->max_level_channel : "") + " reaches {v} " +
            (not_reached.empty() ? "before 1 % THD+N" : "(" + stop_phrase(not_reached) + "; 1 % THD+N not reached)"),
        line.calibrated ? nomeas : "the port is not calibrated in volts", 3);
    if (r.evaluated && !not_reached.empty()) r.lower_bound_reason = stop_phrase(not_reached);
    if (r.evaluated)
      r.sentence += " Needed: " + num(need_vrms, 3) + " Vrms for " + num(rules.target_spl_db, 0) + " dB SPL with " +
                    num(hl.sensitivity_db_spl_per_mw, 0) + " dB SPL/mW headphones.";
    // A little short of the voltage: the same headphones only play that much less loud.
    if (const auto s = shortfall_db(r, true, rules.max_conditional_shortfall_db)) {
      r.grade = "conditional";
      const double shown = std::max(*s, 0.05);
      r.condition = "Into " + at + " it reaches " + num(rules.target_spl_db - shown) + " dB SPL with " +
                    num(hl.sensitivity_db_spl_per_mw) + " dB SPL/mW headphones, " + num(shown) + " dB short of " +
                    num(rules.target_spl_db) + " dB SPL: enough for listening below that.";
      r.sentence += " " + r.condition;
    }
    v.rules.push_back(r);
    v.rules.push_back(rule(
        "response_" + num(hl.load_ohms, 0), "response into " + at, l ? l->response_deviation_db : std::nullopt,
        rules.response_tolerance_db, "dB", false,
        "The response into " + at + channel_note(l ? l->response_deviation_channel : "") + " deviates by up to {v}",
        nomeas, 2));
  }
  judge_by_headphones(v, line, rules);
  // The thump at stream start/stop: information, said in the summary when it is above the limit.
  auto thump = rule("thump_32", "thump into 32 ohm", line.thump_mv, rules.max_thump_mv, "mV", false,
                    "Starting or stopping the stream, the " + label + " puts a peak of {v} into 32 ohm" +
                        (line.thump_what.empty() ? "" : " (" + line.thump_what + ")"),
                    "the switching transients were not measured into 32 ohm", 1);
  thump.informational = true;
  if (thump.evaluated && !thump.pass)
    thump.condition = "Note: it thumps when the stream starts or stops, " + num(*line.thump_mv, 0) +
                      " mV peak into 32 ohm" + (line.thump_what.empty() ? "" : " (" + line.thump_what + ")") +
                      ", above the rules' " + num(rules.max_thump_mv, 0) +
                      " mV: turn the volume down or unplug the headphones first.";
  if (thump.evaluated) v.rules.push_back(thump);  // a run without the transients into 32 ohm: not shown
  conclude(v, "Yes: the " + label + " can drive the headphones in the rules.",
           "Yes, with conditions: the " + label + " can drive the headphones in the rules within these limits.",
           "No: the " + label + " is not suited to every headphone load in the rules.");
  v.summary += verdict_notes(v);
  return v;
}

}  // namespace outbench
