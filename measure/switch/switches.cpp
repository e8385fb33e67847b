#include "measure/switch/switches.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "measure/errors.hpp"
#include "measure/json_reader.hpp"

namespace outbench {

namespace {

speed_t baud_constant(int baud) {
  switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: throw InputError("serial baud rate " + std::to_string(baud) + " is not supported (1200..115200)");
  }
}

void sleep_s(double s) {
  if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace

SerialPort::SerialPort(const std::string& path, int baud) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd_ < 0)
    throw InputError("cannot open the relay board's serial port '" + path + "': " + std::strerror(errno) +
                     " (check the cable and `ls /dev/ttyUSB* /dev/ttyACM*`, and that you may use it: group dialout)");
  termios t{};
  if (tcgetattr(fd_, &t) != 0) {
    ::close(fd_);
    throw InputError("'" + path + "' is not a serial port: " + std::strerror(errno));
  }
  cfmakeraw(&t);
  const speed_t sp = baud_constant(baud);
  cfsetispeed(&t, sp);
  cfsetospeed(&t, sp);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 1;
  tcsetattr(fd_, TCSANOW, &t);
  tcflush(fd_, TCIOFLUSH);
}

SerialPort::~SerialPort() {
  if (fd_ >= 0) ::close(fd_);
}

void SerialPort::write_all(const std::vector<unsigned char>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("writing to the relay board on '" + path_ + "' failed: " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  tcdrain(fd_);
}

std::vector<unsigned char> parse_bytes(const std::string& spec) {
  std::vector<unsigned char> out;
  // Hex form: pairs of hex digits separated by spaces.
  bool hex = !spec.empty();
  for (char c : spec)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ' ') hex = false;
  if (hex) {
    std::size_t i = 0;
    while (i < spec.size()) {
      if (spec[i] == ' ') {
        ++i;
        continue;
      }
      if (i + 1 >= spec.size() || spec[i + 1] == ' ')
        throw InputError("byte sequence '" + spec + "': hex bytes come in pairs");
      out.push_back(static_cast<unsigned char>(std::stoi(spec.substr(i, 2), nullptr, 16)));
      i += 2;
    }
    return out;
  }
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] != '\\' || i + 1 >= spec.size()) {
      out.push_back(static_cast<unsigned char>(spec[i]));
      continue;
    }
    const char e = spec[++i];
    if (e == 'r')
      out.push_back('\r');
    else if (e == 'n')
      out.push_back('\n');
    else if (e == 't')
      out.push_back('\t');
    else if (e == '\\')
      out.push_back('\\');
    else if (e == 'x' && i + 2 < spec.size()) {
      out.push_back(static_cast<unsigned char>(std::stoi(spec.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      throw InputError("byte sequence '" + spec + "': unknown escape \\" + std::string(1, e));
    }
  }
  return out;
}

SerialRelaySwitch::SerialRelaySwitch(Config c) : c_(std::move(c)), port_(c_.port, c_.baud) {
  all_off();
}

SerialRelaySwitch::~SerialRelaySwitch() {
  try {
    all_off();
  } catch (...) {
  }
}

std::vector<unsigned char> SerialRelaySwitch::relay_bytes(int relay, bool on) const {
  if (c_.preset == "lcus") {
    const auto r = static_cast<unsigned char>(relay), s = static_cast<unsigned char>(on ? 1 : 0);
    return {0xA0, r, s, static_cast<unsigned char>((0xA0 + r + s) & 0xFF)};
  }
  const std::string t = std::string("relay ") + (on ? "on " : "off ") + std::to_string(relay) + "\r";
  return {t.begin(), t.end()};
}

void SerialRelaySwitch::all_off() {
  if (c_.preset.empty()) {
    if (!c_.all_off.empty()) port_.write_all(c_.all_off);
    return;
  }
  for (const auto& [name, relay] : c_.relays) port_.write_all(relay_bytes(relay, false));
}

void SerialRelaySwitch::select(const Load& load) {
  if (c_.preset.empty()) {
    if (!c_.all_off.empty()) port_.write_all(c_.all_off);
    if (load.is_open() && load.name == "open") {
      sleep_s(c_.settle_s);
      return;
    }
    for (const auto& [name, bytes] : c_.commands)
      if (name == load.name) {
        port_.write_all(bytes);
        sleep_s(c_.settle_s);
        return;
      }
    throw InputError("the relay board has no command for the load '" + load.name +
                     "' (add it to load_switch.commands)");
  }
  all_off();
  if (load.name != "open") {
    int relay = -1;
    for (const auto& [name, r] : c_.relays)
      if (name == load.name) relay = r;
    if (relay < 0)
      throw InputError("no relay is assigned to the load '" + load.name + "' (add it to load_switch.relays)");
    port_.write_all(relay_bytes(relay, true));
  }
  sleep_s(c_.settle_s);
}

std::string SerialRelaySwitch::describe() const {
  return "relay board (" + (c_.preset.empty() ? std::string("raw commands") : c_.preset) + ") on " + c_.port;
}

CommandSwitch::CommandSwitch(std::vector<std::string> argv, double timeout_s, double settle_s)
    : argv_(std::move(argv)), timeout_s_(timeout_s), settle_s_(settle_s) {}

void CommandSwitch::select(const Load& load) {
  std::vector<std::string> args = argv_;
  args.push_back(load.name);
  std::string shown;
  for (const auto& a : args) shown += (shown.empty() ? "" : " ") + a;
  // Everything the child needs is built before fork(): between fork and exec only async-signal-safe calls
  // (the audio library's threads may hold the allocator's lock at the moment of the fork).
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  static constexpr char kExecFailed[] = "cannot run the program (not found or not executable)";
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot start the load-switch command: fork failed");
  if (pid == 0) {
    dup2(err_pipe[1], STDERR_FILENO);
    // Ctrl-C is the run's to handle (it stops between steps): the child is not killed by it.
    signal(SIGINT, SIG_IGN);
    execvp(cargv[0], cargv.data());
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    _exit(127);
  }
  ::close(err_pipe[1]);
  std::string err;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  int status = 0;
  bool exited = false;
  while (!exited) {
    pollfd p{err_pipe[0], POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      char buf[512];
      const ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
      if (n > 0 && err.size() < 2048) err.append(buf, static_cast<std::size_t>(n));
    }
    if (waitpid(pid, &status, WNOHANG) == pid)
      exited = true;
    else if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ::close(err_pipe[0]);
      throw std::runtime_error("the load-switch command '" + shown + "' did not finish within " +
                               std::to_string(timeout_s_) + " s; the run stops here");
    }
  }
  ::close(err_pipe[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("the load-switch command '" + shown + "' failed (exit status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")" +
                             (err.empty() ? "" : ": " + err) + "; the run stops here");
  sleep_s(settle_s_);
}

std::string CommandSwitch::describe() const {
  return "command " + (argv_.empty() ? std::string() : argv_.front());
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

std::unique_ptr<LoadSwitch> make_load_switch(const nlohmann::json& section, const std::string& source,
                                             const std::vector<Load>& loads, bool assume_yes) {
  JsonReader r(section, source, "load_switch");
  r.require_object();
  const std::string type = r.string("type");
  if (type == "simulated")
    r.fail("type", "\"serial\", \"command\" or \"manual\" (\"simulated\" works only with \"audio\": \"simulated\")");
  if (type == "manual")
    return std::make_unique<ManualSwitch>(std::cin, std::cerr, ::isatty(STDIN_FILENO) != 0, assume_yes,
                                          "the port under test");
  if (type == "command") {
    const auto a = r.at("argv");
    a.require_array();
    std::vector<std::string> argv;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a.json()[i].is_string()) a.fail("", "a list of strings");
      argv.push_back(a.json()[i].get<std::string>());
    }
    if (argv.empty()) a.fail("", "at least the program to run");
    return std::make_unique<CommandSwitch>(argv, r.number_in("timeout_s", 0.01, 600, 10),
                                           r.number_in("settle_s", 0, 10, 0.1));
  }
  if (type != "serial") r.fail("type", "\"serial\", \"command\", \"manual\" or \"simulated\"");
  SerialRelaySwitch::Config c;
  c.port = r.string("port");
  c.baud = r.has("baud") ? r.integer_in("baud", 1200, 115200) : 9600;
  c.preset = r.string("preset", "");
  c.settle_s = r.number_in("settle_s", 0, 10, 0.2);
  if (!c.preset.empty()) {
    if (c.preset != "lcus" && c.preset != "text")
      r.fail("preset", "\"lcus\" or \"text\" (or no preset and raw commands)");
    const auto rel = r.at("relays");
    for (const auto& name : rel.keys()) c.relays.emplace_back(name, rel.integer_in(name, 1, 16));
  } else {
    const auto cmds = r.at("commands");
    for (const auto& name : cmds.keys()) c.commands.emplace_back(name, parse_bytes(cmds.string(name)));
    if (r.has("all_off")) c.all_off = parse_bytes(r.string("all_off"));
  }
  for (const auto& l : loads) {
    if (l.name == "open") continue;
    bool found = false;
    for (const auto& [n, _] : c.relays) found |= n == l.name;
    for (const auto& [n, _] : c.commands) found |= n == l.name;
    if (!found) r.fail(c.preset.empty() ? "commands" : "relays", "an entry for the load \"" + l.name + "\"");
  }
  return std::make_unique<SerialRelaySwitch>(std::move(c));
}

}  // namespace outbench
