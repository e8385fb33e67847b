// FFT: FFTW3 real-to-complex / complex-to-real transforms behind RAII, with a thread-safe plan cache.
//
// Contract (same as FFTW's): for n real inputs x[0..n-1], forward() writes n/2+1 complex bins
//   X[k] = sum_j x[j] * exp(-2*pi*i*j*k/n),  k = 0..n/2,
// and inverse() computes x[j] = sum_k X[k] exp(+2*pi*i*j*k/n) over the full Hermitian spectrum. Neither
// direction is scaled: inverse(forward(x)) == n * x. Bin k is at k*fs/n Hz.
// Plans are made with FFTW_ESTIMATE (planning a 2^21-point FFT with FFTW_MEASURE takes ~30 s here, more
// than the transform saves) unless wisdom imported through fftw_wisdom_import() already holds a better plan.
// Plans live for the process in a cache keyed by (size, direction); creating them is serialised by a
// mutex (FFTW's planner is not thread-safe), executing them is thread-safe because every RealFft owns its
// buffers (fftw_malloc, so alignment matches the plan's). A RealFft object itself is not shared between threads.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <string>

namespace outbench {

class RealFft {
 public:
  explicit RealFft(std::size_t n);
  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;
  RealFft(RealFft&&) noexcept;
  RealFft& operator=(RealFft&&) noexcept;

  std::size_t size() const { return n_; }
  std::size_t n_bins() const { return n_ / 2 + 1; }

  // Time-domain buffer (n values) and spectrum buffer (n/2+1 bins) owned by this object.
  std::span<double> time() { return {time_, n_}; }
  std::span<std::complex<double>> spectrum() { return {spec_, n_ / 2 + 1}; }

  void forward();  // time() -> spectrum()
  void inverse();  // spectrum() -> time(); destroys spectrum() contents (FFTW c2r does)

  // Convenience: copy `x` (zero-padded or truncated to n) into time() and transform.
  std::span<std::complex<double>> forward(std::span<const double> x);

 private:
  std::size_t n_ = 0;
  double* time_ = nullptr;
  std::complex<double>* spec_ = nullptr;
  void* plan_fwd_ = nullptr;
  void* plan_inv_ = nullptr;
};

// Smallest n >= n_min whose only prime factors are 2, 3, 5 and 7 (FFTW is fast on those).
std::size_t fft_good_size(std::size_t n_min);
// Largest such n <= n_max (n_max >= 1).
std::size_t fft_good_size_below(std::size_t n_max);

// FFTW wisdom as a string, so the caller (which owns I/O) can store it, e.g. under ~/.cache/outbench.
std::string fftw_wisdom_export();
bool fftw_wisdom_import(const std::string& wisdom);

}  // namespace outbench
