// Per-channel figures in results.json that the report and compare read: each channel's idle-noise spectrum
// (channels[].noise_spectrum beside the load's, channel 0's) against the model's noise of that channel, and the
// validation of the per-channel THD+N at working levels (at_levels[].channels[]): a malformed entry is refused
// naming its field. Truth: the usb-interface line out with the right channel's noise raised to 40 uVrms (left
// 5 uVrms), read through the 100 ohm source into 10k || 1 Mohm at the 7.75 Vrms input with -125 dBFS of ADC noise.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

constexpr double kLeftNoiseVrms = 5e-6, kRightNoiseVrms = 40e-6;

class ReportChannels : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    json dev = json::parse(std::ifstream(std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/devices/usb-interface.json"));
    dev["ports"]["line"]["noise_vrms"] = {kLeftNoiseVrms, kRightNoiseVrms};
    { std::ofstream(*dir_ / "dev.json") << dev.dump(); }
    const auto r = run_cli("run --quick --quiet --device " + (*dir_ / "dev.json") +
                           " --ports line --loads 10k --tests noise,levels -o " + (*dir_ / "rep"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    results_ = new json(json::parse(test::slurp(*dir_ / "rep/results.json")));
    for (const auto& p : (*results_)["ports"]) {
      if (p["name"] == "line") break;
      ++port_;
    }
    ASSERT_LT(port_, (*results_)["ports"].size());
  }
  static void TearDownTestSuite() {
    delete results_;
    delete dir_;
  }
  static json& load(json& r) { return r["ports"][port_]["loads"][0]; }
  static std::string load_path() { return "ports[" + std::to_string(port_) + "].loads[0]"; }

  // `outbench report` and `outbench compare` of a modified copy: exit 2, nothing written, the error names `field`.
  static void expect_rejected(const json& bad, const std::string& field, const std::string& expected) {
    const std::string in = *dir_ / "bad.json", out = *dir_ / "bad.html";
    { std::ofstream(in) << bad.dump(); }
    for (const std::string& cmd : {"report " + in, "compare " + (*dir_ / "rep/results.json") + " " + in}) {
      std::filesystem::remove(out);
      const auto r = run_cli(cmd + " -o " + out);
      EXPECT_EQ(r.exit_code, 2) << field << ": " << r.err;
      EXPECT_NE(r.err.find(in + ": " + field + ": expected " + expected), std::string::npos) << r.err;
      EXPECT_FALSE(std::filesystem::exists(out)) << field;
    }
  }

  static test::TempDir* dir_;
  static json* results_;
  static std::size_t port_;
};
test::TempDir* ReportChannels::dir_ = nullptr;
json* ReportChannels::results_ = nullptr;
std::size_t ReportChannels::port_ = 0;

// Noise at the loopback input (dBFS, 20 Hz-20 kHz): the EMF's through the divider, plus the ADC's.
double model_noise_dbfs(double emf_vrms) {
  const double zin = 1e4 * 1e6 / (1e4 + 1e6), v = emf_vrms * zin / (100 + zin) / 7.75;
  return 10 * std::log10(v * v + std::pow(10.0, -125 / 10.0));
}

// The density bands (dBFS in 1 Hz, 1/48 octave from start_hz) summed over 20 Hz-20 kHz.
double integrated_dbfs(const json& s) {
  const double step = std::pow(2.0, 1.0 / s["points_per_octave"].get<double>());
  double power = 0, f = s["start_hz"].get<double>();
  for (const auto& v : s["level_dbfs"]) {
    if (f >= 20 && f <= 20000 && v.is_number()) power += std::pow(10.0, v.get<double>() / 10) * f * (step - 1);
    f *= step;
  }
  return 10 * std::log10(power);
}

// Each channel's idle-noise spectrum is its own: the left's is the load's noise_spectrum, the right's is in
// channels[1]; each integrates to its channel's noise figure and to the model's noise of that channel.
TEST_F(ReportChannels, EachChannelCarriesItsOwnIdleNoiseSpectrum) {
  json& l = load(*results_);
  ASSERT_TRUE(l["valid"].get<bool>());
  const json& ns = l["noise_spectrum"];
  ASSERT_EQ(ns["scale"], "density_per_hz");
  ASSERT_EQ(l["channels"].size(), 2u);
  const json& right = l["channels"][1];
  ASSERT_TRUE(right.contains("noise_spectrum")) << right.dump().substr(0, 300);
  const json& rs = right["noise_spectrum"];
  EXPECT_EQ(rs["scale"], "density_per_hz");
  EXPECT_EQ(rs["level_dbfs"].size(), ns["level_dbfs"].size());
  EXPECT_EQ(rs["bin_hz"], ns["bin_hz"]);
  EXPECT_FALSE(l["channels"][0].contains("noise_spectrum"));  // channel 0's is the load's
  const double left_dbfs = integrated_dbfs(ns), right_dbfs = integrated_dbfs(rs);
  EXPECT_NEAR(left_dbfs, l["channels"][0]["noise"]["unweighted_dbfs"].get<double>(), 0.2);
  EXPECT_NEAR(right_dbfs, right["noise"]["unweighted_dbfs"].get<double>(), 0.2);
  EXPECT_NEAR(left_dbfs, model_noise_dbfs(kLeftNoiseVrms), 0.5);
  EXPECT_NEAR(right_dbfs, model_noise_dbfs(kRightNoiseVrms), 0.5);
  // The report draws both (L solid, R dashed).
  ASSERT_EQ(run_cli("report " + (*dir_ / "rep/results.json") + " -o " + (*dir_ / "ok.html")).exit_code, 0);
}

// THD+N at nominal line level per channel: every number, the channel numbers and the array's size are checked;
// a malformed entry is refused by report and compare, naming its path.
TEST_F(ReportChannels, MalformedPerChannelAtLevelsAreRefusedNamingTheField) {
  ASSERT_FALSE(load(*results_)["at_levels"].empty());
  ASSERT_EQ(load(*results_)["at_levels"][0]["channels"].size(), 2u);  // the premise: both channels driven
  const std::string at = load_path() + ".at_levels[0]";
  json bad = *results_;
  load(bad)["at_levels"][0]["channels"][1]["thdn"]["thdn_db"] = "x";
  expect_rejected(bad, at + ".channels[1].thdn.thdn_db", "a number or null");
  bad = *results_;
  load(bad)["at_levels"][0]["channels"][0]["out_vrms"] = "0.316";
  expect_rejected(bad, at + ".channels[0].out_vrms", "a number or null");
  bad = *results_;
  load(bad)["at_levels"][0]["channels"][1].erase("thdn");
  expect_rejected(bad, at + ".channels[1].thdn", "an object, but it is missing");
  bad = *results_;
  load(bad)["at_levels"][0]["channels"][1]["channel"] = 2;
  expect_rejected(bad, at + ".channels[1].channel", "a channel number from 0 to 1");
  bad = *results_;
  load(bad)["at_levels"][0]["channels"].push_back(load(bad)["at_levels"][0]["channels"][1]);
  expect_rejected(bad, at + ".channels", "at most 2 entries, one per channel of " + load_path() + ".channels");
  bad = *results_;
  load(bad)["at_levels"][0]["channel"] = -1;
  expect_rejected(bad, at + ".channel", "a channel number from 0 to 1");
  bad = *results_;
  load(bad)["at_levels"][0]["thdn"]["thd_db"] = "low";
  expect_rejected(bad, at + ".thdn.thd_db", "a number or null");
  bad = *results_;
  load(bad)["at_levels"][0].erase("what");
  expect_rejected(bad, at + ".what", "a string, but it is missing");
}

}  // namespace
}  // namespace outbench
