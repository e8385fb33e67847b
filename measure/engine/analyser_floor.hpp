// The analyser's own floor (docs/MEASUREMENTS.md "The analyser's own floor"): per port, before its loads, the
// loopback input's noise with the input terminated (no device signal: the load switch terminates it; on the
// simulated bench the model's ADC alone), unweighted and A-weighted, at the input range in use; or, where the
// switch cannot terminate the input, the bench file's analyser_floor (calibrate loopback), or none ("floor not
// measured"). Then each noise, SNR, dynamic-range and THD+N figure of a load gets its margin over that floor
// (analysis/floor_margin.hpp), and the muting decision is taken on floor-corrected values only.
// Conventions: floors in dBFS at the loopback input; the THD+N floor is the loopback's residual at the load's
// reference drive (calibrate loopback, output and input together) where the bench file has it, else the noise
// floor (a residual in dBFS),
// the noise under the -60 dBFS tone is compared with the idle floor (the interface's output adds nothing on the
// simulated bench; on hardware its floor under a tone is not measured: see docs).
// Per channel: the terminated input's floor is read on every input channel of the port, and each channel's figures
// get their margins over their own channel's floor (the bench file's floor, one figure, stands for all); the
// load's headline figures carry the margins of the channel each came from.
// Limits: mute_decided takes one figure and one floor, so it applies per channel.
#pragma once

#include <optional>

#include "analysis/floor_margin.hpp"
#include "measure/engine/step_context.hpp"

namespace outbench::engine {

// The loopback's THD+N (bench file, calibrate loopback) is the floor under a load's THD+N when it was measured
// at the load's reference drive within this.
inline constexpr double kLoopbackDriveMatchDb = 0.5;

// A more sensitive input range is advised when the reference tone lands more than this far below full scale.
inline constexpr double kRangeAdviceDb = 20.0;

// Measures (or takes from the bench file) the floor of the port's loopback input.
PortResult::AnalyserFloor measure_analyser_floor(StepContext& cx, const PortWiring& port);

// The margins of every figure of `lr` over `fl` (nothing when the floor is unknown), and the reference tone's
// distance below input full scale.
void apply_floor(const PortResult::AnalyserFloor& fl, const std::string& port, LoadResult& lr,
                 std::vector<std::string>& warnings);

// A noise reading's uncertainty for the muting decision (dB): the capture's spread and the ~10 ms played
// before a mute engages.
inline constexpr double kFloorReadingUncertaintyDb = 0.5;

// The better range named by the advice keeps the reference tones at least this far below its full scale.
inline constexpr double kRangeHeadroomDb = 6.0;

// One warning for the port when a load's reference tone lands more than kRangeAdviceDb below input full scale,
// naming the better range among the bench's `ranges` (the most sensitive that keeps those loads' tones
// kRangeHeadroomDb below its full scale) when there is one.
void range_advice(const PortResult& port, const std::vector<InputRange>& ranges, std::vector<std::string>& warnings);

// Whether idle noise `idle_dbfs` lies more than `margin_db` below the noise under the tone `tone_dbfs`, judged
// on the device's own levels (the floor subtracted in power, each reading moved by kFloorReadingUncertaintyDb
// against the claim): false (undecided) when the noise under the tone is analyser-limited. Without a floor:
// the readings themselves.
bool mute_decided(double idle_dbfs, double tone_dbfs, std::optional<double> floor_dbfs, double margin_db);

}  // namespace outbench::engine
