// Synthetic admission data: seeded, byte-reproducible inputs plus a rules file.
//
// Models a city's zhongkao in the shape DOMAIN.md describes: exam totals in halves, bell-shaped,
// shifted per junior school (schools differ in strength), a few percent of arts specialists,
// high schools of graded popularity with public and private programs, and choice lists that
// follow the candidate's score level (one or two ambitious choices first, safer ones after).
//
// Profiles: "city" (one general batch with an arts channel; fixtures/demo/) and "weihai" (Weihai
// central city 2025 as rules/weihai-2025.yaml models it: the published plan of 7,440
// general-high seats, 1,500 private, 873 specialist seats, a balanced-school plan, 3+4 programs
// and recruitment areas, with an early and a general batch; fixtures/weihai-2025/).
//
// Determinism: uses its own 64-bit generator (splitmix64) and its own mapping to ranges, never
// std::*_distribution, so the same (profile, candidates, seed) gives the same bytes on every
// platform and standard library.
//
// Thread-safety: reentrant. Cost: O(candidates * choices).
#ifndef ZKMATCH_GENERATOR_H_
#define ZKMATCH_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zkmatch/run_directory.h"

namespace zkmatch {

struct GeneratorOptions {
  std::string profile = "city";  // "city" or "weihai" (see above)
  std::uint64_t candidates = 12394;  // Weihai central city 2025; the weihai seat plan stays fixed
  std::uint64_t seed = 2025;
};

// Profiles the generator knows.
std::vector<std::string> GeneratorProfiles();

// Returns rules.yaml, candidates.csv, programs.csv and choices.csv; empty and `*error` set
// when the options are invalid.
std::vector<OutputFile> Generate(const GeneratorOptions& options, std::string* error);

}  // namespace zkmatch

#endif  // ZKMATCH_GENERATOR_H_
