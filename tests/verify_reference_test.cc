// The verifier's own lines, rankings and allocations (engine/src/verify_reference.h), on
// hand-checked fixtures: the values come from each case's NOTES.md, worked out by hand, and the
// lottery numbers from the tests' own SHA-256 (support/brute_force.h) -- a third implementation
// besides the engine's ranking.cc and the verifier's.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "support/brute_force.h"
#include "support/test_env.h"
#include "support/loaded_instance.h"
#include "verify_reference.h"
#include "zkmatch/generator.h"
#include "zkmatch/pipeline.h"

namespace zkmatch::testing {
namespace {

using Loaded = LoadedInstance;

Loaded LoadCase(const std::string& rules_file) {
  Loaded l = LoadInstance(SourceDir() + "/fixtures/cases/" + rules_file);
  l.lines = verify::Lines(l.rules, l.instance);
  return l;
}

std::vector<std::string> Ids(const Loaded& l, const std::vector<CandidateIndex>& order) {
  std::vector<std::string> ids;
  for (const CandidateIndex c : order) ids.push_back(l.instance.candidates.id[c]);
  return ids;
}

// fixtures/cases/ties/NOTES.md: the lottery order of the 650s is L4, L5, L3, L2 and of the 640s
// L7, L6 (L6's number is above 2^63: compared as signed it would come first).
TEST(VerifyReference, LotteryRankingFollowsTheSeededNumbersUnsigned) {
  const Loaded l = LoadCase("ties/lottery.yaml");
  for (const std::string& id : l.instance.candidates.id) {
    EXPECT_EQ(verify::Lottery(l.rules.seed, id), brute::LotteryNumber(l.rules.seed, id)) << id;
  }
  EXPECT_EQ(verify::Lottery(l.rules.seed, "L6"), 13127841466139042105ull);
  const verify::Ranked r = verify::RankCandidates(l.rules.rankings[0], l.Context(), l.rules.seed);
  EXPECT_EQ(Ids(l, r.order), (std::vector<std::string>{"L1", "L4", "L5", "L3", "L2", "L7", "L6"}));
  for (std::size_t i = 0; i < r.order.size(); ++i) EXPECT_EQ(r.rank[r.order[i]], i);
}

// admit_all: candidates equal on every key share the position of the first of them.
TEST(VerifyReference, AdmitAllTiesShareARank) {
  const Loaded l = LoadCase("ties/admit-all.yaml");
  const verify::Ranked r = verify::RankCandidates(l.rules.rankings[0], l.Context(), l.rules.seed);
  std::vector<std::uint32_t> by_id;
  for (std::size_t c = 0; c < l.instance.candidates.size(); ++c) by_id.push_back(r.rank[c]);
  EXPECT_EQ(by_id, (std::vector<std::uint32_t>{0, 1, 1, 1, 1, 5, 5}));  // L1 .. L7
  EXPECT_EQ(Ids(l, r.order), (std::vector<std::string>{"L1", "L2", "L3", "L4", "L5", "L6", "L7"}));
}

// A per-program ranking (RankEntries ranks the programs in parallel, each over its own
// applicants): on a generated hospital/residents instance (program_score desc, total desc, id),
// at 1 and 4 threads, every entry's rank is its position among its program's applicants in a
// plain sort of (program score, missing last; total; id) written here from the rules as stated.
TEST(VerifyReference, PerProgramRanksArePositionsInEachProgramsOwnOrder) {
  TempDir dir;
  GeneratorOptions options;
  options.profile = "hr";
  options.candidates = 4000;
  options.seed = 77;
  const auto files = Generate(options);
  ASSERT_TRUE(files.ok());
  for (const OutputFile& f : *files) dir.Write(f.name, f.content);
  const Loaded l = LoadInstance(dir.path() + "/rules.yaml");
  ASSERT_EQ(l.rules.rankings.size(), 1u);
  ASSERT_TRUE(l.rules.rankings[0].per_program);
  ASSERT_EQ(l.rules.rankings[0].last_tie, LastTie::kId);
  const ChoiceLists& lists = l.instance.choices[0];
  const std::size_t n = l.instance.candidates.size();
  std::vector<std::vector<std::tuple<std::int64_t, std::int64_t, std::string, std::uint32_t>>> by_program(l.instance.programs.size());
  for (std::size_t c = 0; c < n; ++c) {
    for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
      const ProgramIndex p = lists.program[k];
      const Score s = l.instance.program_scores.Find(static_cast<CandidateIndex>(c), p);
      // Ascending order = best first: a higher score first, a missing one after every score.
      const std::int64_t score_key = s == kMissingScore ? std::numeric_limits<std::int64_t>::max() : -static_cast<std::int64_t>(s);
      by_program[p].emplace_back(score_key, -static_cast<std::int64_t>(l.instance.candidates.total[c]), l.instance.candidates.id[c], k);
    }
  }
  std::vector<std::uint32_t> expected(lists.program.size(), 0);
  std::size_t programs_with_many = 0;
  for (auto& applicants : by_program) {
    std::sort(applicants.begin(), applicants.end());
    for (std::size_t i = 0; i < applicants.size(); ++i) expected[std::get<3>(applicants[i])] = static_cast<std::uint32_t>(i);
    programs_with_many += applicants.size() > 20 ? 1 : 0;
  }
  ASSERT_GT(programs_with_many, 2u);
  for (const int threads : {1, 4}) {
    SCOPED_TRACE(threads);
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    EXPECT_EQ(verify::RankEntries(l.rules.rankings[0], l.Context(), lists, l.rules.seed), expected);
  }
}

// fixtures/cases/lines/NOTES.md: fixed, offset, admit_ratio and factor lines; a factor rounds
// to the nearest hundredth, halves away from zero (567.5 x 0.65 = 368.875 -> 368.88).
TEST(VerifyReference, LinesEqualTheHandComputedValues) {
  const Loaded l = LoadCase("lines/rules.yaml");
  std::vector<std::pair<std::string, Score>> got;
  for (std::size_t i = 0; i < l.rules.lines.size(); ++i) got.emplace_back(l.rules.lines[i].name, l.lines[i]);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, Score>>{
                     {"minimum", 36000}, {"floor", 54750}, {"control", 56750}, {"arts_floor", 36888}, {"music_floor", 35753}}));
}

// fixtures/cases/lines-shared-place/NOTES.md: position 2 falls inside the place A, B and C share
// (admit_all); they stand in id order, so the line is B's total, 600 -- not the lowest total of
// the place (A's 500), and not C's, whose row comes first in candidates.csv.
TEST(VerifyReference, AnAdmitRatioPositionInsideASharedPlaceNamesTheCandidateInIdOrder) {
  const Loaded l = LoadCase("lines-shared-place/rules.yaml");
  ASSERT_EQ(l.rules.lines.size(), 1u);
  EXPECT_EQ(l.lines[0], 60000);
}

// fixtures/cases/seat-shares/NOTES.md: 40% of plan, rounded down, and the rest: P plan 5 -> 2
// and 3, Q plan 3 -> 1 and 2. The verifier computes them from the plan column itself: with the
// loader's computed seats overwritten (as a bug in the engine's rounding would leave them),
// the same numbers come out.
TEST(VerifyReference, SeatSharesComeFromThePlanAsWritten) {
  Loaded l = LoadCase("seat-shares/rules.yaml");
  const Stage& stage = l.rules.batches[0].stages[0];
  ASSERT_EQ(stage.channels[0].name, "reserved");
  ASSERT_EQ(l.instance.programs.code, (std::vector<std::string>{"P", "Q"}));
  EXPECT_EQ(verify::ChannelSeats(stage, 0, l.instance.programs), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(verify::ChannelSeats(stage, 1, l.instance.programs), (std::vector<std::int64_t>{3, 2}));
  for (std::vector<std::int32_t>& column : l.instance.programs.seats) column.assign(column.size(), 99);
  EXPECT_EQ(verify::ChannelSeats(stage, 0, l.instance.programs), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(verify::ChannelSeats(stage, 1, l.instance.programs), (std::vector<std::int64_t>{3, 2}));
}

verify::Split SplitOf(const Loaded& l, const std::string& channel) {
  const Stage& stage = l.rules.batches[0].stages[0];
  std::size_t h = 0;
  while (stage.channels[h].name != channel) ++h;
  return verify::AllocateSplit(l.rules, l.instance, l.Context(), 0, stage, h, verify::ProgramsOf(stage, l.Context()));
}

// fixtures/cases/allocation-rounding/NOTES.md: 2 seats, half by candidates (J1 2, J2 1, J3 1),
// half by grade-A candidates (nobody): J1 0.5, J2 0.25, J3 0.25, no group 1.0 -> J1 1, no group 1.
TEST(VerifyReference, ShareOfNoGroupTakesPartInTheRounding) {
  const Loaded l = LoadCase("allocation-rounding/rules.yaml");
  const verify::Split s = SplitOf(l, "balanced");
  ASSERT_EQ(s.num_groups, 3u);  // J1, J2, J3
  EXPECT_EQ(s.seats, (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(s.no_group, (std::vector<std::int64_t>{1}));
}

// fixtures/cases/no-junior-school/NOTES.md: the candidate without a junior school is not counted:
// J1 2/3, J2 4/3 -> J1 1, J2 1; the empty group ("", first in the dictionary) gets nothing.
TEST(VerifyReference, CandidateWithoutAGroupIsNotCounted) {
  const Loaded l = LoadCase("no-junior-school/rules.yaml");
  const verify::Split s = SplitOf(l, "balanced");
  ASSERT_EQ(s.num_groups, 3u);  // "", J1, J2
  EXPECT_EQ(s.seats, (std::vector<std::int64_t>{0, 1, 1}));
  EXPECT_EQ(s.no_group, (std::vector<std::int64_t>{0}));
}

// fixtures/cases/staged-split: each stage takes the table rows of the programs it runs.
TEST(VerifyReference, TableRowsGoToTheStageThatRunsTheProgram) {
  const Loaded l = LoadCase("staged-split/rules.yaml");
  for (std::size_t s = 0; s < 2; ++s) {
    const Stage& stage = l.rules.batches[0].stages[s];
    const verify::Split split = verify::AllocateSplit(l.rules, l.instance, l.Context(), 0, stage, 0, verify::ProgramsOf(stage, l.Context()));
    // Programs P, Q; groups J1, J2: stage 'first' runs P, stage 'second' Q.
    EXPECT_EQ(split.seats, s == 0 ? (std::vector<std::int64_t>{1, 1, 0, 0}) : (std::vector<std::int64_t>{0, 0, 1, 1})) << stage.name;
  }
}

}  // namespace
}  // namespace zkmatch::testing
