// The outbench command line: one function per subcommand (one file each in cli/), and the option parsing
// they share.
//
// Method: each subcommand takes its own arguments (after the subcommand words), parses them with Boost
// program_options (parse(): a stray word is an error, --help prints the usage), checks every value before
// any file is read or written, and returns the exit code.
// Conventions: errors are thrown, never printed here: UsageError and InputError (main() exits 2), WriteError
// (exit 3); a stop by Ctrl-C returns 130 (README "Exit codes"). Option names carry their units
// (--level-dbfs, --freq-hz). Limits: numbers are parsed in the C locale ("1,23" is refused, not read as 1).
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace outbench {
struct HeadphoneModel;
}

namespace outbench::cli {

using Args = std::vector<std::string>;

int generate(const Args& args);
int analyze(const Args& args);
int run(const Args& args);
int list_devices(const Args& args);
int report(const Args& args);
int devices(const Args& args);
int calibrate(const Args& args);
int compare(const Args& args);
int export_results(const Args& args);
int generate_imd(const Args& args);                // generate imd (imd.cpp)
int analyze_imd_command(const Args& args);         // analyze imd (imd.cpp)
int generate_multitone(const Args& args);          // generate multitone (multitone.cpp)
int analyze_multitone_command(const Args& args);   // analyze multitone (multitone.cpp)
int analyze_headphones_command(const Args& args);  // analyze headphones (headphones.cpp)
// --headphones FILE[,FILE] (`list`), or the shipped set (fixtures/headphones) when `list` is null.
std::vector<HeadphoneModel> headphones_option(const std::string* list);

// Parse `args` against `desc` (no positional arguments: a stray word is an error); --help prints usage and
// returns false.
bool parse(const Args& args, const boost::program_options::options_description& desc,
           boost::program_options::variables_map& vm, const std::string& usage);

// "20:20000" -> {20, 20000}; throws UsageError naming the option.
std::pair<double, double> parse_band(const std::string& text, const std::string& option);

// The whole of `text` as a finite number ("1,23", "1.2V", "inf", "" give nothing); surrounding blanks allowed.
std::optional<double> parse_number(const std::string& text);

// A numeric option's value, finite and within [lo, hi]; otherwise UsageError naming the option, the value,
// the range and the unit.
double checked(const std::string& option, double value, double lo, double hi, const std::string& unit);

// A seed: a whole number from 0 to 2^64-1 (a sign is an error, not a wrap-around).
std::uint64_t parse_seed(const std::string& text, const std::string& option);

// The fixtures folder (devices, benches, verdict rules): $OUTBENCH_FIXTURES, else the source tree's.
// Example command lines for a subcommand's --help, chosen by the usage line's leading words ("" if none).
std::string examples_for(const std::string& usage);

std::filesystem::path fixtures_dir();

// An output named on the command line: an empty name, or a folder where a file is to be written, is a usage
// error (exit 2) naming the option and an example, before anything runs. `kind` is e.g. "WAV file",
// `example` a file name.
void check_output_file(const std::string& option, const std::string& path, const std::string& kind,
                       const std::string& example);
// An output folder: an empty name is a usage error.
void check_output_folder(const std::string& option, const std::string& path);

// The current time in UTC, ISO 8601 to the second: "2026-12-01T17:06:51Z" (run dates, calibration dates).
std::string now_utc();

// "line,headphone" -> {"line", "headphone"}: an empty value, an empty entry or an entry given twice is a
// UsageError naming the option.
std::vector<std::string> parse_list(const std::string& text, const std::string& option);

}  // namespace outbench::cli
