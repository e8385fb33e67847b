// The kinds a bench file names with a word: output port kinds and load-switch kinds, each an enum with one
// string table (the words in the JSON files and in messages; they do not change).
//
// Conventions: parse_* returns nothing for a word that is not in the table (the caller reports it with the
// file and the field); *_name() gives the word back; *_list() is the table for messages, in table order.
// Limits: a bench's ports are named freely ("ports": {"NAME": ...}); a name that is a PortKind is the
// standard port of that kind (reported as absent when the bench lacks it).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace outbench {

enum class PortKind { line, headphone };
inline constexpr std::array<std::pair<PortKind, std::string_view>, 2> kPortKindNames{
    {{PortKind::line, "line"}, {PortKind::headphone, "headphone"}}};

// bench file "load_switch": {"type": ...}
enum class LoadSwitchKind { simulated, manual, serial, command };
inline constexpr std::array<std::pair<LoadSwitchKind, std::string_view>, 4> kLoadSwitchKindNames{
    {{LoadSwitchKind::simulated, "simulated"},
     {LoadSwitchKind::manual, "manual"},
     {LoadSwitchKind::serial, "serial"},
     {LoadSwitchKind::command, "command"}}};

namespace kinds_detail {
template <class E, std::size_t N>
constexpr std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view word) {
  for (const auto& [kind, name] : table)
    if (name == word) return kind;
  return std::nullopt;
}
template <class E, std::size_t N>
constexpr std::string_view name(const std::array<std::pair<E, std::string_view>, N>& table, E kind) {
  for (const auto& [k, n] : table)
    if (k == kind) return n;
  return "?";
}
// "a, b, c" (separator ", ") or "\"a\", \"b\" or \"c\"" (quoted, for "expected ..." messages).
template <class E, std::size_t N>
std::string list(const std::array<std::pair<E, std::string_view>, N>& table, bool quoted) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += quoted && i + 1 == N ? " or " : ", ";
    if (quoted) out += '"';
    out.append(table[i].second);
    if (quoted) out += '"';
  }
  return out;
}
}  // namespace kinds_detail

constexpr std::optional<PortKind> parse_port_kind(std::string_view word) {
  return kinds_detail::parse(kPortKindNames, word);
}
constexpr std::string_view port_kind_name(PortKind kind) {
  return kinds_detail::name(kPortKindNames, kind);
}
inline std::string port_kind_list() {  // "line, headphone"
  return kinds_detail::list(kPortKindNames, false);
}

constexpr std::optional<LoadSwitchKind> parse_load_switch_kind(std::string_view word) {
  return kinds_detail::parse(kLoadSwitchKindNames, word);
}
constexpr std::string_view load_switch_kind_name(LoadSwitchKind kind) {
  return kinds_detail::name(kLoadSwitchKindNames, kind);
}
inline std::string load_switch_kind_list() {  // "\"simulated\", \"manual\", \"serial\" or \"command\""
  return kinds_detail::list(kLoadSwitchKindNames, true);
}

}  // namespace outbench
