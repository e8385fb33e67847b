// The maximum-level search: THD+N versus level in coarse steps from a start drive until a stop, then
// bisection around the 0.1 % and 1 % THD+N crossings, and the maximum level read from the steps.
// Pure over a callback: `step(drive)` plays one step (never above the cap) and returns what it read;
// `cap_dbfs()` is the safety cap now (each step's capture may tighten it).
//
// Method: coarse steps of step_db stop at the first of: no tone came back, the loopback input near full
// scale (kAdcNearFullScaleDbfs), THD+N at 1 % (kThdn1PctDb), compression (the output rose kCompressionDb less
// than the drive), the cap (safety_limit, or full_scale when the cap is 0 dBFS). Each crossing (a step below a
// limit followed by one at or above it, on the rising side) is bisected `bisections` times or to 0.05 dB. The
// level at a limit is interpolated linearly between the steps around its crossing; without a crossing it is
// the last (highest-drive) step when that one is still under the limit.
// Conventions: drives and outputs in dBFS of a sine, THD+N in dB relative to the fundamental.
// Both channels: every step drives all channels together and `step_channels` returns one reading per channel; each
// channel stops by the rules above on its own readings, the coarse steps go on until every channel has stopped
// (never above the cap), and a channel's steps are those at or below the drive where it stopped. The
// bisections serve the widest crossing still wider than its coarse interval over 2^bisections (or 0.05 dB),
// and each reads every channel: identical channels cost no more steps than one.
// Limits: a response with two crossings of a limit (THD+N falling again) reports the highest.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "measure/results.hpp"

namespace outbench::engine {

// Why the search stopped (MaxLevel::stop_reason carries stop_reason_id()). current_limit and rail_clipping
// are set afterwards from the loads of a port and |Zout| (analysis/load_checks.hpp classify_output_limits),
// in place of thdn_1pct or compression.
enum class StopReason {
  thdn_1pct,
  compression,
  safety_limit,
  full_scale,
  input_full_scale,
  no_signal,
  current_limit,
  rail_clipping
};

// The id written to results.json ("thdn_1pct", ...).
const char* stop_reason_id(StopReason r);
// The sentence a user reads; `limit_text` names the safety limit (safety_limit only). current_limit and
// rail_clipping have no fixed sentence (they carry figures): "".
std::string stop_explanation(StopReason r, const std::string& limit_text);

struct LevelSearch {
  double start_dbfs = 0;
  double step_db = 0;
  int bisections = 0;
  std::function<LevelStep(double drive_dbfs)> step;                        // one channel (search_levels)
  std::function<std::vector<LevelStep>(double drive_dbfs)> step_channels;  // every channel (search_channels)
  std::function<double()> cap_dbfs;
};

// One channel's search: its steps sorted by drive, why its coarse steps stopped and at which drive.
struct ChannelSearch {
  std::vector<LevelStep> steps;
  StopReason reason = StopReason::no_signal;
  bool stopped = false;
  double stop_drive_dbfs = 0;
};

// Runs the search over `step_channels`; one ChannelSearch per channel the first step returned.
std::vector<ChannelSearch> search_channels(const LevelSearch& s);

// Runs the search over `step` (one channel); `steps` receives every step, sorted by drive. Returns why the
// coarse steps stopped.
StopReason search_levels(const LevelSearch& s, std::vector<LevelStep>& steps);

// The drive and output at a THD+N limit (not found: found == false); volts are not filled.
MaxLevel::Point level_at_limit(const std::vector<LevelStep>& steps, double limit_db);

}  // namespace outbench::engine
