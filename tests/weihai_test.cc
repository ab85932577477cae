// The shipped Weihai central city 2025 rule set (rules/weihai-2025.yaml on
// fixtures/weihai-2025/), end to end through the real binary: it checks clean, runs, meets the
// published plan (7,440 general-high seats for 12,394 candidates, 1,500 private, 873 specialist
// seats), gives plausible results, is independent of the thread count, and its data are what
// `zkmatch gen --profile weihai --seed 2025` writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

using Row = std::map<std::string, std::string>;

// RFC 4180 enough for zkmatch's own files: quoted fields, "" inside quotes, LF line ends.
std::vector<Row> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      fields.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(fields));
      fields.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !fields.empty()) {
    fields.push_back(std::move(field));
    records.push_back(std::move(fields));
  }
  std::vector<Row> rows;
  for (std::size_t r = 1; r < records.size(); ++r) {
    Row row;
    for (std::size_t k = 0; k < records[0].size() && k < records[r].size(); ++k) row[records[0][k]] = records[r][k];
    rows.push_back(std::move(row));
  }
  return rows;
}

int Int(const std::string& s) { return s.empty() ? 0 : std::stoi(s); }

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string RulesPath() { return SourceDir() + "/rules/weihai-2025.yaml"; }
std::string DataDir() { return SourceDir() + "/fixtures/weihai-2025"; }

// Every regular file under `dir`, by name.
std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out[e.path().filename().string()] = ReadFile(e.path().string());
  }
  return out;
}

const std::set<std::string> kSpecialistChannels = {"sports", "music", "art", "scitech", "combined"};

// One run with one thread and one with two, shared by the tests of the suite.
class WeihaiRuleSet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    run1_ = RunCommand(Quote(ZkmatchBinary()) + " run --rules " + Quote(RulesPath()) + " --out " + Quote(Out1()) + " --threads 1 -q", SourceDir());
    run2_ = RunCommand(Quote(ZkmatchBinary()) + " run --rules " + Quote(RulesPath()) + " --out " + Quote(Out2()) + " --threads 2 -q", SourceDir());
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static std::string Out1() { return tmp_->path() + "/threads-1"; }
  static std::string Out2() { return tmp_->path() + "/threads-2"; }
  static std::vector<Row> Output(const std::string& name) { return ParseCsv(ReadFile(Out1() + "/" + name)); }
  static std::vector<Row> Input(const std::string& name) { return ParseCsv(ReadFile(DataDir() + "/" + name)); }

  static TempDir* tmp_;
  static CommandResult run1_, run2_;
};

TempDir* WeihaiRuleSet::tmp_ = nullptr;
CommandResult WeihaiRuleSet::run1_;
CommandResult WeihaiRuleSet::run2_;

TEST_F(WeihaiRuleSet, ChecksWithoutErrorsAndOnlyTheExplainedWarning) {
  CommandResult r = RunCommand(Quote(ZkmatchBinary()) + " check --rules " + Quote(RulesPath()), SourceDir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("error"), std::string::npos) << r.err;
  // No warning: the only column no rule reads, 'university', is declared descriptive.
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("12394 candidates, 15 programs"), std::string::npos) << r.out;
}

TEST_F(WeihaiRuleSet, RunsEndToEnd) {
  EXPECT_EQ(run1_.exit_code, 0) << run1_.err;
  EXPECT_EQ(run2_.exit_code, 0) << run2_.err;
  EXPECT_TRUE(FileExists(Out1() + "/placements.csv"));
  EXPECT_TRUE(FileExists(Out1() + "/cutoffs.csv"));
}

TEST_F(WeihaiRuleSet, GeneralHighRatioIsNearSixtyPercent) {
  ASSERT_EQ(run1_.exit_code, 0) << run1_.err;
  std::map<std::string, std::string> kind;
  for (const Row& p : Input("programs.csv")) kind[p.at("code")] = p.at("kind");
  const std::vector<Row> placements = Output("placements.csv");
  ASSERT_EQ(placements.size(), 12394u);
  std::size_t general_high = 0;
  for (const Row& r : placements) {
    if (r.at("status") == "placed" && kind.at(r.at("program")) == "general_high") ++general_high;
  }
  const double ratio = static_cast<double>(general_high) / static_cast<double>(placements.size());
  EXPECT_GE(ratio, 0.59) << general_high << " of " << placements.size();
  EXPECT_LE(ratio, 0.61) << general_high << " of " << placements.size();
}

TEST_F(WeihaiRuleSet, CutoffsCarryThePublishedPlan) {
  ASSERT_EQ(run1_.exit_code, 0) << run1_.err;
  std::map<std::string, std::string> sector, kind;
  for (const Row& p : Input("programs.csv")) {
    sector[p.at("code")] = p.at("sector");
    kind[p.at("code")] = p.at("kind");
  }
  int private_seats = 0, general_high_seats = 0;
  std::map<std::string, int> specialist;
  for (const Row& r : Output("cutoffs.csv")) {
    if (!r.at("group").empty()) continue;  // split channels: counted in their per-group rows below
    const int initial = Int(r.at("initial_capacity"));
    if (sector.at(r.at("program")) == "private") private_seats += initial;
    if (kind.at(r.at("program")) == "general_high") general_high_seats += initial;
    if (kSpecialistChannels.count(r.at("channel"))) specialist[r.at("channel")] += initial;
  }
  for (const Row& r : Output("cutoffs.csv")) {
    if (r.at("group").empty()) continue;
    const int initial = Int(r.at("initial_capacity"));
    if (sector.at(r.at("program")) == "private") private_seats += initial;
    if (kind.at(r.at("program")) == "general_high") general_high_seats += initial;
  }
  EXPECT_EQ(private_seats, 1500);
  EXPECT_EQ(general_high_seats, 7440);
  EXPECT_EQ(specialist["sports"], 203);
  EXPECT_EQ(specialist["music"], 195);
  EXPECT_EQ(specialist["art"], 310);
  EXPECT_EQ(specialist["scitech"], 150);
  EXPECT_EQ(specialist["combined"], 15);
  int all_specialist = 0;
  for (const auto& [channel, seats] : specialist) all_specialist += seats;
  EXPECT_EQ(all_specialist, 873);
}

TEST_F(WeihaiRuleSet, BalancedPlanGoesToJuniorSchoolsOfTheData) {
  ASSERT_EQ(run1_.exit_code, 0) << run1_.err;
  std::set<std::string> juniors;
  for (const Row& c : Input("candidates.csv")) juniors.insert(c.at("junior_school"));
  int rows = 0, initial = 0, admitted = 0;
  for (const Row& r : Output("cutoffs.csv")) {
    if (r.at("channel") != "balanced" || Int(r.at("initial_capacity")) == 0) continue;
    ++rows;
    EXPECT_TRUE(juniors.count(r.at("group"))) << "balanced row of " << r.at("program") << " for group '" << r.at("group") << "'";
    initial += Int(r.at("initial_capacity"));
    admitted += Int(r.at("admitted"));
  }
  EXPECT_GT(rows, 0);
  for (const Row& r : Output("allocations.csv")) {
    EXPECT_TRUE(juniors.count(r.at("group"))) << "allocation of " << r.at("program") << " to group '" << r.at("group") << "'";
  }
  // The plan fills mostly; what a junior school cannot fill flows back to the open seats.
  EXPECT_GE(admitted * 10, initial * 9) << admitted << " of " << initial;
}

TEST_F(WeihaiRuleSet, UnfilledSeatsFlowToTheOpenSeats) {
  ASSERT_EQ(run1_.exit_code, 0) << run1_.err;
  int from_specialists = 0, from_balanced = 0;
  for (const Row& f : Output("flows.csv")) {
    EXPECT_EQ(f.at("to_channel"), "general");
    if (f.at("batch") == "early" && kSpecialistChannels.count(f.at("channel"))) from_specialists += Int(f.at("seats"));
    if (f.at("batch") == "general" && f.at("channel") == "balanced") from_balanced += Int(f.at("seats"));
  }
  EXPECT_GT(from_specialists, 0);
  EXPECT_GT(from_balanced, 0);
}

TEST_F(WeihaiRuleSet, OpenSeatCutoffsFollowPopularity) {
  ASSERT_EQ(run1_.exit_code, 0) << run1_.err;
  // H01..H11 are generated in order of popularity: their open-seat cut-offs must not rise.
  std::vector<std::pair<std::string, double>> cutoffs;
  for (const Row& r : Output("cutoffs.csv")) {
    if (r.at("batch") == "general" && r.at("channel") == "general" && r.at("program")[0] == 'H') {
      ASSERT_FALSE(r.at("cutoff_total").empty()) << r.at("program");
      cutoffs.emplace_back(r.at("program"), std::stod(r.at("cutoff_total")));
    }
  }
  ASSERT_EQ(cutoffs.size(), 11u);
  for (std::size_t i = 1; i < cutoffs.size(); ++i) {
    EXPECT_LE(cutoffs[i].second, cutoffs[i - 1].second) << cutoffs[i].first << " above " << cutoffs[i - 1].first;
  }
}

TEST_F(WeihaiRuleSet, OutputsDoNotDependOnTheThreadCount) {
  ASSERT_EQ(run1_.exit_code, 0) << run1_.err;
  ASSERT_EQ(run2_.exit_code, 0) << run2_.err;
  const auto one = Files(Out1()), two = Files(Out2());
  ASSERT_FALSE(one.empty());
  ASSERT_EQ(one.size(), two.size());
  for (const auto& [name, bytes] : one) {
    ASSERT_TRUE(two.count(name)) << name;
    EXPECT_TRUE(bytes == two.at(name)) << name << " differs between --threads 1 and --threads 2";
  }
}

TEST(WeihaiGenerator, ReproducesTheShippedDataAndRules) {
  TempDir tmp;
  const std::string out = tmp.path() + "/gen";
  CommandResult r = RunCommand(Quote(ZkmatchBinary()) + " gen --profile weihai --seed 2025 --out " + Quote(out), SourceDir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"candidates.csv", "choices.csv", "programs.csv"}) {
    const std::string shipped = ReadFile(DataDir() + "/" + name);
    ASSERT_FALSE(shipped.empty()) << name;
    EXPECT_TRUE(ReadFile(out + "/" + name) == shipped) << name << " differs from fixtures/weihai-2025/" << name
                                                         << "; regenerate with zkmatch gen --profile weihai --seed 2025";
  }
  // rules.yaml is rules/weihai-2025.yaml without its two schema-comment lines and with the
  // inputs next to it.
  std::string expected = ReadFile(RulesPath());
  for (int k = 0; k < 2; ++k) expected.erase(0, expected.find('\n') + 1);
  const std::string shipped_inputs =
      "inputs: {candidates: ../fixtures/weihai-2025/candidates.csv, choices: ../fixtures/weihai-2025/choices.csv, programs: ../fixtures/weihai-2025/programs.csv}";
  const std::size_t at = expected.find(shipped_inputs);
  ASSERT_NE(at, std::string::npos) << "rules/weihai-2025.yaml no longer reads fixtures/weihai-2025/";
  expected.replace(at, shipped_inputs.size(), "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}");
  EXPECT_TRUE(ReadFile(out + "/rules.yaml") == expected) << "engine/src/generator.cc (kWeihaiRules) and rules/weihai-2025.yaml differ";
  // The generated directory runs as it is.
  CommandResult run = RunCommand(Quote(ZkmatchBinary()) + " check --rules " + Quote(out + "/rules.yaml"), SourceDir());
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

}  // namespace
}  // namespace zkmatch::testing

namespace zkmatch::testing {
namespace {

// rules/examples/: the Weihai rules under Guangzhou's score bands + choice order and under
// Chen-Kesten bands of 2 check clean, run (the same bytes with 1 and 2 threads), verify, and
// place otherwise than the shipped rules -- and are the shipped rules but for the change.
TEST(WeihaiExamples, GuangzhouAndParallelVariantsCheckRunAndVerify) {
  TempDir tmp;
  const std::string base = tmp.path() + "/shipped";
  ASSERT_EQ(RunCommand(Quote(ZkmatchBinary()) + " run -q --rules " + Quote(SourceDir() + "/rules/weihai-2025.yaml") + " --out " + Quote(base), SourceDir()).exit_code, 0);
  for (const std::string name : {"weihai-2025-guangzhou", "weihai-2025-parallel-2"}) {
    SCOPED_TRACE(name);
    const std::string rules = SourceDir() + "/rules/examples/" + name + ".yaml";
    const CommandResult check = RunCommand(Quote(ZkmatchBinary()) + " check --rules " + Quote(rules), SourceDir());
    ASSERT_EQ(check.exit_code, 0) << check.err;
    EXPECT_EQ(check.err, "");
    const std::string out1 = tmp.path() + "/" + name + "-1", out2 = tmp.path() + "/" + name + "-2";
    for (const auto& [out, threads] : {std::pair<std::string, int>{out1, 1}, {out2, 2}}) {
      const CommandResult run = RunCommand(Quote(ZkmatchBinary()) + " run -q --threads " + std::to_string(threads) + " --rules " + Quote(rules) + " --out " + Quote(out), SourceDir());
      ASSERT_EQ(run.exit_code, 0) << run.err;
    }
    for (const std::string file : {"placements.csv", "cutoffs.csv", "flows.csv", "audit.jsonl"}) EXPECT_TRUE(ReadFile(out1 + "/" + file) == ReadFile(out2 + "/" + file)) << file;
    const CommandResult verify = RunCommand(Quote(ZkmatchBinary()) + " verify --rules " + Quote(rules) + " --run " + Quote(out1), SourceDir());
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_FALSE(ReadFile(out1 + "/placements.csv") == ReadFile(base + "/placements.csv"));
    // The variant is the shipped file with the schema path, inputs, name and header changed and
    // one ranking or mechanism line added or changed.
    const std::string shipped = ReadFile(SourceDir() + "/rules/weihai-2025.yaml"), variant = ReadFile(rules);
    const std::string tail_marker = "\nseed: ";
    ASSERT_NE(variant.find(tail_marker), std::string::npos);
    const std::string a = shipped.substr(shipped.find(tail_marker)), b = variant.substr(variant.find(tail_marker));
    const bool mechanism = name == "weihai-2025-parallel-2";
    std::string expected = a;
    if (mechanism) {
      expected.replace(expected.find("    max_choices: 6\n") + 19, 0, "    mechanism: {parallel: {band: 2}}\n");
    } else {
      const std::string general = "ranking: by_admission, eligible: \"total + bonus >= line.control";
      expected.replace(expected.find(general), 21, "ranking: by_band_then_choice");
      const std::string after = "\"max(chinese, maths) desc\"], last_tie: lottery, label: 投档排序}\n";
      expected.insert(expected.find(after) + after.size(),
                      "  # 广州式: 10-point score band of total + bonus, then the school's place in the list, then as by_admission.\n"
                      "  by_band_then_choice: {keys: [\"floor((total + bonus) / 10) desc\", choice_rank asc, total + bonus desc, total desc], last_tie: lottery}\n");
    }
    EXPECT_EQ(b, expected);
  }
}

}  // namespace
}  // namespace zkmatch::testing
