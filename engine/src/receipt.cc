#include "zkmatch/receipt.h"

#include <tbb/blocked_range.h>

#include <optional>
#include <string_view>
#include <vector>

#include "audit_log.h"
#include "digest.h"
#include "file_read.h"
#include "json.h"
#include "merkle.h"
#include "parallel.h"
#include "run_format.h"
#include "zkmatch/signature.h"

namespace zkmatch {
namespace {

namespace rk {
inline constexpr const char* kFormat = "format";
inline constexpr const char* kCandidate = "candidate";
inline constexpr const char* kRecord = "record";
inline constexpr const char* kLeafIndex = "leaf_index";
inline constexpr const char* kTreeSize = "tree_size";
inline constexpr const char* kProof = "proof";
inline constexpr const char* kManifest = "manifest";
inline constexpr const char* kSignature = "signature";
inline constexpr const char* kPublic = "public";  // the public bundle's side (receipt --public)
inline constexpr const char* kPseudonym = "pseudonym";
}  // namespace rk

std::vector<std::string_view> Lines(const std::string& text) {
  std::vector<std::string_view> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    lines.emplace_back(text.data() + at, end - at);
    at = end + 1;
  }
  return lines;
}

std::vector<MerkleHash> Leaves(const std::vector<std::string_view>& lines) {
  std::vector<MerkleHash> leaves(lines.size());
  ParallelFor(tbb::blocked_range<std::size_t>(0, lines.size(), 1024), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) leaves[i] = MerkleLeafHash(lines[i]);
  });
  return leaves;
}

std::string ReadRunFile(const std::string& run_dir, const char* name, bool* ok) { return ReadWholeFile(run_dir + "/" + name, ok); }

}  // namespace

namespace {

// One run's log, checked against its manifest, and the line of one candidate in it. The log is
// read block by block (AuditBlockReader): only its leaves and the candidate's line are kept.
struct LoggedRecord {
  std::string manifest;
  Manifest parsed;
  std::string record;               // the candidate's line
  std::size_t size = 0;             // the log's number of lines
  std::vector<MerkleHash> leaves;   // one per line
  std::size_t index = 0;            // the candidate's line, when found
  bool read = false;                // the log was read whole (its root may still not be the manifest's)
  bool absent = false;              // the log matches its manifest and holds no line for the id
};

Status FindRecord(const std::string& run_dir, const std::string& id, const char* what, LoggedRecord* r) {
  bool ok = false;
  r->manifest = ReadRunFile(run_dir, kManifestFile, &ok);
  if (!ok) return Status::BadInput("cannot read " + run_dir + "/" + kManifestFile + "; is " + what + " a run directory written by zkmatch run?");
  std::vector<Finding> findings;
  if (ReadManifest(run_dir, &r->parsed, &findings) != ReadStatus::kRead || !findings.empty()) {
    return Status::BadInput(run_dir + "/" + kManifestFile + " is not a valid manifest" + (findings.empty() ? "" : ": " + findings.front().Format()));
  }
  std::string error;
  AuditBlockReader log;
  if (!log.Open(run_dir, &error)) {
    return Status::BadInput(error.rfind("cannot read", 0) == 0 ? "cannot read " + run_dir + "/" + kAuditFile : error);
  }
  std::string prefix = "{\"record\":\"candidate\",\"id\":";
  AppendJsonString(&prefix, id);
  prefix += ",";
  bool found = false;
  constexpr std::size_t kBlockBytes = std::size_t{4} << 20;
  for (std::string block; log.Next(kBlockBytes, &block, &error);) {
    const std::vector<std::string_view> lines = Lines(block);
    const std::vector<MerkleHash> leaves = Leaves(lines);
    r->leaves.insert(r->leaves.end(), leaves.begin(), leaves.end());
    for (std::size_t i = 0; i < lines.size() && !found; ++i) {
      if (lines[i].substr(0, prefix.size()) == prefix) {
        found = true;
        r->record = lines[i];
        r->index = r->size + i;
      }
    }
    r->size += lines.size();
  }
  if (!error.empty()) return Status::BadInput(error);  // damaged half-way: as unread as a log refused by Open
  r->read = true;
  if (MerkleHex(MerkleRoot(r->leaves)) != r->parsed.audit_root || static_cast<std::int64_t>(r->size) != r->parsed.audit_records) {
    return Status::Violation("the Merkle root of " + run_dir + "/" + kAuditFile + " is not the one manifest.json records: the run does not verify (zkmatch verify --run " + run_dir +
                             "); no receipt is made for it");
  }
  r->absent = !found;
  if (!found) return Status::BadInput("no candidate '" + id + "' in " + run_dir + "/" + kAuditFile + "; check the id (as in candidates.csv)");
  return Status::Ok();
}

// record, leaf_index, tree_size and proof of `r`, as receipt keys.
void WriteInclusion(const LoggedRecord& r, JsonWriter* w) {
  w->Key(rk::kRecord).String(r.record);
  w->Key(rk::kLeafIndex).Int(static_cast<std::int64_t>(r.index)).Key(rk::kTreeSize).Int(static_cast<std::int64_t>(r.size));
  w->Key(rk::kProof).BeginArray();
  for (const MerkleHash& h : MerkleInclusionProof(r.leaves, r.index)) w->String(MerkleHex(h));
  w->EndArray();
}

// The public side: the candidate's pseudonym and their record in the public bundle.
Status WritePublicSide(const LoggedRecord& run, const std::string& id, const PublicSide& side, JsonWriter* w) {
  const Result<std::string> secret = ReadPseudonymSecret(side.secret_path);
  if (!secret) return secret.status();
  const std::string pseudonym = Pseudonym(*secret, id);
  LoggedRecord pub;
  const Status found = FindRecord(side.dir, pseudonym, "--public", &pub);
  if (pub.read && pub.parsed.public_of != Sha256Hex(run.manifest)) {
    return Status::BadInput(side.dir + " is not the public bundle of this run (its manifest's public_of is not the SHA-256 of the run's manifest.json)");
  }
  if (!found.ok()) {
    if (!pub.absent) return found;
    return Status::BadInput("no candidate with pseudonym " + pseudonym + " (candidate '" + id + "' under the secret " + side.secret_path + ") in " + side.dir + "/" +
                            kAuditFile + "; was it published with another secret?");
  }
  w->Key(rk::kPublic).BeginObject().Key(rk::kPseudonym).String(pseudonym);
  WriteInclusion(pub, w);
  w->EndObject();
  return Status::Ok();
}

}  // namespace

Result<std::string> MakeReceipt(const std::string& run_dir, const std::string& id, const PublicSide* side) {
  LoggedRecord run;
  if (Status found = FindRecord(run_dir, id, "--run", &run); !found.ok()) return found;
  bool signed_ok = false;
  std::string sig = ReadRunFile(run_dir, kManifestSignatureFile, &signed_ok);
  if (signed_ok && !sig.empty() && sig.back() == '\n') sig.pop_back();
  JsonWriter w;
  w.BeginObject().Key(rk::kFormat).String(kReceiptFormat).Key(rk::kCandidate).String(id);
  WriteInclusion(run, &w);
  w.Key(rk::kManifest).String(run.manifest).Key(rk::kSignature);
  if (signed_ok) {
    w.String(sig);
  } else {
    w.Null();
  }
  if (side != nullptr) {
    if (Status pub = WritePublicSide(run, id, *side, &w); !pub.ok()) return pub;
  }
  w.EndObject();
  return w.Take() + "\n";
}

namespace {

// A record and its inclusion proof, as a receipt gives them (for the run, or the public bundle).
struct Inclusion {
  std::string record;
  std::int64_t leaf_index = -1, tree_size = -1;
  std::vector<MerkleHash> proof;
};

// The receipt's fields, or the first thing that makes it no receipt (a bad-input message).
struct ParsedReceipt {
  std::string candidate, manifest;
  std::optional<std::string> signature;
  Inclusion run;
  bool has_public = false;
  std::string pseudonym;
  Inclusion pub;
};

std::string ParseInclusion(const JsonValue& v, Inclusion* in) {
  if (v[rk::kRecord].type != JsonValue::Type::kString) return "not a receipt: record must be a string";
  in->record = v[rk::kRecord].text;
  if (v[rk::kLeafIndex].type != JsonValue::Type::kNumber || v[rk::kTreeSize].type != JsonValue::Type::kNumber || v[rk::kProof].type != JsonValue::Type::kArray) {
    return "not a receipt: leaf_index and tree_size must be numbers, proof a list";
  }
  in->leaf_index = v[rk::kLeafIndex].AsInt();
  in->tree_size = v[rk::kTreeSize].AsInt();
  for (const JsonValue& p : v[rk::kProof].items) {
    MerkleHash h{};
    if (p.type != JsonValue::Type::kString || !ParseMerkleHex(p.text, &h)) return "not a receipt: every proof step must be 64 lowercase hex digits";
    in->proof.push_back(h);
  }
  return {};
}

std::string ParseReceipt(const std::string& text, ParsedReceipt* r) {
  JsonValue v;
  std::string error;
  if (!ParseJson(text.size() > 0 && text.back() == '\n' ? std::string_view(text).substr(0, text.size() - 1) : std::string_view(text), &v, &error) ||
      v.type != JsonValue::Type::kObject) {
    return "not a receipt: not a JSON object" + (error.empty() ? std::string() : " (" + error + ")");
  }
  if (v[rk::kFormat].text != kReceiptFormat) return std::string("not a receipt: its format is not ") + kReceiptFormat;
  if (v[rk::kCandidate].type != JsonValue::Type::kString || v[rk::kManifest].type != JsonValue::Type::kString) {
    return "not a receipt: candidate, record and manifest must be strings";
  }
  r->candidate = v[rk::kCandidate].text;
  r->manifest = v[rk::kManifest].text;
  if (std::string bad = ParseInclusion(v, &r->run); !bad.empty()) return bad;
  if (v[rk::kSignature].type == JsonValue::Type::kString) r->signature = v[rk::kSignature].text + "\n";
  const JsonValue& pub = v[rk::kPublic];
  if (pub.type == JsonValue::Type::kNull) return {};
  if (pub.type != JsonValue::Type::kObject || pub[rk::kPseudonym].type != JsonValue::Type::kString) return "not a receipt: public must be an object with a pseudonym";
  r->has_public = true;
  r->pseudonym = pub[rk::kPseudonym].text;
  return ParseInclusion(pub, &r->pub);
}

// Why `in` does not lead to the audit_root of manifest `m` (named `manifest` in the reason, and
// `whose` before audit_records / audit_root, `unless` saying what a wrong root means); empty when
// it does.
std::string CheckPath(const Inclusion& in, const JsonValue& m, const std::string& manifest, const std::string& whose,
                      const char* unless = "the record or the proof was altered") {
  const JsonValue& records = m[manifest_keys::kAuditRecords];
  MerkleHash signed_root{};
  if (!ParseMerkleHex(m[manifest_keys::kAuditRoot].text, &signed_root)) return manifest + " records no audit_root (not a zkmatch-manifest/2 run)";
  if (in.tree_size != records.AsInt()) return "the receipt's tree_size " + std::to_string(in.tree_size) + " is not " + whose + " audit_records " + records.text;
  if (in.leaf_index < 0 || in.tree_size <= 0) return "the receipt's leaf_index or tree_size is negative";
  MerkleHash root{};
  if (!MerkleRootFromProof(MerkleLeafHash(in.record), static_cast<std::uint64_t>(in.leaf_index), static_cast<std::uint64_t>(in.tree_size), in.proof, &root)) {
    return "the inclusion proof has " + std::to_string(in.proof.size()) + " steps, which is not the path of record " + std::to_string(in.leaf_index + 1) + " of " +
           std::to_string(in.tree_size);
  }
  if (root != signed_root) return "the record and its inclusion proof do not lead to " + whose + " audit_root (" + unless + ")";
  return {};
}

bool ParseManifestText(const std::string& text, JsonValue* m) {
  std::string error;
  return ParseJson(std::string_view(text).substr(0, text.empty() ? 0 : text.size() - 1), m, &error) && m->type == JsonValue::Type::kObject;
}

// Why the record, the proof and the signed manifest do not fit together; empty when they do.
std::string CheckInclusion(const ParsedReceipt& r) {
  JsonValue m;
  if (!ParseManifestText(r.manifest, &m)) return "the receipt's manifest is not JSON";
  if (std::string bad = CheckPath(r.run, m, "the receipt's manifest", "the signed manifest's"); !bad.empty()) return bad;
  JsonValue rec;
  std::string error;
  if (!ParseJson(r.run.record, &rec, &error) || rec[audit_keys::kRecord].text != audit_keys::kCandidate || rec[audit_keys::kId].text != r.candidate) {
    return "the record is not candidate '" + r.candidate + "''s audit record";
  }
  return {};
}

// Why the receipt's public side does not hold in the public bundle `dir` (whose manifest.json
// must be signed by `pubkey_path` and record the receipt's manifest as public_of); empty when
// it holds. A bundle that cannot be read is bad input (reported to `sink`).
Result<std::string> CheckPublicSide(const ParsedReceipt& r, const std::string& dir, const std::string& pubkey_path, DiagnosticSink& sink) {
  if (!r.has_public) return std::string("the receipt has no public side (make it with zkmatch receipt --public PUBDIR --secret FILE)");
  bool ok = false;
  const std::string manifest = ReadRunFile(dir, kManifestFile, &ok);
  if (!ok) return Status::BadInput("cannot read " + dir + "/" + kManifestFile + "; is --public a public bundle written by zkmatch publish?");
  bool signed_ok = false;
  const std::string sig = ReadRunFile(dir, kManifestSignatureFile, &signed_ok);
  Result<std::string> signature = CheckSignature(pubkey_path, kManifestFile, manifest, signed_ok ? std::optional<std::string>(sig) : std::nullopt, sink);
  if (!signature) return signature.status();
  if (!signature->empty()) return "the public bundle's manifest signature does not hold: " + *signature;
  JsonValue m;
  if (!ParseManifestText(manifest, &m)) return Status::BadInput(dir + "/" + kManifestFile + " is not JSON");
  if (m[manifest_keys::kPublicOf].text != Sha256Hex(r.manifest)) return dir + " is not the public bundle of the receipt's run (its manifest's public_of is not the SHA-256 of the receipt's manifest)";
  if (std::string bad = CheckPath(r.pub, m, dir + "/" + kManifestFile, dir + "'s signed manifest's",
                                  "the bundle was published with another secret, or the record or the proof was altered");
      !bad.empty()) {
    return "the public record of pseudonym " + r.pseudonym + ": " + bad;
  }
  JsonValue a, b;
  std::string error;
  if (!ParseJson(r.pub.record, &a, &error) || a[audit_keys::kRecord].text != audit_keys::kCandidate || a[audit_keys::kId].text != r.pseudonym) {
    return "the public record is not pseudonym " + r.pseudonym + "'s audit record";
  }
  ParseJson(r.run.record, &b, &error);
  namespace k = audit_keys;
  for (const char* key : {k::kStatus, k::kBatch, k::kStage, k::kProgram, k::kChannel, k::kChoiceRank}) {
    if (a[key].text != b[key].text || a[key].type != b[key].type) {
      return std::string("the public record of pseudonym ") + r.pseudonym + " is not the same placement as the candidate's record (" + key + " '" + a[key].text + "', not '" +
             b[key].text + "')";
    }
  }
  return std::string();
}

}  // namespace

Result<ReceiptCheck> CheckReceipt(const std::string& receipt_path, const std::string& receipt, const std::string& pubkey_path, DiagnosticSink& sink,
                                  const std::string& public_dir) {
  ParsedReceipt r;
  if (const std::string bad = ParseReceipt(receipt, &r); !bad.empty()) {
    sink.Error(receipt_path, 0, 0, bad + "; give a file written by zkmatch receipt --json");
    return Status::FromSink(sink, "the receipt");
  }
  ReceiptCheck check;
  check.candidate = r.candidate;
  check.pseudonym = r.pseudonym;
  check.outcome = DescribeReceiptRecord(r.run.record, false);
  Result<std::string> key = PublicKeyFingerprint(pubkey_path, sink);
  if (!key) return key.status();
  check.key = *key;
  Result<std::string> signature = CheckSignature(pubkey_path, kManifestFile, r.manifest, r.signature, sink);
  if (!signature) return signature.status();
  if (!signature->empty()) {
    check.reason = "the manifest's signature does not hold: " + *signature;
    return check;
  }
  check.reason = CheckInclusion(r);
  if (check.reason.empty() && !public_dir.empty()) {
    Result<std::string> pub = CheckPublicSide(r, public_dir, pubkey_path, sink);
    if (!pub) return pub.status();
    check.reason = *pub;
  }
  return check;
}

std::string ReceiptText(const std::string& receipt, bool chinese) {
  ParsedReceipt r;
  if (const std::string bad = ParseReceipt(receipt, &r); !bad.empty()) return bad + "\n";
  JsonValue m, sig;
  std::string error;
  ParseManifestText(r.manifest, &m);
  const std::string root = m[manifest_keys::kAuditRoot].text;
  std::string key = "-";
  if (r.signature && ParseJson(std::string_view(*r.signature).substr(0, r.signature->size() - 1), &sig, &error)) key = sig["public_key_sha256"].text;
  const std::string place = std::to_string(r.run.leaf_index + 1) + (chinese ? " / " : " of ") + std::to_string(r.run.tree_size);
  std::string out;
  if (chinese) {
    out += "考生 " + r.candidate + " 的录取回执：" + DescribeReceiptRecord(r.run.record, true) + "\n";
    out += "审计日志第 " + place + " 条记录；Merkle 根 " + root + "；清单签名公钥 SHA-256 " + (r.signature ? key : "（未签名）") + "\n";
  } else {
    out += "Receipt for candidate " + r.candidate + ": " + DescribeReceiptRecord(r.run.record, false) + "\n";
    out += "Record " + place + " of the audit log; Merkle root " + root + "; manifest signed by the key with SHA-256 " + (r.signature ? key : "(unsigned run)") + "\n";
  }
  out += (chinese ? "记录：" : "record: ") + r.run.record + "\n";
  for (std::size_t i = 0; i < r.run.proof.size(); ++i) out += (chinese ? "证明 " : "proof ") + std::to_string(i + 1) + ": " + MerkleHex(r.run.proof[i]) + "\n";
  if (r.has_public) {
    const std::string public_place = std::to_string(r.pub.leaf_index + 1) + (chinese ? " / " : " of ") + std::to_string(r.pub.tree_size);
    out += chinese ? "公开数据包中的化名：" + r.pseudonym + "（公开审计日志第 " + public_place + " 条记录）\n"
                   : "Pseudonym in the public bundle: " + r.pseudonym + " (record " + public_place + " of its audit log)\n";
    out += (chinese ? "公开记录：" : "public record: ") + r.pub.record + "\n";
  }
  out += chinese ? "核验：zkmatch receipt --json 保存回执，再运行 zkmatch check-receipt --receipt 回执.json --pubkey 教育局公钥.pub\n"
                 : "To check it: save the receipt with zkmatch receipt --json, then run zkmatch check-receipt --receipt r.json --pubkey bureau.pub\n";
  if (r.has_public) {
    out += chinese ? "核验公开记录：在上述命令后加 --public 公开数据包目录\n" : "To check the public record too: add --public PUBDIR (the downloaded public bundle) to that command\n";
  }
  return out;
}

std::string DescribeReceiptRecord(const std::string& record, bool chinese) {
  JsonValue v;
  std::string error;
  if (!ParseJson(record, &v, &error)) return chinese ? "（记录不是 JSON）" : "(the record is not JSON)";
  namespace a = audit_keys;
  const std::string& batch = v[a::kBatch].text;
  const std::string& program = v[a::kProgram].text;
  const std::string& channel = v[a::kChannel].text;
  if (v[a::kStatus].text == a::kStatusReassigned) {
    if (chinese) return "调剂录取：" + batch + " 批次 " + program + "（" + channel + "）";
    return "placed by reassignment at " + program + " through " + channel + " (batch " + batch + ")";
  }
  if (v[a::kStatus].text != a::kStatusPlaced) return chinese ? "未录取" : "unplaced";
  const std::string rank = v[a::kChoiceRank].text;
  if (chinese) return "录取：" + batch + " 批次 " + program + "（" + channel + "，第 " + rank + " 志愿）";
  return "placed at " + program + " through " + channel + " (choice " + rank + " in batch " + batch + ")";
}

}  // namespace zkmatch
