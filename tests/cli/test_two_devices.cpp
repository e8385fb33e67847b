// The two-device bench file (audio.output: the DUT, audio.input: the analyser with its input's calibration and
// impedance): the shipped example reads as two devices on two clocks; mistakes in it are named, not ignored.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "measure/config/bench_config.hpp"
#include "measure/errors.hpp"

namespace outbench {
namespace {

using nlohmann::json;
const std::filesystem::path kSrc(OUTBENCH_SOURCE_DIR);

json example() {
  return json::parse(test::slurp(kSrc / "fixtures/benches/phone-dongle-usb-interface.json"));
}

std::string error_of(const json& bench) {
  test::TempDir d;
  const auto f = d / "bench.json";
  std::ofstream(f) << bench.dump();
  try {
    load_bench_config(f);
  } catch (const InputError& e) {
    const std::string m = e.what();
    return m.substr(m.find(": ") + 2);  // without the file name
  }
  return "accepted";
}

TEST(TwoDeviceBench, TheShippedExampleIsTwoDevicesOnTwoClocks) {
  const auto b = load_bench_config(kSrc / "fixtures/benches/phone-dongle-usb-interface.json");
  EXPECT_TRUE(b.two_devices());
  EXPECT_TRUE(b.two_clocks);
  EXPECT_EQ(b.device, "USB-C to 3.5mm");
  EXPECT_EQ(b.input_device, "USB Audio");
  EXPECT_EQ(b.input_host_api, "ALSA");
  EXPECT_DOUBLE_EQ(b.input_impedance_ohms, 20000.0);
  EXPECT_FALSE(b.input.valid());
  // One device: one clock, no analyser apart.
  const auto one = load_bench_config(kSrc / "fixtures/benches/usb-2in4out-relay.json");
  EXPECT_FALSE(one.two_devices());
  EXPECT_FALSE(one.two_clocks);
  // calibrate writes the analyser's calibration where the file keeps it.
  auto j = example();
  analyser_input_section(j)["vrms_at_0dbfs"] = 2.5;
  EXPECT_EQ(j["audio"]["input"]["vrms_at_0dbfs"], 2.5);
  EXPECT_FALSE(j.contains("loopback_input"));
  auto k = json::parse(test::slurp(kSrc / "fixtures/benches/usb-2in4out-relay.json"));
  analyser_input_section(k)["vrms_at_0dbfs"] = 2.5;
  EXPECT_EQ(k["loopback_input"]["vrms_at_0dbfs"], 2.5);
}

TEST(TwoDeviceBench, MistakesAreNamed) {
  auto j = example();
  j["audio"]["input"]["impedance_ohm"] = j["audio"]["input"]["impedance_ohms"];
  EXPECT_EQ(error_of(j).rfind("audio.input.impedance_ohm: unknown field (did you mean \"impedance_ohms\"?)", 0), 0u)
      << error_of(j);
  j = example();
  j["audio"]["output"]["devise"] = "x";
  EXPECT_EQ(error_of(j).rfind("audio.output.devise: unknown field (did you mean \"device\"?)", 0), 0u) << error_of(j);
  j = example();
  j["loopback_input"] = {{"impedance_ohms", 1e6}};
  EXPECT_NE(error_of(j).find("loopback_input: expected no \"loopback_input\" in the two-device form"),
            std::string::npos)
      << error_of(j);
  j = example();
  j["audio"].erase("input");
  EXPECT_NE(error_of(j).find("audio.input: expected both \"output\" (the device under test) and \"input\""),
            std::string::npos)
      << error_of(j);
  j = example();
  j["audio"]["device"] = "USB Audio";
  EXPECT_NE(error_of(j).find("audio.device: expected no \"device\" beside \"output\" and \"input\""), std::string::npos)
      << error_of(j);
  j = example();
  j["audio"]["input"]["rate_hz"] = 44100;
  EXPECT_NE(error_of(j).find("audio.input.rate_hz: expected 48000 Hz, the bench's rate"), std::string::npos)
      << error_of(j);
  j = example();
  j["audio"]["input"].erase("impedance_ohms");
  EXPECT_NE(error_of(j).find("audio.input.impedance_ohms"), std::string::npos) << error_of(j);
  // Hostile review: one device named for both, an empty DUT, a rate not a number, both forms at once.
  j = example();
  j["audio"]["input"]["device"] = j["audio"]["output"]["device"];
  j["audio"]["input"]["host_api"] = j["audio"]["output"]["host_api"];
  EXPECT_NE(error_of(j).find("audio.input.device: expected a device other than audio.output's ('USB-C to 3.5mm')"),
            std::string::npos)
      << error_of(j);
  j = example();
  j["audio"]["output"]["device"] = "";
  EXPECT_NE(error_of(j).find("audio.output.device: expected a device name substring or index (not empty)"),
            std::string::npos)
      << error_of(j);
  j = example();
  j["audio"]["output"]["rate_hz"] = "48000";
  EXPECT_NE(error_of(j).find("audio.output.rate_hz"), std::string::npos) << error_of(j);
  j = example();
  j["audio"]["host_api"] = "ALSA";
  EXPECT_NE(error_of(j).find("audio.host_api: expected no \"host_api\" beside \"output\" and \"input\""),
            std::string::npos)
      << error_of(j);
  j = example();
  j["audio"].erase("output");
  EXPECT_NE(error_of(j).find("audio.output: expected both \"output\" (the device under test) and \"input\""),
            std::string::npos)
      << error_of(j);
  j = json::parse(test::slurp(kSrc / "fixtures/benches/simulated-usb.json"));
  j["audio"]["input"] = {{"device", "x"}};
  EXPECT_NE(error_of(j).find("audio.input: expected no \"input\" with a simulated audio device"), std::string::npos)
      << error_of(j);
}

// The messages of a two-device bench name its parts: an uncalibrated analyser is audio.input (not "the loopback
// input"); `devices` lists the channels the bench uses (not "64 inputs" for [0, 63]), says to check the device
// and its server before the bench file, and an unset OUTBENCH_RELAY_PORT points at scripts/with-jack.sh.
TEST(TwoDeviceBench, MessagesNameTheTwoDevices) {
  test::TempDir d;
  auto r = test::run_cli("run --quiet --bench " + (kSrc / "fixtures/benches/phone-dongle-usb-interface.json").string() +
                         " -o " + (d / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("the analyser's input (audio.input) is not calibrated"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("loopback input"), std::string::npos) << r.err;
  auto j = json::parse(test::slurp(kSrc / "fixtures/benches/jack-two-devices.json"));
  r = test::run_cli("devices --bench " + (kSrc / "fixtures/benches/jack-two-devices.json").string(),
                    "env -u OUTBENCH_RELAY_PORT");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("OUTBENCH_RELAY_PORT is not set"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("scripts/with-jack.sh"), std::string::npos) << r.err;
  j.erase("load_switch");
  j["ports"]["headphone"]["input_channels"] = {0, 63};
  std::ofstream(d / "bench.json") << j.dump();
  r = test::run_cli("devices --bench " + (d / "bench.json"), "JACK_DEFAULT_SERVER=ob_none_$$ JACK_NO_START_SERVER=1");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.out.find("captures input channels 0, 63 (64 opened)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no JACK server is running; start it"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("plugged in"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace outbench
