// Sound files through libsndfile: WAV (and whatever else libsndfile reads: AIFF, FLAC, ...), 16/24/32-bit
// integer and 32/64-bit float, any channel count, sample rates 8 kHz..384 kHz. Samples are converted to
// double in full-scale units (+/-1.0). Writing is atomic: a temporary file beside the target, renamed
// into place once complete. Errors throw InputError naming the file and libsndfile's reason.
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

// A regular file only (not a folder, FIFO or device); InputError saying what is wrong with the file, also
// for NaN, infinite or absurd (beyond kMaxSampleFullScale) samples.
SoundFile read_sound_file(const std::filesystem::path& path);
// The named channel (0-based); throws UsageError naming the file and its channel count when absent.
std::span<const double> channel_of(const SoundFile& f, int channel, const std::filesystem::path& path);

void write_wav(const std::filesystem::path& path, std::span<const std::vector<double>> channels, double rate_hz,
               SampleFormat format);

// Write `text` to `path` atomically and durably: a temporary file beside it (same permissions as the file it
// replaces), fsync, rename, fsync of the folder. A symlink is followed: its target is replaced.
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

// Several files as one: each is written to a temporary beside it (fsync) first; only when all are written
// are they renamed into place. When anything fails (a full disk, a rename), every file keeps its old content
// (or stays absent) and InputError names the file that failed.
struct TextFile {
  std::filesystem::path path;
  std::string text;
};
void write_texts_atomic(const std::vector<TextFile>& files);
// Tests only: the rename write_texts_atomic uses (nullptr: ::rename), to fail one on purpose.
void set_rename_for_tests(int (*rename_fn)(const char*, const char*));

// The temporary files a killed outbench left in `dir`: NAME.tmp<pid> and NAME.old.tmp<pid> where NAME is one of
// `names` ("*.wav": any name ending in .wav) and process <pid> no longer runs. Removes them; returns them.
std::vector<std::filesystem::path> remove_stale_temps(const std::filesystem::path& dir,
                                                      const std::vector<std::string>& names);

}  // namespace outbench
