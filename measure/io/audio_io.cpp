#include "measure/io/audio_io.hpp"

#include <cmath>

namespace outbench {

Capture play_record_retrying(AudioIo& io, int retries, const std::vector<int>& out_channels,
                             const std::vector<std::vector<double>>& stimulus, const std::vector<int>& in_channels,
                             std::size_t capture_frames, const std::atomic<bool>* stop) {
  Capture c;
  for (int attempt = 0;; ++attempt) {
    c = io.play_record(out_channels, stimulus, in_channels, capture_frames);
    c.attempts = attempt + 1;
    if (c.valid || c.xruns == 0 || attempt >= retries || (stop && stop->load())) return c;
  }
}

bool Load::is_open() const {
  return !std::isfinite(actual_ohms) || actual_ohms <= 0;
}

}  // namespace outbench
