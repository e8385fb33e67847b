#include "analysis/fft.hpp"

#include <fftw3.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <new>
#include <numbers>
#include <stdexcept>
#include <utility>
#include <vector>

namespace outbench {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// Plans live until the process ends (the cache's destructor, static storage, destroys them), unless
// fft_free_large_plans_when_unused(true): then plans of kKeepPlansBelow points or more are destroyed as soon
// as no RealFft holds them. Their twiddle tables weigh ~9 bytes per point (11.5 MB for a real transform of
// 1.27 M points; not the half-size transforms below, ~0.1 MB), more than the data; a process that makes each
// one once gains nothing from keeping them.
constexpr std::size_t kKeepPlansBelow = std::size_t{1} << 16;
std::atomic<bool> g_free_large_plans{false};

// Transforms of n = 2m^2 points, m even and 7-smooth and at least kHalfRootMin, are made as complex transforms
// of m^2 points (the real samples taken in pairs as complex ones) and then split into the real transform's
// spectrum. FFTW makes such a square transform as m transforms of m points with its twiddle factors generated
// from square-root-size tables: ~0.1 MB of plan where its real-input plan of 2m^2 points holds ~9 bytes per
// point (11.5 MB at 1.28 M points), and a tenth of the planning time. The split's own factors
// W^k = exp(-2 pi i k / n) come from two tables of ~sqrt(n/4) entries each (W^k = coarse[k / step] *
// fine[k % step]); the result agrees with FFTW's real-input transform to ~1e-15 of the largest bin.
constexpr std::size_t kHalfRootMin = 540;

// Whether n's only prime factors are 2, 3, 5 and 7.
bool is_smooth(std::size_t n) {
  for (std::size_t p : {2u, 3u, 5u, 7u})
    while (n % p == 0) n /= p;
  return n == 1;
}

std::size_t half_size_root(std::size_t n) {
  if (n % 2 != 0) return 0;
  const auto m = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(n / 2))));
  if (m < kHalfRootMin || m % 2 != 0 || 2 * m * m != n) return 0;
  return is_smooth(m) ? m : 0;
}

struct Plan {
  fftw_plan fftw = nullptr;
  // Half-size transforms only (step > 0): W^k = coarse[k / step] * fine[k % step] for k = 0..n/4.
  std::size_t step = 0;
  std::vector<std::complex<double>> coarse, fine;
};

struct PlanEntry {
  Plan plan;
  std::size_t users = 0;
};
using PlanKey = std::pair<std::size_t, int>;  // (size, FFTW_FORWARD | FFTW_BACKWARD)

struct PlanCache {
  std::map<PlanKey, PlanEntry> plans;
  bool alive = true;
  ~PlanCache() {
    for (auto& [key, e] : plans) fftw_destroy_plan(e.plan.fftw);
    plans.clear();
    alive = false;
    fftw_cleanup();
  }
};

PlanCache& plan_cache() {
  static PlanCache cache;
  return cache;
}

std::complex<double> unit_root(std::size_t k, std::size_t n) {
  const double a = -2.0 * std::numbers::pi * (static_cast<double>(k) / static_cast<double>(n));
  return {std::cos(a), std::sin(a)};
}

// The in-place plan of size n in one direction, made on first request (on the caller's buffer `buf`, which
// FFTW_ESTIMATE does not touch: it only tells the planner the layout and alignment; every buffer is at least
// 16-byte aligned, so the plan serves them all); the caller holds it until release_plan().
const Plan* acquire_plan(std::size_t n, int direction, double* buf) {
  std::lock_guard<std::mutex> lock(planner_mutex());
  auto& cache = plan_cache();
  const PlanKey key{n, direction};
  auto it = cache.plans.find(key);
  if (it != cache.plans.end()) {
    ++it->second.users;
    return &it->second.plan;
  }
  auto* s = reinterpret_cast<fftw_complex*>(buf);
  const int ni = static_cast<int>(n);
  constexpr unsigned kFlags = FFTW_ESTIMATE | FFTW_DESTROY_INPUT;
  Plan plan;
  if (half_size_root(n) != 0) {
    const std::size_t k_end = n / 4;
    plan.step = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(k_end + 1))));
    plan.fine.resize(plan.step);
    plan.coarse.resize(k_end / plan.step + 1);
    for (std::size_t b = 0; b < plan.fine.size(); ++b) plan.fine[b] = unit_root(b, n);
    for (std::size_t a = 0; a < plan.coarse.size(); ++a) plan.coarse[a] = unit_root(a * plan.step, n);
    plan.fftw = fftw_plan_dft_1d(ni / 2, s, s, direction, kFlags);
  } else {
    plan.fftw =
        direction == FFTW_FORWARD ? fftw_plan_dft_r2c_1d(ni, buf, s, kFlags) : fftw_plan_dft_c2r_1d(ni, s, buf, kFlags);
  }
  if (!plan.fftw) throw std::runtime_error("FFTW could not make a plan of size " + std::to_string(n));
  return &cache.plans.emplace(key, PlanEntry{std::move(plan), 1}).first->second.plan;
}

void release_plan(std::size_t n, int direction) noexcept {
  std::lock_guard<std::mutex> lock(planner_mutex());
  auto& cache = plan_cache();
  if (!cache.alive) return;
  auto it = cache.plans.find(PlanKey{n, direction});
  if (it == cache.plans.end() || it->second.users == 0) return;
  if (--it->second.users == 0 && n >= kKeepPlansBelow && g_free_large_plans.load(std::memory_order_relaxed)) {
    fftw_destroy_plan(it->second.plan.fftw);
    cache.plans.erase(it);
  }
}

// Large buffers: anonymous mmap (page-aligned, so FFTW's alignment holds) with transparent huge pages for all
// whole 2 MiB pages of it; the tail stays on small pages, so a huge page is never resident for a few bytes.
// In a one-shot process (large plans freed when unused) they come from malloc instead, like the twiddle tables:
// each reuses the pages the last freed (`outbench analyze` puts its heap on huge pages and never trims it).
constexpr std::size_t kBulkBytes = std::size_t{1} << 20;
constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Whole huge pages mapped (Linux aligns such a mapping to a huge page), huge pages advised only where the
// buffer fills them: `bytes` is the size needed, the mapping is rounded up.
std::size_t allocation_bytes(std::size_t bytes) {
  return bytes < kBulkBytes ? bytes : (bytes + kHugePage - 1) / kHugePage * kHugePage;
}

double* allocate_buffer(std::size_t bytes) {
  if (bytes < kBulkBytes || g_free_large_plans.load(std::memory_order_relaxed)) {
    auto* p = fftw_alloc_real(bytes / sizeof(double));
    if (!p) throw std::bad_alloc();
    return p;
  }
  void* p = ::mmap(nullptr, allocation_bytes(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);
  return static_cast<double*>(p);
}

// Odd byte counts mark large buffers from malloc (a one-shot process), even ones large mapped buffers.
void free_buffer(double* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (bytes < kBulkBytes || bytes % 2 == 1)
    fftw_free(p);
  else
    ::munmap(p, bytes);
}

// Buffers of destroyed RealFft objects, kept per thread for reuse: large transforms are made again and
// again with the same sizes, and fresh pages cost more (page faults, zeroing) than the transform itself.
// A kept buffer serves any later transform that fits in it and needs at least half of it.
struct BufferPool {
  struct Entry {
    double* buf;
    std::size_t bytes;
  };
  std::vector<Entry> free;
  std::size_t total_bytes = 0;
  static constexpr std::size_t kMaxEntries = 8;
  static constexpr std::size_t kMaxBytes = std::size_t{64} << 20;
  ~BufferPool() {
    for (auto& e : free) free_buffer(e.buf, e.bytes);
  }
  // The smallest kept buffer that fits, or a new one.
  Entry take(std::size_t need) {
    auto best = free.end();
    for (auto it = free.begin(); it != free.end(); ++it)
      if (it->bytes >= need && it->bytes / 2 <= need && (best == free.end() || it->bytes < best->bytes)) best = it;
    if (best != free.end()) {
      const Entry e = *best;
      free.erase(best);
      total_bytes -= e.bytes;
      return e;
    }
    const bool from_heap = need >= kBulkBytes && g_free_large_plans.load(std::memory_order_relaxed);
    return {allocate_buffer(need), from_heap ? need + 1 : allocation_bytes(need)};
  }
  void give(Entry e) noexcept {
    // A one-shot process (large plans freed when unused) keeps no large buffer either: a new one costs a few
    // huge-page faults, a kept one its whole size in the peak memory.
    if (e.bytes > kMaxBytes || (e.bytes >= kBulkBytes && g_free_large_plans.load(std::memory_order_relaxed))) {
      free_buffer(e.buf, e.bytes);
      return;
    }
    while (!free.empty() && (free.size() >= kMaxEntries || total_bytes + e.bytes > kMaxBytes)) {
      free_buffer(free.front().buf, free.front().bytes);
      total_bytes -= free.front().bytes;
      free.erase(free.begin());
    }
    try {
      free.push_back(e);
      total_bytes += e.bytes;
    } catch (...) {
      free_buffer(e.buf, e.bytes);
    }
  }
};
thread_local BufferPool t_pool;

}  // namespace

RealFft::RealFft(std::size_t n) : n_(n) {
  if (n < 2) throw std::invalid_argument("RealFft: size must be at least 2");
  if (n > static_cast<std::size_t>(1) << 30) throw std::invalid_argument("RealFft: size too large");
  const auto e = t_pool.take(2 * (n / 2 + 1) * sizeof(double));
  buf_ = e.buf;
  buf_bytes_ = e.bytes;
}

void RealFft::drop_plans() noexcept {
  if (plan_fwd_) release_plan(n_, FFTW_FORWARD);
  if (plan_inv_) release_plan(n_, FFTW_BACKWARD);
  plan_fwd_ = plan_inv_ = nullptr;
}

void RealFft::drop_inverse_plan() noexcept {
  if (plan_inv_) release_plan(n_, FFTW_BACKWARD);
  plan_inv_ = nullptr;
}

void RealFft::release() noexcept {
  drop_plans();
  if (buf_) t_pool.give({buf_, buf_bytes_});
  buf_ = nullptr;
  buf_bytes_ = 0;
}

RealFft::~RealFft() {
  release();
}

RealFft::RealFft(RealFft&& o) noexcept
    : n_(std::exchange(o.n_, 0)),
      buf_(std::exchange(o.buf_, nullptr)),
      buf_bytes_(std::exchange(o.buf_bytes_, 0)),
      plan_fwd_(std::exchange(o.plan_fwd_, nullptr)),
      plan_inv_(std::exchange(o.plan_inv_, nullptr)) {}

RealFft& RealFft::operator=(RealFft&& o) noexcept {
  if (this != &o) {
    release();
    n_ = std::exchange(o.n_, 0);
    buf_ = std::exchange(o.buf_, nullptr);
    buf_bytes_ = std::exchange(o.buf_bytes_, 0);
    plan_fwd_ = std::exchange(o.plan_fwd_, nullptr);
    plan_inv_ = std::exchange(o.plan_inv_, nullptr);
  }
  return *this;
}

namespace {

using Complex = std::complex<double>;

// a * b without std::complex's NaN recovery (the operands are finite here; the same value when they are).
Complex mul(Complex a, Complex b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// f(k, W^k) for k = 1..k_end, the factors from the plan's two tables.
template <class F>
void for_each_twiddle(const Plan& p, std::size_t k_end, F f) {
  for (std::size_t a = 0, k0 = 0; k0 <= k_end; ++a, k0 += p.step) {
    const Complex wa = p.coarse[a];
    const std::size_t b_end = std::min(p.step, k_end - k0 + 1);
    for (std::size_t b = k0 == 0 ? 1 : 0; b < b_end; ++b) f(k0 + b, mul(wa, p.fine[b]));
  }
}

// After the complex forward transform Z of the M = n/2 pairs z[j] = x[2j] + i x[2j+1] (in X[0..M-1]): the real
// input's X[0..M]. With E[k] = (Z[k] + conj Z[M-k]) / 2 and O[k] = (Z[k] - conj Z[M-k]) / 2i the transforms of the
// even and the odd samples, X[k] = E[k] + W^k O[k] and X[M-k] = conj(E[k] - W^k O[k]).
void split_half_spectrum(const Plan& p, std::span<Complex> X) {
  const std::size_t M = X.size() - 1;
  const Complex z0 = X[0];
  X[0] = {z0.real() + z0.imag(), 0.0};
  X[M] = {z0.real() - z0.imag(), 0.0};
  for_each_twiddle(p, M / 2, [X, M](std::size_t k, Complex w) {
    const Complex zk = X[k], zc = std::conj(X[M - k]);
    const Complex e = 0.5 * (zk + zc), d = zk - zc;
    const Complex wo = mul(w, {0.5 * d.imag(), -0.5 * d.real()});
    X[k] = e + wo;
    X[M - k] = std::conj(e - wo);
  });
}

// Before the complex backward transform: Z[k] = 2 E[k] + 2i O[k] from X (the inverse of the split above, as FFTW's
// unscaled c2r: the imaginary parts of X[0] and X[M] are not read), so that the transform gives the pairs
// x[2j] + i x[2j+1].
void join_half_spectrum(const Plan& p, std::span<Complex> X) {
  const std::size_t M = X.size() - 1;
  const double x0 = X[0].real(), xm = X[M].real();
  X[0] = {x0 + xm, x0 - xm};
  for_each_twiddle(p, M / 2, [X, M](std::size_t k, Complex w) {
    const Complex xk = X[k], xc = std::conj(X[M - k]);
    const Complex a = xk + xc, c = mul(xk - xc, std::conj(w));
    const Complex ic{-c.imag(), c.real()};
    X[k] = a + ic;
    X[M - k] = std::conj(a - ic);
  });
}

}  // namespace

void RealFft::forward() {
  if (!plan_fwd_) plan_fwd_ = acquire_plan(n_, FFTW_FORWARD, buf_);
  const auto& p = *static_cast<const Plan*>(plan_fwd_);
  auto* z = reinterpret_cast<fftw_complex*>(buf_);
  if (p.step == 0) {
    fftw_execute_dft_r2c(p.fftw, buf_, z);
    return;
  }
  fftw_execute_dft(p.fftw, z, z);
  split_half_spectrum(p, spectrum());
}

void RealFft::prepare_forward() {
  if (!plan_fwd_) plan_fwd_ = acquire_plan(n_, FFTW_FORWARD, buf_);
}

void RealFft::inverse() {
  if (!plan_inv_) plan_inv_ = acquire_plan(n_, FFTW_BACKWARD, buf_);
  const auto& p = *static_cast<const Plan*>(plan_inv_);
  auto* z = reinterpret_cast<fftw_complex*>(buf_);
  if (p.step == 0) {
    fftw_execute_dft_c2r(p.fftw, z, buf_);
    return;
  }
  join_half_spectrum(p, spectrum());
  fftw_execute_dft(p.fftw, z, z);
}

std::span<std::complex<double>> RealFft::forward(std::span<const double> x) {
  const std::size_t m = std::min(x.size(), n_);
  std::copy_n(x.begin(), m, buf_);
  std::fill(buf_ + m, buf_ + n_, 0.0);
  forward();
  return spectrum();
}

std::size_t fft_good_size(std::size_t n_min) {
  std::size_t n = std::max<std::size_t>(n_min, 2);
  while (!is_smooth(n)) ++n;
  return n;
}

std::size_t fft_long_size(std::size_t n_min) {
  const std::size_t good = fft_good_size(n_min);
  if (good < 2 * kHalfRootMin * kHalfRootMin) return good;
  for (std::size_t m = kHalfRootMin;; m += 2)
    if (2 * m * m >= n_min && half_size_root(2 * m * m) == m) return 2 * m * m;
}

bool fft_is_half_size(std::size_t n) {
  return half_size_root(n) != 0;
}

std::size_t fft_good_size_below(std::size_t n_max) {
  std::size_t n = std::max<std::size_t>(n_max, 1);
  while (n > 1 && !is_smooth(n)) --n;
  return n;
}

void fft_free_large_plans_when_unused(bool on) {
  g_free_large_plans.store(on, std::memory_order_relaxed);
}

std::size_t fft_buffer_bytes_kept() {
  return t_pool.total_bytes;
}

std::size_t fft_plans_cached() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  return plan_cache().plans.size();
}

std::string fftw_wisdom_export() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  char* s = fftw_export_wisdom_to_string();
  std::string out = s ? s : "";
  fftw_free(s);
  return out;
}

bool fftw_wisdom_import(const std::string& wisdom) {
  std::lock_guard<std::mutex> lock(planner_mutex());
  return fftw_import_wisdom_from_string(wisdom.c_str()) != 0;
}

}  // namespace outbench
