#include "measure/files/atomic_write.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "measure/errors.hpp"

namespace outbench {

std::filesystem::path temp_path_beside(const std::filesystem::path& path) {
  auto tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  return tmp;
}

namespace {

// A symlinked file (a bench file kept elsewhere) is replaced at its target, even when that does not exist yet.
std::filesystem::path resolve_link(const std::filesystem::path& path_in) {
  std::error_code ec;
  if (!std::filesystem::is_symlink(path_in, ec)) return path_in;
  const auto target = std::filesystem::read_symlink(path_in, ec);
  if (ec) return path_in;
  return target.is_absolute() ? target : path_in.parent_path() / target;
}

int (*g_rename)(const char*, const char*) = ::rename;

std::filesystem::path folder_of(const std::filesystem::path& p) {
  return p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
}

void fsync_folder(const std::filesystem::path& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// `text` into `tmp`, on disk (fsync), with the permissions of the file `path` it will replace (a new file
// gets 0666 less the umask). On failure `tmp` is removed and WriteError names `path`.
void write_temp(const std::filesystem::path& path, const std::filesystem::path& tmp, const std::string& text) {
  mode_t mode = 0666;
  bool replacing = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
    replacing = true;
  }
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    throw WriteError("cannot write '" + path.string() + "': cannot create a file in its folder (" +
                     std::strerror(errno) + ")");
  auto fail = [&](const std::string& why) {
    ::close(fd);
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw WriteError("cannot write '" + path.string() + "': " + why);
  };
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(std::string("write failed (") + std::strerror(errno) + "; disk full?)");
    done += static_cast<std::size_t>(n);
  }
  if (replacing) ::fchmod(fd, mode);  // the umask may have narrowed it
  // On disk before it replaces the old file: a crash leaves the old or the new file, never a torn one.
  if (::fsync(fd) != 0) fail(std::string("fsync failed (") + std::strerror(errno) + ")");
  ::close(fd);
}

}  // namespace

void set_rename_for_tests(int (*rename_fn)(const char*, const char*)) {
  g_rename = rename_fn ? rename_fn : ::rename;
}

void write_text_atomic(const std::filesystem::path& path, const std::string& text) {
  write_texts_atomic({{path, text}});
}

void write_texts_atomic(const std::vector<TextFile>& files) {
  struct Entry {
    std::filesystem::path path, tmp, backup;
    bool existed = false, written = false, backed_up = false;
  };
  std::vector<Entry> es;
  std::error_code ec;
  auto discard = [&] {  // temporary files and backups, nothing else
    for (const auto& e : es) {
      if (e.written) std::filesystem::remove(e.tmp, ec);
      if (e.backed_up) std::filesystem::remove(e.backup, ec);
    }
  };
  // 1. Every file into its temporary: a failure here (disk full) leaves all the old files as they were.
  try {
    for (const auto& f : files) {
      Entry e;
      e.path = resolve_link(f.path);
      e.tmp = temp_path_beside(e.path);
      struct stat st {};
      e.existed = ::lstat(e.path.c_str(), &st) == 0;
      write_temp(e.path, e.tmp, f.text);
      e.written = true;
      es.push_back(e);
    }
    // 2. With several files, a second name for each old file (a hard link: no space needed; a copy where the
    //    file system has no hard links), so a failed rename can put the files renamed before it back.
    if (es.size() > 1)
      for (auto& e : es) {
        if (!e.existed) continue;
        if (!std::filesystem::is_regular_file(e.path, ec))  // a folder in the way: fail before replacing anything
          throw WriteError("cannot write '" + e.path.string() + "': it is not a file (a folder?): remove it");
        e.backup = e.path;
        e.backup += ".old";
        e.backup = temp_path_beside(e.backup);
        std::filesystem::remove(e.backup, ec);
        if (::link(e.path.c_str(), e.backup.c_str()) != 0) {
          std::filesystem::copy_file(e.path, e.backup, ec);
          if (ec)
            throw WriteError("cannot write '" + e.path.string() + "': cannot keep a copy of the old file (" +
                             ec.message() + ")");
        }
        e.backed_up = true;
      }
  } catch (...) {
    discard();
    throw;
  }
  // 3. The renames. A failure puts the files renamed so far back to their old content (or removes them
  //    when they are new): all files are replaced, or none.
  for (std::size_t i = 0; i < es.size(); ++i) {
    if (g_rename(es[i].tmp.c_str(), es[i].path.c_str()) == 0) continue;
    std::string why = "cannot write '" + es[i].path.string() + "': " + std::strerror(errno);
    for (std::size_t k = 0; k < i; ++k) {
      std::error_code ek;
      if (es[k].backed_up)
        std::filesystem::rename(es[k].backup, es[k].path, ek);
      else
        std::filesystem::remove(es[k].path, ek);
      if (ek) why += "; and '" + es[k].path.string() + "' could not be put back (" + ek.message() + ")";
      es[k].backed_up = false;
    }
    discard();
    throw WriteError(why);
  }
  for (auto& e : es)
    if (e.backed_up) std::filesystem::remove(e.backup, ec);
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : es)
    if (std::find(dirs.begin(), dirs.end(), folder_of(e.path)) == dirs.end()) dirs.push_back(folder_of(e.path));
  for (const auto& d : dirs) fsync_folder(d);
}

std::vector<std::filesystem::path> remove_stale_temps(const std::filesystem::path& dir,
                                                      const std::vector<std::string>& names) {
  std::vector<std::filesystem::path> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code ee;
    if (!entry.is_regular_file(ee) || entry.is_symlink(ee)) continue;
    const std::string n = entry.path().filename().string();
    // NAME.tmp<pid> (temp_beside) or NAME.old.tmp<pid> (the backups of write_texts_atomic).
    const auto t = n.rfind(".tmp");
    if (t == std::string::npos || t + 4 == n.size() || n.size() - t - 4 > 9) continue;
    const std::string digits = n.substr(t + 4);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    std::string base = n.substr(0, t);
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".old") == 0) base.resize(base.size() - 4);
    const bool ours = std::any_of(names.begin(), names.end(), [&](const std::string& want) {
      if (!want.empty() && want[0] == '*')
        return base.size() > want.size() - 1 &&
               base.compare(base.size() - (want.size() - 1), want.size() - 1, want, 1, std::string::npos) == 0;
      return base == want;
    });
    if (!ours) continue;
    const long pid = std::stol(digits);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // that process still runs
    if (std::filesystem::remove(entry.path(), ee)) removed.push_back(entry.path());
  }
  return removed;
}

}  // namespace outbench
