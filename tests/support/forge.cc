#include "support/forge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>

#include "digest.h"

namespace zkmatch::testing {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }

CommandResult Zk(const std::string& args, const std::string& cwd) { return RunCommand(Q(ZkmatchBinary()) + " " + args, cwd); }

void WriteBytes(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  if (IsCompressedAuditLog(path)) {
    std::ofstream(path + ".zst", std::ios::binary | std::ios::trunc) << ZstdCompress(content);
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Lines without their '\n'; a last line without '\n' is kept as is.
std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// Replaces the one line of `path` equal to `from` with `to` (removes it when `to` is empty).
void ReplaceLine(const std::string& path, const std::string& from, const std::string& to) {
  std::vector<std::string> lines = SplitLines(ReadFile(path));
  auto it = std::find(lines.begin(), lines.end(), from);
  ASSERT_NE(it, lines.end()) << path << " has no line '" << from << "'; the fixture changed?\n" << ReadFile(path);
  if (to.empty()) {
    lines.erase(it);
  } else {
    *it = to;
  }
  WriteBytes(path, JoinLines(lines));
}

// Replaces the first occurrence of `from` in line `line_no` (1-based) of `path` with `to`.
void EditInLine(const std::string& path, std::size_t line_no, const std::string& from, const std::string& to) {
  std::vector<std::string> lines = SplitLines(ReadFile(path));
  ASSERT_LE(line_no, lines.size()) << path;
  std::string& line = lines[line_no - 1];
  const std::size_t at = line.find(from);
  ASSERT_NE(at, std::string::npos) << path << ":" << line_no << " does not contain '" << from << "':\n" << line;
  line.replace(at, from.size(), to);
  WriteBytes(path, JoinLines(lines));
}

// In `text`, after the first occurrence of `anchor`, replaces the 64 hex digits that follow
// the next `"sha256":"` (or, with `key` given, the next `key`).
void ReplaceHexAfter(std::string* text, const std::string& anchor, const std::string& hex, const std::string& key) {
  const std::size_t a = text->find(anchor);
  ASSERT_NE(a, std::string::npos) << "no '" << anchor << "' in\n" << *text;
  const std::size_t k = text->find(key, a);
  ASSERT_NE(k, std::string::npos) << "no '" << key << "' after '" << anchor << "'";
  text->replace(k + key.size(), 64, hex);
}

// After `anchor`, replaces the integer following the next `key` (e.g. "bytes":).
void ReplaceIntAfter(std::string* text, const std::string& anchor, const std::string& key, std::size_t value) {
  const std::size_t a = text->find(anchor);
  ASSERT_NE(a, std::string::npos) << "no '" << anchor << "' in\n" << *text;
  const std::size_t k = text->find(key, a);
  ASSERT_NE(k, std::string::npos) << "no '" << key << "' after '" << anchor << "'";
  std::size_t end = k + key.size();
  while (end < text->size() && (*text)[end] >= '0' && (*text)[end] <= '9') ++end;
  text->replace(k + key.size(), end - k - key.size(), std::to_string(value));
}

const std::vector<std::string>& CsvOutputs() {
  static const std::vector<std::string> names = {"placements.csv", "cutoffs.csv", "flows.csv", "allocations.csv", "lines.csv"};
  return names;
}

// The consistent forger: someone with write access to the run directory who, after editing
// outputs or audit lines, recomputes everything a digest covers -- the end record's output
// digests (and, with `fix_count`, its record count), and manifest.json's output digests and
// Merkle root -- so that no hash check can fail.
void Reseal(const std::string& run, bool fix_count) {
  std::vector<std::string> lines = SplitLines(ReadFile(run + "/audit.jsonl"));
  ASSERT_FALSE(lines.empty());
  std::string& end = lines.back();
  if (end.rfind("{\"record\":\"end\"", 0) == 0) {
    for (const std::string& name : CsvOutputs()) {
      ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&end, "\"" + name + "\":\"", Sha256Hex(ReadFile(run + "/" + name)), "\"" + name + "\":\""));
    }
    if (fix_count) {
      ASSERT_NO_FATAL_FAILURE(ReplaceIntAfter(&end, "{\"record\":\"end\"", "\"records\":", lines.size()));
    }
  }
  const bool compressed = IsCompressedAuditLog(run + "/audit.jsonl");
  WriteBytes(run + "/audit.jsonl", JoinLines(lines));
  std::string manifest = ReadFile(run + "/manifest.json");
  std::vector<std::string> outputs = CsvOutputs();
  outputs.push_back(compressed ? "audit.jsonl.zst" : "audit.jsonl");
  for (const std::string& name : outputs) {
    const std::string content = ReadFile(run + "/" + name);
    const std::string anchor = "{\"file\":\"" + name + "\"";
    ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&manifest, anchor, Sha256Hex(content)));
    ASSERT_NO_FATAL_FAILURE(ReplaceIntAfter(&manifest, anchor, "\"bytes\":", content.size()));
  }
  ASSERT_NO_FATAL_FAILURE(ReplaceIntAfter(&manifest, "\"audit_records\":", "\"audit_records\":", lines.size()));
  ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&manifest, "\"audit_root\":\"", HexOfBytes(ReferenceMerkleRoot(lines)), "\"audit_root\":\""));
  WriteBytes(run + "/manifest.json", manifest);
}

namespace {

std::string RawSha256(const std::string& bytes) {
  const std::array<unsigned char, 32> d = Sha256(bytes);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// The largest power of two smaller than n (n > 1).
std::size_t SplitPoint(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

std::string Mth(const std::vector<std::string>& d, std::size_t begin, std::size_t end) {
  const std::size_t n = end - begin;
  if (n == 0) return RawSha256("");
  if (n == 1) return RawSha256(std::string(1, '\0') + d[begin]);
  const std::size_t k = SplitPoint(n);
  return RawSha256(std::string(1, '\1') + Mth(d, begin, begin + k) + Mth(d, begin + k, end));
}

void Path(std::size_t m, const std::vector<std::string>& d, std::size_t begin, std::size_t end, std::vector<std::string>* out) {
  const std::size_t n = end - begin;
  if (n <= 1) return;
  const std::size_t k = SplitPoint(n);
  if (m < k) {
    Path(m, d, begin, begin + k, out);
    out->push_back(Mth(d, begin + k, end));
  } else {
    Path(m - k, d, begin + k, end, out);
    out->push_back(Mth(d, begin, begin + k));
  }
}

}  // namespace

std::string ReferenceMerkleRoot(const std::vector<std::string>& lines) { return Mth(lines, 0, lines.size()); }

std::vector<std::string> ReferenceMerklePath(std::size_t m, const std::vector<std::string>& lines) {
  std::vector<std::string> path;
  Path(m, lines, 0, lines.size(), &path);
  return path;
}

std::string HexOfBytes(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace zkmatch::testing
