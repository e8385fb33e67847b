// outbench: measure audio outputs (output impedance, THD+N, maximum level, frequency response).
// Exit codes: 0 done, 1 other errors, 2 usage or input errors, 3 write errors, 130 stopped (README "Exit codes").
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "measure/cli/cli.hpp"
#include "measure/errors.hpp"
#include "outbench_version.hpp"

namespace {

constexpr const char* kUsage = R"(usage: outbench COMMAND [options]   (outbench COMMAND --help for its options)

  run                     measure a device (default: the simulated USB interface) -> outbench-report/
  list-devices            list the simulated device models
  devices                 list audio interfaces (PortAudio host APIs, devices, sample rates)
  calibrate output|input|loopback|input-impedance --bench FILE   volts per dBFS, the analyser's floor and Zin
  report results.json     render report.html from results.json
  compare a.json b.json ...   2 to 26 runs side by side, curves overlaid (compare.html)
  export results.json --csv DIR   one CSV per curve and per table, units in the header row
  generate sweep|tone|imd|multitone   write a test signal (WAV)
  analyze thdn            THD+N, THD and harmonics of a tone capture
  analyze response        frequency response from a sweep and its capture
  analyze impedance       output impedance from open and loaded sweep captures
  analyze imd             SMPTE IMD or CCIF difference-frequency distortion of a two-tone capture
  analyze multitone       response and TD+N versus frequency from a multitone capture
  analyze headphones      the response real headphones would see, from a run's results.json
  --version               print the version
)";

// The subcommands of a command that has them (nullptr for the others), for `outbench COMMAND --help`.
const char* group_usage(const std::string& command) {
  if (command == "calibrate")
    return "usage: outbench calibrate WHAT --bench FILE [options]   (outbench calibrate WHAT --help)\n"
           "  output     volts at the port per dBFS, from a meter reading you type in\n"
           "  input      the loopback input's dBFS per volt, from the calibrated output\n"
           "  loopback   the interface's own THD+N and noise floor, output wired to input\n"
           "  input-impedance   the loopback input's impedance versus frequency, via a series resistor\n"
           "example:\n  outbench calibrate output --bench my-bench.json --port line\n";
  if (command == "generate")
    return "usage: outbench generate sweep|tone|imd|multitone [options] -o FILE.wav   (outbench generate sweep "
           "--help)\n"
           "  sweep   an exponential sine sweep (the reference for analyze response/impedance)\n"
           "  tone    a sine tone (for analyze thdn)\n"
           "  imd     a two-tone for analyze imd: --standard smpte (60 Hz + 7 kHz, 4:1) or ccif (19 + 20 kHz)\n"
           "  multitone   31 tones 20 Hz-20 kHz for analyze multitone\n"
           "example:\n  outbench generate tone --freq-hz 997 --level-dbfs -20 -o tone.wav\n";
  if (command == "analyze" || command == "analyse")
    return "usage: outbench analyze thdn|response|impedance|imd|multitone|headphones [options]   (outbench analyze "
           "thdn --help)\n"
           "  thdn        THD+N, THD and harmonics of a tone capture\n"
           "  response    frequency response (and harmonic distortion) from a sweep and its capture\n"
           "  impedance   output impedance from open and loaded sweep captures\n"
           "  imd         SMPTE IMD or CCIF difference-frequency distortion of a two-tone capture\n"
           "  multitone   response and TD+N versus frequency from a multitone capture\n"
           "  headphones  the response real headphones would see, from a run's results.json\n"
           "example:\n  outbench analyze thdn --input tone.wav --json\n";
  return nullptr;
}

bool is_help(const std::string& a) {
  return a == "--help" || a == "-h" || a == "help";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace outbench;
  const cli::Args args(argv + 1, argv + argc);
  try {
    if (args.empty()) {  // a usage error: the usage goes to stderr
      std::cerr << "outbench: say what to do\n" << kUsage;
      return 2;
    }
    if (is_help(args[0])) {
      std::cout << kUsage;
      return 0;
    }
    if (args[0] == "--version" || args[0] == "version") {
      std::cout << "outbench " << OUTBENCH_VERSION << "\n";
      return 0;
    }
    const cli::Args rest(args.begin() + 1, args.end());
    if (const char* group = group_usage(args[0]); group && (rest.empty() || is_help(rest[0]))) {
      if (rest.empty()) throw UsageError("'" + args[0] + "' needs a subcommand\n" + group);
      std::cout << group;
      return 0;
    }
    if (args[0] == "generate") return cli::generate(rest);
    if (args[0] == "analyze" || args[0] == "analyse") return cli::analyze(rest);
    if (args[0] == "run") return cli::run(rest);
    if (args[0] == "list-devices") return cli::list_devices(rest);
    if (args[0] == "report") return cli::report(rest);
    if (args[0] == "devices") return cli::devices(rest);
    if (args[0] == "calibrate") return cli::calibrate(rest);
    if (args[0] == "compare") return cli::compare(rest);
    if (args[0] == "export") return cli::export_results(rest);
    throw UsageError("'" + args[0] + "' is not an outbench command\n" + kUsage);
  } catch (const UsageError& e) {
    std::cerr << "outbench: " << e.what() << "\n";
    return 2;
  } catch (const InputError& e) {
    std::cerr << "outbench: " << e.what() << "\n";
    return 2;
  } catch (const WriteError& e) {
    std::cerr << "outbench: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "outbench: error: " << e.what() << "\n";
    return 1;
  }
}
