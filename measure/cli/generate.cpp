// outbench generate sweep|tone: write a test signal as a WAV file.
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
}

int generate(const Args& args) {
  if (args.empty() || (args[0] != "sweep" && args[0] != "tone"))
    throw UsageError("generate: say what to generate: 'outbench generate sweep ...' or 'outbench generate tone ...'");
  const bool sweep = args[0] == "sweep";
  const Args rest(args.begin() + 1, args.end());
  po::options_description desc(sweep ? "generate sweep options" : "generate tone options");
  std::string out, format;
  double rate = 48000, level = sweep ? -6.0 : -1.0, seconds = sweep ? 2.0 : 1.0;
  double start = 20, stop = 20000, freq = 997, fade = 0.01;
  int channels = 1;
  desc.add_options()("help,h", "show this help")("output,o", po::value(&out)->required(), "WAV file to write")(
      "rate", po::value(&rate)->default_value(rate), "sample rate (Hz)")(
      "seconds", po::value(&seconds)->default_value(seconds), "duration (s)")(
      "level-dbfs", po::value(&level)->default_value(level), "level (dBFS, full-scale sine = 0)")(
      "channels", po::value(&channels)->default_value(1), "channels (the same signal on each)")(
      "format", po::value(&format)->default_value("pcm24"), "pcm16|pcm24|pcm32|float|double");
  if (sweep)
    desc.add_options()("start-hz", po::value(&start)->default_value(start), "start frequency (Hz)")(
        "stop-hz", po::value(&stop)->default_value(stop), "stop frequency (Hz)");
  else
    desc.add_options()("freq-hz", po::value(&freq)->default_value(freq), "frequency (Hz)")(
        "fade-s", po::value(&fade)->default_value(fade), "raised-cosine fade in and out (s)");
  po::variables_map vm;
  if (!parse(rest, desc, vm, std::string("outbench generate ") + args[0] + " [options] -o FILE.wav")) return 0;
  const SampleFormat fmt = parse_sample_format(format);
  checked("--rate", rate, kMinFileRateHz, kMaxFileRateHz, "Hz");
  if (rate != std::floor(rate)) throw UsageError("--rate " + std::to_string(rate) + ": must be a whole number of Hz");
  checked("--channels", channels, 1, 64, "");
  checked("--seconds", seconds, 1e-3, 3600, "s");
  checked("--level-dbfs", level, -200, 0, "dBFS");
  if (sweep) {
    checked("--start-hz", start, 1e-3, rate / 2, "Hz (Nyquist of --rate)");
    checked("--stop-hz", stop, 1e-3, rate / 2, "Hz (Nyquist of --rate)");
  } else {
    checked("--freq-hz", freq, 1e-3, rate / 2, "Hz (Nyquist of --rate)");
    checked("--fade-s", fade, 0, seconds / 2, "s (half of --seconds)");
  }
  // Memory: the signal, one copy per channel and the interleaved copy in the writer (8 bytes each).
  if (seconds * rate * channels > kMaxGenerateSamples)
    throw UsageError("--seconds x --rate x --channels is " + std::to_string(std::llround(seconds * rate * channels)) +
                     " samples; outbench generates at most 100 million (e.g. 34 minutes of one channel at 48 kHz)");
  {
    std::error_code ec;
    if (std::filesystem::is_directory(out, ec))
      throw UsageError("-o " + out + " is a folder: give the name of the WAV file to write, e.g. " +
                       (std::filesystem::path(out) / "signal.wav").string());
  }
  std::vector<double> x;
  std::string done;  // printed once the file is written
  try {
    if (sweep) {
      SweepSpec s;
      s.start_hz = start;
      s.stop_hz = stop;
      s.duration_s = seconds;
      s.rate_hz = rate;
      s.level_dbfs = level;
      x = make_sweep(s);
      const SweepInfo info = sweep_info(s);
      std::ostringstream m;
      m << "sweep " << start << "-" << stop << " Hz, " << info.duration_s << " s (L = " << info.l_s << " s), " << level
        << " dBFS -> " << out << "\n";
      done = m.str();
    } else {
      ToneSpec t;
      t.freq_hz = freq;
      t.duration_s = seconds;
      t.rate_hz = rate;
      t.level_dbfs = level;
      t.fade_s = fade;
      x = make_tone(t);
      std::ostringstream m;
      m << "tone " << freq << " Hz, " << seconds << " s, " << level << " dBFS -> " << out << "\n";
      done = m.str();
    }
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("generate ") + args[0] + ": " + e.what());
  }
  std::vector<std::vector<double>> chans(static_cast<std::size_t>(channels), x);
  write_wav(out, chans, rate, fmt);
  std::cerr << done;
  return 0;
}

}  // namespace outbench::cli
