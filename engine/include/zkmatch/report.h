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
#include <optional>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/explain.h"
#include "zkmatch/model.h"
#include "zkmatch/status.h"

namespace zkmatch {

struct RunDiff;  // zkmatch/run_diff.h

struct RunReport {
  // Identity.
  std::string run_dir, rules_name, engine_version;
  struct InputFile {
    std::string role, path, sha256;
  };
  std::vector<InputFile> inputs;          // as recorded in manifest.json (rules first)
  bool verified = false;                  // zkmatch verify found no violation
  std::vector<std::string> verify_lines;  // the violations, or else the checks that held
  struct ScoreLine {
    std::string name, value, note;
  };
  std::vector<ScoreLine> lines;           // lines.csv

  // Totals. General high: programs the policy's `general_high` condition selects (all when
  // the rules give none).
  std::int64_t candidates = 0, placed = 0;
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
    Score cutoff = kMissingScore;
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
};

// Loads the report of `run_dir`. kBadInput "refusing to report: ..." when the run's recorded
// inputs changed or are missing; kBadInput with diagnostics in `sink` when a file of the run
// cannot be read.
Result<RunReport> LoadRunReport(const std::string& run_dir, DiagnosticSink& sink);

// report.html; with `diff`, a section comparing the run with another (RunDiff::b is this run).
std::string RenderReportHtml(const RunReport& report, Language lang, const RunDiff* diff = nullptr);

// Writes the report's tables to an .xlsx workbook at `path`, atomically (temporary sibling,
// then rename). Ok, or kIoError saying what failed.
Status WriteReportXlsx(const RunReport& report, Language lang, const std::string& path);

}  // namespace zkmatch

#endif  // ZKMATCH_REPORT_H_
