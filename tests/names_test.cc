// The name tables of engine/src/names.h, the one place the rules' enumerations are named:
//
//   - every value of each enumeration has exactly one entry, names and descriptions are
//     non-empty and unique, and names round-trip (FromName(NameOf(v)) == v); an unknown name
//     gives nullopt, not some other value;
//   - the lists built for messages read as the golden errors expect;
//   - rules/schema/zkmatch-rules.schema.json agrees with the tables: its only `enum` lists are
//     encoding, last_tie and rounding, each equal to its table; its string `const`s are the
//     names of allocation: table and last_tie: lottery; its line shapes are keyed by the line
//     kinds' names; the computed allocation is keyed by proportional_to;
//   - engine/audit-format.md lists the last_tie names and the rejection reasons of the tables.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "json.h"
#include "names.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

// How many values each enumeration has. An exhaustive switch (-Wswitch is an error in this
// build) would not compile if a value were added without being counted here.
template <typename E>
constexpr int ValueCount();
constexpr int Ordinal(LastTie v) {
  switch (v) {
    case LastTie::kId: return 0;
    case LastTie::kLottery: return 1;
    case LastTie::kAdmitAll: return 2;
  }
  return -1;
}
template <> constexpr int ValueCount<LastTie>() { return 3; }
constexpr int Ordinal(Line::Kind v) {
  switch (v) {
    case Line::Kind::kValue: return 0;
    case Line::Kind::kAdmitRatio: return 1;
    case Line::Kind::kOffset: return 2;
    case Line::Kind::kFactor: return 3;
  }
  return -1;
}
template <> constexpr int ValueCount<Line::Kind>() { return 4; }
constexpr int Ordinal(Allocation::Kind v) {
  switch (v) {
    case Allocation::Kind::kNotSplit: return 0;
    case Allocation::Kind::kTable: return 1;
    case Allocation::Kind::kProportional: return 2;
  }
  return -1;
}
template <> constexpr int ValueCount<Allocation::Kind>() { return 3; }
constexpr int Ordinal(Allocation::Rounding v) {
  switch (v) {
    case Allocation::Rounding::kLargestRemainder: return 0;
  }
  return -1;
}
template <> constexpr int ValueCount<Allocation::Rounding>() { return 1; }
constexpr int Ordinal(Unfilled::Kind v) {
  switch (v) {
    case Unfilled::Kind::kStay: return 0;
    case Unfilled::Kind::kSameStage: return 1;
    case Unfilled::Kind::kLaterBatch: return 2;
  }
  return -1;
}
template <> constexpr int ValueCount<Unfilled::Kind>() { return 3; }
constexpr int Ordinal(Rejection v) {
  switch (v) {
    case Rejection::kIneligible: return 0;
    case Rejection::kNoGroupSeats: return 1;
    case Rejection::kBelow: return 2;
    case Rejection::kFreeSeat: return 3;
    case Rejection::kNotBelow: return 4;
  }
  return -1;
}
template <> constexpr int ValueCount<Rejection>() { return 5; }
constexpr int Ordinal(Encoding v) {
  switch (v) {
    case Encoding::kUtf8: return 0;
    case Encoding::kGb18030: return 1;
  }
  return -1;
}
template <> constexpr int ValueCount<Encoding>() { return 2; }
constexpr int Ordinal(ChoicesLayout v) {
  switch (v) {
    case ChoicesLayout::kLong: return 0;
    case ChoicesLayout::kWide: return 1;
  }
  return -1;
}
template <> constexpr int ValueCount<ChoicesLayout>() { return 2; }

constexpr int Ordinal(Mechanism::Kind v) {
  switch (v) {
    case Mechanism::Kind::kDeferredAcceptance: return 0;
    case Mechanism::Kind::kImmediateAcceptance: return 1;
    case Mechanism::Kind::kParallel: return 2;
  }
  return -1;
}
template <> constexpr int ValueCount<Mechanism::Kind>() { return 3; }

template <typename E>
class NameTableTest : public ::testing::Test {};
using Enums = ::testing::Types<LastTie, Line::Kind, Allocation::Kind, Allocation::Rounding, Unfilled::Kind, Rejection, Encoding, ChoicesLayout,
                               Mechanism::Kind>;
TYPED_TEST_SUITE(NameTableTest, Enums);

TYPED_TEST(NameTableTest, EveryValueHasExactlyOneNonEmptyUniqueName) {
  using E = TypeParam;
  const auto& entries = NameEntries<E>();
  EXPECT_FALSE(NameTable<E>::kWhat.empty());
  ASSERT_EQ(static_cast<int>(entries.size()), ValueCount<E>()) << NameTable<E>::kWhat;
  std::vector<int> seen(static_cast<std::size_t>(ValueCount<E>()), 0);
  std::set<std::string_view> names, descriptions;
  for (const NameEntry<E>& e : entries) {
    const int i = Ordinal(e.value);
    ASSERT_GE(i, 0);
    ASSERT_LT(i, ValueCount<E>());
    ++seen[static_cast<std::size_t>(i)];
    EXPECT_FALSE(e.name.empty()) << NameTable<E>::kWhat << " value " << i;
    EXPECT_FALSE(e.description.empty()) << e.name;
    EXPECT_TRUE(names.insert(e.name).second) << "name given twice: " << e.name;
    EXPECT_TRUE(descriptions.insert(e.description).second) << "description given twice: " << e.description;
    // Names are written bare in YAML and JSON: no spaces, quotes or upper case.
    for (char ch : e.name) EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-') << e.name;
  }
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 1) << NameTable<E>::kWhat << " value " << i;
}

TYPED_TEST(NameTableTest, NamesRoundTripAndUnknownNamesAreNotValues) {
  using E = TypeParam;
  for (const NameEntry<E>& e : NameEntries<E>()) {
    EXPECT_EQ(NameOf(e.value), e.name);
    EXPECT_EQ(Name(e.value), std::string(e.name));
    const std::optional<E> back = FromName<E>(e.name);
    ASSERT_TRUE(back.has_value()) << e.name;
    EXPECT_TRUE(*back == e.value) << e.name;
    // Near misses are unknown, not the nearest value.
    EXPECT_FALSE(FromName<E>(std::string(e.name) + "x").has_value()) << e.name;
    EXPECT_FALSE(FromName<E>(std::string(e.name).substr(1)).has_value()) << e.name;
  }
  EXPECT_FALSE(FromName<E>("").has_value());
  EXPECT_EQ(AllNames<E>().size(), NameEntries<E>().size());
}

// The lists quoted by error messages pinned in fixtures/bad/*/expected.txt.
TEST(NameLists, ReadAsTheMessagesQuoteThem) {
  EXPECT_EQ(NameList<LastTie>(true),
            "id (candidate id ascending), lottery (published seed) or admit_all (admit everyone tied at the last seat)");
  EXPECT_EQ(NameList<Encoding>(), "utf-8 or gb18030");
  EXPECT_EQ(NameList<Allocation::Rounding>(true), "largest_remainder (Hamilton's method)");
  EXPECT_EQ(NameList<Rejection>(false, "and"), "ineligible, no_group_seats, below, free_seat and not_below");
  EXPECT_EQ(UnknownNameError<LastTie>("audit.jsonl", "x"),
            "audit.jsonl names last_tie 'x', which this zkmatch does not know (it knows id, lottery and admit_all)");
}

// ---------------------------------------------------------------------------------------------
// The schema.

JsonValue LoadSchema() {
  JsonValue schema;
  std::string error;
  const std::string path = SourceDir() + "/rules/schema/zkmatch-rules.schema.json";
  EXPECT_TRUE(ParseJson(ReadFile(path), &schema, &error)) << path << ": " << error;
  return schema;
}

// Every "enum" list and every string "const" in the schema, by JSON pointer.
void Collect(const JsonValue& v, const std::string& at, std::map<std::string, std::vector<std::string>>* enums,
             std::map<std::string, std::string>* consts) {
  if (v.type == JsonValue::Type::kObject) {
    for (const JsonMember& m : v.members) {
      const std::string here = at + "/" + m.first;
      if (m.first == "enum") {
        std::vector<std::string>& list = (*enums)[here];
        for (const JsonValue& item : m.second.items) list.push_back(item.text);
      } else if (m.first == "const" && m.second.type == JsonValue::Type::kString) {
        (*consts)[here] = m.second.text;
      }
      Collect(m.second, here, enums, consts);
    }
  } else if (v.type == JsonValue::Type::kArray) {
    for (std::size_t i = 0; i < v.items.size(); ++i) Collect(v.items[i], at + "/" + std::to_string(i), enums, consts);
  }
}

TEST(SchemaAgreesWithNameTables, EveryEnumListIsATable) {
  const JsonValue schema = LoadSchema();
  std::map<std::string, std::vector<std::string>> enums;
  std::map<std::string, std::string> consts;
  Collect(schema, "", &enums, &consts);
  // A new enum list in the schema needs a table in names.h (and a line here).
  const std::map<std::string, std::vector<std::string>> want = {
      {"/properties/encoding/enum", AllNames<Encoding>()},
      {"/$defs/ranking/properties/last_tie/enum", AllNames<LastTie>()},
      {"/$defs/allocation/oneOf/1/properties/rounding/enum", AllNames<Allocation::Rounding>()},
      {"/$defs/choices_file/oneOf/1/properties/layout/enum", AllNames<ChoicesLayout>()},
      // The word forms; parallel is the key of the map form (below).
      {"/$defs/mechanism/oneOf/0/enum", {Name(Mechanism::Kind::kDeferredAcceptance), Name(Mechanism::Kind::kImmediateAcceptance)}},
  };
  EXPECT_EQ(enums, want);
  EXPECT_EQ(schema["$defs"]["allocation"]["oneOf"].items.at(1)["properties"]["rounding"]["default"].text,
            Name(Allocation::Rounding::kLargestRemainder));
  EXPECT_EQ(schema["properties"]["encoding"]["default"].text, Name(Encoding::kUtf8));
  // String consts: allocation: table, the seed rule's last_tie: lottery, the wide choices
  // layout's required keys (no others).
  std::multiset<std::string> got_consts;
  for (const auto& [path, value] : consts) got_consts.insert(value);
  EXPECT_EQ(got_consts, (std::multiset<std::string>{Name(Allocation::Kind::kTable), Name(LastTie::kLottery), Name(ChoicesLayout::kWide)}));
  EXPECT_EQ(consts.count("/$defs/allocation/oneOf/0/const"), 1u);
}

TEST(SchemaAgreesWithNameTables, MechanismMapFormIsParallelWithABand) {
  const JsonValue schema = LoadSchema();
  const JsonValue& shapes = schema["$defs"]["mechanism"]["oneOf"];
  ASSERT_EQ(shapes.items.size(), 2u);
  ASSERT_EQ(shapes.items[1]["required"].items.size(), 1u);
  EXPECT_EQ(shapes.items[1]["required"].items[0].text, Name(Mechanism::Kind::kParallel));
  EXPECT_EQ(shapes.items[1]["properties"][Name(Mechanism::Kind::kParallel)]["required"].items.at(0).text, "band");
}

TEST(SchemaAgreesWithNameTables, AllocationShapesAreTheTableAndProportionalTo) {
  const JsonValue schema = LoadSchema();
  const JsonValue& shapes = schema["$defs"]["allocation"]["oneOf"];
  ASSERT_EQ(shapes.items.size(), 2u);
  EXPECT_EQ(shapes.items[0]["const"].text, Name(Allocation::Kind::kTable));
  bool found = false;
  for (const JsonValue& r : shapes.items[1]["required"].items) found = found || r.text == Name(Allocation::Kind::kProportional);
  EXPECT_TRUE(found) << "the computed allocation does not require " << Name(Allocation::Kind::kProportional);
  EXPECT_FALSE(shapes.items[1]["properties"][Name(Allocation::Kind::kProportional)].is_null());
}

// Each line shape is required to have its kind's key (and `from` for derived lines).
TEST(SchemaAgreesWithNameTables, LineShapesAreKeyedByTheLineKinds) {
  const JsonValue schema = LoadSchema();
  std::vector<std::string> keys;
  for (const JsonValue& shape : schema["$defs"]["line"]["oneOf"].items) {
    std::string key;
    for (const JsonValue& r : shape["required"].items) {
      if (r.text != "from" && key.empty()) key = r.text;
    }
    keys.push_back(key);
  }
  EXPECT_EQ(keys, AllNames<Line::Kind>());
}

TEST(SchemaAgreesWithNameTables, UnfilledNoneIsTheStayName) {
  const JsonValue schema = LoadSchema();
  bool found = false;
  for (const JsonValue& e : schema["$defs"]["unfilled"]["oneOf"].items.at(0)["examples"].items) found = found || e.text == Name(Unfilled::Kind::kStay);
  EXPECT_TRUE(found);
  EXPECT_NE(schema["$defs"]["unfilled"]["description"].text.find("`" + Name(Unfilled::Kind::kStay) + "`"), std::string::npos);
}

// engine/audit-format.md documents the names audit.jsonl carries.
TEST(AuditFormatAgreesWithNameTables, LastTieAndRejectionReasons) {
  const std::string doc = ReadFile(SourceDir() + "/engine/audit-format.md");
  std::string ties;
  for (const std::string& n : AllNames<LastTie>()) ties += (ties.empty() ? "\"" : "|\"") + n + "\"";
  EXPECT_NE(doc.find("\"last_tie\":" + ties + "["), std::string::npos) << "audit-format.md does not list last_tie as " << ties;
  // The reasons table: one row per name, in table order, and no other row.
  std::vector<std::string> rows;
  const std::size_t table = doc.find("| `ineligible` |");
  ASSERT_NE(table, std::string::npos);
  for (std::size_t at = table; at < doc.size() && doc.compare(at, 3, "| `") == 0;) {
    const std::size_t close = doc.find('`', at + 3);
    rows.push_back(doc.substr(at + 3, close - at - 3));
    at = doc.find('\n', at);
    if (at == std::string::npos) break;
    ++at;
  }
  EXPECT_EQ(rows, AllNames<Rejection>());
}

}  // namespace
}  // namespace zkmatch::testing
