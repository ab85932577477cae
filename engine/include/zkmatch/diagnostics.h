// Diagnostics: how the engine reports problems in its inputs to whoever called it.
//
// Models one message about one place in one input file. Two position styles exist, because
// users locate problems differently in the two kinds of file:
//   - text files (YAML rules, expressions inside them): 1-based line and column,
//     printed as "file:line:col: error: message";
//   - CSV files: 1-based physical line of the record and the header name of the field,
//     printed as "file:row:column-name: error: message".
// The engine never prints: it hands each Diagnostic to a DiagnosticSink the caller supplies
// (the command line prints them to stderr; tests collect them).
//
// Thread-safety: a DiagnosticSink is used from one thread at a time.
#ifndef ZKMATCH_DIAGNOSTICS_H_
#define ZKMATCH_DIAGNOSTICS_H_

#include <cstddef>
#include <string>
#include <vector>

namespace zkmatch {

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;    // path as the user gave it (or as derived from the rules file's path)
  int line = 0;        // 1-based; 0 when the message is about the whole file
  int col = 0;         // 1-based column for text files; 0 when unknown or for CSV
  std::string field;   // CSV header name; empty for text files
  std::string message; // what is wrong and what to do

  // "file:line:col: error: message" or "file:row:field: error: message".
  std::string Format() const;
};

// Receives diagnostics. Stops collecting errors after `max_errors` (default 50) and records
// that it did, so a file with a million bad rows produces a readable report.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::size_t max_errors = 50) : max_errors_(max_errors) {}
  virtual ~DiagnosticSink() = default;

  void Report(Diagnostic d);
  // Reports what `other` kept, in its order, and counts the errors it counted but did not keep:
  // for diagnostics gathered apart and passed on only once the caller knows they matter.
  void Absorb(const DiagnosticSink& other);
  void Error(std::string file, int line, int col, std::string message);
  void CsvError(std::string file, int row, std::string field, std::string message);
  // CsvError with any severity (a warning at a row and column).
  void CsvReport(Severity severity, std::string file, int row, std::string field, std::string message);
  void Warning(std::string file, int line, int col, std::string message);
  // `file` is a worksheet (an .xlsx input) with these column headers (column A first): from
  // now on CsvError(file, row, header, ...) names the cell, FILE!B12 (header), and Error(file,
  // row, 0, ...) the row, FILE!row 12, as a spreadsheet user finds them.
  void SetSheetColumns(const std::string& file, std::vector<std::string> headers);

  std::size_t error_count() const { return error_count_; }
  bool has_errors() const { return error_count_ > 0; }
  bool truncated() const { return error_count_ > max_errors_; }
  // True once the cap is reached: loaders may stop scanning early.
  bool full() const { return error_count_ >= max_errors_; }
  const std::vector<Diagnostic>& diagnostics() const { return kept_; }

 protected:
  // Called for every kept diagnostic; the default only stores it.
  virtual void OnDiagnostic(const Diagnostic&) {}

 private:
  std::size_t max_errors_;
  std::size_t error_count_ = 0;
  std::vector<std::pair<std::string, std::vector<std::string>>> sheets_;  // file, its headers
  std::vector<Diagnostic> kept_;
};

// Process exit codes of the zkmatch command line (DESIGN.md, "Contract: command line").
enum class ExitCode : int {
  kSuccess = 0,
  kInternalError = 1,
  kBadInput = 2,      // bad input or usage; diagnostics were printed
  kViolation = 3,     // verify or replay found a violation or divergence
};

}  // namespace zkmatch

#endif  // ZKMATCH_DIAGNOSTICS_H_
