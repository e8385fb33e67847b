// Shared by the libFuzzer targets: the readers under test take file names, so each input is written to a
// per-process temporary file first. The oracle: a reader either returns or throws InputError/UsageError
// (the clear, specific errors the CLI maps to exit code 2); a crash, a sanitizer report, any other
// exception (escaping as std::terminate) or a leak is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "measure/errors.hpp"

namespace outbench::fuzz {

// A per-process folder in the temporary directory, removed when the fuzzer exits normally.
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("outbench_fuzz_" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size, const std::string& name) {
  static const TempDir dir;
  const auto p = dir.path / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return p;
}

// Run `f`; the expected errors are swallowed, anything else propagates.
template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const InputError&) {
  } catch (const UsageError&) {
  }
}

// Structure-aware mode for the JSON targets: byte mutations of a valid file rarely change its structure, so
// an input that does not start like JSON ('{', '[' or white space) is read as up to 8 edits of the seed
// document instead. Each edit walks down from the root (each byte below 0x80 chooses a child; a byte with
// the top bit set stops there) and the next byte chooses what to put there: a value of another type, an
// extreme number, an empty or hostile string, an empty container.
inline nlohmann::json edited(nlohmann::json doc, const std::uint8_t* data, std::size_t size) {
  using nlohmann::json;
  const json values[] = {
      nullptr,       true, -1,  0,           1e308, -1e308,        4.9e-324,       2147483648.0,
      -2147483649.0, "",   "x", "</script>", "\"",  json::array(), json::object(), json::array({1, "a"})};
  std::size_t i = 0;
  for (int edit = 0; edit < 8 && i < size; ++edit) {
    json* node = &doc;
    while (i < size && (node->is_object() || node->is_array()) && !node->empty() && !(data[i] & 0x80)) {
      const std::size_t k = data[i++] % node->size();
      auto it = node->begin();
      std::advance(it, static_cast<long>(k));
      node = &*it;
    }
    if (i < size && (data[i] & 0x80)) ++i;  // the stop byte
    if (i >= size) break;
    *node = values[data[i++] % (sizeof values / sizeof values[0])];
  }
  return doc;
}

// The input as a JSON file: itself when it starts like JSON, else the seed document edited by it.
inline std::filesystem::path json_input(const std::uint8_t* data, std::size_t size, const std::string& name,
                                        const std::filesystem::path& seed) {
  if (size == 0 || data[0] == '{' || data[0] == '[' || data[0] == ' ' || data[0] == '\n')
    return input_file(data, size, name);
  static const nlohmann::json doc = [&] {
    std::ifstream in(seed);
    return nlohmann::json::parse(in);
  }();
  const std::string text = edited(doc, data + 1, size - 1).dump();
  return input_file(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), name);
}

}  // namespace outbench::fuzz
