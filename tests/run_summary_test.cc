// zkmatch run's summaries and progress: --json is one JSON object with the run's numbers (the
// same as placements.csv and cutoffs.csv say) and seconds per step; progress appears on stderr
// only when stderr is a terminal (run under script(1) for a pseudo-terminal) and never with
// --quiet or --json; nothing on stderr when it is a pipe.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "json.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Counts data rows of placements.csv (no quoted fields) whose status, batch and channel match;
// an empty pattern matches anything.
int CountRows(const std::string& csv, const std::string& status, const std::string& batch = "", const std::string& channel = "") {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  int count = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string field; std::getline(fields, field, ',');) f.push_back(field);
    f.resize(7);
    count += f[1] == status && (batch.empty() || f[2] == batch) && (channel.empty() || f[4] == channel) ? 1 : 0;
  }
  return count;
}

TEST(RunSummary, JsonHoldsTheRunsNumbersAndStepTimes) {
  TempDir dir;
  const std::string rules = SourceDir() + "/rules/weihai-2025.yaml";
  CommandResult r = RunCommand(Quote(ZkmatchBinary()) + " run --rules " + Quote(rules) + " --out out --json", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // stderr is a pipe here: no progress
  JsonValue v;
  std::string error;
  ASSERT_TRUE(ParseJson(r.out, &v, &error)) << error << "\n" << r.out;
  EXPECT_EQ(v["format"].text, "zkmatch-run-summary/1");
  EXPECT_EQ(v["rules_name"].text, "weihai-2025");
  const std::string placements = ReadFile(dir.path() + "/out/placements.csv");
  const int placed = CountRows(placements, "placed"), unplaced = CountRows(placements, "unplaced");
  EXPECT_EQ(v["candidates"].AsInt(), placed + unplaced);
  EXPECT_EQ(v["placed"].AsInt(), placed);
  EXPECT_EQ(v["unplaced"].AsInt(), unplaced);
  EXPECT_EQ(v["placed"].AsInt(), 7620);  // the README's demo figures
  EXPECT_EQ(v["seats_flowed"].AsInt(), 150);
  ASSERT_FALSE(v["lines"].items.empty());
  EXPECT_EQ(v["lines"].items[0]["line"].text, "control");
  EXPECT_EQ(v["lines"].items[0]["value"].text, "484.5");
  // Per channel: placed adds up to the total; the general channel of the general batch.
  std::int64_t sum = 0;
  bool general = false;
  for (const JsonValue& ch : v["channels"].items) {
    sum += ch["placed"].AsInt();
    if (ch["batch"].text == "general" && ch["channel"].text == "general") {
      general = true;
      EXPECT_EQ(ch["placed"].AsInt(), CountRows(placements, "placed", "general", "general"));
    }
  }
  EXPECT_TRUE(general);
  EXPECT_EQ(sum, placed);
  for (const char* step : {"load rules", "load inputs", "match", "policy checks", "render outputs and audit log"}) {
    EXPECT_EQ(v["seconds"][step].type, JsonValue::Type::kNumber) << step;
  }
}

// --lang zh: the rules' labels (rules/weihai-2025.yaml) for lines, batches and channels, and
// how each line is computed in Chinese; the numbers are the English summary's, line for line.
TEST(RunSummary, ChineseSummaryUsesTheLabels) {
  TempDir dir;
  const std::string rules = SourceDir() + "/rules/weihai-2025.yaml";
  const CommandResult zh = RunCommand(Quote(ZkmatchBinary()) + " run --rules " + Quote(rules) + " --out zh --lang zh", dir.path());
  ASSERT_EQ(zh.exit_code, 0) << zh.err;
  const CommandResult en = RunCommand(Quote(ZkmatchBinary()) + " run --rules " + Quote(rules) + " --out en", dir.path());
  ASSERT_EQ(en.exit_code, 0) << en.err;
  // 7437 = ceil(0.60 x 12394); 387.6 = 484.5 x 0.8; 454.5 = 484.5 - 30; 544.5 = 484.5 + 60.
  for (const char* want : {"分数线 控制线                   484.5   （按投档排序第 7437 名（共 12394 人的 60%）考生的分数）\n",
                           "分数线 特长生文化课线           387.6   （控制线 × 0.8，保留两位小数）\n",
                           "分数线 3+4 录取线               454.5   （控制线减 30 分）\n", "分数线 校际均衡线               544.5   （控制线加 60 分）\n",
                           "普通批                  统招                      5752       5752   100.0%     +150\n",
                           "普通批                  校际均衡                   960        960   100.0%       -5\n",
                           "提前批                  3+4 对口贯通               180        180   100.0%       +0\n",
                           "考生 12394 人：录取 7620 人，未录取 4774 人；名额 7620 个，录满 7620 个（100.0%）；150 个未录满名额已流转（flows.csv）\n"}) {
    EXPECT_NE(zh.out.find(want), std::string::npos) << "missing: " << want << "\n" << zh.out;
  }
  EXPECT_NE(en.out.find("general                  general                    5752       5752   100.0%     +150\n"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("candidates 12394: placed 7620, unplaced 4774; seats filled 7620 of 7620 (100.0%); 150 unfilled seats flowed (flows.csv)\n"),
            std::string::npos)
      << en.out;
  for (const char* code : {"general", "balanced", "control", "by_admission", "early"}) {
    EXPECT_EQ(zh.out.find(code), std::string::npos) << code << " in\n" << zh.out;
  }
  // The outputs do not depend on the summary's language.
  EXPECT_EQ(ReadFile(dir.path() + "/zh/placements.csv"), ReadFile(dir.path() + "/en/placements.csv"));
}

TEST(RunSummary, ProgressOnlyOnATerminal) {
  if (RunCommand("command -v script", "/").exit_code != 0) GTEST_SKIP() << "script(1) is not installed";
  TempDir dir;
  const std::string rules = SourceDir() + "/rules/weihai-2025.yaml";
  const std::string run = Quote(ZkmatchBinary()) + " run --rules " + Quote(rules) + " --out out --force";
  // script -q -c CMD /dev/null: CMD's stdout and stderr are a pseudo-terminal, copied to ours.
  CommandResult tty = RunCommand("script -q -e -c " + Quote(run + " >/dev/null") + " /dev/null", dir.path());
  ASSERT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  for (const char* step : {"load inputs", "match", "render outputs and audit log", "write out"}) {
    EXPECT_NE(tty.out.find(step), std::string::npos) << step << " not shown:\n" << tty.out;
  }
  EXPECT_NE(tty.out.find("batch general"), std::string::npos) << "no per-batch detail:\n" << tty.out;
  CommandResult quiet = RunCommand("script -q -e -c " + Quote(run + " --quiet") + " /dev/null", dir.path());
  ASSERT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.out, "");
  CommandResult pipe = RunCommand(run, dir.path());
  ASSERT_EQ(pipe.exit_code, 0);
  EXPECT_EQ(pipe.err, "");
  EXPECT_EQ(pipe.out.find("load inputs"), std::string::npos);
}

TEST(RunSummary, ErrorsStartTheirOwnLineOnATerminal) {
  if (RunCommand("command -v script", "/").exit_code != 0) GTEST_SKIP() << "script(1) is not installed";
  const std::string dir = SourceDir() + "/fixtures/bad/unknown-program";
  const std::string expected = ReadFile(dir + "/expected.txt");
  TempDir out;
  const std::string run = Quote(ZkmatchBinary()) + " run --rules rules.yaml --out " + Quote(out.path() + "/out");
  CommandResult tty = RunCommand("script -q -c " + Quote(run) + " /dev/null", dir);
  const std::string first = expected.substr(0, expected.find('\n'));  // choices.csv:3:program: error: ...
  const std::size_t at = tty.out.find(first);
  ASSERT_NE(at, std::string::npos) << tty.out;
  // Right after a cleared status line or a line break, never after "load inputs ...".
  const bool own_line = at == 0 || tty.out[at - 1] == '\n' || (at >= 4 && tty.out.compare(at - 4, 4, "\r\033[K") == 0);
  EXPECT_TRUE(own_line) << tty.out;
  EXPECT_EQ(tty.out.find("load inputs  "), std::string::npos) << "a time printed for the failed step:\n" << tty.out;
  EXPECT_FALSE(FileExists(out.path() + "/out"));
}

}  // namespace
}  // namespace zkmatch::testing
