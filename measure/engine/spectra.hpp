// Spectra for plots: a capture's power spectrum reduced to max-hold 1/48-octave bands from 10 Hz to Nyquist
// (a peak is never averaged away). Pure.
// Conventions: dBFS per band (a full-scale sine's bin reads 0 dBFS); the band centres are implied by the
// start (10 Hz) and the step (2^(1/48)), as reports/ expects.
// Limits: bands narrower than a bin repeat that bin's value.
#pragma once

#include <vector>

namespace outbench::engine {

std::vector<double> decimated_spectrum_dbfs(const std::vector<double>& x, double rate_hz);

}  // namespace outbench::engine
