#include "xlsx.h"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

#include "edit_distance.h"

namespace zkmatch {
namespace {

// A part unpacked larger than this is refused (a zip bomb, or not an office's sheet).
constexpr std::uint64_t kMaxPartBytes = std::uint64_t{4} << 30;

std::string_view LocalName(const char* name) {
  std::string_view s(name);
  const std::size_t colon = s.rfind(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

const char* Attribute(const char** attrs, std::string_view local) {
  for (std::size_t i = 0; attrs[i]; i += 2) {
    if (LocalName(attrs[i]) == local) return attrs[i + 1];
  }
  return nullptr;
}

// The relationship id attribute (r:id): a prefixed attribute named id.
const char* RelationshipId(const char** attrs) {
  for (std::size_t i = 0; attrs[i]; i += 2) {
    const std::string_view name(attrs[i]);
    if (name.find(':') != std::string_view::npos && LocalName(attrs[i]) == "id") return attrs[i + 1];
  }
  return nullptr;
}

// SAX over one XML part: start(name, attrs), end(name), text(chars) with local names.
struct XmlHandlers {
  std::function<void(std::string_view, const char**)> start;
  std::function<void(std::string_view)> end;
  std::function<void(std::string_view)> text;
};

bool ParseXml(const std::string& xml, XmlHandlers& h, std::string* error) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"), &XML_ParserFree);
  if (!parser) {
    *error = "out of memory";
    return false;
  }
  XML_SetUserData(parser.get(), &h);
  XML_SetElementHandler(
      parser.get(),
      [](void* data, const char* name, const char** attrs) {
        auto* hh = static_cast<XmlHandlers*>(data);
        if (hh->start) hh->start(LocalName(name), attrs);
      },
      [](void* data, const char* name) {
        auto* hh = static_cast<XmlHandlers*>(data);
        if (hh->end) hh->end(LocalName(name));
      });
  XML_SetCharacterDataHandler(parser.get(), [](void* data, const char* s, int len) {
    auto* hh = static_cast<XmlHandlers*>(data);
    if (hh->text) hh->text(std::string_view(s, static_cast<std::size_t>(len)));
  });
  // Fed in pieces: XML_Parse takes an int length.
  constexpr std::size_t kPiece = std::size_t{1} << 28;
  for (std::size_t at = 0;; at += kPiece) {
    const std::size_t n = std::min(kPiece, xml.size() - std::min(at, xml.size()));
    const bool last = at + n >= xml.size();
    if (XML_Parse(parser.get(), xml.data() + at, static_cast<int>(n), last ? 1 : 0) != XML_STATUS_OK) {
      *error = std::string(XML_ErrorString(XML_GetErrorCode(parser.get()))) + " at line " +
               std::to_string(XML_GetCurrentLineNumber(parser.get()));
      return false;
    }
    if (last) return true;
  }
}

class Workbook {
 public:
  Workbook(std::string_view bytes, const std::string& display, DiagnosticSink& sink) : display_(display), sink_(sink) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (src) {
      archive_ = zip_open_from_source(src, ZIP_RDONLY, &err);
      if (!archive_) zip_source_free(src);
    }
    zip_error_fini(&err);
  }
  ~Workbook() {
    if (archive_) zip_discard(archive_);
  }
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  // Over parts already unpacked (ReadWorkbookParts).
  Workbook(const std::map<std::string, std::string>* parts, const std::string& display, DiagnosticSink& sink)
      : display_(display), sink_(sink), parts_(parts) {}

  bool open() const { return archive_ != nullptr || parts_ != nullptr; }

  // The part's bytes; nullopt when it is absent (`required`: reported) or unreadable (reported).
  std::optional<std::string> Part(const std::string& name, bool required) {
    if (parts_) {
      auto it = parts_->find(name);
      if (it != parts_->end()) return it->second;
      if (required) Fail("the workbook has no part " + name + "; it is not an Excel workbook (save it again from Excel as .xlsx, or as CSV UTF-8)");
      return std::nullopt;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(archive_, name.c_str(), 0, &st) != 0) {
      if (required) Fail("the workbook has no part " + name + "; it is not an Excel workbook (save it again from Excel as .xlsx, or as CSV UTF-8)");
      return std::nullopt;
    }
    if ((st.valid & ZIP_STAT_SIZE) && st.size > kMaxPartBytes) {
      Fail("the workbook's part " + name + " unpacks to more than 4 GiB; save the sheet as CSV UTF-8 instead");
      return std::nullopt;
    }
    zip_file_t* f = zip_fopen(archive_, name.c_str(), 0);
    if (!f) {
      Fail("cannot unpack " + name + " (" + zip_strerror(archive_) + "); the workbook may be damaged or encrypted -- save it again, without a password");
      return std::nullopt;
    }
    std::string out;
    char buf[1 << 16];
    zip_int64_t n = 0;
    while ((n = zip_fread(f, buf, sizeof buf)) > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      if (out.size() > kMaxPartBytes) break;
    }
    const bool bad = n < 0 || out.size() > kMaxPartBytes;
    zip_fclose(f);
    if (bad) {
      Fail("cannot unpack " + name + "; the workbook is damaged or too large -- save it again, or as CSV UTF-8");
      return std::nullopt;
    }
    return out;
  }

  void Fail(const std::string& message) { sink_.Error(display_, 0, 0, message); }
  void FailXml(const std::string& part, const std::string& error) {
    Fail("the workbook's " + part + " is not well-formed XML (" + error + "); save the workbook again from Excel, or as CSV UTF-8");
  }

 private:
  std::string display_;
  DiagnosticSink& sink_;
  zip_t* archive_ = nullptr;
  const std::map<std::string, std::string>* parts_ = nullptr;
};

struct SheetEntry {
  std::string name, part;
};

// The sheets in workbook order, with the part holding each.
std::optional<std::vector<SheetEntry>> ListSheets(Workbook& wb) {
  const auto workbook = wb.Part("xl/workbook.xml", true);
  if (!workbook) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
  XmlHandlers h;
  h.start = [&](std::string_view el, const char** attrs) {
    if (el != "sheet") return;
    const char* name = Attribute(attrs, "name");
    const char* rid = RelationshipId(attrs);
    sheets.emplace_back(name ? name : "", rid ? rid : "");
  };
  std::string error;
  if (!ParseXml(*workbook, h, &error)) {
    wb.FailXml("xl/workbook.xml", error);
    return std::nullopt;
  }
  std::map<std::string, std::string> target;  // relationship id -> part
  if (const auto rels = wb.Part("xl/_rels/workbook.xml.rels", true)) {
    XmlHandlers r;
    r.start = [&](std::string_view el, const char** attrs) {
      if (el != "Relationship") return;
      const char* id = Attribute(attrs, "Id");
      const char* to = Attribute(attrs, "Target");
      if (!id || !to) return;
      std::string t = to;
      t = t.rfind('/', 0) == 0 ? t.substr(1) : "xl/" + t;  // absolute in the package, or relative to xl/
      target[id] = t;
    };
    if (!ParseXml(*rels, r, &error)) {
      wb.FailXml("xl/_rels/workbook.xml.rels", error);
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  std::vector<SheetEntry> out;
  for (const auto& [name, rid] : sheets) {
    auto it = target.find(rid);
    if (it != target.end()) out.push_back({name, it->second});
  }
  if (out.empty()) {
    wb.Fail("the workbook lists no worksheet; save it again from Excel");
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::string>> SharedStrings(Workbook& wb) {
  std::vector<std::string> strings;
  const auto xml = wb.Part("xl/sharedStrings.xml", false);
  if (!xml) return strings;  // a workbook without text cells has none
  bool in_t = false;
  int in_phonetic = 0;  // <rPh>: the reading of the text (furigana), not the text
  XmlHandlers h;
  h.start = [&](std::string_view el, const char**) {
    if (el == "si") strings.emplace_back();
    if (el == "rPh") ++in_phonetic;
    if (el == "t") in_t = true;
  };
  h.end = [&](std::string_view el) {
    if (el == "rPh") --in_phonetic;
    if (el == "t") in_t = false;
  };
  h.text = [&](std::string_view s) {
    if (in_t && in_phonetic == 0 && !strings.empty()) strings.back().append(s);
  };
  std::string error;
  if (!ParseXml(*xml, h, &error)) {
    wb.FailXml("xl/sharedStrings.xml", error);
    return std::nullopt;
  }
  return strings;
}

// Whether a number format shows a date or a time: Excel's built-in date formats, or a format
// code with a day, month, year, hour or second outside quotes and brackets ([Red], [$-804]).
bool IsDateFormat(int id, const std::string& code) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58)) return true;
  bool quoted = false;
  int bracket = 0;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal (or a fill)
      continue;
    }
    if (c == '[') ++bracket;
    if (c == ']' && bracket > 0) --bracket;
    if (bracket > 0) continue;
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == 'd' || l == 'm' || l == 'y' || l == 'h' || l == 's') return true;
  }
  return false;
}

// How many digits a number format pads the integer part of a number to with leading zeros:
// the '0' placeholders before the decimal point of its first section ("000000" -> 6, "0.00" ->
// 1, "#,##0" -> 1, "General" -> 0), outside quotes and brackets.
int ZeroPadding(const std::string& code) {
  bool quoted = false;
  int bracket = 0, zeros = 0;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\\' || c == '_' || c == '*') {
      ++i;
      continue;
    }
    if (c == '[') ++bracket;
    if (c == ']' && bracket > 0) --bracket;
    if (bracket > 0) continue;
    if (c == '.' || c == ';') break;
    if (c == '0') ++zeros;
  }
  return zeros;
}

// Per cell style (the s attribute): whether numbers in it show as dates, and to how many
// digits it pads them with leading zeros (ZeroPadding).
struct CellStyle {
  bool date = false;
  int zero_padding = 0;
};
std::optional<std::vector<CellStyle>> CellStyles(Workbook& wb) {
  std::vector<CellStyle> styles;
  const auto xml = wb.Part("xl/styles.xml", false);
  if (!xml) return styles;
  std::map<int, std::string> codes;
  bool in_xfs = false;
  XmlHandlers h;
  h.start = [&](std::string_view el, const char** attrs) {
    if (el == "numFmt") {
      const char* id = Attribute(attrs, "numFmtId");
      const char* code = Attribute(attrs, "formatCode");
      if (id && code) codes[std::atoi(id)] = code;
    } else if (el == "cellXfs") {
      in_xfs = true;
    } else if (el == "xf" && in_xfs) {
      const char* id = Attribute(attrs, "numFmtId");
      const int n = id ? std::atoi(id) : 0;
      auto it = codes.find(n);
      const std::string code = it == codes.end() ? std::string() : it->second;
      styles.push_back(CellStyle{IsDateFormat(n, code), ZeroPadding(code)});
    }
  };
  h.end = [&](std::string_view el) {
    if (el == "cellXfs") in_xfs = false;
  };
  std::string error;
  if (!ParseXml(*xml, h, &error)) {
    wb.FailXml("xl/styles.xml", error);
    return std::nullopt;
  }
  return styles;
}

// "B12" -> column 1, row 12; false when it is not a cell reference.
bool ParseCellRef(std::string_view ref, std::size_t* col, int* row) {
  std::size_t i = 0, c = 0;
  while (i < ref.size() && std::isupper(static_cast<unsigned char>(ref[i]))) {
    c = c * 26 + static_cast<std::size_t>(ref[i] - 'A' + 1);
    if (c > 16384) return false;
    ++i;
  }
  if (i == 0 || i == ref.size()) return false;
  long r = 0;
  for (; i < ref.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(ref[i]))) return false;
    r = r * 10 + (ref[i] - '0');
    if (r > 1'048'576) return false;
  }
  *col = c - 1;
  *row = static_cast<int>(r);
  return r > 0;
}

// A number as Excel stored it, as zkmatch reads numbers: the stored digits when they are a
// plain decimal with at most two places, else the value as Excel shows it (15 significant
// digits), which undoes binary artefacts (612.49999999999994 -> 612.5).
std::string NumberText(const std::string& v) {
  const std::size_t dot = v.find('.');
  const bool plain = v.find_first_not_of("-0123456789.") == std::string::npos && v.find('-', 1) == std::string::npos &&
                     std::count(v.begin(), v.end(), '.') <= 1;
  if (plain && (dot == std::string::npos || v.size() - dot - 1 <= 2)) return v;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0') return v;  // not a number: the reader's checks say so
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

}  // namespace

bool IsWorkbookPath(std::string_view path) {
  if (path.size() < 5) return false;
  std::string ext(path.substr(path.size() - 5));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".xlsx";
}

std::string ColumnLetters(std::size_t index) {
  std::string s;
  for (std::size_t n = index + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  return s;
}

namespace {

std::optional<Sheet> ReadSheet(Workbook& wb, const std::string& sheet_name, const std::string& display, DiagnosticSink& sink);

}  // namespace

namespace {

// Why `bytes` did not open as a workbook, to `sink`.
void ReportNotAWorkbook(std::string_view bytes, const std::string& display, DiagnosticSink& sink) {
  const bool ole = bytes.size() >= 4 && bytes.substr(0, 4) == "\xD0\xCF\x11\xE0";
  sink.Error(display, 0, 0,
             ole ? std::string("this is an old Excel file (.xls) or an encrypted workbook, not .xlsx; save it from Excel as .xlsx (without a password) or as CSV UTF-8")
                 : std::string("not an Excel workbook (.xlsx files are zip archives, and this one does not open as one); save it from Excel as .xlsx or as CSV UTF-8"));
}

}  // namespace

std::optional<Sheet> ReadWorkbookSheet(std::string_view bytes, const std::string& sheet_name, const std::string& display,
                                       DiagnosticSink& sink) {
  Workbook wb(bytes, display, sink);
  if (!wb.open()) {
    ReportNotAWorkbook(bytes, display, sink);
    return std::nullopt;
  }
  return ReadSheet(wb, sheet_name, display, sink);
}

std::optional<std::vector<std::string>> WorkbookSheetNames(std::string_view bytes, const std::string& display, DiagnosticSink& sink) {
  Workbook wb(bytes, display, sink);
  if (!wb.open()) {
    ReportNotAWorkbook(bytes, display, sink);
    return std::nullopt;
  }
  const auto sheets = ListSheets(wb);
  if (!sheets) return std::nullopt;
  std::vector<std::string> names;
  for (const SheetEntry& s : *sheets) names.push_back(s.name);
  return names;
}

std::optional<Sheet> ReadWorkbookParts(const std::map<std::string, std::string>& parts, const std::string& sheet_name,
                                       const std::string& display, DiagnosticSink& sink) {
  Workbook wb(&parts, display, sink);
  return ReadSheet(wb, sheet_name, display, sink);
}

namespace {

std::optional<Sheet> ReadSheet(Workbook& wb, const std::string& sheet_name, const std::string& display, DiagnosticSink& sink) {
  const auto sheets = ListSheets(wb);
  if (!sheets) return std::nullopt;
  const SheetEntry* chosen = &sheets->front();
  if (!sheet_name.empty()) {
    chosen = nullptr;
    std::vector<std::string> names;
    for (const SheetEntry& s : *sheets) {
      names.push_back(s.name);
      if (s.name == sheet_name) chosen = &s;
    }
    if (!chosen) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + std::string("'") + n + "'";
      sink.Error(display, 0, 0, "the workbook has no sheet '" + sheet_name + "'" + DidYouMean(sheet_name, names) + "; its sheets are " + list);
      return std::nullopt;
    }
  }
  const auto strings = SharedStrings(wb);
  const auto styles = CellStyles(wb);
  const auto xml = wb.Part(chosen->part, true);
  if (!strings || !styles || !xml) return std::nullopt;

  Sheet out;
  out.name = chosen->name;
  SheetRow current;  // the row being read
  std::size_t refused_col = 0;  // the column of the cell refuse() names (set before each call)
  auto refuse = [&](const std::string& ref, const std::string& message) {
    current.refused = true;
    std::string where = display + "!" + ref;
    // Below the header, the column's header too, as the loaders name a cell: 考生.xlsx!E5 (总分).
    if (!out.rows.empty() && refused_col < out.rows.front().cells.size() && !out.rows.front().cells[refused_col].empty()) {
      where += " (" + out.rows.front().cells[refused_col] + ")";
    }
    sink.Error(where, 0, 0, message);
  };
  // The cell being read.
  struct Cell {
    std::string ref, type, value, inline_text, formula;
    std::size_t col = 0;
    int style = 0;
    bool open = false, in_v = false, in_f = false, in_is_t = false, in_is = false;
  } cell;
  constexpr std::size_t kMaxColumns = 16384;  // Excel's last column, XFD
  int row = 0;
  std::size_t next_col = 0;
  bool header_refused = false;  // a refused cell in the first row kept: no header to read the rest by
  auto end_row = [&] {
    while (!current.cells.empty() && current.cells.back().empty()) current.cells.pop_back();
    if (!current.cells.empty() || current.refused) {
      if (out.rows.empty() && current.refused) header_refused = true;
      out.rows.push_back(std::move(current));
    }
    current = SheetRow{};
  };
  XmlHandlers h;
  h.start = [&](std::string_view el, const char** attrs) {
    if (el == "row") {
      const char* r = Attribute(attrs, "r");
      row = r ? std::atoi(r) : row + 1;
      current.row = row;
      next_col = 0;
    } else if (el == "c") {
      cell = Cell{};
      const char* r = Attribute(attrs, "r");
      const char* t = Attribute(attrs, "t");
      const char* s = Attribute(attrs, "s");
      std::size_t col = next_col;
      int cell_row = row;
      if (r && !ParseCellRef(r, &col, &cell_row)) col = next_col;
      cell.ref = ColumnLetters(col) + std::to_string(row);
      cell.col = col;
      cell.open = true;
      cell.type = t ? t : "n";
      cell.style = s ? std::atoi(s) : 0;
      next_col = col + 1;
    } else if (el == "v") {
      cell.in_v = true;
    } else if (el == "f") {
      cell.in_f = true;
      cell.formula.push_back('=');
    } else if (el == "is") {
      cell.in_is = true;
    } else if (el == "t" && cell.in_is) {
      cell.in_is_t = true;
    }
  };
  h.text = [&](std::string_view s) {
    if (cell.in_v) cell.value.append(s);
    if (cell.in_f) cell.formula.append(s);
    if (cell.in_is_t) cell.inline_text.append(s);
  };
  h.end = [&](std::string_view el) {
    if (el == "v") cell.in_v = false;
    if (el == "f") cell.in_f = false;
    if (el == "is") cell.in_is = false;
    if (el == "t") cell.in_is_t = false;
    if (el == "row") end_row();
    if (el != "c" || !cell.open) return;
    cell.open = false;
    refused_col = cell.col;
    if (cell.col >= kMaxColumns) {
      refuse(cell.ref, "lies beyond Excel's last column (XFD); the workbook is damaged -- save it again");
      return;
    }
    std::string text;
    if (!cell.formula.empty()) {
      refuse(cell.ref, "holds a formula (" + cell.formula.substr(0, 60) +
                           "); zkmatch reads values only: copy the column and paste it as values (选择性粘贴 > 数值), or save the sheet as CSV UTF-8");
    } else if (cell.type == "s") {
      char* end = nullptr;
      const unsigned long i = std::strtoul(cell.value.c_str(), &end, 10);
      if (cell.value.empty() || *end != '\0' || i >= strings->size()) {
        refuse(cell.ref, "refers to text the workbook does not hold (shared string '" + cell.value + "'); the workbook is damaged -- save it again");
      } else {
        text = (*strings)[i];
      }
    } else if (cell.type == "inlineStr") {
      text = cell.inline_text;
    } else if (cell.type == "str") {
      text = cell.value;  // a formula's text result; the formula itself is refused above
    } else if (cell.type == "b") {
      refuse(cell.ref, "holds " + std::string(cell.value == "1" ? "TRUE" : "FALSE") + "; write 1 or 0 (or the text the rules compare with)");
    } else if (cell.type == "e") {
      refuse(cell.ref, "holds the Excel error " + cell.value + "; correct the cell, or leave it empty");
    } else if (cell.type == "d") {
      refuse(cell.ref, "holds a date (" + cell.value + "); zkmatch reads no dates: write it as text or a number");
    } else if (!cell.value.empty()) {  // a number
      const CellStyle style = cell.style >= 0 && static_cast<std::size_t>(cell.style) < styles->size() ? (*styles)[static_cast<std::size_t>(cell.style)]
                                                                                                     : CellStyle{};
      text = NumberText(cell.value);
      const std::size_t digits = std::min(text.find('.'), text.size()) - (text[0] == '-' ? 1 : 0);
      if (style.date) {
        refuse(cell.ref, "is formatted as a date or time, so its number (" + cell.value +
                             ") is a day count; zkmatch reads no dates: format the column as text (设置单元格格式 > 文本) or as a number, and type the values again");
        text.clear();
      } else if (style.zero_padding > 1 && digits < static_cast<std::size_t>(style.zero_padding)) {
        // Excel shows (and exports to CSV) 000371 where the cell holds 371: ids such as exam
        // numbers would silently lose their zeros, and `last_tie: id` compares them as text.
        refuse(cell.ref, "is the number " + text + " shown with leading zeros by its format (" + std::string(static_cast<std::size_t>(style.zero_padding), '0') +
                             "), so Excel shows one value and the cell holds another; format the column as text (设置单元格格式 > 文本) and type the values "
                             "again with their zeros, or save the sheet as CSV UTF-8");
        text.clear();
      }
    }
    const std::size_t col = cell.col;
    if (!text.empty()) {
      if (current.cells.size() <= col) current.cells.resize(col + 1);
      current.cells[col] = std::move(text);
    }
  };
  std::string error;
  if (!ParseXml(*xml, h, &error)) {
    // Where in the sheet, as Excel names it: the XML's own line and column mean nothing to
    // someone who opens the workbook.
    const std::string where = !cell.ref.empty() ? ", at or after cell " + cell.ref : row > 0 ? ", at or after row " + std::to_string(row) : ", before its first row";
    wb.FailXml(chosen->part + " (sheet '" + chosen->name + "'" + where + ")", error);
    return std::nullopt;
  }
  end_row();
  if (header_refused) return std::nullopt;
  return out;
}

}  // namespace
}  // namespace zkmatch
