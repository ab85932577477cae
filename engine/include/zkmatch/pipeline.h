// The whole admission run: load rules and inputs, rank, compute eligibility, match batch by
// batch (a candidate placed in one batch is locked out of later ones), and render outputs.
//
// This is the library entry point the command line calls. Every step reports problems to the
// caller's DiagnosticSink and returns nothing on error, so a failed run writes nothing.
//
// Determinism: the Outcome depends only on the rules and the input files' contents, never on
// the thread count or the order of input rows (indices are assigned by id, ties broken by id).
//
// Thread-safety: functions are reentrant. Cost: O(N log N) for ranking plus the matcher's.
#ifndef ZKMATCH_PIPELINE_H_
#define ZKMATCH_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/explain.h"
#include "zkmatch/match.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// The files a run read, with the digests of the very bytes it parsed (each file is read once).
struct RunIdentity {
  struct File {
    std::string role;    // rules, candidates, choices, programs, allocations, program_scores
    std::string path;    // absolute, as read; after PlaceInBundle (audit.h): inputs/NAME in the run
    std::string sha256;  // empty when unreadable
    std::size_t bytes = 0;
    std::string source = {};  // after PlaceInBundle: the path it was read from (else empty)
  };
  std::vector<File> files;  // rules first, then inputs in a fixed order
  // A public bundle (zkmatch publish): the SHA-256 of the manifest.json of the run it was made
  // from, recorded in its own manifest as `public_of`; empty for any other run.
  std::string public_of = {};
};

// Reads the input files named by the rules and checks them against each other. With
// `identity`, also fills it: the rules file (from rules.source_sha256) and every input, each
// hashed from the bytes that were parsed (on another thread, while they are parsed). On any
// error (reported to `sink`) the Result holds a kBadInput Status counting them.
Result<Instance> LoadInputs(const Rules& rules, DiagnosticSink& sink, RunIdentity* identity = nullptr);

// Told, from the calling thread, what a long computation is about to do ("ranking",
// "batch general, pass 2", ...), for progress displays. May be empty.
using ProgressFn = std::function<void(const std::string& step)>;

struct RunOptions {
  int threads = 0;                    // 0 = all hardware threads
  MatchPath path = MatchPath::kAuto;  // which matcher implementation (results are identical)
  ProgressFn progress = {};           // never changes the result
};

// One row of cutoffs.csv: the seats of (stage, program, channel[, group]) and who took them.
struct SeatRow {
  ProgramIndex program;
  ChannelIndex channel;             // index within the stage
  std::uint32_t group = kNone;      // split channels: index into the split column's dictionary
  std::int32_t initial = 0;         // seats before any flow (allocated seats for a group)
  std::int32_t flowed_in = 0;       // seats received from other channels' unfilled seats
  std::int32_t flowed_out = 0;      // unfilled seats given away
  std::int32_t admitted = 0;
  Score cutoff_total = kMissingScore;  // lowest total admitted; kMissingScore when none
  std::int32_t reassigned = 0;      // empty seats given after the batches (Rules::reassignment); not in `admitted`
  std::int32_t capacity() const { return initial + flowed_in - flowed_out; }
  // Seats still empty once the batches and reassignment are done (vacancies.csv).
  std::int32_t vacant() const { return capacity() - admitted - reassigned; }
};

struct StageResult {
  std::uint32_t batch = 0, stage = 0;
  std::vector<SeatRow> seats;  // by program (code order), channel, group (name order)
  int passes = 0;              // matching passes: 1 + reruns after unfilled seats flowed
  int rounds = 0;              // general-DA rounds of the last pass (0: serial dictatorship)
};

// Unfilled seats moved from one channel to another (dynamic reserves).
struct Flow {
  std::uint32_t batch = 0, stage = 0;  // where the seats were unfilled
  int pass = 0;                        // after which matching pass (0: before the first)
  ProgramIndex program;
  ChannelIndex channel;
  std::uint32_t group = kNone;
  std::uint32_t to_batch = 0, to_stage = 0;
  ChannelIndex to_channel;
  std::int32_t seats = 0;
};

// A candidate placed by reassignment (调剂): the seat row taken, Outcome::stages[stage].seats[seat].
struct Reassigned {
  CandidateIndex candidate;
  std::uint32_t stage = 0;  // index into Outcome::stages
  std::uint32_t seat = 0;   // index into that stage's seats
};

struct Outcome {
  // Per candidate: batch and stage indices (-1 unplaced), program, channel within the stage,
  // 0-based position of the program in the candidate's list for that batch.
  std::vector<std::int32_t> batch;
  std::vector<std::int32_t> stage;
  std::vector<ProgramIndex> program;
  std::vector<ChannelIndex> channel;
  std::vector<std::uint32_t> choice;
  std::vector<StageResult> stages;  // in run order
  std::vector<Flow> flows;          // in the order they happened
  // Reassignment, when the rules have it: the candidates it placed, in turn order, and per
  // candidate the index into `reassigned` (kNone: not placed by it). Such a candidate is
  // unplaced in batch[] (-1): the batches did not place them.
  std::vector<Reassigned> reassigned;
  std::vector<std::uint32_t> reassigned_turn;  // empty without reassignment
  std::vector<Score> lines;         // value of each line (Rules::lines order)
  std::vector<std::string> line_notes;  // how each was computed, for people
  // Ranks as the matcher used them. ranks[r]: rank of each candidate in ranking r (Rules order;
  // empty for a per-program ranking). entry_ranks[r][b]: for a per-program ranking r, the rank
  // of each entry of batch b's choice lists among that program's applicants (empty otherwise).
  std::vector<std::vector<std::uint32_t>> ranks;
  std::vector<std::vector<std::vector<std::uint32_t>>> entry_ranks;

  // The rank, in ranking r, of candidate c applying to the program of entry k of batch b's
  // lists. Two ranks compare only when they are for the same program.
  std::uint32_t RankOf(std::size_t r, std::size_t b, std::uint32_t k, CandidateIndex c) const {
    return ranks[r].empty() ? entry_ranks[r][b][k] : ranks[r][c];
  }
};

// Ok when `path` can be used for every stage; otherwise kBadInput with a sentence saying why
// not (serial dictatorship needs every channel with seats in a stage to share one ranking).
Status CheckMatchPath(const Rules& rules, const Instance& instance, MatchPath path);

// Computes every line (Rules::lines order), with a note saying how, e.g.
// "admit_ratio 0.6 of by_total: candidate 7437 of 12394". Runs on the current TBB arena.
std::vector<Score> ComputeLines(const Rules& rules, const Instance& instance, std::vector<std::string>* notes);

// Checks that need rules and data together: private programs admitting earlier than public
// ones under public_private_sync, a program's seat column offered in two stages (errors);
// general-high seats below the target, channels without seats or eligible candidates, input
// columns no rule uses (warnings). A kBadInput Status when it reported an error. `lines`: the
// values ComputeLines (or Solve, in Outcome::lines) gave; computed here when null (an
// admit_ratio line costs a full ranking of the candidates).
Status CheckPolicy(const Rules& rules, const Instance& instance, DiagnosticSink& sink, const std::vector<Score>* lines = nullptr);

// After a run: warns (at the policy block) when the share of candidates admitted to
// general-high programs is below policy.general_high_target, and whether the plan's seats or
// the candidates' choices fell short. Cost: O(candidates + programs).
void WarnMissedTargets(const Rules& rules, const Instance& instance, const Outcome& outcome, DiagnosticSink& sink);

// Ranks, computes lines, eligibility and seat allocations and matches every stage of every
// batch in order, rerunning a stage while unfilled seats flow.
// REQUIRES: `instance` was loaded by LoadInputs for these `rules`; CheckMatchPath is empty.
Outcome Solve(const Rules& rules, const Instance& instance, const RunOptions& options);

// placements.csv, cutoffs.csv, flows.csv, allocations.csv and lines.csv (LF line ends, sorted).
std::string RenderPlacements(const Rules& rules, const Instance& instance, const Outcome& outcome);
std::string RenderCutoffs(const Rules& rules, const Instance& instance, const Outcome& outcome);
// vacancies.csv: the seats left empty after every batch and flow, per program, channel and group.
std::string RenderVacancies(const Rules& rules, const Instance& instance, const Outcome& outcome);
std::string RenderFlows(const Rules& rules, const Instance& instance, const Outcome& outcome);
std::string RenderAllocations(const Rules& rules, const Instance& instance, const Outcome& outcome);
std::string RenderLines(const Rules& rules, const Outcome& outcome);

// What a run did, per stage and channel and in total, for people and scripts.
struct RunSummary {
  struct ChannelRow {
    std::string batch, stage, channel;
    long long seats = 0, placed = 0, flowed = 0, over = 0;  // flowed: seats in minus seats out
    int passes = 0, rounds = 0;  // matching passes of the stage; rounds of the general path (0: serial dictatorship)
  };
  std::vector<ChannelRow> channels;  // run order, then precedence order
  std::size_t candidates = 0, placed = 0;
  std::size_t reassigned = 0;  // placed by reassignment after the batches (not in `placed`)
  long long seats = 0, over = 0, seats_flowed = 0;
};
RunSummary Summarize(const Rules& rules, const Instance& instance, const Outcome& outcome);

// Human summary for the terminal: lines, placed per batch and channel, unplaced, fill rate.
// In Chinese (`run --lang zh`) the rules' labels stand for batch, channel and line names and
// the lines' "how computed" is LineHowChinese's; columns are padded by display width (a CJK
// character is two columns wide).
std::string RenderSummary(const Rules& rules, const Instance& instance, const Outcome& outcome, Language lang = Language::kEnglish);
// The same as one JSON object (`zkmatch run --json`), with `seconds` per named step when given.
std::string RenderSummaryJson(const Rules& rules, const Instance& instance, const Outcome& outcome, const std::string& run_dir,
                              const std::vector<std::pair<std::string, double>>& seconds);

// Formats a fixed-point score with the fewest decimals needed: 61250 -> "612.5".
std::string FormatScore(Score s);

}  // namespace zkmatch

#endif  // ZKMATCH_PIPELINE_H_
