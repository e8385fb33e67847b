#include "measure/io/portaudio_io.hpp"

#include <alsa/error.h>
#include <jack/jack.h>
#include <pa_jack.h>
#include <portaudio.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace outbench {

namespace {

extern "C" void alsa_silent(const char*, int, const char*, int, const char*, ...) {}

// libjack prints every failed connection attempt ("Cannot connect to server socket ...") to stderr. Its
// messages go here instead: kept off our output (OUTBENCH_JACK_LOG=1 prints them), and the one fact that
// matters, that no JACK server runs, is remembered for the caller to say once.
std::atomic<bool> g_jack_server_missing{false};

extern "C" void jack_message(const char* msg) {
  const std::string m = msg ? msg : "";
  if (m.find("server is not running") != std::string::npos || m.find("Cannot connect to server") != std::string::npos)
    g_jack_server_missing = true;
  if (const char* e = std::getenv("OUTBENCH_JACK_LOG"); e && std::string(e) == "1")
    std::fprintf(stderr, "jack: %s\n", m.c_str());
}

void check(PaError e, const std::string& what) {
  if (e < 0) throw std::runtime_error(what + ": " + Pa_GetErrorText(e));
}

// Float32, non-interleaved, the device's low latencies: every stream outbench opens, and every format check.
std::pair<PaStreamParameters, PaStreamParameters> stream_parameters(int device, int inputs, int outputs) {
  const PaDeviceInfo* d = Pa_GetDeviceInfo(device);
  PaStreamParameters ip{}, op{};
  ip.device = op.device = device;
  ip.channelCount = inputs;
  op.channelCount = outputs;
  ip.sampleFormat = op.sampleFormat = paFloat32 | paNonInterleaved;
  ip.suggestedLatency = d->defaultLowInputLatency;
  op.suggestedLatency = d->defaultLowOutputLatency;
  return {ip, op};
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

constexpr double kFadeS = 0.01;  // silence(): ramp to zero over this
constexpr double kJobTimeoutExtraS = 5.0;
// Stream events: the streams run this long before an events capture, and after the run's streams are back, so
// neither the events capture nor the next one starts inside a transient of the switching around it.
constexpr double kEventsSettleS = 0.5;

}  // namespace

PortAudioSession::PortAudioSession(const std::string& jack_client_name) {
  snd_lib_error_set_handler(alsa_silent);
  jack_set_error_function(jack_message);
  jack_set_info_function(jack_message);
  g_jack_server_missing = false;
  PaJack_SetClientName(jack_client_name.c_str());
  check(Pa_Initialize(), "cannot initialise PortAudio");
}

bool PortAudioSession::jack_server_missing() const {
  return g_jack_server_missing;
}

PortAudioSession::~PortAudioSession() {
  Pa_Terminate();
}

// The device matching `device` (name substring, case-insensitive, or index) on a host API whose name contains
// `host_api` (empty: any); -1 when none does, with every device listed in `listing`.
static int find_device(const std::string& device, const std::string& host_api, std::string& listing) {
  const int n = Pa_GetDeviceCount();
  check(n, "cannot list audio devices");
  const bool by_index = !device.empty() && std::all_of(device.begin(), device.end(), ::isdigit);
  std::ostringstream seen;
  int chosen = -1;
  for (int i = 0; i < n; ++i) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    const PaHostApiInfo* h = Pa_GetHostApiInfo(d->hostApi);
    seen << "\n  " << i << ": " << d->name << " (" << h->name << ", " << d->maxInputChannels << " in, "
         << d->maxOutputChannels << " out)";
    if (chosen >= 0 || (!host_api.empty() && lower(h->name).find(lower(host_api)) == std::string::npos)) continue;
    if (by_index ? i == std::stoi(device) : lower(d->name).find(lower(device)) != std::string::npos) chosen = i;
  }
  listing = n > 0 ? seen.str() : std::string(" (none)");
  return chosen;
}

struct PortAudioIo::Impl {
  PortAudioOptions opt;
  std::unique_ptr<PortAudioSession> session;
  PaStream* stream = nullptr;     // full duplex; on two devices the output stream (the DUT)
  PaStream* in_stream = nullptr;  // two devices: the input stream (the analyser)
  std::string device_name, input_device_name;
  int out_dev = -1, in_dev = -1;  // the devices' indices (one device: the same)
  double rate = 0;

  struct Job {
    std::vector<std::vector<float>> out;  // per device output channel used
    std::vector<int> out_map;
    std::vector<std::vector<float>> in;  // per requested input channel
    std::vector<int> in_map;
    std::size_t out_frames = 0, cap_frames = 0;
    std::atomic<std::size_t> pos{0};  // frames played (full duplex: and captured)
    std::atomic<bool> done{false};    // the capture is complete
    std::atomic<int> xruns{0};
    std::atomic<std::size_t> in_pos{0};  // two devices: frames captured
    std::atomic<bool> in_started{false}, out_done{false};
  };
  std::atomic<Job*> job{nullptr};
  // Callbacks between taking the job pointer and letting go of it: play_record waits for zero after
  // withdrawing a job before the job (on its stack) goes away. Sequentially consistent on both sides.
  std::atomic<int> in_callback{0};
  void withdraw_job() {
    job.store(nullptr);
    while (in_callback.load() != 0) std::this_thread::yield();
  }
  std::atomic<bool> muting{false};
  float gain = 1.0f;
  float gain_step = 0.0f;

  struct Hold {
    std::atomic<int>& n;
    explicit Hold(std::atomic<int>& c) : n(c) { n.fetch_add(1); }
    ~Hold() { n.fetch_sub(1); }
  };

  // The stimulus frames [pos, pos + frames) into `out` (silence() ramps them down).
  void play(const Job& j, float** out, std::size_t pos, unsigned long frames) noexcept {
    const bool mute = muting.load(std::memory_order_relaxed);
    for (unsigned long i = 0; i < frames; ++i) {
      const std::size_t idx = pos + i;
      float g = 1.0f;
      if (mute) {
        gain = std::max(0.0f, gain - gain_step);
        g = gain;
      }
      if (idx < j.out_frames)
        for (std::size_t k = 0; k < j.out.size(); ++k) out[j.out_map[k]][i] = g * j.out[k][idx];
    }
  }
  static void record(Job& j, const float* const* in, std::size_t pos, unsigned long frames) noexcept {
    for (unsigned long i = 0; i < frames && pos + i < j.cap_frames; ++i)
      for (std::size_t k = 0; k < j.in.size(); ++k) j.in[k][pos + i] = in ? in[j.in_map[k]][i] : 0.0f;
  }

  static int callback(const void* input, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags flags, void* user) noexcept {
    auto* self = static_cast<Impl*>(user);
    auto** out = static_cast<float**>(output);
    for (int c = 0; c < self->opt.output_channels; ++c) std::fill(out[c], out[c] + frames, 0.0f);
    const Hold hold(self->in_callback);
    Job* j = self->job.load();
    if (!j || j->done.load(std::memory_order_relaxed)) return paContinue;
    if (flags & (paInputOverflow | paInputUnderflow | paOutputUnderflow | paOutputOverflow)) j->xruns.fetch_add(1);
    const std::size_t pos = j->pos.load(std::memory_order_relaxed);
    self->play(*j, out, pos, frames);
    record(*j, static_cast<const float* const*>(input), pos, frames);
    j->pos.store(pos + frames, std::memory_order_relaxed);
    if (pos + frames >= j->cap_frames) j->done.store(true, std::memory_order_release);
    return paContinue;
  }

  // Two devices, the DUT's output stream: plays the job once its capture has begun.
  static int out_callback(const void*, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*,
                          PaStreamCallbackFlags flags, void* user) noexcept {
    auto* self = static_cast<Impl*>(user);
    auto** out = static_cast<float**>(output);
    for (int c = 0; c < self->opt.output_channels; ++c) std::fill(out[c], out[c] + frames, 0.0f);
    const Hold hold(self->in_callback);
    Job* j = self->job.load();
    if (!j || j->out_done.load(std::memory_order_relaxed) || !j->in_started.load(std::memory_order_acquire))
      return paContinue;
    if (flags & (paOutputUnderflow | paOutputOverflow)) j->xruns.fetch_add(1);
    const std::size_t pos = j->pos.load(std::memory_order_relaxed);
    self->play(*j, out, pos, frames);
    j->pos.store(pos + frames, std::memory_order_relaxed);
    if (pos + frames >= j->out_frames) j->out_done.store(true, std::memory_order_release);
    return paContinue;
  }

  // Two devices, the analyser's input stream: captures from its next buffer on.
  static int in_callback_fn(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
                            PaStreamCallbackFlags flags, void* user) noexcept {
    auto* self = static_cast<Impl*>(user);
    const Hold hold(self->in_callback);
    Job* j = self->job.load();
    if (!j || j->done.load(std::memory_order_relaxed)) return paContinue;
    if (flags & (paInputOverflow | paInputUnderflow)) j->xruns.fetch_add(1);
    const std::size_t pos = j->in_pos.load(std::memory_order_relaxed);
    record(*j, static_cast<const float* const*>(input), pos, frames);
    j->in_pos.store(pos + frames, std::memory_order_relaxed);
    j->in_started.store(true, std::memory_order_release);
    if (pos + frames >= j->cap_frames) j->done.store(true, std::memory_order_release);
    return paContinue;
  }

  // The device for `role`, checked for the channels it must open; std::runtime_error saying what is wrong.
  int choose(const std::string& role, const std::string& device, const std::string& host_api, int need_in,
             int need_out) {
    std::string listing;
    const int chosen = find_device(device, host_api, listing);
    if (chosen < 0)
      throw std::runtime_error(
          "no audio device matches '" + device + "'" + (host_api.empty() ? "" : " on host API '" + host_api + "'") +
          (role.empty() ? "" : " (" + role + ")") + "; the devices are:" + listing +
          (session->jack_server_missing() ? "\n  (no JACK server is running: start jackd if the device is a JACK one)"
                                          : ""));
    const PaDeviceInfo* d = Pa_GetDeviceInfo(chosen);
    if (d->maxOutputChannels < need_out || d->maxInputChannels < need_in)
      throw std::runtime_error("audio device '" + std::string(d->name) + "'" + (role.empty() ? "" : " (" + role + ")") +
                               " has " + std::to_string(d->maxInputChannels) + " inputs and " +
                               std::to_string(d->maxOutputChannels) + " outputs; the bench needs " +
                               std::to_string(need_in) + " and " + std::to_string(need_out));
    return chosen;
  }

  unsigned long fpb() const { return opt.frames_per_buffer ? opt.frames_per_buffer : paFramesPerBufferUnspecified; }
  static std::string at(double rate_hz) { return " at " + std::to_string(static_cast<int>(rate_hz)) + " Hz"; }

  // The input-only stream on in_dev; PortAudio's error (0: none).
  PaError open_input() {
    const PaStreamParameters ip = stream_parameters(in_dev, opt.input_channels, 0).first;
    return Pa_OpenStream(&in_stream, &ip, nullptr, opt.rate_hz, fpb(), paClipOff, &Impl::in_callback_fn, this);
  }
  // The output-only stream on out_dev at rate_hz (not started); PortAudio's error (0: none).
  PaError open_output(double rate_hz) {
    const PaStreamParameters op = stream_parameters(out_dev, 0, opt.output_channels).second;
    return Pa_OpenStream(&stream, nullptr, &op, rate_hz, fpb(), paClipOff, &Impl::out_callback, this);
  }
  static void close_stream(PaStream*& s) {
    if (!s) return;
    if (Pa_IsStreamStopped(s) == 0) Pa_StopStream(s);
    Pa_CloseStream(s);
    s = nullptr;
  }
  static void run(PaStream* s, bool on, const std::string& what) {
    if (on && Pa_IsStreamStopped(s) == 1) check(Pa_StartStream(s), "cannot start " + what);
    if (!on && Pa_IsStreamStopped(s) == 0) check(Pa_StopStream(s), "cannot stop " + what);
  }

  void open_full_duplex() {
    const auto [ip, op] = stream_parameters(out_dev, opt.input_channels, opt.output_channels);
    check(Pa_OpenStream(&stream, &ip, &op, opt.rate_hz, fpb(), paClipOff, &Impl::callback, this),
          "cannot open '" + device_name + "'" + at(opt.rate_hz));
    check(Pa_StartStream(stream), "cannot start the audio stream on '" + device_name + "'");
  }

  void open_two_devices() {
    out_dev = choose("the output device: the DUT, audio.output", opt.device, opt.host_api, 0, opt.output_channels);
    in_dev = choose("the input device: the analyser, audio.input", opt.input_device, opt.input_host_api,
                    opt.input_channels, 0);
    if (out_dev == in_dev)
      throw std::runtime_error("audio.output ('" + opt.device + "') and audio.input ('" + opt.input_device +
                               "') both match the device '" + std::string(Pa_GetDeviceInfo(out_dev)->name) +
                               "': name two devices, or measure through one device's own input with the "
                               "single-device form (audio.device and loopback_input)");
    device_name = Pa_GetDeviceInfo(out_dev)->name;
    input_device_name = Pa_GetDeviceInfo(in_dev)->name;
    check(open_input(), "cannot open the input device '" + input_device_name + "'" + at(opt.rate_hz));
    check(open_output(opt.rate_hz), "cannot open the output device '" + device_name + "'" + at(opt.rate_hz));
    check(Pa_StartStream(in_stream), "cannot start the input stream on '" + input_device_name + "'");
    check(Pa_StartStream(stream), "cannot start the output stream on '" + device_name + "'");
  }

  // A capture of digital silence on in_stream (running) while `actions` run in order on this thread, each once
  // the capture has reached its frame; the frames captured when each ran are returned in event_frames.
  struct Action {
    long frame;
    std::function<void()> run;
  };
  Capture events_job(const std::vector<int>& in_channels, std::size_t capture_frames,
                     const std::vector<Action>& actions) {
    Job j;
    j.in_map = in_channels;
    j.cap_frames = capture_frames;
    j.out_done = true;  // nothing to play: the output streams play silence
    j.in.assign(in_channels.size(), std::vector<float>(capture_frames, 0.0f));
    Capture result;
    result.rate_hz = rate;
    job.store(&j, std::memory_order_release);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration<double>(static_cast<double>(capture_frames) / rate + kJobTimeoutExtraS);
    std::size_t next = 0;
    try {
      while (!j.done.load(std::memory_order_acquire)) {
        const auto pos = static_cast<long>(j.in_pos.load(std::memory_order_relaxed));
        if (next < actions.size() && pos >= actions[next].frame) {
          result.event_frames.push_back(pos);
          actions[next++].run();
          continue;
        }
        if (std::chrono::steady_clock::now() > deadline)
          throw std::runtime_error("the audio device '" + input_device_name + "' stopped delivering data");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } catch (...) {
      withdraw_job();
      throw;
    }
    withdraw_job();
    result.xruns = j.xruns.load();
    for (const auto& c : j.in) result.channels.emplace_back(c.begin(), c.end());
    result.valid = result.xruns == 0 || opt.ignore_xrun_flags;
    if (!result.valid) result.problem = std::to_string(result.xruns) + " buffer under/overflow(s)";
    return result;
  }
};

PortAudioIo::PortAudioIo(const PortAudioOptions& opt) : impl_(std::make_unique<Impl>()) {
  impl_->opt = opt;
  impl_->session = std::make_unique<PortAudioSession>(opt.client_name);
  impl_->rate = opt.rate_hz;
  impl_->gain_step = static_cast<float>(1.0 / (kFadeS * opt.rate_hz));
  if (!opt.input_device.empty()) {
    impl_->open_two_devices();
  } else {
    const int chosen = impl_->choose("", opt.device, opt.host_api, opt.input_channels, opt.output_channels);
    impl_->out_dev = impl_->in_dev = chosen;
    impl_->device_name = Pa_GetDeviceInfo(chosen)->name;
    impl_->open_full_duplex();
  }
  // A DUT that thumps when its stream starts would put the thump into the first capture (seen: the two-clock
  // marker of the level probe not found behind a 300 mV turn-on step): the streams run a while first.
  std::this_thread::sleep_for(std::chrono::duration<double>(kEventsSettleS));
}

PortAudioIo::~PortAudioIo() {
  if (impl_->stream) {
    silence();
    std::this_thread::sleep_for(std::chrono::duration<double>(2 * kFadeS));
  }
  for (PaStream* s : {impl_->stream, impl_->in_stream})
    if (s) {
      Pa_StopStream(s);
      Pa_CloseStream(s);
    }
}

double PortAudioIo::rate_hz() const {
  return impl_->rate;
}
std::string PortAudioIo::device_name() const {
  return impl_->device_name;
}
std::string PortAudioIo::input_device_name() const {
  return impl_->input_device_name;
}

void PortAudioIo::silence() {
  impl_->muting.store(true);
}

static void check_channels(const PortAudioOptions& opt, const std::vector<int>& out_channels,
                           const std::vector<int>& in_channels) {
  for (int c : out_channels)
    if (c < 0 || c >= opt.output_channels)
      throw std::invalid_argument("output channel " + std::to_string(c) + " is not open");
  for (int c : in_channels)
    if (c < 0 || c >= opt.input_channels)
      throw std::invalid_argument("input channel " + std::to_string(c) + " is not open");
}

static void settle() {
  std::this_thread::sleep_for(std::chrono::duration<double>(kEventsSettleS));
}

std::optional<Capture> PortAudioIo::capture_stream_events(const std::vector<int>& out_channels,
                                                          const std::vector<int>& in_channels,
                                                          std::size_t capture_frames, long start_frame, long stop_frame,
                                                          std::string& why_not) {
  if (start_frame < 0 && stop_frame < 0) {  // an idle capture: play_record of silence does it
    why_not = "an idle capture is played as silence";
    return std::nullopt;
  }
  check_channels(impl_->opt, out_channels, in_channels);
  Impl& m = *impl_;
  const bool two = m.in_stream != nullptr;
  const std::string out_what = "the output stream on '" + m.device_name + "'";
  if (!two) {  // the full-duplex stream makes way for an input-only and an output-only stream on the device
    Impl::close_stream(m.stream);
    PaError e = m.open_input();
    if (e == paNoError) e = m.open_output(m.rate);
    if (e == paNoError) e = Pa_StartStream(m.in_stream);
    if (e != paNoError) {
      Impl::close_stream(m.in_stream);
      Impl::close_stream(m.stream);
      m.open_full_duplex();
      settle();
      why_not = "'" + m.device_name + "' cannot be opened as an input-only and an output-only stream at once (" +
                Pa_GetErrorText(e) +
                "), so its output cannot start and stop while its input captures; a two-device bench "
                "(audio.output and audio.input) can";
      return std::nullopt;
    }
  }
  // The output stream is stopped at the capture's start when the start comes first.
  const bool running_first = start_frame < 0 || (stop_frame >= 0 && stop_frame < start_frame);
  std::vector<Impl::Action> actions;
  const auto start = [&m, out_what] { Impl::run(m.stream, true, out_what); };
  const auto stop = [&m, out_what] { Impl::run(m.stream, false, out_what); };
  if (start_frame >= 0) actions.push_back({start_frame, start});
  if (stop_frame >= 0) actions.push_back({stop_frame, stop});
  if (running_first) std::reverse(actions.begin(), actions.end());
  const auto restore = [&] {
    if (two) {
      Impl::run(m.stream, true, out_what);
    } else {
      Impl::close_stream(m.in_stream);
      Impl::close_stream(m.stream);
      m.open_full_duplex();
    }
    settle();
  };
  Capture c;
  try {
    Impl::run(m.stream, running_first, out_what);
    settle();
    c = m.events_job(in_channels, capture_frames, actions);
  } catch (...) {
    restore();
    throw;
  }
  restore();
  return c;
}

std::optional<Capture> PortAudioIo::capture_rate_change(const std::vector<int>& out_channels,
                                                        const std::vector<int>& in_channels, std::size_t capture_frames,
                                                        long change_frame, double other_rate_hz, std::string& why_not) {
  check_channels(impl_->opt, out_channels, in_channels);
  Impl& m = *impl_;
  if (!m.in_stream) {
    why_not = "the bench plays and captures on one device ('" + m.device_name +
              "'), whose input cannot capture on while its rate changes; a two-device bench (audio.output and "
              "audio.input) can";
    return std::nullopt;
  }
  const std::string rate_text = std::to_string(static_cast<int>(other_rate_hz)) + " Hz";
  const PaStreamParameters op = stream_parameters(m.out_dev, 0, m.opt.output_channels).second;
  if (const PaError e = Pa_IsFormatSupported(nullptr, &op, other_rate_hz); e != paFormatIsSupported) {
    why_not =
        "'" + m.device_name + "' does not play at " + rate_text + " (" + Pa_GetErrorText(e) +
        (std::string(Pa_GetHostApiInfo(Pa_GetDeviceInfo(m.out_dev)->hostApi)->name).find("JACK") != std::string::npos
             ? ": a JACK server runs at one rate)"
             : ")");
    return std::nullopt;
  }
  const std::string out_what = "the output stream on '" + m.device_name + "'";
  PaError reopen = paNoError;
  const auto reopen_at = [&](double r) {
    Impl::close_stream(m.stream);
    PaError e = m.open_output(r);
    if (e != paNoError) check(m.open_output(m.rate), "cannot reopen '" + m.device_name + "'" + Impl::at(m.rate));
    Impl::run(m.stream, true, out_what);
    return e;
  };
  const auto restore = [&] {
    reopen_at(m.rate);
    settle();
  };
  Capture c;
  try {
    Impl::run(m.stream, true, out_what);
    settle();
    c = m.events_job(in_channels, capture_frames, {{change_frame, [&] { reopen = reopen_at(other_rate_hz); }}});
  } catch (...) {
    restore();
    throw;
  }
  restore();
  if (reopen != paNoError) {
    why_not = "cannot reopen '" + m.device_name + "' at " + rate_text + " (" + Pa_GetErrorText(reopen) + ")";
    return std::nullopt;
  }
  return c;
}

Capture PortAudioIo::play_record(const std::vector<int>& out_channels, const std::vector<std::vector<double>>& stimulus,
                                 const std::vector<int>& in_channels, std::size_t capture_frames) {
  check_channels(impl_->opt, out_channels, in_channels);
  // The callback indexes the stimulus by the channel list: one stimulus per output channel, or none.
  if (stimulus.size() != out_channels.size())
    throw std::invalid_argument(std::to_string(stimulus.size()) + " stimulus channel(s) for " +
                                std::to_string(out_channels.size()) + " output channel(s)");
  Capture result;
  result.rate_hz = impl_->rate;
  Impl::Job j;
  j.out_map = out_channels;
  j.in_map = in_channels;
  std::size_t n_out = 0;
  for (const auto& s : stimulus) {
    j.out.emplace_back(s.begin(), s.end());
    n_out = std::max(n_out, s.size());
  }
  j.out_frames = n_out;
  j.cap_frames = capture_frames;
  if (n_out == 0) j.out_done = true;
  j.in.assign(in_channels.size(), std::vector<float>(capture_frames, 0.0f));
  impl_->job.store(&j, std::memory_order_release);
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration<double>(static_cast<double>(capture_frames) / impl_->rate + kJobTimeoutExtraS);
  const bool two = impl_->in_stream != nullptr;  // two devices: the stimulus played to its end as well
  while (!j.done.load(std::memory_order_acquire) || (two && !j.out_done.load(std::memory_order_acquire))) {
    if (std::chrono::steady_clock::now() > deadline) {
      impl_->withdraw_job();
      throw std::runtime_error("the audio device '" +
                               (two && !j.done.load() ? impl_->input_device_name : impl_->device_name) + "' stopped " +
                               (two && j.done.load() ? "playing" : "delivering data"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->withdraw_job();
  result.xruns = j.xruns.load();
  for (const auto& c : j.in) result.channels.emplace_back(c.begin(), c.end());
  result.valid = result.xruns == 0 || impl_->opt.ignore_xrun_flags;
  if (!result.valid) result.problem = std::to_string(result.xruns) + " buffer under/overflow(s)";
  return result;
}

std::string check_audio_devices(const std::vector<DeviceNeed>& needs, bool& ok) {
  PortAudioSession session("outbench-devices");
  ok = true;
  std::ostringstream o;
  const auto problem = [&](const DeviceNeed& n, const std::string& what) {
    ok = false;
    o << "PROBLEM: " << n.role << ": " << what << "\n";
  };
  std::vector<int> found;  // the devices matched so far: two roles on one device is one clock
  for (const auto& n : needs) {
    std::string listing;
    const int i = find_device(n.device, n.host_api, listing);
    if (i >= 0 && std::find(found.begin(), found.end(), i) != found.end()) {
      problem(n, "'" + n.device + "' matches '" + std::string(Pa_GetDeviceInfo(i)->name) +
                     "', the device of the other role: name two devices (a longer name substring or an index), or "
                     "use the single-device form");
      continue;
    }
    if (i >= 0) found.push_back(i);
    if (i < 0) {
      problem(n, "no device matches '" + n.device + "'" +
                     (n.host_api.empty() ? "" : " on host API '" + n.host_api + "'") +
                     (session.jack_server_missing()
                          ? ": no JACK server is running; start it (or run the command under scripts/with-jack.sh), "
                            "then, if the device is still not listed above, "
                          : ": is the device plugged in and switched on (and its audio server running)? If it is, ") +
                     "put a name substring or index from the list above into the bench file");
      continue;
    }
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    char name_buf[512];  // snprintf: GCC 12's -Wrestrict misreads the concatenation
    std::snprintf(name_buf, sizeof name_buf, "'%s' [%s]", d->name, Pa_GetHostApiInfo(d->hostApi)->name);
    const std::string name = name_buf;
    if (d->maxInputChannels < n.inputs || d->maxOutputChannels < n.outputs) {
      problem(n, name + " has " + std::to_string(d->maxInputChannels) + " input(s) and " +
                     std::to_string(d->maxOutputChannels) + " output(s); the bench needs " + std::to_string(n.inputs) +
                     " and " + std::to_string(n.outputs) + " (the highest channel of its ports + 1)");
      continue;
    }
    // Named copies, not a structured binding: clang 14 (the fuzz build) cannot capture bindings in a lambda.
    const auto params = stream_parameters(i, n.inputs, n.outputs);
    const PaStreamParameters ip = params.first, op = params.second;
    const auto supported = [&](double r) {
      return Pa_IsFormatSupported(n.inputs > 0 ? &ip : nullptr, n.outputs > 0 ? &op : nullptr, r) ==
             paFormatIsSupported;
    };
    const std::string channels = std::to_string(n.inputs) + " in / " + std::to_string(n.outputs) + " out";
    if (!supported(n.rate_hz)) {
      std::string rates;
      for (double r : {44100.0, 48000.0, 88200.0, 96000.0, 176400.0, 192000.0})
        if (supported(r)) rates += (rates.empty() ? "" : ", ") + std::to_string(static_cast<int>(r));
      problem(n, name + " does not run " + channels + " at " + std::to_string(static_cast<int>(n.rate_hz)) +
                     " Hz (it does at: " + (rates.empty() ? "none of the standard rates" : rates + " Hz") +
                     "); set audio.rate_hz to one both devices support");
      continue;
    }
    std::string missing;
    for (double r : n.supported_rates_hz)
      if (!supported(r)) missing += (missing.empty() ? "" : ", ") + std::to_string(static_cast<int>(r));
    if (!missing.empty()) {
      problem(n, name + " does not run " + channels + " at " + missing +
                     " Hz, which audio.supported_rates_hz lists: take those rates out of the list (a run at them, "
                     "and the rate-change transient, would fail)");
      continue;
    }
    o << "ok: " << n.role << ": " << name << ", " << channels << " at " << static_cast<int>(n.rate_hz) << " Hz";
    if (!n.supported_rates_hz.empty()) {
      o << " (and every rate of audio.supported_rates_hz:";
      for (double r : n.supported_rates_hz) o << " " << static_cast<int>(r);
      o << ")";
    }
    o << "\n";
  }
  return o.str();
}

std::string describe_audio_devices(int want_in, int want_out) {
  PortAudioSession session("outbench-devices");
  std::ostringstream o;
  o << "Host APIs:\n";
  for (int h = 0; h < Pa_GetHostApiCount(); ++h) {
    const PaHostApiInfo* hi = Pa_GetHostApiInfo(h);
    o << "  " << hi->name << " (" << hi->deviceCount << " device(s))\n";
  }
  o << "Devices:\n";
  for (int i = 0; i < Pa_GetDeviceCount(); ++i) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    o << "  " << i << ": " << d->name << " [" << Pa_GetHostApiInfo(d->hostApi)->name << "] " << d->maxInputChannels
      << " in / " << d->maxOutputChannels << " out, default " << d->defaultSampleRate << " Hz, latency in "
      << std::lround(1e3 * d->defaultLowInputLatency) << " ms / out " << std::lround(1e3 * d->defaultLowOutputLatency)
      << " ms\n";
    const int ni = want_in > 0 ? std::min(want_in, d->maxInputChannels) : d->maxInputChannels;
    const int no = want_out > 0 ? std::min(want_out, d->maxOutputChannels) : d->maxOutputChannels;
    if (ni <= 0 || no <= 0) continue;
    const auto [ip, op] = stream_parameters(i, ni, no);
    o << "      full duplex " << ni << " in / " << no << " out at:";
    for (double r : {44100.0, 48000.0, 88200.0, 96000.0, 176400.0, 192000.0})
      if (Pa_IsFormatSupported(&ip, &op, r) == paFormatIsSupported) o << " " << r / 1000 << "k";
    o << "\n";
  }
  if (session.jack_server_missing())
    o << "JACK: no server is running, so no JACK devices are listed (start jackd, then run this again).\n";
  return o.str();
}

}  // namespace outbench
