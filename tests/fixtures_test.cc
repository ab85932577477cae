// Hand-checked end-to-end cases: fixtures/cases/<case>/ holds one or more rules files, the
// inputs they name, NOTES.md with the derivation by hand, and the expected outputs in
// expected/ (one rules file) or expected-<rules stem>/ (several). Every rules file is run
// through the real binary with several thread counts and both matcher implementations, and the
// outputs must equal the expected files byte for byte. The run directory contract (no
// overwrite without --force; --force replaces) is checked on every case as well.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

// Rules files whose stages rank different channels with different rankings: serial
// dictatorship does not apply to them, so `--matcher serial` must be refused for them. Each
// case lists such rules files (by stem, one per line) in its `serial-not-applicable` file.
bool SerialNotApplicable(const fs::path& case_dir, const std::string& stem) {
  std::istringstream in(ReadFile((case_dir / "serial-not-applicable").string()));
  for (std::string line; std::getline(in, line);) {
    if (line == stem) return true;
  }
  return false;
}

struct FixtureRun {
  std::string case_name;    // directory under fixtures/cases
  std::string rules_stem;   // rules file name without .yaml
  std::string rules_path;   // absolute
  std::string expected_dir; // absolute
  bool serial_ok = true;

  std::string Key() const { return case_name + "/" + rules_stem; }
};

// Test names print the case, not the struct's bytes.
void PrintTo(const FixtureRun& r, std::ostream* os) { *os << r.Key(); }

std::string CasesDir() { return SourceDir() + "/fixtures/cases"; }

std::vector<FixtureRun> DiscoverFixtures() {
  std::vector<FixtureRun> runs;
  std::error_code ec;
  if (!fs::is_directory(CasesDir(), ec)) return runs;
  for (const auto& dir : fs::directory_iterator(CasesDir())) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (!f.is_regular_file() || f.path().extension() != ".yaml") continue;
      FixtureRun r;
      r.case_name = dir.path().filename().string();
      r.rules_stem = f.path().stem().string();
      r.rules_path = f.path().string();
      const fs::path specific = dir.path() / ("expected-" + r.rules_stem);
      r.expected_dir = (fs::is_directory(specific) ? specific : dir.path() / "expected").string();
      r.serial_ok = !SerialNotApplicable(dir.path(), r.rules_stem);
      runs.push_back(std::move(r));
    }
  }
  std::sort(runs.begin(), runs.end(), [](const FixtureRun& a, const FixtureRun& b) { return a.Key() < b.Key(); });
  return runs;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Every regular file under `dir` (relative name -> bytes), and every other entry by name.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    out[rel] = e.is_regular_file() ? ReadFile(e.path().string()) : std::string("<dir>");
  }
  return out;
}

std::vector<std::string> ExpectedFiles(const FixtureRun& r) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(r.expected_dir)) {
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class FixtureTest : public ::testing::TestWithParam<FixtureRun> {
 protected:
  // Runs `zkmatch run` for this fixture into `out` with extra flags.
  CommandResult Run(const std::string& out, const std::string& flags) const {
    const std::string cmd = Quote(ZkmatchBinary()) + " run --quiet --rules " + Quote(GetParam().rules_path) +
                            " --out " + Quote(out) + " " + flags;
    return RunCommand(cmd, work_.path());
  }

  // Runs with `flags` into a fresh directory and compares every expected file byte for byte.
  void RunAndCompare(const std::string& flags) const {
    const FixtureRun& r = GetParam();
    const std::string out = work_.path() + "/out";
    CommandResult res = Run(out, flags);
    ASSERT_EQ(res.exit_code, 0) << "flags: " << flags << "\nstderr:\n" << res.err;
    const std::vector<std::string> names = ExpectedFiles(r);
    ASSERT_FALSE(names.empty()) << "no expected files in " << r.expected_dir;
    for (const std::string& name : names) {
      ExpectGolden(r.expected_dir + "/" + name, ReadFile(out + "/" + name), r.Key() + ": " + name + " with flags '" + flags + "'");
    }
  }

  TempDir work_;
};

TEST_P(FixtureTest, ExpectedFilesExist) {
  const FixtureRun& r = GetParam();
  EXPECT_TRUE(FileExists(r.expected_dir + "/placements.csv")) << r.expected_dir;
  EXPECT_TRUE(FileExists(r.expected_dir + "/cutoffs.csv")) << r.expected_dir;
  EXPECT_TRUE(FileExists(SourceDir() + "/fixtures/cases/" + r.case_name + "/NOTES.md"));
}

TEST_P(FixtureTest, OneThread) { RunAndCompare("--threads 1"); }
TEST_P(FixtureTest, TwoThreads) { RunAndCompare("--threads 2"); }
TEST_P(FixtureTest, EightThreads) { RunAndCompare("--threads 8"); }
TEST_P(FixtureTest, GeneralMatcher) { RunAndCompare("--matcher general --threads 2"); }
TEST_P(FixtureTest, GeneralMatcherOneThread) { RunAndCompare("--matcher general --threads 1"); }
TEST_P(FixtureTest, GeneralMatcherEightThreads) { RunAndCompare("--matcher general --threads 8"); }

// Serial dictatorship is only correct when every channel with seats shares one ranking. Where
// it applies it must give the expected result; where it does not, asking for it must be refused
// as a usage error (exit 2, nothing written) instead of printing an unstable matching.
TEST_P(FixtureTest, SerialMatcher) {
  if (GetParam().serial_ok) {
    RunAndCompare("--matcher serial --threads 1");
    return;
  }
  const std::string out = work_.path() + "/out";
  CommandResult res = Run(out, "--matcher serial --threads 1");
  EXPECT_EQ(res.exit_code, 2) << "--matcher serial must be refused when channels rank differently\nstderr:\n"
                              << res.err;
  EXPECT_FALSE(FileExists(out)) << "a refused run must not write --out";
}

TEST_P(FixtureTest, SecondRunIntoSameOutFailsAndLeavesItUntouched) {
  const std::string out = work_.path() + "/out";
  CommandResult first = Run(out, "--threads 1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto before = Snapshot(out);
  ASSERT_FALSE(before.empty());
  const auto parent_before = Snapshot(work_.path());

  CommandResult second = Run(out, "--threads 2");
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_NE(second.err.find("already exists"), std::string::npos) << second.err;
  EXPECT_EQ(Snapshot(out), before);
  // No temporary directories left beside it either.
  EXPECT_EQ(Snapshot(work_.path()), parent_before);
}

TEST_P(FixtureTest, ForceReplacesAnExistingOut) {
  const FixtureRun& r = GetParam();
  const std::string out = work_.path() + "/out";
  work_.Write("out/stale.txt", "left over from an earlier run\n");
  work_.Write("out/placements.csv", "not,the,right,content\n");

  CommandResult res = Run(out, "--force --threads 2");
  ASSERT_EQ(res.exit_code, 0) << res.err;
  EXPECT_FALSE(FileExists(out + "/stale.txt")) << "--force must replace the directory, not merge into it";
  for (const std::string& name : ExpectedFiles(r)) {
    EXPECT_EQ(ReadFile(out + "/" + name), ReadFile(r.expected_dir + "/" + name)) << name;
  }
  // Nothing but the run directory remains in the parent (no .tmp / .old leftovers).
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(work_.path())) entries.push_back(e.path().filename().string());
  EXPECT_EQ(entries, std::vector<std::string>{"out"});
}

std::string ParamName(const ::testing::TestParamInfo<FixtureRun>& info) {
  std::string name = info.param.case_name + "_" + info.param.rules_stem;
  for (char& c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, FixtureTest, ::testing::ValuesIn(DiscoverFixtures()), ParamName);

// The discovery above must find every case the notes promise; a missing directory would
// otherwise silently shrink the suite.
TEST(FixtureDiscovery, FindsEveryCase) {
  std::set<std::string> keys;
  for (const FixtureRun& r : DiscoverFixtures()) keys.insert(r.Key());
  for (const char* want : {"plain/plain", "two-rankings/two-rankings", "reserve-order/reserve-first",
                           "reserve-order/open-first", "channel-move/rules", "batches/rules", "edge/rules",
                           "program-eligibility/rules", "formats/rules", "stages/rules", "batches-lists/rules",
                           "expressions/rules", "balanced-table/rules", "balanced-proportional/rules",
                           "reserve-before-after/balanced-first", "reserve-before-after/balanced-last",
                           "flow-later-batch/rules", "lines/rules", "regress-split-table-in-stage/rules",
                           "regress-flow-to-staged-batch/rules", "mechanisms/deferred", "mechanisms/immediate",
                           "mechanisms/parallel-2", "mechanisms/guangzhou", "first-choice-reserve/rules"}) {
    EXPECT_EQ(keys.count(want), 1u) << want;
  }
  // Every stem named in a serial-not-applicable file must be a rules file of that case.
  for (const auto& dir : fs::directory_iterator(CasesDir())) {
    std::istringstream in(ReadFile((dir.path() / "serial-not-applicable").string()));
    for (std::string stem; std::getline(in, stem);) {
      EXPECT_EQ(keys.count(dir.path().filename().string() + "/" + stem), 1u) << dir.path() << ": " << stem;
    }
  }
}

}  // namespace
}  // namespace zkmatch::testing
