#include "measure/engine/sequencer.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "measure/config/kinds.hpp"
#include "measure/engine/analyser_floor.hpp"
#include "measure/engine/dc_transients.hpp"
#include "measure/engine/drive_limits.hpp"
#include "measure/engine/ground_return.hpp"
#include "measure/engine/imd_step.hpp"
#include "measure/engine/load_procedure.hpp"
#include "measure/engine/multitone_step.hpp"
#include "measure/engine/port_impedance.hpp"
#include "measure/engine/port_sweeps.hpp"
#include "measure/engine/step_context.hpp"
#include "measure/engine/two_clocks.hpp"
#include "measure/engine/volume_tracking.hpp"
#include "measure/strformat.hpp"

namespace outbench {

using namespace engine;

struct Sequencer::Impl {
  Plan plan;
  std::unique_ptr<TwoClockIo> two_clocks;  // the bench has two clocks: every capture through it
  CaptureSession session;
  PortVolts volts;
  TestSet tests;
  StepContext cx;
  std::string dc_load;  // the load the dc and transients steps use on the port now (dc_transients.hpp)

  Impl(const BenchConfig& b, AudioIo& io, LoadSwitch& sw, const RunOptions& o, Results& r)
      : plan(io.rate_hz(), o.quick, o.band_lo_hz, o.band_hi_hz),
        two_clocks(b.two_clocks ? std::make_unique<TwoClockIo>(io, b.two_devices()) : nullptr),
        session(two_clocks ? *two_clocks : io, sw, b.retries, plan),
        volts(b, session),
        tests(resolve_tests(o.tests)),
        cx(context(b, o, r)) {
    session.stop = o.stop;
    session.on_progress = o.on_progress;
    session.sink = o.keep_capture;
  }

  StepContext context(const BenchConfig& b, const RunOptions& o, Results& r) {
    return {b, o, plan, session, volts, r, tests};
  }

  // Switch to `load` (progress shown under its name first) and take its cap.
  void switch_to(const PortWiring& port, const Load& load, const char* what) {
    session.cur_load = load.name;
    session.progress(what);
    session.check_stop();
    session.select_load(load);
    volts.use_cap_of(port, load);
  }

  void run_load(const PortWiring& port, const Load& load, SweepPlan& sweep, std::optional<long>& open_latency,
                bool heaviest) {
    Results& res = cx.res;
    switch_to(port, load, "switching load");
    LoadResult lr;
    lr.lead_ohms = load.lead_ohms;
    lr.load_z = load.impedance();
    lr.load_description = load.description;
    lr.tolerance_pct = load.tolerance_pct;
    lr.lead_uncertainty_ohms = load.lead_uncertainty_ohms;
    const int xruns_before = session.xrun_captures, retried_before = session.retried_captures;
    measure_load(cx, port, load, sweep, lr, open_latency, load.name == dc_load);
    if (heaviest && tests.has("zout")) alone_sweeps(cx, port, sweep, lr, open_latency);
    if (load.name == dc_load) dc_and_transients(cx, port, load, res.ports.back());
    lr.xrun_captures = session.xrun_captures - xruns_before;
    lr.retried_captures = session.retried_captures - retried_before;
    // (With ignore_xrun_flags the flags are counted in results.json but not warned about: the bench says
    // they carry no news, as on a JACK server without realtime scheduling.)
    if (lr.retried_captures > 0)
      res.warnings.push_back(port.name + " into " + load.name + ": " + std::to_string(lr.retried_captures) +
                             " capture(s) were played again after buffer under/overflows; the figures come "
                             "from the clean retries");
    if (load.is_open() && lr.valid) open_latency = lr.response.latency_frames;
    apply_floor(res.ports.back().analyser_floor, port.name, lr, res.warnings);
    floor_warnings(cx.bench, port.name, lr, res.warnings);
    res.ports.back().loads.push_back(std::move(lr));
    check_switched(res.ports.back(), res.ports.back().loads.back(), cx.bench.input_impedance_ohms, cx.opt.tone_hz,
                   res.warnings);
    if (cx.opt.on_checkpoint) cx.opt.on_checkpoint(res);
  }

  void run_port(const PortWiring& port, const std::vector<const Load*>& loads) {
    const BenchConfig& bench = cx.bench;
    Results& res = cx.res;
    volts.start_port();
    if (needs_uncalibrated_limit(port, bench.input))
      res.warnings.push_back(
          port.name + ": neither the output nor " +
          (bench.two_devices() ? "the analyser's input (audio.input)" : std::string("the loopback input")) +
          " is calibrated, so the volt "
          "and power limits cannot be held; every drive is capped at " +
          strformat("%g", *bench.safety.uncalibrated_max_drive_dbfs) +
          " dBFS (safety.uncalibrated_max_drive_dbfs) instead");
    PortResult pr;
    pr.name = port.name;
    pr.output_channels = port.output_channels;
    pr.input_channels = port.input_channels;
    if (port.output.valid()) pr.vrms_at_0dbfs = port.output.vrms_at_0dbfs;
    pr.nominal_load = nominal_load_for(port.name, loads, cx.opt.rules);
    session.cur_port = port.name;
    SweepPlan sweep = plan.sweep(cx.opt.sweep_level_dbfs);
    res.conditions.sweep_start_hz = sweep.spec.start_hz;
    res.conditions.sweep_stop_hz = sweep.spec.stop_hz;
    res.conditions.sweep_duration_s = sweep.info.duration_s;
    res.ports.push_back(pr);
    // The volts before anything loud (input calibrated): a level probe into the open load, the highest volts
    // of all, whether or not the run measures it.
    if (const Load* open = bench.load("open"); open && bench.input.valid()) {
      switch_to(port, *open, "level probe");
      volts.probe(port, *open, cx.opt.tone_hz, std::max(cx.opt.sweep_level_dbfs, cx.opt.reference_level_dbfs));
    }
    if (tests.has("thdn") || tests.has("noise")) res.ports.back().analyser_floor = measure_analyser_floor(cx, port);
    std::optional<long> open_latency;
    const Load* heaviest = heaviest_load(loads);
    dc_load = dc_load_for(loads, res.ports.back().nominal_load);
    for (const Load* load : loads) run_load(port, *load, sweep, open_latency, load == heaviest);
    PortResult& done = res.ports.back();
    range_advice(done, bench.input_ranges, res.warnings);
    if (tests.has("zout"))
      port_impedance(done, bench.input_z(), cx.opt.tone_hz, res.warnings, bench.input_z_tolerance_pct());
    classify_limits(done, cx.opt.tone_hz, bench.input_impedance_ohms);
    if (tests.has("zout")) ground_return(done, bench.input_impedance_ohms);
    if (done.loads_switched) {  // into the nominal load: not when no load was connected
      // With --quick the multitone stands in for the THD+N-versus-frequency tone list (full runs play both).
      if (tests.has("thdn-freq") && !(cx.opt.quick && tests.has("multitone"))) thdn_vs_freq(cx, port, done);
      if (tests.has("crosstalk-freq")) crosstalk_vs_freq(cx, port, done);
      if (const auto v = cx.opt.volumes.find(port.name); v != cx.opt.volumes.end() && tests.has("volume"))
        volume_tracking(cx, port, done, v->second);
      if (tests.has("imd")) imd_vs_level(cx, port, done);
      if (tests.has("multitone")) multitone_step(cx, port, done);  // last: the steps before play as they did
    }
    if (cx.opt.on_checkpoint) cx.opt.on_checkpoint(res);
  }

  void run() {
    const auto ports = ports_in_run(cx.bench, cx.opt.ports);
    const auto loads = loads_in_run(cx.bench, cx.opt.loads);
    session.planned_s = plan.plan_seconds(ports.size(), loads.size());
    cx.res.conditions.tests = tests.list();
    cx.res.conditions.tests_subset = !tests.all;
    cx.res.conditions.tests_added = tests.added;
    check_safe_to_start(cx.bench, cx.opt);
    for (const PortWiring* port : ports) run_port(*port, loads);
    cx.res.conditions.stimulus_s = session.stimulus_s;
    cx.res.conditions.stimulus_by_step_s = session.stimulus_by_step_s;
    cx.res.conditions.capture_s = session.played_s;
    cx.res.conditions.xrun_captures = session.xrun_captures;
    cx.res.conditions.retried_captures = session.retried_captures;
    cx.res.conditions.clock = summarise_clock(session.clock_readings, cx.res.warnings);
  }
};

Sequencer::Sequencer(const BenchConfig& bench, AudioIo& io, LoadSwitch& sw, RunOptions opt)
    : bench_(bench), io_(io), sw_(sw), opt_(std::move(opt)) {}

// line/headphone asked for (or every port asked for) on a device without that port: reported as absent.
void Sequencer::add_absent_ports(Results& results) const {
  for (const auto& [kind, word] : kPortKindNames)
    if (const std::string n(word);
        !bench_.port(n) &&
        (opt_.ports.empty() || std::find(opt_.ports.begin(), opt_.ports.end(), n) != opt_.ports.end())) {
      PortResult absent;
      absent.name = n;
      absent.present = false;
      results.ports.push_back(absent);
    }
}

void Sequencer::run(Results& results) {
  if (const auto bad = band_problem(opt_.band_lo_hz, opt_.band_hi_hz, io_.rate_hz(), opt_.tone_hz); !bad.empty())
    throw std::invalid_argument("band: " + bad);
  Impl impl(bench_, io_, sw_, opt_, results);
  results.conditions.rate_hz = io_.rate_hz();
  results.conditions.seed = opt_.seed;
  results.conditions.quick = opt_.quick;
  results.conditions.reference_level_dbfs = opt_.reference_level_dbfs;
  results.conditions.tone_hz = opt_.tone_hz;
  results.conditions.band_lo_hz = opt_.band_lo_hz;
  results.conditions.band_hi_hz = opt_.band_hi_hz;
  if (impl.plan.wide_band()) {
    results.conditions.out_of_band_lo_hz = kOutOfBandLoHz;
    results.conditions.out_of_band_hi_hz = io_.rate_hz() / 2;
    results.conditions.response_wide_hi_hz = impl.plan.wide_response_hi_hz();
  }
  results.conditions.sweep_level_dbfs = opt_.sweep_level_dbfs;
  results.conditions.input_impedance_ohms = bench_.input_impedance_ohms;
  results.conditions.input_impedance_tolerance_pct = bench_.input_impedance_tolerance_pct;
  results.conditions.input_impedance_calibrated_on = bench_.input_impedance_calibrated_on;
  if (bench_.input.valid()) results.conditions.input_vrms_at_0dbfs = bench_.input.vrms_at_0dbfs;
  results.conditions.max_drive_dbfs = bench_.safety.max_drive_dbfs;
  results.conditions.max_vrms = bench_.safety.max_vrms;
  results.conditions.max_mw = bench_.safety.max_mw;
  results.conditions.uncalibrated_max_drive_dbfs = bench_.safety.uncalibrated_max_drive_dbfs;
  // After an error or a stop: silence, loads off, and the time played so far in the results.
  auto wind_down = [&] {
    io_.silence();
    try {  // the error that stopped the run is the one to report
      sw_.all_off();
    } catch (const std::exception& e) {
      results.warnings.push_back(std::string("could not switch the loads off after the error: ") + e.what());
    } catch (...) {
      results.warnings.push_back("could not switch the loads off after the error");
    }
    results.conditions.stimulus_s = impl.session.stimulus_s;
    results.conditions.stimulus_by_step_s = impl.session.stimulus_by_step_s;
    results.conditions.capture_s = impl.session.played_s;
    results.conditions.clock = summarise_clock(impl.session.clock_readings, results.warnings);
  };
  try {
    impl.run();
  } catch (const Stopped&) {
    wind_down();
    add_absent_ports(results);  // a stopped run keeps what it knows of the device's ports
    throw;
  } catch (...) {
    wind_down();
    throw;
  }
  sw_.all_off();
  add_absent_ports(results);
  predict_headphones(results, opt_.headphones);
  decide_verdicts(results, opt_.rules);
  results.complete = true;
}

}  // namespace outbench
