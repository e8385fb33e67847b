// The port model run at kOversample times the rate, for reactive loads and input capacitances: the trapezoidal
// rule (companion_net.hpp) warps frequency, f_model = (fs/pi) tan(pi f/fs), so an inductor at 20 kHz reads 2.8 times
// its reactance at 48 kHz; at 16 x 48 kHz the warp is 0.22 % there.
// Method: the stimulus is interpolated by kOversample (windowed sinc, Kaiser, -100 dB: flat to 1e-5 up to
// 20/24 of the Nyquist frequency, images from the first one above it rejected), the model runs at the high rate,
// its output is low-pass filtered by the same filter and decimated (both zero-phase: no delay added), then
// quantised to 24 bits again. In band the two filters multiply the response by 1 within 2e-5.
// Limits: used by simulate_port only (whole captures; the streaming PortSimulator runs at its own rate).
#pragma once

#include <vector>

#include "analysis/network.hpp"
#include "measure/sim/model.hpp"

namespace outbench::sim {

inline constexpr int kOversample = 16;

// As simulate_port, without the latency (added by the caller): `n` frames per channel from `in`.
std::vector<std::vector<double>> simulate_oversampled(const LoopbackModel& lb, const PortModel& p, double load_ohms,
                                                      const std::vector<std::vector<double>>& in, double rate_hz,
                                                      std::uint64_t seed, double lead_ohms,
                                                      const NetworkElement* load_network);

}  // namespace outbench::sim
