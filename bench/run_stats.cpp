// Whole-process figures for scripts/bench.sh: runs a command N times (stdout to /dev/null) and prints the
// wall time and CPU time (min and median) and the peak resident memory (largest of the runs; getrusage of
// the child), so that no other tool is needed.
//   usage: outbench_run_stats N COMMAND [ARGS...]
//   prints: wall_min_s wall_median_s cpu_min_s cpu_median_s peak_rss_mb
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || std::atoi(argv[1]) < 1) {
    std::fprintf(stderr, "usage: %s N COMMAND [ARGS...]\n", argv[0]);
    return 2;
  }
  const int runs = std::atoi(argv[1]);
  std::vector<double> wall, cpu;
  long peak_kb = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      return 1;
    }
    if (pid == 0) {
      const int devnull = open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
      execvp(argv[2], argv + 2);
      std::perror(argv[2]);
      _exit(127);
    }
    int status = 0;
    rusage ru{};
    if (wait4(pid, &status, 0, &ru) < 0) {
      std::perror("wait4");
      return 1;
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "%s: the command failed (status %d)\n", argv[0], status);
      return 1;
    }
    wall.push_back(std::chrono::duration<double>(t1 - t0).count());
    cpu.push_back(seconds(ru.ru_utime) + seconds(ru.ru_stime));
    peak_kb = std::max(peak_kb, ru.ru_maxrss);
  }
  std::printf("%.4f %.4f %.4f %.4f %.1f\n", *std::min_element(wall.begin(), wall.end()), median(wall),
              *std::min_element(cpu.begin(), cpu.end()), median(cpu), static_cast<double>(peak_kb) / 1024.0);
  return 0;
}
