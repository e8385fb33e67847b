// Spectral windows (periodic, "DFT-even" form: w[n] = sum_k (-1)^k a_k cos(2*pi*k*n/N), n = 0..N-1).
//
// - Blackman-Harris 7-term (Albrecht 2001, "Tailoring of minimum sidelobe cosine-sum windows"), main lobe
//   +/-7 bins. With the published 14-digit coefficients used here the highest sidelobe is -180.1 dB (near 7.3
//   bins) for windows of 1024 points or more; their alternating sum (the window's edge value) is 5.9e-8 instead
//   of 0, which lifts the far sidelobes of short windows: -177.6 dB at 256 points, -168.7 dB at 64. The
//   distortion analyser's window (segments of thousands of points): leakage stays below what a 24-bit converter
//   can resolve.
// - Flat-top (5-term, the common "flattopwin" coefficients): scalloping < 0.01 dB, for amplitude readings.
// - Hann: for smoothing and tapering.
// Coherent gain = mean(w) (a sine of amplitude A reads A*CG*N/2 in its peak bin); ENBW in bins =
// N*sum(w^2)/sum(w)^2.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace outbench {

enum class WindowKind { BlackmanHarris7, FlatTop, Hann };

std::string_view window_name(WindowKind kind);
// Main-lobe half width in bins (first null), e.g. 7 for Blackman-Harris 7-term.
int window_main_lobe_half_width_bins(WindowKind kind);

struct WindowFigures {
  double coherent_gain = 0;  // mean(w)
  double enbw_bins = 0;      // N * sum(w^2) / sum(w)^2
  double sum_w = 0;
  double sum_w2 = 0;
};
std::vector<double> make_window(WindowKind kind, std::size_t n);
// The same window and its figures from a per-thread cache of recently used sizes (computing 7 cosines per
// sample costs more than the FFT it feeds). The reference stays valid until the same thread asks for 16
// other windows.
struct CachedWindow {
  WindowKind kind;
  std::vector<double> w;
  WindowFigures figures;
};
const CachedWindow& cached_window(WindowKind kind, std::size_t n);

WindowFigures window_figures(std::span<const double> w);

}  // namespace outbench
