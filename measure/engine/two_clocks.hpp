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
// Every capture is resampled from its first marker, which is put where the run's first capture had it (to the
// fraction of a sample): y[n] = x(p1 + (n - A) / ratio), A = p1 of the first capture. Every capture then has the
// latency and the sub-sample timing of the first, as on one clock (the engine measures the latency once and
// shares it; the complex ratio of two captures, e.g. open and loaded, is right even when the clock moved
// between them). Resampled from sample 0 instead (y[n] = x(n / ratio)), the analyser's own latency would be
// scaled by each capture's ratio: with a clock that wanders by 100 ppm/min, the loaded sweeps ran up to 0.006
// samples late of the open one, a false inductance in |Zout| (1.164 ohm read for 1.000 at 19.6 kHz). Where the
// capture and the stimulus start apart (two PortAudio streams: their offset is a different, fractional number of
// samples on every capture) this is what makes the captures line up at all; a delay common to the whole band
// below one sample is then not measured.
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
// A capture's ppm is a reading of the clock when its standard uncertainty is at most kResolveUPpm (1 ppm is
// five of them): above it (markers too faint or too close, e.g. the first step of the level probe at
// -100 dBFS) the capture is still corrected by its own estimate (its timing error at the capture's end is
// u_ppm * 1e-6 * its length, hundredths of a sample), but it is listed apart and left out of the clock's figures.
inline constexpr double kResolveUPpm = 0.2;
inline constexpr double kVerifiedPpm = 200.0;  // beyond it the run carries a warning (figures verified to +/- 200)

class TwoClockIo : public AudioIo {
 public:
  // streams_apart (two PortAudio streams) needs nothing different: every capture is anchored on its first marker.
  explicit TwoClockIo(AudioIo& inner, bool /*streams_apart*/ = false) : inner_(inner) {}
  double rate_hz() const override { return inner_.rate_hz(); }
  Capture play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stimulus,
                      const std::vector<int>& in_channels, std::size_t capture_frames) override;
  void silence() override { inner_.silence(); }
  // Passed through uncorrected: a DC level and a transient's peak do not depend on the clock's drift.
  std::optional<Capture> capture_stream_events(const std::vector<int>& out, const std::vector<int>& in,
                                               std::size_t frames, long start, long stop,
                                               std::string& why_not) override {
    return inner_.capture_stream_events(out, in, frames, start, stop, why_not);
  }
  std::optional<Capture> capture_rate_change(const std::vector<int>& out, const std::vector<int>& in,
                                             std::size_t frames, long change, double other_rate_hz,
                                             std::string& why_not) override {
    return inner_.capture_rate_change(out, in, frames, change, other_rate_hz, why_not);
  }

 private:
  AudioIo& inner_;
  std::optional<double> anchor_;  // where every capture's first marker is put
  double played_s_ = 0;           // everything played through inner_ so far, markers and silences included
};

// The run's clock figures from its captures' estimates (none: nullopt), from the resolved ones (u_ppm at most
// kResolveUPpm; the others in `unresolved`; none resolved: the figures from all of them, and a warning); a
// spread above kWanderWarnPpm adds a warning, and so does a mean beyond kVerifiedPpm.
// wander_ppm_per_min: least-squares slope of ppm against the capture's start (minutes of capture).
std::optional<ClockSummary> summarise_clock(const std::vector<ClockCapture>& captures,
                                            std::vector<std::string>& warnings);

}  // namespace outbench::engine
