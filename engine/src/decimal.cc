#include "decimal.h"

#include <cstdint>

namespace zkmatch {
namespace {
constexpr std::int64_t kMaxWhole = 1'000'000'000'000'000;  // 10^15 points
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool ParseDecimal(std::string_view text, Score* out, std::string* why) {
  if (text.empty()) {
    *why = "empty value; write a number such as 612.5";
    return false;
  }
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  std::int64_t whole = 0;
  std::size_t digits = 0;
  for (; i < text.size() && IsDigit(text[i]); ++i, ++digits) {
    whole = whole * 10 + (text[i] - '0');
    if (whole >= kMaxWhole) {
      *why = "'" + std::string(text) + "' is too large; values must be below 10^15";
      return false;
    }
  }
  std::int64_t frac = 0;
  std::size_t frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && IsDigit(text[i]); ++i, ++frac_digits) {
      if (frac_digits < 2) frac = frac * 10 + (text[i] - '0');
    }
    if (frac_digits == 0) {
      *why = "'" + std::string(text) + "' has a '.' without digits after it; write e.g. 612 or 612.5";
      return false;
    }
    if (frac_digits > 2) {
      *why = "'" + std::string(text) +
             "' has more than 2 decimal places; scores are kept to hundredths, round it in the source";
      return false;
    }
    if (frac_digits == 1) frac *= 10;
  }
  if (digits == 0 || i != text.size()) {
    *why = "'" + std::string(text) +
           "' is not a decimal number; write ASCII digits with an optional '-' and at most 2 "
           "decimal places, e.g. 612.5";
    return false;
  }
  Score v = whole * kScoreScale + frac;
  *out = negative ? -v : v;
  return true;
}

bool ParseCount(std::string_view text, std::int32_t* out, std::string* why) {
  if (text.empty()) {
    *why = "empty value; write a whole number such as 40";
    return false;
  }
  std::int64_t v = 0;
  for (char c : text) {
    if (!IsDigit(c)) {
      *why = "'" + std::string(text) + "' is not a whole number >= 0; write digits only, e.g. 40";
      return false;
    }
    v = v * 10 + (c - '0');
    if (v > 2'000'000'000) {
      *why = "'" + std::string(text) + "' is too large; the limit is 2000000000";
      return false;
    }
  }
  *out = static_cast<std::int32_t>(v);
  return true;
}

}  // namespace zkmatch
