// outbench calibrate output|input|loopback --bench FILE: turn dBFS into volts and record the analyser floor.
// Results are stored in the bench file (atomically, with the date); everything else in it is kept.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <iostream>
#include <limits>
#include <memory>
#include <thread>

#include "analysis/distortion.hpp"
#include "analysis/response.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "measure/cli/cli.hpp"
#include "measure/config/bench_config.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/engine/drive_limits.hpp"
#include "measure/errors.hpp"
#include "measure/files/wav_file.hpp"
#include "measure/io/portaudio_io.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "measure/switch/switches.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

constexpr double kCalToneHz = 997.0;
constexpr double kCalFadeS = 0.005;    // raised-cosine fades of the calibration tone chunks
constexpr double kCalSweepS = 2.0;     // loopback response sweep
constexpr double kCalClipDbfs = -0.3;  // a -1 dBFS tone reading above this at the input: clipping
constexpr double kCalToneS = 1.0;
constexpr double kLoopbackToneDbfs = -1.0;   // calibrate loopback: the floor near full scale, unless capped
constexpr double kLoopbackSweepDbfs = -6.0;  // and its response sweep

// Ctrl-C while a calibration tone plays: the output ramps to silence first (AudioIo::silence), then the
// command stops without storing anything (exit 130).
std::atomic<bool> g_cal_stop{false};
std::atomic<AudioIo*> g_cal_io{nullptr};
extern "C" void on_cal_signal(int) {
  if (AudioIo* io = g_cal_io.load()) io->silence();
  g_cal_stop.store(true);
}
struct CalSignals {  // installed while the bench's audio is open; declare after the AudioIo
  explicit CalSignals(AudioIo* io) {
    g_cal_io.store(io);
    struct sigaction sa {};
    sa.sa_handler = on_cal_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: Ctrl-C interrupts the wait for the meter reading
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~CalSignals() {
    g_cal_io.store(nullptr);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
  CalSignals(const CalSignals&) = delete;
  CalSignals& operator=(const CalSignals&) = delete;
  struct sigaction old_int {
  }, old_term{};
};

std::string today() {
  const std::time_t t = std::time(nullptr);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return b;
}

struct Interrupted {};  // Ctrl-C during a calibration: nothing is stored

struct BenchIo {
  std::unique_ptr<AudioIo> io;
  std::unique_ptr<LoadSwitch> sw;
};

BenchIo open_bench(const BenchConfig& b) {
  BenchIo r;
  if (b.audio == "simulated") {
    auto s = std::make_unique<sim::SimulatedBench>(sim::load_device_model(b.device_model), b, 1);
    r.sw = std::make_unique<sim::SimulatedLoadSwitch>(*s);
    r.io = std::move(s);
    return r;
  }
  PortAudioOptions o;
  o.device = b.device;
  o.host_api = b.host_api;
  o.rate_hz = b.rate_hz;
  o.ignore_xrun_flags = b.ignore_xrun_flags;
  o.output_channels = o.input_channels = 1;
  for (const auto& p : b.ports) {
    for (int c : p.output_channels) o.output_channels = std::max(o.output_channels, c + 1);
    for (int c : p.input_channels) o.input_channels = std::max(o.input_channels, c + 1);
  }
  r.sw = make_load_switch(b.load_switch_json, b.source, b.loads, false);
  try {
    r.io = std::make_unique<PortAudioIo>(o);
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
  return r;
}

// The tone's level at the loopback input (dBFS), channel 0 of the port (a capture with xruns is played
// again up to `retries` times, the bench's audio.retries).
double measure_input_dbfs(AudioIo& io, int retries, const PortWiring& port, double level_dbfs) {
  ToneSpec t;
  t.freq_hz = kCalToneHz;
  t.level_dbfs = level_dbfs;
  t.duration_s = kCalToneS;
  t.rate_hz = io.rate_hz();
  const auto x = make_tone(t);
  std::vector<std::vector<double>> stim(port.output_channels.size(), x);
  const auto c = play_record_retrying(io, retries, port.output_channels, stim, port.input_channels,
                                      x.size() + static_cast<std::size_t>(0.2 * io.rate_hz()), &g_cal_stop);
  if (g_cal_stop) throw Interrupted();
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

}  // namespace

namespace {
int calibrate_bench(const Args& args);
}

int calibrate(const Args& args) {
  try {
    return calibrate_bench(args);
  } catch (const Interrupted&) {
    std::cerr << "\noutbench: calibration stopped; nothing was stored\n";
    return 130;
  }
}

namespace {
int calibrate_bench(const Args& args) {
  if (args.empty() || (args[0] != "output" && args[0] != "input" && args[0] != "loopback"))
    throw UsageError("calibrate: say what to calibrate: output, input or loopback");
  const std::string what = args[0];
  std::string bench_file, port_name = "line";
  double level = -10, measured = 0;
  po::options_description desc("calibrate options");
  desc.add_options()("help,h", "show this help")("bench", po::value(&bench_file)->required(), "bench file to update")(
      "port", po::value(&port_name)->default_value(port_name), "output port")(
      "level-dbfs", po::value(&level)->default_value(level), "calibration tone level (dBFS)")(
      "measured-vrms", po::value(&measured), "output: the Vrms your meter reads across the open port");
  po::variables_map vm;
  if (!parse(Args(args.begin() + 1, args.end()), desc, vm, "outbench calibrate " + what + " --bench FILE [options]"))
    return 0;
  checked("--level-dbfs", level, -60, -1, "dBFS");
  if (vm.count("measured-vrms")) checked("--measured-vrms", measured, 1e-6, 1000, "Vrms");
  const BenchConfig bench = load_bench_config(bench_file);
  if (level > bench.safety.max_drive_dbfs)
    throw UsageError("--level-dbfs " + std::to_string(level) + " is above the bench's safety.max_drive_dbfs (" +
                     std::to_string(bench.safety.max_drive_dbfs) + " dBFS)");
  const PortWiring* port = bench.port(port_name);
  if (!port) throw UsageError("--port " + port_name + " is not a port of '" + bench_file + "'");
  // The calibration tones go into the open load: capped by the volt limit once the output is calibrated,
  // by safety.uncalibrated_max_drive_dbfs (when set) before.
  const DriveCap cap =
      port->output.valid()
          ? drive_cap(bench.safety, std::numeric_limits<double>::infinity(), port->output.vrms_at_0dbfs)
          : (bench.safety.uncalibrated_max_drive_dbfs
                 ? drive_cap(bench.safety, std::numeric_limits<double>::infinity(), std::nullopt)
                 : DriveCap{bench.safety.max_drive_dbfs, "max_drive_dbfs", "safety.max_drive_dbfs"});
  if (what != "loopback" && level > cap.drive_dbfs)
    throw UsageError("--level-dbfs " + std::to_string(level) + " is above what the bench's safety limits allow into " +
                     "the open " + port_name + " out: " + std::to_string(cap.drive_dbfs) + " dBFS (" + cap.limit_text +
                     ")");
  if (!port->output.valid() && !bench.input.valid() && !bench.safety.uncalibrated_max_drive_dbfs &&
      !(what == "output" && vm.count("measured-vrms")))
    std::cerr << "outbench: warning: nothing on this bench is calibrated yet, so safety.max_vrms ("
              << bench.safety.max_vrms << " Vrms) cannot be held: the tone plays at "
              << (what == "loopback" ? std::min(-1.0, cap.drive_dbfs) : level)
              << " dBFS into the open load. Connect only the meter (no headphones), or set "
                 "safety.uncalibrated_max_drive_dbfs to cap it.\n";
  auto j = read_json_file(bench_file);
  const Load* open = bench.load("open");

  if (what == "output") {
    if (!vm.count("measured-vrms")) {
      if (!::isatty(STDIN_FILENO))
        throw UsageError("calibrate output needs --measured-vrms V when there is no terminal to ask on");
      BenchIo b = open_bench(bench);
      const CalSignals signals(b.io.get());
      b.sw->select(*open);
      std::cerr << "Playing " << kCalToneHz << " Hz at " << level << " dBFS on the " << port_name
                << " out (open). Measure the Vrms across it and type the value: " << std::flush;
      std::atomic<bool> done{false};
      std::string player_error;
      std::thread player([&] {
        // 2 s chunks, each faded in and out over kCalFadeS (0.01 dB off the true RMS over a meter's window).
        ToneSpec t;
        t.freq_hz = kCalToneHz;
        t.level_dbfs = level;
        t.duration_s = 2.0;
        t.fade_s = kCalFadeS;
        t.rate_hz = b.io->rate_hz();
        const auto x = make_tone(t);
        std::vector<std::vector<double>> stim(port->output_channels.size(), x);
        try {
          while (!done && !g_cal_stop) b.io->play_record(port->output_channels, stim, port->input_channels, x.size());
        } catch (const std::exception& e) {
          player_error = e.what();
        }
      });
      std::string line;
      std::getline(std::cin, line);
      done = true;
      b.io->silence();
      player.join();
      if (g_cal_stop) throw Interrupted();
      if (!player_error.empty()) throw std::runtime_error("the calibration tone stopped: " + player_error);
      // The whole line must be the number: std::stod("1,23") would read 1 (a 23 % calibration error).
      const auto typed = parse_number(line);
      if (!typed)
        throw UsageError("'" + line + "' is not a voltage: type the meter's reading in Vrms as a plain number with a " +
                         "decimal point, e.g. 1.23; nothing was stored");
      measured = checked("the typed voltage", *typed, 1e-6, 1000, "Vrms");
    }
    const double v0 = measured / ratio_from_db(level);
    j["ports"][port_name]["vrms_at_0dbfs"] = v0;
    j["ports"][port_name]["calibrated_on"] = today();
    write_text_atomic(bench_file, j.dump(2) + "\n");
    std::printf("%s out: %.4f Vrms at 0 dBFS (%+.2f dBu) stored in %s\n", port_name.c_str(), v0, dbu_from_vrms(v0),
                bench_file.c_str());
    return 0;
  }

  BenchIo b = open_bench(bench);
  const CalSignals signals(b.io.get());
  b.sw->select(*open);
  if (what == "input") {
    if (!port->output.valid())
      throw UsageError("calibrate the " + port_name + " output first: outbench calibrate output --bench " + bench_file +
                       " --port " + port_name);
    const double in_dbfs = measure_input_dbfs(*b.io, bench.retries, *port, level);
    const double vrms = port->output.vrms_from_dbfs(level);  // open load: the EMF (Zin >> Zout)
    const double v0 = vrms / ratio_from_db(in_dbfs);
    j["loopback_input"]["vrms_at_0dbfs"] = v0;
    j["loopback_input"]["calibrated_on"] = today();
    write_text_atomic(bench_file, j.dump(2) + "\n");
    std::printf("loopback input: %.4f Vrms reads 0 dBFS (%.2f dBFS for %.4f Vrms) stored in %s\n", v0, in_dbfs, vrms,
                bench_file.c_str());
    return 0;
  }
  // loopback: the interface's own floor, the port's output straight into the input.
  ToneSpec t;
  t.freq_hz = kCalToneHz;
  t.level_dbfs = std::min(kLoopbackToneDbfs, cap.drive_dbfs);
  t.duration_s = kCalToneS;
  t.rate_hz = b.io->rate_hz();
  const auto x = make_tone(t);
  const double rate = b.io->rate_hz();
  auto capture = [&](const std::vector<double>& x, std::size_t extra, const char* what) {
    std::vector<std::vector<double>> stim(port->output_channels.size(), x);
    const auto c = play_record_retrying(*b.io, bench.retries, port->output_channels, stim, port->input_channels,
                                        x.size() + extra, &g_cal_stop);
    if (g_cal_stop) throw Interrupted();
    if (!c.valid) throw std::runtime_error(std::string("the loopback ") + what + " capture failed: " + c.problem);
    return c;
  };
  const auto c = capture(x, static_cast<std::size_t>(0.2 * rate), "tone");
  ThdnOptions o;
  o.fundamental_hz = kCalToneHz;
  const auto r = analyze_thdn(c.channels.front(), rate, o);
  if (!r.valid) throw InputError("no tone came back through the loopback: " + r.reason + " (check the cable)");
  if (r.level_dbfs > kCalClipDbfs)
    throw InputError("the loopback input reads " + std::to_string(r.level_dbfs) + " dBFS for a " +
                     std::to_string(t.level_dbfs) + " dBFS tone: it clips; lower the input gain and calibrate again");
  const auto cn = capture(make_silence(kCalToneS, rate), 0, "noise");
  const auto n = analyze_noise(cn.channels.front(), rate);
  // The interface's own response: a synchronized sweep through the loopback, latency found and removed.
  SweepSpec ss;
  ss.start_hz = 5.0;
  ss.stop_hz = rate / 2;
  ss.duration_s = kCalSweepS;
  ss.rate_hz = rate;
  ss.level_dbfs = std::min(kLoopbackSweepDbfs, cap.drive_dbfs);
  const auto sweep = make_sweep(ss);
  const auto cs = capture(sweep, static_cast<std::size_t>(0.3 * rate), "sweep");
  ResponseOptions ro;
  ro.sweep_l_s = sweep_info(ss).l_s;
  ro.points_per_octave = 3;
  const auto resp = analyze_response(sweep, cs.channels.front(), rate, ro);
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
                         {"port", port_name},
                         {"measured_on", today()}};
  write_text_atomic(bench_file, j.dump(2) + "\n");
  std::printf(
      "analyser floor (%s out into the input): THD+N %.1f dB at %.1f dBFS, noise %.1f dBFS, response within "
      "+/-%.2f dB 20 Hz-20 kHz, latency %ld frames; stored in %s\n",
      port_name.c_str(), r.thdn_db, r.level_dbfs, n.noise_dbfs, dev, resp.latency_frames, bench_file.c_str());
  return 0;
}

}  // namespace

}  // namespace outbench::cli
