// Truth from a simulated device model, for the engine and hil tests: THD+N at a drive from the model's
// nonlinearity and noise sources (analytic), and the maximum level from a separate fine search straight on
// the port model (not through the sequencer).
#pragma once

#include <cmath>

#include "analysis/distortion.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "measure/sim/model.hpp"
#include "measure/sim/port_sim.hpp"

namespace outbench::test {

// Model truth for THD+N at -20 dBFS into a load: harmonics from the static nonlinearity, EMF noise through
// the divider, ADC noise and 24-bit quantisation, all in the 20 Hz..20 kHz band.
inline double model_thdn_db(const sim::DeviceModel& m, const sim::PortModel& p, double load_ohms, double drive_dbfs) {
  const double g = sim::divider_gain(p, m.loopback, load_ohms, 997);
  const double a_rel = ratio_from_db(drive_dbfs);  // amplitude relative to 0 dBFS
  const double sig_v = p.vrms_at_0dbfs * ratio_from_db(p.volume_db) * a_rel * g;
  const double h2 = ratio_from_db(p.h2_dbc_at_0dbfs) * a_rel, h3 = ratio_from_db(p.h3_dbc_at_0dbfs) * a_rel * a_rel;
  const double noise_emf = p.noise_vrms * g;
  const double adc_v = m.loopback.full_scale_vrms * ratio_from_db(m.loopback.noise_dbfs);
  const double q = std::ldexp(1.0, -23), quant_v = m.loopback.full_scale_vrms * std::sqrt(2.0) * q / std::sqrt(12.0) *
                                                   std::sqrt(19980.0 / 24000.0);
  const double resid = sig_v * sig_v * (h2 * h2 + h3 * h3) + noise_emf * noise_emf + adc_v * adc_v + quant_v * quant_v;
  return 10 * std::log10(resid / (sig_v * sig_v + resid));
}

// A separate, fine search straight on the device model: the output level (Vrms at the load) where THD+N
// crosses limit_db (1 % = -40 dB, 0.1 % = -60 dB), or the output at 0 dBFS when it never does.
inline double model_max_vrms(const sim::DeviceModel& m, const sim::PortModel& p, double load_ohms,
                             double limit_db = -40.0) {
  auto measure = [&](double drive) {
    ToneSpec t;
    t.level_dbfs = drive;
    t.duration_s = 0.2;
    const auto x = make_tone(t);
    const auto y = sim::simulate_port(m.loopback, p, load_ohms, {x, x}, 48000, x.size() + 4800, 99);
    ThdnOptions o;
    o.fundamental_hz = 997;
    const auto r = analyze_thdn(y[0], 48000, o);
    return std::pair{r.thdn_db, m.loopback.full_scale_vrms * ratio_from_db(r.level_dbfs)};
  };
  if (measure(0.0).first < limit_db) return measure(0.0).second;
  double lo = -40, hi = 0;
  while (hi - lo > 0.01) {
    const double mid = 0.5 * (lo + hi);
    (measure(mid).first < limit_db ? lo : hi) = mid;
  }
  return measure(lo).second;
}

}  // namespace outbench::test
