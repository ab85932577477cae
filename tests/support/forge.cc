#include "support/forge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "digest.h"

namespace zkmatch::testing {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }

CommandResult Zk(const std::string& args, const std::string& cwd) { return RunCommand(Q(ZkmatchBinary()) + " " + args, cwd); }

void WriteBytes(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
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
// digests (and, with `fix_count`, its record count), every line's `prev`, and manifest.json's
// output digests and chain head -- so that no hash check can fail.
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
  std::string prev(64, '0');
  const std::string key = "\"prev\":\"";
  for (std::string& line : lines) {
    const std::size_t at = line.rfind(key);
    ASSERT_NE(at, std::string::npos) << line;
    line.replace(at + key.size(), 64, prev);
    prev = Sha256Hex(line);
  }
  WriteBytes(run + "/audit.jsonl", JoinLines(lines));
  std::string manifest = ReadFile(run + "/manifest.json");
  std::vector<std::string> outputs = CsvOutputs();
  outputs.push_back("audit.jsonl");
  for (const std::string& name : outputs) {
    const std::string content = ReadFile(run + "/" + name);
    const std::string anchor = "{\"file\":\"" + name + "\"";
    ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&manifest, anchor, Sha256Hex(content)));
    ASSERT_NO_FATAL_FAILURE(ReplaceIntAfter(&manifest, anchor, "\"bytes\":", content.size()));
  }
  ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&manifest, "\"audit_chain_head\":\"", prev, "\"audit_chain_head\":\""));
  WriteBytes(run + "/manifest.json", manifest);
}

}  // namespace zkmatch::testing
