// The analyser's own floor (docs/MEASUREMENTS.md "The analyser's own floor"): per port, before its loads, the
// loopback input's noise with the input terminated (no device signal: the load switch terminates it; on the
// simulated bench the model's ADC alone), unweighted and A-weighted, at the input range in use; or, where the
// switch cannot terminate the input, the bench file's analyser_floor (calibrate loopback), or none ("floor not
// measured"). Then each noise, SNR, dynamic-range and THD+N figure of a load gets its margin over that floor
// (analysis/floor_margin.hpp), and the muting decision is taken on floor-corrected values only.
// Conventions: floors in dBFS at the loopback input; the THD+N floor is the noise floor (a residual in dBFS),
// the noise under the -60 dBFS tone is compared with the idle floor (the interface's output adds nothing on the
// simulated bench; on hardware its floor under a tone is not measured: see docs).
// Limits: channel 0 of the port's inputs; apply_floor_to/mute_decided take one figure and one floor, so they
// apply per channel as well.
#pragma once

#include <optional>

#include "analysis/floor_margin.hpp"
#include "measure/engine/step_context.hpp"

namespace outbench::engine {

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

// One warning for the port when a load's reference tone lands more than kRangeAdviceDb below input full scale.
void range_advice(const PortResult& port, std::vector<std::string>& warnings);

// Whether idle noise `idle_dbfs` lies more than `margin_db` below the noise under the tone `tone_dbfs`, judged
// on the device's own levels (the floor subtracted in power, each reading moved by kFloorReadingUncertaintyDb
// against the claim): false (undecided) when the noise under the tone is analyser-limited. Without a floor:
// the readings themselves.
bool mute_decided(double idle_dbfs, double tone_dbfs, std::optional<double> floor_dbfs, double margin_db);

}  // namespace outbench::engine
