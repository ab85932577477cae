#include "eligibility.h"

#include <tbb/parallel_for.h>

#include "expression.h"

namespace zkmatch {

std::vector<std::uint32_t> ComputeEligibility(const Batch& batch, const Instance& instance,
                                              const ChoiceLists& lists,
                                              const std::vector<std::int32_t>& capacity,
                                              const std::vector<std::uint8_t>& active) {
  const std::size_t nh = batch.channels.size();
  std::uint32_t per_program_channels = 0;  // channels whose condition reads program columns
  std::uint32_t unconditional = 0;
  for (std::size_t h = 0; h < nh; ++h) {
    const Channel& ch = batch.channels[h];
    if (!ch.eligible) {
      unconditional |= 1u << h;
    } else if (ReferencesProgram(*ch.eligible)) {
      per_program_channels |= 1u << h;
    }
  }
  const Candidates& cands = instance.candidates;
  const Programs& progs = instance.programs;
  std::vector<std::uint32_t> mask(lists.program.size(), 0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, cands.size(), 256), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c) {
      if (lists.offset[c] == lists.offset[c + 1]) continue;
      if (!active.empty() && !active[c]) continue;
      const auto ci = static_cast<CandidateIndex>(c);
      std::uint32_t candidate_bits = unconditional;
      for (std::size_t h = 0; h < nh; ++h) {
        const Channel& ch = batch.channels[h];
        if (ch.eligible && !(per_program_channels >> h & 1u) && EvaluateCondition(*ch.eligible, cands, progs, ci, kNone)) {
          candidate_bits |= 1u << h;
        }
      }
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
        const ProgramIndex p = lists.program[k];
        std::uint32_t bits = candidate_bits;
        for (std::size_t h = 0; h < nh; ++h) {
          if ((per_program_channels >> h & 1u) && EvaluateCondition(*batch.channels[h].eligible, cands, progs, ci, p)) bits |= 1u << h;
        }
        for (std::size_t h = 0; h < nh; ++h) {
          if (capacity[p * nh + h] <= 0) bits &= ~(1u << h);
        }
        mask[k] = bits;
      }
    }
  });
  return mask;
}

}  // namespace zkmatch
