// The rule set of one admission year, as loaded from a YAML rules file.
//
// Models: the input files; named score lines; named rankings (ordered key lists plus a last
// tie-break); batches run in order, each made of ordered stages, each a list of channels in
// precedence order. A channel is a block of seats of every program, sized by one capacity
// column of programs.csv, with its own eligibility condition and ranking (slot-specific
// priorities, Kominers & Sönmez 2016); a split channel divides each program's block among the
// values of a candidate column (junior schools), and unfilled seats may flow to another
// channel. See rules/README.md for the language and DESIGN.md for the contract.
//
// Invariants after a successful LoadRules: names are unique within their scope; every channel
// names an existing ranking; every expression parsed and type-checked; every input path is
// resolved relative to the rules file's directory.
//
// Thread-safety: immutable after loading. Cost: proportional to the file size.
#ifndef ZKMATCH_RULES_H_
#define ZKMATCH_RULES_H_

#include <cstdint>
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

// How candidates still tied after every key are separated. The names of this and the other
// enumerations below (as rules files and audit.jsonl write them) are in engine/src/names.h.
enum class LastTie {
  kId,        // by candidate id, ascending, compared byte by byte
  kLottery,   // by SHA-256(seed, 0, id), then id: a published-seed lottery
  kAdmitAll,  // not separated: tied candidates share a rank and are admitted together
};

struct Ranking {
  std::string name;
  std::string label;  // display name for people (`label:`, e.g. 普通批); empty: show the name
  std::vector<RankingKey> keys;
  LastTie last_tie = LastTie::kId;
  // A key reads `program_score`: the ranking orders each program's applicants by what that
  // program gave them, so ranks exist per (program, candidate), not per candidate.
  bool per_program = false;
  RulesPos pos;
};

// A named score line (控制线), computed before matching.
struct Line {
  enum class Kind { kValue, kAdmitRatio, kOffset, kFactor };
  std::string name;
  std::string label;  // display name for people (`label:`, e.g. 普通批); empty: show the name
  Kind kind = Kind::kValue;
  std::int64_t value = 0;        // kValue: the score (hundredths); kOffset: the offset
  std::int64_t ratio_ppm = 0;    // kAdmitRatio: the ratio in millionths (0.60 -> 600000)
  int ranking = -1;              // kAdmitRatio: index into Rules::rankings
  std::shared_ptr<const Expression> score;  // kAdmitRatio: what is read off the candidate (total)
  int from = -1;                 // kOffset, kFactor: index into Rules::lines
  std::int64_t factor_ppm = 0;   // kFactor: the factor in millionths
  RulesPos pos;
};

// How a split channel's seats are divided among groups.
struct Allocation {
  enum class Kind { kNotSplit, kTable, kProportional };
  // How kProportional shares become whole seats.
  enum class Rounding { kLargestRemainder };  // Hamilton's method
  struct Term {
    std::shared_ptr<const Expression> count;  // which candidates count
    std::string count_text;
    std::int64_t weight_ppm = 0;
  };
  Kind kind = Kind::kNotSplit;
  Rounding rounding = Rounding::kLargestRemainder;  // kProportional
  std::vector<Term> terms;  // kProportional
};

// Where a channel's unfilled seats go.
struct Unfilled {
  enum class Kind { kStay, kSameStage, kLaterBatch };  // kStay: unfilled seats stay empty
  Kind kind = Kind::kStay;
  std::string batch;    // kLaterBatch
  std::string channel;
  int batch_index = -1;    // resolved: the target batch (kLaterBatch) or the channel's own
  int stage_index = -1;    // resolved target stage
  int channel_index = -1;  // resolved target channel within that stage
  bool defaulted = false;  // a split channel's default target ('general'), not written
  RulesPos pos;
};

struct Channel {
  std::string name;
  std::string label;  // display name for people (`label:`, e.g. 普通批); empty: show the name
  std::string seats;    // capacity column of programs.csv
  RulesPos seats_pos;   // where `seats:` is given
  int ranking = -1;     // index into Rules::rankings
  std::shared_ptr<const Expression> eligible;  // null: every applicant is eligible
  std::string eligible_text;
  std::string split_by;  // candidate column whose values share the seats (e.g. junior_school)
  Allocation allocation;
  Unfilled unfilled;
  RulesPos pos;
};

// A stage of a batch: matched on its own, over the programs it selects, with its channels.
// A batch written with `channels:` has one stage with an empty name.
struct Stage {
  std::string name;
  std::shared_ptr<const Expression> programs;  // condition over program columns; null = all
  std::string programs_text;
  std::vector<Channel> channels;  // precedence order: earlier channels choose first
  RulesPos pos;
};

struct Batch {
  std::string name;
  std::string label;  // display name for people (`label:`, e.g. 普通批); empty: show the name
  std::vector<Stage> stages;
  int max_choices = 0;            // longest allowed list; 0 = no limit
  RulesPos pos;
};

struct Policy {
  bool public_private_sync = false;      // 公民同招
  std::int64_t general_high_target_ppm = 0;  // 0 = no target
  std::shared_ptr<const Expression> general_high;  // which programs count; null = all
  RulesPos pos;
};

struct RuleInputs {
  std::string candidates, choices, programs;  // resolved paths
  std::string allocations;                    // resolved path; empty when not given
  std::string program_scores;                 // resolved path; empty when not given
};

// An input column the rules refer to, with the type its uses give it.
struct ColumnRef {
  std::string name;     // logical name
  bool numeric = false;
  RulesPos pos;         // first use
};

struct Rules {
  std::string path;  // the rules file as given
  // SHA-256 (hex) and size of the bytes LoadRules parsed (empty/0 after ParseRules): the manifest
  // records these, not a second read of the file.
  std::string source_sha256;
  std::uint64_t source_bytes = 0;
  std::string name;  // `name:` if present, else the file's stem
  int version = 1;
  RuleInputs inputs;
  // Logical column name -> header in the input files (`columns:`), e.g. id -> 准考证号.
  std::vector<std::pair<std::string, std::string>> columns;
  // Input columns kept for people, not rules (`descriptive_columns:`): check does not warn
  // that no rule uses them.
  std::vector<std::string> descriptive_columns;
  std::string encoding = "utf-8";  // of every input CSV: utf-8 or gb18030
  std::string seed;                // published lottery seed; required by last_tie: lottery
  Policy policy;
  std::vector<Line> lines;         // as written; expressions refer to them by index
  std::vector<int> line_order;     // evaluation order: every line after the lines it uses
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
