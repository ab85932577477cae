#include "ranking.h"

#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <numeric>

#include "expression.h"

namespace zkmatch {

std::vector<std::uint32_t> ComputeRanking(const Ranking& ranking, const Candidates& candidates,
                                          const Programs& programs) {
  const std::size_t n = candidates.size();
  const std::size_t nk = ranking.keys.size();
  // Key values as sort keys where smaller is better: desc keys are negated; missing values
  // become the largest value so they sort last.
  std::vector<Score> keys(n * nk);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c) {
      for (std::size_t k = 0; k < nk; ++k) {
        const RankingKey& key = ranking.keys[k];
        Score v = EvaluateNumber(*key.expr, candidates, programs, static_cast<CandidateIndex>(c), kNone);
        keys[c * nk + k] = v == kMissingScore ? std::numeric_limits<Score>::max() : (key.descending ? -v : v);
      }
    }
  });
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  tbb::parallel_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const Score* ka = &keys[a * nk];
    const Score* kb = &keys[b * nk];
    for (std::size_t k = 0; k < nk; ++k) {
      if (ka[k] != kb[k]) return ka[k] < kb[k];
    }
    return a < b;  // last_tie: id -- indices are in id order
  });
  std::vector<std::uint32_t> rank(n);
  for (std::size_t i = 0; i < n; ++i) rank[order[i]] = static_cast<std::uint32_t>(i);
  return rank;
}

}  // namespace zkmatch
