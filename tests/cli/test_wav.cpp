#include <gtest/gtest.h>

#include <cmath>

#include "measure/errors.hpp"
#include "measure/files/atomic_write.hpp"
#include "measure/files/wav_file.hpp"
#include "run_cli.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

class WavFormats : public ::testing::TestWithParam<std::tuple<std::string, double, int>> {};

TEST_P(WavFormats, RoundTrip) {
  const auto [fmt, rate, channels] = GetParam();
  test::TempDir dir;
  std::vector<std::vector<double>> ch;
  for (int c = 0; c < channels; ++c) ch.push_back(test::tones({{1000.0 + 100 * c, 0.5}}, rate, 1000));
  const auto path = dir / "x.wav";
  write_wav(path, ch, rate, parse_sample_format(fmt));
  const auto f = read_sound_file(path);
  EXPECT_EQ(f.rate_hz, rate);
  ASSERT_EQ(f.channels.size(), static_cast<std::size_t>(channels));
  ASSERT_EQ(f.n_frames(), 1000u);
  const double tol = fmt == "pcm16" ? 4e-5 : fmt == "pcm24" ? 2e-7 : fmt == "float" ? 1e-7 : 1e-9;
  for (int c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < 1000; ++i) ASSERT_NEAR(f.channels[c][i], ch[c][i], tol);
  // One channel straight into a buffer: the same samples; in float exactly those of 16/24-bit and float files.
  const bool exact = fmt == "pcm16" || fmt == "pcm24" || fmt == "float";
  EXPECT_EQ(read_sound_file_header(path).exact_in_float, exact);
  for (int c = 0; c < channels; ++c) {
    std::vector<double> d(1002, 7.0);
    std::vector<float> s(1000);
    EXPECT_EQ(read_sound_channel_into(path, c, d).n_frames, 1000u);
    read_sound_channel_into(path, c, std::span<float>(s));
    for (std::size_t i = 0; i < 1000; ++i) {
      ASSERT_EQ(d[i], f.channels[c][i]);
      if (exact) {
        ASSERT_EQ(static_cast<double>(s[i]), f.channels[c][i]);
      }
    }
    EXPECT_EQ(d[1000], 7.0);  // the rest untouched
  }
  std::vector<double> small(999);
  EXPECT_THROW(read_sound_channel_into(path, 0, small), InputError);
  EXPECT_THROW(read_sound_channel_into(path, channels, std::span<double>(small)), UsageError);
}

// read_sound_channel_into checks every channel's samples as read_sound_file does, with the same message.
TEST(Wav, ChannelReaderRefusesBadSamplesLikeTheFileReader) {
  test::TempDir dir;
  std::vector<std::vector<double>> ch(2, std::vector<double>(100, 0.25));
  ch[1][40] = 5000.0;
  ch[0][70] = 2000.0;
  const auto path = dir / "bad.wav";
  write_wav(path, ch, 48000, SampleFormat::Float64);
  std::string whole, one;
  try {
    read_sound_file(path);
  } catch (const InputError& e) {
    whole = e.what();
  }
  try {
    std::vector<double> d(100);
    read_sound_channel_into(path, 1, d);
  } catch (const InputError& e) {
    one = e.what();
  }
  EXPECT_NE(whole.find("channel 0, frame 70"), std::string::npos) << whole;
  EXPECT_EQ(one, whole);
}

INSTANTIATE_TEST_SUITE_P(Formats, WavFormats,
                         ::testing::Values(std::tuple{"pcm16", 44100.0, 1}, std::tuple{"pcm24", 48000.0, 2},
                                           std::tuple{"pcm32", 96000.0, 3}, std::tuple{"float", 192000.0, 1},
                                           std::tuple{"double", 384000.0, 2}, std::tuple{"pcm24", 8000.0, 8}));

TEST(Wav, MissingFileNamesTheFile) {
  try {
    read_sound_file("/nonexistent/capture.wav");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/capture.wav"), std::string::npos);
  }
}

TEST(Wav, GarbageFileIsRejected) {
  test::TempDir dir;
  write_text_atomic(dir / "bad.wav", "RIFF this is not a wave file at all");
  EXPECT_THROW(read_sound_file(dir / "bad.wav"), InputError);
}

TEST(Wav, RateOutsideRangeIsRejected) {
  test::TempDir dir;
  std::vector<std::vector<double>> ch{std::vector<double>(100, 0.0)};
  write_wav(dir / "slow.wav", ch, 4000, SampleFormat::Pcm16);
  EXPECT_THROW(read_sound_file(dir / "slow.wav"), InputError);
}

TEST(Wav, AtomicTextWriteReplaces) {
  test::TempDir dir;
  write_text_atomic(dir / "a.json", "one");
  write_text_atomic(dir / "a.json", "two");
  EXPECT_EQ(test::slurp(dir / "a.json"), "two");
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path)) ++files;
  EXPECT_EQ(files, 1);  // no temporary left behind
}

// Atomic text writes keep the replaced file's permissions and write through a symlink to its target.
TEST(AtomicWrite, KeepsModeAndFollowsSymlinks) {
  test::TempDir d;
  const std::filesystem::path target = d / "bench.json", link = d / "link.json";
  write_text_atomic(target, "one\n");
  std::filesystem::permissions(target, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::create_symlink(target, link);
  write_text_atomic(link, "two\n");
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(test::slurp(target), "two\n");
  EXPECT_EQ(std::filesystem::status(target).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  for (const auto& e : std::filesystem::directory_iterator(d.path))  // no temporary file left behind
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
  EXPECT_THROW(write_text_atomic(d / "no/such/folder/x.json", "x"), WriteError);
}

}  // namespace
}  // namespace outbench
