// Sound files through libsndfile: WAV (and whatever else libsndfile reads: AIFF, FLAC, ...), 16/24/32-bit
// integer and 32/64-bit float, any channel count, sample rates 8 kHz..384 kHz. Samples are converted to
// double in full-scale units (+/-1.0). Writing is atomic: a temporary file beside the target
// (temp_path_beside), renamed into place once complete. A file that cannot be read throws InputError, one
// that cannot be written WriteError, naming the file and libsndfile's reason.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "measure/files/bulk_allocator.hpp"

namespace outbench {

using SampleBuffer = std::vector<double, BulkAllocator<double>>;

inline constexpr double kMinFileRateHz = 8000.0;
inline constexpr double kMaxFileRateHz = 384000.0;
// Samples beyond this (in full-scale units, +60 dBFS) are refused: they are not a recording, and their
// powers would overflow the analysis.
inline constexpr double kMaxSampleFullScale = 1000.0;

struct SoundFile {
  double rate_hz = 0;
  std::vector<SampleBuffer> channels;  // deinterleaved
  std::string format;                  // e.g. "WAV pcm24"
  std::size_t n_frames() const { return channels.empty() ? 0 : channels.front().size(); }
};

enum class SampleFormat { Pcm16, Pcm24, Pcm32, Float32, Float64 };
SampleFormat parse_sample_format(const std::string& name);  // pcm16|pcm24|pcm32|float|double; throws UsageError

// What a sound file's header says (the same checks as read_sound_file, no samples read): lets a caller size
// its work before the samples take memory.
struct SoundFileHeader {
  double rate_hz = 0;
  std::size_t n_frames = 0;
  std::size_t n_channels = 0;
  std::string format;
  // Every sample is exactly a float (8/16/24-bit integer or 32-bit float files): reading it as float loses
  // nothing and takes half the memory of double.
  bool exact_in_float = false;
};
SoundFileHeader read_sound_file_header(const std::filesystem::path& path);

// A regular file only (not a folder, FIFO or device); InputError saying what is wrong with the file, also
// for NaN, infinite or absurd (beyond kMaxSampleFullScale) samples.
SoundFile read_sound_file(const std::filesystem::path& path);
// One channel (0-based) of a sound file read straight into dest[0, n_frames) (dest.size() >= n_frames, else
// InputError; the rest of dest untouched), with read_sound_file's checks of every channel's samples: a long
// capture in the buffer that analyses it, without a second full-length copy. Returns the file's header.
// UsageError (as channel_of) when the channel is absent.
SoundFileHeader read_sound_channel_into(const std::filesystem::path& path, int channel, std::span<double> dest);
SoundFileHeader read_sound_channel_into(const std::filesystem::path& path, int channel, std::span<float> dest);
// The named channel (0-based); throws UsageError naming the file and its channel count when absent.
std::span<const double> channel_of(const SoundFile& f, int channel, const std::filesystem::path& path);

void write_wav(const std::filesystem::path& path, std::span<const std::vector<double>> channels, double rate_hz,
               SampleFormat format);

}  // namespace outbench
