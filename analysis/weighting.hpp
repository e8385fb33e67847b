// Frequency weightings. A-weighting per IEC 61672-1:2013 (analytic form, normalised to 0 dB at 1 kHz):
//   R_A(f) = 12194^2 f^4 / ((f^2 + 20.6^2) sqrt((f^2 + 107.7^2)(f^2 + 737.9^2)) (f^2 + 12194^2)),
//   A(f) = 20 log10 R_A(f) + 2.00 dB.
#pragma once

namespace outbench {

enum class Weighting { None, A };

// Linear amplitude gain of the weighting at freq_hz (1.0 for Weighting::None).
double weighting_gain(Weighting w, double freq_hz);
double a_weighting_db(double freq_hz);

}  // namespace outbench
