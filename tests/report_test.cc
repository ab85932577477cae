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
#include <cmath>
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

// The `label:` of a channel name, or of "batch:" + a batch name, in rules/weihai-2025.yaml.
std::string WeihaiLabel(const std::string& name) {
  static const std::map<std::string, std::string> kLabels = {
      {"batch:early", "提前批"},  {"batch:general", "普通批"}, {"sports", "体育特长生"},  {"music", "音乐特长生"},  {"art", "美术特长生"},
      {"scitech", "科技特长生"},  {"combined", "综合艺术特长生"}, {"track_3p4", "3+4 对口贯通"}, {"general", "统招"}, {"balanced", "校际均衡"}};
  auto it = kLabels.find(name);
  return it == kLabels.end() ? "?" + name : it->second;
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
    // The Chinese report shows the rules' labels (rules/weihai-2025.yaml) for batches and channels.
    expected.push_back({std::get<2>(k), WeihaiLabel("batch:" + std::get<0>(k)), std::get<1>(k), WeihaiLabel(std::get<3>(k)), std::to_string(initial), std::to_string(flowed_in),
                        std::to_string(flowed_out), std::to_string(capacity), std::to_string(admitted), cutoff});
  }
  std::vector<std::vector<std::string>> got;
  for (const auto& row : TableRows(html, "seats")) {
    ASSERT_EQ(row.size(), 13u);  // the last: 位次 of the cut-off (PublicationsHandChecked)
    got.emplace_back(row.begin() + 1, row.begin() + 11);  // program .. cut-off
  }
  EXPECT_EQ(got, expected);
  EXPECT_GE(got.size(), 40u);
  // H01's balanced plan (programs.csv: 340 seats) is one row summed over its 30 junior schools.
  const auto h01 = std::find_if(got.begin(), got.end(), [](const auto& row) { return row[0] == "H01" && row[3] == "校际均衡"; });
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
  // The Chinese report names each role in Chinese, then as the rules spell it.
  EXPECT_EQ(inputs[0][0], "规则 (rules)");
  EXPECT_EQ(inputs[1][0], "考生 (candidates)");
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

// The rules' labels and the Chinese "how computed" in the Chinese report; names and the
// English notes in the English one; input paths relative to the run directory.
TEST_F(WeihaiReportTest, ChineseLabelsAndHowComputed) {
  const std::string zh_path = tmp_->path() + "/labels-zh.html", en_path = tmp_->path() + "/labels-en.html";
  ASSERT_EQ(Report("--out " + Q(zh_path)).exit_code, 0);
  ASSERT_EQ(Report("--lang en --out " + Q(en_path)).exit_code, 0);
  const std::string zh = ReadFile(zh_path), en = ReadFile(en_path);
  // 7437 = ceil(0.60 x 12394); 387.6 = 484.5 x 0.8; 454.5 = 484.5 - 30; 544.5 = 484.5 + 60.
  EXPECT_EQ(TableRows(zh, "lines"), (std::vector<std::vector<std::string>>{{"控制线", "484.5", "按投档排序第 7437 名（共 12394 人的 60%）考生的分数"},
                                                                           {"特长生文化课线", "387.6", "控制线 × 0.8，保留两位小数"},
                                                                           {"3+4 录取线", "454.5", "控制线减 30 分"},
                                                                           {"校际均衡线", "544.5", "控制线加 60 分"}}));
  const auto en_lines = TableRows(en, "lines");
  ASSERT_EQ(en_lines.size(), 4u);
  EXPECT_EQ(en_lines[0][0], "control");
  EXPECT_EQ(en_lines[0][2].rfind("admit_ratio 0.6 of by_admission: candidate ", 0), 0u) << en_lines[0][2];
  // No code word for a batch or channel in the Chinese tables.
  for (const char* id : {"seats", "channels", "groups"}) {
    for (const auto& row : TableRows(zh, id)) {
      for (const auto& cell : row) {
        for (const char* code : {"early", "general", "balanced", "sports", "track_3p4"}) EXPECT_EQ(cell.find(code), std::string::npos) << id << ": " << cell;
      }
    }
  }
  EXPECT_NE(zh.find(">H01 统招</text>"), std::string::npos);  // the cut-off chart's row label
  EXPECT_NE(en.find(">H01 general</text>"), std::string::npos);
  // Input paths inside the run bundle, not the machine's absolute paths.
  const auto inputs = TableRows(zh, "inputs");
  ASSERT_EQ(inputs.size(), 4u);
  for (const auto& row : inputs) EXPECT_EQ(row[1].rfind("<code>inputs/", 0), 0u) << row[1];
  EXPECT_EQ(inputs[1][1], "<code>inputs/candidates.csv</code>");
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
      "sheet = z.read('xl/worksheets/sheet%d.xml' % (names.index('各学校各通道') + 1)).decode()\n"
      "for row in re.findall(r'<row [^>]*>(.*?)</row>', sheet):\n"
      "    cells = {}\n"
      "    for col, t, v in re.findall(r'<c r=\"([A-Z]+)\\d+\"[^>]*?(?: t=\"(\\w+)\")?[^>]*><v>([^<]*)</v></c>', row):\n"
      "        cells[col] = shared[int(v)] if t == 's' else v\n"
      "    line = [cells.get(c, '') for c in 'ABCDEFGHIJKL']\n"
      "    if line[1] == 'H01' and line[4] == '统招': print('|'.join(line))\n"
      // The 一分一段表 sheet's last row: the lowest total, its count and the cohort (numbers, not text).
      "bands = z.read('xl/worksheets/sheet%d.xml' % (names.index('一分一段表') + 1)).decode()\n"
      "last = re.findall(r'<row [^>]*>(.*?)</row>', bands)[-1]\n"
      "print('bands-last ' + ' '.join(('s:' if t == 's' else 'n:') + v for col, t, v in "
      "re.findall(r'<c r=\"([A-Z]+)\\d+\"[^>]*?(?: t=\"(\\w+)\")?[^>]*><v>([^<]*)</v></c>', last)[:3]))\n";
  const std::string py = tmp_->path() + "/read_xlsx.py";
  { std::ofstream(py) << script; }
  const CommandResult r = RunCommand("/usr/bin/python3 " + Q(py) + " " + Q(xlsx), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("本次录取 概况 普通高中录取比例 分数线 各志愿录取分布 公办与民办 各通道录取 普通高中以外的计划 各初中分配名额汇总 各学校各通道 一分一段表 录取名单 分配名额 初中去向\n"),
            std::string::npos)
      << r.out;
  // candidates.csv's lowest total is 120, held by 4 candidates; the cumulative count is the cohort.
  EXPECT_NE(r.out.find("bands-last n:120 n:4 n:12394\n"), std::string::npos) << r.out;
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
  EXPECT_NE(r.out.find("威海一中|H01|普通批||统招|" + f[8] + "|" + f[9] + "|" + f[10] + "|" + f[4] + "|" + f[5] + "|" + f[6] + "|100\n"), std::string::npos)
      << r.out << h01;
}

// A CSV file of zkmatch's (no quoted fields in these) as rows of cells, header first.
std::vector<std::vector<std::string>> CsvRows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) rows.push_back(Split(line));
  return rows;
}

// Hundredths of a score as written ("463.5" -> 46350), for exact comparisons.
long Hundredths(const std::string& s) { return std::lround(std::stod(s) * 100); }

// The publications (report --csv, and their tables in report.html), checked against the inputs
// and the run's own files, not against the report's code: the 一分一段表 is recounted from
// candidates.csv (12,394 in all), every 位次 is the count of candidates at or above the cut-off,
// the admitted lists are placements.csv's placed rows, the quota rows cutoffs.csv's group rows.
// The four files are also golden (fixtures/weihai-2025/publications/).
TEST_F(WeihaiReportTest, PublicationsHandChecked) {
  const std::string out = tmp_->path() + "/pub";
  fs::create_directories(out);
  const CommandResult r = Report("--csv --out " + Q(out + "/report.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("zkmatch report: " + out + "/admitted.csv\n"), std::string::npos) << r.out;
  for (const char* name : {"score_bands.csv", "admitted.csv", "quota_matrix.csv", "junior_outcomes.csv"}) {
    ExpectGolden(SourceDir() + "/fixtures/weihai-2025/publications/" + name, ReadFile(out + "/" + name), std::string("report --csv: ") + name);
  }
  struct Cand {
    std::string total, junior, district;
    long bonus = 0;
  };
  std::map<std::string, Cand> cands;
  const auto cand_rows = CsvRows(SourceDir() + "/fixtures/weihai-2025/candidates.csv");
  ASSERT_EQ(cand_rows[0][2] + cand_rows[0][3] + cand_rows[0][4] + cand_rows[0][8], "junior_schooldistricttotalbonus");
  for (std::size_t i = 1; i < cand_rows.size(); ++i) cands[cand_rows[i][0]] = Cand{cand_rows[i][4], cand_rows[i][2], cand_rows[i][3], Hundredths(cand_rows[i][8])};
  ASSERT_EQ(cands.size(), 12394u);

  // 一分一段表: the whole cohort (district empty) then each district, totals highest first.
  std::map<std::string, std::map<long, std::pair<std::string, long>, std::greater<>>> count;  // district -> total -> (as written, count)
  for (const auto& [id, c] : cands) {
    for (const std::string& d : {std::string(), c.district}) {
      auto& slot = count[d][Hundredths(c.total)];
      slot.first = c.total;
      ++slot.second;
    }
  }
  std::string want = "district,total,count,cumulative\n";
  long cohort = 0;
  for (const auto& [district, by_total] : count) {
    long cumulative = 0;
    for (const auto& [h, v] : by_total) {
      cumulative += v.second;
      want += district + "," + v.first + "," + std::to_string(v.second) + "," + std::to_string(cumulative) + "\n";
    }
    if (district.empty()) cohort = cumulative;
  }
  EXPECT_EQ(cohort, 12394);
  EXPECT_EQ(ReadFile(out + "/score_bands.csv"), want);
  EXPECT_EQ(count.size(), 5u);  // the cohort and four districts

  // 位次 of every cut-off: candidates with a total at or above it (the cumulative count at it).
  const std::string html = ReadFile(out + "/report.html");
  int ranked = 0;
  for (const auto& row : TableRows(html, "seats")) {
    ASSERT_EQ(row.size(), 13u);
    if (row[10].empty()) {
      EXPECT_EQ(row[12], "");
      continue;
    }
    const long cut = Hundredths(row[10]);
    long at_or_above = 0;
    for (const auto& [id, c] : cands) at_or_above += Hundredths(c.total) >= cut;
    EXPECT_EQ(row[12], std::to_string(at_or_above)) << row[1] << " " << row[4];
    EXPECT_NE(want.find("\n," + row[10] + ",") , std::string::npos);
    EXPECT_NE(want.find("," + row[10] + "," + std::to_string(count[""][cut].second) + "," + std::to_string(at_or_above) + "\n"), std::string::npos) << row[10];
    ++ranked;
  }
  EXPECT_GE(ranked, 40);
  const auto bands_html = TableRows(html, "score_bands");
  ASSERT_EQ(bands_html.size(), count[""].size());
  EXPECT_EQ(bands_html.back()[2], "12394");
  ASSERT_EQ(bands_html[0].size(), 3u + 2 * 4);  // total, cohort count and cumulative, then per district
  EXPECT_NE(html.find("<svg id=\"chart-bands\""), std::string::npos);

  // 录取名单: exactly placements.csv's placed candidates, programs in code order, positions
  // 1..n, each program's admitted count as cutoffs.csv sums it.
  std::map<std::string, std::vector<std::string>> placed;  // id -> placements row
  for (const auto& row : CsvRows(run_ + "/placements.csv")) {
    if (row[1] == "placed") placed[row[0]] = row;
  }
  std::map<std::string, long> per_program;
  for (const auto& row : CsvRows(run_ + "/cutoffs.csv")) {
    if (row[0] != "batch") per_program[row[1]] += std::stol(row[5]);
  }
  const auto admitted = CsvRows(out + "/admitted.csv");
  ASSERT_EQ(admitted[0], (std::vector<std::string>{"school", "program", "program_name", "position", "candidate_id", "name", "junior_school", "total", "batch",
                                                   "stage", "channel", "choice_rank"}));
  ASSERT_EQ(admitted.size() - 1, placed.size());
  std::map<std::string, long> listed;
  std::set<std::string> seen, blocks_done;
  std::string block;
  long previous_score = 0;
  for (std::size_t i = 1; i < admitted.size(); ++i) {
    const auto& a = admitted[i];
    ASSERT_EQ(a.size(), 12u);
    if (i > 1) {
      EXPECT_LE(admitted[i - 1][1], a[1]);
    }
    EXPECT_EQ(a[3], std::to_string(++listed[a[1]])) << a[4];
    EXPECT_TRUE(seen.insert(a[4]).second) << a[4];
    const auto& p = placed[a[4]];
    ASSERT_FALSE(p.empty()) << a[4];
    EXPECT_EQ(p[2] + p[3] + p[4] + p[5], a[8] + a[1] + a[10] + a[11]) << a[4];
    const Cand& c = cands[a[4]];
    EXPECT_EQ(a[7], c.total);
    EXPECT_EQ(a[6], c.junior);
    EXPECT_EQ(a[5], "");  // the Weihai rules do not declare `name` descriptive (NamesFromADescriptiveColumn)
    // Admission order: one run of rows per block; in a by_admission channel total + bonus never rises.
    const std::string this_block = a[1] + "/" + a[8] + "/" + a[10];
    const long score = Hundredths(c.total) + c.bonus;
    if (this_block != block) {
      EXPECT_TRUE(blocks_done.insert(this_block).second) << this_block << " is not one run of rows";
      block = this_block;
    } else if (a[10] == "general" || a[10] == "balanced" || a[10] == "track_3p4") {
      EXPECT_LE(score, previous_score) << a[4];
    }
    previous_score = score;
  }
  std::map<std::string, long> admitting;  // programs that admitted anyone
  for (const auto& [program, n] : per_program) {
    if (n) admitting[program] = n;
  }
  EXPECT_EQ(listed, admitting);
  EXPECT_EQ(TableRows(html, "admitted-H01").size(), static_cast<std::size_t>(per_program["H01"]));

  // The quota matrix: cutoffs.csv's 84 group rows, 965 balanced seats in all.
  const auto quota = CsvRows(out + "/quota_matrix.csv");
  std::vector<std::string> want_quota, got_quota;
  for (const auto& row : CsvRows(run_ + "/cutoffs.csv")) {
    if (row[0] != "batch" && !row[3].empty()) want_quota.push_back(row[0] + row[7] + row[2] + row[1] + row[3] + "|" + row[8] + "|" + row[5] + "|" + row[6]);
  }
  long quota_seats = 0;
  for (std::size_t i = 1; i < quota.size(); ++i) {
    got_quota.push_back(quota[i][0] + quota[i][1] + quota[i][2] + quota[i][4] + quota[i][5] + "|" + quota[i][6] + "|" + quota[i][7] + "|" + quota[i][8]);
    quota_seats += std::stol(quota[i][6]);
  }
  EXPECT_EQ(got_quota, want_quota);
  EXPECT_EQ(got_quota.size(), 84u);
  EXPECT_EQ(quota_seats, 340 + 325 + 300);
  EXPECT_EQ(TableRows(html, "quota_matrix").size(), 28u);  // one row per junior school with a share (84 = 28 x 3 programs)

  // Where each junior school's graduates went: recounted from placements.csv and candidates.csv.
  std::map<std::pair<std::string, std::string>, long> went;
  for (const auto& [id, c] : cands) ++went[{c.junior, placed.count(id) ? placed[id][3] : ""}];
  std::map<std::pair<std::string, std::string>, long> got_went;
  const auto outcomes = CsvRows(out + "/junior_outcomes.csv");
  for (std::size_t i = 1; i < outcomes.size(); ++i) got_went[{outcomes[i][0], outcomes[i][2]}] += std::stol(outcomes[i][4]);
  EXPECT_EQ(got_went, went);
  EXPECT_EQ(TableRows(html, "junior_outcomes").size(), outcomes.size() - 1);
}

// The charts' axes fit their values (an independent audit read them on a screenshot): the box
// plot of admitted totals starts at the lowest admitted total rounded down to 50, not at 0 (the
// boxes filled the last third); the histogram labels every 100 points its columns span, with
// or without a candidate there (labelled only under bars, a sparse low end had none).
TEST_F(WeihaiReportTest, ChartAxesFitTheirValues) {
  ASSERT_EQ(Report("--lang en").exit_code, 0);
  const std::string html = ReadFile(run_ + "/report.html");
  auto svg = [&](const std::string& id) {
    const std::size_t b = html.find("<svg id=\"" + id + "\"");
    return b == std::string::npos ? std::string() : html.substr(b, html.find("</svg>", b) - b);
  };
  // Tick labels: <text ... text-anchor="middle">N</text>, N a whole number.
  auto ticks = [](const std::string& chart) {
    std::vector<long> out;
    const std::regex tick("text-anchor=\"middle\">([0-9]+)</text>");
    for (auto it = std::sregex_iterator(chart.begin(), chart.end(), tick); it != std::sregex_iterator(); ++it) out.push_back(std::stol((*it)[1]));
    return out;
  };
  // Totals in hundredths, by id.
  const auto cand_rows = CsvRows(run_ + "/inputs/candidates.csv");
  const std::size_t total_col = static_cast<std::size_t>(std::find(cand_rows[0].begin(), cand_rows[0].end(), "total") - cand_rows[0].begin());
  ASSERT_LT(total_col, cand_rows[0].size());
  std::map<std::string, long> total;
  for (std::size_t i = 1; i < cand_rows.size(); ++i) total[cand_rows[i][0]] = Hundredths(cand_rows[i][total_col]);
  long lowest = 1'000'000'000;  // the lowest total of a placed candidate
  for (const auto& row : CsvRows(run_ + "/placements.csv")) {
    if (row[1] == "placed") lowest = std::min(lowest, total.at(row[0]));
  }
  const std::vector<long> box = ticks(svg("chart-scores"));
  ASSERT_FALSE(box.empty());
  EXPECT_GT(box.front(), 0);
  EXPECT_EQ(box.front(), lowest / 5000 * 50) << "lowest admitted total (hundredths) " << lowest;
  long low = 1'000'000'000, high = 0;
  for (const auto& [id, t] : total) {
    low = std::min(low, t);
    high = std::max(high, t);
  }
  std::vector<long> want;  // every multiple of 100 points from the first 10-point band to the last
  for (long t = (low / 1000 * 10 + 99) / 100 * 100; t <= high / 1000 * 10; t += 100) want.push_back(t);
  EXPECT_GE(want.size(), 3u);
  EXPECT_EQ(ticks(svg("chart-bands")), want);
}

// With `name` declared descriptive, the admitted list shows each candidate's name.
TEST_F(WeihaiReportTest, NamesFromADescriptiveColumn) {
  std::string rules = ReadFile(SourceDir() + "/rules/weihai-2025.yaml");
  rules.replace(rules.find("descriptive_columns: [university]"), 33, "descriptive_columns: [university, name]");
  for (std::size_t at; (at = rules.find("../fixtures/")) != std::string::npos;) rules.replace(at, 12, SourceDir() + "/fixtures/");
  const std::string dir = tmp_->path() + "/named";
  fs::create_directories(dir);
  { std::ofstream(dir + "/rules.yaml") << rules; }
  CommandResult r = Zk("run -q --rules " + Q(dir + "/rules.yaml") + " --out " + Q(dir + "/run"), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Zk("report --csv --run " + Q(dir + "/run"), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, std::string> names;
  const auto cand_rows = CsvRows(SourceDir() + "/fixtures/weihai-2025/candidates.csv");
  for (std::size_t i = 1; i < cand_rows.size(); ++i) names[cand_rows[i][0]] = cand_rows[i][1];
  const auto admitted = CsvRows(dir + "/run/admitted.csv");
  ASSERT_GT(admitted.size(), 7000u);
  for (std::size_t i = 1; i < admitted.size(); ++i) ASSERT_EQ(admitted[i][5], names[admitted[i][4]]) << admitted[i][4];
  EXPECT_EQ(names["2500000001"], "考生1");
  const std::string html = ReadFile(dir + "/run/report.html");
  EXPECT_NE(html.find("<th>姓名</th>"), std::string::npos);
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
  { std::ofstream(run_ + "/inputs/candidates.csv", std::ios::app) << "R8,600,J1\n"; }
  const CommandResult r = Zk("report --run " + Q(run_) + " --xlsx", "/");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("zkmatch report: error: refusing to report: candidates file " + run_ + "/inputs/candidates.csv differs from the one the run used"),
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
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // the report is written, but is no report of a result
  EXPECT_NE(r.out.find("(verify FAILED)"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "zkmatch report: error: the run FAILED verification (16 violations); " + run_ + "/report.html says so at its top and lists them by kind; "
                   "zkmatch verify --run " + run_ + " --all lists up to 100 of each kind\n");
  const std::string html = ReadFile(run_ + "/report.html");
  EXPECT_NE(html.find("<td id=\"verify\" class=\"bad\">FAILED"), std::string::npos);
  EXPECT_NE(html.find("<li>output placements.csv was modified after the run"), std::string::npos);
  // At the top, before any figure: the failure in words, the findings by kind.
  const std::size_t banner = html.find("<section id=\"verify-failed\">\n<h2 class=\"bad\">This run FAILED independent verification: do not publish or rely on the figures below</h2>");
  ASSERT_NE(banner, std::string::npos) << html.substr(0, 3000);
  EXPECT_LT(banner, html.find("<section id=\"identity\">"));
  EXPECT_NE(html.find("<p>zkmatch verify found 16 violations, by kind (zkmatch verify --run " + run_ + " --all lists up to 100 of each kind):</p>\n<ul>\n"
                      "<li><b>output changed since the run</b>: 1\n<ul>\n<li>output placements.csv was modified after the run", banner),
            std::string::npos)
      << html.substr(banner, 3000);
}

TEST_F(CaseReportTest, SmallCaseNumbers) {
  const CommandResult r = Zk("report --run " + Q(run_) + " --lang en", "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string html = ReadFile(run_ + "/report.html");
  // NOTES.md, open-first: P/open 2/2 690; P/reserve 2/2 650; Q/open 1/1 670; Q has no reserve.
  const auto seats = TableRows(html, "seats");
  ASSERT_EQ(seats.size(), 3u);
  // 位次 (last cell): candidates with a total at or above the cut-off: 690 -> R1, R2; 650 -> R1..R6; 670 -> R1..R4.
  EXPECT_EQ(seats[0], (std::vector<std::string>{"Popular High", "P", "main", "", "open", "2", "0", "0", "2", "2", "690", "100.00", "2"}));
  EXPECT_EQ(seats[1], (std::vector<std::string>{"Popular High", "P", "main", "", "reserve", "2", "0", "0", "2", "2", "650", "100.00", "6"}));
  EXPECT_EQ(seats[2], (std::vector<std::string>{"Other High", "Q", "main", "", "open", "1", "0", "0", "1", "1", "670", "100.00", "4"}));
  const auto summary = TableRows(html, "summary");
  ASSERT_EQ(summary.size(), 3u);
  EXPECT_EQ(summary[0][1], "7");
  EXPECT_EQ(summary[1][1], "5");
  EXPECT_EQ(summary[2][1], "2");
  EXPECT_NE(html.find("General-high admission ratio: <b>71.43%</b> (5 / 7); no target in the rules"), std::string::npos);
}

// The publications of the small case, derived by hand in fixtures/cases/reserve-order/NOTES.md
// ("Publications"): every file byte for byte.
TEST_F(CaseReportTest, PublicationsOfTheSmallCaseByHand) {
  const CommandResult r = Zk("report --csv --lang en --run " + Q(run_), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ReadFile(run_ + "/score_bands.csv"),
            "district,total,count,cumulative\n,700,1,1\n,690,1,2\n,680,1,3\n,670,1,4\n,660,1,5\n,650,1,6\n,640,1,7\n");
  EXPECT_EQ(ReadFile(run_ + "/admitted.csv"),
            "school,program,program_name,position,candidate_id,name,junior_school,total,batch,stage,channel,choice_rank\n"
            "Popular High,P,General,1,R1,,J1,700,main,,open,1\n"
            "Popular High,P,General,2,R2,,J2,690,main,,open,1\n"
            "Popular High,P,General,3,R3,,J1,680,main,,reserve,1\n"
            "Popular High,P,General,4,R6,,J1,650,main,,reserve,1\n"
            "Other High,Q,General,1,R4,,J2,670,main,,open,2\n");
  EXPECT_EQ(ReadFile(run_ + "/quota_matrix.csv"), "batch,stage,channel,school,program,junior_school,seats,admitted,lowest_total\n");
  EXPECT_EQ(ReadFile(run_ + "/junior_outcomes.csv"),
            "junior_school,school,program,program_name,candidates\n"
            "J1,Popular High,P,General,3\nJ1,,,,1\nJ2,Popular High,P,General,1\nJ2,Other High,Q,General,1\nJ2,,,,1\n");
  const std::string html = ReadFile(run_ + "/report.html");
  EXPECT_EQ(TableRows(html, "admitted-P").size(), 4u);
  EXPECT_EQ(TableRows(html, "admitted-Q").size(), 1u);
  EXPECT_EQ(html.find("<table id=\"quota_matrix\">"), std::string::npos);  // no split channel, no matrix
}

}  // namespace
}  // namespace zkmatch::testing

namespace zkmatch::testing {
namespace {

// report.html's mechanism section on the mechanisms fixture under immediate acceptance (NOTES.md
// there): 7 placed at choice 1, 5 unplaced, 2 with justified envy (S04 and S07, derived in
// run_diff_test's MechanismStudy); in Chinese, the mechanism's name and the sheet.
TEST(MechanismReportTest, RankDistributionAndJustifiedEnvyOfImmediateAcceptance) {
  TempDir tmp;
  const std::string run = tmp.path() + "/run";
  ASSERT_EQ(Zk("run -q --rules " + Q(SourceDir() + "/fixtures/cases/mechanisms/immediate.yaml") + " --out " + Q(run), "/").exit_code, 0);
  CommandResult r = Zk("report --run " + Q(run) + " --lang en", "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string html = ReadFile(run + "/report.html");
  const auto rows = TableRows(html, "mechanism_study");
  ASSERT_EQ(rows.size(), 1u) << html;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"main", "immediate acceptance", "7", "5", "2"}));
  EXPECT_NE(html.find("<th>Choice 1</th><th>Unplaced</th><th>Justified envy</th>"), std::string::npos);
  r = Zk("report --run " + Q(run), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  html = ReadFile(run + "/report.html");
  EXPECT_EQ(TableRows(html, "mechanism_study")[0], (std::vector<std::string>{"main", "志愿优先", "7", "5", "2"}));
}

}  // namespace
}  // namespace zkmatch::testing
