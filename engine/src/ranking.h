// Rankings: every named ranking is computed once into an integer position per candidate.
//
// Order: key by key (desc: higher first; asc: lower first; a missing value -- an empty cell --
// ranks after every present value whatever the direction), then by candidate id ascending,
// byte by byte (last_tie: id). Positions are therefore all distinct, and since candidate
// indices are in id order, the result does not depend on the input's row order.
//
// Thread-safety: reentrant. Cost: O(N * keys) to evaluate plus a parallel O(N log N) sort.
#ifndef ZKMATCH_RANKING_H_
#define ZKMATCH_RANKING_H_

#include <cstdint>
#include <vector>

#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// rank[c] = position of candidate c in `ranking` (0 = best). Runs on the current TBB arena.
std::vector<std::uint32_t> ComputeRanking(const Ranking& ranking, const Candidates& candidates,
                                          const Programs& programs);

}  // namespace zkmatch

#endif  // ZKMATCH_RANKING_H_
