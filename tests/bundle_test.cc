// The run bundle and verify's grouped findings (issue 13, items 1 and 7), through the real binary.
//
//   - A run is a self-contained bundle: the rules, the file they extend and every input under
//     DIR/inputs/, byte for byte (copies by default), recorded by relative path.
//     Copied to another directory and moved, with the original case directory deleted, every
//     verb (verify, replay, report, explain, letters, diff) works on both copies. Inputs on
//     another file system (/dev/shm) are copied even under --link-inputs, which otherwise
//     hard-links them (an original edited in place then changes the run, unlike a copy).
//   - Bundle names: the file's own name, a clash resolved as STEM-2.EXT in role order, the same
//     file read for two roles kept once; placing a bundle's files again gives the same names.
//   - A run recording absolute paths (written before bundles) is still read, from those paths,
//     with one note line on stderr; a recorded path leaving the bundle is a manifest finding.
//   - verify groups its findings by kind: on fixtures/tamper/ with one candidate's total lowered
//     in the bundle after the run, the input edit comes first, its fifty consequences after,
//     each kind with a count and three examples (golden: fixtures/tamper/verify-grouped.txt);
//     --all lists up to 100 findings of each kind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "digest.h"
#include "support/forge.h"
#include "support/test_env.h"
#include "zkmatch/audit.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Tamper() { return SourceDir() + "/fixtures/tamper"; }

// Every verb on a bundle whose originals are gone; `other` is a second bundle of the same run.
void ExpectEveryVerbWorks(const std::string& run, const std::string& other, const std::string& cwd) {
  SCOPED_TRACE(run);
  const CommandResult v = Zk("verify --run " + Q(run), cwd);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.err, "");  // a bundle: no old-format note
  const CommandResult r = Zk("replay --run " + Q(run), cwd);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "replay: every output reproduced byte for byte\n");
  EXPECT_EQ(Zk("report --run " + Q(run) + " --lang en --out " + Q(run + ".html"), cwd).exit_code, 0);
  EXPECT_NE(ReadFile((run[0] == '/' ? run : cwd + "/" + run) + ".html").find("<code>inputs/candidates.csv</code>"), std::string::npos);
  const CommandResult e = Zk("explain --run " + Q(run) + " --candidate a", cwd);
  EXPECT_EQ(e.exit_code, 0) << e.out << e.err;
  EXPECT_EQ(e.out.find("cannot be read"), std::string::npos) << e.out;  // the letters' wording, from the bundle's inputs
  const CommandResult l = Zk("letters --run " + Q(run) + " --lang en --out " + Q(run + "-letters"), cwd);
  EXPECT_EQ(l.exit_code, 0) << l.out << l.err;
  const CommandResult d = Zk("diff --run " + Q(other) + " --run " + Q(run) + " --out " + Q(run + "-diff"), cwd);
  EXPECT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_EQ(d.err, "");
}

TEST(RunBundle, CopiedAndMovedWithTheOriginalsGoneEveryVerbWorks) {
  TempDir tmp;
  const std::string case_dir = tmp.path() + "/case";
  fs::copy(SourceDir() + "/fixtures/cases/extends", case_dir, fs::copy_options::recursive);
  ASSERT_EQ(Zk("run -q --rules " + Q(case_dir + "/lower-line.yaml") + " --out run", tmp.path()).exit_code, 0);
  // The bundle: byte-identical files under inputs/, recorded by relative path in both places.
  const std::vector<std::pair<std::string, std::string>> bundled = {{"lower-line.yaml", "lower-line.yaml"},
                                                                    {"rules.yaml", "base/rules.yaml"},
                                                                    {"candidates.csv", "base/candidates.csv"},
                                                                    {"choices.csv", "base/choices.csv"},
                                                                    {"programs.csv", "base/programs.csv"}};
  std::vector<std::string> listing;
  for (const auto& e : fs::directory_iterator(tmp.path() + "/run/inputs")) listing.push_back(e.path().filename().string());
  EXPECT_EQ(listing.size(), bundled.size());
  const std::string manifest = ReadFile(tmp.path() + "/run/manifest.json");
  const std::string header = SplitLines(ReadFile(tmp.path() + "/run/audit.jsonl"))[0];
  for (const auto& [name, source] : bundled) {
    const std::string copy = tmp.path() + "/run/inputs/" + name, original = case_dir + "/" + source;
    ASSERT_TRUE(FileExists(copy)) << name;
    EXPECT_EQ(ReadFile(copy), ReadFile(original)) << name;
    struct stat a {}, b {};
    ASSERT_EQ(::stat(copy.c_str(), &a), 0);
    ASSERT_EQ(::stat(original.c_str(), &b), 0);
    EXPECT_NE(a.st_ino, b.st_ino) << name << ": a copy by default, not a link";
    const std::string entry = "\"path\":\"inputs/" + name + "\",\"sha256\":\"" + Sha256Hex(ReadFile(original)) + "\"";
    EXPECT_NE(manifest.find(entry), std::string::npos) << manifest;
    EXPECT_NE(header.find(entry), std::string::npos) << header;
  }
  EXPECT_NE(manifest.find("{\"role\":\"rules_base\",\"path\":\"inputs/rules.yaml\""), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find(tmp.path()), std::string::npos) << "no absolute path: " << manifest;

  fs::create_directories(tmp.path() + "/elsewhere/deeper");
  fs::copy(tmp.path() + "/run", tmp.path() + "/elsewhere/deeper/copied", fs::copy_options::recursive);
  fs::rename(tmp.path() + "/run", tmp.path() + "/moved");
  fs::remove_all(case_dir);
  ExpectEveryVerbWorks(tmp.path() + "/moved", tmp.path() + "/elsewhere/deeper/copied", "/");
  ExpectEveryVerbWorks("deeper/copied", tmp.path() + "/moved", tmp.path() + "/elsewhere");  // a relative --run
}

// --link-inputs with the inputs on another file system (no hard link possible): byte-identical copies.
TEST(RunBundle, InputsOnAnotherFileSystemAreCopied) {
  std::error_code ec;
  const std::string shm = "/dev/shm/zkmatch-bundle-test-" + std::to_string(::getpid());
  fs::create_directories(shm, ec);
  if (ec || !fs::is_directory(shm)) GTEST_SKIP() << "no /dev/shm here";
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } remove{shm};
  TempDir tmp;
  struct stat a {}, b {};
  ASSERT_EQ(::stat(shm.c_str(), &a), 0);
  ASSERT_EQ(::stat(tmp.path().c_str(), &b), 0);
  if (a.st_dev == b.st_dev) GTEST_SKIP() << "/dev/shm is on the temporary directory's file system";
  fs::copy(SourceDir() + "/fixtures/cases/plain", shm + "/case", fs::copy_options::recursive);
  ASSERT_EQ(Zk("run -q --link-inputs --rules " + Q(shm + "/case/plain.yaml") + " --out run", tmp.path()).exit_code, 0);
  for (const char* name : {"plain.yaml", "candidates.csv", "choices.csv", "programs.csv"}) {
    const std::string copy = tmp.path() + "/run/inputs/" + name;
    EXPECT_EQ(ReadFile(copy), ReadFile(shm + "/case/" + name)) << name;
    ASSERT_EQ(::stat(copy.c_str(), &b), 0);
    EXPECT_EQ(b.st_nlink, 1u) << name << ": a copy, not a link";
  }
  fs::remove_all(shm + "/case");
  EXPECT_EQ(Zk("verify --run run", tmp.path()).exit_code, 0);
  EXPECT_EQ(Zk("replay --run run", tmp.path()).exit_code, 0);
}

// run copies its inputs by default, so editing an original in place later leaves the run
// intact; run --link-inputs hard-links them, and the same edit is then seen in the run.
TEST(RunBundle, CopiedInputsKeepTheRunIntactWhenAnOriginalIsEditedInPlace) {
  TempDir tmp;
  fs::copy(SourceDir() + "/fixtures/cases/plain", tmp.path() + "/case", fs::copy_options::recursive);
  ASSERT_EQ(Zk("run -q --rules case/plain.yaml --out copied", tmp.path()).exit_code, 0);
  ASSERT_EQ(Zk("run -q --link-inputs --rules case/plain.yaml --out linked", tmp.path()).exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat((tmp.path() + "/copied/inputs/candidates.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
  { std::ofstream(tmp.path() + "/case/candidates.csv", std::ios::app) << "\n"; }  // other bytes, same rows
  EXPECT_EQ(Zk("verify --run copied", tmp.path()).exit_code, 0);
  const CommandResult linked = Zk("verify --run linked", tmp.path());
  EXPECT_EQ(linked.exit_code, 3) << linked.out;
  EXPECT_NE(linked.out.find("VIOLATION [input changed since the run] x1:"), std::string::npos) << linked.out;
}

// Bundle names: own names, clashes by role order, one place for a file read twice, stable.
TEST(RunBundle, NamesKeepTheFileNameAndResolveClashesInRoleOrder) {
  RunIdentity id;
  id.files = {{"rules", "/a/rules.yaml", "1", 1},       {"rules_base", "/a/base/rules.yaml", "2", 1}, {"rules_base", "/a/b2/rules.yaml", "3", 1},
              {"candidates", "/a/x/data.csv", "4", 1},  {"choices", "/a/y/data.csv", "5", 1},         {"programs", "/a/data-2.csv", "6", 1},
              {"allocations", "/a/x/data.csv", "4", 1}, {"program_scores", "/a/noext", "7", 1}};
  PlaceInBundle(&id);
  const std::vector<std::string> want = {"inputs/rules.yaml",  "inputs/rules-2.yaml",  "inputs/rules-3.yaml", "inputs/data.csv",
                                         "inputs/data-2.csv",  "inputs/data-2-2.csv", "inputs/data.csv",     "inputs/noext"};
  ASSERT_EQ(id.files.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(id.files[i].path, want[i]) << id.files[i].source;
  EXPECT_EQ(id.files[3].source, "/a/x/data.csv");
  EXPECT_EQ(BundleFiles(id).size(), 7u);  // data.csv once
  // The files of the bundle placed again (a replay from the bundle): the same names.
  RunIdentity again;
  for (const RunIdentity::File& f : id.files) again.files.push_back({f.role, "/bundle/" + f.path, f.sha256, f.bytes});
  PlaceInBundle(&again);
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(again.files[i].path, want[i]);
}

// A run written before bundles: absolute paths outside the run (forged here from a bundle).
TEST(RunBundle, OldFormatRunIsReadFromItsAbsolutePathsWithANote) {
  TempDir tmp;
  fs::copy(SourceDir() + "/fixtures/cases/plain", tmp.path() + "/case", fs::copy_options::recursive);
  ASSERT_EQ(Zk("run -q --rules case/plain.yaml --out run", tmp.path()).exit_code, 0);
  const std::string run = tmp.path() + "/run";
  std::string manifest = ReadFile(run + "/manifest.json");
  std::vector<std::string> lines = SplitLines(ReadFile(run + "/audit.jsonl"));
  for (const char* name : {"plain.yaml", "candidates.csv", "choices.csv", "programs.csv"}) {
    const std::string from = "\"path\":\"inputs/" + std::string(name) + "\"", to = "\"path\":\"" + tmp.path() + "/case/" + name + "\"";
    ASSERT_NE(manifest.find(from), std::string::npos);
    manifest.replace(manifest.find(from), from.size(), to);
    lines[0].replace(lines[0].find(from), from.size(), to);
  }
  WriteBytes(run + "/manifest.json", manifest);
  WriteBytes(run + "/audit.jsonl", JoinLines(lines));
  ASSERT_NO_FATAL_FAILURE(Reseal(run));
  fs::remove_all(run + "/inputs");
  const std::string note = run + " is an old-format run: its manifest records the rules and inputs by absolute path outside the run directory, so "
                                 "they are read there and the run cannot be moved; a run written by this zkmatch keeps them under " + run + "/inputs/\n";
  const CommandResult v = Zk("verify --run " + Q(run), tmp.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.err, "zkmatch verify: note: " + note);
  const CommandResult r = Zk("replay --run " + Q(run), tmp.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "zkmatch replay: note: " + note);
  const CommandResult e = Zk("explain --run " + Q(run) + " --candidate " + SplitLines(ReadFile(run + "/placements.csv"))[1].substr(0, 2), tmp.path());
  EXPECT_EQ(e.exit_code, 0) << e.out << e.err;
  EXPECT_EQ(e.err, "zkmatch explain: note: " + note);
}

// A relative path that leaves inputs/ is not a bundle path: a finding, never read.
TEST(RunBundle, RecordedPathLeavingTheBundleIsAManifestFinding) {
  TempDir tmp;
  fs::copy(SourceDir() + "/fixtures/cases/plain", tmp.path() + "/case", fs::copy_options::recursive);
  ASSERT_EQ(Zk("run -q --rules case/plain.yaml --out run", tmp.path()).exit_code, 0);
  std::string manifest = ReadFile(tmp.path() + "/run/manifest.json");
  const std::string from = "\"path\":\"inputs/candidates.csv\"";
  manifest.replace(manifest.find(from), from.size(), "\"path\":\"inputs/../../case/candidates.csv\"");
  WriteBytes(tmp.path() + "/run/manifest.json", manifest);
  const CommandResult v = Zk("verify --all --run run", tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("VIOLATION: manifest.json:inputs[1].path: 'inputs/../../case/candidates.csv' is neither absolute nor a plain path under "
                       "inputs/ of the run directory\n"),
            std::string::npos)
      << v.out;
  const CommandResult r = Zk("replay --run run", tmp.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("manifest.json of run is damaged: manifest.json:inputs[1].path: "), std::string::npos) << r.err;
}

// A forger lowers a rival's total in the bundle's candidates.csv after the run (without
// re-digesting): the edit is the first kind reported, above its consequences.
TEST(VerifyGrouped, AnEditedInputComesFirstAboveItsConsequences) {
  TempDir tmp;
  fs::copy(Tamper(), tmp.path() + "/case", fs::copy_options::recursive);
  fs::remove(tmp.path() + "/case/README.md");
  fs::remove(tmp.path() + "/case/verify-grouped.txt");
  ASSERT_EQ(Zk("run -q --rules case/rules.yaml --out run", tmp.path()).exit_code, 0);
  const std::string copy = tmp.path() + "/run/inputs/candidates.csv";
  std::string text = ReadFile(copy);
  const std::string from = "2500000001,考生1,J16,环翠区,720,", to = "2500000001,考生1,J16,环翠区,300,";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), to);
  fs::remove(copy);  // a new file: the case's original stays as it was
  WriteBytes(copy, text);
  const CommandResult v = Zk("verify --run run", tmp.path());
  EXPECT_EQ(v.exit_code, 3) << v.err;
  EXPECT_EQ(v.err, "");
  ExpectGolden(Tamper() + "/verify-grouped.txt", v.out, "zkmatch verify --run run on the tampered bundle");
  // --all: one VIOLATION line per finding, as many as the summary counts.
  const CommandResult all = Zk("verify --all --run run", tmp.path());
  EXPECT_EQ(all.exit_code, 3);
  std::size_t listed = 0;
  for (const std::string& l : SplitLines(all.out)) listed += l.rfind("VIOLATION: ", 0) == 0 ? 1 : 0;
  const std::string tail = SplitLines(all.out).back();
  EXPECT_EQ(tail, "verify: " + std::to_string(listed) + " violations in run");
  EXPECT_EQ(SplitLines(v.out).back(), tail);
}

}  // namespace
}  // namespace zkmatch::testing
