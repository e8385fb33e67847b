// The kinds' string tables (config/kinds.hpp) and the one printf-style formatter (measure/strformat.hpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "measure/config/kinds.hpp"
#include "measure/strformat.hpp"

namespace outbench {
namespace {

// Every kind reads back from its own word; the words are those of the bench files and the README.
TEST(Kinds, LoadSwitchWordsRoundTrip) {
  for (const auto& [kind, word] : kLoadSwitchKindNames) {
    EXPECT_EQ(parse_load_switch_kind(word), kind) << word;
    EXPECT_EQ(load_switch_kind_name(kind), word);
  }
  EXPECT_EQ(load_switch_kind_name(LoadSwitchKind::serial), "serial");
  EXPECT_EQ(parse_load_switch_kind("command"), LoadSwitchKind::command);
  EXPECT_FALSE(parse_load_switch_kind("relay"));
  EXPECT_FALSE(parse_load_switch_kind("Serial"));  // the words are exact
  EXPECT_FALSE(parse_load_switch_kind(""));
  EXPECT_EQ(load_switch_kind_list(), "\"simulated\", \"manual\", \"serial\" or \"command\"");
}

TEST(Kinds, PortWordsRoundTrip) {
  for (const auto& [kind, word] : kPortKindNames) EXPECT_EQ(parse_port_kind(word), kind) << word;
  EXPECT_EQ(port_kind_name(PortKind::headphone), "headphone");
  EXPECT_EQ(parse_port_kind("line"), PortKind::line);
  EXPECT_FALSE(parse_port_kind("speaker"));
  EXPECT_EQ(port_kind_list(), "line, headphone");
}

// strformat writes what snprintf writes, also past its 256-character first attempt.
TEST(StrFormat, MatchesSnprintf) {
  EXPECT_EQ(strformat("%.3g mW", 1234.5), "1.23e+03 mW");
  EXPECT_EQ(strformat("%.0f s", 2.5), "2 s");  // round half to even, as printf
  EXPECT_EQ(strformat("%g", 0.1), "0.1");
  EXPECT_EQ(strformat("%03d-%s", 7, "line"), "007-line");
  const std::string long_word(300, 'x');
  const std::string s = strformat("[%s] %.2f", long_word.c_str(), 3.14159);
  EXPECT_EQ(s, "[" + long_word + "] 3.14");
  EXPECT_EQ(s.size(), 307u);
  const std::string edge(255, 'y');  // 255 characters fit the first buffer with its terminating zero
  EXPECT_EQ(strformat("%s", edge.c_str()), edge);
  EXPECT_EQ(strformat("%s!", edge.c_str()), edge + "!");
}

}  // namespace
}  // namespace outbench
