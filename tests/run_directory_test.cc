// Unit tests for run_directory.h: WriteRunDirectory writes a run's output directory atomically,
// refuses to replace one without force, and never leaves a partial directory or temporary
// directories behind.
#include "zkmatch/run_directory.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "digest.h"
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

// WriteRunDirectory's message: empty when it succeeded. The code is checked where it matters
// (WriteRunDirectoryStatus below).
std::string Write(const std::string& dir, const std::vector<OutputFile>& files, bool force) {
  return WriteRunDirectory(dir, files, force).message();
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
  EXPECT_EQ(Write(out, kFiles, /*force=*/false), "");
  ExpectRun(out, kFiles);
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});  // no temporary directories left
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

// StagedInputs (issue 18): the bundle's input copies made while the run goes on, then linked.
TEST(StagedInputs, CheckedCopiesAreLinkedIntoTheRunAndTheSiblingIsRemoved) {
  TempDir tmp;
  const std::string a = tmp.path() + "/a.csv", b = tmp.path() + "/b.csv";
  { std::ofstream(a, std::ios::binary) << "id,total\n1,600\n"; }
  { std::ofstream(b, std::ios::binary) << "code,general\nP,1\n"; }
  std::vector<OutputFile> files = {{"placements.csv", "x\n"},
                                   OutputFile{"inputs/a.csv", {}, a, Sha256Hex(ReadFile(a))},
                                   OutputFile{"inputs/b.csv", {}, b, Sha256Hex(ReadFile(b))}};
  {
    StagedInputs staged(tmp.path() + "/run", {{a, files[1].sha256}, {b, files[2].sha256}});
    staged.Finish(&files);
    for (std::size_t i = 1; i < 3; ++i) {
      EXPECT_NE(files[i].copy_of, i == 1 ? a : b);
      EXPECT_NE(files[i].copy_of.find("/.run.zkmatch-tmp-" + std::to_string(::getpid()) + "-inputs-"), std::string::npos) << files[i].copy_of;
      EXPECT_TRUE(files[i].link && files[i].verified);
    }
    ASSERT_EQ(Write(tmp.path() + "/run", files, false), "");
  }
  EXPECT_EQ(Listing(tmp.path()), (Strings{"a.csv", "b.csv", "run"}));  // the sibling is gone
  EXPECT_EQ(ReadFile(tmp.path() + "/run/inputs/a.csv"), ReadFile(a));
  EXPECT_EQ(ReadFile(tmp.path() + "/run/inputs/b.csv"), ReadFile(b));
  struct stat st {};
  ASSERT_EQ(::stat((tmp.path() + "/run/inputs/a.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);  // its own bytes: not the original's
}

TEST(StagedInputs, AFileChangedSinceParsingOrNoParentLeavesTheFilesAsTheyWere) {
  TempDir tmp;
  const std::string a = tmp.path() + "/a.csv";
  { std::ofstream(a, std::ios::binary) << "id,total\n1,600\n"; }
  const std::string parsed = Sha256Hex("id,total\n1,599\n");  // the bytes parsed were others
  std::vector<OutputFile> files = {OutputFile{"inputs/a.csv", {}, a, parsed}};
  {
    StagedInputs staged(tmp.path() + "/run", {{a, parsed}});
    staged.Finish(&files);
    EXPECT_EQ(files[0].copy_of, a);
    EXPECT_FALSE(files[0].link || files[0].verified);
    // WriteRunDirectory then copies, checks and refuses as it always did.
    EXPECT_NE(Write(tmp.path() + "/run", files, false).find("changed after this run read it"), std::string::npos);
  }
  EXPECT_EQ(Listing(tmp.path()), Strings{"a.csv"});
  {
    StagedInputs staged(tmp.path() + "/no/such/parent/run", {{a, Sha256Hex(ReadFile(a))}});
    files[0].sha256 = Sha256Hex(ReadFile(a));
    staged.Finish(&files);
    EXPECT_EQ(files[0].copy_of, a);
  }
  EXPECT_EQ(Listing(tmp.path()), Strings{"a.csv"});  // no parent made for a run not yet written
}

// A run that fails before Finish: the copies stop and the sibling goes (the run does not wait
// for gigabytes to be copied, and leaves nothing).
TEST(StagedInputs, ARunEndingBeforeFinishLeavesNothing) {
  TempDir tmp;
  const std::string a = tmp.path() + "/a.csv";
  { std::ofstream(a, std::ios::binary) << std::string(std::size_t{32} << 20, 'x'); }
  { StagedInputs staged(tmp.path() + "/run", {{a, Sha256Hex(ReadFile(a))}}); }
  EXPECT_EQ(Listing(tmp.path()), Strings{"a.csv"});
}

TEST(WriteRunDirectory, TrailingSlashAndEmptyFileList) {
  TempDir tmp;
  EXPECT_EQ(Write(tmp.path() + "/a/", kFiles, false), "");
  ExpectRun(tmp.path() + "/a", kFiles);
  EXPECT_EQ(Write(tmp.path() + "/b", {}, false), "");
  EXPECT_EQ(Listing(tmp.path() + "/b"), Strings{});
  EXPECT_EQ(Listing(tmp.path()), (Strings{"a", "b"}));
}

TEST(WriteRunDirectory, RefusesAnExistingDirectoryWithoutForce) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  tmp.Write("run/old.txt", "previous run");
  EXPECT_EQ(Write(out, kFiles, /*force=*/false),
            "output directory '" + out + "' already exists; choose another --out or add --force to replace it");
  EXPECT_EQ(Listing(out), Strings{"old.txt"});
  EXPECT_EQ(ReadFile(out + "/old.txt"), "previous run");
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

TEST(WriteRunDirectory, RefusesAnEmptyExistingDirectoryWithoutForce) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  EXPECT_EQ(Write(out + "/", kFiles, false),
            "output directory '" + out + "' already exists; choose another --out or add --force to replace it");
  EXPECT_EQ(Listing(out), Strings{});
}

TEST(WriteRunDirectory, ReplacesWithForce) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  tmp.Write("run/old.txt", "previous run");
  tmp.Write("run/placements.csv", "stale");
  EXPECT_EQ(Write(out, kFiles, /*force=*/true), "");
  ExpectRun(out, kFiles);
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

TEST(WriteRunDirectory, ForceOnAMissingDirectoryCreatesIt) {
  TempDir tmp;
  EXPECT_EQ(Write(tmp.path() + "/run", kFiles, /*force=*/true), "");
  ExpectRun(tmp.path() + "/run", kFiles);
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

TEST(WriteRunDirectory, AnExistingFileIsNeverReplaced) {
  TempDir tmp;
  const std::string out = tmp.Write("run", "a file, not a run");
  // Said so whether or not --force is given: --force would not replace it either (an audit
  // found the message advising --force, which then refused).
  EXPECT_EQ(Write(out, kFiles, /*force=*/false),
            "'" + out + "' exists and is not a directory; choose another --out");
  EXPECT_EQ(Write(out, kFiles, /*force=*/true),
            "'" + out + "' exists and is not a directory; choose another --out");
  EXPECT_EQ(ReadFile(out), "a file, not a run");
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

// Missing parents are created, like mkdir -p, so `--out out/weihai-2025` works on a fresh clone.
TEST(WriteRunDirectory, MissingParentsAreCreated) {
  TempDir tmp;
  EXPECT_EQ(Write(tmp.path() + "/missing/deeper/run", kFiles, false), "");
  EXPECT_EQ(Listing(tmp.path()), Strings{"missing"});
  EXPECT_EQ(Listing(tmp.path() + "/missing/deeper"), Strings{"run"});
}

// A parent that cannot be created (a file is in the way) is an error, and nothing is left.
TEST(WriteRunDirectory, ParentThatCannotBeCreatedIsAnError) {
  TempDir tmp;
  tmp.Write("file", "x");
  const std::string msg = Write(tmp.path() + "/file/sub/run", kFiles, false);
  EXPECT_EQ(msg.rfind("cannot create the parent directory '" + tmp.path() + "/file/sub' of --out: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("; choose another --out"), std::string::npos) << msg;
  EXPECT_EQ(Listing(tmp.path()), Strings{"file"});
}

TEST(WriteRunDirectory, FailureWhileWritingLeavesNothing) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  // A name with a directory part cannot be created inside the temporary directory.
  std::string msg = Write(out, {{"a.csv", "x"}, {"sub/b.csv", "y"}}, false);
  EXPECT_EQ(msg.rfind("cannot create '" + out + "/sub/b.csv' (in the temporary directory '" + tmp.path() + "/.run.zkmatch-tmp-", 0),
            0u)
      << msg;
  EXPECT_NE(msg.find("'): No such file or directory; nothing was written; choose another --out"), std::string::npos) << msg;
  EXPECT_EQ(Listing(tmp.path()), Strings{});

  // Two files with one name: the second cannot be created.
  msg = Write(out, {{"a.csv", "x"}, {"a.csv", "y"}}, false);
  EXPECT_NE(msg.find("'): File exists; nothing was written;"), std::string::npos) << msg;
  EXPECT_EQ(Listing(tmp.path()), Strings{});
}

TEST(WriteRunDirectory, FailedReplaceKeepsTheOldRun) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  fs::create_directory(out);
  tmp.Write("run/old.txt", "previous run");
  std::string msg = Write(out, {{"a.csv", "x"}, {"a.csv", "y"}}, /*force=*/true);
  EXPECT_NE(msg.find("File exists; nothing was written and the previous results are unchanged"), std::string::npos) << msg;
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
  const std::string msg = Write(parent + "/run", kFiles, false);
  EXPECT_EQ(msg, "cannot write in '" + parent + "' (to create the temporary directory of --out): Permission denied; nothing was written; "
                 "choose a --out where you may write");
  EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
  EXPECT_EQ(Listing(parent), Strings{});
  ::chmod(parent.c_str(), 0755);
}

// The Status says what kind of failure it was, which decides the exit code: a target in the
// way is the user's choice to make (bad input), a refusal of the machine an i/o error.
TEST(WriteRunDirectoryStatus, CodeSaysWhatKindOfFailure) {
  TempDir tmp;
  const std::string out = tmp.path() + "/run";
  const Status ok = WriteRunDirectory(out, kFiles, false);
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.exit_code(), ExitCode::kSuccess);
  const Status exists = WriteRunDirectory(out, kFiles, false);
  EXPECT_EQ(exists.code(), StatusCode::kBadInput);
  EXPECT_EQ(exists.exit_code(), ExitCode::kBadInput);
  const Status io = WriteRunDirectory("/proc/zkmatch-run-test", kFiles, false);
  EXPECT_EQ(io.code(), StatusCode::kIoError) << io.ToString();
  EXPECT_EQ(io.exit_code(), ExitCode::kBadInput);
  EXPECT_EQ(io.ToString().rfind("i/o error: cannot write in '/proc'", 0), 0u) << io.ToString();
}

TEST(WriteRunDirectory, UnwritableParentProc) {
  // Nobody, not even root, can create directories in /proc.
  const std::string msg = Write("/proc/zkmatch-run-test", kFiles, false);
  EXPECT_EQ(msg.rfind("cannot write in '/proc' (to create the temporary directory of --out): ", 0), 0u) << msg;
  EXPECT_NE(msg.find("; nothing was written; choose "), std::string::npos) << msg;
  EXPECT_FALSE(testing::FileExists("/proc/zkmatch-run-test"));
  for (const std::string& name : Listing("/proc")) {
    EXPECT_EQ(name.find(".zkmatch-run-test"), std::string::npos) << name;
  }
}

// A temporary directory left by a killed run (its PID is gone) is removed by the next write to
// the same target; one of a live process is left alone, and so are other targets' and names
// that merely look similar.
TEST(WriteRunDirectory, LeftoversOfKilledRunsAreRemoved) {
  TempDir tmp;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);  // now a PID that is not alive
  const std::string dead = ".run.zkmatch-tmp-" + std::to_string(child) + "-aB3dE9";
  const std::string live = ".run.zkmatch-tmp-1-Zz9yY8";  // PID 1 is always alive
  for (const std::string& d : {dead, live, std::string(".other.zkmatch-tmp-") + std::to_string(child) + "-x", std::string(".run.zkmatch-tmp-x")}) {
    fs::create_directory(tmp.path() + "/" + d);
    tmp.Write(d + "/placements.csv", "half");
  }
  EXPECT_EQ(Write(tmp.path() + "/run", kFiles, false), "");
  EXPECT_EQ(Listing(tmp.path()), (Strings{".other.zkmatch-tmp-" + std::to_string(child) + "-x", live, ".run.zkmatch-tmp-x", "run"}));
}

// The fallback replace (no RENAME_EXCHANGE) killed between its renames leaves the previous run
// only in ".NAME.zkmatch-tmp-PID-old-XXXXXX/run": the next write puts it back, not away.
TEST(WriteRunDirectory, AKilledFallbackReplaceIsRestored) {
  TempDir tmp;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string old = ".run.zkmatch-tmp-" + std::to_string(child) + "-old-q1w2e3";
  fs::create_directories(tmp.path() + "/" + old + "/run");
  tmp.Write(old + "/run/placements.csv", "previous");
  // Without --force the restored previous run is not replaced.
  EXPECT_EQ(Write(tmp.path() + "/run", kFiles, false),
            "output directory '" + tmp.path() + "/run' appeared while this run was writing; nothing was written -- choose another --out or add --force");
  EXPECT_EQ(ReadFile(tmp.path() + "/run/placements.csv"), "previous");
  EXPECT_EQ(Listing(tmp.path()), Strings{"run"});
}

// A small tmpfs stands for a full disk and a read-only one for an unwritable place. Mounting
// needs root (CI runs as root); elsewhere these tests are skipped.
class MountedDir : public ::testing::Test {
 protected:
  bool Mount(const char* options, unsigned long flags) {
    mount_ = tmp_.path() + "/mnt";
    fs::create_directory(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", flags, options) != 0) return false;
    mounted_ = true;
    return true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_.c_str(), MNT_DETACH);
  }
  TempDir tmp_;
  std::string mount_;
  bool mounted_ = false;
};

TEST_F(MountedDir, FullDiskSaysSoAndLeavesNothing) {
  if (!Mount("size=64k", 0)) GTEST_SKIP() << "cannot mount a tmpfs (not root?): " << std::strerror(errno);
  const std::vector<OutputFile> big = {{"placements.csv", std::string(40 * 1024, 'x')}, {"audit.jsonl", std::string(200 * 1024, 'y')}};
  const std::string out = mount_ + "/run";
  std::string msg = Write(out, big, false);
  EXPECT_EQ(msg.rfind("cannot write '" + out + "/audit.jsonl' (in the temporary directory '" + mount_ + "/.run.zkmatch-tmp-", 0), 0u) << msg;
  EXPECT_NE(msg.find("'): No space left on device; nothing was written; free some space or choose another --out"), std::string::npos) << msg;
  EXPECT_EQ(Listing(mount_), Strings{});
  // With a previous run in place and --force, the previous run stays as it was.
  ASSERT_EQ(Write(out, kFiles, false), "");
  msg = Write(out, big, true);
  EXPECT_NE(msg.find("No space left on device; nothing was written and the previous results are unchanged; free some space"),
            std::string::npos)
      << msg;
  ExpectRun(out, kFiles);
  EXPECT_EQ(Listing(mount_), Strings{"run"});
}

TEST_F(MountedDir, ReadOnlyFilesystemSaysSo) {
  if (!Mount("size=64k", MS_RDONLY)) GTEST_SKIP() << "cannot mount a tmpfs (not root?): " << std::strerror(errno);
  const std::string msg = Write(mount_ + "/run", kFiles, false);
  EXPECT_EQ(msg, "cannot write in '" + mount_ +
                     "' (to create the temporary directory of --out): Read-only file system; nothing was written; choose a --out where "
                     "you may write");
  EXPECT_EQ(Listing(mount_), Strings{});
}

}  // namespace
}  // namespace zkmatch
