// outbench generate multitone and outbench analyze multitone: the whole band in one capture
// (analysis/multitone.hpp, the design a run uses: measure/engine/multitone_step.hpp).
#include "analysis/multitone.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "measure/cli/cli.hpp"
#include "measure/engine/multitone_step.hpp"
#include "measure/engine/plan.hpp"
#include "measure/errors.hpp"
#include "measure/files/wav_file.hpp"
#include "measure/strformat.hpp"
#include "reports/multitone_json.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

constexpr double kDefaultLevelDbfs = -10.0;

MultitoneDesign design_at(double rate_hz, const std::string& what) {
  const MultitoneDesign d = engine::run_multitone_design(rate_hz, engine::kThdnFreqStartHz, engine::kThdnFreqStopHz);
  if (!d.valid) throw InputError(what + ": no multitone at " + strformat("%g", rate_hz) + " Hz: " + d.reason);
  return d;
}

}  // namespace

int generate_multitone(const Args& args) {
  std::string out, format = "pcm24";
  double rate = 48000, level = kDefaultLevelDbfs, seconds = 2.0;
  int channels = 1;
  po::options_description desc("generate multitone options");
  desc.add_options()("help,h", "show this help")("output,o", po::value(&out)->required(), "WAV file to write")(
      "rate", po::value(&rate)->default_value(rate), "sample rate (Hz)")(
      "duration-s", po::value(&seconds)->default_value(seconds), "duration (s; at least 1.3: one 1 s period settled)")(
      "level-dbfs", po::value(&level)->default_value(level),
      "PEAK level as a sine's level (dBFS): the multitone peaks no higher than a sine at this level")(
      "channels", po::value(&channels)->default_value(1), "channels (the same signal on each)")(
      "format", po::value(&format)->default_value(format), "pcm16|pcm24|pcm32|float|double");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench generate multitone [options] -o FILE.wav")) return 0;
  checked("--rate", rate, kMinFileRateHz, kMaxFileRateHz, "Hz");
  if (rate != std::floor(rate)) throw UsageError(strformat("--rate %g: must be a whole number of Hz", rate));
  checked("--duration-s", seconds, engine::kMultitoneS, 3600, "s (one settled period)");
  checked("--level-dbfs", level, -200, 0, "dBFS");
  checked("--channels", channels, 1, 64, "");
  if (seconds * rate * channels > 100e6)
    throw UsageError("--duration-s x --rate x --channels exceeds 100 million samples");
  const SampleFormat fmt = parse_sample_format(format);
  check_output_file("-o", out, "WAV file", "multitone.wav");
  MultitoneDesign d;
  try {
    d = design_at(rate, "--rate");
  } catch (const InputError& e) {
    throw UsageError(e.what());
  }
  const auto x = make_multitone(d, level, seconds, engine::kFadeS);
  write_wav(out, std::vector<std::vector<double>>(static_cast<std::size_t>(channels), x), rate, fmt);
  std::cerr << strformat(
      "multitone: %zu tones %.1f-%.1f Hz, period %g s, crest factor %.2f dB, peak %g dBFS, each "
      "tone %.2f dBFS, %g s -> %s\n",
      d.bins.size(), d.freq_hz.front(), d.freq_hz.back(), static_cast<double>(d.period_frames) / rate,
      d.crest_factor_db, level, multitone_tone_level_dbfs(d, level), seconds, out.c_str());
  return 0;
}

int analyze_multitone_command(const Args& args) {
  std::string input;
  int channel = 0;
  double level = kDefaultLevelDbfs;
  po::options_description desc("analyze multitone options");
  desc.add_options()("help,h", "show this help")("input,i", po::value(&input)->required(),
                                                 "capture of `outbench generate multitone` (WAV)")(
      "channel", po::value(&channel)->default_value(0), "channel (from 0)")(
      "level-dbfs", po::value(&level)->default_value(level),
      "the stimulus's peak level (as generated), for the response")("json", "print one JSON document on stdout");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench analyze multitone --input FILE.wav [options]")) return 0;
  checked("--level-dbfs", level, -200, 0, "dBFS");
  const SoundFile f = read_sound_file(input);
  const MultitoneDesign d = design_at(f.rate_hz, "'" + input + "'");
  const MultitoneAnalysis r = analyze_multitone(channel_of(f, channel, input), d, level);
  if (!r.valid) throw InputError("cannot read a multitone in '" + input + "': " + r.reason);
  if (vm.count("json")) {
    nlohmann::json j = multitone_analysis_json(r);
    j["design"] = multitone_design_json(d);
    j["stimulus_level_dbfs"] = level;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("%s, channel %d: %zu tones, period %g s from frame %zu; multitone %.2f dBFS (rms, sine-equivalent)\n",
              input.c_str(), channel, r.tones.size(), static_cast<double>(d.period_frames) / f.rate_hz, r.start_frame,
              r.total_dbfs);
  std::printf("  TD+N over the band %.2f dB re the multitone, noise floor %.2f dB\n", r.tdn_db, r.floor_db);
  std::printf("  %9s %11s %12s %9s %12s %9s\n", "Hz", "level dBFS", "response dB", "TD+N dB", "TD+N re tone",
              "floor dB");
  for (const auto& t : r.tones)
    std::printf("  %9.1f %11.2f %12.3f %9.1f %12.1f %9.1f\n", t.freq_hz, t.level_dbfs, t.response_db, t.tdn_db,
                t.tdn_re_tone_db, t.floor_db);
  return 0;
}

}  // namespace outbench::cli
