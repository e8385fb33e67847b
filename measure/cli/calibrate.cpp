// outbench calibrate output|input|loopback|input-impedance --bench FILE: turn dBFS into volts and record the analyser
// floor. Results are stored in the bench file (atomically, with the date); everything else in it is kept.
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <thread>

#include "analysis/distortion.hpp"
#include "analysis/response.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "measure/cli/bench_io.hpp"
#include "measure/cli/calibrate_zin.hpp"
#include "measure/cli/cli.hpp"
#include "measure/cli/signals.hpp"
#include "measure/config/bench_config.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/engine/drive_limits.hpp"
#include "measure/errors.hpp"
#include "measure/files/atomic_write.hpp"
#include "measure/sim/model.hpp"
#include "measure/switch/switches.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

DriveCap open_load_cap(const BenchConfig& bench, const PortWiring& port) {
  if (port.output.valid())
    return drive_cap(bench.safety, std::numeric_limits<double>::infinity(), port.output.vrms_at_0dbfs);
  if (bench.safety.uncalibrated_max_drive_dbfs)
    return drive_cap(bench.safety, std::numeric_limits<double>::infinity(), std::nullopt);
  return DriveCap{bench.safety.max_drive_dbfs, "max_drive_dbfs", "safety.max_drive_dbfs"};
}

namespace {

constexpr double kCalToneHz = 997.0;
constexpr double kCalFadeS = 0.005;    // raised-cosine fades of the calibration tone chunks
constexpr double kCalSweepS = 2.0;     // loopback response sweep
constexpr double kCalClipDbfs = -0.3;  // a -1 dBFS tone reading above this at the input: clipping
constexpr double kCalToneS = 1.0;
constexpr double kLoopbackToneDbfs = -1.0;   // calibrate loopback: the floor near full scale, unless capped
constexpr double kLoopbackSweepDbfs = -6.0;  // and its response sweep

// Ctrl-C while a calibration tone plays: the output ramps to silence first (StopSignals), then the command
// stops without storing anything (exit 130).
struct Interrupted {};

// The bench's audio (simulated: its device model, seed 1) and load switch, with the open load selected and
// Ctrl-C armed. The switch gets no stop flag: a Ctrl-C during its settle time ends the next capture.
struct CalibrationBench {
  explicit CalibrationBench(const BenchConfig& bench)
      : b(open_bench(bench,
                     bench.audio == "simulated" ? sim::load_device_model(bench.device_model) : sim::DeviceModel{}, 1,
                     false, nullptr)),
        signals(b.io.get()) {
    b.sw->select(*bench.load("open"));
  }
  AudioIo& io() { return *b.io; }
  OpenBench b;
  const StopSignals signals;  // after the AudioIo it silences
};

// The calibration tone (kCalToneHz) at `level_dbfs`, faded in and out over `fade_s` each.
std::vector<double> cal_tone(double level_dbfs, double duration_s, double rate_hz, double fade_s = ToneSpec{}.fade_s) {
  ToneSpec t;
  t.freq_hz = kCalToneHz;
  t.level_dbfs = level_dbfs;
  t.duration_s = duration_s;
  t.rate_hz = rate_hz;
  t.fade_s = fade_s;
  return make_tone(t);
}

// The tone's level at the loopback input (dBFS), channel 0 of the port (a capture with xruns is played
// again up to `retries` times, the bench's audio.retries).
double measure_input_dbfs(AudioIo& io, int retries, const PortWiring& port, double level_dbfs) {
  const auto x = cal_tone(level_dbfs, kCalToneS, io.rate_hz());
  std::vector<std::vector<double>> stim(port.output_channels.size(), x);
  const auto c = play_record_retrying(io, retries, port.output_channels, stim, port.input_channels,
                                      x.size() + static_cast<std::size_t>(0.2 * io.rate_hz()), &stop_requested());
  if (stop_requested()) throw Interrupted();
  if (!c.valid) throw std::runtime_error("calibration capture failed: " + c.problem);
  ThdnOptions o;
  o.fundamental_hz = kCalToneHz;
  const auto r = analyze_thdn(c.channels.front(), io.rate_hz(), o);
  if (!r.valid)
    throw InputError("no calibration tone came back on input channel " + std::to_string(port.input_channels.front()) +
                     ": " + r.reason + " (check the loopback cable)");
  if (r.level_dbfs > -0.5) throw InputError("the loopback input clips: lower --level-dbfs or the input gain");
  return r.level_dbfs;
}

// What to calibrate, from the command line; the bench file and the port, read and checked.
struct CalibrationJob {
  std::string what;  // output | input | loopback
  std::string bench_file, port_name = "line";
  double level_dbfs = -10;
  double reference_dbfs = -20;  // loopback: the run's reference level (outbench run --reference-dbfs)
  std::optional<double> measured_vrms;
  BenchConfig bench;
  const PortWiring* port = nullptr;
  DriveCap cap;  // the highest drive the safety limits allow into the open port
};

// The options (nothing when --help was asked), then the bench file and the limits the level must keep.
std::optional<CalibrationJob> read_job(const Args& args) {
  if (args.empty() || (args[0] != "output" && args[0] != "input" && args[0] != "loopback"))
    throw UsageError("calibrate: say what to calibrate: output, input, loopback or input-impedance");
  CalibrationJob job;
  job.what = args[0];
  double measured = 0;
  po::options_description desc("calibrate options");
  desc.add_options()("help,h", "show this help")("bench", po::value(&job.bench_file)->required(),
                                                 "bench file to update")(
      "port", po::value(&job.port_name)->default_value(job.port_name), "output port")(
      "level-dbfs", po::value(&job.level_dbfs)->default_value(job.level_dbfs), "calibration tone level (dBFS)")(
      "measured-vrms", po::value(&measured), "output: the Vrms your meter reads across the open port")(
      "reference-dbfs", po::value(&job.reference_dbfs)->default_value(job.reference_dbfs),
      "loopback: also measure at the runs' reference level (outbench run --reference-dbfs)");
  po::variables_map vm;
  if (!parse(Args(args.begin() + 1, args.end()), desc, vm,
             "outbench calibrate " + job.what + " --bench FILE [options]"))
    return std::nullopt;
  checked("--level-dbfs", job.level_dbfs, -60, -1, "dBFS");
  checked("--reference-dbfs", job.reference_dbfs, -80, 0, "dBFS");
  if (vm.count("measured-vrms")) job.measured_vrms = checked("--measured-vrms", measured, 1e-6, 1000, "Vrms");
  job.bench = load_bench_config(job.bench_file);
  const double level = job.level_dbfs;
  if (level > job.bench.safety.max_drive_dbfs)
    throw UsageError("--level-dbfs " + std::to_string(level) + " is above the bench's safety.max_drive_dbfs (" +
                     std::to_string(job.bench.safety.max_drive_dbfs) + " dBFS)");
  job.port = job.bench.port(job.port_name);
  if (!job.port) throw UsageError("--port " + job.port_name + " is not a port of '" + job.bench_file + "'");
  job.cap = open_load_cap(job.bench, *job.port);
  if (job.what != "loopback" && level > job.cap.drive_dbfs)
    throw UsageError("--level-dbfs " + std::to_string(level) + " is above what the bench's safety limits allow into " +
                     "the open " + job.port_name + " out: " + std::to_string(job.cap.drive_dbfs) + " dBFS (" +
                     job.cap.limit_text + ")");
  return job;
}

void warn_when_nothing_is_calibrated(const CalibrationJob& job) {
  const BenchConfig& bench = job.bench;
  if (!job.port->output.valid() && !bench.input.valid() && !bench.safety.uncalibrated_max_drive_dbfs &&
      !(job.what == "output" && job.measured_vrms))
    std::cerr << "outbench: warning: nothing on this bench is calibrated yet, so safety.max_vrms ("
              << bench.safety.max_vrms << " Vrms) cannot be held: the tone plays at "
              << (job.what == "loopback" ? std::min(-1.0, job.cap.drive_dbfs) : job.level_dbfs)
              << " dBFS into the open load. Connect only the meter (no headphones), or set "
                 "safety.uncalibrated_max_drive_dbfs to cap it.\n";
}

// Plays the calibration tone into the open port until the user types the meter's reading; returns the Vrms.
double meter_reading_while_playing(const CalibrationJob& job) {
  if (!::isatty(STDIN_FILENO))
    throw UsageError("calibrate output needs --measured-vrms V when there is no terminal to ask on");
  CalibrationBench b(job.bench);
  const PortWiring& port = *job.port;
  std::cerr << "Playing " << kCalToneHz << " Hz at " << job.level_dbfs << " dBFS on the " << job.port_name
            << " out (open). Measure the Vrms across it and type the value: " << std::flush;
  std::atomic<bool> done{false};
  std::string player_error;
  std::thread player([&] {
    // 2 s chunks, each faded in and out over kCalFadeS (0.01 dB off the true RMS over a meter's window).
    const auto x = cal_tone(job.level_dbfs, 2.0, b.io().rate_hz(), kCalFadeS);
    std::vector<std::vector<double>> stim(port.output_channels.size(), x);
    try {
      while (!done && !stop_requested()) b.io().play_record(port.output_channels, stim, port.input_channels, x.size());
    } catch (const std::exception& e) {
      player_error = e.what();
    }
  });
  std::string line;
  std::getline(std::cin, line);
  done = true;
  b.io().silence();
  player.join();
  if (stop_requested()) throw Interrupted();
  if (!player_error.empty()) throw std::runtime_error("the calibration tone stopped: " + player_error);
  // The whole line must be the number: std::stod("1,23") would read 1 (a 23 % calibration error).
  const auto typed = parse_number(line);
  if (!typed)
    throw UsageError("'" + line + "' is not a voltage: type the meter's reading in Vrms as a plain number with a " +
                     "decimal point, e.g. 1.23; nothing was stored");
  return checked("the typed voltage", *typed, 1e-6, 1000, "Vrms");
}

int calibrate_output(const CalibrationJob& job, nlohmann::json& j) {
  const double measured = job.measured_vrms ? *job.measured_vrms : meter_reading_while_playing(job);
  const double v0 = measured / ratio_from_db(job.level_dbfs);
  j["ports"][job.port_name]["vrms_at_0dbfs"] = v0;
  j["ports"][job.port_name]["calibrated_on"] = now_utc();
  write_text_atomic(job.bench_file, j.dump(2) + "\n");
  std::printf("%s out: %.4f Vrms at 0 dBFS (%+.2f dBu) stored in %s\n", job.port_name.c_str(), v0, dbu_from_vrms(v0),
              job.bench_file.c_str());
  return 0;
}

int calibrate_input(const CalibrationJob& job, nlohmann::json& j) {
  CalibrationBench b(job.bench);
  const PortWiring& port = *job.port;
  if (!port.output.valid())
    throw UsageError("calibrate the " + job.port_name + " output first: outbench calibrate output --bench " +
                     job.bench_file + " --port " + job.port_name);
  const double in_dbfs = measure_input_dbfs(b.io(), job.bench.retries, port, job.level_dbfs);
  const double vrms = port.output.vrms_from_dbfs(job.level_dbfs);  // open load: the EMF (Zin >> Zout)
  const double v0 = vrms / ratio_from_db(in_dbfs);
  auto& in = analyser_input_section(j);  // loopback_input, or audio.input on two devices
  in["vrms_at_0dbfs"] = v0;
  in["calibrated_on"] = now_utc();
  write_text_atomic(job.bench_file, j.dump(2) + "\n");
  std::printf("loopback input: %.4f Vrms reads 0 dBFS (%.2f dBFS for %.4f Vrms) stored in %s\n", v0, in_dbfs, vrms,
              job.bench_file.c_str());
  return 0;
}

// One loopback capture of `x` (plus `extra` frames), retried after xruns; Interrupted on Ctrl-C.
Capture loopback_capture(CalibrationBench& b, const CalibrationJob& job, const std::vector<double>& x,
                         std::size_t extra, const char* what) {
  const PortWiring& port = *job.port;
  std::vector<std::vector<double>> stim(port.output_channels.size(), x);
  const auto c = play_record_retrying(b.io(), job.bench.retries, port.output_channels, stim, port.input_channels,
                                      x.size() + extra, &stop_requested());
  if (stop_requested()) throw Interrupted();
  if (!c.valid) throw std::runtime_error(std::string("the loopback ") + what + " capture failed: " + c.problem);
  return c;
}

// The interface's own response: a synchronized sweep through the loopback, latency found and removed.
ResponseResult loopback_response(CalibrationBench& b, const CalibrationJob& job) {
  const double rate = b.io().rate_hz();
  SweepSpec ss;
  ss.start_hz = 5.0;
  ss.stop_hz = rate / 2;
  ss.duration_s = kCalSweepS;
  ss.rate_hz = rate;
  ss.level_dbfs = std::min(kLoopbackSweepDbfs, job.cap.drive_dbfs);
  const auto sweep = make_sweep(ss);
  const auto cs = loopback_capture(b, job, sweep, static_cast<std::size_t>(0.3 * rate), "sweep");
  ResponseOptions ro;
  ro.sweep_l_s = sweep_info(ss).l_s;
  ro.points_per_octave = 3;
  return analyze_response(sweep, cs.channels.front(), rate, ro);
}

// loopback: the interface's own floor, the port's output straight into the input.
int calibrate_loopback(const CalibrationJob& job, nlohmann::json& j) {
  CalibrationBench b(job.bench);
  const double tone_dbfs = std::min(kLoopbackToneDbfs, job.cap.drive_dbfs);
  const auto x = cal_tone(tone_dbfs, kCalToneS, b.io().rate_hz());
  const double rate = b.io().rate_hz();
  const auto c = loopback_capture(b, job, x, static_cast<std::size_t>(0.2 * rate), "tone");
  ThdnOptions o;
  o.fundamental_hz = kCalToneHz;
  const auto r = analyze_thdn(c.channels.front(), rate, o);
  if (!r.valid) throw InputError("no tone came back through the loopback: " + r.reason + " (check the cable)");
  if (r.level_dbfs > kCalClipDbfs)
    throw InputError("the loopback input reads " + std::to_string(r.level_dbfs) + " dBFS for a " +
                     std::to_string(tone_dbfs) + " dBFS tone: it clips; lower the input gain and calibrate again");
  // The same at the runs' reference level: the floor under a run's THD+N there (output and input together).
  const double ref_dbfs = std::min(job.reference_dbfs, job.cap.drive_dbfs);
  const auto cr = loopback_capture(b, job, cal_tone(ref_dbfs, kCalToneS, rate), static_cast<std::size_t>(0.2 * rate),
                                   "reference tone");
  const auto rr = analyze_thdn(cr.channels.front(), rate, o);
  if (!rr.valid) throw InputError("no reference tone came back through the loopback: " + rr.reason);
  const auto cn = loopback_capture(b, job, make_silence(kCalToneS, rate), 0, "noise");
  const auto n = analyze_noise(cn.channels.front(), rate);
  const auto resp = loopback_response(b, job);
  if (!n.valid || !resp.valid)
    throw InputError("the loopback measurement failed: " + (n.valid ? resp.reason : n.reason));
  double dev = 0;
  nlohmann::json pts = nlohmann::json::array();
  for (const auto& p : resp.points) {
    if (p.freq_hz >= 20 && p.freq_hz <= 20000) dev = std::max(dev, std::abs(p.relative_db));
    pts.push_back({{"freq_hz", p.freq_hz}, {"relative_db", p.relative_db}});
  }
  j["analyser_floor"] = {{"thdn_db", r.thdn_db},
                         {"at_level_dbfs", r.level_dbfs},
                         {"noise_dbfs", n.noise_dbfs},
                         {"gain_1k_db", resp.gain_1k_db},
                         {"response_deviation_20_20k_db", dev},
                         {"latency_frames", resp.latency_frames},
                         {"response", pts},
                         {"port", job.port_name},
                         {"reference_drive_dbfs", ref_dbfs},
                         {"reference_thdn_db", rr.thdn_db},
                         {"reference_residual_dbfs", rr.level_dbfs + rr.thdn_db},
                         {"measured_on", now_utc()}};
  write_text_atomic(job.bench_file, j.dump(2) + "\n");
  std::printf(
      "analyser floor (%s out into the input): THD+N %.1f dB at %.1f dBFS (%.1f dB at the runs' %.1f dBFS drive), "
      "noise %.1f dBFS, response within +/-%.2f dB 20 Hz-20 kHz, latency %ld frames; stored in %s\n",
      job.port_name.c_str(), r.thdn_db, r.level_dbfs, rr.thdn_db, ref_dbfs, n.noise_dbfs, dev, resp.latency_frames,
      job.bench_file.c_str());
  return 0;
}

int calibrate_bench(const Args& args) {
  const auto job = read_job(args);
  if (!job) return 0;
  warn_when_nothing_is_calibrated(*job);
  auto j = read_json_file(job->bench_file);
  if (job->what == "output") return calibrate_output(*job, j);
  if (job->what == "input") return calibrate_input(*job, j);
  return calibrate_loopback(*job, j);
}

}  // namespace

int calibrate(const Args& args) {
  try {
    if (!args.empty() && args[0] == "input-impedance")
      return calibrate_input_impedance(Args(args.begin() + 1, args.end()));
    return calibrate_bench(args);
  } catch (const Interrupted&) {
    std::cerr << "\noutbench: calibration stopped; nothing was stored\n";
    return 130;
  }
}

}  // namespace outbench::cli
