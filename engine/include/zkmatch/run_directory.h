// Writing a run's output directory atomically.
//
// All files are written into a fresh temporary directory beside the target (same filesystem),
// flushed with fsync, and the directory is renamed into place. A reader therefore sees either
// no directory, the previous one (when replacing with force), or the complete new one; never a
// half-written result. An existing target is replaced only when `force` is set. Missing
// parent directories are created first (like mkdir -p).
//
// Thread-safety: not for concurrent writers to the same target.
#ifndef ZKMATCH_RUN_DIRECTORY_H_
#define ZKMATCH_RUN_DIRECTORY_H_

#include <string>
#include <utility>
#include <vector>

namespace zkmatch {

struct OutputFile {
  std::string name;     // plain file name, no directories
  std::string content;
};

// Returns an empty string on success, otherwise a message saying what failed and what to do.
std::string WriteRunDirectory(const std::string& dir, const std::vector<OutputFile>& files,
                              bool force);

// Writes one file atomically: a temporary sibling is written, flushed and renamed over `path`
// (replacing an existing file), so a reader sees the old bytes or the new, never a mix. The
// parent directory must exist. Returns an empty string on success, otherwise what failed.
std::string WriteFileAtomically(const std::string& path, const std::string& content);

// The temporary sibling WriteFileAtomically would use, for writers that must produce the file
// themselves (a library that only writes to a path); pair it with CommitTemporaryFile.
// Returns the path of a new, empty file, or an empty string with `*error` set.
std::string CreateTemporarySibling(const std::string& path, std::string* error);
// Flushes `temporary` and renames it to `path`; removes it on failure. Empty on success.
std::string CommitTemporaryFile(const std::string& temporary, const std::string& path);

}  // namespace zkmatch

#endif  // ZKMATCH_RUN_DIRECTORY_H_
