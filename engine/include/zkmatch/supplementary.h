// A synthetic supplementary round (征求志愿) for a finished run, for demonstrations and what-if
// studies: `zkmatch gen --supplementary DIR --out D` writes a rules file that continues DIR
// (rules/README.md, "Continuing a run"), a declined.csv and a choices file, so that
// `zkmatch run --rules D/round.yaml --continue DIR --out ROUND` runs.
//
// What it models: `declines` candidates DIR placed, drawn by a seeded generator, give up their
// seat; every candidate DIR left unplaced, and each who declined, lists up to `max_choices`
// programs among those with a seat in the round (DIR's vacancies plus the declined seats), the
// most selective (by DIR's cut-off total) first. The round ranks by total, ties by id. The rules
// read DIR's own copies of candidates.csv and programs.csv (DIR/inputs/), with the encoding and
// column names DIR's rules gave them; every column the round does not read is listed under
// descriptive_columns.
//
// Determinism: the same DIR, options and seed give the same bytes. Thread-safety: reentrant.
// Cost: loads DIR's rules and inputs once; O(N log N).
#ifndef ZKMATCH_SUPPLEMENTARY_H_
#define ZKMATCH_SUPPLEMENTARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/status.h"

namespace zkmatch {

struct SupplementaryOptions {
  std::uint64_t declines = 0;   // placed candidates who give up their seat
  std::uint64_t max_choices = 3;
  std::uint64_t seed = 2025;
};

// round.yaml, 征求志愿.csv and declined.csv for `out_dir` (paths in round.yaml are relative to
// it). kBadInput (diagnostics in `sink`) when DIR cannot be read or its inputs changed.
Result<std::vector<OutputFile>> GenerateSupplementaryRound(const std::string& run_dir, const std::string& out_dir, const SupplementaryOptions& options,
                                                           DiagnosticSink& sink);

}  // namespace zkmatch

#endif  // ZKMATCH_SUPPLEMENTARY_H_
