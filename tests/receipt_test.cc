// Candidate receipts (issue 13, item 5), through the library and the real binary.
//
//   - Receipts of every candidate of a signed run (fixtures/tamper's 120 candidates, in-process),
//     each checked and its one-line outcome compared with placements.csv; a sample of the
//     Weihai demo the same way; the binary's receipt / check-receipt for one candidate, in zh
//     and en, and as JSON; a run of the hash-chain format named as such.
//   - Forged receipts, each refused (exit 3) with its exact one-line reason (golden:
//     fixtures/tamper/receipt-reasons.txt): an edited record, a wrong proof step, a proof step
//     dropped, a manifest with another root, a manifest signed by another key, no signature, and
//     another candidate's record under this candidate's name.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/forge.h"
#include "support/test_env.h"
#include "zkmatch/receipt.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

// placements.csv's outcome of every candidate in the words DescribeReceiptRecord uses.
std::map<std::string, std::string> Outcomes(const std::string& run) {
  std::map<std::string, std::string> out;
  const std::vector<std::string> rows = SplitLines(ReadFile(run + "/placements.csv"));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::vector<std::string> cell;
    std::size_t at = 0;
    for (std::size_t comma; (comma = rows[i].find(',', at)) != std::string::npos; at = comma + 1) cell.push_back(rows[i].substr(at, comma - at));
    cell.push_back(rows[i].substr(at));
    // candidate_id,status,batch,program,channel,choice_rank,stage
    out[cell[0]] = cell[1] == "placed" ? "placed at " + cell[3] + " through " + cell[4] + " (choice " + cell[5] + " in batch " + cell[2] + ")" : "unplaced";
  }
  return out;
}

// Every candidate in `ids` gets a receipt that holds under `pubkey`, saying what placements.csv says.
void ExpectReceiptsHold(const std::string& run, const std::string& pubkey, const std::vector<std::string>& ids) {
  const std::map<std::string, std::string> outcomes = Outcomes(run);
  for (const std::string& id : ids) {
    const Result<std::string> receipt = MakeReceipt(run, id);
    ASSERT_TRUE(receipt) << id << ": " << receipt.status().message();
    DiagnosticSink sink;
    const Result<ReceiptCheck> check = CheckReceipt("r.json", *receipt, pubkey, sink);
    ASSERT_TRUE(check) << id << ": " << check.status().message();
    EXPECT_TRUE(check->holds()) << id << ": " << check->reason;
    EXPECT_EQ(check->candidate, id);
    ASSERT_TRUE(outcomes.count(id)) << id;
    EXPECT_EQ(check->outcome, outcomes.at(id)) << id;
  }
}

std::string Tamper() { return SourceDir() + "/fixtures/tamper"; }

// One signed run of fixtures/tamper for the whole suite (CI time); tests copy what they edit.
class Receipts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    for (const char* f : {"rules.yaml", "candidates.csv", "choices.csv", "programs.csv"}) fs::copy(Tamper() + "/" + f, P(f));
    for (const char* f : {"bureau.key", "bureau.pub", "other.key", "other.pub"}) fs::copy(Tamper() + "/keys/" + f, P(f));
    const CommandResult r = Zk("run -q --rules rules.yaml --out run --key bureau.key", tmp_->path());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const CommandResult o = Zk("run -q --rules rules.yaml --out other-run --key other.key", tmp_->path());
    ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
    const CommandResult u = Zk("run -q --rules rules.yaml --out unsigned-run", tmp_->path());
    ASSERT_EQ(u.exit_code, 0) << u.out << u.err;
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static std::string P(const std::string& name) { return tmp_->path() + "/" + name; }
  static std::vector<std::string> Ids() {
    std::vector<std::string> ids;
    const std::vector<std::string> rows = SplitLines(ReadFile(P("candidates.csv")));
    for (std::size_t i = 1; i < rows.size(); ++i) ids.push_back(rows[i].substr(0, rows[i].find(',')));
    return ids;
  }
  static TempDir* tmp_;
};
TempDir* Receipts::tmp_ = nullptr;

TEST_F(Receipts, EveryCandidatesReceiptHoldsAndSaysWhatPlacementsSay) {
  const std::vector<std::string> ids = Ids();
  ASSERT_EQ(ids.size(), 120u);
  ExpectReceiptsHold(P("run"), P("bureau.pub"), ids);
}

TEST_F(Receipts, TheBinaryWritesAndChecksAReceipt) {
  const std::string id = Ids()[1];
  const CommandResult json = Zk("receipt --run run --candidate " + id + " --json", tmp_->path());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.rfind("{\"format\":\"zkmatch-receipt/1\",\"candidate\":\"" + id + "\",\"record\":\"{\\\"record\\\":\\\"candidate\\\",\\\"id\\\":\\\"" + id, 0), 0u)
      << json.out;
  WriteBytes(P("r-" + id + ".json"), json.out);
  const CommandResult check = Zk("check-receipt --receipt r-" + id + ".json --pubkey bureau.pub", tmp_->path());
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const std::string key = SplitLines(ReadFile(P("run/manifest.sig")))[0];
  const std::string fp = key.substr(key.find("\"public_key_sha256\":\"") + 21, 64);
  EXPECT_EQ(check.out, "check-receipt: holds: candidate " + id + " " + Outcomes(P("run")).at(id) + ", in the run signed by the key with SHA-256 " + fp + "\n");
  for (const char* lang : {"en", "zh"}) {
    const CommandResult text = Zk("receipt --run run --candidate " + id + " --lang " + lang, tmp_->path());
    ASSERT_EQ(text.exit_code, 0) << text.err;
    const std::vector<std::string> lines = SplitLines(text.out);
    ASSERT_GE(lines.size(), 4u) << text.out;
    if (std::string(lang) == "en") {
      EXPECT_EQ(lines[0], "Receipt for candidate " + id + ": " + Outcomes(P("run")).at(id));
    } else {
      EXPECT_EQ(lines[0].rfind("考生 " + id + " 的录取回执：", 0), 0u) << lines[0];
    }
    EXPECT_NE(text.out.find(fp), std::string::npos) << text.out;
  }
}

TEST_F(Receipts, UnknownCandidateAndBrokenRunAreRefused) {
  const CommandResult none = Zk("receipt --run run --candidate nobody", tmp_->path());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err, "zkmatch receipt: error: no candidate 'nobody' in run/audit.jsonl; check the id (as in candidates.csv)\n");
  fs::copy(P("run"), P("broken"), fs::copy_options::recursive);
  EditInLine(P("broken/audit.jsonl"), 3, "\"record\"", "\"record\" ");
  const CommandResult broken = Zk("receipt --run broken --candidate " + Ids()[0], tmp_->path());
  EXPECT_EQ(broken.exit_code, 3);
  EXPECT_EQ(broken.err, "zkmatch receipt: error: the Merkle root of broken/audit.jsonl is not the one manifest.json records: the run does not verify (zkmatch verify --run broken); no receipt is made for it\n");
  const CommandResult not_receipt = Zk("check-receipt --receipt rules.yaml --pubkey bureau.pub", tmp_->path());
  EXPECT_EQ(not_receipt.exit_code, 2) << not_receipt.out << not_receipt.err;
  EXPECT_NE(not_receipt.err.find("rules.yaml: error: not a receipt"), std::string::npos) << not_receipt.err;
}

// A run written before the Merkle tree (zkmatch-manifest/1, a hash chain) is named as such by
// verify (exit 3) and receipt (exit 2), not read as a broken tree.
TEST_F(Receipts, AHashChainRunIsNamedAsTheOlderFormat) {
  fs::copy(P("run"), P("chain-run"), fs::copy_options::recursive);
  EditInLine(P("chain-run/manifest.json"), 1, "\"zkmatch-manifest/2\"", "\"zkmatch-manifest/1\"");
  const std::string why = "manifest.json:format: 'zkmatch-manifest/1' is not zkmatch-manifest/2 (a run written before the Merkle audit log, with a hash chain; "
                          "check it with the zkmatch that wrote it)";
  const CommandResult v = Zk("verify --run chain-run", tmp_->path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("    manifest.json is not a valid zkmatch-manifest/2 document: " + why + "\n"), std::string::npos) << v.out;
  const CommandResult r = Zk("receipt --run chain-run --candidate " + Ids()[0], tmp_->path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.err, "zkmatch receipt: error: chain-run/manifest.json is not a valid manifest: " + why + "\n");
}

// The forger's moves on a receipt; each one-line reason is golden.
TEST_F(Receipts, ForgedReceiptsAreRefusedWithTheirReason) {
  const std::vector<std::string> ids = Ids();
  const std::string id = ids[0], other_id = ids[5];
  auto receipt = [&](const std::string& run, const std::string& who) {
    const CommandResult r = Zk("receipt --run " + run + " --candidate " + who + " --json", tmp_->path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::string good = receipt("run", id);
  auto replace = [](std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  };
  const std::size_t proof_at = good.find("\"proof\":[\"") + 10;
  std::string wrong_step = good;
  wrong_step[proof_at] = wrong_step[proof_at] == '0' ? '1' : '0';
  std::string dropped = good;
  dropped.erase(proof_at - 1, 67);  // the first step, its quotes and its comma
  const std::size_t root_at = good.find("\\\"audit_root\\\":\\\"") + 17;
  std::string other_root = good;
  other_root[root_at] = other_root[root_at] == '0' ? '1' : '0';
  const std::string other_record = receipt("run", other_id);
  std::string swapped = replace(other_record, "\"candidate\":\"" + other_id + "\"", "\"candidate\":\"" + id + "\"");
  const std::vector<std::pair<std::string, std::string>> forged = {
      {"record edited (unplaced written as placed)", replace(good, "\\\"status\\\":\\\"", "\\\"status\\\":\\\"x")},
      {"a proof step changed", wrong_step},
      {"a proof step dropped", dropped},
      {"the manifest's root changed", other_root},
      {"the run signed by another key", receipt("other-run", id)},
      {"an unsigned run", receipt("unsigned-run", id)},
      {"another candidate's record", swapped},
  };
  std::string reasons;
  for (const auto& [what, text] : forged) {
    WriteBytes(P("forged.json"), text);
    const CommandResult c = Zk("check-receipt --receipt forged.json --pubkey bureau.pub", tmp_->path());
    EXPECT_EQ(c.exit_code, 3) << what << "\n" << c.out << c.err;
    EXPECT_EQ(SplitLines(c.out).size(), 1u) << c.out;
    reasons += what + ": " + c.out;
  }
  ExpectGolden(Tamper() + "/receipt-reasons.txt", reasons, "check-receipt's reason for each forged receipt");
}

// The Weihai demo (12,394 candidates): a sample of every 500th candidate, in-process.
TEST(ReceiptsWeihai, ASampleOfTheDemoHolds) {
  TempDir tmp;
  fs::copy(Tamper() + "/keys/bureau.key", tmp.path() + "/bureau.key");
  fs::copy(Tamper() + "/keys/bureau.pub", tmp.path() + "/bureau.pub");
  const std::string run = tmp.path() + "/run";
  const CommandResult r = Zk("run -q --rules " + Q(SourceDir() + "/rules/weihai-2025.yaml") + " --out " + Q(run) + " --key bureau.key", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> ids;
  const std::vector<std::string> rows = SplitLines(ReadFile(run + "/placements.csv"));
  for (std::size_t i = 1; i < rows.size(); i += 500) ids.push_back(rows[i].substr(0, rows[i].find(',')));
  ids.push_back(rows.back().substr(0, rows.back().find(',')));
  ASSERT_GE(ids.size(), 25u);
  ExpectReceiptsHold(run, tmp.path() + "/bureau.pub", ids);
}

}  // namespace
}  // namespace zkmatch::testing
