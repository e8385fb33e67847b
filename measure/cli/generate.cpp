// outbench generate sweep|tone (imd, multitone: imd.cpp, multitone.cpp): write a test signal as a WAV file.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "analysis/signals.hpp"
#include "measure/cli/cli.hpp"
#include "measure/errors.hpp"
#include "measure/files/wav_file.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

constexpr double kMaxGenerateSamples = 100e6;

struct GenerateArgs {
  bool sweep = false;
  std::string out, format;
  double rate = 48000, level = -1.0, seconds = 1.0;
  double start = 20, stop = 20000, freq = 997, fade = 0.01;
  int channels = 1;
};

// Every option within its range, before anything is computed or written.
void check_generate_args(const GenerateArgs& g) {
  checked("--rate", g.rate, kMinFileRateHz, kMaxFileRateHz, "Hz");
  if (g.rate != std::floor(g.rate))
    throw UsageError("--rate " + std::to_string(g.rate) + ": must be a whole number of Hz");
  checked("--channels", g.channels, 1, 64, "");
  checked("--seconds", g.seconds, 1e-3, 3600, "s");
  checked("--level-dbfs", g.level, -200, 0, "dBFS");
  if (g.sweep) {
    checked("--start-hz", g.start, 1e-3, g.rate / 2, "Hz (Nyquist of --rate)");
    checked("--stop-hz", g.stop, 1e-3, g.rate / 2, "Hz (Nyquist of --rate)");
  } else {
    checked("--freq-hz", g.freq, 1e-3, g.rate / 2, "Hz (Nyquist of --rate)");
    checked("--fade-s", g.fade, 0, g.seconds / 2, "s (half of --seconds)");
  }
  // Memory: the signal, one copy per channel and the interleaved copy in the writer (8 bytes each).
  const double samples = g.seconds * g.rate * g.channels;
  if (samples > kMaxGenerateSamples)
    throw UsageError("--seconds x --rate x --channels is " + std::to_string(std::llround(samples)) +
                     " samples; outbench generates at most 100 million (e.g. 34 minutes of one channel at 48 kHz)");
  check_output_file("-o", g.out, "WAV file", "signal.wav");
}

// The signal, and the line that describes it once it is written.
std::pair<std::vector<double>, std::string> make_signal(const GenerateArgs& g) {
  std::ostringstream m;
  if (g.sweep) {
    SweepSpec s;
    s.start_hz = g.start;
    s.stop_hz = g.stop;
    s.duration_s = g.seconds;
    s.rate_hz = g.rate;
    s.level_dbfs = g.level;
    auto x = make_sweep(s);
    const SweepInfo info = sweep_info(s);
    m << "sweep " << g.start << "-" << g.stop << " Hz, " << info.duration_s << " s (L = " << info.l_s << " s), "
      << g.level << " dBFS -> " << g.out << "\n";
    return {std::move(x), m.str()};
  }
  ToneSpec t;
  t.freq_hz = g.freq;
  t.duration_s = g.seconds;
  t.rate_hz = g.rate;
  t.level_dbfs = g.level;
  t.fade_s = g.fade;
  auto x = make_tone(t);
  m << "tone " << g.freq << " Hz, " << g.seconds << " s, " << g.level << " dBFS -> " << g.out << "\n";
  return {std::move(x), m.str()};
}

}  // namespace

int generate(const Args& args) {
  if (!args.empty() && args[0] == "imd") return generate_imd(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "multitone") return generate_multitone(Args(args.begin() + 1, args.end()));
  if (args.empty() || (args[0] != "sweep" && args[0] != "tone"))
    throw UsageError(
        "generate: say what to generate: 'outbench generate sweep ...', 'outbench generate tone ...', 'outbench "
        "generate imd ...' or 'outbench generate multitone ...'");
  GenerateArgs g;
  g.sweep = args[0] == "sweep";
  if (g.sweep) {
    g.level = -6.0;
    g.seconds = 2.0;
  }
  const Args rest(args.begin() + 1, args.end());
  po::options_description desc(g.sweep ? "generate sweep options" : "generate tone options");
  desc.add_options()("help,h", "show this help")("output,o", po::value(&g.out)->required(), "WAV file to write")(
      "rate", po::value(&g.rate)->default_value(g.rate), "sample rate (Hz)")(
      "seconds", po::value(&g.seconds)->default_value(g.seconds), "duration (s)")(
      "level-dbfs", po::value(&g.level)->default_value(g.level), "level (dBFS, full-scale sine = 0)")(
      "channels", po::value(&g.channels)->default_value(1), "channels (the same signal on each)")(
      "format", po::value(&g.format)->default_value("pcm24"), "pcm16|pcm24|pcm32|float|double");
  if (g.sweep)
    desc.add_options()("start-hz", po::value(&g.start)->default_value(g.start), "start frequency (Hz)")(
        "stop-hz", po::value(&g.stop)->default_value(g.stop), "stop frequency (Hz)");
  else
    desc.add_options()("freq-hz", po::value(&g.freq)->default_value(g.freq), "frequency (Hz)")(
        "fade-s", po::value(&g.fade)->default_value(g.fade), "raised-cosine fade in and out (s)");
  po::variables_map vm;
  if (!parse(rest, desc, vm, std::string("outbench generate ") + args[0] + " [options] -o FILE.wav")) return 0;
  const SampleFormat fmt = parse_sample_format(g.format);
  check_generate_args(g);
  std::pair<std::vector<double>, std::string> signal;
  try {
    signal = make_signal(g);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("generate ") + args[0] + ": " + e.what());
  }
  std::vector<std::vector<double>> chans(static_cast<std::size_t>(g.channels), signal.first);
  write_wav(g.out, chans, g.rate, fmt);
  std::cerr << signal.second;  // once the file is written
  return 0;
}

}  // namespace outbench::cli
