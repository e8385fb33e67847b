// The loopback floor at the run's levels (issue 11 §2): on a switch that cannot terminate the input, the bench
// file's analyser_floor (calibrate loopback) is the port's floor, and where calibrate loopback also measured the
// interface at the run's reference drive, a load's THD+N is judged against the interface's THD+N and residual
// at that drive, not against the -1 dBFS figure. Truth: the bench file's figures (set here), the run's own
// readings; the margin is exact arithmetic on them.
#include <gtest/gtest.h>

#include <cmath>

#include "measure/engine/sequencer.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

// A simulated switch that cannot terminate the loopback input (as a real relay board without a terminating
// relay): the floor comes from the bench file.
class NoTerminateSwitch : public sim::SimulatedLoadSwitch {
 public:
  using sim::SimulatedLoadSwitch::SimulatedLoadSwitch;
  bool terminate_input(bool) override { return false; }
};

Results run_with_floor(const BenchConfig::Floor& floor) {
  const auto model = test::model_with("usb-interface.json", {});
  BenchConfig bench = sim::bench_for_model(model, 48000);
  bench.analyser_floor = floor;
  sim::SimulatedBench io(model, bench, 3);
  NoTerminateSwitch sw(io);
  RunOptions opt;
  opt.quick = true;
  opt.seed = 3;
  opt.ports = {"line"};
  opt.loads = {"open"};
  Results res;
  Sequencer(bench, io, sw, opt).run(res);
  return res;
}

bool warned(const Results& res, const std::string& what) {
  for (const auto& w : res.warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}

// The floor: -100 dB THD+N at -1 dBFS, noise -120 dBFS; at the run's -20 dBFS drive THD+N -90 dB, residual
// -112 dBFS (a noisier interface output than its input: the loopback residual lies above the input's noise).
BenchConfig::Floor floor_at(double reference_drive_dbfs) {
  BenchConfig::Floor f;
  f.thdn_db = -100;
  f.noise_dbfs = -120;
  f.reference_drive_dbfs = reference_drive_dbfs;
  f.reference_thdn_db = -90;
  f.reference_residual_dbfs = -112;
  return f;
}

TEST(LoopbackFloor, ThdnIsJudgedAgainstTheLoopbackAtTheSameDrive) {
  const Results res = run_with_floor(floor_at(-20));
  const auto& p = test::port_of(res, "line");
  EXPECT_EQ(p.analyser_floor.source, "bench file");
  ASSERT_TRUE(p.analyser_floor.loopback_residual_dbfs && p.analyser_floor.loopback_thdn_db);
  EXPECT_EQ(*p.analyser_floor.loopback_residual_dbfs, -112);
  const auto& l = p.loads.at(0);
  ASSERT_TRUE(l.valid && l.thdn_ref.valid) << l.problem;
  ASSERT_EQ(l.reference_drive_dbfs, -20);
  ASSERT_TRUE(l.floor.thdn && l.floor.noise);
  EXPECT_NEAR(l.floor.thdn->margin_db, l.thdn_ref.level_dbfs + l.thdn_ref.thdn_db + 112, 1e-9);
  EXPECT_NEAR(l.floor.noise->margin_db, l.noise.noise_dbfs + 120, 1e-9);  // noise: over the idle floor
  // The line out's ~-95 dB THD+N at -20 dBFS is within 10 dB of the interface's -90 dB there (not of -100 dB).
  ASSERT_LT(l.thdn_ref.thdn_db, -90);
  EXPECT_TRUE(warned(res, "of the analyser floor (-90.0 dB at the same drive)"));
}

TEST(LoopbackFloor, AnotherDriveFallsBackToTheNoiseAndSaysSo) {
  const Results res = run_with_floor(floor_at(-10));
  const auto& l = test::port_of(res, "line").loads.at(0);
  ASSERT_TRUE(l.valid && l.thdn_ref.valid && l.floor.thdn) << l.problem;
  EXPECT_NEAR(l.floor.thdn->margin_db, l.thdn_ref.level_dbfs + l.thdn_ref.thdn_db + 120, 1e-9);
  EXPECT_FALSE(warned(res, "at the same drive"));
}

}  // namespace
}  // namespace outbench
