#include "measure/engine/port_impedance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/impedance.hpp"
#include "analysis/impedance_uncertainty.hpp"
#include "analysis/load_checks.hpp"
#include "analysis/units.hpp"
#include "measure/engine/level_search.hpp"
#include "measure/engine/plan.hpp"
#include "measure/strformat.hpp"

namespace outbench::engine {

namespace {

// The port's open-load result, when it was measured.
const LoadResult* open_load(const PortResult& pr) {
  for (const auto& l : pr.loads)
    if (!std::isfinite(l.load_ohms) && l.valid) return &l;
  return nullptr;
}

// The load versus frequency: its network or curve, else the resistor load_ohms.
FrequencyImpedance load_z_of(const LoadResult& l) {
  FrequencyImpedance z = l.load_z;
  if (z.resistive()) z.ohms = l.load_ohms;
  return z;
}

// `l`'s estimate made without leads, with the bench's leads to `l` and to the open load taken out.
std::complex<double> source_only(std::complex<double> z_raw, const LoadResult& open, const LoadResult& l,
                                 double input_ohms) {
  if (l.lead_ohms == 0.0 && open.lead_ohms == 0.0) return z_raw;  // nothing to take out (and no round-off)
  return without_leads(z_raw, parallel_ohms(l.load_ohms, input_ohms), input_ohms, l.lead_ohms, open.lead_ohms);
}

// Zout at 1 kHz from the open load versus `l` alone, when both were measured (the leads taken out): the load's
// and the input's complex impedance at 1 kHz.
std::optional<std::complex<double>> z1k_from(const PortResult& pr, const LoadResult& l, const FrequencyImpedance& zin) {
  const double input_ohms = zin.ohms;
  const LoadResult* open = open_load(pr);
  if (!open || !l.valid || !std::isfinite(l.load_ohms) || &l == open) return std::nullopt;
  const auto ho = response_at(open->response.points, 1000.0), hl = response_at(l.response.points, 1000.0);
  if (!ho || !hl || std::abs(*hl) == 0.0) return std::nullopt;
  return source_only(output_impedance(*ho, *hl, load_z_of(l).at(1000.0), zin.at(1000.0)), *open, l, input_ohms);
}

// `l`'s |Zout| versus frequency (the load's Zl(f) and the input's Zin(f) at every point), the leads taken out.
ImpedanceResult impedance_of(const LoadResult& open, const LoadResult& l, const FrequencyImpedance& zin,
                             const ResponseResult& open_response, const ResponseResult& load_response) {
  const double input_ohms = zin.ohms;
  ImpedanceResult z = output_impedance(open_response, load_response, load_z_of(l), zin);
  if (!z.valid || (l.lead_ohms == 0.0 && open.lead_ohms == 0.0)) return z;
  for (auto& p : z.points) p.z_ohms = source_only(p.z_ohms, open, l, input_ohms);
  z.z_1k_ohms = impedance_at(z.points, 1000.0);
  z.z_20hz_ohms = impedance_at(z.points, 20.0);
  return z;
}

// The resolution of `l`'s level change from open at 1 kHz (analysis/load_checks.hpp): the change across the
// sweep's points near 1 kHz, and the same change read from the two reference tones minus the sweep's at the
// tone frequency (each tone's level per dBFS of its drive).
double change_resolution_db(const LoadResult& open, const LoadResult& l, double tone_hz) {
  std::vector<LevelChangePoint> pts;
  for (const auto& p : l.response.points) {
    if (std::abs(std::log2(p.freq_hz / 1000.0)) > kResolutionBandOct) continue;
    const auto ho = response_at(open.response.points, p.freq_hz);
    if (ho && std::abs(*ho) > 0.0 && std::abs(p.h) > 0.0)
      pts.push_back({p.freq_hz, db_from_ratio(std::abs(p.h) / std::abs(*ho))});
  }
  std::optional<double> tone_minus_sweep_db;
  const auto so = response_at(open.response.points, tone_hz), sl = response_at(l.response.points, tone_hz);
  // Channel 0's reference tone, as the responses (thdn_ref is the worse channel's).
  auto left_ref = [](const LoadResult& x) -> const ThdnResult& {
    return x.channel_figures.empty() ? x.thdn_ref : x.channel_figures.front().thdn_ref;
  };
  const ThdnResult &tl = left_ref(l), &to = left_ref(open);
  if (to.valid && tl.valid && so && sl && std::abs(*so) > 0.0 && std::abs(*sl) > 0.0) {
    const double tone_db = (tl.level_dbfs - l.reference_drive_dbfs) - (to.level_dbfs - open.reference_drive_dbfs);
    tone_minus_sweep_db = tone_db - db_from_ratio(std::abs(*sl) / std::abs(*so));
  }
  return level_change_resolution_db(pts, tone_minus_sweep_db);
}

// The reference Zout at 1 kHz from the loads other than `skip`, with its resolution.
std::optional<LoadEstimate> reference_z1k(const PortResult& pr, const LoadResult* skip, const FrequencyImpedance& zin,
                                          double tone_hz) {
  const double input_ohms = zin.ohms;
  const LoadResult* open = open_load(pr);
  std::vector<LoadEstimate> est;
  for (const auto& l : pr.loads) {
    if (&l == skip) continue;
    if (const auto z = z1k_from(pr, l, zin)) {
      const double zp = parallel_ohms(l.load_ohms, input_ohms);
      est.push_back({zp, *z, estimate_resolution_ohms(*z, zp, change_resolution_db(*open, l, tone_hz))});
    }
  }
  return reference_zout(est);
}

// No load moved the 1 kHz level from open: a switch that does nothing (a command that ignores its argument, a
// board that never got its bytes) would otherwise report a perfect source and every load's figures as if it
// were connected. Those figures are withdrawn and the run says so.
void check_any_switched(PortResult& pr, double input_ohms, std::vector<std::string>& warnings) {
  const LoadResult* open = open_load(pr);
  if (!open) return;
  double largest_db = 0, heaviest_ohms = std::numeric_limits<double>::infinity();
  int n = 0;
  for (const auto& l : pr.loads) {
    if (&l == open || !l.valid || !std::isfinite(l.load_ohms)) continue;
    ++n;
    largest_db = std::max(largest_db, std::abs(l.response.gain_1k_db - open->response.gain_1k_db));
    heaviest_ohms = std::min(heaviest_ohms, l.load_ohms);
  }
  if (n == 0) return;
  const LoadsMoved m = check_loads_moved(largest_db, parallel_ohms(heaviest_ohms, input_ohms));
  if (m.moved) return;
  if (!m.withdraw) {
    warnings.push_back(pr.name + ": the loads in this run did not move the level at 1 kHz by more than " +
                       strformat("%.3f", kNoSwitchDb) + " dB; they cannot prove that the load switch switched " +
                       "(|Zout| below " + strformat("%.2g", m.z_floor_ohms) +
                       " ohm would look the same): add a heavier " + "load (32 or 16 ohm) to check it");
    return;
  }
  pr.loads_switched = false;
  const std::string why = "no load moved the level at 1 kHz from open by more than " + strformat("%.3f", kNoSwitchDb) +
                          " dB (largest " + strformat("%.4f", largest_db) + " dB, " + std::to_string(n) +
                          " load(s)): the load switch did not switch, or |Zout| is below " +
                          strformat("%.2g", m.z_floor_ohms) + " ohm, which this bench cannot tell apart";
  for (auto& l : pr.loads) {
    if (&l == open || !l.valid || !std::isfinite(l.load_ohms)) continue;
    l.valid = false;
    l.problem = why;
  }
  warnings.push_back(pr.name + ": LOADS NOT CONNECTED? " + why +
                     ". The output impedance and every per-load figure are withdrawn; check the relay board "
                     "or the load_switch command (README: 'Real bench').");
}

// Agreement at 1 kHz: each load against the median of the others, so one load whose relay did not switch
// cannot drag the reference with it; each within 5 % plus its own resolution, or cannot be verified.
void check_agreement(PortResult& pr, const FrequencyImpedance& zin, double tone_hz,
                     std::vector<std::string>& warnings) {
  const LoadResult* open = open_load(pr);
  const double input_ohms = zin.ohms;
  for (auto& l : pr.loads) {
    const auto zi_c = z1k_from(pr, l, zin);
    const auto ref = reference_z1k(pr, &l, zin, tone_hz);
    if (!open || !zi_c || !ref) continue;
    const double zi = std::abs(*zi_c), zc = std::abs(ref->z_ohms);
    // The estimate's resolution and the reference's.
    const double res_ohms = estimate_resolution_ohms(ref->z_ohms, parallel_ohms(l.load_ohms, input_ohms),
                                                     change_resolution_db(*open, l, tone_hz)) +
                            ref->resolution_ohms;
    l.agreement = LoadResult::Agreement{zi, zc, res_ohms, agreement_status(zi, zc, res_ohms)};
    if (l.agreement->status == CheckStatus::failed) {
      pr.loads_agree = false;
      const std::string note = "the load '" + l.load_name + "' (" + strformat("%g", l.load_ohms) + " ohm) gives " +
                               strformat("%.3g", zi) + " ohm at 1 kHz, the others " + strformat("%.3g", zc) +
                               " ohm: check that its relay switched. ";
      pr.agreement_note += note;
      warnings.push_back(pr.name + ": load estimates of the output impedance disagree (" + note + ")");
    }
  }
  if (pr.loads_agree) pr.agreement_note = "the per-load estimates agree within 5 % plus each one's resolution";
}

// One warning per port naming the loads whose switch could not be verified at this |Zout|.
void warn_unverified(const PortResult& pr, std::vector<std::string>& warnings) {
  std::string names;
  double largest_db = 0, resolution_db = 0;
  for (const auto& l : pr.loads) {
    const bool sw = l.switch_check && l.switch_check->status == CheckStatus::cannot_verify;
    const bool ag = l.agreement && l.agreement->status == CheckStatus::cannot_verify;
    if (!sw && !ag) continue;
    names += (names.empty() ? "'" : ", '") + l.load_name + "'";
    if (sw && std::abs(l.switch_check->predicted_db) >= std::abs(largest_db)) {
      largest_db = l.switch_check->predicted_db;
      resolution_db = l.switch_check->resolution_db;
    }
  }
  if (names.empty()) return;
  std::string detail;
  if (largest_db != 0)
    detail = " (at most " + strformat("%+.3f", largest_db) + " dB, within the check's resolution of " +
             strformat("%.3f", resolution_db) + " dB)";
  warnings.push_back(pr.name + ": cannot verify at this |Zout| that the relays of the loads " + names +
                     " switched: the level change each should make" + detail +
                     " is too small for this bench to resolve, and a relay that stayed open would look the same. "
                     "Check those loads by other means (an ohmmeter across the switched terminals).");
}

ImpedanceTolerances tolerances_of(const LoadResult& l, double input_tolerance_pct) {
  return {l.tolerance_pct, input_tolerance_pct, l.lead_uncertainty_ohms};
}

// |Zout| at 1 kHz, 20 Hz and its maximum over 20 Hz..20 kHz of combined points, with their uncertainties.
template <class Out>
void summarise(const std::vector<ImpedancePoint>& pts, Out& o) {
  if (pts.empty()) return;
  if (auto z = impedance_at(pts, 1000.0)) o.z_1k_ohms = std::abs(*z), o.z_1k_u95_ohms = u95_at(pts, 1000.0);
  if (auto z = impedance_at(pts, 20.0)) o.z_20hz_ohms = std::abs(*z), o.z_20hz_u95_ohms = u95_at(pts, 20.0);
  const auto m = max_abs_impedance(pts, 20.0, 20000.0);
  o.max_zout_ohms = m.z_ohms;
  o.max_zout_u95_ohms = m.u95_ohms;
}

// Every channel's |Zout| from open versus each load, both channels driven in phase (channel 0's is also the
// port's top-level figure).
void channel_impedances(PortResult& pr, const LoadResult& open, const FrequencyImpedance& zin,
                        double input_tolerance_pct) {
  for (const auto& oc : open.channel_responses) {
    if (!oc.response.valid) continue;
    std::vector<ImpedanceResult> per_load;
    std::vector<ImpedanceTolerances> tols;
    for (const auto& l : pr.loads) {
      if (&l == &open || !l.valid) continue;
      for (const auto& lc : l.channel_responses)
        if (lc.channel == oc.channel && lc.response.valid) {
          per_load.push_back(impedance_of(open, l, zin, oc.response, lc.response));  // leads out
          tols.push_back(tolerances_of(l, input_tolerance_pct));
          add_uncertainty(per_load.back(), tols.back());
        }
    }
    ChannelImpedance ci;
    ci.channel = oc.channel;
    ci.impedance = combine_impedance_with_uncertainty(per_load, tols);
    summarise(ci.impedance, ci);
    pr.channels.push_back(std::move(ci));
  }
}

}  // namespace

void check_switched(PortResult& pr, LoadResult& lr, double input_ohms, double tone_hz,
                    std::vector<std::string>& warnings) {
  const LoadResult* open = open_load(pr);
  if (!open || &lr == open || !lr.valid || !std::isfinite(lr.load_ohms)) return;
  FrequencyImpedance zin;
  zin.ohms = input_ohms;
  const auto zref = reference_z1k(pr, &lr, zin, tone_hz);
  if (!zref) return;
  LoadEstimate seen = *zref;  // the load sees the source and its own leads
  seen.z_ohms += lr.lead_ohms;
  const auto sc =
      check_switch(seen, parallel_ohms(lr.load_ohms, input_ohms), input_ohms,
                   lr.response.gain_1k_db - open->response.gain_1k_db, change_resolution_db(*open, lr, tone_hz));
  lr.switch_check = LoadResult::SwitchCheck{sc.measured_db, sc.predicted_db, sc.resolution_db, sc.status};
  if (sc.status == CheckStatus::failed)
    warnings.push_back(pr.name + " into " + lr.load_name + ": switching to the load '" + lr.load_name +
                       "' moved the level by " + strformat("%+.3f", sc.measured_db) + " dB from open, but a " +
                       strformat("%g", lr.load_ohms) + " ohm load should move it by " +
                       strformat("%+.3f", sc.predicted_db) + " dB (|Zout| " +
                       strformat("%.3g", std::abs(zref->z_ohms)) + " ohm from the other loads; resolution " +
                       strformat("%.3f", sc.resolution_db) + " dB): the relay for '" + lr.load_name +
                       "' did not switch? Its figures are not that load's.");
}

void port_impedance(PortResult& pr, const FrequencyImpedance& zin, double tone_hz, std::vector<std::string>& warnings,
                    double input_tolerance_pct) {
  const LoadResult* open = open_load(pr);
  const double input_ohms = zin.ohms;
  if (!open) {
    warnings.push_back(pr.name + ": output impedance not measured (the open load is not in the run)");
    return;
  }
  check_any_switched(pr, input_ohms, warnings);
  if (!pr.loads_switched) return;
  std::vector<ImpedanceTolerances> tols;
  for (const auto& l : pr.loads) {
    if (&l == open || !l.valid) continue;
    pr.impedance_per_load.push_back(impedance_of(*open, l, zin, open->response, l.response));
    tols.push_back(tolerances_of(l, input_tolerance_pct));
    add_uncertainty(pr.impedance_per_load.back(), tols.back());
  }
  pr.impedance = combine_impedance_with_uncertainty(pr.impedance_per_load, tols);
  channel_impedances(pr, *open, zin, input_tolerance_pct);
  if (pr.impedance.empty()) return;
  summarise(pr.impedance, pr);
  if (pr.z_1k_ohms) check_agreement(pr, zin, tone_hz, warnings);
  warn_unverified(pr, warnings);
}

namespace {

// |Zout + leads + Zp| / |Zp| at `freq_hz` for each load (the open load: Zp = the input's impedance), when |Zout| was
// measured: the factor from the Vrms across the load to the EMF behind |Zout|.
std::optional<double> emf_per_load_vrms(const std::vector<ImpedancePoint>& zout, const LoadResult& l, double freq_hz,
                                        double input_ohms) {
  const auto z = impedance_at(zout, freq_hz);
  if (!z) return std::nullopt;
  if (!std::isfinite(l.load_ohms) && !std::isfinite(input_ohms)) return 1.0;
  const double zp = std::isfinite(l.load_ohms) ? parallel_ohms(l.load_ohms, input_ohms) : input_ohms;
  return std::abs(*z + l.lead_ohms + zp) / zp;
}

std::string limit_explanation(const LimitFinding& f) {
  const std::string open_at = strformat("%.3g", f.open_emf_vrms) + " Vrms the open load reached " +
                              (f.open_clipped ? "at its own 1 % point" : "without reaching 1 %");
  const std::string current = strformat("%.0f", 1e3 * f.peak_current_a) + " mA peak into the load";
  if (f.kind == LimitKind::rail_clipping)
    return "THD+N reached 1 % at " + current + ", where the EMF behind |Zout| (" + strformat("%.3g", f.emf_vrms) +
           " Vrms) is within " + strformat("%.1f", kRailEmfMatchDb) + " dB of the " + open_at +
           ": the rails, divided down by |Zout| and the load (not the current)";
  return "THD+N reached 1 % at " + current + ", where the EMF behind |Zout| (" + strformat("%.3g", f.emf_vrms) +
         " Vrms) is " + strformat("%.1f", -f.emf_below_open_db) + " dB below the " + open_at +
         ": the output's current limit (or rails that sag under the load current)";
}

}  // namespace

void classify_limits(PortResult& pr, double tone_hz, double input_ohms) {
  // Per channel: that channel's maximum level into each load and its own |Zout| (channel 0's is the port's
  // when the channels were not analysed apart).
  std::size_t n_channels = 1;
  for (const auto& l : pr.loads) n_channels = std::max(n_channels, l.channel_figures.size());
  for (std::size_t ch = 0; ch < n_channels; ++ch) {
    const std::vector<ImpedancePoint>* zout = ch == 0 ? &pr.impedance : nullptr;  // the port's is channel 0's
    for (const auto& c : pr.channels)
      if (ch > 0 && c.channel == static_cast<int>(ch) && !c.impedance.empty()) zout = &c.impedance;
    if (!zout) continue;
    auto level_of = [&](LoadResult& l) -> MaxLevel* {
      if (l.channel_figures.empty()) return ch == 0 ? &l.max_level : nullptr;
      return ch < l.channel_figures.size() ? &l.channel_figures[ch].max_level : nullptr;
    };
    std::vector<LimitInput> in;
    for (auto& l : pr.loads) {
      const MaxLevel* ml = level_of(l);
      if (!ml) ml = &l.max_level;  // a load without this channel: not classified (valid = false below)
      in.push_back({l.valid && level_of(l), l.load_ohms, ml->at_1pct.vrms,
                    ml->stop_reason == stop_reason_id(StopReason::thdn_1pct),
                    ml->stop_reason == stop_reason_id(StopReason::compression),
                    emf_per_load_vrms(*zout, l, tone_hz, input_ohms)});
    }
    const auto limits = classify_output_limits(in);
    for (std::size_t i = 0; i < pr.loads.size(); ++i) {
      MaxLevel* ml = level_of(pr.loads[i]);
      if (!limits[i] || !ml) continue;
      ml->stop_reason = stop_reason_id(limits[i]->kind == LimitKind::rail_clipping ? StopReason::rail_clipping
                                                                                   : StopReason::current_limit);
      ml->explanation = limit_explanation(*limits[i]);
    }
  }
  // The headline maximum level is the worse channel's (engine/channel_figures.hpp): take its classification.
  for (auto& l : pr.loads) {
    const auto w = l.worse_channel.find("max_level");
    if (w == l.worse_channel.end()) continue;
    for (const auto& c : l.channel_figures)
      if (c.channel == w->second) l.max_level = c.max_level;
  }
}

}  // namespace outbench::engine
