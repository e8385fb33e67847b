#include "analysis/signals.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "analysis/units.hpp"

namespace outbench {

double SweepInfo::harmonic_advance_s(int order) const {
  return l_s * std::log(static_cast<double>(order));
}

SweepInfo sweep_info(const SweepSpec& s) {
  if (!(s.rate_hz >= 1000.0 && s.rate_hz <= 1e6))
    throw std::invalid_argument("sweep: sample rate " + std::to_string(s.rate_hz) + " Hz is out of range");
  if (!(s.start_hz > 0.0) || !(s.stop_hz > s.start_hz))
    throw std::invalid_argument("sweep: need 0 < start-hz < stop-hz");
  if (s.stop_hz > s.rate_hz / 2.0)
    throw std::invalid_argument("sweep: stop-hz " + std::to_string(s.stop_hz) + " is above Nyquist (" +
                                std::to_string(s.rate_hz / 2.0) + " Hz)");
  if (!(s.duration_s > 0.0) || s.duration_s > 3600.0)
    throw std::invalid_argument("sweep: duration must be between 0 and 3600 s");
  if (s.level_dbfs > 0.0) throw std::invalid_argument("sweep: level above 0 dBFS");
  SweepInfo info;
  const double ln_ratio = std::log(s.stop_hz / s.start_hz);
  const double cycles = std::round(s.start_hz * s.duration_s / ln_ratio);
  if (cycles < 1.0) throw std::invalid_argument("sweep: too short for its start frequency");
  info.l_s = cycles / s.start_hz;
  info.duration_s = info.l_s * ln_ratio;
  info.n_frames = static_cast<std::size_t>(std::floor(info.duration_s * s.rate_hz));
  return info;
}

std::vector<double> make_sweep(const SweepSpec& s) {
  const SweepInfo info = sweep_info(s);
  std::vector<double> x(info.n_frames);
  const double amp = peak_from_dbfs(s.level_dbfs);
  const double k = 2.0 * std::numbers::pi * s.start_hz * info.l_s;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / s.rate_hz;
    x[i] = amp * std::sin(k * std::expm1(t / info.l_s));
  }
  const auto fade_in = static_cast<std::size_t>(info.l_s * std::log(2.0) * s.fade_in_octaves * s.rate_hz);
  const auto fade_out = static_cast<std::size_t>(info.l_s * std::log(2.0) * s.fade_out_octaves * s.rate_hz);
  apply_fades(x, fade_in, fade_out);
  return x;
}

std::vector<double> make_tone(const ToneSpec& s) {
  if (!(s.rate_hz >= 1000.0 && s.rate_hz <= 1e6)) throw std::invalid_argument("tone: sample rate out of range");
  if (!(s.freq_hz > 0.0) || s.freq_hz >= s.rate_hz / 2.0)
    throw std::invalid_argument("tone: frequency " + std::to_string(s.freq_hz) +
                                " Hz must be above 0 and below Nyquist (" + std::to_string(s.rate_hz / 2) + " Hz)");
  if (!(s.duration_s > 0.0) || s.duration_s > 3600.0)
    throw std::invalid_argument("tone: duration must be between 0 and 3600 s");
  if (s.level_dbfs > 0.0) throw std::invalid_argument("tone: level above 0 dBFS");
  const auto n = static_cast<std::size_t>(std::llround(s.duration_s * s.rate_hz));
  std::vector<double> x(n);
  const double amp = peak_from_dbfs(s.level_dbfs);
  const double w = 2.0 * std::numbers::pi * s.freq_hz / s.rate_hz;
  for (std::size_t i = 0; i < n; ++i) x[i] = amp * std::sin(w * static_cast<double>(i) + s.phase_rad);
  const auto fade = std::min(n / 2, static_cast<std::size_t>(std::llround(s.fade_s * s.rate_hz)));
  apply_fades(x, fade, fade);
  return x;
}

std::vector<double> make_silence(double duration_s, double rate_hz) {
  return std::vector<double>(static_cast<std::size_t>(std::llround(duration_s * rate_hz)), 0.0);
}

void apply_fades(std::vector<double>& x, std::size_t fade_in, std::size_t fade_out) {
  const std::size_t n = x.size();
  fade_in = std::min(fade_in, n);
  fade_out = std::min(fade_out, n);
  for (std::size_t i = 0; i < fade_in; ++i)
    x[i] *= 0.5 - 0.5 * std::cos(std::numbers::pi * (static_cast<double>(i) + 0.5) / static_cast<double>(fade_in));
  for (std::size_t i = 0; i < fade_out; ++i)
    x[n - 1 - i] *=
        0.5 - 0.5 * std::cos(std::numbers::pi * (static_cast<double>(i) + 0.5) / static_cast<double>(fade_out));
}

std::vector<double> stepped_sine_freqs(double start_hz, double stop_hz, double per_octave) {
  if (!(start_hz > 0) || !(stop_hz >= start_hz) || !(per_octave > 0))
    throw std::invalid_argument("stepped sine: need 0 < start <= stop and points per octave > 0");
  std::vector<double> f;
  const double octaves = std::log2(stop_hz / start_hz);
  const auto n = static_cast<int>(std::floor(octaves * per_octave + 1e-9));
  for (int k = 0; k <= n; ++k) f.push_back(start_hz * std::pow(2.0, k / per_octave));
  if (f.back() < stop_hz * (1 - 1e-9)) f.push_back(stop_hz);
  return f;
}

}  // namespace outbench
