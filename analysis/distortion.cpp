#include "analysis/distortion.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <numeric>

#include "analysis/fft.hpp"
#include "analysis/partial_sums.hpp"
#include "analysis/units.hpp"
#include "analysis/windows.hpp"

namespace outbench {
namespace {

// Free bins either side of an exclusion band used to estimate the local noise density.
constexpr int kNoiseNeighbourBins = 20;
// A harmonic must rise this far (power ratio) above the local noise in its band to be reported as found.
constexpr double kHarmonicDetectPowerRatio = 2.0;

// A steady tone's lobe (its exclusion band) stands this far (power ratio, 10 dB) above the spectrum beside it;
// the strongest lobe of plain noise reaches about 4 dB.
constexpr double kToneOverNoisePowerRatio = 10.0;
// Blocks of the analysed segment whose RMS falls this far (ratio, -12 dB) below the median block's are gaps.
constexpr double kGapRmsRatio = 0.25;
// Gap-check blocks: long enough that a steady sine's block mean square stays within 1/kGapBlockSpan of its
// mean, at least kGapMinBlockFrames.
constexpr double kGapBlockSpan = 8.0;
constexpr std::size_t kGapMinBlockFrames = 32;
constexpr double kMaxEdgeLowFraction = 0.05;

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Empty when the level of x holds steady (no block of kGapBlockPeriods periods of f0 falls kGapRmsRatio below
// the median block's RMS); else where it drops.
template <class T>
std::string level_gap(std::span<const T> x, double rate_hz, double f0_hz) {
  // A sampled sine's mean square over B frames departs from its mean by at most 1/(B |sin(w)|), w = 2 pi f0/fs:
  // blocks of kGapBlockSpan/|sin(w)| frames keep that within 1/kGapBlockSpan (near DC and near Nyquist too).
  const double sw = std::abs(std::sin(2.0 * std::numbers::pi * f0_hz / rate_hz));
  const auto block =
      std::max(kGapMinBlockFrames, static_cast<std::size_t>(std::ceil(kGapBlockSpan / std::max(sw, 1e-6))));
  const std::size_t nb = x.size() / block;
  if (nb < 4) return {};
  std::vector<double> ms(nb, 0.0);
  // (The sums only decide which blocks are low: a last-bit difference of sum_in_four cannot matter.)
  for (std::size_t b = 0; b < nb; ++b) {
    const T* xb = x.data() + b * block;
    ms[b] = sum_in_four(block,
                        [xb](std::size_t i) {
                          const double v = xb[i];
                          return v * v;
                        }) /
            static_cast<double>(block);
  }
  std::vector<double> sorted(ms);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(nb / 2), sorted.end());
  const double median = sorted[nb / 2];
  const double low = kGapRmsRatio * kGapRmsRatio * median;
  // Low blocks at the very start or end (a capture's latency, a fade the caller left in) only dilute the
  // level a little: allowed up to kMaxEdgeLowFraction of the blocks. Any low block between steady ones is a gap.
  std::size_t lead = 0, trail = 0;
  while (lead < nb && ms[lead] < low) ++lead;
  while (trail < nb - lead && ms[nb - 1 - trail] < low) ++trail;
  std::size_t n_low = 0, first_low = nb;
  for (std::size_t b = lead; b < nb - trail; ++b)
    if (ms[b] < low) {
      ++n_low;
      first_low = std::min(first_low, b);
    }
  if (n_low == 0 && static_cast<double>(lead + trail) <= kMaxEdgeLowFraction * static_cast<double>(nb)) return {};
  if (n_low == 0) {
    n_low = lead + trail;
    first_low = lead > 0 ? 0 : nb - trail;
  }
  return "the level falls by more than " + fmt(-db_from_ratio(kGapRmsRatio)) + " dB in " + std::to_string(n_low) +
         " of " + std::to_string(nb) + " blocks of " + fmt(1e3 * static_cast<double>(block) / rate_hz) +
         " ms (first at " + fmt(static_cast<double>(first_low * block) / rate_hz) +
         " s into the analysed part): tone bursts or gaps; analyse a continuous tone";
}

// An exclusion band of bins [lo, hi] (the fundamental's or a harmonic's).
struct Band {
  long lo, hi;
};

// The averaged spectrum of the settled part and what the steps below share.
struct ThdnSpectrum {
  PowerSpectrum ps;
  std::vector<double> wgt;             // per-bin power weighting (1 without weighting)
  long nbins = 0, k_lo = 0, k_hi = 0;  // the band in bins
  double ms(long k) const { return ps.ms[static_cast<std::size_t>(k)]; }
  double weighted(long k) const { return ps.ms[static_cast<std::size_t>(k)] * wgt[static_cast<std::size_t>(k)]; }
};

// Local noise density beside an exclusion band: the mean power of the kNoiseNeighbourBins nearest free bins
// (in no exclusion band) on each side within [k_min, k_max], weighted when `weighted`.
double local_density(const ThdnSpectrum& s, const std::vector<char>& taken, const Band& b, long k_min, long k_max,
                     bool weighted) {
  double sum = 0;
  int cnt = 0;
  auto add = [&](long k) {
    sum += weighted ? s.weighted(k) : s.ms(k);
    ++cnt;
  };
  for (long k = b.lo - 1, got = 0; k >= k_min && got < kNoiseNeighbourBins; --k)
    if (!taken[static_cast<std::size_t>(k)]) {
      add(k);
      ++got;
    }
  for (long k = b.hi + 1, got = 0; k <= k_max && got < kNoiseNeighbourBins; ++k)
    if (!taken[static_cast<std::size_t>(k)]) {
      add(k);
      ++got;
    }
  return cnt ? sum / cnt : 0.0;
}

// The options make sense for this signal; else r.reason.
bool check_thdn_inputs(std::size_t frames, double rate_hz, const ThdnOptions& opt, ThdnResult& r) {
  const double nyquist = rate_hz / 2.0;
  if (!(rate_hz >= 1000.0 && rate_hz <= 1e6))
    r.reason = "sample rate " + fmt(rate_hz) + " Hz is out of range (1 kHz to 1 MHz)";
  else if (!(opt.band_lo_hz >= 0.0) || !(opt.band_hi_hz > opt.band_lo_hz))
    r.reason = "band " + fmt(opt.band_lo_hz) + ":" + fmt(opt.band_hi_hz) + " Hz is empty";
  else if (opt.fundamental_hz < 0 || opt.fundamental_hz >= nyquist)
    r.reason = "fundamental " + fmt(opt.fundamental_hz) + " Hz is not below Nyquist (" + fmt(nyquist) + " Hz)";
  else if (frames < 256)
    r.reason = "signal too short (" + std::to_string(frames) + " frames; need at least 256)";
  return r.reason.empty();
}

// The fundamental's peak bin: the strongest bin anywhere above DC (a tone outside the band is reported, not
// replaced by the strongest leakage bin inside it), or near fundamental_hz; it must be the strongest within
// its exclusion band. -1 (and r.reason) when there is none.
long find_peak_bin(const ThdnSpectrum& s, const ThdnOptions& opt, ThdnResult& r) {
  const int hw = kExclusionHalfWidthBins;
  const double df = s.ps.bin_hz;
  long a = 1, b = s.nbins - 1, k_peak = -1;
  if (opt.fundamental_hz > 0) {
    const long kc = std::lround(opt.fundamental_hz / df);
    const long span = std::max<long>(hw, std::lround(0.01 * opt.fundamental_hz / df));
    a = std::max<long>(hw + 1, kc - span);
    b = std::min<long>(s.nbins - hw - 1, kc + span);
  }
  double best = -1;
  for (long k = a; k <= b; ++k)
    if (s.ms(k) > best) {
      best = s.ms(k);
      k_peak = k;
    }
  if (k_peak < 0 || best <= 0) {
    r.reason = "no tone found" + (opt.fundamental_hz > 0 ? " near " + fmt(opt.fundamental_hz) + " Hz" : "");
    return -1;
  }
  for (long k = std::max<long>(1, k_peak - hw); k <= std::min(s.nbins - 1, k_peak + hw); ++k)
    if (s.ms(k) > s.ms(k_peak)) {
      r.reason = "no tone near " + fmt(opt.fundamental_hz) + " Hz (the strongest component nearby is at " +
                 fmt(static_cast<double>(k) * df) + " Hz)";
      return -1;
    }
  return k_peak;
}

// A tone found on its own (not named) is a steady tone: its lobe stands well above the spectrum either side of
// it (the strongest bin of plain noise, or of a sweep's flat spectrum, does not). A named tone is measured down
// to the noise (crosstalk readings look for a leak near the noise floor).
bool check_lobe_stands_out(const ThdnSpectrum& s, long k_peak, const ThdnOptions& opt, ThdnResult& r) {
  if (opt.fundamental_hz > 0) return true;
  const int hw = kExclusionHalfWidthBins;
  double lobe = 0, side = 0;
  long n_side = 0;
  for (long k = std::max<long>(1, k_peak - hw); k <= std::min(s.nbins - 1, k_peak + hw); ++k) lobe += s.ms(k);
  for (long d = hw + 1; d <= hw + kNoiseNeighbourBins; ++d)
    for (const long k : {k_peak - d, k_peak + d})
      if (k >= 1 && k < s.nbins) {
        side += s.ms(k);
        ++n_side;
      }
  const double lobe_noise = n_side > 0 ? side / static_cast<double>(n_side) * (2 * hw + 1) : 0.0;
  if (lobe >= kToneOverNoisePowerRatio * lobe_noise) return true;
  r.reason = "no steady tone: the strongest component (" + fmt(static_cast<double>(k_peak) * s.ps.bin_hz) +
             " Hz) stands only " + fmt(db_from_power_ratio(lobe / lobe_noise)) +
             " dB above the spectrum beside it (a tone stands " + fmt(db_from_power_ratio(kToneOverNoisePowerRatio)) +
             " dB or more above it): noise, a sweep or silence";
  return false;
}

// The fundamental's exclusion band lies in the band, and the segment holds enough cycles of it.
bool check_fundamental_place(const ThdnSpectrum& s, long k_peak, const ThdnOptions& opt, double band_hi,
                             ThdnResult& r) {
  const int hw = kExclusionHalfWidthBins;
  const double df = s.ps.bin_hz;
  if (k_peak - hw < s.k_lo || k_peak + hw > s.k_hi) {
    r.reason = "the fundamental (" + fmt(static_cast<double>(k_peak) * df) + " Hz) is not inside the band " +
               fmt(opt.band_lo_hz) + ":" + fmt(band_hi) + " Hz with its exclusion band of +/-" + std::to_string(hw) +
               " bins";
    return false;
  }
  if (k_peak < 2 * hw + 1) {
    r.reason = "too few cycles of the fundamental for the frequency resolution (" + fmt(df) +
               " Hz per bin): use a longer signal";
    return false;
  }
  return true;
}

// THD+N, level and noise from the fundamental's band (bins `fund`) and the residual; false (and r.reason)
// when there is no tone above the noise or, for a tone found on its own, it carries less power than the rest.
// Sets p_fund_unw, the unweighted fundamental power.
bool read_thdn(const ThdnSpectrum& s, const std::vector<char>& taken, const Band& fund, long k_peak, double f0,
               const ThdnOptions& opt, ThdnResult& r, double& p_fund_unw) {
  const double dens0 = local_density(s, taken, fund, s.k_lo, s.k_hi, true);
  double p_fund_w = 0, p_fund = 0;
  for (long k = fund.lo; k <= fund.hi; ++k) {
    p_fund_w += s.weighted(k);
    p_fund += s.ms(k);
  }
  const double n_fund_bins = static_cast<double>(fund.hi - fund.lo + 1);
  const double noise_in_fund = dens0 * n_fund_bins;
  double p_resid = 0;
  for (long k = s.k_lo; k <= s.k_hi; ++k)
    if (k < fund.lo || k > fund.hi) p_resid += s.weighted(k);
  p_resid += noise_in_fund;
  p_fund_w = std::max(p_fund_w - noise_in_fund, 0.0);
  // Unweighted fundamental power for the level reading (the noise estimate is weighted; remove it scaled).
  const double g0 = s.wgt[static_cast<std::size_t>(k_peak)];
  p_fund_unw = std::max(p_fund - (g0 > 0 ? noise_in_fund / g0 : 0.0), 0.0);
  if (!(p_fund_w > 0) || !(p_fund_unw > 0)) {
    r.reason = "no tone above the noise";
    return false;
  }
  // A steady tone found on its own carries more power than the rest of the band together (a spur in the noise
  // of a shorted input is the strongest bin too, and stands above the noise beside it).
  if (opt.fundamental_hz <= 0) {
    double p_rest = noise_in_fund / (g0 > 0 ? g0 : 1.0);
    for (long k = s.k_lo; k <= s.k_hi; ++k)
      if (k < fund.lo || k > fund.hi) p_rest += s.ms(k);
    if (!(p_fund_unw > p_rest)) {
      r.reason = "no steady tone: the strongest component (" + fmt(f0) + " Hz, " +
                 fmt(dbfs_from_mean_square(p_fund_unw)) + " dBFS) is weaker than the rest of the band (" +
                 fmt(dbfs_from_mean_square(p_rest)) + " dBFS): noise or a spur, not a test tone" +
                 " (name the fundamental's frequency to measure a tone below the noise)";
      return false;
    }
  }
  // The weighting applies to the residual (the noise-and-distortion reading); the reference is the
  // unweighted fundamental, so a low-frequency tone is not made to look worse by A(f0).
  const double p_total = p_fund_unw + p_resid;
  r.level_dbfs = dbfs_from_mean_square(p_fund_unw);
  r.thdn_db = db_from_power_ratio(p_resid / p_total);
  r.thdn_percent = 100.0 * std::sqrt(p_resid / p_total);
  r.noise_dbfs = dbfs_from_mean_square(p_resid);
  return true;
}

// Harmonic levels (unweighted, less their local noise) and THD from the in-band ones; false (and r.reason)
// when THD cannot be read.
bool read_harmonics(const ThdnSpectrum& s, const std::vector<char>& taken, const std::vector<Band>& excl,
                    const std::vector<int>& orders, double f0, double p_fund_unw, const ThdnOptions& opt,
                    double band_hi, ThdnResult& r) {
  double p_harm = 0, p_harm_bound = 0;
  int detected_in_band = 0;
  for (std::size_t i = 1; i < excl.size(); ++i) {
    const Band& b = excl[i];
    double p_raw = 0;
    for (long k = b.lo; k <= b.hi; ++k) p_raw += s.ms(k);
    // Local noise of the unweighted spectrum (harmonic levels are unweighted, like the fundamental's).
    const double p_noise = local_density(s, taken, b, 1, s.nbins - 1, false) * static_cast<double>(b.hi - b.lo + 1);
    const double p_h = std::max(p_raw - p_noise, 0.0);
    HarmonicLevel hl;
    hl.order = orders[i];
    hl.freq_hz = orders[i] * f0;
    hl.in_band = hl.freq_hz >= opt.band_lo_hz && hl.freq_hz <= band_hi;
    hl.below_noise = p_raw < kHarmonicDetectPowerRatio * p_noise;
    hl.level_dbc = db_from_power_ratio((hl.below_noise ? p_raw : p_h) / p_fund_unw);
    if (hl.in_band) {
      p_harm += p_h;
      p_harm_bound += p_raw;
      if (!hl.below_noise) ++detected_in_band;
      ++r.harmonics_in_band;
    }
    r.harmonics.push_back(hl);
  }
  if (r.harmonics_in_band == 0) {
    // THD sums the in-band harmonics: with none in band there is nothing to read (THD+N still holds).
    r.thd_db = r.thd_percent = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // No in-band harmonic rises above the noise: THD is at most their bands' power (noise included), reported
  // as that bound.
  r.thd_below_noise = detected_in_band == 0 || !(p_harm > 0);
  const double p = r.thd_below_noise ? p_harm_bound : p_harm;
  r.thd_db = db_from_power_ratio(p / p_fund_unw);
  r.thd_percent = 100.0 * std::sqrt(p / p_fund_unw);
  if (std::isfinite(r.thd_db)) return true;
  r.reason = "the harmonics' bands hold no power at all (a synthetic signal?): THD cannot be read";
  return false;
}

// The noise under the tone: in-band power outside every exclusion band, plus each band's in-band bins at the
// local noise density beside it (weighted like the residual).
std::optional<double> notched_noise_dbfs(const ThdnSpectrum& s, const std::vector<char>& taken,
                                         const std::vector<Band>& excl) {
  double p = 0;
  for (long k = s.k_lo; k <= s.k_hi; ++k)
    if (!taken[static_cast<std::size_t>(k)]) p += s.weighted(k);
  for (const Band& b : excl) {
    const long n_in = std::min(b.hi, s.k_hi) - std::max(b.lo, s.k_lo) + 1;
    if (n_in > 0) p += local_density(s, taken, b, s.k_lo, s.k_hi, true) * static_cast<double>(n_in);
  }
  if (!(p > 0)) return std::nullopt;
  return dbfs_from_mean_square(p);
}

// No non-finite figure leaves the analysis.
bool check_finite(ThdnResult& r) {
  for (const double v : {r.fundamental_hz, r.level_dbfs, r.thdn_db, r.thdn_percent, r.noise_dbfs})
    if (!std::isfinite(v)) {
      r.reason = "a figure of the analysis is not finite (silent or degenerate signal)";
      return false;
    }
  for (auto& h : r.harmonics)
    if (!std::isfinite(h.level_dbc)) {
      char text[96];  // (snprintf: GCC 12 warns falsely, -Wrestrict, on string concatenation here)
      std::snprintf(text, sizeof text, "H%d reads no power at all (a synthetic signal?): THD cannot be read", h.order);
      r.reason = text;
      return false;
    }
  return true;
}

template <class T>
ThdnResult analyze_thdn_of(std::span<const T> x_all, double rate_hz, const ThdnOptions& opt) {
  ThdnResult r;
  r.band_lo_hz = opt.band_lo_hz;
  r.band_hi_hz = opt.band_hi_hz;
  if (!check_thdn_inputs(x_all.size(), rate_hz, opt, r)) return r;
  const double nyquist = rate_hz / 2.0;
  const double band_hi = std::min(opt.band_hi_hz, nyquist);
  Segment seg{0, x_all.size()};
  // Blocks of two periods of the fundamental when it is known (short tones), else one of the band's low edge.
  if (opt.trim_to_settled)
    seg = settled_segment(x_all, rate_hz,
                          opt.fundamental_hz > 0 ? opt.fundamental_hz / 2 : std::max(opt.band_lo_hz, 20.0));
  const auto x = x_all.subspan(seg.start, seg.n);
  r.start_frame = seg.start;
  r.n_frames = seg.n;

  ThdnSpectrum s;
  s.ps = power_spectrum(x, rate_hz, opt.max_segment_frames, opt.threads);
  r.segment_frames = s.ps.segment_frames;
  r.n_segments = s.ps.n_segments;
  r.bin_hz = s.ps.bin_hz;
  const double df = s.ps.bin_hz;
  s.nbins = static_cast<long>(s.ps.ms.size());
  const int hw = kExclusionHalfWidthBins;
  s.wgt.assign(s.ps.ms.size(), 1.0);
  if (opt.weighting != Weighting::None)
    for (long k = 0; k < s.nbins; ++k) {
      const double g = weighting_gain(opt.weighting, static_cast<double>(k) * df);
      s.wgt[static_cast<std::size_t>(k)] = g * g;
    }
  s.k_lo = std::max<long>(1, static_cast<long>(std::ceil(opt.band_lo_hz / df - 1e-9)));
  s.k_hi = std::min<long>(s.nbins - 1, static_cast<long>(std::floor(band_hi / df + 1e-9)));
  if (s.k_hi - s.k_lo < 4 * hw) {
    r.reason = "band too narrow for the frequency resolution (" + fmt(df) + " Hz per bin): use a longer signal";
    return r;
  }
  const long k_peak = find_peak_bin(s, opt, r);
  if (k_peak < 0 || !check_lobe_stands_out(s, k_peak, opt, r) || !check_fundamental_place(s, k_peak, opt, band_hi, r))
    return r;
  double p_lobe = 0, centroid = 0;
  for (long k = k_peak - hw; k <= k_peak + hw; ++k) {
    p_lobe += s.ms(k);
    centroid += static_cast<double>(k) * s.ms(k);
  }
  const double f0 = centroid / p_lobe * df;
  r.fundamental_hz = f0;
  // A steady tone: no gaps in the analysed segment (bursts would be averaged with their silences).
  if (const std::string gap = level_gap(x, rate_hz, f0); !gap.empty()) {
    r.reason = "no steady tone: " + gap;
    return r;
  }
  // Exclusion bands: the fundamental's (around its peak bin, which lies inside the band) and each harmonic's.
  std::vector<Band> excl{{k_peak - hw, k_peak + hw}};
  std::vector<int> orders{1};
  for (int h = 2; h <= opt.max_harmonic; ++h) {
    const double fh = h * f0;
    if (fh + hw * df >= nyquist) break;
    const long kc = std::lround(fh / df);
    excl.push_back({kc - hw, kc + hw});
    orders.push_back(h);
  }
  std::vector<char> taken(s.ps.ms.size(), 0);
  for (const Band& b : excl)
    for (long k = std::max<long>(0, b.lo); k <= std::min(s.nbins - 1, b.hi); ++k)
      taken[static_cast<std::size_t>(k)] = 1;
  double p_fund_unw = 0;
  if (!read_thdn(s, taken, excl.front(), k_peak, f0, opt, r, p_fund_unw)) return r;
  if (!read_harmonics(s, taken, excl, orders, f0, p_fund_unw, opt, band_hi, r)) return r;
  r.notched_noise_dbfs = notched_noise_dbfs(s, taken, excl);
  if (!check_finite(r)) return r;
  r.valid = true;
  return r;
}

}  // namespace

ThdnResult analyze_thdn(std::span<const double> x, double rate_hz, const ThdnOptions& opt) {
  return analyze_thdn_of(x, rate_hz, opt);
}
ThdnResult analyze_thdn(std::span<const float> x, double rate_hz, const ThdnOptions& opt) {
  return analyze_thdn_of(x, rate_hz, opt);
}

}  // namespace outbench
