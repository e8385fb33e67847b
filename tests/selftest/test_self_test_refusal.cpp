// `outbench run` on a real bench refuses to touch the hardware when the analysis self-test fails. This test
// executable links the `run` command with a self-test that always fails (this definition replaces the one
// in the outbench_measure library) and checks that the run stops before any audio device is opened.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "measure/cli/cli.hpp"

namespace outbench {

int g_self_test_calls = 0;

std::string analysis_self_test() {
  ++g_self_test_calls;
  return "THD of a -80 dBc H3 read -12.00 dB (forced failure for the test)";
}

namespace {

TEST(SelfTest, RunRefusesToMeasureWhenItFails) {
  const auto out = std::filesystem::temp_directory_path() / ("outbench_selftest_" + std::to_string(::getpid()));
  // A real (PortAudio) bench whose device does not exist here: were the self-test skipped, the error would
  // be about the audio device instead.
  // (Its drive stated for running uncalibrated, so that the safety check lets the run reach the self-test.)
  std::filesystem::create_directories(out);
  auto bench = nlohmann::json::parse(
      std::ifstream(std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/benches/usb-2in4out-relay.json"));
  bench["safety"]["uncalibrated_max_drive_dbfs"] = -40;
  const std::string bench_file = (out / "bench.json").string();
  std::ofstream(bench_file) << bench.dump();
  const cli::Args args = {"--quick", "--quiet", "--bench", bench_file, "-o", (out / "rep").string()};
  try {
    cli::run(args);
    FAIL() << "the run went on with a failing self-test";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("analysis self-test failed, not measuring"), std::string::npos) << what;
    EXPECT_NE(what.find("forced failure"), std::string::npos) << what;  // what failed is named
  }
  EXPECT_EQ(g_self_test_calls, 1);
  EXPECT_FALSE(std::filesystem::exists(out / "rep" / "results.json"));
  std::filesystem::remove_all(out);
}

// The simulated bench needs no self-test (nothing real is driven): it is not run there.
TEST(SelfTest, NotRunOnTheSimulatedBench) {
  const auto out = std::filesystem::temp_directory_path() / ("outbench_selftest_sim_" + std::to_string(::getpid()));
  const int before = g_self_test_calls;
  EXPECT_EQ(cli::run({"--quick", "--quiet", "--ports", "line", "--loads", "open", "-o", out.string()}), 0);
  EXPECT_EQ(g_self_test_calls, before);
  EXPECT_TRUE(std::filesystem::exists(out / "results.json"));
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace outbench
