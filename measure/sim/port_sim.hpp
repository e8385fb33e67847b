// Sample-by-sample physical model of one output port driving one load into the loopback ADC.
//
// Per channel: digital stimulus x (full-scale units) -> optional DAC low-pass (2nd-order Butterworth,
// bilinear) -> EMF e = x * sqrt(2) * vrms_at_0dbfs * 10^(g/20), g = volume_gain_db (model.hpp) -> static nonlinearity
// e + k2 e^2 + k3 e^3 (k2 = 2 h2 / Ap, k3 = -4 h3 / Ap^2 with Ap the EMF peak of a 0 dBFS sine, so the
// stated harmonic levels hold at 0 dBFS; H2 then scales with amplitude, H3 with amplitude squared) ->
// crosstalk from the other channel -> EMF noise (white, std chosen so its 20 Hz..20 kHz RMS is noise_vrms)
// and hum -> soft clipping at the rails (linear to 90 % of the rail, then a tanh knee that never reaches it)
// -> series source R, the bench's lead resistance (contacts, cable; the loopback input reads across the load,
// after the leads) and coupling C (trapezoidal integration, i.e. the bilinear capacitor) into
// Zl = R_load || Z_in -> output current limited to +/- current_limit_apeak -> v = i Zl -> ADC: v scaled so
// full_scale_vrms reads 0 dBFS, plus ADC noise, clipped at full scale, quantised to 24 bits, delayed by
// latency_frames. A reactive load (a network, analysis/network.hpp) or a loopback input with a capacitance
// (input_capacitance_pf, in parallel with its impedance_ohms) makes Zl a network, run in discrete time by the
// trapezoidal rule (companion_net.hpp); the loopback then reads the network's voltage. Deterministic for a seed
// (xoshiro256+ and Box-Muller). Each channel runs with its own parameters (PortModel::ch). The ground return g
// (ground_return_ohms) is shared: both load currents flow back through it from the jack's sleeve to the device's
// ground, and the loopback reads each load's voltage at the jack (tip or ring to sleeve). With E the EMF, Zs the source
// impedance and Zl the load: E_L = I_L (Zs_L + Zl) + g (I_L + I_R), likewise for R, so V_L = I_L Zl = E_L - I_L Zs_L -
// g (I_L + I_R). Driven in phase with equal currents each channel shows Zs + 2g; driven alone (the other at
// digital zero) Zs + g d/(d + g), with d = Zs + Zl of the undriven channel, whose load carries -g/(d + g) of
// the driven current (ground-return crosstalk). Solved per frame (2x2); a current at its limit is held there
// and the other solved again.
// mute_on_silence: once every channel's input has been exactly 0.0 for more than kMuteAfterZeroMs (a run of
// digital zero; a -150 dBFS dither or any non-zero sample is not silence), the EMF is held at zero (no noise,
// no hum) until the next non-zero sample; the ADC's own noise remains.
// DC offset and switching transients: dc_offset_mv is added to the EMF before the coupling capacitor; a port with
// a capacitor starts with it charged to the offset (the steady state), so no DC reaches the load. Stream events
// (set_stream_events; simulate_stream_events): at the start frame turn_on_step_mv is added to the EMF's transient,
// at the stop frame turn_off_step_mv, at a sample-rate change (set_rate_change) rate_change_step_mv; the sum decays
// as exp(-t / tau) with the last event's tau (turn_on_tau_ms, turn_off_tau_ms, rate_change_tau_ms). Without
// events (every other capture) nothing is added: the stream runs throughout. The JACK virtual DUT triggers them
// as its input ports get connected and disconnected (stream_event_now).
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

#include "analysis/network.hpp"
#include "measure/sim/model.hpp"

namespace outbench::sim {

// The same model as a stream, for real-time use (the JACK virtual device): state carries over from one
// block to the next; the load may change between blocks (a relay switching). No latency is added.
class PortSimulator {
 public:
  PortSimulator(const LoopbackModel& loopback, const PortModel& port, double rate_hz, std::uint64_t seed);
  ~PortSimulator();
  PortSimulator(PortSimulator&&) noexcept;
  void set_load_ohms(double load_ohms, double lead_ohms = 0.0);  // +infinity = open; leads in series
  // A reactive load: `network` (when given) in place of the resistor load_ohms.
  void set_load(double load_ohms, double lead_ohms, const NetworkElement* network);
  // in[c], out[c] for c < channels(); frames samples each. Inputs in full-scale units.
  void process(const float* const* in, float* const* out, std::size_t frames);
  void process(const double* const* in, double* const* out, std::size_t frames);
  int channels() const;
  // Frames (from this simulator's first) at which the stream starts / stops (-1: none).
  void set_stream_events(std::int64_t start_frame, std::int64_t stop_frame);
  void set_rate_change(std::int64_t frame);  // -1: none
  // The stream starts (true) or stops (false) at the next frame processed.
  void stream_event_now(bool started);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// load_ohms: +infinity for the open load. Returns capture_frames frames for each of the port's channels.
std::vector<std::vector<double>> simulate_port(const LoopbackModel& loopback, const PortModel& port, double load_ohms,
                                               const std::vector<std::vector<double>>& stimulus, double rate_hz,
                                               std::size_t capture_frames, std::uint64_t seed, double lead_ohms = 0.0,
                                               const NetworkElement* load_network = nullptr);

// Digital silence with the stream starting at start_frame, stopping at stop_frame and changing its sample rate at
// rate_change_frame of the device (-1: none; the capture is delayed by the loopback's latency as above).
std::vector<std::vector<double>> simulate_stream_events(const LoopbackModel& loopback, const PortModel& port,
                                                        double load_ohms, double rate_hz, std::size_t capture_frames,
                                                        std::int64_t start_frame, std::int64_t stop_frame,
                                                        std::uint64_t seed, double lead_ohms = 0.0,
                                                        std::int64_t rate_change_frame = -1);

// Analytic figures of one channel of the model (a PortModel gives its left channel), for tests and for the truth
// the engine is checked against; without the ground return.
std::complex<double> source_impedance(const ChannelModel& channel, double freq_hz);
// |V_load / E| at freq_hz for the load (open = +inf) with the loopback input in parallel.
double divider_gain(const ChannelModel& channel, const LoopbackModel& loopback, double load_ohms, double freq_hz);
// V_load / E at freq_hz for a reactive load (complex).
std::complex<double> divider_gain(const ChannelModel& channel, const LoopbackModel& loopback,
                                  const NetworkElement& load, double freq_hz);
// The loopback input's impedance at freq_hz: impedance_ohms || input_capacitance_pf.
std::complex<double> loopback_impedance(const LoopbackModel& loopback, double freq_hz);

}  // namespace outbench::sim
