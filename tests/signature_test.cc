// Signed runs and seals (issue 13, items 3 and 2), through the real binary.
//
//   - keygen writes NAME.key (mode 0600, PEM private key) and NAME.pub (PEM public key), refuses
//     to overwrite them without --force.
//   - run --key signs manifest.json (manifest.sig); verify --pubkey holds for the signing key.
//   - The tamper suite, each with the exact one-line reason (golden: fixtures/tamper/
//     signature-reasons.txt), exit 3: an input edited in the bundle and its digest recorded
//     again (manifest, audit header, chain resealed); manifest.json edited; the forged
//     manifest signed again with another key; the signature deleted.
//   - Seals: `seal` commits to the inputs (digest, bytes, rows); `run --seal` refuses another
//     input naming it (exit 2, nothing written); `verify --seal --pubkey` holds for the sealed
//     run and gives one line per finding otherwise (golden: fixtures/tamper/seal-reasons.txt):
//     a run of other inputs made after the seal, the seal checked with another key, an edited seal.
//   - Keys that cannot be used exit 2 with a clear message and nothing written (golden:
//     fixtures/tamper/bad-keys.txt): a public key as --key, a private key as --pubkey, a file
//     that is no key, an RSA key, a missing file.
// The keys are fixtures/tamper/keys/ (test keys, published on purpose): Ed25519 signatures are
// deterministic, so the goldens are stable.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "digest.h"
#include "support/forge.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Tamper() { return SourceDir() + "/fixtures/tamper"; }

class SignedRun : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"rules.yaml", "candidates.csv", "choices.csv", "programs.csv"}) fs::copy(Tamper() + "/" + f, tmp_.path() + "/" + f);
    for (const char* f : {"bureau.key", "bureau.pub", "other.key", "other.pub", "rsa.pub"}) fs::copy(Tamper() + "/keys/" + f, tmp_.path() + "/" + f);
    const CommandResult r = Zk("run -q --rules rules.yaml --out run --key bureau.key", tmp_.path());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::string P(const std::string& name) const { return tmp_.path() + "/" + name; }
  CommandResult Verify() const { return Zk("verify --run run --pubkey bureau.pub", tmp_.path()); }
  // The one-line reason verify gives for the signature (exit 3), as "<tamper>: <reason>".
  std::string Reason(const std::string& tamper) const {
    const CommandResult v = Verify();
    EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
    const std::vector<std::string> lines = SplitLines(v.out);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
      if (lines[i] == "VIOLATION [signature does not hold] x1:") return tamper + ": " + lines[i + 1].substr(4) + "\n";
    }
    ADD_FAILURE() << "no signature finding:\n" << v.out;
    return tamper + ": (none)\n";
  }
  TempDir tmp_;
};

TEST_F(SignedRun, KeygenWritesAPrivateKeyOnlyItsOwnerReads) {
  const CommandResult k = Zk("keygen --out office", tmp_.path());
  ASSERT_EQ(k.exit_code, 0) << k.err;
  struct stat st {};
  ASSERT_EQ(::stat(P("office.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(P("office.key")).rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  EXPECT_EQ(ReadFile(P("office.pub")).rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  const std::string key = ReadFile(P("office.key"));
  const CommandResult again = Zk("keygen --out office", tmp_.path());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(again.err, "zkmatch keygen: error: office.key already exists; choose another --out or add --force to replace the key pair; nothing was written\n");
  EXPECT_EQ(ReadFile(P("office.key")), key);
  // With --secret too: refused before the secret is written (it was left behind, an audit found).
  const CommandResult with_secret = Zk("keygen --out office --secret", tmp_.path());
  EXPECT_EQ(with_secret.exit_code, 2);
  EXPECT_EQ(with_secret.err, again.err);
  EXPECT_FALSE(FileExists(P("office.secret")));
  EXPECT_EQ(Zk("keygen --out office --force", tmp_.path()).exit_code, 0);
  EXPECT_NE(ReadFile(P("office.key")), key);
}

TEST_F(SignedRun, TheSigningKeyHoldsAndTheSignatureIsDetached) {
  const std::string sig = ReadFile(P("run/manifest.sig"));
  EXPECT_EQ(sig.rfind("{\"format\":\"zkmatch-signature/1\",\"algorithm\":\"Ed25519\",\"signed\":\"manifest.json\",\"public_key_sha256\":\"", 0), 0u) << sig;
  EXPECT_EQ(ReadFile(P("run/manifest.json")).find("manifest.sig"), std::string::npos);  // the manifest does not list its own signature
  const CommandResult v = Verify();
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.out.rfind("ok: manifest.json signed with the key of bureau.pub (manifest.sig)\n", 0), 0u) << v.out;
  // Signing changes no other file: the same run unsigned has the same bytes.
  ASSERT_EQ(Zk("run -q --rules rules.yaml --out plain", tmp_.path()).exit_code, 0);
  EXPECT_EQ(ReadFile(P("plain/manifest.json")), ReadFile(P("run/manifest.json")));
  EXPECT_FALSE(FileExists(P("plain/manifest.sig")));
  EXPECT_EQ(Zk("verify --run run", tmp_.path()).exit_code, 0);  // without --pubkey the signature is not asked for
}

TEST_F(SignedRun, EachTamperHasItsOneLineReason) {
  std::string reasons;
  // (a) An input edited in the bundle, its new digest recorded in the manifest and the audit
  // header, the chain resealed: every digest agrees, only the signature (and the semantic
  // checks) can tell.
  {
    const std::string copy = P("run/inputs/candidates.csv");
    std::string text = ReadFile(copy);
    const std::string from = "2500000001,考生1,J16,环翠区,720,";
    ASSERT_NE(text.find(from), std::string::npos);
    text.replace(text.find(from), from.size(), "2500000001,考生1,J16,环翠区,300,");
    fs::remove(copy);
    WriteBytes(copy, text);
    const std::string anchor = "{\"role\":\"candidates\"";
    std::string manifest = ReadFile(P("run/manifest.json"));
    ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&manifest, anchor, Sha256Hex(text)));
    WriteBytes(P("run/manifest.json"), manifest);
    std::vector<std::string> lines = SplitLines(ReadFile(P("run/audit.jsonl")));
    ASSERT_NO_FATAL_FAILURE(ReplaceHexAfter(&lines[0], anchor, Sha256Hex(text)));
    WriteBytes(P("run/audit.jsonl"), JoinLines(lines));
    ASSERT_NO_FATAL_FAILURE(Reseal(P("run")));
    reasons += Reason("input edited and re-digested");
  }
  // (b) The manifest edited (one byte of the engine version) in a fresh signed run.
  fs::remove_all(P("run"));
  ASSERT_EQ(Zk("run -q --rules rules.yaml --out run --key bureau.key", tmp_.path()).exit_code, 0);
  {
    std::string manifest = ReadFile(P("run/manifest.json"));
    manifest.replace(manifest.find("\"engine\":\"zkmatch "), 18, "\"engine\":\"zkmatcH ");
    WriteBytes(P("run/manifest.json"), manifest);
    reasons += Reason("manifest edited");
  }
  // (c) The run made and signed again by an insider holding another key.
  fs::remove_all(P("run"));
  ASSERT_EQ(Zk("run -q --rules rules.yaml --out run --key other.key", tmp_.path()).exit_code, 0);
  reasons += Reason("signed with another key");
  // (d) The signature deleted.
  fs::remove(P("run/manifest.sig"));
  reasons += Reason("signature missing");
  ExpectGolden(Tamper() + "/signature-reasons.txt", reasons, "verify --pubkey's reason for each tamper");
}

TEST_F(SignedRun, KeysThatCannotBeUsedAreBadInputAndNothingIsWritten) {
  WriteBytes(P("not-a-key.pem"), "hello\n");
  std::string messages;
  for (const std::string& args : {std::string("run -q --rules rules.yaml --out new --key bureau.pub"), std::string("run -q --rules rules.yaml --out new --key not-a-key.pem"),
                                  std::string("run -q --rules rules.yaml --out new --key missing.key"), std::string("verify --run run --pubkey bureau.key"),
                                  std::string("verify --run run --pubkey rsa.pub"), std::string("verify --run run --pubkey not-a-key.pem")}) {
    const CommandResult r = Zk(args, tmp_.path());
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
    EXPECT_EQ(r.out, "") << args;
    messages += "$ zkmatch " + args + "\n" + r.err;
  }
  EXPECT_FALSE(fs::exists(P("new")));
  ExpectGolden(Tamper() + "/bad-keys.txt", messages, "stderr for keys that cannot be used");
}

// Seals (item 2): made before the run, they bind the inputs.
TEST_F(SignedRun, ASealBindsTheInputsOfTheRun) {
  ASSERT_EQ(Zk("seal --rules rules.yaml --key bureau.key --out seal.json", tmp_.path()).exit_code, 0);
  const std::vector<std::string> lines = SplitLines(ReadFile(P("seal.json")));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("{\"format\":\"zkmatch-seal/1\",\"engine\":\"zkmatch ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("{\"role\":\"candidates\",\"sha256\":\"" + Sha256Hex(ReadFile(P("candidates.csv"))) + "\",\"bytes\":" +
                          std::to_string(ReadFile(P("candidates.csv")).size()) + ",\"rows\":120}"),
            std::string::npos)
      << lines[0];
  // The sealed inputs: the run goes ahead, and verify proves it used them.
  ASSERT_EQ(Zk("run -q --rules rules.yaml --seal seal.json --key bureau.key --out sealed", tmp_.path()).exit_code, 0);
  const CommandResult v = Zk("verify --run sealed --pubkey bureau.pub --seal seal.json", tmp_.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("ok: the run read exactly the 4 files sealed in seal.json (signed with the key of bureau.pub)\n"), std::string::npos) << v.out;

  // An input changed after the seal: run --seal refuses, naming the file; nothing written.
  std::string text = ReadFile(P("candidates.csv"));
  const std::string from = "2500000003,考生3,J05,高区,320.5,";
  text.replace(text.find(from), from.size(), "2500000003,考生3,J05,高区,700.5,");
  fs::remove(P("candidates.csv"));  // a new file: the sealed run's bundle keeps the old bytes
  WriteBytes(P("candidates.csv"), text);
  const CommandResult refused = Zk("run -q --rules rules.yaml --seal seal.json --out other", tmp_.path());
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_EQ(refused.err, "seal.json: error: candidates file " + fs::weakly_canonical(P("candidates.csv")).string() +
                             " differs from the one sealed in seal.json: sha256 " + Sha256Hex(text).substr(0, 16) + "..., sealed " +
                             Sha256Hex(ReadFile(P("sealed/inputs/candidates.csv"))).substr(0, 16) + "...; 120 rows, sealed 120\nzkmatch: 1 error; nothing was written\n");
  EXPECT_FALSE(fs::exists(P("other")));
  EXPECT_EQ(Zk("verify --run sealed --seal seal.json", tmp_.path()).exit_code, 2);  // --seal needs --pubkey

  // The tamper suite of seals, one line each (golden): the insider runs anyway without --seal
  // and signs; the seal checked with another key; the seal's commitment edited.
  std::string reasons;
  ASSERT_EQ(Zk("run -q --rules rules.yaml --key bureau.key --out other", tmp_.path()).exit_code, 0);
  auto seal_lines = [&](const std::string& tamper, const std::string& args) {
    const CommandResult r = Zk("verify " + args, tmp_.path());
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    std::string out = tamper + ":\n";
    for (const std::string& l : SplitLines(r.out)) out += l.rfind("VIOLATION", 0) == 0 || l.rfind("    ", 0) == 0 ? l + "\n" : "";
    return out;
  };
  reasons += seal_lines("re-run with other inputs after the seal", "--run other --pubkey bureau.pub --seal seal.json");
  reasons += seal_lines("the seal checked with another key", "--run sealed --pubkey other.pub --seal seal.json");
  std::string seal = ReadFile(P("seal.json"));
  seal.replace(seal.find("\"rows\":120"), 10, "\"rows\":121");
  WriteBytes(P("edited-seal.json"), seal);
  reasons += seal_lines("the seal edited", "--run sealed --pubkey bureau.pub --seal edited-seal.json");
  ExpectGolden(Tamper() + "/seal-reasons.txt", reasons, "verify --seal's reasons");
}

}  // namespace
}  // namespace zkmatch::testing
