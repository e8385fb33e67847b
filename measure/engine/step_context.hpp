// What every step of a run works with: the bench, the run's options, the plan, the capture session, the
// port's volts and safety cap, and the results being filled (warnings go to results.warnings).
// Conventions: references only, owned by the sequencer's run; a step plays only through `session` (the cap
// holds there) and learns volts only through `volts`.
// Limits: valid for one Sequencer::run; not thread-safe (one run plays one stimulus at a time).
#pragma once

#include "measure/config/bench_config.hpp"
#include "measure/engine/capture_session.hpp"
#include "measure/engine/plan.hpp"
#include "measure/engine/port_volts.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/engine/test_set.hpp"
#include "measure/results.hpp"

namespace outbench::engine {

struct StepContext {
  const BenchConfig& bench;
  const RunOptions& opt;
  const Plan& plan;
  CaptureSession& session;
  PortVolts& volts;
  Results& res;
  const TestSet& tests;  // the plan's tests this run plays (--tests)
};

}  // namespace outbench::engine
