// FFT: FFTW3 real-to-complex / complex-to-real transforms behind RAII, with a thread-safe plan cache.
//
// Contract (same as FFTW's): for n real inputs x[0..n-1], forward() writes n/2+1 complex bins
//   X[k] = sum_j x[j] * exp(-2*pi*i*j*k/n),  k = 0..n/2,
// and inverse() computes x[j] = sum_k X[k] exp(+2*pi*i*j*k/n) over the full Hermitian spectrum. Neither
// direction is scaled: inverse(forward(x)) == n * x. Bin k is at k*fs/n Hz.
// In place, and destructive: time() and spectrum() are two views of ONE buffer of 2*(n/2+1) doubles (fftw's
// in-place r2c layout), so forward() replaces the samples by the spectrum and inverse() the spectrum by the
// samples; the plans are made with FFTW_DESTROY_INPUT, so neither transform promises anything about its input
// beyond that (read what you need from time() before forward(), from spectrum() before inverse()).
// forward(x) copies x into the buffer first and leaves x untouched.
// Plans are made with FFTW_ESTIMATE (planning a 2^21-point FFT with FFTW_MEASURE takes ~30 s here, more
// than the transform saves) unless wisdom imported through fftw_wisdom_import() already holds a better plan.
// Plans are kept in a cache keyed by (size, direction) and made on first use of that direction (a size only
// ever transformed forward gets no inverse plan). A RealFft holds the plans it has used until it is destroyed
// or drop_plans() is called. Cached plans stay for the process (a long run transforms the same sizes again
// and again), unless fft_free_large_plans_when_unused(true): then plans of 65536 points or more are
// destroyed when no RealFft holds them (their twiddle tables weigh ~9 bytes per point, more than the data,
// except the half-size ones of fft_long_size(); a one-shot process such as `outbench analyze` makes each once), and
// buffers of 1 MiB or more come from malloc and are freed when their RealFft is destroyed (the freed pages, and a freed
// plan's, serve the next ones). Creating and destroying plans is serialised by a mutex (FFTW's planner is not
// thread-safe), executing them is thread-safe because every RealFft owns its buffer. A RealFft object itself is not
// shared between threads. The buffer is not zeroed on construction. Otherwise buffers of 1 MiB or more come from mmap
// with MADV_HUGEPAGE (a few page faults instead of thousands); buffers of destroyed objects are kept per thread
// (bounded count and bytes) and handed to the next RealFft that fits, since fresh pages cost more than the transform
// itself. Sizes n = 2m^2 (m even and 7-smooth, m >= 540; see fft_long_size()) are transformed as complex transforms of
// m^2 points plus one split pass: the same contract, to ~1e-15 of the largest bin.
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

  // The samples (n values) and the spectrum (n/2+1 bins): the same memory (see above).
  std::span<double> time() { return {buf_, n_}; }
  std::span<const double> time() const { return {buf_, n_}; }
  std::span<std::complex<double>> spectrum() { return {reinterpret_cast<std::complex<double>*>(buf_), n_ / 2 + 1}; }
  std::span<const std::complex<double>> spectrum() const {
    return {reinterpret_cast<const std::complex<double>*>(buf_), n_ / 2 + 1};
  }

  void forward();  // time() -> spectrum(), in place
  void inverse();  // spectrum() -> time(), in place
  // Fetch (or make) the forward plan now, without transforming: a caller that transforms on several threads
  // makes the plan on one, at a known point.
  void prepare_forward();

  // Convenience: copy `x` (zero-padded or truncated to n) into time() and transform.
  std::span<std::complex<double>> forward(std::span<const double> x);

  // Give back the plans this object holds (the next transform fetches or makes them again): between the
  // transforms of a long-lived large RealFft, so that its twiddle tables are not kept alongside the next ones.
  void drop_plans() noexcept;
  // Give back the inverse plan only: the forward one stays held for the next forward transform (a large
  // plan's twiddles take longer to compute than the transform itself), the inverse one's memory is freed.
  void drop_inverse_plan() noexcept;

 private:
  std::size_t n_ = 0;
  double* buf_ = nullptr;           // 2*(n/2+1) doubles, FFTW-aligned
  std::size_t buf_bytes_ = 0;       // its allocated size (a pooled buffer may be larger than needed)
  const void* plan_fwd_ = nullptr;  // from the cache, fetched on first use
  const void* plan_inv_ = nullptr;
  void release() noexcept;
};

// Smallest n >= n_min whose only prime factors are 2, 3, 5 and 7 (FFTW is fast on those).
std::size_t fft_good_size(std::size_t n_min);
// Largest such n <= n_max (n_max >= 1).
std::size_t fft_good_size_below(std::size_t n_max);
// The size for a long transform of at least n_min points (a deconvolution's): fft_good_size(n_min) below
// 583,200 points; from there the smallest n = 2m^2 >= n_min with m even and 7-smooth, which RealFft makes as
// a complex transform of m^2 points (see above): at most 14 % (on average 4 %) more points than needed, and a
// plan of ~0.1 MB instead of ~9 bytes per point.
std::size_t fft_long_size(std::size_t n_min);
// Whether RealFft makes a transform of n points as a complex one of n/2 (n = 2m^2 as above).
bool fft_is_half_size(std::size_t n);

// Free large plans as soon as no RealFft holds them, and keep no large buffer for reuse (see above); off by
// default. Process-wide.
void fft_free_large_plans_when_unused(bool on);
// Bytes of buffers this thread keeps for the next RealFft (for tests of the memory policy).
std::size_t fft_buffer_bytes_kept();
// How many plans the cache holds now (for tests of its memory policy).
std::size_t fft_plans_cached();

// FFTW wisdom as a string, so the caller (which owns I/O) can store it, e.g. under ~/.cache/outbench.
std::string fftw_wisdom_export();
bool fftw_wisdom_import(const std::string& wisdom);

}  // namespace outbench
