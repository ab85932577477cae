// Letters to families: one printable HTML page per candidate saying where the candidate was
// admitted and why each choice above the placement was not, in plain words, in Chinese or
// English; and one file per junior school holding its graduates' letters with a page break
// after each, for the school to print.
//
// Models what a family is told (issue 17): the placement in school and program names (never
// program codes), the rules' display labels (`label:`) for batches, channels, rankings and
// lines; per choice, in order, the reason read from the run's audit.jsonl: seats filled ("its
// 统招 seats were filled: the last admitted candidate had 612, you had 598" -- the scores, never
// that candidate's exam number), the clause of the channel's condition that failed, evaluated
// on the candidate's own data ("your total 365.5 is below the 控制线 484.5"), no share for the
// candidate's junior school, the program not admitting in the batch. A candidate who listed no
// choice is told so.
//
// Inputs: the run directory; its recorded inputs are re-hashed first (a changed input refuses,
// like report and replay). Output: DIR2/<exam number>.html per candidate and
// DIR2/junior-<junior school>.html per junior school (when the rules split a channel by one, or
// the candidates have a junior_school column), written as one directory atomically
// (WriteRunDirectory: temporary sibling, then rename). Characters other than letters, digits,
// '-', '_' and non-ASCII in a file name are written %XX.
//
// Invariants: byte-identical letters for the same run and language; a letter holds no exam
// number but its candidate's. Thread-safety: reentrant. Cost: one pass over audit.jsonl plus
// loading the inputs (like report); memory: every letter, about 2 KB each.
#ifndef ZKMATCH_LETTERS_H_
#define ZKMATCH_LETTERS_H_

#include <cstddef>
#include <optional>
#include <string>

#include "zkmatch/diagnostics.h"
#include "zkmatch/explain.h"
#include "zkmatch/status.h"

namespace zkmatch {

struct LettersWritten {
  std::size_t candidates = 0;      // letters written
  std::size_t junior_schools = 0;  // junior-school files written
};

// Writes the letters of `run_dir` into `out_dir` (refused if it exists, unless `force`).
// A failed Status says why when the run's inputs changed, audit.jsonl cannot be read or the
// directory cannot be written (kBadInput / kIoError); with diagnostics in `sink` when an input
// cannot be loaded.
Result<LettersWritten> WriteLetters(const std::string& run_dir, const std::string& out_dir, Language lang, bool force, DiagnosticSink& sink);

}  // namespace zkmatch

#endif  // ZKMATCH_LETTERS_H_
