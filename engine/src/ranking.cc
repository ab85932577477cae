#include "ranking.h"

#include "digest.h"
#include "parallel.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <limits>
#include <memory>
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

namespace {

// Sort keys where smaller is better: desc keys are negated; missing values become the largest
// value so they sort last; the lottery number is one more key. Writes KeyCount() values.
class SortKeys {
 public:
  SortKeys(const Ranking& ranking, const EvalContext& ctx, const std::string& seed)
      : ranking_(ranking), ctx_(ctx), seed_(seed), lottery_(ranking.last_tie == LastTie::kLottery) {
    // The common keys, read directly instead of walking the expression: total, program_score.
    for (const RankingKey& key : ranking.keys) {
      const Expression& e = *key.expr;
      direct_.push_back(e.op == Expression::Op::kProgramScore ? kProgramScore
                        : e.op == Expression::Op::kColumn && !e.program_column && e.text == "total" ? kTotal
                                                                                                     : kExpression);
    }
  }
  std::size_t KeyCount() const { return ranking_.keys.size() + (lottery_ ? 1 : 0); }
  // `choice_rank`: the entry's position on c's list (0 for a ranking over candidates).
  void Fill(CandidateIndex c, ProgramIndex p, std::int32_t choice_rank, Score* out) const {
    for (std::size_t k = 0; k < ranking_.keys.size(); ++k) {
      const RankingKey& key = ranking_.keys[k];
      Score v;
      switch (direct_[k]) {
        case kTotal: v = ctx_.candidates.total[c]; break;
        case kProgramScore: v = ctx_.program_scores && p != kNone ? ctx_.program_scores->Find(c, p) : kMissingScore; break;
        default: v = EvaluateNumber(*key.expr, ctx_, c, p, choice_rank); break;
      }
      out[k] = v == kMissingScore ? std::numeric_limits<Score>::max() : (key.descending ? -v : v);
    }
    if (lottery_) {
      // Shift to signed order-preserving: compare as unsigned via the sign flip.
      const std::uint64_t u = LotteryNumber(seed_, ctx_.candidates.id[c]);
      out[ranking_.keys.size()] = static_cast<Score>(u ^ 0x8000000000000000ull);
    }
  }

 private:
  const Ranking& ranking_;
  const EvalContext& ctx_;
  const std::string& seed_;
  const bool lottery_;
  enum Direct : std::uint8_t { kExpression, kTotal, kProgramScore };
  std::vector<Direct> direct_;  // per key
};

}  // namespace

namespace {

// Below this many records a program's applicants are sorted by std::sort.
constexpr std::size_t kRadixSortFrom = 512;

// Sorts a[0, n) by (k0, k1) as signed integers, stably: a least-significant-digit radix sort
// over the bytes of k1 then k0, skipping every byte in which all n records agree (most: scores
// span a few bytes). `tmp` holds n records. Cost: one pass to count, one per byte that differs.
template <typename Record>
void StableSortByKeys(Record* a, Record* tmp, std::size_t n) {
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;  // flipped: signed order as unsigned
  auto digit = [](const Record& r, int d) {
    const std::uint64_t u = static_cast<std::uint64_t>(d < 8 ? r.k1 : r.k0) ^ kSign;
    return static_cast<unsigned>(u >> (8 * (d & 7))) & 0xFFu;
  };
  std::uint32_t counts[16][256] = {};
  for (std::size_t i = 0; i < n; ++i) {
    // digit(a[i], d) for every d, each key flipped once.
    const std::uint64_t u1 = static_cast<std::uint64_t>(a[i].k1) ^ kSign, u0 = static_cast<std::uint64_t>(a[i].k0) ^ kSign;
    for (int b = 0; b < 8; ++b) {
      ++counts[b][(u1 >> (8 * b)) & 0xFF];
      ++counts[8 + b][(u0 >> (8 * b)) & 0xFF];
    }
  }
  Record* from = a;
  Record* to = tmp;
  for (int d = 0; d < 16; ++d) {
    std::uint32_t* count = counts[d];
    if (count[digit(a[0], d)] == n) continue;  // every record has the same byte here
    std::uint32_t at = 0;
    for (unsigned v = 0; v < 256; ++v) {
      const std::uint32_t c = count[v];
      count[v] = at;
      at += c;
    }
    for (std::size_t i = 0; i < n; ++i) to[count[digit(from[i], d)]++] = from[i];
    std::swap(from, to);
  }
  if (from != a) std::copy(from, from + n, a);
}

}  // namespace

std::vector<std::uint32_t> ComputeEntryRanking(const Ranking& ranking, const EvalContext& ctx, const ChoiceLists& lists,
                                               const std::string& seed) {
  const std::size_t n = ctx.candidates.size();
  const std::size_t e = lists.program.size();
  const std::size_t np = ctx.programs.size();
  const SortKeys sort_keys(ranking, ctx, seed);
  const std::size_t nk = sort_keys.KeyCount();
  const bool shared = ranking.last_tie == LastTie::kAdmitAll;
  // Entries grouped by program (counting sort; within a program in candidate order), then each
  // program's applicants sorted on their own.
  std::vector<std::uint32_t> begin(np + 1, 0);
  for (ProgramIndex p : lists.program) ++begin[p + 1];
  for (std::size_t p = 0; p < np; ++p) begin[p + 1] += begin[p];
  std::vector<std::uint32_t> at(e);  // entry -> its place in the grouped order
  {
    std::vector<std::uint32_t> cursor(begin.begin(), begin.end() - 1);
    for (std::uint32_t k = 0; k < e; ++k) at[k] = cursor[lists.program[k]]++;
  }
  std::vector<std::uint32_t> rank(e);
  if (nk <= 2) {
    // The common case (one or two keys, e.g. [program_score desc, total desc]): compact records
    // sorted per program, so the comparisons read contiguous memory. Each entry's record is
    // made where it is read (candidate by candidate: the scores in memory order) and written
    // straight to its program's part: the writes go to one place per program, which stays in
    // cache, where gathering the keys in program order missed it on every entry.
    struct Record {
      Score k0, k1;
      CandidateIndex who;
      std::uint32_t entry;
      bool operator<(const Record& o) const {
        // Then id (indices are in id order), then the entry (a candidate lists a program once).
        return k0 != o.k0 ? k0 < o.k0 : k1 != o.k1 ? k1 < o.k1 : who != o.who ? who < o.who : entry < o.entry;
      }
      bool Tied(const Record& o) const { return k0 == o.k0 && k1 == o.k1; }
    };
    std::unique_ptr<Record[]> records(new Record[e]);  // every one written below
    ParallelFor(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
      Score keys[2] = {0, 0};
      for (std::size_t c = r.begin(); c != r.end(); ++c) {
        const auto ci = static_cast<CandidateIndex>(c);
        for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
          sort_keys.Fill(ci, lists.program[k], static_cast<std::int32_t>(k - lists.offset[c] + 1), keys);
          records[at[k]] = {keys[0], nk == 2 ? keys[1] : 0, ci, k};
        }
      }
    });
    tbb::enumerable_thread_specific<std::vector<Record>> scratch;
    ParallelFor(tbb::blocked_range<std::size_t>(0, np), [&](const tbb::blocked_range<std::size_t>& r) {
      std::vector<Record>& tmp = scratch.local();
      for (std::size_t p = r.begin(); p != r.end(); ++p) {
        // A program's records are in (who, entry) order as written, so a stable sort by the
        // keys alone gives operator<'s order: a radix sort for the many, std::sort for the few.
        const std::size_t count = begin[p + 1] - begin[p];
        if (count < kRadixSortFrom) {
          std::sort(records.get() + begin[p], records.get() + begin[p + 1]);
        } else {
          if (tmp.size() < count) tmp.resize(count);
          StableSortByKeys(records.get() + begin[p], tmp.data(), count);
        }
        for (std::uint32_t i = begin[p]; i < begin[p + 1]; ++i) {
          const bool tied = shared && i > begin[p] && records[i - 1].Tied(records[i]);
          rank[records[i].entry] = tied ? rank[records[i - 1].entry] : i;
        }
      }
    });
    return rank;
  }
  std::vector<CandidateIndex> who(e);
  for (std::size_t c = 0; c < n; ++c) {
    for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) who[k] = static_cast<CandidateIndex>(c);
  }
  std::vector<Score> keys(e * nk);
  ParallelFor(tbb::blocked_range<std::size_t>(0, e), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      sort_keys.Fill(who[k], lists.program[k], static_cast<std::int32_t>(k - lists.offset[who[k]] + 1), &keys[k * nk]);
    }
  });
  std::vector<std::uint32_t> order(e);  // grouped place -> entry
  for (std::uint32_t k = 0; k < e; ++k) order[at[k]] = k;
  auto compare = [&](std::uint32_t a, std::uint32_t b) {
    const Score* ka = &keys[static_cast<std::size_t>(a) * nk];
    const Score* kb = &keys[static_cast<std::size_t>(b) * nk];
    for (std::size_t i = 0; i < nk; ++i) {
      if (ka[i] != kb[i]) return ka[i] < kb[i] ? -1 : 1;
    }
    return 0;
  };
  ParallelFor(tbb::blocked_range<std::size_t>(0, np), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t p = r.begin(); p != r.end(); ++p) {
      auto first = order.begin() + begin[p], last = order.begin() + begin[p + 1];
      std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
        const int cmp = compare(a, b);
        return cmp != 0 ? cmp < 0 : who[a] != who[b] ? who[a] < who[b] : a < b;  // then id: indices are in id order
      });
      for (std::uint32_t i = begin[p]; i < begin[p + 1]; ++i) {
        const bool tied = shared && i > begin[p] && compare(order[i - 1], order[i]) == 0;
        rank[order[i]] = tied ? rank[order[i - 1]] : i;
      }
    }
  });
  return rank;
}

std::vector<std::uint32_t> BandedEntryRanking(const std::vector<std::uint32_t>& base, const ChoiceLists& lists,
                                              std::size_t num_programs, int width) {
  const std::size_t e = lists.program.size();
  const std::size_t n = lists.offset.empty() ? 0 : lists.offset.size() - 1;
  // key[k] = band << 32 | base rank: smaller is better.
  std::vector<std::uint64_t> key(e);
  ParallelFor(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c) {
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
        const std::uint64_t band = (k - lists.offset[c]) / static_cast<std::uint32_t>(width);
        key[k] = band << 32 | base[k];
      }
    }
  });
  std::vector<std::uint32_t> begin(num_programs + 1, 0);
  for (ProgramIndex p : lists.program) ++begin[p + 1];
  for (std::size_t p = 0; p < num_programs; ++p) begin[p + 1] += begin[p];
  std::vector<std::uint32_t> order(e);
  {
    std::vector<std::uint32_t> cursor(begin.begin(), begin.end() - 1);
    for (std::uint32_t k = 0; k < e; ++k) order[cursor[lists.program[k]]++] = k;
  }
  std::vector<std::uint32_t> rank(e);
  ParallelFor(tbb::blocked_range<std::size_t>(0, num_programs), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t p = r.begin(); p != r.end(); ++p) {
      auto first = order.begin() + begin[p], last = order.begin() + begin[p + 1];
      // Entries of one program are in candidate (id) order: the entry index keeps id order among equal keys.
      std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) { return key[a] != key[b] ? key[a] < key[b] : a < b; });
      for (std::uint32_t i = begin[p]; i < begin[p + 1]; ++i) {
        const bool tied = i > begin[p] && key[order[i - 1]] == key[order[i]];
        rank[order[i]] = tied ? rank[order[i - 1]] : i;
      }
    }
  });
  return rank;
}

std::vector<std::uint32_t> BandedEntryRanking(const RankedOrder& ranked, const ChoiceLists& lists, std::size_t num_programs, int width) {
  const std::size_t e = lists.program.size();
  const auto w = static_cast<std::uint32_t>(width);
  std::uint32_t longest = 0;
  for (std::size_t c = 0; c + 1 < lists.offset.size(); ++c) longest = std::max(longest, lists.offset[c + 1] - lists.offset[c]);
  const std::size_t nb = longest == 0 ? 1 : (longest + w - 1) / w;  // bands
  // Buckets (program, band), program-major: a bucket's entries get consecutive ranks.
  std::vector<std::uint32_t> cursor(num_programs * nb + 1, 0);
  for (std::size_t c = 0; c + 1 < lists.offset.size(); ++c) {
    for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) ++cursor[lists.program[k] * nb + (k - lists.offset[c]) / w + 1];
  }
  for (std::size_t i = 1; i < cursor.size(); ++i) cursor[i] += cursor[i - 1];
  // Candidates best first: each entry takes the next rank of its bucket, or shares the rank of
  // the bucket's previous entry when their candidates are tied (admit_all: equal ranks).
  std::vector<std::uint32_t> rank(e);
  std::vector<std::uint32_t> last(num_programs * nb, kNone);  // the rank given to the bucket's last entry
  std::vector<std::uint32_t> last_base(num_programs * nb, kNone);  // and its candidate's rank
  for (const CandidateIndex c : ranked.order) {
    const std::uint32_t base = ranked.rank[c];
    for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
      const std::size_t bucket = lists.program[k] * nb + (k - lists.offset[c]) / w;
      const std::uint32_t slot = cursor[bucket]++;
      rank[k] = last[bucket] != kNone && last_base[bucket] == base ? last[bucket] : slot;
      last[bucket] = rank[k];
      last_base[bucket] = base;
    }
  }
  return rank;
}

RankedOrder ComputeRanking(const Ranking& ranking, const EvalContext& ctx, const std::string& seed) {
  const std::size_t n = ctx.candidates.size();
  const SortKeys sort_keys(ranking, ctx, seed);
  const std::size_t nk = sort_keys.KeyCount();
  std::vector<Score> keys(n * nk);
  ParallelFor(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c) sort_keys.Fill(static_cast<CandidateIndex>(c), kNoProgram, 0, &keys[c * nk]);
  });
  RankedOrder out;
  out.order.reserve(n);
  for (std::size_t c = 0; c < n; ++c) out.order.emplace_back(c);
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
