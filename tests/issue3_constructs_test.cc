// What the generic fixture test (tests/fixtures_test.cc) cannot show about the rule-language
// constructs of fixtures/cases/: it compares the files of `zkmatch run`, not what `zkmatch
// check` prints. The values here are the hand-computed ones from fixtures/cases/lines/NOTES.md.
#include <gtest/gtest.h>

#include <string>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// `check` computes every line before any matching and prints it with how it was computed, in
// the order of the rules file (floor is written before the control line it is computed from).
TEST(Lines, CheckPrintsEveryComputedLineInRulesOrder) {
  TempDir work;
  const std::string rules = SourceDir() + "/fixtures/cases/lines/rules.yaml";
  CommandResult res = RunCommand(Quote(ZkmatchBinary()) + " check --rules " + Quote(rules), work.path());
  ASSERT_EQ(res.exit_code, 0) << res.err;
  const std::string want =
      "line minimum = 360 (fixed)\n"
      "line floor = 547.5 (control - 20)\n"
      "line control = 567.5 (admit_ratio 0.6 of by_total: candidate H6 at position 6 of 9)\n"
      "line arts_floor = 368.88 (control x 0.65, rounded to hundredths)\n"
      "line music_floor = 357.53 (control x 0.63, rounded to hundredths)\n";
  EXPECT_EQ(res.out.substr(0, want.size()), want) << res.out;
}

// A rules file without lines prints none.
TEST(Lines, CheckPrintsNoLineWhenTheRulesHaveNone) {
  TempDir work;
  const std::string rules = SourceDir() + "/fixtures/cases/stages/rules.yaml";
  CommandResult res = RunCommand(Quote(ZkmatchBinary()) + " check --rules " + Quote(rules), work.path());
  ASSERT_EQ(res.exit_code, 0) << res.err;
  EXPECT_FALSE(res.out.starts_with("line ")) << res.out;
  EXPECT_EQ(res.out.find("\nline "), std::string::npos) << res.out;
}

// Regression: serial dictatorship must be refused up front when unfilled seats can flow into a
// channel ranked differently (the pre-check used to look at the capacity columns only, and the
// run then failed inside the matcher).
TEST(MatcherPath, SerialIsRefusedWhenSeatsCanFlowIntoADifferentlyRankedChannel) {
  TempDir work;
  work.Write("rules.yaml",
             "version: 1\n"
             "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
             "rankings:\n"
             "  by_total: {keys: [total desc], last_tie: id}\n"
             "  by_sports: {keys: [sports desc], last_tie: id}\n"
             "batches:\n"
             "  - name: main\n"
             "    channels:\n"
             "      - {name: general, seats: general, ranking: by_total, unfilled: sports}\n"
             "      - {name: sports, seats: sports, ranking: by_sports}\n");
  work.Write("programs.csv", "code,general,sports\nP,2,\n");
  work.Write("candidates.csv", "id,total,sports\nA1,700,1\nA2,690,2\nA3,680,3\n");
  work.Write("choices.csv", "candidate_id,batch,rank,program\nA1,main,1,P\n");
  CommandResult res = RunCommand(Quote(ZkmatchBinary()) + " run --rules rules.yaml --out out --matcher serial", work.path());
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_NE(res.err.find("serial dictatorship needs every channel with seats in a batch to share one ranking"), std::string::npos) << res.err;
  EXPECT_FALSE(FileExists(work.path() + "/out"));
  // The general path handles it: P's unfilled general seat flows to sports and is rerun.
  res = RunCommand(Quote(ZkmatchBinary()) + " run --rules rules.yaml --out out2 --matcher general -q", work.path());
  EXPECT_EQ(res.exit_code, 0) << res.err;
}

}  // namespace
}  // namespace zkmatch::testing
