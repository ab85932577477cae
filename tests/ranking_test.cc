// Unit tests for ranking.h, beside the unit: every expected rank below is derived by hand from
// the documented order (rules/README.md, "Rankings"; ranking.h), not from the engine.
//   - keys in order, desc higher first, asc lower first, a missing value last in either direction;
//   - last_tie id: id byte order; lottery: SHA-256(seed, 0x00, id) big-endian, then id;
//     admit_all: equals share the rank of the first of them;
//   - ranks do not depend on the input's row order;
//   - per-program rankings order each program's applicants by what that program gave them.
#include "ranking.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "expression.h"
#include "support/brute_force.h"  // the tests' own SHA-256 (shares no code with the engine)
#include "support/loaded_instance.h"
#include "support/test_env.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

using testing::TempDir;

// Candidates (id, total, math, arts); arts empty for some. Rows deliberately not in id order.
const char* kCandidates =
    "id,total,math,arts,junior_school\n"
    "c05,600,90,,J1\n"
    "c01,620,80,70,J1\n"
    "c03,600,95,60,J2\n"
    "c02,620,80,,J2\n"
    "c04,580,99,80,J1\n"
    "c06,600,90,60,J2\n";

const char* kRulesHead =
    "version: 1\n"
    "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv, program_scores: program_scores.csv}\n"
    "seed: \"2026-draw\"\n"
    "rankings:\n"
    "  by_total_math: {keys: [total desc, math desc], last_tie: id}\n"
    "  by_total_lottery: {keys: [total desc], last_tie: lottery}\n"
    "  by_total_all: {keys: [total desc], last_tie: admit_all}\n"
    "  by_arts_asc: {keys: [arts asc], last_tie: id}\n"
    "  by_test: {keys: [program_score desc, total desc], last_tie: id}\n"
    "batches:\n"
    "  - name: main\n"
    "    channels:\n"
    "      - {name: general, seats: seats, ranking: by_total_math}\n"
    "      - {name: l, seats: l, ranking: by_total_lottery}\n"
    "      - {name: a, seats: a, ranking: by_total_all}\n"
    "      - {name: r, seats: r, ranking: by_arts_asc}\n"
    "      - {name: t, seats: t, ranking: by_test}\n";

using Loaded = testing::LoadedInstance;

Loaded Load(const std::string& candidates) {
  TempDir tmp;
  tmp.Write("candidates.csv", candidates);
  tmp.Write("programs.csv", "code,school,seats,l,a,r,t\nP,S,1,1,1,1,1\nQ,S,1,1,1,1,1\n");
  tmp.Write("choices.csv", "candidate_id,batch,rank,program\nc01,main,1,P\nc02,main,1,P\nc03,main,1,P\nc03,main,2,Q\nc04,main,1,Q\nc05,main,1,Q\nc06,main,1,P\n");
  tmp.Write("program_scores.csv", "program,candidate_id,score\nP,c01,70\nP,c02,85\nP,c03,85\nP,c06,90\nQ,c03,50\nQ,c04,50\nQ,c05,60\n");
  tmp.Write("rules.yaml", kRulesHead);
  return testing::LoadInstance(tmp.path() + "/rules.yaml");
}

const Ranking& Named(const Rules& rules, const std::string& name) { return rules.rankings[static_cast<std::size_t>(rules.FindRanking(name))]; }

// Ids in the ranking's order, best first.
std::vector<std::string> Ids(const Loaded& l, const RankedOrder& r) {
  std::vector<std::string> out;
  for (CandidateIndex c : r.order) out.push_back(l.instance.candidates.id[c]);
  return out;
}

TEST(Ranking, KeysInOrderThenIdAndRanksAreDistinct) {
  const Loaded l = Load(kCandidates);
  ASSERT_EQ(l.instance.candidates.size(), 6u);
  const RankedOrder r = ComputeRanking(Named(l.rules, "by_total_math"), l.Context(), l.rules.seed);
  // total desc: 620 {c01 80, c02 80}, 600 {c03 95, c05 90, c06 90}, 580 {c04}; then math desc;
  // then id: c01 < c02, c05 < c06.
  EXPECT_EQ(Ids(l, r), (std::vector<std::string>{"c01", "c02", "c03", "c05", "c06", "c04"}));
  // Candidate indices are in id order: c01..c06 -> 0..5.
  EXPECT_EQ(r.rank, (std::vector<std::uint32_t>{0, 1, 2, 5, 3, 4}));
}

TEST(Ranking, AMissingValueRanksLastInEitherDirection) {
  const Loaded l = Load(kCandidates);
  const RankedOrder r = ComputeRanking(Named(l.rules, "by_arts_asc"), l.Context(), l.rules.seed);
  // arts asc: c03 60, c06 60, c01 70, c04 80; then c02 and c05 have none: last, by id.
  EXPECT_EQ(Ids(l, r), (std::vector<std::string>{"c03", "c06", "c01", "c04", "c02", "c05"}));
}

TEST(Ranking, AdmitAllGivesEqualsTheRankOfTheFirst) {
  const Loaded l = Load(kCandidates);
  const RankedOrder r = ComputeRanking(Named(l.rules, "by_total_all"), l.Context(), l.rules.seed);
  // 620: c01, c02 share rank 0; 600: c03, c05, c06 share rank 2; 580: c04 rank 5.
  EXPECT_EQ(r.rank, (std::vector<std::uint32_t>{0, 0, 2, 5, 2, 2}));
  EXPECT_EQ(Ids(l, r), (std::vector<std::string>{"c01", "c02", "c03", "c05", "c06", "c04"}));  // ties in id order
}

// The lottery number, computed here with the tests' own SHA-256 from its definition.
std::uint64_t OwnLottery(const std::string& seed, const std::string& id) {
  std::string message = seed;
  message.push_back('\0');
  message += id;
  const std::array<std::uint8_t, 32> d = testing::brute::Sha256(message);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d[static_cast<std::size_t>(i)];
  return v;
}

TEST(Ranking, LotteryBreaksTiesByTheSeedsNumberThenId) {
  const Loaded l = Load(kCandidates);
  for (const char* id : {"c01", "c05", "x"}) EXPECT_EQ(LotteryNumber("2026-draw", id), OwnLottery("2026-draw", id)) << id;
  const RankedOrder r = ComputeRanking(Named(l.rules, "by_total_lottery"), l.Context(), l.rules.seed);
  // Within each total, ascending lottery number.
  auto by_lottery = [](std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
      return OwnLottery("2026-draw", a) < OwnLottery("2026-draw", b);
    });
    return ids;
  };
  std::vector<std::string> want = by_lottery({"c01", "c02"});
  for (const std::string& id : by_lottery({"c03", "c05", "c06"})) want.push_back(id);
  want.push_back("c04");
  EXPECT_EQ(Ids(l, r), want);
  std::vector<std::uint32_t> sorted = r.rank;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5}));  // all distinct
}

TEST(Ranking, RowOrderChangesNothing) {
  const Loaded a = Load(kCandidates);
  std::string reversed = "id,total,math,arts,junior_school\n";
  std::vector<std::string> rows;
  std::string text = kCandidates;
  text = text.substr(text.find('\n') + 1);
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    rows.push_back(text.substr(at, end - at + 1));
    at = end + 1;
  }
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) reversed += *it;
  const Loaded b = Load(reversed);
  for (const char* name : {"by_total_math", "by_total_lottery", "by_total_all", "by_arts_asc"}) {
    const RankedOrder ra = ComputeRanking(Named(a.rules, name), a.Context(), a.rules.seed);
    const RankedOrder rb = ComputeRanking(Named(b.rules, name), b.Context(), b.rules.seed);
    EXPECT_EQ(ra.rank, rb.rank) << name;
    EXPECT_EQ(ra.order, rb.order) << name;
  }
}

TEST(Ranking, PerProgramOrdersEachProgramsApplicantsByItsOwnScores) {
  const Loaded l = Load(kCandidates);
  const Ranking& test = Named(l.rules, "by_test");
  ASSERT_TRUE(test.per_program);
  const ChoiceLists& lists = l.instance.choices[0];
  const std::vector<std::uint32_t> rank = ComputeEntryRanking(test, l.Context(), lists, l.rules.seed);
  ASSERT_EQ(rank.size(), lists.program.size());
  // P's applicants: c06 90, then c02 85 / c03 85 tied on the score -> total 620 before 600, then c01 70.
  // Q's applicants: c05 60, then c03 50 / c04 50 -> total 600 before 580.
  auto rank_of = [&](const std::string& id, const std::string& program) {
    const CandidateIndex c = static_cast<CandidateIndex>(
        std::find(l.instance.candidates.id.begin(), l.instance.candidates.id.end(), id) - l.instance.candidates.id.begin());
    for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
      if (l.instance.programs.code[lists.program[k]] == program) return rank[k];
    }
    ADD_FAILURE() << id << " did not list " << program;
    return std::uint32_t{0};
  };
  EXPECT_LT(rank_of("c06", "P"), rank_of("c02", "P"));
  EXPECT_LT(rank_of("c02", "P"), rank_of("c03", "P"));
  EXPECT_LT(rank_of("c03", "P"), rank_of("c01", "P"));
  EXPECT_LT(rank_of("c05", "Q"), rank_of("c03", "Q"));
  EXPECT_LT(rank_of("c03", "Q"), rank_of("c04", "Q"));
}


// Programs with hundreds of applicants take the per-program ranking's radix sort (a few, the
// comparison sort): on a seeded random instance, with ties on the score, missing scores and
// keys in both directions, each program's order is the one rules/README.md defines, derived
// here from the generated values alone: the keys in order (a missing value last), then id.
TEST(Ranking, PerProgramOrderOfLargeProgramsIsTheDefinedOne) {
  constexpr int kN = 2400;
  struct Entry {
    std::string id;
    int total2 = 0;         // total x 2
    bool has_score = true;
    int score2 = 0;         // program score x 2
    std::uint32_t k = 0;    // the entry, once loaded
  };
  std::mt19937 rng(20261206);
  std::vector<std::string> ids;
  for (int i = 0; i < kN; ++i) ids.push_back("c" + std::to_string(10000 + i));
  std::vector<int> total2(kN);
  std::string candidates = "id,total\n";
  std::vector<int> rows(kN);
  for (int i = 0; i < kN; ++i) rows[static_cast<std::size_t>(i)] = i;
  std::shuffle(rows.begin(), rows.end(), rng);  // rows not in id order
  for (int i = 0; i < kN; ++i) total2[static_cast<std::size_t>(i)] = 600 + static_cast<int>(rng() % 40);  // many equal totals
  auto half = [](int v2) { return std::to_string(v2 / 2) + (v2 % 2 ? ".5" : ""); };
  for (int i : rows) candidates += ids[static_cast<std::size_t>(i)] + "," + half(total2[static_cast<std::size_t>(i)]) + "\n";
  const char* programs[] = {"P", "Q", "R"};
  const unsigned percent[] = {70, 30, 4};  // ~1,700, ~700 (radix sort) and ~100 (comparison sort) applicants
  std::string choices = "candidate_id,batch,rank,program\n", scores = "program,candidate_id,score\n";
  std::map<std::string, std::vector<Entry>> applicants;  // by program
  for (int i = 0; i < kN; ++i) {
    int rank = 0;
    for (int p = 0; p < 3; ++p) {
      if (rng() % 100 >= percent[p]) continue;
      choices += ids[static_cast<std::size_t>(i)] + ",main," + std::to_string(++rank) + "," + programs[p] + "\n";
      Entry e{ids[static_cast<std::size_t>(i)], total2[static_cast<std::size_t>(i)], rng() % 20 != 0, static_cast<int>(rng() % 21)};
      if (e.has_score) scores += std::string(programs[p]) + "," + e.id + "," + half(e.score2) + "\n";
      applicants[programs[p]].push_back(e);
    }
  }
  TempDir tmp;
  tmp.Write("candidates.csv", candidates);
  tmp.Write("programs.csv", "code,school,a,b,c\nP,S,5,5,5\nQ,S,5,5,5\nR,S,5,5,5\n");
  tmp.Write("choices.csv", choices);
  tmp.Write("program_scores.csv", scores);
  tmp.Write("rules.yaml",
            "version: 1\n"
            "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv, program_scores: program_scores.csv}\n"
            "rankings:\n"
            "  desc: {keys: [program_score desc, total desc], last_tie: id}\n"
            "  asc: {keys: [program_score asc, total asc], last_tie: id}\n"
            "  one: {keys: [program_score desc], last_tie: id}\n"
            "batches:\n"
            "  - name: main\n"
            "    channels:\n"
            "      - {name: a, seats: a, ranking: desc}\n"
            "      - {name: b, seats: b, ranking: asc}\n"
            "      - {name: c, seats: c, ranking: one}\n");
  const Loaded l = testing::LoadInstance(tmp.path() + "/rules.yaml");
  const ChoiceLists& lists = l.instance.choices[0];
  for (auto& [code, entries] : applicants) {
    for (Entry& e : entries) {
      const auto c = static_cast<std::size_t>(std::find(l.instance.candidates.id.begin(), l.instance.candidates.id.end(), e.id) - l.instance.candidates.id.begin());
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
        if (l.instance.programs.code[lists.program[k]] == code) e.k = k;
      }
    }
  }
  // The defined order: -1 when a comes first. A missing value is last in either direction.
  auto by_key = [](bool a_has, int a, bool b_has, int b, bool desc) {
    if (a_has != b_has) return a_has ? -1 : 1;
    if (!a_has || a == b) return 0;
    return (desc ? a > b : a < b) ? -1 : 1;
  };
  for (const char* name : {"desc", "asc", "one"}) {
    const std::string ranking = name;
    const std::vector<std::uint32_t> rank = ComputeEntryRanking(Named(l.rules, name), l.Context(), lists, l.rules.seed);
    for (const auto& [code, entries] : applicants) {
      std::vector<Entry> want = entries, got = entries;
      std::sort(want.begin(), want.end(), [&](const Entry& a, const Entry& b) {
        const bool desc = ranking != "asc";
        if (const int o = by_key(a.has_score, a.score2, b.has_score, b.score2, desc); o != 0) return o < 0;
        if (ranking != "one") {
          if (const int o = by_key(true, a.total2, true, b.total2, desc); o != 0) return o < 0;
        }
        return a.id < b.id;
      });
      std::sort(got.begin(), got.end(), [&](const Entry& a, const Entry& b) { return rank[a.k] < rank[b.k]; });
      std::vector<std::string> want_ids, got_ids;
      for (const Entry& e : want) want_ids.push_back(e.id);
      for (const Entry& e : got) got_ids.push_back(e.id);
      EXPECT_EQ(got_ids, want_ids) << ranking << " at " << code << " (" << entries.size() << " applicants)";
    }
  }
}

}  // namespace
}  // namespace zkmatch
