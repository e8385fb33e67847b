// Spectra for plots, reduced to 1/48-octave bands from 10 Hz to Nyquist from the averaged power spectrum
// (analysis/distortion.hpp power_spectrum: window kThdnWindow, Blackman-Harris 7-term). Pure.
// Two scales, each stated in results.json (`scale`, `bin_hz`, `window`) and on the plot:
// - tone_spectrum ("sine"): each band holds the highest bin (max-hold: a peak is never averaged away), times
//   the window's equivalent noise bandwidth in bins, so a sine reads its own level in dBFS (within the window's
//   scalloping, at most 0.8 dB for a tone between two bins); noise reads its power in one bin (bin_hz).
// - noise_density ("density_per_hz"): each band holds the mean of its bins' power per hertz, so white noise is
//   flat and reads its density in dBFS in 1 Hz (customarily written dBFS/√Hz); its integral over a band is
//   the band's noise. Bins of 16384 frames (2.9 Hz at 48 kHz), averaged over the capture's segments.
// Conventions: a full-scale sine is 0 dBFS; band centres are implied by start (10 Hz) and step (2^(1/48)).
// Limits: bands narrower than a bin repeat that bin's value.
#pragma once

#include <string>
#include <vector>

namespace outbench::engine {

struct PlotSpectrum {
  std::vector<double> level_dbfs;
  double bin_hz = 0;
  std::string scale;   // "sine" or "density_per_hz"
  std::string window;  // the analysis window's name
};

PlotSpectrum tone_spectrum(const std::vector<double>& x, double rate_hz);
PlotSpectrum noise_density(const std::vector<double>& x, double rate_hz);

}  // namespace outbench::engine
