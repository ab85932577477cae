// The seats of one stage, in two views kept in step: the matcher's capacities
// (BatchProblem::capacity per program and channel, BatchProblem::split per group of a split
// channel) and the rows of cutoffs.csv (StageResult::seats: initial seats, seats flowed in and
// out, admitted), one per (program, channel) or, for a split channel, per (program, channel,
// group) with seats, in program, channel, group order.
//
// Invariant: a row's capacity() equals the matcher's capacity of its (p, h[, g]); a split
// channel's capacity at a program is the sum of its groups'. Seats a computed allocation gave to
// no group have no row; they are counted as flowed out of nowhere when they move.
//
// Thread-safety: none (one stage at a time). Cost: O(programs * (channels + groups)) to lay out.
#ifndef ZKMATCH_SEAT_TABLE_H_
#define ZKMATCH_SEAT_TABLE_H_

#include <cstdint>
#include <vector>

#include "expression.h"
#include "zkmatch/match.h"
#include "zkmatch/model.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/rules.h"

namespace zkmatch {

class SeatTable {
 public:
  // Lays out `stage` of batch b for the programs `in_stage` selects: channels that are not
  // split get their programs.csv seats plus `incoming[p * channels + h]` (flowed from earlier
  // batches), split channels their allocation. Sets pb->capacity and pb->split, and appends
  // the rows to result->seats. pb and result must outlive the table.
  SeatTable(const Stage& stage, std::size_t b, const Instance& instance, const EvalContext& ctx, const std::vector<std::uint8_t>& in_stage,
            const std::vector<std::int32_t>& incoming, BatchProblem* pb, StageResult* result);

  // The row of (p, h), or of (p, h, g) for a split channel; -1 when it has none.
  std::int32_t Row(std::size_t p, std::size_t h, std::uint32_t g) const;
  // The row that candidate c, placed at (p, h), counts in.
  SeatRow& RowOf(CandidateIndex c, std::size_t p, std::size_t h);

  // Moves `seats` seats of (p, h[, g]) to channel t of the same program. g is kNone for a
  // channel that is not split, and for split seats no group received.
  void Move(std::size_t p, std::size_t h, std::uint32_t g, std::size_t t, std::int32_t seats);

  // no_group()[h][p]: seats of split channel h at program p that a computed allocation gave to
  // no group (empty for other channels).
  const std::vector<std::vector<std::int32_t>>& no_group() const { return no_group_; }

 private:
  BatchProblem* pb_;
  StageResult* result_;
  std::size_t nh_;
  std::vector<std::int32_t> row_of_;                   // [p * nh + h], channels that are not split
  std::vector<std::vector<std::int32_t>> group_row_;   // [h][p * groups + g], split channels
  std::vector<std::vector<std::int32_t>> no_group_;    // [h][p]
};

}  // namespace zkmatch

#endif  // ZKMATCH_SEAT_TABLE_H_
