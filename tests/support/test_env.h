// Test-only helpers shared by the test binaries: locating the source tree and the zkmatch
// binary, temporary directories, running the command line, reading files.
#ifndef ZKMATCH_TESTS_SUPPORT_TEST_ENV_H_
#define ZKMATCH_TESTS_SUPPORT_TEST_ENV_H_

#include <string>

namespace zkmatch::testing {

// Absolute path of the source tree (for fixtures/).
std::string SourceDir();
// Absolute path of the zkmatch binary built with the tests.
std::string ZkmatchBinary();

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `/bin/sh -c "cd <cwd> && <command>"`, capturing stdout and stderr separately.
CommandResult RunCommand(const std::string& command, const std::string& cwd);

// The bytes of `path`. A path DIR/audit.jsonl where the run stored its log compressed
// (DIR/audit.jsonl.zst, no DIR/audit.jsonl) reads the log's lines, decompressed (libzstd
// itself, not the engine's reader); WriteBytes (forge.h) writes such a path back compressed.
std::string ReadFile(const std::string& path);
bool IsCompressedAuditLog(const std::string& path);
std::string ZstdDecompress(const std::string& compressed);  // throws on bytes that are not zstd
std::string ZstdCompress(const std::string& text);          // one frame, level 3
std::string ZstdCompressUnsized(const std::string& text);   // one frame that does not record its size
bool FileExists(const std::string& path);

// Golden files (expected outputs and messages under fixtures/) are compared byte for byte.
// With ZKMATCH_UPDATE_GOLDEN=1 in the environment, ExpectGolden rewrites a golden file that
// differs (atomically, so tests running in parallel that write the same bytes cannot tear it)
// and records a test failure naming it, so an update run never passes silently; review the
// change with `git diff fixtures/`, then run the tests again. Example:
//   ZKMATCH_UPDATE_GOLDEN=1 ctest --preset release -R 'Golden|Fixture'; git diff fixtures/
bool UpdatingGolden();
void ExpectGolden(const std::string& golden_path, const std::string& actual, const std::string& what);

}  // namespace zkmatch::testing

#endif  // ZKMATCH_TESTS_SUPPORT_TEST_ENV_H_
