// The matcher: student-proposing deferred acceptance for one batch, where every program's
// seats are split into channels filled in precedence order (slot-specific priorities).
//
// A program's choice from a set S of applicants: for each channel in order, take from the
// applicants in S that are eligible for that channel and not taken by an earlier channel the
// best ones by the channel's ranking, up to the channel's capacity. A split channel does this
// separately for each group (junior school) with the group's own seats. When a ranking has
// ties (last_tie: admit_all), everyone tied with the last one taken is taken too, over
// capacity. This choice rule is substitutable and satisfies irrelevance of rejected
// applicants, so deferred acceptance yields the student-optimal stable matching and its result
// does not depend on the order in which proposals are processed -- which is what makes the
// parallel rounds deterministic. (Without ties it also satisfies the law of aggregate demand.)
//
// Two implementations, proved equal by the property tests:
//   - general: round-based DA; each round's proposals are grouped by program and every program
//     recomputes its choice over held + new applicants independently (parallel, oneTBB). A
//     program whose seats are all in one channel not split by group, under strict ranks,
//     keeps what it holds as a heap instead and decides each newcomer in O(log seats) (its
//     choice is then simply its best `seats` applicants);
//   - serial dictatorship: when every channel with seats ranks by the same ranking over
//     candidates (not per program: see BatchProblem::entry_rank), a candidate
//     never displaces a better-ranked one, so candidates taken best-first each get their first
//     choice with a free seat in a channel they are eligible for (candidates tied in the
//     ranking are decided against the seats left before any of them). O(total choices).
//
// Inputs are plain arrays prepared by the pipeline: no strings, maps or allocation inside the
// matching loop. Thread-safety: MatchBatch is reentrant; it only reads the problem.
// Cost: serial path O(total choices); general path O(sum over rounds of held + proposals
// at each program receiving proposals, times channels), or O(proposals x log seats) at the
// programs that choose by heap.
#ifndef ZKMATCH_MATCH_H_
#define ZKMATCH_MATCH_H_

#include <cstdint>
#include <vector>

#include "zkmatch/model.h"

namespace zkmatch {

inline constexpr int kMaxChannelsPerBatch = 32;  // channel sets are 32-bit masks (the rules loader enforces it)

// Seats of one channel divided among groups; num_groups == 0 for a channel that is not split.
struct SplitSeats {
  const std::uint32_t* group = nullptr;  // group of each candidate (kNone: in no group)
  std::uint32_t num_groups = 0;
  std::vector<std::int32_t> capacity;    // [p * num_groups + g]
};

struct BatchProblem {
  std::size_t num_candidates = 0;
  std::size_t num_programs = 0;
  std::size_t num_channels = 0;
  const ChoiceLists* choices = nullptr;
  // For every entry k of choices->program: bit h is set when the candidate is eligible for
  // channel h at that program. Entries with no bit set can never be accepted.
  std::vector<std::uint32_t> eligible;
  // Seats per program and channel: capacity[p * num_channels + h]. For a split channel, the
  // sum over its groups.
  std::vector<std::int32_t> capacity;
  // Per channel (size num_channels): the division among groups of a split channel.
  std::vector<SplitSeats> split;
  // Per channel, the candidates' ranks in the channel's ranking (0 = best; equal = tied); null
  // for a channel whose programs each rank their applicants their own way (entry_rank).
  std::vector<const std::uint32_t*> rank;
  // Per channel whose rank is null: the rank of every entry k of choices->program among the
  // applicants of that entry's program (comparable only within one program; null when the
  // batch has no choices). Ignored for channels with a rank.
  std::vector<const std::uint32_t*> entry_rank;
  // Optional, per channel with a rank: every candidate, best first (ties in index order) -- the
  // order `rank` sorts to. Lets serial dictatorship skip sorting; null or empty: it sorts.
  std::vector<const CandidateIndex*> order;
  // Identifies which ranking each channel uses (equal ids = same ranking).
  std::vector<int> ranking_id;
  // Candidates taking part (not locked by an earlier batch); empty = all.
  std::vector<std::uint8_t> active;
};

struct BatchMatching {
  // Per candidate: the program placed at (kNone when unplaced), the channel within the batch
  // and the 0-based position of that program in the candidate's list.
  std::vector<ProgramIndex> program;
  std::vector<ChannelIndex> channel;
  std::vector<std::uint32_t> choice;
  int rounds = 0;  // proposal rounds run by the general path (0 for serial dictatorship)
};

enum class MatchPath {
  kAuto,                // serial dictatorship when SharesOneRanking, else general
  kGeneral,             // always the round-based deferred acceptance
  kSerialDictatorship,  // REQUIRES: SharesOneRanking(problem)
};

struct MatchOptions {
  int threads = 0;  // worker threads; 0 = all hardware threads. Never changes the result.
  MatchPath path = MatchPath::kAuto;
};

// True when every channel that has a seat anywhere uses the same ranking, and that ranking
// orders candidates the same at every program (no entry_rank).
bool SharesOneRanking(const BatchProblem& problem);

BatchMatching MatchBatch(const BatchProblem& problem, const MatchOptions& options);

}  // namespace zkmatch

#endif  // ZKMATCH_MATCH_H_
