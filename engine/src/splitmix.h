// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, fully specified -- the same numbers on every
// platform and standard library, unlike std::*_distribution. For synthetic data only (gen, gen
// --supplementary); nothing that decides a placement uses it (lotteries are SHA-256).
#ifndef ZKMATCH_SPLITMIX_H_
#define ZKMATCH_SPLITMIX_H_

#include <cstdint>

namespace zkmatch {

// Advances `*state` and returns the next number of its sequence.
inline std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace zkmatch

#endif  // ZKMATCH_SPLITMIX_H_
