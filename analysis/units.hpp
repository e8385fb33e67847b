// Levels and units.
//
// Conventions (docs/MEASUREMENTS.md, AES17): a full-scale *sine* reads 0 dBFS, so a signal of RMS
// value r (in full-scale units, peak 1.0) is 20*log10(sqrt(2)*r) dBFS. dBV is relative to 1 Vrms, dBu to
// 0.7746 Vrms (sqrt(0.6) V, 1 mW into 600 ohm). Power into a resistive load is V^2/R. A calibration states the
// Vrms that corresponds to 0 dBFS (the RMS of a full-scale sine); converting needs it, nothing is guessed.
// All functions are pure and constexpr-friendly; levels of zero map to -infinity (never NaN).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace outbench {

inline constexpr double kDbuRefVrms = 0.7745966692414834;  // sqrt(0.6): 1 mW into 600 ohm
inline constexpr double kSqrt2 = 1.4142135623730951;

inline double db_from_ratio(double amplitude_ratio) {
  return amplitude_ratio > 0 ? 20.0 * std::log10(amplitude_ratio) : -std::numeric_limits<double>::infinity();
}
inline double db_from_power_ratio(double power_ratio) {
  return power_ratio > 0 ? 10.0 * std::log10(power_ratio) : -std::numeric_limits<double>::infinity();
}
// The same with the ratio held at or above a floor first, for a figure that must stay a number when the ratio is
// zero (JSON has no -infinity): 20 log10(max(ratio, min_ratio)). NaN stays NaN.
inline double db_from_ratio_floored(double amplitude_ratio, double min_amplitude_ratio) {
  return 20.0 * std::log10(std::max(amplitude_ratio, min_amplitude_ratio));
}
inline double db_from_power_ratio_floored(double power_ratio, double min_power_ratio) {
  return 10.0 * std::log10(std::max(power_ratio, min_power_ratio));
}
inline double ratio_from_db(double level_db) {
  return std::pow(10.0, level_db / 20.0);
}
inline double percent_from_db(double level_db) {
  return 100.0 * ratio_from_db(level_db);
}

// RMS in full-scale units -> dBFS (full-scale sine = 0 dBFS).
inline double dbfs_from_rms(double rms_fs) {
  return db_from_ratio(kSqrt2 * rms_fs);
}
// Mean square in full-scale units -> dBFS.
inline double dbfs_from_mean_square(double ms_fs) {
  return db_from_power_ratio(2.0 * ms_fs);
}
// Sine peak amplitude in full-scale units -> dBFS.
inline double dbfs_from_peak(double peak_fs) {
  return db_from_ratio(peak_fs);
}
inline double peak_from_dbfs(double level_dbfs) {
  return ratio_from_db(level_dbfs);
}
inline double rms_from_dbfs(double level_dbfs) {
  return ratio_from_db(level_dbfs) / kSqrt2;
}

inline double dbv_from_vrms(double vrms) {
  return db_from_ratio(vrms);
}
inline double dbu_from_vrms(double vrms) {
  return db_from_ratio(vrms / kDbuRefVrms);
}
inline double vrms_from_dbv(double level_dbv) {
  return ratio_from_db(level_dbv);
}
inline double vrms_from_dbu(double level_dbu) {
  return kDbuRefVrms * ratio_from_db(level_dbu);
}
inline double mw_from_vrms(double vrms, double load_ohms) {
  return 1e3 * vrms * vrms / load_ohms;
}
inline double vrms_from_mw(double power_mw, double load_ohms) {
  return std::sqrt(power_mw * 1e-3 * load_ohms);
}

// A calibration: the Vrms of a 0 dBFS sine at a port; absent = uncalibrated, and volt-based figures are then
// unavailable. The conversions require valid().
struct Calibration {
  std::optional<double> vrms_at_0dbfs;
  bool valid() const { return vrms_at_0dbfs && *vrms_at_0dbfs > 0.0 && std::isfinite(*vrms_at_0dbfs); }
  double vrms_from_dbfs(double level_dbfs) const { return vrms_at_0dbfs.value() * ratio_from_db(level_dbfs); }
  double dbfs_from_vrms(double vrms) const { return db_from_ratio(vrms / vrms_at_0dbfs.value()); }
  double dbv_from_dbfs(double level_dbfs) const { return level_dbfs + db_from_ratio(vrms_at_0dbfs.value()); }
};

}  // namespace outbench
