// The audit trail of a run: audit.jsonl (the placement log) and manifest.json.
//
// audit.jsonl lets an auditor who trusts neither the office nor the engine check the outcome:
// a header (format and engine versions, rules and input digests, seed, rankings, computed
// lines), one record per seat block (capacity after allocation and flows, admitted, cut-off
// key), one per seat flow, one per candidate (the outcome and, choice by choice up to the one
// placed, what happened and why), and an end record. Every line carries the SHA-256 of the
// line before it (a hash chain), so an edited, dropped or reordered line is detected; the
// hash of the last line is in manifest.json, which also holds the digest of every input and
// output. The format is specified in engine/audit-format.md.
//
// Determinism: a pure function of the rules, the inputs and the Outcome; no clock, keys in a
// fixed order. Thread-safety: reentrant. Cost: linear in candidates' choices.
#ifndef ZKMATCH_AUDIT_H_
#define ZKMATCH_AUDIT_H_

#include <string>
#include <vector>

#include "zkmatch/model.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/rules.h"
#include "zkmatch/run_directory.h"

namespace zkmatch {

inline constexpr const char* kAuditFormat = "zkmatch-audit/1";
inline constexpr const char* kManifestFormat = "zkmatch-manifest/1";

// The files a run read, with their digests, taken before loading.
struct RunIdentity {
  struct File {
    std::string role;    // rules, candidates, choices, programs, allocations
    std::string path;    // absolute, as read
    std::string sha256;  // empty when unreadable
    std::size_t bytes = 0;
  };
  std::vector<File> files;  // rules first, then inputs in a fixed order
};

RunIdentity IdentifyRun(const Rules& rules);

std::string EngineVersion();  // "zkmatch X.Y.Z"

// Every file of a run directory: the CSV outputs, audit.jsonl and manifest.json.
std::vector<OutputFile> RenderRun(const Rules& rules, const Instance& instance, const Outcome& outcome,
                                  const RunIdentity& identity);

}  // namespace zkmatch

#endif  // ZKMATCH_AUDIT_H_
