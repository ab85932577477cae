// How the audit log is stored (engine/src/audit_log.h; issue 18, direction 2, and issue 13,
// item 4's "not built as one string"): zstd frames in audit.jsonl.zst by default, or plain
// JSON lines with `run --plain-audit`.
//
//   - The Weihai demo (12,394 candidates: four blocks of records, so several frames) run both
//     ways: the compressed file, decompressed with libzstd itself (not the engine's reader), is
//     byte for byte the plain file; the manifests differ only in the log's entry; the Merkle
//     root and record count are the same; the compressed bytes are the same at 1 and 2 threads.
//   - verify, replay, explain and receipt on a plain run and on a compressed one.
//   - A log cut short or replaced by bytes that are not zstd: verify reports it (exit 3),
//     explain and receipt refuse with a message naming the file.
//   - A log compressed again with other frames (the same lines): replay says every line was
//     reproduced and exits 0; a changed line is named by its number in audit.jsonl.
//   - AuditLogReader: lines that span frames, a last line without '\n', an empty log.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "audit_log.h"
#include "digest.h"
#include "support/forge.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Weihai() { return SourceDir() + "/rules/weihai-2025.yaml"; }

// The manifest with the log's output entry taken out.
std::string WithoutLogEntry(std::string manifest) {
  for (const std::string name : {"{\"file\":\"audit.jsonl.zst\"", "{\"file\":\"audit.jsonl\""}) {
    const std::size_t at = manifest.find(name);
    if (at != std::string::npos) manifest.erase(at, manifest.find('}', at) + 1 - at);
  }
  return manifest;
}

class AuditStorage : public ::testing::Test {
 protected:
  // Three runs of the demo for the whole suite (CI time): compressed at 2 threads and at 1,
  // plain at 2. Tests copy what they edit.
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    for (const auto& [out, flags] : std::vector<std::pair<std::string, std::string>>{{"z", "--threads 2"}, {"z1", "--threads 1"}, {"p", "--threads 2 --plain-audit"}}) {
      const CommandResult r = Zk("run --quiet " + flags + " --rules " + Q(Weihai()) + " --out " + out, tmp_->path());
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static std::string P(const std::string& name) { return tmp_->path() + "/" + name; }
  static std::string Bytes(const std::string& path) { return ReadFile(path); }  // not a log path: raw bytes
  static std::string CopyRun(const std::string& from, const std::string& to) {
    fs::remove_all(P(to));
    fs::copy(P(from), P(to), fs::copy_options::recursive);
    return P(to);
  }

  static TempDir* tmp_;
};

TempDir* AuditStorage::tmp_ = nullptr;

TEST_F(AuditStorage, CompressedLogHoldsThePlainLinesInSeveralFrames) {
  ASSERT_TRUE(fs::exists(P("z/audit.jsonl.zst")));
  EXPECT_FALSE(fs::exists(P("z/audit.jsonl")));
  ASSERT_TRUE(fs::exists(P("p/audit.jsonl")));
  EXPECT_FALSE(fs::exists(P("p/audit.jsonl.zst")));
  const std::string compressed = Bytes(P("z/audit.jsonl.zst")), plain = Bytes(P("p/audit.jsonl"));
  EXPECT_TRUE(ZstdDecompress(compressed) == plain) << "the compressed log's lines are not the plain log's";
  EXPECT_LT(compressed.size() * 8, plain.size()) << compressed.size() << " vs " << plain.size();
  // Several frames: the zstd frame magic (28 b5 2f fd) appears once per frame.
  std::size_t frames = 0;
  for (std::size_t at = 0; (at = compressed.find("\x28\xb5\x2f\xfd", at)) != std::string::npos; ++at) ++frames;
  EXPECT_GE(frames, 5u) << "header block, four blocks of 4,096 candidates, end record";
  EXPECT_EQ(WithoutLogEntry(Bytes(P("z/manifest.json"))), WithoutLogEntry(Bytes(P("p/manifest.json"))));
  EXPECT_NE(Bytes(P("z/manifest.json")).find("{\"file\":\"audit.jsonl.zst\",\"sha256\":\"" + Sha256Hex(compressed) + "\",\"bytes\":" +
                                             std::to_string(compressed.size()) + "}"),
            std::string::npos);
}

TEST_F(AuditStorage, CompressedBytesDoNotDependOnTheThreadCount) {
  EXPECT_TRUE(Bytes(P("z/audit.jsonl.zst")) == Bytes(P("z1/audit.jsonl.zst")));
  EXPECT_EQ(Bytes(P("z/manifest.json")), Bytes(P("z1/manifest.json")));
}

TEST_F(AuditStorage, EveryVerbReadsBothForms) {
  for (const std::string run : {"z", "p"}) {
    const CommandResult v = Zk("verify --run " + run, tmp_->path());
    EXPECT_EQ(v.exit_code, 0) << run << "\n" << v.out << v.err;
    EXPECT_NE(v.out.find("ok: explanations in audit.jsonl recomputed (12394 candidate records)"), std::string::npos) << v.out;
    const CommandResult r = Zk("replay --run " + run, tmp_->path());
    EXPECT_EQ(r.exit_code, 0) << run << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("every output reproduced byte for byte"), std::string::npos) << r.out;
  }
  const std::string id = SplitLines(Bytes(P("p/placements.csv")))[1].substr(0, 10);
  const CommandResult ez = Zk("explain --run z --candidate " + id, tmp_->path()), ep = Zk("explain --run p --candidate " + id, tmp_->path());
  EXPECT_EQ(ez.exit_code, 0) << ez.err;
  EXPECT_EQ(ez.out, ep.out);
  const CommandResult rz = Zk("receipt --run z --candidate " + id + " --json", tmp_->path()), rp = Zk("receipt --run p --candidate " + id + " --json", tmp_->path());
  EXPECT_EQ(rz.exit_code, 0) << rz.err;
  // The same record and proof up to the same root; the manifests (in the receipt) differ in the log's entry.
  const std::string proof = "\"proof\":[";
  ASSERT_NE(rz.out.find(proof), std::string::npos) << rz.out;
  EXPECT_EQ(rz.out.substr(rz.out.find(proof), rz.out.find(']', rz.out.find(proof)) - rz.out.find(proof)),
            rp.out.substr(rp.out.find(proof), rp.out.find(']', rp.out.find(proof)) - rp.out.find(proof)));
}

TEST_F(AuditStorage, DamagedCompressedLogIsReportedByVerifyAndRefusedByExplain) {
  const std::string run = CopyRun("z", "cut");
  const std::string bytes = Bytes(run + "/audit.jsonl.zst");
  const std::string id = SplitLines(Bytes(P("p/placements.csv"))).back().substr(0, 10);
  {
    // Cut inside the frames of the candidates: the last candidate's record is lost with the rest.
    std::ofstream(run + "/audit.jsonl.zst", std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
    const CommandResult v = Zk("verify --run cut", tmp_->path());
    EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
    EXPECT_NE(v.out.find("\n    cut/audit.jsonl.zst is cut short (its last zstd frame is incomplete)\n"), std::string::npos) << v.out;
    const CommandResult e = Zk("explain --run cut --candidate " + id, tmp_->path());
    EXPECT_EQ(e.exit_code, 2) << e.out;
    EXPECT_EQ(e.err, "zkmatch explain: error: cut/audit.jsonl.zst is cut short (its last zstd frame is incomplete); run `zkmatch verify --run cut` to check the run\n");
  }
  {
    std::ofstream(run + "/audit.jsonl.zst", std::ios::binary | std::ios::trunc) << Bytes(P("p/audit.jsonl"));
    const CommandResult v = Zk("verify --run cut", tmp_->path());
    EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
    EXPECT_NE(v.out.find("\n    cut/audit.jsonl.zst is not a readable zstd file (Unknown frame descriptor)\n"), std::string::npos) << v.out;
    const CommandResult r = Zk("receipt --run cut --candidate " + id, tmp_->path());
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.err, "zkmatch receipt: error: cut/audit.jsonl.zst is not a readable zstd file (Unknown frame descriptor)\n");
  }
}

TEST_F(AuditStorage, ReplayComparesTheLogsLinesNotItsCompressedBytes) {
  const std::string run = CopyRun("z", "again");
  // The same lines in one frame (not the writer's blocks), the manifest resealed to match.
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  ASSERT_NE(Bytes(run + "/audit.jsonl.zst"), Bytes(P("z/audit.jsonl.zst")));
  const CommandResult v = Zk("verify --run again", tmp_->path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  const CommandResult same = Zk("replay --run again", tmp_->path());
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_NE(same.out.find("every output reproduced: every line of audit.jsonl and every other file byte for byte (audit.jsonl.zst holds the same lines "
                          "compressed to other bytes: another zstd library)"),
            std::string::npos)
      << same.out;
  EditInLine(run + "/audit.jsonl", 4000, "\"status\":\"", "\"status\": \"");
  const CommandResult changed = Zk("replay --run again", tmp_->path());
  EXPECT_EQ(changed.exit_code, 3) << changed.out << changed.err;
  EXPECT_NE(changed.out.find("replay: audit.jsonl:4000: first divergence at column"), std::string::npos) << changed.out;
}

// Frames written here with libzstd itself, split inside a line.
TEST(AuditLogReader, LinesSpanFramesAndTheLastMayLackANewline) {
  TempDir tmp;
  const std::string text = "{\"a\":1}\n{\"b\":22}\n{\"c\":333}";
  std::string bytes;
  for (const std::string& part : {text.substr(0, 5), text.substr(5, 9), text.substr(14)}) bytes += ZstdCompress(part);
  std::ofstream(tmp.path() + "/audit.jsonl.zst", std::ios::binary) << bytes;
  AuditLogReader reader;
  std::string error, line;
  ASSERT_TRUE(reader.Open(tmp.path(), &error)) << error;
  std::vector<std::string> lines;
  while (reader.Next(&line)) lines.push_back(line);
  EXPECT_EQ(reader.error(), "");
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":22}", "{\"c\":333}"}));
  std::string whole;
  ASSERT_TRUE(ReadAuditLog(tmp.path(), &whole, &error)) << error;
  EXPECT_EQ(whole, text);
  EXPECT_EQ(DecompressAuditLog(CompressAuditLog(text)), text);
  EXPECT_EQ(ZstdDecompress(CompressAuditLog(text)), text);
}

TEST(AuditLogReader, EmptyAndMissingLogs) {
  TempDir tmp;
  std::string error, line, whole = "x";
  AuditLogReader missing;
  EXPECT_FALSE(missing.Open(tmp.path(), &error));
  EXPECT_EQ(error, "cannot read " + tmp.path() + "/audit.jsonl; is --run a directory written by zkmatch run?");
  std::ofstream(tmp.path() + "/audit.jsonl.zst", std::ios::binary) << ZstdCompress("");
  AuditLogReader empty;
  ASSERT_TRUE(empty.Open(tmp.path(), &error));
  EXPECT_FALSE(empty.Next(&line));
  EXPECT_EQ(empty.error(), "");
  ASSERT_TRUE(ReadAuditLog(tmp.path(), &whole, &error)) << error;
  EXPECT_EQ(whole, "");
}

}  // namespace
}  // namespace zkmatch::testing
