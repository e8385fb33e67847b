// The command switch (switches.hpp): runs argv + [load name] in its own process group, with a timeout.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "measure/errors.hpp"
#include "measure/strformat.hpp"
#include "measure/switch/switch_detail.hpp"
#include "measure/switch/switches.hpp"

namespace outbench {

namespace {

using switch_detail::wait_s;

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

CommandSwitch::CommandSwitch(std::vector<std::string> argv, double timeout_s, double settle_s,
                             const std::atomic<bool>* stop, bool terminates_input)
    : argv_(std::move(argv)), timeout_s_(timeout_s), settle_s_(settle_s), stop_(stop), terminate_(terminates_input) {
  if (argv_.empty()) throw InputError("a command load switch needs at least the program to run");
  find_switch_program(argv_.front(), "(load_switch.argv[0])");
}

namespace {

// Starts the switch command: its own process group (killed as a whole on the timeout or a stop; a Ctrl-C on
// the terminal reaches only us), default signal dispositions and an empty mask, /dev/null as stdin and
// stdout (its output must not mix into ours, e.g. `run --json`), its stderr into `err_write_fd` for the
// error message, and none of our other descriptors. InputError when it is not there or not executable.
pid_t spawn_switch_command(const std::string& program, std::vector<std::string>& args, int err_write_fd,
                           const std::string& for_load, const std::string& shown) {
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
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
  posix_spawn_file_actions_adddup2(&sp.actions, err_write_fd, STDERR_FILENO);
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
  return pid;
}

// Waits for the command to exit, collecting its stderr into `err`; on the timeout or a stop its process
// group is ended and the error thrown. Returns its wait status.
int wait_for_switch_command(pid_t pid, int err_read_fd, std::string& err, double timeout_s,
                            const std::atomic<bool>* stop, const std::string& shown) {
  bool err_eof = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  for (;;) {
    pollfd p{err_eof ? -1 : err_read_fd, POLLIN, 0};  // a negative fd: poll only waits
    if (::poll(&p, 1, 20) > 0) err_eof = drain(err_read_fd, err);
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      end_group(pid);
      throw std::runtime_error("lost the load-switch command '" + shown + "': " + std::strerror(errno));
    }
    const bool stopped = stop && stop->load();
    if (stopped || std::chrono::steady_clock::now() > deadline) {
      end_group(pid);
      if (stopped)
        throw std::runtime_error("the load-switch command '" + shown + "' was stopped (its processes were ended)");
      throw std::runtime_error("the load-switch command '" + shown + "' did not finish within " +
                               strformat("%g", timeout_s) + " s (its processes were ended); the run stops here");
    }
  }
  if (!err_eof) drain(err_read_fd, err);
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  return status;
}

}  // namespace

void CommandSwitch::select(const Load& load) {
  run({load.name}, "for load '" + load.name + "'");
}

bool CommandSwitch::terminate_input(bool on) {
  if (!terminate_) return false;
  run({"terminate_input", on ? "on" : "off"},
      on ? "terminating the loopback input" : "reconnecting the loopback input");
  return true;
}

void CommandSwitch::run(const std::vector<std::string>& extra, const std::string& what) {
  std::vector<std::string> args = argv_;
  args.insert(args.end(), extra.begin(), extra.end());
  std::string shown;
  for (const auto& a : args) shown += (shown.empty() ? "" : " ") + a;
  if (stop_ && stop_->load()) throw std::runtime_error("stopped before the load-switch command '" + shown + "'");
  // Checked again now: the program may have gone since the bench file was read.
  const std::string program = find_switch_program(args.front(), what);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot start the load-switch command: pipe: ") + std::strerror(errno));
  Fd err_read{err_pipe[0]};
  Fd err_write{err_pipe[1]};
  ::fcntl(err_read.fd, F_SETFL, O_NONBLOCK);  // our end only: the command's stderr blocks as usual
  const pid_t pid = spawn_switch_command(program, args, err_write.fd, what, shown);
  ::close(err_write.fd);
  err_write.fd = -1;
  std::string err;
  const int status = wait_for_switch_command(pid, err_read.fd, err, timeout_s_, stop_, shown);
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

}  // namespace outbench
