// What every step of a run works with: the bench, the run's options, the plan, the capture session, the
// port's volts and safety cap, and the results being filled (warnings go to results.warnings).
#pragma once

#include "measure/config/bench_config.hpp"
#include "measure/engine/capture_session.hpp"
#include "measure/engine/plan.hpp"
#include "measure/engine/port_volts.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/results.hpp"

namespace outbench::engine {

struct StepContext {
  const BenchConfig& bench;
  const RunOptions& opt;
  const Plan& plan;
  CaptureSession& session;
  PortVolts& volts;
  Results& res;
};

}  // namespace outbench::engine
