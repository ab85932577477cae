// See zkmatch/seal.h.
#include "zkmatch/seal.h"

#include <algorithm>

#include "csv.h"
#include "file_read.h"
#include "json.h"
#include "zkmatch/signature.h"

namespace zkmatch {
namespace {

constexpr std::uint64_t kMaxSealBytes = 1 << 20;

std::string ShortHex(const std::string& hex) { return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex; }

std::string RowsText(std::int64_t rows) { return rows < 0 ? "?" : std::to_string(rows); }

std::string Commitment(const Rules& rules, const RunIdentity& identity, const std::string& engine_version) {
  JsonWriter w;
  w.BeginObject().Key("format").String(kSealFormat).Key("engine").String(engine_version).Key("rules_name").String(rules.name);
  w.Key("seed").StringOrNull(rules.seed).Key("files").BeginArray();
  for (const RunIdentity::File& f : identity.files) {
    w.BeginObject().Key("role").String(f.role).Key("sha256").String(f.sha256).Key("bytes").Int(static_cast<std::int64_t>(f.bytes)).Key("rows");
    const bool csv = f.role != "rules" && f.role != "rules_base";
    if (csv) {
      w.Int(CountRows(f.path, rules.EncodingFor(f.role)));
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take() + "\n";
}

}  // namespace

std::int64_t CountRows(const std::string& path, const std::string& encoding) {
  DiagnosticSink quiet;
  CsvReader reader;
  if (!reader.Open(path, path, quiet, encoding)) return -1;
  CsvRecord record;
  std::int64_t rows = 0;
  while (reader.Next(&record)) ++rows;
  return quiet.has_errors() ? -1 : rows;
}

Result<std::string> MakeSeal(const std::string& rules_path, const std::string& key_path, const std::string& engine_version, DiagnosticSink& sink) {
  if (Status key = CheckSigningKey(key_path, sink); !key.ok()) return key;
  auto rules = LoadRules(rules_path, sink);
  if (!rules) return rules.status();
  RunIdentity identity;
  auto instance = LoadInputs(*rules, sink, &identity);
  if (!instance) return instance.status();
  const std::string commitment = Commitment(*rules, identity, engine_version);
  Result<std::string> signature = SignFile(key_path, "seal", commitment, sink);
  if (!signature) return signature.status();
  return commitment + *signature;
}

Result<Seal> ReadSeal(const std::string& path, DiagnosticSink& sink) {
  auto bad = [&](const std::string& what) {
    sink.Error(path, 0, 0, what);
    return Status::BadInput("the seal " + path + " cannot be used");
  };
  std::string text;
  if (ReadRegularFile(path, kMaxSealBytes, &text).kind != FileReadResult::kOk) return bad("cannot read the seal; --seal names the file zkmatch seal wrote");
  const std::size_t nl = text.find('\n');
  Seal seal;
  JsonValue v;
  std::string error;
  if (nl == std::string::npos || !ParseJson(text.substr(0, nl), &v, &error) || v["format"].text != kSealFormat) {
    return bad(std::string("is not a ") + kSealFormat + " seal (a commitment line, then its signature) written by zkmatch seal");
  }
  seal.commitment = text.substr(0, nl);
  seal.signature = text.substr(nl + 1);
  if (!seal.signature.empty() && seal.signature.back() == '\n') seal.signature.pop_back();
  seal.engine = v["engine"].text;
  seal.rules_name = v["rules_name"].text;
  seal.seed = v["seed"].text;
  for (const JsonValue& f : v["files"].items) {
    SealedFile file{f["role"].text, f["sha256"].text, f["bytes"].AsInt(), f["rows"].is_null() ? -1 : f["rows"].AsInt()};
    if (file.role.empty() || file.sha256.size() != 64) return bad("names a file without a role or a SHA-256; it was not written by zkmatch seal");
    seal.files.push_back(std::move(file));
  }
  if (seal.files.empty()) return bad("names no file; it was not written by zkmatch seal");
  return seal;
}

std::vector<std::string> DifferencesFromSeal(const Seal& seal, const RunIdentity& identity, const Rules& rules, const std::string& seal_path) {
  std::vector<std::string> out;
  const std::size_t n = std::max(seal.files.size(), identity.files.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= identity.files.size()) {
      out.push_back("the seal " + seal_path + " names a " + seal.files[i].role + " file the run did not read");
      continue;
    }
    const RunIdentity::File& f = identity.files[i];
    const std::string& path = f.source.empty() ? f.path : f.source;  // the file read
    if (i >= seal.files.size() || seal.files[i].role != f.role) {
      out.push_back(f.role + " file " + path + " is not in the seal " + seal_path + " (the seal names other files)");
      continue;
    }
    const SealedFile& s = seal.files[i];
    if (s.sha256 == f.sha256) continue;
    std::string what = f.role + " file " + path + " differs from the one sealed in " + seal_path + ": sha256 " + ShortHex(f.sha256) + ", sealed " + ShortHex(s.sha256);
    if (s.rows >= 0) what += "; " + RowsText(CountRows(path, rules.EncodingFor(f.role))) + " rows, sealed " + std::to_string(s.rows);
    out.push_back(std::move(what));
  }
  return out;
}

}  // namespace zkmatch
