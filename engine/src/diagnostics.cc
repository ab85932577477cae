#include "zkmatch/diagnostics.h"

#include <algorithm>
#include <utility>

#include "xlsx.h"
#include "zkmatch/status.h"

namespace zkmatch {

std::string Diagnostic::Format() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (!field.empty()) {
      out += ':' + field;
    } else if (col > 0) {
      out += ':' + std::to_string(col);
    }
  }
  switch (severity) {
    case Severity::kError: out += ": error: "; break;
    case Severity::kWarning: out += ": warning: "; break;
    case Severity::kNote: out += ": note: "; break;
  }
  out += message;
  return out;
}

void DiagnosticSink::Report(Diagnostic d) {
  if (d.severity == Severity::kError) {
    ++error_count_;
    if (error_count_ > max_errors_) return;
  }
  OnDiagnostic(d);
  kept_.push_back(std::move(d));
}

void DiagnosticSink::Absorb(const DiagnosticSink& other) {
  std::size_t kept_errors = 0;
  for (const Diagnostic& d : other.kept_) {
    if (d.severity == Severity::kError) ++kept_errors;
    Report(d);
  }
  error_count_ += other.error_count_ - kept_errors;
}

void DiagnosticSink::Error(std::string file, int line, int col, std::string message) {
  if (line > 0 && col == 0 && std::any_of(sheets_.begin(), sheets_.end(), [&](const auto& s) { return s.first == file; })) {
    Report({Severity::kError, file + "!row " + std::to_string(line), 0, 0, {}, std::move(message)});
    return;
  }
  Report({Severity::kError, std::move(file), line, col, {}, std::move(message)});
}

void DiagnosticSink::CsvError(std::string file, int row, std::string field, std::string message) {
  CsvReport(Severity::kError, std::move(file), row, std::move(field), std::move(message));
}

void DiagnosticSink::CsvReport(Severity severity, std::string file, int row, std::string field, std::string message) {
  for (const auto& [sheet, headers] : sheets_) {
    if (sheet != file || row <= 0) continue;
    const auto at = std::find(headers.begin(), headers.end(), field);
    if (at == headers.end()) break;
    const std::string cell = ColumnLetters(static_cast<std::size_t>(at - headers.begin())) + std::to_string(row);
    Report({severity, file + "!" + cell + " (" + field + ")", 0, 0, {}, std::move(message)});
    return;
  }
  Report({severity, std::move(file), row, 0, std::move(field), std::move(message)});
}

void DiagnosticSink::SetSheetColumns(const std::string& file, std::vector<std::string> headers) {
  sheets_.emplace_back(file, std::move(headers));
}

void DiagnosticSink::Warning(std::string file, int line, int col, std::string message) {
  Report({Severity::kWarning, std::move(file), line, col, {}, std::move(message)});
}

Status::Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
  if (code_ != StatusCode::kOk && message_.empty()) {
    switch (code_) {
      case StatusCode::kBadInput: message_ = "bad input"; break;
      case StatusCode::kViolation: message_ = "the run does not hold"; break;
      case StatusCode::kIoError: message_ = "a file could not be read or written"; break;
      default: message_ = "internal error"; break;
    }
  }
}

Status Status::FromSink(const DiagnosticSink& sink, const std::string& what, std::size_t errors_before) {
  const std::size_t n = sink.error_count() > errors_before ? sink.error_count() - errors_before : 0;
  if (n == 0) return Internal(what + " failed without saying why (a bug in zkmatch)");
  return BadInput(std::to_string(n) + (n == 1 ? " error" : " errors") + " in " + what);
}

ExitCode Status::exit_code() const {
  switch (code_) {
    case StatusCode::kOk: return ExitCode::kSuccess;
    case StatusCode::kBadInput: return ExitCode::kBadInput;
    case StatusCode::kIoError: return ExitCode::kBadInput;
    case StatusCode::kViolation: return ExitCode::kViolation;
    case StatusCode::kInternal: return ExitCode::kInternalError;
  }
  return ExitCode::kInternalError;
}

std::string Status::ToString() const {
  switch (code_) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kBadInput: return "bad input: " + message_;
    case StatusCode::kViolation: return "violation: " + message_;
    case StatusCode::kIoError: return "i/o error: " + message_;
    case StatusCode::kInternal: return "internal error: " + message_;
  }
  return message_;
}

}  // namespace zkmatch
