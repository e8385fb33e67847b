#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "measure/config/bench_config.hpp"
#include "measure/errors.hpp"
#include "measure/switch/switches.hpp"
#include "run_cli.hpp"

namespace outbench {
namespace {

// A pseudo-terminal playing the relay board: both ends raw, as docs/MEASUREMENTS.md says.
struct Pty {
  int master = -1;
  std::string slave;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(master);
    unlockpt(master);
    slave = ptsname(master);
    termios t{};
    tcgetattr(master, &t);
    cfmakeraw(&t);
    tcsetattr(master, TCSANOW, &t);
  }
  ~Pty() { close(master); }
  std::vector<unsigned char> read_all() {
    std::vector<unsigned char> out;
    unsigned char b[256];
    fcntl(master, F_SETFL, O_NONBLOCK);
    for (int tries = 0; tries < 20; ++tries) {
      const ssize_t n = read(master, b, sizeof b);
      if (n > 0) {
        out.insert(out.end(), b, b + n);
        tries = 0;
      } else {
        usleep(2000);
      }
    }
    return out;
  }
};

std::vector<unsigned char> lcus(int relay, int on) {
  return {0xA0, static_cast<unsigned char>(relay), static_cast<unsigned char>(on),
          static_cast<unsigned char>((0xA0 + relay + on) & 0xFF)};
}

const std::vector<Load> kLoads = {{"open", INFINITY, INFINITY}, {"10k", 1e4, 1e4}, {"32", 32, 32}};

TEST(SerialRelay, LcusBytesOnAPty) {
  Pty pty;
  const nlohmann::json cfg = {{"type", "serial"},
                              {"port", pty.slave},
                              {"preset", "lcus"},
                              {"settle_s", 0.0},
                              {"relays", {{"10k", 1}, {"32", 4}}}};
  {
    auto sw = make_load_switch(cfg, "bench.json", kLoads, false);
    auto opening = pty.read_all();  // all off at start
    std::vector<unsigned char> want;
    for (int r : {1, 4})
      for (auto b : lcus(r, 0)) want.push_back(b);
    EXPECT_EQ(opening, want);
    sw->select(kLoads[2]);
    want.clear();
    for (int r : {1, 4})
      for (auto b : lcus(r, 0)) want.push_back(b);
    for (auto b : lcus(4, 1)) want.push_back(b);
    EXPECT_EQ(pty.read_all(), want);
    sw->select(kLoads[0]);  // open: all off
    EXPECT_EQ(pty.read_all().size(), 8u);
  }
  EXPECT_EQ(pty.read_all().size(), 8u);  // all off on exit
}

TEST(SerialRelay, TextPresetAndRawCommands) {
  Pty pty;
  {
    auto sw = make_load_switch({{"type", "serial"},
                                {"port", pty.slave},
                                {"preset", "text"},
                                {"settle_s", 0.0},
                                {"relays", {{"10k", 2}, {"32", 3}}}},
                               "b.json", kLoads, false);
    pty.read_all();
    sw->select(kLoads[1]);
    const auto got = pty.read_all();
    EXPECT_EQ(std::string(got.begin(), got.end()), "relay off 2\rrelay off 3\rrelay on 2\r");
  }
  pty.read_all();
  auto sw = make_load_switch({{"type", "serial"},
                              {"port", pty.slave},
                              {"settle_s", 0.0},
                              {"all_off", "FF 00"},
                              {"commands", {{"10k", "A0 01 01 A2"}, {"32", "0x6c 0X6F\t0x61 64 0D"}}}},
                             "b.json", kLoads, false);
  pty.read_all();
  sw->select(kLoads[2]);
  const auto got = pty.read_all();
  EXPECT_EQ(got, (std::vector<unsigned char>{0xFF, 0x00, 'l', 'o', 'a', 'd', '\r'}));
}

TEST(SerialRelay, ErrorsNameThePortAndField) {
  try {
    make_load_switch(
        {{"type", "serial"}, {"port", "/dev/ttyUSB_nope"}, {"preset", "lcus"}, {"relays", {{"10k", 1}, {"32", 2}}}},
        "b.json", kLoads, false);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/ttyUSB_nope"), std::string::npos);
  }
  try {
    make_load_switch(
        {{"type", "serial"}, {"port", "/dev/null"}, {"preset", "lcus"}, {"relays", {{"10k", 1}, {"32", 99}}}}, "b.json",
        kLoads, false);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("load_switch.relays.32"), std::string::npos) << e.what();
  }
  try {
    make_load_switch({{"type", "serial"}, {"port", "/dev/null"}, {"preset", "lcus"}, {"relays", {{"10k", 1}}}},
                     "b.json", kLoads, false);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("\"32\""), std::string::npos) << e.what();
  }
}

TEST(CommandSwitch, RunsWithoutAShellAndTimesOut) {
  test::TempDir d;
  CommandSwitch ok({"/bin/sh", "-c", "printf '%s' \"$0\" > " + (d / "arg.txt")}, 5, 0);
  ok.select({"32 ohm board", 32, 32});
  EXPECT_EQ(test::slurp(d / "arg.txt"), "32 ohm board");  // one argument, not split
  CommandSwitch bad({"/bin/false"}, 5, 0);
  EXPECT_THROW(bad.select(kLoads[1]), std::runtime_error);
  // Its stderr is the error message.
  CommandSwitch says({"/bin/sh", "-c", "echo relay 3 jammed >&2; exit 3"}, 5, 0);
  try {
    says.select(kLoads[1]);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("exit status 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("relay 3 jammed"), std::string::npos) << e.what();
  }
  // Much more on stderr than a pipe holds: the command is not made to fail by it.
  CommandSwitch chatty({"/bin/sh", "-c", "head -c 1000000 /dev/zero >&2"}, 10, 0);
  EXPECT_NO_THROW(chatty.select(kLoads[1]));
}

// Processes of the group `pgid` still alive (zombies waiting for their new parent to reap them do not count).
int live_members(pid_t pgid) {
  int n = 0;
  DIR* d = opendir("/proc");
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    std::getline(f, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') ++n;
  }
  closedir(d);
  return n;
}

// Waits (up to 10 s: SIGKILL takes effect asynchronously) for the group to be gone.
bool group_gone(pid_t pgid) {
  for (int i = 0; i < 500; ++i) {
    if (live_members(pgid) == 0) return true;
    usleep(20000);
  }
  return false;
}

pid_t read_pid(const std::string& file) {
  for (int i = 0; i < 1000; ++i) {
    std::ifstream f(file);
    long pid = 0;
    if (f >> pid && pid > 0) return static_cast<pid_t>(pid);
    usleep(10000);
  }
  return 0;
}

// A command that hangs, with a child of its own, both ignoring SIGTERM: on the timeout the whole process
// group is ended (SIGTERM, then SIGKILL), not only the command, and nothing of it survives.
TEST(CommandSwitch, TimeoutEndsTheWholeProcessGroup) {
  test::TempDir d;
  const std::string pidfile = d / "pid";
  CommandSwitch sw({"/bin/sh", "-c", "trap '' TERM; echo $$ > " + pidfile + "; sleep 60 & sleep 60"}, 1, 0);
  try {
    sw.select(kLoads[1]);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("did not finish within 1 s"), std::string::npos) << e.what();
  }
  const pid_t pgid = read_pid(pidfile);
  ASSERT_GT(pgid, 0);
  EXPECT_NE(pgid, getpgrp());
  EXPECT_TRUE(group_gone(pgid)) << live_members(pgid) << " processes of the group survived";
}

// The run's stop flag (Ctrl-C) ends a hanging command and its children at once, not at the timeout.
TEST(CommandSwitch, StopEndsTheCommandAndItsChildren) {
  test::TempDir d;
  const std::string pidfile = d / "pid";
  std::atomic<bool> stop{false};
  CommandSwitch sw({"/bin/sh", "-c", "echo $$ > " + pidfile + "; sleep 60 & sleep 60"}, 600, 0, &stop);
  std::thread ctrl_c([&] {
    read_pid(pidfile);  // the command is running
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.store(true);
  });
  try {  // without the stop it would return normally after 60 s
    sw.select(kLoads[1]);
    ADD_FAILURE() << "select returned normally";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
  }
  ctrl_c.join();
  const pid_t pgid = read_pid(pidfile);
  ASSERT_GT(pgid, 0);
  EXPECT_TRUE(group_gone(pgid)) << live_members(pgid) << " processes of the group survived";
}

// The command's stdout is /dev/null: what it prints cannot mix into ours (`run --json`).
TEST(CommandSwitch, StdoutDoesNotReachOurs) {
  test::TempDir d;
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  const int f = open((d / "our-stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(f, STDOUT_FILENO);
  close(f);
  std::string error;
  try {
    CommandSwitch sw({"/bin/sh", "-c", "echo relay switched; printf '{'"}, 5, 0);
    sw.select(kLoads[2]);
  } catch (const std::exception& e) {
    error = e.what();
  }
  dup2(saved, STDOUT_FILENO);
  close(saved);
  EXPECT_EQ(error, "");
  EXPECT_EQ(test::slurp(d / "our-stdout"), "");
}

// The command gets none of our descriptors, stdin and stdout on /dev/null, and a process group of its own.
TEST(CommandSwitch, ChildHasOnlyItsOwnDescriptorsAndGroup) {
  test::TempDir d;
  const int opened = open((d / "ours").c_str(), O_WRONLY | O_CREAT, 0644);
  const int inherited = fcntl(opened, F_DUPFD, 100);  // no close-on-exec
  close(opened);
  ASSERT_GE(inherited, 100);
  ASSERT_EQ(fcntl(inherited, F_GETFD) & FD_CLOEXEC, 0);
  const std::string fd = std::to_string(inherited);
  CommandSwitch sw({"/bin/sh", "-c",
                    "test ! -e /proc/$$/fd/" + fd + " || { echo fd " + fd + " is open >&2; exit 11; }; " +
                        "test \"$(readlink /proc/$$/fd/0)\" = /dev/null || { echo stdin >&2; exit 12; }; " +
                        "test \"$(readlink /proc/$$/fd/1)\" = /dev/null || { echo stdout >&2; exit 13; }; " +
                        "test \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ || { echo not a group leader >&2; exit 14; }"},
                   5, 0);
  EXPECT_NO_THROW(sw.select(kLoads[1]));
  close(inherited);
}

TEST(CommandSwitch, MissingOrNonExecutableProgramIsAnInputError) {
  test::TempDir d;
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const InputError& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return "wrong exception type: " + std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message([] { CommandSwitch({"/nonexistent/relay-tool"}, 5, 0); });
  EXPECT_NE(m.find("switch command '/nonexistent/relay-tool'"), std::string::npos) << m;
  EXPECT_NE(m.find("not found"), std::string::npos) << m;
  m = message([] { CommandSwitch({"outbench-no-such-relay-tool"}, 5, 0); });
  EXPECT_NE(m.find("not found on PATH"), std::string::npos) << m;
  std::ofstream(d / "relay.sh") << "#!/bin/sh\nexit 0\n";
  m = message([&] { CommandSwitch({d / "relay.sh"}, 5, 0); });
  EXPECT_NE(m.find("not executable"), std::string::npos) << m;
  m = message([&] { CommandSwitch({d.path.string()}, 5, 0); });
  EXPECT_NE(m.find("not executable"), std::string::npos) << m;
  // Gone after the bench file was read: found at spawn time, naming the load.
  chmod((d / "relay.sh").c_str(), 0755);
  CommandSwitch sw({d / "relay.sh"}, 5, 0);
  EXPECT_NO_THROW(sw.select(kLoads[2]));
  std::filesystem::remove(d / "relay.sh");
  m = message([&] { sw.select(kLoads[2]); });
  EXPECT_NE(m.find("for load '32': not found"), std::string::npos) << m;
}

TEST(SerialRelay, RawBytesMustBeHex) {
  EXPECT_EQ(parse_bytes("a0 0X01\t0xff  7F"), (std::vector<unsigned char>{0xA0, 0x01, 0xFF, 0x7F}));
  for (const char* bad : {"zz zz", "A001", "A0 1", "0xA", "0x", "A0 0xG1", "\\x41", "load 32\\r", "", "  "}) {
    try {
      parse_bytes(bad, "where");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("where: ", 0), 0u) << e.what();
    }
  }
  // The load and the bad token are named.
  const nlohmann::json cfg = {
      {"type", "serial"}, {"port", "/dev/ttyUSB_nope"}, {"commands", {{"10k", "A0 01 01 A2"}, {"32", "A0 zz 01"}}}};
  try {
    check_load_switch(cfg, "b.json", kLoads);
    FAIL();
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("b.json: load_switch.commands.32"), std::string::npos) << m;
    EXPECT_NE(m.find("load \"32\""), std::string::npos) << m;
    EXPECT_NE(m.find("'zz' is not a hex byte"), std::string::npos) << m;
  }
  EXPECT_THROW(
      check_load_switch(
          {{"type", "serial"}, {"port", "/dev/null"}, {"all_off", "FF 0"}, {"commands", {{"10k", "01"}, {"32", "02"}}}},
          "b.json", kLoads),
      InputError);
  EXPECT_THROW(check_load_switch({{"type", "serial"},
                                  {"port", "/dev/null"},
                                  {"baud", 14400},
                                  {"preset", "lcus"},
                                  {"relays", {{"10k", 1}, {"32", 2}}}},
                                 "b.json", kLoads),
               InputError);
}

// A serial relay's settle time ends with a stop (Ctrl-C) instead of being waited out.
TEST(SerialRelay, SettleEndsOnStop) {
  Pty pty;
  std::atomic<bool> stop{false};
  auto sw = make_load_switch({{"type", "serial"},
                              {"port", pty.slave},
                              {"preset", "lcus"},
                              {"settle_s", 10.0},
                              {"relays", {{"10k", 1}, {"32", 4}}}},
                             "b.json", kLoads, false, &stop);
  stop.store(true);
  EXPECT_THROW(sw->select(kLoads[2]), std::runtime_error);
}

// The bench file is refused when it is read, before any audio device is opened: exit 2, a specific message.
TEST(LoadSwitchCli, BadSwitchInTheBenchFileExits2) {
  test::TempDir d;
  nlohmann::json bench = {{"schema", "outbench-bench/1"},
                          {"audio", {{"type", "portaudio"}, {"device", "no-such-interface"}}},
                          {"ports", {{"line", {{"output_channels", {0}}, {"input_channels", {0}}}}}},
                          {"loopback_input", {{"impedance_ohms", 1e6}}},
                          {"loads", {{{"name", "open"}}, {{"name", "32"}, {"nominal_ohms", 32}}}}};
  bench["load_switch"] = {{"type", "serial"}, {"port", "/dev/ttyUSB_nope"}, {"commands", {{"32", "zz zz"}}}};
  std::ofstream(d / "hex.json") << bench.dump();
  EXPECT_THROW(load_bench_config(d / "hex.json"), InputError);
  auto r = test::run_cli("run --quick --bench " + (d / "hex.json") + " -o " + (d / "a"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'zz' is not a hex byte"), std::string::npos) << r.err;
  bench["load_switch"] = {{"type", "command"}, {"argv", {"/nonexistent/relay-tool", "--load"}}};
  std::ofstream(d / "cmd.json") << bench.dump();
  r = test::run_cli("run --quick --bench " + (d / "cmd.json") + " -o " + (d / "b"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("switch command '/nonexistent/relay-tool'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
}

TEST(ManualSwitch, PromptsOnATerminalAndRefusesWithout) {
  std::istringstream in("\n");
  std::ostringstream out;
  ManualSwitch m(in, out, true, false, "the headphone out");
  m.select(kLoads[2]);
  EXPECT_NE(out.str().find("32 ohm"), std::string::npos);
  std::istringstream in2;
  ManualSwitch no_tty(in2, out, false, false, "x");
  EXPECT_THROW(no_tty.select(kLoads[1]), UsageError);
  ManualSwitch yes(in2, out, false, true, "x");
  EXPECT_NO_THROW(yes.select(kLoads[1]));
}

}  // namespace
}  // namespace outbench
