// A node of a JSON document with its path, for the validation of results files (results_check.cpp): typed
// accessors that throw InputError naming the file, the field's path (e.g. ports[0].loads[2].noise.
// unweighted_dbfs), what was expected and what was found. Conventions: "a number" is a finite JSON number;
// optional members may be absent, but when present must have the type. Limits: the node refers to the
// document and the source name it was made from; both must outlive it.
#pragma once

#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "measure/errors.hpp"

namespace outbench::results_check {

using nlohmann::json;

inline std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// A node of the document with its JSON path, e.g. ports[0].loads[2].response.points[5].
class Node {
 public:
  Node(const json& j, const std::string& src, std::string path) : j_(j), src_(src), path_(std::move(path)) {}

  const json& json_value() const { return j_; }
  const std::string& path() const { return path_; }
  bool has(const char* key) const { return j_.is_object() && j_.contains(key); }
  std::size_t size() const { return j_.size(); }

  [[noreturn]] void fail(const std::string& expected) const {
    throw InputError(src_ + ": " + (path_.empty() ? "(top level)" : path_) + ": expected " + expected + ", got " +
                     shown(j_));
  }
  [[noreturn]] void missing(const char* key, const std::string& expected) const {
    throw InputError(src_ + ": " + child_path(key) + ": expected " + expected + ", but it is missing");
  }

  Node member(const char* key, const std::string& expected) const {
    if (!has(key)) missing(key, expected);
    return Node(j_.at(key), src_, child_path(key));
  }
  Node item(std::size_t i) const { return Node(j_.at(i), src_, path_ + "[" + std::to_string(i) + "]"); }

  // Required members.
  Node obj(const char* key) const { return member(key, "an object").object(); }
  Node arr(const char* key) const { return member(key, "an array").array(); }
  void num(const char* key) const { member(key, "a number").number(); }
  void num_or_null(const char* key) const { member(key, "a number or null").number_or_null(); }
  void str(const char* key) const { member(key, "a string").string(); }
  void boolean(const char* key) const { member(key, "true or false").boolean(); }
  // Optional members: absent is fine, present must have the type.
  void opt_num_or_null(const char* key) const {
    if (has(key)) num_or_null(key);
  }
  void opt_num(const char* key) const {
    if (has(key)) num(key);
  }
  void opt_str(const char* key) const {
    if (has(key)) str(key);
  }
  void opt_bool(const char* key) const {
    if (has(key)) boolean(key);
  }
  // Optional string that must be one of `allowed`.
  void opt_one_of(const char* key, std::initializer_list<const char*> allowed) const {
    if (!has(key)) return;
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + a + "\"";
    const Node n = member(key, "one of " + list);
    if (n.j_.is_string())
      for (const char* a : allowed)
        if (n.j_.get<std::string>() == a) return;
    n.fail("one of " + list);
  }
  std::optional<Node> opt_obj(const char* key) const {
    if (!has(key)) return std::nullopt;
    return obj(key);
  }
  std::optional<Node> opt_arr(const char* key) const {
    if (!has(key)) return std::nullopt;
    return arr(key);
  }

  const Node& object() const {
    if (!j_.is_object()) fail("an object");
    return *this;
  }
  const Node& array() const {
    if (!j_.is_array()) fail("an array");
    return *this;
  }
  void number() const {
    if (!j_.is_number() || !std::isfinite(j_.get<double>())) fail("a number");
  }
  void number_or_null() const {
    if (!j_.is_null() && (!j_.is_number() || !std::isfinite(j_.get<double>()))) fail("a number or null");
  }
  void positive() const {
    if (!j_.is_number() || !std::isfinite(j_.get<double>()) || !(j_.get<double>() > 0)) fail("a number > 0");
  }
  // A finite number above lo (or at least lo, with lo_open false) and at most hi; `expected` names the range.
  void number_within(double lo, double hi, bool lo_open, const std::string& expected) const {
    if (!j_.is_number() || !std::isfinite(j_.get<double>())) fail(expected);
    const double v = j_.get<double>();
    if ((lo_open ? !(v > lo) : !(v >= lo)) || !(v <= hi)) fail(expected);
  }
  void string() const {
    if (!j_.is_string()) fail("a string");
  }
  void boolean() const {
    if (!j_.is_boolean()) fail("true or false");
  }
  bool flag(const char* key) const { return j_.at(key).get<bool>(); }  // after boolean(key)

 private:
  std::string child_path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  const json& j_;
  const std::string& src_;
  std::string path_;
};

// Each element of `a` is an object checked by `f`.
template <class F>
void each(const Node& a, F&& f) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Node e = a.item(i);
    e.object();
    f(e);
  }
}

}  // namespace outbench::results_check
