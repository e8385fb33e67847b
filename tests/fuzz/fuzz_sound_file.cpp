// libFuzzer target: a sound file (any container libsndfile reads) through read_sound_file, then the checks
// the CLI makes on what it returns: every channel as long as the file, the rate in range, finite samples.
#include <cmath>
#include <cstdlib>

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
    outbench::channel_of(f, static_cast<int>(f.channels.size()), path);  // one past the end: UsageError
    std::abort();
  });
  return 0;
}
