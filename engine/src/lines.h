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

// How line `line` is computed, in Chinese and without code words, for people reading the
// Chinese report and `run --lang zh`: the rules' labels (`label:`) stand for the names of lines
// and rankings (the names when no label is given). `candidates` is the cohort's size N.
//   admit_ratio: "按投档排序第 7437 名（共 12394 人的 60%）考生的分数"
//   offset:      "控制线加 60 分" / "控制线减 30 分";  factor: "控制线 × 0.8，保留两位小数";  value: "固定值"
std::string LineHowChinese(const Rules& rules, std::size_t line, std::size_t candidates);

}  // namespace zkmatch

#endif  // ZKMATCH_LINES_H_
