#include "zkmatch/diagnostics.h"

#include <utility>

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

void DiagnosticSink::Error(std::string file, int line, int col, std::string message) {
  Report({Severity::kError, std::move(file), line, col, {}, std::move(message)});
}

void DiagnosticSink::CsvError(std::string file, int row, std::string field, std::string message) {
  Report({Severity::kError, std::move(file), row, 0, std::move(field), std::move(message)});
}

void DiagnosticSink::Warning(std::string file, int line, int col, std::string message) {
  Report({Severity::kWarning, std::move(file), line, col, {}, std::move(message)});
}

}  // namespace zkmatch
