// analysis/load_checks: the conclusions drawn from a port's loads, against a voltage divider worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/load_checks.hpp"

namespace outbench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(LoadChecks, ParallelImpedanceOfLoadAndInput) {
  EXPECT_DOUBLE_EQ(parallel_ohms(32.0, kInf), 32.0);
  EXPECT_NEAR(parallel_ohms(10e3, 10e3), 5e3, 1e-9);
  EXPECT_NEAR(parallel_ohms(600.0, 1e6), 1.0 / (1.0 / 600 + 1.0 / 1e6), 1e-9);
}

TEST(LoadChecks, InformativeWithinFiftyTimesZoutWithAFloor) {
  EXPECT_TRUE(is_informative(50.0, 1.0));
  EXPECT_FALSE(is_informative(50.5, 1.0));
  // |Zout| below 10 mOhm counts as 10 mOhm: a 0 ohm source still makes a 0.5 ohm load informative.
  EXPECT_TRUE(is_informative(0.5, 0.0));
  EXPECT_FALSE(is_informative(0.6, 0.0));
}

TEST(LoadChecks, ReferenceIsTheMedianOfTheInformativeEstimates) {
  // Three informative estimates and one from a load 1000 times |Zout| (left out).
  const std::vector<LoadEstimate> three{{32, {1.0, 0}}, {16, {5.0, 0}}, {30, {1.1, 0.2}}, {10e3, {0.1, 0}}};
  const auto z = reference_zout(three);
  ASSERT_TRUE(z);
  EXPECT_DOUBLE_EQ(z->z_ohms.real(), 1.1);
  EXPECT_DOUBLE_EQ(z->z_ohms.imag(), 0.2);
  EXPECT_DOUBLE_EQ(z->zp_ohms, 30);
  // Two: the larger.
  const std::vector<LoadEstimate> two{{32, {1.0, 0}}, {16, {2.0, 0}}};
  EXPECT_DOUBLE_EQ(reference_zout(two)->z_ohms.real(), 2.0);
  // None informative: the median of all (a stuck relay's 0 ohm among them does not become the reference).
  const std::vector<LoadEstimate> none{{10e3, {0.1, 0}}, {32, {0.05, 0}}, {600, {0.0, 0}}};
  EXPECT_DOUBLE_EQ(reference_zout(none)->z_ohms.real(), 0.05);
  EXPECT_FALSE(reference_zout({}));
}

// The level into Rl || Zin from a source E, Zout: E Zp / (Zout + Zp); open: E Zin / (Zout + Zin).
double divider_change_db(double zout, double rl, double zin) {
  const double zp = std::isfinite(zin) ? rl * zin / (rl + zin) : rl;
  const double open = std::isfinite(zin) ? zin / (zout + zin) : 1.0;
  return 20 * std::log10(zp / (zout + zp) / open);
}

TEST(LoadChecks, SwitchCheckPredictsTheDividerAndFlagsAStuckRelay) {
  for (const double zin : {kInf, 20e3}) {
    const double rl = 32, zout = 10, zp = parallel_ohms(rl, zin);
    const double truth = divider_change_db(zout, rl, zin);
    const auto ok = check_switch({0, {zout, 0}}, zp, zin, truth, 0.01);
    EXPECT_NEAR(ok.predicted_db, truth, 1e-12);
    EXPECT_EQ(ok.status, CheckStatus::ok);
    EXPECT_DOUBLE_EQ(ok.resolution_db, 0.01);
    // Tolerance: the larger of the resolution and 25 % of the prediction (-2.36 dB here: 0.59 dB).
    EXPECT_TRUE(check_switch({0, {zout, 0}}, zp, zin, truth + 0.55, 0.01).ok());
    EXPECT_EQ(check_switch({0, {zout, 0}}, zp, zin, truth + 0.65, 0.01).status, CheckStatus::failed);
    // A relay that did not switch: the level stayed where it was.
    const auto stuck = check_switch({0, {zout, 0}}, zp, zin, 0.0, 0.01);
    EXPECT_EQ(stuck.status, CheckStatus::failed);
    EXPECT_DOUBLE_EQ(stuck.measured_db, 0.0);
  }
  // A small prediction is held to the resolution when that is larger than 25 % of it.
  const double small = divider_change_db(1.0, 32, kInf);  // -0.27 dB
  EXPECT_TRUE(check_switch({0, {1.0, 0}}, 32, kInf, small + 0.09, 0.1).ok());
  EXPECT_EQ(check_switch({0, {1.0, 0}}, 32, kInf, small + 0.11, 0.1).status, CheckStatus::failed);
  EXPECT_EQ(check_switch({0, {1.0, 0}}, 32, kInf, small + 0.08, 0.01).status, CheckStatus::failed);
  // 0.05 ohm into 16 ohm: -0.027 dB. Below a 0.03 dB resolution a relay that stayed open (0 dB) would pass:
  // cannot verify, whatever was measured; above a 0.01 dB resolution it fails.
  const double tiny = divider_change_db(0.05, 16, kInf);
  EXPECT_NEAR(tiny, -0.027, 0.0005);
  EXPECT_EQ(check_switch({0, {0.05, 0}}, 16, kInf, 0.0, 0.03).status, CheckStatus::cannot_verify);
  EXPECT_EQ(check_switch({0, {0.05, 0}}, 16, kInf, tiny, 0.03).status, CheckStatus::cannot_verify);
  EXPECT_FALSE(check_switch({0, {0.05, 0}}, 16, kInf, tiny, 0.03).ok());
  EXPECT_EQ(check_switch({0, {0.05, 0}}, 16, kInf, 0.0, 0.01).status, CheckStatus::failed);
  EXPECT_EQ(check_switch({0, {0.05, 0}}, 16, kInf, tiny, 0.01).status, CheckStatus::ok);
  EXPECT_STREQ(check_status_id(CheckStatus::cannot_verify), "cannot_verify");
  // A reference known only to +/-0.05 ohm adds 20/ln(10) * 0.05 / 16.05 = 0.027 dB to the resolution: with the
  // measured change's 0.001 dB the 0.027 dB change cannot be verified any more.
  const auto vague = check_switch({32, {0.05, 0}, 0.05}, 16, kInf, 0.0, 0.001);
  EXPECT_NEAR(vague.resolution_db, 0.001 + 20 / std::log(10.0) * 0.05 / 16.05, 1e-12);
  EXPECT_EQ(vague.status, CheckStatus::cannot_verify);
  EXPECT_EQ(check_switch({32, {0.05, 0}, 0.005}, 16, kInf, 0.0, 0.001).status, CheckStatus::failed);
}

// The resolution: 3 x the root sum of squares of the points' scatter about a line near 1 kHz and the tones'
// disagreement with the sweep.
TEST(LoadChecks, LevelChangeResolutionFromScatterAndRepeatability) {
  // A sloped change with alternating +/-e about the line: residual RMS e * sqrt(n / (n - 2)).
  std::vector<LevelChangePoint> pts;
  constexpr double e = 0.002;
  for (int k = -8; k <= 8; ++k)
    pts.push_back({1000.0 * std::pow(2.0, k / 24.0), -3.0 + 0.1 * k / 24.0 + (k % 2 == 0 ? e : -e)});
  const double n = 17;
  const double scatter = kResolutionCoverage * std::sqrt(e * e * n / (n - 2));
  // The alternating pattern is not exactly orthogonal to the line: allow its small projection.
  EXPECT_NEAR(level_change_resolution_db(pts, std::nullopt), scatter, 0.02 * scatter);
  // Points outside 1/3 octave do not count; a straight line alone has no scatter.
  std::vector<LevelChangePoint> line;
  for (int k = -30; k <= 30; ++k)
    line.push_back({1000.0 * std::pow(2.0, k / 24.0), 0.5 * k / 24.0 + (std::abs(k) > 8 ? 1.0 : 0.0)});
  EXPECT_NEAR(level_change_resolution_db(line, std::nullopt), 0.0, 1e-9);
  EXPECT_NEAR(level_change_resolution_db(line, 0.004), kResolutionCoverage * 0.004, 1e-12);
  EXPECT_NEAR(level_change_resolution_db(line, -0.004), kResolutionCoverage * 0.004, 1e-12);
  EXPECT_NEAR(level_change_resolution_db(pts, 0.004),
              kResolutionCoverage * std::hypot(scatter / kResolutionCoverage, 0.004), 0.02 * scatter);
}

TEST(LoadChecks, EstimatesAgreeWithinFivePercentPlusTheResolution) {
  EXPECT_TRUE(estimates_agree(1.0, 1.0, 0.0));
  EXPECT_TRUE(estimates_agree(1.049, 1.0, 0.0));
  EXPECT_FALSE(estimates_agree(1.051, 1.0, 0.0));
  EXPECT_TRUE(estimates_agree(1.099, 1.0, 0.05));
  EXPECT_FALSE(estimates_agree(0.899, 1.0, 0.05));
  // The resolution of an estimate: |Zout + Zp| ln(10)/20 per dB.
  EXPECT_NEAR(estimate_resolution_ohms({1.0, 0}, 15.0, 0.01), 16.0 * std::log(10.0) / 20 * 0.01, 1e-15);
  // A reference at or below its resolution (/0.95): a load that did not switch (0 ohm) would agree.
  EXPECT_EQ(agreement_status(0.0, 0.05, 0.05), CheckStatus::cannot_verify);
  EXPECT_EQ(agreement_status(0.0, 0.05, 0.01), CheckStatus::failed);
  EXPECT_EQ(agreement_status(0.051, 0.05, 0.01), CheckStatus::ok);
}

// Leads between the port and the load (the input reads across the load): the raw estimate is the source plus
// the leads; without_leads gives the source back, exactly, also with a finite input impedance.
TEST(LoadChecks, LeadsTakenOutOfTheEstimate) {
  const std::complex<double> zs{1.0, -0.3};
  for (const double zin : {kInf, 20e3}) {
    const double rl = 16, lead = 0.25, open_lead = 0.1, zp = parallel_ohms(rl, zin);
    // The divider: open reads E Zin / (Zs + open_lead + Zin), the load E Zp / (Zs + lead + Zp).
    const std::complex<double> h_open = std::isfinite(zin) ? zin / (zs + open_lead + zin) : 1.0;
    const std::complex<double> h_load = zp / (zs + lead + zp);
    const std::complex<double> r = h_open / h_load;
    const std::complex<double> raw = std::isfinite(zin) ? zin * zp * (1.0 - r) / (r * zp - zin) : zp * (r - 1.0);
    EXPECT_GT(std::abs(raw - zs), 0.2);  // the leads are in the raw estimate
    const auto z = without_leads(raw, zp, zin, lead, open_lead);
    EXPECT_NEAR(z.real(), zs.real(), 1e-9) << zin;
    EXPECT_NEAR(z.imag(), zs.imag(), 1e-9) << zin;
  }
  EXPECT_NEAR(std::abs(without_leads({2.0, 0}, 32, 1e6, 0.0, 0.0) - 2.0), 0.0, 1e-9);
}

TEST(LoadChecks, LoadsThatDidNotMoveTheLevel) {
  EXPECT_TRUE(check_loads_moved(0.01, 16).moved);
  // 0.003 dB of 16 ohm: a source below 5.5 mOhm would look the same; the bench could have shown more, so the
  // figures are withdrawn.
  const auto heavy = check_loads_moved(0.001, 16);
  EXPECT_FALSE(heavy.moved);
  EXPECT_NEAR(heavy.z_floor_ohms, 16 * (std::pow(10.0, 0.003 / 20) - 1), 1e-12);
  EXPECT_TRUE(heavy.withdraw);
  // Only 600 ohm: below 0.21 ohm looks the same: a warning, not a withdrawal.
  const auto light = check_loads_moved(0.001, 600);
  EXPECT_FALSE(light.moved);
  EXPECT_FALSE(light.withdraw);
}

// A 47 ohm source whose EMF clips at 5 Vrms (the open load's 1 % point): into each load the 1 % point lies at
// that EMF divided by 47 ohm and the load, or lower when the current ran out. Input impedance infinite.
TEST(LoadChecks, LimitNamedFromTheEmfBehindZout) {
  constexpr double zs = 47, clip_emf = 5.0;
  auto load_at_emf = [&](double rl, double emf, bool distortion = true) {
    return LimitInput{true, rl, emf * rl / (zs + rl), distortion, false, (zs + rl) / rl};
  };
  const double within = clip_emf * std::pow(10.0, -0.15 / 20), beyond = clip_emf * std::pow(10.0, -0.25 / 20);
  const std::vector<LimitInput> loads{{true, kInf, clip_emf, true, false, 1.0},  // open: clips at the rails
                                      load_at_emf(300, clip_emf),                // the rails, 1.26 dB down at the load
                                      load_at_emf(16, clip_emf),                 // the rails, 12 dB down at the load
                                      load_at_emf(32, within),                   // within 0.2 dB: the rails
                                      load_at_emf(32, beyond),                   // 0.25 dB below: the current
                                      load_at_emf(16, 2.0),                      // 8 dB below: the current
                                      load_at_emf(16, 2.0, false),               // stopped by the safety limit
                                      {false, 600, 1.0, true, false, 1.1}};      // invalid
  const auto f = classify_output_limits(loads);
  ASSERT_EQ(f.size(), loads.size());
  EXPECT_FALSE(f[0]);  // the open load is the reference
  for (const int i : {1, 2, 3}) {
    ASSERT_TRUE(f[i]) << i;
    EXPECT_EQ(f[i]->kind, LimitKind::rail_clipping) << i;
    EXPECT_TRUE(f[i]->open_clipped);
    EXPECT_DOUBLE_EQ(f[i]->open_emf_vrms, clip_emf);
  }
  EXPECT_NEAR(f[1]->emf_vrms, clip_emf, 1e-12);
  EXPECT_NEAR(f[2]->peak_current_a, std::sqrt(2.0) * clip_emf / (zs + 16), 1e-12);
  EXPECT_NEAR(f[3]->emf_below_open_db, -0.15, 1e-12);
  for (const int i : {4, 5}) {
    ASSERT_TRUE(f[i]) << i;
    EXPECT_EQ(f[i]->kind, LimitKind::current_limit) << i;
  }
  EXPECT_NEAR(f[5]->emf_below_open_db, 20 * std::log10(2.0 / 5.0), 1e-12);
  EXPECT_NEAR(f[5]->peak_current_a, std::sqrt(2.0) * 2.0 / (zs + 16), 1e-12);
  EXPECT_FALSE(f[6]);
  EXPECT_FALSE(f[7]);

  // An open load that never clipped (full scale): a load whose EMF falls within 0.2 dB of it is not named (the
  // rails may lie just above), one clearly below it is the current.
  std::vector<LimitInput> clean = loads;
  clean[0].reached_1pct = false;
  const auto g = classify_output_limits(clean);
  for (const int i : {1, 2, 3}) EXPECT_FALSE(g[i]) << i;
  ASSERT_TRUE(g[5]);
  EXPECT_EQ(g[5]->kind, LimitKind::current_limit);
  EXPECT_FALSE(g[5]->open_clipped);

  // A limiter (compression, no distortion) at the open load's level is not rail clipping; below it, it is
  // still the load current.
  std::vector<LimitInput> limiter = loads;
  for (auto& l : limiter) std::swap(l.reached_1pct, l.compressed);
  const auto h = classify_output_limits(limiter);
  for (const int i : {1, 2, 3}) EXPECT_FALSE(h[i]) << i;
  ASSERT_TRUE(h[5]);
  EXPECT_EQ(h[5]->kind, LimitKind::current_limit);

  // Without the open load, or without |Zout|, nothing is named.
  for (const auto& x : classify_output_limits(std::span(loads).subspan(1))) EXPECT_FALSE(x);
  std::vector<LimitInput> no_z = loads;
  for (auto& l : no_z) l.emf_per_load_vrms.reset();
  for (const auto& x : classify_output_limits(no_z)) EXPECT_FALSE(x);
}

}  // namespace
}  // namespace outbench
