// The published run directory's format module (engine/src/run_format.h), on a real run of
// fixtures/cases/flow-chain/rules.yaml written by `zkmatch run` (all five CSV files have rows):
//
//   - the column tables are exactly the headers the writers produce (and the fixture's
//     expected files hold);
//   - ReadPublishedRun on the good run has no findings and gives the rows typed (numbers
//     parsed, the manifest's inputs and outputs with role, path, sha256);
//   - damaged copies give findings naming file:row:column: a capacity that is not a number
//     (the row is left out, not read as 0), a missing column, a row with too few cells, a
//     manifest without inputs (which OpenRecordedRun, the readers' first step, refuses);
//   - `zkmatch verify` reports a malformed cutoffs.csv cell as a violation, with every digest
//     resealed (a consistent forger), instead of reading it as 0;
//   - the readers of a run check the digests of the bytes their load parsed (CheckParsedInputs),
//     and refuse a changed input as changed, even one that no longer loads.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "digest.h"
#include "run_format.h"
#include "support/forge.h"
#include "support/test_env.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/replay.h"
#include "zkmatch/rules.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

// Replaces line `line_no` (1-based) of `path`, which must equal `from`, with `to`.
void SetLine(const std::string& path, std::size_t line_no, const std::string& from, const std::string& to) {
  std::vector<std::string> lines = SplitLines(ReadFile(path));
  ASSERT_LE(line_no, lines.size()) << path;
  ASSERT_EQ(lines[line_no - 1], from) << path << ":" << line_no << "; the fixture changed?";
  lines[line_no - 1] = to;
  WriteBytes(path, JoinLines(lines));
}

bool HasFinding(const std::vector<Finding>& findings, const std::string& prefix) {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.Format().rfind(prefix, 0) == 0; });
}

std::string AllFindings(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) out += f.Format() + "\n";
  return out;
}

class RunFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = tmp_.path() + "/run";
    const CommandResult r = Zk("run --quiet --rules " + Q(SourceDir() + "/fixtures/cases/flow-chain/rules.yaml") + " --out " + Q(run_), tmp_.path());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::string P(const std::string& name) const { return run_ + "/" + name; }
  TempDir tmp_;
  std::string run_;
};

TEST_F(RunFormatTest, ColumnTablesAreTheHeadersTheWritersWrite) {
  const std::vector<std::pair<std::string, std::string>> tables = {
      {kPlacementsFile, CsvHeaderRow(placements_csv::kColumns)}, {kCutoffsFile, CsvHeaderRow(cutoffs_csv::kColumns)},
      {kFlowsFile, CsvHeaderRow(flows_csv::kColumns)},           {kAllocationsFile, CsvHeaderRow(allocations_csv::kColumns)},
      {kLinesFile, CsvHeaderRow(lines_csv::kColumns)},
  };
  for (const auto& [file, header] : tables) {
    const std::string written = ReadFile(P(file));
    EXPECT_EQ(written.substr(0, written.find('\n') + 1), header) << file;
    const std::string expected = ReadFile(SourceDir() + "/fixtures/cases/flow-chain/expected/" + file);
    EXPECT_EQ(expected.substr(0, expected.find('\n') + 1), header) << file;
    EXPECT_GT(SplitLines(written).size(), 1u) << file << " has no rows; the fixture changed?";
  }
  EXPECT_EQ(CsvHeaderRow(cutoffs_csv::kColumns),
            "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity\n");
}

TEST_F(RunFormatTest, GoodRunHasNoFindingsAndTypedRows) {
  const PublishedRun run = ReadPublishedRun(run_);
  EXPECT_TRUE(run.ok()) << AllFindings(run.findings);
  EXPECT_EQ(run.manifest_status, ReadStatus::kRead);
  EXPECT_EQ(run.placements.size(), SplitLines(ReadFile(P(kPlacementsFile))).size() - 1);
  EXPECT_EQ(run.cutoffs.size(), SplitLines(ReadFile(P(kCutoffsFile))).size() - 1);
  EXPECT_EQ(run.flows.size(), SplitLines(ReadFile(P(kFlowsFile))).size() - 1);
  EXPECT_EQ(run.allocations.size(), SplitLines(ReadFile(P(kAllocationsFile))).size() - 1);
  EXPECT_EQ(run.lines.size(), SplitLines(ReadFile(P(kLinesFile))).size() - 1);
  // Spot checks against the fixture's expected files.
  ASSERT_GE(run.cutoffs.size(), 2u);
  const CutoffRow& local = run.cutoffs[1];  // main,P,local,,2,2,640,,1,1,0,0
  EXPECT_EQ(local.line, 3);
  EXPECT_EQ(local.program, "P");
  EXPECT_EQ(local.channel, "local");
  EXPECT_EQ(local.capacity, 2);
  EXPECT_EQ(local.admitted, 2);
  EXPECT_EQ(local.cutoff_total, "640");
  EXPECT_EQ(local.initial, 1);
  EXPECT_EQ(local.flowed_in, 1);
  ASSERT_FALSE(run.placements.empty());
  EXPECT_EQ(run.placements[0].id, "a");
  EXPECT_TRUE(run.placements[0].placed());
  EXPECT_EQ(run.placements[0].choice_rank, 1);
  ASSERT_FALSE(run.flows.empty());
  EXPECT_EQ(run.flows.back().pass, 2);
  EXPECT_EQ(run.flows.back().seats, 1);
  ASSERT_FALSE(run.lines.empty());
  EXPECT_EQ(run.lines[0].name, "control");
  EXPECT_EQ(run.lines[0].score, 650 * kScoreScale);
  // The manifest: every input with role, path and digest; every output.
  for (const char* role : {"rules", "candidates", "choices", "programs", "allocations"}) {
    const ManifestInput* in = run.manifest.Input(role);
    ASSERT_NE(in, nullptr) << role;
    EXPECT_EQ(in->path.rfind("inputs/", 0), 0u) << in->path;  // the run bundle's copy
    EXPECT_EQ(in->sha256, Sha256Hex(ReadFile(P(in->path)))) << role;
  }
  ASSERT_EQ(run.manifest.outputs.size(), 7u);  // six CSV files and audit.jsonl
  for (const ManifestOutput& out : run.manifest.outputs) EXPECT_EQ(out.sha256, Sha256Hex(ReadFile(P(out.file)))) << out.file;
  EXPECT_EQ(run.manifest.audit_root.size(), 64u);
  EXPECT_EQ(run.manifest.audit_records, static_cast<std::int64_t>(SplitLines(ReadFile(run_ + "/audit.jsonl")).size()));
}

TEST_F(RunFormatTest, CapacityThatIsNotANumberIsAFindingNotZero) {
  ASSERT_NO_FATAL_FAILURE(SetLine(P(kCutoffsFile), 3, "main,P,local,,2,2,640,,1,1,0,0", "main,P,local,,x1,2,640,,1,1,0,0"));
  const PublishedRun run = ReadPublishedRun(run_, kCutoffsPart);
  ASSERT_EQ(run.findings.size(), 1u) << AllFindings(run.findings);
  EXPECT_EQ(run.findings[0].Format(), "cutoffs.csv:3:capacity: 'x1' is not a whole number");
  EXPECT_EQ(run.cutoffs.size(), 5u);  // the row is left out
  for (const CutoffRow& r : run.cutoffs) EXPECT_NE(r.line, 3);
}

TEST_F(RunFormatTest, MissingColumnIsAFindingNamingIt) {
  // The capacity column removed from the header and every row.
  std::vector<std::string> lines = SplitLines(ReadFile(P(kCutoffsFile)));
  for (std::string& l : lines) {
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) at = l.find(',', at) + 1;
    l.erase(at, l.find(',', at) + 1 - at);
  }
  ASSERT_EQ(lines[0], "batch,program,channel,group,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity");
  WriteBytes(P(kCutoffsFile), JoinLines(lines));
  const PublishedRun run = ReadPublishedRun(run_, kCutoffsPart);
  EXPECT_TRUE(HasFinding(run.findings, "cutoffs.csv:1:capacity: the header does not have 'capacity' in column 5")) << AllFindings(run.findings);
  EXPECT_TRUE(run.cutoffs.empty());
}

TEST_F(RunFormatTest, RowWithTooFewCellsNamesTheFirstMissingColumn) {
  ASSERT_NO_FATAL_FAILURE(SetLine(P(kFlowsFile), 3, "main,,1,R,balanced,J1,main,,local,1", "main,,1,R,balanced,J1,main,,local"));
  const PublishedRun run = ReadPublishedRun(run_, kFlowsPart);
  EXPECT_TRUE(HasFinding(run.findings, "flows.csv:3:seats: this row has 9 fields but the header has 10")) << AllFindings(run.findings);
  EXPECT_EQ(run.flows.size(), 3u);
}

TEST_F(RunFormatTest, ManifestWithoutInputsIsAFindingAndReplayRefuses) {
  std::string manifest = ReadFile(P(kManifestFile));
  const std::size_t from = manifest.find("\"inputs\":[");
  const std::size_t to = manifest.find("\"outputs\":[");
  ASSERT_TRUE(from != std::string::npos && to != std::string::npos && from < to) << manifest;
  manifest.erase(from, to - from);
  WriteBytes(P(kManifestFile), manifest);
  const PublishedRun run = ReadPublishedRun(run_, kManifestPart);
  EXPECT_EQ(run.manifest_status, ReadStatus::kRead);
  EXPECT_TRUE(HasFinding(run.findings, "manifest.json:inputs: missing: the manifest lists no input files")) << AllFindings(run.findings);
  EXPECT_TRUE(run.manifest.inputs.empty());
  const Result<RecordedRun> rules = OpenRecordedRun(run_);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), StatusCode::kBadInput);
  const std::string& why = rules.status().message();
  EXPECT_NE(why.find("manifest.json:inputs: missing"), std::string::npos) << why;
  const CommandResult v = Zk("verify --all --rules " + Q(SourceDir() + "/fixtures/cases/flow-chain/rules.yaml") + " --run " + Q(run_), tmp_.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("VIOLATION: manifest.json:inputs: missing"), std::string::npos) << v.out;
}

TEST_F(RunFormatTest, ManifestWithABadDigestNamesTheKey) {
  std::string manifest = ReadFile(P(kManifestFile));
  const std::string key = "\"sha256\":\"";
  const std::size_t at = manifest.find(key);
  ASSERT_NE(at, std::string::npos);
  manifest.replace(at + key.size(), 64, "not-a-digest");
  WriteBytes(P(kManifestFile), manifest);
  const PublishedRun run = ReadPublishedRun(run_, kManifestPart);
  EXPECT_TRUE(HasFinding(run.findings, "manifest.json:inputs[0].sha256: ")) << AllFindings(run.findings);
}

// verify, not the reader alone: every digest resealed, so only the cell itself is wrong.
TEST_F(RunFormatTest, VerifyReportsAMalformedCutoffsCellResealed) {
  ASSERT_NO_FATAL_FAILURE(SetLine(P(kCutoffsFile), 3, "main,P,local,,2,2,640,,1,1,0,0", "main,P,local,,x1,2,640,,1,1,0,0"));
  ASSERT_NO_FATAL_FAILURE(Reseal(run_));
  const CommandResult v = Zk("verify --all --run " + Q(run_), tmp_.path());
  EXPECT_EQ(v.exit_code, 3) << v.out << v.err;
  EXPECT_NE(v.out.find("ok: inputs and outputs match manifest.json"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("VIOLATION: cutoffs.csv:3:capacity: 'x1' is not a whole number"), std::string::npos) << v.out;
  EXPECT_EQ(v.out.find(" holds\n"), std::string::npos) << v.out;
}

// The readers of a finished run read each recorded input once: the load hashes the bytes it
// parses, and CheckParsedInputs compares those digests with the manifest's.
TEST_F(RunFormatTest, CheckParsedInputsJudgesTheBytesTheLoadParsed) {
  const Result<RecordedRun> recorded = OpenRecordedRun(run_);
  ASSERT_TRUE(recorded.ok()) << recorded.status().message();
  ASSERT_EQ(recorded->inputs.size(), 5u);
  EXPECT_EQ(recorded->inputs[0].role, "rules");
  EXPECT_EQ(recorded->inputs[0].path, recorded->rules_path);
  DiagnosticSink sink;
  const Result<Rules> rules = LoadRules(recorded->rules_path, sink, recorded->files);
  ASSERT_TRUE(rules.ok());
  RunIdentity read;
  ASSERT_TRUE(LoadInputs(*rules, sink, &read).ok());
  EXPECT_TRUE(CheckParsedInputs(*recorded, read).ok());
  // A digest of the bytes parsed that is not the recorded one is refused, though the file on
  // disk is unchanged: the check judges what was parsed, not the file read again.
  RunIdentity other = read;
  const auto choices = std::find_if(other.files.begin(), other.files.end(), [](const RunIdentity::File& f) { return f.role == "choices"; });
  ASSERT_NE(choices, other.files.end());
  const std::string recorded_sha = choices->sha256, parsed(64, 'e');
  choices->sha256 = parsed;
  const Status refused = CheckParsedInputs(*recorded, other);
  EXPECT_EQ(refused.code(), StatusCode::kBadInput);
  EXPECT_EQ(refused.message(), "choices file " + P("inputs/choices.csv") + " differs from the one the run used (sha256 " + parsed + ", recorded " + recorded_sha + ")");
  // A load that listed nothing (it stopped early): the recorded files are hashed where they lie.
  EXPECT_TRUE(CheckParsedInputs(*recorded, RunIdentity{}).ok());
  WriteBytes(P("inputs/choices.csv"), ReadFile(P("inputs/choices.csv")) + "a,main,9,P\n");
  const Status hashed = CheckParsedInputs(*recorded, RunIdentity{});
  EXPECT_EQ(hashed.message(), "choices file " + P("inputs/choices.csv") + " differs from the one the run used (sha256 " + Sha256Hex(ReadFile(P("inputs/choices.csv"))) +
                                  ", recorded " + recorded_sha + ")");
  fs::remove(P("inputs/choices.csv"));
  EXPECT_EQ(CheckParsedInputs(*recorded, RunIdentity{}).message(), "choices file " + P("inputs/choices.csv") + " cannot be read");
}

// Every reader that loads a run's inputs (replay, report, letters, gen --supplementary, and the
// letters' wording in explain) refuses an input changed so that it no longer loads as changed,
// with nothing else on stderr and nothing written; and the rules file likewise.
TEST_F(RunFormatTest, EveryReaderRefusesAChangedInputAsChangedEvenWhenItNoLongerLoads) {
  const std::string choices = P("inputs/choices.csv"), rules = P("inputs/rules.yaml");
  const std::string choices_sha = Sha256Hex(ReadFile(choices)), rules_sha = Sha256Hex(ReadFile(rules));
  const std::string out = tmp_.path() + "/out";
  const std::vector<std::tuple<std::string, std::string, std::string>> readers = {  // command, stderr around the reason
      {"replay --run " + Q(run_), "zkmatch replay: error: refusing to replay: ", ""},
      {"report --run " + Q(run_) + " --out " + Q(out + ".html"), "zkmatch report: error: refusing to report: ", "; no report was written"},
      {"letters --run " + Q(run_) + " --out " + Q(out), "zkmatch letters: error: refusing to write letters: ", "; no letters were written"},
      {"gen --supplementary " + Q(run_) + " --out " + Q(out), "zkmatch: error: cannot generate a supplementary round: ", "; nothing was written"},
  };
  auto expect_refused = [&](const std::string& file, const std::string& recorded) {
    const std::string changed = file.substr(file.rfind('/') + 1) == "rules.yaml" ? "rules" : "choices";
    const std::string why = changed + " file " + file + " differs from the one the run used (sha256 " + Sha256Hex(ReadFile(file)) + ", recorded " + recorded + ")";
    for (const auto& [command, refusal, after] : readers) {
      const CommandResult r = Zk(command, tmp_.path());
      EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.out << r.err;
      EXPECT_EQ(r.err, refusal + why + after + "\n") << command;
      EXPECT_FALSE(fs::exists(out)) << command;
      EXPECT_FALSE(fs::exists(out + ".html")) << command;
    }
    const CommandResult e = Zk("explain --run " + Q(run_) + " --candidate a --lang en", tmp_.path());
    EXPECT_EQ(e.exit_code, 0) << e.out << e.err;
    EXPECT_EQ(e.out.rfind("(The run's inputs cannot be used: " + why + ". What follows is the audit log's record alone, in the rules' names and codes; run zkmatch verify to check the run.)\n", 0), 0u) << e.out;
  };
  const std::string original = ReadFile(choices);
  WriteBytes(choices, original + "a,main,9,NOPE\n");  // a program that does not exist: the inputs no longer load
  expect_refused(choices, choices_sha);
  WriteBytes(choices, original);
  WriteBytes(rules, ReadFile(rules) + "bogus: [\n");  // no longer YAML
  expect_refused(rules, rules_sha);
}

}  // namespace
}  // namespace zkmatch::testing
