// FFTW wisdom kept between runs of a one-shot command (`outbench analyze`), so that its plans skip the
// planner's search.
//
// Method: FFTW_ESTIMATE still searches its solvers (recursively, for every sub-problem) before it makes a plan;
// for the 1.25 M-point transforms of a 10 s, 96 kHz sweep that search is a quarter of the command's CPU time.
// The wisdom it leaves (which solver won, per sub-problem) is stored in one file; imported at the next start,
// it makes the planner take the winner at once. The plans are the same as without it (the wisdom was written by
// the same planner with the same flags: every figure is bit for bit the same); the twiddle factors are still
// computed when a plan is made. The file: `$XDG_CACHE_HOME/outbench/fftw-wisdom` (else `~/.cache/outbench/...`),
// a first line `outbench-fftw-wisdom 1 <FNV-1a 64 of the rest, hex>` and FFTW's own text; written to a
// temporary beside it and renamed into place (concurrent runs: the last rename wins, each file is whole). A file
// that is missing, torn, edited, from another FFTW (FFTW checks its own signature), not a regular file (a FIFO
// or a device, also through a symlink: never read) or over 128 KiB is ignored and replaced by the run's own
// wisdom (FFTW parses the whole file at every start: ~14 ms per MB, so a file that
// grew with every size ever transformed would cost more than it saves). OUTBENCH_FFTW_WISDOM=off (or 0) turns the cache
// off; errors only ever turn it off.
#pragma once

#include <filesystem>
#include <string>

namespace outbench::cli {

class FftWisdomCache {
 public:
  // Reads and imports the cache file (nothing when off, missing or invalid).
  FftWisdomCache();
  // Writes the wisdom back if the planner learnt something since (errors are ignored: it is a cache).
  void save() noexcept;
  const std::filesystem::path& path() const { return path_; }
  bool imported() const { return imported_; }

 private:
  std::filesystem::path path_;  // empty: the cache is off
  std::string loaded_;          // FFTW's text as imported
  bool imported_ = false;
};

// The checksum of the file's first line (FNV-1a, 64 bits), exposed for tests.
unsigned long long wisdom_checksum(const std::string& text);

}  // namespace outbench::cli
