// Load switching on a real bench (DESIGN.md; bench file section "load_switch").
//
//  serial:  USB relay boards through a POSIX termios serial port in raw mode (cfmakeraw): real adapters
//           (/dev/ttyUSB0, /dev/ttyACM0) and pseudo-terminals alike. Presets: "lcus" (CH340 LCUS boards:
//           A0 <relay> <0|1> <(A0+relay+state) & FF>), "text" ("relay on N\r" / "relay off N\r"), or raw
//           per-load "commands" (hex bytes "A0 01 01 A2" or text with \r \n \xNN escapes) with "all_off".
//           Selecting a load turns every other relay off first, then the load's relay on; "open" = all off.
//           All off on exit. {"type":"serial","port":"/dev/ttyUSB0","baud":9600,"preset":"lcus",
//           "relays":{"10k":1,"600":2,"300":3,"32":4,"16":5},"settle_s":0.2}
//  command: runs argv + [load name] (no shell) with a timeout; a non-zero exit stops the run.
//           {"type":"command","argv":["/usr/local/bin/relay","--load"],"timeout_s":10,"settle_s":0.1}
//  manual:  prints which load to connect and waits for Enter; refuses without a terminal unless told the
//           loads are in place (--yes, single-load runs).
#pragma once

#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "measure/audio_io.hpp"

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

// "A0 01 01 A2" (hex) or text with \r \n \t \xNN escapes.
std::vector<unsigned char> parse_bytes(const std::string& spec);

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
  };
  explicit SerialRelaySwitch(Config c);
  ~SerialRelaySwitch() override;
  void select(const Load& load) override;
  void all_off() override;
  std::string describe() const override;

 private:
  std::vector<unsigned char> relay_bytes(int relay, bool on) const;
  Config c_;
  SerialPort port_;
};

class CommandSwitch : public LoadSwitch {
 public:
  CommandSwitch(std::vector<std::string> argv, double timeout_s, double settle_s);
  void select(const Load& load) override;
  std::string describe() const override;

 private:
  std::vector<std::string> argv_;
  double timeout_s_, settle_s_;
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

// From the bench file's load_switch section (InputError with the JSON path on a bad field).
std::unique_ptr<LoadSwitch> make_load_switch(const nlohmann::json& section, const std::string& source,
                                             const std::vector<Load>& loads, bool assume_yes);

}  // namespace outbench
