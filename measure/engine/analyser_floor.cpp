#include "measure/engine/analyser_floor.hpp"

#include <cmath>
#include <limits>

#include "analysis/distortion.hpp"
#include "analysis/signals.hpp"
#include "measure/strformat.hpp"

namespace outbench::engine {

PortResult::AnalyserFloor measure_analyser_floor(StepContext& cx, const PortWiring& port) {
  PortResult::AnalyserFloor fl;
  if (cx.bench.input.valid()) fl.input_full_scale_vrms = cx.bench.input.vrms_at_0dbfs;
  cx.session.progress("analyser floor");
  if (cx.session.sw.terminate_input(true)) {
    const Plan& plan = cx.plan;
    Capture c;
    try {
      c = cx.session.play(port, on_channels(port, make_silence(plan.d.noise_s, plan.rate_hz)),
                          plan.frames(plan.d.noise_s) + cx.session.margin_frames(), "floor");
    } catch (...) {
      cx.session.sw.terminate_input(false);
      throw;
    }
    cx.session.sw.terminate_input(false);
    const auto n = analyze_noise(c.channels.at(0), plan.rate_hz);
    const auto na = analyze_noise(c.channels.at(0), plan.rate_hz, 20, 20000, Weighting::A);
    if (n.valid && na.valid) {
      fl.source = "input terminated";
      fl.noise_dbfs = n.noise_dbfs;
      fl.noise_a_dbfs = na.noise_dbfs;
      return fl;
    }
    fl.note = "the terminated input's capture could not be read: " + (n.valid ? na.reason : n.reason);
  } else if (cx.bench.analyser_floor) {
    fl.source = "bench file";
    fl.noise_dbfs = cx.bench.analyser_floor->noise_dbfs;  // no A-weighted floor there
    return fl;
  } else {
    fl.note =
        "the load switch cannot terminate the loopback input and the bench file has no analyser_floor "
        "(outbench calibrate loopback)";
  }
  cx.res.warnings.push_back(port.name + ": analyser floor not measured: " + fl.note +
                            "; noise, SNR, DR and THD+N carry no margin over it");
  return fl;
}

bool mute_decided(double idle_dbfs, double tone_dbfs, std::optional<double> floor_dbfs, double margin_db) {
  if (!floor_dbfs) return idle_dbfs < tone_dbfs - margin_db;
  const double f = *floor_dbfs;
  if (floor_margin(tone_dbfs, f).analyser_limited) return false;  // the in-use noise is the analyser's
  // The device's own levels, power-subtracted, with each reading moved kFloorReadingUncertaintyDb against the
  // claim: the idle noise up (at most the floor's power left: -inf when the reading is at the floor), the noise
  // under the tone down.
  auto device_db = [f](double reading_db) {
    const double p = std::pow(10.0, reading_db / 10.0) - std::pow(10.0, f / 10.0);
    return p > 0 ? 10.0 * std::log10(p) : -std::numeric_limits<double>::infinity();
  };
  const double tone_low = device_db(tone_dbfs - kFloorReadingUncertaintyDb);
  return std::isfinite(tone_low) && device_db(idle_dbfs + kFloorReadingUncertaintyDb) < tone_low - margin_db;
}

void apply_floor(const PortResult::AnalyserFloor& fl, const std::string& port, LoadResult& lr,
                 std::vector<std::string>& warnings) {
  if (!lr.valid) return;
  if (lr.thdn_ref.valid) lr.ref_below_input_fs_db = -lr.thdn_ref.level_dbfs;
  if (!fl.known()) return;
  const double f = *fl.noise_dbfs;
  auto& m = lr.floor;
  if (lr.noise.valid) m.noise = floor_margin(lr.noise.noise_dbfs, f);
  if (lr.noise_a.valid && fl.noise_a_dbfs) m.noise_a = floor_margin(lr.noise_a.noise_dbfs, *fl.noise_a_dbfs);
  if (lr.noise_tone_dbfs) m.noise_tone = floor_margin(*lr.noise_tone_dbfs, f);
  if (lr.noise_tone_a_dbfs && fl.noise_a_dbfs) m.noise_tone_a = floor_margin(*lr.noise_tone_a_dbfs, *fl.noise_a_dbfs);
  if (lr.thdn_ref.valid) m.thdn = floor_margin(lr.thdn_ref.level_dbfs + lr.thdn_ref.thdn_db, f);
  if (lr.dr_residual_dbfs) m.dr = floor_margin(*lr.dr_residual_dbfs, f);
  if (lr.dr_residual_a_dbfs && fl.noise_a_dbfs) m.dr_a = floor_margin(*lr.dr_residual_a_dbfs, *fl.noise_a_dbfs);
  std::string limited;  // one warning per load: the figures that measure the analyser
  for (const auto& [what, mm] : {std::pair{"noise", m.noise}, std::pair{"THD+N", m.thdn}})
    if (mm && mm->analyser_limited)
      limited += (limited.empty() ? "" : ", ") + std::string(what) + " " + strformat("%.1f", mm->margin_db) + " dB";
  if (!limited.empty())
    warnings.push_back(port + " into " + lr.load_name + ": within 3 dB of the analyser's own floor (" + limited +
                       " above it): these figures measure the analyser and are reported as bounds");
}

}  // namespace outbench::engine

namespace outbench::engine {

void range_advice(const PortResult& port, std::vector<std::string>& warnings) {
  std::string loads;
  for (const auto& l : port.loads)
    if (l.valid && l.ref_below_input_fs_db && *l.ref_below_input_fs_db > kRangeAdviceDb)
      loads += (loads.empty() ? "" : ", ") + strformat("%.1f dB", *l.ref_below_input_fs_db) + " (" + l.load_name + ")";
  if (!loads.empty())
    warnings.push_back(port.name + ": the reference tone reads " + loads +
                       " below the loopback input's full scale: a more sensitive input range would lower the "
                       "analyser's floor under these figures");
}

}  // namespace outbench::engine
