// outbench export results.json --csv DIR: one CSV per curve and per table, units in the header row
// (reports/csv_export.hpp says how the files are named and what goes where).
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "measure/cli/cli.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"
#include "measure/files/atomic_write.hpp"
#include "reports/csv_export.hpp"
#include "reports/html_report.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

int export_results(const Args& args) {
  std::string input, dir;
  po::options_description desc("export options");
  desc.add_options()("help,h", "show this help")("input", po::value(&input)->required(), "results.json")(
      "csv", po::value(&dir)->required(), "folder for the CSV files (created if needed)");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const std::string usage = "outbench export results.json --csv DIR";
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n" << desc << "\n" << examples_for(usage);
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\nusage: " + usage);
  }
  if (dir.empty()) throw UsageError("--csv needs a folder name, e.g. --csv outbench-csv");
  const auto j = read_json_file(input);
  check_results_schema(j, input);
  std::error_code ec;
  // A file where the folder should be: a usage error (the name is wrong), not a failed write.
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    throw UsageError("--csv " + dir +
                     ": that is a file, not a folder; name a new or existing folder for the CSV files, e.g. --csv " +
                     dir + "-csv");
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw WriteError("--csv " + dir + ": cannot create the folder (" + (ec ? ec.message() : "a file has that name") +
                     ")");
  std::vector<TextFile> files;
  for (auto& f : export_results_csv(j)) files.push_back({std::filesystem::path(dir) / f.name, std::move(f.text)});
  // Other files in the folder are left as they are (export replaces only the files it writes): CSV files of an
  // earlier export that this one does not write are named, so that they are not taken for this run's.
  std::vector<std::string> others;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".csv" &&
        std::none_of(files.begin(), files.end(), [&](const TextFile& f) { return f.path == e.path(); }))
      others.push_back(e.path().filename().string());
  write_texts_atomic(files);
  std::cerr << "export: " << files.size() << " CSV files in " << dir << " (figures.csv: every single figure)\n";
  if (!others.empty())
    std::cerr << "export: " << others.size() << " other CSV file(s) in " << dir << " are not from this export and were "
              << "left as they are (e.g. " << others.front()
              << "); export into an empty folder to have only this run's\n";
  return 0;
}

}  // namespace outbench::cli
