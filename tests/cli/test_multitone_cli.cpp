// outbench generate multitone / analyze multitone: a generated multitone peaks at its level and reads a flat
// response (0 dB) with a residual at the file's quantisation; wrong input (a tone, a too-short file) and bad
// options are exit 2 with the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace outbench {
namespace {

using json = nlohmann::json;
using test::run_cli;

TEST(CliMultitone, GenerateThenAnalyse) {
  test::TempDir d;
  const auto g = run_cli("generate multitone --level-dbfs -6 --duration-s 1.5 -o " + (d / "m.wav"));
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_NE(g.err.find("31 tones"), std::string::npos) << g.err;
  const auto a = run_cli("analyze multitone --level-dbfs -6 --input " + (d / "m.wav") + " --json");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto j = json::parse(a.out);
  ASSERT_EQ(j["tones"].size(), 31u);
  for (const auto& t : j["tones"]) EXPECT_NEAR(t["response_db"].get<double>(), 0, 0.001) << t["freq_hz"];
  // pcm24: the quantisation noise lies far below -100 dB re the multitone.
  EXPECT_LT(j["tdn_db"].get<double>(), -100);
  EXPECT_EQ(j["design"]["freq_hz"].size(), 31u);
  EXPECT_LT(j["design"]["crest_factor_db"].get<double>(), 12);
}

TEST(CliMultitone, WrongInputIsExit2WithTheReason) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate tone --seconds 2 -o " + (d / "t.wav")).exit_code, 0);
  const auto tone = run_cli("analyze multitone --input " + (d / "t.wav"));
  EXPECT_EQ(tone.exit_code, 2);
  EXPECT_NE(tone.err.find("not this multitone"), std::string::npos) << tone.err;
  const auto shorty = run_cli("generate multitone --duration-s 0.5 -o " + (d / "s.wav"));
  EXPECT_EQ(shorty.exit_code, 2);
  EXPECT_NE(shorty.err.find("--duration-s"), std::string::npos) << shorty.err;
  const auto loud = run_cli("generate multitone --level-dbfs 3 -o " + (d / "l.wav"));
  EXPECT_EQ(loud.exit_code, 2);
}

}  // namespace
}  // namespace outbench
