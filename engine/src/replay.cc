// Replay: re-run from the inputs recorded in a run directory and compare every output byte.
// See zkmatch/replay.h.
#include "zkmatch/replay.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit_log.h"
#include "digest.h"
#include "file_read.h"
#include "run_format.h"
#include "zkmatch/admission.h"

namespace zkmatch {

namespace fs = std::filesystem;

namespace {

// The manifest of `run_dir`, its every input unchanged (the rules file's path returned), or why not.
Result<std::string> CheckRecorded(const std::string& run_dir, Manifest& manifest) {
  const std::string path = (fs::path(run_dir) / kManifestFile).string();
  std::vector<Finding> findings;
  std::string json_error;
  const ReadStatus status = ReadManifest(run_dir, &manifest, &findings, &json_error);
  if (status == ReadStatus::kMissing || !json_error.empty()) {
    return Status::BadInput("cannot read " + path + (json_error.empty() ? "; is it a directory written by zkmatch run?" : ": " + json_error));
  }
  if (!findings.empty()) {
    std::string why = "manifest.json of " + run_dir + " is damaged:";
    for (const Finding& f : findings) why += " " + f.Format() + ";";
    why.pop_back();
    return Status::BadInput(std::move(why));
  }
  std::string rules_path;
  for (const ManifestInput& f : manifest.inputs) {
    const std::string now = Sha256File(RecordedFilePath(run_dir, f.path));
    if (now != f.sha256) {
      return Status::BadInput(f.role + " file " + RecordedFilePath(run_dir, f.path) +
                              (now.empty() ? " cannot be read" : " differs from the one the run used (sha256 " + now + ", recorded " + f.sha256 + ")"));
    }
    if (f.role == "rules") rules_path = RecordedFilePath(run_dir, f.path);
  }
  if (rules_path.empty()) return Status::BadInput("manifest.json of " + run_dir + " records no rules file");
  return rules_path;
}

}  // namespace

Result<std::string> CheckRecordedInputs(const std::string& run_dir) {
  Manifest manifest;
  return CheckRecorded(run_dir, manifest);
}

Result<RecordedRun> CheckRecordedRun(const std::string& run_dir) {
  Manifest manifest;
  Result<std::string> rules_path = CheckRecorded(run_dir, manifest);
  if (!rules_path) return rules_path.status();
  return RecordedRun{*rules_path, BundleFileMap(run_dir, manifest), OldFormatNote(run_dir, manifest), manifest.public_of};
}

Result<Rules> LoadRecordedRules(const std::string& run_dir, DiagnosticSink& sink, const char* refusal) {
  const Result<RecordedRun> recorded = CheckRecordedRun(run_dir);
  if (!recorded) return Status::BadInput(refusal + recorded.status().message());
  return LoadRules(recorded->rules_path, sink, recorded->files);
}

std::string RunFormatNote(const std::string& run_dir) {
  Manifest manifest;
  std::vector<Finding> findings;
  if (ReadManifest(run_dir, &manifest, &findings) != ReadStatus::kRead) return {};
  return OldFormatNote(run_dir, manifest);
}

namespace {

// The manifest's digest and size of a stored file, as manifest.json spells them.
std::string LogEntry(const std::string& bytes) { return "\"sha256\":\"" + Sha256Hex(bytes) + "\",\"bytes\":" + std::to_string(bytes.size()); }

// Where `replayed` first differs from `old` (file `name`): line, column and the bytes around it.
std::string Divergence(const std::string& name, const std::string& old, const std::string& replayed) {
  std::size_t line = 1, i = 0, line_start = 0;
  while (i < old.size() && i < replayed.size() && old[i] == replayed[i]) {
    if (old[i++] == '\n') {
      ++line;
      line_start = i;
    }
  }
  // Show the bytes around the first difference (long lines: not only their start).
  const std::size_t from = std::max(line_start, i >= 60 ? i - 60 : 0);
  auto excerpt = [&](const std::string& bytes) {
    std::size_t end = bytes.find('\n', from);
    end = std::min(end == std::string::npos ? bytes.size() : end, from + 160);
    return (from > line_start ? "..." : "") + bytes.substr(from, end - from);
  };
  return name + ":" + std::to_string(line) + ": first divergence at column " + std::to_string(i - line_start + 1) + "\n  recorded: " + excerpt(old) +
         "\n  replayed: " + excerpt(replayed);
}
}  // namespace

Result<ReplayReport> ReplayRun(const std::string& run_dir, DiagnosticSink& sink, int threads) {
  ReplayReport report;
  const Result<RecordedRun> recorded = CheckRecordedRun(run_dir);
  if (!recorded) {
    const std::string& why = recorded.status().message();
    return Status::BadInput(why.rfind("cannot read", 0) == 0 ? why : "refusing to replay: " + why);
  }
  AdmissionRequest request;
  request.rules_path = recorded->rules_path;
  request.files = recorded->files;
  request.bundle = recorded->note.empty();
  request.public_of = recorded->public_of;
  request.options.threads = threads;
  request.plain_audit = AuditLogFileName(run_dir) == kAuditFile;  // stored as the run stored it
  const Result<Admission> run = RunAdmission(request, sink);
  if (!run) return Status::BadInput("the recorded rules and inputs no longer load");
  // When the log's lines are reproduced but compressed to other bytes (another zstd library):
  // the recorded file's digest and size, and the replayed one's, as manifest.json spells them.
  std::string recorded_log, replayed_log;
  for (const OutputFile& f : run->files) {
    if (!f.copy_of.empty()) continue;  // the bundle's inputs: their digests were checked above
    bool read = false;
    std::string old = ReadWholeFile((fs::path(run_dir) / f.name).string(), &read);
    if (!read) {
      report.message = f.name + " is missing from the run directory";
      return report;
    }
    if (old == f.content) continue;
    std::string replayed = f.content, shown = f.name;
    if (f.name == kCompressedAuditFile) {
      // Compare the log's lines, not its compressed bytes.
      const std::string stored = std::move(old);
      if (std::string error; !ReadAuditLog(run_dir, &old, &error)) {
        report.message = error;
        return report;
      }
      replayed = DecompressAuditLog(f.content);
      shown = kAuditFile;
      if (old == replayed) {
        recorded_log = LogEntry(stored);
        replayed_log = LogEntry(f.content);
        continue;
      }
    } else if (f.name == kManifestFile && !recorded_log.empty()) {
      if (const std::size_t at = replayed.find(replayed_log); at != std::string::npos) replayed.replace(at, replayed_log.size(), recorded_log);
      if (old == replayed) continue;
    }
    report.message = Divergence(shown, old, replayed);
    return report;
  }
  report.identical = true;
  report.message = recorded_log.empty() ? "every output reproduced byte for byte"
                                        : std::string("every output reproduced: every line of audit.jsonl and every other file byte for byte (") +
                                              kCompressedAuditFile + " holds the same lines compressed to other bytes: another zstd library)";
  return report;
}

}  // namespace zkmatch
