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
RankedOrder ComputeRanking(const Ranking& ranking, const EvalContext& ctx, const std::string& seed);

// The lottery number of one candidate: first 8 bytes of SHA-256(seed, 0x00, id), big-endian.
std::uint64_t LotteryNumber(const std::string& seed, const std::string& id);

}  // namespace zkmatch

#endif  // ZKMATCH_RANKING_H_
