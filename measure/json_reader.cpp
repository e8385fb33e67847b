#include "measure/json_reader.hpp"

#include <fstream>
#include <sstream>

#include "measure/errors.hpp"

namespace outbench {

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw InputError("cannot read '" + path.string() +
                     "': " + (std::filesystem::exists(path) ? "permission denied" : "no such file"));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("'" + path.string() + "' is not valid JSON: " + e.what());
  }
}

namespace {
std::string shown(const nlohmann::json& v) {
  const std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}
}  // namespace

void JsonReader::fail(const std::string& key, const std::string& expected) const {
  const std::string p = key.empty() ? (path_.empty() ? "(top level)" : path_) : member_path(key);
  std::string got;
  if (!key.empty() && j_.is_object() && j_.contains(key)) got = ", got " + shown(j_.at(key));
  if (!key.empty() && !(j_.is_object() && j_.contains(key))) got = ", but it is missing";
  throw InputError(source_ + ": " + p + ": expected " + expected + got);
}

void JsonReader::require_object() const {
  if (!j_.is_object())
    throw InputError(source_ + ": " + (path_.empty() ? "(top level)" : path_) + ": expected an object, got " +
                     shown(j_));
}
void JsonReader::require_array() const {
  if (!j_.is_array())
    throw InputError(source_ + ": " + (path_.empty() ? "(top level)" : path_) + ": expected an array, got " +
                     shown(j_));
}

JsonReader JsonReader::at(const std::string& key) const {
  require_object();
  if (!j_.contains(key)) fail(key, "a value");
  return JsonReader(j_.at(key), source_, member_path(key));
}

JsonReader JsonReader::at(std::size_t index) const {
  require_array();
  return JsonReader(j_.at(index), source_, path_ + "[" + std::to_string(index) + "]");
}

std::vector<std::string> JsonReader::keys() const {
  require_object();
  std::vector<std::string> k;
  for (auto it = j_.begin(); it != j_.end(); ++it) k.push_back(it.key());
  return k;
}

double JsonReader::number(const std::string& key) const {
  require_object();
  if (!j_.contains(key) || !j_.at(key).is_number()) fail(key, "a number");
  return j_.at(key).get<double>();
}
double JsonReader::number(const std::string& key, double fallback) const {
  return has(key) ? number(key) : fallback;
}
double JsonReader::number_in(const std::string& key, double lo, double hi) const {
  const double v = has(key) && j_.at(key).is_number() ? j_.at(key).get<double>() : (fail(key, "a number"), 0.0);
  if (!(v >= lo && v <= hi)) {
    std::ostringstream e;
    e << "a number from " << lo << " to " << hi;
    fail(key, e.str());
  }
  return v;
}
double JsonReader::number_in(const std::string& key, double lo, double hi, double fallback) const {
  return has(key) ? number_in(key, lo, hi) : fallback;
}
int JsonReader::integer_in(const std::string& key, int lo, int hi) const {
  require_object();
  if (!j_.contains(key) || !j_.at(key).is_number_integer() || j_.at(key).get<long long>() < lo ||
      j_.at(key).get<long long>() > hi)
    fail(key, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return j_.at(key).get<int>();
}
std::string JsonReader::string(const std::string& key) const {
  require_object();
  if (!j_.contains(key) || !j_.at(key).is_string()) fail(key, "a string");
  return j_.at(key).get<std::string>();
}
std::string JsonReader::string(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}
bool JsonReader::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  if (!j_.at(key).is_boolean()) fail(key, "true or false");
  return j_.at(key).get<bool>();
}
std::vector<int> JsonReader::int_list(const std::string& key, int lo, int hi) const {
  require_object();
  if (!j_.contains(key) || !j_.at(key).is_array() || j_.at(key).empty())
    fail(key, "a non-empty list of integers from " + std::to_string(lo) + " to " + std::to_string(hi));
  std::vector<int> out;
  const auto& a = j_.at(key);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_number_integer() || a[i].get<long long>() < lo || a[i].get<long long>() > hi)
      throw InputError(source_ + ": " + member_path(key) + "[" + std::to_string(i) + "]: expected an integer from " +
                       std::to_string(lo) + " to " + std::to_string(hi) + ", got " + shown(a[i]));
    out.push_back(a[i].get<int>());
  }
  return out;
}

}  // namespace outbench
