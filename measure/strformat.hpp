// strformat: printf-style formatting into a std::string, the one helper for the numbers in messages and
// reports outside analysis/ (e.g. strformat("%.3g mW", p_mw)). Conventions: the C locale's printf rules
// (a '.' decimal point, "%g" as printf writes it), so text matches what snprintf wrote before; the format is
// checked against the arguments at compile time (-Wformat). Limits: none on the length (two passes when
// the text exceeds 256 characters). Header-only, no dependencies: any library may include it.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace outbench {

__attribute__((format(printf, 1, 2))) inline std::string strformat(const char* format, ...) {
  char small[256];
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  std::string out;
  if (n < 0) {
    out = "(format error)";
  } else if (static_cast<std::size_t>(n) < sizeof small) {
    out.assign(small, static_cast<std::size_t>(n));
  } else {
    out.resize(static_cast<std::size_t>(n) + 1);
    std::vsnprintf(out.data(), out.size(), format, again);
    out.resize(static_cast<std::size_t>(n));
  }
  va_end(again);
  return out;
}

}  // namespace outbench
