// A device clock that runs apart from the bench's, in real time (outbench-virtual-dut on JACK): the DUT reads
// its input stream at ratio = 1 + clock_ppm * 1e-6 input samples per output sample, as the simulated bench
// does with libsoxr on whole captures (measure/sim/simulated_bench.hpp), but block by block.
//
// Method: output sample k is the band-limited input at position k * ratio - queue_frames, by a windowed-sinc
// interpolator (128 taps, Kaiser beta 12.3: images and aliases below -120 dB, flat to 0.001 dB up to 22 kHz at
// 48 kHz), its kernel tabulated at 2048 phases per sample and interpolated linearly between them (error below
// -130 dB at 20 kHz). The input is kept in a ring of kHistoryFrames.
// Limits: the queue between input and output (initially queue_frames) shrinks by clock_ppm * 1e-6 samples per
// sample when the DUT runs fast and grows when it runs slow; an output that would need input not yet arrived,
// or older than the ring, is silence (underruns() counts those samples). No allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace outbench::sim {

class ClockStream {
 public:
  static constexpr int kHalfTaps = 64;
  static constexpr std::size_t kHistoryFrames = std::size_t{1} << 17;

  ClockStream(double clock_ppm, double queue_frames);
  // n input samples in, n output samples out (in and out may not overlap).
  void process(const float* in, float* out, std::size_t n);
  std::uint64_t underruns() const { return underruns_; }
  double queue_frames() const;  // input samples between the newest input and the next output's centre

 private:
  double ratio_minus_1_;
  double queue_;
  std::vector<double> ring_;
  std::uint64_t in_count_ = 0, out_count_ = 0, underruns_ = 0;
};

}  // namespace outbench::sim
