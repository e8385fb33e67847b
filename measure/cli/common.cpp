#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <sstream>

#include "measure/cli/cli.hpp"
#include "measure/errors.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

std::string examples_for(const std::string& usage) {
  // Keyed by the command words a usage line starts with; the longest key that matches wins.
  static const std::pair<const char*, const char*> kExamples[] = {
      {"outbench run",
       "  outbench run                                  # the simulated USB interface, every port and load\n"
       "  outbench run --device fixtures/devices/phone-dongle.json --quick -o dongle\n"
       "  outbench run --bench my-bench.json --ports headphone --loads open,32,16\n"},
      {"outbench devices", "  outbench devices --bench fixtures/benches/usb-2in4out-relay.json\n"},
      {"outbench calibrate output",
       "  outbench calibrate output --bench my-bench.json --port line   # then type the meter's Vrms\n"},
      {"outbench calibrate input", "  outbench calibrate input --bench my-bench.json --port line\n"},
      {"outbench calibrate loopback", "  outbench calibrate loopback --bench my-bench.json --port line\n"},
      {"outbench calibrate input-impedance",
       "  outbench calibrate input-impedance --bench my-bench.json --port line --series-ohms 22000\n"},
      {"outbench list-devices", "  outbench list-devices\n"},
      {"outbench report", "  outbench report outbench-report/results.json -o report.html\n"},
      {"outbench export", "  outbench export outbench-report/results.json --csv outbench-csv\n"},
      {"outbench compare",
       "  outbench compare outbench-report/results.json dongle/results.json -o compare.html  # after the run examples\n"
       "  outbench compare outbench-report/results.json dongle/results.json --thresholds "
       "fixtures/compare-thresholds.json\n"},
      {"outbench generate sweep",
       "  outbench generate sweep --rate 96000 --seconds 10 -o sweep.wav\n"
       "  outbench generate sweep --rate 96000 --seconds 10 --level-dbfs -12.0206 -o sweep-32.wav  # half the level\n"},
      {"outbench generate tone", "  outbench generate tone --freq-hz 997 --level-dbfs -20 -o tone.wav\n"},
      {"outbench generate imd", "  outbench generate imd --standard ccif --level-dbfs -6 -o ccif.wav\n"},
      {"outbench generate multitone", "  outbench generate multitone --level-dbfs -10 -o multitone.wav\n"},
      // The analyze examples read what the generate examples write (a capture of your own in their place).
      {"outbench analyze imd", "  outbench analyze imd --standard ccif --input ccif.wav --json\n"},
      {"outbench analyze thdn", "  outbench analyze thdn --input tone.wav --json\n"},
      {"outbench analyze response", "  outbench analyze response --reference sweep.wav --input sweep.wav\n"},
      {"outbench analyze impedance",
       "  outbench analyze impedance --reference sweep.wav --open sweep.wav --loaded sweep-32.wav --load-ohms 32\n"},
      {"outbench analyze multitone", "  outbench analyze multitone --input multitone.wav --level-dbfs -10\n"},
      {"outbench analyze headphones",
       "  outbench analyze headphones outbench-report/results.json --headphones "
       "fixtures/headphones/dynamic-300.json\n"},
  };
  std::size_t best = 0;
  const char* text = nullptr;
  for (const auto& [key, ex] : kExamples) {
    const std::string k = key;
    if (usage.rfind(k, 0) == 0 && k.size() > best) best = k.size(), text = ex;
  }
  return text ? std::string("examples:\n") + text : std::string();
}

bool parse(const Args& args, const po::options_description& desc, po::variables_map& vm, const std::string& usage) {
  try {
    const auto parsed = po::command_line_parser(args).options(desc).run();
    // Boost keeps words that are no option's value as positional tokens and store() drops them silently.
    for (const auto& o : parsed.options)
      if (o.position_key >= 0 || o.string_key.empty())
        throw UsageError("unexpected argument '" + (o.original_tokens.empty() ? "" : o.original_tokens.front()) +
                         "'\nusage: " + usage + " (see --help)");
    po::store(parsed, vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n" << desc << "\n" << examples_for(usage);
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
  const auto lo = colon == std::string::npos ? std::nullopt : parse_number(text.substr(0, colon));
  const auto hi = colon == std::string::npos ? std::nullopt : parse_number(text.substr(colon + 1));
  if (!lo || !hi) throw UsageError(option + " '" + text + "' is not a band: write LOW:HIGH in Hz, e.g. 20:20000");
  if (!(*lo >= 0) || !(*hi > *lo)) throw UsageError(option + " " + text + ": need 0 <= low < high (Hz)");
  return {*lo, *hi};
}

std::optional<double> parse_number(const std::string& text) {
  std::size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  if (b < e && text[b] == '+') ++b;  // from_chars takes no '+'
  double v = 0;
  const auto r = std::from_chars(text.data() + b, text.data() + e, v);
  if (b == e || r.ec != std::errc() || r.ptr != text.data() + e || !std::isfinite(v)) return std::nullopt;
  return v;
}

double checked(const std::string& option, double value, double lo, double hi, const std::string& unit) {
  if (std::isfinite(value) && value >= lo && value <= hi) return value;
  std::ostringstream e;
  e << option << " " << value << ": must be " << (std::isfinite(value) ? "" : "a finite number ") << "from " << lo
    << " to " << hi << (unit.empty() ? "" : " " + unit);
  throw UsageError(e.str());
}

std::uint64_t parse_seed(const std::string& text, const std::string& option) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size())
    throw UsageError(option + " '" + text + "': must be a whole number from 0 to 18446744073709551615");
  return v;
}

std::filesystem::path fixtures_dir() {
  if (const char* e = std::getenv("OUTBENCH_FIXTURES")) return e;
  return std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures";
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::vector<std::string> parse_list(const std::string& text, const std::string& option) {
  if (text.empty()) throw UsageError(option + " is empty: name at least one, or leave the option out for all");
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw UsageError(option + " '" + text + "' has an empty entry: write e.g. open,10k,32");
    for (const auto& seen : out)
      if (seen == item) throw UsageError(option + ": '" + item + "' is given twice; name each once");
    out.push_back(item);
    if (out.size() > 64) throw UsageError(option + ": more than 64 entries; name each port or load once");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void check_output_file(const std::string& option, const std::string& path, const std::string& kind,
                       const std::string& example) {
  if (path.empty()) throw UsageError(option + " is empty: give the name of the " + kind + " to write, e.g. " + example);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw UsageError(option + " " + path + " is a folder: give the name of the " + kind + " to write, e.g. " +
                     (std::filesystem::path(path) / example).string());
}

void check_output_folder(const std::string& option, const std::string& path) {
  if (path.empty()) throw UsageError(option + " is empty: give the report folder, e.g. outbench-report");
}

}  // namespace outbench::cli
