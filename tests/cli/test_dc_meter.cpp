// outbench run --tests dc on a bench whose analyser input is not DC-coupled (loopback_input.dc_coupled false):
// the DC offset comes from the meter readings typed on stdin (--dc-meter: stdin is a pipe here), method "meter";
// with --no-prompt, or nothing to read, it is "not_measured" with the reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;

// fixtures/benches/simulated-usb.json with an AC-coupled input, written into `dir`.
std::string ac_coupled_bench(const test::TempDir& dir) {
  const auto src = std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures/benches/simulated-usb.json";
  json b = json::parse(std::ifstream(src));
  b["audio"]["device_model"] =
      (std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures/devices/usb-interface.json").string();
  b["loopback_input"]["dc_coupled"] = false;
  const std::string path = dir / "bench.json";
  std::ofstream(path) << b.dump();
  return path;
}

// Runs outbench with `stdin_text` on its stdin; the headphone port's dc_offset from results.json.
json dc_offset_of_run(const test::TempDir& d, const std::string& extra, const std::string& stdin_text,
                      std::string& err) {
  std::ofstream(d / "stdin.txt") << stdin_text;
  const std::string cmd = std::string(OUTBENCH_EXE) +
                          " run --quick --quiet --tests dc --ports headphone --loads open,32 " + "--bench " +
                          ac_coupled_bench(d) + " " + extra + " -o " + (d / "rep") + " <" + (d / "stdin.txt") +
                          " >/dev/null 2>" + (d / "err.txt");
  const int status = std::system(cmd.c_str());
  err = test::slurp(d / "err.txt");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << err;
  const json res = json::parse(std::ifstream(d / "rep/results.json"));
  for (const auto& p : res["ports"])
    if (p["name"] == "headphone") return p.value("dc_offset", json());
  return json();
}

TEST(CliDcMeter, ReadingsTypedOnStdinAreStoredAsMeter) {
  test::TempDir d;
  std::string err;
  const json dc = dc_offset_of_run(d, "--dc-meter", "3.25\n-1.5\n", err);
  ASSERT_TRUE(dc.is_object()) << err;
  EXPECT_EQ(dc["load"], "32");
  ASSERT_EQ(dc["channels"].size(), 2u);
  EXPECT_EQ(dc["channels"][0]["method"], "meter");
  EXPECT_DOUBLE_EQ(dc["channels"][0]["value_mv"].get<double>(), 3.25);
  EXPECT_EQ(dc["channels"][1]["method"], "meter");
  EXPECT_DOUBLE_EQ(dc["channels"][1]["value_mv"].get<double>(), -1.5);
  EXPECT_NE(err.find("measure the DC voltage at the headphone port, channel L"), std::string::npos) << err;
  EXPECT_NE(err.find("channel R"), std::string::npos) << err;
}

TEST(CliDcMeter, NoPromptOrNoReadingIsNotMeasuredWithTheReason) {
  test::TempDir d;
  std::string err;
  const json dc = dc_offset_of_run(d, "--dc-meter --no-prompt", "3.25\n-1.5\n", err);
  ASSERT_TRUE(dc.is_object()) << err;
  for (const auto& c : dc["channels"]) {
    EXPECT_EQ(c["method"], "not_measured");
    EXPECT_FALSE(c.contains("value_mv"));
    EXPECT_NE(c["note"].get<std::string>().find("not DC-coupled"), std::string::npos) << c;
  }
  test::TempDir d2;
  const json typo = dc_offset_of_run(d2, "--dc-meter", "3,2x\n", err);
  ASSERT_TRUE(typo.is_object()) << err;
  EXPECT_EQ(typo["channels"][0]["method"], "not_measured");
  EXPECT_NE(typo["channels"][0]["note"].get<std::string>().find("'3,2x' is not a number"), std::string::npos);
  EXPECT_NE(typo["channels"][1]["note"].get<std::string>().find("end of input"), std::string::npos);
}

}  // namespace
}  // namespace outbench
