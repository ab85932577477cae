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

Result<RecordedRun> OpenRecordedRun(const std::string& run_dir) {
  const std::string path = (fs::path(run_dir) / kManifestFile).string();
  Manifest manifest;
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
  RecordedRun run;
  for (const ManifestInput& f : manifest.inputs) {
    run.inputs.push_back({f.role, RecordedFilePath(run_dir, f.path), f.sha256});
    if (f.role == "rules") run.rules_path = run.inputs.back().path;
  }
  if (run.rules_path.empty()) return Status::BadInput("manifest.json of " + run_dir + " records no rules file");
  run.files = BundleFileMap(run_dir, manifest);
  run.note = OldFormatNote(run_dir, manifest);
  run.public_of = manifest.public_of;
  return run;
}

namespace {

// "<role> file <path> differs ..." for a recorded input whose bytes have digest `now` (empty:
// unreadable); empty when `now` is the recorded digest.
std::string Difference(const RecordedRun::Input& f, const std::string& now) {
  if (now == f.sha256) return {};
  return f.role + " file " + f.path + (now.empty() ? " cannot be read" : " differs from the one the run used (sha256 " + now + ", recorded " + f.sha256 + ")");
}

}  // namespace

Status CheckRecordedOutputs(const std::string& run_dir, const std::vector<std::string>& files, const char* refusal) {
  Manifest manifest;
  std::vector<Finding> findings;
  if (ReadManifest(run_dir, &manifest, &findings) != ReadStatus::kRead) {
    return Status::BadInput(std::string(refusal) + "cannot read " + (std::filesystem::path(run_dir) / kManifestFile).string() + ": is '" + run_dir +
                            "' a directory written by zkmatch run?");
  }
  for (const ManifestOutput& o : manifest.outputs) {
    if (std::find(files.begin(), files.end(), o.file) == files.end()) continue;
    const std::string path = (std::filesystem::path(run_dir) / o.file).string();
    const std::string now = Sha256File(path);
    if (now != o.sha256) {
      return Status::BadInput(std::string(refusal) + path + (now.empty() ? " cannot be read" : " differs from the one the run wrote (sha256 " + now + ", manifest.json records " + o.sha256 + ")") +
                              ": the run was changed after it was made; run zkmatch verify --run " + run_dir);
    }
  }
  return Status::Ok();
}

Status CheckParsedInputs(const RecordedRun& run, const RunIdentity& read) {
  bool listed = read.files.size() == run.inputs.size();
  for (std::size_t i = 0; listed && i < run.inputs.size(); ++i) listed = read.files[i].role == run.inputs[i].role && !read.files[i].sha256.empty();
  for (std::size_t i = 0; i < run.inputs.size(); ++i) {
    const RecordedRun::Input& f = run.inputs[i];
    const std::string why = Difference(f, listed ? read.files[i].sha256 : Sha256File(f.path));
    if (!why.empty()) return Status::BadInput(why);
  }
  return Status::Ok();
}

// The diagnostics of loading a recorded run's files are held back until the files are known to
// be the recorded ones: a changed file is refused as changed, not reported row by row.
Result<Rules> LoadRecordedRules(const std::string& run_dir, DiagnosticSink& sink, const char* refusal, RecordedRun* recorded) {
  Result<RecordedRun> opened = OpenRecordedRun(run_dir);
  if (!opened) return Status::BadInput(refusal + opened.status().message());
  *recorded = std::move(*opened);
  DiagnosticSink own;
  Result<Rules> rules = LoadRules(recorded->rules_path, own, recorded->files);
  if (!rules) {
    if (Status same = CheckParsedInputs(*recorded, RunIdentity{}); !same.ok()) return Status::BadInput(refusal + same.message());
  }
  sink.Absorb(own);
  return rules;
}

Result<Instance> LoadRecordedInputs(const RecordedRun& recorded, const Rules& rules, DiagnosticSink& sink, const char* refusal) {
  RunIdentity read;
  DiagnosticSink own;
  Result<Instance> instance = LoadInputs(rules, own, &read);
  if (Status same = CheckParsedInputs(recorded, read); !same.ok()) return Status::BadInput(refusal + same.message());
  sink.Absorb(own);
  return instance;
}

Result<Instance> LoadRecordedInputsForPublications(const RecordedRun& recorded, Rules* rules, DiagnosticSink& sink, const char* refusal) {
  const auto loaded = [&](const std::string& name) {
    return std::any_of(rules->candidate_columns.begin(), rules->candidate_columns.end(), [&](const ColumnRef& c) { return c.name == name; });
  };
  const auto add = [&](const std::string& name) {
    ColumnRef ref;
    ref.name = name;
    rules->candidate_columns.push_back(ref);
  };
  bool split = false;
  for (const Batch& b : rules->batches) {
    for (const Stage& st : b.stages) {
      for (const Channel& ch : st.channels) split = split || !ch.split_by.empty();
    }
  }
  const auto& descriptive = rules->descriptive_columns;
  const auto declared = [&](const char* name) { return std::find(descriptive.begin(), descriptive.end(), name) != descriptive.end(); };
  // Without a split channel, `junior_school` is the junior schools' column, declared or not.
  const auto wanted = [&](const char* name) { return declared(name) || (std::string_view(name) == "junior_school" && !split); };
  const std::size_t rules_own = rules->candidate_columns.size();

  // One load in the usual case: the declared columns are in the file.
  for (const char* name : {"name", "district", "junior_school"}) {
    if (declared(name) && !loaded(name)) add(name);
  }
  DiagnosticSink first;
  Result<Instance> instance = LoadRecordedInputs(recorded, *rules, first, refusal);
  if (!instance && rules->candidate_columns.size() > rules_own) {  // a declared column the file lacks (a run does not require it)
    rules->candidate_columns.resize(rules_own);
    first = DiagnosticSink();
    instance = LoadRecordedInputs(recorded, *rules, first, refusal);
  }
  sink.Absorb(first);
  if (!instance) return instance;

  // Then whatever is wanted, not loaded, and in the file: read again (rare: an undeclared
  // junior_school, or a declared column beside one the file lacks); its warnings were given.
  const std::vector<std::string>& headers = instance->candidate_headers;
  const std::size_t before = rules->candidate_columns.size();
  for (const char* name : {"name", "district", "junior_school"}) {
    if (wanted(name) && !loaded(name) &&
        std::find(headers.begin(), headers.end(), rules->HeaderFor("candidates", name)) != headers.end()) {
      add(name);
    }
  }
  if (rules->candidate_columns.size() == before) return instance;
  DiagnosticSink again;
  Result<Instance> with_more = LoadRecordedInputs(recorded, *rules, again, refusal);
  if (with_more) return with_more;
  rules->candidate_columns.resize(before);
  return instance;
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
  const Result<RecordedRun> recorded = OpenRecordedRun(run_dir);
  if (!recorded) {
    const std::string& why = recorded.status().message();
    return Status::BadInput(why.rfind("cannot read", 0) == 0 ? why : "refusing to replay: " + why);
  }
  // Each input is read once: the run's load hashes the bytes it parses, and they are checked
  // against the manifest before anything is computed from them.
  Status changed = Status::Ok();
  AdmissionRequest request;
  request.inputs_read = [&](const RunIdentity& read) {
    changed = CheckParsedInputs(*recorded, read);
    return changed;
  };
  request.rules_path = recorded->rules_path;
  request.files = recorded->files;
  request.bundle = recorded->note.empty();
  request.public_of = recorded->public_of;
  request.options.threads = threads;
  request.plain_audit = AuditLogFileName(run_dir) == kAuditFile;  // stored as the run stored it
  DiagnosticSink own;  // passed on unless a file changed (see LoadRecordedRules)
  const Result<Admission> run = RunAdmission(request, own);
  // A file that no longer loads is named as changed when it is (the load stopped before the
  // digests were compared: hashed where it lies).
  if (!run && changed.ok()) changed = CheckParsedInputs(*recorded, RunIdentity{});
  if (!changed.ok()) return Status::BadInput("refusing to replay: " + changed.message());
  sink.Absorb(own);
  if (!run) return Status::BadInput("the recorded rules and inputs no longer load");
  // When the log's lines are reproduced but compressed to other bytes (another zstd library):
  // the recorded file's digest and size, and the replayed one's, as manifest.json spells them.
  std::string recorded_log, replayed_log;
  for (const OutputFile& f : run->files) {
    if (!f.copy_of.empty()) continue;  // the bundle's inputs: their digests were checked after the load
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
