#include "measure/verdict_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <tuple>
#include <utility>

#include "measure/config/kinds.hpp"
#include "measure/strformat.hpp"

namespace outbench {

namespace {

// A channel other than channel 0 is the worse only beyond what the figure resolves (1 % of |Zout|: the band
// maximum repeats within ~0.3 % in --quick; 0.01 dB of response deviation); within it the channels agree and
// channel 0's figure stands.
constexpr double kZoutChannelResolution = 0.01, kResponseChannelResolutionDb = 0.01;

const char* channel_name(int channel) {
  return channel == 0 ? "left" : channel == 1 ? "right" : "other";
}

// The worse of channel 0's figure and the other channels' (`others`: channel, value): the value and the
// channel's name ("" when channel 0's stands).
std::pair<std::optional<double>, std::string> worse(std::optional<double> ch0,
                                                    const std::vector<std::pair<int, std::optional<double>>>& others,
                                                    double resolution, bool relative) {
  std::pair<std::optional<double>, std::string> out{ch0, ""};
  for (const auto& [c, v] : others) {
    if (c == 0 || !v) continue;
    const double base = out.first.value_or(-std::numeric_limits<double>::infinity());
    const double margin = relative && out.first ? resolution * std::abs(*out.first) : resolution;
    if (!out.first || *v > base + margin) out = {v, channel_name(c)};
  }
  return out;
}

// The channel a load's headline `figure` came from (LoadResult::worse_channel), "" for the left.
std::string worse_channel_name(const LoadResult& l, const char* figure) {
  const auto it = l.worse_channel.find(figure);
  return it == l.worse_channel.end() || it->second == 0 ? "" : channel_name(it->second);
}

// A run of a subset of the plan (--tests): a verdict that would pass while some of its rules had no input
// cannot be decided (its missing figures were not measured, not passed); a rule that failed still fails it.
void not_measured_by_subset(Results& r) {
  std::string tests;
  for (const auto& t : r.conditions.tests) tests += (tests.empty() ? "" : ",") + t;
  for (auto& v : r.verdicts) {
    if (!v.applicable || v.grade == "no" || v.grade == "cannot_decide") continue;
    std::string missing;
    for (const auto& rule : v.rules)
      if (!rule.evaluated) missing += (missing.empty() ? "" : "; ") + rule.description;
    if (missing.empty()) continue;
    v.grade = "cannot_decide";
    v.pass = false;
    v.summary = "Cannot decide: not measured in this run (--tests " + tests + "): " + missing + "." + verdict_notes(v);
  }
}

}  // namespace

bool is_line_load(double load_ohms, const VerdictRules& rules) {
  return std::abs(load_ohms - rules.line_load_ohms) <= 0.02 * rules.line_load_ohms;
}

PortFigures port_figures(const PortResult& p, const VerdictRules& rules, bool calibrated, const LineLevel* level) {
  PortFigures f;
  f.present = p.present;
  f.measured = true;
  f.calibrated = calibrated;
  std::vector<std::pair<int, std::optional<double>>> zs;
  for (const auto& c : p.channels) zs.push_back({c.channel, c.max_zout_ohms});
  std::tie(f.max_zout_ohms, f.max_zout_channel) = worse(p.max_zout_ohms, zs, kZoutChannelResolution, true);
  f.max_zout_u95_ohms = p.max_zout_u95_ohms;
  for (const auto& c : p.channels)
    if (!f.max_zout_channel.empty() && f.max_zout_channel == channel_name(c.channel))
      f.max_zout_u95_ohms = c.max_zout_u95_ohms;
  f.zout_1k_ohms = p.z_1k_ohms;
  for (const auto& h : p.headphones) {  // the worse channel's deviation, as the response deviation's
    PortFigures::Headphone fh{h.prediction.id,     h.prediction.name, {}, h.prediction.max_deviation_u95_db, "",
                              h.prediction.problem};
    std::vector<std::pair<int, std::optional<double>>> devs;
    for (const auto& c : h.channels) devs.push_back({c.channel, c.max_deviation_db});
    std::tie(fh.max_deviation_db, fh.channel) =
        worse(h.prediction.max_deviation_db, devs, kResponseChannelResolutionDb, false);
    for (const auto& c : h.channels)
      if (!fh.channel.empty() && fh.channel == channel_name(c.channel)) fh.u95_db = c.max_deviation_u95_db;
    f.headphones.push_back(fh);
  }
  for (const auto& l : p.loads) {
    if (!l.valid || !std::isfinite(l.load_ohms)) continue;
    PortFigures::PerLoad pl;
    pl.load_ohms = l.load_ohms;
    if (l.max_level.at_0p1pct.found) pl.max_vrms_0p1 = l.max_level.at_0p1pct.vrms;
    if (l.max_level.at_1pct.found) pl.max_vrms_1 = l.max_level.at_1pct.vrms;
    const std::string stop = l.max_level.stop_reason.empty() ? "unknown" : l.max_level.stop_reason;
    if (l.max_level.at_0p1pct.found && !l.max_level.at_0p1pct.crossed) pl.max_0p1_not_reached = stop;
    if (l.max_level.at_1pct.found && !l.max_level.at_1pct.crossed) pl.max_1_not_reached = stop;
    pl.max_level_channel = worse_channel_name(l, "max_level");
    std::vector<std::pair<int, std::optional<double>>> devs;
    for (const auto& c : l.channel_responses) devs.push_back({c.channel, c.response_deviation_db});
    std::tie(pl.response_deviation_db, pl.response_deviation_channel) =
        worse(l.response_deviation_db, devs, kResponseChannelResolutionDb, false);
    f.loads.push_back(pl);
    if (is_line_load(l.load_ohms, rules)) {
      // THD+N at the nominal level the verdict asks about (each line level has its own tone).
      if (level)
        for (const auto& al : l.at_levels)
          if (al.thdn.valid && std::abs(dbv_from_vrms(al.out_vrms) - level->level_dbv) < 1.0)
            f.thdn_at_nominal_db = al.thdn.thdn_db;
      f.dynamic_range_db = l.dynamic_range_db;  // the worse channel's (engine/channel_figures.hpp)
      f.dynamic_range_channel = worse_channel_name(l, "dynamic_range");
      f.balance_db = l.balance_db;
    }
  }
  if (p.transients && p.transients->load == "32")  // the thump: the largest start/stop peak (engine/dc_transients)
    for (const auto& e : p.transients->events)
      if ((e.event == "start" || e.event == "stop") && e.peak_mv &&
          (!f.thump_mv || std::abs(*e.peak_mv) > *f.thump_mv)) {
        f.thump_mv = std::abs(*e.peak_mv);
        f.thump_what = std::string(e.event == "start" ? "turn-on" : "turn-off") + ", " +
                       (e.channel == 0   ? "left"
                        : e.channel == 1 ? "right"
                                         : "channel " + std::to_string(e.channel));
      }
  if (p.volume && !p.volume->steps.empty()) {  // the volume steps (engine/volume_tracking.hpp)
    f.volume_lowest_db = p.volume->steps.back().setting_db - p.volume->top_db;
    if (const auto d = balanced_down_to(p.volume->steps, rules.max_balance_db))
      f.volume_balanced_to_db = *d - p.volume->top_db;
  }
  return f;
}

std::optional<double> balanced_down_to(const std::vector<VolumeStep>& steps, double limit_db) {
  std::optional<double> out;
  for (const auto& st : steps) {
    if (!st.balance_db || std::abs(*st.balance_db) > limit_db) break;
    out = st.setting_db;
  }
  return out;
}

void decide_verdicts(Results& r, const VerdictRules& rules) {
  r.verdicts.clear();
  const bool cal = r.calibrated();
  const PortResult* hp = nullptr;
  const PortResult* line = nullptr;
  for (const auto& p : r.ports) {
    if (parse_port_kind(p.name) == PortKind::headphone) hp = &p;
    if (parse_port_kind(p.name) == PortKind::line) line = &p;
  }
  // A port missing from the results was not measured in this run (--ports); one with present == false is
  // a port the device lacks.
  PortFigures not_measured;
  not_measured.measured = false;
  for (const auto& lvl : rules.line_levels) {
    const PortFigures hpf = hp ? port_figures(*hp, rules, cal, &lvl) : not_measured;
    const PortFigures linef = line ? port_figures(*line, rules, cal, &lvl) : not_measured;
    r.verdicts.push_back(headphone_as_line_out(hpf, &linef, rules, lvl));
  }
  r.verdicts.push_back(
      drives_headphones(line ? port_figures(*line, rules, cal, nullptr) : not_measured, rules, "line"));
  r.verdicts.push_back(
      drives_headphones(hp ? port_figures(*hp, rules, cal, nullptr) : not_measured, rules, "headphone"));
  if (r.conditions.tests_subset) not_measured_by_subset(r);
}

void recommend_line_drive(Results& r, const VerdictRules& rules, const Calibration& input,
                          const std::map<std::string, VolumeControl>& volumes) {
  if (!input.valid()) return;
  for (auto& p : r.ports) {
    if (p.name != "headphone") continue;
    p.recommendations.clear();
    const auto vol = volumes.find(p.name);
    for (const auto& l : p.loads) {
      if (!l.valid || !is_line_load(l.load_ohms, rules)) continue;
      for (const auto& lvl : rules.line_levels) {
        PortResult::Recommendation rec;
        rec.level_name = lvl.name;
        rec.target_dbv = lvl.level_dbv;
        rec.drive_dbfs = lvl.level_dbv - db_from_ratio(*input.vrms_at_0dbfs) - l.response.gain_1k_db;
        std::string per_channel;  // "(L x / R y dBFS)" when the channels need different drives
        {
          std::vector<double> drives;
          for (const auto& c : l.channel_responses)
            if (c.response.valid)
              drives.push_back(lvl.level_dbv - db_from_ratio(*input.vrms_at_0dbfs) - c.response.gain_1k_db);
          if (drives.size() >= 2 &&
              *std::max_element(drives.begin(), drives.end()) - *std::min_element(drives.begin(), drives.end()) >
                  kDriveChannelsDifferDb) {
            rec.channel_drives_dbfs = drives;
            rec.drive_dbfs = *std::max_element(drives.begin(), drives.end());
            for (std::size_t c = 0; c < drives.size(); ++c)
              per_channel += (c ? " / " : " (") +
                             std::string(c == 0   ? "L "
                                         : c == 1 ? "R "
                                                  : "ch ") +
                             strformat("%.1f", drives[c]);
            per_channel += " dBFS)";
          }
        }
        for (const auto& a : l.at_levels)
          if (a.thdn.valid && std::abs(dbv_from_vrms(a.out_vrms) - lvl.level_dbv) < 1.0) rec.thdn_db = a.thdn.thdn_db;
        rec.noise_dbv = l.mutes_on_silence ? l.noise_tone_dbv : l.noise_dbv;  // the noise in use
        const std::string target = lvl.name + " line level (" + strformat("%+.1f", lvl.level_dbv) + " dBV)";
        if (rec.drive_dbfs > 0) {
          rec.sentence = "The headphone out cannot reach " + target + " even at 0 dBFS";
        } else {
          rec.sentence = "For " + target + " play at " + strformat("%.1f", rec.drive_dbfs) + " dBFS" + per_channel +
                         (vol != volumes.end() ? " with the volume at " + strformat("%.1f", vol->second.now_db) + " dB"
                                               : " with the volume as calibrated");
          if (rec.thdn_db) rec.sentence += ": THD+N " + strformat("%.1f", *rec.thdn_db) + " dB";
          if (rec.noise_dbv) rec.sentence += ", noise " + strformat("%.1f", *rec.noise_dbv) + " dBV";
        }
        if (vol != volumes.end()) {
          // Full scale at nominal + headroom: the volume moves by the drive's distance from -headroom dBFS.
          // The level's own headroom; the volume setting was not measured, so the figure is a prediction.
          const double headroom = lvl.headroom_db.value_or(rules.headroom_db);
          const double v = vol->second.now_db + rec.drive_dbfs + headroom;
          if (v <= vol->second.max_db + 1e-9) {
            rec.volume_db = v;
            rec.sentence += "; or set the volume to " + strformat("%.1f", v) + " dB so that 0 dBFS gives " +
                            strformat("%+.1f", lvl.level_dbv + headroom) + " dBV (" + strformat("%.0f", headroom) +
                            " dB above nominal; predicted from the volume at " + strformat("%.1f", vol->second.now_db) +
                            " dB, that setting was not measured)";
          }
        }
        rec.sentence += ".";
        p.recommendations.push_back(rec);
      }
    }
  }
}

}  // namespace outbench
