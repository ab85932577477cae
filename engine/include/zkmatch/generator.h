// Synthetic admission data: seeded, byte-reproducible inputs plus a rules file.
//
// Models a city's zhongkao in the shape DOMAIN.md describes: exam totals in halves, bell-shaped,
// shifted per junior school (schools differ in strength), a few percent of arts specialists,
// high schools of graded popularity with public and private programs, and choice lists that
// follow the candidate's score level (one or two ambitious choices first, safer ones after).
//
// Profiles: "city" (one general batch with an arts channel; fixtures/demo/), "weihai" (Weihai
// central city 2025 as rules/weihai-2025.yaml models it: the published plan of 7,440
// general-high seats, 1,500 private, 873 specialist seats, a balanced-school plan, 3+4 programs
// and recruitment areas, with an early and a general batch; fixtures/weihai-2025/) and
// "province" (a province-wide general batch: about one county-level area per 10,000
// candidates, at most 100, grouped into prefectures; about 1,000 programs at 1,000,000
// candidates; lists of up to 12 choices; one ranking, total desc then id, so every channel
// shares it and the serial-dictatorship path applies -- the scale benchmark's instance) and
// "hr" (plain hospital/residents with per-program scores: one program per 1,000 candidates,
// Zipf-like popularity, lists of 10, program_scores.csv with a row per choice, one channel
// ranked by [program_score desc, total desc]: the general deferred acceptance runs).
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
#include "zkmatch/status.h"

namespace zkmatch {

struct GeneratorOptions {
  std::string profile = "city";  // "city", "weihai", "province" or "hr" (see above)
  // 0: the profile's default, DefaultCandidates(profile). Every profile scales its seats with
  // the number (weihai: the published plan for 12,394, each count times N / 12,394).
  std::uint64_t candidates = 0;
  std::uint64_t seed = 2025;
};

// Profiles the generator knows.
std::vector<std::string> GeneratorProfiles();

// Candidates when GeneratorOptions::candidates is 0: 12,394 (Weihai central city 2025) for
// city and weihai, 1,000,000 for province, 100,000 for hr; 0 for an unknown profile.
std::uint64_t DefaultCandidates(const std::string& profile);

// Returns rules.yaml, candidates.csv, programs.csv and choices.csv (and program_scores.csv for
// hr); kBadInput saying which option is wrong when the options are invalid.
Result<std::vector<OutputFile>> Generate(const GeneratorOptions& options);

}  // namespace zkmatch

#endif  // ZKMATCH_GENERATOR_H_
