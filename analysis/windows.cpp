#include "analysis/windows.hpp"

#include <array>
#include <cmath>
#include <deque>
#include <numbers>
#include <stdexcept>

namespace outbench {
namespace {

// Albrecht (2001), 7-term minimum-sidelobe cosine sum: highest sidelobe -180.1 dB for 1024 points or more
// (see the header for short windows).
constexpr std::array<double, 7> kBh7 = {0.27105140069342, 0.43329793923448, 0.21812299954311, 0.06592544638803,
                                        0.01081174209837, 0.00077658482522, 0.00001388721735};
// 5-term flat-top (as in MATLAB flattopwin / SciPy "flattop").
constexpr std::array<double, 5> kFlatTop = {0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368};
constexpr std::array<double, 2> kHann = {0.5, 0.5};

template <std::size_t K>
std::vector<double> cosine_sum(const std::array<double, K>& a, std::size_t n) {
  std::vector<double> w(n);
  const double step = 2.0 * std::numbers::pi / static_cast<double>(n);
  // Periodic: w[n - i] = w[i], so the first half (and the middle) is computed and mirrored.
  for (std::size_t i = 0; i <= n / 2; ++i) {
    // cos(k*x) by the Chebyshev recurrence cos(kx) = 2 cos(x) cos((k-1)x) - cos((k-2)x): one cosine per
    // sample instead of K-1 (error ~1e-15 for K <= 7).
    const double c1 = std::cos(step * static_cast<double>(i));
    double prev = 1.0, cur = c1;
    double v = a[0] - a[1] * c1;
    double sign = 1.0;
    for (std::size_t k = 2; k < K; ++k) {
      const double next = 2.0 * c1 * cur - prev;
      prev = cur;
      cur = next;
      v += sign * a[k] * cur;
      sign = -sign;
    }
    w[i] = v;
    if (i > 0 && i < n - i) w[n - i] = v;
  }
  return w;
}

}  // namespace

std::string_view window_name(WindowKind kind) {
  switch (kind) {
    case WindowKind::BlackmanHarris7: return "blackman-harris-7";
    case WindowKind::FlatTop: return "flat-top";
    case WindowKind::Hann: return "hann";
  }
  return "?";
}

int window_main_lobe_half_width_bins(WindowKind kind) {
  switch (kind) {
    case WindowKind::BlackmanHarris7: return 7;
    case WindowKind::FlatTop: return 5;
    case WindowKind::Hann: return 2;
  }
  return 7;
}

std::vector<double> make_window(WindowKind kind, std::size_t n) {
  if (n == 0) throw std::invalid_argument("make_window: empty window");
  switch (kind) {
    case WindowKind::BlackmanHarris7: return cosine_sum(kBh7, n);
    case WindowKind::FlatTop: return cosine_sum(kFlatTop, n);
    case WindowKind::Hann: return cosine_sum(kHann, n);
  }
  return {};
}

const CachedWindow& cached_window(WindowKind kind, std::size_t n) {
  constexpr std::size_t kMaxEntries = 16;
  thread_local std::deque<CachedWindow> cache;
  for (const auto& e : cache)
    if (e.kind == kind && e.w.size() == n) return e;
  if (cache.size() >= kMaxEntries) cache.pop_front();
  auto w = make_window(kind, n);
  const auto f = window_figures(w);
  cache.push_back({kind, std::move(w), f});
  return cache.back();
}

WindowFigures window_figures(std::span<const double> w) {
  WindowFigures f;
  for (double v : w) {
    f.sum_w += v;
    f.sum_w2 += v * v;
  }
  const double n = static_cast<double>(w.size());
  f.coherent_gain = f.sum_w / n;
  f.enbw_bins = n * f.sum_w2 / (f.sum_w * f.sum_w);
  return f;
}

}  // namespace outbench
