#include "analysis/fft.hpp"

#include <fftw3.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace outbench {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

struct PlanPair {
  fftw_plan fwd = nullptr;
  fftw_plan inv = nullptr;
};

// Plans live until the process ends; the cache's destructor (static storage) destroys them.
struct PlanCache {
  std::map<std::size_t, PlanPair> plans;
  ~PlanCache() {
    for (auto& [n, p] : plans) {
      fftw_destroy_plan(p.fwd);
      fftw_destroy_plan(p.inv);
    }
    fftw_cleanup();
  }
};

PlanPair get_plans(std::size_t n) {
  std::lock_guard<std::mutex> lock(planner_mutex());
  static PlanCache cache;
  auto it = cache.plans.find(n);
  if (it != cache.plans.end()) return it->second;
  double* t = fftw_alloc_real(n);
  fftw_complex* s = fftw_alloc_complex(n / 2 + 1);
  if (!t || !s) throw std::bad_alloc();
  PlanPair p;
  const int ni = static_cast<int>(n);
  p.fwd = fftw_plan_dft_r2c_1d(ni, t, s, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  p.inv = fftw_plan_dft_c2r_1d(ni, s, t, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  fftw_free(t);
  fftw_free(s);
  if (!p.fwd || !p.inv) throw std::runtime_error("FFTW could not make a plan of size " + std::to_string(n));
  cache.plans.emplace(n, p);
  return p;
}

// Buffers of destroyed RealFft objects, kept per thread for reuse: large transforms are made again and
// again with the same sizes, and fresh pages cost more (page faults, zeroing) than the transform itself.
struct BufferPool {
  struct Entry {
    std::size_t n;
    double* time;
    std::complex<double>* spec;
  };
  std::vector<Entry> free;
  static constexpr std::size_t kMaxEntries = 8;
  ~BufferPool() {
    for (auto& e : free) {
      fftw_free(e.time);
      fftw_free(e.spec);
    }
  }
};
thread_local BufferPool t_pool;

}  // namespace

RealFft::RealFft(std::size_t n) : n_(n) {
  if (n < 2) throw std::invalid_argument("RealFft: size must be at least 2");
  if (n > static_cast<std::size_t>(1) << 30) throw std::invalid_argument("RealFft: size too large");
  PlanPair p = get_plans(n);
  plan_fwd_ = p.fwd;
  plan_inv_ = p.inv;
  for (auto it = t_pool.free.begin(); it != t_pool.free.end(); ++it)
    if (it->n == n) {
      time_ = it->time;
      spec_ = it->spec;
      t_pool.free.erase(it);
      return;
    }
  time_ = fftw_alloc_real(n);
  spec_ = reinterpret_cast<std::complex<double>*>(fftw_alloc_complex(n / 2 + 1));
  if (!time_ || !spec_) {
    fftw_free(time_);
    fftw_free(spec_);
    throw std::bad_alloc();
  }
}

RealFft::~RealFft() {
  if (!time_) return;
  if (t_pool.free.size() >= BufferPool::kMaxEntries) {
    fftw_free(t_pool.free.front().time);
    fftw_free(t_pool.free.front().spec);
    t_pool.free.erase(t_pool.free.begin());
  }
  t_pool.free.push_back({n_, time_, spec_});
}

RealFft::RealFft(RealFft&& o) noexcept
    : n_(std::exchange(o.n_, 0)),
      time_(std::exchange(o.time_, nullptr)),
      spec_(std::exchange(o.spec_, nullptr)),
      plan_fwd_(std::exchange(o.plan_fwd_, nullptr)),
      plan_inv_(std::exchange(o.plan_inv_, nullptr)) {}

RealFft& RealFft::operator=(RealFft&& o) noexcept {
  if (this != &o) {
    fftw_free(time_);
    fftw_free(spec_);
    n_ = std::exchange(o.n_, 0);
    time_ = std::exchange(o.time_, nullptr);
    spec_ = std::exchange(o.spec_, nullptr);
    plan_fwd_ = std::exchange(o.plan_fwd_, nullptr);
    plan_inv_ = std::exchange(o.plan_inv_, nullptr);
  }
  return *this;
}

void RealFft::forward() {
  fftw_execute_dft_r2c(static_cast<fftw_plan>(plan_fwd_), time_, reinterpret_cast<fftw_complex*>(spec_));
}

void RealFft::inverse() {
  fftw_execute_dft_c2r(static_cast<fftw_plan>(plan_inv_), reinterpret_cast<fftw_complex*>(spec_), time_);
}

std::span<std::complex<double>> RealFft::forward(std::span<const double> x) {
  const std::size_t m = std::min(x.size(), n_);
  std::copy_n(x.begin(), m, time_);
  std::fill(time_ + m, time_ + n_, 0.0);
  forward();
  return spectrum();
}

namespace {
bool is_smooth(std::size_t n) {
  for (std::size_t p : {2u, 3u, 5u, 7u})
    while (n % p == 0) n /= p;
  return n == 1;
}
}  // namespace

std::size_t fft_good_size(std::size_t n_min) {
  std::size_t n = std::max<std::size_t>(n_min, 2);
  while (!is_smooth(n)) ++n;
  return n;
}

std::size_t fft_good_size_below(std::size_t n_max) {
  std::size_t n = std::max<std::size_t>(n_max, 1);
  while (n > 1 && !is_smooth(n)) --n;
  return n;
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
