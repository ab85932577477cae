// Plain-language explanations of one candidate's outcome, for a parent or a clerk, read from a
// run's audit.jsonl: each choice in order, what happened and why, in English or Chinese, in the
// words of the letters to families (zkmatch/letters.h): school and program names, the rules'
// labels in Chinese, "its general seats were filled: the last admitted candidate had 604.5, you
// had 601" (never that candidate's exam number), the clause of a condition that failed. Those
// words need the run's recorded inputs; when they changed, the explanation says so and uses the
// audit's own names and codes.
//
// Thread-safety: reentrant. Cost: one pass over audit.jsonl, plus loading the run's inputs.
#ifndef ZKMATCH_EXPLAIN_H_
#define ZKMATCH_EXPLAIN_H_

#include <string>

#include "zkmatch/status.h"

namespace zkmatch {

enum class Language { kEnglish, kChinese };

// The explanation, or kBadInput saying why there is none (no such run or candidate, a damaged
// log).
Result<std::string> ExplainCandidate(const std::string& run_dir, const std::string& candidate_id, Language lang);

}  // namespace zkmatch

#endif  // ZKMATCH_EXPLAIN_H_
