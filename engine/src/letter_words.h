// The letters' wording (engine/src/letters.cc, zkmatch/letters.h) for `zkmatch explain`: one
// candidate's outcome in the same plain words as the letter to the family -- school and program
// names, the rules' labels in Chinese, the scores that decided, the clause that failed, never
// another candidate's exam number.
//
// Thread-safety: reentrant. Cost: loading the run's recorded inputs (re-hashed first) and its
// lines, like report.
#ifndef ZKMATCH_LETTER_WORDS_H_
#define ZKMATCH_LETTER_WORDS_H_

#include <initializer_list>
#include <map>
#include <string>
#include <tuple>

#include "json.h"
#include "zkmatch/explain.h"
#include "zkmatch/status.h"

namespace zkmatch {

// Replaces %1..%9 in `pattern` with `args` (the letters' and explain's sentence patterns).
std::string Fill(const char* pattern, std::initializer_list<std::string> args);

// audit.jsonl's seats records by (batch, stage, program, channel, group).
using SeatKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

// "Candidate ID: headline" then one line per choice, each ended by LF; kBadInput saying why
// when the run's recorded inputs changed or cannot be loaded.
Result<std::string> ExplainInLetterWords(const std::string& run_dir, const JsonValue& record, const std::map<SeatKey, JsonValue>& seats,
                                         Language lang);

}  // namespace zkmatch

#endif  // ZKMATCH_LETTER_WORDS_H_
