// The gated impulse responses of a sweep capture: the linear IR's gate and the harmonic IRs (each L*ln(n)
// before it), tapered, zero-padded and transformed, read on a 1 kHz-anchored fractional-octave grid.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>

#include "analysis/fft.hpp"
#include "analysis/response.hpp"
#include "analysis/response_detail.hpp"
#include "analysis/units.hpp"

namespace outbench {

using response_detail::GatedIr;
using response_detail::kMinCyclesPerLnF;
using response_detail::kReferenceHz;
using response_detail::kTopGuardFrames;
using response_detail::taper;

namespace {

// Zero-padding factor of the gated IR before its FFT (bin spacing 1/(4*gate)).
constexpr std::size_t kGatePadding = 4;

GatedIr cut_gate(std::span<const double> ir, long center, long pre, long post) {
  const auto n = static_cast<long>(ir.size());
  GatedIr g{pre, post, std::vector<double>(static_cast<std::size_t>(pre + post))};
  long src = ((center - pre) % n + n) % n;
  for (long i = -pre; i < post; ++i) {
    g.v[static_cast<std::size_t>(i + pre)] = ir[static_cast<std::size_t>(src)] * taper(i, pre, post);
    if (++src == n) src = 0;
  }
  return g;
}

// A gated IR, zero-padded (kGatePadding) and transformed; H(f) linearly interpolated between its bins.
struct GatedSpectrum {
  RealFft fft;
  double bin_hz = 0;
  std::complex<double> at(double f) {
    const auto bins = fft.spectrum();
    const double pos = f / bin_hz;
    const auto k = static_cast<std::size_t>(std::floor(pos));
    if (k + 1 >= bins.size()) return bins.back();
    const double a = pos - static_cast<double>(k);
    return bins[k] * (1.0 - a) + bins[k + 1] * a;
  }
};

GatedSpectrum transform_gate(const GatedIr& g, double rate_hz) {
  const std::size_t m = fft_good_size(kGatePadding * static_cast<std::size_t>(g.pre + g.post));
  GatedSpectrum s{RealFft(m), rate_hz / static_cast<double>(m)};
  auto t = s.fft.time();
  std::fill(t.begin(), t.end(), 0.0);
  const auto ml = static_cast<long>(m);
  for (long i = -g.pre; i < g.post; ++i)
    t[static_cast<std::size_t>(i < 0 ? i + ml : i)] = g.v[static_cast<std::size_t>(i + g.pre)];
  s.fft.forward();
  s.fft.drop_plans();
  return s;
}

std::vector<double> grid_anchored_1k(double lo, double hi, int per_octave) {
  std::vector<double> f;
  const auto k0 = static_cast<long>(std::ceil(per_octave * std::log2(lo / kReferenceHz) - 1e-9));
  const auto k1 = static_cast<long>(std::floor(per_octave * std::log2(hi / kReferenceHz) + 1e-9));
  for (long k = k0; k <= k1; ++k) f.push_back(kReferenceHz * std::pow(2.0, static_cast<double>(k) / per_octave));
  return f;
}

// Group delay from the unwrapped phase (central differences).
void add_group_delay(std::vector<ResponsePoint>& points) {
  std::vector<double> ph(points.size());
  for (std::size_t i = 0; i < ph.size(); ++i) {
    ph[i] = std::arg(points[i].h);
    if (i > 0) {
      while (ph[i] - ph[i - 1] > std::numbers::pi) ph[i] -= 2 * std::numbers::pi;
      while (ph[i] - ph[i - 1] < -std::numbers::pi) ph[i] += 2 * std::numbers::pi;
    }
  }
  for (std::size_t i = 0; i < ph.size(); ++i) {
    const std::size_t a = i > 0 ? i - 1 : i, b = i + 1 < ph.size() ? i + 1 : i;
    if (a == b) continue;
    points[i].group_delay_s = -(ph[b] - ph[a]) / (2 * std::numbers::pi * (points[b].freq_hz - points[a].freq_hz));
  }
}

}  // namespace

std::vector<GatedIr> Deconvolver::cut_gates(std::span<const double> ir, long lat, const Gate& g,
                                            const ResponseOptions& opt, double l_s) const {
  std::vector<GatedIr> gates;
  gates.push_back(cut_gate(ir, lat, g.pre, g.post));
  // Harmonic responses (synchronized sweep): H_n lands L*ln(n) before the linear IR. Only for an exponential
  // sweep (the caller's word for it or the fit's): any other reference puts no harmonic at a known place.
  const bool harmonics_ok = opt.sweep_l_s > 0 || exponential_;
  for (int order = 2; harmonics_ok && order <= opt.max_harmonic; ++order) {
    const double t_n = l_s * std::log(static_cast<double>(order)) * rate_hz_;
    const long a = static_cast<long>(0.5 * l_s * std::log((order + 1.0) / order) * rate_hz_);
    const long b = static_cast<long>(0.5 * l_s * std::log(order / (order - 1.0)) * rate_hz_);
    if (a < 16 || b < 16) break;
    gates.push_back(cut_gate(ir, lat - static_cast<long>(std::lround(t_n)), a, b));
  }
  return gates;
}

void Deconvolver::read_responses(const std::vector<GatedIr>& gates, double lo, double hi, const ResponseOptions& opt,
                                 ResponseResult& out) const {
  GatedSpectrum lin = transform_gate(gates.front(), rate_hz_);
  out.transform_sizes.push_back(lin.fft.size());
  for (double f : grid_anchored_1k(lo, hi, opt.points_per_octave)) {
    ResponsePoint p;
    p.freq_hz = f;
    p.h = lin.at(f) / edge_highpass(f);
    p.gain_db = db_from_ratio(std::abs(p.h));
    p.phase_deg = std::arg(p.h) * 180.0 / std::numbers::pi;
    out.points.push_back(p);
  }
  if (out.points.empty()) return;
  const double f1k = std::clamp(kReferenceHz, lo, hi);
  const std::complex<double> h1k = lin.at(f1k) / edge_highpass(f1k);
  out.gain_1k_db = db_from_ratio(std::abs(h1k));
  for (auto& p : out.points) p.relative_db = p.gain_db - out.gain_1k_db;
  add_group_delay(out.points);
  if (!(opt.sweep_l_s > 0 || exponential_) && opt.max_harmonic >= 2)
    out.harmonics_note =
        "no harmonic responses: " + not_exponential_ + " (they need a synchronized exponential sweep as the reference)";
  // Harmonic responses only where they mean what they say:
  // - the fundamental f where the sweep runs at full level (not in its fades: the distortion of a lower drive),
  //   and slowly enough to separate them from the linear response (f*L >= kMinCyclesPerLnF);
  // - the harmonic's frequency n*f reached at least kTopGuardFrames of sweep time before the sweep's top: the
  //   band's top edge rings into the harmonic gates there (a clean 0.125 s sweep to Nyquist at 8 kHz read H2 at
  //   -36 dBc at the top).
  const double l_s = opt.sweep_l_s > 0 ? opt.sweep_l_s : l_est_s_;
  const double f_from_hz = std::max(full_lo_hz_, l_s > 0 ? kMinCyclesPerLnF / l_s : 0.0);
  const double fh_to_hz =
      std::min(full_hi_hz_, l_s > 0 ? sweep_hi_hz_ * std::exp(-kTopGuardFrames / (rate_hz_ * l_s)) : 0.0);
  if (gates.size() > 1) {
    char text[320];  // (snprintf: GCC 12 warns falsely, -Wrestrict, on string concatenation)
    std::snprintf(text, sizeof text,
                  "harmonic responses where the fundamental is %.1f Hz or more and the harmonic %.0f Hz or less: "
                  "the sweep (L = %.3f s) at full level, at least %.0f cycles per unit of ln f, and its top edge "
                  "%.0f frames of sweep time away",
                  f_from_hz, fh_to_hz, l_s, kMinCyclesPerLnF, kTopGuardFrames);
    out.harmonics_note = text;
  }
  for (std::size_t j = 1; j < gates.size(); ++j) {
    const int order = static_cast<int>(j) + 1;
    GatedSpectrum hs = transform_gate(gates[j], rate_hz_);
    out.transform_sizes.push_back(hs.fft.size());
    HarmonicResponse hr;
    hr.order = order;
    for (const auto& p : out.points) {
      const double fh = order * p.freq_hz;
      if (fh > hi || fh > fh_to_hz) break;
      if (p.freq_hz < f_from_hz) continue;
      const double mag1 = std::abs(p.h);
      if (!(mag1 > 0)) continue;
      hr.points.push_back({p.freq_hz, db_from_ratio(std::abs(hs.at(fh) / edge_highpass(fh)) / mag1)});
    }
    out.harmonics.push_back(std::move(hr));
  }
}

}  // namespace outbench
