// Atomic, durable file writes: every file is written to a temporary beside its target (NAME.tmp<pid>),
// flushed to disk (fsync) and renamed into place, then the folder is fsynced: a crash or a full disk leaves
// the old file or the new one, never a torn one. Several files can be replaced as one (all or none).
// Conventions: a symlink is followed (its target is replaced); failures throw WriteError naming the file.
// Limits: the temporaries need room beside the target; "all or none" holds against failed writes and
// renames, not against a crash between two renames (each file is then whole, but the pair may be mixed).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace outbench {

// NAME.tmp<pid> beside `path`: where a write of `path` by this process goes before its rename
// (remove_stale_temps finds those a killed process left).
std::filesystem::path temp_path_beside(const std::filesystem::path& path);

// Write `text` to `path` atomically and durably: a temporary file beside it (same permissions as the file it
// replaces), fsync, rename, fsync of the folder. A symlink is followed: its target is replaced.
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

// Several files as one: each is written to a temporary beside it (fsync) first; only when all are written
// are they renamed into place. When anything fails (a full disk, a rename), every file keeps its old content
// (or stays absent) and WriteError names the file that failed.
struct TextFile {
  std::filesystem::path path;
  std::string text;
};
void write_texts_atomic(const std::vector<TextFile>& files);
// Tests only: the rename write_texts_atomic uses (nullptr: ::rename), to fail one on purpose.
void set_rename_for_tests(int (*rename_fn)(const char*, const char*));

// The temporary files a killed outbench left in `dir`: NAME.tmp<pid> and NAME.old.tmp<pid> where NAME is one of
// `names` ("*.wav": any name ending in .wav) and process <pid> no longer runs. Removes them; returns them.
std::vector<std::filesystem::path> remove_stale_temps(const std::filesystem::path& dir,
                                                      const std::vector<std::string>& names);

}  // namespace outbench
