#include "verify_reference.h"

#include <algorithm>
#include <numeric>

#include "digest.h"
#include "parallel.h"

namespace zkmatch::verify {
namespace {

__extension__ typedef __int128 Wide;

// One ranking's keys for a set of subjects (candidates, or list entries), and the comparison
// the README defines: key by key, a missing value after every present one whatever the
// direction, desc = higher first; then the last tie-break.
class Keys {
 public:
  Keys(const Ranking& ranking, const EvalContext& ctx, const std::string& seed) : ranking_(ranking), ctx_(ctx), seed_(seed) {}

  void Reserve(std::size_t subjects) {
    candidate_.reserve(subjects);
    values_.reserve(subjects * ranking_.keys.size());
    lottery_.reserve(subjects);
  }

  // The values of the ranking's keys for candidate c applying to program p as their choice
  // `choice_rank` (kNone and 0 for a ranking over candidates), into out[0 .. keys), and the
  // subject's lottery number (0 unless last_tie is lottery).
  void Evaluate(CandidateIndex c, ProgramIndex p, std::int32_t choice_rank, Score* out, std::uint64_t* lottery) const {
    for (const RankingKey& key : ranking_.keys) *out++ = EvaluateNumber(*key.expr, ctx_, c, p, choice_rank);
    *lottery = ranking_.last_tie == LastTie::kLottery ? Lottery(seed_, ctx_.candidates.id[c]) : 0;
  }

  // Adds a subject: candidate c with key values values[0 .. keys) and its lottery number.
  void Add(CandidateIndex c, const Score* values, std::uint64_t lottery) {
    candidate_.push_back(c);
    values_.insert(values_.end(), values, values + ranking_.keys.size());
    lottery_.push_back(lottery);
  }

  // < 0: subject a ranks first; > 0: b first; 0: tied on every key (and, except under
  // admit_all, the same candidate).
  int Compare(std::size_t a, std::size_t b) const {
    const std::size_t nk = ranking_.keys.size();
    for (std::size_t k = 0; k < nk; ++k) {
      const Score x = values_[a * nk + k], y = values_[b * nk + k];
      if (x == y) continue;
      if (x == kMissingScore) return 1;
      if (y == kMissingScore) return -1;
      const bool a_first = ranking_.keys[k].descending ? x > y : x < y;
      return a_first ? -1 : 1;
    }
    if (ranking_.last_tie == LastTie::kAdmitAll) return 0;
    if (ranking_.last_tie == LastTie::kLottery && lottery_[a] != lottery_[b]) return lottery_[a] < lottery_[b] ? -1 : 1;
    // Candidate indices are in id order (byte order).
    return candidate_[a] == candidate_[b] ? 0 : candidate_[a] < candidate_[b] ? -1 : 1;
  }

  // Ranks of `subjects` (indices into what was added), which are sorted best first in place:
  // the position of the first subject each one is tied with. `in_parallel`: TBB's parallel sort
  // (one large ranking) rather than std::sort (one of many rankings already run in parallel).
  void Rank(std::vector<std::size_t>* subjects, std::vector<std::uint32_t>* rank_of, bool in_parallel) const {
    const auto first = [&](std::size_t a, std::size_t b) {
      const int c = Compare(a, b);
      return c != 0 ? c < 0 : candidate_[a] < candidate_[b];
    };
    if (in_parallel) {
      ParallelSort(subjects->begin(), subjects->end(), first);
    } else {
      std::sort(subjects->begin(), subjects->end(), first);
    }
    for (std::size_t i = 0; i < subjects->size(); ++i) {
      const std::size_t s = (*subjects)[i];
      const bool tied = i > 0 && Compare((*subjects)[i - 1], s) == 0;
      (*rank_of)[s] = tied ? (*rank_of)[(*subjects)[i - 1]] : static_cast<std::uint32_t>(i);
    }
  }

 private:
  const Ranking& ranking_;
  const EvalContext& ctx_;
  const std::string& seed_;
  std::vector<CandidateIndex> candidate_;
  std::vector<Score> values_;  // [subject * keys + k]
  std::vector<std::uint64_t> lottery_;
};

// x * ppm / 10^6 to the nearest hundredth (Score is in hundredths), halves away from zero.
Score Scale(Score x, std::int64_t ppm) {
  const Wide product = static_cast<Wide>(x) * ppm;
  const Wide magnitude = product < 0 ? -product : product;
  Wide q = magnitude / 1'000'000;
  if ((magnitude % 1'000'000) * 2 >= 1'000'000) ++q;
  return static_cast<Score>(product < 0 ? -q : q);
}

}  // namespace

std::uint64_t Lottery(const std::string& seed, const std::string& id) {
  std::string message = seed + '\0' + id;
  const std::string hex = Sha256Hex(message);
  return std::stoull(hex.substr(0, 16), nullptr, 16);
}

Ranked RankCandidates(const Ranking& ranking, const EvalContext& ctx, const std::string& seed) {
  const std::size_t n = ctx.candidates.size();
  Keys keys(ranking, ctx, seed);
  keys.Reserve(n);
  std::vector<Score> values(ranking.keys.size());
  for (std::size_t c = 0; c < n; ++c) {
    std::uint64_t lottery = 0;
    keys.Evaluate(static_cast<CandidateIndex>(c), kNoProgram, 0, values.data(), &lottery);
    keys.Add(static_cast<CandidateIndex>(c), values.data(), lottery);
  }
  std::vector<std::size_t> subjects(n);
  std::iota(subjects.begin(), subjects.end(), std::size_t{0});
  Ranked out;
  out.rank.assign(n, 0);
  keys.Rank(&subjects, &out.rank, /*in_parallel=*/true);
  for (const std::size_t c : subjects) out.order.push_back(CandidateIndex{c});
  return out;
}

std::vector<std::uint32_t> RankEntries(const Ranking& ranking, const EvalContext& ctx, const ChoiceLists& lists,
                                       const std::string& seed) {
  const std::size_t entries = lists.program.size();
  const std::size_t np = ctx.programs.size();
  // Each program's applicants -- the entries listing it, in entry order -- and each entry's
  // candidate.
  std::vector<std::uint32_t> first(np + 1, 0);
  for (const ProgramIndex p : lists.program) ++first[p + 1];
  for (std::size_t p = 0; p < np; ++p) first[p + 1] += first[p];
  std::vector<std::uint32_t> applicants(entries), cursor(first.begin(), first.end() - 1);
  std::vector<CandidateIndex> candidate_of(entries);
  for (std::size_t c = 0; c + 1 < lists.offset.size(); ++c) {
    for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
      applicants[cursor[lists.program[k]]++] = k;
      candidate_of[k] = static_cast<CandidateIndex>(c);
    }
  }
  // Every entry's key values, in entry order (candidate by candidate, as the inputs are laid
  // out), on every core.
  const std::size_t nk = ranking.keys.size();
  const Keys evaluator(ranking, ctx, seed);
  std::vector<Score> values(entries * nk);
  const bool by_lottery = ranking.last_tie == LastTie::kLottery;
  std::vector<std::uint64_t> lottery(by_lottery ? entries : 0);
  ParallelFor(tbb::blocked_range<std::size_t>(0, entries), [&](const tbb::blocked_range<std::size_t>& r) {
    std::uint64_t none = 0;
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      const CandidateIndex c = candidate_of[k];
      evaluator.Evaluate(c, lists.program[k], static_cast<std::int32_t>(k - lists.offset[c] + 1), &values[k * nk], by_lottery ? &lottery[k] : &none);
    }
  });
  // Programs are ranked independently, so on every core too: each one over its own applicants'
  // keys, side by side in memory.
  std::vector<std::uint32_t> rank(entries, 0);
  ParallelFor(tbb::blocked_range<std::size_t>(0, np, 1), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t p = r.begin(); p != r.end(); ++p) {
      const std::size_t m = first[p + 1] - first[p];
      if (m == 0) continue;
      Keys keys(ranking, ctx, seed);
      keys.Reserve(m);
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint32_t k = applicants[first[p] + i];
        keys.Add(candidate_of[k], &values[k * nk], by_lottery ? lottery[k] : 0);
      }
      std::vector<std::size_t> subjects(m);
      std::iota(subjects.begin(), subjects.end(), std::size_t{0});
      std::vector<std::uint32_t> local(m, 0);
      keys.Rank(&subjects, &local, /*in_parallel=*/false);
      for (std::size_t i = 0; i < m; ++i) rank[applicants[first[p] + i]] = local[i];
    }
  });
  return rank;
}

std::vector<Score> Lines(const Rules& rules, const Instance& instance) {
  std::vector<Score> value(rules.lines.size(), kMissingScore);
  const EvalContext ctx{instance.candidates, instance.programs, &value, &instance.program_scores};
  const std::size_t n = instance.candidates.size();
  for (const int i : rules.line_order) {  // every line after the lines it reads
    const Line& line = rules.lines[static_cast<std::size_t>(i)];
    Score& v = value[static_cast<std::size_t>(i)];
    switch (line.kind) {
      case Line::Kind::kValue:
        v = line.value;
        break;
      case Line::Kind::kAdmitRatio: {
        if (n == 0) break;
        // The candidate at position ceil(ratio * N) (1-based, at least 1) of the ranking.
        const Ranked ranked = RankCandidates(rules.rankings[static_cast<std::size_t>(line.ranking)], ctx, rules.seed);
        Wide position = (static_cast<Wide>(line.ratio_ppm) * static_cast<Wide>(n) + 999'999) / 1'000'000;
        position = std::max<Wide>(1, std::min<Wide>(position, static_cast<Wide>(n)));
        v = EvaluateNumber(*line.score, ctx, ranked.order[static_cast<std::size_t>(position - 1)], kNoProgram);
        break;
      }
      case Line::Kind::kOffset: {
        const Score from = value[static_cast<std::size_t>(line.from)];
        v = from == kMissingScore ? kMissingScore : from + line.value;
        break;
      }
      case Line::Kind::kFactor: {
        const Score from = value[static_cast<std::size_t>(line.from)];
        v = from == kMissingScore ? kMissingScore : Scale(from, line.factor_ppm);
        break;
      }
    }
  }
  return value;
}

std::vector<std::uint8_t> ProgramsOf(const Stage& stage, const EvalContext& ctx) {
  std::vector<std::uint8_t> runs(ctx.programs.size(), 1);
  for (std::size_t p = 0; p < runs.size() && stage.programs; ++p) {
    runs[p] = EvaluateCondition(*stage.programs, ctx, kNoCandidate, static_cast<ProgramIndex>(p)) ? 1 : 0;
  }
  return runs;
}

std::vector<std::int64_t> ChannelSeats(const Stage& stage, std::size_t h, const Programs& programs) {
  const Channel& ch = stage.channels[h];
  std::vector<std::int64_t> seats(programs.size(), 0);
  if (!ch.share) {
    const std::vector<std::int32_t>& column = programs.SeatsIn(ch.seats);
    std::copy(column.begin(), column.end(), seats.begin());
    return seats;
  }
  // share x of plan n: the largest whole number of seats not above n * x (x in millionths).
  auto share_of = [](std::int64_t plan, std::int64_t ppm) {
    std::int64_t k = plan * ppm / 1'000'000;
    while (k * 1'000'000 > plan * ppm) --k;
    while ((k + 1) * 1'000'000 <= plan * ppm) ++k;
    return k;
  };
  const std::vector<std::int32_t>& plan = programs.PlanIn(ch.share->of);
  for (std::size_t p = 0; p < seats.size(); ++p) {
    if (!ch.share->rest) {
      seats[p] = share_of(plan[p], ch.share->ppm);
      continue;
    }
    // The rest: the plan minus every other channel's share of the same plan in this stage.
    std::int64_t rest = plan[p];
    for (const Channel& other : stage.channels) {
      if (&other != &ch && other.share && !other.share->rest && other.share->of == ch.share->of) {
        rest -= share_of(plan[p], other.share->ppm);
      }
    }
    seats[p] = rest;
  }
  return seats;
}

Split AllocateSplit(const Rules& /*rules*/, const Instance& instance, const EvalContext& ctx, std::size_t b, const Stage& stage,
                    std::size_t h, const std::vector<std::uint8_t>& runs) {
  const Channel& ch = stage.channels[h];
  const Column& column = *instance.candidates.FindColumn(ch.split_by);
  const std::vector<std::string>& groups = column.dictionary;  // sorted; "" first when present
  const std::size_t np = instance.programs.size(), ng = groups.size();
  const std::vector<std::int64_t> seats = ChannelSeats(stage, h, instance.programs);
  Split out;
  out.num_groups = static_cast<std::uint32_t>(ng);
  out.seats.assign(np * ng, 0);
  out.no_group.assign(np, 0);

  if (ch.allocation.kind == Allocation::Kind::kTable) {
    // Rows naming this channel, in this batch and stage when their cells say so.
    const AllocationTable& t = instance.allocations;
    for (std::size_t i = 0; i < t.program.size(); ++i) {
      if (t.channel[i] != ch.name || !runs[t.program[i]]) continue;
      if (t.batch[i] >= 0 && static_cast<std::size_t>(t.batch[i]) != b) continue;
      if (!t.stage[i].empty() && t.stage[i] != stage.name) continue;
      const auto g = std::lower_bound(groups.begin(), groups.end(), t.group[i]);
      if (g != groups.end() && *g == t.group[i]) out.seats[t.program[i] * ng + static_cast<std::size_t>(g - groups.begin())] += t.seats[i];
    }
    return out;
  }

  // Computed: group g's exact share is seats × Σ_t weight_t × count_t(g) / count_t(all), counting
  // only candidates with a group; a term that counts nobody gives its share to no group.
  const auto& terms = ch.allocation.terms;
  std::vector<std::vector<std::int64_t>> count(terms.size(), std::vector<std::int64_t>(ng, 0));
  std::vector<std::int64_t> all(terms.size(), 0);
  for (std::size_t c = 0; c < instance.candidates.size(); ++c) {
    const std::uint32_t g = column.text[c];
    if (groups[g].empty()) continue;  // no group
    for (std::size_t t = 0; t < terms.size(); ++t) {
      if (terms[t].count && !EvaluateCondition(*terms[t].count, ctx, static_cast<CandidateIndex>(c), kNoProgram)) continue;
      ++count[t][g];
      ++all[t];
    }
  }
  // Over the common denominator D = 10^6 × Π (count_t(all), for terms that count somebody):
  // share_g = seats × num_g / D, and the share of no group takes whatever is left of D.
  Wide product = 1;
  for (const std::int64_t a : all) product *= a > 0 ? a : 1;
  const Wide denominator = product * 1'000'000;
  std::vector<Wide> num(ng + 1, 0);  // the last: no group
  for (std::size_t t = 0; t < terms.size(); ++t) {
    if (all[t] == 0) continue;
    for (std::size_t g = 0; g < ng; ++g) num[g] += static_cast<Wide>(terms[t].weight_ppm) * count[t][g] * (product / all[t]);
  }
  Wide grouped = 0;
  for (std::size_t g = 0; g < ng; ++g) grouped += num[g];
  num[ng] = denominator - grouped;
  for (std::size_t p = 0; p < np; ++p) {
    if (!runs[p] || seats[p] <= 0) continue;
    // Hamilton: whole parts first, then one seat each to the largest remainders; a tie goes to
    // the earlier share (groups in name order, no group last).
    std::vector<std::int64_t> got(ng + 1);
    std::vector<Wide> remainder(ng + 1);
    std::int64_t left = seats[p];
    for (std::size_t g = 0; g <= ng; ++g) {
      got[g] = static_cast<std::int64_t>(seats[p] * num[g] / denominator);
      remainder[g] = seats[p] * num[g] % denominator;
      left -= got[g];
    }
    std::vector<std::size_t> by_remainder(ng + 1);
    std::iota(by_remainder.begin(), by_remainder.end(), std::size_t{0});
    std::stable_sort(by_remainder.begin(), by_remainder.end(), [&](std::size_t a, std::size_t c) { return remainder[a] > remainder[c]; });
    for (std::size_t i = 0; i < by_remainder.size() && left > 0; ++i, --left) ++got[by_remainder[i]];
    for (std::size_t g = 0; g < ng; ++g) out.seats[p * ng + g] = got[g];
    out.no_group[p] = got[ng];
  }
  return out;
}

}  // namespace zkmatch::verify
