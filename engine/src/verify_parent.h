// The verifier's check of a continuing round against its parent run (rules/README.md,
// "Continuing a run"), written from that section alone and used only by `zkmatch verify`
// (verifier.cc): the round's copies of the parent's files are the ones the parent's manifest
// records; exactly the candidates the parent placed and who did not decline are locked, each at
// the parent's seat; they list nothing in the round; and the round's seats at each program are
// the parent's vacancies there plus the seats its declining candidates held. The loader's
// reading of the same files (parent_run.cc) is not used for any of these conclusions: the files
// are read again here and the arithmetic is done here.
//
// Thread-safety: reentrant. Cost: one pass over each parent file, O(N log N) for the lookups.
#ifndef ZKMATCH_VERIFY_PARENT_H_
#define ZKMATCH_VERIFY_PARENT_H_

#include <functional>
#include <string>
#include <vector>

#include "run_format.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch::verify {

// `locked_rows[c]` is the round's placements.csv row of candidate c when its status is locked,
// else null. `violation` is told each finding (one line); `passed` what held.
void CheckParent(const std::string& run_dir, const Manifest& manifest, const Rules& rules, const Instance& instance,
                 const std::vector<const PlacementRow*>& locked_rows, const std::function<void(std::string)>& violation,
                 const std::function<void(std::string)>& passed);

}  // namespace zkmatch::verify

#endif  // ZKMATCH_VERIFY_PARENT_H_
