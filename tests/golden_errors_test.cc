// The bad-input corpus: every fixtures/bad/<case>/ is a minimal rules.yaml plus input files with
// one mistake (or a deliberate pair), and expected.txt holds the exact stderr the user must see.
// Both `zkmatch check` and `zkmatch run` are run with the case directory as the working
// directory (a private copy of it, so a misbehaving run cannot litter the source tree); both
// must exit 2, print exactly expected.txt on stderr, nothing on stdout, and create nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string BadDir() { return SourceDir() + "/fixtures/bad"; }

std::vector<std::string> DiscoverBadCases() {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(BadDir(), ec)) return names;
  for (const auto& e : fs::directory_iterator(BadDir())) {
    if (e.is_directory() && fs::exists(e.path() / "rules.yaml")) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::set<std::string> Listing(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

class GoldenErrorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    source_ = BadDir() + "/" + GetParam();
    ASSERT_TRUE(FileExists(source_ + "/expected.txt")) << "missing " << source_ << "/expected.txt";
    expected_ = ReadFile(source_ + "/expected.txt");
    fs::copy(source_, work_.path(), fs::copy_options::recursive);
    before_ = Listing(work_.path());
  }

  void Check(const std::string& verb_args) {
    CommandResult r = RunCommand("'" + ZkmatchBinary() + "' " + verb_args, work_.path());
    EXPECT_EQ(r.exit_code, 2) << verb_args;
    ExpectGolden(source_ + "/expected.txt", r.err, "stderr of zkmatch " + verb_args + " in fixtures/bad/" + GetParam());
    EXPECT_EQ(r.out, "") << verb_args;
    EXPECT_FALSE(FileExists(work_.path() + "/out")) << verb_args << " created 'out'";
    EXPECT_EQ(Listing(work_.path()), before_) << verb_args << " left files behind";
  }

  std::string source_;
  std::string expected_;
  TempDir work_;
  std::set<std::string> before_;
};

TEST_P(GoldenErrorTest, CheckReportsExactly) { Check("check --rules rules.yaml"); }

TEST_P(GoldenErrorTest, RunReportsExactlyAndWritesNothing) { Check("run --rules rules.yaml --out out"); }

TEST_P(GoldenErrorTest, ExpectedEndsWithTheClosingLine) {
  // Guards the corpus itself: every expected.txt ends with the summary line and a newline.
  ASSERT_FALSE(expected_.empty());
  EXPECT_EQ(expected_.back(), '\n');
  EXPECT_NE(expected_.find("; nothing was written\n"), std::string::npos);
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
  }
  return name;
}

// The cases run through the binary: all of them, but under AddressSanitizer (CI time: every
// ASan process starts slowly) every second one. The release suite checks every message; the
// fuzzers (ASan + UBSan) start from corpora holding many of these inputs.
std::vector<std::string> CasesToRun() {
  std::vector<std::string> cases = DiscoverBadCases();
#if defined(__SANITIZE_ADDRESS__)
  std::vector<std::string> every_second;
  for (std::size_t i = 0; i < cases.size(); i += 2) every_second.push_back(cases[i]);
  cases = std::move(every_second);
#endif
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Corpus, GoldenErrorTest, ::testing::ValuesIn(CasesToRun()), ParamName);

TEST(GoldenErrorCorpus, HasAtLeastTheRequiredCases) {
  const std::vector<std::string> cases = DiscoverBadCases();
  EXPECT_GE(cases.size(), 60u);  // issue 6: at least 60 cases across CSV, YAML and cross-file checks
  const std::set<std::string> have(cases.begin(), cases.end());
  for (const char* want :
       {"total-three-decimals", "total-not-number", "duplicate-candidate-id", "unknown-program", "program-twice",
        "rank-gap", "duplicate-rank", "unknown-batch", "missing-total-column", "yaml-syntax", "unknown-key",
        "unknown-ranking", "expression-error", "csv-unterminated-quote", "csv-invalid-utf8", "negative-capacity",
        "wrong-field-count", "unsupported-last-tie", "missing-seats-column", "two-errors",
        // issue 6: hostile and broken inputs
        "csv-truncated", "yaml-truncated", "csv-stray-quote", "csv-newline-in-id", "csv-nul-byte", "gb18030-read-as-utf8",
        "utf8-read-as-gb18030", "csv-bom-mid-file", "csv-duplicate-header", "total-exponent", "total-negative-zero", "total-nan",
        "total-fullwidth-digits", "total-20-digits", "empty-candidate-id", "ids-differing-by-space", "unknown-candidate",
        "rank-gap", "capacity-non-integer", "allocation-unknown-junior-school", "yaml-alias", "yaml-billion-laughs",
        "yaml-deep-nesting", "yaml-duplicate-key", "line-cycle"}) {
    EXPECT_EQ(have.count(want), 1u) << want;
  }
}

}  // namespace
}  // namespace zkmatch::testing
