// The procedure into one load of a port (docs/MEASUREMENTS.md): the synchronized sweep (response and
// gain on every channel; the volts it shows tighten the safety cap), a 997 Hz tone at the reference level on every
// channel (THD+N, spectrum, balance), idle noise (unweighted and A-weighted), a -60 dBFS tone (its THD+N residual
// and the noise under it, notched), crosstalk (one channel driven at a time), THD+N versus level up to the maximum
// level (level_search.hpp), then SNR and dynamic range relative to that maximum level (unweighted and A; the
// noise under the tone replaces idle noise when the output mutes on silence), and once the input is
// calibrated, THD+N at each nominal line level (the line load) or at 1 mW (loads up to 600 ohm).
// Every capture plays on all channels and each channel is analysed into LoadResult::channel_figures; the load's
// headline figures are then the worse channel's (channel_figures.hpp). Balance, crosstalk, the response's
// headline and the nominal-level THD+N stay channel 0's.
// Conventions: drives in dBFS of a sine, never above the load's cap; the sweep stays kSweepHeadroomDb further
// below and its gains are expressed per dBFS of drive.
// Limits: the load must already be selected and the session's cap be the one into it.
#pragma once

#include <optional>

#include "measure/engine/step_context.hpp"

namespace outbench::engine {

// Idle noise this far (dB) below the noise under the -60 dBFS tone: the output mutes on digital silence.
inline constexpr double kMuteMarginDb = 3.0;
// One channel of a sweep capture: its response per dBFS of drive (the sweep was scaled by `sweep_scale`) and
// its deviation over 20 Hz..20 kHz, and over 20 Hz..wide_hi_hz when that is > 0 (Plan::wide_response_hi_hz).
ChannelResponse channel_response(const SweepPlan& sweep, const std::vector<double>& capture, int channel,
                                 const ResponseOptions& ro, double sweep_scale, double wide_hi_hz = 0.0);
// The sweep's drive into the load selected now: the plan's level, kSweepHeadroomDb below the cap.
double sweep_drive_dbfs(const StepContext& cx, const SweepPlan& sweep);

// Fills `lr`. `open_latency`: the open load's measured latency, shared by the loaded sweeps (impedance).
// `dc_load`: the port's DC offset is measured into this load (dc_transients.hpp): its idle-noise capture is
// read for it (dc_offset_from_idle), when that capture can be the DC offset's.
void measure_load(StepContext& cx, const PortWiring& port, const Load& load, SweepPlan& sweep, LoadResult& lr,
                  std::optional<long> open_latency, bool dc_load = false);

// Readings within kFloorMarginDb of the interface's own floor (bench analyser_floor) measure the analyser,
// not the device: a warning for each.
void floor_warnings(const BenchConfig& bench, const std::string& port, const LoadResult& lr,
                    std::vector<std::string>& warnings);

}  // namespace outbench::engine
