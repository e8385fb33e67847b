// CSV export of a results.json: what spreadsheet and REW users read (outbench export results.json --csv DIR).
//
// Method: generic over the results, so every field a run writes is exported without a list to keep in step.
//  - Every array of objects (a curve or a table: response points, |Zout| points, THD+N versus level, the
//    verdicts' rules, ...) becomes one CSV: one row per element, one column per scalar field of the elements.
//    Fields that hold objects or arrays of objects are exported as their own CSVs; a short array of numbers
//    (e.g. band_hz [20, 20000]) is one cell "20:20000".
//  - Every other scalar field goes to figures.csv as one row: where it is (a readable path), the field, the
//    value, the unit.
//  - Units come from the field names (the results' naming rule: freq_hz, level_dbfs, z_ohms, duration_s):
//    a header cell reads "freq_hz (Hz)"; fields without a unit suffix have a bare header. A field that is a
//    unit's name alone ("vrms", "mw", "dbv") carries it; "_percent" is "%", "_ppm_per_min" "ppm/min". A word
//    in a field that names a unit (the open load's load_ohms "open") is not a number of it: an empty cell in
//    a table (the element's name column names it), no unit in figures.csv.
//  - File names follow the path with names instead of indices where the element has one (a port's "name",
//    a load's "load", a verdict's "id", a harmonic's "order"): line_32_response_points.csv.
// Limits: text cells are quoted (RFC 4180: a quote doubles); numbers are written with up to 9 significant
// digits; null (a figure that was not measured) is an empty cell.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace outbench {

struct CsvFile {
  std::string name;  // file name, e.g. "line_open_response_points.csv"
  std::string text;
};

// The unit a field name carries ("Hz" for freq_hz, "dBFS" for level_dbfs, "" when none).
std::string unit_of_field(const std::string& field);

// The CSV files of one results.json (already checked with check_results_schema). figures.csv first.
std::vector<CsvFile> export_results_csv(const nlohmann::json& results);

}  // namespace outbench
