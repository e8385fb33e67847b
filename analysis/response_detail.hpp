// Internal to the sweep analysis (response*.cpp): the gated-IR type shared by its parts and the reference
// frequency every response is anchored to. Not part of the public interface.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "analysis/response.hpp"

namespace outbench {

// The tapered samples of ir around a centre (circular index) over [-pre, post): cut from the impulse response
// before its buffer is reused, transformed later.
struct response_detail::GatedIr {
  long pre = 0, post = 0;
  std::vector<double> v;  // v[i + pre] for i in [-pre, post)
};

namespace response_detail {

constexpr double kReferenceHz = 1000.0;
// An exponential sweep spends f*L cycles per unit of ln f at frequency f. Below kMinCyclesPerLnF of them
// stationary phase does not hold: the sweep fit leaves that part out, and harmonic responses are not reported
// there (the linear IR's low-frequency part reaches into the harmonic gates: a clean 2 s, 20 Hz sweep
// (L = 0.3 s) read H2 at -80 dBc below 40 Hz and above -120 dBc up to 96 Hz).
constexpr double kMinCyclesPerLnF = 20;
// Harmonic responses stop where the harmonic's frequency is reached less than this many frames of sweep time
// before the sweep's top (f_hi * exp(-frames / (fs * L))): the band's top edge rings into the harmonic gates.
constexpr double kTopGuardFrames = 240;
// "Full level": the pink-compensated level k|X_k|^2 at least this fraction of its median (-1 dB).
constexpr double kFullLevel = 0.8;
// Fraction of each gate side that is Hann-tapered.
constexpr double kTaperFraction = 0.1;

// The gate's weight at i in [-pre, post).
inline double taper(long i, long pre, long post) {
  // i in [-pre, post): 1 in the middle, Hann half-windows over the outer kTaperFraction of each side.
  const double tp = std::max(1.0, kTaperFraction * static_cast<double>(pre));
  const double tq = std::max(1.0, kTaperFraction * static_cast<double>(post));
  if (i < 0 && static_cast<double>(-i) > pre - tp) {
    const double u = (static_cast<double>(pre + i)) / tp;  // 0 at the edge, 1 inside
    return 0.5 - 0.5 * std::cos(std::numbers::pi * std::clamp(u, 0.0, 1.0));
  }
  if (i >= 0 && static_cast<double>(i) > post - tq) {
    const double u = (static_cast<double>(post - i)) / tq;
    return 0.5 - 0.5 * std::cos(std::numbers::pi * std::clamp(u, 0.0, 1.0));
  }
  return 1.0;
}

// Three significant figures, for messages.
inline std::string fmt1(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace response_detail
}  // namespace outbench
