// The rule set of one admission year, as loaded from a YAML rules file.
//
// Models: the input files; named rankings (ordered key lists plus a last tie-break); batches
// run in order, each a list of channels in precedence order. A channel is a block of seats of
// every program, sized by one capacity column of programs.csv, with its own eligibility
// condition and ranking (slot-specific priorities, Kominers & Sönmez 2016). See
// rules/README.md for the language and DESIGN.md for the contract.
//
// Invariants after a successful LoadRules: names are unique within their scope; every channel
// names an existing ranking; every expression parsed and type-checked; every input path is
// resolved relative to the rules file's directory.
//
// Thread-safety: immutable after loading. Cost: proportional to the file size.
#ifndef ZKMATCH_RULES_H_
#define ZKMATCH_RULES_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zkmatch/diagnostics.h"

namespace zkmatch {

class Expression;  // engine/src/expression.h: a parsed, type-checked expression

// A position in the rules file (1-based).
struct RulesPos {
  int line = 0;
  int col = 0;
};

struct RankingKey {
  std::string text;                        // as written, e.g. "chinese + maths desc"
  std::shared_ptr<const Expression> expr;  // numeric expression over candidate columns
  bool descending = true;                  // "desc": higher values rank first
  RulesPos pos;
};

// How candidates still tied after every key are separated.
enum class LastTie {
  kId,  // by candidate id, ascending, compared byte by byte
};

struct Ranking {
  std::string name;
  std::vector<RankingKey> keys;
  LastTie last_tie = LastTie::kId;
  RulesPos pos;
};

struct Channel {
  std::string name;
  std::string seats;    // capacity column of programs.csv
  RulesPos seats_pos;   // where `seats:` is given
  int ranking = -1;     // index into Rules::rankings
  std::shared_ptr<const Expression> eligible;  // null: every applicant is eligible
  std::string eligible_text;
  RulesPos pos;
};

struct Batch {
  std::string name;
  std::vector<Channel> channels;  // precedence order: earlier channels choose first
  int max_choices = 0;            // longest allowed list; 0 = no limit
  RulesPos pos;
};

struct RuleInputs {
  std::string candidates, choices, programs;  // resolved paths
};

// An input column the rules refer to, with the type its uses give it.
struct ColumnRef {
  std::string name;     // logical name
  bool numeric = false;
  RulesPos pos;         // first use
};

struct Rules {
  std::string path;  // the rules file as given
  std::string name;  // `name:` if present, else the file's stem
  int version = 1;
  RuleInputs inputs;
  // Logical column name -> header in the input files (`columns:`), e.g. id -> 准考证号.
  std::vector<std::pair<std::string, std::string>> columns;
  std::vector<Ranking> rankings;
  std::vector<Batch> batches;
  // Columns referenced by expressions, besides the built-in id and total: candidate columns
  // (bare names) and program columns (program.NAME). Unique by name.
  std::vector<ColumnRef> candidate_columns;
  std::vector<ColumnRef> program_columns;

  // Header that holds logical column `name` in the input files.
  std::string HeaderFor(const std::string& name) const;
  int FindRanking(const std::string& name) const;  // -1 when absent
  int FindBatch(const std::string& name) const;    // -1 when absent
};

// Parses and checks a rules file. Reports every problem found (up to the sink's cap) with
// file:line:col; returns nullopt if there was any error.
std::optional<Rules> LoadRules(const std::string& path, DiagnosticSink& sink);
// Same, from text already in memory; `path` is used in messages and to resolve inputs.
std::optional<Rules> ParseRules(const std::string& text, const std::string& path,
                                DiagnosticSink& sink);

}  // namespace zkmatch

#endif  // ZKMATCH_RULES_H_
