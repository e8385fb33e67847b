#include "measure/results.hpp"

namespace outbench {

bool Results::calibrated() const {
  return conditions.input_vrms_at_0dbfs.has_value();
}

}  // namespace outbench
