// Command-line plumbing shared by the subcommands: each subcommand is a function taking its own
// arguments (after the subcommand words) and returning the exit code. Errors are thrown as UsageError or
// InputError and reported by main() with exit code 2.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

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

// Parse `args` against `desc` (no positional arguments); --help prints usage and returns false.
bool parse(const Args& args, const boost::program_options::options_description& desc,
           boost::program_options::variables_map& vm, const std::string& usage);

// "20:20000" -> {20, 20000}; throws UsageError naming the option.
std::pair<double, double> parse_band(const std::string& text, const std::string& option);

}  // namespace outbench::cli
