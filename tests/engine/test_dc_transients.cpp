// DC offset and switching transients (docs/MEASUREMENTS.md "DC offset and switching transients"): the dc and
// transients steps on the simulated bench recover the model's dc_offset_mv and turn-on/turn-off steps
// (fixtures/devices/README.md), at the load: through the divider Zl / (Rs + Zl), Zl = 32 ohm || the loopback's
// input; a coupling capacitor keeps the offset off the load; without a DC-coupled input the offset comes from a
// meter reading, or is not measured with the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "measure/config/rules_config.hpp"
#include "measure/engine/sequencer.hpp"
#include "measure/sim/simulated_bench.hpp"
#include "sim_support.hpp"

namespace outbench {
namespace {

struct DcRun {
  sim::DeviceModel model;
  BenchConfig bench;
  Results res;
  DcRun(const sim::DeviceModel& m, bool dc_coupled = true,
        std::function<std::optional<double>(const std::string&, std::string&)> ask = nullptr,
        std::vector<double> supported_rates_hz = {})
      : model(m), bench(sim::bench_for_model(m, 48000)) {
    bench.input_dc_coupled = dc_coupled;
    bench.supported_rates_hz = std::move(supported_rates_hz);
    res = test::quick_run(model, bench,
                          {.ports = {"headphone"},
                           .loads = {"open", "32"},
                           .tests = {"dc", "transients"},
                           .rules = test::default_rules(),
                           .more = [&](RunOptions& o) { o.ask_dc_meter_mv = std::move(ask); }});
  }
};

// The headphone port DC-coupled (no capacitor) with the given extra fields.
sim::DeviceModel dc_coupled_model(const nlohmann::json& fields) {
  return test::model_with("usb-interface.json", [&](nlohmann::json& d) {
    d["ports"]["headphone"]["coupling_c_farads"] = 0;
    for (const auto& [k, v] : fields.items()) d["ports"]["headphone"][k] = v;
  });
}

// |V_load / E| at DC into 32 ohm (the loopback's input in parallel), the model's source resistance.
double divider_32(const sim::DeviceModel& m, int ch) {
  const double zl = 32.0 * m.loopback.impedance_ohms / (32.0 + m.loopback.impedance_ohms);
  return zl / (m.port("headphone")->ch(ch).source_r_ohms + zl);
}

// The headphone port's DC offset read through the loopback into 32 ohm: the EMFs 12.5 / -7.0 mV of the
// models below divided by the source and the load (at the load, not the EMF).
void expect_dc_at_the_32_ohm_load(const PortResult& hp, const sim::DeviceModel& model) {
  ASSERT_TRUE(hp.dc_offset);
  EXPECT_EQ(hp.dc_offset->load, "32");
  ASSERT_EQ(hp.dc_offset->channels.size(), 2u);
  const double emf[2] = {12.5, -7.0};
  for (int c = 0; c < 2; ++c) {
    const auto& d = hp.dc_offset->channels[static_cast<std::size_t>(c)];
    EXPECT_EQ(d.method, "loopback");
    ASSERT_TRUE(d.value_mv);
    const double want = emf[c] * divider_32(model, c);
    EXPECT_NEAR(*d.value_mv, want, 0.02 * std::abs(want) + 0.05) << "channel " << c;
  }
}

TEST(DcOffset, RecoveredAtTheLoadOnADcCoupledModel) {
  const DcRun r(dc_coupled_model({{"dc_offset_mv", {12.5, -7.0}}}));
  const PortResult& hp = test::port_of(r.res, "headphone");
  expect_dc_at_the_32_ohm_load(hp, r.model);
}

// A full run that measures noise reads the DC offset from the 32 ohm load's idle-noise capture (0.5 s of
// digital silence, as the DC offset's own): the same figure at the load, and the step plays nothing (a step
// that played nothing is absent from stimulus_by_step_s).
TEST(DcOffset, FullRunReadsItFromTheIdleNoiseCapture) {
  const auto model = dc_coupled_model({{"dc_offset_mv", {12.5, -7.0}}});
  BenchConfig bench = sim::bench_for_model(model, 48000);
  bench.input_dc_coupled = true;
  sim::SimulatedBench io(model, bench, 1);
  sim::SimulatedLoadSwitch sw(io);
  RunOptions opt;
  opt.ports = {"headphone"};
  opt.loads = {"open", "32"};
  opt.tests = {"noise", "dc"};
  opt.rules = load_rules(test::fixture("verdicts/default.json"));
  Results res;
  Sequencer(bench, io, sw, opt).run(res);
  const PortResult& hp = test::port_of(res, "headphone");
  expect_dc_at_the_32_ohm_load(hp, model);
  EXPECT_EQ(res.conditions.stimulus_by_step_s.count("dc"), 0u);  // played nothing: absent (reports/SCHEMA.md)
}

TEST(DcOffset, ACouplingCapacitorKeepsItOffTheLoad) {
  const DcRun r(test::model_with("usb-interface.json",
                                 [](nlohmann::json& d) { d["ports"]["headphone"]["dc_offset_mv"] = 50.0; }));
  const PortResult& hp = test::port_of(r.res, "headphone");
  ASSERT_TRUE(hp.dc_offset);
  for (const auto& d : hp.dc_offset->channels) {
    ASSERT_TRUE(d.value_mv);
    EXPECT_NEAR(*d.value_mv, 0.0, 0.05) << "channel " << d.channel;
  }
}

TEST(DcOffset, FromTheMeterWhenTheInputIsNotDcCoupled) {
  int asked = 0;
  const DcRun metered(
      dc_coupled_model({{"dc_offset_mv", 5.0}}), false,
      [&](const std::string& prompt, std::string&) -> std::optional<double> {
        EXPECT_NE(prompt.find("headphone port, channel " + std::string(asked ? "R" : "L")), std::string::npos)
            << prompt;
        return 1.5 + asked++;
      });
  const auto& d = test::port_of(metered.res, "headphone").dc_offset;
  ASSERT_TRUE(d);
  ASSERT_EQ(d->channels.size(), 2u);
  EXPECT_EQ(d->channels[0].method, "meter");
  EXPECT_DOUBLE_EQ(*d->channels[0].value_mv, 1.5);
  EXPECT_DOUBLE_EQ(*d->channels[1].value_mv, 2.5);

  const DcRun unasked(dc_coupled_model({{"dc_offset_mv", 5.0}}), false);
  const auto& u = test::port_of(unasked.res, "headphone").dc_offset;
  ASSERT_TRUE(u);
  for (const auto& c : u->channels) {
    EXPECT_EQ(c.method, "not_measured");
    EXPECT_FALSE(c.value_mv);
    EXPECT_NE(c.note.find("not DC-coupled"), std::string::npos) << c.note;
  }
}

// Turn-on 300 mV decaying with 5 ms, turn-off -150 mV with 2 ms, a rate change 200 mV with 3 ms (left), halves on
// the right: each peak within 5 % of step * divider, its duration within 0.3 ms of tau * ln 10 (the time above
// 10 % of the peak). The rate change reopens the stream at the first other rate the bench supports (none listed:
// every run rate, so 44.1 kHz from 48 kHz).
TEST(Transients, PeakAndDurationRecoveredFromTheModelsSteps) {
  const DcRun r(dc_coupled_model({{"dc_offset_mv", 3.0},
                                  {"turn_on_step_mv", {300.0, 150.0}},
                                  {"turn_on_tau_ms", 5.0},
                                  {"turn_off_step_mv", {-150.0, -75.0}},
                                  {"turn_off_tau_ms", 2.0},
                                  {"rate_change_step_mv", {200.0, 100.0}},
                                  {"rate_change_tau_ms", 3.0}}));
  const PortResult& hp = test::port_of(r.res, "headphone");
  ASSERT_TRUE(hp.transients);
  EXPECT_EQ(hp.transients->load, "32");
  int seen = 0;
  for (const auto& e : hp.transients->events) {
    ++seen;
    EXPECT_EQ(e.seen, "full");
    const bool start = e.event == "start", rate = e.event == "rate_change";
    const double step = (start ? 300.0 : rate ? 200.0 : -150.0) / (e.channel == 0 ? 1.0 : 2.0);
    const double tau_ms = start ? 5.0 : rate ? 3.0 : 2.0;
    const double want = step * divider_32(r.model, e.channel);
    ASSERT_TRUE(e.peak_mv && e.peak_dbfs && e.duration_ms);
    EXPECT_NEAR(*e.peak_mv, want, 0.05 * std::abs(want)) << e.event << " channel " << e.channel;
    EXPECT_NEAR(*e.duration_ms, tau_ms * std::log(10.0), 0.3) << e.event << " channel " << e.channel;
    const double fs_mv = std::sqrt(2.0) * *r.bench.input.vrms_at_0dbfs * 1e3;
    EXPECT_NEAR(*e.peak_dbfs, 20 * std::log10(std::abs(want) / fs_mv), 0.5);
    EXPECT_FALSE(e.wave.empty());
    if (rate) {
      ASSERT_TRUE(e.to_rate_hz);
      EXPECT_EQ(*e.to_rate_hz, 44100.0);
    }
  }
  EXPECT_EQ(seen, 6);
}

// A bench that supports one rate only: the rate change is not measured, and says why.
TEST(Transients, RateChangeNotMeasuredWhenTheBenchHasOneRate) {
  const DcRun r(dc_coupled_model({{"rate_change_step_mv", 200.0}}), true, nullptr, {48000.0});
  const PortResult& hp = test::port_of(r.res, "headphone");
  ASSERT_TRUE(hp.transients);
  int rate_events = 0;
  for (const auto& e : hp.transients->events) {
    if (e.event != "rate_change") continue;
    ++rate_events;
    EXPECT_EQ(e.seen, "not_measured");
    EXPECT_FALSE(e.peak_mv);
    EXPECT_NE(e.note.find("supported_rates_hz"), std::string::npos) << e.note;
  }
  EXPECT_EQ(rate_events, 2);
}

// The thump note (rules max_thump_mv, default 20 mV, information only): a 300 mV turn-on step (left) reaches the
// 32 ohm load as 300 * divider mV, above the limit, and the headphone verdict's summary says so with that peak; a
// 10 mV step stays below it, and the rule passes without a note. The grade is not changed by it either way.
TEST(Transients, ThumpAboveTheRulesLimitIsNotedInTheHeadphoneVerdict) {
  const auto verdict = [](const Results& res) {
    for (const auto& v : res.verdicts)
      if (v.id == "headphone_for_headphones") return v;
    throw std::runtime_error("no headphone_for_headphones verdict");
  };
  const DcRun loud(dc_coupled_model({{"turn_on_step_mv", {300.0, 150.0}}, {"turn_on_tau_ms", 5.0}}));
  const Verdict v = verdict(loud.res);
  const RuleResult* thump = nullptr;
  for (const auto& r : v.rules)
    if (r.id == "thump_32") thump = &r;
  ASSERT_TRUE(thump);
  EXPECT_TRUE(thump->informational);
  EXPECT_EQ(thump->grade, "fail");
  const double want = 300.0 * divider_32(loud.model, 0);
  ASSERT_TRUE(thump->measured);
  EXPECT_NEAR(*thump->measured, want, 0.05 * want);
  EXPECT_DOUBLE_EQ(thump->limit, 20.0);
  EXPECT_NE(v.summary.find("thumps when the stream starts or stops"), std::string::npos) << v.summary;
  EXPECT_NE(v.summary.find("turn-on, left"), std::string::npos) << v.summary;

  const DcRun quiet(dc_coupled_model({{"turn_on_step_mv", 10.0}, {"turn_on_tau_ms", 5.0}}));
  const Verdict q = verdict(quiet.res);
  bool found = false;
  for (const auto& r : q.rules)
    if (r.id == "thump_32") {
      found = true;
      EXPECT_EQ(r.grade, "pass");
      EXPECT_NEAR(*r.measured, 10.0 * divider_32(quiet.model, 0), 0.5);
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(q.summary.find("thumps"), std::string::npos) << q.summary;
  EXPECT_EQ(q.grade, v.grade);  // information only
}

}  // namespace
}  // namespace outbench
