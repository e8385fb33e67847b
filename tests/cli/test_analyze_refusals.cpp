// `outbench analyze`: inputs that hold nothing to measure are refused (exit 2, what is wrong on stderr), and no
// output ever holds a non-finite number.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "analysis/signals.hpp"
#include "measure/files/wav_file.hpp"
#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

bool has_non_finite_text(const std::string& s) {
  for (const char* bad : {"nan", "inf", "NaN", "Inf"})
    if (s.find(bad) != std::string::npos) return true;
  return false;
}

// A tone ten bins below Nyquist with the band reaching it (once a crash): measured, THD "not measured" (no
// harmonic in band), no "nan" or "inf" in either output.
TEST(CliAnalyze, ToneJustBelowNyquist) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate tone --freq-hz 23990 --rate 48000 -o " + (d / "t.wav")).exit_code, 0);
  const std::string args = "analyze thdn --input " + (d / "t.wav") + " --band 20:24000 --fundamental-hz 23990";
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("not measured"), std::string::npos) << r.out;
  EXPECT_FALSE(has_non_finite_text(r.out)) << r.out;
  const auto j = run_cli(args + " --json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto doc = json::parse(j.out);
  EXPECT_NEAR(doc["fundamental_hz"].get<double>(), 23990, 0.01);
  EXPECT_TRUE(doc["thd_db"].is_null());
  EXPECT_EQ(doc["harmonics_in_band"], 0);
}

// THD+N of a sweep, of silence and of tone bursts: "no steady tone", exit 2, nothing on stdout.
TEST(CliAnalyze, ThdnWithoutASteadyToneIsRefused) {
  test::TempDir d;
  ASSERT_EQ(
      run_cli("generate sweep --start-hz 20 --stop-hz 20000 --seconds 2 --rate 48000 -o " + (d / "s.wav")).exit_code,
      0);
  std::vector<double> bursts(96000);
  for (std::size_t i = 0; i < bursts.size(); ++i)
    bursts[i] =
        (i / 4800) % 4 == 3 ? 0.0 : 0.1 * std::sin(2 * std::numbers::pi * 1000.0 * static_cast<double>(i) / 48000);
  write_wav(d / "b.wav", std::vector<std::vector<double>>{bursts}, 48000, SampleFormat::Pcm24);
  for (const std::string f : {"s.wav", "b.wav"}) {
    const auto r = run_cli("analyze thdn --input " + (d / f));
    EXPECT_EQ(r.exit_code, 2) << f << ": " << r.out;
    EXPECT_NE(r.err.find("no steady tone"), std::string::npos) << f << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

// Response and impedance from captures that hold no (whole) sweep: exit 2 with what is wrong.
TEST(CliAnalyze, CapturesWithoutTheSweepAreRefused) {
  test::TempDir d;
  ASSERT_EQ(
      run_cli("generate sweep --start-hz 20 --stop-hz 20000 --seconds 2 --rate 48000 -o " + (d / "s.wav")).exit_code,
      0);
  ASSERT_EQ(run_cli("generate tone --freq-hz 997 --seconds 3 --rate 48000 -o " + (d / "t.wav")).exit_code, 0);
  const auto ref = read_sound_file(d / "s.wav");
  std::vector<double> cut(ref.channels[0].begin(), ref.channels[0].begin() + static_cast<long>(ref.n_frames() / 2));
  write_wav(d / "cut.wav", std::vector<std::vector<double>>{cut}, 48000, SampleFormat::Pcm24);
  write_wav(d / "dc.wav", std::vector<std::vector<double>>{std::vector<double>(ref.n_frames() + 4800, 0.1)}, 48000,
            SampleFormat::Pcm24);
  struct Case {
    std::string capture, expect;
  };
  for (const Case& c : std::vector<Case>{{"t.wav", "does not hold the reference sweep"},
                                         {"dc.wav", "not mainly a response to the reference sweep"},
                                         {"cut.wav", "shorter than the sweep"}}) {
    const auto r = run_cli("analyze response --reference " + (d / "s.wav") + " --input " + (d / c.capture));
    EXPECT_EQ(r.exit_code, 2) << c.capture << ": " << r.out;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.capture << ": " << r.err;
    const auto z = run_cli("analyze impedance --reference " + (d / "s.wav") + " --open " + (d / "s.wav") +
                           " --loaded " + (d / c.capture) + " --load-ohms 32");
    EXPECT_EQ(z.exit_code, 2) << c.capture << ": " << z.out;
    EXPECT_NE(z.err.find("sweep"), std::string::npos) << c.capture << ": " << z.err;
    EXPECT_FALSE(has_non_finite_text(z.out)) << z.out;
  }
}

// An infinite load shows no output impedance: exit 2, never "|Z| -nan ohm".
TEST(CliAnalyze, InfiniteLoadIsRefused) {
  test::TempDir d;
  ASSERT_EQ(
      run_cli("generate sweep --start-hz 20 --stop-hz 20000 --seconds 2 --rate 48000 -o " + (d / "s.wav")).exit_code,
      0);
  const auto z = run_cli("analyze impedance --reference " + (d / "s.wav") + " --open " + (d / "s.wav") + " --loaded " +
                         (d / "s.wav") + " --load-ohms inf");
  EXPECT_EQ(z.exit_code, 2) << z.out;
  EXPECT_NE(z.err.find("load"), std::string::npos) << z.err;
  EXPECT_FALSE(has_non_finite_text(z.out)) << z.out;
}

}  // namespace
}  // namespace outbench
