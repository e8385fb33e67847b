#include "measure/config/json_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>

#include "measure/errors.hpp"

namespace outbench {

int open_input_file(const std::filesystem::path& path, const std::string& what) {
  const std::string name = "'" + path.string() + "'";
  if (path.empty()) throw InputError("no " + what + " given (an empty file name)");
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string why;
    switch (err) {
      case ENOENT: why = "no such file"; break;
      case ENOTDIR: why = "a folder on its path is not a folder"; break;
      case EACCES: why = "permission denied"; break;
      case ENAMETOOLONG: why = "the file name is too long"; break;
      case ELOOP: why = "too many levels of symbolic links"; break;
      default: why = std::strerror(err);
    }
    throw InputError("cannot read " + what + " " + name + ": " + why);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    if (dir) throw InputError("cannot read " + what + " " + name + ": it is a folder; give a file");
    throw InputError("cannot read " + what + " " + name +
                     ": it is not a regular file (a pipe, device or socket); give a file");
  }
  return fd;
}

std::string read_input_file(int fd, std::size_t max_bytes, const std::filesystem::path& path, const std::string& what) {
  std::string text(max_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw InputError("cannot read " + what + " '" + path.string() + "': " + std::strerror(err));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

namespace {

// Line and column (from 1) of byte `offset` in `text`, nlohmann's convention (the column of the byte read last).
std::string position_of(const std::string& text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + (offset == 0 ? 1 : 0));
}

// Nesting deeper than kMaxJsonDepth: the position of the first bracket too deep (npos when within the limit).
std::size_t too_deep_at(const std::string& text) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::string::npos;
}

// The DOM builder of nlohmann::json, plus the JSON path of the value being read (for messages) and a check
// for duplicate keys (nlohmann keeps the last one silently).
class TrackingSax {
 public:
  using json = nlohmann::json;
  explicit TrackingSax(json& result) : dom_(result, false) {}

  bool null() { return value(dom_.null()); }
  bool boolean(bool v) { return value(dom_.boolean(v)); }
  bool number_integer(json::number_integer_t v) { return value(dom_.number_integer(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return value(dom_.number_unsigned(v)); }
  bool number_float(json::number_float_t v, const std::string& s) { return value(dom_.number_float(v, s)); }
  bool string(std::string& v) { return value(dom_.string(v)); }
  bool binary(json::binary_t& v) { return value(dom_.binary(v)); }
  bool start_object(std::size_t n) {
    frames_.push_back({false, 0, "", {}});
    return frames_.size() <= kMaxJsonDepth && dom_.start_object(n);
  }
  bool key(std::string& k) {
    auto& f = frames_.back();
    if (!f.keys.insert(k).second) {
      duplicate_key_ = f.key = k;
      return false;
    }
    f.key = k;
    return dom_.key(k);
  }
  bool end_object() {
    frames_.pop_back();
    return value(dom_.end_object());
  }
  bool start_array(std::size_t n) {
    frames_.push_back({true, 0, "", {}});
    return frames_.size() <= kMaxJsonDepth && dom_.start_array(n);
  }
  bool end_array() {
    frames_.pop_back();
    return value(dom_.end_array());
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string&, const Exception& ex) {
    error_position_ = position;
    error_ = ex.what();
    error_id_ = ex.id;
    return false;
  }

  // The JSON path of the value being read, e.g. "ports.line.output_channels[1]" ("(top level)" at the top).
  std::string path() const {
    std::string p;
    for (const auto& f : frames_) {
      if (f.array)
        p += "[" + std::to_string(f.index) + "]";
      else if (!f.key.empty() || !f.keys.empty())
        p += (p.empty() ? "" : ".") + f.key;
    }
    return p.empty() ? "(top level)" : p;
  }
  std::size_t depth() const { return frames_.size(); }
  const std::string& duplicate_key() const { return duplicate_key_; }
  std::size_t error_position() const { return error_position_; }
  const std::string& error() const { return error_; }
  int error_id() const { return error_id_; }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::set<std::string> keys;
  };
  bool value(bool ok) {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return ok;
  }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::vector<Frame> frames_;
  std::string duplicate_key_, error_;
  std::size_t error_position_ = 0;
  int error_id_ = 0;
};

// nlohmann's message without its "[json.exception...] " tag and "parse error at line L, column C: " prefix.
std::string parser_reason(std::string what) {
  if (const auto tag = what.find("] "); what.rfind("[json.exception", 0) == 0 && tag != std::string::npos)
    what = what.substr(tag + 2);
  if (what.rfind("parse error", 0) == 0)
    if (const auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
  return what;
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& path) {
  const std::string name = "'" + path.string() + "'";
  const int fd = open_input_file(path, "JSON file");
  std::string text;
  {
    struct stat st {};
    ::fstat(fd, &st);
    if (static_cast<std::uintmax_t>(st.st_size) > kMaxJsonBytes) {
      ::close(fd);
      throw InputError("cannot read JSON file " + name + ": it is " + std::to_string(st.st_size >> 20) +
                       " MiB; outbench reads JSON files up to 16 MiB");
    }
    text = read_input_file(fd, kMaxJsonBytes, path, "JSON file");
    if (text.size() > kMaxJsonBytes)
      throw InputError("cannot read JSON file " + name + ": it is larger than 16 MiB, the most outbench reads");
  }
  if (const auto deep = too_deep_at(text); deep != std::string::npos)
    throw InputError(name + " is not valid JSON for outbench: " + position_of(text, deep + 1) +
                     ": objects and arrays nested more than " + std::to_string(kMaxJsonDepth) +
                     " levels deep (outbench's limit)");
  nlohmann::json result;
  TrackingSax sax(result);
  if (nlohmann::json::sax_parse(text, &sax)) return result;
  if (!sax.duplicate_key().empty())
    throw InputError(name + " is not valid JSON for outbench: " + sax.path() + ": the key \"" + sax.duplicate_key() +
                     "\" appears twice in its object; keep one");
  if (sax.depth() > kMaxJsonDepth)  // the scan above finds these first; kept as a guard
    throw InputError(name + " is not valid JSON for outbench: at " + sax.path() + ": nested more than " +
                     std::to_string(kMaxJsonDepth) + " levels deep");
  std::string reason = parser_reason(sax.error());
  if (sax.error_id() == 406)  // a number beyond a double's range
    reason += " (numbers must be within +/-1.8e308)";
  throw InputError(name + " is not valid JSON: " + position_of(text, sax.error_position()) + ", near " + sax.path() +
                   ": " + reason);
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

namespace {

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

void JsonReader::only_keys(std::initializer_list<const char*> known) const {
  only_keys(std::vector<const char*>(known));
}

void JsonReader::only_keys(const std::vector<const char*>& known) const {
  if (!j_.is_object()) return;
  for (const auto& [key, value] : j_.items()) {
    bool ok = false;
    std::string nearest, list;
    std::size_t best = std::string::npos;
    for (const char* k : known) {
      ok = ok || key == k;
      list += std::string(list.empty() ? "" : ", ") + k;
      const std::size_t d = edit_distance(key, k);
      if (d < best) best = d, nearest = k;
    }
    if (ok) continue;
    // A near miss: within a third of the longer name's length (a dropped suffix such as "_db" included).
    const std::size_t near = std::max<std::size_t>(2, std::max(key.size(), nearest.size()) / 3);
    const std::string hint = best <= near ? " (did you mean \"" + nearest + "\"?)" : "";
    throw InputError(source_ + ": " + member_path(key) + ": unknown field" + hint + "; known here: " + list);
  }
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
