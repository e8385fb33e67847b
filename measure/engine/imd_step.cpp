#include "measure/engine/imd_step.hpp"

#include <algorithm>
#include <cmath>

#include "measure/strformat.hpp"

namespace outbench::engine {

namespace {

constexpr double kSameDriveDb = 0.05;  // drives closer than this are one step

// The nominal load's result, when it was measured validly.
const LoadResult* nominal_of(const PortResult& pr) {
  for (const auto& l : pr.loads)
    if (l.load_name == pr.nominal_load && l.valid) return &l;
  return nullptr;
}

// Each channel's top drive: its maximum level's drive (1 % THD+N, or where its search stopped cleanly); a
// channel without one stays at the reference.
std::vector<double> channel_tops(const LoadResult& lr, double reference_dbfs) {
  std::vector<double> tops;
  for (const auto& f : lr.channel_figures)
    tops.push_back(f.max_level.at_1pct.found ? f.max_level.at_1pct.drive_dbfs : reference_dbfs);
  if (tops.empty()) tops.push_back(lr.max_level.at_1pct.found ? lr.max_level.at_1pct.drive_dbfs : reference_dbfs);
  return tops;
}

// One two-tone at `drive` on every channel; each channel read into its series when the drive is within its top.
void play_two_tone(StepContext& cx, const PortWiring& port, const Load& load, ImdStandard standard, double drive,
                   double reference, const std::vector<double>& tops, std::vector<ImdSeries>& series) {
  const Plan& plan = cx.plan;
  ImdStimulusSpec s;
  s.imd = imd_spec(standard);
  s.duration_s = kImdToneS;
  s.rate_hz = plan.rate_hz;
  s.level_dbfs = drive;
  s.fade_s = kFadeS;
  const auto stim = on_channels(port, make_imd_stimulus(s));
  const Capture c = cx.session.play(port, stim, plan.frames(kImdToneS) + cx.session.margin_frames(),
                                    std::string("imd-") + imd_standard_name(standard));
  if (const auto v = cx.volts.peak_volts(stim, c)) cx.volts.learn(port, load, *v, true);
  const Calibration& input = cx.bench.input;
  for (std::size_t ch = 0; ch < series.size() && ch < c.channels.size(); ++ch) {
    const bool is_ref = std::abs(drive - reference) < kSameDriveDb;
    if (!is_ref && drive > tops[std::min(ch, tops.size() - 1)] + 1e-9) continue;
    ImdStep st;
    st.drive_dbfs = drive;
    st.reading = analyze_imd(c.channels[ch], plan.rate_hz, s.imd);
    if (st.reading.valid && input.valid()) st.out_vrms = input.vrms_from_dbfs(st.reading.level_dbfs);
    if (is_ref) series[ch].reference_step = static_cast<int>(series[ch].steps.size());
    series[ch].steps.push_back(std::move(st));
  }
}

}  // namespace

std::vector<double> imd_drives(double reference_dbfs, const std::vector<double>& channel_tops_dbfs, double step_db) {
  std::vector<double> d{reference_dbfs};
  const double top = channel_tops_dbfs.empty() ? reference_dbfs
                                               : *std::max_element(channel_tops_dbfs.begin(), channel_tops_dbfs.end());
  if (step_db > 0) {
    for (double g = reference_dbfs - step_db; g >= kLevelStartDbfs - 1e-9; g -= step_db) d.push_back(g);
    for (double g = reference_dbfs + step_db; g < top - 1.0; g += step_db) d.push_back(g);
  }
  for (double t : channel_tops_dbfs) d.push_back(t);
  std::sort(d.begin(), d.end());
  std::vector<double> out;
  for (double v : d)
    if (out.empty() || v - out.back() >= kSameDriveDb) out.push_back(v);
  return out;
}

double imd_plan_seconds(const Plan& plan, double reference_dbfs) {
  const auto n = imd_drives(reference_dbfs, {0.0}, 2.0 * plan.d.level_step_db).size();
  return 2.0 * static_cast<double>(n) * (kImdToneS + kCaptureMarginS);
}

void imd_vs_level(StepContext& cx, const PortWiring& port, PortResult& pr) {
  const LoadResult* lr = nominal_of(pr);
  const Load* nominal = cx.bench.load(pr.nominal_load);
  if (!lr || !nominal) return;
  cx.session.cur_load = nominal->name;
  cx.session.select_load(*nominal);
  cx.volts.use_cap_of(port, *nominal);
  PortImd imd;
  imd.load = nominal->name;
  imd.tone_s = kImdToneS;
  const double reference = std::min(cx.opt.reference_level_dbfs, cx.session.cap.drive_dbfs);
  imd.reference_drive_dbfs = reference;
  const std::size_t n_ch = port.output_channels.size();
  for (std::size_t ch = 0; ch < n_ch; ++ch) {
    imd.smpte.emplace_back().channel = static_cast<int>(ch);
    imd.ccif.emplace_back().channel = static_cast<int>(ch);
  }
  const bool ccif_fits = imd_spec(ImdStandard::Ccif).f2_hz < cx.plan.rate_hz / 2;
  if (!ccif_fits) {
    imd.ccif.clear();
    imd.note =
        strformat("CCIF not measured: its 20 kHz tone needs a sample rate above 40 kHz (%g Hz)", cx.plan.rate_hz);
  }
  const std::vector<double> tops = channel_tops(*lr, reference);
  const double before_s = cx.session.stimulus_s;
  for (double want : imd_drives(reference, tops, 2.0 * cx.plan.d.level_step_db)) {
    cx.session.progress("IMD (SMPTE, CCIF)");
    // Exactly as THD+N versus level: never above the cap of the load now (each capture may tighten it).
    const double drive = std::min(want, cx.session.cap.drive_dbfs);
    play_two_tone(cx, port, *nominal, ImdStandard::Smpte, drive, reference, tops, imd.smpte);
    if (ccif_fits)
      play_two_tone(cx, port, *nominal, ImdStandard::Ccif, std::min(drive, cx.session.cap.drive_dbfs), reference, tops,
                    imd.ccif);
    if (drive < want - 1e-9) {
      imd.note += std::string(imd.note.empty() ? "" : "; ") + "stopped at " + strformat("%.1f", drive) +
                  " dBFS by the bench's safety limit (" + cx.session.cap.limit_text + ")";
      break;
    }
  }
  imd.stimulus_s = cx.session.stimulus_s - before_s;
  pr.imd = std::move(imd);
}

}  // namespace outbench::engine
