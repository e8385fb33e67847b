// The error vocabulary of outbench. main() turns each into one message on stderr and an exit code:
// UsageError and InputError exit 2 (bad arguments, unreadable or invalid files, configurations that do
// not make sense), WriteError exits 3 (an output file or folder that cannot be written). Each message says
// what, where and how to fix it.
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

// An output file or folder that cannot be written (no such folder, no permission, a full disk). The files it
// was to replace keep their old content (measure/files/atomic_write.hpp).
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace outbench
