// Issue 6, limits: inputs far beyond what zkmatch handles are refused by their size before they
// are read, end to end through the real binary. Sparse files stand for the huge ones: an 11 GiB
// candidates.csv costs no disk and, being refused by size, no memory or time. The row and
// record limits are tested with lowered limits in csv_test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

// A valid case from the corpus's base (one error in candidates.csv is not needed: the size is).
void CopyBase(const TempDir& dir) {
  for (const char* f : {"rules.yaml", "candidates.csv", "choices.csv", "programs.csv"}) {
    fs::copy_file(SourceDir() + "/fixtures/bad/total-nan/" + f, dir.path() + "/" + f);
  }
}

TEST(Limits, ElevenGibCandidatesFileIsRefusedAtOnce) {
  TempDir dir;
  CopyBase(dir);
  ASSERT_EQ(::truncate((dir.path() + "/candidates.csv").c_str(), std::int64_t{11} << 30), 0);
  for (const char* verb : {"check --rules rules.yaml", "run --rules rules.yaml --out out"}) {
    CommandResult r = RunCommand("'" + ZkmatchBinary() + "' " + verb, dir.path());
    EXPECT_EQ(r.exit_code, 2) << verb;
    EXPECT_EQ(r.err,
              "candidates.csv: error: the file is 11.0 GiB; zkmatch reads input files of up to 8.0 GiB (README, \"Limits\") -- is this "
              "the right file? Split the run into smaller ones\nzkmatch: 1 error; nothing was written\n")
        << verb;
    EXPECT_FALSE(fs::exists(dir.path() + "/out"));
  }
  // Refused by its size before it is read (the message says the size). No timing is asserted:
  // a timing never decides a test here; ctest's timeout catches a run that reads 11 GiB.
}

TEST(Limits, RulesFileOverOneMibIsRefused) {
  TempDir dir;
  CopyBase(dir);
  ASSERT_EQ(::truncate((dir.path() + "/rules.yaml").c_str(), (std::int64_t{1} << 20) + 1), 0);
  CommandResult r = RunCommand("'" + ZkmatchBinary() + "' check --rules rules.yaml", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "rules.yaml: error: the rules file is 1048577 bytes; rules files are limited to 1048576 bytes (1 MiB) -- is this the right "
            "file?\nzkmatch: 1 error; nothing was written\n");
}

}  // namespace
}  // namespace zkmatch::testing
