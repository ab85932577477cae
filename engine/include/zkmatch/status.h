// Status and Result<T>: how every public zkmatch function says whether it worked.
//
// Models the outcome of one call: success, or a failure of one kind with a one-line message
// saying what failed and what to do. The kind decides the process exit code (ExitCode in
// diagnostics.h), so the command line never guesses it from a string:
//   kBadInput   the caller's files or options are wrong (exit 2);
//   kViolation  a run was checked and does not hold (exit 3);
//   kIoError    the machine refused (a full disk, a read-only place; exit 2, like bad input,
//               because the user must act on the message, but kept apart for callers);
//   kInternal   a bug in zkmatch (exit 1).
// Problems located in an input file still go to the DiagnosticSink as file:line:col messages;
// the Status then says only how many there were ("3 errors in the rules file"), so nothing is
// printed twice. A function that takes a sink and fails has reported at least one error to it,
// or says why not in the Status message.
//
// Result<T> holds a T or a failed Status, never both. It reads like std::optional<T> (`if
// (!r)`, `*r`, `r->`, `r.value()`), so code that tests a result before using it stays short,
// and `r.status()` says why there is no value. Reading the value of a failed Result aborts.
//
// Invariants: a Status built by Ok() has an empty message; a failed Status has a non-empty one
// (the factories supply a generic text when given none). Thread-safety: values, like strings.
// Cost: an ok Status holds an empty string (no allocation).
#ifndef ZKMATCH_STATUS_H_
#define ZKMATCH_STATUS_H_

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "zkmatch/diagnostics.h"

namespace zkmatch {

enum class StatusCode { kOk, kBadInput, kViolation, kIoError, kInternal };

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  static Status BadInput(std::string message) { return Status(StatusCode::kBadInput, std::move(message)); }
  static Status Violation(std::string message) { return Status(StatusCode::kViolation, std::move(message)); }
  static Status IoError(std::string message) { return Status(StatusCode::kIoError, std::move(message)); }
  static Status Internal(std::string message) { return Status(StatusCode::kInternal, std::move(message)); }
  // kBadInput summarizing what a step reported to `sink` ("3 errors in the rules file"), counting
  // the errors after the first `errors_before`. Use after a step that reported its errors as
  // diagnostics; kInternal if it reported none.
  static Status FromSink(const DiagnosticSink& sink, const std::string& what, std::size_t errors_before = 0);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The process exit code for this status (0 when ok).
  ExitCode exit_code() const;
  // "bad input: message", or "ok".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message);
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}                 // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) {          // NOLINT: implicit on purpose
    if (status_.ok()) status_ = Status::Internal("a Result was given an ok Status and no value");
  }

  bool ok() const { return value_.has_value(); }
  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return value_.has_value(); }
  // Ok when a value is held.
  const Status& status() const { return status_; }

  T& value() & { Check(); return *value_; }
  const T& value() const& { Check(); return *value_; }
  T&& value() && { Check(); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!value_) std::abort();  // reading the value of a failed Result is a bug in the caller
  }
  std::optional<T> value_;
  Status status_;
};

}  // namespace zkmatch

#endif  // ZKMATCH_STATUS_H_
