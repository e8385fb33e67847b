// engine/level_search: the maximum-level search over a synthetic device (a level-step callback with known
// THD+N, gain and limits), so each stop and the interpolated crossings have an exact answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "measure/engine/level_search.hpp"

namespace outbench::engine {
namespace {

// A device whose output is drive + gain_db up to out_max_dbfs, with THD+N rising 2 dB per dB of drive
// from -90 dB at -40 dBFS (1 % at -15 dBFS, 0.1 % at -25 dBFS) unless clean.
struct Device {
  double gain_db = 0, out_max_dbfs = 100, cap_dbfs = 0;
  bool clean = false, silent = false;
  std::vector<double> played;
  LevelSearch search() {
    LevelSearch s;
    s.start_dbfs = -40;
    s.step_db = 3;
    s.bisections = 4;
    s.cap_dbfs = [this] { return cap_dbfs; };
    s.step = [this](double drive) {
      drive = std::min(drive, cap_dbfs);
      played.push_back(drive);
      LevelStep st;
      st.drive_dbfs = drive;
      if (silent) return st;  // no tone: no level, no THD+N
      st.out_dbfs = std::min(drive + gain_db, out_max_dbfs);
      st.thdn_db = clean ? -100.0 : -90.0 + 2.0 * (drive + 40.0);
      return st;
    };
    return s;
  }
};

TEST(LevelSearch, StopsAtOnePercentAndInterpolatesBothCrossings) {
  Device dev;
  std::vector<LevelStep> steps;
  EXPECT_EQ(search_levels(dev.search(), steps), StopReason::thdn_1pct);
  EXPECT_TRUE(std::is_sorted(steps.begin(), steps.end(),
                             [](const auto& a, const auto& b) { return a.drive_dbfs < b.drive_dbfs; }));
  const auto at1 = level_at_limit(steps, -40.0), at01 = level_at_limit(steps, -60.0);
  ASSERT_TRUE(at1.found);
  ASSERT_TRUE(at01.found);
  EXPECT_NEAR(at1.drive_dbfs, -15.0, 1e-9);  // THD+N is linear in drive: the interpolation is exact
  EXPECT_NEAR(at1.out_dbfs, -15.0, 1e-9);
  EXPECT_NEAR(at01.drive_dbfs, -25.0, 1e-9);
  // Bisection added steps beyond the coarse 3 dB grid around the 1 % crossing (-16 and -13 dBFS).
  EXPECT_TRUE(
      std::any_of(steps.begin(), steps.end(), [](const auto& s) { return s.drive_dbfs > -16 && s.drive_dbfs < -13; }));
}

TEST(LevelSearch, CompressionWhenTheOutputStopsRising) {
  Device dev;
  dev.clean = true;
  dev.out_max_dbfs = -20;
  std::vector<LevelStep> steps;
  EXPECT_EQ(search_levels(dev.search(), steps), StopReason::compression);
  EXPECT_NEAR(steps.back().drive_dbfs, -16.0, 1e-9);  // -19 -> -16: the output stayed at -20 dBFS
}

TEST(LevelSearch, SafetyLimitNeverExceededAndTheLastStepIsTheMaximum) {
  Device dev;
  dev.clean = true;
  dev.cap_dbfs = -30.5;
  std::vector<LevelStep> steps;
  EXPECT_EQ(search_levels(dev.search(), steps), StopReason::safety_limit);
  EXPECT_LE(*std::max_element(dev.played.begin(), dev.played.end()), -30.5);
  const auto at1 = level_at_limit(steps, -40.0);
  ASSERT_TRUE(at1.found);
  EXPECT_DOUBLE_EQ(at1.drive_dbfs, -30.5);
}

TEST(LevelSearch, ACapThatTightensDuringTheSearchHoldsForTheNextStep) {
  Device dev;
  dev.clean = true;
  LevelSearch s = dev.search();
  auto step = s.step;
  s.step = [&](double drive) {
    auto st = step(drive);
    if (st.drive_dbfs >= -31) dev.cap_dbfs = -29.0;  // what a capture's peak may teach
    return st;
  };
  std::vector<LevelStep> steps;
  EXPECT_EQ(search_levels(s, steps), StopReason::safety_limit);
  EXPECT_DOUBLE_EQ(*std::max_element(dev.played.begin(), dev.played.end()), -29.0);
}

TEST(LevelSearch, FullScaleInputFullScaleAndNoSignal) {
  Device fs;  // 6 dB of loss: the input never nears full scale
  fs.clean = true;
  fs.gain_db = -6;
  std::vector<LevelStep> steps;
  EXPECT_EQ(search_levels(fs.search(), steps), StopReason::full_scale);
  EXPECT_DOUBLE_EQ(steps.back().drive_dbfs, 0.0);
  Device hot;
  hot.clean = true;
  hot.gain_db = 10;
  steps.clear();
  EXPECT_EQ(search_levels(hot.search(), steps), StopReason::input_full_scale);
  EXPECT_DOUBLE_EQ(steps.back().out_dbfs.value(), 0.0);  // -10 dBFS drive + 10 dB
  Device none;
  none.silent = true;
  steps.clear();
  EXPECT_EQ(search_levels(none.search(), steps), StopReason::no_signal);
  EXPECT_EQ(steps.size(), 1u);
  EXPECT_FALSE(level_at_limit(steps, -40.0).found);
}

// Two channels stepped together (search_channels): the right one 10 dB dirtier (1 % at -20 dBFS, 0.1 % at
// -30 dBFS), the left as Device (-15, -25 dBFS). Each channel's crossings are exact (THD+N linear in drive), the
// steps go on past the right channel's stop until the left's, the right channel keeps only the steps up to
// its own stop, and two identical channels play exactly the steps one channel does.
TEST(LevelSearch, EachChannelStopsOnItsOwnReadings) {
  auto two = [](double right_excess_db, std::vector<double>& played) {
    Device dev;
    LevelSearch s = dev.search();
    s.step_channels = [&played, right_excess_db, step = s.step](double drive) {
      LevelStep l = step(drive), r = l;
      played.push_back(l.drive_dbfs);
      if (r.thdn_db) *r.thdn_db += right_excess_db;
      return std::vector<LevelStep>{l, r};
    };
    return search_channels(s);
  };
  std::vector<double> played;
  const auto ch = two(10.0, played);
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[0].reason, StopReason::thdn_1pct);
  EXPECT_EQ(ch[1].reason, StopReason::thdn_1pct);
  EXPECT_NEAR(level_at_limit(ch[0].steps, -40.0).drive_dbfs, -15.0, 1e-9);
  EXPECT_NEAR(level_at_limit(ch[0].steps, -60.0).drive_dbfs, -25.0, 1e-9);
  EXPECT_NEAR(level_at_limit(ch[1].steps, -40.0).drive_dbfs, -20.0, 1e-9);
  EXPECT_NEAR(level_at_limit(ch[1].steps, -60.0).drive_dbfs, -30.0, 1e-9);
  EXPECT_LT(ch[1].stop_drive_dbfs, ch[0].stop_drive_dbfs);
  for (const auto& st : ch[1].steps) EXPECT_LE(st.drive_dbfs, ch[1].stop_drive_dbfs + 1e-9);
  EXPECT_GT(ch[0].steps.size(), ch[1].steps.size());
  // Both crossings of each channel bisected to their 3 dB / 2^4 width.
  for (const auto& c : ch) {
    double width = 1e9;
    for (std::size_t i = 1; i < c.steps.size(); ++i)
      if (*c.steps[i - 1].thdn_db < -40 && *c.steps[i].thdn_db >= -40)
        width = c.steps[i].drive_dbfs - c.steps[i - 1].drive_dbfs;
    EXPECT_LE(width, 3.0 / 16 + 1e-9);
  }
  std::vector<double> same;
  two(0.0, same);
  Device dev;
  std::vector<LevelStep> steps;
  search_levels(dev.search(), steps);
  EXPECT_EQ(same.size(), dev.played.size());
}

TEST(LevelSearch, OneStringTable) {
  std::set<std::string> ids;
  for (const auto r :
       {StopReason::thdn_1pct, StopReason::compression, StopReason::safety_limit, StopReason::full_scale,
        StopReason::input_full_scale, StopReason::no_signal, StopReason::current_limit, StopReason::rail_clipping})
    ids.insert(stop_reason_id(r));
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_STREQ(stop_reason_id(StopReason::current_limit), "current_limit");
  EXPECT_STREQ(stop_reason_id(StopReason::rail_clipping), "rail_clipping");
  EXPECT_EQ(stop_explanation(StopReason::safety_limit, "safety.max_mw = 1 mW into 32 ohm"),
            "the bench's safety limit (safety.max_mw = 1 mW into 32 ohm) was reached before 1 % THD+N");
}

}  // namespace
}  // namespace outbench::engine
