// The analyser floor on a bench that says how its loopback input is terminated (load_switch.terminate_input):
// a relay of a preset serial board (its bytes on a pseudo-terminal), or "manual" (the user is asked to fit and
// remove a shorting plug; on the simulated bench the model is then terminated and its ADC floor measured), and
// input ranges with the one in use per port, the range advice naming the better one. Unknown keys and names
// are refused with the field and the fix. Truth: the usb-interface model (ADC floor, line out level).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "measure/config/bench_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/errors.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "measure/switch/switches.hpp"
#include "run_cli.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;

// fixtures/benches/simulated-usb.json with `edit` applied, written beside the fixture's device model path.
std::filesystem::path bench_with(const std::function<void(json&)>& edit, const std::string& tag) {
  auto b = json::parse(std::ifstream(test::fixture("benches/simulated-usb.json")));
  b["audio"]["device_model"] = test::fixture("devices/usb-interface.json").string();
  edit(b);
  const auto path =
      std::filesystem::temp_directory_path() / ("outbench_term_" + std::to_string(::getpid()) + tag + ".json");
  std::ofstream(path) << b.dump();
  return path;
}

std::string load_error(const std::function<void(json&)>& edit, const std::string& tag) {
  const auto path = bench_with(edit, tag);
  try {
    load_bench_config(path);
  } catch (const InputError& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "";
}

TEST(InputTermination, BenchFilesSayHowAndWrongFormsAreRefused) {
  // The new forms load.
  EXPECT_EQ(load_error([](json& b) { b["load_switch"]["terminate_input"] = {{"relay", 7}}; }, "a"), "");
  EXPECT_EQ(load_error([](json& b) { b["load_switch"]["terminate_input"] = "manual"; }, "b"), "");
  // A misspelt key, a wrong word, a relay on a switch without relays: each named, with the fix.
  std::string e = load_error([](json& b) { b["load_switch"]["terminate_input"] = {{"relais", 7}}; }, "c");
  EXPECT_NE(e.find("load_switch.terminate_input"), std::string::npos) << e;
  EXPECT_NE(e.find("relay"), std::string::npos) << e;
  e = load_error([](json& b) { b["load_switch"]["terminate_input"] = "manaul"; }, "d");
  EXPECT_NE(e.find("\"manual\""), std::string::npos) << e;
  EXPECT_THROW(parse_input_termination({{"type", "manual"}, {"terminate_input", {{"relay", 0}}}}, "x.json"),
               InputError);  // relays count from 1
}

TEST(InputTermination, ARelayOnACommandSwitchIsRefused) {
  try {
    check_load_switch({{"type", "command"}, {"argv", {"/bin/true"}}, {"terminate_input", {{"relay", 3}}}}, "b.json",
                      {{"open", INFINITY, INFINITY}});
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("use \"manual\""), std::string::npos) << e.what();
  }
}

TEST(InputTermination, ThePresetBoardsTerminateRelayIsSwitched) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  grantpt(master);
  unlockpt(master);
  termios t{};
  tcgetattr(master, &t);
  cfmakeraw(&t);
  tcsetattr(master, TCSANOW, &t);
  auto read_all = [&] {
    std::vector<unsigned char> out;
    unsigned char b[256];
    fcntl(master, F_SETFL, O_NONBLOCK);
    for (int tries = 0; tries < 20; ++tries) {
      const ssize_t n = read(master, b, sizeof b);
      if (n > 0)
        out.insert(out.end(), b, b + n), tries = 0;
      else
        usleep(2000);
    }
    return out;
  };
  {
    auto sw = make_load_switch({{"type", "serial"},
                                {"port", ptsname(master)},
                                {"preset", "text"},
                                {"settle_s", 0.0},
                                {"relays", {{"10k", 2}}},
                                {"terminate_input", {{"relay", 6}}}},
                               "b.json", {{"open", INFINITY, INFINITY}, {"10k", 1e4, 1e4}}, false);
    auto got = read_all();
    EXPECT_EQ(std::string(got.begin(), got.end()), "relay off 2\rrelay off 6\r");  // all off, the input too
    ASSERT_TRUE(sw->terminate_input(true));
    got = read_all();
    EXPECT_EQ(std::string(got.begin(), got.end()), "relay on 6\r");
    ASSERT_TRUE(sw->terminate_input(false));
    got = read_all();
    EXPECT_EQ(std::string(got.begin(), got.end()), "relay off 6\r");
  }
  close(master);
}

Results run_line(sim::SimulatedBench& io, LoadSwitch& sw, const BenchConfig& bench) {
  RunOptions opt;
  opt.quick = true;
  opt.seed = 4;
  opt.ports = {"line"};
  opt.loads = {"open"};
  Results res;
  Sequencer(bench, io, sw, opt).run(res);
  return res;
}

// "manual": the prompt to fit the plug, then to remove it; the floor is the model's ADC floor (-125 dBFS plus
// 24-bit quantisation). Without a terminal nobody can fit it: the floor is not measured, and the run says so.
TEST(InputTermination, ManualShortingPlugIsAskedForAndTheFloorMeasured) {
  const auto model = test::model_with("usb-interface.json", {});
  const BenchConfig bench = sim::bench_for_model(model, 48000);
  for (const bool terminal : {true, false}) {
    sim::SimulatedBench io(model, bench, 4);
    std::istringstream in("\n\n");
    std::ostringstream out;
    ManualTerminationSwitch sw(std::make_unique<sim::SimulatedLoadSwitch>(io), in, out, terminal);
    const Results res = run_line(io, sw, bench);
    const auto& fl = test::port_of(res, "line").analyser_floor;
    if (terminal) {
      EXPECT_NE(out.str().find("Fit the shorting plug"), std::string::npos) << out.str();
      EXPECT_NE(out.str().find("Remove the shorting plug"), std::string::npos) << out.str();
      EXPECT_EQ(fl.source, "input terminated");
      ASSERT_TRUE(fl.noise_dbfs);
      EXPECT_NEAR(*fl.noise_dbfs, model.loopback.noise_dbfs, 0.3);
    } else {
      EXPECT_EQ(out.str(), "");
      EXPECT_FALSE(fl.known());
    }
  }
}

// The simulated bench's load switch, whose input termination also runs a command switch's terminate_input:
// the run's floor step drives the real command while the model is terminated with it.
class CommandTerminatedSim : public LoadSwitch {
 public:
  CommandTerminatedSim(sim::SimulatedBench& io, std::unique_ptr<LoadSwitch> cmd) : sim_(io), cmd_(std::move(cmd)) {}
  void select(const Load& load) override { sim_.select(load); }
  std::string describe() const override { return cmd_->describe(); }
  bool terminate_input(bool on) override { return cmd_->terminate_input(on) && sim_.terminate_input(on); }

 private:
  sim::SimulatedLoadSwitch sim_;
  std::unique_ptr<LoadSwitch> cmd_;
};

// "command": a command switch runs its own program with `terminate_input on` before the floor capture and
// `terminate_input off` after it (a shell script records its arguments); the floor is then measured (the
// model's ADC floor). Loads still get their one argument. A failing command stops the run with its stderr;
// "command" on another switch type is refused naming the key.
TEST(InputTermination, ACommandSwitchRunsItsProgramToTerminateTheInput) {
  const auto dir = std::filesystem::temp_directory_path() / ("outbench_term_cmd_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto log = dir / "args.log";
  const auto script = dir / "relay.sh";
  std::ofstream(script) << "#!/bin/sh\necho \"$*\" >> '" << log.string()
                        << "'\n[ \"$2\" = fail ] && { echo 'no such relay' >&2; exit 3; }\nexit 0\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  const json section = {{"type", "command"},
                        {"argv", {script.string(), "--board", "1"}},
                        {"settle_s", 0.0},
                        {"terminate_input", "command"}};
  const std::vector<Load> loads = {{"open", INFINITY, INFINITY}, {"10k", 1e4, 1e4}};
  EXPECT_NO_THROW(check_load_switch(section, "b.json", loads));
  const auto model = test::model_with("usb-interface.json", {});
  const BenchConfig bench = sim::bench_for_model(model, 48000);
  sim::SimulatedBench io(model, bench, 4);
  CommandTerminatedSim sw(io, make_load_switch(section, "b.json", loads, false));
  const Results res = run_line(io, sw, bench);
  const auto& fl = test::port_of(res, "line").analyser_floor;
  EXPECT_EQ(fl.source, "input terminated");
  ASSERT_TRUE(fl.noise_dbfs);
  EXPECT_NEAR(*fl.noise_dbfs, model.loopback.noise_dbfs, 0.3);
  EXPECT_EQ(test::slurp(log), "--board 1 terminate_input on\n--board 1 terminate_input off\n");
  // A load is still selected with its name alone.
  std::filesystem::remove(log);
  auto direct = make_load_switch(section, "b.json", loads, false);
  direct->select(loads[1]);
  EXPECT_EQ(test::slurp(log), "--board 1 10k\n");
  // Without "command" the switch cannot terminate the input and runs nothing.
  json plain = section;
  plain.erase("terminate_input");
  std::filesystem::remove(log);
  EXPECT_FALSE(make_load_switch(plain, "b.json", loads, false)->terminate_input(true));
  EXPECT_FALSE(std::filesystem::exists(log));
  // A failing command stops the run with what it said.
  json failing = section;
  failing["argv"] = {script.string(), "--board", "fail"};
  try {
    make_load_switch(failing, "b.json", loads, false)->terminate_input(true);
    ADD_FAILURE() << "a failing terminate command did not stop the run";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fail terminate_input on' failed (exit status 3): no such relay"),
              std::string::npos)
        << e.what();
  }
  // "command" belongs to a command switch only.
  try {
    check_load_switch({{"type", "manual"}, {"terminate_input", "command"}}, "b.json", loads);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("load_switch.terminate_input"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("only with a command load switch"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// Input ranges: the port names the one in use; the advice names the most sensitive range that keeps the
// reference tone (the line out's -20 dBFS drive reads ~26 dB below the 7.75 V full scale: ~0.39 Vrms) at least
// 6 dB below its full scale: "hi-z" (2 V), not "mic" (0.5 V: 2 dB).
TEST(InputTermination, RangesAreReadAndTheAdviceNamesTheBetterOne) {
  auto ranges = [](json& b) {
    b["loopback_input"]["ranges"] = {{{"name", "line"}, {"full_scale_vrms", 7.75}},
                                     {{"name", "hi-z"}, {"full_scale_vrms", 2.0}},
                                     {{"name", "mic"}, {"full_scale_vrms", 0.5}}};
  };
  std::string e = load_error(ranges, "r1");
  EXPECT_NE(e.find(".input_range: expected the loopback input's range in use"), std::string::npos)
      << e;  // several ranges: say which
  e = load_error(
      [&](json& b) {
        ranges(b);
        b["ports"]["line"]["input_range"] = "lien";
        b["ports"]["headphone"]["input_range"] = "line";
      },
      "r2");
  EXPECT_NE(e.find("one of \"line\", \"hi-z\", \"mic\""), std::string::npos) << e;
  const auto path = bench_with(
      [&](json& b) {
        ranges(b);
        for (const char* p : {"line", "headphone"}) b["ports"][p]["input_range"] = "line";
      },
      "r3");
  const BenchConfig bench = load_bench_config(path);
  std::filesystem::remove(path);
  ASSERT_EQ(bench.input_ranges.size(), 3u);
  EXPECT_EQ(bench.port("line")->input_range, "line");
  const auto model = test::model_with("usb-interface.json", {});
  sim::SimulatedBench io(model, bench, 4);
  sim::SimulatedLoadSwitch sw(io);
  const Results res = run_line(io, sw, bench);
  const auto& p = test::port_of(res, "line");
  EXPECT_EQ(p.analyser_floor.input_range, "line");
  ASSERT_TRUE(p.loads.at(0).ref_below_input_fs_db);
  ASSERT_NEAR(*p.loads.at(0).ref_below_input_fs_db, 26.0, 1.5);  // the premise
  std::string advice;
  for (const auto& w : res.warnings)
    if (w.find("more sensitive input range") != std::string::npos) advice = w;
  EXPECT_NE(advice.find("(range \"line\")"), std::string::npos) << advice;
  EXPECT_NE(advice.find("use the range \"hi-z\" (full scale 2 Vrms"), std::string::npos) << advice;
  EXPECT_EQ(advice.find("\"mic\""), std::string::npos) << advice;
}

}  // namespace
}  // namespace outbench
