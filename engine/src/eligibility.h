// Eligibility: which channels each choice can be admitted through, computed once per stage.
//
// For every entry of a batch's choice lists (candidate c listing program p), a 32-bit mask
// with bit h set when c satisfies channel h's `eligible` condition at p and p takes part in the
// stage. Conditions that do not mention program columns are evaluated once per candidate;
// others once per choice. An entry tied to a channel (choices.csv's `channel` column) keeps only
// that channel's bit. Seats are applied separately (they change when seats flow): bit h
// survives only if p has seats in channel h -- for a split channel, seats for c's group.
// The matcher then only tests bits.
//
// Thread-safety: reentrant. Cost: O(total choices * channels), parallel over candidates.
#ifndef ZKMATCH_ELIGIBILITY_H_
#define ZKMATCH_ELIGIBILITY_H_

#include <cstdint>
#include <vector>

#include "expression.h"
#include "zkmatch/match.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// Which programs a stage runs: 1 where its `programs:` condition holds (all when it has none).
std::vector<std::uint8_t> ProgramsInStage(const Stage& stage, const EvalContext& ctx);

// Condition bits of stage `stage` for every choice entry of `lists`. Entries of inactive
// candidates and of programs not in the stage (`in_stage[p] == 0`) get 0.
std::vector<std::uint32_t> ComputeConditions(const Stage& stage, const ChoiceLists& lists,
                                             const std::vector<std::uint8_t>& active,
                                             const std::vector<std::uint8_t>& in_stage,
                                             const EvalContext& ctx);

// problem->eligible = conditions, less the channels without seats for that entry.
// REQUIRES: problem->choices, capacity and split are set.
void ApplySeats(const std::vector<std::uint32_t>& conditions, BatchProblem* problem);

}  // namespace zkmatch

#endif  // ZKMATCH_ELIGIBILITY_H_
