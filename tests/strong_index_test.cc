// zkmatch/strong_index.h: what the index types let through and what they refuse. Most of this
// is decided by the compiler, so most checks are static_asserts: the binary exists only if the
// types behave; the runtime tests cover the operations.
#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "zkmatch/model.h"

namespace zkmatch {
namespace {

// Whether `a == b` compiles for values of A and B.
template <typename A, typename B, typename = void>
struct Comparable : std::false_type {};
template <typename A, typename B>
struct Comparable<A, B, std::void_t<decltype(std::declval<A>() == std::declval<B>())>> : std::true_type {};

// One space never becomes another, implicitly or explicitly.
static_assert(!std::is_convertible_v<ProgramIndex, CandidateIndex>);
static_assert(!std::is_constructible_v<CandidateIndex, ProgramIndex>);
static_assert(!std::is_constructible_v<ProgramIndex, ChannelIndex>);
static_assert(!std::is_assignable_v<CandidateIndex&, ProgramIndex>);
static_assert(!Comparable<CandidateIndex, ProgramIndex>::value);
static_assert(!Comparable<ProgramIndex, ChannelIndex>::value);
// An integer becomes an index only when said so; an index reads as its integer.
static_assert(!std::is_convertible_v<std::uint32_t, CandidateIndex>);
static_assert(!std::is_assignable_v<ProgramIndex&, std::uint32_t>);
static_assert(std::is_constructible_v<CandidateIndex, std::uint32_t>);
static_assert(std::is_convertible_v<CandidateIndex, std::uint32_t>);
static_assert(Comparable<CandidateIndex, CandidateIndex>::value);
static_assert(Comparable<CandidateIndex, std::uint32_t>::value);  // c == kNone
// The integer's layout: arrays of indices cost what arrays of integers cost.
static_assert(sizeof(CandidateIndex) == 4 && sizeof(ProgramIndex) == 4 && sizeof(ChannelIndex) == 1);
static_assert(std::is_trivially_copyable_v<CandidateIndex> && std::is_trivially_copyable_v<ChannelIndex>);

TEST(StrongIndex, ReadsAsItsIntegerForIndexingAndCounting) {
  const std::vector<int> v = {10, 20, 30};
  const CandidateIndex c{1};
  EXPECT_EQ(v[c], 20);
  EXPECT_EQ(v[c + 1], 30);
  EXPECT_EQ(c.value(), 1u);
  std::uint32_t sum = 0;
  for (ProgramIndex p{0}; p < v.size(); ++p) sum += p;
  EXPECT_EQ(sum, 3u);
  EXPECT_TRUE(kNoCandidate == kNone);
  EXPECT_TRUE(CandidateIndex{2} > CandidateIndex{1});
  EXPECT_EQ(ChannelIndex(std::size_t{31}).value(), 31);
  const std::unordered_set<ProgramIndex> seen = {ProgramIndex{3}, ProgramIndex{3}, ProgramIndex{4}};
  EXPECT_EQ(seen.size(), 2u);
}

}  // namespace
}  // namespace zkmatch
