// The figures a policy study of an admission mechanism reads off one run: per batch, how many
// candidates were placed at their 1st, 2nd, ... choice and how many were not, and how many have
// justified envy -- someone they outrank holds a seat they wanted.
//
// Justified envy, as counted here (rules/README.md, "Mechanisms"): candidate i, taking part in a
// stage (not placed in an earlier batch or stage), listed program p above where i was placed
// (anywhere on the list when i was not placed in the batch); a channel of that stage at p that
// i's entry competes for (its condition holds at p, choice_rank included; the entry is not tied
// to another channel; for a split channel, i's group) holds a candidate j whom i outranks in the
// channel's ranking *without the choice order*: every key evaluated with choice_rank = 1, then
// the ranking's last tie rule (ids, or the lottery; admit_all ties are not outranked). i is
// counted once however many such seats there are. Under deferred acceptance over rankings
// without choice_rank the count is 0 (that is stability, which verify checks); under immediate
// acceptance, bands, or a ranking that puts choice order before score (Guangzhou's), it counts
// the candidates whose higher score lost a seat to choice order.
//
// Invariants: a pure function of the rules, the inputs and placements.csv; batches in rules
// order. Thread-safety: reentrant. Cost: O(total choices x channels x keys) key evaluations.
#ifndef ZKMATCH_STUDY_H_
#define ZKMATCH_STUDY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"
#include "zkmatch/status.h"

namespace zkmatch {

struct BatchStudy {
  std::string batch;
  // How the batch takes choices: "deferred acceptance", "immediate acceptance", "bands of E",
  // "mixed" (stages differ); with " + choice_rank ranking" when a channel's ranking reads the
  // choice order (Guangzhou's score bands).
  std::string mechanism;
  bool choice_order = false;  // a stage runs another mechanism than DA, or a ranking reads choice_rank
  std::vector<std::int64_t> at_choice;  // [k]: placed in this batch at choice k + 1
  std::int64_t unplaced = 0;            // listed a program here, not placed earlier, not placed here
  std::int64_t justified_envy = 0;      // candidates with justified envy in this batch (above)
};

// Where each candidate ended up, as read from placements.csv: batch index (-1 unplaced) and
// 1-based choice rank; by candidate index.
struct CandidateOutcome {
  std::int32_t batch = -1;
  std::int32_t choice_rank = 0;
};

struct RunStudy {
  std::vector<BatchStudy> batches;
  std::vector<CandidateOutcome> outcome;  // by candidate index (Instance order: ids ascending)
  std::vector<std::uint8_t> envious;      // by candidate index: 1 when counted in justified_envy
};

struct PlacementRow;  // engine/src/run_format.h

// The study of a run from its rules, inputs and placements.csv rows. `placements` name only
// candidates of `instance` (as a verified run's do); unknown ids are skipped.
RunStudy StudyPlacements(const Rules& rules, const Instance& instance, const std::vector<PlacementRow>& placements);

// Loads the run's recorded rules, inputs and placements.csv and studies it. kBadInput (with
// diagnostics in `sink`) when they cannot be read; refuses a run whose inputs changed, like
// report. Also returns the instance's candidate ids and totals through `instance_out` when not null.
Result<RunStudy> StudyRun(const std::string& run_dir, DiagnosticSink& sink, Instance* instance_out = nullptr);

}  // namespace zkmatch

#endif  // ZKMATCH_STUDY_H_
