// Clock drift between a player and a recorder that run on two clocks (docs/MEASUREMENTS.md "Two clocks").
//
// Method: the same short timing marker (a Hann-windowed linear chirp over 4 % .. 25 % of the sample rate,
// 40 ms) is played before and after the stimulus, a known number of stimulus-clock samples apart. Each
// marker is found in the capture by cross-correlation (whole samples), then to a fraction of a sample by the
// slope of the cross-spectrum phase over the marker's band (weighted least squares through the origin). The
// two markers pass through the same device, so its phase response shifts both alike and cancels in their
// distance (each is found again against the marker stretched by the ratio found before, as the capture holds
// it: unmatched, a clock 1000 ppm off biases the two fractional delays unequally, by up to 3 samples); the ratio
// of the played distance to the captured distance is the clock ratio:
//   ratio = played_distance / captured_distance = f_player / f_recorder,  ppm = (ratio - 1) * 1e6.
// A positive ppm: the player's clock runs fast (the capture holds fewer samples than were played).
// Precision: a fraction of a ppm for markers ~ 0.3 s apart at 60 dB SNR; it scales with 1/distance and with
// the markers' noise. Each estimate carries its standard uncertainty u_ppm, measured on the capture itself:
// the capture's silence beside the markers (before the first, after the second; a quarter of a marker's length
// away from each) is cut into marker-long segments starting every 1/64 of a marker (the delay a segment gives
// decorrelates within a few samples: nearly independent draws), each added to a clean marker of the gain
// found, and the fractional delay that noise gives is taken rms over the segments (at most 32): the timing noise of
// each marker, u_ppm = 1e6 * sqrt(u1^2 + u2^2) / distance. What the noise does not show (a device whose phase changes
// between the two markers) is not in u_ppm. No marker-long silence beside the markers: u_ppm infinite. Limits: the
// clock ratio is taken as constant between the two markers; a polarity inversion is allowed; markers drowned in noise
// (correlation coefficient below 0.5) give found == false with the reason.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace outbench {

// The timing marker at rate_hz, peak amplitude peak (full-scale units).
std::vector<double> timing_marker(double rate_hz, double peak);

struct MarkerPosition {
  bool found = false;
  double position = 0;     // capture sample where the marker's first sample lies (fractional)
  double correlation = 0;  // normalised correlation coefficient at the peak (|.| <= 1)
  double gain = 0;         // the marker's amplitude in the capture (|least-squares gain| at the peak)
};

// The marker in capture[search_begin, search_end + marker.size()).
MarkerPosition locate_marker(std::span<const double> capture, std::span<const double> marker, std::size_t search_begin,
                             std::size_t search_end);

struct ClockDrift {
  bool found = false;
  std::string problem;             // why not found
  double ppm = 0;                  // (ratio - 1) * 1e6
  double ratio = 1;                // player samples per recorder sample
  double first_position = 0;       // where the first marker lies in the capture (recorder samples)
  double second_position = 0;      // the second
  double u_ppm = 0;                // standard uncertainty of ppm (infinite: no silence beside the markers to read)
  std::size_t noise_segments = 0;  // the marker-long segments of silence u_ppm was read from
};

// The markers of a capture: the first played at stimulus-clock sample 0 and searched for in
// capture[0, search_frames), the second played played_distance samples later.
ClockDrift estimate_clock_drift(std::span<const double> capture, std::span<const double> marker, double played_distance,
                                std::size_t search_frames);

}  // namespace outbench
