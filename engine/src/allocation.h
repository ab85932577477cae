// Seats of split channels (校际均衡 / 指标到校) divided among groups (junior schools).
//
// A split channel's seats at a program are divided either by allocations.csv (allocation:
// table) or by weighted counts of candidates (allocation: proportional_to), rounded with the
// largest-remainder (Hamilton) method: each group gets the whole part of its exact quota, the
// seats left go one each to the largest fractional parts, ties to the smaller group name
// (byte order). Quotas are exact rationals in 128-bit integers: no floating point.
//
// Thread-safety: reentrant. Cost: O(candidates * terms + programs * groups * log groups).
#ifndef ZKMATCH_ALLOCATION_H_
#define ZKMATCH_ALLOCATION_H_

#include <cstdint>
#include <vector>

#include "expression.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

__extension__ typedef __int128 Int128;  // exact quotas: counts * weights * seats overflow 64 bits

// The groups of a split channel: the values of its split_by column.
struct GroupSplit {
  const Column* column = nullptr;              // the split_by column (text)
  std::uint32_t num_groups = 0;                // = column->dictionary.size()
  std::vector<std::int32_t> seats;             // [p * num_groups + g]
  std::vector<std::int32_t> unallocated;       // per program: seats no group received
};

// Divides program seats `channel_seats[p]` of split channel h of `stage` (of batch b).
// allocation: table takes every row of allocations.csv that AllocationRowFits this channel; the
// caller zeroes programs the stage does not run. allocation: proportional_to counts only
// candidates whose split_by cell is not empty: a candidate without a group has no share.
GroupSplit AllocateSeats(const Stage& stage, std::size_t b, std::size_t h,
                         const std::vector<std::int32_t>& channel_seats,
                         const Instance& instance, const EvalContext& ctx);

// Whether row i of allocations.csv may belong to channel h of `stage` (of batch b): the row names
// the channel, and its batch and stage cells, where given, name this batch and stage. The row
// belongs to it when, in addition, the stage runs the row's program (CheckPolicy reports a row
// that more than one stage could take).
bool AllocationRowFits(const AllocationTable& table, std::size_t i, const Stage& stage, std::size_t b, std::size_t h);

// Largest-remainder rounding of `seats` in proportion to `numerators` / `denominator`
// (Σ numerators ≤ denominator). Ties in the remainder go to the lower index; callers pass
// groups in name order (and the share of no group last, so that a group wins its ties).
// Exposed for tests.
std::vector<std::int32_t> LargestRemainder(std::int32_t seats, const std::vector<Int128>& numerators,
                                           Int128 denominator);

}  // namespace zkmatch

#endif  // ZKMATCH_ALLOCATION_H_
