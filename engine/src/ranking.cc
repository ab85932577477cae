#include "ranking.h"

#include "digest.h"
#include "parallel.h"

#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <limits>
#include <numeric>

namespace zkmatch {

std::uint64_t LotteryNumber(const std::string& seed, const std::string& id) {
  std::string message = seed;
  message.push_back('\0');
  message += id;
  const auto digest = Sha256(message);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return v;
}

RankedOrder ComputeRanking(const Ranking& ranking, const EvalContext& ctx, const std::string& seed) {
  const std::size_t n = ctx.candidates.size();
  const bool lottery = ranking.last_tie == LastTie::kLottery;
  // Sort keys where smaller is better: desc keys are negated; missing values become the
  // largest value so they sort last; the lottery number is one more key.
  const std::size_t nk = ranking.keys.size() + (lottery ? 1 : 0);
  std::vector<Score> keys(n * nk);
  ParallelFor(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c) {
      for (std::size_t k = 0; k < ranking.keys.size(); ++k) {
        const RankingKey& key = ranking.keys[k];
        const Score v = EvaluateNumber(*key.expr, ctx, static_cast<CandidateIndex>(c), kNone);
        keys[c * nk + k] = v == kMissingScore ? std::numeric_limits<Score>::max() : (key.descending ? -v : v);
      }
      if (lottery) {
        // Shift to signed order-preserving: compare as unsigned via the sign flip.
        const std::uint64_t u = LotteryNumber(seed, ctx.candidates.id[c]);
        keys[c * nk + nk - 1] = static_cast<Score>(u ^ 0x8000000000000000ull);
      }
    }
  });
  RankedOrder out;
  out.order.resize(n);
  std::iota(out.order.begin(), out.order.end(), 0u);
  auto less_keys = [&](std::uint32_t a, std::uint32_t b) {
    const Score* ka = &keys[a * nk];
    const Score* kb = &keys[b * nk];
    for (std::size_t k = 0; k < nk; ++k) {
      if (ka[k] != kb[k]) return ka[k] < kb[k] ? -1 : 1;
    }
    return 0;
  };
  ParallelSort(out.order.begin(), out.order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int cmp = less_keys(a, b);
    return cmp != 0 ? cmp < 0 : a < b;  // then id: indices are in id order
  });
  out.rank.resize(n);
  const bool shared = ranking.last_tie == LastTie::kAdmitAll;
  for (std::size_t i = 0; i < n; ++i) {
    const bool tied = shared && i > 0 && less_keys(out.order[i - 1], out.order[i]) == 0;
    out.rank[out.order[i]] = tied ? out.rank[out.order[i - 1]] : static_cast<std::uint32_t>(i);
  }
  return out;
}

}  // namespace zkmatch
