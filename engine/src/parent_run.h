// Reading a continuing round's parent (`zkmatch run --continue DIR`; rules/README.md,
// "Continuing a run"): the parent's manifest.json, placements.csv and vacancies.csv (the parent
// directory's own files, or a run bundle's copies of them) and the round's declined.csv, into
// Instance::parent. Part of loading the inputs (LoadInputs calls it); the verifier checks what it
// gives with its own code (verifier.cc, CheckParent).
#ifndef ZKMATCH_PARENT_RUN_H_
#define ZKMATCH_PARENT_RUN_H_

#include <map>
#include <string>
#include <vector>

#include "csv.h"
#include "zkmatch/diagnostics.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// What the parent gives before programs.csv is read: the round's seats by program code, and
// each locked or declined candidate's parent program by code (resolved by ResolveParentPrograms).
struct ParentSeats {
  std::map<std::string, std::int32_t> by_code;  // parent vacancies + seats released by declines
  std::vector<std::string> program_code;         // per candidate; empty when free
};

// The seat column that holds a continuing round's seats (a channel writes `seats: vacancies`).
inline constexpr const char* kRoundSeatsColumn = "vacancies";

// Reads the parent's files and declined.csv after candidates.csv (their ids) into inst->parent
// and `seats`; `digests` gets each file's digest by role. Checks: the parent's manifest reads;
// its placements.csv and vacancies.csv are the bytes it records; the round's candidates and
// programs files are the parent's (same digest); every parent row names a known candidate; a
// declined candidate is known, placed by the parent, and listed once. Without a parent, only
// that the rules name no declined.csv. Errors name file and row; false when any. Cost: one pass
// over each file, O(N log N) for the lookups.
bool LoadParentRun(const Rules& rules, Instance* inst, DiagnosticSink& sink, std::map<std::string, FileDigest>* digests, ParentSeats* seats);

// Sets inst->parent.program and round_seats once programs.csv is read (codes -> indices).
void ResolveParentPrograms(const ParentSeats& seats, Instance* inst);

}  // namespace zkmatch

#endif  // ZKMATCH_PARENT_RUN_H_
