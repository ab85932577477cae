// Replay of a finished run: re-run the engine from the files recorded in the run's manifest
// (refusing when a digest differs) and compare every output byte with the recorded ones. Unlike
// verify (zkmatch/verify.h), replay trusts the engine: it proves reproducibility, not correctness.
//
// Thread-safety: reentrant. Cost: a full run plus reading the run directory.
#ifndef ZKMATCH_REPLAY_H_
#define ZKMATCH_REPLAY_H_

#include <string>

#include "zkmatch/diagnostics.h"

namespace zkmatch {

struct ReplayReport {
  bool refused = false;            // inputs missing or changed (exit 2); `message` says which
  bool identical = false;          // every output byte reproduced
  std::string message;             // the first divergence, or why it was refused
};

// Reads the run's manifest.json and re-hashes every recorded input (the rules file first).
// Returns an empty string when all are unchanged, with `*rules_path` set to the recorded rules
// file; otherwise why the run's inputs cannot be trusted (a reader should refuse, exit 2).
std::string CheckRecordedInputs(const std::string& run_dir, std::string* rules_path);

ReplayReport ReplayRun(const std::string& run_dir, DiagnosticSink& sink, int threads = 0);

}  // namespace zkmatch

#endif  // ZKMATCH_REPLAY_H_
