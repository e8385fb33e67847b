// outbench run: measure a device on the simulated bench (default) or a bench file.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <tuple>

#include "analysis/units.hpp"
#include "measure/cli/bench_io.hpp"
#include "measure/cli/cli.hpp"
#include "measure/cli/signals.hpp"
#include "measure/config/headphones_config.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/config/kinds.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/engine/self_test.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/engine/test_set.hpp"
#include "measure/errors.hpp"
#include "measure/files/atomic_write.hpp"
#include "measure/files/wav_file.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "measure/strformat.hpp"
#include "outbench_version.hpp"
#include "reports/html_report.hpp"
#include "reports/results_json.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

struct RunArgs {
  std::string device, bench_file, ports, loads, tests, rules_file, out_dir = "outbench-report", seed_text = "1";
  std::string headphones, rate_text, band = "20:20000";
  double ref_dbfs = -20;
};

// --tests: the plan's tests, one a line, with what each needs.
std::string tests_help() {
  std::string s =
      "tests of the plan to run, e.g. --tests zout,thdn (default: all); the sweep into each load "
      "always runs:";
  for (const auto& t : engine::kTests) {
    s += "\n  " + std::string(t.name) + ": " + t.what;
    if (*t.needs) s += " (adds " + std::string(t.needs) + ")";
  }
  return s;
}

po::options_description run_options(RunArgs& a) {
  po::options_description desc("run options");
  desc.add_options()("help,h", "show this help")("device", po::value(&a.device),
                                                 "simulated device model (JSON; default: usb-interface)")(
      "bench", po::value(&a.bench_file), "bench configuration (JSON)")(
      "ports", po::value(&a.ports), "ports to measure, e.g. line,headphone (default: all)")(
      "loads", po::value(&a.loads), "loads, e.g. open,10k,600,300,32,16 (default: all on the bench)")(
      "tests", po::value(&a.tests), tests_help().c_str())(
      "rules", po::value(&a.rules_file), "verdict rules (JSON; default fixtures/verdicts/default.json)")(
      "headphones", po::value(&a.headphones),
      "headphones for the predicted responses, FILE[,FILE] (.json network, .csv curve; default fixtures/headphones)")(
      "seed", po::value(&a.seed_text)->default_value(a.seed_text), "seed of the simulated bench")(
      "reference-dbfs", po::value(&a.ref_dbfs)->default_value(-20), "reference drive level (AES17: -20 dBFS)")(
      "rate", po::value(&a.rate_text),
      "sample rate in Hz: 44100, 48000, 88200, 96000 or 192000 (default: the bench's audio.rate_hz, 48000)")(
      "band", po::value(&a.band)->default_value(a.band),
      "band LOW:HIGH (Hz) of every THD+N and unweighted noise figure (AES17 default 20:20000; HIGH <= rate/2)")(
      "quick", "fewer points, for a first look")("json", "print results.json on stdout")(
      "quiet,q", "no progress display")("output,o", po::value(&a.out_dir)->default_value(a.out_dir), "report folder")(
      "keep-captures", "also write every capture as WAV into the report folder")(
      "yes", "manual load switch: the load is already in place (single-load runs)")(
      "dc-meter", "ask for DC voltmeter readings on stdin (test dc, input not DC-coupled; default: when a terminal)")(
      "no-prompt", "never ask for a meter reading (the DC offset is then not measured on such a bench)");
  return desc;
}

// The dc step's meter prompt: the question on stderr, one line of stdin in mV.
std::optional<double> ask_meter_mv(const std::string& prompt, std::string& why_not) {
  std::cerr << "\n" << prompt << std::flush;
  std::string line;
  if (!std::getline(std::cin, line)) {
    why_not = "no reading entered (end of input)";
    return std::nullopt;
  }
  try {
    std::size_t used = 0;
    const double mv = std::stod(line, &used);
    if (line.find_first_not_of(" \t\r", used) == std::string::npos && std::isfinite(mv)) return mv;
  } catch (const std::exception&) {
  }
  why_not = "the reading '" + line + "' is not a number of mV";
  return std::nullopt;
}

struct BenchAndModel {
  BenchConfig bench;
  sim::DeviceModel model;  // a real bench: only its name, description and source
};

// --rate: one of the run rates (before any file is read), or 0 when not given.
double parse_rate(const po::variables_map& vm, const RunArgs& a) {
  if (!vm.count("rate")) return 0;
  const auto r = parse_number(a.rate_text);
  if (!r || !is_run_rate(*r))
    throw UsageError("--rate " + a.rate_text + ": outbench run measures at " + rate_list_text() + "; choose one");
  return *r;
}

// The run's rate: --rate when given (within the bench's supported_rates_hz), else the bench's.
void apply_rate(BenchConfig& bench, double rate_hz) {
  if (rate_hz == 0) return;
  const auto& ok = bench.supported_rates_hz;
  if (!ok.empty() && std::find(ok.begin(), ok.end(), rate_hz) == ok.end())
    throw UsageError(
        strformat("--rate %.0f: the bench '%s' (%s) runs at ", rate_hz, bench.name.c_str(), bench.source.c_str()) +
        rate_list_text(ok) + " only (its audio.supported_rates_hz); choose one of them");
  bench.rate_hz = rate_hz;
}

// --band LOW:HIGH at the run's rate.
std::pair<double, double> checked_band(const std::string& text, double rate_hz, double tone_hz) {
  const auto [lo, hi] = parse_band(text, "--band");
  if (const auto bad = engine::band_problem(lo, hi, rate_hz, tone_hz); !bad.empty())
    throw UsageError("--band " + text + (hi > rate_hz / 2 ? strformat(" at --rate %.0f", rate_hz) : "") + ": " + bad);
  return {lo, hi};
}

// --bench FILE (simulated: its device model, or --device), else the simulated bench of --device.
BenchAndModel load_bench_and_model(const po::variables_map& vm, const RunArgs& a) {
  BenchAndModel r;
  if (vm.count("bench")) {
    r.bench = load_bench_config(a.bench_file);
    if (r.bench.audio == "simulated") {
      r.model = sim::load_device_model(vm.count("device") ? a.device : r.bench.device_model);
      r.bench.two_clocks = r.model.two_clocks();  // a model with clock_ppm plays on its own clock
    } else {
      r.model.name = r.bench.name;
      r.model.description =
          "real device through " + r.bench.host_api + ": " + r.bench.device +
          (r.bench.two_devices() ? ", captured on " + r.bench.input_device + " (" + r.bench.input_host_api + ")" : "");
      r.model.source = r.bench.source;
    }
  } else {
    r.model = sim::load_device_model(vm.count("device") ? std::filesystem::path(a.device)
                                                        : fixtures_dir() / "devices" / "usb-interface.json");
    r.bench = sim::bench_for_model(r.model, 48000);
  }
  apply_rate(r.bench, parse_rate(vm, a));
  return r;
}

engine::TestSet resolve_tests_or_usage(const std::vector<std::string>& names) {
  try {
    return engine::resolve_tests(names);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

void check_port_and_load_names(const RunOptions& opt, const BenchConfig& bench) {
  for (const auto& p : opt.ports)
    if (!bench.port(p) && !parse_port_kind(p))
      throw UsageError("--ports: '" + p + "' is not a port of the bench (ports: " + port_kind_list() + ")");
  for (const auto& l : opt.loads)
    if (!bench.load(l))
      throw UsageError("--loads: '" + l + "' is not a load of the bench (open, 10k, 600, 300, 32, 16)");
}

// Temporary files of an earlier run that was killed (SIGKILL, power loss) while it saved.
void remove_stale_files(const std::filesystem::path& out, bool quiet) {
  auto stale = remove_stale_temps(out, {"results.json", "report.html"});
  for (const auto& f : remove_stale_temps(out / "captures", {"*.wav"})) stale.push_back(f);
  if (!quiet)
    for (const auto& f : stale)
      std::fprintf(stderr, "outbench: removed %s, left by a run that was killed\n", f.c_str());
}

Results start_results(const sim::DeviceModel& model, const BenchConfig& bench) {
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
  return res;
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
      // Within 3 dB of the analyser's floor the figure is the analyser's: a bound (docs/MEASUREMENTS.md).
      const bool bound = l.floor.thdn && l.floor.thdn->analyser_limited;
      std::printf("    %-5s THD+N %s%6.1f dB @ %.0f dBFS", l.load_name.c_str(), bound ? "<=" : "", l.thdn_ref.thdn_db,
                  r.conditions.reference_level_dbfs);
      const auto& m = l.max_level.at_1pct;
      if (m.found && m.vrms)
        std::printf(" | max %.3g Vrms (%+.1f dBu%s) [%s]", *m.vrms, *m.dbu,
                    m.mw ? (", " + strformat("%.3g", *m.mw) + " mW").c_str() : "", l.max_level.stop_reason.c_str());
      if (l.response_deviation_db) std::printf(" | response +/-%.2f dB", *l.response_deviation_db);
      std::printf("\n");
    }
    for (const auto& rec : p.recommendations) std::printf("    %s\n", rec.sentence.c_str());
  }
  std::printf("\nVerdicts:\n");
  if (r.verdicts.empty())
    std::printf("  none: %s\n", r.complete ? "no verdict applies" : "the run stopped before it measured every figure");
  for (const auto& v : r.verdicts) std::printf("  %s\n    %s\n", v.question.c_str(), v.summary.c_str());
  for (const auto& w : r.warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("\nresults: %s\nreport:  %s\nrun:     %s\n", (out / "results.json").c_str(),
              (out / "report.html").c_str(), r.run_id.c_str());
}

// results.json and report.html are saved together after every port x load and at the end: both or neither
// (a full disk leaves the previous pair), and both carry the run id, so the folder always holds one run.
class ReportSaver {
 public:
  explicit ReportSaver(std::filesystem::path out) : out_(std::move(out)) {}

  const std::filesystem::path& folder() const { return out_; }
  double elapsed_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

  void operator()(const Results& r) {
    Results copy = r;
    copy.conditions.elapsed_s = elapsed_s();
    const std::string text = results_json(copy).dump(1) + "\n";
    // The report embeds exactly what results.json holds (numbers that are not finite are null in both).
    const std::string html = render_report_html(nlohmann::json::parse(text), (out_ / "results.json").string());
    try {
      write_texts_atomic({{out_ / "results.json", text}, {out_ / "report.html", html}});
    } catch (const WriteError& e) {
      throw WriteError(std::string(e.what()) + ". Neither results.json nor report.html was replaced: '" +
                       out_.string() + "' holds " + (saved_.empty() ? describe_saved(out_) : saved_));
    }
    saved_ = "run " + copy.run_id +
             (copy.complete ? " (complete)"
                            : " (incomplete, saved after " + strformat("%.0f", copy.conditions.elapsed_s) + " s)");
  }

 private:
  std::filesystem::path out_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  std::string saved_;  // what the folder holds, for the error message when a save fails
};

void print_progress(const Progress& p) {
  std::fprintf(stderr, "\r\033[K%3.0f%%  %-9s %-5s %-28s %4.0f s left  stimulus %5.1f s (%s %.1f s)", 100 * p.fraction,
               p.port.c_str(), p.load.c_str(), p.test.c_str(), p.eta_s, p.stimulus_s,
               p.step.empty() ? "-" : p.step.c_str(), p.step_s);
  std::fflush(stderr);
}

// The bench's audio and load switch; a real bench only after the analysis passed its self-test.
OpenBench open_run_bench(const BenchConfig& bench, const sim::DeviceModel& model, std::uint64_t seed,
                         const RunOptions& opt, bool loads_in_place) {
  if (bench.audio != "simulated") {
    const std::string fail = analysis_self_test();
    if (!fail.empty()) throw std::runtime_error("analysis self-test failed, not measuring: " + fail);
    const std::size_t n_loads = opt.loads.empty() ? bench.loads.size() : opt.loads.size();
    if (bench.load_switch == LoadSwitchKind::manual && loads_in_place && n_loads > 1)
      throw UsageError("--yes (loads already in place) works for single-load runs only: add --loads NAME");
  }
  return open_bench(bench, model, seed, loads_in_place, &stop_requested());
}

// An error part-way (a device that stalls, a relay that fails): what was measured so far is written
// (results.json and report.html, marked incomplete) before the error is reported.
void keep_partial(Results& res, ReportSaver& save, const std::filesystem::path& out, bool show_progress) {
  if (show_progress) std::fprintf(stderr, "\r\033[K");
  res.conditions.elapsed_s = save.elapsed_s();
  res.warnings.push_back("the run did not finish: only the measurements above were made");
  try {  // the error that stopped the run is the one to report; a failed save is only mentioned
    save(res);
    std::fprintf(stderr, "outbench: the results measured so far are in %s\n", (out / "results.json").c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outbench: could not save the partial results: %s\n", e.what());
  }
}

// The measurements: 0, or 130 when stopped by Ctrl-C (what was measured is kept in `res`). Any other error
// is reported after the partial results are saved.
int measure(const BenchConfig& bench, const OpenBench& ob, const RunOptions& opt, Results& res, ReportSaver& save,
            bool show_progress) {
  Sequencer seq(bench, *ob.io, *ob.sw, opt);
  int rc = 0;
  try {
    seq.run(res);
  } catch (const Stopped&) {
    std::fprintf(stderr, "\noutbench: stopped; the results measured so far are in %s\n",
                 (save.folder() / "results.json").c_str());
    rc = 130;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  } catch (const std::exception&) {
    keep_partial(res, save, save.folder(), show_progress);
    throw;
  }
  if (show_progress) std::fprintf(stderr, "\r\033[K");
  return rc;
}

}  // namespace

int run(const Args& args) {
  RunArgs a;
  const po::options_description desc = run_options(a);
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench run [options]")) return 0;
  checked("--reference-dbfs", a.ref_dbfs, -80, 0, "dBFS");
  check_output_folder("-o", a.out_dir);
  const std::uint64_t seed = parse_seed(a.seed_text, "--seed");
  // Both before any file is read: a bad option is reported first.
  RunOptions opt;
  if (vm.count("ports")) opt.ports = parse_list(a.ports, "--ports");
  if (vm.count("loads")) opt.loads = parse_list(a.loads, "--loads");
  if (vm.count("tests")) opt.tests = parse_list(a.tests, "--tests");
  const engine::TestSet tests = resolve_tests_or_usage(opt.tests);
  parse_rate(vm, a);             // a bad --rate before any file is read
  parse_band(a.band, "--band");  // and a --band that is no band
  const BenchAndModel bm = load_bench_and_model(vm, a);
  const BenchConfig& bench = bm.bench;
  const sim::DeviceModel& model = bm.model;
  const VerdictRules rules = load_rules(vm.count("rules") ? std::filesystem::path(a.rules_file)
                                                          : fixtures_dir() / "verdicts" / "default.json");
  check_port_and_load_names(opt, bench);
  std::tie(opt.band_lo_hz, opt.band_hi_hz) = checked_band(a.band, bench.rate_hz, opt.tone_hz);
  opt.headphones = vm.count("headphones") ? load_headphone_list(parse_list(a.headphones, "--headphones"))
                                          : load_headphone_folder(fixtures_dir() / "headphones");
  opt.quick = vm.count("quick") > 0;
  opt.seed = seed;
  opt.reference_level_dbfs = a.ref_dbfs;
  opt.rules = rules;
  opt.stop = &stop_requested();
  if (!vm.count("no-prompt") && (vm.count("dc-meter") || ::isatty(STDIN_FILENO))) opt.ask_dc_meter_mv = ask_meter_mv;
  for (const auto& added : tests.added) std::fprintf(stderr, "outbench: --tests: added %s\n", added.c_str());
  // Refuse an uncalibrated bench before the report folder or the audio device is touched.
  check_safe_to_start(bench, opt);

  // Output folder.
  const std::filesystem::path out(a.out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw WriteError("cannot create the report folder '" + a.out_dir + "': " + ec.message());
  if (vm.count("keep-captures")) {
    const auto dir = out / "captures";
    std::filesystem::create_directories(dir, ec);
    opt.keep_capture = [dir](const std::string& name, const std::vector<std::vector<double>>& channels, double rate) {
      write_wav(dir / (name + ".wav"), channels, rate, SampleFormat::Float32);
    };
  }
  remove_stale_files(out, vm.count("quiet") > 0);
  const bool json_out = vm.count("json") > 0;
  const bool show_progress = !vm.count("quiet") && ::isatty(STDERR_FILENO);

  Results res = start_results(model, bench);
  ReportSaver save(out);
  opt.on_checkpoint = [&save](const Results& r) { save(r); };
  if (show_progress) opt.on_progress = print_progress;
  const OpenBench ob = open_run_bench(bench, model, seed, opt, vm.count("yes") > 0);
  opt.volumes = ob.volumes;
  res.conditions.audio = ob.audio;
  const StopSignals signals(ob.io.get());  // until the final save: a Ctrl-C then is noted, not fatal
  const int rc = measure(bench, ob, opt, res, save, show_progress);
  if (res.complete) {  // the sequencer added the absent ports and decided the verdicts
    std::map<std::string, VolumeControl> volumes;
    if (bench.audio == "simulated")
      for (const auto& p : model.ports)
        if (p.has_volume) volumes[p.name] = {p.volume_db, p.volume_max_db};
    recommend_line_drive(res, rules, bench.input, volumes);
  }
  res.conditions.elapsed_s = save.elapsed_s();
  save(res);
  if (json_out)
    std::cout << results_json(res).dump(1) << "\n";
  else if (!vm.count("quiet"))
    print_summary(res, out);
  return rc;
}

}  // namespace outbench::cli
