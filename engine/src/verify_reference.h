// The verifier's own score lines, rankings, stage selection and seat allocation, written from
// rules/README.md ("Lines", "Rankings", "Batches and channels", "Seats split per junior school")
// and used only by `zkmatch verify` (verifier.cc). They share no code with the engine's
// pipeline.cc, ranking.cc, eligibility.cc or allocation.cc, so a mistake there is not repeated
// here: the two computations meet only in the published files. Shared with the engine: the
// loaders (rules, inputs) and expression evaluation, which define what the inputs say.
//
// Everything here is deliberately plain: a comparison sort over precomputed keys, exact integer
// arithmetic. Obvious is the point; speed comes only from doing independent work at once, never
// from a cleverer method: a ranking's sort is TBB's parallel sort with the same comparison, and
// a per-program ranking ranks its programs in parallel, each over its own applicants' keys.
//
// Thread-safety: functions over values; reentrant; they use TBB's workers. Cost: O(N log N) per
// ranking (N candidates, or N list entries for a per-program ranking); O(N * terms + programs *
// groups) per allocation.
#ifndef ZKMATCH_VERIFY_REFERENCE_H_
#define ZKMATCH_VERIFY_REFERENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "expression.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch::verify {

// Ranks of one ranking over candidates: rank[c] = 0 for the best; two candidates share a rank
// only when tied on every key under last_tie: admit_all. order: candidates best first, tied ones
// by id. REQUIRES: !ranking.per_program.
struct Ranked {
  std::vector<std::uint32_t> rank;
  std::vector<CandidateIndex> order;
};
Ranked RankCandidates(const Ranking& ranking, const EvalContext& ctx, const std::string& seed);

// A per-program ranking over the entries of one batch's lists: rank[k] orders entry k (candidate
// c listing program p) among p's applicants by the keys evaluated at (c, p). Only ranks of
// entries of the same program compare.
std::vector<std::uint32_t> RankEntries(const Ranking& ranking, const EvalContext& ctx, const ChoiceLists& lists,
                                       const std::string& seed);

// The lottery number: the first 8 bytes, big-endian, of SHA-256(seed, a 0 byte, id).
std::uint64_t Lottery(const std::string& seed, const std::string& id);

// Every line's value (Rules::lines order; kMissingScore when it has none). Rankings used by
// admit_ratio lines are ranked here with RankCandidates.
std::vector<Score> Lines(const Rules& rules, const Instance& instance);

// 1 for each program the stage's `programs:` condition selects (all when it has none).
std::vector<std::uint8_t> ProgramsOf(const Stage& stage, const EvalContext& ctx);

// The seats of channel h of `stage` per program, before any allocation or flow: its capacity
// column, or (rules/README.md, "Seat shares") a share of a plan column rounded down, or the plan
// minus every share of the same plan column in the stage. Computed here from the plan as written
// (Programs::plans), not from the loader's computed seats, which are the engine's.
std::vector<std::int64_t> ChannelSeats(const Stage& stage, std::size_t h, const Programs& programs);

// The seats of split channel h of `stage` (batch b) per program and group, for the programs
// `runs` selects (others: 0). `no_group[p]`: seats a computed allocation gave to no group.
struct Split {
  std::uint32_t num_groups = 0;              // the split_by column's dictionary size
  std::vector<std::int64_t> seats;           // [p * num_groups + g]
  std::vector<std::int64_t> no_group;        // [p]
};
Split AllocateSplit(const Rules& rules, const Instance& instance, const EvalContext& ctx, std::size_t b, const Stage& stage,
                    std::size_t h, const std::vector<std::uint8_t>& runs);

}  // namespace zkmatch::verify

#endif  // ZKMATCH_VERIFY_REFERENCE_H_
