// libFuzzer target: the CSV reader (engine/src/csv.cc) over arbitrary bytes.
//
// Feeds the bytes to CsvReader::OpenBuffer as a UTF-8 file and, when they are valid GB18030,
// the converted text as well (what CsvReader::Open does for `encoding: gb18030`), then reads
// every record and touches every byte of every field, so a view that outlives its buffer
// (scratch_ reallocating under a quoted field, say) is caught by AddressSanitizer.
// Must never crash, hang or leak, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "csv.h"
#include "zkmatch/diagnostics.h"

namespace {

void ReadAll(std::string bytes) {
  zkmatch::DiagnosticSink sink;
  zkmatch::CsvReader reader;
  const bool ok = reader.OpenBuffer(std::move(bytes), "fuzz.csv", sink);
  if (!ok) {
    if (!sink.has_errors()) __builtin_trap();  // a refusal always says why
    return;
  }
  volatile unsigned sum = 0;
  for (const std::string& name : reader.header()) {
    if (reader.Find(name) < 0) __builtin_trap();  // every header name is found
  }
  zkmatch::CsvRecord record;
  int last_line = 0;
  while (reader.Next(&record)) {
    if (record.fields.size() != reader.header().size()) __builtin_trap();  // checked by Next
    if (record.line <= last_line) __builtin_trap();                        // records move forward
    last_line = record.line;
    for (std::string_view field : record.fields) {
      for (char c : field) sum = sum + static_cast<unsigned char>(c);
    }
  }
  for (const zkmatch::Diagnostic& d : sink.diagnostics()) sum = sum + static_cast<unsigned>(d.Format().size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ReadAll(bytes);
  std::string utf8;
  std::size_t bad = 0;
  if (zkmatch::Gb18030ToUtf8(bytes, &utf8, &bad)) {
    ReadAll(std::move(utf8));
  } else if (bad > size) {
    __builtin_trap();  // the offset of the bad byte lies inside the input
  }
  return 0;
}
