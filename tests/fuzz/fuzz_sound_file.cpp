// libFuzzer target: a sound file (any container libsndfile reads) through read_sound_file, then the checks
// the CLI makes on what it returns: every channel as long as the file, the rate in range, finite samples; and
// channel 0 read again by the block reader, in double and in float, to the same values.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <span>
#include <vector>

#include "fuzz_common.hpp"
#include "measure/files/wav_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = outbench::fuzz::input_file(data, size, "input.wav");
  outbench::fuzz::expect_clean([&] {
    const auto f = outbench::read_sound_file(path);
    if (f.channels.empty() || f.n_frames() == 0) std::abort();
    if (f.rate_hz < outbench::kMinFileRateHz || f.rate_hz > outbench::kMaxFileRateHz) std::abort();
    for (const auto& ch : f.channels) {
      if (ch.size() != f.n_frames()) std::abort();
      for (double v : ch)
        if (!std::isfinite(v)) std::abort();
    }
    // The block reader the analyses use (one channel straight into the caller's buffer) reads the same samples,
    // in double and, where float holds them exactly, in float.
    const auto h = outbench::read_sound_file_header(path);
    if (h.n_frames != f.n_frames()) std::abort();
    std::vector<double> d(h.n_frames);
    if (outbench::read_sound_channel_into(path, 0, std::span<double>(d)).n_frames != d.size()) std::abort();
    if (!std::equal(d.begin(), d.end(), f.channels[0].begin(), f.channels[0].end())) std::abort();
    if (h.exact_in_float) {
      std::vector<float> g(h.n_frames);
      outbench::read_sound_channel_into(path, 0, std::span<float>(g));
      for (std::size_t i = 0; i < g.size(); ++i)
        if (static_cast<double>(g[i]) != d[i]) std::abort();
    }
    outbench::channel_of(f, static_cast<int>(f.channels.size()), path);  // one past the end: UsageError
    std::abort();
  });
  return 0;
}
