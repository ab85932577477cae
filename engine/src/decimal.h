// Exact decimal numbers as fixed-point integers in hundredths.
//
// Exam totals are written with halves (612.5) and sometimes quarters; we never let a binary
// float touch them. Accepted syntax: optional '-', ASCII digits, optional '.' followed by one or
// two digits ("612", "612.5", "612.50", "-3", "0.25"). Rejected, with a reason: more than two
// decimals, exponents, signs other than a leading '-', spaces, full-width digits, NaN/inf and
// spreadsheet errors (#N/A), negative zero ("-0": a sign that means nothing is a typo or an
// export artefact), values whose magnitude exceeds 10^15 points.
#ifndef ZKMATCH_DECIMAL_H_
#define ZKMATCH_DECIMAL_H_

#include <string>
#include <string_view>

#include "zkmatch/model.h"

namespace zkmatch {

// Parses `text` into `*out` (hundredths). On failure returns false and sets `*why` to a
// sentence that explains the problem and what to write instead.
bool ParseDecimal(std::string_view text, Score* out, std::string* why);

// Parses a non-negative integer that fits in int32 (capacities, ranks).
bool ParseCount(std::string_view text, std::int32_t* out, std::string* why);

// FormatScore (zkmatch/pipeline.h) into `out` (kFormattedScoreMax bytes): the same text, without
// a string; returns its length (0 for kMissingScore). For writers that format millions.
inline constexpr std::size_t kFormattedScoreMax = 24;
std::size_t FormatScoreTo(Score s, char* out);

}  // namespace zkmatch

#endif  // ZKMATCH_DECIMAL_H_
