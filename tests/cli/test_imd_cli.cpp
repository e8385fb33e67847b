// outbench generate imd / analyze imd: a generated two-tone reads no IMD (the file carries none), the JSON
// carries the standard's fields, and wrong input is exit 2 with the reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace outbench {
namespace {

using json = nlohmann::json;
using test::run_cli;

TEST(CliImd, GenerateThenAnalyseBothStandards) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate imd --standard smpte --level-dbfs -6 --format float -o " + (d / "s.wav")).exit_code, 0);
  const auto s = run_cli("analyze imd --input " + (d / "s.wav") + " --json");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto js = json::parse(s.out);
  EXPECT_EQ(js["standard"], "smpte");
  EXPECT_NEAR(js["level_dbfs"].get<double>(), -6, 0.01);
  EXPECT_LT(js["imd_db"].get<double>(), -120);  // a float file: no distortion
  EXPECT_FALSE(js.contains("d2_db"));
  ASSERT_EQ(run_cli("generate imd --standard ccif --level-dbfs -3 -o " + (d / "c.wav")).exit_code, 0);
  const auto c = run_cli("analyze imd --standard ccif --input " + (d / "c.wav") + " --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const auto jc = json::parse(c.out);
  EXPECT_EQ(jc["components"].size(), 5u);
  EXPECT_LT(jc["d2_db"].get<double>(), -110);  // pcm24
  EXPECT_FALSE(jc.contains("imd_db"));
}

TEST(CliImd, WrongInputIsExit2WithTheReason) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate imd --standard smpte -o " + (d / "s.wav")).exit_code, 0);
  const auto wrong = run_cli("analyze imd --standard ccif --input " + (d / "s.wav"));
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("no ccif two-tone"), std::string::npos) << wrong.err;
  const auto bad = run_cli("analyze imd --standard din --input " + (d / "s.wav"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("smpte"), std::string::npos) << bad.err;
  const auto rate = run_cli("generate imd --standard ccif --rate 32000 -o " + (d / "c.wav"));
  EXPECT_EQ(rate.exit_code, 2);
  EXPECT_NE(rate.err.find("above 40000 Hz"), std::string::npos) << rate.err;
}

}  // namespace
}  // namespace outbench
