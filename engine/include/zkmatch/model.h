// The admission instance in memory: candidates, programs and per-batch choice lists.
//
// Layout: structure of arrays. Candidates and programs are addressed by dense indices in
// [0, count); names (candidate ids, program codes) are interned once at load time and never
// touched by the matcher. Scores are fixed-point integers in hundredths (612.5 -> 61250), so
// comparisons are exact and the same on every machine.
//
// Invariants (established by LoadInputs, relied on everywhere else):
//   - candidate ids and program codes are unique and non-empty;
//   - indices are assigned in byte order of the id / code, NOT in file row order, so that
//     shuffling the rows of an input file changes no index and therefore no output byte;
//   - choice lists are in rank order, contain no program twice, and use only known programs.
//
// Thread-safety: immutable after loading; any number of threads may read concurrently.
#ifndef ZKMATCH_MODEL_H_
#define ZKMATCH_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "zkmatch/strong_index.h"

namespace zkmatch {

// A fixed-point score in hundredths of a point.
using Score = std::int64_t;
inline constexpr Score kScoreScale = 100;
// A numeric cell that was left empty.
inline constexpr Score kMissingScore = std::numeric_limits<Score>::min();

// Dense indices, typed by the space they index (strong_index.h): a ProgramIndex is not taken
// where a CandidateIndex is meant. Each reads as its 32-bit integer for indexing and counting.
using CandidateIndex = StrongIndex<struct CandidateTag, std::uint32_t>;
using ProgramIndex = StrongIndex<struct ProgramTag, std::uint32_t>;
// A channel's position within its stage (rules order; fewer than 32, match.h's
// kMaxChannelsPerBatch): one byte, as the per-candidate results store it.
using ChannelIndex = StrongIndex<struct ChannelTag, std::uint8_t>;
inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
inline constexpr CandidateIndex kNoCandidate{kNone};
inline constexpr ProgramIndex kNoProgram{kNone};

// The position of `key` in `sorted` (candidate ids or program codes, which are kept in byte
// order), or kNone. O(log n).
inline std::uint32_t SortedIndex(const std::vector<std::string>& sorted, std::string_view key) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), key, [](const std::string& a, std::string_view b) { return a < b; });
  return it != sorted.end() && *it == key ? static_cast<std::uint32_t>(it - sorted.begin()) : kNone;
}

// One extra input column, loaded only when the rules use it. A column is numeric when the
// rules use it as a number (ranking key, arithmetic, comparison with a number); then every
// non-empty cell must be a decimal with at most two places. Otherwise it is text, interned:
// `text[i]` indexes `dictionary`.
struct Column {
  std::string name;     // logical name used in the rules
  std::string header;   // header in the file (differs when the rules' `columns:` renames it)
  bool numeric = false;
  std::vector<Score> number;          // numeric: one value per row, kMissingScore when empty
  std::vector<std::uint32_t> text;    // text: index into dictionary
  std::vector<std::string> dictionary;  // distinct values, sorted (byte order)
};

struct Candidates {
  std::vector<std::string> id;     // sorted ascending, byte order (index == position)
  std::vector<Score> total;
  std::vector<std::uint32_t> row;  // 1-based physical line of the record in candidates.csv
  std::vector<Column> columns;     // only the columns the rules reference, besides id/total
  std::size_t size() const { return id.size(); }
  // The loaded column with this logical name, or null (also for an empty name).
  const Column* FindColumn(const std::string& name) const {
    for (const Column& c : columns) {
      if (!name.empty() && c.name == name) return &c;
    }
    return nullptr;
  }
};

struct Programs {
  std::vector<std::string> code;   // sorted ascending, byte order (index == position)
  std::vector<std::string> school;
  std::vector<std::string> name;
  std::vector<std::string> sector;  // "public", "private", or empty when the file has no sector
  std::vector<std::uint32_t> row;
  // Seats per capacity column named in the rules: seats[s][p] for seat column s, program p.
  // An empty cell means 0 (the program has no seats in that channel).
  std::vector<std::string> seat_columns;
  std::vector<std::vector<std::int32_t>> seats;
  // The plan columns that shares are taken of (`seats: {share: 40%, of: plan}`, `{rest_of:
  // plan}`), as written in the file; empty cell 0. The engine reads the computed `seats`; the
  // verifier computes the shares from these with its own code.
  std::vector<std::string> plan_columns;
  std::vector<std::vector<std::int32_t>> plans;
  std::vector<Column> columns;     // other columns the rules reference as program.X
  std::size_t size() const { return code.size(); }
  // Seats per program in capacity column `column`. REQUIRES: it is one of seat_columns.
  const std::vector<std::int32_t>& SeatsIn(const std::string& column) const {
    std::size_t i = 0;
    while (seat_columns[i] != column) ++i;
    return seats[i];
  }
  // Plan seats per program in plan column `column`. REQUIRES: it is one of plan_columns.
  const std::vector<std::int32_t>& PlanIn(const std::string& column) const {
    std::size_t i = 0;
    while (plan_columns[i] != column) ++i;
    return plans[i];
  }
};

// The choice lists of one batch in compressed-sparse-row form: candidate c's list is
// program[offset[c] .. offset[c+1]), first choice first. Candidates without a list have an
// empty range.
//
// Channel-tied slots (choices.csv's optional `channel` column): an entry that names a channel
// competes only for that channel of its program; an empty cell competes for every channel.
// `channel[k]` indexes `channel_names` (the names written in this batch, sorted, byte order),
// or is kAnyChannel. When no entry of the batch is tied, `channel` and `channel_line` are empty
// (the lists read exactly as without the column). The loader checks that a written name is a
// channel of the batch; that it is a channel of the stage running the entry's program is
// checked once stages are known (CheckPolicy), naming `channel_line[k]`.
inline constexpr std::uint8_t kAnyChannel = 0xFF;
struct ChoiceLists {
  std::vector<std::uint32_t> offset;  // size = candidates + 1
  std::vector<ProgramIndex> program;
  std::vector<std::uint8_t> channel;         // per entry, or empty: kAnyChannel or an index into channel_names
  std::vector<std::string> channel_names;    // sorted, unique
  std::vector<std::uint32_t> channel_line;   // per entry when `channel` is not empty: the entry's line in choices.csv
  std::size_t file = 0;                      // the choices file the lists come from: an index into RuleInputs::choices
  std::size_t length(CandidateIndex c) const { return offset[c + 1] - offset[c]; }
  // The channel entry k is tied to, or null when it competes for every channel of its program.
  const std::string* TiedChannel(std::size_t k) const {
    return channel.empty() || channel[k] == kAnyChannel ? nullptr : &channel_names[channel[k]];
  }
};

// Rows of allocations.csv. A row belongs to the table-allocated channel named `channel` in the
// stage that runs its program; the optional `batch` and `stage` cells narrow the search when
// the same channel name runs the same program in several stages (see ResolveAllocationRows).
struct AllocationTable {
  std::vector<std::string> channel;  // channel name
  std::vector<std::int32_t> batch;   // -1: any batch; else an index into Rules::batches
  std::vector<std::string> stage;    // "": any stage; else a stage name
  std::vector<ProgramIndex> program;
  std::vector<std::string> group;
  std::vector<std::int32_t> seats;
  std::vector<std::uint32_t> row;
};

// Scores that programs give candidates (program_scores.csv: school-run specialty tests,
// interviews), read by expressions as `program_score`. Compressed rows by candidate: candidate
// c's scores are program[offset[c] .. offset[c+1]) with score[...] alongside, programs in index
// order, each (program, candidate) pair at most once. Empty (offset empty) when the rules name no
// program_scores file.
struct ProgramScores {
  std::vector<std::uint32_t> offset;  // size = candidates + 1, or 0 when not loaded
  std::vector<ProgramIndex> program;
  std::vector<Score> score;
  // The score of candidate c at program p, or kMissingScore when p gave c none.
  // Cost: O(log scores of c).
  Score Find(CandidateIndex c, ProgramIndex p) const {
    if (offset.empty()) return kMissingScore;
    std::uint32_t lo = offset[c], hi = offset[c + 1];
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (program[mid] < p) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < offset[c + 1] && program[lo] == p ? score[lo] : kMissingScore;
  }
};

// What a continuing round inherits from its parent run (`zkmatch run --continue DIR`;
// rules/README.md, "Continuing a run"): who keeps the seat the parent gave them (locked), who
// gave it up (declined.csv), and the seats the round has. `present` is false in an ordinary run.
// Invariants: every vector has one entry per candidate (or per program for round_seats); a
// locked or declined candidate has a program and a slot, a free one kNoProgram.
struct ParentRun {
  enum State : std::uint8_t { kFree = 0, kLocked = 1, kDeclined = 2 };
  // A (batch, stage, channel) of the parent's rules, as placements.csv names them.
  struct Slot {
    std::string batch, stage, channel;
  };
  bool present = false;
  std::string manifest_sha256;               // of the parent's manifest.json: the chain's link
  std::vector<Slot> slots;                   // distinct, in first-seen order
  std::vector<std::uint8_t> state;           // per candidate: State
  std::vector<ProgramIndex> program;         // per candidate: the parent's program, or kNoProgram
  std::vector<std::uint32_t> slot;           // per candidate: index into slots (locked, declined)
  std::vector<std::int32_t> choice_rank;     // per candidate: the parent's choice_rank (0: free)
  std::vector<std::uint32_t> declined_row;   // per candidate: its row in declined.csv (0: none)
  // Per program: the seats the round has in the column `vacancies` -- the parent's vacancies
  // (every row of its vacancies.csv) plus the seats its declining candidates held.
  std::vector<std::int32_t> round_seats;
  std::size_t locked = 0, declined = 0;      // counts
};

struct Instance {
  Candidates candidates;
  Programs programs;
  std::vector<ChoiceLists> choices;  // one per batch, in the rules' batch order
  AllocationTable allocations;       // empty unless a channel uses allocation: table
  ProgramScores program_scores;      // empty unless the rules name a program_scores file
  ParentRun parent;                  // a continuing round's parent; present == false otherwise
  // The headers found in candidates.csv and programs.csv.
  std::vector<std::string> candidate_headers, program_headers;
};

}  // namespace zkmatch

#endif  // ZKMATCH_MODEL_H_
