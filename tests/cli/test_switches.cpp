#include <fcntl.h>
#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "measure/errors.hpp"
#include "measure/switch/switches.hpp"
#include "run_cli.hpp"

namespace outbench {
namespace {

// Child processes of this process (alive or not yet reaped) whose command name is `comm`, from /proc.
int children_named(const std::string& comm) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream f(e.path() / "stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    n += ppid == ::getpid() && line.substr(open + 1, close - open - 1) == comm;
  }
  return n;
}

// A pseudo-terminal playing the relay board: both ends raw, as DESIGN.md says.
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
                              {"commands", {{"10k", "A0 01 01 A2"}, {"32", "load 32\\r"}}}},
                             "b.json", kLoads, false);
  pty.read_all();
  sw->select(kLoads[2]);
  const auto got = pty.read_all();
  EXPECT_EQ(got, (std::vector<unsigned char>{0xFF, 0x00, 'l', 'o', 'a', 'd', ' ', '3', '2', '\r'}));
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
  // A command that hangs: the switch gives up after its timeout and kills (and reaps) the child. No wall
  // time is asserted: the proof is that no `sleep` child of this process is left afterwards.
  CommandSwitch slow({"/bin/sleep", "30"}, 0.2, 0);
  try {
    slow.select({"1", 1, 1});
    FAIL() << "a command that does not finish must time out";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("did not finish within"), std::string::npos) << e.what();
  }
  EXPECT_EQ(children_named("sleep"), 0);
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
