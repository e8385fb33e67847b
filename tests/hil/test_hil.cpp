// Hardware-in-the-loop tests with no hardware (label: hil): a private JACK server (dummy backend), the
// simulated device as a JACK client (outbench-virtual-dut) and the relay board on a pseudo-terminal, driven
// by `outbench run --bench fixtures/benches/jack-virtual.json` through PortAudio's JACK host API.
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>

#include "analysis/distortion.hpp"
#include "analysis/signals.hpp"
#include "analysis/units.hpp"
#include "cli/run_cli.hpp"
#include "measure/sim/port_sim.hpp"
#include "model_truth.hpp"

namespace outbench {
namespace {

using nlohmann::json;
const std::string kSrc = OUTBENCH_SOURCE_DIR;

test::CliResult with_jack(const std::string& jack_args, const std::string& outbench_args) {
  // run_cli prefixes the outbench executable; wrap it in with-jack.sh through the env prefix.
  return test::run_cli(outbench_args, "BUILD_DIR=" + std::string(OUTBENCH_BUILD_DIR) + " " + kSrc +
                                          "/scripts/with-jack.sh " + jack_args + " --");
}

const json& full_quick_run() {
  static json j = [] {
    static test::TempDir d;
    const auto r =
        with_jack("", "run --quick --quiet --bench " + kSrc + "/fixtures/benches/jack-virtual.json -o " + (d / "rep"));
    if (r.exit_code != 0) throw std::runtime_error("run through JACK failed: " + r.err);
    return json::parse(test::slurp(d / "rep/results.json"));
  }();
  return j;
}

const json& port_of(const json& r, const std::string& name) {
  for (const auto& p : r["ports"])
    if (p["name"] == name) return p;
  throw std::runtime_error("no port " + name);
}

TEST(Hil, RecoversTheDeviceThroughJack) {
  const auto& r = full_quick_run();
  ASSERT_TRUE(r["complete"].get<bool>());
  EXPECT_NE(r["conditions"]["audio"].get<std::string>().find("JACK"), std::string::npos);
  const auto model = sim::load_device_model(kSrc + "/fixtures/devices/usb-interface.json");
  for (const char* name : {"line", "headphone"}) {
    const auto& p = port_of(r, name);
    const auto* pm = model.port(name);
    const double z1k = std::abs(sim::source_impedance(*pm, 1000)), z20 = std::abs(sim::source_impedance(*pm, 20));
    EXPECT_NEAR(p["output_impedance"]["z_1k_ohms"].get<double>(), z1k, 0.02 * z1k) << name;
    EXPECT_NEAR(p["output_impedance"]["z_20hz_ohms"].get<double>(), z20, 0.05 * z20) << name;
    EXPECT_TRUE(p["output_impedance"]["loads_agree"].get<bool>()) << name;
    for (const auto& l : p["loads"]) {
      ASSERT_TRUE(l["valid"].get<bool>()) << name << " " << l["load"];
      // Latency: exactly one JACK period (256 frames at -p 256), found and removed.
      EXPECT_EQ(l["response"]["latency_samples"].get<long>(), 256) << name << " " << l["load"];
      const double rl =
          l["load_ohms"].is_string() ? std::numeric_limits<double>::infinity() : l["load_ohms"].get<double>();
      // Response into the load versus the divider of the model, at 20 Hz and 10 kHz relative to 1 kHz.
      for (const auto& pt : l["response"]["points"]) {
        const double f = pt["freq_hz"].get<double>();
        if (f < 20 || f > 20000) continue;
        const double truth = db_from_ratio(sim::divider_gain(*pm, model.loopback, rl, f) /
                                           sim::divider_gain(*pm, model.loopback, rl, 1000));
        ASSERT_NEAR(pt["relative_db"].get<double>(), truth, 0.1) << name << " " << l["load"] << " at " << f;
      }
      // Maximum level into the load, against a separate fine search on the model (same tolerance as the
      // simulated-bench tests: 0.3 dB).
      const double model_vrms = test::model_max_vrms(model, *pm, rl);
      EXPECT_NEAR(db_from_ratio(l["max_level"]["at_1pct"]["vrms"].get<double>() / model_vrms), 0.0, 0.3)
          << name << " " << l["load"];
      // THD+N at the reference level against the model's nonlinearity and noise (0.5 dB).
      EXPECT_NEAR(l["thdn_reference"]["thdn_db"].get<double>(), test::model_thdn_db(model, *pm, rl, -20.0), 0.5)
          << name << " " << l["load"];
    }
  }
  // The time on the bench is a benchmark figure, not a test assertion (a loaded machine is slower): it is
  // printed and recorded in the test's XML output (get<double>() throws when the field is absent).
  const auto& c = r["conditions"];
  const double elapsed_s = c["elapsed_s"].get<double>(), stimulus_s = c["stimulus_s"].get<double>();
  EXPECT_GT(stimulus_s, 0.0);
  std::printf("[ timing   ] run through JACK: %.1f s for %.1f s of stimulus (%.2f x)\n", elapsed_s, stimulus_s,
              elapsed_s / stimulus_s);
  RecordProperty("elapsed_s", std::to_string(elapsed_s));
  RecordProperty("stimulus_s", std::to_string(stimulus_s));
}

// Two devices, two clocks, end to end: the phone dongle (headphone out only) played on the DUT's JACK client
// and captured on a separate analyser client (two PortAudio streams, fixtures/benches/jack-two-devices.json),
// the DUT's clock offset in the virtual DUT itself (its model's clock_ppm, resampled in real time). Every
// figure is held to the tolerances of the one-clock run above (RecoversTheDeviceThroughJack), against the
// model; the ppm reported per capture within 1 ppm of the model's (the captures whose markers cannot resolve it
// listed apart, with their uncertainty).
class HilTwoDevices : public ::testing::TestWithParam<double> {};

TEST_P(HilTwoDevices, DongleThroughASeparateAnalyser) {
  const double ppm = GetParam();
  test::TempDir d;
  auto dev = json::parse(test::slurp(kSrc + "/fixtures/devices/phone-dongle.json"));
  dev["clock_ppm"] = ppm;
  std::ofstream(d / "dongle.json") << dev.dump();
  const auto r = with_jack("--analyser --device " + (d / "dongle.json"),
                           "run --quick --quiet --loads open,600,32,16 --bench " + kSrc +
                               "/fixtures/benches/jack-two-devices.json -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  ASSERT_TRUE(j["complete"].get<bool>());
  const std::string audio = j["conditions"]["audio"].get<std::string>();
  EXPECT_NE(audio.find("outbench-dut"), std::string::npos) << audio;
  EXPECT_NE(audio.find("captured on outbench-analyser"), std::string::npos) << audio;
  ASSERT_TRUE(j["conditions"].contains("clock"));
  const auto& c = j["conditions"]["clock"];
  EXPECT_NEAR(c["mean_ppm"].get<double>(), ppm, 1.0);
  EXPECT_GT(c["captures"].size(), 10u);
  // Every capture reported as a reading of the clock within 1 ppm of the model's, and known to 0.2 ppm. The ones
  // whose markers cannot resolve 1 ppm (the level probe's first step, at -100 dBFS: markers about as strong as
  // the analyser's noise, 0.44 s apart) are listed apart with their uncertainty: each within 5 of its u, and only
  // those.
  double lo = 1e9, hi = -1e9, ulo = 1e9, uhi = -1e9;
  for (const auto& k : c["captures"]) {
    const double v = k["ppm"].get<double>();
    EXPECT_NEAR(v, ppm, 1.0) << k["capture"];
    EXPECT_LE(k["u_ppm"].get<double>(), c["resolve_u_ppm"].get<double>()) << k["capture"];
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  EXPECT_LE(c["unresolved"].size(), 3u);
  for (const auto& k : c["unresolved"]) {
    const double v = k["ppm"].get<double>(), u = k["u_ppm"].get<double>();
    EXPECT_TRUE(k["capture"].get<std::string>().ends_with("-probe")) << k["capture"];
    EXPECT_NEAR(v, ppm, 5 * u) << k["capture"];
    ulo = std::min(ulo, v), uhi = std::max(uhi, v);
    std::printf("[ two dev  ] %+.0f ppm: unresolved %s %.2f +- %.2f ppm\n", ppm, k["capture"].dump().c_str(), v, u);
  }
  std::printf("[ two dev  ] %+.0f ppm: %zu captures %.3f .. %.3f ppm (mean %.3f), %zu unresolved %.2f .. %.2f\n", ppm,
              c["captures"].size(), lo, hi, c["mean_ppm"].get<double>(), c["unresolved"].size(), ulo, uhi);
  // The report shows the clock per capture and its stability.
  const std::string html = test::slurp(d / "rep/report.html");
  EXPECT_NE(html.find("clock per capture"), std::string::npos);
  EXPECT_NE(html.find(c["captures"][0]["capture"].get<std::string>()), std::string::npos);
  EXPECT_NE(html.find("spread"), std::string::npos);
  if (!c["unresolved"].empty()) {
    EXPECT_NE(html.find("cannot resolve 1 ppm, not counted"), std::string::npos);
  }
  const auto model = sim::load_device_model(d / "dongle.json");
  const auto* pm = model.port("headphone");
  const auto& p = port_of(j, "headphone");
  const double z1k = std::abs(sim::source_impedance(*pm, 1000)), z20 = std::abs(sim::source_impedance(*pm, 20));
  EXPECT_NEAR(p["output_impedance"]["z_1k_ohms"].get<double>(), z1k, 0.02 * z1k);
  EXPECT_NEAR(p["output_impedance"]["z_20hz_ohms"].get<double>(), z20, 0.05 * z20);
  EXPECT_TRUE(p["output_impedance"]["loads_agree"].get<bool>());
  ASSERT_EQ(p["loads"].size(), 4u);
  for (const auto& l : p["loads"]) {
    ASSERT_TRUE(l["valid"].get<bool>()) << l["load"] << " " << l.value("problem", "");
    const double rl =
        l["load_ohms"].is_string() ? std::numeric_limits<double>::infinity() : l["load_ohms"].get<double>();
    for (const auto& pt : l["response"]["points"]) {
      const double f = pt["freq_hz"].get<double>();
      if (f < 20 || f > 20000) continue;
      const double truth = db_from_ratio(sim::divider_gain(*pm, model.loopback, rl, f) /
                                         sim::divider_gain(*pm, model.loopback, rl, 1000));
      ASSERT_NEAR(pt["relative_db"].get<double>(), truth, 0.1) << l["load"] << " at " << f;
    }
    EXPECT_NEAR(db_from_ratio(l["max_level"]["at_1pct"]["vrms"].get<double>() / test::model_max_vrms(model, *pm, rl)),
                0.0, 0.3)
        << l["load"];
    EXPECT_NEAR(l["thdn_reference"]["thdn_db"].get<double>(), test::model_thdn_db(model, *pm, rl, -20.0), 0.5)
        << l["load"];
    std::printf("[ two dev  ] %+.0f ppm, load %s: latency %ld frames\n", ppm, l["load"].dump().c_str(),
                l["response"]["latency_samples"].get<long>());
  }
  std::printf("[ timing   ] two devices through JACK: %.1f s for %.1f s of stimulus\n",
              j["conditions"]["elapsed_s"].get<double>(), j["conditions"]["stimulus_s"].get<double>());
}

INSTANTIATE_TEST_SUITE_P(PhoneDongle, HilTwoDevices, ::testing::Values(150.0, -80.0));

// Switching transients through JACK (docs/MEASUREMENTS.md "DC offset and switching transients"): the virtual DUT plays
// its model's turn-on / turn-off steps when PortAudio connects / disconnects its inputs (a stream starting /
// stopping). One device (jack-virtual.json): the full-duplex stream makes way for an input-only and an output-only
// stream; two devices (jack-two-devices.json): the DUT's output stream stops and starts while the analyser's runs.
// Held to the simulated test's tolerances (tests/engine/test_dc_transients.cpp): each peak within 5 % of step x the
// divider into 32 ohm, its duration within 0.3 ms of tau ln 10. A JACK server runs at one rate: the rate change is
// "not_measured" with the reason.
struct TransientBench {
  const char* name;
  const char* device;  // the model the DUT runs (its headphone port made DC-coupled, with the steps below)
  const char* bench;
  const char* jack_args;
  const char* rate_note;  // in the rate change's reason
};
class HilTransients : public ::testing::TestWithParam<TransientBench> {};

TEST_P(HilTransients, TurnOnAndOffPeaksMatchTheModel) {
  const auto& tb = GetParam();
  test::TempDir d;
  auto dev = json::parse(test::slurp(kSrc + "/fixtures/devices/" + tb.device));
  auto& hp = dev["ports"]["headphone"];
  hp["coupling_c_farads"] = 0;
  hp["turn_on_step_mv"] = {300.0, 150.0};
  hp["turn_on_tau_ms"] = 5.0;
  hp["turn_off_step_mv"] = {-150.0, -75.0};
  hp["turn_off_tau_ms"] = 2.0;
  std::ofstream(d / "dut.json") << dev.dump();
  const auto r = with_jack(std::string(tb.jack_args) + " --device " + (d / "dut.json"),
                           "run --quiet --tests transients --ports headphone --loads 32 --bench " + kSrc +
                               "/fixtures/benches/" + tb.bench + " -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  const auto model = sim::load_device_model(d / "dut.json");
  const auto& t = port_of(j, "headphone")["transients"];
  EXPECT_EQ(t["load"], "32");
  int seen = 0;
  for (const auto& e : t["events"]) {
    const std::string ev = e["event"].get<std::string>();
    const int ch = e["channel"].get<int>();
    if (ev == "rate_change") {
      EXPECT_EQ(e["seen"], "not_measured");
      EXPECT_NE(e["note"].get<std::string>().find(tb.rate_note), std::string::npos) << e["note"];
      continue;
    }
    ++seen;
    ASSERT_EQ(e["seen"], "full") << ev << " " << e.value("note", "");
    const bool start = ev == "start";
    const auto& pc = model.port("headphone")->ch(ch);
    const double zl = 32.0 * model.loopback.impedance_ohms / (32.0 + model.loopback.impedance_ohms);
    const double want = (start ? pc.turn_on_step_mv : pc.turn_off_step_mv) * zl / (pc.source_r_ohms + zl);
    EXPECT_NEAR(e["peak_mv"].get<double>(), want, 0.05 * std::abs(want)) << ev << " channel " << ch;
    EXPECT_NEAR(e["duration_ms"].get<double>(), (start ? 5.0 : 2.0) * std::log(10.0), 0.3) << ev << " channel " << ch;
    std::printf("[ thump    ] %s %s ch %d: %.1f mV (model %.1f), %.2f ms\n", tb.name, ev.c_str(), ch,
                e["peak_mv"].get<double>(), want, e["duration_ms"].get<double>());
  }
  EXPECT_EQ(seen, 4);
}

INSTANTIATE_TEST_SUITE_P(Benches, HilTransients,
                         ::testing::Values(TransientBench{"OneDevice", "usb-interface.json", "jack-virtual.json", "",
                                                          "one device"},
                                           TransientBench{"TwoDevices", "phone-dongle.json", "jack-two-devices.json",
                                                          "--analyser", "a JACK server runs at one rate"}),
                         [](const auto& info) { return std::string(info.param.name); });

// `outbench devices --bench` on a two-device bench checks both devices; a device that is not there is named.
TEST(Hil, DevicesChecksBothDevicesOfATwoDeviceBench) {
  const std::string bench = kSrc + "/fixtures/benches/jack-two-devices.json";
  auto r = with_jack("--analyser --device " + kSrc + "/fixtures/devices/phone-dongle.json", "devices --bench " + bench);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("ok: output device (the DUT, audio.output): 'outbench-dut'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok: input device (the analyser, audio.input): 'outbench-analyser'"), std::string::npos)
      << r.out;
  // Without the analyser client: the input device is named as missing, exit 2.
  r = with_jack("--device " + kSrc + "/fixtures/devices/phone-dongle.json", "devices --bench " + bench);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("PROBLEM: input device (the analyser, audio.input): no device matches 'outbench-analyser'"),
            std::string::npos)
      << r.out;
  // Two names that match one device: refused, by devices --bench and by a run (one device is one clock).
  {
    test::TempDir d;
    auto b = json::parse(test::slurp(bench));
    b["audio"]["input"]["device"] = "outbench-d";  // a substring of outbench-dut
    std::ofstream(d / "same.json") << b.dump();
    r = with_jack("--analyser --device " + kSrc + "/fixtures/devices/phone-dongle.json",
                  "devices --bench " + (d / "same.json"));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("PROBLEM: input device (the analyser, audio.input): 'outbench-d' matches 'outbench-dut'"),
              std::string::npos)
        << r.out;
    r = with_jack("--analyser --device " + kSrc + "/fixtures/devices/phone-dongle.json",
                  "run --quick --bench " + (d / "same.json") + " -o " + (d / "rep"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("both match the device 'outbench-dut'"), std::string::npos) << r.err;
  }
  // A run on it says which device is missing.
  test::TempDir d;
  r = with_jack("--device " + kSrc + "/fixtures/devices/phone-dongle.json",
                "run --quick --bench " + bench + " -o " + (d / "rep"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'outbench-analyser'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the analyser, audio.input"), std::string::npos) << r.err;
}

TEST(Hil, DevicesListsTheJackDevice) {
  const auto r = with_jack("", "devices");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("outbench-dut"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("JACK"), std::string::npos);
  // With the bench file: its channel counts, and the rates the device supports at them (the server's 48 kHz).
  const auto b = with_jack("", "devices --bench " + kSrc + "/fixtures/benches/jack-virtual.json");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("needs input channels 0, 1, 2, 3 and output channels 0, 1, 2, 3"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("4 in / 4 out at: 48k"), std::string::npos) << b.out;
}

// `outbench devices --bench` checks every rate of the bench's audio.supported_rates_hz: the JACK server runs at
// 48 kHz only, so a bench listing 44.1 kHz as well is a PROBLEM naming that rate (exit 2); 48 kHz alone is ok.
TEST(Hil, DevicesChecksTheBenchsSupportedRates) {
  test::TempDir d;
  auto cfg = json::parse(test::slurp(kSrc + "/fixtures/benches/jack-virtual.json"));
  cfg["audio"]["supported_rates_hz"] = {48000, 44100};
  std::ofstream(d / "two-rates.json") << cfg.dump();
  auto r = with_jack("", "devices --bench " + (d / "two-rates.json"));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("PROBLEM: device (audio.device): 'outbench-dut' [JACK Audio Connection Kit] does not run 4 in / "
                       "4 out at 44100 Hz, which audio.supported_rates_hz lists"),
            std::string::npos)
      << r.out;
  cfg["audio"]["supported_rates_hz"] = {48000};
  std::ofstream(d / "one-rate.json") << cfg.dump();
  r = with_jack("", "devices --bench " + (d / "one-rate.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("at 48000 Hz (and every rate of audio.supported_rates_hz: 48000)"), std::string::npos) << r.out;
}

TEST(Hil, UnpluggedCableIsFlaggedNotMeasured) {
  test::TempDir d;
  const auto r = with_jack("--unplugged", "run --quick --quiet --ports line --loads open,32 --bench " + kSrc +
                                              "/fixtures/benches/jack-virtual.json -o " + (d / "rep"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  for (const auto& l : port_of(j, "line")["loads"]) {
    EXPECT_FALSE(l["valid"].get<bool>());
    EXPECT_NE(l["problem"].get<std::string>().find("cable"), std::string::npos) << l["problem"];
  }
}

TEST(Hil, ErrorsAreClear) {
  test::TempDir d;
  const std::string bench = kSrc + "/fixtures/benches/jack-virtual.json";
  // No JACK server at all: the audio device is opened first, so the error names it (not the relay board).
  auto r = test::run_cli("run --quick --bench " + bench + " -o " + (d / "a"),
                         "OUTBENCH_RELAY_PORT=/nonexistent/tty JACK_DEFAULT_SERVER=ob_none_$$ JACK_NO_START_SERVER=1");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("outbench-dut"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("outbench devices"), std::string::npos) << r.err;
  // A JACK server without the device.
  r = with_jack("--no-dut", "run --quick --bench " + bench + " -o " + (d / "b"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("outbench-dut"), std::string::npos) << r.err;
  // A relay port that does not exist.
  auto cfg = json::parse(test::slurp(bench));
  cfg["load_switch"]["port"] = "/dev/ttyUSB_does_not_exist";
  std::ofstream(d / "bad-relay.json") << cfg.dump();
  r = with_jack("", "run --quick --bench " + (d / "bad-relay.json") + " -o " + (d / "c"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/dev/ttyUSB_does_not_exist"), std::string::npos) << r.err;
  // A device name that does not exist.
  cfg = json::parse(test::slurp(bench));
  cfg["audio"]["device"] = "no-such-interface";
  std::ofstream(d / "bad-dev.json") << cfg.dump();
  r = with_jack("", "run --quick --bench " + (d / "bad-dev.json") + " -o " + (d / "e"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no-such-interface"), std::string::npos) << r.err;
}

// Ctrl-C part-way through a real-path run: exit 130, results.json keeps the loads measured so far (marked
// incomplete), the report is written, and the run says so. The signal is sent once the first load is on
// disk (not after a fixed time), so a slow machine cannot make the test miss or overshoot.
TEST(Hil, CtrlCKeepsWhatWasMeasured) {
  test::TempDir d;
  const std::string rep = d / "rep";
  const std::string script = "\"$@\" & pid=$!; for i in $(seq 1200); do grep -qs load_ohms " + rep +
                             "/results.json && break; sleep 0.05; done; kill -INT $pid; wait $pid";
  const auto r = test::run_cli(
      "run --quick --quiet --ports line --bench " + kSrc + "/fixtures/benches/jack-virtual.json -o " + rep,
      "BUILD_DIR=" + std::string(OUTBENCH_BUILD_DIR) + " " + kSrc + "/scripts/with-jack.sh -- bash -c '" + script +
          "' _");
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("stopped"), std::string::npos) << r.err;
  const auto j = json::parse(test::slurp(rep + "/results.json"));
  EXPECT_FALSE(j["complete"].get<bool>());
  const auto& loads = port_of(j, "line")["loads"];
  ASSERT_GE(loads.size(), 1u);
  ASSERT_LT(loads.size(), 6u);
  for (const auto& l : loads) EXPECT_TRUE(l["valid"].get<bool>()) << l["load"];
  EXPECT_TRUE(std::filesystem::exists(rep + "/report.html"));
}

TEST(Hil, ClippingInputIsFlagged) {
  // A device whose loopback input clips at 1 Vrms: the level search must stop at the input's full scale.
  test::TempDir d;
  auto dev = json::parse(test::slurp(kSrc + "/fixtures/devices/usb-interface.json"));
  dev["loopback_input"]["full_scale_vrms"] = 1.0;
  std::ofstream(d / "clip.json") << dev.dump();
  auto cfg = json::parse(test::slurp(kSrc + "/fixtures/benches/jack-virtual.json"));
  cfg["loopback_input"]["vrms_at_0dbfs"] = 1.0;
  std::ofstream(d / "bench.json") << cfg.dump();
  const auto r =
      with_jack("--device " + (d / "clip.json"), "run --quick --quiet --ports line --loads open,10k --bench " +
                                                     (d / "bench.json") + " -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  for (const auto& l : port_of(j, "line")["loads"]) {
    ASSERT_TRUE(l["valid"].get<bool>());
    EXPECT_EQ(l["max_level"]["stop_reason"], "input_full_scale") << l["load"];
    EXPECT_NE(l["max_level"]["explanation"].get<std::string>().find("loopback input"), std::string::npos);
  }
}

// Ctrl-C while a command load switch hangs (with a child of its own, printing on stdout): the run stops
// instead of waiting for the command, no process of the command's group survives, and `--json` output is
// still JSON. The signal is sent once the command is running.
TEST(Hil, CtrlCEndsAHangingSwitchCommand) {
  test::TempDir d;
  const std::string pidfile = d / "switch.pid";
  auto cfg = json::parse(test::slurp(kSrc + "/fixtures/benches/jack-virtual.json"));
  cfg["load_switch"] = {
      {"type", "command"},
      {"argv", {"/bin/sh", "-c", "echo switching to $0; echo $$ > " + pidfile + "; sleep 1000 & sleep 1000"}},
      {"timeout_s", 600}};
  std::ofstream(d / "hang.json") << cfg.dump();
  const std::string script = "\"$@\" & pid=$!; for i in $(seq 1200); do [ -s " + pidfile +
                             " ] && break; sleep 0.05; done; kill -INT $pid; wait $pid";
  // No wall time is asserted: without the stop reaching the switch the run would wait for the command
  // (1000 s; its timeout is 600 s) and the test would end at ctest's timeout (600 s).
  const auto r = test::run_cli("run --quick --json --ports line --bench " + (d / "hang.json") + " -o " + (d / "rep"),
                               "BUILD_DIR=" + std::string(OUTBENCH_BUILD_DIR) + " " + kSrc +
                                   "/scripts/with-jack.sh -- bash -c '" + script + "' _");
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_TRUE(json::accept(r.out)) << r.out.substr(0, 200);
  long pgid = 0;
  std::ifstream(pidfile) >> pgid;
  ASSERT_GT(pgid, 0);
  int alive = 0;  // processes of the command's group still running (zombies do not count)
  for (int tries = 0; tries < 250; ++tries, usleep(20000)) {
    alive = 0;
    DIR* proc = opendir("/proc");
    while (const dirent* e = readdir(proc)) {
      std::string stat;
      std::getline(std::ifstream(std::string("/proc/") + e->d_name + "/stat"), stat);
      const auto close = stat.rfind(')');
      char state = 0;
      long ppid = 0, pgrp = 0;
      if (close != std::string::npos && std::istringstream(stat.substr(close + 1)) >> state >> ppid >> pgrp)
        alive += pgrp == pgid && state != 'Z';
    }
    closedir(proc);
    if (alive == 0) break;
  }
  EXPECT_EQ(alive, 0);
}

}  // namespace
}  // namespace outbench
