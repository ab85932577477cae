// Score lines (控制线): named values computed before matching, in Rules::line_order (every line
// after the lines it reads) -- fixed, admit_ratio (the score of the candidate at position
// ceil(ratio * N) of a ranking), offset from another line, or another line times a factor
// rounded to the nearest hundredth, halves away from zero. rules/README.md, "Lines".
//
// Thread-safety: reentrant. Cost: O(lines) plus the rankings admit_ratio lines read.
#ifndef ZKMATCH_LINES_H_
#define ZKMATCH_LINES_H_

#include <functional>
#include <string>
#include <vector>

#include "ranking.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// Every line's value (kMissingScore when it has none) and a note for people saying how it was
// computed ("admit_ratio 0.6 of by_total: candidate 7437 at position 7437 of 12394").
// `ranking(r)` gives ranking r over the candidates (the caller's cache: Solve ranks once for
// lines and matching). The public ComputeLines (zkmatch/pipeline.h) ranks on its own.
void ComputeLinesWith(const Rules& rules, const Instance& instance, const std::function<const RankedOrder&(std::size_t)>& ranking,
                      std::vector<Score>* values, std::vector<std::string>* notes);

}  // namespace zkmatch

#endif  // ZKMATCH_LINES_H_
