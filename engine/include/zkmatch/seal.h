// A seal: the bureau's signed commitment to a run's inputs, made when choices close and
// published before anyone sees a result (issue 13, item 2; engine/audit-format.md, "Seals").
//
// It names, by role in the order a run records them (rules, rules_base, candidates, choices,
// programs, allocations, program_scores), each file's SHA-256, size and -- for the CSV inputs --
// number of data rows, plus the lottery seed and the engine version. `run --seal` refuses to run
// on inputs that differ; `verify --seal --pubkey` proves a finished run used exactly them.
//
// A seal file is two lines: the commitment (one JSON object) and its signature (zkmatch/
// signature.h, "signed":"seal", over the first line's bytes with its '\n').
//
// Thread-safety: reentrant. Cost: loading the rules and inputs once (as a run does).
#ifndef ZKMATCH_SEAL_H_
#define ZKMATCH_SEAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/rules.h"
#include "zkmatch/status.h"

namespace zkmatch {

inline constexpr const char* kSealFormat = "zkmatch-seal/1";

struct SealedFile {
  std::string role, sha256;
  std::int64_t bytes = 0;
  std::int64_t rows = -1;  // data rows of a CSV input; -1 for a rules file
};

struct Seal {
  std::string engine, rules_name, seed;  // seed empty when the rules give none
  std::vector<SealedFile> files;
  std::string commitment, signature;  // the file's two lines, each without its '\n'
};

// Loads `rules_path` and its inputs as `run` would (errors to `sink`, kBadInput), and returns the
// text of the seal file signed with the private key in `key_path`.
Result<std::string> MakeSeal(const std::string& rules_path, const std::string& key_path, const std::string& engine_version, DiagnosticSink& sink);

// Reads a seal file; kBadInput (reported at the file) when it is not one.
Result<Seal> ReadSeal(const std::string& path, DiagnosticSink& sink);

// The files of `identity` (their current paths, for counting rows) that differ from `seal`, one
// line each naming the file: its digest and rows against the sealed ones; also a file the seal
// has and the run lacks, or the other way round. Empty when the run read exactly the sealed bytes.
// `rules` gives each CSV file's encoding.
std::vector<std::string> DifferencesFromSeal(const Seal& seal, const RunIdentity& identity, const Rules& rules, const std::string& seal_path);

// Data rows of a CSV input (its `encoding`), -1 when it cannot be read.
std::int64_t CountRows(const std::string& path, const std::string& encoding);

}  // namespace zkmatch

#endif  // ZKMATCH_SEAL_H_
