#include "seat_flows.h"

namespace zkmatch {

std::vector<EmptySeats> EmptySeatsAfterPass(const Stage& stage, const BatchProblem& pb, const BatchMatching& m) {
  const std::size_t nh = pb.num_channels, np = pb.num_programs;
  // Admitted per (p, h) and per (p, h, g).
  std::vector<std::int32_t> admitted(np * nh, 0);
  std::vector<std::vector<std::int32_t>> admitted_group(nh);
  for (std::size_t h = 0; h < nh; ++h) admitted_group[h].assign(np * pb.split[h].num_groups, 0);
  for (std::size_t c = 0; c < pb.num_candidates; ++c) {
    if (m.program[c] == kNone) continue;
    const std::size_t p = m.program[c], h = m.channel[c];
    ++admitted[p * nh + h];
    if (pb.split[h].num_groups) ++admitted_group[h][p * pb.split[h].num_groups + pb.split[h].group[c]];
  }
  std::vector<EmptySeats> empty;
  for (std::size_t h = 0; h < nh; ++h) {
    if (stage.channels[h].unfilled.kind != Unfilled::Kind::kSameStage) continue;
    const SplitSeats& sp = pb.split[h];
    for (std::size_t p = 0; p < np; ++p) {
      if (sp.num_groups == 0) {
        const std::int32_t free = pb.capacity[p * nh + h] - admitted[p * nh + h];
        if (free > 0) empty.push_back({p, h, kNone, free});
        continue;
      }
      for (std::uint32_t g = 0; g < sp.num_groups; ++g) {
        const std::int32_t free = sp.capacity[p * sp.num_groups + g] - admitted_group[h][p * sp.num_groups + g];
        if (free > 0) empty.push_back({p, h, g, free});
      }
    }
  }
  return empty;
}

std::optional<StageChannel> LaterBatchTarget(const Rules& rules, const Unfilled& u, ProgramIndex p, const StageRuns& runs) {
  const std::size_t b = static_cast<std::size_t>(u.batch_index);
  const Batch& target = rules.batches[b];
  for (std::size_t s = 0; s < target.stages.size(); ++s) {
    if (!runs(b, s)[p]) continue;
    const auto& chans = target.stages[s].channels;
    for (std::size_t h = 0; h < chans.size(); ++h) {
      if (chans[h].name == u.channel) return StageChannel{s, h};
    }
  }
  return std::nullopt;
}

}  // namespace zkmatch
