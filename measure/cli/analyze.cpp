// outbench analyze thdn|response|impedance: analyse WAV captures offline.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <thread>

#include "analysis/distortion.hpp"
#include "analysis/fft.hpp"
#include "analysis/impedance.hpp"
#include "analysis/response.hpp"
#include "measure/cli/cli.hpp"
#include "measure/cli/fft_wisdom_cache.hpp"
#include "measure/errors.hpp"
#include "measure/files/bulk_allocator.hpp"
#include "measure/files/huge_page_heap.hpp"
#include "measure/files/wav_file.hpp"
#include "reports/analysis_json.hpp"

namespace po = boost::program_options;

namespace outbench::cli {
namespace {

void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2) << "\n";
}

// One channel of a sound file, in float where float holds its samples exactly (half the memory; the analysis
// forms its sums in double, so the figures are those of the doubles), else in double.
struct SoundSamples {
  double rate_hz = 0;
  std::vector<float, BulkAllocator<float>> as_float;
  SampleBuffer as_double;
};
SoundSamples read_channel(const std::string& path, int channel) {
  const SoundFileHeader h = read_sound_file_header(path);
  SoundSamples s;
  s.rate_hz = h.rate_hz;
  if (h.exact_in_float) {
    s.as_float.resize(h.n_frames);
    s.as_float.resize(read_sound_channel_into(path, channel, std::span<float>(s.as_float)).n_frames);
  } else {
    s.as_double.resize(h.n_frames);
    s.as_double.resize(read_sound_channel_into(path, channel, std::span<double>(s.as_double)).n_frames);
  }
  return s;
}

int analyze_thdn_command(const Args& args) {
  std::string input, band = "20:20000", weighting = "none";
  int channel = 0;
  double fundamental = 0;
  int harmonics = 10;
  po::options_description desc("analyze thdn options");
  desc.add_options()("help,h", "show this help")("input,i", po::value(&input)->required(), "tone capture (WAV)")(
      "channel", po::value(&channel)->default_value(0), "channel (from 0)")(
      "fundamental-hz", po::value(&fundamental), "fundamental (Hz); default: the strongest tone")(
      "band", po::value(&band)->default_value(band), "analysis band LOW:HIGH (Hz), AES17 default 20:20000")(
      "weighting", po::value(&weighting)->default_value(weighting), "none|a (IEC 61672 A-weighting)")(
      "harmonics", po::value(&harmonics)->default_value(harmonics), "highest harmonic order for THD (2..50)")(
      "json", "print one JSON document on stdout");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench analyze thdn --input FILE.wav [options]")) return 0;
  ThdnOptions opt;
  opt.threads = 2;  // the Welch spectrum's segments on both cores (the same figures)
  std::tie(opt.band_lo_hz, opt.band_hi_hz) = parse_band(band, "--band");
  if (weighting == "a" || weighting == "A")
    opt.weighting = Weighting::A;
  else if (weighting != "none")
    throw UsageError("--weighting '" + weighting + "' is not known: use none or a");
  if (harmonics < 2 || harmonics > 50) throw UsageError("--harmonics must be 2 to 50");
  opt.max_harmonic = harmonics;
  const SoundSamples f = read_channel(input, channel);
  if (vm.count("fundamental-hz")) {
    if (!(fundamental > 0) || fundamental >= f.rate_hz / 2)
      throw UsageError("--fundamental-hz " + std::to_string(fundamental) + " must be above 0 and below Nyquist (" +
                       std::to_string(f.rate_hz / 2) + " Hz for '" + input + "')");
    opt.fundamental_hz = fundamental;
  }
  const double nyquist = f.rate_hz / 2;
  if (opt.band_lo_hz >= nyquist)
    throw UsageError("--band " + band + " starts at or above Nyquist (" + std::to_string(nyquist) + " Hz for '" +
                     input + "')");
  if (opt.band_hi_hz > nyquist) {
    if (!vm["band"].defaulted())
      throw UsageError("--band " + band + " ends above Nyquist (" + std::to_string(nyquist) + " Hz for '" + input +
                       "', sampled at " + std::to_string(f.rate_hz) + " Hz): end the band at or below it");
    opt.band_hi_hz = nyquist;  // the AES17 default band, cut at Nyquist for a low-rate file
  }
  const ThdnResult r = f.as_float.empty() ? outbench::analyze_thdn(f.as_double, f.rate_hz, opt)
                                          : outbench::analyze_thdn(f.as_float, f.rate_hz, opt);
  if (!r.valid) throw InputError("cannot measure THD+N in '" + input + "': " + r.reason);
  if (vm.count("json")) {
    print_json(thdn_json(r));
    return 0;
  }
  std::printf("%s, channel %d: %.0f Hz, %zu frames analysed (%.3f s)%s\n", input.c_str(), channel, f.rate_hz,
              r.n_frames, static_cast<double>(r.n_frames) / f.rate_hz,
              opt.weighting == Weighting::A ? ", A-weighted" : "");
  std::printf("  fundamental  %.4f Hz at %.3f dBFS\n", r.fundamental_hz, r.level_dbfs);
  std::printf("  THD+N        %.2f dB (%.5f %%), band %g-%g Hz\n", r.thdn_db, r.thdn_percent, r.band_lo_hz,
              r.band_hi_hz);
  if (r.harmonics_in_band == 0)
    std::printf("  THD          not measured: no harmonic of %.4f Hz lies inside the band\n", r.fundamental_hz);
  else
    std::printf("  THD          %s%.2f dB (%.5f %%)%s\n", r.thd_below_noise ? "< " : "", r.thd_db, r.thd_percent,
                r.thd_below_noise ? ", every harmonic below the noise" : "");
  std::printf("  noise        %.2f dBFS (residual without the fundamental)\n", r.noise_dbfs);
  for (const auto& h : r.harmonics)
    std::printf("  H%-2d %9.2f Hz %8.2f dBc%s%s\n", h.order, h.freq_hz, h.level_dbc, h.in_band ? "" : " (out of band)",
                h.below_noise ? " (below noise)" : "");
  return 0;
}

// The reference's deconvolver for captures of up to max_frames. Takes the reference's samples and frees
// them once their spectrum is made: they weigh as much as a capture.
void check_rate(const std::string& ref_path, double ref_rate_hz, const std::string& cap_path, double cap_rate_hz) {
  if (ref_rate_hz != cap_rate_hz)
    throw InputError("'" + cap_path + "' is at " + std::to_string(cap_rate_hz) + " Hz but the reference '" + ref_path +
                     "' is at " + std::to_string(ref_rate_hz) + " Hz: record at the reference's rate");
}
void check_rate(const std::string& ref_path, const SoundFile& ref, const std::string& cap_path, const SoundFile& cap) {
  check_rate(ref_path, ref.rate_hz, cap_path, cap.rate_hz);
}

// The reference's samples are moved in and freed once the deconvolver holds its inverse spectrum.
Deconvolver deconvolver_for(const std::string& ref_path, SoundFile ref, const std::string& cap_path, double cap_rate_hz,
                            std::size_t max_frames) {
  check_rate(ref_path, ref.rate_hz, cap_path, cap_rate_hz);
  try {
    return Deconvolver(ref.channels.front(), ref.rate_hz, max_frames);
  } catch (const std::invalid_argument& e) {
    throw InputError("cannot measure the response of '" + cap_path + "': " + e.what());
  }
}

ResponseResult response_of(const Deconvolver& d, const std::string& cap_path, const SoundFile& cap, int channel,
                           const ResponseOptions& opt) {
  ResponseResult r = d.analyze(channel_of(cap, channel, cap_path), opt);
  if (!r.valid) throw InputError("cannot measure the response of '" + cap_path + "': " + r.reason);
  return r;
}

// One channel of a sound file into the time() of a transform, zeros after it; returns its frames.
std::size_t read_channel_into_transform(const std::string& path, int channel, RealFft& fft) {
  const std::size_t frames = read_sound_channel_into(path, channel, fft.time()).n_frames;
  std::fill(fft.time().begin() + static_cast<long>(frames), fft.time().end(), 0.0);
  return frames;
}

int analyze_response_command(const Args& args) {
  std::string reference, input;
  int channel = 0, ppo = 24;
  po::options_description desc("analyze response options");
  desc.add_options()("help,h", "show this help")("reference,r", po::value(&reference)->required(),
                                                 "the sweep that was played (WAV, channel 0)")(
      "input,i", po::value(&input)->required(), "the capture (WAV)")("channel", po::value(&channel)->default_value(0),
                                                                     "capture channel (from 0)")(
      "points-per-octave", po::value(&ppo)->default_value(ppo), "report resolution (1/N octave)")(
      "json", "print one JSON document on stdout");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench analyze response --reference SWEEP.wav --input CAPTURE.wav [options]")) return 0;
  if (ppo < 1 || ppo > 96) throw UsageError("--points-per-octave must be 1 to 96");
  // Each channel goes straight into the buffer of its transform (no separate copies of the samples): the
  // reference's channel 0 into the one that becomes its inverse, the capture's into the one that becomes its
  // impulse response. The capture is read and transformed on a second thread while the reference's inverse is
  // built (its buffer is part of the analysis's peak memory either way; reading and transforming it, page faults
  // included, is ~15 % of the process). A reference error is reported before a capture error, as when they were
  // read one after the other.
  const SoundFileHeader cap_header = read_sound_file_header(input);
  const SoundFileHeader ref_header = read_sound_file_header(reference);
  check_rate(reference, ref_header.rate_hz, input, cap_header.rate_hz);
  ResponseOptions opt;
  opt.points_per_octave = ppo;
  RealFft buf(Deconvolver::fft_frames_for(ref_header.n_frames, cap_header.n_frames));
  // The reference's buffer and the forward plan both transforms use are made here, before the second thread
  // starts: the large blocks then always lie in the same order in the heap (a plan made on either thread, at
  // either time, moved the peak by up to 1 MiB).
  RealFft ref(buf.size());
  ref.prepare_forward();
  std::size_t frames = 0;
  std::exception_ptr capture_error;
  std::thread capture_reader([&] {
    try {
      frames = read_channel_into_transform(input, channel, buf);
      // Transformed here too (the plan is the reference's, made once for both), then given back.
      buf.forward();
      buf.drop_plans();
    } catch (...) {
      capture_error = std::current_exception();
    }
  });
  std::optional<Deconvolver> d;
  std::exception_ptr reference_error;
  try {
    const std::size_t ref_frames = read_channel_into_transform(reference, 0, ref);
    try {
      d.emplace(std::move(ref), ref_frames, ref_header.rate_hz, cap_header.n_frames);
    } catch (const std::invalid_argument& e) {
      throw InputError("cannot measure the response of '" + input + "': " + e.what());
    }
  } catch (...) {
    reference_error = std::current_exception();
  }
  capture_reader.join();
  if (reference_error) std::rethrow_exception(reference_error);
  if (capture_error) std::rethrow_exception(capture_error);
  const ResponseResult r = d->analyze_spectrum(std::move(buf), frames, opt);
  if (!r.valid) throw InputError("cannot measure the response of '" + input + "': " + r.reason);
  if (vm.count("json")) {
    print_json(response_json(r));
    return 0;
  }
  std::printf("%s vs %s: latency %ld samples, gain at 1 kHz %.3f dB, %zu points %.1f-%.0f Hz\n", input.c_str(),
              reference.c_str(), r.latency_frames, r.gain_1k_db, r.points.size(), r.points.front().freq_hz,
              r.points.back().freq_hz);
  for (std::size_t i = 0;
       i<r.points.size(); i += static_cast<std::size_t>(ppo) / 3> 0 ? static_cast<std::size_t>(ppo) / 3 : 1) {
    const auto& p = r.points[i];
    std::printf("  %9.1f Hz %8.3f dB %8.2f deg\n", p.freq_hz, p.gain_db, p.phase_deg);
  }
  if (!r.harmonics_note.empty()) std::printf("  %s\n", r.harmonics_note.c_str());
  return 0;
}

int analyze_impedance_command(const Args& args) {
  std::string reference, open, loaded;
  int channel = 0;
  double load_ohms = 0, input_ohms = 1e6;
  po::options_description desc("analyze impedance options");
  desc.add_options()("help,h", "show this help")("reference,r", po::value(&reference)->required(),
                                                 "the sweep that was played (WAV)")(
      "open", po::value(&open)->required(), "capture with no load (WAV)")("loaded", po::value(&loaded)->required(),
                                                                          "capture across the load (WAV)")(
      "load-ohms", po::value(&load_ohms)->required(), "the load's resistance (ohm)")(
      "input-ohms", po::value(&input_ohms)->default_value(input_ohms), "the loopback input's impedance (ohm)")(
      "channel", po::value(&channel)->default_value(0), "capture channel (from 0)")(
      "json", "print one JSON document on stdout");
  po::variables_map vm;
  if (!parse(args, desc, vm,
             "outbench analyze impedance --reference SWEEP.wav --open OPEN.wav --loaded LOADED.wav --load-ohms R"))
    return 0;
  checked("--load-ohms", load_ohms, 1e-3, 1e9, "ohm");
  checked("--input-ohms", input_ohms, 1, 1e13, "ohm");
  SoundFile ref = read_sound_file(reference);
  const SoundFile fo = read_sound_file(open);
  const SoundFile fl = read_sound_file(loaded);
  // One deconvolver for both captures when they are as long (as the sequencer does), else one each.
  const bool same_length = fo.n_frames() == fl.n_frames();
  check_rate(reference, ref, open, fo);
  check_rate(reference, ref, loaded, fl);
  const Deconvolver d_open =
      deconvolver_for(reference, same_length ? std::move(ref) : ref, open, fo.rate_hz, fo.n_frames());
  const ResponseResult ro = response_of(d_open, open, fo, channel, {});
  ResponseOptions lopt;
  lopt.forced_latency_frames = ro.latency_frames;
  const ResponseResult rl =
      same_length ? response_of(d_open, loaded, fl, channel, lopt)
                  : response_of(deconvolver_for(reference, std::move(ref), loaded, fl.rate_hz, fl.n_frames()), loaded,
                                fl, channel, lopt);
  const ImpedanceResult z = output_impedance(ro, rl, load_ohms, input_ohms);
  if (!z.valid) throw InputError("cannot compute the output impedance: " + z.reason);
  if (vm.count("json")) {
    print_json(impedance_json(z));
    return 0;
  }
  std::printf("output impedance from %s (open) and %s (%g ohm, input %g ohm):\n", open.c_str(), loaded.c_str(),
              load_ohms, input_ohms);
  for (const auto& [label, zz] : {std::pair{"20 Hz", z.z_20hz_ohms}, std::pair{"1 kHz", z.z_1k_ohms}})
    if (zz)
      std::printf("  at %s: |Z| %.4f ohm, R %.4f ohm, X %.4f ohm\n", label, std::abs(*zz), zz->real(), zz->imag());
  return 0;
}

}  // namespace

int analyze(const Args& args) {
  if (args.empty())
    throw UsageError("analyze: say what to analyse: thdn, response, impedance, imd, multitone or headphones");
  // One analysis per process: each large FFT plan is used once or twice, so none is kept beside the next; the
  // twiddle tables of the next reuse the (huge) pages of the last (see huge_page_heap.hpp).
  fft_free_large_plans_when_unused(true);
  serve_blocks_from_a_huge_page_heap();
  const Args rest(args.begin() + 1, args.end());
  int (*command)(const Args&) = args[0] == "thdn"         ? analyze_thdn_command
                                : args[0] == "response"   ? analyze_response_command
                                : args[0] == "impedance"  ? analyze_impedance_command
                                : args[0] == "imd"        ? analyze_imd_command
                                : args[0] == "multitone"  ? analyze_multitone_command
                                : args[0] == "headphones" ? analyze_headphones_command
                                                          : nullptr;
  if (command) {
    // The planner's choices of earlier runs (fft_wisdom_cache.hpp): the same plans without the search.
    FftWisdomCache wisdom;
    const int rc = command(rest);
    wisdom.save();
    return rc;
  }
  throw UsageError("analyze: '" + args[0] +
                   "' is not an analysis: use thdn, response, impedance, imd, multitone or headphones");
}

}  // namespace outbench::cli
