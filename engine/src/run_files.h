// A finished run's published CSV files read back as text: placements.csv, cutoffs.csv and
// lines.csv, for the report and the diff (which compare what the run published, not a re-run).
//
// Each reader checks that the header starts with the columns of the output contract
// (DESIGN.md, "Contract: output files") and reports a bad file to the sink with its row.
// Rows keep the file's order (placements by candidate id, cut-offs by batch, stage, program,
// channel, group). Thread-safety: reentrant. Cost: one pass over each file.
#ifndef ZKMATCH_RUN_FILES_H_
#define ZKMATCH_RUN_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"

namespace zkmatch {

struct PlacementRow {
  std::string id, status, batch, program, channel, stage;  // batch..stage empty when unplaced
  std::int32_t choice_rank = 0;                            // 1-based; 0 when unplaced
  bool placed() const { return status == "placed"; }
};

struct CutoffRow {
  std::string batch, stage, program, channel, group;  // group empty unless the channel is split
  std::int64_t capacity = 0, admitted = 0, initial = 0, flowed_in = 0, flowed_out = 0, over = 0;
  std::string cutoff_total;  // lowest total admitted, as written ("612.5"); empty when none
};

struct LineRow {
  std::string name, value, note;
};

bool ReadPlacementsCsv(const std::string& run_dir, std::vector<PlacementRow>* rows, DiagnosticSink& sink);
bool ReadCutoffsCsv(const std::string& run_dir, std::vector<CutoffRow>* rows, DiagnosticSink& sink);
bool ReadLinesCsv(const std::string& run_dir, std::vector<LineRow>* rows, DiagnosticSink& sink);

}  // namespace zkmatch

#endif  // ZKMATCH_RUN_FILES_H_
