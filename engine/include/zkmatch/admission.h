// One admission run, from a rules file to the files of a run directory, in memory: load the
// rules and every input (each file read once, its digest taken from the bytes parsed), check
// that the chosen matcher applies, solve every batch, check the policy, render the outputs and
// the audit log. `zkmatch run` writes the files it returns; `zkmatch replay` compares them with
// a recorded run. The one place the steps are chained, so the two cannot drift apart.
//
// Errors go to `sink` (file:line:col, what to do); the Result then holds a failed Status (its
// code gives the exit code) and no files, so a failed run writes nothing. Determinism: the files depend only on the rules and input files' bytes.
//
// Thread-safety: reentrant. Cost: loading O(input bytes), ranking O(N log N), the matcher's
// passes, rendering O(N + choices).
#ifndef ZKMATCH_ADMISSION_H_
#define ZKMATCH_ADMISSION_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/model.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/rules.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/status.h"

namespace zkmatch {

struct AdmissionRequest {
  std::string rules_path;
  // Where a run bundle keeps the files the rules name (replay of a bundle); empty: their own paths.
  RulesFileMap files = {};
  // Whether the run is a bundle (its inputs recorded under inputs/ and written there); false only
  // to replay a run written before bundles, whose manifest records absolute paths.
  bool bundle = true;
  // A continuing round (`run --continue DIR`): the parent run directory, whose manifest.json,
  // placements.csv and vacancies.csv the round reads (rules/README.md, "Continuing a run"); the
  // caller has verified it. Empty: an ordinary run (or a bundle's replay, which maps the copies).
  std::string parent_dir;
  // A public bundle (zkmatch publish): its parent run's manifest digest, recorded in the
  // manifest as `public_of` (RunIdentity::public_of); empty for any other run.
  std::string public_of = {};
  // The audit log as plain JSON lines (audit.jsonl) instead of zstd-compressed
  // (audit.jsonl.zst, the default; engine/audit-format.md, "Stored").
  bool plain_audit = false;
  RunOptions options;  // threads, matcher path, progress inside the match (never change the result)
  // Told each step as it starts: "load rules", "load inputs", "match", "policy checks",
  // "render outputs and audit log". May be empty.
  std::function<void(const std::string& step)> step = {};
  // Called once the inputs are parsed, before anything is computed from them (a test hook: it
  // may replace an input file to prove the manifest records the bytes the run used). May be empty.
  std::function<void()> after_load = {};
  // Called once the inputs are parsed and every digest taken (after after_load), with the files
  // read (RunIdentity::File::path is still the path read): `run` starts copying the bundle's
  // inputs then (StagedInputs); replay and publish check the digests against the recorded run's.
  // A failed Status ends the run with it, before anything is computed. May be empty.
  std::function<Status(const RunIdentity& identity)> inputs_read = {};
};

struct Admission {
  Rules rules;
  Instance instance;
  RunIdentity identity;  // the files read, with the digests of the bytes parsed
  Outcome outcome;
  // placements.csv ... audit.jsonl.zst (or audit.jsonl), manifest.json, then the bundle's inputs/ (copy_of set: the
  // rules and every input, linked or copied when written; identity.files name them)
  std::vector<OutputFile> files;
};

Result<Admission> RunAdmission(const AdmissionRequest& request, DiagnosticSink& sink);

}  // namespace zkmatch

#endif  // ZKMATCH_ADMISSION_H_
