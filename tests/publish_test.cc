// The public, pseudonymized bundle (issue 13, item 6), through the library and the real binary.
//
//   - fixtures/tamper's signed run (120 candidates) published with the test secret
//     fixtures/tamper/keys/office.secret: the public bundle verifies alone wherever it is copied
//     and replays, and is the same with one thread; its manifest records the run's manifest
//     digest; its placements are the run's under the pseudonym map, in pseudonym order; no
//     file of it holds an original id or a name; receipts hold on their public side too.
//   - Generated instances of every gen profile publish and verify; keygen --secret.
//   - fixtures/cases/publish-ties: ties decided by id and by lottery, a personal column; the
//     public candidates, choices and placements equal the hand-derived files in its public/.
//   - Refusals, each with its exact message (golden: fixtures/tamper/publish-reasons.txt): a
//     receipt checked against a bundle published with another secret, a receipt asked of such
//     a bundle, an edited public record (verify), a receipt without a public side, a missing or
//     broken secret, an existing --out, a run that does not verify, rules that read a personal
//     column, a public bundle published again; colliding pseudonyms.
//   - The Weihai demo (12,394 candidates) published once: it verifies and holds no id.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "digest.h"
#include "support/forge.h"
#include "support/test_env.h"
#include "zkmatch/publish.h"
#include "zkmatch/receipt.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Tamper() { return SourceDir() + "/fixtures/tamper"; }

std::string TestSecret(const std::string& name) {
  const Result<std::string> secret = ReadPseudonymSecret(Tamper() + "/keys/" + name);
  EXPECT_TRUE(secret) << secret.status().message();
  return secret ? *secret : std::string();
}

// The first cell of every data row of a CSV file (ids: no quoting in these files).
std::vector<std::string> FirstColumn(const std::string& path, std::size_t column = 0) {
  std::vector<std::string> out;
  const std::vector<std::string> rows = SplitLines(ReadFile(path));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::size_t at = 0;
    for (std::size_t k = 0; k < column; ++k) at = rows[i].find(',', at) + 1;
    out.push_back(rows[i].substr(at, rows[i].find(',', at) - at));
  }
  return out;
}

// Every maximal run of characters other than CSV/JSON punctuation and blanks in every file
// under `dir`: an id or a name published anywhere, as a cell or a JSON string, is one of them.
std::set<std::string> Tokens(const std::string& dir) {
  std::set<std::string> tokens;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string text = ReadFile(e.path().string());
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || std::string_view(",:{}[]\"\\ \n\r").find(text[i]) != std::string_view::npos) {
        if (i > start) tokens.insert(text.substr(start, i - start));
        start = i + 1;
      }
    }
  }
  return tokens;
}

// placements.csv of `run` with every id replaced by its pseudonym, rows in pseudonym order.
std::string PlacementsUnderPseudonyms(const std::string& run, const std::string& secret) {
  std::vector<std::string> rows = SplitLines(ReadFile(run + "/placements.csv"));
  const std::string header = rows.front();
  rows.erase(rows.begin());
  for (std::string& row : rows) {
    const std::size_t comma = row.find(',');
    row = Pseudonym(secret, row.substr(0, comma)) + row.substr(comma);
  }
  std::sort(rows.begin(), rows.end());
  rows.insert(rows.begin(), header);
  return JoinLines(rows);
}

// fixtures/tamper run, signed with keys/bureau.key, and its public bundles published with the
// test secret (pub) and with another one (pub-other), for the whole suite (CI time).
class Publish : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    for (const char* f : {"rules.yaml", "candidates.csv", "choices.csv", "programs.csv"}) fs::copy(Tamper() + "/" + f, P(f));
    for (const char* f : {"bureau.key", "bureau.pub", "office.secret", "other.secret"}) fs::copy(Tamper() + "/keys/" + f, P(f));
    for (const std::string& cmd : {std::string("run -q --rules rules.yaml --out run --key bureau.key"),
                                   std::string("publish --run run --out pub --secret office.secret --key bureau.key"),
                                   std::string("publish --run run --out pub-other --secret other.secret --key bureau.key")}) {
      const CommandResult r = Zk(cmd, tmp_->path());
      ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.out << r.err;
    }
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static std::string P(const std::string& name) { return tmp_->path() + "/" + name; }
  static TempDir* tmp_;
};
TempDir* Publish::tmp_ = nullptr;

TEST_F(Publish, TheBundleVerifiesAloneWhereverItIsReplaysAndIsTheSameWithOneThread) {
  fs::create_directories(P("elsewhere"));
  fs::copy(P("pub"), P("elsewhere/public"), fs::copy_options::recursive);
  const CommandResult v = Zk("verify --run elsewhere/public --pubkey bureau.pub", tmp_->path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("verify: elsewhere/public holds"), std::string::npos) << v.out;
  const CommandResult r = Zk("replay --run elsewhere/public", tmp_->path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string manifest = ReadFile(P("pub/manifest.json"));
  EXPECT_NE(manifest.find(",\"public_of\":\"" + Sha256Hex(ReadFile(P("run/manifest.json"))) + "\"}\n"), std::string::npos) << manifest;
  const CommandResult one = Zk("publish --run run --out pub-1 --secret office.secret --key bureau.key --threads 1", tmp_->path());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  for (const auto& e : fs::recursive_directory_iterator(P("pub"))) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), P("pub")).string();
    EXPECT_EQ(ReadFile(P("pub-1/" + rel)), ReadFile(e.path().string())) << rel;
  }
}

TEST_F(Publish, PlacementsAreTheRunsUnderThePseudonymMap) {
  EXPECT_EQ(ReadFile(P("pub/placements.csv")), PlacementsUnderPseudonyms(P("run"), TestSecret("office.secret")));
  const std::vector<std::string> ids = FirstColumn(P("pub/inputs/candidates.csv"));
  ASSERT_EQ(ids.size(), 120u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(SplitLines(ReadFile(P("pub/inputs/candidates.csv")))[0], "id,total,arts,tie_order");
}

TEST_F(Publish, NoPublicFileHoldsAnIdOrAName) {
  const std::set<std::string> tokens = Tokens(P("pub"));
  const std::vector<std::string> ids = FirstColumn(P("candidates.csv")), names = FirstColumn(P("candidates.csv"), 1);
  ASSERT_EQ(SplitLines(ReadFile(P("candidates.csv")))[0].rfind("id,name,", 0), 0u);
  for (const std::string& id : ids) EXPECT_EQ(tokens.count(id), 0u) << id;
  for (const std::string& name : names) EXPECT_EQ(tokens.count(name), 0u) << name;
  for (const auto& e : fs::recursive_directory_iterator(P("pub"))) {  // and not inside a longer string either
    if (!e.is_regular_file()) continue;
    const std::string text = ReadFile(e.path().string());
    for (const std::string& id : ids) EXPECT_EQ(text.find(id), std::string::npos) << id << " in " << e.path();
    for (const std::string& name : names) EXPECT_EQ(text.find(name), std::string::npos) << name << " in " << e.path();
  }
}

// Every third candidate (CI time; each receipt hashes both logs whole), and the last.
TEST_F(Publish, ReceiptsHoldOnThePublicSide) {
  const std::string secret = TestSecret("office.secret");
  const PublicSide side{P("pub"), P("office.secret")};
  std::vector<std::string> ids;
  const std::vector<std::string> all = FirstColumn(P("candidates.csv"));
  for (std::size_t i = 0; i < all.size(); i += 3) ids.push_back(all[i]);
  ids.push_back(all.back());
  for (const std::string& id : ids) {
    const Result<std::string> receipt = MakeReceipt(P("run"), id, &side);
    ASSERT_TRUE(receipt) << id << ": " << receipt.status().message();
    DiagnosticSink sink;
    const Result<ReceiptCheck> check = CheckReceipt("r.json", *receipt, P("bureau.pub"), sink, P("pub"));
    ASSERT_TRUE(check) << id << ": " << check.status().message();
    EXPECT_TRUE(check->holds()) << id << ": " << check->reason;
    EXPECT_EQ(check->pseudonym, Pseudonym(secret, id));
  }
}

// The moves against the public side, and publish's refusals: each message is golden.
TEST_F(Publish, RefusalsSayWhy) {
  const std::string id = FirstColumn(P("candidates.csv"))[0];
  const CommandResult made = Zk("receipt --run run --candidate " + id + " --public pub --secret office.secret --json", tmp_->path());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  WriteBytes(P("r.json"), made.out);
  const CommandResult plain = Zk("receipt --run run --candidate " + id + " --json", tmp_->path());
  WriteBytes(P("plain.json"), plain.out);
  std::string edited = made.out;
  const std::size_t at = edited.find("\\\"status\\\":\\\"placed\\\"", edited.find("\"public\":"));
  ASSERT_NE(at, std::string::npos) << edited;
  edited.replace(at, 22, "\\\"status\\\":\\\"unplaced\\\"");
  WriteBytes(P("edited.json"), edited);
  fs::copy(P("pub"), P("pub-edited"), fs::copy_options::recursive);
  EditInLine(P("pub-edited/audit.jsonl"), 40, "\"rank\":1,", "\"rank\":2,");
  fs::copy(P("run"), P("run-edited"), fs::copy_options::recursive);
  EditInLine(P("run-edited/inputs/candidates.csv"), 2, ",720,", ",300,");
  WriteBytes(P("personal.yaml"), "extends: rules.yaml\nname: city-demo-personal\ninputs:\n  personal: [arts]\n");
  ASSERT_EQ(Zk("run -q --rules personal.yaml --out run-personal", tmp_->path()).exit_code, 0);
  fs::create_directories(P("not-empty"));
  WriteBytes(P("not-empty/x"), "x");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"receipt checked against a bundle published with another secret", "check-receipt --receipt r.json --pubkey bureau.pub --public pub-other"},
      {"receipt asked of a bundle published with another secret", "receipt --run run --candidate " + id + " --public pub-other --secret office.secret"},
      {"the public record in a receipt edited", "check-receipt --receipt edited.json --pubkey bureau.pub --public pub"},
      {"a receipt without a public side", "check-receipt --receipt plain.json --pubkey bureau.pub --public pub"},
      {"a public bundle that is another run's", "receipt --run run-personal --candidate " + id + " --public pub --secret office.secret"},
      {"receipt --public without --secret", "receipt --run run --candidate " + id + " --public pub"},
      {"an edited public record", "verify --run pub-edited --pubkey bureau.pub"},
      {"no secret file", "publish --run run --out p1 --secret missing.secret"},
      {"a secret file that is no secret", "publish --run run --out p1 --secret rules.yaml"},
      {"--out exists and is not empty", "publish --run run --out not-empty --secret office.secret"},
      {"a run that does not verify", "publish --run run-edited --out p1 --secret office.secret"},
      {"rules that read a personal column", "publish --run run-personal --out p1 --secret office.secret"},
      {"a public bundle published again", "publish --run pub --out p1 --secret office.secret"},
  };
  std::string out;
  for (const auto& [what, cmd] : cases) {
    const CommandResult r = Zk(cmd, tmp_->path());
    std::string said;
    for (const std::string& line : SplitLines(r.out + r.err)) {
      if (line.rfind("ok:", 0) != 0 && line.rfind("  ok:", 0) != 0) said += "  " + line + "\n";
    }
    out += what + " (exit " + std::to_string(r.exit_code) + "):\n" + said;
  }
  EXPECT_FALSE(FileExists(P("p1/manifest.json")));
  EXPECT_TRUE(FileExists(P("not-empty/x")));
  ExpectGolden(Tamper() + "/publish-reasons.txt", out, "what receipt, check-receipt, verify and publish say about each move");
}

TEST(PublishSecret, KeygenWritesAPrivateSecretThatPublishReads) {
  TempDir tmp;
  const CommandResult r = Zk("keygen --out office --secret", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = ReadFile(tmp.path() + "/office.secret");
  ASSERT_EQ(text.size(), 65u) << text;
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), 64u);
  EXPECT_EQ(fs::status(tmp.path() + "/office.secret").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(ReadPseudonymSecret(tmp.path() + "/office.secret"));
  EXPECT_TRUE(FileExists(tmp.path() + "/office.key"));
  const CommandResult again = Zk("keygen --out office --secret", tmp.path());
  EXPECT_EQ(again.exit_code, 2);
  // Every file is checked before any is written: the key pair is named first.
  EXPECT_EQ(again.err, "zkmatch keygen: error: office.key already exists; choose another --out or add --force to replace the key pair; nothing was written\n");
  EXPECT_EQ(ReadFile(tmp.path() + "/office.secret"), text);
}

// Generated instances (zkmatch gen's profiles: ties by id, lotteries, specialist channels,
// split seats, program scores): each publishes (publish itself refuses a public run that places
// anyone differently), equals the run under the pseudonym map, and verifies.
class PublishGenerated : public ::testing::TestWithParam<std::string> {};

TEST_P(PublishGenerated, PublishesAndVerifies) {
  const std::string profile = GetParam();
  for (int seed = 1; seed <= 1; ++seed) {  // one seed each (CI time)
    TempDir tmp;
    const std::string n = profile == "province" ? "1000" : "400";
    const CommandResult g = Zk("gen --profile " + profile + " --candidates " + n + " --seed " + std::to_string(seed) + " --out gen", tmp.path());
    ASSERT_EQ(g.exit_code, 0) << g.err;
    std::string rules;
    for (const auto& e : fs::directory_iterator(tmp.path() + "/gen")) {
      if (e.path().extension() == ".yaml" && (rules.empty() || e.path().string() < rules)) rules = e.path().string();
    }
    ASSERT_EQ(Zk("run -q --rules " + Q(rules) + " --out run", tmp.path()).exit_code, 0);
    const CommandResult p = Zk("publish --run run --out pub --secret " + Q(Tamper() + "/keys/office.secret"), tmp.path());
    ASSERT_EQ(p.exit_code, 0) << profile << " seed " << seed << "\n" << p.out << p.err;
    EXPECT_EQ(ReadFile(tmp.path() + "/pub/placements.csv"), PlacementsUnderPseudonyms(tmp.path() + "/run", TestSecret("office.secret"))) << profile << seed;
    const CommandResult v = Zk("verify --run pub", tmp.path());
    EXPECT_EQ(v.exit_code, 0) << profile << " seed " << seed << "\n" << v.out;
  }
}
INSTANTIATE_TEST_SUITE_P(Profiles, PublishGenerated, ::testing::Values("city", "weihai", "province", "hr"));

TEST(PublishPseudonyms, CollisionsAreRefusedNotAssumedAway) {
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back("C" + std::to_string(i));
  const std::string secret(32, '\x07');
  const Result<std::vector<std::string>> one_digit = PseudonymsOf(secret, ids, 1);  // 40 ids, 16 values: a collision
  ASSERT_FALSE(one_digit);
  EXPECT_EQ(one_digit.status().code(), StatusCode::kBadInput);
  EXPECT_NE(one_digit.status().message().find("have the same pseudonym"), std::string::npos) << one_digit.status().message();
  const Result<std::vector<std::string>> full = PseudonymsOf(secret, ids);
  ASSERT_TRUE(full) << full.status().message();
  EXPECT_EQ((*full)[0].size(), kPseudonymHexDigits);
  EXPECT_EQ(std::set<std::string>(full->begin(), full->end()).size(), ids.size());
}

// fixtures/cases/publish-ties: the public bundle is the one NOTES.md derives by hand.
TEST(PublishTies, ThePublicBundleIsTheHandCheckedOne) {
  TempDir tmp;
  const std::string dir = SourceDir() + "/fixtures/cases/publish-ties";
  const CommandResult r = Zk("run -q --rules " + Q(dir + "/rules.yaml") + " --out run", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult p = Zk("publish --run run --out pub --secret " + Q(Tamper() + "/keys/office.secret"), tmp.path());
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  ExpectGolden(dir + "/public/candidates.csv", ReadFile(tmp.path() + "/pub/inputs/candidates.csv"), "the public candidates");
  ExpectGolden(dir + "/public/choices.csv", ReadFile(tmp.path() + "/pub/inputs/choices.csv"), "the public choices");
  ExpectGolden(dir + "/public/placements.csv", ReadFile(tmp.path() + "/pub/placements.csv"), "the public placements");
  EXPECT_EQ(ReadFile(tmp.path() + "/pub/placements.csv"), PlacementsUnderPseudonyms(tmp.path() + "/run", TestSecret("office.secret")));
  const CommandResult v = Zk("verify --run pub", tmp.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  const std::set<std::string> tokens = Tokens(tmp.path() + "/pub");
  for (const char* gone : {"T1", "T2", "T3", "T4", "T5", "甲一", "乙二", "丙三", "丁四", "戊五", "13800000001", "13800000005"}) EXPECT_EQ(tokens.count(gone), 0u) << gone;
}

// The Weihai demo (12,394 candidates), once: its public bundle verifies and holds no id.
TEST(PublishWeihai, TheDemosPublicBundleVerifiesAndHoldsNoId) {
  TempDir tmp;
  const CommandResult r = Zk("run -q --rules " + Q(SourceDir() + "/rules/weihai-2025.yaml") + " --out run", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult p = Zk("publish --run run --out pub --secret " + Q(Tamper() + "/keys/office.secret"), tmp.path());
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  const CommandResult v = Zk("verify --run pub", tmp.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(ReadFile(tmp.path() + "/pub/placements.csv"), PlacementsUnderPseudonyms(tmp.path() + "/run", TestSecret("office.secret")));
  const std::set<std::string> tokens = Tokens(tmp.path() + "/pub");
  const std::vector<std::string> ids = FirstColumn(tmp.path() + "/run/placements.csv");
  ASSERT_EQ(ids.size(), 12394u);
  std::size_t found = 0;
  for (const std::string& id : ids) found += tokens.count(id);
  EXPECT_EQ(found, 0u);
}

}  // namespace
}  // namespace zkmatch::testing
