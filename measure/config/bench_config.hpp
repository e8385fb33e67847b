// The bench: which audio I/O, which interface channels carry each output port and which loopback inputs
// are wired to the port under test, the dummy loads (nominal and measured-actual ohms), the loopback
// input's impedance, the calibrations and the safety limits. JSON, "schema": "outbench-bench/1"
// (fixtures/benches/README.md documents every field). Channel numbers count from 0.
// Two forms of "audio" for a real bench: one device ("device", "host_api": one full-duplex stream, one clock),
// or two ("output": the device under test, "input": the analyser, with the analyser input's calibration and
// impedance in place of "loopback_input"): the ports' output_channels then count on the output device and
// their input_channels on the input device, both run at the one rate_hz, and the bench has two clocks.
//
// Method: load_bench_config reads the file with JsonReader, section by section, and checks what can be
// checked before anything is opened: the wiring (a channel once per port, no output in two ports), the
// loads (each name once, an "open" load), the load switch (its kind, its relay bytes or program).
// Conventions: units in the field names; a relative device_model is found beside the bench file; "${VAR}"
// is expanded in the load_switch section only; every problem is an InputError naming the file and field.
// Limits: rates kRunRatesHz only (audio.supported_rates_hz may narrow them for a bench); a top-level "settle_s" of
// older files is accepted and not used (the switch's own load_switch.settle_s is the wait after a switch).
#pragma once

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/units.hpp"
#include "measure/config/kinds.hpp"
#include "measure/io/audio_io.hpp"
#include "measure/io/volume_setter.hpp"

namespace outbench {

// Sample rates `outbench run` and `calibrate` measure at: the 20 Hz..20 kHz tests need 44.1 kHz, and the
// sweeps' lowest frequency limits the top (sound files for generate/analyze: 8 kHz..384 kHz).
inline constexpr double kMinRunRateHz = 44100.0;
inline constexpr double kMaxRunRateHz = 192000.0;
// The rates a run plays at (`outbench run --rate`, a bench's audio.rate_hz): the plan is checked at each.
inline constexpr double kRunRatesHz[] = {44100.0, 48000.0, 88200.0, 96000.0, 192000.0};
bool is_run_rate(double rate_hz);
// "44100, 48000, 88200, 96000 or 192000 Hz" (or the given list).
std::string rate_list_text(const std::vector<double>& rates_hz = {});

struct PortWiring {
  std::string name;                    // "line", "headphone"
  std::vector<int> output_channels;    // interface outputs carrying the port (L, R)
  std::vector<int> input_channels;     // loopback inputs wired across the load (L, R)
  Calibration output;                  // Vrms of a 0 dBFS sine at the port, open circuit
  std::string calibrated_on;           // date of the calibration, or "device model"
  std::optional<VolumeConfig> volume;  // ports.NAME.volume: how the run sets its volume control
  std::string input_range;             // the loopback input's range in use (a name of BenchConfig::input_ranges)
};

// One range of the loopback input (its gain setting): the sine Vrms that reads 0 dBFS there.
struct InputRange {
  std::string name;
  double full_scale_vrms = 0;
};

struct SafetyLimits {
  double max_drive_dbfs = 0.0;  // never play above this
  double max_vrms = 10.0;       // never drive more than this across a load
  double max_mw = 500.0;        // never put more than this into a load (headphones!)
  // Without any calibration the volts cannot be predicted: the highest drive the user accepts into any load
  // then (absent: such a run is refused before it plays anything).
  std::optional<double> uncalibrated_max_drive_dbfs;
};

struct BenchConfig {
  std::string source;  // file name, or "built-in simulated bench"
  std::string name;
  std::string audio = "simulated";  // simulated | portaudio
  std::string device_model;         // simulated: device model file
  std::string device;               // portaudio: device name substring or index (two devices: the output's)
  std::string host_api;             // portaudio: ALSA, JACK, ...
  // Two-device form: the analyser (audio.input) that captures, apart from the device under test that plays
  // (device, host_api above: audio.output). Empty: one device plays and captures.
  std::string input_device;
  std::string input_host_api;
  bool two_devices() const { return !input_device.empty(); }
  double rate_hz = 48000;
  // audio.supported_rates_hz: the rates this bench's hardware runs at (`run --rate` outside them is refused);
  // empty: every rate of kRunRatesHz.
  std::vector<double> supported_rates_hz;
  std::vector<PortWiring> ports;
  double input_impedance_ohms = 1e6;
  double input_impedance_tolerance_pct = 10.0;  // its +/- (calibrate input-impedance: the measured one's)
  std::string input_impedance_calibrated_on;    // date of calibrate input-impedance ("" = a datasheet figure)
  // loopback_input.impedance_vs_freq (calibrate input-impedance): Zin versus frequency, used per frequency point
  // in |Zout| (held at its end points outside its span); empty: input_impedance_ohms at every frequency. Its
  // tolerance (the calibration's series resistor's) replaces input_impedance_tolerance_pct when it is used.
  std::vector<ImpedancePoint> input_impedance_curve;
  double input_impedance_curve_tolerance_pct = 0;
  // The input's impedance versus frequency, and the tolerance that goes with it.
  FrequencyImpedance input_z() const { return {input_impedance_ohms, std::nullopt, input_impedance_curve}; }
  double input_z_tolerance_pct() const {
    return input_impedance_curve.empty() ? input_impedance_tolerance_pct : input_impedance_curve_tolerance_pct;
  }
  Calibration input;                     // Vrms that reads 0 dBFS (a full-scale sine) at the loopback input
  std::vector<InputRange> input_ranges;  // loopback_input.ranges (each port names the one in use)
  std::string input_calibrated_on;
  bool input_dc_coupled = false;  // loopback_input.dc_coupled (audio.input.dc_coupled): the input reads DC
  std::vector<Load> loads;
  bool ignore_xrun_flags = false;       // portaudio: judge the data, not the flags (JACK without realtime)
  unsigned long frames_per_buffer = 0;  // portaudio: 0 = PortAudio's choice
  int retries = 2;                      // portaudio: captures retried after an xrun
  // The DUT plays on one clock and the analyser captures on another (two audio devices, or a simulated DUT
  // with clock_ppm): every capture is bracketed by timing markers, its drift estimated and removed
  // (measure/engine/two_clocks.hpp).
  bool two_clocks = false;
  LoadSwitchKind load_switch = LoadSwitchKind::simulated;  // "load_switch": {"type": ...}
  nlohmann::json load_switch_json;  // the whole load_switch section (environment variables expanded)
  SafetyLimits safety;
  struct Floor {
    double thdn_db = 0;     // the interface's own THD+N, output straight into input (calibrate loopback)
    double noise_dbfs = 0;  // and its idle noise
    // The same at a run's reference level (calibrate loopback --reference-dbfs, default -20): the drive, the
    // THD+N there and its residual (level + THD+N, dBFS at the input): the floor under a run's THD+N at that
    // drive. Absent in files calibrated before they existed.
    std::optional<double> reference_drive_dbfs, reference_thdn_db, reference_residual_dbfs;
  };
  std::optional<Floor> analyser_floor;
  const PortWiring* port(const std::string& name) const;
  const Load* load(const std::string& name) const;
};

// The standard dummy loads: open, 10k, 600, 300, 32, 16 ohm.
std::vector<Load> standard_loads();

BenchConfig load_bench_config(const std::filesystem::path& path);

// The section of a bench file's JSON that holds the analyser input's calibration and impedance (what
// `outbench calibrate` writes): "audio.input" in the two-device form, else "loopback_input".
nlohmann::json& analyser_input_section(nlohmann::json& bench_json);

// "${NAME}" in a string -> the environment variable (InputError naming `where` when it is not set).
std::string expand_env(const std::string& s, const std::string& where);

}  // namespace outbench
