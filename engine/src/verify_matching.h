// The verifier's own deferred acceptance, used only by `zkmatch verify` (verifier.cc) to
// recompute each stage's matching passes and hence the seat flows. Written from the rule in
// rules/README.md ("Batches and channels"), independently of the engine's matcher
// (matcher.cc): it shares no code with it, so a bug there is not repeated here.
//
// Student-proposing, in rounds: every free candidate proposes to the next program on their
// list; every program that received proposals chooses again from its held applicants plus
// the new ones; the rejected are free in the next round. A program's choice goes through its
// channels in precedence order: each channel takes, from the applicants eligible for it and
// not taken by an earlier channel, the best by its ranking up to its seats (a split channel:
// per group, only that group's applicants for that group's seats), plus everyone tied with
// the last one taken (ranks are equal only under last_tie: admit_all).
//
// Cost: O(sum over rounds of held + proposals at the programs receiving proposals, times
// channels); split channels add a sort by group. Single-threaded; reentrant.
#ifndef ZKMATCH_VERIFY_MATCHING_H_
#define ZKMATCH_VERIFY_MATCHING_H_

#include <cstdint>
#include <vector>

#include "zkmatch/model.h"

namespace zkmatch::verify {

struct DaChannel {
  const std::uint32_t* rank = nullptr;        // per candidate (0 = best, equal = tied), or null
  const std::uint32_t* entry_rank = nullptr;  // per entry of the lists, when rank is null
  const std::uint32_t* group = nullptr;       // per candidate, for a split channel; else null
  std::uint32_t num_groups = 0;
};

struct DaProblem {
  const ChoiceLists* lists = nullptr;
  std::size_t num_programs = 0;
  std::vector<DaChannel> channels;
  std::vector<std::uint8_t> takes_part;                  // per candidate
  std::vector<std::uint32_t> eligible;                   // per entry: bit h = eligible for channel h there (0: never taken)
  std::vector<std::int64_t> capacity;                    // [p * channels + h], channels that are not split
  std::vector<std::vector<std::int64_t>> group_capacity;  // [h][p * num_groups + g], split channels
};

struct DaResult {
  std::vector<ProgramIndex> program;  // per candidate; kNone when unplaced
  std::vector<std::uint32_t> channel;
  std::vector<std::uint32_t> entry;   // the entry of the lists placed at
  std::size_t rounds = 0;
};

DaResult DeferredAcceptance(const DaProblem& problem);

// The parallel mechanisms (rules/README.md, "Mechanisms"), from their definition, band by band:
// band t holds the choices at positions t*width+1 .. (t+1)*width of each list; deferred
// acceptance (above) runs among the candidates still unplaced, over their choices in the band
// only and the seats still free; the places a band makes are final and their seats leave the
// problem. width 1 is immediate acceptance: each band is one round of applications to the k-th
// choice. Not deferred acceptance under modified priorities -- the engine's way -- on purpose.
// REQUIRES: width >= 1. Cost: one DeferredAcceptance per band, plus O(entries) per band.
DaResult ChoiceBands(const DaProblem& problem, int width);

}  // namespace zkmatch::verify

#endif  // ZKMATCH_VERIFY_MATCHING_H_
