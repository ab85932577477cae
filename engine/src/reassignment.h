// Reassignment (调剂): after every batch and every seat flow, the candidates who accepted
// reassignment and are still unplaced take, one by one in a ranking's order, the first empty seat
// they are eligible for by the rules' order (rules/README.md, "Reassignment").
//
// The seats: every row of every stage's result (a cutoffs.csv row) with capacity above admitted,
// of a channel the block names (all when it names none). A candidate is eligible for a row when
// the channel's own condition holds at the row's program (choice_rank has no value: the
// candidate did not list it), the row's group is the candidate's (split channels), and the
// block's `eligible` holds. The first such row is the one whose order keys, evaluated for
// (candidate, program), come first (missing values last), ties by the row's place in
// cutoffs.csv (run order of stages, then program code, channel precedence, group name).
//
// Deterministic: the turn order is the ranking's (ties in id order), the seat order is total;
// nothing depends on threads or row order. Thread-safety: reentrant. Cost: O(R * S * K) key and
// condition evaluations for R candidates taking a turn, S rows with empty seats, K order keys;
// buffers are sized once, nothing is allocated per (candidate, row).
#ifndef ZKMATCH_REASSIGNMENT_H_
#define ZKMATCH_REASSIGNMENT_H_

#include "expression.h"
#include "ranking.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {

// Fills out->reassigned and out->reassigned_turn and counts each seat taken in its row's
// `reassigned`. `turns` is rules.reassignment->ranking computed over every candidate.
// REQUIRES: rules.reassignment; out->stages, out->batch and out->lines are final.
void Reassign(const Rules& rules, const Instance& instance, const EvalContext& ctx, const RankedOrder& turns, Outcome* out);

// Whether candidate c accepts reassignment: their cell of the block's flag column is 1 (a
// number equal to 1). False when the column is missing or not numeric.
bool AcceptsReassignment(const Instance& instance, const Reassignment& block, CandidateIndex c);

}  // namespace zkmatch

#endif  // ZKMATCH_REASSIGNMENT_H_
