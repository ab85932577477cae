// Unit tests for decimal.h: ParseDecimal (fixed-point hundredths) and ParseCount.
#include "decimal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "zkmatch/pipeline.h"  // FormatScore

namespace zkmatch {
namespace {

constexpr Score kUntouched = 123456789;

struct DecimalCase {
  std::string_view text;
  Score value;  // expected hundredths when accepted
};

// Accepted spellings and the exact hundredths they mean.
constexpr DecimalCase kGoodDecimals[] = {
    {"612.5", 61250},
    {"612.50", 61250},
    {"612", 61200},
    {"0.25", 25},
    {"0.5", 50},
    {"0.05", 5},
    {"0", 0},
    {"-3", -300},
    {"-0.5", -50},
    {"-612.25", -61225},
    {"007", 700},
    {"00.5", 50},
    {"750.00", 75000},
    {"999999999999999.99", 99999999999999999},    // just below 10^15
    {"-999999999999999.99", -99999999999999999},  // just above -10^15
};

TEST(ParseDecimal, AcceptsPlainDecimals) {
  for (const DecimalCase& c : kGoodDecimals) {
    SCOPED_TRACE(std::string(c.text));
    Score out = kUntouched;
    std::string why = "untouched";
    ASSERT_TRUE(ParseDecimal(c.text, &out, &why)) << why;
    EXPECT_EQ(out, c.value);
  }
}

TEST(ParseDecimal, TrailingZeroDoesNotChangeTheValue) {
  Score a = 0, b = 0;
  std::string why;
  ASSERT_TRUE(ParseDecimal("612.5", &a, &why));
  ASSERT_TRUE(ParseDecimal("612.50", &b, &why));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, 61250);
}

const std::string kNotDecimal =
    "' is not a decimal number; write ASCII digits with an optional '-' and at most 2 decimal "
    "places, e.g. 612.5";

std::string NotDecimal(std::string_view text) { return "'" + std::string(text) + kNotDecimal; }
std::string TooManyPlaces(std::string_view text) {
  return "'" + std::string(text) +
         "' has more than 2 decimal places; scores are kept to hundredths, round it in the source";
}
std::string Scientific(std::string_view text) {
  return "'" + std::string(text) +
         "' is in scientific notation; write the number out in full (format the column as Number or Text in the spreadsheet)";
}
std::string NotANumber(std::string_view text) {
  return "'" + std::string(text) + "' is not a number (a spreadsheet error or a missing value?); write the value, e.g. 612.5";
}
std::string Spaces(std::string_view text) {
  return "'" + std::string(text) + "' has spaces or a line break around the number; remove them";
}
std::string FullWidth(std::string_view text, std::string_view ascii) {
  return "'" + std::string(text) + "' is written with full-width characters; write it with ASCII digits: " + std::string(ascii);
}
std::string TooLarge(std::string_view text) {
  return "'" + std::string(text) + "' is too large; values must be below 10^15";
}

TEST(ParseDecimal, RejectsWithExactReason) {
  struct Case {
    std::string text;
    std::string why;
  };
  const Case cases[] = {
      {"", "empty value; write a number such as 612.5"},
      {"612.505", TooManyPlaces("612.505")},
      {"0.125", TooManyPlaces("0.125")},
      {"-1.001", TooManyPlaces("-1.001")},
      {"5.", "'5.' has a '.' without digits after it; write e.g. 612 or 612.5"},
      {"1e3", Scientific("1e3")},
      {"1E3", Scientific("1E3")},
      {"6.1E+02", Scientific("6.1E+02")},
      {"e3", NotDecimal("e3")},
      {"NaN", NotANumber("NaN")},
      {"nan", NotANumber("nan")},
      {"inf", NotANumber("inf")},
      {"-inf", NotANumber("-inf")},
      {"#N/A", NotANumber("#N/A")},
      {"-0", "'-0' is a negative zero; write 0"},
      {"-0.00", "'-0.00' is a negative zero; write 0"},
      {" 612", Spaces(" 612")},
      {"612 ", Spaces("612 ")},
      {"6 12", NotDecimal("6 12")},
      {"+5", NotDecimal("+5")},
      {".5", NotDecimal(".5")},
      {"-.5", NotDecimal("-.5")},
      {"-", NotDecimal("-")},
      {"--5", NotDecimal("--5")},
      {"1.2.3", NotDecimal("1.2.3")},
      {"1,5", NotDecimal("1,5")},
      {"0x10", NotDecimal("0x10")},
      {"612.5\n", Spaces("612.5\n")},
      {"\xEF\xBC\x96\xEF\xBC\x91\xEF\xBC\x92", FullWidth("\xEF\xBC\x96\xEF\xBC\x91\xEF\xBC\x92", "612")},  // "６１２"
      {"612\xEF\xBC\x8E" "5", FullWidth("612\xEF\xBC\x8E" "5", "612.5")},  // full-width full stop
      {"12345678901234567890", TooLarge("12345678901234567890")},
      {"-12345678901234567890", TooLarge("-12345678901234567890")},
      {"1000000000000001", TooLarge("1000000000000001")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("text: '" + c.text + "'");
    Score out = kUntouched;
    std::string why;
    EXPECT_FALSE(ParseDecimal(c.text, &out, &why)) << "parsed as " << out;
    EXPECT_EQ(why, c.why);
    EXPECT_EQ(out, kUntouched) << "a rejected value must not be stored";
  }
}

// The message promises "values must be below 10^15": 10^15 itself, and anything between 10^15
// and 10^15 + 1, is too large (the whole-part check alone lets "1000000000000000.99" through).
TEST(ParseDecimal, RejectsTenToTheFifteenth) {
  for (const std::string text : {"1000000000000000", "1000000000000000.01", "1000000000000000.99",
                                 "-1000000000000000", "-1000000000000000.5"}) {
    SCOPED_TRACE("text: '" + text + "'");
    Score out = kUntouched;
    std::string why;
    EXPECT_FALSE(ParseDecimal(text, &out, &why)) << "parsed as " << out;
    EXPECT_EQ(why, TooLarge(text));
  }
}

TEST(ParseCount, AcceptsWholeNumbers) {
  struct Case {
    std::string_view text;
    std::int32_t value;
  };
  constexpr Case cases[] = {
      {"0", 0}, {"40", 40}, {"007", 7}, {"1", 1}, {"2000000000", 2000000000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.text));
    std::int32_t out = -7;
    std::string why;
    ASSERT_TRUE(ParseCount(c.text, &out, &why)) << why;
    EXPECT_EQ(out, c.value);
  }
}

TEST(ParseCount, RejectsWithExactReason) {
  auto not_whole = [](const std::string& t) {
    return "'" + t + "' is not a whole number >= 0; write digits only, e.g. 40";
  };
  auto too_large = [](const std::string& t) {
    return "'" + t + "' is too large; the limit is 2000000000";
  };
  struct Case {
    std::string text;
    std::string why;
  };
  const Case cases[] = {
      {"", "empty value; write a whole number such as 40"},
      {"-1", not_whole("-1")},
      {"1.5", not_whole("1.5")},
      {"40.0", not_whole("40.0")},
      {"+3", not_whole("+3")},
      {" 3", Spaces(" 3")},
      {"3 ", Spaces("3 ")},
      {"1e3", Scientific("1e3")},
      {"\xEF\xBC\x94\xEF\xBC\x90", FullWidth("\xEF\xBC\x94\xEF\xBC\x90", "40")},  // "４０"
      {"2000000001", too_large("2000000001")},
      {"2147483648", too_large("2147483648")},
      {"99999999999999999999999", too_large("99999999999999999999999")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("text: '" + c.text + "'");
    std::int32_t out = -7;
    std::string why;
    EXPECT_FALSE(ParseCount(c.text, &out, &why)) << "parsed as " << out;
    EXPECT_EQ(why, c.why);
    EXPECT_EQ(out, -7);
  }
}


// FormatScore, the inverse the outputs use (and FormatScoreTo, the same text into a buffer):
// the shortest spelling, as written by hand here, and ParseDecimal reads each back.
TEST(FormatScore, ShortestSpellingThatReadsBack) {
  const std::pair<Score, std::string_view> cases[] = {
      {61250, "612.5"}, {61200, "612"}, {25, "0.25"}, {5, "0.05"}, {50, "0.5"}, {0, "0"},
      {-300, "-3"},     {-50, "-0.5"},  {-5, "-0.05"}, {99999999999999900, "999999999999999"}, {-99999999999999999, "-999999999999999.99"}};
  for (const auto& [value, text] : cases) {
    EXPECT_EQ(FormatScore(value), text);
    char buf[kFormattedScoreMax];
    EXPECT_EQ(std::string_view(buf, FormatScoreTo(value, buf)), text);
    Score back = kUntouched;
    std::string why;
    EXPECT_TRUE(ParseDecimal(text, &back, &why)) << text << ": " << why;
    EXPECT_EQ(back, value) << text;
  }
  EXPECT_EQ(FormatScore(kMissingScore), "");
  char buf[kFormattedScoreMax];
  EXPECT_EQ(FormatScoreTo(kMissingScore, buf), 0u);
}

}  // namespace
}  // namespace zkmatch
