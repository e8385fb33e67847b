// Load checks: what the output impedance measurement concludes from the loads of one port, beyond the
// impedance itself (analysis/impedance.hpp) — the loads' parallel impedance on the bench, a reference |Zout|
// from the other loads, whether a load's level moved at the switch as that reference predicts, whether the
// per-load estimates agree, whether any load moved the level at all, and which maximum levels were set by the
// output's current limit. Pure: numbers and spans in, structs out; no I/O, no result structs.
//
// Method: a load Rl sits in parallel with the loopback input's impedance Zin: Zp = Rl Zin / (Rl + Zin)
// (Zp = Rl when Zin is infinite). A load is informative when Zp <= kInformativeRatio * max(|Zout|,
// kMinZoutOhms): a load much larger than |Zout| barely moves the level and gives a noisy estimate. The
// reference |Zout| is the median (by magnitude; the upper one of two) of the informative estimates, so one
// stuck relay spoils one estimate, not the reference. At a switch the level moves from open by
// H_load / H_open = Zp (Zout + Zin) / (Zin (Zout + Zp)) (Zp / (Zout + Zp) with Zin infinite).
// Conventions: impedances in ohm (complex where named z_ohms), levels in dB, currents in A, voltages in Vrms.
// Limits: the checks use 1 kHz figures only; a source below about 0.35 mOhm per ohm of the heaviest load
// cannot be told apart from a switch that never switched (kNoSwitchDb).
#pragma once

#include <complex>
#include <optional>
#include <span>
#include <vector>

namespace outbench {

// Two estimates agree when they differ by at most kAgreeRel of the reference plus kAgreeAbsOhms.
inline constexpr double kAgreeRel = 0.05, kAgreeAbsOhms = 0.05;
// A load is informative when its Zp is within this ratio of |Zout| ...
inline constexpr double kInformativeRatio = 50.0;
// ... where |Zout| below this counts as this (an output of 0 ohm would make no load informative).
inline constexpr double kMinZoutOhms = 0.01;
// A load's level must move as predicted within the larger of these (the switch check).
inline constexpr double kSwitchToleranceDb = 0.1, kSwitchToleranceRel = 0.25;
// No load moved the 1 kHz level from open by more than this: the relays did not switch (or |Zout| is below
// about 0.35 mOhm per ohm of the heaviest load, which the bench cannot resolve).
inline constexpr double kNoSwitchDb = 0.003;
// ... and when the heaviest load could show a source above this, the load figures are withdrawn (below it a
// source of a few milliohm is as likely as a stuck relay: only a warning).
inline constexpr double kPlausibleZoutOhms = 0.05;
// Loads at or above this are "high impedance": their maximum level is the voltage limit, not the current.
inline constexpr double kHighImpedanceOhms = 10e3;
// A maximum below this fraction of the one into high impedances is the current limit.
inline constexpr double kCurrentLimitFraction = 0.9;

// Zp of a load on a bench whose loopback input has `input_ohms` (+inf: none) in parallel.
double parallel_ohms(double load_ohms, double input_ohms);

// True when a load of parallel impedance `zp_ohms` tells |Zout| = `zout_ohms` apart from noise.
bool is_informative(double zp_ohms, double zout_ohms);

// One load's estimate of Zout at 1 kHz, with the load's Zp.
struct LoadEstimate {
  double zp_ohms = 0;
  std::complex<double> z_ohms;
};

// The reference Zout from `estimates` (the other loads'): the median by magnitude of the informative ones
// (with two, the larger). nullopt when none is informative.
std::optional<std::complex<double>> reference_zout(std::span<const LoadEstimate> estimates);

// The switch check of one load against the reference from the loads before it.
struct SwitchCheck {
  double predicted_db = 0;  // level change from open that the reference predicts
  double measured_db = 0;   // level change from open measured
  bool ok = false;          // within max(kSwitchToleranceDb, kSwitchToleranceRel * |predicted|)
};
// nullopt when the load is not informative against `zref_ohms` (its level change says nothing).
std::optional<SwitchCheck> check_switch(std::complex<double> zref_ohms, double zp_ohms, double input_ohms,
                                        double measured_db);

// True when a load's |Zout| estimate `z_ohms` agrees with the reference `zref_ohms`.
bool estimates_agree(double z_ohms, double zref_ohms);

// Whether any load moved the 1 kHz level from open (`largest_move_db`: the largest |change| of the loads).
struct LoadsMoved {
  bool moved = true;        // some load moved the level by more than kNoSwitchDb
  double z_floor_ohms = 0;  // the |Zout| below which an unswitched bench looks the same (heaviest load)
  bool withdraw = false;    // not moved and z_floor_ohms <= kPlausibleZoutOhms: the figures are not the loads'
};
LoadsMoved check_loads_moved(double largest_move_db, double heaviest_zp_ohms);

// Current-limit classification. Per load: its maximum level before 1 % THD+N and whether the search stopped
// at 1 % THD+N or at compression (the stops a current limit causes).
struct LimitInput {
  bool valid = false;
  double load_ohms = 0;
  std::optional<double> max_vrms_1pct;
  bool stopped_by_distortion = false;  // thdn_1pct or compression
};
struct CurrentLimit {
  double peak_current_a = 0;     // sqrt(2) * max Vrms / load
  double below_high_imp_db = 0;  // the maximum relative to the one into high impedances (negative)
};
// One entry per input: set where the load's maximum is below kCurrentLimitFraction of the largest maximum
// into the high-impedance loads (>= kHighImpedanceOhms).
std::vector<std::optional<CurrentLimit>> classify_current_limits(std::span<const LimitInput> loads);

}  // namespace outbench
