// Replay of a finished run: re-run the engine from the files recorded in the run's manifest
// (refusing when a digest differs) and compare every output byte with the recorded ones. Unlike
// verify (zkmatch/verify.h), replay trusts the engine: it proves reproducibility, not correctness.
// Also how every other reader of a run (report, letters, diff's study, gen --supplementary,
// publish) opens it and loads its recorded files, each read once.
//
// Thread-safety: reentrant. Cost: a full run plus reading the run directory.
#ifndef ZKMATCH_REPLAY_H_
#define ZKMATCH_REPLAY_H_

#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/model.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/rules.h"
#include "zkmatch/status.h"

namespace zkmatch {

struct ReplayReport {
  bool identical = false;          // every output byte reproduced
  std::string message;             // the first divergence, or that every byte was reproduced
  // Ok when identical, else kViolation with the first divergence (exit 3).
  Status status() const { return identical ? Status::Ok() : Status::Violation(message); }
};

// What a run's manifest.json records, and how to load the recorded rules from where they are.
// Recorded paths are resolved: inside the run for a run bundle, as written for an old run.
struct RecordedRun {
  std::string rules_path;  // the recorded rules file (in the bundle, or at its old absolute path)
  RulesFileMap files;      // the bundle's copies of the files the rules name (empty: old format)
  std::string note;        // OldFormatNote: one line for an old-format run, else empty
  std::string public_of;   // the manifest's public_of (a public bundle), else empty
  // The manifest's inputs in its order (rules first): role, the file (resolved as above) and
  // the SHA-256 the run recorded for it.
  struct Input {
    std::string role, path, sha256;
  };
  std::vector<Input> inputs;
};

// Reads the run's manifest.json; kBadInput when it is missing, not JSON, damaged or names no
// rules file (a reader should refuse, exit 2). It does not hash the inputs: a reader loads them
// (LoadInputs with a RunIdentity, or RunAdmission) and then checks the bytes it parsed with
// CheckParsedInputs, so that each file is read once, and the bytes checked are the bytes used.
Result<RecordedRun> OpenRecordedRun(const std::string& run_dir);

// Ok when the files a load parsed (`read`: RunIdentity, the digests of the bytes parsed) are
// the run's recorded inputs, role for role and digest for digest; otherwise kBadInput naming
// the first that differs: "<role> file <path> differs from the one the run used (sha256
// <parsed>, recorded <recorded>)", or "<role> file <path> cannot be read". Where `read` does
// not list the recorded files role for role with a digest each (a load that stopped early, a
// run written by an engine that listed them otherwise), the recorded files are hashed where
// they lie instead, so that a changed file is named whatever the load did.
Status CheckParsedInputs(const RecordedRun& run, const RunIdentity& read);

// The rules a run used, loaded from its bundle (or, for an old-format run, from where the
// manifest says), with the run as OpenRecordedRun read it in `*recorded`; else kBadInput:
// `refusal` + why. It does not check the inputs' digests: load the inputs with
// LoadRecordedInputs(*recorded, ...), which checks every file's (the rules' too) against the
// manifest from the bytes it parsed. When the rules do not load, the recorded files are hashed,
// so that a changed file is refused as such.
Result<Rules> LoadRecordedRules(const std::string& run_dir, DiagnosticSink& sink, const char* refusal, RecordedRun* recorded);
// The inputs of `rules` (from LoadRecordedRules, with the same `recorded`), each file read
// once, and every recorded file checked with CheckParsedInputs; else kBadInput: `refusal` + the
// file that changed, or the load's own failure (diagnostics in `sink`).
Result<Instance> LoadRecordedInputs(const RecordedRun& recorded, const Rules& rules, DiagnosticSink& sink, const char* refusal);
// LoadRecordedInputs for the publications (report, letters), which show candidate columns no
// rule may read: `name` and `district` where the rules declare them descriptive, and the junior
// school -- the column split channels divide by, else `junior_school`, declared or not (README,
// admitted.csv). Each is shown only where the candidates file has it (a run does not require a
// descriptive column). Adds those loaded to `rules->candidate_columns`. The inputs are read once
// when the declared columns are in the file; twice for an undeclared junior_school (the first
// read tells the headers) or a declared column the file lacks; warnings are given once.
Result<Instance> LoadRecordedInputsForPublications(const RecordedRun& recorded, Rules* rules, DiagnosticSink& sink, const char* refusal);
// Whether the outputs `files` of the run (placements.csv, the audit log, ...) are the bytes its
// manifest.json records: each named file the manifest lists is hashed and compared. Ok, or
// kBadInput: `refusal` + the first that differs or is missing, and "run zkmatch verify". The
// check a reader of one output (explain, letters, diff) makes before it tells anyone what the
// file says; verify checks much more. Cost: one SHA-256 pass over each file.
Status CheckRecordedOutputs(const std::string& run_dir, const std::vector<std::string>& files, const char* refusal);
// Empty for a run bundle; for a run written before bundles, one line saying it is old-format
// (its inputs are read where the manifest's absolute paths say, and it cannot be moved).
std::string RunFormatNote(const std::string& run_dir);

// A failed Result (kBadInput) when replay was refused: inputs missing or changed, or they no
// longer load (diagnostics in `sink`).
Result<ReplayReport> ReplayRun(const std::string& run_dir, DiagnosticSink& sink, int threads = 0);

}  // namespace zkmatch

#endif  // ZKMATCH_REPLAY_H_
