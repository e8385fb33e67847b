// The analysis self-test that `outbench run` runs before touching hardware passes on a correct analysis
// library (its refusal when it fails is tested in tests/selftest/).
#include <gtest/gtest.h>

#include "measure/engine/self_test.hpp"

namespace outbench {
namespace {

TEST(SelfTest, PassesOnTheAnalysisLibrary) {
  EXPECT_EQ(analysis_self_test(), "");
}

}  // namespace
}  // namespace outbench
