// Unit tests for the rules loader (zkmatch::ParseRules): DESIGN.md's two example files, input
// path resolution, and every error with its exact file:line:col and message.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "expression.h"
#include "zkmatch/diagnostics.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

using Strings = std::vector<std::string>;

struct Loaded {
  std::optional<Rules> rules;
  Strings errors;  // every diagnostic, formatted
};

Loaded Load(const std::string& text, const std::string& path = "/r/rules.yaml") {
  DiagnosticSink sink;
  Loaded out;
  if (auto rules = ParseRules(text, path, sink)) out.rules = std::move(*rules);
  for (const Diagnostic& d : sink.diagnostics()) out.errors.push_back(d.Format());
  return out;
}

// DESIGN.md, "Contract: the rules file", verbatim.
const char kPlain[] =
    "# plain.yaml: one batch, one open channel per program, ranked by total, ties by candidate id\n"
    "version: 1\n"
    "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
    "rankings:\n"
    "  by_total: {keys: [total desc], last_tie: id}\n"
    "batches:\n"
    "  - name: main\n"
    "    channels:\n"
    "      - {name: general, seats: general, ranking: by_total}\n";

const char kTwoRankings[] =
    "# two-rankings.yaml: programs with an `arts` capacity rank applicants by the `arts` column;\n"
    "# the arts channel is listed first, so it is filled first within a program\n"
    "version: 1\n"
    "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
    "rankings:\n"
    "  by_total: {keys: [total desc], last_tie: id}\n"
    "  by_arts:  {keys: [arts desc, total desc], last_tie: id}\n"
    "batches:\n"
    "  - name: main\n"
    "    channels:\n"
    "      - {name: arts, seats: arts, ranking: by_arts, eligible: \"arts > 0\"}\n"
    "      - {name: general, seats: general, ranking: by_total}\n";

TEST(RulesLoader, PlainExampleMeansWhatItSays) {
  Loaded l = Load(kPlain, "/srv/2025/plain.yaml");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  EXPECT_EQ(l.errors, Strings{});
  const Rules& r = *l.rules;
  EXPECT_EQ(r.path, "/srv/2025/plain.yaml");
  EXPECT_EQ(r.name, "plain");
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.inputs.candidates, "/srv/2025/candidates.csv");
  EXPECT_EQ(r.inputs.choices.at(0).path, "/srv/2025/choices.csv");
  EXPECT_EQ(r.inputs.programs, "/srv/2025/programs.csv");
  EXPECT_TRUE(r.columns.empty());

  ASSERT_EQ(r.rankings.size(), 1u);
  const Ranking& by_total = r.rankings[0];
  EXPECT_EQ(by_total.name, "by_total");
  EXPECT_EQ(by_total.last_tie, LastTie::kId);
  EXPECT_EQ(by_total.pos.line, 5);
  EXPECT_EQ(by_total.pos.col, 3);
  ASSERT_EQ(by_total.keys.size(), 1u);
  EXPECT_EQ(by_total.keys[0].text, "total desc");
  EXPECT_TRUE(by_total.keys[0].descending);
  ASSERT_NE(by_total.keys[0].expr, nullptr);
  EXPECT_EQ(by_total.keys[0].expr->op, Expression::Op::kColumn);
  EXPECT_EQ(by_total.keys[0].expr->text, "total");
  EXPECT_EQ(by_total.keys[0].pos.line, 5);
  EXPECT_EQ(by_total.keys[0].pos.col, 21);

  ASSERT_EQ(r.batches.size(), 1u);
  const Batch& main = r.batches[0];
  EXPECT_EQ(main.name, "main");
  EXPECT_EQ(main.max_choices, 0);
  ASSERT_EQ(main.stages[0].channels.size(), 1u);
  const Channel& general = main.stages[0].channels[0];
  EXPECT_EQ(general.name, "general");
  EXPECT_EQ(general.seats, "general");
  EXPECT_EQ(general.ranking, 0);
  EXPECT_EQ(general.eligible, nullptr);
  EXPECT_EQ(general.eligible_text, "");
  EXPECT_EQ(general.pos.line, 9);
  EXPECT_EQ(general.pos.col, 9);

  EXPECT_TRUE(r.candidate_columns.empty());
  EXPECT_TRUE(r.program_columns.empty());
  EXPECT_EQ(r.FindRanking("by_total"), 0);
  EXPECT_EQ(r.FindRanking("by_arts"), -1);
  EXPECT_EQ(r.FindBatch("main"), 0);
  EXPECT_EQ(r.FindBatch("second"), -1);
  EXPECT_EQ(r.HeaderFor("id"), "id");
  EXPECT_EQ(r.HeaderFor("total"), "total");
}

// `choices:` as a list: one file per export, each with its role, layout and own format.
TEST(RulesLoader, SeveralChoicesFilesKeepTheirOrderRolesAndLayouts) {
  Loaded l = Load(R"(version: 1
inputs:
  candidates: candidates.csv
  choices:
    - {file: 提前批.csv, layout: wide, id: 准考证号, encoding: gb18030, batches: {early: [提前1, 提前2]}}
    - /srv/普通批.csv
  programs: programs.csv
rankings:
  by_total: {keys: [total desc], last_tie: id}
batches:
  - name: early
    channels:
      - {name: early, seats: early, ranking: by_total}
  - name: general
    channels:
      - {name: general, seats: general, ranking: by_total}
)", "rules/r.yaml");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  const RuleInputs& in = l.rules->inputs;
  ASSERT_EQ(in.choices.size(), 2u);
  EXPECT_EQ(in.choices[0].path, "rules/提前批.csv");
  EXPECT_EQ(in.choices[0].role, "choices");
  EXPECT_TRUE(in.choices[0].wide);
  ASSERT_EQ(in.choices[0].layout.batches.size(), 1u);
  EXPECT_EQ(in.choices[0].layout.batches[0].batch, 0);
  EXPECT_EQ(in.choices[1].path, "/srv/普通批.csv");
  EXPECT_EQ(in.choices[1].role, "choices_2");
  EXPECT_FALSE(in.choices[1].wide);
  EXPECT_EQ(l.rules->EncodingFor("choices"), "gb18030");
  EXPECT_EQ(l.rules->EncodingFor("choices_2"), "utf-8");
  EXPECT_EQ(RuleInputs::Kind("choices_2"), "choices");
  const std::vector<std::pair<std::string, std::string>> files = {{"candidates", "rules/candidates.csv"}, {"choices", "rules/提前批.csv"},
                                                                  {"choices_2", "/srv/普通批.csv"}, {"programs", "rules/programs.csv"}};
  EXPECT_EQ(in.Files(), files);
}

TEST(RulesLoader, TwoRankingsExampleMeansWhatItSays) {
  Loaded l = Load(kTwoRankings, "rules/two-rankings.yaml");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  EXPECT_EQ(l.errors, Strings{});
  const Rules& r = *l.rules;
  EXPECT_EQ(r.name, "two-rankings");
  EXPECT_EQ(r.inputs.candidates, "rules/candidates.csv");
  EXPECT_EQ(r.inputs.choices.at(0).path, "rules/choices.csv");
  EXPECT_EQ(r.inputs.programs, "rules/programs.csv");

  ASSERT_EQ(r.rankings.size(), 2u);
  EXPECT_EQ(r.rankings[0].name, "by_total");
  EXPECT_EQ(r.rankings[1].name, "by_arts");
  ASSERT_EQ(r.rankings[0].keys.size(), 1u);
  ASSERT_EQ(r.rankings[1].keys.size(), 2u);
  EXPECT_EQ(r.rankings[1].keys[0].text, "arts desc");
  EXPECT_TRUE(r.rankings[1].keys[0].descending);
  EXPECT_EQ(r.rankings[1].keys[1].text, "total desc");
  EXPECT_TRUE(r.rankings[1].keys[1].descending);
  EXPECT_EQ(r.rankings[1].last_tie, LastTie::kId);

  ASSERT_EQ(r.batches.size(), 1u);
  const Batch& main = r.batches[0];
  ASSERT_EQ(main.stages[0].channels.size(), 2u);
  // Precedence order: the arts channel is listed first.
  EXPECT_EQ(main.stages[0].channels[0].name, "arts");
  EXPECT_EQ(main.stages[0].channels[0].seats, "arts");
  EXPECT_EQ(main.stages[0].channels[0].ranking, 1);  // by_arts
  ASSERT_NE(main.stages[0].channels[0].eligible, nullptr);
  EXPECT_EQ(main.stages[0].channels[0].eligible_text, "arts > 0");
  EXPECT_EQ(main.stages[0].channels[1].name, "general");
  EXPECT_EQ(main.stages[0].channels[1].seats, "general");
  EXPECT_EQ(main.stages[0].channels[1].ranking, 0);  // by_total
  EXPECT_EQ(main.stages[0].channels[1].eligible, nullptr);

  // arts is a numeric candidate column, first used in the by_arts key.
  ASSERT_EQ(r.candidate_columns.size(), 1u);
  EXPECT_EQ(r.candidate_columns[0].name, "arts");
  EXPECT_TRUE(r.candidate_columns[0].numeric);
  EXPECT_EQ(r.candidate_columns[0].pos.line, 7);
  EXPECT_EQ(r.candidate_columns[0].pos.col, 21);
  EXPECT_TRUE(r.program_columns.empty());

  // The eligibility condition is bound to the candidate columns in that order: evaluate it.
  Candidates cand;
  cand.id = {"a", "b", "c"};
  cand.total = {60000, 60000, 60000};
  cand.row = {2, 3, 4};
  Column arts;
  arts.name = arts.header = "arts";
  arts.numeric = true;
  arts.number = {8000, 0, kMissingScore};
  cand.columns.push_back(arts);
  Programs prog;
  const Expression& eligible = *main.stages[0].channels[0].eligible;
  EXPECT_TRUE(EvaluateCondition(eligible, cand, prog, CandidateIndex{0}, kNoProgram));
  EXPECT_FALSE(EvaluateCondition(eligible, cand, prog, CandidateIndex{1}, kNoProgram));
  EXPECT_FALSE(EvaluateCondition(eligible, cand, prog, CandidateIndex{2}, kNoProgram));
  EXPECT_EQ(EvaluateNumber(*r.rankings[1].keys[0].expr, cand, prog, CandidateIndex{0}, kNoProgram), 8000);
  EXPECT_EQ(EvaluateNumber(*r.rankings[1].keys[1].expr, cand, prog, CandidateIndex{0}, kNoProgram), 60000);
}

// A rules file up to its one batch's channels (ranking by_total), for tests that write channels.
const char kOneBatchHead[] =
    "version: 1\n"
    "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
    "rankings:\n"
    "  by_total: {keys: [total desc], last_tie: id}\n"
    "batches:\n"
    "  - name: main\n"
    "    channels:\n";

// Two channels of one stage may take equal shares of one plan (25% arts, 25% sports): each gets
// its own quarter, unlike two channels reading one capacity column, which would count it twice.
TEST(RulesLoader, EqualSharesOfOnePlanAreTwoChannelsSeats) {
  const std::string head = kOneBatchHead;
  Loaded l = Load(head +
                  "      - {name: arts, seats: {share: 25%, of: plan}, ranking: by_total}\n"
                  "      - {name: sports, seats: {share: 0.25, of: plan}, ranking: by_total}\n"
                  "      - {name: open, seats: {rest_of: plan}, ranking: by_total}\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  const std::vector<Channel>& ch = l.rules->batches[0].stages[0].channels;
  EXPECT_EQ(ch[0].share->ppm, 250000);
  EXPECT_EQ(ch[1].share->ppm, 250000);
  EXPECT_EQ(ch[2].share->minus, (std::vector<std::int64_t>{250000, 250000}));
  EXPECT_EQ(ch[2].seats, "rest of plan after 25%, 25%");

  l = Load(head +
           "      - {name: arts, seats: plan, ranking: by_total}\n"
           "      - {name: open, seats: plan, ranking: by_total}\n");
  EXPECT_EQ(l.errors, (Strings{"/r/rules.yaml:9:29: error: seat column 'plan' is already used by channel 'arts'; each channel needs its own capacity column"}));
}

// A computed allocation's `rounding:` may be left out (largest_remainder, the only method, as
// the schema's default says); an unknown method is still an error.
TEST(RulesLoader, ComputedAllocationRoundingDefaultsToLargestRemainder) {
  const std::string head = std::string(kOneBatchHead) +
      "      - {name: county, seats: county, ranking: by_total, split_by: district, unfilled: none,\n"
      "         allocation: {proportional_to: [{count: \"true\", weight: 1}]";
  Loaded l = Load(head + "}}\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  const Allocation& a = l.rules->batches[0].stages[0].channels[0].allocation;
  EXPECT_EQ(a.kind, Allocation::Kind::kProportional);
  EXPECT_EQ(a.rounding, Allocation::Rounding::kLargestRemainder);
  l = Load(head + ", rounding: round_half_up}}\n");
  ASSERT_EQ(l.errors.size(), 1u) << ::testing::PrintToString(l.errors);
  EXPECT_NE(l.errors[0].find("rounding 'round_half_up' is not supported"), std::string::npos) << l.errors[0];
}

TEST(RulesLoader, KeyDirections) {
  Loaded l = Load(
      "version: 1\n"
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"
      "rankings:\n"
      "  r:\n"
      "    keys:\n"
      "      - total desc\n"
      "      - chinese + maths asc\n"
      "      - (arts)desc\n"
      "      - max(a, b)  asc\n"
      "      - \"-total desc\"\n"
      "    last_tie: id\n"
      "batches:\n"
      "  - {name: main, channels: [{name: g, seats: g, ranking: r}]}\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  const auto& keys = l.rules->rankings[0].keys;
  ASSERT_EQ(keys.size(), 5u);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"total desc", true}, {"chinese + maths asc", false}, {"(arts)desc", true},
      {"max(a, b)  asc", false}, {"-total desc", true}};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(expected[i].first);
    EXPECT_EQ(keys[i].text, expected[i].first);
    EXPECT_EQ(keys[i].descending, expected[i].second);
    EXPECT_NE(keys[i].expr, nullptr);
    EXPECT_EQ(keys[i].pos.line, static_cast<int>(6 + i));
    EXPECT_EQ(keys[i].pos.col, 9);
  }
  std::vector<std::string> cols;
  for (const ColumnRef& c : l.rules->candidate_columns) cols.push_back(c.name + (c.numeric ? ":number" : ":text"));
  EXPECT_EQ(cols, (Strings{"chinese:number", "maths:number", "arts:number", "a:number", "b:number"}));
}

TEST(RulesLoader, InputPathsAreRelativeToTheRulesFile) {
  struct Case {
    std::string rules_path;
    std::string input;
    std::string resolved;
  };
  const Case cases[] = {
      {"/srv/2025/plain.yaml", "candidates.csv", "/srv/2025/candidates.csv"},
      {"/srv/2025/plain.yaml", "./sub/c.csv", "/srv/2025/sub/c.csv"},
      {"/srv/2025/plain.yaml", "../data/c.csv", "/srv/data/c.csv"},
      {"/srv/2025/plain.yaml", "/abs/c.csv", "/abs/c.csv"},
      {"rules/plain.yaml", "c.csv", "rules/c.csv"},
      {"rules/plain.yaml", "../fixtures/c.csv", "fixtures/c.csv"},
      {"plain.yaml", "c.csv", "c.csv"},
      {"plain.yaml", "../c.csv", "../c.csv"},
      {"./plain.yaml", "c.csv", "c.csv"},
      {"/\xE6\x95\xB0\xE6\x8D\xAE/plain.yaml", "\xE8\x80\x83\xE7\x94\x9F.csv",
       "/\xE6\x95\xB0\xE6\x8D\xAE/\xE8\x80\x83\xE7\x94\x9F.csv"},  // /数据/考生.csv
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rules_path + " + " + c.input);
    Loaded l = Load("version: 1\n"
                    "inputs: {candidates: '" + c.input + "', choices: '" + c.input + "', programs: '" + c.input + "'}\n"
                    "rankings: {r: {keys: [total desc], last_tie: id}}\n"
                    "batches: [{name: m, channels: [{name: g, seats: g, ranking: r}]}]\n",
                    c.rules_path);
    ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
    EXPECT_EQ(l.rules->inputs.candidates, c.resolved);
    EXPECT_EQ(l.rules->inputs.choices.at(0).path, c.resolved);
    EXPECT_EQ(l.rules->inputs.programs, c.resolved);
  }
}

// `label:` gives batches, channels, rankings and lines a display name; names stay the
// identifiers, and a label is optional (empty when not given).
TEST(RulesLoader, LabelsAreDisplayNames) {
  Loaded l = Load(
      "version: 1\n"
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"
      "lines: {control: {value: 500, label: 控制线}, low: {from: control, offset: -30}}\n"
      "rankings: {r: {keys: [total desc], last_tie: id, label: 投档排序}}\n"
      "batches:\n"
      "  - name: general\n"
      "    label: 普通批\n"
      "    channels: [{name: open, label: 统招, seats: g, ranking: r}, {name: other, seats: o, ranking: r}]\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  const Rules& r = *l.rules;
  EXPECT_EQ(r.lines[0].name, "control");
  EXPECT_EQ(r.lines[0].label, "控制线");
  EXPECT_EQ(r.lines[1].label, "");
  EXPECT_EQ(r.rankings[0].label, "投档排序");
  EXPECT_EQ(r.batches[0].name, "general");
  EXPECT_EQ(r.batches[0].label, "普通批");
  EXPECT_EQ(r.batches[0].stages[0].channels[0].label, "统招");
  EXPECT_EQ(r.batches[0].stages[0].channels[1].label, "");
  // A label is one value, at its own line and column.
  Loaded bad = Load(
      "version: 1\n"
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"
      "rankings: {r: {keys: [total desc], last_tie: id}}\n"
      "batches:\n"
      "  - {name: main, label: [a, b], channels: [{name: g, seats: g, ranking: r}]}\n");
  EXPECT_EQ(bad.errors, (Strings{"/r/rules.yaml:5:25: error: 'label' must be a single value, not a list or mapping"}));
}

TEST(RulesLoader, NameColumnsAndMaxChoices) {
  Loaded l = Load(
      "version: 1\n"
      "name: \xE5\xA8\x81\xE6\xB5\xB7 2025\n"  // 威海 2025
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"
      "columns: {id: \xE5\x87\x86\xE8\x80\x83\xE8\xAF\x81\xE5\x8F\xB7, total: \xE6\x80\xBB\xE5\x88\x86}\n"
      "rankings: {r: {keys: [total desc], last_tie: id}}\n"
      "batches:\n"
      "  - {name: early, max_choices: 2, channels: [{name: g, seats: g, ranking: r}]}\n"
      "  - {name: main, max_choices: 6, channels: [{name: g, seats: g, ranking: r}]}\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  const Rules& r = *l.rules;
  EXPECT_EQ(r.name, "\xE5\xA8\x81\xE6\xB5\xB7 2025");
  EXPECT_EQ(r.HeaderFor("id"), "\xE5\x87\x86\xE8\x80\x83\xE8\xAF\x81\xE5\x8F\xB7");
  EXPECT_EQ(r.HeaderFor("total"), "\xE6\x80\xBB\xE5\x88\x86");
  EXPECT_EQ(r.HeaderFor("district"), "district");
  ASSERT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.batches[0].name, "early");
  EXPECT_EQ(r.batches[0].max_choices, 2);
  EXPECT_EQ(r.batches[1].name, "main");
  EXPECT_EQ(r.batches[1].max_choices, 6);
  EXPECT_EQ(r.FindBatch("main"), 1);
}

TEST(RulesLoader, ColumnsOfEveryKind) {
  Loaded l = Load(
      "version: 1\n"
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"
      "rankings: {r: {keys: [chinese + maths desc], last_tie: id}}\n"
      "batches:\n"
      "  - name: main\n"
      "    channels:\n"
      "      - {name: a, seats: a, ranking: r, eligible: \"district in [X, Y] and program.quota > 0\"}\n"
      "      - {name: b, seats: b, ranking: r, eligible: district = program.region and chinese >= 90}\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  auto show = [](const std::vector<ColumnRef>& refs) {
    Strings out;
    for (const ColumnRef& c : refs) {
      out.push_back(c.name + (c.numeric ? ":number@" : ":text@") + std::to_string(c.pos.line) + ":" +
                    std::to_string(c.pos.col));
    }
    return out;
  };
  EXPECT_EQ(show(l.rules->candidate_columns),
            (Strings{"chinese:number@3:23", "maths:number@3:33", "district:text@7:52"}));
  EXPECT_EQ(show(l.rules->program_columns), (Strings{"quota:number@7:75", "region:text@8:62"}));
  EXPECT_TRUE(ReferencesProgram(*l.rules->batches[0].stages[0].channels[0].eligible));
}

// A valid file to break one piece at a time.
const char kHead[] =
    "version: 1\n"
    "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n";

std::string E(int line, int col, const std::string& message) {
  return "/r/rules.yaml:" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + message;
}

struct ErrorCase {
  std::string name;
  std::string text;
  Strings errors;
};

void CheckErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Loaded l = Load(c.text);
    EXPECT_FALSE(l.rules.has_value());
    EXPECT_EQ(l.errors, c.errors);
  }
}

const std::string kYamlHint = "; check indentation, ':' after keys and closing brackets";
const std::string kTopKeys = "; allowed here: version, extends, name, inputs, columns, column_labels, descriptive_columns, encoding, seed, policy, lines, rankings, batches, reassignment";
const std::string kChannelKeys = "; allowed here: name, label, seats, ranking, eligible, split_by, allocation, unfilled";

TEST(RulesLoaderErrors, StructureAndKeys) {
  const std::string rankings = "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n";
  const std::string batches =
      "batches:\n"
      "  - name: main\n"
      "    channels:\n"
      "      - {name: general, seats: general, ranking: by_total}\n";
  CheckErrors({
      {"YAML syntax error: extra '}'",
       std::string(kHead) + "rankings:\n  by_total: {keys: [total desc], last_tie: id}}\n" + batches,
       {E(4, 47, "YAML syntax error: illegal flow end" + kYamlHint)}},
      {"YAML syntax error: bad indentation",
       std::string(kHead) + "rankings:\n    by_total: {keys: [total desc], last_tie: id}\n  by_arts: {keys: [arts desc], last_tie: id}\n" + batches,
       {E(5, 3, "YAML syntax error: end of map not found" + kYamlHint)}},
      {"not a mapping", "- version: 1\n",
       {E(1, 1, "a rules file is a mapping with keys version, inputs, rankings and batches")}},
      {"unknown top-level key with a suggestion",
       std::string(kHead) + rankings + "batchs:\n  - name: main\n",
       // One error: the misspelt key is the whole story, no "missing 'batches'" after it.
       {E(5, 1, "unknown key 'batchs' (did you mean 'batches'?)" + kTopKeys)}},
      {"unknown top-level key without a suggestion",
       std::string(kHead) + "lottery: yes\n" + rankings + batches,
       {E(3, 1, "unknown key 'lottery'" + kTopKeys)}},
      {"unknown channel key with a suggestion",
       std::string(kHead) + rankings +
           "batches:\n  - name: main\n    channels:\n      - {name: general, seat: general, ranking: by_total}\n",
       {E(8, 25, "unknown key 'seat' (did you mean 'seats'?)" + kChannelKeys)}},
      {"unknown ranking key",
       std::string(kHead) + "rankings:\n  by_total: {keys: [total desc], last_tie: id, lasttie: id}\n" + batches,
       {E(4, 48, "unknown key 'lasttie' (did you mean 'last_tie'?); allowed here: keys, last_tie, label")}},
      {"unknown input",
       "version: 1\ninputs: {candidates: c.csv, choices: ch.csv, programs: p.csv, program: p.csv}\n" + rankings + batches,
       {E(2, 63, "unknown key 'program' (did you mean 'programs'?); allowed here: candidates, choices, programs, allocations, program_scores, declined, personal")}},
      {"duplicate top-level key", std::string(kHead) + "version: 1\n" + rankings + batches,
       {E(3, 1, "key 'version' is given twice in this mapping (first at line 1); YAML keeps only one of them -- keep one")}},
      {"duplicate channel key",
       std::string(kHead) + rankings +
           "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, seats: x, ranking: by_total}\n",
       {E(8, 41, "key 'seats' is given twice in this mapping (first at line 8); YAML keeps only one of them -- keep one")}},
      {"duplicate ranking name",
       std::string(kHead) + "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n  by_total: {keys: [total asc], last_tie: id}\n" + batches,
       {E(5, 3, "key 'by_total' is given twice in this mapping (first at line 4); YAML keeps only one of them -- keep one")}},
  });
}

TEST(RulesLoaderErrors, MissingAndBadValues) {
  const std::string inputs = "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n";
  const std::string rankings = "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n";
  const std::string batches =
      "batches:\n"
      "  - name: main\n"
      "    channels:\n"
      "      - {name: general, seats: general, ranking: by_total}\n";
  CheckErrors({
      {"missing version", inputs + rankings + batches,
       {E(1, 1, "missing required key 'version'; write 'version: 1' at the top")}},
      {"missing version after a comment", "# rules\n" + inputs + rankings + batches,
       {E(2, 1, "missing required key 'version'; write 'version: 1' at the top")}},
      {"missing inputs", "version: 1\n" + rankings + batches,
       {E(1, 1, "missing required key 'inputs'; name the input files, e.g. inputs: {candidates: "
                "candidates.csv, choices: choices.csv, programs: programs.csv}")}},
      {"missing rankings", std::string(kHead) + batches,
       {E(1, 1, "missing required key 'rankings'; define at least one ranking, e.g. rankings: "
                "{by_total: {keys: [total desc], last_tie: id}}")}},  // no cascade into the channels
      {"missing batches", std::string(kHead) + rankings,
       {E(1, 1, "missing required key 'batches'; list the admission batches in order")}},
      {"unsupported version", "version: 2\n" + inputs + rankings + batches,
       {E(1, 10, "rules version 2 is not supported by this zkmatch; write 'version: 1'")}},
      {"version is not a whole number", "version: 1.0\n" + inputs + rankings + batches,
       {E(1, 10, "'version' must be a whole number >= 1, not '1.0'")}},
      {"version 0", "version: 0\n" + inputs + rankings + batches,
       {E(1, 10, "'version' must be a whole number >= 1, not '0'")}},
      {"missing input file",
       "version: 1\ninputs: {candidates: c.csv, programs: p.csv}\n" + rankings + batches,
       {E(2, 9, "missing required key 'choices'")}},
      {"empty input path",
       "version: 1\ninputs: {candidates: c.csv, choices: '', programs: p.csv}\n" + rankings + batches,
       {E(2, 38, "inputs.choices is empty; give a file path")}},
      {"inputs not a mapping", "version: 1\ninputs: [c.csv]\n" + rankings + batches,
       {E(2, 9, "'inputs' must be a mapping of candidates, choices and programs to file paths")}},
      {"empty rankings", std::string(kHead) + "rankings: {}\n" + batches,
       {E(3, 11, "'rankings' must be a non-empty mapping of ranking names to {keys, last_tie}")}},
      {"empty keys", std::string(kHead) + "rankings:\n  by_total: {keys: [], last_tie: id}\n" + batches,
       {E(4, 20, "'keys' must be a non-empty list such as [total desc, chinese + maths desc]")}},
      {"missing last_tie", std::string(kHead) + "rankings:\n  by_total: {keys: [total desc]}\n" + batches,
       {E(4, 13, "missing required key 'last_tie'; say how remaining ties are broken: last_tie: id")}},
      {"unsupported last_tie", std::string(kHead) + "rankings:\n  by_total: {keys: [total desc], last_tie: seed}\n" + batches,
       {E(4, 44, "last_tie 'seed' is not supported; write id (candidate id ascending), lottery (published seed) or admit_all "
                 "(admit everyone tied at the last seat)")}},
      {"misspelt last_tie", std::string(kHead) + "rankings:\n  by_total: {keys: [total desc], last_tie: ids}\n" + batches,
       {E(4, 44, "last_tie 'ids' is not supported (did you mean 'id'?); write id (candidate id ascending), lottery "
                 "(published seed) or admit_all (admit everyone tied at the last seat)")}},
      {"lottery without a seed", std::string(kHead) + "rankings:\n  by_total: {keys: [total desc], last_tie: lottery}\n" + batches,
       {E(4, 3, "ranking 'by_total' uses last_tie: lottery but the rules give no seed; add the published seed at the top, "
                "e.g. seed: \"2025-07-08 public draw\"")}},
      {"empty batches", std::string(kHead) + rankings + "batches: []\n",
       {E(5, 10, "'batches' must be a non-empty list of batches, run in the order given")}},
      {"empty channels", std::string(kHead) + rankings + "batches:\n  - {name: main, channels: []}\n",
       {E(6, 28, "'channels' must be a non-empty list of {name, seats, ranking[, eligible]}")}},
      {"max_choices 0", std::string(kHead) + rankings +
           "batches:\n  - {name: main, max_choices: 0, channels: [{name: g, seats: g, ranking: by_total}]}\n",
       {E(6, 31, "'max_choices' must be a whole number >= 1, not '0'")}},
  });
}

TEST(RulesLoaderErrors, KeysRankingsBatchesChannels) {
  const std::string rankings =
      "rankings:\n"
      "  by_total: {keys: [total desc], last_tie: id}\n"
      "  by_arts: {keys: [arts desc, total desc], last_tie: id}\n";
  CheckErrors({
      {"bad key direction",
       std::string(kHead) + "rankings:\n  by_total: {keys: [total down], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: by_total}]}\n",
       {E(4, 21, "ranking key 'total down' must end with 'desc' (higher first) or 'asc' (lower first)")}},
      {"direction glued to the name",
       std::string(kHead) + "rankings:\n  by_total: {keys: [totaldesc], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: by_total}]}\n",
       {E(4, 21, "ranking key 'totaldesc' must end with 'desc' (higher first) or 'asc' (lower first)")}},
      {"direction only",
       std::string(kHead) + "rankings:\n  by_total: {keys: [desc], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: by_total}]}\n",
       {E(4, 21, "ranking key 'desc' must end with 'desc' (higher first) or 'asc' (lower first)")}},
      {"unknown ranking with a suggestion",
       std::string(kHead) + rankings +
           "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, ranking: by_totl}\n",
       {E(9, 50, "unknown ranking 'by_totl' (did you mean 'by_total'?)")}},
      {"unknown ranking without a suggestion",
       std::string(kHead) + rankings +
           "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, ranking: lottery}\n",
       {E(9, 50, "unknown ranking 'lottery'")}},
      {"duplicate batch names",
       std::string(kHead) + rankings +
           "batches:\n"
           "  - {name: main, channels: [{name: g, seats: g, ranking: by_total}]}\n"
           "  - {name: main, channels: [{name: g, seats: g, ranking: by_total}]}\n",
       {E(8, 12, "batch name 'main' is used twice; batch names must be unique")}},
      {"duplicate channel names",
       std::string(kHead) + rankings +
           "batches:\n"
           "  - name: main\n"
           "    channels:\n"
           "      - {name: general, seats: general, ranking: by_total}\n"
           "      - {name: general, seats: arts, ranking: by_arts}\n",
       {E(10, 16, "channel name 'general' is used twice in batch 'main'")}},
      {"seat column reused in one batch",
       std::string(kHead) + rankings +
           "batches:\n"
           "  - name: main\n"
           "    channels:\n"
           "      - {name: general, seats: general, ranking: by_total}\n"
           "      - {name: arts, seats: general, ranking: by_arts}\n",
       {E(10, 29, "seat column 'general' is already used by channel 'general'; each channel needs its "
                  "own capacity column")}},
  });
}

TEST(RulesLoader, ProgramScoreMakesARankingPerProgram) {
  Loaded l = Load(
      "version: 1\n"
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv, program_scores: scores.csv}\n"
      "rankings:\n"
      "  by_test: {keys: [program_score desc, total desc], last_tie: id}\n"
      "  by_total: {keys: [total desc], last_tie: id}\n"
      "batches:\n"
      "  - name: main\n"
      "    channels:\n"
      "      - {name: test, seats: test, ranking: by_test}\n"
      "      - {name: general, seats: general, ranking: by_total, eligible: \"program_score >= 60 or total > 600\"}\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  EXPECT_EQ(l.rules->inputs.program_scores, "/r/scores.csv");
  EXPECT_TRUE(l.rules->rankings[0].per_program);
  EXPECT_FALSE(l.rules->rankings[1].per_program);
  // program_score is built in, not a candidate column.
  EXPECT_TRUE(l.rules->candidate_columns.empty());
  const Expression& cond = *l.rules->batches[0].stages[0].channels[1].eligible;
  EXPECT_TRUE(ReferencesProgram(cond));  // evaluated per choice
  EXPECT_TRUE(ReferencesProgramScore(cond));
}

TEST(RulesLoader, MechanismsPerBatchAndStageAndChoiceRankRankings) {
  Loaded l = Load(
      "version: 1\n"
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"
      "rankings:\n"
      "  by_total: {keys: [total desc], last_tie: id}\n"
      "  guangzhou: {keys: [\"floor(total / 10) desc\", choice_rank asc, total desc], last_tie: id}\n"
      "batches:\n"
      "  - name: da\n"
      "    channels: [{name: general, seats: general, ranking: guangzhou, eligible: \"choice_rank <= 3\"}]\n"
      "  - name: boston\n"
      "    mechanism: immediate_acceptance\n"
      "    stages:\n"
      "      - {name: a, channels: [{name: general, seats: general, ranking: by_total}]}\n"
      "      - {name: b, mechanism: {parallel: {band: 3}}, channels: [{name: general, seats: general, ranking: by_total}]}\n"
      "      - {name: c, mechanism: deferred_acceptance, channels: [{name: general, seats: general, ranking: by_total}]}\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  EXPECT_FALSE(l.rules->rankings[0].per_program);
  EXPECT_TRUE(l.rules->rankings[1].per_program);  // choice_rank: per choice entry
  EXPECT_TRUE(l.rules->candidate_columns.empty());  // choice_rank is built in
  const auto& b = l.rules->batches;
  EXPECT_EQ(b[0].stages[0].mechanism.kind, Mechanism::Kind::kDeferredAcceptance);
  EXPECT_EQ(b[0].stages[0].mechanism.BandWidth(), 0);
  EXPECT_TRUE(ReferencesProgram(*b[0].stages[0].channels[0].eligible));
  EXPECT_EQ(b[1].mechanism.kind, Mechanism::Kind::kImmediateAcceptance);
  EXPECT_EQ(b[1].stages[0].mechanism.kind, Mechanism::Kind::kImmediateAcceptance);  // inherited
  EXPECT_EQ(b[1].stages[0].mechanism.BandWidth(), 1);
  EXPECT_EQ(b[1].stages[1].mechanism.kind, Mechanism::Kind::kParallel);
  EXPECT_EQ(b[1].stages[1].mechanism.BandWidth(), 3);
  EXPECT_EQ(b[1].stages[1].mechanism.BandOf(3), 0u);
  EXPECT_EQ(b[1].stages[1].mechanism.BandOf(4), 1u);
  EXPECT_EQ(b[1].stages[2].mechanism.kind, Mechanism::Kind::kDeferredAcceptance);  // its own
}

// A seed written unquoted that some YAML reader takes for a number, a date, infinity or a key:
// refused, so that everyone recomputing the lottery hashes the same text. These forms were once
// accepted (an independent reader found 0x1F, which PyYAML reads as 31, hashed as "0x1F");
// plain text that only contains such characters, and every form quoted, is accepted.
TEST(RulesLoaderErrors, ASeedAnyYamlReaderReadsAsOtherThanTextMustBeQuoted) {
  const std::string rest = "rankings:\n  by_total: {keys: [total desc], last_tie: lottery}\n"
                           "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, ranking: by_total}\n";
  for (const std::string seed : {"0x1F", "-0x1F", "0x_1F", ".Inf", "-.inf", "+.INF", ".NaN", ".NAN", "2001-12-14T21:59:43Z",
                                 "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-14  21:59:43 +08:00", "2001-12-14T21:59:43.",
                                 "=", "<<", "0371", "2025-07-08", ".inf", "yes"}) {
    SCOPED_TRACE(seed);
    const Loaded unquoted = Load(std::string(kHead) + "seed: " + seed + "\n" + rest);
    EXPECT_FALSE(unquoted.rules.has_value());
    ASSERT_EQ(unquoted.errors.size(), 1u);
    EXPECT_NE(unquoted.errors[0].find(":3:7: error: the seed " + seed + " is not quoted; YAML readers disagree on such a value"), std::string::npos)
        << unquoted.errors[0];
    const Loaded quoted = Load(std::string(kHead) + "seed: \"" + seed + "\"\n" + rest);
    ASSERT_TRUE(quoted.rules.has_value()) << (quoted.errors.empty() ? "" : quoted.errors[0]);
    EXPECT_EQ(quoted.rules->seed, seed);
  }
  for (const std::string seed : {"2025-07-08 public draw, notary 0371", "0x1F draw", "inf", "nan", "2001-12-14T21:59", "a=b", "0x1G",
                                 "2001-12-14T21:59:43 UTC", "2001-12-14T21:59:43+8:0", ".Nan", "20011-12-14T21:59:43Z"}) {
    SCOPED_TRACE(seed);
    const Loaded plain = Load(std::string(kHead) + "seed: " + seed + "\n" + rest);
    ASSERT_TRUE(plain.rules.has_value()) << (plain.errors.empty() ? "" : plain.errors[0]);
    EXPECT_EQ(plain.rules->seed, seed);
  }
}

TEST(RulesLoaderErrors, ProgramScoreOnlyWhereAProgramIsKnown) {
  const std::string batches =
      "batches:\n"
      "  - name: main\n"
      "    channels:\n"
      "      - {name: general, seats: general, ranking: by_total}\n";
  const std::string with_scores =
      "version: 1\ninputs: {candidates: c.csv, choices: ch.csv, programs: p.csv, program_scores: s.csv}\n";
  const std::string where = "program_score is the score a program gave the candidate and depends on the program; use it in ranking keys and "
                            "channel conditions (eligible:), not here";
  CheckErrors({
      {"program_score without the file",
       std::string(kHead) + "rankings:\n  by_total: {keys: [program_score desc], last_tie: id}\n" + batches,
       {E(4, 21, "program_score reads the scores programs gave candidates, but inputs names no such file; add inputs: {..., "
                 "program_scores: program_scores.csv} with columns program,candidate_id,score")}},
      {"program_score in a line's score",
       with_scores + "lines:\n  control: {admit_ratio: 0.6, ranking: by_total, score: program_score + 1}\n"
                     "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n" + batches,
       {E(4, 57, where)}},
      {"a line over a per-program ranking",
       with_scores + "lines:\n  control: {admit_ratio: 0.6, ranking: by_test}\n"
                     "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n  by_test: {keys: [program_score desc], last_tie: id}\n" +
           batches,
       {E(4, 40, "ranking 'by_test' reads program_score, so it orders each program's applicants separately and cannot order all "
                 "candidates for a line; use a ranking over candidate columns, e.g. keys: [total desc]")}},
      {"a line over a choice-order ranking (named as what it reads: choice_rank)",
       with_scores + "lines:\n  control: {admit_ratio: 0.6, ranking: gz}\n"
                     "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n  gz: {keys: [choice_rank asc, total desc], last_tie: id}\n" +
           batches,
       {E(4, 40, "ranking 'gz' reads choice_rank, so it orders each program's applicants separately and cannot order all "
                 "candidates for a line; use a ranking over candidate columns, e.g. keys: [total desc]")}},
      {"program_score selecting a stage's programs",
       with_scores + "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n"
                     "batches:\n  - name: main\n    stages:\n      - name: s\n        programs: \"program_score > 0\"\n"
                     "        channels:\n          - {name: general, seats: general, ranking: by_total}\n",
       {E(9, 20, where)}},
  });
}

TEST(RulesLoaderErrors, UnfilledSeatsMayNotFlowInACircle) {
  const std::string head = std::string(kHead) + "rankings:\n  by_total: {keys: [total desc], last_tie: id}\nbatches:\n  - name: main\n    channels:\n";
  const std::string advice = ": seats nobody takes would move back and forth for ever; write unfilled: none on one of these channels";
  CheckErrors({
      {"three channels in a circle, a chain into it",
       head + "      - {name: a, seats: a, ranking: by_total, unfilled: b}\n"
              "      - {name: b, seats: b, ranking: by_total, unfilled: c}\n"
              "      - {name: c, seats: c, ranking: by_total, unfilled: a}\n"
              "      - {name: d, seats: d, ranking: by_total, unfilled: a}\n",
       {E(8, 58, "unfilled seats flow in a circle (a -> b -> c -> a)" + advice)}},
  });
  // A chain without a circle is fine.
  Loaded l = Load(head + "      - {name: a, seats: a, ranking: by_total, unfilled: b}\n"
                         "      - {name: b, seats: b, ranking: by_total, unfilled: c}\n"
                         "      - {name: c, seats: c, ranking: by_total}\n");
  EXPECT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
}

TEST(RulesLoaderErrors, SameNamesInDifferentBatchesAreFine) {
  Loaded l = Load(std::string(kHead) +
                  "rankings: {r: {keys: [total desc], last_tie: id}}\n"
                  "batches:\n"
                  "  - {name: early, channels: [{name: general, seats: general, ranking: r}]}\n"
                  "  - {name: main, channels: [{name: general, seats: general, ranking: r}]}\n");
  EXPECT_TRUE(l.rules.has_value());
  EXPECT_EQ(l.errors, Strings{});
}

TEST(RulesLoaderErrors, ExpressionErrorsPointInsideTheExpression) {
  const std::string rankings = "rankings:\n  r: {keys: [total desc], last_tie: id}\n";
  const std::string channels = "batches:\n  - name: main\n    channels:\n";
  const std::string ends_early = "the expression ends too early; a value is missing here";
  CheckErrors({
      // Line 8 is "      - {name: g, seats: g, ranking: r, eligible: ...}"; the value starts at column 51.
      {"plain scalar, error at the end",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: arts >}\n",
       {E(8, 57, "in expression 'arts >': " + ends_early)}},
      {"double-quoted scalar, error at the end",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: \"arts >\"}\n",
       {E(8, 58, "in expression 'arts >': " + ends_early)}},
      {"single-quoted scalar, error at the end",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: 'arts >'}\n",
       {E(8, 58, "in expression 'arts >': " + ends_early)}},
      {"plain scalar, error in the middle",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: arts > 1 b}\n",
       {E(8, 60, "in expression 'arts > 1 b': unexpected 'b' after the end of the expression")}},
      {"double-quoted scalar, error in the middle",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: \"arts > 1 b\"}\n",
       {E(8, 61, "in expression 'arts > 1 b': unexpected 'b' after the end of the expression")}},
      {"unknown function in a block mapping",
       std::string(kHead) + rankings + channels +
           "      - name: g\n        seats: g\n        ranking: r\n        eligible: sum(a) > 1\n",
       {E(11, 19, "in expression 'sum(a) > 1': unknown function 'sum'; the functions are max(), min() and floor()")}},
      {"unclosed parenthesis, quoted, Chinese column",
       std::string(kHead) + rankings + channels +
           "      - name: g\n        seats: g\n        ranking: r\n"
           "        eligible: \"\xE5\x8C\xBA\xE5\x8E\xBF = X and (a > 1\"\n",  // 区县 = X and (a > 1
       {E(11, 37, "in expression '\xE5\x8C\xBA\xE5\x8E\xBF = X and (a > 1': expected ')' to close the '(' at column 12")}},
      {"bad number",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: 'arts > 1.234'}\n",
       {E(8, 59, "in expression 'arts > 1.234': bad number: '1.234' has more than 2 decimal places; scores are "
                 "kept to hundredths, round it in the source")}},
      {"not in misuse",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: \"grade not [A]\"}\n",
       {E(8, 58, "in expression 'grade not [A]': expected 'in' after 'not' here (write 'x not in [...]' or 'not (...)')")}},
      {"unclosed string",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: \"grade = 'A\"}\n",
       {E(8, 60, "in expression 'grade = 'A': string is never closed; add the closing quote")}},
      {"a column is not a condition",
       std::string(kHead) + rankings + channels + "      - {name: g, seats: g, ranking: r, eligible: \"arts\"}\n",
       {E(8, 52, "in expression 'arts': 'arts' is a column, not a condition; compare it, e.g. arts > 0")}},
      {"error in a ranking key",
       std::string(kHead) + "rankings:\n  r: {keys: [total + desc], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: r}]}\n",
       {E(4, 21, "in expression 'total +': " + ends_early)}},
      {"error in a quoted ranking key",
       std::string(kHead) + "rankings:\n  r: {keys: [\"max(a b) desc\"], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: r}]}\n",
       {E(4, 21, "in expression 'max(a b)': expected ',' or ')' in the arguments of max()")}},
      {"condition used as a ranking key",
       std::string(kHead) + "rankings:\n  r: {keys: [arts > 0 desc], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: r}]}\n",
       {E(4, 19, "in expression 'arts > 0': expected a number here, but this is a condition (true/false)")}},
  });
}

TEST(RulesLoaderErrors, ColumnTypes) {
  CheckErrors({
      {"a column used as a number and as text",
       std::string(kHead) +
           "rankings:\n  r: {keys: [arts desc], last_tie: id}\n"
           "batches:\n"
           "  - name: main\n"
           "    channels:\n"
           "      - {name: g, seats: g, ranking: r, eligible: \"arts = 'x'\"}\n",
       {E(8, 52, "column 'arts' is used here as text but at line 4 as a number; a column has one type")}},
      {"text first, then number, in one expression",
       std::string(kHead) +
           "rankings:\n  r: {keys: [total desc], last_tie: id}\n"
           "batches:\n"
           "  - name: main\n"
           "    channels:\n"
           "      - {name: g, seats: g, ranking: r, eligible: district = X or district > 1}\n",
       {E(8, 67, "column 'district' is used here as a number but at line 8 as text; a column has one type")}},
      {"a program column used both ways",
       std::string(kHead) +
           "rankings:\n  r: {keys: [total desc], last_tie: id}\n"
           "batches:\n"
           "  - name: main\n"
           "    channels:\n"
           "      - {name: g, seats: g, ranking: r, eligible: program.quota > 0}\n"
           "      - {name: h, seats: h, ranking: r, eligible: program.quota = 'x'}\n",
       {E(9, 51, "column 'quota' is used here as text but at line 8 as a number; a column has one type")}},
      {"program.X in a ranking key",
       std::string(kHead) +
           "rankings:\n  r: {keys: [total desc, program.quota desc], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: r}]}\n",
       {E(4, 26, "this expression is evaluated per candidate; 'program.quota' cannot be used here")}},
      {"program.X inside a ranking key expression",
       std::string(kHead) +
           "rankings:\n  r: {keys: [\"total + program.bonus desc\"], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: r}]}\n",
       {E(4, 23, "this expression is evaluated per candidate; 'program.bonus' cannot be used here")}},
      {"id used as a number",
       std::string(kHead) +
           "rankings:\n  r: {keys: [total desc], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: r, eligible: id > 5}]}\n",
       {E(6, 71, "'id' is text and cannot be used as a number")}},
      {"total used as text",
       std::string(kHead) +
           "rankings:\n  r: {keys: [total desc], last_tie: id}\n"
           "batches:\n  - {name: main, channels: [{name: g, seats: g, ranking: r, eligible: \"total = 'x'\"}]}\n",
       {E(6, 72, "'total' is a number and cannot be used as text")}},
  });
}

TEST(RulesLoaderErrors, SeveralErrorsAllReported) {
  const std::string text =
      "version: 2\n"                                                                         // 1
      "inputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"                     // 2
      "rankings:\n"                                                                          // 3
      "  by_total: {keys: [total desc, arts down], last_tie: id}\n"                         // 4
      "batches:\n"                                                                           // 5
      "  - name: main\n"                                                                     // 6
      "    channels:\n"                                                                      // 7
      "      - {name: general, seats: general, ranking: by_totl}\n"                         // 8
      "      - {name: general, seats: general, ranking: by_total, eligible: \"arts >\"}\n"  // 9
      "  - name: main\n"                                                                     // 10
      "    max_choices: many\n"                                                              // 11
      "    channels:\n"                                                                      // 12
      "      - {name: g, seats: g, ranking: by_total, eligble: \"arts > 0\"}\n";            // 13
  Loaded l = Load(text);
  EXPECT_FALSE(l.rules.has_value());
  EXPECT_EQ(l.errors,
            (Strings{
                E(1, 10, "rules version 2 is not supported by this zkmatch; write 'version: 1'"),
                E(4, 33, "ranking key 'arts down' must end with 'desc' (higher first) or 'asc' (lower first)"),
                E(8, 50, "unknown ranking 'by_totl' (did you mean 'by_total'?)"),
                E(9, 16, "channel name 'general' is used twice in batch 'main'"),
                E(9, 32, "seat column 'general' is already used by channel 'general'; each channel needs its own capacity column"),
                E(9, 77, "in expression 'arts >': the expression ends too early; a value is missing here"),
                E(10, 11, "batch name 'main' is used twice; batch names must be unique"),
                E(11, 18, "'max_choices' must be a whole number >= 1, not 'many'"),
                E(13, 48, "unknown key 'eligble' (did you mean 'eligible'?)" + kChannelKeys),
            }));
}

// Columns in text files count characters, as CharColumn does inside expressions; yaml-cpp's
// marks count bytes, so a line with Chinese text before the reported place must be corrected.
TEST(RulesLoaderErrors, ColumnsCountCharactersNotBytes) {
  const std::string rankings = "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n";
  CheckErrors({
      {"unknown ranking after a Chinese channel name",
       std::string(kHead) + rankings +
           "batches:\n  - name: main\n    channels:\n"
           "      - {name: \xE4\xB9\xA1\xE9\x95\x87, seats: b, ranking: by_totl}\n",  // 乡镇
       {E(8, 39, "unknown ranking 'by_totl' (did you mean 'by_total'?)")}},
      {"expression after a Chinese channel name",
       std::string(kHead) + rankings +
           "batches:\n  - name: main\n    channels:\n"
           "      - {name: \xE5\x9F\x8E\xE5\x8C\xBA, seats: a, ranking: by_total, eligible: \"arts >\"}\n",  // 城区
       {E(8, 66, "in expression 'arts >': the expression ends too early; a value is missing here")}},
  });
}

// Inside a quoted scalar an escape ('' or \") is two characters in the file but one in the
// expression; the column must still point at the character in the file.
TEST(RulesLoaderErrors, ColumnsInsideQuotedScalarsWithEscapes) {
  const std::string head = std::string(kHead) +
                           "rankings:\n  r: {keys: [total desc], last_tie: id}\n"
                           "batches:\n  - name: main\n    channels:\n"
                           "      - name: g\n        seats: g\n        ranking: r\n";
  CheckErrors({
      {"single-quoted with ''", head + "        eligible: 'district = ''A'' and arts >'\n",
       {E(11, 47, "in expression 'district = 'A' and arts >': the expression ends too early; a value is missing here")}},
      {"double-quoted with \\\"", head + "        eligible: \"district = \\\"A\\\" and arts >\"\n",
       {E(11, 47, "in expression 'district = \"A\" and arts >': the expression ends too early; a value is missing here")}},
  });
}

// Long conditions are written over several lines (a folded block scalar or a multi-line plain
// scalar). The position must be where the problem is in the file, not on the key's line.
TEST(RulesLoaderErrors, MultiLineExpressionsPointAtTheRightLine) {
  const std::string head = std::string(kHead) +
                           "rankings:\n  r: {keys: [total desc], last_tie: id}\n"
                           "batches:\n  - name: main\n    channels:\n"
                           "      - name: g\n        seats: g\n        ranking: r\n";
  const std::string message =
      "in expression 'arts > 0 and (x': expected ')' to close the '(' at column 14";
  CheckErrors({
      // Line 13 is "          and (x": the expression ends after the 'x', at column 17.
      {"folded block scalar", head + "        eligible: >-\n          arts > 0\n          and (x\n",
       {E(13, 17, message)}},
      {"multi-line plain scalar", head + "        eligible: arts > 0\n          and (x\n",
       {E(12, 17, message)}},
  });
}

// An empty value is not "a list or mapping"; say that it is empty, on the key's line.
TEST(RulesLoaderErrors, EmptyValuesAreReportedAsEmpty) {
  struct Case {
    std::string name;
    std::string text;
    int line;
  };
  const Case cases[] = {
      {"version", "version:\ninputs: {candidates: c.csv, choices: ch.csv, programs: p.csv}\n"
                  "rankings: {r: {keys: [total desc], last_tie: id}}\n"
                  "batches: [{name: m, channels: [{name: g, seats: g, ranking: r}]}]\n", 1},
      {"seats", std::string(kHead) + "rankings: {r: {keys: [total desc], last_tie: id}}\n"
                "batches:\n  - name: m\n    channels:\n      - name: g\n        seats:\n        ranking: r\n", 8},
      {"eligible", std::string(kHead) + "rankings: {r: {keys: [total desc], last_tie: id}}\n"
                   "batches:\n  - name: m\n    channels:\n      - name: g\n        seats: g\n        ranking: r\n"
                   "        eligible:\n", 10},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DiagnosticSink sink;
    EXPECT_FALSE(ParseRules(c.text, "/r/rules.yaml", sink).has_value());
    ASSERT_EQ(sink.diagnostics().size(), 1u);
    const Diagnostic& d = sink.diagnostics()[0];
    EXPECT_EQ(d.line, c.line) << d.Format();
    EXPECT_EQ(d.message.find("list or mapping"), std::string::npos) << d.Format();
    EXPECT_NE(d.message.find("empty"), std::string::npos) << d.Format();
  }
}

// ParseRules fails only for errors in this file, not for errors the sink held before.
TEST(RulesLoader, EarlierErrorsInTheSinkDoNotFailValidRules) {
  DiagnosticSink sink;
  sink.Error("other.csv", 3, 0, "an earlier problem");
  const Result<Rules> r = ParseRules(kPlain, "/r/plain.yaml", sink);
  EXPECT_TRUE(r.has_value()) << r.status().ToString();
  EXPECT_EQ(sink.error_count(), 1u);
}

// Issue 6: hostile rules files. Each is refused with one message at its place, fast and
// without deep recursion or alias expansion.
TEST(RulesLoaderHostile, AliasesAreRefused) {
  Loaded l = Load(std::string(kPlain) + "lines:\n  control: &c {value: 600}\n  floor: *c\n");
  EXPECT_FALSE(l.rules.has_value());
  EXPECT_EQ(l.errors, Strings{"/r/rules.yaml:12:10: error: YAML alias '*c' is not allowed in rules files (the anchor '&c' is at "
                              "line 11); write the value out in full where it is used"});
}

TEST(RulesLoaderHostile, BillionLaughsIsRefusedAtTheFirstAlias) {
  std::string bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char prev = static_cast<char>(c - 1);
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 10; ++k) bomb += std::string(k ? ", " : "") + "*" + prev;
    bomb += "]\n";
  }
  Loaded l = Load(bomb + kPlain);
  EXPECT_FALSE(l.rules.has_value());
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].rfind("/r/rules.yaml:2:8: error: YAML alias '*a' is not allowed", 0), 0u) << l.errors[0];
}

TEST(RulesLoaderHostile, DeepNestingIsRefusedWithoutRecursingDeeply) {
  for (const std::string& open : {std::string("["), std::string("{a: ")}) {
    std::string text = "descriptive_columns: ";
    for (int i = 0; i < 100000; ++i) text += open;
    Loaded l = Load(text);
    EXPECT_FALSE(l.rules.has_value());
    ASSERT_EQ(l.errors.size(), 1u);
    EXPECT_NE(l.errors[0].find("error: lists and mappings are nested more than 64 levels deep; a rules file needs far fewer -- is "
                               "this the right file?"),
              std::string::npos)
        << l.errors[0];
  }
  // Block style: indentation.
  std::string text = "a:\n";
  for (int i = 1; i < 200; ++i) text += std::string(static_cast<std::size_t>(i), ' ') + "- \n";
  Loaded l = Load(text);
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].find("nested more than 64 levels"), std::string::npos) << l.errors[0];
}

TEST(RulesLoaderHostile, DuplicateKeysAnywhere) {
  Loaded l = Load(std::string(kPlain) + "columns: {id: a, total: b, id: c}\n");
  EXPECT_EQ(l.errors, Strings{"/r/rules.yaml:10:28: error: key 'id' is given twice in this mapping (first at line 10); YAML keeps "
                              "only one of them -- keep one"});
}

TEST(RulesLoaderHostile, SecondDocument) {
  Loaded l = Load(std::string(kPlain) + "---\nversion: 2\n");
  EXPECT_FALSE(l.rules.has_value());
  EXPECT_EQ(l.errors, Strings{"/r/rules.yaml:10:1: error: a second YAML document starts here; a rules file is one document -- "
                              "remove the '---' line and what follows, or merge it into the first"});
}

TEST(RulesLoaderHostile, SyntaxErrorAfterTheFirstDocumentIsNotIgnored) {
  Loaded l = Load(std::string(kPlain) + "---\nversion: [1\n");
  EXPECT_FALSE(l.rules.has_value());
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].find("error: YAML syntax error after the rules: "), std::string::npos) << l.errors[0];
}

TEST(RulesLoaderHostile, EncodingNulAndSize) {
  Loaded l = Load("version: 1\nname: caf\xE9\n");
  EXPECT_EQ(l.errors, Strings{"/r/rules.yaml:2:10: error: invalid UTF-8 byte sequence; save the rules file as UTF-8"});
  l = Load(std::string("version: 1\nname: a\0b\n", 21));
  EXPECT_EQ(l.errors, Strings{"/r/rules.yaml:2:8: error: NUL byte (\\0) in the rules file; it is binary, UTF-16 or damaged -- save "
                              "it as UTF-8 text"});
  l = Load(std::string(kPlain) + "#" + std::string(1 << 20, 'x') + "\n");
  EXPECT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].rfind("/r/rules.yaml: error: the rules file is 1048919 bytes; rules files are limited to 1048576 bytes (1 "
                              "MiB) -- is this the right file?",
                              0),
            0u)
      << l.errors[0];
}


// reassignment (rules/README.md, "Reassignment"): what it reads, and each error at its place.
TEST(RulesLoaderReassignment, BlockIsReadWithItsColumnsAndOrderKeys) {
  Loaded l = Load(std::string(kHead) +
                  "lines:\n  control: {value: 500}\n"
                  "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n"
                  "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, ranking: by_total}\n"
                  "reassignment:\n  flag: accepts\n  ranking: by_total\n  eligible: \"total >= line.control\"\n  channels: [general]\n"
                  "  order: [district = program.district desc, program.last_cutoff asc]\n");
  ASSERT_TRUE(l.rules.has_value()) << ::testing::PrintToString(l.errors);
  ASSERT_TRUE(l.rules->reassignment.has_value());
  const Reassignment& ra = *l.rules->reassignment;
  EXPECT_EQ(ra.flag, "accepts");
  EXPECT_EQ(ra.ranking, 0);
  EXPECT_EQ(ra.eligible_text, "total >= line.control");
  EXPECT_EQ(ra.channels, (Strings{"general"}));
  ASSERT_EQ(ra.order.size(), 2u);
  EXPECT_TRUE(ra.order[0].condition);
  EXPECT_TRUE(ra.order[0].descending);
  EXPECT_FALSE(ra.order[1].condition);
  EXPECT_FALSE(ra.order[1].descending);
  Strings candidate, program;
  for (const ColumnRef& c : l.rules->candidate_columns) candidate.push_back(c.name + (c.numeric ? ":number" : ":text"));
  for (const ColumnRef& c : l.rules->program_columns) program.push_back(c.name + (c.numeric ? ":number" : ":text"));
  EXPECT_EQ(candidate, (Strings{"accepts:number", "district:text"}));
  EXPECT_EQ(program, (Strings{"district:text", "last_cutoff:number"}));
}

TEST(RulesLoaderReassignment, ErrorsAtTheirPlace) {
  const std::string head = std::string(kHead) +
                           "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n  by_score: {keys: [choice_rank asc, total desc], last_tie: id}\n"
                           "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, ranking: by_total}\n";
  CheckErrors({
      {"not a mapping", head + "reassignment: yes\n", {E(10, 15, "'reassignment' is a mapping {flag, ranking[, eligible, channels, order]}")}},
      {"unknown key", head + "reassignment:\n  flag: a\n  ranking: by_total\n  oder: [total desc]\n",
       {E(13, 3, "unknown key 'oder' (did you mean 'order'?); allowed here: flag, ranking, eligible, channels, order")}},
      {"no flag", head + "reassignment:\n  ranking: by_total\n",
       {E(11, 3, "missing required key 'flag'; name the candidates column that is 1 for those who accept reassignment, e.g. flag: accepts_reassignment")}},
      {"ranking per program", head + "reassignment:\n  flag: a\n  ranking: by_score\n",
       {E(12, 12, "ranking 'by_score' orders each program's applicants (it reads program_score or choice_rank); reassignment takes turns in one "
                  "order of candidates: name a ranking over candidates")}},
      {"unknown channel", head + "reassignment:\n  flag: a\n  ranking: by_total\n  channels: [genral]\n",
       {E(13, 14, "no batch or stage has a channel 'genral' (did you mean 'general'?)")}},
      {"choice_rank in order", head + "reassignment:\n  flag: a\n  ranking: by_total\n  order: [choice_rank asc]\n",
       {E(13, 11, "choice_rank is the position the candidate gave a program, and reassignment gives seats at programs the candidate did not list; it "
                  "has no value here")}},
      {"order key without direction", head + "reassignment:\n  flag: a\n  ranking: by_total\n  order: [program.cutoff]\n",
       {E(13, 11, "order key 'program.cutoff' must end with 'desc' (higher first) or 'asc' (lower first)")}},
  });
}

}  // namespace
}  // namespace zkmatch
