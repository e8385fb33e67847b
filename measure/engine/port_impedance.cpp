#include "measure/engine/port_impedance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/impedance.hpp"
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

// Zout at 1 kHz from the open load versus `l` alone, when both were measured.
std::optional<std::complex<double>> z1k_from(const PortResult& pr, const LoadResult& l, double input_ohms) {
  const LoadResult* open = open_load(pr);
  if (!open || !l.valid || !std::isfinite(l.load_ohms) || &l == open) return std::nullopt;
  const auto ho = response_at(open->response.points, 1000.0), hl = response_at(l.response.points, 1000.0);
  if (!ho || !hl || std::abs(*hl) == 0.0) return std::nullopt;
  return output_impedance(*ho, *hl, l.load_ohms, input_ohms);
}

// The reference Zout at 1 kHz from the loads other than `skip`.
std::optional<std::complex<double>> reference_z1k(const PortResult& pr, const LoadResult* skip, double input_ohms) {
  std::vector<LoadEstimate> est;
  for (const auto& l : pr.loads) {
    if (&l == skip) continue;
    if (const auto z = z1k_from(pr, l, input_ohms)) est.push_back({parallel_ohms(l.load_ohms, input_ohms), *z});
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

// Agreement at 1 kHz: each informative load against the median of the others, so one load whose relay did not
// switch cannot drag the reference with it.
void check_agreement(PortResult& pr, double input_ohms, std::vector<std::string>& warnings) {
  for (const auto& l : pr.loads) {
    const auto zi_c = z1k_from(pr, l, input_ohms);
    const auto zref_c = reference_z1k(pr, &l, input_ohms);
    if (!zi_c || !zref_c) continue;
    const double zi = std::abs(*zi_c), zc = std::abs(*zref_c);
    if (!is_informative(parallel_ohms(l.load_ohms, input_ohms), zc)) continue;
    if (!estimates_agree(zi, zc)) {
      pr.loads_agree = false;
      const std::string note = "the load '" + l.load_name + "' (" + strformat("%g", l.load_ohms) + " ohm) gives " +
                               strformat("%.3g", zi) + " ohm at 1 kHz, the others " + strformat("%.3g", zc) +
                               " ohm: check that its relay switched. ";
      pr.agreement_note += note;
      warnings.push_back(pr.name + ": load estimates of the output impedance disagree (" + note + ")");
    }
  }
  if (pr.loads_agree) pr.agreement_note = "the per-load estimates agree within 5 %";
}

// Every channel's |Zout| from open versus each load, both channels driven in phase (channel 0's is also the
// port's top-level figure).
void channel_impedances(PortResult& pr, const LoadResult& open, double input_ohms) {
  for (const auto& oc : open.channel_responses) {
    if (!oc.response.valid) continue;
    std::vector<ImpedanceResult> per_load;
    for (const auto& l : pr.loads) {
      if (&l == &open || !l.valid) continue;
      for (const auto& lc : l.channel_responses)
        if (lc.channel == oc.channel && lc.response.valid)
          per_load.push_back(output_impedance(oc.response, lc.response, l.load_ohms, input_ohms));
    }
    ChannelImpedance ci;
    ci.channel = oc.channel;
    ci.impedance = combine_impedance(per_load);
    if (auto z = impedance_at(ci.impedance, 1000.0)) ci.z_1k_ohms = std::abs(*z);
    if (auto z = impedance_at(ci.impedance, 20.0)) ci.z_20hz_ohms = std::abs(*z);
    if (!ci.impedance.empty()) ci.max_zout_ohms = max_abs_impedance_ohms(ci.impedance, 20.0, 20000.0);
    pr.channels.push_back(std::move(ci));
  }
}

}  // namespace

void check_switched(PortResult& pr, LoadResult& lr, double input_ohms, std::vector<std::string>& warnings) {
  const LoadResult* open = open_load(pr);
  if (!open || &lr == open || !lr.valid) return;
  const auto zref = reference_z1k(pr, &lr, input_ohms);
  if (!zref) return;
  const auto sc = check_switch(*zref, parallel_ohms(lr.load_ohms, input_ohms), input_ohms,
                               lr.response.gain_1k_db - open->response.gain_1k_db);
  if (!sc) return;
  lr.switch_check = LoadResult::SwitchCheck{};
  lr.switch_check->predicted_db = sc->predicted_db;
  lr.switch_check->measured_db = sc->measured_db;
  lr.switch_check->ok = sc->ok;
  if (!sc->ok)
    warnings.push_back(pr.name + " into " + lr.load_name + ": switching to the load '" + lr.load_name +
                       "' moved the level by " + strformat("%+.2f", sc->measured_db) + " dB from open, but a " +
                       strformat("%g", lr.load_ohms) + " ohm load should move it by " +
                       strformat("%+.2f", sc->predicted_db) + " dB (|Zout| " + strformat("%.3g", std::abs(*zref)) +
                       " ohm from the other loads): the relay for '" + lr.load_name +
                       "' did not switch? Its figures are not that load's.");
}

void port_impedance(PortResult& pr, double input_ohms, std::vector<std::string>& warnings) {
  const LoadResult* open = open_load(pr);
  if (!open) {
    warnings.push_back(pr.name + ": output impedance not measured (the open load is not in the run)");
    return;
  }
  check_any_switched(pr, input_ohms, warnings);
  if (!pr.loads_switched) return;
  for (const auto& l : pr.loads) {
    if (&l == open || !l.valid) continue;
    pr.impedance_per_load.push_back(output_impedance(open->response, l.response, l.load_ohms, input_ohms));
  }
  pr.impedance = combine_impedance(pr.impedance_per_load);
  channel_impedances(pr, *open, input_ohms);
  if (pr.impedance.empty()) return;
  if (auto z = impedance_at(pr.impedance, 1000.0)) pr.z_1k_ohms = std::abs(*z);
  if (auto z = impedance_at(pr.impedance, 20.0)) pr.z_20hz_ohms = std::abs(*z);
  pr.max_zout_ohms = max_abs_impedance_ohms(pr.impedance, 20.0, 20000.0);
  if (pr.z_1k_ohms) check_agreement(pr, input_ohms, warnings);
}

void classify_limits(PortResult& pr) {
  std::vector<LimitInput> in;
  for (const auto& l : pr.loads) {
    const auto& ml = l.max_level;
    in.push_back({l.valid, l.load_ohms, ml.at_1pct.vrms,
                  ml.stop_reason == stop_reason_id(StopReason::thdn_1pct) ||
                      ml.stop_reason == stop_reason_id(StopReason::compression)});
  }
  const auto limits = classify_current_limits(in);
  for (std::size_t i = 0; i < pr.loads.size(); ++i) {
    if (!limits[i]) continue;
    auto& ml = pr.loads[i].max_level;
    ml.stop_reason = stop_reason_id(StopReason::current_limit);
    ml.explanation = "THD+N reached 1 % at " + strformat("%.0f", 1e3 * limits[i]->peak_current_a) +
                     " mA peak into the load, " + strformat("%.1f", limits[i]->below_high_imp_db) +
                     " dB below the level into high impedances: the output's current limit";
  }
}

}  // namespace outbench::engine
