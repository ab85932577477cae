// Excel workbooks (.xlsx) as inputs (engine/src/xlsx.h; README, "Excel workbooks"): the same
// placements as the CSV files they hold, numbers read exactly, every refused cell named by its
// Excel position with what to do.
//
// The workbooks are written here, part by part, with libzip: a sheet's XML is what Excel writes
// (shared strings, numbers as digits, styles), so each case says exactly which bytes the
// reader meets. The demo and generated instances are converted CSV -> workbook the same way.
#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "csv.h"
#include "support/test_env.h"
#include "xlsx.h"
#include "zkmatch/admission.h"
#include "zkmatch/diagnostics.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A workbook: parts by name, zipped by Write.
struct Workbook {
  std::map<std::string, std::string> parts;

  // Sheets by name (in order), each with its sheet XML's <sheetData> content.
  static Workbook Of(const std::vector<std::pair<std::string, std::string>>& sheets, const std::vector<std::string>& strings = {},
                     const std::string& styles = "") {
    Workbook w;
    std::string list, rels;
    for (std::size_t i = 0; i < sheets.size(); ++i) {
      const std::string n = std::to_string(i + 1);
      list += "<sheet name=\"" + XmlEscape(sheets[i].first) + "\" sheetId=\"" + n + "\" r:id=\"rId" + n + "\"/>";
      rels += "<Relationship Id=\"rId" + n +
              "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet" + n + ".xml\"/>";
      w.parts["xl/worksheets/sheet" + n + ".xml"] =
          "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" +
          sheets[i].second + "</sheetData></worksheet>";
    }
    w.parts["[Content_Types].xml"] = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
    w.parts["xl/workbook.xml"] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
        "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>" +
        list + "</sheets></workbook>";
    w.parts["xl/_rels/workbook.xml.rels"] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" + rels +
        "</Relationships>";
    std::string sst;
    for (const std::string& s : strings) sst += "<si><t>" + XmlEscape(s) + "</t></si>";
    w.parts["xl/sharedStrings.xml"] = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" + sst + "</sst>";
    if (!styles.empty()) w.parts["xl/styles.xml"] = styles;
    return w;
  }

  void Write(const std::string& path) const {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr) << "zip_open " << err;
    for (const auto& [name, content] : parts) {
      zip_source_t* src = zip_source_buffer(z, content.data(), content.size(), 0);
      ASSERT_NE(src, nullptr);
      ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8), 0) << zip_strerror(z);
    }
    ASSERT_EQ(zip_close(z), 0);
  }
};

// The rows of a CSV file (plain: no quoted fields in the files converted here).
std::vector<std::vector<std::string>> CsvRows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (rows.empty() && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
    std::vector<std::string> cells;
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = line.find(',', start);
      cells.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

std::string ColumnOf(std::size_t i) { return ColumnLetters(i); }

// A CSV file as one sheet: text as shared strings; with `numbers`, cells that are decimals as
// number cells (as Excel stores typed numbers), else every cell as text.
void CsvToWorkbook(const std::string& csv, const std::string& xlsx, bool numbers) {
  const std::regex decimal("-?[0-9]+(\\.[0-9]+)?");
  std::vector<std::string> strings;
  std::map<std::string, std::size_t> index;
  std::string data;
  const auto rows = CsvRows(csv);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    data += "<row r=\"" + std::to_string(r + 1) + "\">";
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const std::string& v = rows[r][c];
      if (v.empty()) continue;
      const std::string ref = ColumnOf(c) + std::to_string(r + 1);
      if (numbers && r > 0 && std::regex_match(v, decimal)) {
        data += "<c r=\"" + ref + "\"><v>" + v + "</v></c>";
      } else {
        auto [it, fresh] = index.try_emplace(v, strings.size());
        if (fresh) strings.push_back(v);
        data += "<c r=\"" + ref + "\" t=\"s\"><v>" + std::to_string(it->second) + "</v></c>";
      }
    }
    data += "</row>";
  }
  Workbook::Of({{"Sheet1", data}}, strings).Write(xlsx);
}

struct RunFiles {
  std::string error;  // every diagnostic, when the run failed
  std::map<std::string, std::string> files;
};

RunFiles RunRules(const std::string& rules_path) {
  DiagnosticSink sink;
  AdmissionRequest request;
  request.rules_path = rules_path;
  request.options.threads = 2;
  Result<Admission> a = RunAdmission(request, sink);
  RunFiles out;
  for (const Diagnostic& d : sink.diagnostics()) out.error += d.Format() + "\n";
  if (a.ok()) {
    for (const OutputFile& f : a->files) out.files[f.name] = f.content;
  }
  return out;
}

// The rules file `rules` with every input named in `inputs:` replaced by its workbook copy in
// `dir` (written from the CSV), numbers typed or as text.
std::string WithWorkbookInputs(const std::string& rules, const std::string& dir, bool numbers) {
  std::string text = ReadFile(rules);
  const std::regex input("([A-Za-z0-9_./-]+)\\.csv");
  std::string out;
  std::smatch m;
  std::string rest = text;
  const fs::path base = fs::path(rules).parent_path();
  while (std::regex_search(rest, m, input)) {
    out += m.prefix();
    const fs::path csv = (base / (m[1].str() + ".csv")).lexically_normal();
    const std::string xlsx = dir + "/" + csv.stem().string() + ".xlsx";
    CsvToWorkbook(csv.string(), xlsx, numbers);
    out += xlsx;
    rest = m.suffix();
  }
  out += rest;
  TempDir unused;
  const std::string path = dir + "/rules.yaml";
  std::ofstream(path, std::ios::binary) << out;
  return path;
}

// The placements, cut-offs, flows and lines of a run (the manifest and audit log record the
// input files' digests, which differ by construction).
void ExpectSameOutcome(const RunFiles& a, const RunFiles& b) {
  ASSERT_TRUE(a.error.empty()) << a.error;
  ASSERT_TRUE(b.error.empty()) << b.error;
  for (const char* f : {"placements.csv", "cutoffs.csv", "flows.csv", "lines.csv"}) {
    ASSERT_TRUE(a.files.count(f)) << f;
    EXPECT_EQ(a.files.at(f), b.files.at(f)) << f;
  }
}

TEST(WorkbookInputs, WeihaiDemoFromWorkbooksGivesTheCsvRunsPlacements) {
  TempDir tmp;
  const std::string rules = SourceDir() + "/rules/weihai-2025.yaml";
  const RunFiles csv = RunRules(rules);
  ExpectSameOutcome(RunRules(WithWorkbookInputs(rules, tmp.path(), true)), csv);
  fs::create_directories(tmp.path() + "/text");
  ExpectSameOutcome(RunRules(WithWorkbookInputs(rules, tmp.path() + "/text", false)), csv);
}

TEST(WorkbookInputs, GeneratedCitiesFromWorkbooksGiveTheCsvRunsPlacements) {
  TempDir tmp;
  for (int seed : {3, 4, 5}) {
    SCOPED_TRACE(seed);
    const std::string dir = tmp.path() + "/city" + std::to_string(seed);
    const CommandResult gen = RunCommand(ZkmatchBinary() + " gen --profile city --candidates 3000 --seed " + std::to_string(seed) + " --out " + dir, tmp.path());
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    fs::create_directories(dir + "/xlsx");
    ExpectSameOutcome(RunRules(WithWorkbookInputs(dir + "/rules.yaml", dir + "/xlsx", seed % 2 == 1)), RunRules(dir + "/rules.yaml"));
  }
}

// Reads `sheet` of a workbook through the CSV reader's interface, as the loaders do: the rows
// as "line:a|b|c", or the diagnostics.
std::string ReadThroughCsvReader(const Workbook& w, const std::string& sheet = "") {
  TempDir tmp;
  const std::string path = tmp.path() + "/考生.xlsx";
  w.Write(path);
  DiagnosticSink sink;
  CsvReader csv;
  csv.set_sheet(sheet);
  std::string out;
  if (csv.Open(path, "考生.xlsx", sink)) {
    for (const std::string& h : csv.header()) out += h + "|";
    out += "\n";
    CsvRecord rec;
    while (csv.Next(&rec)) {
      out += std::to_string(rec.line) + ":";
      for (std::string_view f : rec.fields) out += std::string(f) + "|";
      out += "\n";
    }
  }
  for (const Diagnostic& d : sink.diagnostics()) out += d.Format() + "\n";
  return out;
}

TEST(WorkbookInputs, CellsBecomeTextExactly) {
  // Shared and inline strings (rich text runs joined, phonetic readings left out), numbers as
  // stored, a binary artefact as Excel shows it, gaps in columns and rows, a header with a
  // blank first row above it.
  const Workbook w = Workbook::Of(
      {{"考生",
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c><c r=\"C2\" t=\"s\"><v>2</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>Z001</t></is></c><c r=\"B3\"><v>612.5</v></c><c r=\"C3\" t=\"s\"><v>3</v></c></row>"
        "<row r=\"5\"><c r=\"A5\" t=\"s\"><v>4</v></c><c r=\"B5\"><v>612.49999999999994</v></c></row>"
        "<row r=\"6\"><c r=\"A6\"><v>7</v></c><c r=\"B6\"><v>1E-2</v></c><c r=\"C6\" t=\"inlineStr\"><is><r><t>环</t></r><r><t>翠区</t></r></is></c></row>"}},
      {"准考证号", "总分", "区县", "高区", "Z002"});
  EXPECT_EQ(ReadThroughCsvReader(w),
            "准考证号|总分|区县|\n"
            "3:Z001|612.5|高区|\n"
            "5:Z002|612.5||\n"
            "6:7|0.01|环翠区|\n");
}

TEST(WorkbookInputs, SheetIsChosenByNameOrTheFirst) {
  const Workbook w = Workbook::Of({{"说明", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"},
                                   {"考生", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c></row>"}},
                                  {"read me", "id", "Z1"});
  EXPECT_EQ(ReadThroughCsvReader(w), "read me|\n");
  EXPECT_EQ(ReadThroughCsvReader(w, "考生"), "id|\n2:Z1|\n");
  EXPECT_EQ(ReadThroughCsvReader(w, "考 生"), "考生.xlsx: error: the workbook has no sheet '考 生' (did you mean '考生'?); its sheets are '说明', '考生'\n");
}

// Every refused cell, each with its position and what to do.
TEST(WorkbookInputs, FormulasDatesBooleansAndErrorsAreRefusedByCell) {
  const std::string styles =
      "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
      "<numFmt numFmtId=\"165\" formatCode=\"0.0_);[Red]\\(0.0\\)\"/></numFmts>"
      "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/></cellXfs></styleSheet>";
  const Workbook w = Workbook::Of(
      {{"Sheet1",
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><f>B3+10</f><v>610</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c><c r=\"B3\" s=\"1\"><v>45123</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>2</v></c><c r=\"B4\" s=\"2\"><v>45123</v></c></row>"
        "<row r=\"5\"><c r=\"A5\" t=\"s\"><v>2</v></c><c r=\"B5\" s=\"3\"><v>600.5</v></c></row>"
        "<row r=\"6\"><c r=\"A6\" t=\"b\"><v>1</v></c><c r=\"B6\" t=\"e\"><v>#N/A</v></c></row>"}},
      {"id", "total", "Z"}, styles);
  // Each row with a refused cell is skipped (its cells reported); the others are read.
  EXPECT_EQ(ReadThroughCsvReader(w),
            "id|total|\n5:Z|600.5|\n"
            "考生.xlsx!B2 (total): error: holds a formula (=B3+10); zkmatch reads values only: copy the column and paste it as values "
            "(选择性粘贴 > 数值), or save the sheet as CSV UTF-8\n"
            "考生.xlsx!B3 (total): error: is formatted as a date or time, so its number (45123) is a day count; zkmatch reads no dates: "
            "format the column as text (设置单元格格式 > 文本) or as a number, and type the values again\n"
            "考生.xlsx!B4 (total): error: is formatted as a date or time, so its number (45123) is a day count; zkmatch reads no dates: "
            "format the column as text (设置单元格格式 > 文本) or as a number, and type the values again\n"
            "考生.xlsx!A6 (id): error: holds TRUE; write 1 or 0 (or the text the rules compare with)\n"
            "考生.xlsx!B6 (total): error: holds the Excel error #N/A; correct the cell, or leave it empty\n");
}

// A number cell whose format pads it with zeros (000000): Excel shows and exports 000371, the
// cell holds 371. Read as 371, exam numbers lost their zeros and `last_tie: id` (which compares
// ids as text) placed candidates otherwise than the CSV export did -- found by an independent
// audit. Refused at the cell; a number with as many digits as the format, a format with one
// integer zero (0.00, #,##0) and text cells are read as before.
TEST(WorkbookInputs, NumbersShownWithLeadingZerosAreRefusedByCell) {
  const std::string styles =
      "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"000000\"/><numFmt numFmtId=\"165\" formatCode=\"#,##0.00\"/>"
      "<numFmt numFmtId=\"166\" formatCode=\"&quot;No.&quot;0000\"/></numFmts>"
      "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/></cellXfs></styleSheet>";
  const Workbook bad = Workbook::Of(
      {{"Sheet1",
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>371</v></c><c r=\"B2\" s=\"2\"><v>600.5</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>123456</v></c><c r=\"B3\" s=\"2\"><v>1000</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" s=\"3\"><v>12</v></c><c r=\"B4\"><v>590</v></c></row>"}},
      {"id", "total"}, styles);
  EXPECT_EQ(ReadThroughCsvReader(bad),
            "id|total|\n3:123456|1000|\n"
            "考生.xlsx!A2 (id): error: is the number 371 shown with leading zeros by its format (000000), so Excel shows one value and the cell "
            "holds another; format the column as text (设置单元格格式 > 文本) and type the values again with their zeros, or save the sheet as CSV UTF-8\n"
            "考生.xlsx!A4 (id): error: is the number 12 shown with leading zeros by its format (0000), so Excel shows one value and the cell "
            "holds another; format the column as text (设置单元格格式 > 文本) and type the values again with their zeros, or save the sheet as CSV UTF-8\n");
  const Workbook good = Workbook::Of(
      {{"Sheet1",
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>123456</v></c><c r=\"B2\" s=\"2\"><v>600.5</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c><c r=\"B3\" s=\"2\"><v>1000</v></c></row>"}},
      {"id", "total", "000371"}, styles);
  EXPECT_EQ(ReadThroughCsvReader(good), "id|total|\n2:123456|600.5|\n3:000371|1000|\n");
}

// publish copies the programs file into the public bundle whole: a workbook's other sheets (a
// contact list) would be published with it -- found by an independent audit. Refused, nothing
// written; the same workbook without the extra sheet is published.
TEST(WorkbookInputs, PublishRefusesAProgramsWorkbookWithSheetsTheRunDoesNotRead) {
  TempDir tmp;
  const std::string src = SourceDir() + "/fixtures/cases/seat-shares/";
  for (const char* f : {"candidates.csv", "choices.csv"}) fs::copy_file(src + f, tmp.path() + "/" + f);
  const std::string rows =
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c></row>"
      "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>3</v></c><c r=\"B2\" t=\"s\"><v>4</v></c><c r=\"C2\"><v>5</v></c></row>"
      "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>5</v></c><c r=\"B3\" t=\"s\"><v>6</v></c><c r=\"C3\"><v>3</v></c></row>";
  const std::vector<std::string> strings = {"code", "school", "plan", "P", "一中", "Q", "二中", "电话", "0631-5200000"};
  Workbook::Of({{"计划", rows}, {"联系人", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c><c r=\"B1\" t=\"s\"><v>8</v></c></row>"}}, strings)
      .Write(tmp.path() + "/two.xlsx");
  Workbook::Of({{"计划", rows}}, strings).Write(tmp.path() + "/one.xlsx");
  std::string rules = ReadFile(src + "rules.yaml");
  rules.replace(rules.find("programs: programs.csv"), 22, "programs: PROGRAMS");
  for (const std::string name : {"two", "one"}) {
    std::string r = rules;
    r.replace(r.find("PROGRAMS"), 8, name + ".xlsx");
    tmp.Write(name + ".yaml", r);
  }
  const auto zk = [&](const std::string& args) { return RunCommand(ZkmatchBinary() + " " + args, tmp.path()); };
  ASSERT_EQ(zk("keygen --out office --secret").exit_code, 0);
  ASSERT_EQ(zk("run -q --rules two.yaml --out run-two").exit_code, 0);
  ASSERT_EQ(zk("run -q --rules one.yaml --out run-one").exit_code, 0);
  const CommandResult refused = zk("publish --run run-two --out pub-two --secret office.secret");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err,
            "run-two/inputs/two.xlsx: error: the public bundle copies the programs workbook whole, and it has sheets the run does not read "
            "('联系人'), which would be published too; delete them (or give the programs as CSV), run again and publish that run\n"
            "zkmatch: 1 error; nothing was published\n");
  EXPECT_FALSE(fs::exists(tmp.path() + "/pub-two"));
  const CommandResult published = zk("publish --run run-one --out pub-one --secret office.secret");
  EXPECT_EQ(published.exit_code, 0) << published.err;
  EXPECT_EQ(zk("verify --run pub-one").exit_code, 0);
}

TEST(WorkbookInputs, NotAWorkbookSaysWhatToDo) {
  TempDir tmp;
  auto read = [&](const std::string& bytes) {
    const std::string path = tmp.Write("考生.xlsx", bytes);
    DiagnosticSink sink;
    CsvReader csv;
    EXPECT_FALSE(csv.Open(path, "考生.xlsx", sink));
    return sink.diagnostics().empty() ? std::string() : sink.diagnostics()[0].Format();
  };
  EXPECT_EQ(read("id,total\nZ1,600\n"),
            "考生.xlsx: error: not an Excel workbook (.xlsx files are zip archives, and this one does not open as one); save it from Excel as .xlsx or as CSV UTF-8");
  EXPECT_EQ(read(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0')),
            "考生.xlsx: error: this is an old Excel file (.xls) or an encrypted workbook, not .xlsx; save it from Excel as .xlsx (without a password) or as CSV UTF-8");
  Workbook broken = Workbook::Of({{"Sheet1", "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"}});
  broken.parts["xl/worksheets/sheet1.xml"] = "<worksheet><sheetData><row>";
  const std::string path = tmp.path() + "/b.xlsx";
  broken.Write(path);
  DiagnosticSink sink;
  CsvReader csv;
  EXPECT_FALSE(csv.Open(path, "b.xlsx", sink));
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].Format(),
            "b.xlsx: error: the workbook's xl/worksheets/sheet1.xml (sheet 'Sheet1', at or after row 1) is not well-formed XML (no element found at line 1); "
            "save the workbook again from Excel, or as CSV UTF-8");
  // Damage further down is placed by the last cell read, as Excel names it.
  broken.parts["xl/worksheets/sheet1.xml"] = "<worksheet><sheetData><row r=\"3\"><c r=\"B3\"><v>1</v></c><c r=";
  broken.Write(path);
  DiagnosticSink later;
  CsvReader again;
  EXPECT_FALSE(again.Open(path, "b.xlsx", later));
  ASSERT_EQ(later.diagnostics().size(), 1u);
  EXPECT_NE(later.diagnostics()[0].Format().find("(sheet 'Sheet1', at or after cell B3) is not well-formed XML"), std::string::npos)
      << later.diagnostics()[0].Format();
}

// The loaders' own checks name the cell: FILE!C3 (header) for a cell, FILE!row N for a row.
// A run of one program P (1 seat, ranked by total) whose candidates file is 考生.xlsx: one sheet
// with `rows` (sheet XML) over the shared `strings`, and choices.csv holding `choices`.
RunFiles RunWithCandidatesWorkbook(const TempDir& tmp, const std::string& rows, const std::vector<std::string>& strings, const std::string& choices) {
  Workbook::Of({{"Sheet1", rows}}, strings).Write(tmp.path() + "/考生.xlsx");
  tmp.Write("choices.csv", "candidate_id,batch,rank,program\n" + choices);
  tmp.Write("programs.csv", "code,seats\nP,1\n");
  return RunRules(tmp.Write("rules.yaml",
                            "version: 1\ninputs: {candidates: 考生.xlsx, choices: choices.csv, programs: programs.csv}\n"
                            "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n"
                            "batches:\n  - name: main\n    channels:\n      - {name: general, seats: seats, ranking: by_total}\n"));
}

TEST(WorkbookInputs, LoaderErrorsNameTheCell) {
  TempDir tmp;
  const RunFiles r = RunWithCandidatesWorkbook(tmp,
                                               "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
                                               "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>612.125</v></c></row>"
                                               "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c><c r=\"B3\"><v>600</v></c><c r=\"D3\"><v>1</v></c></row>",
                                               {"id", "total", "Z1"}, "");
  const std::string file = tmp.path() + "/考生.xlsx";
  EXPECT_NE(r.error.find(file + "!B2 (total): error: "), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(file + "!D3: error: holds '1', but column D has no header; give the column a header, or clear the cell"), std::string::npos)
      << r.error;
}

// A refused cell (here a formula in C2's row) no longer stops the file: the other rows are read
// and checked in the same run, so a bad total two rows below is reported with it -- not in a
// second round after the formula is fixed. The skipped row makes the file incomplete, so
// choices.csv's row for C2 is not called an unknown candidate.
TEST(WorkbookInputs, ARefusedCellAndALoaderErrorAreReportedInOneRun) {
  TempDir tmp;
  const RunFiles r = RunWithCandidatesWorkbook(tmp,
                                               "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
                                               "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><f>B3+10</f><v>610</v></c></row>"
                                               "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>3</v></c><c r=\"B3\"><v>600</v></c></row>"
                                               "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>4</v></c><c r=\"B4\" t=\"s\"><v>5</v></c></row>",
                                               {"id", "total", "C2", "C3", "C4", "high"}, "C2,main,1,P\nC3,main,1,P\n");
  const std::string file = tmp.path() + "/考生.xlsx";
  EXPECT_NE(r.error.find(file + "!B2 (total): error: holds a formula (=B3+10)"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(file + "!B4 (total): error: "), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("unknown candidate"), std::string::npos) << r.error;
  EXPECT_TRUE(r.files.empty());
}

TEST(WorkbookInputs, SheetAndEncodingKeysAreCheckedInTheRules) {
  TempDir tmp;
  const std::string head = "version: 1\ninputs:\n";
  const std::string tail =
      "  choices: choices.csv\n  programs: programs.csv\nrankings:\n  by_total: {keys: [total desc], last_tie: id}\n"
      "batches:\n  - name: main\n    channels:\n      - {name: general, seats: seats, ranking: by_total}\n";
  auto errors = [&](const std::string& candidates) {
    DiagnosticSink sink;
    const Result<Rules> r = ParseRules(head + candidates + tail, tmp.path() + "/rules.yaml", sink);
    std::string out;
    for (const Diagnostic& d : sink.diagnostics()) out += d.Format() + "\n";
    return out;
  };
  EXPECT_EQ(errors("  candidates: {file: 考生.xlsx, sheet: 考生}\n"), "");
  EXPECT_EQ(errors("  candidates: {file: 考生.xlsx, encoding: gb18030}\n"),
            tmp.path() + "/rules.yaml:3:41: error: an Excel workbook (.xlsx) has no encoding to choose (its text is always Unicode); remove this encoding line\n");
  EXPECT_EQ(errors("  candidates: {file: 考生.csv, sheet: 考生}\n"),
            tmp.path() + "/rules.yaml:3:37: error: sheet: applies to Excel workbooks (.xlsx); 考生.csv is read as CSV -- remove the sheet line, or name the .xlsx file\n");
}

}  // namespace
}  // namespace zkmatch::testing
