// Which tests of the plan a run plays (outbench run --tests LIST). Each name is a group of plan steps
// (docs/MEASUREMENTS.md "The plan"); a subset is resolved with its dependencies before anything is played,
// and the names and the dependencies added are stated (results.json conditions.tests, the run's notes).
//
// Conventions: names are lower case, as in kTestNames; the empty list means the whole plan. The synchronized
// sweep into each load ("response") always runs: the safety cap and the gain every other step uses come
// from it. Stimulus time is booked per step under the same names (plus "probe" and "floor", which run
// whenever the steps that need them run).
// Limits: a test whose load is not in the run (zout without the open load) is run but measures nothing;
// the results say why.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace outbench::engine {

struct TestInfo {
  const char* name;
  const char* what;
  const char* needs;  // the test this one needs besides the response ("" = none)
  const char* why;    // why it needs it
};
// The plan's tests in the order they run.
extern const std::vector<TestInfo> kTests;

// The names, comma-separated, e.g. "response, thdn, noise, ...".
std::string test_names();

struct TestSet {
  std::set<std::string> names;     // resolved (with dependencies)
  std::vector<std::string> added;  // sentences, e.g. "maxlevel (needed by noise: SNR and DR ...)"
  bool all = true;                 // the whole plan
  bool has(const std::string& name) const { return all || names.count(name) > 0; }
  std::vector<std::string> list() const;  // in plan order
};

// Resolves `asked` (empty: the whole plan). Throws std::invalid_argument naming the unknown test and the
// valid ones.
TestSet resolve_tests(const std::vector<std::string>& asked);

}  // namespace outbench::engine
