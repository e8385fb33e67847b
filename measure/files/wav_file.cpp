#include "measure/files/wav_file.hpp"

#include <fcntl.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"
#include "measure/files/atomic_write.hpp"

namespace outbench {
namespace {

struct SndfileCloser {
  void operator()(SNDFILE* f) const {
    if (f) sf_close(f);
  }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

std::string subformat_name(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: return "pcm8";
    case SF_FORMAT_PCM_U8: return "pcm8u";
    case SF_FORMAT_PCM_16: return "pcm16";
    case SF_FORMAT_PCM_24: return "pcm24";
    case SF_FORMAT_PCM_32: return "pcm32";
    case SF_FORMAT_FLOAT: return "float";
    case SF_FORMAT_DOUBLE: return "double";
    default: return "other";
  }
}

}  // namespace

SampleFormat parse_sample_format(const std::string& name) {
  if (name == "pcm16") return SampleFormat::Pcm16;
  if (name == "pcm24") return SampleFormat::Pcm24;
  if (name == "pcm32") return SampleFormat::Pcm32;
  if (name == "float") return SampleFormat::Float32;
  if (name == "double") return SampleFormat::Float64;
  throw UsageError("--format '" + name + "' is not known: use pcm16, pcm24, pcm32, float or double");
}

namespace {

// libsndfile could not open `fd`: say what is wrong with the file where its header says so (WAV).
std::string why_unreadable(int fd) {
  unsigned char h[4096];
  const ssize_t n = ::pread(fd, h, sizeof h, 0);
  if (n == 0) return "the file is empty";
  auto u16 = [&](std::size_t i) { return static_cast<unsigned>(h[i] | h[i + 1] << 8); };
  auto u32 = [&](std::size_t i) {
    return static_cast<unsigned long>(h[i]) | static_cast<unsigned long>(h[i + 1]) << 8 |
           static_cast<unsigned long>(h[i + 2]) << 16 | static_cast<unsigned long>(h[i + 3]) << 24;
  };
  if (n >= 12 && (std::memcmp(h, "RIFF", 4) == 0 || std::memcmp(h, "RF64", 4) == 0) &&
      std::memcmp(h + 8, "WAVE", 4) == 0) {
    for (std::size_t i = 12; i + 24 <= static_cast<std::size_t>(n);) {  // walk the chunks to "fmt "
      const unsigned long size = u32(i + 4);
      if (std::memcmp(h + i, "fmt ", 4) == 0) {
        if (u16(i + 10) == 0) return "its header says it has 0 channels";
        if (u32(i + 12) == 0) return "its header says its sample rate is 0 Hz";
        break;
      }
      if (size > static_cast<std::size_t>(n)) break;
      i += 8 + size + (size & 1);
    }
  }
  std::string why = sf_strerror(nullptr);
  if (why.find("ormat not recognised") != std::string::npos)
    return "not a sound file outbench can read (WAV, RF64, AIFF, FLAC, ... through libsndfile)";
  return why;
}

}  // namespace

namespace {

// An open sound file whose header passed the checks: libsndfile's handle and what it read from the header.
struct OpenSoundFile {
  SndfilePtr f;
  SF_INFO info{};
};

OpenSoundFile open_sound_file(const std::filesystem::path& path) {
  // A regular file only: a folder or a FIFO is refused (a FIFO would block forever).
  const int fd = open_input_file(path, "sound file");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  // libsndfile gets its own descriptor: it closes it when it fails to open the file, and `fd` stays open to
  // look at the header.
  const int sfd = ::dup(fd);
  if (sfd < 0) throw InputError("cannot read sound file '" + path.string() + "': " + std::strerror(errno));
  OpenSoundFile o;
  SF_INFO& info = o.info;
  {
    // libsndfile keeps its last error in a global while it opens a file: one open at a time (`analyze response`
    // reads the reference and the capture on two threads; helgrind saw the race).
    static std::mutex open_mutex;
    const std::lock_guard<std::mutex> lock(open_mutex);
    o.f.reset(sf_open_fd(sfd, SFM_READ, &info, SF_TRUE));
  }
  if (!o.f) throw InputError("cannot read sound file '" + path.string() + "': " + why_unreadable(fd));
  if (info.channels < 1) throw InputError("sound file '" + path.string() + "' has no channels");
  if (info.samplerate < kMinFileRateHz || info.samplerate > kMaxFileRateHz)
    throw InputError("sound file '" + path.string() + "' has sample rate " + std::to_string(info.samplerate) +
                     " Hz; outbench reads 8000 to 384000 Hz");
  if (info.frames <= 0) throw InputError("sound file '" + path.string() + "' holds no audio frames");
  return o;
}

// Finite and within the limit: one comparison (false for NaN and the infinities too), no branch, so that a block
// of samples is checked in one vectorised pass.
bool sample_ok(double v) {
  return std::abs(v) <= kMaxSampleFullScale;
}

InputError bad_sample(const std::filesystem::path& path, std::size_t c, std::size_t i, double v) {
  std::ostringstream e;
  e << "sound file '" << path.string() << "', channel " << c << ", frame " << i << ": the sample is " << v;
  if (std::isfinite(v))
    e << ", more than " << kMaxSampleFullScale << " times full scale; outbench reads samples within +/-"
      << kMaxSampleFullScale << " (+60 dBFS)";
  else
    e << "; a sound file must hold finite numbers";
  return InputError(e.str());
}

UsageError no_channel(const std::filesystem::path& path, int channel, std::size_t n_channels) {
  return UsageError("--channel " + std::to_string(channel) + " does not exist in '" + path.string() + "', which has " +
                    std::to_string(n_channels) + " channel(s) (numbered from 0)");
}

std::string format_name(const SF_INFO& info) {
  return ((info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV ? "WAV " : "") + subformat_name(info.format);
}

SoundFileHeader header_of(const SF_INFO& info) {
  const int sub = info.format & SF_FORMAT_SUBMASK;
  const bool exact = sub == SF_FORMAT_PCM_S8 || sub == SF_FORMAT_PCM_U8 || sub == SF_FORMAT_PCM_16 ||
                     sub == SF_FORMAT_PCM_24 || sub == SF_FORMAT_FLOAT;
  return {static_cast<double>(info.samplerate), static_cast<std::size_t>(info.frames),
          static_cast<std::size_t>(info.channels), format_name(info), exact};
}

}  // namespace

SoundFileHeader read_sound_file_header(const std::filesystem::path& path) {
  return header_of(open_sound_file(path).info);
}

SoundFile read_sound_file(const std::filesystem::path& path) {
  OpenSoundFile o = open_sound_file(path);
  SndfilePtr& f = o.f;
  const SF_INFO& info = o.info;
  // Integer files: full scale = 1.0 without clipping normalisation quirks; floats read as stored.
  sf_command(f.get(), SFC_SET_NORM_DOUBLE, nullptr, SF_TRUE);
  const auto n = static_cast<std::size_t>(info.frames);
  const auto nch = static_cast<std::size_t>(info.channels);
  SoundFile out;
  out.rate_hz = info.samplerate;
  out.format = format_name(info);
  out.channels.resize(nch);
  for (auto& ch : out.channels) ch.reserve(n);
  std::size_t done = 0;
  if (nch == 1) {  // straight into the samples' buffer (not zeroed first: see BulkAllocator)
    auto& ch = out.channels[0];
    ch.resize(n);
    while (done < n) {
      const sf_count_t got = sf_readf_double(f.get(), ch.data() + done, static_cast<sf_count_t>(n - done));
      if (got <= 0) break;
      done += static_cast<std::size_t>(got);
    }
    ch.resize(done);
  }
  // Several channels: read in blocks, no second full-size (interleaved) copy of a long file.
  constexpr std::size_t kBlockFrames = 16384;
  std::vector<double> inter(nch == 1 ? 0 : kBlockFrames * nch);
  while (nch > 1 && done < n) {
    const auto want = static_cast<sf_count_t>(std::min(kBlockFrames, n - done));
    const sf_count_t got = sf_readf_double(f.get(), inter.data(), want);
    if (got <= 0) break;
    const auto g = static_cast<std::size_t>(got);
    for (std::size_t c = 0; c < nch; ++c)
      for (std::size_t i = 0; i < g; ++i) out.channels[c].push_back(inter[i * nch + c]);
    done += g;
  }
  if (done != n)
    throw InputError("sound file '" + path.string() + "' is truncated: read " + std::to_string(done) + " of " +
                     std::to_string(n) + " frames");
  // Float files can hold anything: NaN, infinity or values that overflow the analysis (1e300).
  for (std::size_t c = 0; c < nch; ++c)
    for (std::size_t i = 0; i < n; ++i)
      if (!sample_ok(out.channels[c][i])) throw bad_sample(path, c, i, out.channels[c][i]);
  return out;
}

namespace {

sf_count_t readf(SNDFILE* f, double* to, sf_count_t frames) {
  return sf_readf_double(f, to, frames);
}
sf_count_t readf(SNDFILE* f, float* to, sf_count_t frames) {
  return sf_readf_float(f, to, frames);
}

template <class T>
SoundFileHeader read_channel_into(const std::filesystem::path& path, int channel, std::span<T> dest) {
  OpenSoundFile o = open_sound_file(path);
  SndfilePtr& f = o.f;
  const SF_INFO& info = o.info;
  const auto n = static_cast<std::size_t>(info.frames);
  const auto nch = static_cast<std::size_t>(info.channels);
  if (channel < 0 || static_cast<std::size_t>(channel) >= nch) throw no_channel(path, channel, nch);
  if (n > dest.size())
    throw InputError("sound file '" + path.string() + "' holds " + std::to_string(n) + " frames, more than the " +
                     std::to_string(dest.size()) + " expected (did it change while it was read?)");
  sf_command(f.get(), SFC_SET_NORM_DOUBLE, nullptr, SF_TRUE);
  sf_command(f.get(), SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
  const auto ch = static_cast<std::size_t>(channel);
  // The first bad sample of each channel (read_sound_file's order: channel by channel).
  std::vector<std::size_t> bad(nch, n);
  std::vector<T> bad_v(nch, T{0});
  std::size_t done = 0;
  // In blocks, also for one channel: each block is checked while it is still in the cache (one pass over the
  // samples in memory instead of two).
  constexpr std::size_t kBlockFrames = 16384;
  std::vector<T> inter(nch == 1 ? 0 : kBlockFrames * nch);
  while (done < n) {
    const auto want = static_cast<sf_count_t>(std::min(kBlockFrames, n - done));
    T* to = nch == 1 ? dest.data() + done : inter.data();
    const sf_count_t got = readf(f.get(), to, want);
    if (got <= 0) break;
    const auto g = static_cast<std::size_t>(got);
    // The whole block at once first, the first bad sample of each channel only when there is one.
    bool all_ok = true;
    for (std::size_t i = 0; i < g * nch; ++i) all_ok &= sample_ok(to[i]);
    for (std::size_t i = 0; !all_ok && i < g * nch; ++i)
      if (!sample_ok(to[i]) && bad[i % nch] == n) {
        bad[i % nch] = done + i / nch;
        bad_v[i % nch] = to[i];
      }
    if (nch > 1)
      for (std::size_t i = 0; i < g; ++i) dest[done + i] = inter[i * nch + ch];
    done += g;
  }
  if (done != n)
    throw InputError("sound file '" + path.string() + "' is truncated: read " + std::to_string(done) + " of " +
                     std::to_string(n) + " frames");
  for (std::size_t c = 0; c < nch; ++c)
    if (bad[c] < n) throw bad_sample(path, c, bad[c], bad_v[c]);
  return header_of(info);
}

}  // namespace

SoundFileHeader read_sound_channel_into(const std::filesystem::path& path, int channel, std::span<double> dest) {
  return read_channel_into(path, channel, dest);
}
SoundFileHeader read_sound_channel_into(const std::filesystem::path& path, int channel, std::span<float> dest) {
  return read_channel_into(path, channel, dest);
}

std::span<const double> channel_of(const SoundFile& f, int channel, const std::filesystem::path& path) {
  if (channel < 0 || static_cast<std::size_t>(channel) >= f.channels.size())
    throw no_channel(path, channel, f.channels.size());
  return f.channels[static_cast<std::size_t>(channel)];
}

void write_wav(const std::filesystem::path& path, std::span<const std::vector<double>> channels, double rate_hz,
               SampleFormat format) {
  if (channels.empty()) throw UsageError("nothing to write to '" + path.string() + "'");
  SF_INFO info{};
  info.samplerate = static_cast<int>(std::lround(rate_hz));
  info.channels = static_cast<int>(channels.size());
  int sub = SF_FORMAT_PCM_24;
  switch (format) {
    case SampleFormat::Pcm16: sub = SF_FORMAT_PCM_16; break;
    case SampleFormat::Pcm24: sub = SF_FORMAT_PCM_24; break;
    case SampleFormat::Pcm32: sub = SF_FORMAT_PCM_32; break;
    case SampleFormat::Float32: sub = SF_FORMAT_FLOAT; break;
    case SampleFormat::Float64: sub = SF_FORMAT_DOUBLE; break;
  }
  const std::size_t n = channels.front().size();
  // WAV's 4 GiB limit: switch to RF64 past it.
  const bool big = n * channels.size() * 8 > (std::size_t{1} << 31);
  info.format = (big ? SF_FORMAT_RF64 : SF_FORMAT_WAV) | sub;
  const auto tmp = temp_path_beside(path);
  {
    SndfilePtr f(sf_open(tmp.c_str(), SFM_WRITE, &info));
    if (!f) throw WriteError("cannot write '" + path.string() + "': " + sf_strerror(nullptr));
    sf_command(f.get(), SFC_SET_NORM_DOUBLE, nullptr, SF_TRUE);
    sf_command(f.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
    std::vector<double> inter(n * channels.size());
    for (std::size_t c = 0; c < channels.size(); ++c)
      for (std::size_t i = 0; i < n; ++i) inter[i * channels.size() + c] = channels[c][i];
    if (sf_writef_double(f.get(), inter.data(), static_cast<sf_count_t>(n)) != static_cast<sf_count_t>(n)) {
      const std::string why = sf_strerror(f.get());
      f.reset();
      std::filesystem::remove(tmp);
      throw WriteError("cannot write '" + path.string() + "': " + why);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw WriteError("cannot write '" + path.string() + "': " + ec.message());
  }
}

}  // namespace outbench
