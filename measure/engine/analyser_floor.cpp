#include "measure/engine/analyser_floor.hpp"

#include <cmath>
#include <limits>

#include "analysis/distortion.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "measure/strformat.hpp"

namespace outbench::engine {

namespace {
constexpr double kAes17BandwidthHz = 20000.0 - 20.0;  // the band a bench file's analyser_floor was read in
}  // namespace

PortResult::AnalyserFloor measure_analyser_floor(StepContext& cx, const PortWiring& port) {
  PortResult::AnalyserFloor fl;
  fl.input_range = port.input_range;
  for (const auto& r : cx.bench.input_ranges)
    if (r.name == port.input_range) fl.input_full_scale_vrms = r.full_scale_vrms;
  if (cx.bench.input.valid()) fl.input_full_scale_vrms = cx.bench.input.vrms_at_0dbfs;  // as calibrated
  if (const auto& bf = cx.bench.analyser_floor; bf && bf->reference_residual_dbfs) {
    fl.loopback_drive_dbfs = bf->reference_drive_dbfs;
    fl.loopback_thdn_db = bf->reference_thdn_db;
    fl.loopback_residual_dbfs = bf->reference_residual_dbfs;
  }
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
    const auto n = analyze_noise(c.channels.at(0), plan.rate_hz, plan.band_lo_hz, plan.band_hi_hz);
    const auto na = analyze_noise(c.channels.at(0), plan.rate_hz, 20, 20000, Weighting::A);
    if (n.valid && na.valid) {
      fl.source = "input terminated";
      fl.noise_dbfs = n.noise_dbfs;
      fl.noise_a_dbfs = na.noise_dbfs;
      for (std::size_t ch = 0; ch < c.channels.size() && ch < port.input_channels.size(); ++ch) {
        const auto cn = analyze_noise(c.channels[ch], plan.rate_hz, plan.band_lo_hz, plan.band_hi_hz);
        const auto cna = analyze_noise(c.channels[ch], plan.rate_hz, 20, 20000, Weighting::A);
        auto& fc = fl.channels.emplace_back();
        if (cn.valid) fc.noise_dbfs = cn.noise_dbfs;
        if (cna.valid) fc.noise_a_dbfs = cna.noise_dbfs;
      }
      return fl;
    }
    fl.note = "the terminated input's capture could not be read: " + (n.valid ? na.reason : n.reason);
  } else if (cx.bench.analyser_floor) {
    fl.source = "bench file";
    fl.noise_dbfs = cx.bench.analyser_floor->noise_dbfs;  // no A-weighted floor there
    // Calibrated in 20 Hz..20 kHz: another --band takes its share of that floor, as of white noise.
    const double bw_hz = cx.plan.band_hi_hz - cx.plan.band_lo_hz;
    if (bw_hz != kAes17BandwidthHz) *fl.noise_dbfs += 10.0 * std::log10(bw_hz / kAes17BandwidthHz);
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

namespace {

// The margins of one set of figures (a load's headline or one channel's: the same field names) over `fl`.
template <class Figures>
FloorMargins margins_of(const Figures& x, const PortResult::AnalyserFloor& fl, double reference_drive_dbfs) {
  const double f = *fl.noise_dbfs;
  FloorMargins m;
  if (x.noise.valid) m.noise = floor_margin(x.noise.noise_dbfs, f);
  if (x.noise_a.valid && fl.noise_a_dbfs) m.noise_a = floor_margin(x.noise_a.noise_dbfs, *fl.noise_a_dbfs);
  if (x.noise_tone_dbfs) m.noise_tone = floor_margin(*x.noise_tone_dbfs, f);
  if (x.noise_tone_a_dbfs && fl.noise_a_dbfs) m.noise_tone_a = floor_margin(*x.noise_tone_a_dbfs, *fl.noise_a_dbfs);
  if (x.thdn_ref.valid) {
    // Over the loopback's residual at the same drive (output and input together) where it was measured there,
    // else over the input's noise.
    const bool same_drive =
        fl.loopback_residual_dbfs && std::abs(*fl.loopback_drive_dbfs - reference_drive_dbfs) <= kLoopbackDriveMatchDb;
    m.thdn = floor_margin(x.thdn_ref.level_dbfs + x.thdn_ref.thdn_db, same_drive ? *fl.loopback_residual_dbfs : f);
  }
  if (x.dr_residual_dbfs) m.dr = floor_margin(*x.dr_residual_dbfs, f);
  if (x.dr_residual_a_dbfs && fl.noise_a_dbfs) m.dr_a = floor_margin(*x.dr_residual_a_dbfs, *fl.noise_a_dbfs);
  return m;
}

}  // namespace

void apply_floor(const PortResult::AnalyserFloor& fl, const std::string& port, LoadResult& lr,
                 std::vector<std::string>& warnings) {
  if (!lr.valid) return;
  if (lr.thdn_ref.valid) lr.ref_below_input_fs_db = -lr.thdn_ref.level_dbfs;
  if (!fl.known()) return;
  for (auto& c : lr.channel_figures)
    if (const auto fc = fl.of_channel(c.channel); fc.known()) c.floor = margins_of(c, fc, lr.reference_drive_dbfs);
  // The headline figures: each over the floor of the channel it came from (worse_channel).
  lr.floor = margins_of(lr, fl, lr.reference_drive_dbfs);
  auto from = [&](const char* figure, std::optional<FloorMargin> FloorMargins::*field) {
    const auto w = lr.worse_channel.find(figure);
    if (w == lr.worse_channel.end()) return;
    for (const auto& c : lr.channel_figures)
      if (c.channel == w->second) lr.floor.*field = c.floor.*field;
  };
  from("noise", &FloorMargins::noise);
  from("noise_a", &FloorMargins::noise_a);
  from("noise_under_tone", &FloorMargins::noise_tone);
  from("noise_under_tone_a", &FloorMargins::noise_tone_a);
  from("thdn_reference", &FloorMargins::thdn);
  from("dynamic_range_residual", &FloorMargins::dr);
  from("dynamic_range_residual_a", &FloorMargins::dr_a);
  const auto& m = lr.floor;
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

void range_advice(const PortResult& port, const std::vector<InputRange>& ranges, std::vector<std::string>& warnings) {
  std::string loads;
  double loudest_below_db = std::numeric_limits<double>::infinity();  // of the loads named
  for (const auto& l : port.loads)
    if (l.valid && l.ref_below_input_fs_db && *l.ref_below_input_fs_db > kRangeAdviceDb) {
      loads += (loads.empty() ? "" : ", ") + strformat("%.1f dB", *l.ref_below_input_fs_db) + " (" + l.load_name + ")";
      loudest_below_db = std::min(loudest_below_db, *l.ref_below_input_fs_db);
    }
  if (loads.empty()) return;
  // The better range: the most sensitive listed range that keeps those loads' reference tones at least
  // kRangeHeadroomDb below its full scale.
  std::string better;
  if (const auto& fs = port.analyser_floor.input_full_scale_vrms; fs && !ranges.empty()) {
    const double loudest_vrms = *fs * ratio_from_db(-loudest_below_db);
    const InputRange* best = nullptr;
    for (const auto& r : ranges)
      if (r.full_scale_vrms < *fs * ratio_from_db(-1.0) &&
          r.full_scale_vrms >= loudest_vrms * ratio_from_db(kRangeHeadroomDb) &&
          (!best || r.full_scale_vrms < best->full_scale_vrms))
        best = &r;
    if (best)
      better = ": use the range \"" + best->name + "\" (full scale " + strformat("%.3g", best->full_scale_vrms) +
               " Vrms; those tones stay at least " + strformat("%.0f", kRangeHeadroomDb) +
               " dB below it; the maximum-level search may need the present range)";
  }
  warnings.push_back(
      port.name + ": the reference tone reads " + loads + " below the loopback input's full scale" +
      (port.analyser_floor.input_range.empty() ? "" : " (range \"" + port.analyser_floor.input_range + "\")") +
      ": a more sensitive input range would lower the analyser's floor under these figures" + better);
}

}  // namespace outbench::engine
