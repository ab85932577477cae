// Plain-language explanations of one candidate's outcome, for a parent or a clerk, read from a
// run's audit.jsonl: each choice in order, what happened and why ("H03 general: full; its last
// admitted candidate had 604.5, you had 601"), in English or Chinese.
//
// Thread-safety: reentrant. Cost: one pass over audit.jsonl.
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
