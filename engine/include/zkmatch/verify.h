// Independent verification of a finished run.
//
// Verify re-reads the rules and inputs with the shared loaders, and computes lines, rankings
// (ties and lotteries), stage selection and split seats with its own code (verify_reference.h),
// sharing none of the engine's: it checks the published outcome directly against its
// definition. Checks: lines.csv against the recomputed lines; the
// inputs and outputs match manifest.json; the audit log's Merkle root is intact and agrees with
// placements.csv and cutoffs.csv; every candidate appears once; placed candidates listed the
// program in that batch at that choice rank and are eligible for their channel; capacities
// after flows hold (over capacity only for ties at the last seat under admit_all); seat flows
// are conserved; each program's channel labels are what its choice rule gives on its admitted
// set; and no candidate has justified envy and no seat is wasted in any stage (DOMAIN.md).
// Finally it recomputes each stage's matching passes with its own deferred acceptance
// (verify_matching.h, not the engine's matcher) and from them the seat flows, which must be
// flows.csv's rows, with the final pass equal to the published placements: stability under the
// final capacities alone cannot tell whether the flows that set those capacities were right.
// Last, every explanation in audit.jsonl (key values, the reason each choice was refused) is
// recomputed from the inputs and the published seats.
// Cost: O(total choices * channels + N log N), plus one deferred acceptance per pass. The
// checks run in the order above and report in it; three of them run beside the others on a
// thread of their own (the digests while the inputs load, the rankings while the outputs are
// read, the deferred acceptance passes while the audit log is read), and the log is read on
// the current TBB arena: about four threads at most.
//
// Replay (zkmatch/replay.h) is not here: it re-runs the engine, which verify never links.
//
// Thread-safety: reentrant.
#ifndef ZKMATCH_VERIFY_H_
#define ZKMATCH_VERIFY_H_

#include <functional>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/status.h"

namespace zkmatch {

struct VerifyReport {
  std::vector<std::string> violations;  // one line each; empty when everything holds
  // Parallel to `violations`: the kind of each finding ("input changed since the run",
  // "justified envy or a wasted seat", ...), and how many findings its line stands for: 1, or N
  // for a closing "... and N more ..." line of a kind whose list was cut at 100.
  std::vector<std::string> kinds;
  std::vector<std::size_t> stands_for;
  std::vector<std::string> passed;  // the checks that ran and held, for the summary
  std::vector<std::string> notes;   // what was left unchecked here and how to check it (not a finding)
  // How many findings were made: a closing "... and N more" line counts its N (so this is more
  // than violations.size() when a kind's list was cut).
  std::size_t count() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < violations.size(); ++i) n += i < stands_for.size() ? stands_for[i] : 1;
    return n;
  }
  // Ok when no violation was found, else kViolation counting them (exit 3).
  Status status() const {
    if (violations.empty()) return Status::Ok();
    const std::size_t n = count();
    return Status::Violation(std::to_string(n) + (n == 1 ? " violation" : " violations"));
  }
};

// The violations of one kind: how many, and the first few lines (in the order found).
struct ViolationGroup {
  std::string kind;
  std::size_t count = 0;
  std::vector<std::string> examples;
};

// The report's violations grouped by kind, kinds in the order their first finding was made (the
// checks run from the inputs' digests to the consequences: stability, flows, explanations), each
// with at most `examples` example lines. A forged input thus comes first, not after a hundred
// lines of justified envy it caused. Cost O(violations * kinds).
std::vector<ViolationGroup> GroupViolations(const VerifyReport& report, std::size_t examples);

// What verify is also asked to check (empty: not asked).
struct VerifyKeys {
  std::string pubkey;  // the bureau's public key: manifest.sig must be its signature of manifest.json
  std::string seal;    // a seal (zkmatch/seal.h) signed with `pubkey`: the run must have read exactly its files
  // A continuing round's parent run directory: verified too (and its parent in turn, when it is
  // the same chain's), and its manifest.json must be the one the round recorded. Empty: the
  // round's copies of the parent's files are checked against the recorded manifest digest only.
  std::string parent;
};

// `rules_path` may be empty: then the rules file recorded in the run's manifest is used.
// `progress`, when set, is told each step as it starts ("load inputs", "audit.jsonl", ...).
// A failed Result (kBadInput, diagnostics in `sink`) when the run could not be read at all:
// no manifest, rules or inputs that no longer load, a published file missing. Findings about a
// run that could be read are violations in the report, never a failed Result.
// With `keys.seal` (which needs `keys.pubkey`), the seal's signature and every input against it
// (a seal file that cannot be read: a failed Result; a difference: a violation).
// With `keys.pubkey`, the signature is checked first (a key file that cannot be used: a failed
// Result; a signature missing, made with another key or not matching: a violation).
Result<VerifyReport> VerifyRun(const std::string& rules_path, const std::string& run_dir, DiagnosticSink& sink,
                       const std::function<void(const std::string& step)>& progress = {}, const VerifyKeys& keys = {});

}  // namespace zkmatch

#endif  // ZKMATCH_VERIFY_H_
