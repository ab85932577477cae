// Writing a run's output directory atomically.
//
// All files are written into a fresh temporary directory beside the target (same filesystem),
// ".NAME.zkmatch-tmp-PID-XXXXXX", each file and the directory flushed with fsync, and the
// directory is renamed into place (renameat2 RENAME_NOREPLACE). An existing target is replaced
// only when `force` is set, by swapping the two directories in one step (RENAME_EXCHANGE) and
// then deleting the old one, so the target always holds a complete run: the previous one until
// the swap, the new one after. A reader, or a process killed at any moment, therefore sees no
// directory, the previous one or the complete new one; never a half-written result. Temporary
// directories left by killed runs (their PID no longer alive) are removed by the next write to
// the same target. Missing parent directories are created first (like mkdir -p). On failure
// (a full disk, an unwritable or read-only place) nothing is left and the message says so.
// Files named inputs/NAME (copy_of set) are linked or copied into the temporary directory with
// the others, and their digests checked, before the rename: the bundle is complete or absent.
//
// Thread-safety: not for concurrent writers to the same target.
#ifndef ZKMATCH_RUN_DIRECTORY_H_
#define ZKMATCH_RUN_DIRECTORY_H_

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "zkmatch/status.h"

namespace zkmatch {

struct OutputFile {
  std::string name;     // plain file name, or inputs/NAME for a file of the run bundle
  std::string content;
  // When set, the file holds this file's bytes instead of `content` (a run bundle's copy of an
  // input): a byte-identical copy, or with `link` a hard link where the file system allows. Its SHA-256
  // must then be `sha256` (the digest of the bytes the run parsed): a file that changed since
  // it was read is refused and nothing is written.
  std::string copy_of = {};
  std::string sha256 = {};
  // With copy_of: hard-link instead of copying where the file system allows. A link shares the
  // bytes: an original edited in place later changes the run's copy, so copying is the default.
  bool link = false;
  // With copy_of and link: copy_of is a copy this run made and checked itself (StagedInputs),
  // so the linked file is not hashed again.
  bool verified = false;
};

// A run bundle's input copies made while the run goes on (`run` starts them once the inputs
// are parsed, so that copying and flushing gigabytes overlaps matching and rendering): each
// file is copied into a temporary sibling of the target (".NAME.zkmatch-tmp-PID-inputs-XXXXXX",
// so a killed run's leftover is removed by the next write) by the kernel (copy_file_range;
// through a buffer where it cannot), read back and hashed -- the digest is of the copy itself
// -- and flushed, on another thread. Finish hands the checked copies to WriteRunDirectory, which links
// them into the run directory. Purely a saving: when a copy cannot be made here (no parent
// directory yet, no room, a file changed since it was parsed), Finish leaves the files as they
// were and WriteRunDirectory copies, checks and reports as it always does.
// Thread-safety: one owner. The destructor waits for the copies and removes the sibling (the
// run directory's links keep the bytes).
class StagedInputs {
 public:
  // `sources`: (path read, SHA-256 of the bytes parsed), each copied once.
  StagedInputs(const std::string& dir, std::vector<std::pair<std::string, std::string>> sources);
  ~StagedInputs();
  StagedInputs(const StagedInputs&) = delete;
  StagedInputs& operator=(const StagedInputs&) = delete;
  // Waits for the copies; when all were made and match their digests, points every file of
  // `files` copying one of them at its checked copy (link, verified).
  void Finish(std::vector<OutputFile>* files);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Ok, or a Status saying what failed and what to do: kBadInput when the target exists (and
// `force` is not set) or is not a directory, kIoError when the machine refused a step.
Status WriteRunDirectory(const std::string& dir, const std::vector<OutputFile>& files,
                              bool force);

// Writes one file atomically: a temporary sibling is written, flushed and renamed over `path`
// (replacing an existing file), so a reader sees the old bytes or the new, never a mix. The
// parent directory must exist. Ok, or kIoError saying what failed.
Status WriteFileAtomically(const std::string& path, const std::string& content);

// The temporary sibling WriteFileAtomically would use, for writers that must produce the file
// themselves (a library that only writes to a path); pair it with CommitTemporaryFile.
// Returns the path of a new, empty file, or kIoError.
Result<std::string> CreateTemporarySibling(const std::string& path);
// Flushes `temporary` and renames it to `path`; removes it on failure (kIoError).
Status CommitTemporaryFile(const std::string& temporary, const std::string& path);

}  // namespace zkmatch

#endif  // ZKMATCH_RUN_DIRECTORY_H_
