// Safety caps on the drive (pure: no I/O). The bench's safety section sets three limits — the highest drive
// (safety.max_drive_dbfs), the highest voltage across a load (safety.max_vrms, the rms of a sine: its peak
// may reach sqrt(2) times that) and the highest power into a load (safety.max_mw) — and the volts come from
// what is known of the port: an upper bound of the Vrms across the load for a 0 dBFS sine.
//
// Where that bound comes from, in the order the sequencer learns it:
// - the output calibration (ports.NAME.vrms_at_0dbfs): the open-circuit voltage, an upper bound for every
//   resistive load (a passive divider only lowers it);
// - a level probe through the calibrated loopback input: a 997 Hz tone raised from -80 dBFS in 20 dB steps,
//   each step played only when the previous one predicts it is safe (signal plus noise counted, so a noisy
//   reading over-estimates the volts);
// - the sweep into the load: the largest gain between 20 Hz and 20 kHz (not the 1 kHz gain: a response that
//   rises elsewhere must not let a sweep or a 20 kHz tone through).
// The lowest cap of all that is known wins. Volt and power caps keep kSafetyMarginDb below the limit (the
// gain estimate's own uncertainty, ripple between the measured points, noise on top of the tone, distortion). Without
// any calibration no volt can be predicted: the run needs safety.uncalibrated_max_drive_dbfs, a drive the
// user accepts into any load with no volt or power protection (needs_uncalibrated_limit()).
// Every level is the dBFS of a sine (AES17: a full-scale sine reads 0 dBFS), which is also its peak in full
// scale units: a stimulus is within a cap when its sample peak is at most ratio_from_db(cap).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "measure/config/bench_config.hpp"

namespace outbench {

// Below the volt and power limits by this much (about 11 %): the gain estimate's own uncertainty, ripple
// between measured points, and the growth of a waveform's peak with distortion between the level the volts
// were learned at and the cap (H2 at -20 dBc raises a sine's peak by 0.8 dB).
inline constexpr double kSafetyMarginDb = 1.0;
// Sweeps stay this much further below: their start transient through a coupling capacitor (220 uF into
// 600 ohm) peaks about 0.8 dB above the steady state.
inline constexpr double kSweepHeadroomDb = 1.0;

struct DriveCap {
  double drive_dbfs = 0;   // highest sine level (and sample peak, in dBFS) allowed
  std::string binding;     // the limit that sets it: max_drive_dbfs, max_vrms, max_mw, uncalibrated_max_drive_dbfs
  std::string limit_text;  // that limit as a user reads it, e.g. "safety.max_mw = 1 mW into 32 ohm"
};

// The cap into a load of `load_ohms` (+inf for open) given `vrms_at_0dbfs`, an upper bound of the Vrms
// across that load for a 0 dBFS sine (nullopt: unknown).
DriveCap drive_cap(const SafetyLimits& safety, double load_ohms, std::optional<double> vrms_at_0dbfs);

// True when a port can be driven only under safety.uncalibrated_max_drive_dbfs: neither its output nor the
// loopback input is calibrated.
bool needs_uncalibrated_limit(const PortWiring& port, const Calibration& input);

// The sample peak of a stimulus in dBFS (-inf for silence).
double peak_dbfs(std::span<const double> x);

}  // namespace outbench
