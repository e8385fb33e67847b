// Both channels of a load (docs/MEASUREMENTS.md "Both channels"): the load's headline figures (the fields
// outbench/1 readers and the verdicts know: thdn_ref, noise, noise under the tone, the -60 dBFS residual, the
// maximum level with its THD+N versus level, SNR and dynamic range) are each the worse channel's.
// Method: per figure, the left channel's (channel 0) value stands unless another channel's is worse by more than
// kChannelResolutionDb (two identical channels of a --quick run read up to ~0.45 dB apart in noise); "worse" is
// higher THD+N, noise and residual, lower maximum level, SNR and dynamic range. A channel without the figure is
// passed over. LoadResult::worse_channel names the channel each headline came from.
// Limits: pure; the load's channel_figures must be filled first.
#pragma once

#include "measure/results.hpp"

namespace outbench::engine {

inline constexpr double kChannelResolutionDb = 0.5;

// Sets the load's headline figures and worse_channel from lr.channel_figures (none: left unchanged).
void headline_from_channels(LoadResult& lr);

}  // namespace outbench::engine
