// The two implementations of the band mechanisms (rules/README.md, "Mechanisms") on instances
// worked by hand: the engine's entry ranks that put earlier bands first (ranking.h,
// BandedEntryRanking, both overloads), and the verifier's band-by-band run from the definition
// (verify_matching.h, ChoiceBands). Random instances: property_test (PropertyMechanisms) and
// audit_test (AuditMechanisms).
#include <gtest/gtest.h>

#include <vector>

#include "ranking.h"
#include "support/indices.h"
#include "verify_matching.h"

namespace zkmatch {
namespace {

using testing::Indices;

// Candidates 0..3 (in id order), programs P = 0 and Q = 1.
//   c0: P, Q    c1: Q, P    c2: P    c3: Q, P
// Entries: k0 c0:P, k1 c0:Q, k2 c1:Q, k3 c1:P, k4 c2:P, k5 c3:Q, k6 c3:P.
ChoiceLists Lists() {
  ChoiceLists l;
  l.offset = {0, 2, 4, 5, 7};
  l.program = Indices<ProgramIndex>({0, 1, 1, 0, 0, 1, 0});
  return l;
}

// A ranking over candidates: c1 first, c2 and c3 tied (admit_all), c0 last.
RankedOrder Ranked() {
  RankedOrder r;
  r.rank = {3, 0, 1, 1};
  r.order = Indices<CandidateIndex>({1, 2, 3, 0});
  return r;
}

std::vector<std::uint32_t> BaseOfEntries() {
  const ChoiceLists l = Lists();
  const RankedOrder r = Ranked();
  std::vector<std::uint32_t> base(l.program.size());
  for (std::size_t c = 0; c < 4; ++c) {
    for (std::uint32_t k = l.offset[c]; k < l.offset[c + 1]; ++k) base[k] = r.rank[c];
  }
  return base;
}

// Ranks are positions in the entries sorted by program first (P's four entries 0..3, Q's three
// 4..6), tied entries sharing the position of the first of them.
// Bands of 1 (immediate acceptance). At P: band 0 holds k4 (c2) and k0 (c0), band 1 k3 (c1)
// and k6 (c3): k4 0, k0 1, k3 2, k6 3 -- c0 listed P first and comes before c1, the best
// candidate, who listed it second. At Q: band 0 k2 (c1), k5 (c3), band 1 k1 (c0): 4, 5, 6.
// Bands of 2: one band, the ranking alone: at P k3 (c1) 0, k4 (c2) and k6 (c3) tied at 1, k0
// 3; at Q k2 4, k5 5, k1 6.
TEST(BandedEntryRanking, PutsEarlierBandsFirstAndKeepsTiesInsideABand) {
  const std::vector<std::uint32_t> width1 = {1, 6, 4, 2, 0, 5, 3};
  const std::vector<std::uint32_t> width2 = {3, 6, 4, 0, 1, 5, 1};
  EXPECT_EQ(BandedEntryRanking(Ranked(), Lists(), 2, 1), width1);
  EXPECT_EQ(BandedEntryRanking(BaseOfEntries(), Lists(), 2, 1), width1);
  EXPECT_EQ(BandedEntryRanking(Ranked(), Lists(), 2, 2), width2);
  EXPECT_EQ(BandedEntryRanking(BaseOfEntries(), Lists(), 2, 2), width2);
  // A band wider than every list is the ranking alone.
  EXPECT_EQ(BandedEntryRanking(Ranked(), Lists(), 2, 5), width2);
}

// Three candidates, best first c0, c1, c2; P and Q one seat each.
//   c0: P, Q    c1: P, Q    c2: Q, P
// Deferred acceptance (and bands of 2, one band here): c0 P, c1 Q (c1 beats c2 at Q), c2
// unplaced. Immediate acceptance: round 1 P takes c0 of {c0, c1}, Q takes c2 for good; round
// 2 c1 finds Q full: c0 P, c2 Q, c1 unplaced.
TEST(VerifierChoiceBands, RoundsAndBandsFromTheDefinition) {
  ChoiceLists lists;
  lists.offset = {0, 2, 4, 6};
  lists.program = Indices<ProgramIndex>({0, 1, 0, 1, 1, 0});
  const std::vector<std::uint32_t> rank = {0, 1, 2};
  verify::DaProblem pb;
  pb.lists = &lists;
  pb.num_programs = 2;
  pb.channels.push_back(verify::DaChannel{rank.data(), nullptr, nullptr, 0});
  pb.takes_part = {1, 1, 1};
  pb.eligible.assign(6, 1u);
  pb.capacity = {1, 1};
  pb.group_capacity.resize(1);
  const verify::DaResult da = verify::DeferredAcceptance(pb);
  EXPECT_EQ(da.program, Indices<ProgramIndex>({0, 1, kNone}));
  const verify::DaResult bands2 = verify::ChoiceBands(pb, 2);
  EXPECT_EQ(bands2.program, da.program);
  const verify::DaResult immediate = verify::ChoiceBands(pb, 1);
  EXPECT_EQ(immediate.program, Indices<ProgramIndex>({0, kNone, 1}));
  EXPECT_EQ(immediate.entry, (std::vector<std::uint32_t>{0, kNone, 4}));
  // A candidate who takes no part is never placed.
  pb.takes_part = {0, 1, 1};
  EXPECT_EQ(verify::ChoiceBands(pb, 1).program, Indices<ProgramIndex>({kNone, 0, 1}));
}

}  // namespace
}  // namespace zkmatch
