// The public, pseudonymized bundle of a run (`zkmatch publish`, engine/audit-format.md, "The
// public bundle"): a complete run bundle of its own that anyone may download and check with
// `zkmatch verify` alone, in which
//   - every candidate id is replaced by its pseudonym, HMAC-SHA256(the bureau's secret, id) cut
//     to kPseudonymHexDigits hex digits (zkmatch/signature.h); two candidates whose pseudonyms
//     collide are refused, never assumed away;
//   - the candidates file keeps only what the rules read to decide placements (id, total and
//     the columns the rules reference), never a personal column (Rules::personal_columns;
//     rules that read one, or read the id itself, are refused);
//   - what the id decided is kept without the id: rankings with `last_tie: id` get the key
//     `tie_order asc` (the candidate's place among all ids, byte order), those with
//     `last_tie: lottery` the key `lottery_order asc` (their place in the lottery's order), so
//     the public run breaks every tie the same way;
//   - rows are ordered by pseudonym (candidates, choices, program scores), so row order tells
//     nothing; programs and allocations are the run's files, byte for byte.
// The public run is computed by the engine from these files and its placements are compared,
// candidate by candidate, with the run's before anything is written; its manifest records the
// SHA-256 of the run's manifest.json as `public_of`, and with a key it is signed.
//
// Thread-safety: reentrant. Cost: one full verify of the run, two admission runs (the run's
// own inputs again, and the public ones), one HMAC per candidate.
#ifndef ZKMATCH_PUBLISH_H_
#define ZKMATCH_PUBLISH_H_

#include <cstddef>
#include <string>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/signature.h"
#include "zkmatch/status.h"

namespace zkmatch {

// The added candidates' columns that carry what an id decided (see above).
inline constexpr const char* kTieOrderColumn = "tie_order";
inline constexpr const char* kLotteryOrderColumn = "lottery_order";

struct PublishRequest {
  std::string run_dir;      // a run bundle written by zkmatch run; it must verify
  std::string out_dir;      // the public bundle to write (refused if it exists, unless force)
  std::string secret_path;  // the pseudonym secret (zkmatch keygen --secret)
  std::string key_path;     // the bureau's private key: sign the public manifest; empty: unsigned
  bool force = false;
  int threads = 0;  // 0: all cores; never changes the output
};

struct PublishSummary {
  std::size_t candidates = 0;
  std::string parent_manifest_sha256;  // what the public manifest records as public_of
  std::vector<std::string> columns;    // the public candidates file's columns, in order
};

// Writes the public bundle of `request.run_dir`. kBadInput (reported to `sink` where a file
// position says it, else in the Status) for a secret, key or run that cannot be read, an
// existing out_dir without force, rules that read a personal column or the id, or colliding
// pseudonyms; kViolation when the run does not verify (nothing is published); kInternal when
// the public run would place anyone differently (nothing is written).
Result<PublishSummary> Publish(const PublishRequest& request, DiagnosticSink& sink);

// For a public bundle: the SHA-256 of the manifest.json of the run it was published from (its
// manifest's public_of); empty for any other run or an unreadable manifest.
std::string PublicBundleOf(const std::string& run_dir);

// The pseudonyms of `ids`, in order, each `hex_digits` long; kBadInput naming two ids when two
// pseudonyms are equal (a longer prefix, or a new secret, is then needed).
Result<std::vector<std::string>> PseudonymsOf(const std::string& secret, const std::vector<std::string>& ids, std::size_t hex_digits = kPseudonymHexDigits);

}  // namespace zkmatch

#endif  // ZKMATCH_PUBLISH_H_
