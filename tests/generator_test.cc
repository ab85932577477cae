// zkmatch gen: every profile is byte-reproducible for a seed, differs across seeds, and yields
// a rule set that checks without errors or warnings and verifies after a run.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string Gen(const TempDir& dir, const std::string& profile, const std::string& candidates, const std::string& seed,
                const std::string& name) {
  CommandResult r = RunCommand(Quote(ZkmatchBinary()) + " gen --profile " + profile + " --candidates " + candidates + " --seed " + seed +
                                   " --out " + name,
                               dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir.path() + "/" + name;
}

TEST(Generator, EveryProfileIsReproducibleChecksCleanAndVerifies) {
  for (const std::string profile : {"city", "weihai", "province", "hr"}) {
    SCOPED_TRACE(profile);
    TempDir dir;
    const std::string a = Gen(dir, profile, "3000", "11", "a");
    const std::string b = Gen(dir, profile, "3000", "11", "b");
    const std::string c = Gen(dir, profile, "3000", "12", "c");
    for (const char* f : {"candidates.csv", "choices.csv", "programs.csv", "rules.yaml"}) {
      EXPECT_EQ(ReadFile(a + "/" + f), ReadFile(b + "/" + f)) << f << " differs for the same seed";
    }
    EXPECT_EQ(FileExists(a + "/program_scores.csv"), profile == "hr");
    if (profile == "hr") {
      EXPECT_EQ(ReadFile(a + "/program_scores.csv"), ReadFile(b + "/program_scores.csv")) << "program_scores.csv differs for the same seed";
      EXPECT_NE(ReadFile(a + "/program_scores.csv"), ReadFile(c + "/program_scores.csv"));
    }
    EXPECT_NE(ReadFile(a + "/choices.csv"), ReadFile(c + "/choices.csv")) << "another seed gives the same choices";
    CommandResult check = RunCommand(Quote(ZkmatchBinary()) + " check --rules a/rules.yaml", dir.path());
    EXPECT_EQ(check.exit_code, 0) << check.err;
    EXPECT_EQ(check.err, "");
    CommandResult run = RunCommand(Quote(ZkmatchBinary()) + " run --rules a/rules.yaml --out out -q", dir.path());
    ASSERT_EQ(run.exit_code, 0) << run.err;
    CommandResult verify = RunCommand(Quote(ZkmatchBinary()) + " verify --run out", dir.path());
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  }
}

// The weihai profile's published plan (7,440 general-high seats, 873 specialist, 180 of 3+4,
// for 12,394 candidates) scales with --candidates: at half the cohort, each seat count is half
// the published one, rounded half up, so the totals are within one seat per program of half.
TEST(Generator, WeihaiSeatPlanScalesWithTheCohort) {
  TempDir dir;
  auto seat_total = [](const std::string& programs) {
    long total = 0;
    std::size_t at = programs.find('\n') + 1;
    while (at < programs.size()) {
      const std::size_t end = programs.find('\n', at);
      const std::string row = programs.substr(at, end - at);
      // Seat columns are the last eight: general, balanced, five specialties, track_3p4.
      std::size_t comma = std::string::npos;
      for (int k = 0; k < 8; ++k) comma = row.rfind(',', comma == std::string::npos ? std::string::npos : comma - 1);
      std::size_t from = comma + 1;
      for (int k = 0; k < 8; ++k) {
        const std::size_t next = row.find(',', from);
        const std::string cell = row.substr(from, next == std::string::npos ? std::string::npos : next - from);
        total += cell.empty() ? 0 : std::stol(cell);
        from = next + 1;
      }
      at = end + 1;
    }
    return total;
  };
  const long full = seat_total(ReadFile(Gen(dir, "weihai", "12394", "5", "full") + "/programs.csv"));
  const long half = seat_total(ReadFile(Gen(dir, "weihai", "6197", "5", "half") + "/programs.csv"));
  EXPECT_EQ(full, 7440 + 180);  // the published plan: general-high (specialists included) and 3+4
  EXPECT_NEAR(static_cast<double>(half), static_cast<double>(full) / 2.0, 15.0);
}

TEST(Generator, UnknownProfileIsAUsageError) {
  TempDir dir;
  CommandResult r = RunCommand(Quote(ZkmatchBinary()) + " gen --profile hospital --out x", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown profile 'hospital'; known profiles: city, weihai, province, hr"), std::string::npos) << r.err;
  EXPECT_FALSE(FileExists(dir.path() + "/x"));
}

TEST(Generator, CandidatesOutsideTheProfilesRangeAreAUsageError) {
  TempDir dir;
  for (const auto& [profile, below] : {std::pair<std::string, std::string>{"city", "9"}, {"weihai", "99"}, {"province", "999"}, {"hr", "99"}}) {
    CommandResult r = RunCommand(Quote(ZkmatchBinary()) + " gen --profile " + profile + " --candidates " + below + " --out x", dir.path());
    EXPECT_EQ(r.exit_code, 2) << profile;
    EXPECT_NE(r.err.find("--candidates must be between " + std::to_string(std::stoi(below) + 1) + " and 99999999 for the " + profile + " profile"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(FileExists(dir.path() + "/x"));
  }
}

}  // namespace
}  // namespace zkmatch::testing
