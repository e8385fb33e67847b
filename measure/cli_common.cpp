#include <iostream>

#include "measure/cli.hpp"
#include "measure/errors.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

bool parse(const Args& args, const po::options_description& desc, po::variables_map& vm, const std::string& usage) {
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\nusage: " + usage + " (see --help)");
  }
  return true;
}

std::pair<double, double> parse_band(const std::string& text, const std::string& option) {
  const auto colon = text.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    std::size_t used1 = 0, used2 = 0;
    const double lo = std::stod(text.substr(0, colon), &used1);
    const double hi = std::stod(text.substr(colon + 1), &used2);
    if (used1 != colon || used2 != text.size() - colon - 1) throw std::invalid_argument("junk");
    if (!(lo >= 0) || !(hi > lo)) throw UsageError(option + " " + text + ": need 0 <= low < high (Hz)");
    return {lo, hi};
  } catch (const std::invalid_argument&) {
    throw UsageError(option + " '" + text + "' is not a band: write LOW:HIGH in Hz, e.g. 20:20000");
  } catch (const std::out_of_range&) {
    throw UsageError(option + " '" + text + "' is out of range");
  }
}

}  // namespace outbench::cli
