// Unit tests for csv.h: the strict RFC 4180 reader, FindInvalidUtf8, and the error cap of
// DiagnosticSink that the reader relies on to stop early.
#include "csv.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "support/test_env.h"
#include "zkmatch/diagnostics.h"

namespace zkmatch {
namespace {

struct Row {
  int line;
  std::vector<std::string> fields;
  bool operator==(const Row&) const = default;
};

void PrintTo(const Row& r, std::ostream* os) {
  *os << "line " << r.line << " {";
  for (std::size_t i = 0; i < r.fields.size(); ++i) *os << (i ? "|" : "") << r.fields[i];
  *os << "}";
}

// What a whole read produced: Open's result, the header, every record Next returned, and every
// diagnostic formatted.
struct ReadResult {
  bool opened = false;
  std::vector<std::string> header;
  int header_line = 0;
  std::vector<Row> rows;
  std::vector<std::string> errors;
};

std::vector<std::string> Formatted(const DiagnosticSink& sink) {
  std::vector<std::string> out;
  for (const Diagnostic& d : sink.diagnostics()) out.push_back(d.Format());
  return out;
}

ReadResult Read(const std::string& bytes, std::size_t max_errors = 50) {
  DiagnosticSink sink(max_errors);
  CsvReader reader;
  ReadResult r;
  r.opened = reader.OpenBuffer(bytes, "in.csv", sink);
  r.header = reader.header();
  r.header_line = reader.header_line();
  if (r.opened) {
    CsvRecord rec;
    while (reader.Next(&rec)) {
      Row row{rec.line, {}};
      for (std::string_view f : rec.fields) row.fields.emplace_back(f);
      r.rows.push_back(row);
    }
  }
  r.errors = Formatted(sink);
  return r;
}

using Rows = std::vector<Row>;
using Strings = std::vector<std::string>;

// Well-formed inputs: header, records with their starting lines, no diagnostics.
TEST(CsvReader, WellFormedInputs) {
  struct Case {
    std::string name;
    std::string bytes;
    Strings header;
    Rows rows;
  };
  const Case cases[] = {
      {"plain", "a,b\n1,2\n3,4\n", {"a", "b"}, {{2, {"1", "2"}}, {3, {"3", "4"}}}},
      {"quoted fields", "a,b\n\"x\",\"y z\"\n", {"a", "b"}, {{2, {"x", "y z"}}}},
      {"quoted header", "\"a\",\"b c\"\n1,2\n", {"a", "b c"}, {{2, {"1", "2"}}}},
      {"doubled quotes", "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n", {"a", "b"}, {{2, {"say \"hi\"", "\""}}}},
      {"empty quoted field", "a,b\n\"\",x\n", {"a", "b"}, {{2, {"", "x"}}}},
      {"empty unquoted fields", "a,b,c\n,,\n", {"a", "b", "c"}, {{2, {"", "", ""}}}},
      {"embedded comma", "a,b\n\"1,5\",2\n", {"a", "b"}, {{2, {"1,5", "2"}}}},
      {"embedded newline keeps later line numbers right",
       "a,b\n\"line1\nline2\nline3\",x\n3,4\n\"p\nq\",5\n6,7\n",
       {"a", "b"},
       {{2, {"line1\nline2\nline3", "x"}}, {5, {"3", "4"}}, {6, {"p\nq", "5"}}, {8, {"6", "7"}}}},
      {"CRLF line ends", "a,b\r\n1,2\r\n3,4\r\n", {"a", "b"}, {{2, {"1", "2"}}, {3, {"3", "4"}}}},
      {"CRLF after a quoted field", "a,b\r\n1,\"2\"\r\n\"3\",4\r\n", {"a", "b"},
       {{2, {"1", "2"}}, {3, {"3", "4"}}}},
      {"CRLF inside a quoted field is kept", "a,b\r\n\"x\r\ny\",1\r\n2,3\r\n", {"a", "b"},
       {{2, {"x\r\ny", "1"}}, {4, {"2", "3"}}}},
      {"BOM", "\xEF\xBB\xBFid,total\n1,2\n", {"id", "total"}, {{2, {"1", "2"}}}},
      {"BOM with CRLF", "\xEF\xBB\xBFid,total\r\n1,2\r\n", {"id", "total"}, {{2, {"1", "2"}}}},
      {"blank lines skipped", "\n\na,b\n\n1,2\n\n\n3,4\n\n", {"a", "b"},
       {{5, {"1", "2"}}, {8, {"3", "4"}}}},
      {"blank CRLF lines skipped", "a,b\r\n\r\n1,2\r\n\r\n", {"a", "b"}, {{3, {"1", "2"}}}},
      {"last line without newline", "a,b\n1,2\n3,4", {"a", "b"}, {{2, {"1", "2"}}, {3, {"3", "4"}}}},
      {"last quoted field without newline", "a,b\n1,\"x,y\"", {"a", "b"}, {{2, {"1", "x,y"}}}},
      {"last line without newline, CR only", "a,b\r\n1,2\r", {"a", "b"}, {{2, {"1", "2"}}}},
      {"header only", "a,b\n", {"a", "b"}, {}},
      {"spaces are data", "a,b\n 1 , 2 \n", {"a", "b"}, {{2, {" 1 ", " 2 "}}}},
      {"Chinese text", "\xE5\x87\x86\xE8\x80\x83\xE8\xAF\x81\xE5\x8F\xB7,\xE6\x80\xBB\xE5\x88\x86\n"
                       "2025001,612.5\n",
       {"\xE5\x87\x86\xE8\x80\x83\xE8\xAF\x81\xE5\x8F\xB7", "\xE6\x80\xBB\xE5\x88\x86"},
       {{2, {"2025001", "612.5"}}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ReadResult r = Read(c.bytes);
    EXPECT_TRUE(r.opened);
    EXPECT_EQ(r.header, c.header);
    EXPECT_EQ(r.rows, c.rows);
    EXPECT_EQ(r.errors, Strings{});
  }
}

TEST(CsvReader, HeaderLineIsWhereTheHeaderStarts) {
  EXPECT_EQ(Read("a\n1\n").header_line, 1);
  EXPECT_EQ(Read("\n\n\na\n1\n").header_line, 4);
  EXPECT_EQ(Read("\xEF\xBB\xBF\r\na\n").header_line, 2);
}

TEST(CsvReader, FindLooksUpHeaderNames) {
  DiagnosticSink sink;
  CsvReader reader;
  ASSERT_TRUE(reader.OpenBuffer("id,total,\xE5\x8C\xBA\n", "in.csv", sink));
  EXPECT_EQ(reader.Find("id"), 0);
  EXPECT_EQ(reader.Find("total"), 1);
  EXPECT_EQ(reader.Find("\xE5\x8C\xBA"), 2);
  EXPECT_EQ(reader.Find("Total"), -1);
  EXPECT_EQ(reader.Find(""), -1);
  EXPECT_EQ(reader.display(), "in.csv");
}

const char kCountHint[] = "; check for a missing or extra ',' (quote fields that contain ',')";
const char kStrayHint[] = "; quote the whole field and double the inner quote (\"\")";
const char kAfterQuoteHint[] =
    "; a field that contains '\"' must be quoted whole, with the inner quotes doubled";
const char kUnclosed[] =
    "quoted field is never closed (the '\"' opened here has no partner); add the closing quote "
    "or double a quote that is part of the text (\"\")";

// Malformed records are reported on their starting line and skipped; reading goes on.
TEST(CsvReader, BadRecordsReportedAndSkipped) {
  struct Case {
    std::string name;
    std::string bytes;
    Rows rows;
    Strings errors;
  };
  const Case cases[] = {
      {"too few and too many fields", "a,b,c\n1,2\n2,3,4\n4,5,6,7\n7,8,9\n",
       {{3, {"2", "3", "4"}}, {5, {"7", "8", "9"}}},
       {std::string("in.csv:2: error: this row has 2 fields but the header has 3") + kCountHint,
        std::string("in.csv:4: error: this row has 4 fields but the header has 3") + kCountHint}},
      {"trailing comma", "a,b\n1,2,\n3,4\n", {{3, {"3", "4"}}},
       {std::string("in.csv:2: error: this row has 3 fields but the header has 2") + kCountHint}},
      {"field count after a multi-line field", "a,b\n\"x\ny\",1,2\n1,2\n", {{4, {"1", "2"}}},
       {std::string("in.csv:2: error: this row has 3 fields but the header has 2") + kCountHint}},
      {"stray quote", "a,b\n1,x\"y\n2,3\n", {{3, {"2", "3"}}},
       {std::string("in.csv:2:b: error: stray '\"' inside an unquoted field") + kStrayHint}},
      {"stray quote at the end of a field", "a,b\n1\",2\n3,4\n", {{3, {"3", "4"}}},
       {std::string("in.csv:2:a: error: stray '\"' inside an unquoted field") + kStrayHint}},
      {"text after the closing quote", "a,b\n\"x\"y,2\n3,4\n", {{3, {"3", "4"}}},
       {std::string("in.csv:2:a: error: text after the closing quote") + kAfterQuoteHint}},
      {"space after the closing quote", "a,b\n1,\"x\" \n3,4\n", {{3, {"3", "4"}}},
       {std::string("in.csv:2:b: error: text after the closing quote") + kAfterQuoteHint}},
      {"only the first problem of a record", "a,b\n\"x\"y,z\"w\n3,4\n", {{3, {"3", "4"}}},
       {std::string("in.csv:2:a: error: text after the closing quote") + kAfterQuoteHint}},
      {"bad record after a multi-line field", "a,b\n\"m\nn\",1\nx\"y,2\n5,6\n",
       {{2, {"m\nn", "1"}}, {5, {"5", "6"}}},
       {std::string("in.csv:4:a: error: stray '\"' inside an unquoted field") + kStrayHint}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ReadResult r = Read(c.bytes);
    EXPECT_TRUE(r.opened);
    EXPECT_EQ(r.rows, c.rows);
    EXPECT_EQ(r.errors, c.errors);
  }
}

// "1 fields" is not English: the message must say "1 field".
TEST(CsvReader, FieldCountMessageUsesTheSingular) {
  ReadResult r = Read("a,b\n1\n2,3\n");
  EXPECT_EQ(r.rows, (Rows{{3, {"2", "3"}}}));
  EXPECT_EQ(r.errors,
            Strings{std::string("in.csv:2: error: this row has 1 field but the header has 2") + kCountHint});
}

TEST(CsvReader, UnterminatedQuoteIsFatal) {
  struct Case {
    std::string name;
    std::string bytes;
    Rows rows;
    int line;  // where the unclosed quote opened
  };
  const Case cases[] = {
      {"in the last field", "a,b\n1,2\n3,\"abc\n4,5\n6,7\n", {{2, {"1", "2"}}}, 3},
      {"at the end of the file", "a,b\n1,\"", {}, 2},
      {"after a multi-line field", "a,b\n\"x\ny\",1\n2,\"open\n", {{2, {"x\ny", "1"}}}, 4},
      {"a doubled quote is not a closing one", "a,b\n1,\"x\"\"\n2,3\n", {}, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ReadResult r = Read(c.bytes);
    EXPECT_TRUE(r.opened);
    EXPECT_EQ(r.rows, c.rows);
    // The unclosed field is the second column, b, in every case.
    EXPECT_EQ(r.errors, Strings{"in.csv:" + std::to_string(c.line) + ":b: error: " + kUnclosed});
  }
}

TEST(CsvReader, UnterminatedQuoteInHeaderFailsOpen) {
  ReadResult r = Read("a,\"b\n1,2\n");
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.errors, Strings{std::string("in.csv:1: error: header field 2: ") + kUnclosed});
}

TEST(CsvReader, BadHeaders) {
  struct Case {
    std::string name;
    std::string bytes;
    Strings errors;
  };
  const Case cases[] = {
      {"duplicate name", "id,total,id\n1,2,3\n",
       {"in.csv:1: error: column 'id' appears twice in the header (fields 1 and 3); rename or remove one"}},
      {"duplicate after blank lines", "\n\nx,x\n",
       {"in.csv:3: error: column 'x' appears twice in the header (fields 1 and 2); rename or remove one"}},
      {"three times", "a,a,a\n",
       {"in.csv:1: error: column 'a' appears 3 times in the header (fields 1, 2 and 3); keep one and rename or remove the others"}},
      {"empty name", "a,,b\n",
       {"in.csv:1: error: header field 2 is empty; every column needs a name"}},
      {"trailing comma", "a,b,\n",
       {"in.csv:1: error: header field 3 is empty; every column needs a name"}},
      {"two empty names are not duplicates", ",\n",
       {"in.csv:1: error: 2 header fields are empty (fields 1 and 2); every column needs a name"}},
      {"empty file", "", {"in.csv: error: the file is empty; it needs a header row"}},
      {"only blank lines", "\n\r\n\n", {"in.csv: error: the file is empty; it needs a header row"}},
      {"only a BOM", "\xEF\xBB\xBF", {"in.csv: error: the file is empty; it needs a header row"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ReadResult r = Read(c.bytes);
    EXPECT_FALSE(r.opened);
    EXPECT_EQ(r.errors, c.errors);
  }
}

// A malformed header row is a bad header: Open must fail, not skip the row so that the first
// data row silently becomes the header.
TEST(CsvReader, MalformedHeaderRowFailsOpen) {
  struct Case {
    std::string name;
    std::string bytes;
    Strings errors;
  };
  const Case cases[] = {
      {"stray quote in the header", "a,b\"c\n1,2\n",
       {std::string("in.csv:1: error: header field 2: stray '\"' inside an unquoted field") + kStrayHint}},
      {"text after a closing quote in the header", "\"a\"x,b\n1,2\n",
       {std::string("in.csv:1: error: header field 1: text after the closing quote") + kAfterQuoteHint}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ReadResult r = Read(c.bytes);
    EXPECT_FALSE(r.opened);
    EXPECT_EQ(r.errors, c.errors);
  }
}

const char kBadUtf8[] =
    "invalid UTF-8 byte sequence; save the file as UTF-8 (files exported by Chinese Excel are "
    "often GB18030)";
const char kGb18030Hint[] =
    "not UTF-8: the file looks like GB18030 (as Chinese Excel saves CSV); add 'encoding: gb18030' to the rules, or save the "
    "file as 'CSV UTF-8'";

TEST(CsvReader, InvalidUtf8ReportsLineAndColumn) {
  struct Case {
    std::string name;
    std::string bytes;
    int line, col;
  };
  const Case cases[] = {
      {"overlong '/' (C0 AF)", "a,b\n1,x\xC0\xAFy\n", 2, 4},
      {"overlong 2-byte lead C1", "a,b\n\xC1\xBF,1\n", 2, 1},
      {"overlong 3-byte (E0 80 AF)", "a,b\n1,2\n34,\xE0\x80\xAF\n", 3, 4},
      {"overlong 4-byte (F0 80 80 AF)", "a,b\n\xF0\x80\x80\xAF,1\n", 2, 1},
      {"surrogate U+D800 (ED A0 80)", "a,b\n1,ab\xED\xA0\x80\n", 2, 5},
      {"surrogate U+DFFF (ED BF BF)", "a,b\n1,\xED\xBF\xBF\n", 2, 3},
      {"above U+10FFFF (F4 90 80 80)", "a,b\n1,\xF4\x90\x80\x80\n", 2, 3},
      {"F5 lead byte", "a,b\n1,\xF5\x80\x80\x80\n", 2, 3},
      {"FF byte", "a\xFF,b\n", 1, 2},
      {"truncated at the end of the file", "a,b\n1,\xE4\xB8", 2, 3},
      {"truncated before a comma", "a,b\n\xE4\xB8,1\n", 2, 1},
      {"truncated 4-byte before newline", "a,b\n1,\xF0\x9F\x98\n2,3\n", 2, 3},
      {"lone continuation byte", "a,b\n1,2\n3,\x80\n", 3, 3},
      {"GB18030 text", "a,b\n1,\xB3\xC7\xC7\xF8\n", 2, 3},  // 城区 in GB18030
      {"first byte of the file", "\x80" "a,b\n", 1, 1},
      {"line count inside a quoted multi-line field", "a,b\n\"x\ny\xFF\",1\n", 3, 2},
      {"after CRLF lines", "a,b\r\n1,2\r\n\xFE,3\r\n", 3, 1},
      {"after blank lines", "a,b\n\n\n1,\xC3\n", 4, 3},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ReadResult r = Read(c.bytes);
    EXPECT_FALSE(r.opened);
    // Bytes that are all ASCII before the bad one and decode as GB18030 as a whole get the hint
    // to say encoding: gb18030 (GB18030Hint below); the rest the plain message.
    std::string converted;
    std::size_t ignored = 0;
    const std::size_t bad = FindInvalidUtf8(c.bytes);
    const bool ascii_before = std::all_of(c.bytes.begin(), c.bytes.begin() + static_cast<std::ptrdiff_t>(bad),
                                          [](char ch) { return (static_cast<unsigned char>(ch) & 0x80) == 0; });
    const bool gb = ascii_before && Gb18030ToUtf8(c.bytes, &converted, &ignored);
    EXPECT_EQ(r.errors, Strings{"in.csv:" + std::to_string(c.line) + ":" + std::to_string(c.col) +
                                ": error: " + (gb ? kGb18030Hint : kBadUtf8)});
  }
}

TEST(CsvReader, Gb18030TextGetsTheEncodingHint) {
  ReadResult r = Read("id,name\n1,\xB3\xC7\xC7\xF8\n");  // 城区 in GB18030
  EXPECT_EQ(r.errors, Strings{"in.csv:2:3: error: " + std::string(kGb18030Hint)});
  // After valid UTF-8 Chinese the file is mixed: no guess about its encoding.
  r = Read("id,name\n1,\xE5\x9F\x8E\n2,\xB3\xC7\n");
  EXPECT_EQ(r.errors, Strings{"in.csv:3:3: error: " + std::string(kBadUtf8)});
}

TEST(CsvReader, Utf16NulAndMidFileBom) {
  ReadResult r = Read(std::string("\xFF\xFEi\0d\0\n\0", 8));
  EXPECT_EQ(r.errors, Strings{"in.csv:1:1: error: the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it from the "
                              "spreadsheet as 'CSV UTF-8'"});
  r = Read(std::string("id,name\n1,a\0b\n", 14));
  EXPECT_EQ(r.errors, Strings{"in.csv:2:4: error: NUL byte (\\0) in the file; a CSV file is text: this one is binary, UTF-16 or "
                              "damaged -- save it again from the spreadsheet as 'CSV UTF-8'"});
  r = Read("\xEF\xBB\xBFid,name\n1,a\n\xEF\xBB\xBFid,name\n");
  EXPECT_EQ(r.errors, Strings{"in.csv:3:1: error: byte-order mark (U+FEFF) inside the file; only the very start of a file may hold "
                              "one -- were two files joined? Delete the invisible character (or the repeated header row)"});
  r = Read("\xEF\xBB\xBFid,name\n1,a\n");  // at the start it is fine
  EXPECT_TRUE(r.opened);
  EXPECT_EQ(r.errors, Strings{});
}

TEST(CsvReader, TruncatedLastRowSaysSo) {
  ReadResult r = Read("a,b,c\n1,2,3\n4,5");
  EXPECT_EQ(r.errors, Strings{"in.csv:3: error: this row has 2 fields but the header has 3; the file ends inside this row, "
                              "without a line break: was it cut off? Export it again"});
}

// The limits, lowered so that small inputs reach them.
class CsvLimits : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = CurrentInputLimits(); }
  void TearDown() override { SetInputLimitsForTesting(saved_); }
  InputLimits saved_;
};

TEST_F(CsvLimits, RecordLongerThanTheLimit) {
  InputLimits l = saved_;
  l.max_record_bytes = 16;
  SetInputLimitsForTesting(l);
  ReadResult r = Read("a,b\n1,2\n" + std::string(20, 'x') + ",3\n4,5\n");
  EXPECT_EQ(r.rows, (std::vector<Row>{{2, {"1", "2"}}}));
  EXPECT_EQ(r.errors, Strings{"in.csv:3: error: this row is 23 bytes long; rows are limited to 16 bytes (README, \"Limits\") -- "
                              "is this really a CSV file?"});
}

TEST_F(CsvLimits, TooManyRecords) {
  DiagnosticSink sink;
  CsvReader reader;
  ASSERT_TRUE(reader.OpenBuffer("a\n1\n2\n3\n", "in.csv", sink));
  reader.set_max_records(2, "candidates");
  CsvRecord rec;
  int n = 0;
  while (reader.Next(&rec)) ++n;
  EXPECT_EQ(n, 2);
  EXPECT_EQ(Formatted(sink), Strings{"in.csv:4: error: more than 2 candidates; zkmatch handles at most 2 per run (README, "
                                     "\"Limits\") -- split the run"});
}

// The file-size limit is checked before reading: an 11 GiB sparse file (no disk used) is
// refused at once, and so is a file one byte over a lowered limit.
TEST_F(CsvLimits, FileLargerThanTheLimitIsRefusedBeforeReading) {
  testing::TempDir tmp;
  const std::string path = tmp.Write("big.csv", "");
  ASSERT_EQ(::truncate(path.c_str(), std::int64_t{11} << 30), 0);
  DiagnosticSink sink;
  CsvReader reader;
  EXPECT_FALSE(reader.Open(path, "big.csv", sink));
  EXPECT_EQ(Formatted(sink), Strings{"big.csv: error: the file is 11.0 GiB; zkmatch reads input files of up to 8.0 GiB (README, "
                                     "\"Limits\") -- is this the right file? Split the run into smaller ones"});
  InputLimits l = saved_;
  l.max_file_bytes = 5;
  SetInputLimitsForTesting(l);
  const std::string small = tmp.Write("six.csv", "a\n1\n2\n");
  DiagnosticSink sink2;
  CsvReader reader2;
  EXPECT_FALSE(reader2.Open(small, "six.csv", sink2));
  EXPECT_EQ(Formatted(sink2), Strings{"six.csv: error: the file is 6 bytes; zkmatch reads input files of up to 5 bytes (README, "
                                      "\"Limits\") -- is this the right file? Split the run into smaller ones"});
}

TEST(CsvReader, Utf8ReadAsGb18030IsRefused) {
  testing::TempDir tmp;
  const std::string path = tmp.Write("c.csv", "id,name\n1,\xE5\x9F\x8E\xE5\x8C\xBA\n");  // 城区 in UTF-8
  DiagnosticSink sink;
  CsvReader reader;
  EXPECT_FALSE(reader.Open(path, "c.csv", sink, "gb18030"));
  EXPECT_EQ(Formatted(sink), Strings{"c.csv:2:3: error: the file is UTF-8 but the rules say encoding: gb18030 (read as GB18030 its "
                                     "text would turn into other characters); remove the encoding line from the rules, or save "
                                     "the file as GB18030"});
}

TEST(FindInvalidUtf8, Table) {
  constexpr std::size_t npos = std::string_view::npos;
  struct Case {
    std::string name;
    std::string text;
    std::size_t offset;
  };
  const Case cases[] = {
      {"empty", "", npos},
      {"ASCII", "id,total\n", npos},
      {"Chinese", "\xE5\x87\x86\xE8\x80\x83\xE8\xAF\x81\xE5\x8F\xB7,\xE6\x80\xBB\xE5\x88\x86,"
                  "\xE5\x9F\x8E\xE5\x8C\xBA", npos},  // 准考证号,总分,城区
      {"full-width digits", "\xEF\xBC\x96\xEF\xBC\x91\xEF\xBC\x92", npos},  // ６１２
      {"2-byte", "caf\xC3\xA9", npos},                                      // café
      {"smallest 2-byte C2 80", "\xC2\x80", npos},
      {"smallest 3-byte E0 A0 80", "\xE0\xA0\x80", npos},
      {"last before surrogates ED 9F BF", "\xED\x9F\xBF", npos},
      {"first after surrogates EE 80 80", "\xEE\x80\x80", npos},
      {"BOM", "\xEF\xBB\xBF", npos},
      {"emoji (4-byte)", "a\xF0\x9F\x98\x80z", npos},
      {"smallest 4-byte F0 90 80 80", "\xF0\x90\x80\x80", npos},
      {"U+10FFFF", "\xF4\x8F\xBF\xBF", npos},
      {"NUL is valid", std::string("a\0b", 3), npos},
      {"overlong C0", "ab\xC0\xAF", 2},
      {"overlong C1", "\xC1\xBF", 0},
      {"overlong E0", "x\xE0\x9F\xBF", 1},
      {"overlong F0", "\xF0\x8F\xBF\xBF", 0},
      {"surrogate ED A0 80", "\xE4\xB8\xAD\xED\xA0\x80", 3},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0},
      {"F5", "\xF5\x80\x80\x80", 0},
      {"F8", "\xF8\x88\x80\x80\x80", 0},
      {"FE", "\xFE", 0},
      {"FF", "ok\xFF", 2},
      {"lone continuation", "\x80", 0},
      {"continuation after a complete character", "\xE4\xB8\xAD\xAD", 3},
      {"truncated 2-byte at end", "abc\xC3", 3},
      {"truncated 3-byte at end", "\xE4\xB8\xAD\xE4\xB8", 3},
      {"truncated 4-byte at end", "\xF0\x9F\x98", 0},
      {"3-byte with ASCII in place of the 2nd byte", "\xE4\x41\xAD", 0},
      {"3-byte with ASCII in place of the 3rd byte", "\xE4\xB8\x41", 0},
      {"4-byte with a bad 4th byte", "\xF0\x9F\x98\xC0", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(FindInvalidUtf8(c.text), c.offset);
  }
}

TEST(CsvReader, OpenReadsAFile) {
  testing::TempDir dir;
  const std::string path = dir.Write("c.csv", "id,total\r\n\"a,1\",612.5\r\n");
  DiagnosticSink sink;
  CsvReader reader;
  ASSERT_TRUE(reader.Open(path, "c.csv", sink));
  CsvRecord rec;
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_EQ(rec.line, 2);
  ASSERT_EQ(rec.fields.size(), 2u);
  EXPECT_EQ(rec.fields[0], "a,1");
  EXPECT_EQ(rec.fields[1], "612.5");
  EXPECT_FALSE(reader.Next(&rec));
  EXPECT_FALSE(sink.has_errors());
}

TEST(CsvReader, OpenMissingFile) {
  testing::TempDir dir;
  DiagnosticSink sink;
  CsvReader reader;
  EXPECT_FALSE(reader.Open(dir.path() + "/absent.csv", "data/absent.csv", sink));
  EXPECT_EQ(Formatted(sink),
            Strings{"data/absent.csv: error: cannot open file: No such file or directory; check the "
                    "path in the rules' `inputs:` (it is relative to the rules file)"});
}

// A directory is not an empty file: the message must say what is wrong.
TEST(CsvReader, OpenADirectory) {
  testing::TempDir dir;
  DiagnosticSink sink;
  CsvReader reader;
  EXPECT_FALSE(reader.Open(dir.path(), "data", sink));
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  const std::string text = sink.diagnostics()[0].Format();
  EXPECT_NE(text, "data: error: the file is empty; it needs a header row");
  EXPECT_NE(text.find("directory"), std::string::npos) << text;
}

TEST(CsvReader, NextStopsWhenTheSinkIsFull) {
  // One good row, ten rows with a wrong field count, then a good row.
  std::string bytes = "a,b\n1,2\n";
  for (int i = 0; i < 10; ++i) bytes += "x,y,z\n";
  bytes += "3,4\n";
  ReadResult r = Read(bytes, /*max_errors=*/3);
  EXPECT_TRUE(r.opened);
  EXPECT_EQ(r.rows, (Rows{{2, {"1", "2"}}}));
  const std::string tail = std::string(": error: this row has 3 fields but the header has 2") + kCountHint;
  EXPECT_EQ(r.errors, (Strings{"in.csv:3" + tail, "in.csv:4" + tail, "in.csv:5" + tail}));

  // Without the cap every bad row is reported and the last good row is read.
  ReadResult all = Read(bytes);
  EXPECT_EQ(all.rows, (Rows{{2, {"1", "2"}}, {13, {"3", "4"}}}));
  EXPECT_EQ(all.errors.size(), 10u);
}

TEST(DiagnosticSink, CapsKeptErrors) {
  DiagnosticSink sink(2);
  EXPECT_FALSE(sink.has_errors());
  EXPECT_FALSE(sink.full());
  sink.Error("f", 1, 1, "one");
  EXPECT_TRUE(sink.has_errors());
  EXPECT_FALSE(sink.full());
  sink.Warning("f", 2, 0, "a warning does not count");
  EXPECT_FALSE(sink.full());
  sink.CsvError("c.csv", 3, "total", "two");
  EXPECT_TRUE(sink.full());
  EXPECT_FALSE(sink.truncated());
  sink.Error("f", 4, 0, "three");
  sink.Error("f", 5, 0, "four");
  EXPECT_TRUE(sink.truncated());
  EXPECT_EQ(sink.error_count(), 4u);
  sink.Warning("f", 6, 0, "warnings are still kept");
  EXPECT_EQ(Formatted(sink), (Strings{"f:1:1: error: one", "f:2: warning: a warning does not count",
                                      "c.csv:3:total: error: two", "f:6: warning: warnings are still kept"}));
}

TEST(Diagnostic, Format) {
  struct Case {
    Diagnostic d;
    std::string expected;
  };
  const Case cases[] = {
      {{Severity::kError, "r.yaml", 3, 7, "", "bad"}, "r.yaml:3:7: error: bad"},
      {{Severity::kError, "r.yaml", 3, 0, "", "bad"}, "r.yaml:3: error: bad"},
      {{Severity::kError, "r.yaml", 0, 0, "", "bad"}, "r.yaml: error: bad"},
      {{Severity::kError, "c.csv", 12, 0, "total", "bad"}, "c.csv:12:total: error: bad"},
      {{Severity::kWarning, "c.csv", 12, 0, "total", "hm"}, "c.csv:12:total: warning: hm"},
      {{Severity::kNote, "r.yaml", 1, 2, "", "see"}, "r.yaml:1:2: note: see"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.d.Format(), c.expected);
}

}  // namespace
}  // namespace zkmatch
