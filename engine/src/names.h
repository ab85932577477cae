// The names of the rules' enumerations, one table each: {value, name as written, one-line
// description}. Rules files (rules_loader.cc), audit.jsonl (audit_writer.cc, read back by
// explain.cc and verifier.cc), rules/schema/zkmatch-rules.schema.json and engine/audit-format.md
// all use these names; the code reads them here and never spells them itself, and
// tests/names_test.cc checks that the schema's lists equal these tables.
//
// A name is parsed with FromName<E>(text), which gives nullopt for a name this zkmatch does not
// know: the caller must report it, never read it as some other value.
// Thread-safety: constant tables. Cost: a linear scan of a handful of entries.
#ifndef ZKMATCH_NAMES_H_
#define ZKMATCH_NAMES_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zkmatch/rules.h"

namespace zkmatch {

// Why a candidate was not placed by a channel at one choice: the values of a choice step's
// "rejected" object in audit.jsonl (engine/audit-format.md).
enum class Rejection { kIneligible, kNoGroupSeats, kBelow, kFreeSeat, kNotBelow };

// Character encoding of the input CSV files (`encoding:`); Rules::encoding holds its name.
enum class Encoding { kUtf8, kGb18030 };

// Layout of the choices file (`inputs: {choices: {file, layout}}`); RuleInputs::choices_wide.
enum class ChoicesLayout { kLong, kWide };

template <typename E>
struct NameEntry {
  E value;
  std::string_view name;         // as written in rules files and audit.jsonl
  std::string_view description;  // one line; error messages quote it
};

// NameTable<E>::kWhat is what the names are called in messages; kEntries lists every value of E
// exactly once (tests/names_test.cc).
template <typename E>
struct NameTable;

template <>
struct NameTable<LastTie> {
  static constexpr std::string_view kWhat = "last_tie";
  static constexpr std::array<NameEntry<LastTie>, 3> kEntries = {{
      {LastTie::kId, "id", "candidate id ascending"},
      {LastTie::kLottery, "lottery", "published seed"},
      {LastTie::kAdmitAll, "admit_all", "admit everyone tied at the last seat"},
  }};
};

// A line's kind is named by the key that gives it: {value}, {admit_ratio, ranking}, {from,
// offset}, {from, factor}.
template <>
struct NameTable<Line::Kind> {
  static constexpr std::string_view kWhat = "line kind";
  static constexpr std::array<NameEntry<Line::Kind>, 4> kEntries = {{
      {Line::Kind::kValue, "value", "a fixed score"},
      {Line::Kind::kAdmitRatio, "admit_ratio", "the score of the candidate at that ratio of a ranking"},
      {Line::Kind::kOffset, "offset", "another line plus an offset"},
      {Line::Kind::kFactor, "factor", "another line times a factor"},
  }};
};

// `allocation: table` or `allocation: {proportional_to: [...], rounding: ...}`; a channel
// without split_by has no allocation (not_split is never written in a rules file).
template <>
struct NameTable<Allocation::Kind> {
  static constexpr std::string_view kWhat = "allocation";
  static constexpr std::array<NameEntry<Allocation::Kind>, 3> kEntries = {{
      {Allocation::Kind::kNotSplit, "not_split", "the channel is not split (no split_by), so it has no allocation"},
      {Allocation::Kind::kTable, "table", "from inputs.allocations"},
      {Allocation::Kind::kProportional, "proportional_to", "computed from weighted counts of each group's candidates"},
  }};
};

template <>
struct NameTable<Allocation::Rounding> {
  static constexpr std::string_view kWhat = "rounding";
  static constexpr std::array<NameEntry<Allocation::Rounding>, 1> kEntries = {{
      {Allocation::Rounding::kLargestRemainder, "largest_remainder", "Hamilton's method"},
  }};
};

// `unfilled: none`, `unfilled: CHANNEL` or `unfilled: {batch: B, channel: C}`: only `none` is
// written as a word; same_stage and later_batch name the other two forms.
template <>
struct NameTable<Unfilled::Kind> {
  static constexpr std::string_view kWhat = "unfilled";
  static constexpr std::array<NameEntry<Unfilled::Kind>, 3> kEntries = {{
      {Unfilled::Kind::kStay, "none", "unfilled seats stay empty"},
      {Unfilled::Kind::kSameStage, "same_stage", "unfilled seats go to a channel of the same stage (unfilled: CHANNEL)"},
      {Unfilled::Kind::kLaterBatch, "later_batch", "unfilled seats go to a channel of a later batch (unfilled: {batch: B, channel: C})"},
  }};
};

// `mechanism: deferred_acceptance`, `mechanism: immediate_acceptance` or
// `mechanism: {parallel: {band: E}}`.
template <>
struct NameTable<Mechanism::Kind> {
  static constexpr std::string_view kWhat = "mechanism";
  static constexpr std::array<NameEntry<Mechanism::Kind>, 3> kEntries = {{
      {Mechanism::Kind::kDeferredAcceptance, "deferred_acceptance", "the default: score first, then choices (平行志愿 with one band)"},
      {Mechanism::Kind::kImmediateAcceptance, "immediate_acceptance", "first-choice priority, the Boston mechanism (志愿优先)"},
      {Mechanism::Kind::kParallel, "parallel", "Chen-Kesten bands of choices: {parallel: {band: E}}"},
  }};
};

template <>
struct NameTable<Rejection> {
  static constexpr std::string_view kWhat = "rejection reason";
  static constexpr std::array<NameEntry<Rejection>, 5> kEntries = {{
      {Rejection::kIneligible, "ineligible", "the channel's eligible condition is false for the candidate at this program"},
      {Rejection::kNoGroupSeats, "no_group_seats", "a split channel without seats for the candidate's group"},
      {Rejection::kBelow, "below", "every seat is taken and the candidate ranks strictly below the lowest admitted candidate"},
      {Rejection::kFreeSeat, "free_seat", "a seat was left free: never in a correct run"},
      {Rejection::kNotBelow, "not_below", "the candidate is not below the cut-off: never in a correct run"},
  }};
};

template <>
struct NameTable<Encoding> {
  static constexpr std::string_view kWhat = "encoding";
  static constexpr std::array<NameEntry<Encoding>, 2> kEntries = {{
      {Encoding::kUtf8, "utf-8", "the default; a byte-order mark is fine"},
      {Encoding::kGb18030, "gb18030", "files saved by Chinese Excel"},
  }};
};

template <>
struct NameTable<ChoicesLayout> {
  static constexpr std::string_view kWhat = "choices layout";
  static constexpr std::array<NameEntry<ChoicesLayout>, 2> kEntries = {{
      {ChoicesLayout::kLong, "long", "one row per choice: candidate_id, batch, rank, program"},
      {ChoicesLayout::kWide, "wide", "one row per candidate, a column per choice"},
  }};
};

template <typename E>
constexpr const auto& NameEntries() {
  return NameTable<E>::kEntries;
}

// The name of `value`; empty only for a value missing from the table (a test rules that out).
template <typename E>
constexpr std::string_view NameOf(E value) {
  for (const NameEntry<E>& e : NameEntries<E>()) {
    if (e.value == value) return e.name;
  }
  return {};
}

template <typename E>
std::string Name(E value) {
  return std::string(NameOf(value));
}

// The value named `name` exactly; nullopt for a name this zkmatch does not know.
template <typename E>
constexpr std::optional<E> FromName(std::string_view name) {
  for (const NameEntry<E>& e : NameEntries<E>()) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

// Every name in table order (for "did you mean" suggestions).
template <typename E>
std::vector<std::string> AllNames() {
  std::vector<std::string> out;
  for (const NameEntry<E>& e : NameEntries<E>()) out.emplace_back(e.name);
  return out;
}

// "a, b or c" -- or, with descriptions, "a (what a is), b (...) or c (...)".
template <typename E>
std::string NameList(bool with_descriptions = false, std::string_view conjunction = "or") {
  const auto& entries = NameEntries<E>();
  std::string out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += i + 1 == entries.size() ? " " + std::string(conjunction) + " " : ", ";
    out += entries[i].name;
    if (with_descriptions) out += " (" + std::string(entries[i].description) + ")";
  }
  return out;
}

// "audit.jsonl names last_tie 'x', which this zkmatch does not know (it knows id, lottery or
// admit_all)": for a name read back from a file this zkmatch wrote.
template <typename E>
std::string UnknownNameError(std::string_view file, std::string_view name) {
  return std::string(file) + " names " + std::string(NameTable<E>::kWhat) + " '" + std::string(name) +
         "', which this zkmatch does not know (it knows " + NameList<E>(false, "and") + ")";
}

}  // namespace zkmatch

#endif  // ZKMATCH_NAMES_H_
