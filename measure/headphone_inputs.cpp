#include "measure/headphone_inputs.hpp"

namespace outbench {

void predict_headphones(Results& r, const std::vector<HeadphoneModel>& set) {
  for (auto& p : r.ports) {
    p.headphones.clear();
    if (!p.present) continue;
    for (const auto& hp : set) {
      PortResult::Headphone h;
      h.prediction = predict_headphone(p.impedance, hp);
      if (p.impedance.empty()) h.prediction.problem = "the output impedance of the " + p.name + " out was not measured";
      for (const auto& c : p.channels) {
        if (c.impedance.empty()) continue;
        const auto cp = predict_headphone(c.impedance, hp);
        h.channels.push_back({c.channel, cp.max_deviation_db, cp.max_deviation_u95_db});
      }
      p.headphones.push_back(std::move(h));
    }
  }
}

}  // namespace outbench
