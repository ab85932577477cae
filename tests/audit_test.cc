// The auditor's verbs end to end, through the real binary: `zkmatch verify`, `zkmatch replay`
// and `zkmatch explain` on run directories written by `zkmatch run`.
//
//   - Every fixture rules file (fixtures/cases/<case>/*.yaml, discovered when the test runs,
//     so cases added after the build are covered too) and fixtures/demo/rules.yaml: the run
//     verifies (exit 0, "verify: DIR holds"), replays byte for byte, and gives the same
//     audit.jsonl and manifest.json with 1 and 2 threads; shuffling the input rows changes
//     nothing but the recorded input digests (and hence the Merkle root).
//   - Tampering with a finished run is caught, by verify or replay, with a precise message: a
//     candidate moved up their list, two placements swapped, a placement dropped, a capacity
//     raised in the inputs, an audit line edited / deleted / inserted / reordered / truncated, a count
//     changed in cutoffs.csv. Most tampers come in two flavours: naive (the file is edited,
//     nothing else) and forged (a "consistent forger" also recomputes every SHA-256 in
//     manifest.json, the end record and the Merkle root, so that only the semantic checks --
//     capacities, stability, agreement between the files -- or a replay can catch it).
//   - Seat flows recomputed pass by pass: on a chain balanced -> local -> general, the old
//     engine bug (a seat passed on down the chain in one pass) forged with every file agreeing
//     passes every check against the final capacities and is caught only by the recomputed
//     passes; flows.csv edited alone (a flow out of a full channel, too many seats, a flow
//     withheld) is reported against the recomputed pass (the library's VerifyRun).
//   - explain names each choice, the channel and the scores that decided, in the letters'
//     words, in English and Chinese, never another candidate's exam number; with changed inputs
//     it says so and uses the audit's own words; an unknown candidate is a usage error.
//   - 200 seeded random small instances (several batches, channels with conditions, rankings
//     with id / lottery / admit_all ties): every run verifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "digest.h"
#include "zkmatch/diagnostics.h"
#include "zkmatch/replay.h"
#include "zkmatch/verify.h"
#include "support/forge.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Helpers.

// The forger also records an input's new digest, in manifest.json and in the audit header,
// then reseals.
void ForgeInputDigest(const std::string& run, const std::string& role, const std::string& input_path) {
  const std::string content = ReadFile(input_path);
  const std::string anchor = "{\"role\":\"" + role + "\"";
  std::string manifest = ReadFile(run + "/manifest.json");
  ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&manifest, anchor, Sha256Hex(content)));
  ASSERT_NO_FATAL_FAILURE(ReplaceIntAfter(&manifest, anchor, "\"bytes\":", content.size()));
  WriteBytes(run + "/manifest.json", manifest);
  std::vector<std::string> lines = SplitLines(ReadFile(run + "/audit.jsonl"));
  ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&lines[0], anchor, Sha256Hex(content)));
  ASSERT_NO_FATAL_FAILURE(ReplaceIntAfter(&lines[0], anchor, "\"bytes\":", content.size()));
  WriteBytes(run + "/audit.jsonl", JoinLines(lines));
  Reseal(run);
}

// Copies the regular files of a fixture case (rules, inputs, notes; not expected/).
// Copies a case with its subdirectories (a what-if's base lives in one), except expected outputs.
void CopyCase(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    if (e.is_regular_file()) {
      fs::copy_file(e.path(), fs::path(to) / e.path().filename(), fs::copy_options::overwrite_existing);
    } else if (e.is_directory() && e.path().filename().string().rfind("expected", 0) != 0) {
      CopyCase(e.path().string(), (fs::path(to) / e.path().filename()).string());
    }
  }
}

// Splits CSV bytes into records (a quoted field may hold line breaks), each with its line end.
std::vector<std::string> CsvRecords(const std::string& text) {
  std::vector<std::string> records;
  std::string cur;
  bool quoted = false;
  for (char c : text) {
    cur.push_back(c);
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      records.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) records.push_back(std::move(cur));
  return records;
}

// The header record first, then the other non-blank records in a seeded random order; blank
// records (trailing empty lines) stay at the end.
std::string ShuffleCsvRows(const std::string& text, std::mt19937_64& rng) {
  std::vector<std::string> records = CsvRecords(text);
  if (records.size() < 3) return text;
  const std::string eol = records[0].size() >= 2 && records[0][records[0].size() - 2] == '\r' ? "\r\n" : "\n";
  if (records.back().back() != '\n') records.back() += eol;
  std::vector<std::string> rows, blank;
  for (std::size_t i = 1; i < records.size(); ++i) {
    (records[i].find_first_not_of("\r\n \t") == std::string::npos ? blank : rows).push_back(records[i]);
  }
  for (std::size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[static_cast<std::size_t>(rng() % i)]);
  std::string out = records[0];
  for (const std::string& r : rows) out += r;
  for (const std::string& r : blank) out += r;
  return out;
}

// Removes from `s` every span that starts with `from` and ends with (and includes) the next `to`.
std::string StripSpans(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t a = s.find(from); a != std::string::npos; a = s.find(from, a)) {
    const std::size_t b = s.find(to, a + from.size());
    if (b == std::string::npos) break;
    s.erase(a, b + to.size() - a);
  }
  return s;
}


// The first line where two texts differ, for messages.
std::string FirstDifference(const std::string& a, const std::string& b) {
  const std::vector<std::string> la = SplitLines(a), lb = SplitLines(b);
  for (std::size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    const std::string x = i < la.size() ? la[i] : "<none>", y = i < lb.size() ? lb[i] : "<none>";
    if (x != y) return "line " + std::to_string(i + 1) + ":\n  " + x + "\n  " + y;
  }
  return "identical";
}

// ---------------------------------------------------------------------------------------------
// Fixture discovery, at run time (cases are added without rebuilding the tests).

struct FixtureRules {
  std::string case_name;   // directory under fixtures/cases, or "demo"
  std::string case_dir;    // absolute
  std::string rules_path;  // absolute
  std::string Key() const { return case_name + "/" + fs::path(rules_path).stem().string(); }
};

std::vector<FixtureRules> DiscoverFixtureRules() {
  std::vector<FixtureRules> out;
  const fs::path cases = fs::path(SourceDir()) / "fixtures" / "cases";
  std::error_code ec;
  if (fs::is_directory(cases, ec)) {
    for (const auto& dir : fs::directory_iterator(cases)) {
      if (!dir.is_directory()) continue;
      for (const auto& f : fs::directory_iterator(dir.path())) {
        if (f.is_regular_file() && f.path().extension() == ".yaml") {
          out.push_back({dir.path().filename().string(), dir.path().string(), f.path().string()});
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const FixtureRules& a, const FixtureRules& b) { return a.Key() < b.Key(); });
  return out;
}

FixtureRules Demo() {
  const fs::path dir = fs::path(SourceDir()) / "fixtures" / "demo";
  return {"demo", dir.string(), (dir / "rules.yaml").string()};
}

// Runs, verifies (with and without --rules), replays, and checks that --threads 1 and 2 give
// the same bytes in every file (audit.jsonl and manifest.json included).
void CheckFixtureRun(const FixtureRules& f) {
  SCOPED_TRACE(f.Key());
  TempDir tmp;
  const std::string out1 = tmp.path() + "/out1", out2 = tmp.path() + "/out2";
  const CommandResult run = Zk("run --quiet --threads 1 --rules " + Q(f.rules_path) + " --out " + Q(out1), tmp.path());
  ASSERT_EQ(run.exit_code, 0) << f.Key() << ": zkmatch run failed\nstderr:\n" << run.err;

  const CommandResult verify = Zk("verify --all --rules " + Q(f.rules_path) + " --run " + Q(out1), tmp.path());
  EXPECT_EQ(verify.exit_code, 0) << f.Key() << ": verify rejected the matcher's own run\nstdout:\n" << verify.out << "stderr:\n" << verify.err;
  EXPECT_NE(verify.out.find("verify: " + out1 + " holds"), std::string::npos) << verify.out;
  EXPECT_EQ(verify.out.find("VIOLATION"), std::string::npos) << verify.out;

  const CommandResult verify_recorded = Zk("verify --all --run " + Q(out1), tmp.path());  // the rules named in the manifest
  EXPECT_EQ(verify_recorded.exit_code, 0) << f.Key() << "\nstdout:\n" << verify_recorded.out << "stderr:\n" << verify_recorded.err;

  const CommandResult replay = Zk("replay --run " + Q(out1), tmp.path());
  EXPECT_EQ(replay.exit_code, 0) << f.Key() << ": replay did not reproduce the run\nstdout:\n" << replay.out << "stderr:\n" << replay.err;
  EXPECT_NE(replay.out.find("every output reproduced byte for byte"), std::string::npos) << replay.out;

  const CommandResult run2 = Zk("run --quiet --threads 2 --rules " + Q(f.rules_path) + " --out " + Q(out2), tmp.path());
  ASSERT_EQ(run2.exit_code, 0) << run2.err;
  std::vector<std::string> names = CsvOutputs();
  names.push_back("audit.jsonl");
  names.push_back("manifest.json");
  for (const std::string& name : names) {
    const std::string a = ReadFile(out1 + "/" + name), b = ReadFile(out2 + "/" + name);
    EXPECT_FALSE(a.empty()) << name;
    EXPECT_TRUE(a == b) << f.Key() << ": " << name << " differs between --threads 1 and 2, " << FirstDifference(a, b);
  }
}

TEST(AuditFixtures, DiscoveryFindsTheKnownCases) {
  std::set<std::string> keys;
  for (const FixtureRules& f : DiscoverFixtureRules()) keys.insert(f.Key());
  for (const char* want : {"plain/plain", "two-rankings/two-rankings", "channel-move/rules", "batches/rules", "reserve-order/reserve-first"}) {
    EXPECT_EQ(keys.count(want), 1u) << want;
  }
  EXPECT_TRUE(FileExists(Demo().rules_path));
}

TEST(AuditFixtures, EveryFixtureRunVerifiesReplaysAndIsThreadIndependent) {
  const std::vector<FixtureRules> all = DiscoverFixtureRules();
  ASSERT_FALSE(all.empty());
  for (const FixtureRules& f : all) CheckFixtureRun(f);
}

TEST(AuditFixtures, DemoRunVerifiesReplaysAndIsThreadIndependent) { CheckFixtureRun(Demo()); }

// Shuffled input rows give the same outputs and the same audit log, except for what records
// the inputs' bytes: the input digests in the header and the manifest, and therefore the
// manifest's audit.jsonl digest and Merkle root. The inputs are shuffled in
// place so that the recorded paths stay the same.
void CheckShuffleInvariance(const FixtureRules& f, std::uint64_t seed) {
  SCOPED_TRACE(f.Key());
  TempDir tmp;
  const std::string case_dir = tmp.path() + "/case";
  CopyCase(f.case_dir, case_dir);
  const std::string rules = case_dir + "/" + fs::path(f.rules_path).filename().string();
  const std::string a = tmp.path() + "/a", b = tmp.path() + "/b";
  const CommandResult run_a = Zk("run --quiet --rules " + Q(rules) + " --out " + Q(a), tmp.path());
  ASSERT_EQ(run_a.exit_code, 0) << f.Key() << "\nstderr:\n" << run_a.err;

  std::mt19937_64 rng(seed);
  for (const auto& e : fs::recursive_directory_iterator(case_dir)) {
    if (e.path().extension() == ".csv") WriteBytes(e.path().string(), ShuffleCsvRows(ReadFile(e.path().string()), rng));
  }
  const CommandResult run_b = Zk("run --quiet --rules " + Q(rules) + " --out " + Q(b), tmp.path());
  ASSERT_EQ(run_b.exit_code, 0) << f.Key() << ": the shuffled inputs do not run\nstderr:\n" << run_b.err;
  const CommandResult verify_b = Zk("verify --all --run " + Q(b), tmp.path());
  EXPECT_EQ(verify_b.exit_code, 0) << verify_b.out << verify_b.err;

  for (const std::string& name : CsvOutputs()) {
    const std::string x = ReadFile(a + "/" + name), y = ReadFile(b + "/" + name);
    EXPECT_TRUE(x == y) << f.Key() << ": " << name << " depends on the order of input rows, " << FirstDifference(x, y);
  }
  const std::vector<std::string> la = SplitLines(ReadFile(a + "/audit.jsonl")), lb = SplitLines(ReadFile(b + "/audit.jsonl"));
  ASSERT_EQ(la.size(), lb.size()) << f.Key() << ": audit.jsonl has a different number of lines after shuffling";
  for (std::size_t i = 0; i < la.size(); ++i) {
    std::string x = la[i], y = lb[i];
    if (i == 0) {  // the header: everything but the input files' digests
      x = StripSpans(x, "\"sha256\":\"", "\"");
      y = StripSpans(y, "\"sha256\":\"", "\"");
    }
    EXPECT_EQ(x, y) << f.Key() << ": audit.jsonl:" << i + 1 << " depends on the order of input rows";
  }
  // manifest.json: the same except for input digests, the log's digest and the Merkle root.
  auto normal = [](const std::string& m) {
    std::string s = StripSpans(m, "{\"role\":", "}");
    s = StripSpans(s, "{\"file\":\"audit.jsonl.zst\"", "}");
    return StripSpans(s, "\"audit_root\":\"", "\"");
  };
  EXPECT_EQ(normal(ReadFile(a + "/manifest.json")), normal(ReadFile(b + "/manifest.json"))) << f.Key();
}

TEST(AuditDeterminism, ShuffledInputRowsChangeOnlyTheRecordedDigests) {
  const std::vector<FixtureRules> all = DiscoverFixtureRules();
  ASSERT_FALSE(all.empty());
  std::uint64_t seed = 1;
  for (const FixtureRules& f : all) CheckShuffleInvariance(f, seed++);
}

TEST(AuditDeterminism, ShuffledDemoRowsChangeOnlyTheRecordedDigests) { CheckShuffleInvariance(Demo(), 2025); }

// ---------------------------------------------------------------------------------------------
// Tampering, on a run of fixtures/cases/two-rankings (see its NOTES.md). The run's files:
//   placements.csv  1 header, 2 T1 A general 1, 3 T2 B general 3, 4 T3 A arts 1,
//                   5 T4 B general 2, 6 T5 unplaced, 7 T6 C arts 2
//   cutoffs.csv     1 header, 2 A arts, 3 A general, 4 B arts, 5 B general, 6 C arts, 7 C general
//   audit.jsonl     1 header, 2-7 seats (cutoffs order), 8-13 candidates T1..T6, 14 end

class AuditTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    case_ = tmp_.path() + "/case";
    CopyCase(SourceDir() + "/fixtures/cases/two-rankings", case_);
    rules_ = case_ + "/two-rankings.yaml";
    run_ = tmp_.path() + "/run";
    const CommandResult r = Zk("run --quiet --rules " + Q(rules_) + " --out " + Q(run_), tmp_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const CommandResult v = Verify();
    ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
    ASSERT_EQ(SplitLines(ReadFile(run_ + "/audit.jsonl")).size(), 14u) << "the two-rankings run changed shape; update the line numbers here";
  }

  CommandResult Verify() const { return Zk("verify --all --rules " + Q(rules_) + " --run " + Q(run_), tmp_.path()); }
  CommandResult Replay() const { return Zk("replay --run " + Q(run_), tmp_.path()); }
  std::string P(const std::string& name) const { return run_ + "/" + name; }

  // verify exits 3 and prints each wanted text inside a "VIOLATION: " line.
  static void ExpectViolations(const CommandResult& r, const std::vector<std::string>& want) {
    EXPECT_EQ(r.exit_code, 3) << "stdout:\n" << r.out << "stderr:\n" << r.err;
    const std::vector<std::string> lines = SplitLines(r.out);
    for (const std::string& w : want) {
      const bool found = std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
        return l.rfind("VIOLATION: ", 0) == 0 && l.find(w) != std::string::npos;
      });
      EXPECT_TRUE(found) << "no VIOLATION line contains: " << w << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
    }
    EXPECT_NE(r.out.find(" violation"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(" holds\n"), std::string::npos) << r.out;
  }

  // The forger left every digest consistent: only semantic checks may fail.
  static void ExpectDigestsConsistent(const CommandResult& r) {
    EXPECT_NE(r.out.find("ok: inputs and outputs match manifest.json"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ok: audit.jsonl Merkle root matches manifest.json"), std::string::npos) << r.out;
  }

  // replay exits 3 naming the first divergence.
  static void ExpectDivergence(const CommandResult& r, const std::string& where) {
    EXPECT_EQ(r.exit_code, 3) << "stdout:\n" << r.out << "stderr:\n" << r.err;
    EXPECT_NE(r.out.find("replay: " + where + ": first divergence"), std::string::npos) << "want " << where << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
  }

  TempDir tmp_;
  std::string case_, rules_, run_;
};

// (a) A candidate moved to a program they ranked higher: T2 (placed at B, choice 3) to A.
TEST_F(AuditTamperTest, MoveUpTheListNaiveIsCaughtByTheManifest) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T2,placed,main,B,general,3,", "T2,placed,main,A,general,1,"));
  ExpectViolations(Verify(), {"output placements.csv was modified after the run: sha256 is ",
                              "audit.jsonl: end record's digest of placements.csv does not match the file"});
  const CommandResult replay = Replay();
  ExpectDivergence(replay, "placements.csv:3");
  EXPECT_NE(replay.out.find("recorded: T2,placed,main,A,general,1,"), std::string::npos) << replay.out;
  EXPECT_NE(replay.out.find("replayed: T2,placed,main,B,general,3,"), std::string::npos) << replay.out;
}

TEST_F(AuditTamperTest, MoveUpTheListForgedIsCaughtByCapacityStabilityAndAgreement) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T2,placed,main,B,general,3,", "T2,placed,main,A,general,1,"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {
                          "cutoffs.csv:3: A general: admitted 1 but placements.csv places 2",
                          "cutoffs.csv:3: A general: 2 admitted for 1 seats, and not by a tie at the last seat",
                          "cutoffs.csv:5: B general: admitted 2 but placements.csv places 1",
                          "candidate 'T2' at A is labelled channel 'general' but the program's choice rule puts them in no channel",
                          "justified envy: candidate 'T5' (unplaced) ranked B as choice 1 and is eligible for its channel 'general' in batch 'main', "
                          "which has a free seat (1 of 2 taken)",
                          "audit.jsonl's record for candidate 'T2' disagrees with placements.csv",
                      });
  ExpectDivergence(Replay(), "placements.csv:3");
}

// The forger also makes cutoffs.csv and the audit log agree with the move: capacity, channel
// labels and stability still catch it.
TEST_F(AuditTamperTest, MoveUpTheListWithEveryFileAgreeingIsCaughtByCapacityAndStability) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T2,placed,main,B,general,3,", "T2,placed,main,A,general,1,"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("cutoffs.csv"), "main,A,general,,1,1,680,,1,0,0,0", "main,A,general,,1,2,660,,1,0,0,1"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("cutoffs.csv"), "main,B,general,,2,2,620,,2,0,0,0", "main,B,general,,2,1,620,,2,0,0,0"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 3, "\"admitted\":1,\"cutoff_total\":\"680\",\"cutoff\":{\"candidate\":\"T1\",\"rank\":{\"ranking\":\"by_total\",\"key\":[\"680\"],\"tie\":\"T1\"}}",
                                     "\"admitted\":2,\"cutoff_total\":\"660\",\"cutoff\":{\"candidate\":\"T2\",\"rank\":{\"ranking\":\"by_total\",\"key\":[\"660\"],\"tie\":\"T2\"}}"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 5, "\"admitted\":2,", "\"admitted\":1,"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 9, "\"program\":\"B\",\"channel\":\"general\",\"choice_rank\":3",
                                     "\"program\":\"A\",\"channel\":\"general\",\"choice_rank\":1"));
  // T2's choices end at A now, where the record says they were placed.
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 9,
                                     "{\"rank\":1,\"program\":\"A\",\"rejected\":{\"arts\":\"below\",\"general\":\"below\"}},{\"rank\":2,\"program\":\"C\",\"rejected\":{\"arts\":\"below\"}},"
                                     "{\"rank\":3,\"program\":\"B\",\"placed\":\"general\"}]}],\"keys\":{\"by_total\":[\"660\"],\"by_arts\":[\"90\",\"660\"]}",
                                     "{\"rank\":1,\"program\":\"A\",\"placed\":\"general\"}]}],\"keys\":{\"by_total\":[\"660\"]}"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  EXPECT_NE(v.out.find("ok: audit.jsonl agrees with placements.csv and cutoffs.csv"), std::string::npos) << v.out;
  ExpectViolations(v, {
                          "cutoffs.csv:3: A general: 2 admitted for 1 seats, and not by a tie at the last seat",
                          "candidate 'T2' at A is labelled channel 'general' but the program's choice rule puts them in no channel",
                          "justified envy: candidate 'T5' (unplaced) ranked B as choice 1 and is eligible for its channel 'general' in batch 'main', "
                          "which has a free seat (1 of 2 taken)",
                      });
  ExpectDivergence(Replay(), "placements.csv:3");
}

// (b) Two placements swapped: T1 (A, choice 1) and T4 (B, choice 2) -- both listed both.
TEST_F(AuditTamperTest, SwapTwoPlacementsNaiveIsCaughtByTheManifest) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T1,placed,main,A,general,1,", "T1,placed,main,B,general,2,"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T4,placed,main,B,general,2,", "T4,placed,main,A,general,1,"));
  ExpectViolations(Verify(), {"output placements.csv was modified after the run"});
  ExpectDivergence(Replay(), "placements.csv:2");
}

TEST_F(AuditTamperTest, SwapTwoPlacementsForgedIsCaughtAsJustifiedEnvy) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T1,placed,main,A,general,1,", "T1,placed,main,B,general,2,"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T4,placed,main,B,general,2,", "T4,placed,main,A,general,1,"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {
                          "justified envy: candidate 'T1' (placed at choice 2) ranked A as choice 1 and is eligible for its channel 'general' in batch 'main', "
                          "which has a seat held by 'T4', whom the channel ranks lower",
                          "cutoffs.csv:3: A general: cutoff_total '680' but the lowest admitted total is '620'",
                          "audit.jsonl's record for candidate 'T1' disagrees with placements.csv",
                          "audit.jsonl's record for candidate 'T4' disagrees with placements.csv",
                      });
}

// Swapping T3 (listed only A) and T6 puts T3 on a program they never listed.
TEST_F(AuditTamperTest, SwapOntoAnUnlistedProgramForgedIsCaughtByTheListCheck) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T3,placed,main,A,arts,1,", "T3,placed,main,C,arts,2,"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T6,placed,main,C,arts,2,", "T6,placed,main,A,arts,1,"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"placements.csv:4: candidate 'T3' did not list C as choice 2 in batch 'main'"});
}

// (c) A placement row dropped.
TEST_F(AuditTamperTest, DropAPlacementNaiveIsCaughtByTheManifest) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T4,placed,main,B,general,2,", ""));
  ExpectViolations(Verify(), {"output placements.csv was modified after the run", "placements.csv: candidate 'T4' is missing"});
  ExpectDivergence(Replay(), "placements.csv:5");
}

TEST_F(AuditTamperTest, DropAPlacementForgedIsCaughtAsMissing) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T4,placed,main,B,general,2,", ""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"placements.csv: candidate 'T4' is missing", "cutoffs.csv:5: B general: admitted 2 but placements.csv places 1"});
}

// (d) A capacity raised in the run bundle's copy of the inputs after the run (A general 1 -> 2).
TEST_F(AuditTamperTest, RaiseACapacityInTheInputsIsCaughtByVerifyAndRefusedByReplay) {
  const std::string programs = run_ + "/inputs/programs.csv";
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(programs, "A,School A,Mixed,public,D1,1,1", "A,School A,Mixed,public,D1,1,2"));
  ExpectViolations(Verify(), {"input programs file inputs/programs.csv changed since the run: sha256 is " + Sha256Hex(ReadFile(programs)) + ", the manifest says ",
                              "cutoffs.csv:3: A general: initial capacity 1 but the inputs give 2"});
  const CommandResult replay = Replay();
  EXPECT_EQ(replay.exit_code, 2) << replay.out << replay.err;
  EXPECT_NE(replay.err.find("refusing to replay: programs file " + programs + " differs from the one the run used"), std::string::npos) << replay.err;
  EXPECT_EQ(replay.out, "");
}

// The forger also records the new programs.csv digest (manifest and audit header): the seat
// counts no longer follow from the inputs, and the stage has a free seat someone wanted.
TEST_F(AuditTamperTest, RaiseACapacityWithForgedDigestsIsCaughtByTheSeatChecks) {
  const std::string programs = run_ + "/inputs/programs.csv";
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(programs, "A,School A,Mixed,public,D1,1,1", "A,School A,Mixed,public,D1,1,2"));
  ASSERT_NO_FATAL_FAILURE(ForgeInputDigest(run_, "programs", programs));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"cutoffs.csv:3: A general: initial capacity 1 but the inputs give 2"});
  const CommandResult replay = Replay();  // the inputs now match the manifest: replay runs and differs
  EXPECT_EQ(replay.exit_code, 3) << replay.out << replay.err;
  EXPECT_NE(replay.out.find(": first divergence"), std::string::npos) << replay.out;
}

// verify --rules with a rules file other than the one the run used.
TEST_F(AuditTamperTest, OtherRulesFileIsReported) {
  const std::string other = case_ + "/other.yaml";
  WriteBytes(other, ReadFile(rules_) + "# edited after the run\n");
  const CommandResult v = Zk("verify --all --rules " + Q(other) + " --run " + Q(run_), tmp_.path());
  ExpectViolations(v, {"the rules file " + other + " is not the one the run used (sha256 differs from the manifest)"});
}

// An input deleted from the run bundle: verify cannot load it (exit 2), replay refuses naming it.
TEST_F(AuditTamperTest, DeletedInputIsAnInputErrorAndReplayRefuses) {
  const std::string candidates = run_ + "/inputs/candidates.csv";
  fs::remove(candidates);
  const CommandResult v = Verify();
  EXPECT_EQ(v.exit_code, 2) << v.out << v.err;
  EXPECT_NE(v.err.find(candidates), std::string::npos) << v.err;
  const CommandResult replay = Replay();
  EXPECT_EQ(replay.exit_code, 2) << replay.out << replay.err;
  EXPECT_NE(replay.err.find("refusing to replay: candidates file " + candidates + " cannot be read"), std::string::npos) << replay.err;
}

// (e) One audit line's content edited (T2's score in its placed step): the root differs, and the
// record's explanation, checked against the inputs, names the line.
TEST_F(AuditTamperTest, EditAnAuditLineChangesTheRootAndIsNamed) {
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 9, "\"660\"", "\"670\""));  // T2's total, as the log states it
  const CommandResult v = Verify();
  ExpectViolations(v, {"audit.jsonl: the Merkle root of its records is ", "(a record was edited, removed, inserted or moved;",
                       "output audit.jsonl.zst was modified after the run", "audit.jsonl:9: candidate 'T2'"});
  ExpectDivergence(Replay(), "audit.jsonl:9");
}

// An edited outcome, resealed: the record no longer agrees with placements.csv.
TEST_F(AuditTamperTest, EditAnAuditOutcomeForgedIsCaughtByAgreement) {
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 9, "\"program\":\"B\",\"channel\":\"general\",\"choice_rank\":3",
                                     "\"program\":\"A\",\"channel\":\"general\",\"choice_rank\":1"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"audit.jsonl's record for candidate 'T2' disagrees with placements.csv"});
  ExpectDivergence(Replay(), "audit.jsonl:9");
}

// An edited explanation (the total T5 is told they had), resealed: only replay can tell, since
// verify checks placements and seat counts in the log, not the values explain shows.
TEST_F(AuditTamperTest, EditAnExplanationForgedIsCaughtByReplay) {
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 12, "\"600\"", "\"650\""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  ExpectDivergence(Replay(), "audit.jsonl:12");
}

// The divergence report must show where in the line the bytes differ: audit lines are long.
// Here the forger edits the end of the header (the candidate count), past its first 300
// bytes; today replay prints the first 300 bytes of both lines, which are identical, so the
// reader cannot see what differs.
TEST_F(AuditTamperTest, ReplayShowsTheDivergingBytesOfALongLine) {
  const std::string header = SplitLines(ReadFile(P("audit.jsonl")))[0];
  const std::size_t at = header.find("\"candidates\":6,");
  ASSERT_NE(at, std::string::npos) << header;
  ASSERT_GT(at, 300u) << "the header got short; pick another long line";
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 1, "\"candidates\":6,", "\"candidates\":7,"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult replay = Replay();
  ExpectDivergence(replay, "audit.jsonl:1");
  EXPECT_NE(replay.out.find("\"candidates\":7"), std::string::npos) << "the recorded bytes at the divergence are not shown:\n" << replay.out;
  EXPECT_NE(replay.out.find("\"candidates\":6"), std::string::npos) << "the replayed bytes at the divergence are not shown:\n" << replay.out;
}

// Verify checks the explanation in each candidate record against the inputs (every ranking's key
// values, each reason a choice was refused), so that `explain` cannot be made to tell a parent a
// false story that passes verify. T5's total shown as 650 instead of 600, every digest resealed:
TEST_F(AuditTamperTest, EditAnExplanationForgedIsCaughtByVerify) {
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 12, "\"600\"", "\"650\""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  ExpectViolations(Verify(), {"audit.jsonl:12"});
}

// The same for a reason: T5 was refused A's arts channel because T5 has no arts score; a forger
// writes "below" (a full channel that ranked T5 lower) instead.
TEST_F(AuditTamperTest, EditARejectionReasonForgedIsCaughtByVerify) {
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 12, "\"arts\":\"ineligible\"", "\"arts\":\"below\""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  ExpectViolations(Verify(), {"audit.jsonl:12: candidate 'T5': at choice 2 (A) the explanation says {arts: below, general: below}, but the "
                              "inputs and the published seats give {arts: ineligible, general: below}"});
}

// fixtures/cases/stage-not-offered: a choice of a program no stage runs is explained as
// "not_offered", and the run verifies (verify once took the step for a wrong program). Said of a
// program a stage does run -- b's choice 1, P, where b was refused as "below" -- it is caught.
TEST(AuditNotOffered, AChoiceNoStageRunsVerifiesAndOneAStageRunsIsCaught) {
  TempDir tmp;
  const std::string rules = SourceDir() + "/fixtures/cases/stage-not-offered/rules.yaml";
  const std::string run = tmp.path() + "/run";
  ASSERT_EQ(Zk("run --quiet --plain-audit --rules " + Q(rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
  const CommandResult holds = Zk("verify --run " + Q(run), tmp.path());
  EXPECT_EQ(holds.exit_code, 0) << holds.out << holds.err;
  const std::string log = ReadFile(run + "/audit.jsonl");
  EXPECT_NE(log.find("{\"rank\":1,\"program\":\"Q\",\"not_offered\":true}"), std::string::npos) << log;
  const std::string offered = "{\"rank\":1,\"program\":\"P\",\"stage\":\"top\",\"rejected\":{\"general\":\"below\"}}";
  ASSERT_NE(log.find(offered), std::string::npos) << log;
  std::string forged = log;
  forged.replace(forged.find(offered), offered.size(), "{\"rank\":1,\"program\":\"P\",\"not_offered\":true}");
  WriteBytes(run + "/audit.jsonl", forged);
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  const CommandResult v = Zk("verify --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("audit.jsonl:4: candidate 'b': choice 1 (P) is said to be offered by no stage of batch 'main', but a stage's programs condition "
                       "selects it"),
            std::string::npos)
      << v.out;
  // A step naming a stage the batch does not have is named as such.
  WriteBytes(run + "/audit.jsonl", std::string(log).replace(log.find(offered), offered.size(),
                                                             "{\"rank\":1,\"program\":\"P\",\"stage\":\"bottom\",\"rejected\":{\"general\":\"below\"}}"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  const CommandResult stage = Zk("verify --run " + Q(run), tmp.path());
  EXPECT_EQ(stage.exit_code, 3) << stage.out << stage.err;
  EXPECT_NE(stage.out.find("audit.jsonl:4: candidate 'b': choice 1 names stage 'bottom', which batch 'main' does not have"), std::string::npos) << stage.out;
}

// (f) One audit line deleted: the root and the record count differ, and the candidate is named.
TEST_F(AuditTamperTest, DeleteAnAuditLineChangesTheRootAndIsNamed) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  lines.erase(lines.begin() + 8);  // line 9: T2
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ExpectViolations(Verify(), {"audit.jsonl has 13 records but manifest.json records 14 (records were removed or inserted)",
                              "audit.jsonl: the Merkle root of its records is ", "audit.jsonl has no record for candidate 'T2'"});
  ExpectDivergence(Replay(), "audit.jsonl:9");
}

// A record inserted (a copy of T2's): the root and count differ, and the copy is out of order.
TEST_F(AuditTamperTest, InsertAnAuditLineChangesTheRootAndIsNamed) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  lines.insert(lines.begin() + 9, lines[8]);  // T2 twice, at lines 9 and 10
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ExpectViolations(Verify(), {"audit.jsonl has 15 records but manifest.json records 14 (records were removed or inserted)",
                              "audit.jsonl: the Merkle root of its records is ", "audit.jsonl:10: a record for candidate 'T2', who is unknown or out of id order"});
}

TEST_F(AuditTamperTest, DeleteAnAuditLineForgedIsCaughtByTheRecordCount) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  lines.erase(lines.begin() + 8);
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_, /*fix_count=*/false));
  const CommandResult v = Verify();
  ExpectViolations(v, {"audit.jsonl: the end record counts 14 records, the file has 13"});
  ExpectDivergence(Replay(), "audit.jsonl:9");
}

TEST_F(AuditTamperTest, DeleteAnAuditLineForgedWithTheCountIsCaughtByAgreement) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  lines.erase(lines.begin() + 8);
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"audit.jsonl has 5 candidate records for 6 candidates", "audit.jsonl has no record for candidate 'T2'"});
  ExpectDivergence(Replay(), "audit.jsonl:9");
}

// A seat record deleted and resealed: the log no longer covers every cutoffs.csv row.
TEST_F(AuditTamperTest, DeleteASeatRecordForgedIsCaughtByAgreement) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  lines.erase(lines.begin() + 2);  // line 3: A general
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  ExpectViolations(Verify(), {"audit.jsonl has 5 seat records, cutoffs.csv has 6 rows"});
}

// (g) Two audit lines reordered: the root differs (the tree fixes the order), and the record
// out of id order is named.
TEST_F(AuditTamperTest, ReorderTwoAuditLinesChangesTheRootAndIsNamed) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  std::swap(lines[8], lines[9]);  // T2 and T3
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ExpectViolations(Verify(), {"audit.jsonl: the Merkle root of its records is ", "audit.jsonl:10: a record for candidate 'T2', who is unknown or out of id order"});
  ExpectDivergence(Replay(), "audit.jsonl:9");
}

// Reordered and resealed: the format fixes the order (candidates by id), so replay differs.
TEST_F(AuditTamperTest, ReorderTwoAuditLinesForgedIsCaughtByReplay) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  std::swap(lines[8], lines[9]);
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  ExpectDivergence(Replay(), "audit.jsonl:9");
}

// (h) The last audit line removed, or cut short.
TEST_F(AuditTamperTest, TruncateTheLastAuditLineIsCaught) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  lines.pop_back();
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ExpectViolations(Verify(), {"audit.jsonl has 13 records but manifest.json records 14 (records were removed or inserted)",
                              "audit.jsonl: the Merkle root of its records is ", "audit.jsonl: no end record"});
  ExpectDivergence(Replay(), "audit.jsonl:14");
}

TEST_F(AuditTamperTest, CutTheLastAuditLineShortIsCaught) {
  const std::string text = ReadFile(P("audit.jsonl"));
  WriteBytes(P("audit.jsonl"), text.substr(0, text.size() - 40));
  ExpectViolations(Verify(), {"audit.jsonl:14: not valid JSON"});
  ExpectDivergence(Replay(), "audit.jsonl:14");
}

// (i) An admitted count changed in cutoffs.csv, consistently with the audit's seat record.
TEST_F(AuditTamperTest, ChangeAnAdmittedCountForgedIsCaughtByTheCountCheck) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("cutoffs.csv"), "main,B,general,,2,2,620,,2,0,0,0", "main,B,general,,2,1,620,,2,0,0,0"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 5, "\"admitted\":2,", "\"admitted\":1,"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  EXPECT_NE(v.out.find("ok: audit.jsonl agrees with placements.csv and cutoffs.csv"), std::string::npos) << v.out;
  ExpectViolations(v, {"cutoffs.csv:5: B general: admitted 1 but placements.csv places 2"});
  EXPECT_NE(v.out.find("verify: 1 violation in "), std::string::npos) << v.out;
  ExpectDivergence(Replay(), "cutoffs.csv:5");
}

// verify must report A's sports row in batch early: 1 seat left empty that its rules send on.
void ExpectWithheldFlowReported(const CommandResult& v) {
  EXPECT_EQ(v.exit_code, 3) << "a withheld seat flow passed verify\nstdout:\n" << v.out << "stderr:\n" << v.err;
  EXPECT_NE(v.out.find("VIOLATION: cutoffs.csv:2: A sports: "), std::string::npos) << v.out;
}

// Seat-flow conservation, on fixtures/cases/flow-later-batch (NOTES.md): A's empty sports seat
// in batch early must flow to A's general channel in batch general. The forger withholds the
// flow -- removes it from flows.csv, keeps the seat at A sports (empty), gives A general one
// seat, moves V3 to B and leaves V5 unplaced -- and makes cutoffs.csv and the audit log agree.
// The result has no justified envy (nobody else listed A in batch early), so only a check
// that every unfilled seat of a flowing channel did flow can catch it in verify; replay
// catches it too.
TEST(AuditTamperFlows, WithheldFlowForgedIsCaught) {
  TempDir tmp;
  const std::string case_dir = tmp.path() + "/case", run = tmp.path() + "/run";
  CopyCase(SourceDir() + "/fixtures/cases/flow-later-batch", case_dir);
  const CommandResult r = Zk("run --quiet --rules " + Q(case_dir + "/rules.yaml") + " --out " + Q(run), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string audit = run + "/audit.jsonl";
  ASSERT_EQ(SplitLines(ReadFile(audit)).size(), 13u) << "the flow-later-batch run changed shape; update the line numbers here";
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/flows.csv", "early,,1,A,sports,,general,,general,1", ""));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/cutoffs.csv", "early,A,sports,,1,1,690,,2,0,1,0", "early,A,sports,,2,1,690,,2,0,0,0"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/cutoffs.csv", "general,A,general,,2,2,680,,1,1,0,0", "general,A,general,,1,1,700,,1,0,0,0"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/cutoffs.csv", "general,B,general,,1,1,660,,1,0,0,0", "general,B,general,,1,1,680,,1,0,0,0"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/placements.csv", "V3,placed,general,A,general,1,", "V3,placed,general,B,general,2,"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/placements.csv", "V5,placed,general,B,general,2,", "V5,unplaced,,,,,"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 2, "\"flowed_out\":1,\"capacity\":1,", "\"flowed_out\":0,\"capacity\":2,"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 4, "\"flowed_in\":1,\"flowed_out\":0,\"capacity\":2,\"admitted\":2,\"cutoff_total\":\"680\"",
                                     "\"flowed_in\":0,\"flowed_out\":0,\"capacity\":1,\"admitted\":1,\"cutoff_total\":\"700\""));
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 9, "\"program\":\"A\",\"channel\":\"general\",\"choice_rank\":1", "\"program\":\"B\",\"channel\":\"general\",\"choice_rank\":2"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 11, "\"status\":\"placed\",\"batch\":\"general\",\"stage\":\"\",\"program\":\"B\",\"channel\":\"general\",\"choice_rank\":2",
                                     "\"status\":\"unplaced\""));
  std::vector<std::string> lines = SplitLines(ReadFile(audit));
  ASSERT_EQ(lines[5].rfind("{\"record\":\"flow\"", 0), 0u) << lines[5];
  lines.erase(lines.begin() + 5);
  WriteBytes(audit, JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));

  const CommandResult replay = Zk("replay --run " + Q(run), tmp.path());
  EXPECT_EQ(replay.exit_code, 3) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("replay: placements.csv:4: first divergence"), std::string::npos) << replay.out;

  const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
  ExpectWithheldFlowReported(v);
}

// ---------------------------------------------------------------------------------------------
// Seat flows recomputed pass by pass. A chain of flows at one program P, channels in this
// precedence order:
//   balanced  split by junior school, table: 1 seat for J1,      unfilled: local
//   local     1 seat, eligible "district = program.district",    unfilled: general
//   general   1 seat, open
// ranked by total; x 700 (in district), y 690 (in district), z 680 (out of district), all from
// J2 and listing only P; w (J1) lists nothing -- nobody from J1 applies.
//   pass 1 (balanced J1 1, local 1, general 1): balanced takes nobody; local takes x; general
//     takes y (best of y, z); z is rejected. Empty in this match: balanced J1's 1 seat (local
//     and general are full) -> 1 seat balanced J1 -> local. Local was full in pass 1, so
//     nothing moves on from local in this pass.
//   pass 2 (balanced 0, local 2, general 1): local takes x and y; general takes z. Nothing
//     empty: the fixpoint.
//   Result: x local, y local, z general; flows.csv: one row, balanced J1 -> local after pass 1.
// The old engine bug counted local's empty seats after adding the inflow and passed the seat
// on to general in the same pass (local -> general, 1 seat, pass 1): pass 2 then had local 1,
// general 2: x local, y general, z general -- stable under those final capacities, so the
// stability check alone let it pass.
constexpr char kChainRules[] = R"(version: 1
inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv, allocations: allocations.csv}
rankings:
  by_total: {keys: [total desc], last_tie: id}
batches:
  - name: main
    channels:
      - {name: balanced, seats: balanced, ranking: by_total, split_by: junior_school, allocation: table, unfilled: local}
      - {name: local, seats: local, ranking: by_total, eligible: "district = program.district", unfilled: general}
      - {name: general, seats: general, ranking: by_total}
)";

// Writes the chain instance under `dir`, runs it into `run` and checks the hand-worked result.
void RunChain(const std::string& dir, const std::string& run) {
  WriteBytes(dir + "/rules.yaml", kChainRules);
  WriteBytes(dir + "/programs.csv", "code,district,balanced,local,general\nP,D1,1,1,1\n");
  WriteBytes(dir + "/candidates.csv", "id,total,junior_school,district\nw,600,J1,D2\nx,700,J2,D1\ny,690,J2,D1\nz,680,J2,D2\n");
  WriteBytes(dir + "/choices.csv", "candidate_id,batch,rank,program\nx,main,1,P\ny,main,1,P\nz,main,1,P\n");
  WriteBytes(dir + "/allocations.csv", "program,channel,group,seats\nP,balanced,J1,1\n");
  const CommandResult r = Zk("run --quiet --rules " + Q(dir + "/rules.yaml") + " --out " + Q(run), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(run + "/placements.csv"),
            "candidate_id,status,batch,program,channel,choice_rank,stage\n"
            "w,unplaced,,,,,\nx,placed,main,P,local,1,\ny,placed,main,P,local,1,\nz,placed,main,P,general,1,\n");
  EXPECT_EQ(ReadFile(run + "/flows.csv"), "batch,stage,pass,program,channel,group,to_batch,to_stage,to_channel,seats\nmain,,1,P,balanced,J1,main,,local,1\n");
  EXPECT_EQ(ReadFile(run + "/cutoffs.csv"),
            "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity\n"
            "main,P,balanced,J1,0,0,,,1,0,1,0\nmain,P,local,,2,2,690,,1,1,0,0\nmain,P,general,,1,1,680,,1,0,0,0\n");
  ASSERT_EQ(SplitLines(ReadFile(run + "/audit.jsonl")).size(), 10u) << "the chain run changed shape; update the line numbers here";
}

// Every VIOLATION line of `v` (from the binary) that contains `what`.
bool HasViolation(const std::string& out, const std::string& what) {
  const std::vector<std::string> lines = SplitLines(out);
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind("VIOLATION: ", 0) == 0 && l.find(what) != std::string::npos; });
}

// A score line edited in lines.csv, every digest resealed: verify recomputes the lines itself
// (fixtures/cases/lines: control = admit_ratio 0.6 = 567.5) and names the line and both values.
TEST(AuditLines, EditedLineValueForgedIsCaughtByTheRecomputedLines) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  const std::string rules = SourceDir() + "/fixtures/cases/lines/rules.yaml";
  const CommandResult r = Zk("run --quiet --rules " + Q(rules) + " --out " + Q(run), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/lines.csv", "control,567.5,admit_ratio 0.6 of by_total: candidate H6 at position 6 of 9",
                                      "control,560,admit_ratio 0.6 of by_total: candidate H6 at position 6 of 9"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("ok: inputs and outputs match manifest.json"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("VIOLATION: lines.csv:4: line 'control' is 560, but recomputed from the rules and inputs it is 567.5"), std::string::npos) << v.out;
}

// allocations.csv (the per-junior-school seats the office publishes) and the log's flow records
// are checked against cutoffs.csv and flows.csv, which are checked against the rules: the chain
// instance's J1 seat edited to 3, and its flow record's seats edited, each resealed.
TEST(AuditPublishedRows, EditedAllocationOrFlowRecordIsCaught) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  ASSERT_NO_FATAL_FAILURE(RunChain(tmp.path() + "/case", run));
  const std::string honest = tmp.path() + "/honest";
  fs::copy(run, honest, fs::copy_options::recursive);
  EXPECT_NE(Zk("verify --run " + Q(run), tmp.path()).out.find("ok: allocations.csv: the seats of the 1 group of split channels, as the rules allocate them"),
            std::string::npos);
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/allocations.csv", "main,,P,balanced,J1,1", "main,,P,balanced,J1,3"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out;
  EXPECT_TRUE(HasViolation(v.out, "allocations.csv:2: P balanced J1 3 seats, but cutoffs.csv line 2 gives P balanced J1 1 (the rules' allocation)")) << v.out;
  const std::string audit = honest + "/audit.jsonl";
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 5, "\"to_channel\":\"local\",\"seats\":1}", "\"to_channel\":\"local\",\"seats\":2}"));
  ASSERT_NO_FATAL_FAILURE(Reseal(honest));
  v = Zk("verify --all --run " + Q(honest), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out;
  EXPECT_TRUE(HasViolation(v.out, "audit.jsonl:5: flow record 1 disagrees with flows.csv line 2")) << v.out;
}

// A candidate's lottery number (fixtures/cases/ties, lottery.yaml) and a reassigned
// candidate's turn (fixtures/cases/reassignment: C06 takes turn 1, C07 turn 2) are recomputed:
// each edited and resealed is a finding on that record.
TEST(AuditRecomputedNumbers, EditedLotteryNumberOrTurnIsCaught) {
  TempDir tmp;
  struct Case {
    const char* rules;
    std::size_t line;
    const char* from;
    const char* to;
    const char* finding;
  };
  for (const Case& c : {Case{"ties/lottery.yaml", 5, "\"lottery\":\"b5a96f931c20c579\"", "\"lottery\":\"0000000000000001\"",
                             "candidate 'L1': the lottery number is not the one the published seed gives"},
                        Case{"reassignment/rules.yaml", 19, "\"turn\":1,", "\"turn\":2,", "audit.jsonl's record for candidate 'C06' disagrees with placements.csv"},
                        Case{"reassignment/rules.yaml", 1, "\"order\":[", "\"order\":[\"total asc\",",
                             "audit.jsonl's header: the reassignment (flag, ranking, condition, channels, order) is not the rules'"}}) {
    const std::string run = tmp.path() + "/" + std::to_string(c.line);
    ASSERT_EQ(Zk("run --quiet --rules " + Q(SourceDir() + "/fixtures/cases/" + c.rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
    ASSERT_NO_FATAL_FAILURE(EditInLine(run + "/audit.jsonl", c.line, c.from, c.to));
    ASSERT_NO_FATAL_FAILURE(Reseal(run));
    const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
    EXPECT_EQ(v.exit_code, 3) << v.out;
    EXPECT_TRUE(HasViolation(v.out, c.finding)) << c.finding << "\n" << v.out;
  }
}

// vacancies.csv is what cutoffs.csv leaves: a seat count edited, a row dropped or a row added
// (each resealed into the manifest) is a finding naming the row; the honest file verifies.
TEST(AuditVacancies, EditedDroppedOrAddedRowsForgedAreCaught) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  const std::string rules = SourceDir() + "/fixtures/cases/lines/rules.yaml";
  ASSERT_EQ(Zk("run --quiet --rules " + Q(rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
  const CommandResult honest = Zk("verify --run " + Q(run), tmp.path());
  EXPECT_EQ(honest.exit_code, 0) << honest.out;
  EXPECT_NE(honest.out.find("ok: vacancies.csv: the 3 places with seats left, as cutoffs.csv and placements.csv leave them"), std::string::npos) << honest.out;
  const std::string original = ReadFile(run + "/vacancies.csv");
  struct Edit {
    std::string from, to, want;
  };
  const std::vector<Edit> edits = {
      {"main,,P,Popular High,General,music,,1,0,1\n", "main,,P,Popular High,General,music,,1,0,2\n",
       "VIOLATION: vacancies.csv:3: P music: 2 left of 1 (0 admitted), but the run gives 1 left of 1 (0 admitted)"},
      {"main,,P,Popular High,General,music,,1,0,1\n", "",
       "VIOLATION: vacancies.csv has no row for P music in batch 'main', which the run leaves with 1 of 1 seats empty"},
      {"late,,V,Vocational School,Vocational,voc,,3,2,1\n", "late,,V,Vocational School,Vocational,voc,,3,2,1\nmain,,P,Popular High,General,general,,4,3,1\n",
       "VIOLATION: vacancies.csv:5: P general: no seat is left there (no row of cutoffs.csv with more seats than placements.csv places), or the row appears twice"},
  };
  for (const Edit& e : edits) {
    SCOPED_TRACE(e.want);
    std::string text = original;
    const std::size_t at = text.find(e.from);
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, e.from.size(), e.to);
    { std::ofstream(run + "/vacancies.csv", std::ios::binary | std::ios::trunc) << text; }
    ASSERT_NO_FATAL_FAILURE(Reseal(run));
    const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
    EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
    EXPECT_NE(v.out.find(e.want), std::string::npos) << v.out;
  }
}

// Reassignment (调剂, fixtures/cases/reassignment, NOTES.md): the run verifies with the replayed
// turns, explain says how the seat came, the report counts it apart.
TEST(AuditReassignment, FixtureVerifiesExplainsAndIsCountedInTheReport) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  const std::string rules = SourceDir() + "/fixtures/cases/reassignment/rules.yaml";
  ASSERT_EQ(Zk("run --quiet --rules " + Q(rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
  const CommandResult v = Zk("verify --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("ok: reassignment replayed (10 turns, 7 seats given)"), std::string::npos) << v.out;
  const CommandResult e = Zk("explain --run " + Q(run) + " --candidate C06", tmp.path());
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("Candidate C06: Placed by reassignment at 六中 普通班 (batch general, general seats): you were not admitted through "
                       "your own choices, and you accepted reassignment. The seat was the first one left that you were eligible for by the published order "
                       "(district = program.district desc: 1, program.last_cutoff desc: 590).\n"),
            std::string::npos)
      << e.out;
  EXPECT_NE(e.out.find("Choice 2 (batch general): 二中 普通班 not admitted"), std::string::npos) << e.out;
  const CommandResult zh = Zk("explain --run " + Q(run) + " --candidate C13 --lang zh", tmp.path());
  EXPECT_NE(zh.out.find("考生 C13：调剂录取到五中 普通班（general，general名额）：你未通过所填志愿被录取，且同意调剂。按公布的调剂顺序（district = "
                        "program.district desc: 1、program.last_cutoff desc: 560），这是你符合条件的第一个空余名额。"),
            std::string::npos)
      << zh.out;
  // C12's one choice (P3) had seats left, for which C12 was not eligible; C13 listed nothing:
  // neither may be told their choices were full (found by an independent audit).
  for (const char* who : {"C12", "C13"}) {
    for (const char* lang : {"en", "zh"}) {
      const CommandResult x = Zk("explain --run " + Q(run) + " --candidate " + who + " --lang " + lang, tmp.path());
      EXPECT_EQ(x.out.find("full"), std::string::npos) << x.out;
      EXPECT_EQ(x.out.find("录满"), std::string::npos) << x.out;
      EXPECT_EQ(x.out.find("满额"), std::string::npos) << x.out;
    }
  }
  // C14 accepted reassignment and was left unplaced (no seat left was one C14 is eligible for,
  // as verify's replay checks): told so, not only that their choices were not admitted.
  const CommandResult c14 = Zk("explain --run " + Q(run) + " --candidate C14", tmp.path());
  EXPECT_EQ(c14.out.rfind("Candidate C14: You are not admitted to any of your choices. You accepted reassignment, but when your turn came no seat "
                          "left after the batches was one you were eligible for.\n", 0), 0u) << c14.out;
  const CommandResult c14_zh = Zk("explain --run " + Q(run) + " --candidate C14 --lang zh", tmp.path());
  EXPECT_EQ(c14_zh.out.rfind("考生 C14：你填报的志愿均未被录取。你同意调剂，但轮到你时，各批次后剩余的名额中没有你符合条件的。\n", 0), 0u) << c14_zh.out;
  const CommandResult unplaced = Zk("explain --run " + Q(run) + " --candidate C15", tmp.path());
  EXPECT_NE(unplaced.out.find("Candidate C15: You are not admitted to any of your choices."), std::string::npos) << unplaced.out;
  const CommandResult r = Zk("report --run " + Q(run), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = ReadFile(run + "/report.html");
  EXPECT_NE(html.find("调剂录取</td><td class=\"n\">7<"), std::string::npos);  // counted apart from those placed by their choices
  // The seat tables count them too, in a column of their own, and fill rates include them: P3's
  // three general seats all went by reassignment (cutoffs.csv's `admitted` 0). An independent
  // audit found the page saying "admitted 0, fill 0.00%" beside an admitted list of three.
  EXPECT_NE(html.find("<th>录取</th><th>调剂录取</th><th>最低录取分</th><th>满额率 (%)</th>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>三中</td><td>P3</td><td>general</td><td></td><td>general</td><td class=\"n\">3</td><td class=\"n\">0</td><td class=\"n\">0</td>"
                      "<td class=\"n\">3</td><td class=\"n\">0</td><td class=\"n\">3</td><td class=\"n\"></td><td class=\"n\">100.00</td>"),
            std::string::npos);
  // The general-high sectors: 6 through choices and 7 by reassignment of 14 seats, as the ratio
  // line's 13 says.
  EXPECT_NE(html.find("<td class=\"n\">14</td><td class=\"n\">6</td><td class=\"n\">7</td><td class=\"n\">92.86</td>"), std::string::npos);
  // report --out names a file of the user's: an existing one is not replaced without --force.
  WriteBytes(tmp.path() + "/mine.html", "mine\n");
  const CommandResult refused = Zk("report --run " + Q(run) + " --out mine.html", tmp.path());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err, "zkmatch report: error: mine.html already exists; choose another --out or add --force to replace it; no report was written\n");
  EXPECT_EQ(ReadFile(tmp.path() + "/mine.html"), "mine\n");
  ASSERT_EQ(Zk("report --run " + Q(run) + " --out mine.html --force", tmp.path()).exit_code, 0);
  EXPECT_NE(ReadFile(tmp.path() + "/mine.html").find("<html"), std::string::npos);
  // The admitted list (录取名单) has them after those the block's batch admitted, without a choice number.
  ASSERT_EQ(Zk("report --csv --run " + Q(run), tmp.path()).exit_code, 0);
  EXPECT_NE(ReadFile(run + "/admitted.csv").find("五中,P5,普通班,1,C16,,,550,general,,general,1\n五中,P5,普通班,2,C13,,,570,general,,general,\n"),
            std::string::npos)
      << ReadFile(run + "/admitted.csv");
  const CommandResult receipt = Zk("receipt --lang en --run " + Q(run) + " --candidate C09", tmp.path());
  EXPECT_NE(receipt.out.find("placed by reassignment at P4 through general (batch general)"), std::string::npos) << receipt.out;
}

// A log or published file edited after the run (not resealed) is not read to anyone as the run's
// word: explain and letters refuse an edited log, diff an edited placements.csv, each naming the
// file and pointing to verify (an independent audit found explain and letters telling a
// contradictory story from an edited log, exit 0). Resealed, the edit passes this check: what
// it says is verify's to judge.
TEST(AuditEditedRun, ExplainLettersAndDiffRefuseFilesTheManifestDoesNotRecord) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  ASSERT_EQ(Zk("run -q --rules " + Q(SourceDir() + "/fixtures/cases/stages/rules.yaml") + " --out run", tmp.path()).exit_code, 0);
  ASSERT_EQ(Zk("run -q --rules " + Q(SourceDir() + "/fixtures/cases/stages/rules.yaml") + " --out same", tmp.path()).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(EditInLine(run + "/audit.jsonl", 1, "\"record\":\"header\"", "\"record\":\"header\" "));
  const CommandResult e = Zk("explain --run run --candidate W2", tmp.path());
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_EQ(e.err.rfind("zkmatch explain: error: refusing to explain: run/audit.jsonl.zst differs from the one the run wrote (sha256 ", 0), 0u) << e.err;
  EXPECT_NE(e.err.find("the run was changed after it was made; run zkmatch verify --run run"), std::string::npos) << e.err;
  EXPECT_EQ(e.out, "");
  const CommandResult l = Zk("letters --run run --out letters", tmp.path());
  EXPECT_EQ(l.exit_code, 2);
  EXPECT_NE(l.err.find("refusing to write letters: run/audit.jsonl.zst differs"), std::string::npos) << l.err;
  EXPECT_FALSE(fs::exists(tmp.path() + "/letters"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  EXPECT_EQ(Zk("explain --run run --candidate W2", tmp.path()).exit_code, 0);
  ReplaceLine(run + "/placements.csv", "W2,placed,early,A2,general,2,top-ordinary", "W2,placed,early,A1,general,1,top-ordinary");
  const CommandResult d = Zk("diff --run same --run run --out d", tmp.path());
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_NE(d.err.find("refusing to compare: run/placements.csv differs from the one the run wrote"), std::string::npos) << d.err;
  EXPECT_FALSE(fs::exists(tmp.path() + "/d"));
}

// At reassignment choice_rank has no value (the candidate did not list the program): a
// comparison with it is false and `not` of one true, as everywhere (rules/README.md, step 3).
// C1 and C2 listed nothing and accept reassignment: P1's `second` seat (eligible:
// not (choice_rank = 1)) goes to C1, its `first` seat (choice_rank = 1) to nobody; C2 stays
// unplaced. The outcome verifies. (An independent audit found the README saying "a condition on
// it is false".)
TEST(AuditReassignment, ChoiceRankHasNoValueAtReassignment) {
  TempDir tmp;
  const std::string rules = tmp.Write("rules.yaml",
                                      "version: 1\nname: notrank\ninputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
                                      "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n"
                                      "batches:\n  - name: general\n    channels:\n      - {name: general, seats: general, ranking: by_total}\n"
                                      "      - {name: second, seats: second, ranking: by_total, eligible: \"not (choice_rank = 1)\"}\n"
                                      "      - {name: first, seats: first, ranking: by_total, eligible: \"choice_rank = 1\"}\n"
                                      "reassignment:\n  flag: accepts\n  ranking: by_total\n");
  tmp.Write("candidates.csv", "id,total,accepts\nC1,650,1\nC2,640,1\n");
  tmp.Write("choices.csv", "candidate_id,batch,rank,program\n");
  tmp.Write("programs.csv", "code,general,second,first\nP1,0,1,1\n");
  ASSERT_EQ(Zk("run -q --rules " + Q(rules) + " --out run", tmp.path()).exit_code, 0);
  EXPECT_EQ(ReadFile(tmp.path() + "/run/placements.csv"),
            "candidate_id,status,batch,program,channel,choice_rank,stage\nC1,reassigned,general,P1,second,,\nC2,unplaced,,,,,\n");
  const CommandResult v = Zk("verify --run run", tmp.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// A reassigned candidate moved to a later seat (C07: P3 -> P5, both the same district and
// cut-off, P5 later in cutoffs.csv), a flagged eligible candidate left unplaced beside an empty
// seat (C13), or a seat given to one who did not accept reassignment (C08), each resealed:
// verify's replay names the turn.
TEST(AuditReassignment, MovedToALaterSeatOrLeftUnplacedIsCaught) {
  struct Edit {
    std::string from, to, want;
  };
  const std::vector<Edit> edits = {
      {"C07,reassigned,general,P3,general,,", "C07,reassigned,general,P5,general,,",
       "VIOLATION: candidate 'C07' was given P5 general in batch 'general' (cutoffs.csv line 12) by reassignment, but the first empty seat they are "
       "eligible for by the order at their turn was P3 general in batch 'general' (cutoffs.csv line 10)"},
      {"C13,reassigned,general,P5,general,,", "C13,unplaced,,,,,",
       "VIOLATION: candidate 'C13' accepted reassignment and is left unplaced while a seat they are eligible for was empty at their turn: P5 general "
       "in batch 'general' (cutoffs.csv line 12)"},
      {"C08,unplaced,,,,,", "C08,reassigned,general,P5,general,,",
       "VIOLATION: placements.csv:9: candidate 'C08' is placed by reassignment but did not accept reassignment (accepts_reassignment is not 1)"},
  };
  for (const Edit& e : edits) {
    SCOPED_TRACE(e.want);
    TempDir tmp;
    const std::string run = tmp.path() + "/run";
    const std::string rules = SourceDir() + "/fixtures/cases/reassignment/rules.yaml";
    ASSERT_EQ(Zk("run --quiet --rules " + Q(rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
    ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/placements.csv", e.from, e.to));
    ASSERT_NO_FATAL_FAILURE(Reseal(run));
    const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
    EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
    EXPECT_TRUE(HasViolation(v.out, e.want.substr(std::string("VIOLATION: ").size()))) << v.out;
  }
}

TEST(AuditFlowPasses, ChainRunVerifiesWithTheRecomputedPasses) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  ASSERT_NO_FATAL_FAILURE(RunChain(tmp.path() + "/case", run));
  const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("ok: seat flows recomputed pass by pass (2 passes in 1 stage, 1 seat moved)"), std::string::npos) << v.out;
}

// What the log says beyond the placements -- the seats records' certificate, every refused
// choice, the keys, the header -- is evidence explain and the receipts quote: each edit below,
// resealed so that every digest holds, changes no placement and is still caught (an independent
// forgery audit found verify accepting each of these before).
struct LogForgery {
  const char* what;
  std::size_t line;  // of audit.jsonl (the layout above)
  const char* from;
  const char* to;
  const char* finding;
};
class AuditEvidenceTest : public AuditTamperTest, public ::testing::WithParamInterface<LogForgery> {};

TEST_P(AuditEvidenceTest, EditedEvidenceIsCaught) {
  const LogForgery& f = GetParam();
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), f.line, f.from, f.to));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {f.finding});
}

INSTANTIATE_TEST_SUITE_P(
    Log, AuditEvidenceTest,
    ::testing::Values(
        LogForgery{"cutoff_total", 3, "\"cutoff_total\":\"680\"", "\"cutoff_total\":\"700\"",
                   "audit.jsonl:3: the seats record for A general gives cutoff_total '700', cutoffs.csv line 3 '680'"},
        LogForgery{"cutoff_candidate", 3, "\"candidate\":\"T1\",\"rank\":{\"ranking\":\"by_total\",\"key\":[\"680\"],\"tie\":\"T1\"}",
                   "\"candidate\":\"T3\",\"rank\":{\"ranking\":\"by_total\",\"key\":[\"700\"],\"tie\":\"T3\"}",
                   "audit.jsonl:3: the seats record for A general names 'T3' as its last admitted candidate, who is not the lowest ranked of those placements.csv admits there"},
        LogForgery{"cutoff_key", 3, "\"key\":[\"680\"]", "\"key\":[\"700\"]",
                   "audit.jsonl:3: the seats record for A general: its last admitted candidate's place (ranking, key values, tie) is not 'T1''s"},
        LogForgery{"seats_initial", 5, "\"initial\":2,", "\"initial\":3,",
                   "audit.jsonl:5: the seats record for B general disagrees with cutoffs.csv line 5 (initial, flowed_in, flowed_out, capacity or admitted)"},
        LogForgery{"seats_extra_key", 5, "\"group\":null,", "\"group\":null,\"note\":1,",
                   "audit.jsonl:5: the seats record for B general does not have exactly the keys audit-format.md gives, in its order"},
        LogForgery{"step_deleted", 11, "{\"rank\":1,\"program\":\"A\",\"rejected\":{\"arts\":\"below\",\"general\":\"below\"}},", "",
                   "candidate 'T4': choice 1 (A) of batch 'main' does not give the result placements.csv implies (rejected)"},
        LogForgery{"placed_channel", 11, "\"placed\":\"general\"", "\"placed\":\"arts\"",
                   "candidate 'T4': choice 2 (B) of batch 'main' does not give the result placements.csv implies (placed)"},
        LogForgery{"keys_deleted", 11, ",\"by_arts\":[\"80\",\"620\"]", "",
                   "candidate 'T4': `keys` does not give exactly the rankings over candidates its choices refer to"},
        LogForgery{"record_stage", 8, "\"stage\":\"\",\"program\":\"A\"", "\"stage\":\"late\",\"program\":\"A\"",
                   "audit.jsonl's record for candidate 'T1' disagrees with placements.csv"},
        LogForgery{"candidate_key_order", 8, "\"id\":\"T1\",\"status\":\"placed\"", "\"status\":\"placed\",\"id\":\"T1\"",
                   "audit.jsonl:8: the record for candidate 'T1' does not have the keys audit-format.md gives, in its order"},
        LogForgery{"header_name", 1, "\"rules_name\":\"two-rankings\"", "\"rules_name\":\"other\"",
                   "audit.jsonl's header: rules_name 'other', the rules' name is 'two-rankings'"},
        LogForgery{"header_engine", 1, "\"engine\":\"zkmatch ", "\"engine\":\"other zkmatch ", "audit.jsonl's header: engine 'other zkmatch "},
        LogForgery{"header_key_deleted", 1, "\"seed\":null,", "",
                   "audit.jsonl's header: its keys are not the ones audit-format.md gives for these rules, in its order"},
        LogForgery{"header_format", 1, "\"format\":\"zkmatch-audit/3\"", "\"format\":\"zkmatch-audit/9\"", "audit.jsonl's header gives the format 'zkmatch-audit/9'"},
        LogForgery{"header_condition", 1, "\"eligible\":\"arts > 0\"", "\"eligible\":\"arts > 90\"",
                   "audit.jsonl's header: the channels are not the rules' (batch, stage, name, seats column, ranking, condition, split_by)"}),
    [](const ::testing::TestParamInfo<LogForgery>& param_info) { return std::string(param_info.param.what); });

// placements.csv's unplaced row with a channel filled in: nothing else changes, and it is a
// finding on the row.
TEST_F(AuditTamperTest, UnplacedRowWithAChannelIsCaught) {
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(P("placements.csv"), "T5,unplaced,,,,,", "T5,unplaced,,,general,,"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"unplaced candidate 'T5' has a batch, program, channel, choice_rank or stage"});
}

// The header's list of input files names each file's role as the manifest does: a role changed
// (its file, digest and size kept) is a finding on the header.
TEST_F(AuditTamperTest, HeaderFileRoleEditedIsCaught) {
  ASSERT_NO_FATAL_FAILURE(EditInLine(P("audit.jsonl"), 1, "{\"role\":\"candidates\"", "{\"role\":\"programs\""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  EXPECT_NE(v.out.find("ok: inputs and outputs match manifest.json"), std::string::npos) << v.out;
  ExpectViolations(v, {"audit.jsonl: the header's input files differ from manifest.json's"});
}

// A record of a kind the format does not have, inserted before the end record.
TEST_F(AuditTamperTest, RecordOfNoKindIsCaught) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  lines.insert(lines.begin() + 13, "{\"record\":\"note\",\"text\":\"T5 is placed after all\"}");
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"audit.jsonl:14: a record of no kind audit-format.md gives ('note')"});
}

// Records out of the documented order: a candidate record moved after the end record.
TEST_F(AuditTamperTest, RecordAfterTheEndRecordIsCaught) {
  std::vector<std::string> lines = SplitLines(ReadFile(P("audit.jsonl")));
  std::swap(lines[12], lines[13]);
  WriteBytes(P("audit.jsonl"), JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"audit.jsonl:14: a 'candidate' record after a 'end' record (the order is: the header, seats, flows, candidates, the end)"});
}

// The forger writes the old buggy outcome, every file consistent with it: the balanced seat
// moved on through local to general in pass 1 (local 1 seat, general 2), y in general.
TEST(AuditFlowPasses, SeatPassedOnDownAChainInOnePassForgedIsCaught) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  ASSERT_NO_FATAL_FAILURE(RunChain(tmp.path() + "/case", run));
  const std::string audit = run + "/audit.jsonl";
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/placements.csv", "y,placed,main,P,local,1,", "y,placed,main,P,general,1,"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/cutoffs.csv", "main,P,local,,2,2,690,,1,1,0,0", "main,P,local,,1,1,700,,1,1,1,0"));
  ASSERT_NO_FATAL_FAILURE(ReplaceLine(run + "/cutoffs.csv", "main,P,general,,1,1,680,,1,0,0,0", "main,P,general,,2,2,680,,1,1,0,0"));
  WriteBytes(run + "/flows.csv", ReadFile(run + "/flows.csv") + "main,,1,P,local,,main,,general,1\n");
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 3, "\"flowed_out\":0,\"capacity\":2,\"admitted\":2,\"cutoff_total\":\"690\",\"cutoff\":{\"candidate\":\"y\",\"rank\":{\"ranking\":\"by_total\",\"key\":[\"690\"],\"tie\":\"y\"}}",
                                     "\"flowed_out\":1,\"capacity\":1,\"admitted\":1,\"cutoff_total\":\"700\",\"cutoff\":{\"candidate\":\"x\",\"rank\":{\"ranking\":\"by_total\",\"key\":[\"700\"],\"tie\":\"x\"}}"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 4, "\"flowed_in\":0,\"flowed_out\":0,\"capacity\":1,\"admitted\":1,", "\"flowed_in\":1,\"flowed_out\":0,\"capacity\":2,\"admitted\":2,"));
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 8, "\"channel\":\"local\"", "\"channel\":\"general\""));
  ASSERT_NO_FATAL_FAILURE(EditInLine(audit, 8, "\"placed\":\"local\"", "\"placed\":\"general\""));
  std::vector<std::string> lines = SplitLines(ReadFile(audit));
  ASSERT_EQ(lines[4].rfind("{\"record\":\"flow\"", 0), 0u) << lines[4];
  lines.insert(lines.begin() + 5,
               "{\"record\":\"flow\",\"batch\":\"main\",\"stage\":\"\",\"pass\":1,\"program\":\"P\",\"channel\":\"local\",\"group\":null,\"to_batch\":\"main\","
               "\"to_stage\":\"\",\"to_channel\":\"general\",\"seats\":1}");
  WriteBytes(audit, JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));

  const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  // Every check against the final capacities holds: only the recomputed passes catch it.
  for (const char* ok : {"ok: inputs and outputs match manifest.json", "ok: audit.jsonl Merkle root matches manifest.json", "ok: audit.jsonl agrees with placements.csv and cutoffs.csv",
                         "ok: capacities after flows, seat-flow conservation", "ok: channel labels equal", "ok: no justified envy and no waste in any stage"}) {
    EXPECT_NE(v.out.find(ok), std::string::npos) << ok << "\n" << v.out;
  }
  EXPECT_TRUE(HasViolation(v.out, "flows.csv:3: 1 seat moved from P local to general after pass 1 of batch 'main', but in pass 1's match local was full "
                                  "(1 of 1 seat taken); the rules move only seats left empty in that pass")) << v.out;
  EXPECT_TRUE(HasViolation(v.out, "candidate 'y': placements.csv gives P (general) in batch 'main', but deferred acceptance under the recomputed seats "
                                  "(after 2 passes) gives P (local)")) << v.out;
  EXPECT_NE(v.out.find("verify: 2 violations in "), std::string::npos) << v.out;
  const CommandResult replay = Zk("replay --run " + Q(run), tmp.path());
  EXPECT_EQ(replay.exit_code, 3) << replay.out << replay.err;
}

// Unit level (VerifyRun, the library): flows.csv alone edited, and resealed. Each edit is
// reported against the recomputed pass.
TEST(AuditFlowPasses, FlowsEditedAgainstThePassMatchAreReported) {
  TempDir tmp;
  const std::string base = tmp.path() + "/run";
  ASSERT_NO_FATAL_FAILURE(RunChain(tmp.path() + "/case", base));
  const std::string header = "batch,stage,pass,program,channel,group,to_batch,to_stage,to_channel,seats\n";
  const std::string real = "main,,1,P,balanced,J1,main,,local,1\n";
  struct Edit {
    std::string flows, want;
  };
  const std::vector<Edit> edits = {
      // Seats moved out of a channel that was full in that pass.
      {header + real + "main,,1,P,local,,main,,general,1\n",
       "flows.csv:3: 1 seat moved from P local to general after pass 1 of batch 'main', but in pass 1's match local was full (1 of 1 seat taken); "
       "the rules move only seats left empty in that pass"},
      {header + "main,,1,P,balanced,J1,main,,local,1\nmain,,2,P,local,,main,,general,1\n",
       "flows.csv:3: 1 seat moved from P local to general after pass 2 of batch 'main', but in pass 2's match local was full (2 of 2 seats taken)"},
      // More seats than were empty.
      {header + "main,,1,P,balanced,J1,main,,local,2\n",
       "flows.csv:2: 2 seats moved from P balanced J1 to local after pass 1 of batch 'main', but pass 1's match left 1 seat of it empty (0 of 1 taken)"},
      // The real flow withheld.
      {header, "flows.csv has no row moving 1 seat from P balanced J1 to local after pass 1 of batch 'main', but that pass's match left them empty (0 of 1 taken)"},
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    SCOPED_TRACE(edits[i].want);
    const std::string run = tmp.path() + "/edit" + std::to_string(i);
    fs::copy(base, run, fs::copy_options::recursive);
    WriteBytes(run + "/flows.csv", edits[i].flows);
    ASSERT_NO_FATAL_FAILURE(Reseal(run));
    DiagnosticSink sink;
    const Result<VerifyReport> verified = VerifyRun("", run, sink);
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    const VerifyReport& report = *verified;
    EXPECT_TRUE(std::any_of(report.violations.begin(), report.violations.end(), [&](const std::string& v) { return v == edits[i].want || v.rfind(edits[i].want, 0) == 0; }))
        << [&] {
             std::string all;
             for (const std::string& v : report.violations) all += v + "\n";
             return all;
           }();
    EXPECT_TRUE(std::none_of(report.passed.begin(), report.passed.end(), [](const std::string& p) { return p.rfind("seat flows recomputed", 0) == 0; }));
  }
}

// Not a run directory at all: a usage error, not a violation.
TEST(AuditUsage, VerifyAndReplayOfAMissingRunAreUsageErrors) {
  TempDir tmp;
  const CommandResult v = Zk("verify --all --run " + Q(tmp.path() + "/nothing"), tmp.path());
  EXPECT_EQ(v.exit_code, 2) << v.out << v.err;
  EXPECT_NE(v.err.find("manifest.json"), std::string::npos) << v.err;
  const CommandResult r = Zk("replay --run " + Q(tmp.path() + "/nothing"), tmp.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("manifest.json"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// explain.

class AuditExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = tmp_.path() + "/run";
    const CommandResult r = Zk("run --quiet --rules " + Q(SourceDir() + "/fixtures/cases/two-rankings/two-rankings.yaml") + " --out " + Q(run_), tmp_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Explain(const std::string& id, const std::string& flags = "") const {
    return Zk("explain --run " + Q(run_) + " --candidate " + Q(id) + " " + flags, tmp_.path());
  }
  TempDir tmp_;
  std::string run_;
};

// T2 (NOTES.md): rejected by A (choice 1, both channels full) and C (choice 2, arts full),
// placed at B (choice 3) on the general channel. explain uses the letters' wording (zkmatch
// letters): programs by school and name, the scores that decided -- never the exam number of
// the candidate who took the last seat (T3, T1, T6 here).
TEST_F(AuditExplainTest, EnglishNamesEveryChoiceChannelAndBothTotals) {
  const CommandResult r = Explain("T2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Candidate T2: You are admitted to School B General (batch main, general seats), your choice 3.\n"
            "Choice 1 (batch main): School A Mixed not admitted: its arts seats were filled, ranked by arts: the last admitted candidate had 95, you had 90; "
            "its general seats were filled: the last admitted candidate had 680, you had 660.\n"
            "Choice 2 (batch main): School C Arts only not admitted: its arts seats were filled, ranked by arts: the last admitted candidate had 95, you had 90.\n"
            "Choice 3 (batch main): School B General admitted on its general seats.\n");
  for (const char* other : {"T3", "T1", "T6"}) EXPECT_EQ(r.out.find(other), std::string::npos) << other;
}

TEST_F(AuditExplainTest, ChineseNamesEveryChoiceAndFullChannels) {
  const CommandResult r = Explain("T2", "--lang zh");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The rules give no labels: batch and channel names are shown as written.
  EXPECT_EQ(r.out,
            "考生 T2：你已被School B General录取（main，general名额），第 3 志愿。\n"
            "第 1 志愿（main）：School A Mixed 未录取：arts名额已录满，最后录取的考生成绩为 95，你的成绩为 90；general名额已录满，最后录取的考生成绩为 680，"
            "你的成绩为 660。\n"
            "第 2 志愿（main）：School C Arts only 未录取：arts名额已录满，最后录取的考生成绩为 95，你的成绩为 90。\n"
            "第 3 志愿（main）：School B General 已被录取（general名额）。\n");
}

// T5 is unplaced: A's arts channel is closed to them (no arts score: the condition arts > 0
// fails), everything else full.
TEST_F(AuditExplainTest, UnplacedCandidateGetsEveryReason) {
  const CommandResult r = Explain("T5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Candidate T5: You are not admitted to any of your choices.\n"
            "Choice 1 (batch main): School B General not admitted: its general seats were filled: the last admitted candidate had 620, you had 600.\n"
            "Choice 2 (batch main): School A Mixed not admitted: you do not meet the condition of its arts seats: you have no arts; its general seats were "
            "filled: the last admitted candidate had 680, you had 600.\n");
  const CommandResult zh = Explain("T5", "--lang zh");
  ASSERT_EQ(zh.exit_code, 0) << zh.err;
  EXPECT_NE(zh.out.find("考生 T5：你填报的志愿均未被录取。\n"), std::string::npos) << zh.out;
  EXPECT_NE(zh.out.find("你不符合arts名额的条件：你没有arts；"), std::string::npos) << zh.out;
}

// channel-move (NOTES.md): M3 was held on A's general seat in round 1 and lost it when M1
// moved there; both B and A are full of candidates ranked higher. M3's arts is 0: the clause
// arts > 0 is the one that failed.
TEST(AuditExplainChannelMove, DisplacedCandidateSeesTheFinalCutoffs) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  const CommandResult r = Zk("run --quiet --rules " + Q(SourceDir() + "/fixtures/cases/channel-move/rules.yaml") + " --out " + Q(run), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult e = Zk("explain --run " + Q(run) + " --candidate M3", tmp.path());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out,
            "Candidate M3: You are not admitted to any of your choices.\n"
            "Choice 1 (batch main): School A Mixed not admitted: you do not meet the condition of its arts seats: your arts 0 is not above 0; its general "
            "seats were filled: the last admitted candidate had 650, you had 640.\n"
            "Choice 2 (batch main): School B General not admitted: its general seats were filled: the last admitted candidate had 710, you had 640.\n");
  const CommandResult m1 = Zk("explain --run " + Q(run) + " --candidate M1", tmp.path());
  ASSERT_EQ(m1.exit_code, 0) << m1.err;
  EXPECT_NE(m1.out.find("Candidate M1: You are admitted to School A Mixed (batch main, general seats), your choice 1."), std::string::npos) << m1.out;
}

// A program with no seats in the batch (fixtures/cases/edge: ZE's cells are empty, Z0's are 0):
// the log lists no channel for it, and explain says why instead of a bare "not admitted:".
TEST(AuditExplainNoSeats, ProgramWithoutSeatsInTheBatchIsGivenAsTheReason) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  const CommandResult r = Zk("run --quiet --rules " + Q(SourceDir() + "/fixtures/cases/edge/rules.yaml") + " --out " + Q(run), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult e = Zk("explain --run " + Q(run) + " --candidate E3", tmp.path());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out,
            "Candidate E3: You are not admitted to any of your choices.\n"
            "Choice 1 (batch main): Empty Cells General not admitted: this program has no seats in batch main.\n"
            "Choice 2 (batch main): Zero High General not admitted: this program has no seats in batch main.\n");
  const CommandResult zh = Zk("explain --run " + Q(run) + " --candidate E1 --lang zh", tmp.path());
  ASSERT_EQ(zh.exit_code, 0) << zh.err;
  EXPECT_NE(zh.out.find("第 1 志愿（main）：Zero High General 未录取：该计划在main没有名额。\n"), std::string::npos) << zh.out;
}

// A per-program ranking (fixtures/cases/program-scores, by-program-score: each program ranks by
// its own score, then total). The log copies no per-program values (audit-format.md,
// zkmatch-audit/3): explain gives them from the recorded program_scores.csv -- C had 80 at P
// (B took its seat with 90) and 70 at R (D, 80). When the inputs cannot be read, it says that
// the values are not in the log instead of showing none.
TEST(AuditExplainPerProgram, ValuesAtEachProgramComeFromTheRecordedInputs) {
  TempDir tmp;
  const std::string copy = tmp.path() + "/case";
  fs::create_directories(copy);
  for (const char* f : {"candidates.csv", "choices.csv", "programs.csv", "program_scores.csv", "by-program-score.yaml"}) {
    fs::copy_file(SourceDir() + "/fixtures/cases/program-scores/" + f, copy + "/" + f);
  }
  const std::string run = tmp.path() + "/run";
  const CommandResult r = Zk("run --quiet --rules " + Q(copy + "/by-program-score.yaml") + " --out " + Q(run), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string en = Zk("explain --run " + Q(run) + " --candidate C", tmp.path()).out;
  EXPECT_EQ(en,
            "Candidate C: You are not admitted to any of your choices.\n"
            "Choice 1 (batch main): 一中 特长班 not admitted: its specialty seats were filled, ranked by program_score: the last admitted candidate had 90, you had 80.\n"
            "Choice 2 (batch main): 三中 特长班 not admitted: its specialty seats were filled, ranked by program_score: the last admitted candidate had 80, you had 70.\n");
  const std::string zh = Zk("explain --run " + Q(run) + " --candidate C --lang zh", tmp.path()).out;
  EXPECT_NE(zh.find("第 2 志愿（main）：三中 特长班 未录取：specialty名额已录满，最后录取的考生成绩为 80，你的成绩为 70。"), std::string::npos) << zh;
  { std::ofstream(run + "/inputs/candidates.csv", std::ios::app) << "Z,500\n"; }
  const CommandResult fallback = Zk("explain --run " + Q(run) + " --candidate C", tmp.path());
  ASSERT_EQ(fallback.exit_code, 0) << fallback.err;
  EXPECT_NE(fallback.out.find("Choice 1: P (batch main) not admitted:\n  - specialty: full; its last admitted candidate (B) had program_score 90, you had "
                              "- (the log does not copy a per-program ranking's values, and the run's inputs cannot be read).\n"),
            std::string::npos)
      << fallback.out;
}

// When the run's inputs changed since the run, explain says so and falls back to the audit's
// own names and codes (it cannot read names or evaluate conditions on other data).
TEST_F(AuditExplainTest, ChangedInputsFallBackToTheAuditsOwnWords) {
  const std::string candidates = SourceDir() + "/fixtures/cases/two-rankings/candidates.csv";
  const std::string copy = tmp_.path() + "/case";
  fs::create_directories(copy);
  for (const char* f : {"candidates.csv", "choices.csv", "programs.csv", "two-rankings.yaml"}) {
    fs::copy_file(SourceDir() + "/fixtures/cases/two-rankings/" + f, copy + "/" + f);
  }
  const std::string run = tmp_.path() + "/copy-run";
  ASSERT_EQ(Zk("run --quiet --rules " + Q(copy + "/two-rankings.yaml") + " --out " + Q(run), tmp_.path()).exit_code, 0);
  { std::ofstream(run + "/inputs/candidates.csv", std::ios::app) << "T9,500,0\n"; }  // the run's own copy (bundles copy their inputs)
  const CommandResult r = Zk("explain --run " + Q(run) + " --candidate T2", tmp_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("(The run's inputs cannot be used: candidates file ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("Candidate T2: placed at B (channel general) in batch main, choice 3.\n"), std::string::npos) << r.out;
}

// The same fallback for a candidate placed by reassignment: the seat, its number in turn order
// and the order keys' values, from the log alone.
TEST_F(AuditExplainTest, ChangedInputsFallBackToTheAuditsOwnWordsForAReassignedCandidate) {
  const std::string copy = tmp_.path() + "/reassignment";
  fs::create_directories(copy);
  for (const char* f : {"candidates.csv", "choices.csv", "programs.csv", "rules.yaml"}) {
    fs::copy_file(SourceDir() + "/fixtures/cases/reassignment/" + f, copy + "/" + f);
  }
  const std::string run = tmp_.path() + "/reassignment-run";
  ASSERT_EQ(Zk("run --quiet --rules " + Q(copy + "/rules.yaml") + " --out " + Q(run), tmp_.path()).exit_code, 0);
  { std::ofstream(run + "/inputs/candidates.csv", std::ios::app) << "C99,500,East,0,1\n"; }
  const CommandResult r = Zk("explain --run " + Q(run) + " --candidate C09", tmp_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("(The run's inputs cannot be used: candidates file ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("Candidate C09: placed by reassignment at P4 (channel general, batch general; reassignment seat 3): you were not admitted "
                       "through your own choices, and you accepted reassignment. The seat was the first free one you were eligible for by the order "
                       "district = program.district desc: 1, program.last_cutoff desc: -.\n"),
            std::string::npos)
      << r.out;
}

TEST_F(AuditExplainTest, UnknownCandidateIsAUsageErrorNamingTheId) {
  const CommandResult r = Explain("T99");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("candidate 'T99' is not in"), std::string::npos) << r.err;
  // A prefix of a real id is not that id.
  const CommandResult prefix = Explain("T");
  EXPECT_EQ(prefix.exit_code, 2) << prefix.out << prefix.err;
  EXPECT_NE(prefix.err.find("candidate 'T' is not in"), std::string::npos) << prefix.err;
}

TEST(AuditExplainUsage, MissingRunIsAUsageError) {
  TempDir tmp;
  const CommandResult r = Zk("explain --run " + Q(tmp.path() + "/nothing") + " --candidate T1", tmp.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("audit.jsonl"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// Property: every run of a seeded random small instance verifies.

struct RandomInstance {
  std::string rules, candidates, choices, programs;
};

// Several batches (sometimes), 1-3 channels each in random precedence, rankings by total or
// by arts with id / lottery / admit_all tie-breaks, eligibility conditions, empty and zero
// capacity cells, tied totals, missing arts scores, short and empty choice lists.
RandomInstance MakeInstance(std::uint64_t seed) {
  std::mt19937_64 g(seed);
  auto below = [&](std::uint64_t n) { return n == 0 ? std::uint64_t{0} : g() % n; };
  auto range = [&](int lo, int hi) { return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo + 1))); };
  auto percent = [&](int p) { return below(100) < static_cast<std::uint64_t>(p); };
  const char* ties[] = {"id", "id", "lottery", "admit_all"};
  const int n = range(3, 30), np = range(1, 5), nb = percent(30) ? 2 : 1;
  const std::vector<std::string> batch_names = nb == 1 ? std::vector<std::string>{"main"} : std::vector<std::string>{"early", "main"};

  RandomInstance inst;
  inst.rules = "version: 1\nname: random-" + std::to_string(seed) + "\nseed: \"draw " + std::to_string(seed) + "\"\n";
  inst.rules += "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\nrankings:\n";
  inst.rules += std::string("  by_total: {keys: [total desc], last_tie: ") + ties[below(4)] + "}\n";
  inst.rules += std::string("  by_arts: {keys: [arts desc, total desc], last_tie: ") + ties[below(4)] + "}\nbatches:\n";
  std::vector<int> totals;
  const int nvalues = range(2, 8);
  for (int i = 0; i < nvalues; ++i) totals.push_back(range(1100, 1400) * 5);  // in tenths: 550 .. 700 in halves (ties likely)
  std::vector<std::string> seat_columns;
  // Channel names per batch first, so that early channels can send unfilled seats to main.
  std::vector<std::vector<std::string>> channels(static_cast<std::size_t>(nb));
  for (auto& names : channels) {
    names = {"general", "arts", "reserve"};
    for (std::size_t i = names.size(); i > 1; --i) std::swap(names[i - 1], names[static_cast<std::size_t>(below(i))]);
    names.resize(static_cast<std::size_t>(range(1, 3)));
  }
  for (int b = 0; b < nb; ++b) {
    const std::vector<std::string>& names = channels[static_cast<std::size_t>(b)];
    inst.rules += "  - name: " + batch_names[static_cast<std::size_t>(b)] + "\n    channels:\n";
    for (std::size_t h = 0; h < names.size(); ++h) {
      const std::string& ch = names[h];
      const std::string seats = ch + "_" + batch_names[static_cast<std::size_t>(b)];
      seat_columns.push_back(seats);
      const bool arts = ch == "arts";
      const std::string ranking = (arts == percent(75)) ? "by_arts" : "by_total";
      inst.rules += "      - {name: " + ch + ", seats: " + seats + ", ranking: " + ranking;
      const int roll = range(0, 99);
      if (arts ? roll < 75 : roll < 20) {
        inst.rules += ", eligible: \"arts > 0\"";
      } else if (roll < 35) {
        const int t = totals[static_cast<std::size_t>(below(totals.size()))];
        inst.rules += ", eligible: \"total >= " + std::to_string(t / 10) + (t % 10 ? "." + std::to_string(t % 10) : "") + "\"";
      }
      // Unfilled seats: to a later channel of the same batch, or from early to a channel of main.
      const int flow = range(0, 99);
      if (flow < 30 && h + 1 < names.size()) {
        inst.rules += ", unfilled: " + names[h + 1 + static_cast<std::size_t>(below(names.size() - h - 1))];
      } else if (flow >= 50 && b + 1 < nb) {
        const std::vector<std::string>& later = channels[static_cast<std::size_t>(b) + 1];
        inst.rules += ", unfilled: {batch: " + batch_names[static_cast<std::size_t>(b) + 1] + ", channel: " + later[static_cast<std::size_t>(below(later.size()))] + "}";
      }
      inst.rules += "}\n";
    }
  }
  auto score = [](int tenths) { return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : ""); };

  std::vector<std::string> codes;
  inst.programs = "code,school,name,sector,district";
  for (const std::string& c : seat_columns) inst.programs += "," + c;
  inst.programs += "\n";
  for (int p = 0; p < np; ++p) {
    codes.push_back("P" + std::to_string(p + 1));
    inst.programs += codes.back() + ",School " + std::to_string(p) + ",Program,public,D1";
    for (std::size_t c = 0; c < seat_columns.size(); ++c) {
      const int roll = range(0, 99);
      inst.programs += "," + (roll < 10 ? std::string() : roll < 20 ? std::string("0") : std::to_string(range(1, std::max(1, n / (2 * np)) + 1)));
    }
    inst.programs += "\n";
  }

  inst.candidates = "id,total,arts\n";
  inst.choices = "candidate_id,batch,rank,program\n";
  for (int c = 0; c < n; ++c) {
    const std::string id = "C" + std::to_string(100 + c);
    const int roll = range(0, 99);
    const std::string arts = roll < 25 ? "" : roll < 35 ? "0" : score(range(120, 200) * 5);
    inst.candidates += id + "," + score(totals[static_cast<std::size_t>(below(totals.size()))]) + "," + arts + "\n";
    for (int b = 0; b < nb; ++b) {
      if (percent(10)) continue;  // no list in this batch
      std::vector<std::string> order = codes;
      const int len = range(1, std::min(4, np));
      for (int k = 0; k < len; ++k) {
        std::swap(order[static_cast<std::size_t>(k)], order[static_cast<std::size_t>(k) + static_cast<std::size_t>(below(order.size() - static_cast<std::size_t>(k)))]);
        inst.choices += id + "," + batch_names[static_cast<std::size_t>(b)] + "," + std::to_string(k + 1) + "," + order[static_cast<std::size_t>(k)] + "\n";
      }
    }
  }
  return inst;
}

TEST(AuditProperty, EveryRandomRunVerifies) {
  constexpr std::uint64_t kInstances = 200;
  TempDir tmp;
  int replayed = 0, over_capacity_rows = 0, with_flows = 0, two_batches = 0, placed = 0;
  for (std::uint64_t seed = 1; seed <= kInstances; ++seed) {
    const RandomInstance inst = MakeInstance(seed);
    const std::string dir = tmp.path() + "/" + std::to_string(seed);
    const std::string rules = dir + "/rules.yaml";
    WriteBytes(rules, inst.rules);
    WriteBytes(dir + "/candidates.csv", inst.candidates);
    WriteBytes(dir + "/choices.csv", inst.choices);
    WriteBytes(dir + "/programs.csv", inst.programs);
    auto dump = [&] { return "seed " + std::to_string(seed) + "\nrules.yaml:\n" + inst.rules + "candidates.csv:\n" + inst.candidates + "choices.csv:\n" + inst.choices + "programs.csv:\n" + inst.programs; };
    const CommandResult run = Zk("run --quiet --threads 1 --rules " + Q(rules) + " --out " + Q(dir + "/out"), dir);
    ASSERT_EQ(run.exit_code, 0) << "zkmatch run failed\nstderr:\n" << run.err << dump();
    const CommandResult verify = Zk("verify --all --run " + Q(dir + "/out"), dir);
    ASSERT_EQ(verify.exit_code, 0) << "verify rejected the matcher's own run\nstdout:\n" << verify.out << "stderr:\n" << verify.err << dump()
                                   << "placements.csv:\n" << ReadFile(dir + "/out/placements.csv") << "cutoffs.csv:\n" << ReadFile(dir + "/out/cutoffs.csv");
    const std::vector<std::string> cutoffs = SplitLines(ReadFile(dir + "/out/cutoffs.csv"));
    for (std::size_t i = 1; i < cutoffs.size(); ++i) over_capacity_rows += cutoffs[i].size() > 2 && cutoffs[i].substr(cutoffs[i].size() - 2) != ",0" ? 1 : 0;
    with_flows += SplitLines(ReadFile(dir + "/out/flows.csv")).size() > 1 ? 1 : 0;
    two_batches += inst.rules.find("- name: early") != std::string::npos ? 1 : 0;
    for (const std::string& line : SplitLines(ReadFile(dir + "/out/placements.csv"))) placed += line.find(",placed,") != std::string::npos ? 1 : 0;
    if (seed % 10 == 0) {  // replay a sample
      const CommandResult replay = Zk("replay --run " + Q(dir + "/out"), dir);
      ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err << dump();
      ++replayed;
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  EXPECT_EQ(replayed, static_cast<int>(kInstances / 10));
  // The generator reaches the interesting cases.
  std::cout << "[ stats    ] " << kInstances << " instances, " << placed << " placements, " << two_batches << " with two batches, " << with_flows
            << " with seat flows, " << over_capacity_rows << " rows over capacity by ties\n";
  EXPECT_GE(two_batches, 30);
  EXPECT_GE(with_flows, 20);
  EXPECT_GE(over_capacity_rows, 5);
}

// Larger synthetic cities from `zkmatch gen`: the run verifies and replays.
TEST(AuditProperty, GeneratedCitiesVerifyAndReplay) {
  TempDir tmp;
  for (int seed : {1, 2, 3}) {
    const std::string dir = tmp.path() + "/city" + std::to_string(seed);
    const CommandResult gen = Zk("gen --profile city --candidates 800 --seed " + std::to_string(seed) + " --out " + Q(dir), tmp.path());
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    const CommandResult run = Zk("run --quiet --rules " + Q(dir + "/rules.yaml") + " --out " + Q(dir + "/out"), tmp.path());
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const CommandResult verify = Zk("verify --all --run " + Q(dir + "/out"), tmp.path());
    EXPECT_EQ(verify.exit_code, 0) << "seed " << seed << "\n" << verify.out << verify.err;
    const CommandResult replay = Zk("replay --run " + Q(dir + "/out"), tmp.path());
    EXPECT_EQ(replay.exit_code, 0) << "seed " << seed << "\n" << replay.out << replay.err;
  }
}


// ---------------------------------------------------------------------------------------------
// Names read back from audit.jsonl (engine/src/names.h): one this zkmatch does not know is an
// error for explain and a violation for verify, never read as some other value.

// In the first line of `path` that contains `marker`, replaces the first `from` after the marker with `to`.
void EditRecord(const std::string& path, const std::string& marker, const std::string& from, const std::string& to) {
  std::vector<std::string> lines = SplitLines(ReadFile(path));
  auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(marker) != std::string::npos; });
  ASSERT_NE(it, lines.end()) << "no line of " << path << " contains '" << marker << "'";
  const std::size_t at = it->find(from, it->find(marker));
  ASSERT_NE(at, std::string::npos) << "no '" << from << "' after '" << marker << "' in\n" << *it;
  it->replace(at, from.size(), to);
  WriteBytes(path, JoinLines(lines));
}

// Before: a last_tie other than id or lottery read as admit_all ("equal on every key").
TEST_F(AuditExplainTest, UnknownLastTieInTheHeaderIsAnErrorNotAnotherTieBreak) {
  ASSERT_NO_FATAL_FAILURE(EditRecord(run_ + "/audit.jsonl", "\"record\":\"header\"", "\"last_tie\":\"id\"", "\"last_tie\":\"coin_toss\""));
  for (const char* lang : {"", "--lang zh"}) {
    const CommandResult r = Explain("T2", lang);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("audit.jsonl names last_tie 'coin_toss', which this zkmatch does not know (it knows id, lottery and admit_all)"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find("zkmatch verify --run"), std::string::npos) << r.err;
  }
}

// Before: an unknown reason with a seats record read as "below" (full, with the cut-off).
TEST_F(AuditExplainTest, UnknownRejectionReasonIsAnError) {
  ASSERT_NO_FATAL_FAILURE(EditRecord(run_ + "/audit.jsonl", "\"record\":\"candidate\",\"id\":\"T5\"", "\"below\"", "\"beneath\""));
  const CommandResult r = Explain("T5");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("audit.jsonl names rejection reason 'beneath', which this zkmatch does not know (it knows ineligible, "
                       "no_group_seats, below, free_seat and not_below)"),
            std::string::npos) << r.err;
  // Other candidates' records are untouched, but the log is not the one the run wrote: refused
  // until it is resealed (what a resealed log says is verify's to judge); then explained.
  EXPECT_EQ(Explain("T2").exit_code, 2);
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  EXPECT_EQ(Explain("T2").exit_code, 0);
}

TEST_F(AuditTamperTest, UnknownLastTieInTheHeaderIsAViolation) {
  ASSERT_NO_FATAL_FAILURE(EditRecord(P("audit.jsonl"), "\"record\":\"header\"", "\"last_tie\":\"id\"", "\"last_tie\":\"coin_toss\""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"audit.jsonl's header names last_tie 'coin_toss', which this zkmatch does not know"});
}

TEST_F(AuditTamperTest, HeaderLastTieOtherThanTheRulesIsAViolation) {
  ASSERT_NO_FATAL_FAILURE(EditRecord(P("audit.jsonl"), "\"name\":\"by_arts\"", "\"last_tie\":\"id\"", "\"last_tie\":\"admit_all\""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"audit.jsonl's header gives ranking 'by_arts' last_tie admit_all, the rules say id"});
}

TEST_F(AuditTamperTest, UnknownRejectionReasonIsAViolation) {
  ASSERT_NO_FATAL_FAILURE(EditRecord(P("audit.jsonl"), "\"record\":\"candidate\",\"id\":\"T5\"", "\"below\"", "\"beneath\""));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Verify();
  ExpectDigestsConsistent(v);
  ExpectViolations(v, {"names rejection reason 'beneath', which this zkmatch does not know"});
}

// verify reads audit.jsonl in chunks of lines checked on several threads and reported in file
// order. On the Weihai demo (12,595 lines, several chunks), two forged reasons far apart are
// each reported at their own line, earlier line first, and a record edited deep in the file
// without resealing changes the root (one finding of the root, none of another line).
TEST(AuditManyChunks, FindingsKeepTheirLinesAndFileOrder) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  const CommandResult r = Zk("run --rules " + Q(SourceDir() + "/rules/weihai-2025.yaml") + " --out " + Q(run) + " -q", SourceDir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string log = run + "/audit.jsonl";
  const std::vector<std::string> lines = SplitLines(ReadFile(log));
  ASSERT_GT(lines.size(), 12000u);
  const std::string from = "\"general\":\"ineligible\"", to = "\"general\":\"below\"";
  auto first_at_or_after = [&](std::size_t line_no) {
    for (std::size_t i = line_no - 1; i < lines.size(); ++i) {
      if (lines[i].rfind("{\"record\":\"candidate\"", 0) == 0 && lines[i].find(from) != std::string::npos) return i + 1;
    }
    return std::size_t{0};
  };
  const std::size_t early = first_at_or_after(2500), late = first_at_or_after(9000);
  ASSERT_NE(early, 0u);
  ASSERT_NE(late, 0u);
  ASSERT_NO_FATAL_FAILURE(EditInLine(log, late, from, to));
  ASSERT_NO_FATAL_FAILURE(EditInLine(log, early, from, to));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  std::vector<std::string> found;
  for (const std::string& l : SplitLines(v.out)) {
    if (l.rfind("VIOLATION: audit.jsonl:", 0) == 0) found.push_back(l);
  }
  ASSERT_EQ(found.size(), 2u) << v.out;
  EXPECT_EQ(found[0].rfind("VIOLATION: audit.jsonl:" + std::to_string(early) + ": candidate '", 0), 0u) << found[0];
  EXPECT_EQ(found[1].rfind("VIOLATION: audit.jsonl:" + std::to_string(late) + ": candidate '", 0), 0u) << found[1];

  // Now edit line 7000 without resealing (still valid JSON, same facts): the root differs.
  ASSERT_NO_FATAL_FAILURE(EditInLine(log, 7000, "\"record\"", "\"record\" "));
  v = Zk("verify --all --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("VIOLATION: audit.jsonl: the Merkle root of its records is "), std::string::npos) << v.out;
  EXPECT_EQ(v.out.find("VIOLATION: audit.jsonl:7001"), std::string::npos) << v.out;
}

// A what-if's base rules file is an input of the run like the rules file: recorded in the
// manifest with its digest; edited after the run, verify reports it and replay refuses.
TEST(AuditExtends, TheBaseRulesFileIsARecordedInput) {
  TempDir tmp;
  fs::copy(SourceDir() + "/fixtures/cases/extends", tmp.path() + "/case", fs::copy_options::recursive);
  const std::string run = tmp.path() + "/run";
  ASSERT_EQ(Zk("run --rules " + Q(tmp.path() + "/case/lower-line.yaml") + " --out " + Q(run) + " -q", tmp.path()).exit_code, 0);
  const std::string manifest = ReadFile(run + "/manifest.json");
  EXPECT_NE(manifest.find("\"role\":\"rules_base\",\"path\":\"inputs/rules.yaml\""), std::string::npos) << manifest;
  EXPECT_EQ(ReadFile(run + "/inputs/rules.yaml"), ReadFile(tmp.path() + "/case/base/rules.yaml"));
  EXPECT_EQ(Zk("verify --all --run " + Q(run), tmp.path()).exit_code, 0);
  // The bundle's copy of the base edited (a new file in its place, so the original is untouched).
  const std::string base = run + "/inputs/rules.yaml";
  const std::string edited = ReadFile(base) + "# edited after the run\n";
  fs::remove(base);
  WriteBytes(base, edited);
  const CommandResult v = Zk("verify --all --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("VIOLATION: input rules_base file "), std::string::npos) << v.out;
  const CommandResult r = Zk("replay --run " + Q(run), tmp.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("refusing to replay: rules_base file "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace zkmatch::testing

namespace zkmatch::testing {
namespace {

// A batch run by immediate acceptance, forged into deferred acceptance's outcome of the same
// data -- stable by total, so a verifier that checked only "no justified envy" by the ranking
// would pass it. verify recomputes the rounds itself and checks stability under the
// mechanism's priorities (fixtures/cases/mechanisms/NOTES.md).
TEST(AuditMechanisms, DeferredAcceptanceOutcomePassedOffAsImmediateAcceptanceIsCaught) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/case";
  CopyCase(SourceDir() + "/fixtures/cases/mechanisms", dir);
  const std::string rules = dir + "/immediate.yaml", run = tmp.path() + "/run";
  ASSERT_EQ(Zk("run --quiet --rules " + Q(rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
  const CommandResult honest = Zk("verify --all --rules " + Q(rules) + " --run " + Q(run), tmp.path());
  ASSERT_EQ(honest.exit_code, 0) << honest.out << honest.err;
  EXPECT_NE(honest.out.find("ok: mechanisms recomputed from their definition, band by band (batch 'main': immediate acceptance"), std::string::npos)
      << honest.out;
  // S04 takes B (her choice 2) from S06 (who listed it first), S06 goes to C (choice 2), S08 loses C.
  ReplaceLine(run + "/placements.csv", "S04,unplaced,,,,,", "S04,placed,main,B,general,2,");
  ReplaceLine(run + "/placements.csv", "S06,placed,main,B,general,1,", "S06,placed,main,C,general,2,");
  ReplaceLine(run + "/placements.csv", "S08,placed,main,C,general,1,", "S08,unplaced,,,,,");
  Reseal(run);
  const CommandResult v = Zk("verify --all --rules " + Q(rules) + " --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  for (const std::string want : {
           "candidate 'S04': placements.csv gives B (general) in batch 'main', but immediate acceptance (round k: every unplaced candidate's "
           "k-th choice, places final) under the recomputed seats (after 1 pass) gives no program: the outcome is not what the stage's mechanism gives",
           "justified envy: candidate 'S06' (placed at choice 2) ranked B as choice 1 and is eligible for its channel 'general' in batch 'main', "
           "which has a seat held by 'S04', whom the channel ranks lower (earlier bands of choices first, as the stage's mechanism has it)",
       }) {
    EXPECT_NE(v.out.find("VIOLATION: " + want), std::string::npos) << "want: " << want << "\n" << v.out;
  }
}

// The random instances of AuditProperty with every batch run by immediate acceptance or bands of
// 2: the matcher's runs verify (the verifier's own band-by-band code agrees with the engine's
// modified priorities, with channels, ties and flows) and replay.
TEST(AuditMechanisms, RandomRunsWithMechanismsVerify) {
  TempDir tmp;
  int differs = 0;
  for (std::uint64_t seed = 1; seed <= 80; ++seed) {
    const RandomInstance inst = MakeInstance(seed);
    const std::string mechanism = seed % 2 ? "immediate_acceptance" : "{parallel: {band: 2}}";
    std::string rules = inst.rules;
    for (std::size_t at = rules.find("\n    channels:\n"); at != std::string::npos; at = rules.find("\n    channels:\n", at + 40)) {
      rules.insert(at + 1, "    mechanism: " + mechanism + "\n");
    }
    const std::string dir = tmp.path() + "/" + std::to_string(seed);
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"rules.yaml", rules}, {"da.yaml", inst.rules},
                                     {"candidates.csv", inst.candidates}, {"choices.csv", inst.choices}, {"programs.csv", inst.programs}}) {
      WriteBytes(dir + "/" + name, text);
    }
    const CommandResult run = Zk("run --quiet --threads 2 --rules " + Q(dir + "/rules.yaml") + " --out " + Q(dir + "/out"), dir);
    ASSERT_EQ(run.exit_code, 0) << run.err << rules;
    const CommandResult verify = Zk("verify --all --run " + Q(dir + "/out"), dir);
    ASSERT_EQ(verify.exit_code, 0) << "seed " << seed << "\n" << verify.out << verify.err << rules;
    EXPECT_NE(verify.out.find("ok: mechanisms recomputed from their definition"), std::string::npos) << verify.out;
    if (seed % 8 == 0) {
      const CommandResult replay = Zk("replay --run " + Q(dir + "/out"), dir);
      ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
    }
    ASSERT_EQ(Zk("run --quiet --threads 1 --rules " + Q(dir + "/da.yaml") + " --out " + Q(dir + "/da"), dir).exit_code, 0);
    differs += ReadFile(dir + "/da/placements.csv") != ReadFile(dir + "/out/placements.csv") ? 1 : 0;
  }
  std::cout << "[ stats    ] 80 instances under immediate acceptance / bands of 2; " << differs << " placed otherwise than by deferred acceptance\n";
  EXPECT_GE(differs, 12);  // 19 with these seeds: the mechanism matters, the checks are not vacuous
}

// The header's mechanism (what explain reads) must be the rules'.
TEST(AuditMechanisms, HeaderMechanismOtherThanTheRulesIsAViolation) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/case";
  CopyCase(SourceDir() + "/fixtures/cases/mechanisms", dir);
  const std::string rules = dir + "/immediate.yaml", run = tmp.path() + "/run";
  ASSERT_EQ(Zk("run --quiet --rules " + Q(rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
  EditInLine(run + "/audit.jsonl", 1, "\"mechanism\":\"immediate_acceptance\"", "\"mechanism\":{\"parallel\":{\"band\":2}}");
  Reseal(run);
  const CommandResult v = Zk("verify --all --rules " + Q(rules) + " --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("VIOLATION: audit.jsonl's header gives channel 'general' of batch 'main' another mechanism than the rules' immediate_acceptance"),
            std::string::npos) << v.out;
}

// explain says why a higher total lost a seat under a choice-order mechanism.
TEST(AuditMechanisms, ExplainNamesTheEarlierChoiceAsTheReason) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/case";
  CopyCase(SourceDir() + "/fixtures/cases/mechanisms", dir);
  for (const std::string stem : {"immediate", "parallel-2"}) {
    const std::string run = tmp.path() + "/run-" + stem;
    ASSERT_EQ(Zk("run --quiet --rules " + Q(dir + "/" + stem + ".yaml") + " --out " + Q(run), tmp.path()).exit_code, 0);
    const std::string who = stem == "immediate" ? "S04" : "S07";
    const CommandResult e = Zk("explain --run " + Q(run) + " --candidate " + who, tmp.path());
    ASSERT_EQ(e.exit_code, 0) << e.err;
    // In the letters' words (explain speaks them): the choice numbers, never the other candidate's exam number.
    const std::string want = stem == "immediate"
                                 ? "Choice 2 (batch main): 二中 普通班 not admitted: its general seats were filled: this batch admits by the order of "
                                   "choices first (one choice per round), and its last admitted candidate listed it as choice 1, you as choice 2, so "
                                   "they came first whatever the scores."
                                 : "Choice 3 (batch main): 四中 普通班 not admitted: its general seats were filled: this batch admits by the order of "
                                   "choices first (choices in bands of 2), and its last admitted candidate listed it as choice 2, you as choice 3, so "
                                   "they came first whatever the scores.";
    EXPECT_NE(e.out.find(want), std::string::npos) << e.out;
    if (stem == "immediate") {
      const CommandResult zh = Zk("explain --lang zh --run " + Q(run) + " --candidate " + who, tmp.path());
      EXPECT_NE(zh.out.find("名额已录满：本批次先按志愿顺序录取（每轮录取一个志愿），最后录取的考生把它填为第 1 志愿，你填为第 2 志愿，因此无论分数高低对方优先"),
                std::string::npos)
          << zh.out;
    }
    // Guangzhou's ranking (score band, then choice order): S07 (645) lost D to S08 (640) in band 64.
    if (stem == "parallel-2") {
      const std::string gz = tmp.path() + "/run-guangzhou";
      ASSERT_EQ(Zk("run --quiet --rules " + Q(dir + "/guangzhou.yaml") + " --out " + Q(gz), tmp.path()).exit_code, 0);
      const CommandResult g = Zk("explain --run " + Q(gz) + " --candidate S07", tmp.path());
      EXPECT_NE(g.out.find("Choice 3 (batch main): 四中 普通班 not admitted: its general seats were filled: its ranking takes the order of choices "
                           "before the total at an equal 64, and the last admitted candidate (64 like you) listed it as choice 2, you as choice 3, so "
                           "they came first whatever the totals."),
                std::string::npos)
          << g.out;
      const CommandResult gzh = Zk("explain --lang zh --run " + Q(gz) + " --candidate S07", tmp.path());
      EXPECT_NE(gzh.out.find("名额已录满：该排序在 64 相同时先看志愿顺序再看总分，最后录取的考生（同为 64）把它填为第 2 志愿，你填为第 3 志愿，因此无论总分高低对方优先"),
                std::string::npos)
          << gzh.out;
    }
    // In the same band the scores decide, as under deferred acceptance.
    if (stem == "parallel-2") {
      EXPECT_NE(e.out.find("Choice 2 (batch main): 三中 普通班 not admitted: its general seats were filled: the last admitted candidate had 650, you had 645."),
                std::string::npos)
          << e.out;
    }
  }
}


// Channel-tied slots (choices.csv's channel column), fixture channel-tied-slots: the outcome of
// the same lists without the ties, passed off as this run's, is caught -- T2 placed on A's
// reassign seat, which T2 listed for A's open seats only.
TEST(AuditTiedChannels, UntiedOutcomePassedOffIsCaught) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/case";
  CopyCase(SourceDir() + "/fixtures/cases/channel-tied-slots", dir);
  const std::string rules = dir + "/rules.yaml", run = tmp.path() + "/run";
  ASSERT_EQ(Zk("run --quiet --rules " + Q(rules) + " --out " + Q(run), tmp.path()).exit_code, 0);
  const CommandResult honest = Zk("verify --rules " + Q(rules) + " --run " + Q(run), tmp.path());
  ASSERT_EQ(honest.exit_code, 0) << honest.out << honest.err;
  ReplaceLine(run + "/placements.csv", "T2,placed,general,C,reassign,2,", "T2,placed,general,A,reassign,1,");
  ReplaceLine(run + "/placements.csv", "T6,placed,general,A,reassign,1,", "T6,unplaced,,,,,");
  ReplaceLine(run + "/placements.csv", "T8,unplaced,,,,,", "T8,placed,general,C,reassign,2,");
  Reseal(run);
  const CommandResult v = Zk("verify --all --rules " + Q(rules) + " --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("VIOLATION: candidate 'T2' at A (reassign) listed the program for channel 'open' only (choices.csv)"), std::string::npos) << v.out;
}

// The random instances of AuditProperty with 40% of their choices tied to a channel of the
// batch: every run verifies (the verifier reads the ties with its own code) and some replay.
TEST(AuditTiedChannels, RandomRunsWithTiedChoicesVerify) {
  TempDir tmp;
  int differs = 0, tied = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const RandomInstance inst = MakeInstance(seed);
    // The channels of each batch, as the rules list them.
    std::map<std::string, std::vector<std::string>> channels;
    std::string batch;
    std::istringstream lines(inst.rules);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("  - name: ", 0) == 0) batch = line.substr(10);
      if (line.rfind("      - {name: ", 0) == 0) channels[batch].push_back(line.substr(15, line.find(',') - 15));
    }
    std::mt19937_64 g(seed * 7919);
    std::string choices;
    std::istringstream rows(inst.choices);
    for (std::string row; std::getline(rows, row);) {
      if (choices.empty()) {
        choices = row + ",channel\n";
        continue;
      }
      const std::vector<std::string>& names = channels[row.substr(row.find(',') + 1, row.find(',', row.find(',') + 1) - row.find(',') - 1)];
      const bool tie = !names.empty() && g() % 100 < 40;
      tied += tie ? 1 : 0;
      choices += row + "," + (tie ? names[g() % names.size()] : std::string()) + "\n";
    }
    const std::string dir = tmp.path() + "/" + std::to_string(seed);
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"rules.yaml", inst.rules}, {"choices.csv", choices},
                                     {"untied.csv", inst.choices}, {"candidates.csv", inst.candidates}, {"programs.csv", inst.programs}}) {
      WriteBytes(dir + "/" + name, text);
    }
    std::string untied_rules = inst.rules;
    untied_rules.replace(untied_rules.find("choices: choices.csv"), 20, "choices: untied.csv");
    WriteBytes(dir + "/untied.yaml", untied_rules);
    const CommandResult run = Zk("run --quiet --threads 2 --rules " + Q(dir + "/rules.yaml") + " --out " + Q(dir + "/out"), dir);
    ASSERT_EQ(run.exit_code, 0) << run.err << choices;
    const CommandResult verify = Zk("verify --run " + Q(dir + "/out"), dir);
    ASSERT_EQ(verify.exit_code, 0) << "seed " << seed << "\n" << verify.out << verify.err << inst.rules << choices;
    if (seed % 10 == 0) {
      const CommandResult replay = Zk("replay --run " + Q(dir + "/out"), dir);
      ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
    }
    ASSERT_EQ(Zk("run --quiet --threads 1 --rules " + Q(dir + "/untied.yaml") + " --out " + Q(dir + "/untied"), dir).exit_code, 0);
    differs += ReadFile(dir + "/untied/placements.csv") != ReadFile(dir + "/out/placements.csv") ? 1 : 0;
  }
  std::cout << "[ stats    ] 60 instances, " << tied << " choices tied to a channel; " << differs << " placed otherwise than without the ties\n";
  EXPECT_GE(tied, 200);
  EXPECT_GE(differs, 10);
}

}  // namespace
}  // namespace zkmatch::testing
