#include "eligibility.h"

#include <tbb/parallel_for.h>

#include "parallel.h"

namespace zkmatch {

std::vector<std::uint8_t> ProgramsInStage(const Stage& stage, const EvalContext& ctx) {
  std::vector<std::uint8_t> in(ctx.programs.size(), 1);
  if (!stage.programs) return in;
  for (std::size_t p = 0; p < in.size(); ++p) in[p] = EvaluateCondition(*stage.programs, ctx, kNoCandidate, static_cast<ProgramIndex>(p)) ? 1 : 0;
  return in;
}

std::vector<std::uint32_t> ComputeConditions(const Stage& stage, const ChoiceLists& lists,
                                             const std::vector<std::uint8_t>& active,
                                             const std::vector<std::uint8_t>& in_stage,
                                             const EvalContext& ctx) {
  const std::size_t nh = stage.channels.size();
  std::uint32_t per_program = 0;  // channels whose condition reads program columns or the choice
  std::uint32_t unconditional = 0;
  for (std::size_t h = 0; h < nh; ++h) {
    const Channel& ch = stage.channels[h];
    if (!ch.eligible) {
      unconditional |= 1u << h;
    } else if (ReferencesProgram(*ch.eligible)) {
      per_program |= 1u << h;
    }
  }
  // A channel-tied entry keeps only its channel's bit (none when the stage lacks the channel).
  std::vector<std::uint32_t> tied_bit(lists.channel_names.size(), 0);
  for (std::size_t t = 0; t < tied_bit.size(); ++t) {
    for (std::size_t h = 0; h < nh; ++h) {
      if (stage.channels[h].name == lists.channel_names[t]) tied_bit[t] = 1u << h;
    }
  }
  std::vector<std::uint32_t> mask(lists.program.size(), 0);
  const std::size_t n = ctx.candidates.size();
  ParallelFor(tbb::blocked_range<std::size_t>(0, n, 256), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c) {
      if (lists.offset[c] == lists.offset[c + 1] || !active[c]) continue;
      const auto ci = static_cast<CandidateIndex>(c);
      std::uint32_t candidate_bits = unconditional;
      for (std::size_t h = 0; h < nh; ++h) {
        const Channel& ch = stage.channels[h];
        if (ch.eligible && !(per_program >> h & 1u) && EvaluateCondition(*ch.eligible, ctx, ci, kNoProgram)) candidate_bits |= 1u << h;
      }
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
        const ProgramIndex p = lists.program[k];
        if (!in_stage[p]) continue;
        std::uint32_t bits = candidate_bits;
        for (std::size_t h = 0; h < nh; ++h) {
          if ((per_program >> h & 1u) && EvaluateCondition(*stage.channels[h].eligible, ctx, ci, p, static_cast<std::int32_t>(k - lists.offset[c] + 1))) bits |= 1u << h;
        }
        if (!lists.channel.empty() && lists.channel[k] != kAnyChannel) bits &= tied_bit[lists.channel[k]];
        mask[k] = bits;
      }
    }
  });
  return mask;
}

void ApplySeats(const std::vector<std::uint32_t>& conditions, BatchProblem* pb) {
  const ChoiceLists& lists = *pb->choices;
  const std::size_t nh = pb->num_channels;
  pb->eligible.resize(conditions.size());
  ParallelFor(tbb::blocked_range<std::size_t>(0, pb->num_candidates, 1024), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c) {
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
        std::uint32_t bits = conditions[k];
        const std::size_t p = lists.program[k];
        for (std::size_t h = 0; bits >> h; ++h) {
          if (!(bits >> h & 1u)) continue;
          const SplitSeats& split = pb->split[h];
          const bool has_seats = split.num_groups == 0
                                     ? pb->capacity[p * nh + h] > 0
                                     : split.group[c] != kNone && split.capacity[p * split.num_groups + split.group[c]] > 0;
          if (!has_seats) bits &= ~(1u << h);
        }
        pb->eligible[k] = bits;
      }
    }
  });
}

}  // namespace zkmatch
