// outbench list-devices (the simulated device models) and outbench devices (the audio interfaces).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "measure/cli/bench_io.hpp"
#include "measure/cli/cli.hpp"
#include "measure/config/bench_config.hpp"
#include "measure/errors.hpp"
#include "measure/io/portaudio_io.hpp"
#include "measure/sim/model.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

int list_devices(const Args& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: outbench list-devices\n  the simulated device models (fixtures/devices), for run --device\n"
              << examples_for("outbench list-devices");
    return 0;
  }
  if (!args.empty()) throw UsageError("list-devices takes no arguments");
  const auto dir = fixtures_dir() / "devices";
  std::printf("Simulated devices (%s):\n", dir.c_str());
  std::vector<std::filesystem::path> files;
  if (std::filesystem::exists(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    try {
      const auto m = sim::load_device_model(f);
      std::string ports;
      for (const auto& p : m.ports) ports += (ports.empty() ? "" : ", ") + p.name;
      std::printf("  %-22s %s [%s]\n", f.stem().c_str(), m.name.c_str(), ports.c_str());
    } catch (const InputError& e) {
      std::printf("  %-22s (invalid: %s)\n", f.stem().c_str(), e.what());
    }
  }
  std::printf("Audio interfaces: see `outbench devices`.\n");
  return 0;
}

namespace {
// "input channels 0, 63 (64 opened)": the channels the bench's ports use, and how many the stream opens.
std::string channels_text(const BenchConfig& b, bool inputs, int opened) {
  std::vector<int> used;
  for (const auto& p : b.ports)
    for (int c : inputs ? p.input_channels : p.output_channels)
      if (std::find(used.begin(), used.end(), c) == used.end()) used.push_back(c);
  std::sort(used.begin(), used.end());
  std::string s = inputs ? "input channel" : "output channel";
  if (used.size() != 1) s += "s";
  for (std::size_t i = 0; i < used.size(); ++i) s += (i == 0 ? " " : ", ") + std::to_string(used[i]);
  if (used.size() != static_cast<std::size_t>(opened)) s += " (" + std::to_string(opened) + " opened)";
  return s;
}
}  // namespace

int devices(const Args& args) {
  int in = 0, out = 0;
  std::string bench_file;
  po::options_description desc("devices options");
  desc.add_options()("help,h", "show this help")("inputs", po::value(&in)->default_value(0),
                                                 "input channels the bench needs")(
      "outputs", po::value(&out)->default_value(0), "output channels the bench needs")(
      "bench", po::value(&bench_file), "take the channel counts from this bench file");
  po::variables_map vm;
  if (!parse(args, desc, vm, "outbench devices [--bench FILE | --inputs N --outputs M]")) return 0;
  checked("--inputs", in, 0, 256, "channels");
  checked("--outputs", out, 0, 256, "channels");
  std::vector<DeviceNeed> needs;
  if (vm.count("bench")) {
    const BenchConfig b = load_bench_config(bench_file);
    const auto o = portaudio_options(b);
    in = o.input_channels;
    out = o.output_channels;
    if (b.audio != "portaudio") {
      std::cout << "Bench '" << b.name << "' is simulated: it opens no audio device.\n";
    } else if (b.two_devices()) {
      std::cout << "Bench '" << b.name << "' plays " << channels_text(b, false, out) << " on '" << b.device << "' ("
                << b.host_api << ") and captures " << channels_text(b, true, in) << " on '" << b.input_device << "' ("
                << b.input_host_api << ") at " << b.rate_hz << " Hz (two devices, two clocks).\n";
      needs.push_back(
          {"output device (the DUT, audio.output)", b.device, b.host_api, 0, out, b.rate_hz, b.supported_rates_hz});
      needs.push_back({"input device (the analyser, audio.input)", b.input_device, b.input_host_api, in, 0, b.rate_hz,
                       b.supported_rates_hz});
    } else {
      std::cout << "Bench '" << b.name << "' needs " << channels_text(b, true, in) << " and "
                << channels_text(b, false, out) << " at " << b.rate_hz << " Hz on '" << b.device << "' (" << b.host_api
                << ").\n";
      needs.push_back({"device (audio.device)", b.device, b.host_api, in, out, b.rate_hz, b.supported_rates_hz});
    }
  }
  std::cout << describe_audio_devices(in, out);
  if (!needs.empty()) {
    bool ok = true;
    std::cout << "Bench check:\n" << check_audio_devices(needs, ok);
    if (!ok) {
      std::cout.flush();
      throw InputError(
          "the bench's audio device(s) are not ready (PROBLEM lines above): check that they are plugged "
          "in and their audio server is running, then fix '" +
          bench_file + "' if a device is listed under another name");
    }
  }
  return 0;
}

}  // namespace outbench::cli
