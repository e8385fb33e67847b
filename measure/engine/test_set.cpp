#include "measure/engine/test_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace outbench::engine {

const std::vector<TestInfo> kTests{
    {"response", "synchronized sweep into every load: response, gain, the safety cap (always runs)", "", ""},
    {"thdn", "997 Hz tone at the reference level: THD+N, spectrum, balance", "", ""},
    {"noise", "idle noise and the -60 dBFS tone: noise, SNR, dynamic range, muting", "maxlevel",
     "SNR and dynamic range are relative to the maximum level"},
    {"crosstalk", "crosstalk at 80 Hz, 997 Hz and 10 kHz into every load", "", ""},
    {"maxlevel", "THD+N versus level up to the maximum level (1 % and 0.1 %)", "", ""},
    {"levels", "THD+N at the nominal line levels (line load) and at 1 mW", "", ""},
    {"zout", "output impedance from the open load versus each load, ground return", "", ""},
    {"thdn-freq", "THD+N versus frequency into the nominal load (and near the maximum level)", "maxlevel",
     "its second series plays 6 dB below the nominal load's 1 % point"},
    {"crosstalk-freq", "crosstalk versus frequency into the nominal load", "", ""},
    {"volume", "the volume control stepped 0 to -60 dB into the nominal load: gain error, balance", "", ""},
    {"imd", "SMPTE and CCIF intermodulation into the nominal load, versus level up to the maximum level", "maxlevel",
     "its series ends at each channel's 1 % point"},
    {"multitone",
     "one multitone (31 third-octave tones) into the nominal load: response and distortion + noise "
     "versus frequency (with --quick it replaces the thdn-freq tone list)",
     "", ""},
    {"dc", "DC offset per channel at the load (32 ohm, else the nominal load): loopback when DC-coupled, else a meter",
     "", ""},
    {"transients", "the output across the stream starting and stopping (32 ohm, else the nominal load): peak, duration",
     "", ""},
};

std::string test_names() {
  std::string s;
  for (const auto& t : kTests) s += (s.empty() ? "" : ", ") + std::string(t.name);
  return s;
}

namespace {

const TestInfo* find_test(const std::string& name) {
  for (const auto& t : kTests)
    if (name == t.name) return &t;
  return nullptr;
}

}  // namespace

std::vector<std::string> TestSet::list() const {
  std::vector<std::string> out;
  for (const auto& t : kTests)
    if (has(t.name)) out.push_back(t.name);
  return out;
}

TestSet resolve_tests(const std::vector<std::string>& asked) {
  TestSet ts;
  if (asked.empty()) return ts;
  ts.all = false;
  for (const auto& n : asked)
    if (!find_test(n))
      throw std::invalid_argument("--tests: '" + n + "' is not a test of the plan (tests: " + test_names() + ")");
  ts.names.insert(asked.begin(), asked.end());
  if (!ts.names.count("response")) {
    ts.names.insert("response");
    ts.added.push_back("response (the sweep into each load sets the safety cap and the gain every step uses)");
  }
  // Dependencies, to a fixed point (a test added may need another).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& t : kTests) {
      if (!ts.names.count(t.name)) continue;
      if (*t.needs && ts.names.insert(t.needs).second) {
        ts.added.push_back(std::string(t.needs) + " (needed by " + t.name + ": " + t.why + ")");
        grew = true;
      }
    }
  }
  return ts;
}

}  // namespace outbench::engine
