#include "measure/cli/calibrate_zin.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>

#include "analysis/impedance.hpp"
#include "analysis/response.hpp"
#include "analysis/signals.hpp"
#include "measure/cli/bench_io.hpp"
#include "measure/cli/signals.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"
#include "measure/files/atomic_write.hpp"
#include "measure/sim/model.hpp"
#include "measure/switch/switches.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

constexpr double kSweepS = 2.0;
constexpr double kSpreadLoHz = 100.0, kSpreadHiHz = 10000.0;  // the band whose spread goes into the tolerance

struct ZinJob {
  std::string bench_file, port_name = "line";
  double series_ohms = 0, series_tolerance_pct = 1.0, source_ohms = 0, level_dbfs = -10;
  BenchConfig bench;
  const PortWiring* port = nullptr;
};

std::optional<ZinJob> read_zin_job(const Args& args) {
  ZinJob job;
  po::options_description desc("calibrate input-impedance options");
  desc.add_options()("help,h", "show this help")("bench", po::value(&job.bench_file)->required(),
                                                 "bench file to update")(
      "port", po::value(&job.port_name)->default_value(job.port_name), "output port driving the loopback input")(
      "series-ohms", po::value(&job.series_ohms)->required(),
      "the resistor inserted between the port and the loopback input (ohm; near the input's impedance is best)")(
      "series-tolerance-pct", po::value(&job.series_tolerance_pct)->default_value(1.0), "its tolerance (+/- %)")(
      "source-ohms", po::value(&job.source_ohms)->default_value(0.0),
      "the port's |Zout| (from a run; 0: unknown, then Zin is over-read by it)")(
      "level-dbfs", po::value(&job.level_dbfs)->default_value(job.level_dbfs), "sweep level (dBFS)");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench calibrate input-impedance --bench FILE --series-ohms R [options]"))
    return std::nullopt;
  checked("--series-ohms", job.series_ohms, 1, 1e9, "ohm");
  checked("--series-tolerance-pct", job.series_tolerance_pct, 0, 50, "%");
  checked("--source-ohms", job.source_ohms, 0, 1e6, "ohm");
  checked("--level-dbfs", job.level_dbfs, -60, -1, "dBFS");
  job.bench = load_bench_config(job.bench_file);
  job.port = job.bench.port(job.port_name);
  if (!job.port) throw UsageError("--port " + job.port_name + " is not a port of '" + job.bench_file + "'");
  const DriveCap cap = open_load_cap(job.bench, *job.port);
  if (job.level_dbfs > cap.drive_dbfs)
    throw UsageError("--level-dbfs " + std::to_string(job.level_dbfs) + " is above what the bench's safety limits " +
                     "allow into the open " + job.port_name + " out: " + std::to_string(cap.drive_dbfs) + " dBFS (" +
                     cap.limit_text + ")");
  if (job.bench.audio != "simulated" && !::isatty(STDIN_FILENO))
    throw UsageError(
        "calibrate input-impedance asks you to insert the resistor between two sweeps: run it at a "
        "terminal");
  return job;
}

// One sweep into the open port, its response at the loopback input (channel 0 of the port).
ResponseResult open_sweep(OpenBench& b, const ZinJob& job, std::optional<long> latency) {
  const double rate = b.io->rate_hz();
  SweepSpec ss;
  ss.start_hz = 5.0;
  ss.stop_hz = std::min(24000.0, rate / 2);
  ss.duration_s = kSweepS;
  ss.rate_hz = rate;
  ss.level_dbfs = job.level_dbfs;
  const auto sweep = make_sweep(ss);
  std::vector<std::vector<double>> stim(job.port->output_channels.size(), sweep);
  const auto c =
      play_record_retrying(*b.io, job.bench.retries, job.port->output_channels, stim, job.port->input_channels,
                           sweep.size() + static_cast<std::size_t>(0.3 * rate), &stop_requested());
  if (stop_requested()) throw std::runtime_error("stopped by a signal; nothing was stored");
  if (!c.valid) throw std::runtime_error("the sweep capture failed: " + c.problem);
  ResponseOptions ro;
  ro.sweep_l_s = sweep_info(ss).l_s;
  ro.points_per_octave = 6;
  ro.report_lo_hz = 20.0;
  ro.report_hi_hz = 20000.0;
  ro.forced_latency_frames = latency;
  const auto r = analyze_response(sweep, c.channels.front(), rate, ro);
  if (!r.valid) throw InputError("no sweep came back through the loopback: " + r.reason + " (check the cable)");
  return r;
}

// Asks the user to do `what` and press Enter (a real bench).
void ask(const std::string& what) {
  std::cerr << what << " Press Enter when done: " << std::flush;
  std::string line;
  std::getline(std::cin, line);
}

}  // namespace

int calibrate_input_impedance(const Args& args) {
  const auto job = read_zin_job(args);
  if (!job) return 0;
  const bool sim = job->bench.audio == "simulated";
  auto b = open_bench(job->bench, sim ? sim::load_device_model(job->bench.device_model) : sim::DeviceModel{}, 1, false,
                      nullptr);
  const StopSignals signals(b.io.get());
  Load open = *job->bench.load("open");
  if (!sim) ask("Connect the " + job->port_name + " out straight to the loopback input (no load).");
  b.sw->select(open);
  const auto direct = open_sweep(b, *job, std::nullopt);
  Load through = open;  // the simulation inserts the resistor as a lead of the open load
  through.lead_ohms = open.lead_ohms + job->series_ohms;
  if (sim)
    b.sw->select(through);
  else
    ask("Insert the " + std::to_string(job->series_ohms) + " ohm resistor in series between the " + job->port_name +
        " out and the loopback input.");
  const auto series = open_sweep(b, *job, direct.latency_frames);
  if (sim) b.sw->select(open);
  nlohmann::json pts = nlohmann::json::array();
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  double g_sum = 0, c_sum = 0;  // the R || C fit: the mean conductance and capacitance over the spread band
  int n_fit = 0;
  for (const auto& p : direct.points) {
    const auto hs = response_at(series.points, p.freq_hz);
    const auto zin = hs ? input_impedance_from_series(p.h, *hs, job->series_ohms, job->source_ohms) : std::nullopt;
    if (!zin) continue;
    pts.push_back({{"freq_hz", p.freq_hz}, {"ohms", std::abs(*zin)}, {"r_ohms", zin->real()}, {"x_ohms", zin->imag()}});
    if (p.freq_hz >= kSpreadLoHz && p.freq_hz <= kSpreadHiHz)
      lo = std::min(lo, std::abs(*zin)), hi = std::max(hi, std::abs(*zin));
    if (p.freq_hz >= kSpreadLoHz && p.freq_hz <= kSpreadHiHz) {
      const std::complex<double> y = 1.0 / *zin;
      g_sum += y.real();
      c_sum += y.imag() / (2 * M_PI * p.freq_hz);
      ++n_fit;
    }
  }
  const auto h1 = response_at(direct.points, 1000.0), s1 = response_at(series.points, 1000.0);
  const auto z1k = h1 && s1 ? input_impedance_from_series(*h1, *s1, job->series_ohms, job->source_ohms) : std::nullopt;
  if (!z1k || !(hi >= lo))
    throw InputError("the level did not drop with the " + std::to_string(job->series_ohms) +
                     " ohm resistor in series: was it inserted? Nothing was stored");
  const double zin_ohms = std::abs(*z1k);
  // Tolerance: the resistor's (dZin/Zin = dRs/Rs to first order) plus half the spread 100 Hz..10 kHz.
  const double tol_pct = job->series_tolerance_pct + 100.0 * (hi - lo) / 2.0 / zin_ohms;
  auto j = read_json_file(job->bench_file);
  auto& in = analyser_input_section(j);  // loopback_input, or audio.input on two devices
  in["impedance_ohms"] = zin_ohms;
  in["impedance_tolerance_pct"] = tol_pct;
  in["impedance_calibrated_on"] = now_utc();
  // Runs use the curve per frequency point: its tolerance is the resistor's alone (no spread over frequency).
  nlohmann::json fit = nlohmann::json::object();
  if (n_fit > 0 && g_sum > 0) fit = {{"r_ohms", n_fit / g_sum}, {"c_pf", std::max(0.0, c_sum / n_fit * 1e12)}};
  in["impedance_vs_freq"] = {{"series_ohms", job->series_ohms},
                             {"source_ohms", job->source_ohms},
                             {"tolerance_pct", job->series_tolerance_pct},
                             {"fit", fit},
                             {"points", pts}};
  write_text_atomic(job->bench_file, j.dump(2) + "\n");
  std::printf("loopback input: %.6g ohm at 1 kHz (+/- %.2f %%; %.6g..%.6g ohm over 100 Hz-10 kHz) stored in %s\n",
              zin_ohms, tol_pct, lo, hi, job->bench_file.c_str());
  return 0;
}

}  // namespace outbench::cli
