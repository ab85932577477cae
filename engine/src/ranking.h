// Rankings: every named ranking is computed once into an integer rank per candidate.
//
// Order: key by key (desc: higher first; asc: lower first; a missing value -- an empty cell --
// ranks after every present value whatever the direction), then the last tie-break:
//   id        candidate id ascending, byte by byte: all ranks distinct;
//   lottery   SHA-256(seed, 0x00, id) read as a big-endian 64-bit number, ascending, then id:
//             all ranks distinct, and each candidate's number depends only on seed and id;
//   admit_all candidates equal on every key share one rank (the position of the first of them).
// Candidate indices are in id order, so nothing depends on the input's row order.
//
// Thread-safety: reentrant. Cost: O(N * keys) to evaluate plus a parallel O(N log N) sort.
#ifndef ZKMATCH_RANKING_H_
#define ZKMATCH_RANKING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "expression.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

struct RankedOrder {
  std::vector<std::uint32_t> rank;   // rank[c]: 0 = best; equal only under admit_all
  std::vector<CandidateIndex> order; // candidates best first (ties in id order)
};

// Runs on the current TBB arena. `ctx.lines` must hold every line the keys use.
// REQUIRES: !ranking.per_program.
RankedOrder ComputeRanking(const Ranking& ranking, const EvalContext& ctx, const std::string& seed);

// A per-program ranking (a key reads program_score or choice_rank) over the entries of one batch's choice
// lists: rank[k] for entry k (candidate c listing program p) orders c among p's applicants by
// the keys evaluated at (c, p), then the last tie-break as above. Ranks of entries of the same
// program compare like candidate ranks (equal only under admit_all); ranks of different
// programs mean nothing to each other (they are positions in one order sorted by program
// first). `ctx.program_scores` must be set. Cost: O(E * keys) plus sorting each program's
// applicants, in parallel over programs (with one or two keys: a radix sort over the key
// bytes that differ for programs of 512 applicants or more); memory about 30 bytes an entry.
std::vector<std::uint32_t> ComputeEntryRanking(const Ranking& ranking, const EvalContext& ctx, const ChoiceLists& lists,
                                               const std::string& seed);

// Entry ranks under the priorities of a mechanism with bands of `width` choices (Mechanism):
// at each program, applicants who listed it in an earlier band come first, and inside a band
// the order is `base` (base[k]: the rank of entry k in the channel's ranking -- a candidate's
// rank or a per-program entry rank). Entries tie only when their bands and base ranks are equal
// (admit_all). Ranks compare like ComputeEntryRanking's: only among one program's applicants.
// REQUIRES: width >= 1, base.size() == lists.program.size(). Cost: O(E log E), in parallel
// over programs.
std::vector<std::uint32_t> BandedEntryRanking(const std::vector<std::uint32_t>& base, const ChoiceLists& lists,
                                              std::size_t num_programs, int width);
// Same, for a ranking over candidates (as ComputeRanking gives it): base[k] is the rank of the
// entry's candidate. A counting sort over the candidates in ranked order, O(E), no comparison.
std::vector<std::uint32_t> BandedEntryRanking(const RankedOrder& ranked, const ChoiceLists& lists, std::size_t num_programs, int width);

// The lottery number of one candidate: first 8 bytes of SHA-256(seed, 0x00, id), big-endian.
std::uint64_t LotteryNumber(const std::string& seed, const std::string& id);

}  // namespace zkmatch

#endif  // ZKMATCH_RANKING_H_
