// Strong index types: a dense index that says which space it indexes (or-tools' StrongIndex).
//
// A CandidateIndex and a ProgramIndex are both 32-bit positions, and a function taking one
// would silently accept the other if both were plain integers. StrongIndex<Tag> makes the
// space part of the type:
//   - it is built from an integer only explicitly: CandidateIndex{5}, CandidateIndex(row);
//   - it reads as its integer implicitly, so it indexes std::vector, adds and compares with
//     counts as before (offset[c + 1], p < programs.size());
//   - two different spaces never convert into each other, and comparing them does not compile,
//     so f(ProgramIndex) cannot be handed a CandidateIndex.
// The layout is the integer's (same size, trivially copyable): arrays of indices cost nothing
// more, and the matcher's loops compile to the same code.
//
// Thread-safety: a value type. Cost: none beyond the integer's.
#ifndef ZKMATCH_STRONG_INDEX_H_
#define ZKMATCH_STRONG_INDEX_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>

namespace zkmatch {

template <typename Tag, typename T>
class StrongIndex {
  static_assert(std::is_unsigned_v<T>, "an index is unsigned");

 public:
  using ValueType = T;
  constexpr StrongIndex() = default;
  // From any integer, explicitly. Another StrongIndex is not an integer: see the deleted
  // constructor below.
  template <typename I, typename = std::enable_if_t<std::is_integral_v<I>>>
  constexpr explicit StrongIndex(I value) : value_(static_cast<T>(value)) {}
  template <typename OtherTag, typename U>
  StrongIndex(StrongIndex<OtherTag, U>) = delete;  // another space: say what you mean

  constexpr T value() const { return value_; }
  constexpr operator T() const { return value_; }  // NOLINT: reads as its integer

  constexpr StrongIndex& operator++() {
    ++value_;
    return *this;
  }
  constexpr StrongIndex operator++(int) {
    StrongIndex old = *this;
    ++value_;
    return old;
  }
  constexpr StrongIndex& operator--() {
    --value_;
    return *this;
  }

  // The same space compares directly; another space does not compile.
  friend constexpr bool operator==(StrongIndex a, StrongIndex b) { return a.value_ == b.value_; }
  friend constexpr bool operator!=(StrongIndex a, StrongIndex b) { return a.value_ != b.value_; }
  friend constexpr bool operator<(StrongIndex a, StrongIndex b) { return a.value_ < b.value_; }
  friend constexpr bool operator<=(StrongIndex a, StrongIndex b) { return a.value_ <= b.value_; }
  friend constexpr bool operator>(StrongIndex a, StrongIndex b) { return a.value_ > b.value_; }
  friend constexpr bool operator>=(StrongIndex a, StrongIndex b) { return a.value_ >= b.value_; }
  template <typename OtherTag, typename U>
  friend bool operator==(StrongIndex, StrongIndex<OtherTag, U>) = delete;
  template <typename OtherTag, typename U>
  friend bool operator!=(StrongIndex, StrongIndex<OtherTag, U>) = delete;
  template <typename OtherTag, typename U>
  friend bool operator<(StrongIndex, StrongIndex<OtherTag, U>) = delete;

 private:
  T value_ = 0;
};

}  // namespace zkmatch

template <typename Tag, typename T>
struct std::hash<zkmatch::StrongIndex<Tag, T>> {
  std::size_t operator()(zkmatch::StrongIndex<Tag, T> i) const noexcept { return std::hash<T>()(i.value()); }
};

#endif  // ZKMATCH_STRONG_INDEX_H_
