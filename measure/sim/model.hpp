// Simulated device models (docs/MEASUREMENTS.md "The simulated bench"): JSON "outbench-device/1" in fixtures/devices/,
// documented field by field in fixtures/devices/README.md. Loading validates every field and throws
// InputError naming the file, the JSON path and what is expected.
// Per channel: every numeric port parameter may be one number (both channels) or [left, right]; a PortModel's
// own ChannelModel fields are the left channel's (channel 0), `right` the right channel's (a copy of the left
// when the file gives one number). `ground_return_ohms` is the port's shared return (one number).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace outbench::sim {

// The parameters of one channel of a port.
struct ChannelModel {
  double vrms_at_0dbfs = 1.0;  // open-circuit EMF of a 0 dBFS sine (before clipping), at volume_db
  double volume_db = 0.0;      // analogue volume after the DAC: its setting now (0 = as vrms_at_0dbfs says)
  double volume_max_db = 0.0;  // the top of the volume control's range
  // The volume control's steps and tracking (volume_gain_db): settings land on whole steps below the top
  // (0 = continuous); the channel's gain error at an attenuation a (dB below the top) is
  // volume_tracking_db * (a / volume_tracking_ref_db)^volume_tracking_exponent.
  double volume_step_db = 0.0;
  double volume_tracking_db = 0.0;
  double volume_tracking_ref_db = 40.0;
  double volume_tracking_exponent = 1.0;
  double source_r_ohms = 0.0;
  double coupling_c_farads = 0.0;    // series capacitor, 0 = none
  double rail_vpeak = 10.0;          // the EMF cannot exceed +/- this (soft knee from 90 %)
  double current_limit_apeak = 1.0;  // the load current cannot exceed +/- this
  double noise_vrms = 0.0;           // EMF noise, 20 Hz..20 kHz (white)
  double h2_dbc_at_0dbfs = -200.0;   // static nonlinearity: 2nd harmonic of a 0 dBFS sine (scales with level)
  double h3_dbc_at_0dbfs = -200.0;   // 3rd harmonic of a 0 dBFS sine (scales with level squared)
  double hum_vrms = 0.0;
  double hum_hz = 50.0;
  double crosstalk_db = -120.0;  // this channel's EMF gets this much of the other's
  double dac_lowpass_hz = 0.0;   // 2nd-order Butterworth (bilinear), 0 = none
  // DC offset of the EMF (mV), before the coupling capacitor: with one, the capacitor holds it (charged from the
  // first frame, steady state) and none reaches the load; without one the load sees it through the divider.
  double dc_offset_mv = 0.0;
  // Switching transients, added to the EMF when the stream starts / stops (played only where the bench asks
  // for stream events, port_sim.hpp simulate_stream_events): step * exp(-t / tau) from the event.
  double turn_on_step_mv = 0.0, turn_on_tau_ms = 1.0;
  double turn_off_step_mv = 0.0, turn_off_tau_ms = 1.0;
  // The same when the stream's sample rate changes (played only where the bench asks for a rate change,
  // simulate_stream_events' rate_change_frame).
  double rate_change_step_mv = 0.0, rate_change_tau_ms = 1.0;
};

inline constexpr double kMuteAfterZeroMs = 10.0;

// A port: the inherited fields are the left channel (channel 0).
struct PortModel : ChannelModel {
  std::string name;
  int channels = 2;
  bool has_volume = false;  // the file gives volume_db: the device has a volume control to advise on
  // The shared return between the jack's sleeve and the device's ground: both channels' load currents flow
  // through it, and the loopback reads each load's voltage at the jack (port_sim.hpp).
  double ground_return_ohms = 0.0;
  // The output mutes (EMF noise and hum gone) while every channel's stream has been exactly zero for more
  // than kMuteAfterZeroMs; the first non-zero sample unmutes it.
  bool mute_on_silence = false;
  ChannelModel right;  // channel 1
  const ChannelModel& ch(int c) const { return c == 1 ? right : static_cast<const ChannelModel&>(*this); }
};

struct LoopbackModel {
  double impedance_ohms = 1e6;
  double input_capacitance_pf = 0.0;  // in parallel with impedance_ohms (0 = none)
  double full_scale_vrms = 7.75;      // the sine RMS that reads 0 dBFS
  double noise_dbfs = -130.0;         // ADC noise, 20 Hz..20 kHz
  int latency_frames = 96;
};

struct DeviceModel {
  std::string source;
  std::string name;
  std::string description;
  LoopbackModel loopback;
  std::vector<PortModel> ports;
  // The device's clock against the analyser's (fixtures/devices/README.md): 0 = one clock (the bench plays and
  // captures on one device). Otherwise the DUT's output is resampled in the model: it plays
  // (1 + ppm * 1e-6) samples per analyser sample, ppm = clock_ppm + clock_wander_ppm_per_min * minutes of
  // stimulus played before the capture (constant within a capture).
  double clock_ppm = 0;
  double clock_wander_ppm_per_min = 0;
  bool two_clocks() const { return clock_ppm != 0 || clock_wander_ppm_per_min != 0; }
  const PortModel* port(const std::string& name) const;
};

DeviceModel load_device_model(const std::filesystem::path& path);

// The channel's gain in dB (re vrms_at_0dbfs) with its volume control at `setting_db`: the setting rounded to
// the nearest whole step below the top (volume_step_db; a setting above the top is the top), plus the channel's
// tracking error at that attenuation. Exactly `setting_db` for a control without steps or tracking error.
double volume_gain_db(const ChannelModel& channel, double setting_db);

}  // namespace outbench::sim
