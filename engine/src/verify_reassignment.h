// The verifier's own check of reassignment (调剂), written from rules/README.md ("Reassignment")
// and used only by `zkmatch verify` (verifier.cc): no code of the engine's reassignment.cc.
//
// Given the seats the batches left empty (each row of cutoffs.csv with its capacity less the
// placements placements.csv makes there, counted by the verifier) and the seats placements.csv
// says reassignment gave, it replays the turns: flagged candidates the batches left unplaced, in
// the ranking's order (ties by id). At each turn it finds the first empty seat the candidate is
// eligible for by the rules' order and checks (1) a candidate left unplaced had no such seat --
// nobody flagged and eligible is left unplaced while an eligible seat is free -- and (2) a
// candidate given a seat was given exactly that one. The published seat is then taken, so a
// finding does not spill into the turns after it. Also: seats given to a candidate who takes no
// turn (not flagged, placed by a batch), and more seats given in a row than it had empty.
//
// In memory, so tests can hand it forged data. Thread-safety: reentrant. Cost: O(T * S * K)
// evaluations for T turns, S rows with empty seats, K order keys.
#ifndef ZKMATCH_VERIFY_REASSIGNMENT_H_
#define ZKMATCH_VERIFY_REASSIGNMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "expression.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch::verify {

// A row of cutoffs.csv and its seats left empty by the batches.
struct EmptyRow {
  int line = 0;                  // in cutoffs.csv: the order's last tie-break
  const Channel* channel = nullptr;
  const Column* split = nullptr;  // the channel's split column, or null
  ProgramIndex program;
  std::uint32_t group = kNone;    // index into split's dictionary, or kNone
  std::int64_t empty = 0;         // capacity less the batches' placements
  std::string where;              // "P channel (group) in batch B" for findings
};

// A seat placements.csv says reassignment gave.
struct GivenSeat {
  CandidateIndex candidate;
  std::size_t row = 0;  // index into the rows
  int line = 0;         // in placements.csv
};

// Findings, each a sentence; empty when reassignment is as the rules say. `rank`: the rules'
// reassignment ranking over candidates (0 best); `placed_by_batch[c]`: a batch placed c.
// REQUIRES: rules.reassignment.
std::vector<std::string> CheckReassignment(const Rules& rules, const EvalContext& ctx, const std::vector<std::uint32_t>& rank,
                                           const std::vector<std::uint8_t>& placed_by_batch, std::vector<EmptyRow> rows,
                                           const std::vector<GivenSeat>& given, std::size_t* turns);

}  // namespace zkmatch::verify

#endif  // ZKMATCH_VERIFY_REASSIGNMENT_H_
