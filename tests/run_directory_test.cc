// Unit tests for run_directory.h: WriteRunDirectory writes a run's output directory atomically,
// refuses to replace one without force, and never leaves a partial directory or temporary
// directories behind.
#include "zkmatch/run_directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;
using Strings = std::vector<std::string>;

// Names in `dir`, sorted.
Strings Listing(const std::string& dir) {
  Strings out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<OutputFile> kFiles = {
    {"placements.csv", "candidate_id,status\nc1,placed\n"},
    {"cutoffs.csv", "batch,program\n"},
    {"audit.jsonl", "{\"type\":\"header\"}\n"},
    {"empty.txt", ""},
};

void ExpectRun(const std::string& dir, const std::vector<OutputFile>& files) {
  Strings names;
  for (const OutputFile& f : files) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(Listing(dir), names);
  for (const OutputFile& f : files) EXPECT_EQ(ReadFile(dir + "/" + f.name), f.content) << f.name;
}

TEST(WriteRunDirectory, CreatesTheDirectoryWithAllFiles) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  EXPECT_EQ(WriteRunDirectory(out, kFiles, /*force=*/false), "");
  ExpectRun(out, kFiles);
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});  // no temporary directories left
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST(WriteRunDirectory, TrailingSlashAndEmptyFileList) {
  TempDir tmp;
  EXPECT_EQ(WriteRunDirectory(tmp.path() + "/a/", kFiles, false), "");
  ExpectRun(tmp.path() + "/a", kFiles);
  EXPECT_EQ(WriteRunDirectory(tmp.path() + "/b", {}, false), "");
  EXPECT_EQ(Listing(tmp.path() + "/b"), Strings{});
  EXPECT_EQ(Listing(tmp.path()), (Strings{"a", "b"}));
}

TEST(WriteRunDirectory, RefusesAnExistingDirectoryWithoutForce) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  tmp.Write("run/old.txt", "previous run");
  EXPECT_EQ(WriteRunDirectory(out, kFiles, /*force=*/false),
            "output directory '" + out + "' already exists; choose another --out or add --force to replace it");
  EXPECT_EQ(Listing(out), Strings{"old.txt"});
  EXPECT_EQ(ReadFile(out + "/old.txt"), "previous run");
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

TEST(WriteRunDirectory, RefusesAnEmptyExistingDirectoryWithoutForce) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  EXPECT_EQ(WriteRunDirectory(out + "/", kFiles, false),
            "output directory '" + out + "' already exists; choose another --out or add --force to replace it");
  EXPECT_EQ(Listing(out), Strings{});
}

TEST(WriteRunDirectory, ReplacesWithForce) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  tmp.Write("run/old.txt", "previous run");
  tmp.Write("run/placements.csv", "stale");
  EXPECT_EQ(WriteRunDirectory(out, kFiles, /*force=*/true), "");
  ExpectRun(out, kFiles);
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

TEST(WriteRunDirectory, ForceOnAMissingDirectoryCreatesIt) {
  TempDir tmp;
  EXPECT_EQ(WriteRunDirectory(tmp.path() + "/run", kFiles, /*force=*/true), "");
  ExpectRun(tmp.path() + "/run", kFiles);
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

TEST(WriteRunDirectory, AnExistingFileIsNeverReplaced) {
  TempDir tmp;
  const std::string out = tmp.Write("run", "a file, not a run");
  EXPECT_EQ(WriteRunDirectory(out, kFiles, /*force=*/false),
            "output directory '" + out + "' already exists; choose another --out or add --force to replace it");
  EXPECT_EQ(WriteRunDirectory(out, kFiles, /*force=*/true),
            "'" + out + "' exists and is not a directory; choose another --out");
  EXPECT_EQ(ReadFile(out), "a file, not a run");
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

// Missing parents are created, like mkdir -p, so `--out out/weihai-2025` works on a fresh clone.
TEST(WriteRunDirectory, MissingParentsAreCreated) {
  TempDir tmp;
  EXPECT_EQ(WriteRunDirectory(tmp.path() + "/missing/deeper/run", kFiles, false), "");
  EXPECT_EQ(Listing(tmp.path()), Strings{"missing"});
  EXPECT_EQ(Listing(tmp.path() + "/missing/deeper"), Strings{"run"});
}

// A parent that cannot be created (a file is in the way) is an error, and nothing is left.
TEST(WriteRunDirectory, ParentThatCannotBeCreatedIsAnError) {
  TempDir tmp;
  tmp.Write("file", "x");
  const std::string msg = WriteRunDirectory(tmp.path() + "/file/sub/run", kFiles, false);
  EXPECT_EQ(msg.rfind("cannot create the parent directory '" + tmp.path() + "/file/sub' of --out: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("; choose another --out"), std::string::npos) << msg;
  EXPECT_EQ(Listing(tmp.path()), Strings{"file"});
}

TEST(WriteRunDirectory, FailureWhileWritingLeavesNothing) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  // A name with a directory part cannot be created inside the temporary directory.
  std::string msg = WriteRunDirectory(out, {{"a.csv", "x"}, {"sub/b.csv", "y"}}, false);
  EXPECT_EQ(msg.rfind("cannot create '" + tmp.path() + "/.run.tmp-", 0), 0u) << msg;
  EXPECT_NE(msg.find("/sub/b.csv': No such file or directory"), std::string::npos) << msg;
  EXPECT_EQ(Listing(tmp.path()), Strings{});

  // Two files with one name: the second cannot be created.
  msg = WriteRunDirectory(out, {{"a.csv", "x"}, {"a.csv", "y"}}, false);
  EXPECT_NE(msg.find("/a.csv': File exists"), std::string::npos) << msg;
  EXPECT_EQ(Listing(tmp.path()), Strings{});
}

TEST(WriteRunDirectory, FailedReplaceKeepsTheOldRun) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  tmp.Write("run/old.txt", "previous run");
  std::string msg = WriteRunDirectory(out, {{"a.csv", "x"}, {"a.csv", "y"}}, /*force=*/true);
  EXPECT_NE(msg.find("File exists"), std::string::npos) << msg;
  EXPECT_EQ(Listing(out), Strings{"old.txt"});
  EXPECT_EQ(ReadFile(out + "/old.txt"), "previous run");
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

TEST(WriteRunDirectory, UnwritableParentChmod) {
  TempDir tmp;
  const std::string parent = tmp.path() + "/ro";
  fs::create_directory(parent);
  ASSERT_EQ(::chmod(parent.c_str(), 0555), 0);
  // Root ignores directory permissions; detect that instead of assuming who runs the tests.
  const std::string probe = parent + "/probe";
  if (::mkdir(probe.c_str(), 0700) == 0) {
    ::rmdir(probe.c_str());
    ::chmod(parent.c_str(), 0755);
    GTEST_SKIP() << "running with privileges that ignore directory permissions (root?); "
                    "UnwritableParentProc covers the failure path";
  }
  const std::string msg = WriteRunDirectory(parent + "/run", kFiles, false);
  EXPECT_EQ(msg.rfind("cannot create a temporary directory '" + parent + "/.run.tmp-", 0), 0u) << msg;
  EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
  EXPECT_EQ(Listing(parent), Strings{});
  ::chmod(parent.c_str(), 0755);
}

TEST(WriteRunDirectory, UnwritableParentProc) {
  // Nobody, not even root, can create directories in /proc.
  const std::string msg = WriteRunDirectory("/proc/zkmatch-run-test", kFiles, false);
  EXPECT_EQ(msg.rfind("cannot create a temporary directory '/proc/.zkmatch-run-test.tmp-", 0), 0u) << msg;
  EXPECT_FALSE(testing::FileExists("/proc/zkmatch-run-test"));
  for (const std::string& name : Listing("/proc")) {
    EXPECT_EQ(name.find(".zkmatch-run-test"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace zkmatch
