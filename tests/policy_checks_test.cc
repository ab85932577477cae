// Policy checks of `zkmatch check` (rules/README.md, "Policy checks"), golden: each
// fixtures/policy/<name>/ is a small rule set with one policy finding, copied to a private
// directory and run through the real binary there. Warnings leave the exit code 0 and `run`
// still writes its outputs; errors exit 2 and nothing is written. stdout, stderr and the exit
// code are compared exactly.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

class PolicyCheck : public ::testing::Test {
 protected:
  // Copies fixtures/policy/<name> into the private work directory.
  void Use(const std::string& name) {
    const std::string source = SourceDir() + "/fixtures/policy/" + name;
    ASSERT_TRUE(fs::is_directory(source)) << source;
    fs::copy(source, work_.path(), fs::copy_options::recursive);
  }
  CommandResult Check() const { return RunCommand("'" + ZkmatchBinary() + "' check --rules rules.yaml", work_.path()); }
  CommandResult Run() const {
    return RunCommand("'" + ZkmatchBinary() + "' run --quiet --threads 1 --rules rules.yaml --out out", work_.path());
  }
  std::string Out() const { return work_.path() + "/out"; }

  // A warning: check exits 0 with the warning on stderr and the summary on stdout; run exits 0,
  // repeats the warning and writes the run directory.
  // `run_extra`: what run adds after matching (a target the admissions missed).
  void ExpectWarning(const std::string& name, const std::string& stderr_text, const std::string& summary, const std::string& run_extra = "") {
    Use(name);
    CommandResult c = Check();
    EXPECT_EQ(c.exit_code, 0) << c.err;
    EXPECT_EQ(c.err, stderr_text);
    EXPECT_EQ(c.out, summary);
    CommandResult r = Run();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, stderr_text + run_extra);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(FileExists(Out() + "/placements.csv"));
    EXPECT_TRUE(FileExists(Out() + "/cutoffs.csv"));
  }

  // An error: check and run both exit 2 with exactly `stderr_text`, print nothing on stdout,
  // and run writes nothing.
  void ExpectError(const std::string& name, const std::string& stderr_text) {
    Use(name);
    CommandResult c = Check();
    EXPECT_EQ(c.exit_code, 2);
    EXPECT_EQ(c.err, stderr_text);
    EXPECT_EQ(c.out, "");
    CommandResult r = Run();
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, stderr_text);
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(FileExists(Out())) << "a refused run must not create --out";
  }

  TempDir work_;
};

// `check` of a hand-checked case in fixtures/cases, in its own directory.
CommandResult CheckCase(const std::string& name) {
  return RunCommand("'" + ZkmatchBinary() + "' check --rules rules.yaml", SourceDir() + "/fixtures/cases/" + name);
}

// (1) 一中 3 + 二中 2 general-high seats (the vocational program's 4 excluded by
// `general_high`) for 10 candidates: 50% < 60%; 6 seats would be needed.
TEST_F(PolicyCheck, GeneralHighTargetWarnsWithBothNumbersAndTheRunGoesAhead) {
  ExpectWarning("general-high-target",
                "rules.yaml:6:3: warning: general-high seats 5 for 10 candidates are 50.00%, below the target 60.00% "
                "(6 seats needed)\n",
                "rules.yaml: ok: 10 candidates, 3 programs, 30 choices in 1 batch\n",
                "rules.yaml:6:3: warning: general-high admissions 5 of 10 candidates are 50.00%, below the target 60.00% (6 needed); "
                "the plan has only 5 general-high seats\n");
  // All nine seats (the vocational ones too) are used: the warning changes nothing in the run.
  EXPECT_EQ(ReadFile(Out() + "/cutoffs.csv"),
            "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,"
            "over_capacity\n"
            "main,G1,general,,3,3,670,,3,0,0,0\n"
            "main,G2,general,,2,2,650,,2,0,0,0\n"
            "main,V1,general,,4,4,610,,4,0,0,0\n");
}

// A what-if (extends:) without a name of its own would carry its base's name into reports and
// diffs: check and run warn, at the extends line.
// (1b) Seats count only where a stage that runs the program reads their column: Q's 2 seats
// in top_general (a column only stage `top`, school S1, reads) are never offered, so the plan
// has 2 general-high seats for 4 candidates, not 4.
TEST_F(PolicyCheck, GeneralHighSeatsNoStageOffersDoNotCount) {
  ExpectWarning("general-high-unoffered",
                "rules.yaml:9:3: warning: general-high seats 2 for 4 candidates are 50.00%, below the target 60.00% (3 seats needed)\n",
                "rules.yaml: ok: 4 candidates, 2 programs, 4 choices in 1 batch\n",
                "rules.yaml:9:3: warning: general-high admissions 2 of 4 candidates are 50.00%, below the target 60.00% (3 needed); "
                "the plan has only 2 general-high seats\n");
}

// (1c) Text cells with spaces around the value (fixtures/policy/spaced-text): a warning for the
// column a condition compares with `=`, none for the one read as a ';'-list.
TEST_F(PolicyCheck, TextCellsWithSpacesAroundTheValueWarn) {
  const std::string warning =
      "programs.csv:2:district: warning: 2 cells of 'district' have spaces around the value (the first: 'D1 '): a condition compares text as "
      "written ('D1 ' = 'D1' is false) while a ';'-list ignores those spaces; remove them\n";
  ExpectWarning("spaced-text", warning, "rules.yaml: ok: 2 candidates, 2 programs, 2 choices in 1 batch\n");
}

TEST_F(PolicyCheck, WhatIfKeepingTheBaseNameWarns) {
  ExpectWarning("extends-keeps-name",
                "rules.yaml:2:10: warning: this what-if keeps the name 'base-2025' of base.yaml; give it its own (name: ...) so that "
                "reports and diffs of the two runs tell them apart\n",
                "line control = 665 (fixed)\nrules.yaml: ok: 5 candidates, 2 programs, 7 choices in 1 batch\n");
}

// Enough general-high seats, too few candidates choosing them: check is silent (it does not
// match); run warns with the admissions and says the seats were there.
TEST_F(PolicyCheck, GeneralHighAdmissionsBelowTheTargetWarnAfterTheRun) {
  ExpectWarning("general-high-admitted", "", "rules.yaml: ok: 10 candidates, 2 programs, 10 choices in 1 batch\n",
                "rules.yaml:8:3: warning: general-high admissions 4 of 10 candidates are 40.00%, below the target 60.00% (6 needed); "
                "the plan had 6 general-high seats, so candidates chose or qualified for other programs\n");
}

// (2) 公民同招: a private program admitting through 'general' in an earlier batch than any
// public program does. The error names the program's row in programs.csv and what to do.
TEST_F(PolicyCheck, PrivateProgramAdmittingBeforePublicOnesIsAnError) {
  ExpectError("private-early",
              "programs.csv:3:sector: error: private program 'M1' admits through channel 'general' in batch 'early', "
              "before public programs do (batch 'main'); public_private_sync (公民同招) requires private schools to "
              "admit with the public ones -- move its seats to that batch\n"
              "zkmatch: 1 error; nothing was written\n");
}

// (3) Channel 'arts': one program's cell is empty, the other's 0.
TEST_F(PolicyCheck, ChannelWithoutSeatsWarns) {
  ExpectWarning("channel-no-seats",
                "rules.yaml:10:9: warning: channel 'arts' in batch 'main' has no seats in any program (column 'arts' is "
                "empty or 0)\n",
                "rules.yaml: ok: 3 candidates, 2 programs, 4 choices in 1 batch\n");
}

// (4) Channel 'sports' (eligible: sports_passed = 1) when nobody passed: 0, 0 and an empty cell.
TEST_F(PolicyCheck, ChannelNobodyIsEligibleForWarns) {
  ExpectWarning("channel-no-eligible",
                "rules.yaml:9:9: warning: no candidate meets the condition of channel 'sports' (sports_passed = 1); its "
                "2 seats cannot be filled\n",
                "rules.yaml: ok: 3 candidates, 1 programs, 3 choices in 1 batch\n");
}

// (5) candidates.csv column quality_grade is read by no rule.
TEST_F(PolicyCheck, InputColumnNoRuleUsesWarns) {
  ExpectWarning("unused-column",
                "candidates.csv:1: warning: column 'quality_grade' is not used by any rule; if a rule should use it, "
                "check the name in the rules, otherwise list it under descriptive_columns:\n",
                "rules.yaml: ok: 3 candidates, 1 programs, 3 choices in 1 batch\n");
}

// (6) Two stages of one batch both select G1 and both read capacity column 'general'.
TEST_F(PolicyCheck, SeatsOfOneProgramInTwoStagesIsAnError) {
  ExpectError("seats-two-stages",
              "rules.yaml:14:43: error: program 'G1' offers its 'general' seats in batch 'early', stage 'first' and "
              "again in batch 'early', stage 'second'; give each stage its own capacity column or narrow the stages' "
              "programs\n"
              "zkmatch: 1 error; nothing was written\n");
}

// (7a) allocations.csv gives G1's balanced seats 1 + 1, programs.csv says 3. The message must
// point somewhere: at the program's capacity cell, naming the allocation rows.
TEST_F(PolicyCheck, AllocationsThatDoNotAddUpAreAnError) {
  ExpectError("allocation-sum",
              "programs.csv:2:balanced: error: the allocations of program 'G1' in channel 'balanced' add up to 2 seats "
              "(allocations.csv rows 2, 3) but programs.csv gives it 3; make them equal\n"
              "zkmatch: 1 error; nothing was written\n");
}

// (7b) allocations.csv gives a seat to junior school J3, which no candidate comes from.
TEST_F(PolicyCheck, AllocationToAnUnknownJuniorSchoolIsAnError) {
  ExpectError("allocation-unknown-school",
              "allocations.csv:3:group: error: no candidate has junior_school 'J3' (did you mean 'J1'?); seats "
              "allocated to it could never be used -- fix the name or remove the row\n"
              "zkmatch: 1 error; nothing was written\n");
}

// (7c) Two batches each have a table-allocated channel 'balanced' at G1, and the row does not say
// which: an error at the row, naming both and the column that settles it
// (fixtures/cases/allocation-batch-column is the same rule set with a 'batch' column).
TEST_F(PolicyCheck, AllocationRowTwoStagesCouldTakeIsAnError) {
  ExpectError("allocation-ambiguous",
              "allocations.csv:2:channel: error: program 'G1' has channel 'balanced' in batch 'early' and in batch 'main'; say "
              "which this row is for in a 'batch' column (and a 'stage' column when both are stages of one batch)\n"
              "zkmatch: 1 error; nothing was written\n");
}

// (7d) Unfilled specialist seats go to batch 'general', whose only stage runs program A but not
// B: B's empty seats could only be lost. An error at the unfilled: target.
TEST_F(PolicyCheck, UnfilledSeatsSentToABatchThatDoesNotRunTheProgramIsAnError) {
  ExpectError("later-batch-not-run",
              "rules.yaml:13:19: error: channel 'sports' sends unfilled seats to channel 'general' of batch 'general', but no stage "
              "of that batch runs program 'B' with that channel, so seats left empty there would be lost; let a stage of "
              "'general' run it, or write unfilled: none to keep them empty\n"
              "zkmatch: 1 error; nothing was written\n");
}

// (7d') The same for seats that can only arrive by a flow: P's balanced seat flows to P's arts
// channel (no arts seats of its own), which sends unfilled seats to batch 'general', where no
// stage runs P.
TEST_F(PolicyCheck, UnfilledSeatsThatArriveByAFlowAndCannotGoOnAreAnError) {
  ExpectError("later-batch-flowed-in",
              "rules.yaml:14:64: error: channel 'arts' sends unfilled seats to channel 'general' of batch 'general', but no stage "
              "of that batch runs program 'P' with that channel, so seats left empty there would be lost; let a stage of "
              "'general' run it, or write unfilled: none to keep them empty\n"
              "rules.yaml:14:9: warning: channel 'arts' in batch 'early' has no seats in any program (column 'arts' is empty or 0)\n"
              "zkmatch: 1 error; nothing was written\n");
}

// (7e) A candidate with an empty junior_school belongs to no group (fixtures/cases/no-junior-school).
TEST(PolicyCheckCases, CandidateWithoutJuniorSchoolWarnsWithTheRow) {
  const CommandResult c = CheckCase("no-junior-school");
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(c.err,
            "candidates.csv:2:junior_school: warning: 1 candidate has no junior_school (row 2): they belong to no group, so they "
            "compete for no seats of channel 'balanced' (or any channel split by it) and no allocation counts them; fill the "
            "cell if they should have a share\n");
}

// (7f) A table row for a program no stage runs with that channel: its seats are never offered.
TEST(PolicyCheckCases, AllocationRowForAProgramNoStageRunsWarns) {
  const CommandResult c = CheckCase("regress-split-table-in-stage");
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(c.err,
            "allocations.csv:3:program: warning: no stage runs program 'Q' with channel 'balanced' (it is in batch 'early', stage "
            "'top' (programs: program.school = 'S1')), so this row's 1 seat is never offered; remove the row or let a stage run "
            "the program\n");
}

// (8) candidates.csv with a header and no rows: the run goes ahead (nothing to place) but says so.
TEST_F(PolicyCheck, NoCandidatesWarns) {
  ExpectWarning("no-candidates",
                "candidates.csv:1: warning: candidates.csv has no rows (only a header): nobody can be placed and every "
                "admit_ratio line has no candidates to count -- is this the right file?\n",
                "rules.yaml: ok: 0 candidates, 1 programs, 0 choices in 1 batch\n");
}

// The public-private check passes when public and private programs admit in the same batch
// (fixtures/cases/sync-areas): no diagnostic at all.
TEST(PolicyCheckCases, SynchronizedAdmissionPassesQuietly) {
  const CommandResult c = CheckCase("sync-areas");
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(c.err, "");
  EXPECT_EQ(c.out, "rules.yaml: ok: 10 candidates, 3 programs, 15 choices in 1 batch\n");
}

}  // namespace
}  // namespace zkmatch::testing
