// libFuzzer target: the CSV reader (engine/src/csv.cc) over arbitrary bytes.
//
// Feeds the bytes to CsvReader::OpenBuffer as a UTF-8 file and, when they are valid GB18030,
// the converted text as well (what CsvReader::Open does for `encoding: gb18030`), then reads
// every record and touches every byte of every field, so a view that outlives its buffer
// (scratch_ reallocating under a quoted field, say) is caught by AddressSanitizer.
// Differential: where the reader splits its records for reading on several threads
// (SplitRest / NextInSlice), the slices must give exactly the records Next gives, with their
// lines, and call a slice malformed exactly when Next reports a row.
// Must never crash, hang or leak, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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
  using Row = std::pair<int, std::vector<std::string>>;
  std::vector<Row> sliced, read;
  std::vector<zkmatch::CsvSlice> slices;
  const bool split = reader.SplitRest(3, &slices);
  bool malformed = false;
  for (zkmatch::CsvSlice slice : slices) {
    zkmatch::CsvRecord rec;
    while (!malformed && reader.NextInSlice(&slice, &rec, &malformed)) sliced.emplace_back(rec.line, std::vector<std::string>(rec.fields.begin(), rec.fields.end()));
  }
  zkmatch::CsvRecord record;
  int last_line = 0;
  while (reader.Next(&record)) {
    read.emplace_back(record.line, std::vector<std::string>(record.fields.begin(), record.fields.end()));
    if (record.fields.size() != reader.header().size()) __builtin_trap();  // checked by Next
    if (record.line <= last_line) __builtin_trap();                        // records move forward
    last_line = record.line;
    for (std::string_view field : record.fields) {
      for (char c : field) sum = sum + static_cast<unsigned char>(c);
    }
  }
  if (split && malformed == reader.read_whole()) __builtin_trap();  // a slice is malformed exactly when Next reports a row
  if (split && !malformed && sliced != read) __builtin_trap();      // the same records, the same lines
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
