// A sum of n terms in four interleaved partial sums: one chain of dependent additions is bound by the adder's
// latency, four run side by side. The result may differ from the one-chain sum in its last bits.
#pragma once

#include <cstddef>

namespace outbench {

// sum over i in [0, n) of term(i), term returning double.
template <class Term>
double sum_in_four(std::size_t n, Term&& term) {
  double acc[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (std::size_t j = 0; j < 4; ++j) acc[j] += term(i + j);
  for (; i < n; ++i) acc[0] += term(i);
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

}  // namespace outbench
