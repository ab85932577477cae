// Lists of strong indices (zkmatch/strong_index.h) written as numbers in tests:
// Indices<ProgramIndex>({0, 1, kNone}).
#ifndef ZKMATCH_TESTS_SUPPORT_INDICES_H_
#define ZKMATCH_TESTS_SUPPORT_INDICES_H_

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace zkmatch::testing {

template <typename Index>
std::vector<Index> Indices(std::initializer_list<std::uint32_t> values) {
  std::vector<Index> out;
  for (const std::uint32_t v : values) out.emplace_back(v);
  return out;
}

}  // namespace zkmatch::testing

#endif  // ZKMATCH_TESTS_SUPPORT_INDICES_H_
