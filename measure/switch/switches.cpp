#include "measure/switch/switches.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "measure/config/json_reader.hpp"
#include "measure/config/kinds.hpp"
#include "measure/errors.hpp"
#include "measure/strformat.hpp"

namespace outbench {

namespace {

constexpr int kBauds[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};

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

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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
  if (s.type == LoadSwitchKind::simulated || s.type == LoadSwitchKind::manual) return s;
  if (s.type == LoadSwitchKind::command) {
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
  SerialRelaySwitch::Config& c = s.serial;
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

// Every descriptor from 3 up gets close-on-exec (where posix_spawn cannot close them itself).
[[maybe_unused]] void mark_descriptors_cloexec() {
  auto mark = [](int fd) {
    const int f = fcntl(fd, F_GETFD);
    if (f >= 0) fcntl(fd, F_SETFD, f | FD_CLOEXEC);
  };
  if (DIR* d = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
      const int fd = std::atoi(e->d_name);
      if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd >= 3 && fd != own) mark(fd);
    }
    ::closedir(d);
    return;
  }
  const long max_fd = std::min(sysconf(_SC_OPEN_MAX), 65536L);
  for (int fd = 3; fd < max_fd; ++fd) mark(fd);
}

// The spawn attributes and file actions, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads what is there without blocking (keeps the first 2 kB); true at end of file.
bool drain(int fd, std::string& into) {
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (into.size() < 2048) into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n == 0;
  }
}

// Ends the command's process group: SIGTERM, up to 0.5 s for the leader to exit, then SIGKILL to whatever of
// the group is left. The leader is reaped last, so that its pid (the group's id) is not reused meanwhile.
void end_group(pid_t pid) {
  ::kill(-pid, SIGTERM);
  for (int i = 0; i < 25; ++i) {
    siginfo_t si{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
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

std::vector<unsigned char> parse_bytes(const std::string& spec, const std::string& what) {
  static const std::string kHow =
      " (write each byte as two hex digits, separated by spaces: \"A0 01 01 A2\" or \"0xA0 0x01 0x01 0xA2\")";
  std::vector<unsigned char> out;
  std::size_t i = 0;
  for (;;) {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == '\t')) ++i;
    if (i == spec.size()) break;
    std::size_t j = i;
    while (j < spec.size() && spec[j] != ' ' && spec[j] != '\t') ++j;
    const std::string token = spec.substr(i, j - i);
    const bool prefixed = token.size() > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X');
    const std::string digits = prefixed ? token.substr(2) : token;
    if (digits.size() != 2 || hex_digit(digits[0]) < 0 || hex_digit(digits[1]) < 0)
      throw InputError(what + ": '" + token + "' is not a hex byte" + kHow);
    out.push_back(static_cast<unsigned char>(hex_digit(digits[0]) * 16 + hex_digit(digits[1])));
    i = j;
  }
  if (out.empty()) throw InputError(what + ": no bytes" + kHow);
  return out;
}

std::string find_switch_program(const std::string& program, const std::string& where) {
  const std::string head = "switch command '" + program + "' " + where + ": ";
  if (program.empty()) throw InputError(head + "no program given");
  struct stat st {};
  if (program.find('/') != std::string::npos) {
    if (::stat(program.c_str(), &st) != 0)
      throw InputError(head + "not found (" + std::strerror(errno) + "); give the program's full path");
    if (!S_ISREG(st.st_mode)) throw InputError(head + "not executable (not a regular file)");
    if (::access(program.c_str(), X_OK) != 0)
      throw InputError(head + "not executable (" + std::strerror(errno) + "; chmod +x it)");
    return program;
  }
  const char* env = std::getenv("PATH");
  const std::string path = env ? env : "/bin:/usr/bin";
  bool seen = false;
  std::size_t from = 0;
  for (;;) {
    const std::size_t colon = path.find(':', from);
    const std::string dir = path.substr(from, colon == std::string::npos ? std::string::npos : colon - from);
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      seen = true;
    }
    if (colon == std::string::npos) break;
    from = colon + 1;
  }
  throw InputError(head + (seen ? "not executable (found on PATH without execute permission; chmod +x it)"
                                : "not found on PATH; give the program's full path"));
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
      settle();
      return;
    }
    for (const auto& [name, bytes] : c_.commands)
      if (name == load.name) {
        port_.write_all(bytes);
        settle();
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
  settle();
}

void SerialRelaySwitch::settle() const {
  if (!wait_s(c_.settle_s, c_.stop)) throw std::runtime_error("stopped while the relays settled");
}

std::string SerialRelaySwitch::describe() const {
  return "relay board (" + (c_.preset.empty() ? std::string("raw commands") : c_.preset) + ") on " + c_.port;
}

CommandSwitch::CommandSwitch(std::vector<std::string> argv, double timeout_s, double settle_s,
                             const std::atomic<bool>* stop)
    : argv_(std::move(argv)), timeout_s_(timeout_s), settle_s_(settle_s), stop_(stop) {
  if (argv_.empty()) throw InputError("a command load switch needs at least the program to run");
  find_switch_program(argv_.front(), "(load_switch.argv[0])");
}

void CommandSwitch::select(const Load& load) {
  std::vector<std::string> args = argv_;
  args.push_back(load.name);
  std::string shown;
  for (const auto& a : args) shown += (shown.empty() ? "" : " ") + a;
  const std::string for_load = "for load '" + load.name + "'";
  if (stop_ && stop_->load()) throw std::runtime_error("stopped before the load-switch command '" + shown + "'");
  // Checked again now: the program may have gone since the bench file was read.
  const std::string program = find_switch_program(args.front(), for_load);
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  // The command gets its own process group (killed as a whole on the timeout or a stop; a Ctrl-C on the
  // terminal reaches only us), default signal dispositions and an empty mask, /dev/null as stdin and stdout
  // (its output must not mix into ours, e.g. `run --json`), its stderr into a pipe for the error message,
  // and none of our other descriptors.
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot start the load-switch command: pipe: ") + std::strerror(errno));
  Fd err_read{err_pipe[0]};
  Fd err_write{err_pipe[1]};
  ::fcntl(err_read.fd, F_SETFL, O_NONBLOCK);  // our end only: the command's stderr blocks as usual
  SpawnSetup sp;
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setflags(&sp.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&sp.attr, 0);
  posix_spawnattr_setsigmask(&sp.attr, &none);
  posix_spawnattr_setsigdefault(&sp.attr, &defaults);
  posix_spawn_file_actions_addopen(&sp.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&sp.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&sp.actions, err_pipe[1], STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&sp.actions, 3);
#else
  mark_descriptors_cloexec();
#endif
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &sp.actions, &sp.attr, cargv.data(), environ);
  if (rc == ENOENT) throw InputError("switch command '" + args.front() + "' " + for_load + ": not found");
  if (rc == EACCES || rc == ENOEXEC || rc == EPERM)
    throw InputError("switch command '" + args.front() + "' " + for_load + ": not executable (" + std::strerror(rc) +
                     ")");
  if (rc != 0) throw std::runtime_error("cannot start the load-switch command '" + shown + "': " + std::strerror(rc));
  ::close(err_write.fd);
  err_write.fd = -1;

  std::string err;
  bool err_eof = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  int status = 0;
  for (;;) {
    pollfd p{err_eof ? -1 : err_read.fd, POLLIN, 0};  // a negative fd: poll only waits
    if (::poll(&p, 1, 20) > 0) err_eof = drain(err_read.fd, err);
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      end_group(pid);
      throw std::runtime_error("lost the load-switch command '" + shown + "': " + std::strerror(errno));
    }
    const bool stopped = stop_ && stop_->load();
    if (stopped || std::chrono::steady_clock::now() > deadline) {
      end_group(pid);
      if (stopped)
        throw std::runtime_error("the load-switch command '" + shown + "' was stopped (its processes were ended)");
      throw std::runtime_error("the load-switch command '" + shown + "' did not finish within " +
                               strformat("%g", timeout_s_) + " s (its processes were ended); the run stops here");
    }
  }
  if (!err_eof) drain(err_read.fd, err);
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("the load-switch command '" + shown + "' failed (" +
                             (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                                : "killed by signal " + std::to_string(WTERMSIG(status))) +
                             ")" + (err.empty() ? "" : ": " + err) + "; the run stops here");
  if (!wait_s(settle_s_, stop_)) throw std::runtime_error("stopped while the load switch settled");
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
  if (s.type == LoadSwitchKind::manual)
    return std::make_unique<ManualSwitch>(std::cin, std::cerr, ::isatty(STDIN_FILENO) != 0, assume_yes,
                                          "the port under test");
  if (s.type == LoadSwitchKind::command) return std::make_unique<CommandSwitch>(s.argv, s.timeout_s, s.settle_s, stop);
  s.serial.stop = stop;
  return std::make_unique<SerialRelaySwitch>(std::move(s.serial));
}

}  // namespace outbench
