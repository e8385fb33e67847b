#include "measure/engine/plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "analysis/narrowband.hpp"
#include "measure/config/kinds.hpp"
#include "measure/engine/imd_step.hpp"
#include "measure/engine/multitone_step.hpp"

namespace outbench::engine {

const Durations kFull{2.0, 0.25, 0.2, 0.5, 0.5, 0.3, 0.2, 3, 4, 3, {80.0, 997.0, 10000.0}, 1.0, 60.0, 1.5};
const Durations kQuick{1.0, 0.25, 0.1, 0.25, 0.25, 0.2, 0.1, 6, 3, 1, {997.0}, 0.5, 60.0, 1.5};

std::vector<std::vector<double>> on_channels(const PortWiring& port, const std::vector<double>& x, int only_channel) {
  std::vector<std::vector<double>> s(port.output_channels.size());
  for (std::size_t c = 0; c < s.size(); ++c)
    s[c] = (only_channel < 0 || static_cast<int>(c) == only_channel) ? x : std::vector<double>(x.size(), 0.0);
  return s;
}

std::size_t Plan::frames(double s) const {
  return static_cast<std::size_t>(std::llround(s * rate_hz));
}

std::vector<double> Plan::tone(double freq_hz, double level_dbfs, double seconds) const {
  ToneSpec t;
  t.freq_hz = freq_hz;
  t.level_dbfs = level_dbfs;
  t.duration_s = seconds;
  t.rate_hz = rate_hz;
  t.fade_s = kFadeS;
  return make_tone(t);
}

double Plan::wide_response_hi_hz() const {
  return wide_band() ? std::min(kWideResponseHz, kWideResponseNyquistFraction * rate_hz) : 0.0;
}

ThdnOptions Plan::thdn_options(double f0_hz) const {
  ThdnOptions o;
  o.fundamental_hz = f0_hz;
  o.band_lo_hz = band_lo_hz;
  o.band_hi_hz = band_hi_hz;
  return o;
}

ThdnResult Plan::thdn(const std::vector<double>& x, double f0_hz) const {
  return analyze_thdn(x, rate_hz, thdn_options(f0_hz));
}

SweepPlan Plan::sweep(double level_dbfs) const {
  SweepPlan s;
  s.spec.start_hz = kSweepStartHz;
  s.spec.stop_hz = rate_hz / 2;
  s.spec.duration_s = d.sweep_s;
  s.spec.rate_hz = rate_hz;
  s.spec.level_dbfs = level_dbfs;
  s.info = sweep_info(s.spec);
  s.x = make_sweep(s.spec);
  s.capture_frames = s.x.size() + frames(kSweepTailS + kCaptureMarginS);
  s.deconv = std::make_unique<Deconvolver>(s.x, rate_hz, s.capture_frames);
  return s;
}

double Plan::xtalk_seconds(double f_hz) const {
  NarrowbandOptions o;
  o.freq_hz = f_hz;
  // The settled segment loses a block (one period of min(20 Hz, f/2)) at each end and up to one to
  // alignment; one block more of slack.
  const double block_s = 1.0 / std::min(20.0, f_hz / 2);
  const double need_s = narrowband_min_seconds(rate_hz, o);
  if (!std::isfinite(need_s)) return kXtalkMaxS;
  return std::clamp(1.05 * need_s + 4 * block_s + 2 * kFadeS, d.xtalk_s, kXtalkMaxS);
}

std::map<std::string, double> Plan::plan_seconds_by_step(std::size_t n_ports, std::size_t n_loads) const {
  double xtalk = 0;
  for (double f : d.xtalk_freqs) xtalk += 2 * xtalk_seconds(f);
  const double per_load =
      d.sweep_s + kSweepTailS + d.tone_s + d.noise_s + d.dr_s + xtalk + 12 * d.step_s + d.tone_s + 8 * kCaptureMarginS;
  // THD+N versus frequency twice (reference level and near the maximum level).
  double freq = 2 * 11.0 * d.thdn_freq_per_octave * 0.3 + 2 * (d.sweep_s + kSweepTailS);  // + ground return
  for (double f : stepped_sine_freqs(kThdnFreqStartHz, kThdnFreqStopHz, d.xtalk_per_octave))
    if (std::find(d.xtalk_freqs.begin(), d.xtalk_freqs.end(), f) == d.xtalk_freqs.end())
      freq += 2 * xtalk_seconds(f);  // a per-load frequency is reused (port_sweeps.cpp)
  const double ports = static_cast<double>(n_ports);
  return {{"per load", ports * static_cast<double>(n_loads) * per_load},
          {"thdn-freq", ports * freq},
          {"imd", ports * imd_plan_seconds(*this, -20.0)},          // IMD (SMPTE, CCIF) versus level
          {"multitone", ports * (kMultitoneS + kCaptureMarginS)}};  // one multitone into the nominal load
}

double Plan::plan_seconds(std::size_t n_ports, std::size_t n_loads) const {
  double s = 0;
  for (const auto& [step, seconds] : plan_seconds_by_step(n_ports, n_loads)) s += seconds;
  return s;
}

std::string band_problem(double lo_hz, double hi_hz, double rate_hz, double tone_hz) {
  char b[200];
  if (!(lo_hz >= kMinBandLoHz))
    std::snprintf(b, sizeof b, "the band must start at %g Hz or above, not %g Hz", kMinBandLoHz, lo_hz);
  else if (!(hi_hz > lo_hz))
    std::snprintf(b, sizeof b, "the band's low edge (%g Hz) must lie below its high edge (%g Hz)", lo_hz, hi_hz);
  else if (hi_hz > rate_hz / 2)
    std::snprintf(b, sizeof b,
                  "the band ends at %g Hz, above half the sample rate (%g Hz at %g Hz): end it at %g Hz "
                  "or below, or measure at a higher rate",
                  hi_hz, rate_hz / 2, rate_hz, rate_hz / 2);
  else if (lo_hz > tone_hz / 2 || hi_hz < 2 * tone_hz)
    std::snprintf(b, sizeof b,
                  "the band must hold the %g Hz test tone with an octave each side (%g..%g Hz at "
                  "least)",
                  tone_hz, tone_hz / 2, 2 * tone_hz);
  else
    return "";
  return b;
}

std::vector<const Load*> loads_in_run(const BenchConfig& bench, const std::vector<std::string>& names) {
  std::vector<const Load*> out;
  if (names.empty()) {
    for (const auto& l : bench.loads) out.push_back(&l);
  } else {
    for (const auto& n : names) {
      const Load* l = bench.load(n);
      if (!l) throw std::invalid_argument("load '" + n + "' is not on the bench");
      out.push_back(l);
    }
  }
  std::stable_partition(out.begin(), out.end(), [](const Load* l) { return l->is_open(); });
  return out;
}

std::vector<const PortWiring*> ports_in_run(const BenchConfig& bench, const std::vector<std::string>& names) {
  std::vector<const PortWiring*> out;
  if (names.empty()) {
    for (const auto& p : bench.ports) out.push_back(&p);
  } else {
    for (const auto& n : names) {
      const PortWiring* p = bench.port(n);
      if (p) {
        out.push_back(p);
        continue;
      }
      // line/headphone on a device without that port: reported as absent, not an error.
      if (!parse_port_kind(n)) throw std::invalid_argument("port '" + n + "' is not on the bench");
    }
  }
  return out;
}

std::string nominal_load_for(const std::string& port, const std::vector<const Load*>& loads,
                             const VerdictRules& rules) {
  const double want = parse_port_kind(port) == PortKind::headphone ? kHeadphoneNominalOhms : rules.line_load_ohms;
  const Load* best = nullptr;
  for (const auto* l : loads)
    if (!l->is_open() &&
        (!best || std::abs(std::log(l->nominal_ohms / want)) < std::abs(std::log(best->nominal_ohms / want))))
      best = l;
  return best ? best->name : "";
}

}  // namespace outbench::engine
