#include "analysis/resample.hpp"

#include <soxr.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "analysis/fft.hpp"

namespace outbench {

std::vector<double> resample_by_ratio(std::span<const double> x, double in_per_out, std::size_t out_frames) {
  if (!(in_per_out > 0.5 && in_per_out < 2.0))
    throw std::invalid_argument("resample_by_ratio: ratio " + std::to_string(in_per_out) + " outside (0.5, 2)");
  std::vector<double> out(out_frames, 0.0);
  if (x.empty() || out_frames == 0) return out;
  soxr_error_t err = nullptr;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT64_I, SOXR_FLOAT64_I);
  soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
  q.passband_end = 0.96;
  const soxr_runtime_spec_t rt = soxr_runtime_spec(1);
  soxr_t s = soxr_create(in_per_out, 1.0, 1, &err, &io, &q, &rt);
  if (err) throw std::runtime_error(std::string("libsoxr: ") + err);
  std::size_t done = 0, used = 0;
  err = soxr_process(s, x.data(), x.size(), &used, out.data(), out_frames, &done);
  std::size_t got = done;
  // Flush: the filter's last outputs (x continues as silence).
  while (!err && got < out_frames) {
    err = soxr_process(s, nullptr, 0, nullptr, out.data() + got, out_frames - got, &done);
    if (done == 0) break;
    got += done;
  }
  soxr_delete(s);
  if (err) throw std::runtime_error(std::string("libsoxr: ") + err);
  return out;
}

std::vector<double> shift_by_fraction(std::span<const double> x, double shift) {
  if (!(std::abs(shift) <= 1.0)) throw std::invalid_argument("shift_by_fraction: |shift| above 1 sample");
  if (x.empty() || shift == 0.0) return {x.begin(), x.end()};
  std::size_t n = 1;
  while (n < x.size() + 1024) n *= 2;
  RealFft fft(n);
  auto spec = fft.forward(x);
  for (std::size_t k = 0; k < spec.size(); ++k) {
    const double w = 2.0 * std::numbers::pi * static_cast<double>(k) * shift / static_cast<double>(n);
    spec[k] *= std::polar(1.0 / static_cast<double>(n), w);
  }
  spec[spec.size() - 1] = spec[spec.size() - 1].real();  // the Nyquist bin of a real signal stays real
  fft.inverse();
  const auto t = fft.time();
  return {t.begin(), t.begin() + static_cast<long>(x.size())};
}

}  // namespace outbench
