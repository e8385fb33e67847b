// Load checks: what the output impedance measurement concludes from the loads of one port, beyond the
// impedance itself (analysis/impedance.hpp) — the loads' parallel impedance on the bench, a reference |Zout|
// from the other loads, whether a load's level moved at the switch as that reference predicts, whether the
// per-load estimates agree, whether any load moved the level at all, and which maximum levels were set by the
// output's current limit or its rails. Pure: numbers and spans in, structs out; no I/O, no result structs.
//
// Method: a load Rl sits in parallel with the loopback input's impedance Zin: Zp = Rl Zin / (Rl + Zin)
// (Zp = Rl when Zin is infinite). A load is informative when Zp <= kInformativeRatio * max(|Zout|,
// kMinZoutOhms): a load much larger than |Zout| barely moves the level and gives a noisy estimate. The
// reference |Zout| is the median (by magnitude; the upper one of two) of the informative estimates, so one
// stuck relay spoils one estimate, not the reference (none informative: the median of all). At a switch the
// level moves from open by H_load / H_open = Zp (Zout + Zin) / (Zin (Zout + Zp)) (Zp / (Zout + Zp) with Zin
// infinite). Each check states its resolution, measured: the level change's scatter across the sweep's points
// near 1 kHz and its disagreement with the same change read from the reference tones (another pair of
// captures); where a relay that stayed open would pass the check, the check cannot verify that load.
// Conventions: impedances in ohm (complex where named z_ohms), levels in dB, currents in A, voltages in Vrms.
// Limits: the checks use 1 kHz figures only; a source below about 0.35 mOhm per ohm of the heaviest load
// cannot be told apart from a switch that never switched (kNoSwitchDb).
#pragma once

#include <complex>
#include <optional>
#include <span>
#include <vector>

namespace outbench {

// Two estimates agree when they differ by at most kAgreeRel of the reference plus the estimate's resolution.
inline constexpr double kAgreeRel = 0.05;
// A load is informative when its Zp is within this ratio of |Zout| ...
inline constexpr double kInformativeRatio = 50.0;
// ... where |Zout| below this counts as this (an output of 0 ohm would make no load informative).
inline constexpr double kMinZoutOhms = 0.01;
// A load's level must move as predicted within the larger of its resolution and this part of the prediction
// (the switch check: the reference's own error, a load off its stated value).
inline constexpr double kSwitchToleranceRel = 0.25;
// The resolution of a level change: this many times the combined scatter (below), and the sweep's points
// within this many octaves of 1 kHz give the scatter.
inline constexpr double kResolutionCoverage = 3.0, kResolutionBandOct = 1.0 / 3.0;
// No load moved the 1 kHz level from open by more than this: the relays did not switch (or |Zout| is below
// about 0.35 mOhm per ohm of the heaviest load, which the bench cannot resolve).
inline constexpr double kNoSwitchDb = 0.003;
// ... and when the heaviest load could show a source above this, the load figures are withdrawn (below it a
// source of a few milliohm is as likely as a stuck relay: only a warning).
inline constexpr double kPlausibleZoutOhms = 0.05;
// The limit behind a maximum level is named from the EMF (the open-circuit voltage behind |Zout|) at the 1 %
// point: it matches the open load's clipping EMF within this (rails), or lies further below it (current).
// The tolerance is the measurement's: the 1 % point is read to about 0.05 dB (bisected drive, interpolated
// THD+N) and referring it to the EMF through |Zout| adds at most about 0.1 dB (|Zout| to 1 %); an output whose
// swing sags by more under load is limited by the load current (a current limit, or rails that droop under it).
inline constexpr double kRailEmfMatchDb = 0.2;

// Zp of a load on a bench whose loopback input has `input_ohms` (+inf: none) in parallel.
double parallel_ohms(double load_ohms, double input_ohms);

// True when a load of parallel impedance `zp_ohms` tells |Zout| = `zout_ohms` apart from noise.
bool is_informative(double zp_ohms, double zout_ohms);

// One load's estimate of Zout at 1 kHz, with the load's Zp and the estimate's resolution (0: not known).
struct LoadEstimate {
  double zp_ohms = 0;
  std::complex<double> z_ohms;
  double resolution_ohms = 0;
};

// The reference from `estimates` (the other loads'): the median by magnitude of the informative ones (with
// two, the larger); when none is informative, the same median over all of them. nullopt without estimates.
std::optional<LoadEstimate> reference_zout(std::span<const LoadEstimate> estimates);

// Leads: the bench's series resistance between the port and the load (contacts, cable, jack), with the
// loopback input reading across the load after them. A |Zout| estimate made without them (`z_raw_ohms`, the
// source plus the leads as seen from the load) becomes the source's own: exact for the load's leads
// `lead_ohms` and the open load's `open_lead_ohms` (which carry only the input's current), from
// r = H_open / H_load = Zin (Zs + R_lead + Zp) / (Zp (Zs + R_open_lead + Zin)) (Zs = z_raw - R_lead with Zin
// infinite).
std::complex<double> without_leads(std::complex<double> z_raw_ohms, double zp_ohms, double input_ohms, double lead_ohms,
                                   double open_lead_ohms);

// The outcome of a check: passed, failed, or unable to tell (a relay that stayed open would pass too).
enum class CheckStatus { ok, failed, cannot_verify };
const char* check_status_id(CheckStatus s);  // "ok", "failed", "cannot_verify"

// One point of a load's level change from open: the frequency and 20 log10 |H_load / H_open|.
struct LevelChangePoint {
  double freq_hz = 0;
  double change_db = 0;
};
// The resolution of a load's level change from open at 1 kHz: kResolutionCoverage times the root sum of
// squares of (a) the RMS residual of the points within kResolutionBandOct of 1 kHz about a straight line in
// log-frequency (the sweep's noise; fewer than 4 points: 0) and (b) `tone_minus_sweep_db`, the same change
// read from the reference tones minus the sweep's at the tone frequency (two further captures: the bench's
// repeatability; nullopt: not available).
double level_change_resolution_db(std::span<const LevelChangePoint> points, std::optional<double> tone_minus_sweep_db);

// The switch check of one load against the reference from the loads before it.
struct SwitchCheck {
  double predicted_db = 0;   // level change from open that the reference predicts
  double measured_db = 0;    // level change from open measured
  double resolution_db = 0;  // the measured change's resolution (level_change_resolution_db)
  CheckStatus status = CheckStatus::failed;
  bool ok() const { return status == CheckStatus::ok; }
};
// The resolution is the measured change's plus the prediction's (the reference's resolution_ohms as dB:
// 20/ln(10) * resolution_ohms / |Zref + Zp|). cannot_verify when |predicted| <= that resolution (a load that
// did not switch, 0 dB, would pass); otherwise ok when |measured - predicted| <= max(resolution,
// kSwitchToleranceRel * |predicted|), else failed.
SwitchCheck check_switch(const LoadEstimate& ref, double zp_ohms, double input_ohms, double measured_db,
                         double resolution_db);

// The resolution in ohm of a load's |Zout| estimate whose level change has `resolution_db`:
// |Zout + Zp| ln(10)/20 resolution_db (from Zout = Zp (r - 1)).
double estimate_resolution_ohms(std::complex<double> zref_ohms, double zp_ohms, double resolution_db);

// True when a load's |Zout| estimate `z_ohms` agrees with the reference `zref_ohms` within kAgreeRel of it plus
// the estimate's resolution.
bool estimates_agree(double z_ohms, double zref_ohms, double resolution_ohms);

// The agreement of one load's estimate with the reference: cannot_verify when a load that did not switch
// (estimate 0 ohm) would agree, else ok or failed.
CheckStatus agreement_status(double z_ohms, double zref_ohms, double resolution_ohms);

// Whether any load moved the 1 kHz level from open (`largest_move_db`: the largest |change| of the loads).
struct LoadsMoved {
  bool moved = true;        // some load moved the level by more than kNoSwitchDb
  double z_floor_ohms = 0;  // the |Zout| below which an unswitched bench looks the same (heaviest load)
  bool withdraw = false;    // not moved and z_floor_ohms <= kPlausibleZoutOhms: the figures are not the loads'
};
LoadsMoved check_loads_moved(double largest_move_db, double heaviest_zp_ohms);

// The limit behind each load's maximum level (docs/MEASUREMENTS.md "Maximum output level"). Per load: the
// level at its 1 % point (or where the search stopped), whether the search stopped at 1 % THD+N or at
// compression (a limiter: never named rail clipping), and the factor from the load's Vrms to the EMF behind |Zout|:
// |Zout + leads + Zp| / |Zp| at the tone frequency (nullopt when |Zout| was not measured). The reference is the open
// load (+inf ohm).
struct LimitInput {
  bool valid = false;
  double load_ohms = 0;
  std::optional<double> max_vrms_1pct;
  bool reached_1pct = false;  // the search stopped at 1 % THD+N
  bool compressed = false;    // ... or at compression
  std::optional<double> emf_per_load_vrms;
};
enum class LimitKind { rail_clipping, current_limit };
struct LimitFinding {
  LimitKind kind = LimitKind::rail_clipping;
  double emf_vrms = 0;           // the EMF at the load's 1 % point
  double open_emf_vrms = 0;      // the open load's EMF at its 1 % point (or its highest clean level)
  bool open_clipped = false;     // the open load's search stopped at 1 % THD+N
  double emf_below_open_db = 0;  // 20 log10(emf / open_emf): negative below
  double peak_current_a = 0;     // sqrt(2) * max Vrms / load
};
// One entry per input, set for finite loads that stopped at 1 % THD+N or compression: current_limit when the
// EMF lies more than kRailEmfMatchDb below the open load's (the rails gave the open load more: the load
// current set the limit); rail_clipping when the load and the open load both reached 1 % THD+N and the EMF
// lies within kRailEmfMatchDb of the open load's (the same EMF limit, divided down by |Zout| and the load). Otherwise
// (no open load, no |Zout|, an open load that never clipped above the load's EMF) nothing is named.
std::vector<std::optional<LimitFinding>> classify_output_limits(std::span<const LimitInput> loads);

}  // namespace outbench
