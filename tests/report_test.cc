// zkmatch report (engine/src/report.cc, tools/cmd_report.cc): the admission report of a run.
//
//   - Weihai (rules/weihai-2025.yaml): every seat block of cutoffs.csv is a row of the
//     "seats" table with the same plan, flows, seats, admitted and cut-off (a split channel's
//     groups summed, its cut-off the lowest); the general-high ratio is the placed candidates
//     of general_high programs over all candidates; the target and verify status are shown;
//     the page is self-contained (no script, no external reference) and Chinese by default,
//     English with --lang en; two renders are byte-identical (HTML and XLSX).
//   - --xlsx: the workbook holds one sheet per table and the run's numbers (read with python3's
//     zipfile, as Excel would unpack it).
//   - An input changed after the run: exit 2, "refusing to report", nothing written. An output
//     edited after the run: the report is written and says verify failed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }
CommandResult Zk(const std::string& args, const std::string& cwd) { return RunCommand(Q(ZkmatchBinary()) + " " + args, cwd); }

std::vector<std::string> Split(const std::string& line, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string f;
  while (std::getline(s, f, sep)) out.push_back(f);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

// Rows of the HTML table with this id, as cell texts (the report escapes only & < > " ').
std::vector<std::vector<std::string>> TableRows(const std::string& html, const std::string& id) {
  std::vector<std::vector<std::string>> rows;
  const std::size_t start = html.find("<table id=\"" + id + "\">");
  if (start == std::string::npos) return rows;
  const std::string table = html.substr(start, html.find("</table>", start) - start);
  const std::regex row_re("<tr>(.*?)</tr>"), cell_re("<td[^>]*>(.*?)</td>");
  for (auto r = std::sregex_iterator(table.begin(), table.end(), row_re); r != std::sregex_iterator(); ++r) {
    const std::string row = (*r)[1];
    std::vector<std::string> cells;
    for (auto c = std::sregex_iterator(row.begin(), row.end(), cell_re); c != std::sregex_iterator(); ++c) cells.push_back((*c)[1]);
    if (!cells.empty()) rows.push_back(cells);
  }
  return rows;
}

class WeihaiReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    run_ = tmp_->path() + "/weihai";
    const CommandResult r = Zk("run -q --rules " + Q(SourceDir() + "/rules/weihai-2025.yaml") + " --out " + Q(run_), "/");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static CommandResult Report(const std::string& extra) { return Zk("report --run " + Q(run_) + " " + extra, "/"); }
  static TempDir* tmp_;
  static std::string run_;
};
TempDir* WeihaiReportTest::tmp_ = nullptr;
std::string WeihaiReportTest::run_;

TEST_F(WeihaiReportTest, SeatsTableHoldsEveryBlockOfCutoffsCsv) {
  const CommandResult r = Report("");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "zkmatch report: " + run_ + "/report.html (verify holds)\n");
  const std::string html = ReadFile(run_ + "/report.html");
  // (batch, stage, program, channel) -> initial, in, out, capacity, admitted, lowest cut-off.
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, std::tuple<long, long, long, long, long, std::string>> want;
  std::vector<Key> order;
  std::ifstream in(run_ + "/cutoffs.csv");
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line, "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity");
  int split_rows = 0;
  while (std::getline(in, line)) {
    const auto f = Split(line);
    ASSERT_EQ(f.size(), 12u) << line;
    split_rows += !f[3].empty();
    const Key key{f[0], f[7], f[1], f[2]};
    if (!want.count(key)) order.push_back(key);
    auto& [initial, flowed_in, flowed_out, capacity, admitted, cutoff] = want[key];
    initial += std::stol(f[8]);
    flowed_in += std::stol(f[9]);
    flowed_out += std::stol(f[10]);
    capacity += std::stol(f[4]);
    admitted += std::stol(f[5]);
    if (!f[6].empty() && (cutoff.empty() || std::stod(f[6]) < std::stod(cutoff))) cutoff = f[6];
  }
  EXPECT_EQ(split_rows, 84);  // balanced seats of H01-H03: the (program, junior school) pairs with a share
  std::vector<std::vector<std::string>> expected;
  for (const Key& k : order) {
    const auto& [initial, flowed_in, flowed_out, capacity, admitted, cutoff] = want[k];
    if (initial == 0 && flowed_in == 0 && capacity == 0 && admitted == 0) continue;  // not offered
    expected.push_back({std::get<2>(k), std::get<0>(k), std::get<1>(k), std::get<3>(k), std::to_string(initial), std::to_string(flowed_in),
                        std::to_string(flowed_out), std::to_string(capacity), std::to_string(admitted), cutoff});
  }
  std::vector<std::vector<std::string>> got;
  for (const auto& row : TableRows(html, "seats")) {
    ASSERT_EQ(row.size(), 12u);
    got.emplace_back(row.begin() + 1, row.begin() + 11);  // program .. cut-off
  }
  EXPECT_EQ(got, expected);
  EXPECT_GE(got.size(), 40u);
  // H01's balanced plan (programs.csv: 340 seats) is one row summed over its 30 junior schools.
  const auto h01 = std::find_if(got.begin(), got.end(), [](const auto& row) { return row[0] == "H01" && row[3] == "balanced"; });
  ASSERT_NE(h01, got.end());
  EXPECT_EQ((*h01)[4], "340");
}

TEST_F(WeihaiReportTest, GeneralHighRatioTargetAndIdentity) {
  const CommandResult r = Report("--out " + Q(tmp_->path() + "/zh.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string html = ReadFile(tmp_->path() + "/zh.html");
  // Placed candidates of general_high programs (programs.csv kind) over all candidates.
  std::set<std::string> general_high;
  {
    std::ifstream in(SourceDir() + "/fixtures/weihai-2025/programs.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const auto f = Split(line);
      if (f[5] == "general_high") general_high.insert(f[0]);
    }
  }
  long candidates = 0, admitted = 0;
  {
    std::ifstream in(run_ + "/placements.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const auto f = Split(line);
      ++candidates;
      admitted += f[1] == "placed" && general_high.count(f[3]);
    }
  }
  ASSERT_EQ(candidates, 12394);
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f", 100.0 * static_cast<double>(admitted) / static_cast<double>(candidates));
  EXPECT_NE(html.find("<p id=\"gh-ratio\">普通高中录取比例: <b>" + std::string(ratio) + "%</b> (" + std::to_string(admitted) + " / 12394); 目标 60.00%: "),
            std::string::npos)
      << ratio;
  const auto gh = TableRows(html, "general_high");
  ASSERT_EQ(gh.size(), 5u);
  EXPECT_EQ(gh[1][1], std::to_string(admitted));
  EXPECT_EQ(gh[3][1], ratio);
  EXPECT_EQ(gh[4][1], "60.00");
  // Identity: rules name, engine, verify, the four recorded inputs with their digests.
  EXPECT_NE(html.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<title>录取报告：weihai-2025</title>"), std::string::npos);
  EXPECT_NE(html.find("<td id=\"verify\" class=\"ok\">"), std::string::npos);
  EXPECT_NE(html.find("<td>zkmatch 0.1.0</td>"), std::string::npos);
  const auto inputs = TableRows(html, "inputs");
  ASSERT_EQ(inputs.size(), 4u);
  EXPECT_EQ(inputs[0][0], "rules");
  const std::string manifest = ReadFile(run_ + "/manifest.json");
  for (const auto& row : inputs) {
    const std::string sha = std::regex_replace(row[2], std::regex("</?code>"), "");
    EXPECT_NE(manifest.find("\"sha256\":\"" + sha + "\""), std::string::npos) << sha;
  }
  // Self-contained: no script, nothing fetched; charts are inline SVG with titles.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  for (const char* chart : {"chart-scores", "chart-cutoffs", "chart-fill", "chart-groups"}) {
    EXPECT_NE(html.find("<svg id=\"" + std::string(chart) + "\""), std::string::npos) << chart;
  }
  // Public and private general-high programs (公民同招): the 1,500 private seats of the plan.
  const auto sectors = TableRows(html, "sectors");
  ASSERT_EQ(sectors.size(), 2u);
  EXPECT_EQ(sectors[0], (std::vector<std::string>{"民办", "3", "1500", "1500", "100.00"}));
  EXPECT_EQ(sectors[1][0], "公办");
  EXPECT_EQ(std::stol(sectors[0][2]) + std::stol(sectors[1][2]), std::stol(gh[2][1]));
  // The balanced plan per junior school: 30 junior schools, seats summing to the plan.
  const auto groups = TableRows(html, "groups");
  ASSERT_EQ(groups.size(), 30u);
  long seats = 0;
  for (const auto& g : groups) seats += std::stol(g[5]);
  EXPECT_EQ(seats, 340 + 325 + 300);
}

TEST_F(WeihaiReportTest, EnglishAndDeterministic) {
  const std::string a = tmp_->path() + "/en-a.html", b = tmp_->path() + "/en-b.html";
  ASSERT_EQ(Report("--lang en --xlsx --out " + Q(a)).exit_code, 0);
  ASSERT_EQ(Report("--lang en --xlsx --out " + Q(b)).exit_code, 0);
  const std::string html = ReadFile(a);
  EXPECT_EQ(html, ReadFile(b));
  EXPECT_EQ(ReadFile(tmp_->path() + "/en-a.xlsx"), ReadFile(tmp_->path() + "/en-b.xlsx"));
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(html.find("<title>Admission report: weihai-2025</title>"), std::string::npos);
  EXPECT_NE(html.find("General-high admission ratio: <b>60.03%</b> (7440 / 12394); Target 60.00%: <span class=\"ok\">meets the target</span>"), std::string::npos);
  EXPECT_EQ(html.find("录取"), std::string::npos);
}

TEST_F(WeihaiReportTest, WorkbookHoldsTheTables) {
  const std::string html = tmp_->path() + "/x.html";
  ASSERT_EQ(Report("--xlsx --out " + Q(html)).exit_code, 0);
  const std::string xlsx = tmp_->path() + "/x.xlsx";
  ASSERT_TRUE(FileExists(xlsx));
  // Sheet names, and the inline/shared strings and numbers of the seats sheet.
  const std::string script =
      "import re, sys, zipfile\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "book = z.read('xl/workbook.xml').decode()\n"
      "print(' '.join(re.findall(r'<sheet name=\"([^\"]+)\"', book)))\n"
      "shared = re.findall(r'<t[^>]*>([^<]*)</t>', z.read('xl/sharedStrings.xml').decode())\n"
      "names = re.findall(r'<sheet name=\"([^\"]+)\"', book)\n"
      "sheet = z.read('xl/worksheets/sheet%d.xml' % (names.index('seats') + 1)).decode()\n"
      "for row in re.findall(r'<row [^>]*>(.*?)</row>', sheet):\n"
      "    cells = {}\n"
      "    for col, t, v in re.findall(r'<c r=\"([A-Z]+)\\d+\"[^>]*?(?: t=\"(\\w+)\")?[^>]*><v>([^<]*)</v></c>', row):\n"
      "        cells[col] = shared[int(v)] if t == 's' else v\n"
      "    line = [cells.get(c, '') for c in 'ABCDEFGHIJKL']\n"
      "    if line[1] == 'H01' and line[4] == 'general': print('|'.join(line))\n";
  const std::string py = tmp_->path() + "/read_xlsx.py";
  { std::ofstream(py) << script; }
  const CommandResult r = RunCommand("/usr/bin/python3 " + Q(py) + " " + Q(xlsx), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("run summary general_high lines sectors channels other_programs groups seats\n"), std::string::npos) << r.out;
  // H01's open seats: the same numbers as cutoffs.csv.
  std::string h01;
  {
    std::ifstream in(run_ + "/cutoffs.csv");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("general,H01,general,", 0) == 0) h01 = line;
    }
  }
  const auto f = Split(h01);
  ASSERT_EQ(f.size(), 12u);
  EXPECT_NE(r.out.find("威海一中|H01|general||general|" + f[8] + "|" + f[9] + "|" + f[10] + "|" + f[4] + "|" + f[5] + "|" + f[6] + "|100\n"), std::string::npos)
      << r.out << h01;
}

// A small run of a fixture case in a temp copy (so its inputs can be edited).
class CaseReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    case_ = tmp_.path() + "/case";
    fs::copy(SourceDir() + "/fixtures/cases/reserve-order", case_, fs::copy_options::recursive);
    run_ = tmp_.path() + "/run";
    const CommandResult r = Zk("run -q --rules " + Q(case_ + "/open-first.yaml") + " --out " + Q(run_), "/");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  TempDir tmp_;
  std::string case_, run_;
};

TEST_F(CaseReportTest, ChangedInputIsRefusedAndNothingWritten) {
  { std::ofstream(case_ + "/candidates.csv", std::ios::app) << "R8,600,J1\n"; }
  const CommandResult r = Zk("report --run " + Q(run_) + " --xlsx", "/");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("zkmatch report: error: refusing to report: candidates file " + case_ + "/candidates.csv differs from the one the run used"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(FileExists(run_ + "/report.html"));
  EXPECT_FALSE(FileExists(run_ + "/report.xlsx"));
  for (const auto& e : fs::directory_iterator(run_)) EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST_F(CaseReportTest, EditedOutputIsReportedAsVerifyFailed) {
  std::string placements = ReadFile(run_ + "/placements.csv");
  placements.replace(placements.find("R7,unplaced,,,,,"), 16, "R7,placed,main,P,open,1,");
  { std::ofstream(run_ + "/placements.csv", std::ios::trunc) << placements; }
  const CommandResult r = Zk("report --run " + Q(run_) + " --lang en", "/");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(verify FAILED)"), std::string::npos) << r.out;
  const std::string html = ReadFile(run_ + "/report.html");
  EXPECT_NE(html.find("<td id=\"verify\" class=\"bad\">FAILED"), std::string::npos);
  EXPECT_NE(html.find("<li>output placements.csv was modified after the run"), std::string::npos);
}

TEST_F(CaseReportTest, SmallCaseNumbers) {
  const CommandResult r = Zk("report --run " + Q(run_) + " --lang en", "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string html = ReadFile(run_ + "/report.html");
  // NOTES.md, open-first: P/open 2/2 690; P/reserve 2/2 650; Q/open 1/1 670; Q has no reserve.
  const auto seats = TableRows(html, "seats");
  ASSERT_EQ(seats.size(), 3u);
  EXPECT_EQ(seats[0], (std::vector<std::string>{"Popular High", "P", "main", "", "open", "2", "0", "0", "2", "2", "690", "100.00"}));
  EXPECT_EQ(seats[1], (std::vector<std::string>{"Popular High", "P", "main", "", "reserve", "2", "0", "0", "2", "2", "650", "100.00"}));
  EXPECT_EQ(seats[2], (std::vector<std::string>{"Other High", "Q", "main", "", "open", "1", "0", "0", "1", "1", "670", "100.00"}));
  const auto summary = TableRows(html, "summary");
  ASSERT_EQ(summary.size(), 3u);
  EXPECT_EQ(summary[0][1], "7");
  EXPECT_EQ(summary[1][1], "5");
  EXPECT_EQ(summary[2][1], "2");
  EXPECT_NE(html.find("General-high admission ratio: <b>71.43%</b> (5 / 7); no target in the rules"), std::string::npos);
}

}  // namespace
}  // namespace zkmatch::testing
