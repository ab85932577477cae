// One worksheet of an Excel workbook (.xlsx) read as a table of text cells, for the input
// files an office keeps in Excel (inputs: {candidates: 考生.xlsx}).
//
// An .xlsx file is a zip archive of XML parts (ECMA-376 / ISO 29500): xl/workbook.xml names the
// sheets, xl/_rels/workbook.xml.rels says which part holds each, xl/sharedStrings.xml holds
// the text cells' strings, xl/styles.xml the number formats, and each sheet part lists its
// rows and cells (<row r="12"><c r="B12" t="s"><v>3</v></c>...). The container is opened with
// libzip and the XML read with expat (Debian's libraries; no parser of our own).
//
// What a cell becomes:
//   - text (shared or inline string): its characters, exactly;
//   - a number: the digits Excel stored, exactly ("612.5" stays 612.5; no float in between),
//     except a binary artefact such as 612.49999999999994, which is written as Excel shows it
//     (15 significant digits: 612.5);
//   - empty or absent: "".
// Refused, each with its cell (考生.xlsx!C12; below the header with its column's header too:
// 考生.xlsx!C12 (总分)) and what to do: a formula (the value shown could change with the
// workbook), a date (formatted as a date: its number is a day count), a TRUE/FALSE cell, an
// error value (#N/A), a number its format shows with leading zeros (000000: Excel shows 000371
// where the cell holds 371). The first non-empty row is the header; rows keep their Excel
// numbers (SheetRow::row), empty rows are left out.
//
// Thread-safety: reentrant. Cost: O(workbook bytes) time; the sheet's text in memory.
#ifndef ZKMATCH_XLSX_H_
#define ZKMATCH_XLSX_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zkmatch/diagnostics.h"

namespace zkmatch {

struct SheetRow {
  int row = 0;                     // Excel's row number (1-based)
  std::vector<std::string> cells;  // column A first; trailing empty cells may be missing
  // A cell of the row was refused (a formula, a date, ...: reported at the cell). The reader
  // skips the row as a malformed record, so the rest of the sheet is still read and checked
  // in the same run: every problem of the file at once, not one kind per run.
  bool refused = false;
};

struct Sheet {
  std::string name;
  std::vector<SheetRow> rows;  // non-empty rows, in order
};

// Whether `path` names a workbook (ends in .xlsx, any case).
bool IsWorkbookPath(std::string_view path);

// The sheet named `sheet_name` (empty: the workbook's first sheet) of the workbook `bytes`.
// Problems go to `sink` as `display!CELL` (or `display` for the whole file) with what to do.
// A refused cell does not stop the reading: every refused cell is reported, and its row is
// returned marked `refused` (a refused cell in the first non-empty row, the header, gives
// nullopt). A workbook or sheet that cannot be read at all gives nullopt.
std::optional<Sheet> ReadWorkbookSheet(std::string_view bytes, const std::string& sheet_name, const std::string& display,
                                       DiagnosticSink& sink);

// The same over the workbook's parts already unpacked (part name -> bytes), e.g.
// "xl/workbook.xml": for the fuzz target, which explores the XML without the zip around it.
std::optional<Sheet> ReadWorkbookParts(const std::map<std::string, std::string>& parts, const std::string& sheet_name,
                                       const std::string& display, DiagnosticSink& sink);

// The names of the workbook's sheets, in workbook order; nullopt (reported to `sink` as for
// ReadWorkbookSheet) when the bytes are not a readable workbook.
std::optional<std::vector<std::string>> WorkbookSheetNames(std::string_view bytes, const std::string& display, DiagnosticSink& sink);
// Excel's column letters: 0 -> "A", 25 -> "Z", 26 -> "AA".
std::string ColumnLetters(std::size_t index);

}  // namespace zkmatch

#endif  // ZKMATCH_XLSX_H_
