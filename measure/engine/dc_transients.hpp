// DC offset and switching transients (docs/MEASUREMENTS.md "DC offset and switching transients"): the tests
// "dc" and "transients", into one load of the port (dc_load_for: 32 ohm when the run has it, else the port's
// nominal load), run while the load procedure has that load selected.
//
// DC offset, per channel, at the load: from the loopback when the bench's analyser input is DC-coupled
// (loopback_input.dc_coupled / audio.input.dc_coupled) and calibrated: the mean of an idle capture after
// kDcSettleS, in volts via the input calibration (method "loopback"); else a DC voltmeter's reading asked for
// through RunOptions::ask_dc_meter_mv (method "meter"); else "not_measured" with the reason.
// Transients: an idle capture across the output stream starting (at kStartAtS) and stopping (at kStopAtS)
// (AudioIo::capture_stream_events: the simulated bench, PortAudio on two devices, or on one device that opens as
// separate input and output streams), and one across the stream reopened at another rate of the bench at kStartAtS
// (AudioIo::capture_rate_change: the simulated bench, PortAudio on two devices whose DUT takes the rate); each
// channel's peak and duration (analysis/transient.hpp) and a decimated waveform. The audio I/O reports the
// frames at which it acted (hardware: lower bounds of the events; the baseline ends there). Where it cannot
// capture an event, the event is "not_measured" with its reason.
// Conventions: idle means digital silence; mV at the load; peaks also in dBFS of the capture.
// Limits: the transients' captures are not booked as stimulus of a step the plan estimates.
#pragma once

#include <string>
#include <vector>

#include "measure/engine/step_context.hpp"

namespace outbench::engine {

inline constexpr double kDcCaptureS = 0.5;  // idle capture for the DC offset
inline constexpr double kDcSettleS = 0.1;   // its first part left out (latency, settling)
inline constexpr double kEventsCaptureS = 1.0;
inline constexpr double kStartAtS = 0.2;            // the stream starts here in the events capture
inline constexpr double kStopAtS = 0.6;             // and stops here
inline constexpr double kRateChangeCaptureS = 0.6;  // the rate-change capture: the rate changes at kStartAtS
inline constexpr std::size_t kWavePoints = 200;

// "32" when it is among `loads`, else `nominal` (the port's nominal load; "" = none).
std::string dc_load_for(const std::vector<const Load*>& loads, const std::string& nominal);

// The DC offset from the DC load's idle-noise capture (digital silence of the plan's noise_s, read by the load
// procedure before its louder steps), when it can be the DC offset's capture: the loopback reads DC (input
// DC-coupled and calibrated) and noise_s is kDcCaptureS. Its first kDcCaptureS is read as dc_from_loopback reads
// its own capture; pr.dc_offset is then set and dc_and_transients plays nothing for it. False: not set.
bool dc_offset_from_idle(StepContext& cx, const Capture& idle, PortResult& pr);

// Into `load`, selected now: fills pr.dc_offset (test "dc", unless dc_offset_from_idle did) and pr.transients
// (test "transients").
void dc_and_transients(StepContext& cx, const PortWiring& port, const Load& load, PortResult& pr);

}  // namespace outbench::engine
