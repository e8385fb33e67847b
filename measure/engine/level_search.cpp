#include "measure/engine/level_search.hpp"

#include <algorithm>

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

// Coarse steps until a stop.
StopReason coarse_steps(const LevelSearch& s, std::vector<LevelStep>& steps) {
  double drive = std::min(s.start_dbfs, s.cap_dbfs());
  while (true) {
    LevelStep st = s.step(drive);
    drive = st.drive_dbfs;
    steps.push_back(st);
    if (!st.valid()) return StopReason::no_signal;
    if (*st.out_dbfs > kAdcNearFullScaleDbfs) return StopReason::input_full_scale;
    if (*st.thdn_db >= kThdn1PctDb) return StopReason::thdn_1pct;
    if (steps.size() >= 2) {  // every earlier step was valid: the search stops at the first that is not
      const auto& p = steps[steps.size() - 2];
      if (*st.out_dbfs - *p.out_dbfs < (st.drive_dbfs - p.drive_dbfs) - kCompressionDb) return StopReason::compression;
    }
    const double cap = s.cap_dbfs();
    if (drive >= cap - 1e-9) return drive >= -1e-9 ? StopReason::full_scale : StopReason::safety_limit;
    drive = std::min(drive + s.step_db, cap);
  }
}

// Bisection around the crossing of `limit_db` (from below to above on the rising side).
void refine(const LevelSearch& s, std::vector<LevelStep>& steps, double limit_db) {
  for (int it = 0; it < s.bisections; ++it) {
    sort_by_drive(steps);
    std::size_t hi = steps.size();
    for (std::size_t i = 1; i < steps.size(); ++i)
      if (crosses(steps[i - 1], steps[i], limit_db)) hi = i;
    if (hi == steps.size()) return;
    const double mid = 0.5 * (steps[hi - 1].drive_dbfs + steps[hi].drive_dbfs);
    if (steps[hi].drive_dbfs - steps[hi - 1].drive_dbfs < 0.05) return;
    steps.push_back(s.step(mid));
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

StopReason search_levels(const LevelSearch& s, std::vector<LevelStep>& steps) {
  const StopReason reason = coarse_steps(s, steps);
  refine(s, steps, kThdn1PctDb);
  refine(s, steps, kThdn0p1PctDb);
  sort_by_drive(steps);
  return reason;
}

MaxLevel::Point level_at_limit(const std::vector<LevelStep>& steps, double limit_db) {
  MaxLevel::Point pt;
  for (std::size_t i = steps.size(); i-- > 1;)
    if (crosses(steps[i - 1], steps[i], limit_db)) {
      const auto& a = steps[i - 1];
      const auto& b = steps[i];
      const double t = (limit_db - *a.thdn_db) / (*b.thdn_db - *a.thdn_db);
      pt.found = true;
      pt.drive_dbfs = a.drive_dbfs + t * (b.drive_dbfs - a.drive_dbfs);
      pt.out_dbfs = *a.out_dbfs + t * (*b.out_dbfs - *a.out_dbfs);
      return pt;
    }
  // A search that stopped before the limit was crossed (full scale, safety): the highest step still under it,
  // when that is the last step.
  const LevelStep* best = nullptr;
  for (const auto& s : steps)
    if (s.valid() && *s.thdn_db < limit_db && (!best || *s.out_dbfs > *best->out_dbfs)) best = &s;
  if (best && best == &steps.back()) pt = {true, best->drive_dbfs, *best->out_dbfs, {}, {}, {}, {}};
  return pt;
}

}  // namespace outbench::engine
