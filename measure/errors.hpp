// Errors the CLI turns into a message on stderr and exit code 2: bad arguments, unreadable or invalid
// files, configurations that do not make sense. Each message says what, where and how to fix it.
#pragma once

#include <stdexcept>
#include <string>

namespace outbench {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An input file (sound file, JSON) that cannot be read or is not valid.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace outbench
