// outbench: measure audio outputs (output impedance, THD+N, maximum level, frequency response).
// Exit codes: 0 done, 1 other errors, 2 usage or input errors, 3 write errors, 130 stopped (README "Exit codes").
#include <cstdio>
#include <exception>
#include <iostream>

#include "measure/cli/cli.hpp"
#include "measure/errors.hpp"
#include "outbench_version.hpp"

namespace {

constexpr const char* kUsage = R"(usage: outbench COMMAND [options]   (outbench COMMAND --help for its options)

  run                     measure a device (default: the simulated USB interface) -> outbench-report/
  list-devices            list the simulated device models
  devices                 list audio interfaces (PortAudio host APIs, devices, sample rates)
  calibrate output|input|loopback --bench FILE   volts per dBFS, and the analyser's own floor
  report results.json     render report.html from results.json
  compare a.json b.json   two runs side by side (compare.html)
  generate sweep|tone     write a test signal (WAV)
  analyze thdn            THD+N, THD and harmonics of a tone capture
  analyze response        frequency response from a sweep and its capture
  analyze impedance       output impedance from open and loaded sweep captures
  --version               print the version
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace outbench;
  const cli::Args args(argv + 1, argv + argc);
  try {
    if (args.empty()) {  // a usage error: the usage goes to stderr
      std::cerr << "outbench: say what to do\n" << kUsage;
      return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (args[0] == "--version" || args[0] == "version") {
      std::cout << "outbench " << OUTBENCH_VERSION << "\n";
      return 0;
    }
    const cli::Args rest(args.begin() + 1, args.end());
    if (args[0] == "generate") return cli::generate(rest);
    if (args[0] == "analyze" || args[0] == "analyse") return cli::analyze(rest);
    if (args[0] == "run") return cli::run(rest);
    if (args[0] == "list-devices") return cli::list_devices(rest);
    if (args[0] == "report") return cli::report(rest);
    if (args[0] == "devices") return cli::devices(rest);
    if (args[0] == "calibrate") return cli::calibrate(rest);
    if (args[0] == "compare") return cli::compare(rest);
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
