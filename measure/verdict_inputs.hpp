// Verdict inputs: the figures of a run's ports summarised for the verdicts (analysis/verdict.hpp), the
// verdicts themselves, and the line-drive advice for the headphone out. Pure: Results in, Results out; no
// I/O.
//
// Method: each port's valid, finite loads give the per-load figures (maximum levels, response deviation);
// the line load (the load within 2 % of the rules' line_load_ohms, is_line_load()) also gives THD+N at the
// nominal level asked about (the at-level tone whose output is within 1 dB of it), the dynamic range and the
// channel balance. |Zout| and the response deviation are the worse channel's: another channel's figure
// replaces channel 0's when it is worse by more than the figure resolves (1 % of |Zout|, 0.01 dB),
// and the rule's sentence then names that channel. A port missing from the results was left out of the run ("not
// measured"); a port with present == false is one the device lacks ("absent"). Conventions: levels in dBV / dBFS as
// named, volume settings in dB of the device's control. Limits: the advice needs a calibrated loopback input (volts);
// without one it is not given.
#pragma once

#include <map>
#include <string>

#include "analysis/units.hpp"
#include "analysis/verdict.hpp"
#include "measure/results.hpp"

namespace outbench {

// The load within 2 % of the rules' line load (the one way the line load is found).
bool is_line_load(double load_ohms, const VerdictRules& rules);

// Verdict inputs from a port's results. `level`: the line level whose THD+N at nominal level the figures
// carry (nullptr: none).
PortFigures port_figures(const PortResult& p, const VerdictRules& rules, bool calibrated, const LineLevel* level);

// The lowest volume setting (VolumeStep::setting_db) down to which every step from the top (steps[0]) keeps
// |balance| within limit_db; nullopt when the top step already exceeds it or has no balance.
std::optional<double> balanced_down_to(const std::vector<VolumeStep>& steps, double limit_db);

// Fills r.verdicts from r.ports (replacing any there): decided once, after every port of the run (absent
// ones included) is in the results.
void decide_verdicts(Results& r, const VerdictRules& rules);

// "Keep the volume low", made exact: for the headphone out into the line load, the drive (dBFS) that gives
// each nominal line level, with the THD+N and noise measured there; where the port has a volume control
// (volumes[port]), also the volume setting at which a full-scale (0 dBFS) signal gives nominal level plus
// the rules' headroom. Needs a calibrated loopback input (`input`); fills PortResult::recommendations.
// Each channel's drive for a level is given (Recommendation::channel_drives_dbfs) when the channels' gains at
// 1 kHz differ by more than this; the recommended drive is then the larger (the quieter channel reaches it).
inline constexpr double kDriveChannelsDifferDb = 0.1;
struct VolumeControl {
  double now_db = 0;  // setting during the run
  double max_db = 0;  // top of its range
};
void recommend_line_drive(Results& r, const VerdictRules& rules, const Calibration& input,
                          const std::map<std::string, VolumeControl>& volumes);

}  // namespace outbench
