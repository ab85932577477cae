// Unfilled seats flowing inside a stage (rules/README.md, "Unfilled seats flow"): after each
// matching pass, the seats each channel with a same-stage `unfilled:` target left empty in that
// pass's match move to the target, all together, and the stage is matched again.
//
// Thread-safety: reentrant. Cost: O(candidates + programs * (channels + groups)) per pass.
#ifndef ZKMATCH_SEAT_FLOWS_H_
#define ZKMATCH_SEAT_FLOWS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "zkmatch/match.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// Seats of (program p, channel h[, group g]) left empty; g is kNone for a channel not split.
struct EmptySeats {
  std::size_t p = 0, h = 0;
  std::uint32_t g = 0;
  std::int32_t seats = 0;
};

// The empty seats of every channel of `stage` that sends its unfilled seats to another channel
// of the stage, computed from the match `m` of problem `pb` alone, before any of them moves: a
// seat that flows into a channel is matched there in the next pass, never passed on in this one.
// In channel, program, group order.
std::vector<EmptySeats> EmptySeatsAfterPass(const Stage& stage, const BatchProblem& pb, const BatchMatching& m);

// Where unfilled seats of a channel with `unfilled: {batch: B, channel: C}` go at program p: the
// first stage of batch B that runs p (`runs(b, s)[p]`) and has a channel named C, with that
// channel's index; nullopt when no stage does (CheckPolicy refuses such rules when seats could
// reach it, so a run never loses them). The one definition Solve and CheckPolicy both use.
struct StageChannel {
  std::size_t stage = 0, channel = 0;
};
using StageRuns = std::function<const std::vector<std::uint8_t>&(std::size_t batch, std::size_t stage)>;
std::optional<StageChannel> LaterBatchTarget(const Rules& rules, const Unfilled& u, ProgramIndex p, const StageRuns& runs);

}  // namespace zkmatch

#endif  // ZKMATCH_SEAT_FLOWS_H_
