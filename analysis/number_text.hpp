// Numbers in the text the analysis writes (a reason why a figure could not be made): printf's %g with a count
// of significant digits, or %f with a count of decimals, in the "C" locale the library runs in. Pure.
#pragma once

#include <cstdio>
#include <string>

namespace outbench {

// 4 significant digits by default: 0.0001234, 12.35, 4.8e+04.
inline std::string fmt_sig(double v, int significant_digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", significant_digits, v);
  return buf;
}

// `decimals` after the point: fmt_fixed(997.4, 0) = "997".
inline std::string fmt_fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace outbench
