// What changed between two finished runs, for what-if studies (a rule change, a plan change):
// which candidates moved and where, and how each seat block's capacity, admissions and cut-off
// changed; which rule settings and score lines differ (the rules files named in the manifests,
// and lines.csv).
//
// Candidates are matched by id. A candidate present in only one run is listed as a mover with
// the other side "absent" (the runs were over different candidate sets); the counts say how
// many. Seat blocks are matched by (batch, stage, program, channel, group); a block in one run
// only shows the other side empty.
//
// Invariants: movers in candidate-id order, seat changes in (batch, stage, program, channel,
// group) byte order, mover counts in (from, to) order; output is a pure function of the two
// runs' files. Thread-safety: reentrant. Cost: O((N + rows) log(N + rows)).
#ifndef ZKMATCH_RUN_DIFF_H_
#define ZKMATCH_RUN_DIFF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/status.h"
#include "zkmatch/study.h"

namespace zkmatch {

// Where a candidate ended up in one run.
struct PlacementRef {
  std::string status;  // "placed", "unplaced", or "absent" (not in that run)
  std::string batch, stage, program, channel;
  // "general/H01/balanced", "unplaced" or "absent" (stage shown only when named).
  std::string Describe() const;
};

struct RunDiff {
  std::string a_dir, b_dir;
  // The rule sets the runs used (from their manifests): names, and the settings that differ
  // (Rules::settings; "" on a side that does not have it). `rules_note` says why they could not
  // be compared (a rules file gone or changed since), else empty.
  std::string rules_a, rules_b, rules_note;
  struct SettingChange {
    std::string key, a, b;
  };
  std::vector<SettingChange> setting_changes;
  struct LineChange {
    std::string name, a, b;  // values as in lines.csv; "" when the run has no such line
  };
  std::vector<LineChange> line_changes;  // lines.csv values that differ, in B's then A's order
  std::int64_t candidates_a = 0, candidates_b = 0, only_a = 0, only_b = 0;
  std::int64_t placed_a = 0, placed_b = 0;

  struct Mover {
    std::string id;
    PlacementRef a, b;
  };
  std::vector<Mover> movers;  // every candidate whose placement differs (program or channel)
  std::int64_t channel_only = 0;  // movers who kept their program and changed only the channel

  struct Move {
    std::string from, to;  // program code, or "unplaced" / "absent"
    std::int64_t count = 0;
  };
  std::vector<Move> moves;  // movers counted by (from program -> to program), channel changes
                            // within a program counted as program -> same program

  struct SeatChange {
    std::string batch, stage, program, channel, group;
    bool in_a = false, in_b = false;
    std::int64_t capacity_a = 0, capacity_b = 0, admitted_a = 0, admitted_b = 0;
    std::string cutoff_a, cutoff_b;  // as written in cutoffs.csv; empty when none admitted
  };
  std::vector<SeatChange> seat_changes;     // blocks of cutoffs.csv (per group) that differ
  std::vector<SeatChange> channel_changes;  // the same per program and channel: a split
                                            // channel's groups summed, lowest cut-off; group ""

  // The mechanism study (zkmatch/study.h) of both runs, for two runs of one year's data under
  // two mechanisms: per batch the rank distributions and justified-envy counts side by side, and
  // who gains and who loses. A candidate gains when B places them better than A: placed against
  // unplaced, an earlier batch, or in the same batch a choice listed higher; loses the other
  // way. Counted by score decile (1 = the highest-total tenth of B's candidates, by total then
  // id) and by junior school (the candidates' `junior_school` column, when the rules load it).
  // Empty, with `study_note` saying why, when a run's rules or inputs cannot be read.
  std::vector<BatchStudy> study_a, study_b;
  struct GainLoss {
    std::string key;  // decile "1".."10", or a junior school
    std::int64_t candidates = 0, gained = 0, lost = 0;
  };
  std::vector<GainLoss> by_decile, by_junior;
  std::string study_note;
};

// Compares run `a` (before) with run `b` (after). kBadInput after reporting to `sink` when
// either run's files cannot be read.
Result<RunDiff> DiffRuns(const std::string& a_dir, const std::string& b_dir, DiagnosticSink& sink);

// diff.csv: one row per mover, candidate_id then both sides' status, batch, stage, program,
// channel. cutoff_diff.csv: one row per changed seat block. LF line ends.
std::string RenderDiffCsv(const RunDiff& diff);
std::string RenderSeatChangesCsv(const RunDiff& diff);
// For the terminal: counts, moves by program and the changed cut-offs per program and channel.
std::string RenderDiffSummary(const RunDiff& diff);

}  // namespace zkmatch

#endif  // ZKMATCH_RUN_DIFF_H_
