// Two clocks (docs/MEASUREMENTS.md "Two clocks"): an AudioIo wrapped so that the analysis sees every capture
// on the stimulus clock. Each stimulus is played as
//   [marker | gap | stimulus, then silence to capture_frames | gap | marker | gap]
// on every output channel of the call (the marker's peak: the stimulus's, at most -20 dBFS, so never above
// what the engine allowed); the capture is searched for both markers (analysis/clock_drift.hpp), resampled by
// the measured ratio (analysis/resample.hpp) and cut back to the capture_frames that one clock would have
// given, with the measured ppm in Capture::clock_ppm. A silent stimulus (noise floor) is passed through
// untouched: no markers, no estimate (drift does not change noise).
// Limits: the latency between the two devices must be below kGapS (the first marker would fall into the
// capture): a capture whose first marker comes later, or whose markers are not found, is refused with the
// reason. Each capture is corrected by its own estimate (a wandering clock is followed capture by capture).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "measure/io/audio_io.hpp"
#include "measure/results.hpp"

namespace outbench::engine {

inline constexpr double kGapS = 0.1;           // silence between a marker and the stimulus
inline constexpr double kMarkerMaxPeak = 0.1;  // -20 dBFS
inline constexpr double kWanderWarnPpm = 2.0;  // spread of the per-capture ppm that is a warning

class TwoClockIo : public AudioIo {
 public:
  explicit TwoClockIo(AudioIo& inner) : inner_(inner) {}
  double rate_hz() const override { return inner_.rate_hz(); }
  Capture play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stimulus,
                      const std::vector<int>& in_channels, std::size_t capture_frames) override;
  void silence() override { inner_.silence(); }

 private:
  AudioIo& inner_;
  double played_s_ = 0;  // everything played through inner_ so far, markers and silences included
};

// The run's clock figures from its captures' estimates (none: nullopt); a spread above kWanderWarnPpm adds a
// warning. wander_ppm_per_min: least-squares slope of ppm against the capture's start (minutes of capture).
std::optional<ClockSummary> summarise_clock(const std::vector<ClockCapture>& captures,
                                            std::vector<std::string>& warnings);

}  // namespace outbench::engine
