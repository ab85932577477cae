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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/status.h"

namespace zkmatch {

class Expression;  // engine/src/expression.h: a parsed, type-checked expression

// A position in the rules file (1-based).
struct RulesPos {
  int line = 0;
  int col = 0;
  int source = 0;  // 0: the rules file; k: Rules::bases[k - 1] (a file it extends)
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
  // A key reads `program_score` or `choice_rank`: the ranking orders each program's applicants
  // by what that program gave them (or where they listed it), so ranks exist per choice-list
  // entry (program, candidate), not per candidate.
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
  std::string score_text = "total";         // kAdmitRatio: `score:` as written
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

// Seats computed from a plan column of programs.csv (`seats: {share: 40%, of: plan}` or
// `seats: {rest_of: plan}`) instead of read from a column of their own: a share is
// floor(plan x share) per program; the rest is the plan minus the shares of the same column in
// the same stage (`minus`), so the rounding remainder goes to the rest.
struct SeatShare {
  std::string of;                  // the plan column
  std::int64_t ppm = 0;            // share: millionths of the plan
  bool rest = false;               // rest_of
  std::vector<std::int64_t> minus; // rest_of: the stage's shares of the same column
};

struct Channel {
  std::string name;
  std::string label;  // display name for people (`label:`, e.g. 普通批); empty: show the name
  std::string seats;    // capacity column of programs.csv (for a share: a name for the computed seats, e.g. "40% of plan")
  std::optional<SeatShare> share;
  RulesPos seats_pos;   // where `seats:` is given
  int ranking = -1;     // index into Rules::rankings
  std::shared_ptr<const Expression> eligible;  // null: every applicant is eligible
  std::string eligible_text;
  std::string split_by;  // candidate column whose values share the seats (e.g. junior_school)
  Allocation allocation;
  Unfilled unfilled;
  RulesPos pos;
};

// How a batch (or stage) turns choice lists into places (rules/README.md, "Mechanisms").
// Chen & Kesten's parallel family: choices are taken in bands of `band` positions (1..e,
// e+1..2e, ...); inside a band deferred acceptance runs among the candidates still unplaced,
// over the seats still free, and the places made in a band are final. band 1 is immediate
// acceptance (the Boston mechanism, 志愿优先); one band holding every choice is deferred
// acceptance. The engine runs each as deferred acceptance under priorities that put an earlier
// band first (Ergin & Sönmez 2006; the proof sketch is in rules/README.md).
struct Mechanism {
  enum class Kind { kDeferredAcceptance, kImmediateAcceptance, kParallel };
  Kind kind = Kind::kDeferredAcceptance;
  int band = 0;  // kParallel: choices per band (>= 1)
  RulesPos pos;  // where `mechanism:` is written; line 0 when defaulted
  // Choices per band: 0 for deferred acceptance (one band, every choice), 1 for immediate
  // acceptance, `band` for parallel.
  int BandWidth() const { return kind == Kind::kDeferredAcceptance ? 0 : kind == Kind::kImmediateAcceptance ? 1 : band; }
  // The band of the choice at 1-based position `choice_rank`: 0, 1, ... (always 0 under DA).
  std::uint32_t BandOf(std::int64_t choice_rank) const {
    const int w = BandWidth();
    return w == 0 ? 0u : static_cast<std::uint32_t>((choice_rank - 1) / w);
  }
};

// A stage of a batch: matched on its own, over the programs it selects, with its channels.
// A batch written with `channels:` has one stage with an empty name.
struct Stage {
  std::string name;
  std::shared_ptr<const Expression> programs;  // condition over program columns; null = all
  std::string programs_text;
  std::vector<Channel> channels;  // precedence order: earlier channels choose first
  Mechanism mechanism;  // the stage's own `mechanism:`, else the batch's
  RulesPos pos;
};

struct Batch {
  std::string name;
  std::string label;  // display name for people (`label:`, e.g. 普通批); empty: show the name
  std::vector<Stage> stages;
  int max_choices = 0;            // longest allowed list; 0 = no limit
  Mechanism mechanism;            // as written for the batch; each stage holds the one it runs
  RulesPos pos;
};

struct Policy {
  bool public_private_sync = false;      // 公民同招
  std::int64_t general_high_target_ppm = 0;  // 0 = no target
  std::shared_ptr<const Expression> general_high;  // which programs count; null = all
  std::string general_high_text;                    // as written
  RulesPos pos;
};

// Reassignment (调剂, rules/README.md "Reassignment"): once every batch has run and every seat
// has flowed, the candidates flagged by `flag` (a 0/1 candidate column) and still unplaced take
// turns in `ranking`'s order; each takes the first seat left empty (a cutoffs.csv row with
// capacity above admitted, of a channel named in `channels`, or any channel when it is empty)
// that they are eligible for -- the channel's own condition and group, and `eligible` -- by
// `order`: its keys evaluated for (candidate, program), then the row's place in cutoffs.csv.
struct ReassignmentKey {
  std::string text;                        // as written, e.g. "program.last_cutoff desc"
  std::shared_ptr<const Expression> expr;  // a number, or a condition (true counts 1, false 0)
  bool condition = false;                  // expr is a condition
  bool descending = true;
  RulesPos pos;
};
struct Reassignment {
  std::string flag;  // candidate column: 1 = accepts reassignment
  RulesPos flag_pos;
  int ranking = -1;  // index into Rules::rankings (a ranking over candidates)
  std::shared_ptr<const Expression> eligible;  // null: no condition of its own
  std::string eligible_text;
  std::vector<std::string> channels;  // channel names whose empty seats may be given; empty: every channel
  std::vector<ReassignmentKey> order;  // how a candidate's seat is chosen; may be empty
  RulesPos pos;  // the `reassignment:` key
};

// The wide layout of a choices file, as registration systems export it: one row per candidate,
// each batch's choices in its own columns in choice order (志愿1, 志愿2, ...), empty cells at the
// end of a list. Written `choices: {file: F, layout: wide, id: HEADER, batches: {B: [H1, H2]}}`.
struct WideChoices {
  std::string id_header;  // the column holding the candidate id (a header of the file, as written)
  struct BatchColumns {
    std::string batch_name;            // as written
    int batch = -1;                    // resolved index into Rules::batches
    std::vector<std::string> headers;  // choice 1, 2, ... of that batch
    std::vector<std::string> channels; // per header: the channel its choices are tied to ("" = any; `channels:`)
    RulesPos pos;                      // the batch's key under `batches:`
  };
  std::vector<BatchColumns> batches;  // as written
  // `channels: {志愿2: reassign}`: choice slots tied to seat types (a column's choices compete for
  // that channel of their program only), as written; resolved into BatchColumns::channels.
  struct SlotChannel {
    std::string header, channel;
    RulesPos pos;  // the header's key under `channels:`
  };
  std::vector<SlotChannel> slot_channels;
  RulesPos pos;                       // the `choices:` mapping
};

// How one input file is read when the rules say so for that file alone, e.g.
// `candidates: {file: 考生.csv, encoding: gb18030, columns: {id: 准考证号, total: 总分}}`;
// the file-wide `encoding:` and `columns:` apply to what it does not say.
struct InputFormat {
  std::string encoding;                                      // empty: Rules::encoding
  std::string sheet;                                         // a workbook (.xlsx): its sheet; empty: the first
  std::vector<std::pair<std::string, std::string>> columns;  // logical name -> header, this file only
};

// One choices file. `choices:` names one, or a list of several (one export per batch is common:
// 提前批.csv, 普通批.csv); each batch's lists come from one file only.
struct ChoicesFile {
  std::string path;   // resolved
  // "choices" for the first file, "choices_2", "choices_3", ... for the next ones in list order:
  // the file's role in the manifest and run bundle, and its key in RuleInputs::formats.
  std::string role;
  bool wide = false;  // the wide layout (`layout` says how); else the long one
  WideChoices layout;
};

struct RuleInputs {
  std::string candidates, programs;  // resolved paths
  std::vector<ChoicesFile> choices;  // at least one once loaded, in the order written
  std::string allocations;           // resolved path; empty when not given
  std::string program_scores;        // resolved path; empty when not given
  // A continuing round (`zkmatch run --continue DIR`, rules/README.md "Continuing a run"):
  // `declined` (from the rules, optional) lists candidates who gave up the parent's seat; the
  // parent's manifest.json, placements.csv and vacancies.csv are set by the caller (the parent
  // directory, or a run bundle's copies), never by the rules. All empty in an ordinary run.
  std::string declined;
  RulesPos declined_pos;             // the `declined:` key, for errors
  std::string parent_manifest, parent_placements, parent_vacancies;
  // Per-file encoding and columns, by role: candidates, choices (choices_2, ...), programs,
  // allocations, program_scores. A role without an entry reads with the file-wide settings.
  std::map<std::string, InputFormat> formats;

  // Every input file as (role, path) in manifest order: candidates, choices..., programs,
  // allocations, program_scores, declined, parent_manifest, parent_placements,
  // parent_vacancies; files not given are left out.
  std::vector<std::pair<std::string, std::string>> Files() const;
  // The path of the file with `role`, or null when there is none.
  std::string* PathOf(const std::string& role);
  // A continuing round of the finished run in directory `dir` (`run --continue DIR`): sets the
  // parent_* paths to its manifest.json, placements.csv and vacancies.csv.
  void ContinueFrom(const std::string& dir);
  // "choices" for "choices_2" and the like; other roles unchanged.
  static std::string Kind(const std::string& role);
};

// An input column the rules refer to, with the type its uses give it.
struct ColumnRef {
  std::string name;     // logical name
  bool numeric = false;
  RulesPos pos;         // first use
};

struct Rules {
  std::string path;  // the rules file as given
  // The files it extends (`extends:`), nearest first, with the digest of the bytes read: they are
  // inputs of the run like the rules file.
  struct BaseFile {
    std::string path, sha256;
    std::uint64_t bytes = 0;
  };
  std::vector<BaseFile> bases;
  // The rules as they apply (after `extends:`), one entry per setting, for comparing two rule
  // sets: ("lines.control", "{value: 665}"), ("batches", "[...]"); inputs, columns, lines,
  // rankings and policy entry by entry, other keys whole; YAML in flow style; key order.
  std::vector<std::pair<std::string, std::string>> settings;
  // The file a position is in.
  const std::string& FileOf(const RulesPos& pos) const {
    return pos.source > 0 && static_cast<std::size_t>(pos.source) <= bases.size() ? bases[static_cast<std::size_t>(pos.source) - 1].path : path;
  }
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
  // The candidates' columns that identify a person (`inputs: personal: [name, phone]`; `name`
  // always is one): `zkmatch publish` never writes them and refuses rules that read one.
  std::vector<std::string> personal_columns = {"name"};
  // Input columns by what people read (`column_labels:`, e.g. fresh -> 应届生): letters and
  // explain in Chinese name a column in a failed condition by its label.
  std::map<std::string, std::string> column_labels;
  std::string encoding = "utf-8";  // of every input CSV: utf-8 or gb18030
  bool encoding_given = false;     // `encoding:` is written (else a plainly GB18030 file is detected)
  std::string seed;                // published lottery seed; required by last_tie: lottery
  Policy policy;
  std::vector<Line> lines;         // as written; expressions refer to them by index
  std::vector<int> line_order;     // evaluation order: every line after the lines it uses
  std::vector<Ranking> rankings;
  std::vector<Batch> batches;
  std::optional<Reassignment> reassignment;  // `reassignment:`; absent: the year ends after the last batch
  // Columns referenced by expressions, besides the built-in id and total: candidate columns
  // (bare names) and program columns (program.NAME). Unique by name.
  std::vector<ColumnRef> candidate_columns;
  std::vector<ColumnRef> program_columns;
  // The first expression that reads the candidate id as text (line 0: none does); publish
  // refuses such rules (a pseudonym would decide differently).
  RulesPos id_use;

  // Header that holds logical column `name` in the input files (the file-wide `columns:`).
  std::string HeaderFor(const std::string& name) const;
  // The same in the input file of `role` (candidates, choices, programs, allocations,
  // program_scores): its own `columns:` first, then the file-wide ones.
  std::string HeaderFor(const std::string& role, const std::string& name) const;
  // The encoding of the input file of `role`: its own, else the file-wide one.
  const std::string& EncodingFor(const std::string& role) const;
  // Whether the rules say the encoding of the input of `role` (its own or the file-wide one).
  bool EncodingGiven(const std::string& role) const;
  // The worksheet to read when the input of `role` is a workbook (.xlsx); empty: its first.
  std::string SheetFor(const std::string& role) const;
  int FindRanking(const std::string& name) const;  // -1 when absent
  int FindBatch(const std::string& name) const;    // -1 when absent
};

// Parses and checks a rules file. Reports every problem found (up to the sink's cap) with
// file:line:col; on any error the Result holds a kBadInput Status counting them.
Result<Rules> LoadRules(const std::string& path, DiagnosticSink& sink);

// Where a run bundle keeps the files a recorded rules file names (engine/audit-format.md, "The
// run bundle"): the rules' bytes are never rewritten, so their own relative paths would point
// outside the bundle; the loader reads these instead. Empty entries change nothing.
struct RulesFileMap {
  // When set, bases[k] is the k-th file `extends:` reaches, nearest first (none: the rules may
  // not extend); when not, the files the rules extend are read where they say.
  bool map_bases = false;
  std::vector<std::string> bases;
  RuleInputs inputs;  // candidates, choices, programs, allocations, program_scores
  bool empty() const { return !map_bases && inputs.Files().empty(); }
};
// LoadRules, reading the files `extends:` names from `files.bases` and taking the inputs' paths
// from `files.inputs` (the rules' own paths replaced after loading). A base the map lacks is an
// error at its `extends:`. An empty map is LoadRules(path, sink).
Result<Rules> LoadRules(const std::string& path, DiagnosticSink& sink, const RulesFileMap& files);
// Same, from text already in memory; `path` is used in messages and to resolve inputs.
Result<Rules> ParseRules(const std::string& text, const std::string& path, DiagnosticSink& sink);

}  // namespace zkmatch

#endif  // ZKMATCH_RULES_H_
