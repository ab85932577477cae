// Test-only tools of a forger with write access to a run directory: edit lines of its files and
// reseal every digest (the audit log's Merkle root, the end record, manifest.json) so that no hash check can
// fail and only verify's semantic checks stand between the forgery and an auditor. Shared by
// tests/audit_test.cc and tests/run_format_test.cc.
#ifndef ZKMATCH_TESTS_SUPPORT_FORGE_H_
#define ZKMATCH_TESTS_SUPPORT_FORGE_H_

#include <string>
#include <vector>

#include "support/test_env.h"

namespace zkmatch::testing {

// 'quoted' for the shell; runs the zkmatch binary with `args` in `cwd`.
std::string Q(const std::string& s);
CommandResult Zk(const std::string& args, const std::string& cwd);

void WriteBytes(const std::string& path, const std::string& content);
// Lines without their '\n'; a last line without '\n' is kept as is.
std::vector<std::string> SplitLines(const std::string& text);
std::string JoinLines(const std::vector<std::string>& lines);

// Replaces the one line of `path` equal to `from` with `to` (removes it when `to` is empty).
void ReplaceLine(const std::string& path, const std::string& from, const std::string& to);
// Replaces the first occurrence of `from` in line `line_no` (1-based) of `path` with `to`.
void EditInLine(const std::string& path, std::size_t line_no, const std::string& from, const std::string& to);
// In `text`, after the first occurrence of `anchor`, replaces the 64 hex digits that follow
// the next `"sha256":"` (or, with `key` given, the next `key`).
void ReplaceHexAfter(std::string* text, const std::string& anchor, const std::string& hex, const std::string& key = "\"sha256\":\"");
// After `anchor`, replaces the integer following the next `key` (e.g. "bytes":).
void ReplaceIntAfter(std::string* text, const std::string& anchor, const std::string& key, std::size_t value);

// The five CSV outputs of a run directory.
const std::vector<std::string>& CsvOutputs();
// After outputs or audit lines were edited: recomputes the end record's output digests (and,
// with `fix_count`, its record count), and manifest.json's output digests, sizes, audit_records
// and audit_root. Use inside ASSERT_NO_FATAL_FAILURE.
void Reseal(const std::string& run, bool fix_count = true);

// RFC 6962's Merkle tree hash, written literally from its recursive definition (no code shared
// with engine/src/merkle.cc): MTH of the leaves `lines` (raw bytes), as 32 raw bytes; and
// PATH(m, lines), the audit path of leaf m. Slow (recomputes subtrees), for tests only.
std::string ReferenceMerkleRoot(const std::vector<std::string>& lines);
std::vector<std::string> ReferenceMerklePath(std::size_t m, const std::vector<std::string>& lines);
std::string HexOfBytes(const std::string& bytes);

}  // namespace zkmatch::testing

#endif  // ZKMATCH_TESTS_SUPPORT_FORGE_H_
