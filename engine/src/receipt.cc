#include "zkmatch/receipt.h"

#include <tbb/blocked_range.h>

#include <optional>
#include <string_view>
#include <vector>

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

Result<std::string> MakeReceipt(const std::string& run_dir, const std::string& id) {
  bool ok = false;
  const std::string manifest = ReadRunFile(run_dir, kManifestFile, &ok);
  if (!ok) return Status::BadInput("cannot read " + run_dir + "/" + kManifestFile + "; is --run a run directory written by zkmatch run?");
  Manifest m;
  std::vector<Finding> findings;
  if (ReadManifest(run_dir, &m, &findings) != ReadStatus::kRead || !findings.empty()) {
    return Status::BadInput(run_dir + "/" + kManifestFile + " is not a valid manifest" + (findings.empty() ? "" : ": " + findings.front().Format()));
  }
  const std::string log = ReadRunFile(run_dir, kAuditFile, &ok);
  if (!ok) return Status::BadInput("cannot read " + run_dir + "/" + kAuditFile);
  const std::vector<std::string_view> lines = Lines(log);
  const std::vector<MerkleHash> leaves = Leaves(lines);
  if (MerkleHex(MerkleRoot(leaves)) != m.audit_root || static_cast<std::int64_t>(lines.size()) != m.audit_records) {
    return Status::Violation("the Merkle root of " + run_dir + "/" + kAuditFile + " is not the one manifest.json records: the run does not verify (zkmatch verify --run " + run_dir +
                             "); no receipt is made for it");
  }
  std::string prefix = "{\"record\":\"candidate\",\"id\":";
  AppendJsonString(&prefix, id);
  prefix += ",";
  std::size_t index = lines.size();
  for (std::size_t i = 0; i < lines.size() && index == lines.size(); ++i) {
    if (lines[i].substr(0, prefix.size()) == prefix) index = i;
  }
  if (index == lines.size()) return Status::BadInput("no candidate '" + id + "' in " + run_dir + "/" + kAuditFile + "; check the id (as in candidates.csv)");
  bool signed_ok = false;
  std::string sig = ReadRunFile(run_dir, kManifestSignatureFile, &signed_ok);
  if (signed_ok && !sig.empty() && sig.back() == '\n') sig.pop_back();
  JsonWriter w;
  w.BeginObject().Key(rk::kFormat).String(kReceiptFormat).Key(rk::kCandidate).String(id).Key(rk::kRecord).String(lines[index]);
  w.Key(rk::kLeafIndex).Int(static_cast<std::int64_t>(index)).Key(rk::kTreeSize).Int(static_cast<std::int64_t>(lines.size()));
  w.Key(rk::kProof).BeginArray();
  for (const MerkleHash& h : MerkleInclusionProof(leaves, index)) w.String(MerkleHex(h));
  w.EndArray().Key(rk::kManifest).String(manifest).Key(rk::kSignature);
  if (signed_ok) {
    w.String(sig);
  } else {
    w.Null();
  }
  w.EndObject();
  return w.Take() + "\n";
}

namespace {

// The receipt's fields, or the first thing that makes it no receipt (a bad-input message).
struct ParsedReceipt {
  std::string candidate, record, manifest;
  std::optional<std::string> signature;
  std::int64_t leaf_index = -1, tree_size = -1;
  std::vector<MerkleHash> proof;
};

std::string ParseReceipt(const std::string& text, ParsedReceipt* r) {
  JsonValue v;
  std::string error;
  if (!ParseJson(text.size() > 0 && text.back() == '\n' ? std::string_view(text).substr(0, text.size() - 1) : std::string_view(text), &v, &error) ||
      v.type != JsonValue::Type::kObject) {
    return "not a receipt: not a JSON object" + (error.empty() ? std::string() : " (" + error + ")");
  }
  if (v[rk::kFormat].text != kReceiptFormat) return std::string("not a receipt: its format is not ") + kReceiptFormat;
  auto string = [&](const char* key, std::string* out) {
    if (v[key].type != JsonValue::Type::kString) return false;
    *out = v[key].text;
    return true;
  };
  if (!string(rk::kCandidate, &r->candidate) || !string(rk::kRecord, &r->record) || !string(rk::kManifest, &r->manifest)) {
    return "not a receipt: candidate, record and manifest must be strings";
  }
  if (v[rk::kLeafIndex].type != JsonValue::Type::kNumber || v[rk::kTreeSize].type != JsonValue::Type::kNumber || v[rk::kProof].type != JsonValue::Type::kArray) {
    return "not a receipt: leaf_index and tree_size must be numbers, proof a list";
  }
  r->leaf_index = v[rk::kLeafIndex].AsInt();
  r->tree_size = v[rk::kTreeSize].AsInt();
  for (const JsonValue& p : v[rk::kProof].items) {
    MerkleHash h{};
    if (p.type != JsonValue::Type::kString || !ParseMerkleHex(p.text, &h)) return "not a receipt: every proof step must be 64 lowercase hex digits";
    r->proof.push_back(h);
  }
  if (v[rk::kSignature].type == JsonValue::Type::kString) r->signature = v[rk::kSignature].text + "\n";
  return {};
}

// Why the record, the proof and the signed manifest do not fit together; empty when they do.
std::string CheckInclusion(const ParsedReceipt& r) {
  JsonValue m;
  std::string error;
  if (!ParseJson(std::string_view(r.manifest).substr(0, r.manifest.empty() ? 0 : r.manifest.size() - 1), &m, &error) || m.type != JsonValue::Type::kObject) {
    return "the receipt's manifest is not JSON";
  }
  MerkleHash signed_root{};
  if (!ParseMerkleHex(m[manifest_keys::kAuditRoot].text, &signed_root)) return "the receipt's manifest records no audit_root (not a zkmatch-manifest/2 run)";
  if (r.tree_size != m[manifest_keys::kAuditRecords].AsInt()) {
    return "the receipt's tree_size " + std::to_string(r.tree_size) + " is not the signed manifest's audit_records " + m[manifest_keys::kAuditRecords].text;
  }
  if (r.leaf_index < 0 || r.tree_size <= 0) return "the receipt's leaf_index or tree_size is negative";
  MerkleHash root{};
  if (!MerkleRootFromProof(MerkleLeafHash(r.record), static_cast<std::uint64_t>(r.leaf_index), static_cast<std::uint64_t>(r.tree_size), r.proof, &root)) {
    return "the inclusion proof has " + std::to_string(r.proof.size()) + " steps, which is not the path of record " + std::to_string(r.leaf_index + 1) + " of " +
           std::to_string(r.tree_size);
  }
  if (root != signed_root) return "the record and its inclusion proof do not lead to the signed manifest's audit_root (the record or the proof was altered)";
  JsonValue rec;
  if (!ParseJson(r.record, &rec, &error) || rec[audit_keys::kRecord].text != audit_keys::kCandidate || rec[audit_keys::kId].text != r.candidate) {
    return "the record is not candidate '" + r.candidate + "''s audit record";
  }
  return {};
}

}  // namespace

Result<ReceiptCheck> CheckReceipt(const std::string& receipt_path, const std::string& receipt, const std::string& pubkey_path, DiagnosticSink& sink) {
  ParsedReceipt r;
  if (const std::string bad = ParseReceipt(receipt, &r); !bad.empty()) {
    sink.Error(receipt_path, 0, 0, bad + "; give a file written by zkmatch receipt --json");
    return Status::FromSink(sink, "the receipt");
  }
  ReceiptCheck check;
  check.candidate = r.candidate;
  check.outcome = DescribeReceiptRecord(r.record, false);
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
  return check;
}

std::string ReceiptText(const std::string& receipt, bool chinese) {
  ParsedReceipt r;
  if (const std::string bad = ParseReceipt(receipt, &r); !bad.empty()) return bad + "\n";
  JsonValue m, sig;
  std::string error;
  ParseJson(std::string_view(r.manifest).substr(0, r.manifest.empty() ? 0 : r.manifest.size() - 1), &m, &error);
  const std::string root = m[manifest_keys::kAuditRoot].text;
  std::string key = "-";
  if (r.signature && ParseJson(std::string_view(*r.signature).substr(0, r.signature->size() - 1), &sig, &error)) key = sig["public_key_sha256"].text;
  const std::string place = std::to_string(r.leaf_index + 1) + (chinese ? " / " : " of ") + std::to_string(r.tree_size);
  std::string out;
  if (chinese) {
    out += "考生 " + r.candidate + " 的录取回执：" + DescribeReceiptRecord(r.record, true) + "\n";
    out += "审计日志第 " + place + " 条记录；Merkle 根 " + root + "；清单签名公钥 SHA-256 " + (r.signature ? key : "（未签名）") + "\n";
  } else {
    out += "Receipt for candidate " + r.candidate + ": " + DescribeReceiptRecord(r.record, false) + "\n";
    out += "Record " + place + " of the audit log; Merkle root " + root + "; manifest signed by the key with SHA-256 " + (r.signature ? key : "(unsigned run)") + "\n";
  }
  out += (chinese ? "记录：" : "record: ") + r.record + "\n";
  for (std::size_t i = 0; i < r.proof.size(); ++i) out += (chinese ? "证明 " : "proof ") + std::to_string(i + 1) + ": " + MerkleHex(r.proof[i]) + "\n";
  out += chinese ? "核验：zkmatch receipt --json 保存回执，再运行 zkmatch check-receipt --receipt 回执.json --pubkey 教育局公钥.pub\n"
                 : "To check it: save the receipt with zkmatch receipt --json, then run zkmatch check-receipt --receipt r.json --pubkey bureau.pub\n";
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
