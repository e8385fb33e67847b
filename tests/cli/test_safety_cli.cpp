// Safety through the command line: a bench with no calibration is refused before anything is played or
// written, Ctrl-C during `calibrate output` ramps the tone down and stores nothing (exit 130), and Ctrl-C
// or SIGTERM during a run keeps what was measured (exit 130).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/run_cli.hpp"

namespace outbench {
namespace {

using test::run_cli;
using test::slurp;
using test::TempDir;

std::string src(const std::string& rel) {
  return std::string(OUTBENCH_SOURCE_DIR) + "/" + rel;
}

// The simulated bench with the USB interface, calibrations removed (as a new real bench starts).
nlohmann::json uncalibrated_bench() {
  auto j = nlohmann::json::parse(std::ifstream(src("fixtures/benches/simulated-usb.json")));
  j["audio"]["device_model"] = src("fixtures/devices/usb-interface.json");
  for (auto& [name, p] : j["ports"].items()) {
    p.erase("vrms_at_0dbfs");
    p.erase("calibrated_on");
  }
  j["loopback_input"].erase("vrms_at_0dbfs");
  j["loopback_input"].erase("calibrated_on");
  return j;
}

TEST(SafetyCli, UncalibratedBenchIsRefusedBeforeAnythingIsWritten) {
  TempDir d;
  std::ofstream(d / "bench.json") << uncalibrated_bench().dump(1);
  // A previous run's results in the folder stay as they were.
  std::filesystem::create_directories(d / "out");
  std::ofstream(d / "out/results.json") << "{\"previous\": true}\n";
  const auto r = run_cli("run --quiet --bench " + d / "bench.json" + " -o " + d / "out");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no output calibration and the loopback input is not calibrated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("safety.uncalibrated_max_drive_dbfs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Nothing was played"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(d / "out/results.json"), "{\"previous\": true}\n");
  EXPECT_FALSE(std::filesystem::exists(d / "out/report.html"));

  // With the drive the user accepts stated, the run goes, capped there, and says so.
  auto j = uncalibrated_bench();
  j["safety"]["uncalibrated_max_drive_dbfs"] = -40;
  std::ofstream(d / "bench2.json") << j.dump(1);
  const auto r2 = run_cli("run --quick --quiet --json --ports line --loads open,600 --bench " + d / "bench2.json" +
                          " -o " + d / "out2");
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  const auto res = nlohmann::json::parse(r2.out);
  EXPECT_EQ(res["conditions"]["safety"]["uncalibrated_max_drive_dbfs"], -40.0);
  for (const auto& l : res["ports"][0]["loads"]) {
    EXPECT_EQ(l["max_level"]["stop_reason"], "safety_limit") << l.dump();
    EXPECT_DOUBLE_EQ(l["drives_dbfs"]["cap"].get<double>(), -40.0);
  }
  EXPECT_NE(res["warnings"].dump().find("uncalibrated_max_drive_dbfs"), std::string::npos);
}

// Ctrl-C while the calibration tone plays and outbench waits for the meter reading: exit 130, the bench file
// keeps its old content.
TEST(SafetyCli, CtrlCDuringCalibrationStoresNothing) {
  TempDir d;
  auto j = nlohmann::json::parse(std::ifstream(src("fixtures/benches/simulated-usb.json")));
  j["audio"]["device_model"] = src("fixtures/devices/usb-interface.json");
  const std::string before = j.dump(2) + "\n";
  std::ofstream(d / "bench.json") << before;

  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string bench = d / "bench.json";
    execl(OUTBENCH_EXE, OUTBENCH_EXE, "calibrate", "output", "--bench", bench.c_str(), "--port", "line", nullptr);
    _exit(127);
  }
  // Wait for the prompt (the tone is playing), then Ctrl-C.
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  fcntl(master, F_SETFL, O_NONBLOCK);
  while (seen.find("type the value") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    char buf[256];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) seen.append(buf, static_cast<std::size_t>(n));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(seen.find("type the value"), std::string::npos) << seen;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (;;) {  // the rest of what it said
    char buf[256];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  ::close(master);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal instead of stopping: " << seen;
  EXPECT_EQ(WEXITSTATUS(status), 130) << seen;
  EXPECT_NE(seen.find("nothing was stored"), std::string::npos) << seen;
  EXPECT_EQ(slurp(d / "bench.json"), before);
}

// Ctrl-C (and SIGTERM) part-way through a run on the simulated bench: exit 130, and results.json holds
// the loads measured so far, marked incomplete (the real-path run: tests/hil).
TEST(SafetyCli, StopSignalDuringRunKeepsWhatWasMeasured) {
  for (const int sig : {SIGINT, SIGTERM}) {
    TempDir d;
    const std::string out = d / "rep";
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int null_fd = ::open("/dev/null", O_WRONLY);
      ::dup2(null_fd, STDOUT_FILENO);
      ::dup2(null_fd, STDERR_FILENO);
      execl(OUTBENCH_EXE, OUTBENCH_EXE, "run", "--quiet", "-o", out.c_str(), nullptr);
      _exit(127);
    }
    // The first save (after the first port x load), then the signal: the run has most of its work ahead.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(out + "/results.json") && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << sig << " instead of stopping";
    EXPECT_EQ(WEXITSTATUS(status), 130) << "signal " << sig;
    const auto r = nlohmann::json::parse(slurp(out + "/results.json"));
    EXPECT_FALSE(r.at("complete").get<bool>()) << "signal " << sig;
    ASSERT_FALSE(r.at("ports").empty());
    EXPECT_FALSE(r.at("ports")[0].at("loads").empty()) << "signal " << sig;
    // No verdicts, and the report says why instead of an empty heading.
    EXPECT_TRUE(r.at("verdicts").empty()) << "signal " << sig;
    EXPECT_NE(slurp(out + "/report.html").find("No verdicts: the run stopped"), std::string::npos) << "signal " << sig;
  }
}

}  // namespace
}  // namespace outbench
