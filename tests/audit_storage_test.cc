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
//   - AuditBlockReader (verify's): blocks of whole lines that make the log, whatever the frames
//     and the block size; damage found by Open or, in a frame's data, when it is reached -- and
//     verify reports a frame damaged half-way through the log.
//   - AuditLogReader: lines that span frames, a last line without '\n', an empty log; frames
//     that do not record their size, or record a wrong one.
//   - JsonDoc, the flat JSON reader verify reads the log with: values, keys, escapes, reuse,
//     every refusal's message (ParseJson's too), seeded random documents read back as written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "audit_log.h"
#include "digest.h"
#include "json.h"
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

// verify reads the log block by block (AuditBlockReader): a frame whose header is sound but
// whose data is not is found only when it is reached, half-way through the log. verify says so
// (exit 3) after checking the lines before it.
TEST_F(AuditStorage, FrameDamagedHalfWayIsReportedByVerify) {
  const std::string run = CopyRun("z", "halfway");
  const std::string text = Bytes(P("p/audit.jsonl"));
  const std::size_t half = text.find('\n', text.size() / 2) + 1;
  // A frame that records one byte more than it holds (single segment, a one-byte size).
  std::string lying = ZstdCompress("{\"a\":1}\n");
  ASSERT_EQ(static_cast<unsigned char>(lying[5]), 8);
  lying[5] = 9;
  std::ofstream(run + "/audit.jsonl.zst", std::ios::binary | std::ios::trunc) << ZstdCompress(text.substr(0, half)) + lying + ZstdCompress(text.substr(half));
  const CommandResult v = Zk("verify --run halfway", tmp_->path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("\n    halfway/audit.jsonl.zst is not a readable zstd file ("), std::string::npos) << v.out;
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

// The writer's frames record their sizes and are decompressed in parallel into one buffer;
// frames that do not (another zstd writer, streaming) or that give a wrong size are read by the
// stream decoder: the same lines, or the same refusal.
TEST(AuditLogReader, FramesWithoutOrWithWrongSizesGoToTheStreamDecoder) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "{\"record\":\"candidate\",\"id\":\"" + std::to_string(1000000 + i) + "\"}\n";
  const std::string first = text.substr(0, 40000), second = text.substr(40000);
  EXPECT_EQ(DecompressAuditLog(ZstdCompress(first) + ZstdCompress(second)), text);
  EXPECT_EQ(DecompressAuditLog(ZstdCompressUnsized(first) + ZstdCompressUnsized(second)), text);
  EXPECT_EQ(DecompressAuditLog(ZstdCompress(first) + ZstdCompressUnsized(second)), text);
  TempDir tmp;
  std::string whole, error;
  std::ofstream(tmp.path() + "/audit.jsonl.zst", std::ios::binary) << ZstdCompress(first) + ZstdCompressUnsized(second);
  ASSERT_TRUE(ReadAuditLog(tmp.path(), &whole, &error)) << error;
  EXPECT_TRUE(whole == text);
  // A frame of a short text records its size in one byte after the frame header descriptor
  // (single segment): one more than the truth.
  std::string lying = ZstdCompress("{\"a\":1}\n");
  ASSERT_EQ(static_cast<unsigned char>(lying[4]) & 0xE0, 0x20) << "single segment, a one-byte size";
  ASSERT_EQ(static_cast<unsigned char>(lying[5]), 8);
  lying[5] = 9;
  std::ofstream(tmp.path() + "/audit.jsonl.zst", std::ios::binary | std::ios::trunc) << ZstdCompress(first) + lying;
  EXPECT_FALSE(ReadAuditLog(tmp.path(), &whole, &error));
  EXPECT_EQ(error.rfind(tmp.path() + "/audit.jsonl.zst is not a readable zstd file (", 0), 0u) << error;
  EXPECT_EQ(DecompressAuditLog(ZstdCompress(first) + lying), "");
}

// AuditBlockReader (verify's reader): blocks of whole lines that put together are the log,
// whatever the frames -- the writer's, another writer's split inside lines, frames without
// their size, a plain file -- and whatever the block size asked for; a last line without '\n'.
TEST(AuditBlockReader, BlocksAreWholeLinesThatMakeTheLog) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "{\"record\":\"candidate\",\"id\":\"" + std::to_string(1000000 + i) + "\"" + std::string(static_cast<std::size_t>(i % 97), 'x') + "}\n";
  std::string writer_frames;  // the writer's way: frames of whole lines
  AuditFrameCompressor compressor;
  for (std::size_t from = 0; from < text.size();) {
    const std::size_t to = text.find('\n', std::min(text.size() - 1, from + 7000)) + 1;
    compressor.AppendFrame(std::string_view(text).substr(from, to - from), &writer_frames);
    from = to;
  }
  std::string split_frames;  // frames cut inside lines
  for (std::size_t from = 0; from < text.size(); from += 5003) split_frames += ZstdCompress(text.substr(from, 5003));
  const std::string unsized = ZstdCompressUnsized(text.substr(0, 100000)) + ZstdCompressUnsized(text.substr(100000));
  const std::string no_last_newline = text.substr(0, text.size() - 1);
  struct Case {
    std::string name, file, bytes, lines;
  };
  const std::vector<Case> cases = {{"writer's frames", "audit.jsonl.zst", writer_frames, text},
                                   {"frames split inside lines", "audit.jsonl.zst", split_frames, text},
                                   {"frames without their size", "audit.jsonl.zst", unsized, text},
                                   {"plain", "audit.jsonl", text, text},
                                   {"no last newline, compressed", "audit.jsonl.zst", ZstdCompress(no_last_newline.substr(0, 9000)) + ZstdCompress(no_last_newline.substr(9000)), no_last_newline},
                                   {"no last newline, plain", "audit.jsonl", no_last_newline, no_last_newline}};
  for (const Case& c : cases) {
    for (const std::size_t block_bytes : {std::size_t{0}, std::size_t{1}, std::size_t{100}, std::size_t{6000}, std::size_t{1} << 20}) {
      SCOPED_TRACE(c.name + ", blocks of " + std::to_string(block_bytes));
      TempDir tmp;
      std::ofstream(tmp.path() + "/" + c.file, std::ios::binary) << c.bytes;
      AuditBlockReader reader;
      std::string error, block, all;
      ASSERT_TRUE(reader.Open(tmp.path(), &error)) << error;
      std::size_t blocks = 0;
      while (reader.Next(block_bytes, &block, &error)) {
        ++blocks;
        ASSERT_FALSE(block.empty());
        all += block;
        if (all.size() < c.lines.size()) {
          EXPECT_EQ(block.back(), '\n') << "block " << blocks << " ends inside a line";
        }
      }
      EXPECT_EQ(error, "");
      EXPECT_TRUE(all == c.lines);
      if (block_bytes <= 1 && c.file == "audit.jsonl") {
        EXPECT_EQ(blocks, 3000u) << "one line per block";
      }
      if (block_bytes == 6000 && c.name == "writer's frames") {
        EXPECT_GT(blocks, 30u) << "about a frame per block, not the log at once";
      }
    }
  }
  TempDir empty;
  std::ofstream(empty.path() + "/audit.jsonl.zst", std::ios::binary) << "";
  AuditBlockReader reader;
  std::string error, block;
  ASSERT_TRUE(reader.Open(empty.path(), &error)) << error;
  EXPECT_FALSE(reader.Next(100, &block, &error));
  EXPECT_EQ(error, "");
}

// Damage: a file cut short or not zstd is refused by Open with ReadAuditLog's messages, before
// any line; a frame whose recorded size is wrong is found when it is reached.
TEST(AuditBlockReader, DamageIsFoundByOpenOrWhenReached) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "{\"record\":\"candidate\",\"id\":\"" + std::to_string(1000000 + i) + "\"}\n";
  const std::size_t cut = text.find('\n', 30000) + 1;
  const std::string good = ZstdCompress(text.substr(0, cut)) + ZstdCompress(text.substr(cut));
  TempDir tmp;
  const std::string file = tmp.path() + "/audit.jsonl.zst";
  std::string error, block;
  {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() - 7);
    AuditBlockReader reader;
    EXPECT_FALSE(reader.Open(tmp.path(), &error));
    EXPECT_EQ(error, file + " is cut short (its last zstd frame is incomplete)");
  }
  {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    AuditBlockReader reader;
    EXPECT_FALSE(reader.Open(tmp.path(), &error));
    EXPECT_EQ(error, file + " is not a readable zstd file (Unknown frame descriptor)");
  }
  {
    std::string lying = ZstdCompress("{\"a\":1}\n");
    ASSERT_EQ(static_cast<unsigned char>(lying[5]), 8);
    lying[5] = 9;
    std::ofstream(file, std::ios::binary | std::ios::trunc) << ZstdCompress(text.substr(0, cut)) + lying + ZstdCompress(text.substr(cut));
    AuditBlockReader reader;
    error.clear();
    ASSERT_TRUE(reader.Open(tmp.path(), &error)) << error;
    ASSERT_TRUE(reader.Next(1000, &block, &error)) << error;
    EXPECT_TRUE(block == text.substr(0, cut)) << "the first frame's lines come before the damage is reached";
    EXPECT_FALSE(reader.Next(1000, &block, &error));
    EXPECT_EQ(error.rfind(file + " is not a readable zstd file (", 0), 0u) << error;
    EXPECT_FALSE(reader.Next(1000, &block, &error)) << "nothing after the damage";
  }
}

// JsonDoc (json.h), the flat reader verify reads the log with.
TEST(JsonDoc, ReadsValuesKeysAndEscapes) {
  JsonDoc doc;
  std::string error;
  const std::string text = R"({"record":"candidate","id":"25\u4e2d\n","n":-12,"x":1.5,"t":true,"f":false,"z":null,)"
                           R"("list":[1,"two",[],{}],"k\"ey":{"a":{"b":[null]}}})";
  ASSERT_TRUE(doc.Parse(text, &error)) << error;
  const JsonRef root = doc.root();
  EXPECT_EQ(root.type(), JsonValue::Type::kObject);
  EXPECT_EQ(root["record"].text(), "candidate");
  EXPECT_EQ(root["id"].text(), "25\xe4\xb8\xad\n");
  EXPECT_EQ(root["n"].AsInt(), -12);
  EXPECT_EQ(root["n"].text(), "-12");
  EXPECT_EQ(root["x"].text(), "1.5");
  EXPECT_EQ(root["id"].AsInt(), 0) << "a string is not an integer";
  EXPECT_TRUE(root["t"].boolean());
  EXPECT_EQ(root["f"].type(), JsonValue::Type::kBool);
  EXPECT_FALSE(root["f"].boolean());
  EXPECT_TRUE(root["z"].is_null());
  EXPECT_TRUE(root["absent"].is_null());
  EXPECT_TRUE(root["absent"]["deeper"].is_null());
  EXPECT_TRUE(root["absent"].children().empty());
  std::vector<std::string> items;
  for (JsonRef item : root["list"].children()) items.push_back(std::string(item.text()) + "/" + std::to_string(static_cast<int>(item.type())));
  EXPECT_EQ(items, (std::vector<std::string>{"1/2", "two/3", "/4", "/5"}));
  std::vector<std::string> keys;
  for (JsonRef member : root.children()) keys.push_back(std::string(member.key()));
  EXPECT_EQ(keys, (std::vector<std::string>{"record", "id", "n", "x", "t", "f", "z", "list", "k\"ey"}));
  EXPECT_TRUE(root["k\"ey"]["a"]["b"].children().begin() != root["k\"ey"]["a"]["b"].children().end());
  // The tree copy is ParseJson's.
  JsonValue tree;
  ASSERT_TRUE(ParseJson(text, &tree, &error));
  const JsonValue copy = root.ToValue();
  EXPECT_EQ(copy["id"].text, tree["id"].text);
  EXPECT_EQ(copy["list"].items.size(), 4u);
  EXPECT_EQ(copy["k\"ey"]["a"]["b"].items.size(), 1u);
  EXPECT_EQ(copy.members.size(), tree.members.size());
}

// Members reads several members in one pass: each as operator[] would (the first with its key,
// null when absent, whatever the order of the keys asked for), and nothing from a non-object.
TEST(JsonDoc, MembersInOnePassAreTheLookups) {
  JsonDoc doc;
  std::string error;
  ASSERT_TRUE(doc.Parse(R"({"rank":2,"program":"P1","rank":9,"rejected":{"general":"below"},"p":"short","programs":"long"})", &error)) << error;
  static constexpr std::string_view kKeys[] = {"rejected", "program", "absent", "rank", "programs", "p", ""};
  JsonRef got[std::size(kKeys)];
  doc.root().Members(kKeys, got);
  for (std::size_t i = 0; i < std::size(kKeys); ++i) {
    const JsonRef want = doc.root()[kKeys[i]];
    EXPECT_EQ(got[i].type(), want.type()) << kKeys[i];
    EXPECT_EQ(got[i].text(), want.text()) << kKeys[i];
    EXPECT_EQ(got[i].key(), want.key()) << kKeys[i];
  }
  EXPECT_EQ(got[3].AsInt(), 2) << "the first 'rank', not the second";
  EXPECT_EQ(got[0]["general"].text(), "below");
  EXPECT_TRUE(got[2].is_null());
  EXPECT_TRUE(got[6].is_null());
  ASSERT_TRUE(doc.Parse(R"([{"rank":1}])", &error)) << error;
  JsonRef none[std::size(kKeys)];
  doc.root().Members(kKeys, none);
  for (const JsonRef& r : none) EXPECT_TRUE(r.is_null()) << "an array has no members";
  EXPECT_TRUE(JsonRef().is_null()) << "a default JsonRef is null";
}

// Parsed again, a document forgets the last text; a refusal leaves it empty and says where.
TEST(JsonDoc, ReuseAndRefusals) {
  JsonDoc doc;
  std::string error;
  ASSERT_TRUE(doc.Parse(R"({"a":"x\ty","b":[1,2,3]})", &error));
  ASSERT_TRUE(doc.Parse(R"({"b":"\u00e9"})", &error));
  EXPECT_TRUE(doc.root()["a"].is_null());
  EXPECT_EQ(doc.root()["b"].text(), "\xc3\xa9");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "unexpected end at byte 1"},
      {"{\"a\":1,}", "expected a key at byte 8"},
      {"{\"a\" 1}", "expected ':' at byte 6"},
      {"[1 2]", "expected ',' or ']' at byte 4"},
      {"{\"a\":1 \"b\"}", "expected ',' or '}' at byte 8"},
      {"\"a\x01\"", "control character in string at byte 4"},
      {"\"a\\q\"", "bad escape at byte 5"},
      {"\"abc", "unterminated string at byte 5"},
      {"\"\\u12", "bad \\u escape at byte 4"},
      {"tru", "bad literal at byte 1"},
      {"{} x", "unexpected text at byte 4"},
      {"@", "unexpected character at byte 1"},
      {std::string(66, '[') + std::string(66, ']'), "nesting too deep at byte 66"},
  };
  for (const auto& [text, message] : bad) {
    EXPECT_FALSE(doc.Parse(text, &error)) << text;
    EXPECT_EQ(error, message) << text;
    EXPECT_TRUE(doc.root().is_null()) << text;
    JsonValue tree;
    std::string tree_error;
    EXPECT_FALSE(ParseJson(text, &tree, &tree_error));
    EXPECT_EQ(tree_error, message);
  }
}

// Seeded random documents written by JsonWriter read back the same, through a document that
// was used before (its buffers reused).
TEST(JsonDoc, RandomDocumentsReadBackAsWritten) {
  std::mt19937_64 rng(18);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  auto random_string = [&] {
    static const std::vector<std::string> pieces = {"a", "P0612", "\"", "\\", "\n", "\t", "\x01", "\xe4\xb8\xad", " ", "/", "\x1f", ""};
    std::string s;
    for (int i = pick(6); i > 0; --i) s += pieces[static_cast<std::size_t>(pick(static_cast<int>(pieces.size())))];
    return s;
  };
  // Writes a random value and, alongside, the expected reading as a canonical line per node.
  std::function<void(int, JsonWriter&, std::vector<std::string>&)> value = [&](int depth, JsonWriter& w, std::vector<std::string>& want) {
    const int kind = depth > 4 ? pick(4) : pick(6);
    switch (kind) {
      case 0: w.Null(); want.push_back("null"); break;
      case 1: {
        const bool b = pick(2) == 1;
        w.Bool(b);
        want.push_back(b ? "true" : "false");
        break;
      }
      case 2: {
        const std::int64_t n = static_cast<std::int64_t>(rng() % 2000001) - 1000000;
        w.Int(n);
        want.push_back("n:" + std::to_string(n));
        break;
      }
      case 3: {
        const std::string s = random_string();
        w.String(s);
        want.push_back("s:" + s);
        break;
      }
      case 4: {
        w.BeginArray();
        const int n = pick(4);
        want.push_back("[" + std::to_string(n));
        for (int i = 0; i < n; ++i) value(depth + 1, w, want);
        w.EndArray();
        break;
      }
      default: {
        w.BeginObject();
        const int n = pick(4);
        want.push_back("{" + std::to_string(n));
        for (int i = 0; i < n; ++i) {
          const std::string key = random_string();
          w.Key(key);
          want.push_back("k:" + key);
          value(depth + 1, w, want);
        }
        w.EndObject();
      }
    }
  };
  std::function<void(JsonRef, std::vector<std::string>&)> read = [&](JsonRef v, std::vector<std::string>& got) {
    switch (v.type()) {
      case JsonValue::Type::kNull: got.push_back("null"); break;
      case JsonValue::Type::kBool: got.push_back(v.boolean() ? "true" : "false"); break;
      case JsonValue::Type::kNumber: got.push_back("n:" + std::to_string(v.AsInt())); break;
      case JsonValue::Type::kString: got.push_back("s:" + std::string(v.text())); break;
      case JsonValue::Type::kArray:
      case JsonValue::Type::kObject: {
        std::size_t n = 0;
        for (JsonRef c : v.children()) (void)c, ++n;
        got.push_back((v.type() == JsonValue::Type::kArray ? "[" : "{") + std::to_string(n));
        for (JsonRef c : v.children()) {
          if (v.type() == JsonValue::Type::kObject) got.push_back("k:" + std::string(c.key()));
          read(c, got);
        }
      }
    }
  };
  std::function<void(const JsonValue&, std::vector<std::string>&)> read_tree = [&](const JsonValue& v, std::vector<std::string>& got) {
    switch (v.type) {
      case JsonValue::Type::kNull: got.push_back("null"); break;
      case JsonValue::Type::kBool: got.push_back(v.boolean ? "true" : "false"); break;
      case JsonValue::Type::kNumber: got.push_back("n:" + std::to_string(v.AsInt())); break;
      case JsonValue::Type::kString: got.push_back("s:" + v.text); break;
      case JsonValue::Type::kArray:
        got.push_back("[" + std::to_string(v.items.size()));
        for (const JsonValue& c : v.items) read_tree(c, got);
        break;
      case JsonValue::Type::kObject:
        got.push_back("{" + std::to_string(v.members.size()));
        for (const JsonMember& m : v.members) {
          got.push_back("k:" + m.first);
          read_tree(m.second, got);
        }
    }
  };
  JsonDoc doc;
  for (int round = 0; round < 3000; ++round) {
    JsonWriter w;
    std::vector<std::string> want, got;
    value(0, w, want);
    std::string error;
    ASSERT_TRUE(doc.Parse(w.str(), &error)) << w.str() << ": " << error;
    read(doc.root(), got);
    ASSERT_EQ(got, want) << w.str();
    // ParseJson's tree reads the same.
    JsonValue tree;
    ASSERT_TRUE(ParseJson(w.str(), &tree, &error));
    std::vector<std::string> from_tree;
    read_tree(tree, from_tree);
    ASSERT_EQ(from_tree, want) << w.str();
  }
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
