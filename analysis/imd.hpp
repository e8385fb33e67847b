// Intermodulation distortion of a two-tone capture: SMPTE (IMD) and CCIF (difference-frequency distortion).
//
// Stimuli (make_imd_stimulus):
// - SMPTE (SMPTE RP120, DIN 45403, IEC 60268-3 modulation method): f1 = 60 Hz and f2 = 7 kHz, amplitudes 4:1
//   (f1 is 12.04 dB above f2).
// - CCIF (IEC 60268-3 difference-frequency distortion, DFD): f1 = 19 kHz and f2 = 20 kHz, amplitudes 1:1.
// The level is the sum of the two amplitudes, as the level of a sine with that peak (dBFS): a two-tone at
// -1 dBFS never peaks above a -1 dBFS sine (it comes within a few % of it), so it does not clip before the
// sine would. Raised-cosine fades.
// Figures (docs/MEASUREMENTS.md "Intermodulation"), from amplitudes A(f) read at exact frequencies:
// - SMPTE: IMD = sqrt(sum over n = 1..4 of A(f2 - n f1)^2 + A(f2 + n f1)^2) / A(f2).
// - CCIF: d2 = A(f2 - f1) / (A(f1) + A(f2)); d3 = (A(2 f1 - f2) + A(2 f2 - f1)) / (A(f1) + A(f2)).
// Each is given in dB (20 log10) and in percent.
// Method: the settled part of the capture (settled_segment, with the lower of f1 and f2 - f1 as its slowest
// frequency) is read at each component's exact frequency with the narrow-band estimator (narrowband.hpp:
// Blackman-Harris 7-term, sidelobes -180 dB, noise from neighbouring readings). A component that does not
// stand 10 dB above its narrow-band noise enters as its 95 % upper bound; when such bounds carry more than
// 1 % of the summed power (they could move the figure by more than 0.04 dB), the figure is a bound (bound
// set): "IMD < x".
// Conventions: amplitudes relative to full scale, frequencies in Hz, levels in dBFS (a full-scale sine 0 dBFS).
// Refusals (valid false, reason says why): less than 0.5 s settled, or f1 and f2 carrying less than half the
// capture's power (another stimulus, a single tone, noise).
// Limits: no hum keep-out (60 Hz is SMPTE's own f1); components at or above Nyquist are left out (listed with
// in_band false); the capture must hold at least 0.5 s of settled two-tone.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace outbench {

enum class ImdStandard { Smpte, Ccif };

struct ImdSpec {
  ImdStandard standard = ImdStandard::Smpte;
  double f1_hz = 60.0;  // SMPTE defaults; imd_spec(Ccif) gives 19 kHz / 20 kHz
  double f2_hz = 7000.0;
  double ratio_f1_to_f2 = 4;  // amplitude ratio A1 / A2
};

// The standard's frequencies and amplitude ratio.
ImdSpec imd_spec(ImdStandard standard);
// "smpte" or "ccif" (throws std::invalid_argument naming the accepted words otherwise).
ImdStandard parse_imd_standard(const std::string& word);
const char* imd_standard_name(ImdStandard standard);

struct ImdStimulusSpec {
  ImdSpec imd;
  double duration_s = 1.0;
  double rate_hz = 48000.0;
  double level_dbfs = -20.0;  // sum of the two amplitudes, as a sine's level
  double fade_s = 0.01;
};
// Throws std::invalid_argument when a tone is at or above Nyquist or the level is not finite.
std::vector<double> make_imd_stimulus(const ImdStimulusSpec& spec);

struct ImdComponent {
  std::string name;  // "f1", "f2", "f2-1f1", "f2+2f1", "d2 f2-f1", "d3 2f1-f2", ...
  double freq_hz = 0;
  double level_dbfs = 0;  // measured, or the 95 % upper bound when bound
  bool bound = false;
  bool in_band = true;  // below Nyquist
};

struct ImdResult {
  bool valid = false;
  std::string reason;
  ImdStandard standard = ImdStandard::Smpte;
  double f1_hz = 0, f2_hz = 0;
  double level_dbfs = 0;  // the sum of the two tones' amplitudes as read, as a sine's level
  // SMPTE: imd_db / imd_pct (d2/d3 unused). CCIF: d2 and d3 (imd unused).
  double imd_db = 0, imd_pct = 0;
  double d2_db = 0, d2_pct = 0, d3_db = 0, d3_pct = 0;
  bool bound = false;  // products under the noise could matter: the figures are upper bounds
  std::vector<ImdComponent> components;
  std::size_t start_frame = 0, n_frames = 0;  // the settled part read
};

ImdResult analyze_imd(std::span<const double> x, double rate_hz, const ImdSpec& spec);

}  // namespace outbench
