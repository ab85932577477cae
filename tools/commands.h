// The zkmatch command line: one thin file per verb, each registering a CLI11 subcommand that
// parses flags, calls the engine and maps the result to an ExitCode. No engine logic here.
#ifndef ZKMATCH_TOOLS_COMMANDS_H_
#define ZKMATCH_TOOLS_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>

#include <string>

#include "zkmatch/diagnostics.h"
#include "zkmatch/run_diff.h"
#include "zkmatch/status.h"

namespace zkmatch::tools {

// Prints every diagnostic to stderr as it arrives. `before_print`, when set, runs first (a
// progress display clears its status line, so the message starts a line of its own).
class StderrSink : public DiagnosticSink {
 public:
  std::function<void()> before_print;

 protected:
  void OnDiagnostic(const Diagnostic& d) override {
    if (before_print) before_print();
    std::fprintf(stderr, "%s\n", d.Format().c_str());
  }
};

// After a failed step that reported to `sink`: prints the closing "N errors; <consequence>"
// line (or, when the sink holds no error, the status's own message) and returns the status's
// exit code.
int ReportFailure(const Status& status, const DiagnosticSink& sink, const char* consequence = "nothing was written");
// Prints "zkmatch <verb>: note: ..." on stderr when `run` is an old-format run (its manifest
// records inputs outside the run directory); nothing for a run bundle.
void NoteRunFormat(const char* verb, const std::string& run);
// Prints "zkmatch <verb>: error: <message>" for a failed status; returns its exit code.
int ReportStatus(const char* verb, const Status& status);
// For a verb writing files at a place the user named (--out): unless `force`, refuses -- prints
// the error and returns kBadInput -- when one of `paths` already exists, so that nobody's file
// is replaced by surprise; 0 when the verb may go on. `what` names what was not written.
int RefuseToReplace(const char* verb, const std::vector<std::string>& paths, bool force, const char* what);

// Each verb adds its subcommand; `*exit_code` receives the verb's result when it runs.
void AddRunVerb(CLI::App& app, int* exit_code);
void AddCheckVerb(CLI::App& app, int* exit_code);
void AddGenVerb(CLI::App& app, int* exit_code);
void AddAuditVerbs(CLI::App& app, int* exit_code);  // verify, replay, explain
void AddReportVerb(CLI::App& app, int* exit_code);
void AddLettersVerb(CLI::App& app, int* exit_code);
// Loads `run`'s report and writes it to `html_path` (and the .xlsx beside it), with `diff`'s
// comparison when given; `verb` names the command in messages. Returns the exit code.
int WriteReport(const char* verb, const std::string& run, const std::string& lang, const std::string& html_path, bool xlsx, const RunDiff* diff,
                bool csv = false);
// The files WriteReport writes for `html_path` (the HTML, then the .xlsx and the CSVs asked for).
std::vector<std::string> ReportPaths(const std::string& html_path, bool xlsx, bool csv);
void AddDiffVerb(CLI::App& app, int* exit_code);
void AddKeygenVerb(CLI::App& app, int* exit_code);
void AddSealVerb(CLI::App& app, int* exit_code);
void AddReceiptVerbs(CLI::App& app, int* exit_code);  // receipt, check-receipt
void AddPublishVerb(CLI::App& app, int* exit_code);

}  // namespace zkmatch::tools

#endif  // ZKMATCH_TOOLS_COMMANDS_H_
