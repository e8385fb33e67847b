#include "measure/sim/port_sim.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>

#include "measure/sim/companion_net.hpp"
#include "measure/sim/oversampled.hpp"

namespace outbench::sim {

namespace {

constexpr double kAesBandHz = 19980.0;       // 20 Hz..20 kHz, the band noise figures refer to
constexpr double kKneeFraction = 0.9;        // soft clipping starts at 90 % of the rail
constexpr double kAdcLsb = 1.0 / 8388608.0;  // 24 bits

// xoshiro256+ (Blackman & Vigna), seeded by splitmix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& v : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      v = z ^ (z >> 31);
    }
  }
  double uniform() {  // (0, 1)
    const std::uint64_t r = s_[0] + s_[3];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = (s_[3] << 45) | (s_[3] >> 19);
    return (static_cast<double>(r >> 11) + 0.5) * 0x1.0p-53;
  }
  double gauss() {
    if (have_) {
      have_ = false;
      return spare_;
    }
    const double u = uniform(), v = uniform();
    const double m = std::sqrt(-2.0 * std::log(u));
    spare_ = m * std::sin(2 * std::numbers::pi * v);
    have_ = true;
    return m * std::cos(2 * std::numbers::pi * v);
  }

 private:
  std::uint64_t s_[4];
  bool have_ = false;
  double spare_ = 0;
};

struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0, z1 = 0, z2 = 0;
  double step(double x) {  // transposed direct form II
    const double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return y;
  }
};

Biquad butterworth_lowpass(double fc, double fs) {
  const double k = std::tan(std::numbers::pi * fc / fs), q = std::numbers::sqrt2 / 2;
  const double norm = 1 / (1 + k / q + k * k);
  Biquad b;
  b.b0 = k * k * norm;
  b.b1 = 2 * b.b0;
  b.b2 = b.b0;
  b.a1 = 2 * (k * k - 1) * norm;
  b.a2 = (1 - k / q + k * k) * norm;
  return b;
}

double soft_clip(double e, double rail) {
  const double knee = kKneeFraction * rail;
  const double a = std::abs(e);
  if (a <= knee) return e;
  const double span = rail - knee;
  return std::copysign(knee + span * std::tanh((a - knee) / span), e);
}

}  // namespace

std::complex<double> source_impedance(const ChannelModel& p, double f) {
  std::complex<double> z = p.source_r_ohms;
  if (p.coupling_c_farads > 0) z += 1.0 / std::complex<double>(0, 2 * std::numbers::pi * f * p.coupling_c_farads);
  return z;
}

std::complex<double> loopback_impedance(const LoopbackModel& lb, double f) {
  if (!(lb.input_capacitance_pf > 0)) return lb.impedance_ohms;
  return 1.0 / (1.0 / lb.impedance_ohms +
                std::complex<double>(0, 2 * std::numbers::pi * f * lb.input_capacitance_pf * 1e-12));
}

std::complex<double> divider_gain(const ChannelModel& p, const LoopbackModel& lb, const NetworkElement& load,
                                  double f) {
  const auto zl = network_impedance(load, f), zin = loopback_impedance(lb, f);
  const auto zp = zl * zin / (zl + zin);
  return zp / (source_impedance(p, f) + zp);
}

double divider_gain(const ChannelModel& p, const LoopbackModel& lb, double load_ohms, double f) {
  if (lb.input_capacitance_pf > 0) {
    const auto zin = loopback_impedance(lb, f);
    const auto zp = std::isfinite(load_ohms) ? load_ohms * zin / (load_ohms + zin) : zin;
    return std::abs(zp / (source_impedance(p, f) + zp));
  }
  const double zl =
      std::isfinite(load_ohms) ? load_ohms * lb.impedance_ohms / (load_ohms + lb.impedance_ohms) : lb.impedance_ohms;
  return std::abs(zl / (source_impedance(p, f) + zl));
}

namespace {

// One channel's constants (from its ChannelModel) and state.
struct ChannelSim {
  double k_emf, k2, k3, xt, sigma_emf, hum_amp, hum_w, kc, rail, ilim, r_src;
  double dc_v, on_v, on_decay, off_v, off_decay;  // DC offset, transient steps (V) and per-frame decays
  double rate_v, rate_decay;                      // the step at a sample-rate change
  double transient_v = 0;                         // the transient's EMF now
  double decay = 1;                               // its per-frame decay: the last event's
  bool has_c;
  Biquad lp;
  double vc = 0, i_prev = 0;
  double denom = 0;                 // R + Zl + T/2C: the channel's own loop, for the current i = u / denom
  std::optional<CompanionNet> net;  // a reactive load (or an input capacitance): Zl in discrete time
  ChannelSim(const ChannelModel& p, double rate_hz) {
    k_emf = std::numbers::sqrt2 * p.vrms_at_0dbfs * std::pow(10.0, volume_gain_db(p, p.volume_db) / 20.0);
    const double h2 = std::pow(10.0, p.h2_dbc_at_0dbfs / 20.0), h3 = std::pow(10.0, p.h3_dbc_at_0dbfs / 20.0);
    k2 = 2 * h2 / k_emf;
    k3 = -4 * h3 / (k_emf * k_emf);
    xt = std::pow(10.0, p.crosstalk_db / 20.0);
    sigma_emf = p.noise_vrms * std::sqrt((rate_hz / 2) / kAesBandHz);
    hum_amp = std::numbers::sqrt2 * p.hum_vrms;
    hum_w = 2 * std::numbers::pi * p.hum_hz / rate_hz;
    has_c = p.coupling_c_farads > 0;
    kc = has_c ? 1.0 / (2 * rate_hz * p.coupling_c_farads) : 0.0;  // T / (2C)
    rail = p.rail_vpeak;
    ilim = p.current_limit_apeak;
    r_src = p.source_r_ohms;
    dc_v = p.dc_offset_mv * 1e-3;
    vc = has_c ? dc_v : 0.0;  // the capacitor holds the offset: steady state from the first frame
    on_v = p.turn_on_step_mv * 1e-3;
    off_v = p.turn_off_step_mv * 1e-3;
    on_decay = std::exp(-1.0 / (p.turn_on_tau_ms * 1e-3 * rate_hz));
    off_decay = std::exp(-1.0 / (p.turn_off_tau_ms * 1e-3 * rate_hz));
    rate_v = p.rate_change_step_mv * 1e-3;
    rate_decay = std::exp(-1.0 / (p.rate_change_tau_ms * 1e-3 * rate_hz));
    if (p.dac_lowpass_hz > 0 && p.dac_lowpass_hz < rate_hz / 2) lp = butterworth_lowpass(p.dac_lowpass_hz, rate_hz);
  }
  // The loop's driving voltage this frame: the EMF less the capacitor's charge (trapezoidal rule).
  double drive(double emf) const { return has_c ? emf - vc - kc * i_prev : emf; }
  void commit(double i) {
    if (has_c) vc += kc * (i + i_prev);
    i_prev = i;
  }
};

// Both channels' currents through the shared return g: u[c] = d[c] i[c] + g (i[0] + i[1]), each current
// clamped to its limit (a clamped channel's current is then fixed and the other's solved again).
void solve_currents(const double* u, ChannelSim* ch, std::size_t nch, double g, double* i) {
  if (g == 0 || nch < 2) {  // independent loops (one channel: its return in series)
    for (std::size_t c = 0; c < nch; ++c) i[c] = std::clamp(u[c] / (ch[c].denom + g), -ch[c].ilim, ch[c].ilim);
    return;
  }
  const double d0 = ch[0].denom, d1 = ch[1].denom, det = d0 * d1 + g * (d0 + d1);
  i[0] = ((d1 + g) * u[0] - g * u[1]) / det;
  i[1] = ((d0 + g) * u[1] - g * u[0]) / det;
  for (std::size_t c = 0; c < 2; ++c) {
    if (std::abs(i[c]) <= ch[c].ilim) continue;
    i[c] = std::clamp(i[c], -ch[c].ilim, ch[c].ilim);
    const std::size_t o = 1 - c;
    i[o] = std::clamp((u[o] - g * i[c]) / (ch[o].denom + g), -ch[o].ilim, ch[o].ilim);
  }
}

}  // namespace

struct PortSimulator::State {
  LoopbackModel lb;
  double rate_hz;
  std::size_t nch;
  std::vector<ChannelSim> ch;
  double sigma_adc, adc_scale, g;
  double zl = 0;
  Rng rng;
  std::uint64_t n = 0;
  bool mute_on_silence = false;
  std::uint64_t zero_run = 0, mute_after = 0;      // frames of exact digital zero so far; muted beyond mute_after
  std::int64_t start_frame = -1, stop_frame = -1;  // stream events (set_stream_events), -1 = none
  std::int64_t rate_frame = -1;                    // a sample-rate change (set_rate_change), -1 = none
  State(const LoopbackModel& l, const PortModel& pm, double fs, std::uint64_t seed)
      : lb(l), rate_hz(fs), nch(static_cast<std::size_t>(pm.channels)), rng(seed) {
    mute_on_silence = pm.mute_on_silence;
    mute_after = static_cast<std::uint64_t>(std::llround(kMuteAfterZeroMs * 1e-3 * rate_hz));
    for (std::size_t c = 0; c < nch; ++c) ch.emplace_back(pm.ch(static_cast<int>(c)), rate_hz);
    sigma_adc = std::pow(10.0, lb.noise_dbfs / 20.0) / std::numbers::sqrt2 * std::sqrt((rate_hz / 2) / kAesBandHz);
    adc_scale = 1.0 / (std::numbers::sqrt2 * lb.full_scale_vrms);
    g = pm.ground_return_ohms;
    set_load(std::numeric_limits<double>::infinity());
  }
  void set_load(double load_ohms, double lead_ohms = 0.0, const NetworkElement* network = nullptr) {
    zl = std::isfinite(load_ohms) ? load_ohms * lb.impedance_ohms / (load_ohms + lb.impedance_ohms) : lb.impedance_ohms;
    const auto combined = load_network(load_ohms, network);
    for (auto& c : ch) {
      c.net.reset();
      if (combined) c.net.emplace(*combined, rate_hz);
      c.denom = c.r_src + lead_ohms + (c.net ? c.net->resistance_ohms() : zl) + c.kc;
    }
  }
  // The load in parallel with the loopback input as one network, when either is reactive (else nullopt: the
  // resistive zl).
  std::optional<NetworkElement> load_network(double load_ohms, const NetworkElement* network) const {
    if (!network && !(lb.input_capacitance_pf > 0)) return std::nullopt;
    using K = NetworkElement::Kind;
    NetworkElement all{K::parallel, 0, {}};
    if (network)
      all.parts.push_back(*network);
    else if (std::isfinite(load_ohms))
      all.parts.push_back({K::resistor, load_ohms, {}});
    all.parts.push_back({K::resistor, lb.impedance_ohms, {}});
    if (lb.input_capacitance_pf > 0) all.parts.push_back({K::capacitor, lb.input_capacitance_pf * 1e-12, {}});
    return all;
  }
  // One frame: x[c] in, y[c] out (ADC units, not yet delayed). The random draws keep one order (channel 0's
  // EMF noise and ADC noise, then channel 1's) whatever the ground return.
  void frame(const double* x, double* y) {
    double e[2] = {0, 0}, u[2] = {0, 0}, i[2] = {0, 0}, adc_noise[2] = {0, 0};
    const double t = static_cast<double>(n);
    ++n;
    bool zero = true;
    for (std::size_t c = 0; c < nch; ++c) zero = zero && x[c] == 0.0;
    zero_run = zero ? zero_run + 1 : 0;
    const bool muted = mute_on_silence && zero_run > mute_after;
    for (std::size_t c = 0; c < nch; ++c) {
      const double v = ch[c].lp.step(x[c]) * ch[c].k_emf;
      e[c] = v + ch[c].k2 * v * v + ch[c].k3 * v * v * v;
    }
    if (nch == 2) {
      const double e0 = e[0] + ch[0].xt * e[1], e1 = e[1] + ch[1].xt * e[0];
      e[0] = e0;
      e[1] = e1;
    }
    const auto now = static_cast<std::int64_t>(t);
    for (std::size_t c = 0; c < nch; ++c) {
      ChannelSim& k = ch[c];
      // Each event adds its step to what is left of the earlier ones; the sum decays with the last event's tau.
      if (now == start_frame) {
        k.transient_v += k.on_v;
        k.decay = k.on_decay;
      }
      if (now == stop_frame) {
        k.transient_v += k.off_v;
        k.decay = k.off_decay;
      }
      if (now == rate_frame) {
        k.transient_v += k.rate_v;
        k.decay = k.rate_decay;
      }
      e[c] += k.dc_v + k.transient_v;
      k.transient_v *= k.decay;
    }
    for (std::size_t c = 0; c < nch; ++c) {
      double emf = e[c] + (ch[c].hum_amp != 0 ? ch[c].hum_amp * std::sin(ch[c].hum_w * t) : 0.0);
      if (ch[c].sigma_emf > 0 && !muted) emf += ch[c].sigma_emf * rng.gauss();
      if (muted) emf = 0.0;  // the mute: the EMF (noise, hum, the DAC filter's tail) is gone
      adc_noise[c] = sigma_adc * rng.gauss();
      u[c] = ch[c].drive(soft_clip(emf, ch[c].rail));
      if (ch[c].net) u[c] -= ch[c].net->history();
    }
    solve_currents(u, ch.data(), nch, g, i);
    for (std::size_t c = 0; c < nch; ++c) {
      ch[c].commit(i[c]);
      // The loopback reads the load's voltage at the jack: i Zl (the ground return's drop is outside it).
      const double v = ch[c].net ? ch[c].net->commit(i[c]) : i[c] * zl;
      const double out = std::clamp(v * adc_scale + adc_noise[c], -1.0, 1.0 - kAdcLsb);
      y[c] = std::round(out / kAdcLsb) * kAdcLsb;
    }
  }
};

PortSimulator::PortSimulator(const LoopbackModel& lb, const PortModel& p, double rate_hz, std::uint64_t seed)
    : s_(std::make_unique<State>(lb, p, rate_hz, seed)) {}
PortSimulator::~PortSimulator() = default;
PortSimulator::PortSimulator(PortSimulator&&) noexcept = default;
void PortSimulator::set_load_ohms(double load_ohms, double lead_ohms) {
  s_->set_load(load_ohms, lead_ohms);
}
void PortSimulator::set_load(double load_ohms, double lead_ohms, const NetworkElement* network) {
  s_->set_load(load_ohms, lead_ohms, network);
}
void PortSimulator::set_stream_events(std::int64_t start_frame, std::int64_t stop_frame) {
  s_->start_frame = start_frame;
  s_->stop_frame = stop_frame;
}
void PortSimulator::set_rate_change(std::int64_t frame) {
  s_->rate_frame = frame;
}
void PortSimulator::stream_event_now(bool started) {
  (started ? s_->start_frame : s_->stop_frame) = static_cast<std::int64_t>(s_->n);
}
int PortSimulator::channels() const {
  return static_cast<int>(s_->nch);
}

void PortSimulator::process(const float* const* in, float* const* out, std::size_t frames) {
  double x[2] = {0, 0}, y[2] = {0, 0};
  for (std::size_t i = 0; i < frames; ++i) {
    for (std::size_t c = 0; c < s_->nch; ++c) x[c] = in[c] ? static_cast<double>(in[c][i]) : 0.0;
    s_->frame(x, y);
    for (std::size_t c = 0; c < s_->nch; ++c) out[c][i] = static_cast<float>(y[c]);
  }
}

void PortSimulator::process(const double* const* in, double* const* out, std::size_t frames) {
  double x[2] = {0, 0}, y[2] = {0, 0};
  for (std::size_t i = 0; i < frames; ++i) {
    for (std::size_t c = 0; c < s_->nch; ++c) x[c] = in[c] ? in[c][i] : 0.0;
    s_->frame(x, y);
    for (std::size_t c = 0; c < s_->nch; ++c) out[c][i] = y[c];
  }
}

namespace {

// The capture's channels (zeros over the latency) and the stimulus padded or cut to the frames after it.
struct PortBuffers {
  std::vector<std::vector<double>> in, out;
  std::size_t latency = 0, n = 0;  // n = 0: the capture ends within the latency
};

PortBuffers port_buffers(const LoopbackModel& lb, const PortModel& p, const std::vector<std::vector<double>>& stim,
                         std::size_t capture_frames) {
  PortBuffers b;
  const auto nch = static_cast<std::size_t>(p.channels);
  b.latency = static_cast<std::size_t>(lb.latency_frames);
  b.out.assign(nch, std::vector<double>(capture_frames, 0.0));
  if (capture_frames <= b.latency) return b;
  b.n = capture_frames - b.latency;
  b.in.assign(nch, std::vector<double>(b.n, 0.0));
  for (std::size_t c = 0; c < nch && c < stim.size(); ++c)
    std::copy_n(stim[c].begin(), std::min(b.n, stim[c].size()), b.in[c].begin());
  return b;
}

std::vector<std::vector<double>> run_port(PortSimulator& sim, const LoopbackModel& lb, const PortModel& p,
                                          const std::vector<std::vector<double>>& stim, std::size_t capture_frames) {
  auto b = port_buffers(lb, p, stim, capture_frames);
  if (b.n == 0) return std::move(b.out);
  const double* ip[2] = {nullptr, nullptr};
  double* op[2] = {nullptr, nullptr};
  for (std::size_t c = 0; c < b.in.size(); ++c) {
    ip[c] = b.in[c].data();
    op[c] = b.out[c].data() + b.latency;
  }
  sim.process(ip, op, b.n);
  return std::move(b.out);
}

}  // namespace

std::vector<std::vector<double>> simulate_port(const LoopbackModel& lb, const PortModel& p, double load_ohms,
                                               const std::vector<std::vector<double>>& stim, double rate_hz,
                                               std::size_t capture_frames, std::uint64_t seed, double lead_ohms,
                                               const NetworkElement* load_network) {
  if (load_network || lb.input_capacitance_pf > 0) {  // reactive: at kOversample times the rate
    auto b = port_buffers(lb, p, stim, capture_frames);
    if (b.n == 0) return std::move(b.out);
    const auto y = simulate_oversampled(lb, p, load_ohms, b.in, rate_hz, seed, lead_ohms, load_network);
    for (std::size_t c = 0; c < b.out.size(); ++c) std::copy(y[c].begin(), y[c].end(), b.out[c].begin() + b.latency);
    return std::move(b.out);
  }
  PortSimulator sim(lb, p, rate_hz, seed);
  sim.set_load(load_ohms, lead_ohms, load_network);
  return run_port(sim, lb, p, stim, capture_frames);
}

std::vector<std::vector<double>> simulate_stream_events(const LoopbackModel& lb, const PortModel& p, double load_ohms,
                                                        double rate_hz, std::size_t capture_frames,
                                                        std::int64_t start_frame, std::int64_t stop_frame,
                                                        std::uint64_t seed, double lead_ohms,
                                                        std::int64_t rate_change_frame) {
  PortSimulator sim(lb, p, rate_hz, seed);
  sim.set_load_ohms(load_ohms, lead_ohms);
  sim.set_stream_events(start_frame, stop_frame);
  sim.set_rate_change(rate_change_frame);
  return run_port(sim, lb, p, {}, capture_frames);
}

}  // namespace outbench::sim
