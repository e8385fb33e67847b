// Load switching on a real bench (fixtures/benches/README.md, section "load_switch").
//
//  serial:  USB relay boards through a POSIX termios serial port in raw mode (cfmakeraw): real adapters
//           (/dev/ttyUSB0, /dev/ttyACM0) and pseudo-terminals alike. Presets: "lcus" (CH340 LCUS boards:
//           A0 <relay> <0|1> <(A0+relay+state) & FF>), "text" ("relay on N\r" / "relay off N\r"), or raw
//           per-load "commands" in hex bytes ("A0 01 01 A2" or "0xA0 0x01 0x01 0xA2"; anything else is
//           refused when the bench file is read) with "all_off".
//           Selecting a load turns every other relay off first, then the load's relay on; "open" = all off.
//           All off on exit. {"type":"serial","port":"/dev/ttyUSB0","baud":9600,"preset":"lcus",
//           "relays":{"10k":1,"600":2,"300":3,"32":4,"16":5},"settle_s":0.2}
//  command: runs argv + [load name] (no shell) with a timeout; a non-zero exit stops the run. The program
//           runs in its own process group with stdin and stdout on /dev/null (its stderr is kept for the
//           error message) and none of our other descriptors; on the timeout or a stop (Ctrl-C) the whole
//           group gets SIGTERM, then SIGKILL. A program that is not there or not executable is an input
//           error (exit 2), found when the bench file is read.
//           {"type":"command","argv":["/usr/local/bin/relay","--load"],"timeout_s":10,"settle_s":0.1}
//  manual:  prints which load to connect and waits for Enter; refuses without a terminal unless told the
//           loads are in place (--yes, single-load runs).
//  terminate_input (any type, optional): how the loopback input is terminated for the analyser's floor:
//           {"relay": N} (a relay of a preset serial board that shorts the input; on the simulated switch the
//           model terminates it), "command" (a command switch only: its argv + ["terminate_input", "on"]
//           before the floor capture, + ["terminate_input", "off"] after it; a failure stops the run as a
//           failed load selection does) or "manual" (the user is asked to fit a shorting plug and to remove
//           it, as the manual loads are asked for). Absent: a real switch cannot terminate the input (the
//           bench file's analyser_floor is used); the simulated switch still can (the model knows its floor).
#pragma once

#include <atomic>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "measure/io/audio_io.hpp"

namespace outbench {

class SerialPort {
 public:
  SerialPort(const std::string& path, int baud);  // raw mode; throws with the reason and a hint
  ~SerialPort();
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;
  void write_all(const std::vector<unsigned char>& bytes);
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Hex bytes separated by spaces: "A0 01 01 A2" or "0xA0 0x01 0x01 0xA2" (each token exactly one byte).
// InputError naming `what` (e.g. "bench.json: load_switch.commands.32") and the first bad token.
std::vector<unsigned char> parse_bytes(const std::string& spec, const std::string& what = "byte sequence");

// The program a command switch runs: argv[0] as given if it has a '/', else the first match on PATH.
// InputError "switch command 'X' (`where`): not found / not executable" when there is none.
std::string find_switch_program(const std::string& program, const std::string& where);

// How the loopback input is terminated (load_switch.terminate_input).
struct InputTermination {
  enum class Kind { none, relay, manual, command } kind = Kind::none;
  int relay = 0;
};

// load_switch.terminate_input of a bench file's section, checked (InputError naming the key and the fix).
InputTermination parse_input_termination(const nlohmann::json& section, const std::string& source);

// Asks the user to fit (terminate_input(true)) and remove (false) a shorting plug on the loopback input, on
// `out`, waiting for Enter on `in`, then tells `inner` (the simulated switch terminates its model); false
// without a terminal (the floor is then not measured; the run goes on). Everything else goes to `inner`.
class ManualTerminationSwitch : public LoadSwitch {
 public:
  ManualTerminationSwitch(std::unique_ptr<LoadSwitch> inner, std::istream& in, std::ostream& out, bool is_terminal);
  void select(const Load& load) override { inner_->select(load); }
  void all_off() override { inner_->all_off(); }
  std::string describe() const override { return inner_->describe() + ", input shorted by hand"; }
  bool terminate_input(bool on) override;

 private:
  std::unique_ptr<LoadSwitch> inner_;
  std::istream& in_;
  std::ostream& out_;
  bool terminal_;
};

class SerialRelaySwitch : public LoadSwitch {
 public:
  struct Config {
    std::string port;
    int baud = 9600;
    std::string preset;                                                        // "lcus", "text" or "" (raw commands)
    std::vector<std::pair<std::string, int>> relays;                           // load -> relay (presets)
    std::vector<std::pair<std::string, std::vector<unsigned char>>> commands;  // load -> bytes (raw)
    std::vector<unsigned char> all_off;                                        // raw
    double settle_s = 0.2;
    const std::atomic<bool>* stop = nullptr;  // when set, the settle wait ends and select() throws
    int terminate_relay = 0;                  // presets: the relay that shorts the loopback input (0: none)
  };
  explicit SerialRelaySwitch(Config c);
  ~SerialRelaySwitch() override;
  void select(const Load& load) override;
  void all_off() override;
  std::string describe() const override;
  bool terminate_input(bool on) override;

 private:
  std::vector<unsigned char> relay_bytes(int relay, bool on) const;
  void settle() const;  // throws when stopped meanwhile
  Config c_;
  SerialPort port_;
};

class CommandSwitch : public LoadSwitch {
 public:
  // Checks that argv[0] can be run (InputError otherwise). `stop` (the run's Ctrl-C flag) ends a running
  // command: its process group is killed and select() throws. `terminates_input` (terminate_input:
  // "command"): terminate_input(on) runs argv + ["terminate_input", "on" or "off"].
  CommandSwitch(std::vector<std::string> argv, double timeout_s, double settle_s,
                const std::atomic<bool>* stop = nullptr, bool terminates_input = false);
  void select(const Load& load) override;
  std::string describe() const override;
  bool terminate_input(bool on) override;  // a failed command throws, as select() does: the run stops

 private:
  void run(const std::vector<std::string>& extra, const std::string& what);  // argv + extra, checked
  std::vector<std::string> argv_;
  double timeout_s_, settle_s_;
  const std::atomic<bool>* stop_;
  bool terminate_ = false;
};

class ManualSwitch : public LoadSwitch {
 public:
  ManualSwitch(std::istream& in, std::ostream& out, bool is_terminal, bool assume_yes, std::string port_label);
  void select(const Load& load) override;
  std::string describe() const override { return "manual load switching"; }

 private:
  std::istream& in_;
  std::ostream& out_;
  bool terminal_, yes_;
  std::string label_;
};

// Checks the bench file's load_switch section without touching hardware (load_bench_config calls it):
// InputError with the JSON path on a bad field, raw bytes that are not hex, a command that cannot be run.
void check_load_switch(const nlohmann::json& section, const std::string& source, const std::vector<Load>& loads);

// From the bench file's load_switch section (the same checks, then the port is opened). `stop` is the
// run's Ctrl-C flag: the waits of serial and command switches end when it is set.
std::unique_ptr<LoadSwitch> make_load_switch(const nlohmann::json& section, const std::string& source,
                                             const std::vector<Load>& loads, bool assume_yes,
                                             const std::atomic<bool>* stop = nullptr);

}  // namespace outbench
