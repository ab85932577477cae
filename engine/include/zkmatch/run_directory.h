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

}  // namespace zkmatch

#endif  // ZKMATCH_RUN_DIRECTORY_H_
