#include "csv.h"

#include <iconv.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "digest.h"
#include "file_read.h"
#include "names.h"
#include "parallel.h"
#include "xlsx.h"

namespace zkmatch {
namespace {

InputLimits g_limits;

// 1-based line and column (in characters) of byte `offset` of `s`.
void LineCol(std::string_view s, std::size_t offset, int* line, int* col) {
  *line = 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  const std::size_t nl = offset == 0 ? std::string_view::npos : s.rfind('\n', offset - 1);
  const std::size_t start = nl == std::string_view::npos ? 0 : nl + 1;
  *col = 1;
  for (std::size_t i = start; i < offset; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++*col;
  }
}

// "11.0 GiB", "1.0 MiB", "512 bytes".
std::string HumanSize(std::uint64_t bytes) {
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

bool AllAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0x80) == 0; });
}

}  // namespace

const InputLimits& CurrentInputLimits() { return g_limits; }
void SetInputLimitsForTesting(const InputLimits& limits) { g_limits = limits; }

std::string QuoteLong(std::string_view s, std::size_t max_chars) {
  std::size_t chars = 0, cut = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars && cut == s.size()) cut = i;
    ++chars;
  }
  if (chars <= max_chars + 20) return std::string(s);
  return std::string(s.substr(0, cut)) + "\u2026 (" + std::to_string(chars) + " characters)";
}

bool CheckCsvText(std::string_view s, const std::string& display, DiagnosticSink& sink) {
  int line = 0, col = 0;
  if (const void* nul = std::memchr(s.data(), '\0', s.size())) {
    LineCol(s, static_cast<std::size_t>(static_cast<const char*>(nul) - s.data()), &line, &col);
    sink.Error(display, line, col,
               "NUL byte (\\0) in the file; a CSV file is text: this one is binary, UTF-16 or damaged -- "
               "save it again from the spreadsheet as 'CSV UTF-8'");
    return false;
  }
  const std::size_t bom = s.size() < 3 ? std::string_view::npos : s.find("\xEF\xBB\xBF", 1);
  if (bom != std::string_view::npos) {
    LineCol(s, bom, &line, &col);
    sink.Error(display, line, col,
               "byte-order mark (U+FEFF) inside the file; only the very start of a file may hold one -- "
               "were two files joined? Delete the invisible character (or the repeated header row)");
    return false;
  }
  return true;
}

std::size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: 8 ASCII bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

bool Gb18030ToUtf8(const std::string& in, std::string* out, std::size_t* bad) {
  iconv_t cd = ::iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    *bad = 0;
    return false;
  }
  // GB18030 -> UTF-8 grows at most 3/2 (two bytes become three; four stay four).
  out->assign(in.size() / 2 * 3 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out->data();
  std::size_t dst_left = out->size();
  bool ok = true;
  while (src_left > 0) {
    if (::iconv(cd, &src, &src_left, &dst, &dst_left) == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) {  // cannot happen with 3/2 room; kept as a safety net
        const std::size_t used = static_cast<std::size_t>(dst - out->data());
        out->resize(out->size() * 2);
        dst = out->data() + used;
        dst_left = out->size() - used;
        continue;
      }
      ok = false;
      break;
    }
  }
  ::iconv_close(cd);
  *bad = in.size() - src_left;
  if (ok) out->resize(static_cast<std::size_t>(dst - out->data()));
  return ok;
}

std::string CsvReader::PerFileEncoding(const std::string& encoding) const {
  if (role_.empty()) return {};
  return "inputs: {" + role_ + ": {file: " + std::filesystem::path(display_.empty() ? std::string("FILE") : display_).filename().string() +
         ", encoding: " + encoding + "}}";
}

bool CsvReader::Open(const std::string& path, const std::string& display, DiagnosticSink& sink,
                     const std::string& encoding) {
  display_ = display;
  // One read of a regular file (never a FIFO or a device), after the size limit. These bytes are
  // the ones parsed and the ones hashed for the manifest: the file is never read twice.
  std::string bytes;
  const FileReadResult read = ReadRegularFile(path, g_limits.max_file_bytes, &bytes);
  switch (read.kind) {
    case FileReadResult::kOk: break;
    case FileReadResult::kDirectory:
      sink.Error(display, 0, 0, "is a directory, not a CSV file; check the path in the rules' `inputs:`");
      return false;
    case FileReadResult::kNotRegular:
      sink.Error(display, 0, 0, NotRegularMessage(read) + " (check the path in the rules' `inputs:`)");
      return false;
    case FileReadResult::kNotFound:
    case FileReadResult::kCannotOpen:
      sink.Error(display, 0, 0,
                 "cannot open file: " + read.what + "; check the path in the rules' `inputs:` (it is relative to the rules file)");
      return false;
    case FileReadResult::kTooLarge:
      sink.Error(display, 0, 0,
                 "the file is " + HumanSize(read.size) + "; zkmatch reads input files of up to " + HumanSize(g_limits.max_file_bytes) +
                     " (README, \"Limits\") -- is this the right file? Split the run into smaller ones");
      return false;
    case FileReadResult::kReadError:
      sink.Error(display, 0, 0, "read error (" + read.what + "); check that the file is readable");
      return false;
  }
  if (digest_) digest_->bytes = bytes.size();
  if (IsWorkbookPath(path)) return OpenWorkbook(std::move(bytes), display, sink);
  if (encoding == NameOf(Encoding::kGb18030)) {
    const std::string raw = std::move(bytes);
    if (digest_) digest_->sha256 = Sha256Hex(raw);  // rare path: hashed here, before the conversion
    // UTF-8 text also decodes as GB18030, into the wrong characters: refuse it rather than guess.
    if (!AllAscii(raw) && FindInvalidUtf8(raw) == std::string::npos) {
      const std::size_t first = static_cast<std::size_t>(
          std::find_if(raw.begin(), raw.end(), [](char c) { return (static_cast<unsigned char>(c) & 0x80) != 0; }) - raw.begin());
      int line = 0, col = 0;
      LineCol(raw, first, &line, &col);
      sink.Error(display, line, col,
                 "the file is UTF-8 but the rules say encoding: gb18030 (read as GB18030 its text would turn into "
                 "other characters); remove the encoding line from the rules" +
                     (role_.empty() ? std::string() : " (when only other files are GB18030, give each its own encoding, e.g. " + PerFileEncoding("utf-8") + ")") +
                     ", or save the file as GB18030");
      return false;
    }
    std::string utf8;
    std::size_t bad = 0;
    if (!Gb18030ToUtf8(raw, &utf8, &bad)) {
      const int line = 1 + static_cast<int>(std::count(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
      sink.Error(display, line, 0,
                 "bytes that are not valid GB18030 (the rules say encoding: gb18030); if the file is UTF-8, remove the encoding line");
      return false;
    }
    digest_ = nullptr;  // the digest is of the file's GB18030 bytes (above), not of the UTF-8 text
    return OpenBuffer(std::move(utf8), display, sink);
  }
  data_ = std::move(bytes);
  // The digest of these bytes is computed on another thread while they are parsed (the buffer
  // is not modified and outlives the thread: ~CsvReader and FinishDigest wait for it).
  if (digest_) {
    FileDigest* d = digest_;
    const std::string_view view(data_);
    hashing_ = std::async(std::launch::async, [d, view] { d->sha256 = Sha256Hex(view); });
  }
  return Start(display, sink);
}

bool CsvReader::OpenBuffer(std::string bytes, const std::string& display, DiagnosticSink& sink) {
  data_ = std::move(bytes);
  if (digest_) {
    digest_->bytes = data_.size();
    digest_->sha256 = Sha256Hex(data_);
  }
  return Start(display, sink);
}

CsvReader::~CsvReader() { FinishDigest(); }

void CsvReader::FinishDigest() {
  if (hashing_.valid()) hashing_.get();
}

void CsvReader::ReleaseText() {
  FinishDigest();  // the digest thread reads the text
  std::string().swap(data_);
  std::string().swap(scratch_);
  pos_ = 0;
  table_.clear();
  table_.shrink_to_fit();
  table_pos_ = 0;
}

// GB18030 bytes whose every non-ASCII character is Chinese text or the punctuation that goes
// with it (CJK ideographs, CJK and full-width punctuation, general punctuation such as “ ” …),
// converted into `*utf8`. Text in another 8-bit encoding decodes into something else, or not at
// all, and is not taken for GB18030.
bool PlainlyChineseGb18030(const std::string& bytes, std::string* utf8) {
  if (bytes.size() >= 2 && (bytes.compare(0, 2, "\xFF\xFE") == 0 || bytes.compare(0, 2, "\xFE\xFF") == 0)) return false;
  std::size_t bad = 0;
  if (!Gb18030ToUtf8(bytes, utf8, &bad)) return false;
  const std::string& s = *utf8;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    const int n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    std::uint32_t cp = b & (n == 4 ? 0x07 : n == 3 ? 0x0F : 0x1F);
    for (int k = 1; k < n && i + static_cast<std::size_t>(k) < s.size(); ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
    i += static_cast<std::size_t>(n);
    const bool chinese = (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||   // ideographs, Extension A
                         (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0xF900 && cp <= 0xFAFF) ||  // Extensions B-G, compatibility
                         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||   // CJK and full-width punctuation
                         (cp >= 0x2000 && cp <= 0x206F) || cp == 0x00B7 || cp == 0xFEFF;       // “ ” — …, the middle dot, a BOM
    if (!chinese) return false;
  }
  return true;
}

bool CsvReader::OpenWorkbook(std::string bytes, const std::string& display, DiagnosticSink& sink) {
  display_ = display;
  sink_ = &sink;
  if (digest_) digest_->sha256 = Sha256Hex(bytes);  // the workbook's bytes, as read
  std::optional<Sheet> sheet = ReadWorkbookSheet(bytes, sheet_, display, sink);
  if (!sheet) return false;
  if (sheet->rows.empty()) {
    sink.Error(display, 0, 0, "sheet '" + sheet->name + "' is empty; it needs a header row");
    return false;
  }
  table_ = std::move(sheet->rows);
  table_mode_ = true;
  table_pos_ = 0;
  if (!TakeHeader(display, sink)) return false;
  sink.SetSheetColumns(display, header_);
  return true;
}

CsvReader::Parse CsvReader::NextTableRow(CsvRecord* record) {
  static const std::string kEmpty;
  if (table_pos_ >= table_.size()) return Parse::kEnd;
  const SheetRow& row = table_[table_pos_++];
  record->line = row.row;
  if (row.refused) return Parse::kBadRecord;  // its cells were reported as they were read
  record->fields.clear();
  const std::size_t width = table_pos_ == 1 ? row.cells.size() : header_.size();
  for (std::size_t i = 0; i < width; ++i) record->fields.emplace_back(i < row.cells.size() ? row.cells[i] : kEmpty);
  for (std::size_t i = width; i < row.cells.size(); ++i) {
    if (row.cells[i].empty()) continue;
    sink_->Error(display_ + "!" + ColumnLetters(i) + std::to_string(row.row), 0, 0,
                 "holds '" + QuoteLong(row.cells[i]) + "', but column " + ColumnLetters(i) +
                     " has no header; give the column a header, or clear the cell");
    return Parse::kBadRecord;
  }
  return Parse::kRecord;
}

namespace {

// Pieces of `s` that end just after a '\n' (or at its end), about `size` bytes each: no UTF-8
// sequence, NUL or byte-order mark spans two of them, so each can be checked on its own.
std::vector<std::string_view> LinePieces(std::string_view s, std::size_t size) {
  std::vector<std::string_view> pieces;
  for (std::size_t begin = 0; begin < s.size();) {
    std::size_t end = std::min(s.size(), begin + size);
    if (end < s.size()) {
      const std::size_t nl = s.find('\n', end - 1);
      end = nl == std::string_view::npos ? s.size() : nl + 1;
    }
    pieces.push_back(s.substr(begin, end - begin));
    begin = end;
  }
  return pieces;
}

constexpr std::size_t kPiece = std::size_t{8} << 20;

// FindInvalidUtf8 over a large text, its pieces on every thread: the same offset.
std::size_t FindInvalidUtf8InPieces(std::string_view s) {
  if (s.size() <= kPiece) return FindInvalidUtf8(s);
  const std::vector<std::string_view> pieces = LinePieces(s, kPiece);
  std::vector<std::size_t> bad(pieces.size(), std::string::npos);
  ParallelFor(tbb::blocked_range<std::size_t>(0, pieces.size(), 1), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) {
      const std::size_t at = FindInvalidUtf8(pieces[i]);
      if (at != std::string::npos) bad[i] = static_cast<std::size_t>(pieces[i].data() - s.data()) + at;
    }
  });
  for (std::size_t at : bad) {
    if (at != std::string::npos) return at;
  }
  return std::string::npos;
}

// Whether CheckCsvText would find anything (a NUL byte, a byte-order mark after the start), its
// pieces on every thread; CheckCsvText then says what and where.
bool CsvTextMayBeBad(std::string_view s) {
  if (s.size() <= kPiece) return true;
  const std::vector<std::string_view> pieces = LinePieces(s, kPiece);
  std::atomic<bool> bad{false};
  ParallelFor(tbb::blocked_range<std::size_t>(0, pieces.size(), 1), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) {
      const std::string_view p = pieces[i];
      const bool first = i == 0;
      if (std::memchr(p.data(), '\0', p.size()) != nullptr || p.find("\xEF\xBB\xBF", first ? 1 : 0) != std::string_view::npos) bad = true;
    }
  });
  return bad;
}

}  // namespace

bool CsvReader::Start(const std::string& display, DiagnosticSink& sink) {
  display_ = display;
  sink_ = &sink;
  pos_ = 0;
  line_ = 1;
  if (data_.size() >= 3 && data_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
  if (data_.size() >= 2 && (data_.compare(0, 2, "\xFF\xFE") == 0 || data_.compare(0, 2, "\xFE\xFF") == 0)) {
    sink.Error(display, 1, 1,
               "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it from the spreadsheet as 'CSV UTF-8'");
    return false;
  }
  if (std::size_t bad = FindInvalidUtf8InPieces(data_); bad != std::string::npos) {
    std::size_t ignored = 0;
    std::string converted;
    if (detect_encoding_ && PlainlyChineseGb18030(data_, &converted)) {
      FinishDigest();  // the digest is of the bytes as read, before the conversion
      digest_ = nullptr;
      detect_encoding_ = false;
      sink.Warning(display, 0, 0,
                   "the file is not UTF-8; read as GB18030, the encoding Chinese Excel saves CSV in (all its text reads as Chinese). "
                   "Say so to make it explicit: " +
                       (role_.empty() ? std::string("encoding: gb18030") : PerFileEncoding("gb18030")));
      data_ = std::move(converted);
      return Start(display, sink);
    }
    if (AllAscii(std::string_view(data_).substr(0, bad)) && Gb18030ToUtf8(data_, &converted, &ignored)) {
      int line = 0, col = 0;
      LineCol(data_, bad, &line, &col);
      sink.Error(display, line, col,
                 "not UTF-8: the file looks like GB18030 (as Chinese Excel saves CSV); add 'encoding: gb18030' " +
                     (role_.empty() ? std::string("to the rules") : "for this file (" + PerFileEncoding("gb18030") + ") or for every file (at the top of the rules)") +
                     ", or save the file as 'CSV UTF-8'");
      return false;
    }
    int line = 1 + static_cast<int>(std::count(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    std::size_t line_start = data_.rfind('\n', bad == 0 ? 0 : bad - 1);
    line_start = (line_start == std::string::npos || bad == 0) ? 0 : line_start + 1;
    int col = 1;
    for (std::size_t i = line_start; i < bad; ++i) {
      if ((static_cast<unsigned char>(data_[i]) & 0xC0) != 0x80) ++col;
    }
    sink.Error(display, line, col,
               "invalid UTF-8 byte sequence; save the file as UTF-8 (files exported by Chinese "
               "Excel are often GB18030)");
    return false;
  }
  if (CsvTextMayBeBad(data_) && !CheckCsvText(data_, display, sink)) return false;
  // Old Mac line ends (CR only): the whole file would be one giant header line.
  if (const std::size_t end = data_.find_first_of("\r\n", pos_);
      end != std::string::npos && data_[end] == '\r' && end + 1 < data_.size() && data_[end + 1] != '\n') {
    sink.Error(display, 1, 0,
               "this file uses old Mac line ends (CR only), so it reads as a single line; save it with LF or CRLF "
               "line ends (in Excel: 'CSV UTF-8')");
    return false;
  }
  return TakeHeader(display, sink);
}

bool CsvReader::TakeHeader(const std::string& display, DiagnosticSink& sink) {
  CsvRecord rec;
  const Parse r = table_mode_ ? NextTableRow(&rec) : ParseRecord(&rec);
  if (r != Parse::kRecord) {
    if (r == Parse::kEnd) sink.Error(display, 0, 0, "the file is empty; it needs a header row");
    return false;
  }
  header_line_ = rec.line;
  header_.assign(rec.fields.begin(), rec.fields.end());
  // Empty and repeated names: one pass with one hash map, one message per repeated name (a
  // header of a million repeated names must not take minutes or print billions of lines).
  bool ok = true;
  std::vector<std::size_t> empty;
  std::unordered_map<std::string_view, std::vector<std::size_t>> fields_of;
  std::vector<std::string_view> order;  // names in order of first appearance
  fields_of.reserve(header_.size());
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i].empty()) {
      empty.push_back(i + 1);
      continue;
    }
    auto [it, fresh] = fields_of.try_emplace(header_[i]);
    if (fresh) order.push_back(header_[i]);
    it->second.push_back(i + 1);
  }
  auto list = [](const std::vector<std::size_t>& fields) {
    std::string out;
    const std::size_t shown = std::min<std::size_t>(fields.size(), 10);
    for (std::size_t k = 0; k < shown; ++k) {
      out += k == 0 ? "" : k + 1 == fields.size() ? " and " : ", ";
      out += std::to_string(fields[k]);
    }
    if (shown < fields.size()) out += ", ... (" + std::to_string(fields.size() - shown) + " more)";
    return out;
  };
  if (!empty.empty()) {
    sink.Error(display, header_line_, 0,
               empty.size() == 1 ? "header field " + std::to_string(empty[0]) + " is empty; every column needs a name"
                                 : std::to_string(empty.size()) + " header fields are empty (fields " + list(empty) +
                                       "); every column needs a name");
    ok = false;
  }
  for (std::string_view name : order) {
    const std::vector<std::size_t>& fields = fields_of[name];
    if (fields.size() < 2) continue;
    sink.Error(display, header_line_, 0,
               "column '" + QuoteLong(name) + "' appears " +
                   (fields.size() == 2 ? std::string("twice") : std::to_string(fields.size()) + " times") +
                   " in the header (fields " + list(fields) + "); " +
                   (fields.size() == 2 ? "rename or remove one" : "keep one and rename or remove the others"));
    ok = false;
  }
  return ok;
}

int CsvReader::Find(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

CsvReader::Parse CsvReader::ParseRecord(CsvRecord* record) {
  const std::size_t n = data_.size();
  // Skip blank lines.
  while (pos_ < n && (data_[pos_] == '\n' || data_[pos_] == '\r')) {
    if (data_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= n) return Parse::kEnd;
  const std::size_t record_start = pos_;
  record->line = line_;
  record->fields.clear();
  scratch_.clear();
  // Quoted fields are unescaped into scratch_. Fields are recorded as (offset, length) first
  // and turned into views at the end, so scratch_ may grow while the record is read.
  struct Span { bool scratch; std::size_t off, len; };
  static thread_local std::vector<Span> spans;
  spans.clear();
  const char* d = data_.data();
  bool bad = false;
  std::size_t bad_field = 0;
  std::string problem;
  while (true) {
    if (pos_ < n && d[pos_] == '"') {
      const int open_line = line_;
      ++pos_;
      std::size_t start = scratch_.size();
      while (true) {
        if (pos_ >= n) {
          Report(open_line, spans.size(),
                 "quoted field is never closed (the '\"' opened here has no partner); add "
                 "the closing quote or double a quote that is part of the text (\"\")");
          return Parse::kFatal;
        }
        char c = d[pos_];
        if (c == '"') {
          if (pos_ + 1 < n && d[pos_ + 1] == '"') {
            scratch_.push_back('"');
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        if (c == '\n') ++line_;
        scratch_.push_back(c);
        ++pos_;
      }
      spans.push_back({true, start, scratch_.size() - start});
      if (pos_ < n && d[pos_] != ',' && d[pos_] != '\n' && !(d[pos_] == '\r' && pos_ + 1 < n && d[pos_ + 1] == '\n') && !(d[pos_] == '\r' && pos_ + 1 == n)) {
        if (!bad) {
          problem = "text after the closing quote; a field that contains '\"' must be quoted whole, with the inner quotes doubled";
          bad_field = spans.size() - 1;
        }
        bad = true;
      }
    } else {
      std::size_t start = pos_;
      while (pos_ < n && d[pos_] != ',' && d[pos_] != '\n') {
        if (d[pos_] == '"' && !bad) {
          problem = "stray '\"' inside an unquoted field; quote the whole field and double the inner quote (\"\")";
          bad_field = spans.size();
          bad = true;
        }
        ++pos_;
      }
      std::size_t end = pos_;
      if (end > start && d[end - 1] == '\r' && (pos_ >= n || d[pos_] == '\n')) --end;
      spans.push_back({false, start, end - start});
    }
    // Skip to the separator (after a bad closing quote there may be junk).
    while (pos_ < n && d[pos_] != ',' && d[pos_] != '\n') ++pos_;
    if (pos_ < n && d[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (pos_ < n) {
      ++pos_;  // '\n'
      ++line_;
    }
    break;
  }
  if (pos_ - record_start > g_limits.max_record_bytes) {
    sink_->Error(display_, record->line, 0,
                 "this row is " + HumanSize(pos_ - record_start) + " long; rows are limited to " +
                     HumanSize(g_limits.max_record_bytes) + " (README, \"Limits\") -- is this really a CSV file?");
    return Parse::kFatal;
  }
  for (const Span& s : spans) {
    record->fields.emplace_back(s.scratch ? std::string_view(scratch_).substr(s.off, s.len)
                                          : std::string_view(data_).substr(s.off, s.len));
  }
  if (bad) {
    Report(record->line, bad_field, problem);
    return Parse::kBadRecord;
  }
  if (!header_.empty() && record->fields.size() != header_.size()) {
    const std::size_t nf = record->fields.size();
    sink_->Error(display_, record->line, 0,
                 "this row has " + std::to_string(nf) + (nf == 1 ? " field" : " fields") + " but the header has " +
                     std::to_string(header_.size()) +
                     (pos_ >= data_.size() && data_.back() != '\n'
                          ? "; the file ends inside this row, without a line break: was it cut off? Export it again"
                          : "; check for a missing or extra ',' (quote fields that contain ',')"));
    return Parse::kBadRecord;
  }
  return Parse::kRecord;
}

void CsvReader::Report(int line, std::size_t field, const std::string& message) {
  if (field < header_.size()) {
    sink_->CsvError(display_, line, header_[field], message);
  } else {
    sink_->Error(display_, line, 0, "header field " + std::to_string(field + 1) + ": " + message);
  }
}

bool CsvReader::Next(CsvRecord* record) {
  while (true) {
    if (sink_->full()) {
      stopped_early_ = true;
      return false;
    }
    switch (table_mode_ ? NextTableRow(record) : ParseRecord(record)) {
      case Parse::kRecord:
        if (++records_ > max_records_) {
          sink_->Error(display_, record->line, 0,
                       "more than " + std::to_string(max_records_) + " " + records_what_ + "; zkmatch handles at most " +
                           std::to_string(max_records_) + " per run (README, \"Limits\") -- split the run");
          return false;
        }
        return true;
      case Parse::kBadRecord:
        ++skipped_;
        continue;
      case Parse::kEnd: return false;
      case Parse::kFatal:
        stopped_early_ = true;
        return false;
    }
  }
}

bool CsvReader::SplitRest(std::size_t parts, std::vector<CsvSlice>* slices) const {
  slices->clear();
  if (table_mode_ || parts == 0) return false;
  const std::string_view rest = std::string_view(data_).substr(std::min(pos_, data_.size()));
  if (rest.find('"') != std::string_view::npos) return false;
  for (const std::string_view piece : LinePieces(rest, std::max<std::size_t>(1, (rest.size() + parts - 1) / parts))) slices->push_back({piece, 0});
  std::vector<std::size_t> newlines(slices->size());
  ParallelFor(tbb::blocked_range<std::size_t>(0, slices->size(), 1), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) newlines[i] = static_cast<std::size_t>(std::count((*slices)[i].text.begin(), (*slices)[i].text.end(), '\n'));
  });
  std::size_t lines = 0;
  for (std::size_t i = 0; i < slices->size(); ++i) {
    CsvSlice& s = (*slices)[i];
    s.line = line_ + static_cast<int>(lines);
    s.lines = newlines[i] + (!s.text.empty() && s.text.back() != '\n' ? 1 : 0);
    lines += newlines[i];
  }
  // Records are at most lines + 1 (blank lines are none); beyond the limit Next says so.
  if (max_records_ != static_cast<std::size_t>(-1) && records_ + lines + 1 > max_records_) {
    slices->clear();
    return false;
  }
  return true;
}

bool CsvReader::NextInSlice(CsvSlice* slice, CsvRecord* record, bool* malformed) const {
  const char* d = slice->text.data();
  const std::size_t n = slice->text.size();
  std::size_t pos = 0;
  while (pos < n && (d[pos] == '\n' || d[pos] == '\r')) {  // blank lines
    if (d[pos] == '\n') ++slice->line;
    ++pos;
  }
  if (pos >= n) {
    slice->text = {};
    return false;
  }
  record->line = slice->line;
  record->fields.clear();
  const std::size_t record_start = pos;
  while (true) {
    const std::size_t start = pos;
    while (pos < n && d[pos] != ',' && d[pos] != '\n') ++pos;
    std::size_t end = pos;
    if (end > start && d[end - 1] == '\r' && (pos >= n || d[pos] == '\n')) --end;
    record->fields.emplace_back(d + start, end - start);
    if (pos < n && d[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos < n) {
      ++pos;  // '\n'
      ++slice->line;
    }
    break;
  }
  if (pos - record_start > g_limits.max_record_bytes || record->fields.size() != header_.size()) {
    *malformed = true;
    return false;
  }
  slice->text.remove_prefix(pos);
  return true;
}

void AppendCsvField(std::string* out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRow(std::string* out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (std::string_view f : fields) {
    if (!first) out->push_back(',');
    AppendCsvField(out, f);
    first = false;
  }
  out->push_back('\n');
}

}  // namespace zkmatch
