#include "measure/engine/self_test.hpp"

#include <cmath>
#include <cstdio>
#include <numbers>

#include "analysis/distortion.hpp"
#include "analysis/response.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "measure/strformat.hpp"

namespace outbench {

std::string analysis_self_test() {
  constexpr double fs = 48000, f0 = 997.0, h3_dbc = -80.0;
  ToneSpec t;
  t.freq_hz = f0;
  t.level_dbfs = -1;
  t.duration_s = 0.5;
  auto x = make_tone(t);
  const double a3 = peak_from_dbfs(-1) * ratio_from_db(h3_dbc);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] +=
        a3 * std::sin(2 * std::numbers::pi * 3 * f0 * static_cast<double>(i) / fs) * (std::abs(x[i]) > 0 ? 1.0 : 0.0);
  ThdnOptions o;
  o.fundamental_hz = f0;
  const auto r = analyze_thdn(x, fs, o);
  if (!r.valid || std::abs(r.thd_db - h3_dbc) > 0.2 || std::abs(r.level_dbfs + 1) > 0.02) {
    return strformat("THD of a -80 dBc H3 read %.2f dB (level %.3f dBFS)", r.thd_db, r.level_dbfs);
  }
  SweepSpec s;
  s.start_hz = 10;
  s.stop_hz = fs / 2;
  s.duration_s = 1;
  s.rate_hz = fs;
  const auto sweep = make_sweep(s);
  std::vector<double> y(sweep.size() + 4800, 0.0);
  for (std::size_t i = 0; i < sweep.size(); ++i) y[i + 100] = 0.5 * sweep[i];
  ResponseOptions ro;
  ro.sweep_l_s = sweep_info(s).l_s;
  const auto rr = analyze_response(sweep, y, fs, ro);
  if (!rr.valid || rr.latency_frames != 100 || std::abs(rr.gain_1k_db + 6.0206) > 0.01) {
    return strformat("a 0.5 gain with 100 frames delay read %.3f dB, latency %ld", rr.gain_1k_db, rr.latency_frames);
  }
  return "";
}

}  // namespace outbench
