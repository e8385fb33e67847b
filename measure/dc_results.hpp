// The DC offset and switching transients of a port in a run (results.json ports[].dc_offset and
// ports[].transients, reports/SCHEMA.md; measure/engine/dc_transients.hpp measures them; docs/MEASUREMENTS.md
// "DC offset and switching transients" defines the figures).
// Conventions: volts in mV at the load the step used (not the EMF); peaks in dBFS are the capture's (peak re the
// loopback input's full scale); times in ms from the event.
// Limits: plain data; a figure not measured is absent, with the reason in `note`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace outbench {

struct DcOffsetChannel {
  int channel = 0;
  std::optional<double> value_mv;  // at the load
  std::string method;              // "loopback", "meter" or "not_measured"
  std::string note;                // why not measured
};

struct PortDcOffset {
  std::string load;  // the load it was measured into
  std::vector<DcOffsetChannel> channels;
};

struct TransientEvent {
  std::string event;  // "start", "stop" or "rate_change"
  int channel = 0;
  std::string seen;  // "full", "partial" (only the stream's first frames) or "not_measured"
  std::optional<double> peak_mv, peak_dbfs, duration_ms;  // peak_mv: input calibrated; signed as the excursion
  std::string note;                                       // why partial or not measured
  std::optional<double> to_rate_hz;                       // rate_change: the rate the stream was reopened at
  // The waveform around the event (channel's excursion from the baseline, mV; or full-scale units when the
  // input is uncalibrated): wave[k] at wave_start_ms + k * wave_step_ms from the event.
  std::vector<double> wave;
  double wave_start_ms = 0, wave_step_ms = 0;
  bool wave_in_mv = false;
};

struct PortTransients {
  std::string load;
  double threshold_fraction = 0.1;  // the duration's threshold (analysis/transient.hpp)
  std::vector<TransientEvent> events;
};

}  // namespace outbench
