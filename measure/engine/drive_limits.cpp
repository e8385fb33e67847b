#include "measure/engine/drive_limits.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "analysis/units.hpp"
#include "measure/strformat.hpp"

namespace outbench {

namespace {
std::string num(double v) {
  return strformat("%g", v);
}
}  // namespace

DriveCap drive_cap(const SafetyLimits& safety, double load_ohms, std::optional<double> vrms_at_0dbfs) {
  DriveCap c;
  c.drive_dbfs = safety.max_drive_dbfs;
  c.binding = "max_drive_dbfs";
  c.limit_text = "safety.max_drive_dbfs = " + num(safety.max_drive_dbfs) + " dBFS";
  auto tighten = [&](double cap, const char* binding, const std::string& text) {
    if (cap < c.drive_dbfs) c = {cap, binding, text};
  };
  if (vrms_at_0dbfs && *vrms_at_0dbfs > 0 && std::isfinite(*vrms_at_0dbfs)) {
    tighten(db_from_ratio(safety.max_vrms / *vrms_at_0dbfs) - kSafetyMarginDb, "max_vrms",
            "safety.max_vrms = " + num(safety.max_vrms) + " Vrms");
    if (std::isfinite(load_ohms) && load_ohms > 0)
      tighten(db_from_ratio(vrms_from_mw(safety.max_mw, load_ohms) / *vrms_at_0dbfs) - kSafetyMarginDb, "max_mw",
              "safety.max_mw = " + num(safety.max_mw) + " mW into " + num(load_ohms) + " ohm");
  } else if (safety.uncalibrated_max_drive_dbfs) {
    tighten(*safety.uncalibrated_max_drive_dbfs, "uncalibrated_max_drive_dbfs",
            "safety.uncalibrated_max_drive_dbfs = " + num(*safety.uncalibrated_max_drive_dbfs) + " dBFS");
  } else {
    // No volts known and no drive the user accepts without them: nothing may be played.
    c = {-std::numeric_limits<double>::infinity(), "uncalibrated_max_drive_dbfs",
         "no calibration and no safety.uncalibrated_max_drive_dbfs"};
  }
  return c;
}

bool needs_uncalibrated_limit(const PortWiring& port, const Calibration& input) {
  return !port.output.valid() && !input.valid();
}

double peak_dbfs(std::span<const double> x) {
  double m = 0;
  for (double v : x) m = std::max(m, std::abs(v));
  return m > 0 ? db_from_ratio(m) : -std::numeric_limits<double>::infinity();
}

}  // namespace outbench
