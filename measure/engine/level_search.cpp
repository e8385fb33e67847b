#include "measure/engine/level_search.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <utility>

#include "measure/engine/plan.hpp"

namespace outbench::engine {

namespace {

struct StopText {
  StopReason reason;
  const char* id;
  const char* sentence;  // "{limit}" stands for the safety limit
};
constexpr StopText kStopTexts[] = {
    {StopReason::thdn_1pct, "thdn_1pct", "THD+N reached 1 %"},
    {StopReason::compression, "compression", "the output stopped rising with the drive (current or voltage limit)"},
    {StopReason::safety_limit, "safety_limit", "the bench's safety limit ({limit}) was reached before 1 % THD+N"},
    {StopReason::full_scale, "full_scale", "full-scale drive was reached before 1 % THD+N"},
    {StopReason::input_full_scale, "input_full_scale",
     "the loopback input reached full scale: attenuate the input or raise its range"},
    {StopReason::no_signal, "no_signal", "no tone came back"},
    {StopReason::current_limit, "current_limit", ""},
    {StopReason::rail_clipping, "rail_clipping", ""},
};

const StopText& text_of(StopReason r) {
  for (const auto& t : kStopTexts)
    if (t.reason == r) return t;
  return kStopTexts[0];  // unreachable: every reason is in the table
}

// THD+N crosses `limit_db` from below between two measured steps.
bool crosses(const LevelStep& a, const LevelStep& b, double limit_db) {
  return a.valid() && b.valid() && *b.thdn_db >= limit_db && *a.thdn_db < limit_db;
}

void sort_by_drive(std::vector<LevelStep>& steps) {
  std::sort(steps.begin(), steps.end(), [](const auto& a, const auto& b) { return a.drive_dbfs < b.drive_dbfs; });
}

// Why a channel stops at its last step (nothing: it goes on).
std::optional<StopReason> stop_at(const std::vector<LevelStep>& steps, double cap) {
  const LevelStep& st = steps.back();
  if (!st.valid()) return StopReason::no_signal;
  if (*st.out_dbfs > kAdcNearFullScaleDbfs) return StopReason::input_full_scale;
  if (*st.thdn_db >= kThdn1PctDb) return StopReason::thdn_1pct;
  if (steps.size() >= 2) {  // every earlier step was valid: the channel stops at the first that is not
    const auto& p = steps[steps.size() - 2];
    if (*st.out_dbfs - *p.out_dbfs < (st.drive_dbfs - p.drive_dbfs) - kCompressionDb) return StopReason::compression;
  }
  if (st.drive_dbfs >= cap - 1e-9) return st.drive_dbfs >= -1e-9 ? StopReason::full_scale : StopReason::safety_limit;
  return std::nullopt;
}

// Coarse steps until every channel has stopped.
void coarse_steps(const LevelSearch& s, std::vector<ChannelSearch>& chans) {
  double drive = std::min(s.start_dbfs, s.cap_dbfs());
  while (true) {
    const std::vector<LevelStep> read = s.step_channels(drive);
    if (read.empty()) throw std::logic_error("level search: a step returned no channel");
    if (chans.empty()) chans.resize(read.size());
    drive = read.front().drive_dbfs;
    bool all = true;
    for (std::size_t c = 0; c < chans.size(); ++c) {
      auto& ch = chans[c];
      if (ch.stopped) continue;
      ch.steps.push_back(c < read.size() ? read[c] : LevelStep{drive, {}, {}, {}, {}});
      if (const auto r = stop_at(ch.steps, s.cap_dbfs())) {
        ch.stopped = true;
        ch.reason = *r;
        ch.stop_drive_dbfs = drive;
      } else {
        all = false;
      }
    }
    if (all) return;
    drive = std::min(drive + s.step_db, s.cap_dbfs());
  }
}

// The drives around the last crossing of `limit_db` in sorted steps (none: no crossing).
std::optional<std::pair<double, double>> crossing(const std::vector<LevelStep>& steps, double limit_db) {
  for (std::size_t i = steps.size(); i-- > 1;)
    if (crosses(steps[i - 1], steps[i], limit_db)) return std::pair{steps[i - 1].drive_dbfs, steps[i].drive_dbfs};
  return std::nullopt;
}

// Bisection around each channel's crossing of `limit_db` (from below to above on the rising side): the widest
// crossing still wider than its coarse width over 2^bisections and 0.05 dB is bisected next.
void refine(const LevelSearch& s, std::vector<ChannelSearch>& chans, double limit_db) {
  std::vector<double> target(chans.size(), 0.0);
  for (std::size_t c = 0; c < chans.size(); ++c) {
    sort_by_drive(chans[c].steps);
    if (const auto x = crossing(chans[c].steps, limit_db))
      target[c] = (x->second - x->first) / std::ldexp(1.0, s.bisections);
  }
  for (std::size_t it = 0; it < static_cast<std::size_t>(std::max(s.bisections, 0)) * chans.size(); ++it) {
    std::optional<double> mid;
    double widest = 0;
    for (std::size_t c = 0; c < chans.size(); ++c) {
      const auto x = crossing(chans[c].steps, limit_db);
      if (!x) continue;
      const double w = x->second - x->first;
      if (w < 0.05 || w <= target[c] * (1 + 1e-6) || w <= widest) continue;
      widest = w;
      mid = 0.5 * (x->first + x->second);
    }
    if (!mid) return;
    const auto read = s.step_channels(*mid);
    for (std::size_t c = 0; c < chans.size() && c < read.size(); ++c)
      if (read[c].drive_dbfs <= chans[c].stop_drive_dbfs + 1e-9) chans[c].steps.push_back(read[c]);
    for (auto& ch : chans) sort_by_drive(ch.steps);
  }
}

}  // namespace

const char* stop_reason_id(StopReason r) {
  return text_of(r).id;
}

std::string stop_explanation(StopReason r, const std::string& limit_text) {
  std::string s = text_of(r).sentence;
  if (const auto at = s.find("{limit}"); at != std::string::npos) s.replace(at, 7, limit_text);
  return s;
}

std::vector<ChannelSearch> search_channels(const LevelSearch& s) {
  std::vector<ChannelSearch> chans;
  coarse_steps(s, chans);
  refine(s, chans, kThdn1PctDb);
  refine(s, chans, kThdn0p1PctDb);
  for (auto& ch : chans) sort_by_drive(ch.steps);
  return chans;
}

StopReason search_levels(const LevelSearch& s, std::vector<LevelStep>& steps) {
  LevelSearch one = s;
  one.step_channels = [&s](double drive) { return std::vector<LevelStep>{s.step(drive)}; };
  auto chans = search_channels(one);
  steps = std::move(chans.front().steps);
  return chans.front().reason;
}

MaxLevel::Point level_at_limit(const std::vector<LevelStep>& steps, double limit_db) {
  MaxLevel::Point pt;
  for (std::size_t i = steps.size(); i-- > 1;)
    if (crosses(steps[i - 1], steps[i], limit_db)) {
      const auto& a = steps[i - 1];
      const auto& b = steps[i];
      const double t = (limit_db - *a.thdn_db) / (*b.thdn_db - *a.thdn_db);
      pt.found = true;
      pt.crossed = true;
      pt.drive_dbfs = a.drive_dbfs + t * (b.drive_dbfs - a.drive_dbfs);
      pt.out_dbfs = *a.out_dbfs + t * (*b.out_dbfs - *a.out_dbfs);
      return pt;
    }
  // A search that stopped before the limit was crossed (full scale, safety): the highest step still under it,
  // when that is the last step.
  const LevelStep* best = nullptr;
  for (const auto& s : steps)
    if (s.valid() && *s.thdn_db < limit_db && (!best || *s.out_dbfs > *best->out_dbfs)) best = &s;
  if (best && best == &steps.back()) {
    pt.found = true;  // not crossed: a lower bound of the limit's level
    pt.drive_dbfs = best->drive_dbfs;
    pt.out_dbfs = *best->out_dbfs;
  }
  return pt;
}

}  // namespace outbench::engine
