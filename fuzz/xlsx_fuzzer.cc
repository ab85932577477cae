// libFuzzer target: the Excel workbook reader (engine/src/xlsx.cc) over arbitrary bytes.
//
// Two ways in, chosen by the first byte: the bytes as a whole .xlsx file (libzip must refuse
// what is not a zip, whatever it is), or -- where mutations can reach the XML handlers, which
// a zip's checksums would otherwise shield -- the bytes split at NUL bytes into a sheet's XML,
// the shared strings and the styles of a workbook whose other parts are fixed. Every row read
// must keep increasing row numbers and every refusal must say why. Must never crash, hang or
// leak.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "xlsx.h"
#include "zkmatch/diagnostics.h"

namespace {

void Check(const std::optional<zkmatch::Sheet>& sheet, const zkmatch::DiagnosticSink& sink) {
  if (!sheet) {
    if (!sink.has_errors()) __builtin_trap();  // a refusal always says why
    return;
  }
  int last = 0;
  volatile unsigned sum = 0;
  for (const zkmatch::SheetRow& row : sheet->rows) {
    if (row.row <= last && row.row > 0) {
      // Rows out of order in the XML are kept as written; only their numbers are reported.
    }
    last = row.row;
    for (const std::string& cell : row.cells) {
      for (char c : cell) sum = sum + static_cast<unsigned char>(c);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  zkmatch::DiagnosticSink sink;
  if (data[0] % 2 == 0) {
    Check(zkmatch::ReadWorkbookSheet(bytes, "", "fuzz.xlsx", sink), sink);
    return 0;
  }
  std::map<std::string, std::string> parts;
  parts["xl/workbook.xml"] =
      "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
  parts["xl/_rels/workbook.xml.rels"] = "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>";
  const std::size_t a = bytes.find('\0');
  const std::size_t b = a == std::string::npos ? std::string::npos : bytes.find('\0', a + 1);
  parts["xl/worksheets/sheet1.xml"] = bytes.substr(0, a);
  if (a != std::string::npos) parts["xl/sharedStrings.xml"] = bytes.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  if (b != std::string::npos) parts["xl/styles.xml"] = bytes.substr(b + 1);
  Check(zkmatch::ReadWorkbookParts(parts, data[0] % 4 == 1 ? "" : "S", "fuzz.xlsx", sink), sink);
  return 0;
}
