// Unit tests for edit_distance.h: edit distance with adjacent swaps and "did you mean" suggestions.
#include "edit_distance.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace zkmatch {
namespace {

TEST(EditDistance, Table) {
  struct Case {
    std::string_view a, b;
    int distance;
  };
  constexpr Case cases[] = {
      {"", "", 0},
      {"", "abc", 3},
      {"abc", "", 3},
      {"abc", "abc", 0},
      {"kitten", "sitting", 3},
      {"flaw", "lawn", 2},
      {"rankings", "rankngs", 1},      // deletion
      {"seats", "seatss", 1},          // insertion
      {"batch", "botch", 1},           // substitution
      {"ab", "ba", 1},                 // a swap of neighbours is one edit
      {"versoin", "version", 1},
      {"mian", "main", 1},
      {"ca", "abc", 3},                // optimal string alignment: no edit of a swapped pair
      {"by_totl", "by_total", 1},
      {"Total", "total", 1},           // case matters
      {"abc", "xyz", 3},
      {"\xE4\xB8\xAD", "\xE5\x9B\xBD", 3},  // 中 vs 国: byte strings, all three bytes differ
      {"\xE6\x80\xBB\xE5\x88\x86", "\xE6\x80\xBB", 3},  // 总分 vs 总: three bytes deleted
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.a) + " / " + std::string(c.b));
    EXPECT_EQ(EditDistance(c.a, c.b), c.distance);
    EXPECT_EQ(EditDistance(c.b, c.a), c.distance) << "distance must be symmetric";
  }
}

TEST(ClosestMatch, Table) {
  const std::vector<std::string> keys = {"version", "name", "inputs", "columns", "rankings", "batches"};
  struct Case {
    std::string_view word;
    std::vector<std::string> candidates;
    std::string expected;
  };
  const Case cases[] = {
      // Exact match.
      {"name", keys, "name"},
      // Length 4: limit max(1, 4/3) = 1.
      {"nme", keys, "name"},        // len 3, limit 1, distance 1
      {"nmae", keys, "name"},       // one swap: distance 1
      {"nmea", keys, ""},           // distance 2 > 1
      // Length 7: limit 2.
      {"versoin", keys, "version"}, // distance 1 (a swap)
      {"batchs", keys, "batches"},  // distance 1
      {"rnkngs", keys, "rankings"}, // len 6, limit 2, distance 2
      {"rnkgs", keys, ""},          // len 5, limit 1, distance 3
      // Length 9: limit 3.
      {"abcdefghi", {"abcdefxyz"}, "abcdefxyz"},  // distance 3
      {"abcdefghi", {"abcdewxyz"}, ""},           // distance 4
      // Length 6: limit 2.
      {"abcdef", {"abcxyz"}, ""},   // distance 3
      {"abcdef", {"abcdxy"}, "abcdxy"},
      // Short words still get limit 1.
      {"x", {"id"}, ""},            // distance 2
      {"x", {"xy"}, "xy"},
      {"", {"a"}, "a"},
      {"", {"ab"}, ""},
      // Ties go to the earliest candidate; a strictly closer later one wins.
      {"ab", {"ac", "ad"}, "ac"},
      {"ab", {"ad", "ac"}, "ad"},
      {"abcd", {"abcd_x", "abcd"}, "abcd"},
      {"by_totl", {"by_arts", "by_total"}, "by_total"},
      // Nothing to choose from.
      {"name", {}, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("word '" + std::string(c.word) + "'");
    EXPECT_EQ(ClosestMatch(c.word, c.candidates), c.expected);
  }
}

TEST(DidYouMean, FormatsSuggestionOrNothing) {
  const std::vector<std::string> names = {"by_total", "by_arts"};
  EXPECT_EQ(DidYouMean("by_totl", names), " (did you mean 'by_total'?)");
  EXPECT_EQ(DidYouMean("by_art", names), " (did you mean 'by_arts'?)");
  EXPECT_EQ(DidYouMean("lottery", names), "");
  EXPECT_EQ(DidYouMean("by_total", {}), "");
}

}  // namespace
}  // namespace zkmatch
