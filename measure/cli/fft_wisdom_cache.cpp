#include "measure/cli/fft_wisdom_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

#include "analysis/fft.hpp"

namespace outbench::cli {
namespace {

constexpr const char* kMagic = "outbench-fftw-wisdom 1 ";
// A file over kImportMaxBytes is not imported, and the run's own wisdom replaces it: FFTW parses the whole
// text at every start (~14 ms per MB here), and a cache that kept every size ever transformed would cost more
// than the planning it saves. A run's own wisdom is ~1-20 KB, so the file holds the sizes of the last few
// dozen distinct analyses before it starts again. A run whose own wisdom is larger writes none.
constexpr std::size_t kImportMaxBytes = std::size_t{128} << 10;

std::filesystem::path cache_path() {
  if (const char* off = std::getenv("OUTBENCH_FFTW_WISDOM");
      off && (std::string(off) == "off" || std::string(off) == "0"))
    return {};
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/')
    return std::filesystem::path(xdg) / "outbench" / "fftw-wisdom";
  if (const char* home = std::getenv("HOME"); home && home[0] == '/')
    return std::filesystem::path(home) / ".cache" / "outbench" / "fftw-wisdom";
  return {};
}

std::string hex(unsigned long long v) {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", v);
  return s;
}

// The file's bytes, if it is a regular file (not a FIFO, device or directory, also through a symlink) of at most
// max_bytes; else nothing. Opened without blocking (a FIFO), checked on the open descriptor.
std::optional<std::string> read_small_regular_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
      static_cast<std::size_t>(st.st_size) <= max_bytes) {
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t r = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    bytes.resize(got);
    out = std::move(bytes);
  }
  ::close(fd);
  return out;
}

}  // namespace

unsigned long long wisdom_checksum(const std::string& text) {
  unsigned long long h = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

FftWisdomCache::FftWisdomCache() : path_(cache_path()) {
  if (path_.empty()) return;
  const std::size_t line_bytes = std::string(kMagic).size() + 16;
  const std::optional<std::string> file = read_small_regular_file(path_, line_bytes + 1 + kImportMaxBytes);
  if (!file) return;
  const std::size_t eol = file->find('\n');
  if (eol != line_bytes || file->rfind(kMagic, 0) != 0) return;
  std::string text = file->substr(eol + 1);
  if (text.empty() || hex(wisdom_checksum(text)) != file->substr(std::string(kMagic).size(), 16)) return;
  // FFTW restores its previous wisdom when an import fails part-way.
  if (fftw_wisdom_import(text)) {
    loaded_ = std::move(text);
    imported_ = true;
  }
}

void FftWisdomCache::save() noexcept {
  if (path_.empty()) return;
  try {
    const std::string text = fftw_wisdom_export();
    if (text.empty() || text == loaded_ || text.size() > kImportMaxBytes) return;
    std::error_code ec;
    std::filesystem::create_directories(path_.parent_path(), ec);
    if (ec) return;
    std::filesystem::path tmp = path_;
    tmp += ".tmp" + std::to_string(::getpid());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << kMagic << hex(wisdom_checksum(text)) << '\n' << text;
      out.flush();
      if (!out) {
        std::filesystem::remove(tmp, ec);
        return;
      }
    }
    std::filesystem::rename(tmp, path_, ec);
    if (ec) std::filesystem::remove(tmp, ec);
    loaded_ = text;
  } catch (...) {
  }
}

}  // namespace outbench::cli
