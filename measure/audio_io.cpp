#include "measure/audio_io.hpp"

#include <cmath>

namespace outbench {

bool Load::is_open() const {
  return !std::isfinite(actual_ohms) || actual_ohms <= 0;
}

}  // namespace outbench
