// A strict RFC 4180 CSV reader that remembers where every record came from.
//
// Accepts: a header row; fields separated by ',' and optionally enclosed in '"' (a '"' inside
// a quoted field is written '""'; quoted fields may span lines); LF or CRLF line ends; a UTF-8
// byte-order mark at the start. Blank lines are skipped. The whole file must be valid UTF-8.
// Rejects with a diagnostic naming the line: invalid UTF-8 (with a hint when the file is GB18030),
// UTF-16, NUL bytes, a byte-order mark after the start (two files joined), a quote inside an
// unquoted field, text after a closing quote, an unterminated quoted field, a record whose field
// count differs from the header's, empty or duplicate header names; and, against the limits
// below, a file too large, a record too long or too many records.
//
// An Excel workbook (a path ending in .xlsx) is read through the same interface: one sheet
// (set_sheet; default the first) becomes the records, its first non-empty row the header,
// each record's `line` its Excel row number; cells are text as xlsx.h describes, and the
// sink names a cell in messages as FILE!B12 (DiagnosticSink::SetSheetColumns).
//
// Usage: Open, look up columns by header name, then call Next until it returns false.
// Field views stay valid until the next call to Next.
// Thread-safety: one reader per thread. Cost: one pass over the bytes, no allocation per
// record once the first record has been seen.
#ifndef ZKMATCH_CSV_H_
#define ZKMATCH_CSV_H_

#include <cstdint>
#include <future>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "xlsx.h"
#include "zkmatch/diagnostics.h"

namespace zkmatch {

// Size limits on CSV input (README, "Limits"). A file is read whole into memory, so the file
// limit bounds the reader's memory; the loaders bound their per-row memory by row counts.
struct InputLimits {
  // National scale (about 17 million graduates with up to 12 choices: 3.4 GB of choices.csv,
  // 204 million rows) must fit; a 10 GB file must not.
  std::uint64_t max_file_bytes = std::uint64_t{8} << 30;  // 8 GiB per CSV file, checked before reading
  std::size_t max_record_bytes = std::size_t{1} << 20;    // 1 MiB per record (row)
  std::size_t max_candidates = 25'000'000;                // rows of candidates.csv
  std::size_t max_choices = 400'000'000;                  // rows of choices.csv
};
// The limits in force. Only tests change them, to exercise the limits on small files.
const InputLimits& CurrentInputLimits();
void SetInputLimitsForTesting(const InputLimits& limits);

// The SHA-256 (hex) and size of the bytes a reader parsed: what a run's manifest records.
struct FileDigest {
  std::string sha256;
  std::uint64_t bytes = 0;
};

struct CsvRecord {
  int line = 0;  // 1-based physical line where the record starts
  std::vector<std::string_view> fields;
};

// A part of a file's records, for reading on several threads (CsvReader::SplitRest): whole
// lines, and the line number of the first.
struct CsvSlice {
  std::string_view text;
  int line = 0;
  std::size_t lines = 0;  // lines in text: at least its number of records
};

class CsvReader {
 public:
  CsvReader() = default;
  ~CsvReader();  // waits for the digest thread, if any
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Before Open: also hash the file's bytes (the very bytes parsed, as read from disk, before
  // any GB18030 conversion) into `*digest`, on another thread while they are parsed. `*digest`
  // is complete after FinishDigest() or the reader's destruction.
  void set_digest(FileDigest* digest) { digest_ = digest; }
  // The file's key under the rules' `inputs:` (candidates, choices, ...), for advice about its
  // encoding; empty when it is not an input named by the rules.
  void set_role(std::string role) { role_ = std::move(role); }
  // Before Open: when the rules say no encoding for this file, a file that is not UTF-8 but is
  // plainly GB18030 (valid GB18030, every non-ASCII character Chinese text or punctuation) is
  // read as GB18030, with a warning naming the choice; anything less clear stays an error.
  void set_detect_encoding(bool detect) { detect_encoding_ = detect; }
  // Before Open: the worksheet a workbook input is read from (`sheet:`); empty: its first.
  void set_sheet(std::string sheet) { sheet_ = std::move(sheet); }
  void FinishDigest();

  // Reads the whole of `path` (shown as `display` in messages). Returns false after reporting
  // when the file cannot be read, is not valid UTF-8 or has a bad header.
  // `encoding` is "utf-8" or "gb18030"; GB18030 bytes are converted to UTF-8 first.
  bool Open(const std::string& path, const std::string& display, DiagnosticSink& sink,
            const std::string& encoding = "utf-8");
  // Same over bytes already in memory.
  bool OpenBuffer(std::string bytes, const std::string& display, DiagnosticSink& sink);

  const std::vector<std::string>& header() const { return header_; }
  int header_line() const { return header_line_; }
  // Index of the column with this header, or -1.
  int Find(std::string_view name) const;
  const std::string& display() const { return display_; }
  // At most `n` records after the header (default: no limit); more is a fatal error that
  // names `what` ("candidates") and the limit.
  void set_max_records(std::size_t n, std::string what) {
    max_records_ = n;
    records_what_ = std::move(what);
  }

  // Next well-formed record. Malformed records are reported and skipped; returns false at the
  // end of the file or after an error that makes the rest unreadable.
  bool Next(CsvRecord* record);
  // Once every record has been read: frees the file's text (the larger part of a loader's
  // memory at national scale, 3.4 GB for choices.csv) while the header, display name and
  // digest stay. Views of fields read earlier dangle; Next returns false.
  void ReleaseText();
  // Whether every record was returned: none was skipped as malformed, and Next did not stop
  // early (an unreadable rest, the error cap). After Next has returned false.
  bool read_whole() const { return skipped_ == 0 && !stopped_early_; }

  // Reading on several threads. Splits the records Next has not returned yet into about
  // `parts` slices at line boundaries, with their line numbers, and returns true -- when the
  // fast path applies: a CSV file (not a workbook) whose rest holds no '"' (so no record spans
  // lines) and at most set_max_records records. Otherwise returns false. The reader does not
  // move: after a slice turns out malformed, Next reads the same records with every message.
  // Cost: two passes over the rest: a search for '"', then a count of lines on every thread.
  bool SplitRest(std::size_t parts, std::vector<CsvSlice>* slices) const;
  // The next record of `*slice` (from SplitRest; thread-safe on distinct slices), fields split
  // at ',', CRLF and blank lines as Next. False at the slice's end, or with *malformed set on
  // a record Next would report (a field count other than the header's, a row over the size
  // limit): nothing is reported, and the caller reads the file with Next instead.
  bool NextInSlice(CsvSlice* slice, CsvRecord* record, bool* malformed) const;

 private:
  enum class Parse { kRecord, kEnd, kBadRecord, kFatal };
  bool Start(const std::string& display, DiagnosticSink& sink);  // checks data_, reads the header
  bool TakeHeader(const std::string& display, DiagnosticSink& sink);  // the first record as the header
  // A workbook: its sheet's rows become the records (table_).
  bool OpenWorkbook(std::string bytes, const std::string& display, DiagnosticSink& sink);
  Parse NextTableRow(CsvRecord* record);
  Parse ParseRecord(CsvRecord* record);
  // Reports a problem in field `field` (0-based) of the record at `line`: by column name once
  // the header is known, by field number in the header row itself.
  void Report(int line, std::size_t field, const std::string& message);

  std::string data_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::string display_;
  DiagnosticSink* sink_ = nullptr;
  std::vector<std::string> header_;
  int header_line_ = 0;
  std::string scratch_;  // unescaped quoted fields of the current record
  std::size_t records_ = 0;
  std::size_t skipped_ = 0;
  bool stopped_early_ = false;
  std::size_t max_records_ = static_cast<std::size_t>(-1);
  std::string role_;
  // "inputs: {candidates: {file: F, encoding: E}}" for this file, or "" without a role.
  std::string PerFileEncoding(const std::string& encoding) const;
  std::string records_what_;
  std::string sheet_;
  bool detect_encoding_ = false;
  bool table_mode_ = false;           // a workbook: records come from table_, not data_
  std::vector<SheetRow> table_;
  std::size_t table_pos_ = 0;
  FileDigest* digest_ = nullptr;
  std::future<void> hashing_;  // declared after data_: destroyed (joined) before it
};

// Writing CSV: appends a field, quoted only when it must be (RFC 4180), or a whole row of
// fields separated by commas and ended with LF.
void AppendCsvField(std::string* out, std::string_view s);
void AppendCsvRow(std::string* out, std::initializer_list<std::string_view> fields);

// Converts GB18030 bytes to UTF-8. On failure returns false and sets `*bad` to the offset of
// the first byte that is not valid GB18030.
bool Gb18030ToUtf8(const std::string& in, std::string* out, std::size_t* bad);

// Whether bytes that are not UTF-8 are plainly GB18030 Chinese text: valid GB18030, and every
// non-ASCII character a CJK ideograph or the punctuation Chinese text uses (CJK, full-width,
// general punctuation, the middle dot). Then `*utf8` holds the converted text.
bool PlainlyChineseGb18030(const std::string& bytes, std::string* utf8);

// Checks bytes that are valid UTF-8 for what a CSV file must not contain: NUL bytes and a
// byte-order mark anywhere but at offset 0. Reports at line:col (in characters) and returns
// false on the first one.
bool CheckCsvText(std::string_view s, const std::string& display, DiagnosticSink& sink);

// `s` as is when short; else its first `max_chars` characters, "…" and its length in
// characters ("AAAA… (10000 characters)"), so a message never echoes a huge value whole.
std::string QuoteLong(std::string_view s, std::size_t max_chars = 40);

// Offset of the first invalid UTF-8 sequence in `s`, or npos when valid.
std::size_t FindInvalidUtf8(std::string_view s);

}  // namespace zkmatch

#endif  // ZKMATCH_CSV_H_
