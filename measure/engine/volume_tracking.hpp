// Volume tracking (docs/MEASUREMENTS.md "Volume tracking"): a port's volume control stepped down from the top of
// its range, top, top - 6, ..., top - 60 dB, into the port's nominal load. At each setting a tone at the
// reference level (capped) on both channels gives each channel's level, THD+N and the gain error (its level
// change from the top step minus the step's nominal change), the L/R balance (left minus right), and an idle
// capture the noise at the output. Afterwards the control goes back to the run's setting.
//
// Method: the volume is set through the port's VolumeSetter (measure/io/volume_setter.hpp) and read back only
// through the loopback: the gain error of a step is (level - drive) at that step minus (level - drive) at the
// top, plus the attenuation. Safety: the drive is the reference level capped by the nominal load's safety cap,
// which holds at the run's setting; a step above the run's setting lowers the drive by that difference plus
// kSafetyMarginDb (the tracking error), so no step puts more volts across the load than the run allowed.
// Conventions: settings in dB on the device's scale, levels in dBFS at the loopback input, errors in dB.
// Limits: the gain error of the top step is 0 by definition (it is the reference); a control whose steps do
// not fall on 6 dB shows its rounding as gain error; channels beyond two have no balance.
#pragma once

#include <optional>
#include <vector>

#include "measure/engine/step_context.hpp"
#include "measure/io/volume_setter.hpp"

namespace outbench::engine {

inline constexpr double kVolumeStepDb = 6.0;   // spacing of the settings
inline constexpr double kVolumeSpanDb = 60.0;  // the lowest setting, below the top

// The settings a run steps through: top_db, top_db - 6, ..., top_db - 60.
std::vector<double> volume_settings(double top_db);

// Into pr.nominal_load (selected here): fills pr.volume, then sets the control back to vol.run_db. Nothing when
// the port has no nominal load or no setter.
void volume_tracking(StepContext& cx, const PortWiring& port, PortResult& pr, const PortVolume& vol);

}  // namespace outbench::engine
