#include "measure/switch/switches.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "measure/config/json_reader.hpp"
#include "measure/config/kinds.hpp"
#include "measure/errors.hpp"
#include "measure/switch/switch_detail.hpp"

namespace outbench {

namespace switch_detail {

// Waits `s` seconds in short steps; false as soon as *stop is set (Ctrl-C).
bool wait_s(double s, const std::atomic<bool>* stop) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, s)));
  for (Clock::time_point now = Clock::now(); now < end; now = Clock::now()) {
    if (stop && stop->load()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(20), end - now));
  }
  return !(stop && stop->load());
}

}  // namespace switch_detail

namespace {

using switch_detail::kBauds;

// The bench file's load_switch section, checked; nothing opened or run.
struct SwitchSpec {
  LoadSwitchKind type = LoadSwitchKind::simulated;
  SerialRelaySwitch::Config serial;
  std::vector<std::string> argv;
  double timeout_s = 10, settle_s = 0.1;
};

SwitchSpec parse_switch(const nlohmann::json& section, const std::string& source, const std::vector<Load>& loads) {
  JsonReader r(section, source, "load_switch");
  r.require_object();
  SwitchSpec s;
  const auto kind = parse_load_switch_kind(r.string("type"));
  if (!kind) r.fail("type", load_switch_kind_list());
  s.type = *kind;
  // A misspelt key (e.g. "timeout" for "timeout_s") is an error, not a default used silently.
  const InputTermination term = parse_input_termination(section, source);
  if (term.kind == InputTermination::Kind::relay &&
      !(s.type == LoadSwitchKind::simulated || (s.type == LoadSwitchKind::serial && section.contains("preset"))))
    r.at("terminate_input")
        .fail("relay",
              "a relay only on a serial board with a preset or the simulated switch; use \"manual\" "
              "(a shorting plug you fit when asked)" +
                  std::string(s.type == LoadSwitchKind::command
                                  ? " or \"command\" (your command is run with terminate_input on / off)"
                                  : ""));
  if (term.kind == InputTermination::Kind::command && s.type != LoadSwitchKind::command)
    r.fail("terminate_input",
           "\"command\" only with a command load switch (type \"command\"); use {\"relay\": N} or \"manual\"");
  if (s.type == LoadSwitchKind::simulated || s.type == LoadSwitchKind::manual) {
    r.only_keys({"type", "terminate_input"});
    return s;
  }
  if (s.type == LoadSwitchKind::command) {
    r.only_keys({"type", "argv", "timeout_s", "settle_s", "terminate_input"});
    const auto a = r.at("argv");
    a.require_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a.json()[i].is_string()) a.fail("", "a list of strings");
      s.argv.push_back(a.json()[i].get<std::string>());
    }
    if (s.argv.empty() || s.argv.front().empty()) a.fail("", "at least the program to run");
    find_switch_program(s.argv.front(), "in " + source + ": load_switch.argv[0]");
    s.timeout_s = r.number_in("timeout_s", 0.01, 600, 10);
    s.settle_s = r.number_in("settle_s", 0, 10, 0.1);
    return s;
  }
  r.only_keys({"type", "port", "baud", "preset", "relays", "commands", "all_off", "settle_s", "terminate_input"});
  SerialRelaySwitch::Config& c = s.serial;
  if (term.kind == InputTermination::Kind::relay) c.terminate_relay = term.relay;
  c.port = r.string("port");
  c.baud = r.has("baud") ? r.integer_in("baud", 1200, 115200) : 9600;
  bool known_baud = false;
  for (int b : kBauds) known_baud |= b == c.baud;
  if (!known_baud) r.fail("baud", "one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200");
  c.preset = r.string("preset", "");
  c.settle_s = r.number_in("settle_s", 0, 10, 0.2);
  if (!c.preset.empty()) {
    if (c.preset != "lcus" && c.preset != "text")
      r.fail("preset", "\"lcus\" or \"text\" (or no preset and raw commands)");
    const auto rel = r.at("relays");
    for (const auto& name : rel.keys()) c.relays.emplace_back(name, rel.integer_in(name, 1, 16));
  } else {
    const auto cmds = r.at("commands");
    for (const auto& name : cmds.keys())
      c.commands.emplace_back(name, parse_bytes(cmds.string(name), source + ": load_switch.commands." + name +
                                                                       " (the bytes for the load \"" + name + "\")"));
    if (r.has("all_off")) c.all_off = parse_bytes(r.string("all_off"), source + ": load_switch.all_off");
  }
  for (const auto& l : loads) {
    if (l.name == "open") continue;
    bool found = false;
    for (const auto& [n, _] : c.relays) found |= n == l.name;
    for (const auto& [n, _] : c.commands) found |= n == l.name;
    if (!found) r.fail(c.preset.empty() ? "commands" : "relays", "an entry for the load \"" + l.name + "\"");
  }
  return s;
}

}  // namespace

InputTermination parse_input_termination(const nlohmann::json& section, const std::string& source) {
  InputTermination t;
  if (!section.is_object() || !section.contains("terminate_input")) return t;
  const JsonReader r(section, source, "load_switch");
  const auto& v = section.at("terminate_input");
  if (v.is_string() && (v.get<std::string>() == "manual" || v.get<std::string>() == "command")) {
    t.kind = v.get<std::string>() == "manual" ? InputTermination::Kind::manual : InputTermination::Kind::command;
    return t;
  }
  if (!v.is_object())
    r.fail("terminate_input",
           "{\"relay\": N} (the relay that shorts the loopback input), \"command\" (a command switch runs "
           "its argv with terminate_input on / off) or \"manual\"");
  const auto o = r.at("terminate_input");
  o.only_keys({"relay"});
  t.kind = InputTermination::Kind::relay;
  t.relay = o.integer_in("relay", 1, 16);
  return t;
}

ManualTerminationSwitch::ManualTerminationSwitch(std::unique_ptr<LoadSwitch> inner, std::istream& in, std::ostream& out,
                                                 bool is_terminal)
    : inner_(std::move(inner)), in_(in), out_(out), terminal_(is_terminal) {}

bool ManualTerminationSwitch::terminate_input(bool on) {
  if (!terminal_) return false;
  out_ << (on ? "\nFit the shorting plug to the loopback input (the analyser's own floor is measured next), "
                "then press Enter... "
              : "\nRemove the shorting plug from the loopback input, then press Enter... ")
       << std::flush;
  std::string line;
  if (!std::getline(in_, line)) throw UsageError("no answer on the terminal (Ctrl-C or end of input): stopped");
  inner_->terminate_input(on);  // the simulated bench terminates its model
  return true;
}

ManualSwitch::ManualSwitch(std::istream& in, std::ostream& out, bool is_terminal, bool assume_yes, std::string label)
    : in_(in), out_(out), terminal_(is_terminal), yes_(assume_yes), label_(std::move(label)) {}

void ManualSwitch::select(const Load& load) {
  if (yes_) return;
  if (!terminal_)
    throw UsageError(
        "manual load switching needs a terminal to wait for Enter; pass --yes if the load is already in "
        "place (single-load runs only)");
  out_ << "\nConnect the " << (load.name == "open" ? std::string("open (no load)") : load.name + " ohm load")
       << " across " << label_ << ", then press Enter... " << std::flush;
  std::string line;
  if (!std::getline(in_, line)) throw UsageError("no answer on the terminal (Ctrl-C or end of input): stopped");
}

void check_load_switch(const nlohmann::json& section, const std::string& source, const std::vector<Load>& loads) {
  parse_switch(section, source, loads);
}

std::unique_ptr<LoadSwitch> make_load_switch(const nlohmann::json& section, const std::string& source,
                                             const std::vector<Load>& loads, bool assume_yes,
                                             const std::atomic<bool>* stop) {
  SwitchSpec s = parse_switch(section, source, loads);
  if (s.type == LoadSwitchKind::simulated)
    JsonReader(section, source, "load_switch")
        .fail("type", "\"serial\", \"command\" or \"manual\" (\"simulated\" works only with \"audio\": \"simulated\")");
  std::unique_ptr<LoadSwitch> sw;
  if (s.type == LoadSwitchKind::manual)
    sw = std::make_unique<ManualSwitch>(std::cin, std::cerr, ::isatty(STDIN_FILENO) != 0, assume_yes,
                                        "the port under test");
  else if (s.type == LoadSwitchKind::command)
    sw = std::make_unique<CommandSwitch>(
        s.argv, s.timeout_s, s.settle_s, stop,
        parse_input_termination(section, source).kind == InputTermination::Kind::command);
  else {
    s.serial.stop = stop;
    sw = std::make_unique<SerialRelaySwitch>(std::move(s.serial));
  }
  if (parse_input_termination(section, source).kind == InputTermination::Kind::manual)
    sw = std::make_unique<ManualTerminationSwitch>(std::move(sw), std::cin, std::cerr, ::isatty(STDIN_FILENO) != 0);
  return sw;
}

}  // namespace outbench
