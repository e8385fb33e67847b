// Headphone files (fixtures/headphones/README.md): a network model (JSON, "outbench-headphone/1") or a
// measured impedance curve (CSV: freq_hz, z_ohms, phase_deg, as impedance-measuring tools export it).
//
// Method: the file's extension picks the reader (.json: network; .csv, .txt: curve). JSON is read with the
// strict reader (unknown keys refused, naming the nearest); a network element is an object with exactly one
// of r_ohms, l_henries, c_farads (> 0), series or parallel (non-empty arrays of elements). CSV: comment lines
// start with '#' or '*', one optional header line (not numeric), then rows of three numbers separated by
// commas, semicolons, tabs or spaces; frequencies > 0 and strictly increasing, |Z| > 0, phase within
// [-90, 90] degrees, at least 2 rows, spanning 20 Hz-20 kHz. Every problem is an InputError naming the file and
// the line (CSV) or the field path (JSON) and what is expected. Limits: files at most 16 MiB; 100,000 rows.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/headphone.hpp"
#include "measure/config/json_reader.hpp"

namespace outbench {

// One headphone file; the model's id is the file's stem.
HeadphoneModel load_headphone(const std::filesystem::path& path);

// A network element of a JSON file (`r`: the element's object), as in a headphone file's "network" (bench files'
// reactive loads use it too).
NetworkElement read_network_element(const JsonReader& r);

// A measured curve from CSV text (`source` names it in errors).
std::vector<ImpedancePoint> parse_impedance_csv(const std::string& text, const std::string& source);

// The files of a --headphones list; UsageError for two files with one stem (one id).
std::vector<HeadphoneModel> load_headphone_list(const std::vector<std::string>& files);

// The shipped set: every *.json in `dir`, sorted by name.
std::vector<HeadphoneModel> load_headphone_folder(const std::filesystem::path& dir);

}  // namespace outbench
