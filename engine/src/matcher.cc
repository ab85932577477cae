// Deferred acceptance with channels: see zkmatch/match.h for the model and the two paths.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <stdexcept>

#include "zkmatch/match.h"

namespace zkmatch {
namespace {

// ---------------------------------------------------------------------------------------------
// Serial dictatorship. REQUIRES every channel with seats to share one ranking: then a newcomer
// is worse than everyone already held, never displaces anyone, and simply takes the first
// channel (in precedence order) it is eligible for that still has a free seat.
BatchMatching SerialDictatorship(const BatchProblem& pb) {
  const std::size_t n = pb.num_candidates;
  const std::size_t nh = pb.num_channels;
  const ChoiceLists& lists = *pb.choices;
  BatchMatching out;
  out.program.assign(n, kNone);
  out.channel.assign(n, 0);
  out.choice.assign(n, 0);
  // The shared ranking: the first channel that has seats anywhere.
  const std::uint32_t* rank = nullptr;
  for (std::size_t h = 0; h < nh && !rank; ++h) {
    for (std::size_t p = 0; p < pb.num_programs; ++p) {
      if (pb.capacity[p * nh + h] > 0) {
        rank = pb.rank[h];
        break;
      }
    }
  }
  if (!rank) return out;  // no seats at all
  std::vector<CandidateIndex> by_rank(n);
  for (std::size_t c = 0; c < n; ++c) by_rank[rank[c]] = static_cast<CandidateIndex>(c);
  std::vector<std::int32_t> fill(pb.capacity.size(), 0);
  for (CandidateIndex c : by_rank) {
    if (!pb.active.empty() && !pb.active[c]) continue;
    for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
      std::uint32_t bits = pb.eligible[k];
      if (!bits) continue;
      const std::size_t base = static_cast<std::size_t>(lists.program[k]) * nh;
      for (std::size_t h = 0; bits; ++h, bits >>= 1) {
        if ((bits & 1u) && fill[base + h] < pb.capacity[base + h]) {
          ++fill[base + h];
          out.program[c] = lists.program[k];
          out.channel[c] = static_cast<std::uint8_t>(h);
          out.choice[c] = k - lists.offset[c];
          goto placed;
        }
      }
    }
  placed:;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Round-based deferred acceptance.
//
// Each round, every candidate that is free and has choices left proposes to its next choice.
// Proposals are grouped by program (counting sort), then every program that received any
// recomputes its choice over held + new applicants, channel by channel, independently of the
// others (parallel). Rejected candidates propose again next round. Each program owns a slice of
// the flat `held` array sized to its total seats, and a slice of the round's scratch arrays
// sized to held + proposals, so the loop allocates nothing.
class RoundDA {
 public:
  explicit RoundDA(const BatchProblem& pb) : pb_(pb), lists_(*pb.choices), nh_(pb.num_channels) {}

  BatchMatching Run() {
    const std::size_t n = pb_.num_candidates;
    const std::size_t np = pb_.num_programs;
    held_begin_.assign(np + 1, 0);
    for (std::size_t p = 0; p < np; ++p) {
      std::uint64_t seats = 0;
      for (std::size_t h = 0; h < nh_; ++h) seats += static_cast<std::uint64_t>(std::max(0, pb_.capacity[p * nh_ + h]));
      // A program never holds more than its seats, nor more than there are candidates.
      held_begin_[p + 1] = held_begin_[p] + static_cast<std::uint32_t>(std::min<std::uint64_t>(seats, n));
    }
    held_.assign(held_begin_[np], 0);
    held_channel_.assign(held_begin_[np], 0);
    held_count_.assign(np, 0);
    next_.resize(n);
    for (std::size_t c = 0; c < n; ++c) next_[c] = lists_.offset[c];

    std::vector<CandidateIndex> proposers;
    proposers.reserve(n);
    for (std::size_t c = 0; c < n; ++c) {
      if ((pb_.active.empty() || pb_.active[c]) && lists_.offset[c] != lists_.offset[c + 1]) proposers.push_back(static_cast<CandidateIndex>(c));
    }
    std::vector<std::uint32_t> count(np + 1);
    std::vector<CandidateIndex> grouped(n);
    std::vector<ProgramIndex> active_programs;
    active_programs.reserve(np);
    // Scratch per round: a slice per active program of size held + new.
    std::vector<std::uint32_t> slice_begin(np + 1);
    std::vector<CandidateIndex> pool(held_.size() + n);
    std::vector<std::uint64_t> keyed(held_.size() + n);
    std::vector<std::uint8_t> taken(held_.size() + n);
    std::vector<CandidateIndex> rejected(held_.size() + n);
    std::vector<std::uint32_t> rejected_count(np);

    int rounds = 0;
    while (true) {
      // Advance each proposer to its next choice that has any eligible channel.
      std::size_t live = 0;
      for (CandidateIndex c : proposers) {
        std::uint32_t k = next_[c];
        const std::uint32_t end = lists_.offset[c + 1];
        while (k < end && pb_.eligible[k] == 0) ++k;
        next_[c] = k;
        if (k < end) proposers[live++] = c;
      }
      proposers.resize(live);
      if (proposers.empty()) break;
      ++rounds;
      // Group by program.
      std::fill(count.begin(), count.end(), 0);
      for (CandidateIndex c : proposers) ++count[lists_.program[next_[c]] + 1];
      for (std::size_t p = 0; p < np; ++p) count[p + 1] += count[p];
      std::vector<std::uint32_t>& cursor = slice_begin;  // reuse as a write cursor
      std::copy(count.begin(), count.end(), cursor.begin());
      for (CandidateIndex c : proposers) grouped[cursor[lists_.program[next_[c]]]++] = c;
      active_programs.clear();
      for (std::size_t p = 0; p < np; ++p) {
        if (count[p + 1] != count[p]) active_programs.push_back(static_cast<ProgramIndex>(p));
      }
      // Scratch slices: held + new per active program.
      std::uint32_t total = 0;
      for (ProgramIndex p : active_programs) {
        slice_begin[p] = total;
        total += held_count_[p] + (count[p + 1] - count[p]);
      }
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, active_programs.size(), 1), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
          const ProgramIndex p = active_programs[i];
          const std::uint32_t s = slice_begin[p];
          rejected_count[p] = Choose(p, &grouped[count[p]], count[p + 1] - count[p], &pool[s], &keyed[s], &taken[s], &rejected[s]);
        }
      });
      // Next round's proposers: everyone rejected, in program order (deterministic; the result
      // would not depend on it anyway).
      proposers.clear();
      for (ProgramIndex p : active_programs) {
        const std::uint32_t s = slice_begin[p];
        for (std::uint32_t j = 0; j < rejected_count[p]; ++j) {
          CandidateIndex c = rejected[s + j];
          ++next_[c];
          proposers.push_back(c);
        }
      }
    }

    BatchMatching out;
    out.program.assign(n, kNone);
    out.channel.assign(n, 0);
    out.choice.assign(n, 0);
    out.rounds = rounds;
    for (std::size_t p = 0; p < np; ++p) {
      for (std::uint32_t j = 0; j < held_count_[p]; ++j) {
        const CandidateIndex c = held_[held_begin_[p] + j];
        out.program[c] = static_cast<ProgramIndex>(p);
        out.channel[c] = held_channel_[held_begin_[p] + j];
        out.choice[c] = next_[c] - lists_.offset[c];
      }
    }
    return out;
  }

 private:
  // Program p's choice from held + `nnew` new applicants. Rewrites p's held slice and returns
  // the number of rejected candidates written to `rejected`.
  std::uint32_t Choose(ProgramIndex p, const CandidateIndex* incoming, std::uint32_t nnew, CandidateIndex* pool,
                       std::uint64_t* keyed, std::uint8_t* taken, CandidateIndex* rejected) {
    const std::uint32_t hb = held_begin_[p];
    const std::uint32_t nheld = held_count_[p];
    const std::uint32_t m = nheld + nnew;
    std::copy(held_.begin() + hb, held_.begin() + hb + nheld, pool);
    std::copy(incoming, incoming + nnew, pool + nheld);
    std::fill(taken, taken + m, std::uint8_t{0});
    std::uint32_t out = 0;
    const std::size_t base = static_cast<std::size_t>(p) * nh_;
    for (std::size_t h = 0; h < nh_; ++h) {
      const std::int32_t cap = pb_.capacity[base + h];
      if (cap <= 0) continue;
      const std::uint32_t* rank = pb_.rank[h];
      std::uint32_t ne = 0;
      for (std::uint32_t j = 0; j < m; ++j) {
        if (!taken[j] && (pb_.eligible[next_[pool[j]]] >> h & 1u)) keyed[ne++] = (static_cast<std::uint64_t>(rank[pool[j]]) << 32) | j;
      }
      if (ne > static_cast<std::uint32_t>(cap)) {
        std::nth_element(keyed, keyed + cap, keyed + ne);
        ne = static_cast<std::uint32_t>(cap);
      }
      for (std::uint32_t e = 0; e < ne; ++e) {
        const std::uint32_t j = static_cast<std::uint32_t>(keyed[e]);
        taken[j] = static_cast<std::uint8_t>(h + 1);
        held_[hb + out] = pool[j];
        held_channel_[hb + out] = static_cast<std::uint8_t>(h);
        ++out;
      }
    }
    held_count_[p] = out;
    std::uint32_t nrej = 0;
    for (std::uint32_t j = 0; j < m; ++j) {
      if (!taken[j]) rejected[nrej++] = pool[j];
    }
    return nrej;
  }

  const BatchProblem& pb_;
  const ChoiceLists& lists_;
  const std::size_t nh_;
  std::vector<std::uint32_t> held_begin_;
  std::vector<CandidateIndex> held_;
  std::vector<std::uint8_t> held_channel_;
  std::vector<std::uint32_t> held_count_;
  std::vector<std::uint32_t> next_;  // absolute index of the choice proposed to / held at
};

}  // namespace

bool SharesOneRanking(const BatchProblem& pb) {
  int shared = -1;
  for (std::size_t h = 0; h < pb.num_channels; ++h) {
    bool has_seats = false;
    for (std::size_t p = 0; p < pb.num_programs && !has_seats; ++p) has_seats = pb.capacity[p * pb.num_channels + h] > 0;
    if (!has_seats) continue;
    if (shared == -1) shared = pb.ranking_id[h];
    if (pb.ranking_id[h] != shared) return false;
  }
  return true;
}

BatchMatching MatchBatch(const BatchProblem& problem, const MatchOptions& options) {
  const bool shared = SharesOneRanking(problem);
  if (options.path == MatchPath::kSerialDictatorship && !shared) {
    // Serial dictatorship would silently return an unstable matching here.
    throw std::invalid_argument("MatchBatch: serial dictatorship requested but the channels rank differently");
  }
  if (options.path != MatchPath::kGeneral && shared) return SerialDictatorship(problem);
  const int threads = options.threads > 0 ? options.threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads);
  BatchMatching out;
  arena.execute([&] { out = RoundDA(problem).Run(); });
  return out;
}

}  // namespace zkmatch
