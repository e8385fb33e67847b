// Typed access to JSON configuration files with errors that name the file, the JSON path of the field
// and what is expected, e.g.  bench.json: ports.line.output_channels[1]: expected an integer >= 0, got "a".
//
// Method: read_json_file parses strictly (size and depth limits, no key twice in an object); JsonReader
// wraps one value and its path, and each accessor checks the type and range it asks for.
// Conventions: every problem is an InputError naming file, path and expectation; an accessor with a
// fallback returns it for an absent key (a present key of the wrong type is still an error); keys nobody
// asks for are ignored unless the reader lists what it knows (only_keys: a misspelt key is then an error
// that names the nearest known one). Limits: kMaxJsonBytes, kMaxJsonDepth; numbers must be finite.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace outbench {

// Limits on JSON input files (device, bench, rules, results): larger or deeper files are refused.
inline constexpr std::size_t kMaxJsonBytes = std::size_t{16} << 20;  // 16 MiB
inline constexpr std::size_t kMaxJsonDepth = 64;                     // nested objects/arrays

// Open `path` for reading as a regular file (never blocks: a FIFO, device, socket or folder is refused);
// returns the file descriptor. InputError naming the file and what is wrong, `what` says what it was for
// ("sound file", "JSON file").
int open_input_file(const std::filesystem::path& path, const std::string& what);
// The bytes of `fd` (from open_input_file) to its end, at most max_bytes + 1 of them (a larger file, or one that
// grows while it is read, comes back one byte too long: the caller refuses it); closes fd. InputError naming the
// file on a read error.
std::string read_input_file(int fd, std::size_t max_bytes, const std::filesystem::path& path, const std::string& what);

// Parse a JSON file of at most kMaxJsonBytes and kMaxJsonDepth levels, without duplicate keys; InputError
// naming the file, the line/column and the field for every problem.
nlohmann::json read_json_file(const std::filesystem::path& path);

class JsonReader {
 public:
  JsonReader(const nlohmann::json& j, std::string source, std::string path = "")
      : j_(j), source_(std::move(source)), path_(std::move(path)) {}

  const nlohmann::json& json() const { return j_; }
  const std::string& path() const { return path_; }
  bool has(const std::string& key) const { return j_.is_object() && j_.contains(key); }
  JsonReader at(const std::string& key) const;  // required object member
  JsonReader at(std::size_t index) const;
  std::vector<std::string> keys() const;
  std::size_t size() const { return j_.is_array() ? j_.size() : 0; }

  double number(const std::string& key) const;
  double number(const std::string& key, double fallback) const;
  double number_in(const std::string& key, double lo, double hi) const;
  double number_in(const std::string& key, double lo, double hi, double fallback) const;
  int integer_in(const std::string& key, int lo, int hi) const;
  std::string string(const std::string& key) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::vector<int> int_list(const std::string& key, int lo, int hi) const;

  void require_object() const;
  // Every member of this object must be one of `known`; otherwise InputError naming the key, the nearest
  // known key and the list.
  void only_keys(std::initializer_list<const char*> known) const;
  void only_keys(const std::vector<const char*>& known) const;
  void require_array() const;
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;

 private:
  std::string member_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const nlohmann::json& j_;
  std::string source_;
  std::string path_;
};

}  // namespace outbench
