// Simulated device models (docs/MEASUREMENTS.md "The simulated bench"): JSON "outbench-device/1" in fixtures/devices/,
// documented field by field in fixtures/devices/README.md. Loading validates every field and throws
// InputError naming the file, the JSON path and what is expected.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace outbench::sim {

struct PortModel {
  std::string name;
  int channels = 2;
  double vrms_at_0dbfs = 1.0;  // open-circuit EMF of a 0 dBFS sine (before clipping), at volume_db
  double volume_db = 0.0;      // analogue volume after the DAC: its setting now (0 = as vrms_at_0dbfs says)
  bool has_volume = false;     // the file gives volume_db: the device has a volume control to advise on
  double volume_max_db = 0.0;  // the top of the volume control's range
  double source_r_ohms = 0.0;
  double coupling_c_farads = 0.0;    // series capacitor, 0 = none
  double rail_vpeak = 10.0;          // the EMF cannot exceed +/- this (soft knee from 90 %)
  double current_limit_apeak = 1.0;  // the load current cannot exceed +/- this
  double noise_vrms = 0.0;           // EMF noise, 20 Hz..20 kHz (white)
  double h2_dbc_at_0dbfs = -200.0;   // static nonlinearity: 2nd harmonic of a 0 dBFS sine (scales with level)
  double h3_dbc_at_0dbfs = -200.0;   // 3rd harmonic of a 0 dBFS sine (scales with level squared)
  double hum_vrms = 0.0;
  double hum_hz = 50.0;
  double crosstalk_db = -120.0;  // each channel's EMF gets this much of the other's
  double dac_lowpass_hz = 0.0;   // 2nd-order Butterworth (bilinear), 0 = none
  // The output mutes (EMF noise and hum gone) while every channel's stream has been exactly zero for more
  // than kMuteAfterZeroMs; the first non-zero sample unmutes it.
  bool mute_on_silence = false;
};

inline constexpr double kMuteAfterZeroMs = 10.0;

struct LoopbackModel {
  double impedance_ohms = 1e6;
  double full_scale_vrms = 7.75;  // the sine RMS that reads 0 dBFS
  double noise_dbfs = -130.0;     // ADC noise, 20 Hz..20 kHz
  int latency_frames = 96;
};

struct DeviceModel {
  std::string source;
  std::string name;
  std::string description;
  LoopbackModel loopback;
  std::vector<PortModel> ports;
  const PortModel* port(const std::string& name) const;
};

DeviceModel load_device_model(const std::filesystem::path& path);

}  // namespace outbench::sim
