// Deferred acceptance with channels: see zkmatch/match.h for the model and the two paths.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <stdexcept>

#include "parallel.h"
#include "zkmatch/match.h"

namespace zkmatch {
namespace {

// Where the seats of (program p, channel h) for candidate c are counted: an index into one flat
// array holding the non-split channels (p * nh + h) followed by each split channel's groups.
class SeatSlots {
 public:
  explicit SeatSlots(const BatchProblem& pb) : pb_(pb), base_(pb.num_channels, 0) {
    std::size_t next = pb.num_programs * pb.num_channels;
    for (std::size_t h = 0; h < pb.num_channels; ++h) {
      base_[h] = next;
      next += pb.num_programs * pb.split[h].num_groups;
    }
    capacity_.assign(next, 0);
    for (std::size_t i = 0; i < pb.num_programs * pb.num_channels; ++i) capacity_[i] = pb.capacity[i];
    for (std::size_t h = 0; h < pb.num_channels; ++h) {
      std::copy(pb.split[h].capacity.begin(), pb.split[h].capacity.end(), capacity_.begin() + static_cast<std::ptrdiff_t>(base_[h]));
    }
  }
  std::size_t Slot(std::size_t p, std::size_t h, CandidateIndex c) const {
    const SplitSeats& s = pb_.split[h];
    return s.num_groups == 0 ? p * pb_.num_channels + h : base_[h] + p * s.num_groups + s.group[c];
  }
  std::int32_t capacity(std::size_t slot) const { return capacity_[slot]; }
  std::size_t size() const { return capacity_.size(); }

 private:
  const BatchProblem& pb_;
  std::vector<std::size_t> base_;
  std::vector<std::int32_t> capacity_;
};

// ---------------------------------------------------------------------------------------------
// Serial dictatorship. REQUIRES every channel with seats to share one ranking: then a newcomer
// is never better than anyone already held, never displaces anyone, and simply takes the first
// channel (in precedence order) it is eligible for that still has a free seat. Candidates tied
// in the ranking (admit_all) are all decided against the seats left before any of them, so a
// tie at the last seat admits everyone tied.
BatchMatching SerialDictatorship(const BatchProblem& pb) {
  const std::size_t n = pb.num_candidates;
  const std::size_t nh = pb.num_channels;
  const ChoiceLists& lists = *pb.choices;
  BatchMatching out;
  out.program.assign(n, kNoProgram);
  out.channel.assign(n, ChannelIndex{0});
  out.choice.assign(n, 0);
  const std::uint32_t* rank = nullptr;  // the shared ranking: the first channel with seats
  const CandidateIndex* given_order = nullptr;
  for (std::size_t h = 0; h < nh && !rank; ++h) {
    for (std::size_t p = 0; p < pb.num_programs; ++p) {
      if (pb.capacity[p * nh + h] > 0) {
        rank = pb.rank[h];
        given_order = h < pb.order.size() ? pb.order[h] : nullptr;
        break;
      }
    }
  }
  if (!rank) return out;  // no seats at all
  // Candidates best first; ties (equal ranks) in index order.
  std::vector<CandidateIndex> sorted;
  if (!given_order) {
    sorted.resize(n);
    for (std::size_t c = 0; c < n; ++c) sorted[c] = static_cast<CandidateIndex>(c);
    std::sort(sorted.begin(), sorted.end(), [&](CandidateIndex a, CandidateIndex b) { return rank[a] != rank[b] ? rank[a] < rank[b] : a < b; });
    given_order = sorted.data();
  }
  const CandidateIndex* order = given_order;
  SeatSlots slots(pb);
  std::vector<std::int32_t> fill(slots.size(), 0);
  std::vector<std::size_t> pending;  // slots taken by the current tie class
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && rank[order[j]] == rank[order[i]]) ++j;  // tie class [i, j)
    pending.clear();
    for (std::size_t t = i; t < j; ++t) {
      const CandidateIndex c = order[t];
      if (!pb.active.empty() && !pb.active[c]) continue;
      bool placed = false;
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1] && !placed; ++k) {
        const std::uint32_t bits = pb.eligible[k];
        for (std::size_t h = 0; (bits >> h) && !placed; ++h) {
          if (!(bits >> h & 1u)) continue;
          const std::size_t slot = slots.Slot(lists.program[k], h, c);
          if (fill[slot] < slots.capacity(slot)) {
            pending.push_back(slot);
            out.program[c] = lists.program[k];
            out.channel[c] = ChannelIndex(h);
            out.choice[c] = k - lists.offset[c];
            placed = true;
          }
        }
      }
    }
    for (std::size_t slot : pending) ++fill[slot];
    i = j;
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
// the flat `held` array big enough for everything it can hold, and a slice of the round's
// scratch arrays sized to held + proposals, so the loop allocates nothing.
class RoundDA {
 public:
  explicit RoundDA(const BatchProblem& pb) : pb_(pb), lists_(*pb.choices), nh_(pb.num_channels), slots_(pb) {}

  BatchMatching Run() {
    const std::size_t n = pb_.num_candidates;
    const std::size_t np = pb_.num_programs;
    // A program holds at most its seats -- more only when ties are admitted together -- and
    // never more than the candidates who list it.
    std::vector<std::uint64_t> listing(np, 0);
    for (ProgramIndex p : lists_.program) ++listing[p];
    held_begin_.assign(np + 1, 0);
    for (std::size_t p = 0; p < np; ++p) {
      std::uint64_t seats = 0;
      for (std::size_t h = 0; h < nh_; ++h) seats += static_cast<std::uint64_t>(std::max(0, pb_.capacity[p * nh_ + h]));
      const std::uint64_t bound = HasTies() ? listing[p] : std::min(seats, listing[p]);
      held_begin_[p + 1] = held_begin_[p] + static_cast<std::uint32_t>(bound);
    }
    held_.assign(held_begin_[np], CandidateIndex{0});
    held_channel_.assign(held_begin_[np], ChannelIndex{0});
    held_count_.assign(np, 0);
    // Programs whose seats are all in one channel not split by group, under strict ranks,
    // keep what they hold as a heap (ChooseByHeap).
    heap_channel_.assign(np, kNotByHeap);
    bool any_heap = false;
    if (!HasTies()) {
      for (std::size_t p = 0; p < np; ++p) {
        std::uint32_t with_seats = 0, channel = kNoSeats;
        for (std::size_t h = 0; h < nh_; ++h) {
          if (pb_.capacity[p * nh_ + h] > 0) ++with_seats, channel = static_cast<std::uint32_t>(h);
        }
        if (with_seats == 0 || (with_seats == 1 && pb_.split[channel].num_groups == 0)) {
          heap_channel_[p] = channel;
          any_heap = true;
        }
      }
    }
    if (any_heap) held_key_.assign(held_begin_[np], 0);
    next_.resize(n);
    for (std::size_t c = 0; c < n; ++c) next_[c] = lists_.offset[c];

    std::vector<CandidateIndex> proposers;
    proposers.reserve(n);
    for (std::size_t c = 0; c < n; ++c) {
      if ((pb_.active.empty() || pb_.active[c]) && lists_.offset[c] != lists_.offset[c + 1]) proposers.push_back(static_cast<CandidateIndex>(c));
    }
    std::vector<std::uint32_t> count(np + 1);
    std::vector<std::uint32_t> cursor(np + 1);
    std::vector<CandidateIndex> grouped(n);
    std::vector<ProgramIndex> active_programs;
    active_programs.reserve(np);
    std::vector<std::uint32_t> slice_begin(np);
    const std::size_t scratch = held_.size() + n;
    std::vector<CandidateIndex> pool(scratch);
    std::vector<Entry> entries(scratch);
    std::vector<std::uint8_t> taken(scratch);
    std::vector<CandidateIndex> rejected(scratch);
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
      std::copy(count.begin(), count.end(), cursor.begin());
      for (CandidateIndex c : proposers) grouped[cursor[lists_.program[next_[c]]]++] = c;
      active_programs.clear();
      std::uint32_t total = 0;
      for (std::size_t p = 0; p < np; ++p) {
        if (count[p + 1] == count[p]) continue;
        active_programs.push_back(static_cast<ProgramIndex>(p));
        slice_begin[p] = total;
        total += held_count_[p] + (count[p + 1] - count[p]);
      }
      ParallelFor(tbb::blocked_range<std::size_t>(0, active_programs.size(), 1), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
          const ProgramIndex p = active_programs[i];
          const std::uint32_t s = slice_begin[p];
          rejected_count[p] = heap_channel_[p] != kNotByHeap ? ChooseByHeap(p, &grouped[count[p]], count[p + 1] - count[p], &rejected[s])
                                                             : Choose(p, &grouped[count[p]], count[p + 1] - count[p], &pool[s], &entries[s], &taken[s], &rejected[s]);
        }
      });
      // Next round's proposers: everyone rejected, in program order (deterministic; the result
      // would not depend on it anyway).
      proposers.clear();
      for (ProgramIndex p : active_programs) {
        const std::uint32_t s = slice_begin[p];
        for (std::uint32_t j = 0; j < rejected_count[p]; ++j) {
          const CandidateIndex c = rejected[s + j];
          ++next_[c];
          proposers.push_back(c);
        }
      }
    }

    BatchMatching out;
    out.program.assign(n, kNoProgram);
    out.channel.assign(n, ChannelIndex{0});
    out.choice.assign(n, 0);
    out.rounds = rounds;
    for (std::size_t p = 0; p < np; ++p) {
      const bool by_heap = heap_channel_[p] != kNotByHeap;
      for (std::uint32_t j = 0; j < held_count_[p]; ++j) {
        const CandidateIndex c = by_heap ? static_cast<CandidateIndex>(held_key_[held_begin_[p] + j] & 0xFFFFFFFFu) : held_[held_begin_[p] + j];
        out.program[c] = static_cast<ProgramIndex>(p);
        out.channel[c] = by_heap ? ChannelIndex(heap_channel_[p]) : held_channel_[held_begin_[p] + j];
        out.choice[c] = next_[c] - lists_.offset[c];
      }
    }
    return out;
  }

 private:
  // An applicant eligible for the channel being filled: sorted by (slot, rank) so each group's
  // applicants are contiguous and best first.
  struct Entry {
    std::uint64_t slot_rank;  // (seat slot within the channel << 32) | rank
    std::uint32_t j;          // index into the pool
    bool operator<(const Entry& o) const { return slot_rank != o.slot_rank ? slot_rank < o.slot_rank : j < o.j; }
  };

  bool EntryRanked(std::size_t h) const { return pb_.rank[h] == nullptr; }

  bool HasTies() const {
    // Shared ranks exist only under admit_all; detecting them per channel costs one pass.
    if (has_ties_ < 0) {
      has_ties_ = 0;
      std::vector<std::uint8_t> seen;
      for (std::size_t h = 0; h < nh_ && !has_ties_; ++h) {
        const std::uint32_t* ranks = EntryRanked(h) ? pb_.entry_rank[h] : pb_.rank[h];
        const std::size_t count = EntryRanked(h) ? lists_.program.size() : pb_.num_candidates;
        if (!ranks) continue;  // a per-program ranking in a batch without choices
        seen.assign(count, 0);  // ranks are positions, below the count
        for (std::size_t i = 0; i < count; ++i) {
          if (seen[ranks[i]]++) {
            has_ties_ = 1;
            break;
          }
        }
      }
    }
    return has_ties_ == 1;
  }

  // Choose for a program whose seats are all in channel heap_channel_[p] (not split by group)
  // under strict ranks: its choice is its best `cap` applicants, so it keeps them in a max-heap
  // of (rank, candidate) -- the worst on top -- and each newcomer either takes a free seat,
  // displaces the top, or is rejected: O(log cap) per newcomer instead of O(held + new). The
  // set held, and so the rejected and the rounds, are Choose's; only their order differs, which
  // nothing depends on. A program without seats rejects everyone.
  std::uint32_t ChooseByHeap(ProgramIndex p, const CandidateIndex* incoming, std::uint32_t nnew, CandidateIndex* rejected) {
    const std::uint32_t h = heap_channel_[p];
    std::uint64_t* heap = held_key_.data() + held_begin_[p];
    std::uint32_t held = held_count_[p], nrej = 0;
    const std::uint32_t cap = h == kNoSeats ? 0 : static_cast<std::uint32_t>(pb_.capacity[static_cast<std::size_t>(p) * nh_ + h]);
    const bool by_entry = h != kNoSeats && EntryRanked(h);
    const std::uint32_t* rank = h == kNoSeats ? nullptr : by_entry ? pb_.entry_rank[h] : pb_.rank[h];
    for (std::uint32_t i = 0; i < nnew; ++i) {
      const CandidateIndex c = incoming[i];
      const std::uint32_t k = next_[c];
      if (cap == 0 || !(pb_.eligible[k] >> h & 1u)) {
        rejected[nrej++] = c;
        continue;
      }
      const std::uint64_t key = (static_cast<std::uint64_t>(rank[by_entry ? k : c]) << 32) | c;
      if (held < cap) {
        heap[held++] = key;
        std::push_heap(heap, heap + held);
      } else if (key < heap[0]) {
        rejected[nrej++] = static_cast<CandidateIndex>(heap[0] & 0xFFFFFFFFu);
        std::pop_heap(heap, heap + held);
        heap[held - 1] = key;
        std::push_heap(heap, heap + held);
      } else {
        rejected[nrej++] = c;
      }
    }
    held_count_[p] = held;
    return nrej;
  }

  // Program p's choice from held + `nnew` new applicants. Rewrites p's held slice and returns
  // the number of rejected candidates written to `rejected`.
  std::uint32_t Choose(ProgramIndex p, const CandidateIndex* incoming, std::uint32_t nnew, CandidateIndex* pool,
                       Entry* entries, std::uint8_t* taken, CandidateIndex* rejected) {
    const std::uint32_t hb = held_begin_[p];
    const std::uint32_t nheld = held_count_[p];
    const std::uint32_t m = nheld + nnew;
    std::copy(held_.begin() + hb, held_.begin() + hb + nheld, pool);
    std::copy(incoming, incoming + nnew, pool + nheld);
    std::fill(taken, taken + m, std::uint8_t{0});
    std::uint32_t out = 0;
    for (std::size_t h = 0; h < nh_; ++h) {
      if (pb_.capacity[static_cast<std::size_t>(p) * nh_ + h] <= 0) continue;
      const bool by_entry = EntryRanked(h);
      const std::uint32_t* rank = by_entry ? pb_.entry_rank[h] : pb_.rank[h];
      const bool split = pb_.split[h].num_groups > 0;
      std::uint32_t ne = 0;
      for (std::uint32_t j = 0; j < m; ++j) {
        const std::uint32_t k = next_[pool[j]];  // the entry p is on the applicant's list
        if (taken[j] || !(pb_.eligible[k] >> h & 1u)) continue;
        const std::uint64_t group = split ? pb_.split[h].group[pool[j]] : 0;
        entries[ne++] = {(group << 32) | rank[by_entry ? k : pool[j]], j};
      }
      if (!split) {
        // One block of seats: the best `cap`, plus everyone tied with the last of them.
        const std::int32_t cap = pb_.capacity[static_cast<std::size_t>(p) * nh_ + h];
        if (ne > static_cast<std::uint32_t>(cap)) {
          std::nth_element(entries, entries + cap - 1, entries + ne);
          const std::uint64_t last = entries[cap - 1].slot_rank;
          std::uint32_t keep = 0;
          for (std::uint32_t e = 0; e < ne; ++e) {
            if (entries[e].slot_rank <= last) entries[keep++] = entries[e];
          }
          ne = keep;
        }
      } else {
        // Per group: sort so each group is contiguous and best first, then take each group's
        // seats (plus ties at its last seat).
        std::sort(entries, entries + ne);
        std::uint32_t keep = 0;
        for (std::uint32_t e = 0; e < ne;) {
          const std::uint64_t group = entries[e].slot_rank >> 32;
          const std::int32_t cap = slots_.capacity(slots_.Slot(p, h, pool[entries[e].j]));
          std::uint32_t taken_here = 0;
          std::uint64_t last = 0;
          for (; e < ne && (entries[e].slot_rank >> 32) == group; ++e) {
            if (taken_here < static_cast<std::uint32_t>(std::max(cap, 0)) || (taken_here > 0 && entries[e].slot_rank == last)) {
              last = entries[e].slot_rank;
              entries[keep++] = entries[e];
              ++taken_here;
            }
          }
        }
        ne = keep;
      }
      for (std::uint32_t e = 0; e < ne; ++e) {
        const std::uint32_t j = entries[e].j;
        taken[j] = 1;
        held_[hb + out] = pool[j];
        held_channel_[hb + out] = ChannelIndex(h);
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
  SeatSlots slots_;
  mutable int has_ties_ = -1;
  std::vector<std::uint32_t> held_begin_;
  std::vector<CandidateIndex> held_;
  std::vector<ChannelIndex> held_channel_;
  std::vector<std::uint32_t> held_count_;
  std::vector<std::uint32_t> next_;  // absolute index of the choice proposed to / held at
  // Per program: the one channel holding its seats when it chooses by heap (kNoSeats: it has
  // none), else kNotByHeap; and, for those programs, their held slice as (rank << 32 | candidate).
  static constexpr std::uint32_t kNotByHeap = 0xFFFFFFFFu, kNoSeats = 0xFFFFFFFEu;
  std::vector<std::uint32_t> heap_channel_;
  std::vector<std::uint64_t> held_key_;
};

}  // namespace

bool SharesOneRanking(const BatchProblem& pb) {
  int shared = -1;
  for (std::size_t h = 0; h < pb.num_channels; ++h) {
    bool has_seats = false;
    for (std::size_t p = 0; p < pb.num_programs && !has_seats; ++p) has_seats = pb.capacity[p * pb.num_channels + h] > 0;
    if (!has_seats) continue;
    if (!pb.rank[h]) return false;  // each program ranks its applicants its own way
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
