// outbench run: measure a device on the simulated bench (default) or a bench file; outbench list-devices.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>

#include "analysis/units.hpp"
#include "measure/cli/cli.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/self_test.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/errors.hpp"
#include "measure/files/wav_file.hpp"
#include "measure/io/portaudio_io.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "measure/switch/switches.hpp"
#include "outbench_version.hpp"
#include "reports/html_report.hpp"
#include "reports/results_json.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<AudioIo*> g_io{nullptr};  // reset (IoRegistration) before the AudioIo it points to is destroyed
// Ctrl-C: silence the output first (a lock-free flag the audio callback ramps on), then stop between steps.
extern "C" void on_signal(int) {
  if (AudioIo* io = g_io.load()) io->silence();
  g_stop.store(true);
}
// Points the signal handler at an AudioIo for as long as this object lives (declare it after the AudioIo).
struct IoRegistration {
  explicit IoRegistration(AudioIo* io) { g_io.store(io); }
  ~IoRegistration() { g_io.store(nullptr); }
  IoRegistration(const IoRegistration&) = delete;
  IoRegistration& operator=(const IoRegistration&) = delete;
};

std::filesystem::path fixtures_dir() {
  if (const char* e = std::getenv("OUTBENCH_FIXTURES")) return e;
  return std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures";
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string fmtv(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// What an earlier run left in the report folder, e.g. "run 2026-12-01T17:06:51Z-7019 (complete)".
std::string describe_saved(const std::filesystem::path& out) {
  std::error_code ec;
  if (!std::filesystem::exists(out / "results.json", ec)) return "no results";
  try {
    const auto j = read_json_file(out / "results.json");
    const std::string id = j.value("run_id", "");
    return (id.empty() ? "the run of " + j.at("conditions").value("date_utc", "an unknown date") : "run " + id) +
           (j.value("complete", false) ? " (complete)" : " (incomplete)");
  } catch (const std::exception&) {
    return "a results.json this outbench cannot read";
  }
}

void print_summary(const Results& r, const std::filesystem::path& out) {
  std::printf("\n%s: %s\n", r.device_name.c_str(), r.complete ? "complete" : "INCOMPLETE");
  for (const auto& p : r.ports) {
    if (!p.present) {
      std::printf("  %s out: absent\n", p.name.c_str());
      continue;
    }
    std::printf("  %s out:", p.name.c_str());
    if (p.z_1k_ohms) std::printf(" Zout %.3g ohm at 1 kHz", *p.z_1k_ohms);
    if (p.z_20hz_ohms) std::printf(", %.3g ohm at 20 Hz", *p.z_20hz_ohms);
    std::printf("%s\n", p.loads_agree ? "" : " (load estimates DISAGREE)");
    for (const auto& l : p.loads) {
      if (!l.valid) {
        std::printf("    %-5s %s\n", l.load_name.c_str(), l.problem.c_str());
        continue;
      }
      std::printf("    %-5s THD+N %6.1f dB @ %.0f dBFS", l.load_name.c_str(), l.thdn_ref.thdn_db,
                  r.conditions.reference_level_dbfs);
      const auto& m = l.max_level.at_1pct;
      if (m.found && m.vrms)
        std::printf(" | max %.3g Vrms (%+.1f dBu%s) [%s]", *m.vrms, *m.dbu,
                    m.mw ? (", " + fmtv("%.3g", *m.mw) + " mW").c_str() : "", l.max_level.stop_reason.c_str());
      if (l.response_deviation_db) std::printf(" | response +/-%.2f dB", *l.response_deviation_db);
      std::printf("\n");
    }
    for (const auto& rec : p.recommendations) std::printf("    %s\n", rec.sentence.c_str());
  }
  std::printf("\nVerdicts:\n");
  for (const auto& v : r.verdicts) std::printf("  %s\n    %s\n", v.question.c_str(), v.summary.c_str());
  for (const auto& w : r.warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("\nresults: %s\nreport:  %s\nrun:     %s\n", (out / "results.json").c_str(),
              (out / "report.html").c_str(), r.run_id.c_str());
}

}  // namespace

int list_devices(const Args& args) {
  if (!args.empty() && args[0] != "--help") throw UsageError("list-devices takes no arguments");
  const auto dir = fixtures_dir() / "devices";
  std::printf("Simulated devices (%s):\n", dir.c_str());
  std::vector<std::filesystem::path> files;
  if (std::filesystem::exists(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    try {
      const auto m = sim::load_device_model(f);
      std::string ports;
      for (const auto& p : m.ports) ports += (ports.empty() ? "" : ", ") + p.name;
      std::printf("  %-22s %s [%s]\n", f.stem().c_str(), m.name.c_str(), ports.c_str());
    } catch (const InputError& e) {
      std::printf("  %-22s (invalid: %s)\n", f.stem().c_str(), e.what());
    }
  }
  std::printf("Audio interfaces: see `outbench devices`.\n");
  return 0;
}

int devices(const Args& args) {
  int in = 0, out = 0;
  std::string bench_file;
  po::options_description desc("devices options");
  desc.add_options()("help,h", "show this help")("inputs", po::value(&in)->default_value(0),
                                                 "input channels the bench needs")(
      "outputs", po::value(&out)->default_value(0), "output channels the bench needs")(
      "bench", po::value(&bench_file), "take the channel counts from this bench file");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench devices [--bench FILE | --inputs N --outputs M]")) return 0;
  checked("--inputs", in, 0, 256, "channels");
  checked("--outputs", out, 0, 256, "channels");
  if (vm.count("bench")) {
    const BenchConfig b = load_bench_config(bench_file);
    for (const auto& p : b.ports) {
      for (int c : p.output_channels) out = std::max(out, c + 1);
      for (int c : p.input_channels) in = std::max(in, c + 1);
    }
    std::cout << "Bench '" << b.name << "' needs " << in << " input(s) and " << out << " output(s) at " << b.rate_hz
              << " Hz on '" << b.device << "' (" << b.host_api << ").\n";
  }
  std::cout << describe_audio_devices(in, out);
  return 0;
}

int run(const Args& args) {
  std::string device, bench_file, ports, loads, rules_file, out_dir = "outbench-report", seed_text = "1";
  double ref_dbfs = -20;
  po::options_description desc("run options");
  desc.add_options()("help,h", "show this help")("device", po::value(&device),
                                                 "simulated device model (JSON; default: usb-interface)")(
      "bench", po::value(&bench_file), "bench configuration (JSON)")(
      "ports", po::value(&ports), "ports to measure, e.g. line,headphone (default: all)")(
      "loads", po::value(&loads), "loads, e.g. open,10k,600,300,32,16 (default: all on the bench)")(
      "rules", po::value(&rules_file), "verdict rules (JSON; default fixtures/verdicts/default.json)")(
      "seed", po::value(&seed_text)->default_value(seed_text), "seed of the simulated bench")(
      "reference-dbfs", po::value(&ref_dbfs)->default_value(-20), "reference drive level (AES17: -20 dBFS)")(
      "quick", "fewer points, for a first look")("json", "print results.json on stdout")(
      "quiet,q", "no progress display")("output,o", po::value(&out_dir)->default_value(out_dir), "report folder")(
      "keep-captures", "also write every capture as WAV into the report folder")(
      "yes", "manual load switch: the load is already in place (single-load runs)");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench run [options]")) return 0;
  checked("--reference-dbfs", ref_dbfs, -80, 0, "dBFS");
  const std::uint64_t seed = parse_seed(seed_text, "--seed");
  // Both before any file is read: a bad option is reported first.
  RunOptions opt;
  if (vm.count("ports")) opt.ports = parse_list(ports, "--ports");
  if (vm.count("loads")) opt.loads = parse_list(loads, "--loads");

  // Bench and device.
  BenchConfig bench;
  sim::DeviceModel model;
  if (vm.count("bench")) {
    bench = load_bench_config(bench_file);
    if (bench.audio == "simulated") {
      model = sim::load_device_model(vm.count("device") ? device : bench.device_model);
    } else {
      model.name = bench.name;
      model.description = "real device through " + bench.host_api + ": " + bench.device;
      model.source = bench.source;
    }
  } else {
    model = sim::load_device_model(vm.count("device") ? std::filesystem::path(device)
                                                      : fixtures_dir() / "devices" / "usb-interface.json");
    bench = sim::bench_for_model(model, 48000);
  }
  const VerdictRules rules =
      load_rules(vm.count("rules") ? std::filesystem::path(rules_file) : fixtures_dir() / "verdicts" / "default.json");
  for (const auto& p : opt.ports)
    if (!bench.port(p) && p != "line" && p != "headphone")
      throw UsageError("--ports: '" + p + "' is not a port of the bench (ports: line, headphone)");
  for (const auto& l : opt.loads)
    if (!bench.load(l))
      throw UsageError("--loads: '" + l + "' is not a load of the bench (open, 10k, 600, 300, 32, 16)");
  opt.quick = vm.count("quick") > 0;
  opt.seed = seed;
  opt.reference_level_dbfs = ref_dbfs;
  opt.rules = rules;
  opt.stop = &g_stop;
  // Refuse an uncalibrated bench before the report folder or the audio device is touched.
  check_safe_to_start(bench, opt);

  // Output folder.
  const std::filesystem::path out(out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw InputError("cannot create the report folder '" + out_dir + "': " + ec.message());
  if (vm.count("keep-captures")) {
    const auto dir = out / "captures";
    std::filesystem::create_directories(dir, ec);
    opt.keep_capture = [dir](const std::string& name, const std::vector<std::vector<double>>& channels, double rate) {
      write_wav(dir / (name + ".wav"), channels, rate, SampleFormat::Float32);
    };
  }
  // Temporary files of an earlier run that was killed (SIGKILL, power loss) while it saved.
  auto stale = remove_stale_temps(out, {"results.json", "report.html"});
  for (const auto& f : remove_stale_temps(out / "captures", {"*.wav"})) stale.push_back(f);
  if (!vm.count("quiet"))
    for (const auto& f : stale)
      std::fprintf(stderr, "outbench: removed %s, left by a run that was killed\n", f.c_str());
  const bool json_out = vm.count("json") > 0;
  const bool show_progress = !vm.count("quiet") && ::isatty(STDERR_FILENO);

  Results res;
  res.device_name = model.name;
  res.device_description = model.description;
  res.device_model_file = model.source;
  res.bench_name = bench.name;
  res.bench_source = bench.source;
  res.conditions.date_utc = now_utc();
  res.run_id = res.conditions.date_utc + "-" + std::to_string(::getpid());
  res.conditions.outbench_version = OUTBENCH_VERSION;
  res.conditions.audio = "simulated";
  const auto t0 = std::chrono::steady_clock::now();
  // results.json and report.html are saved together after every port x load and at the end: both or neither
  // (a full disk leaves the previous pair), and both carry the run id, so the folder always holds one run.
  std::string saved;  // what the folder holds, for the error message when a save fails
  auto save = [&](const Results& r) {
    Results copy = r;
    copy.conditions.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string text = results_json(copy).dump(1) + "\n";
    // The report embeds exactly what results.json holds (numbers that are not finite are null in both).
    const std::string html = render_report_html(nlohmann::json::parse(text), (out / "results.json").string());
    try {
      write_texts_atomic({{out / "results.json", text}, {out / "report.html", html}});
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + ". Neither results.json nor report.html was replaced: '" + out.string() +
                       "' holds " + (saved.empty() ? describe_saved(out) : saved));
    }
    saved = "run " + copy.run_id +
            (copy.complete ? " (complete)"
                           : " (incomplete, saved after " + fmtv("%.0f", copy.conditions.elapsed_s) + " s)");
  };
  opt.on_checkpoint = save;
  if (show_progress)
    opt.on_progress = [](const Progress& p) {
      std::fprintf(stderr, "\r\033[K%3.0f%%  %-9s %-5s %-28s %4.0f s left", 100 * p.fraction, p.port.c_str(),
                   p.load.c_str(), p.test.c_str(), p.eta_s);
      std::fflush(stderr);
    };

  std::unique_ptr<AudioIo> io;
  std::unique_ptr<LoadSwitch> sw;
  if (bench.audio == "simulated") {
    auto sio = std::make_unique<sim::SimulatedBench>(model, bench, seed);
    sw = std::make_unique<sim::SimulatedLoadSwitch>(*sio);
    io = std::move(sio);
  } else {
    // Before touching hardware: the analysis must pass its self-test.
    const std::string fail = analysis_self_test();
    if (!fail.empty()) throw std::runtime_error("analysis self-test failed, not measuring: " + fail);
    PortAudioOptions po_opt;
    po_opt.device = bench.device;
    po_opt.host_api = bench.host_api;
    po_opt.rate_hz = bench.rate_hz;
    po_opt.ignore_xrun_flags = bench.ignore_xrun_flags;
    po_opt.frames_per_buffer = bench.frames_per_buffer;
    po_opt.output_channels = po_opt.input_channels = 1;
    for (const auto& p : bench.ports) {
      for (int c : p.output_channels) po_opt.output_channels = std::max(po_opt.output_channels, c + 1);
      for (int c : p.input_channels) po_opt.input_channels = std::max(po_opt.input_channels, c + 1);
    }
    const std::size_t n_loads = opt.loads.empty() ? bench.loads.size() : opt.loads.size();
    if (bench.load_switch == "manual" && vm.count("yes") && n_loads > 1)
      throw UsageError("--yes (loads already in place) works for single-load runs only: add --loads NAME");
    // The audio interface first (a missing interface is the likelier mistake), then the relay board.
    // PortAudio's and JACK's threads start with SIGINT and SIGTERM blocked (they inherit this thread's mask),
    // so Ctrl-C always lands on the main thread, where it may interrupt the manual switch's prompt.
    std::unique_ptr<PortAudioIo> pio;
    sigset_t stop_signals, old_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
    try {
      pio = std::make_unique<PortAudioIo>(po_opt);
    } catch (const std::runtime_error& e) {
      pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
      throw InputError(std::string(e.what()) + " (bench file '" + bench.source +
                       "'; `outbench devices` lists what is there)");
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    sw = make_load_switch(bench.load_switch_json, bench.source, bench.loads, vm.count("yes") > 0, &g_stop);
    res.conditions.audio = "portaudio: " + pio->device_name() + " (" + bench.host_api + ")";
    io = std::move(pio);
  }
  const IoRegistration io_registration(io.get());
  // No SA_RESTART: a Ctrl-C at the manual switch's prompt interrupts the wait for Enter.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  Sequencer seq(bench, *io, *sw, opt);
  int rc = 0;
  // An error part-way (a device that stalls, a relay that fails): what was measured so far is written
  // (results.json and report.html, marked incomplete) before the error is reported.
  auto keep_partial = [&] {
    if (show_progress) std::fprintf(stderr, "\r\033[K");
    res.conditions.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    res.warnings.push_back("the run did not finish: only the measurements above were made");
    try {  // the error that stopped the run is the one to report; a failed save is only mentioned
      save(res);
      std::fprintf(stderr, "outbench: the results measured so far are in %s\n", (out / "results.json").c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "outbench: could not save the partial results: %s\n", e.what());
    }
  };
  try {
    seq.run(res);
  } catch (const Stopped&) {
    std::fprintf(stderr, "\noutbench: stopped; the results measured so far are in %s\n",
                 (out / "results.json").c_str());
    rc = 130;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  } catch (const std::exception&) {
    keep_partial();
    throw;
  }
  if (show_progress) std::fprintf(stderr, "\r\033[K");
  if (res.complete) {  // the sequencer added the absent ports and decided the verdicts
    std::map<std::string, VolumeControl> volumes;
    if (bench.audio == "simulated")
      for (const auto& p : model.ports)
        if (p.has_volume) volumes[p.name] = {p.volume_db, p.volume_max_db};
    recommend_line_drive(res, rules, bench.input, volumes);
  }
  res.conditions.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  save(res);
  if (json_out)
    std::cout << results_json(res).dump(1) << "\n";
  else if (!vm.count("quiet"))
    print_summary(res, out);
  return rc;
}

}  // namespace outbench::cli
