// Eligibility: which channels each choice can be admitted through, computed once per batch.
//
// For every entry of a batch's choice lists (candidate c listing program p), a 32-bit mask
// with bit h set when program p has seats in channel h and c satisfies channel h's
// `eligible` condition at p. Conditions that do not mention program columns are evaluated
// once per candidate; others once per choice. The matcher then only tests bits.
//
// Thread-safety: reentrant. Cost: O(total choices * channels), parallel over candidates.
#ifndef ZKMATCH_ELIGIBILITY_H_
#define ZKMATCH_ELIGIBILITY_H_

#include <cstdint>
#include <vector>

#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// capacity[p * channels + h] for the batch; `active` may be empty (all candidates active).
std::vector<std::uint32_t> ComputeEligibility(const Batch& batch, const Instance& instance,
                                              const ChoiceLists& lists,
                                              const std::vector<std::int32_t>& capacity,
                                              const std::vector<std::uint8_t>& active);

}  // namespace zkmatch

#endif  // ZKMATCH_ELIGIBILITY_H_
