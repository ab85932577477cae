// The admission report of a finished run, for people: report.html (one self-contained page a
// clerk can open or print) and the same tables as an Excel workbook (report.xlsx).
//
// Models what a bureau asks of a run: per program and channel the plan, the seats after flows,
// admissions, the cut-off total and the fill rate; the policy checks (general-high admission
// ratio against the target, public vs private, a split channel's seats per junior school,
// admissions per channel, programs outside general high such as 3+4); charts (admitted totals
// per program, cut-offs, fill rates, a split plan's effect per junior school); and the run's
// identity (rules name, input digests, engine version, whether verify holds).
//
// The numbers are what the run published (placements.csv, cutoffs.csv, lines.csv), joined to
// the run's own recorded inputs (totals, junior schools, sectors), which are re-hashed first:
// a changed input refuses the report, like replay. Verify is run on the directory.
//
// Invariants: rendering is a pure function of the RunReport and the language -- no clock, rows
// in cutoffs.csv / code / name order, percentages in integer arithmetic -- so the same run gives
// byte-identical report.html. The page loads nothing: no script, no font, no image file; text
// is HTML-escaped. Thread-safety: reentrant. Cost: loading is verify's cost (O(total choices *
// channels + N log N)); rendering is linear in cutoffs.csv rows and placed candidates.
#ifndef ZKMATCH_REPORT_H_
#define ZKMATCH_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/explain.h"
#include "zkmatch/model.h"
#include "zkmatch/status.h"
#include "zkmatch/study.h"
#include "zkmatch/verify.h"

namespace zkmatch {

struct RunDiff;  // zkmatch/run_diff.h

struct RunReport {
  // Identity.
  std::string run_dir, rules_name, engine_version;
  struct InputFile {
    std::string role, path, sha256;
  };
  std::vector<InputFile> inputs;          // as recorded in manifest.json (rules first), paths relative to run_dir
  bool verified = false;                  // zkmatch verify found no violation
  std::vector<std::string> verify_lines;  // the violations, or else the checks that held
  std::size_t violation_count = 0;        // findings (VerifyReport::count: a cut kind's "N more" counted)
  std::vector<ViolationGroup> violation_groups;  // the violations by kind (zkmatch/verify.h)
  struct ScoreLine {
    std::string name, value, note;
    std::string note_zh;  // how it is computed, in Chinese with labels (LineHowChinese)
  };
  std::vector<ScoreLine> lines;           // lines.csv

  // Totals. General high: programs the policy's `general_high` condition selects (all when
  // the rules give none).
  std::int64_t candidates = 0, placed = 0;  // placed: through a listed choice (in a continuing round, locked ones too)
  bool continuing = false;                   // a continuing round (run --continue): locked and declined apply
  std::int64_t locked = 0, declined = 0;
  // Placed by reassignment (调剂) after the batches: counted apart from `placed` (which counts
  // placements through a listed choice), shown when the rules have reassignment.
  std::int64_t reassigned = 0;
  bool has_reassignment = false;
  std::int64_t general_high_target_ppm = 0;  // 0: the rules set no target
  std::int64_t general_high_admitted = 0, general_high_seats = 0;
  bool has_general_high_condition = false;

  // One row per batch, stage, program and channel; a split channel's groups are summed and its
  // cut-off is the lowest over groups. Other rows equal cutoffs.csv. In cutoffs.csv order;
  // blocks a program does not offer (no seats, no flow, no admission) are left out.
  struct SeatLine {
    std::string batch, stage, program, school, sector, channel;
    bool general_high = true, split = false;
    std::int64_t initial = 0, flowed_in = 0, flowed_out = 0, capacity = 0, admitted = 0;
    // Seats of this line given by reassignment (调剂) after the batches: cutoffs.csv's
    // `admitted` counts placements through listed choices only, so these are apart; the fill
    // rate counts both.
    std::int64_t reassigned = 0;
    Score cutoff = kMissingScore;
    // 位次: the cut-off's place in the whole cohort, i.e. candidates with a total at or above
    // it (the 一分一段表's cumulative count at the cut-off total); 0 when nobody was admitted.
    std::int64_t cutoff_rank = 0;
  };
  std::vector<SeatLine> seats;

  // Admitted totals per program (every batch and channel), ascending; programs in code order.
  struct ProgramScores {
    std::string program, school;
    std::vector<Score> totals;
  };
  std::vector<ProgramScores> scores;

  // Seats of split channels per group (junior school), with the same group's admissions to the
  // same programs through the stage's other channels: the plan's effect. Channel, then group.
  struct GroupLine {
    std::string batch, stage, channel, group;
    std::int64_t candidates = 0;   // candidates whose split column has this value
    std::int64_t seats = 0;        // allocated (initial) seats over programs
    std::int64_t returned = 0;     // unfilled seats given back (flowed out)
    std::int64_t admitted = 0;     // admitted through this split channel
    std::int64_t admitted_other = 0;  // admitted to the same programs through other channels
  };
  std::vector<GroupLine> groups;

  // The publications (also written as CSV by WritePublicationCsvs; formats in run_format.h).
  // 一分一段表: per total, highest first, candidates at it and at or above it; `district` empty
  // for the whole cohort (first), then per district (byte order) when the candidates have a
  // `district` column the rules load or declare descriptive.
  struct ScoreBand {
    std::string district;
    Score total = 0;
    std::int64_t count = 0, cumulative = 0;
  };
  std::vector<ScoreBand> bands;
  std::vector<std::string> districts;  // byte order; empty when the candidates have none

  // 录取名单: every placed candidate, programs in code order, each in admission order (its
  // blocks in rules order -- batch, stage, channel -- each by the channel's ranking, best first;
  // a per-program ranking, which needs the program's own scores, by total then exam number).
  struct Admitted {
    std::string program, school, program_name, id, name, junior, batch, stage, channel;
    std::int64_t position = 0;  // 1-based within the program
    Score total = 0;
    std::int32_t choice_rank = 0;
  };
  std::vector<Admitted> admitted;
  bool has_names = false;   // the rules declare `name` a descriptive column of candidates
  std::string junior_column;  // the column split channels divide by (else `junior_school`); may be empty

  // Split channels per program and group (cutoffs.csv's group rows, in its order).
  struct Quota {
    std::string batch, stage, channel, program, school, group;
    std::int64_t seats = 0, admitted = 0;  // seats: allocated (initial)
    Score lowest = kMissingScore;
  };
  std::vector<Quota> quotas;

  // Where each junior school's graduates went: junior schools in byte order, programs in code
  // order, then (program empty) those not placed. Empty without a junior-school column.
  struct Destination {
    std::string junior, program, school, program_name;
    std::int64_t candidates = 0;
  };
  std::vector<Destination> destinations;

  // Per batch: placed at each choice, unplaced, and candidates with justified envy
  // (zkmatch/study.h) -- the mechanism study's figures.
  std::vector<BatchStudy> study;

  // Display labels the rules give (`label:`), by name; the Chinese report shows them in place
  // of batch, channel and line names (the English report and the CSV files keep the names).
  std::map<std::string, std::string> batch_labels, line_labels;
  std::map<std::string, std::string> channel_labels;  // key: batch + '/' + stage + '/' + channel
};

// Loads the report of `run_dir`. kBadInput "refusing to report: ..." when the run's recorded
// inputs changed or are missing; kBadInput with diagnostics in `sink` when a file of the run
// cannot be read.
Result<RunReport> LoadRunReport(const std::string& run_dir, DiagnosticSink& sink);

// Writes the publications as CSV files into `dir` (score_bands.csv, admitted.csv,
// quota_matrix.csv, junior_outcomes.csv; formats in engine/src/run_format.h), each atomically.
// Ok, or kIoError saying what failed.
Status WritePublicationCsvs(const RunReport& report, const std::string& dir);

// report.html; with `diff`, a section comparing the run with another (RunDiff::b is this run).
std::string RenderReportHtml(const RunReport& report, Language lang, const RunDiff* diff = nullptr);

// Writes the report's tables to an .xlsx workbook at `path`, atomically (temporary sibling,
// then rename). Ok, or kIoError saying what failed.
Status WriteReportXlsx(const RunReport& report, Language lang, const std::string& path);

}  // namespace zkmatch

#endif  // ZKMATCH_REPORT_H_
