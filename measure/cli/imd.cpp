// outbench generate imd and outbench analyze imd: the SMPTE and CCIF two-tone tests (analysis/imd.hpp).
#include "analysis/imd.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "measure/cli/cli.hpp"
#include "measure/errors.hpp"
#include "measure/files/wav_file.hpp"
#include "measure/strformat.hpp"
#include "reports/analysis_json.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

ImdStandard standard_option(const std::string& word) {
  try {
    return parse_imd_standard(word);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--standard: ") + e.what());
  }
}

}  // namespace

int generate_imd(const Args& args) {
  std::string out, standard = "smpte", format = "pcm24";
  double rate = 48000, level = -1, seconds = 1, fade = 0.01;
  int channels = 1;
  po::options_description desc("generate imd options");
  desc.add_options()("help,h", "show this help")("output,o", po::value(&out)->required(), "WAV file to write")(
      "standard", po::value(&standard)->default_value(standard),
      "smpte (60 Hz + 7 kHz, 4:1) | ccif (19 + 20 kHz, 1:1)")("rate", po::value(&rate)->default_value(rate),
                                                              "sample rate (Hz)")(
      "seconds", po::value(&seconds)->default_value(seconds), "duration (s)")(
      "level-dbfs", po::value(&level)->default_value(level), "sum of the two amplitudes, as a sine's level (dBFS)")(
      "fade-s", po::value(&fade)->default_value(fade), "raised-cosine fade in and out (s)")(
      "channels", po::value(&channels)->default_value(1), "channels (the same signal on each)")(
      "format", po::value(&format)->default_value(format), "pcm16|pcm24|pcm32|float|double");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench generate imd [options] -o FILE.wav")) return 0;
  ImdStimulusSpec s;
  s.imd = imd_spec(standard_option(standard));
  checked("--rate", rate, kMinFileRateHz, kMaxFileRateHz, "Hz");
  if (rate != std::floor(rate)) throw UsageError(strformat("--rate %g: must be a whole number of Hz", rate));
  if (s.imd.f2_hz >= rate / 2)
    throw UsageError(strformat("--standard %s needs a tone at %g Hz: --rate must be above %g Hz", standard.c_str(),
                               s.imd.f2_hz, 2 * s.imd.f2_hz));
  checked("--seconds", seconds, 0.6, 3600, "s");
  checked("--level-dbfs", level, -200, 0, "dBFS");
  checked("--fade-s", fade, 0, seconds / 4, "s (a quarter of --seconds)");
  checked("--channels", channels, 1, 64, "");
  if (seconds * rate * channels > 100e6)
    throw UsageError("--seconds x --rate x --channels exceeds 100 million samples");
  const SampleFormat fmt = parse_sample_format(format);
  check_output_file("-o", out, "WAV file", "imd.wav");
  s.rate_hz = rate;
  s.duration_s = seconds;
  s.level_dbfs = level;
  s.fade_s = fade;
  const auto x = make_imd_stimulus(s);
  const std::vector<std::vector<double>> chans(static_cast<std::size_t>(channels), x);
  write_wav(out, chans, rate, fmt);
  std::cerr << "imd " << standard << " " << s.imd.f1_hz << " Hz + " << s.imd.f2_hz << " Hz (" << s.imd.ratio_f1_to_f2
            << ":1), " << seconds << " s, " << level << " dBFS -> " << out << "\n";
  return 0;
}

int analyze_imd_command(const Args& args) {
  std::string input, standard = "smpte";
  int channel = 0;
  po::options_description desc("analyze imd options");
  desc.add_options()("help,h", "show this help")("input,i", po::value(&input)->required(), "two-tone capture (WAV)")(
      "standard", po::value(&standard)->default_value(standard), "smpte | ccif (as generated)")(
      "channel", po::value(&channel)->default_value(0), "channel (from 0)")("json",
                                                                            "print one JSON document on stdout");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench analyze imd --input FILE.wav [--standard smpte|ccif] [options]")) return 0;
  const ImdSpec spec = imd_spec(standard_option(standard));
  const SoundFile f = read_sound_file(input);
  if (spec.f2_hz >= f.rate_hz / 2)
    throw InputError(strformat("'%s' is sampled at %g Hz: the %s test's %g Hz tone needs a rate above %g Hz",
                               input.c_str(), f.rate_hz, standard.c_str(), spec.f2_hz, 2 * spec.f2_hz));
  const ImdResult r = analyze_imd(channel_of(f, channel, input), f.rate_hz, spec);
  if (!r.valid) throw InputError("cannot measure IMD in '" + input + "': " + r.reason);
  if (vm.count("json")) {
    std::cout << imd_json(r).dump(2) << "\n";
    return 0;
  }
  const char* lt = r.bound ? "< " : "";
  std::printf("%s, channel %d: %s, %.0f Hz + %.0f Hz at %.2f dBFS, %zu frames analysed (%.3f s)\n", input.c_str(),
              channel, standard.c_str(), r.f1_hz, r.f2_hz, r.level_dbfs, r.n_frames,
              static_cast<double>(r.n_frames) / f.rate_hz);
  if (r.standard == ImdStandard::Smpte)
    std::printf("  IMD (SMPTE)  %s%.2f dB (%s%.5f %%)\n", lt, r.imd_db, lt, r.imd_pct);
  else
    std::printf("  DFD d2       %s%.2f dB (%s%.5f %%)\n  DFD d3       %s%.2f dB (%s%.5f %%)\n", lt, r.d2_db, lt,
                r.d2_pct, lt, r.d3_db, lt, r.d3_pct);
  for (const auto& c : r.components)
    if (c.in_band)
      std::printf("  %-10s %9.1f Hz %9.2f dBFS%s\n", c.name.c_str(), c.freq_hz, c.level_dbfs,
                  c.bound ? " (below the noise: upper bound)" : "");
    else
      std::printf("  %-10s %9.1f Hz (above Nyquist, not read)\n", c.name.c_str(), c.freq_hz);
  return 0;
}

}  // namespace outbench::cli
