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
#include <optional>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/match.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// Reads the three input files named by the rules and checks them against each other.
std::optional<Instance> LoadInputs(const Rules& rules, DiagnosticSink& sink);

struct RunOptions {
  int threads = 0;                    // 0 = all hardware threads
  MatchPath path = MatchPath::kAuto;  // which matcher implementation (results are identical)
};

// Admission statistics of one (batch, program, channel).
struct SeatStats {
  std::int32_t capacity = 0;
  std::int32_t admitted = 0;
  Score cutoff_total = kMissingScore;  // lowest total admitted; kMissingScore when none
};

struct Outcome {
  // Per candidate: batch index (-1 unplaced), program, channel within the batch, 0-based choice.
  std::vector<std::int32_t> batch;
  std::vector<ProgramIndex> program;
  std::vector<std::uint8_t> channel;
  std::vector<std::uint32_t> choice;
  // stats[b][p * channels_in_batch_b + h]
  std::vector<std::vector<SeatStats>> stats;
  std::vector<int> rounds;  // general-path rounds per batch (0 when serial dictatorship ran)
};

// Empty when `path` can be used for every batch; otherwise a sentence saying why not (serial
// dictatorship needs every channel with seats in a batch to share one ranking).
std::string CheckMatchPath(const Rules& rules, const Instance& instance, MatchPath path);

// Ranks, computes eligibility and matches every batch in order.
// REQUIRES: `instance` was loaded by LoadInputs for these `rules`; CheckMatchPath is empty.
Outcome Solve(const Rules& rules, const Instance& instance, const RunOptions& options);

// placements.csv and cutoffs.csv as the contract defines them (LF line ends, sorted).
std::string RenderPlacements(const Rules& rules, const Instance& instance, const Outcome& outcome);
std::string RenderCutoffs(const Rules& rules, const Instance& instance, const Outcome& outcome);

// Human summary for the terminal: placed per batch and channel, unplaced, fill rate.
std::string RenderSummary(const Rules& rules, const Instance& instance, const Outcome& outcome);

// Formats a fixed-point score with the fewest decimals needed: 61250 -> "612.5".
std::string FormatScore(Score s);

}  // namespace zkmatch

#endif  // ZKMATCH_PIPELINE_H_
