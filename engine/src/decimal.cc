#include "decimal.h"

#include <charconv>
#include <cstdint>

#include "zkmatch/pipeline.h"  // FormatScore

namespace zkmatch {
namespace {
constexpr std::int64_t kMaxWhole = 1'000'000'000'000'000;  // 10^15 points
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsSpaceByte(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A reason more precise than "not a number" for the ways spreadsheets and hand edits garble
// numbers, or empty when none applies. `example` is a valid value to show.
std::string SpecificReason(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  if (!text.empty() && (IsSpaceByte(text.front()) || IsSpaceByte(text.back()))) {
    return quoted + " has spaces or a line break around the number; remove them";
  }
  // Full-width digits and signs (U+FF10..FF19 = EF BC 90..99, U+FF0E '.' = EF BC 8E,
  // U+FF0D '-' = EF BC 8D), as a Chinese input method types them.
  std::string ascii;
  bool full_width = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    if (i + 2 < text.size() && b(i) == 0xEF && b(i + 1) == 0xBC && ((b(i + 2) >= 0x90 && b(i + 2) <= 0x99) || b(i + 2) == 0x8E || b(i + 2) == 0x8D)) {
      ascii += b(i + 2) == 0x8E ? '.' : b(i + 2) == 0x8D ? '-' : static_cast<char>('0' + (b(i + 2) - 0x90));
      full_width = true;
      i += 2;
    } else {
      ascii += text[i];
    }
  }
  if (full_width) return quoted + " is written with full-width characters; write it with ASCII digits: " + ascii;
  std::string lower;
  for (char c : text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (lower.front() == '-' || lower.front() == '+') lower.erase(0, 1);
  if (lower == "nan" || lower == "inf" || lower == "infinity" || text.front() == '#') {
    return quoted + " is not a number (a spreadsheet error or a missing value?); write the value, e.g. 612.5";
  }
  // 1e3, 6.125E+02: scientific notation, as Excel displays long numbers.
  const std::size_t e = lower.find('e');
  if (e != std::string::npos && e > 0 && IsDigit(lower[e - 1]) && e + 1 < lower.size() &&
      lower.find_first_not_of("0123456789.e+-") == std::string::npos) {
    return quoted + " is in scientific notation; write the number out in full (format the column as Number or Text in the spreadsheet)";
  }
  return {};
}
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
    if (std::string reason = SpecificReason(text); !reason.empty()) {
      *why = reason;
      return false;
    }
    *why = "'" + std::string(text) +
           "' is not a decimal number; write ASCII digits with an optional '-' and at most 2 "
           "decimal places, e.g. 612.5";
    return false;
  }
  Score v = whole * kScoreScale + frac;
  if (negative && v == 0) {
    *why = "'" + std::string(text) + "' is a negative zero; write 0";
    return false;
  }
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
      if (std::string reason = SpecificReason(text); !reason.empty()) {
        *why = reason;
        return false;
      }
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

// Declared in zkmatch/pipeline.h (public); here beside its inverse, ParseDecimal, so that the
// verifier can format scores without linking the engine.
std::string FormatScore(Score s) {
  char buf[kFormattedScoreMax];
  return std::string(buf, FormatScoreTo(s, buf));
}

std::size_t FormatScoreTo(Score s, char* out) {
  if (s == kMissingScore) return 0;
  char* p = out;
  // The magnitude as unsigned: -s of the most negative Score would overflow.
  std::uint64_t m = static_cast<std::uint64_t>(s);
  if (s < 0) {
    *p++ = '-';
    m = 0 - m;
  }
  const auto scale = static_cast<std::uint64_t>(kScoreScale);
  p = std::to_chars(p, out + kFormattedScoreMax, m / scale).ptr;
  const std::uint64_t frac = m % scale;
  if (frac != 0) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0) *p++ = static_cast<char>('0' + frac % 10);
  }
  return static_cast<std::size_t>(p - out);
}

}  // namespace zkmatch
