#include "seat_table.h"

#include <algorithm>

#include "allocation.h"

namespace zkmatch {

SeatTable::SeatTable(const Stage& stage, std::size_t b, const Instance& instance, const EvalContext& ctx, const std::vector<std::uint8_t>& in_stage,
                     const std::vector<std::int32_t>& incoming, BatchProblem* pb, StageResult* result)
    : pb_(pb), result_(result), nh_(stage.channels.size()) {
  const std::size_t np = instance.programs.size(), nh = nh_;
  pb->capacity.assign(np * nh, 0);
  pb->split.assign(nh, SplitSeats{});
  row_of_.assign(np * nh, -1);
  group_row_.assign(nh, {});
  no_group_.assign(nh, {});
  for (std::size_t h = 0; h < nh; ++h) {
    const Channel& ch = stage.channels[h];
    std::vector<std::int32_t> seats = instance.programs.SeatsIn(ch.seats);
    for (std::size_t p = 0; p < np; ++p) seats[p] = in_stage[p] ? seats[p] : 0;
    if (ch.split_by.empty()) {
      for (std::size_t p = 0; p < np; ++p) pb->capacity[p * nh + h] = seats[p] + (in_stage[p] ? incoming[p * nh + h] : 0);
      continue;
    }
    GroupSplit g = AllocateSeats(stage, b, h, seats, instance, ctx);
    for (std::size_t p = 0; p < np; ++p) {  // a table may name programs this stage does not run
      if (in_stage[p]) continue;
      std::fill(g.seats.begin() + static_cast<std::ptrdiff_t>(p * g.num_groups), g.seats.begin() + static_cast<std::ptrdiff_t>((p + 1) * g.num_groups), 0);
      g.unallocated[p] = 0;
    }
    SplitSeats& sp = pb->split[h];
    sp.group = g.column->text.data();
    sp.num_groups = g.num_groups;
    sp.capacity = std::move(g.seats);
    group_row_[h].assign(np * sp.num_groups, -1);
    no_group_[h] = std::move(g.unallocated);
    for (std::size_t p = 0; p < np; ++p) {
      std::int32_t sum = 0;
      for (std::uint32_t gi = 0; gi < sp.num_groups; ++gi) sum += sp.capacity[p * sp.num_groups + gi];
      pb->capacity[p * nh + h] = sum;
    }
  }
  // Rows of cutoffs.csv, in program, channel, group order.
  for (std::size_t p = 0; p < np; ++p) {
    if (!in_stage[p]) continue;
    for (std::size_t h = 0; h < nh; ++h) {
      const SplitSeats& sp = pb->split[h];
      SeatRow row;
      row.program = static_cast<ProgramIndex>(p);
      row.channel = ChannelIndex(h);
      if (sp.num_groups == 0) {
        row_of_[p * nh + h] = static_cast<std::int32_t>(result->seats.size());
        row.initial = instance.programs.SeatsIn(stage.channels[h].seats)[p];
        row.flowed_in = incoming[p * nh + h];
        result->seats.push_back(row);
        continue;
      }
      for (std::uint32_t g = 0; g < sp.num_groups; ++g) {
        if (sp.capacity[p * sp.num_groups + g] <= 0) continue;
        group_row_[h][p * sp.num_groups + g] = static_cast<std::int32_t>(result->seats.size());
        row.group = g;
        row.initial = sp.capacity[p * sp.num_groups + g];
        result->seats.push_back(row);
      }
    }
  }
}

std::int32_t SeatTable::Row(std::size_t p, std::size_t h, std::uint32_t g) const {
  const SplitSeats& sp = pb_->split[h];
  if (sp.num_groups == 0) return row_of_[p * nh_ + h];
  return g == kNone ? -1 : group_row_[h][p * sp.num_groups + g];
}

SeatRow& SeatTable::RowOf(CandidateIndex c, std::size_t p, std::size_t h) {
  const SplitSeats& sp = pb_->split[h];
  return result_->seats[static_cast<std::size_t>(Row(p, h, sp.num_groups ? sp.group[c] : kNone))];
}

void SeatTable::Move(std::size_t p, std::size_t h, std::uint32_t g, std::size_t t, std::int32_t seats) {
  SplitSeats& sp = pb_->split[h];
  if (sp.num_groups == 0) {
    pb_->capacity[p * nh_ + h] -= seats;
  } else if (g != kNone) {
    sp.capacity[p * sp.num_groups + g] -= seats;
    pb_->capacity[p * nh_ + h] -= seats;
  }
  pb_->capacity[p * nh_ + t] += seats;
  if (const std::int32_t from = Row(p, h, g); from >= 0) result_->seats[static_cast<std::size_t>(from)].flowed_out += seats;
  result_->seats[static_cast<std::size_t>(row_of_[p * nh_ + t])].flowed_in += seats;
}

}  // namespace zkmatch
