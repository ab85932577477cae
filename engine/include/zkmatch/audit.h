// The audit trail of a run: audit.jsonl (the placement log) and manifest.json.
//
// audit.jsonl lets an auditor who trusts neither the office nor the engine check the outcome:
// a header (format and engine versions, rules and input digests, seed, rankings, computed
// lines), one record per seat block (capacity after allocation and flows, admitted, cut-off
// key), one per seat flow, one per candidate (the outcome and, choice by choice up to the one
// placed, what happened and why), and an end record. The lines are the leaves of a Merkle
// tree (RFC 6962, merkle.h) whose root and size are in manifest.json, with the digest of every
// input and output, so an edited, dropped, inserted or reordered line changes the root and any
// one line can be proved to be in the signed log (a candidate's receipt, zkmatch/receipt.h). The format is specified in engine/audit-format.md.
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

inline constexpr const char* kAuditFormat = "zkmatch-audit/3";
inline constexpr const char* kManifestFormat = "zkmatch-manifest/2";

// The files named by the rules, hashed by reading them again now. A run does not use this (its
// identity comes from LoadRules and LoadInputs, from the bytes it parsed); kept for tools that
// only describe files.
RunIdentity IdentifyRun(const Rules& rules);

std::string EngineVersion();  // "zkmatch X.Y.Z"

// Gives every file of `identity` its place in the run bundle (engine/audit-format.md): `source`
// keeps the path read, `path` becomes "inputs/NAME" with the file's own NAME; a later file of a
// name already taken gets "STEM-2.EXT" (then -3, ...), in the identity's order (rules, bases,
// inputs by role), so the names depend only on the files' names; the same file read for two
// roles keeps one place. Placing the files of a bundle again gives the same names.
void PlaceInBundle(RunIdentity* identity);
// The bundle's files for WriteRunDirectory: one per place, a link or copy of its source
// (OutputFile::copy_of), checked against the digest of the bytes parsed.
std::vector<OutputFile> BundleFiles(const RunIdentity& identity);

// How the log is stored (engine/audit-format.md, "Stored"): zstd frames of its lines in
// audit.jsonl.zst, or the lines themselves in audit.jsonl. The lines, and so the Merkle root
// and every receipt, are the same.
enum class AuditStorage { kCompressed, kPlain };

// Every file of a run directory: the CSV outputs, the audit log and manifest.json.
std::vector<OutputFile> RenderRun(const Rules& rules, const Instance& instance, const Outcome& outcome,
                                  const RunIdentity& identity, AuditStorage storage = AuditStorage::kCompressed);

}  // namespace zkmatch

#endif  // ZKMATCH_AUDIT_H_
