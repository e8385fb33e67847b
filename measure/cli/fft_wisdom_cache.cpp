#include "measure/cli/fft_wisdom_cache.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

#include "analysis/fft.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"

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
  // A regular file only (open_input_file never blocks: a FIFO or a device is refused), of at most that many bytes.
  const std::size_t max_bytes = line_bytes + 1 + kImportMaxBytes;
  std::string file;
  try {
    file = read_input_file(open_input_file(path_, "FFTW wisdom cache"), max_bytes, path_, "FFTW wisdom cache");
  } catch (const InputError&) {
    return;
  }
  if (file.size() > max_bytes) return;
  const std::size_t eol = file.find('\n');
  if (eol != line_bytes || file.rfind(kMagic, 0) != 0) return;
  std::string text = file.substr(eol + 1);
  if (text.empty() || hex(wisdom_checksum(text)) != file.substr(std::string(kMagic).size(), 16)) return;
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
