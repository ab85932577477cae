// A candidate's receipt: their own record of a run's audit.jsonl, the Merkle inclusion proof
// that leads from it to the root in manifest.json, and the manifest with its signature, so a
// family can check offline, with the bureau's public key alone, that the record is part of
// the signed outcome (engine/audit-format.md, "Receipts").
//
// A receipt is one JSON line and '\n', keys in this order: format ("zkmatch-receipt/1"),
// candidate, record (the audit line's exact bytes, as a JSON string), leaf_index (0-based line
// number), tree_size, proof (sibling hashes from the leaf up, lowercase hex), manifest
// (manifest.json's exact bytes) and signature (manifest.sig's line without its '\n', or null
// for an unsigned run).
//
// With the public bundle (zkmatch publish), a receipt also carries its public side, last:
// public = {pseudonym, record, leaf_index, tree_size, proof}: the candidate's pseudonym and
// their record in the public bundle's audit.jsonl with its inclusion proof, so a family can
// check that the public bundle anyone downloads holds the same placement under that name.
//
// Thread-safety: reentrant. Cost: MakeReceipt reads and hashes the whole log (parallel) once;
// CheckReceipt is log2(records) hashes and one signature check (milliseconds).
#ifndef ZKMATCH_RECEIPT_H_
#define ZKMATCH_RECEIPT_H_

#include <string>

#include "zkmatch/diagnostics.h"
#include "zkmatch/status.h"

namespace zkmatch {

inline constexpr const char* kReceiptFormat = "zkmatch-receipt/1";

// The public bundle a receipt also proves against: its directory, and the pseudonym secret
// that names the candidate there.
struct PublicSide {
  std::string dir, secret_path;
};

// The receipt (its JSON text) of candidate `id` in the run directory `run_dir`, with `side`
// also its public side. kBadInput when the run has no such candidate or cannot be read, when
// the secret cannot be read, when side->dir is not the public bundle of this run (its manifest's
// public_of) or holds no record under the candidate's pseudonym; kViolation when a log's root
// is not its manifest's (the run does not verify: no receipt is made for it).
Result<std::string> MakeReceipt(const std::string& run_dir, const std::string& id, const PublicSide* side = nullptr);

// What a receipt says, checked or not.
struct ReceiptCheck {
  std::string reason;     // empty when the receipt holds; else why not, one line
  std::string candidate;  // the candidate the receipt is for
  std::string pseudonym;  // their pseudonym in the public bundle (a receipt with a public side), else empty
  std::string outcome;    // the record in one line: "placed at B through general (choice 3 in batch main)" / "unplaced"
  std::string key;        // SHA-256 of the public key the manifest was checked against
  bool holds() const { return reason.empty(); }
};

// Checks `receipt` (the text of the file `receipt_path`) against the public key in
// `pubkey_path`: the manifest's signature holds under the key, the record hashes to a leaf
// that the proof leads, at leaf_index of tree_size, to the manifest's audit_root, tree_size
// is the manifest's audit_records, and the record is the candidate's. A receipt that is not a
// receipt at all, or a key file that cannot be used, is kBadInput (reported to `sink`).
// With `public_dir` (a downloaded public bundle), also its public side: the bundle's
// manifest.json is signed by the same key and records the receipt's manifest as public_of,
// the public record with its proof leads to that manifest's audit_root, it is the candidate
// record of the receipt's pseudonym, and it holds the same placement (status, batch, stage,
// program, channel, choice_rank) as the candidate's own record. A public bundle whose
// manifest cannot be read is kBadInput.
Result<ReceiptCheck> CheckReceipt(const std::string& receipt_path, const std::string& receipt, const std::string& pubkey_path, DiagnosticSink& sink,
                                  const std::string& public_dir = {});

// A receipt (MakeReceipt's text) for a letter, in English or Chinese: what the record says, the
// record itself, the proof, the root and who signed it, and how to check it.
std::string ReceiptText(const std::string& receipt, bool chinese);

// The record of a receipt in words, in English or Chinese: "placed at B through general
// (choice 3 in batch main)" / "录取：main 批次 B（general，第 3 志愿）"; "unplaced" / "未录取".
std::string DescribeReceiptRecord(const std::string& record, bool chinese);

}  // namespace zkmatch

#endif  // ZKMATCH_RECEIPT_H_
