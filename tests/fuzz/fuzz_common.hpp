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
#include <string>

#include "measure/errors.hpp"

namespace outbench::fuzz {

inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size, const std::string& name) {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("outbench_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto p = dir / name;
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

}  // namespace outbench::fuzz
