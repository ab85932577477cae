// Input files are read once, and only when they are regular files (issue 19, items 1 and 2).
//
// MidRunSwap: `run` with ZKMATCH_TEST_AFTER_PARSE replacing candidates.csv after the inputs are
// parsed: the run bundle cannot hold the bytes the run used, so the run is refused (exit 2) and
// nothing is written; run again, it records the new bytes.
// SpecialFiles: a FIFO, /dev/zero and a symlink to /dev/zero as an input CSV and as the rules
// file are refused at once (under `timeout`, so a regression fails instead of hanging).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "csv.h"
#include "digest.h"
#include "file_read.h"
#include "support/forge.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }

// The sha256 the manifest records for input `role`.
std::string ManifestSha(const std::string& manifest, const std::string& role) {
  const std::size_t at = manifest.find("\"role\":\"" + role + "\"");
  if (at == std::string::npos) return "(no " + role + ")";
  const std::string key = "\"sha256\":\"";
  const std::size_t k = manifest.find(key, at);
  return k == std::string::npos ? "(no sha256)" : manifest.substr(k + key.size(), 64);
}

class InputFiles : public ::testing::Test {
 protected:
  void SetUp() override { fs::copy(SourceDir() + "/fixtures/demo", dir_.path(), fs::copy_options::recursive); }
  std::string P(const std::string& name) const { return dir_.path() + "/" + name; }
  CommandResult Zk(const std::string& args, const std::string& env = "") const {
    return RunCommand(env + " timeout 60 " + Q(ZkmatchBinary()) + " " + args, dir_.path());
  }
  TempDir dir_;
};

TEST_F(InputFiles, MidRunSwapIsRefusedNothingWritten) {
  const std::string old_bytes = ReadFile(P("candidates.csv"));
  // A different, still valid candidates.csv: the same rows and one total changed.
  std::string new_bytes = old_bytes;
  const std::size_t nl = new_bytes.find('\n');
  ASSERT_NE(nl, std::string::npos);
  new_bytes.insert(nl + 1, "");  // same header
  new_bytes += "\n";              // a trailing blank line: other bytes, same content
  { std::ofstream(P("new.csv"), std::ios::binary) << new_bytes; }
  ASSERT_NE(Sha256Hex(old_bytes), Sha256Hex(new_bytes));

  // The run bundle must hold the bytes the run parsed; the file now holds others, so the run
  // is refused and nothing is written (the digest of the bytes parsed is what the copy is
  // checked against).
  CommandResult run = Zk("run --rules rules.yaml --out out --quiet",
                         "ZKMATCH_TEST_AFTER_PARSE=" + Q("cp new.csv candidates.csv"));
  ASSERT_EQ(ReadFile(P("candidates.csv")), new_bytes) << "the hook did not swap the file";
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_EQ(run.err, "zkmatch: error: the input '" + fs::weakly_canonical(P("candidates.csv")).string() +
                         "' changed after this run read it, so the run bundle cannot hold the bytes it used; run again; nothing was written\n");
  EXPECT_FALSE(fs::exists(P("out")));
  for (const auto& e : fs::directory_iterator(dir_.path())) EXPECT_EQ(e.path().filename().string().find("zkmatch-tmp"), std::string::npos) << e.path();

  // Run again: the bundle holds the new bytes, recorded with their digest.
  run = Zk("run --rules rules.yaml --out out --quiet");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string manifest = ReadFile(P("out/manifest.json"));
  EXPECT_EQ(ManifestSha(manifest, "candidates"), Sha256Hex(new_bytes)) << manifest;
  EXPECT_EQ(ReadFile(P("out/inputs/candidates.csv")), new_bytes);
  EXPECT_EQ(Zk("verify --run out").exit_code, 0);
}

TEST_F(InputFiles, ManifestDigestsWithoutSwapMatchTheFiles) {
  CommandResult run = Zk("run --rules rules.yaml --out out --quiet");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string manifest = ReadFile(P("out/manifest.json"));
  EXPECT_EQ(ManifestSha(manifest, "candidates"), Sha256Hex(ReadFile(P("candidates.csv"))));
}

// Each special file, as candidates.csv and as the rules file, for check and run: exit 2 within
// the timeout, a message naming the kind of file, nothing written.
class SpecialFiles : public InputFiles {
 protected:
  // Replaces `name` with the special file `what`: "fifo", or "symlink" (to /dev/zero).
  void Make(const std::string& name, const std::string& what) {
    fs::remove(P(name));
    if (what == "fifo") {
      ASSERT_EQ(::mkfifo(P(name).c_str(), 0600), 0);
    } else {
      fs::create_symlink("/dev/zero", P(name));
    }
  }
  // `check` and `run` with `--rules rules_file` both refuse, naming `shown` and the kind of file,
  // and write nothing. A hang fails by `timeout` (exit 124), not by a timing assertion.
  void Expect(const std::string& rules_file, const std::string& shown, const std::string& kind) {
    for (const std::string& args : {"check --rules " + rules_file, "run --rules " + rules_file + " --out out"}) {
      CommandResult r = Zk(args);
      EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
      EXPECT_NE(r.err.find(shown + ": error: is " + kind + ", not a regular file; give the path of a file"), std::string::npos)
          << args << "\n" << r.err;
      EXPECT_FALSE(FileExists(P("out")));
    }
  }
};

TEST_F(SpecialFiles, FifoAsInputCsv) {
  Make("candidates.csv", "fifo");
  Expect("rules.yaml", "candidates.csv", "a named pipe (FIFO)");
}

TEST_F(SpecialFiles, FifoAsRules) {
  Make("r.yaml", "fifo");
  Expect("r.yaml", "r.yaml", "a named pipe (FIFO)");
}

TEST_F(SpecialFiles, DevZeroAsInputCsv) {
  // The rules name /dev/zero directly.
  std::string rules = ReadFile(P("rules.yaml"));
  const std::size_t at = rules.find("candidates.csv");
  ASSERT_NE(at, std::string::npos);
  rules.replace(at, std::string("candidates.csv").size(), "/dev/zero");
  { std::ofstream(P("zero.yaml"), std::ios::binary) << rules; }
  Expect("zero.yaml", "/dev/zero", "a character device");
}

TEST_F(SpecialFiles, DevZeroAsRules) {
  Expect("/dev/zero", "/dev/zero", "a character device");
}

TEST_F(SpecialFiles, SymlinkToDevZeroAsInputCsv) {
  Make("candidates.csv", "symlink");
  Expect("rules.yaml", "candidates.csv", "a character device");
}

TEST_F(SpecialFiles, SymlinkToDevZeroAsRules) {
  Make("r.yaml", "symlink");
  Expect("r.yaml", "r.yaml", "a character device");
}

// Issue 19, item 8: a candidate after a damaged line of audit.jsonl is not "not in the log".
TEST_F(InputFiles, ExplainOnADamagedLogSaysWhereAndToVerify) {
  ASSERT_EQ(Zk("run --rules rules.yaml --out out --quiet").exit_code, 0);
  std::string log = ReadFile(P("out/audit.jsonl"));
  const std::string last_id = [&] {
    const std::string placements = ReadFile(P("out/placements.csv"));
    const std::size_t end = placements.rfind('\n', placements.size() - 2);
    return placements.substr(end + 1, placements.find(',', end + 1) - end - 1);
  }();
  // Damage the candidate's own record (its start is lost, as in a torn copy): the candidate
  // can no longer be found, and that must not read as "not in the log".
  const std::size_t at = log.find("{\"record\":\"candidate\",\"id\":\"" + last_id + "\"");
  ASSERT_NE(at, std::string::npos) << last_id;
  const std::size_t damaged_line = 1 + static_cast<std::size_t>(std::count(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  log.erase(at, 20);
  WriteBytes(P("out/audit.jsonl"), log);  // stored compressed: compressed again
  CommandResult r = Zk("explain --run out --candidate " + Q(last_id));
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("is damaged at line " + std::to_string(damaged_line)), std::string::npos) << last_id << "\n" << r.err;
  EXPECT_NE(r.err.find("zkmatch verify"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("check the exam number"), std::string::npos) << r.err;
}

// A file longer than the size stat gives (files under /proc say 0): the buffer grows as the file
// is read, keeping what it holds; a file that passes the limit while it grows is refused and
// leaves nothing.
TEST(ReadRegularFile, FileLongerThanItsStatSizeIsReadWhole) {
  const std::string path = "/proc/self/cmdline";
  std::ifstream in(path, std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(expected.size(), 8u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  ASSERT_LT(static_cast<std::size_t>(st.st_size), expected.size());  // else this tests nothing
  std::string text;
  ASSERT_EQ(ReadRegularFile(path, 1 << 20, &text).kind, FileReadResult::kOk);
  EXPECT_EQ(text, expected);
  const FileReadResult over = ReadRegularFile(path, 4, &text);
  EXPECT_EQ(over.kind, FileReadResult::kTooLarge);
  EXPECT_EQ(over.size, 5u);
  EXPECT_EQ(text, "");
}

// Issue 19, item 3: a header of many repeated names gets one message per repeated name (the
// old check reported every pair: 2 x 150,000^2 / 2 messages, minutes of work). No timing is
// asserted; the message count is what would explode, and ctest's timeout catches a hang.
TEST(CsvHeader, ManyRepeatedNamesOneMessagePerName) {
  std::string header;
  for (int i = 0; i < 300000; ++i) header += i % 2 ? "a," : "b,";
  header += "c\n";
  DiagnosticSink sink;
  CsvReader csv;
  EXPECT_FALSE(csv.OpenBuffer(header, "big.csv", sink));
  EXPECT_EQ(sink.error_count(), 2u);
}

}  // namespace
}  // namespace zkmatch::testing
