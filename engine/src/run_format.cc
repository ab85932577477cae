// Reads and validates a published run directory. See run_format.h.
#include "run_format.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "csv.h"
#include "decimal.h"
#include "json.h"
#include "zkmatch/audit.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

// The cells of one record, each taken by its column; malformed cells are reported to the sink
// (file:row:column) and make the row bad.
class Cells {
 public:
  Cells(const CsvReader& csv, const CsvRecord& rec, DiagnosticSink& sink) : csv_(csv), rec_(rec), sink_(sink) {}
  bool ok() const { return ok_; }
  std::string Text(std::size_t column) const { return std::string(rec_.fields[column]); }
  // A whole number (optionally negative). An empty cell is allowed, as 0, only if `empty_ok`.
  std::int64_t Int(std::size_t column, bool empty_ok = false) {
    const std::string_view s = rec_.fields[column];
    std::int64_t v = 0;
    if (s.empty() && empty_ok) return 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return v;
    Bad(column, "'" + QuoteLong(s) + "' is not a whole number");
    return 0;
  }
  // A score ("612.5") or, when empty, kMissingScore.
  Score ScoreCell(std::size_t column) {
    const std::string_view s = rec_.fields[column];
    if (s.empty()) return kMissingScore;
    Score v = kMissingScore;
    std::string why;
    if (ParseDecimal(s, &v, &why)) return v;
    Bad(column, "'" + QuoteLong(s) + "' is not a score: " + why);
    return kMissingScore;
  }
  void Bad(std::size_t column, std::string message) {
    ok_ = false;
    sink_.CsvError(csv_.display(), rec_.line, csv_.header()[column], std::move(message));
  }

 private:
  const CsvReader& csv_;
  const CsvRecord& rec_;
  DiagnosticSink& sink_;
  bool ok_ = true;
};

// The sink's diagnostics as findings. A row with too few cells names the first missing column.
void TakeFindings(const DiagnosticSink& sink, const std::vector<std::string>& header, std::vector<Finding>* findings) {
  for (const Diagnostic& d : sink.diagnostics()) {
    Finding f{d.file, d.field, d.message, d.line};
    const std::string too_few = "this row has ";
    if (f.column.empty() && d.line > 0 && d.message.rfind(too_few, 0) == 0) {
      std::size_t cells = 0;
      std::from_chars(d.message.data() + too_few.size(), d.message.data() + d.message.size(), cells);
      if (cells < header.size()) f.column = header[cells];
    }
    if (f.column.empty() && d.col > 0) f.message = "column " + std::to_string(d.col) + ": " + f.message;
    findings->push_back(std::move(f));
  }
  if (sink.truncated()) {
    const std::string file = sink.diagnostics().empty() ? std::string() : sink.diagnostics().back().file;
    findings->push_back(Finding{file, {}, "... and " + std::to_string(sink.error_count() - kMaxFindingsPerFile) + " more problems in this file", 0});
  }
}

// Reads DIR/file, checks that the header starts with `columns`, and hands each record whose
// cells `parse` accepts to `each`.
template <std::size_t N, typename Row>
ReadStatus ReadTableAt(const std::string& path, const std::string& file, const std::array<std::string_view, N>& columns,
                       void (*parse)(Cells&, Row*), const std::function<void(const Row&)>& each, std::vector<Finding>* findings) {
  DiagnosticSink sink(kMaxFindingsPerFile);
  CsvReader csv;
  std::vector<std::string> header(columns.begin(), columns.end());
  if (!csv.Open(path, file, sink)) {
    std::error_code ec;
    const bool exists = fs::exists(path, ec);
    if (!sink.has_errors()) sink.Error(file, 0, 0, "cannot be read");
    TakeFindings(sink, header, findings);
    return exists ? ReadStatus::kBroken : ReadStatus::kMissing;
  }
  for (std::size_t i = 0; i < N; ++i) {
    if (csv.Find(columns[i]) != static_cast<int>(i)) {
      sink.CsvError(file, csv.header_line(), std::string(columns[i]),
                    "the header does not have '" + std::string(columns[i]) + "' in column " + std::to_string(i + 1) +
                        "; is this a file written by zkmatch run?");
      TakeFindings(sink, header, findings);
      return ReadStatus::kBroken;
    }
  }
  header = csv.header();
  CsvRecord rec;
  Row row;
  while (csv.Next(&rec)) {
    Cells cells(csv, rec, sink);
    row.line = rec.line;
    parse(cells, &row);
    if (cells.ok()) each(row);
  }
  TakeFindings(sink, header, findings);
  return ReadStatus::kRead;
}

// `file` in the run directory `run_dir`, named by its own name in findings.
template <typename Row, std::size_t N>
ReadStatus ReadTable(const std::string& run_dir, const char* file, const std::array<std::string_view, N>& columns,
                     void (*parse)(Cells&, Row*), const std::function<void(const Row&)>& each, std::vector<Finding>* findings) {
  return ReadTableAt((fs::path(run_dir) / file).string(), file, columns, parse, each, findings);
}

void ParsePlacement(Cells& c, PlacementRow* r) {
  using namespace placements_csv;
  r->id = c.Text(kCandidateId);
  r->status = c.Text(kStatus);
  r->batch = c.Text(kBatch);
  r->program = c.Text(kProgram);
  r->channel = c.Text(kChannel);
  r->stage = c.Text(kStage);
  r->choice_rank = 0;
  const std::int64_t rank = c.Int(kChoiceRank, /*empty_ok=*/!r->placed());
  if (rank < INT32_MIN || rank > INT32_MAX) {
    c.Bad(kChoiceRank, "'" + std::to_string(rank) + "' is out of range");
  } else {
    r->choice_rank = static_cast<std::int32_t>(rank);
  }
}

void ParseCutoff(Cells& c, CutoffRow* r) {
  using namespace cutoffs_csv;
  r->batch = c.Text(kBatch);
  r->program = c.Text(kProgram);
  r->channel = c.Text(kChannel);
  r->group = c.Text(kGroup);
  r->capacity = c.Int(kCapacity);
  r->admitted = c.Int(kAdmitted);
  r->cutoff_total = c.Text(kCutoffTotal);
  c.ScoreCell(kCutoffTotal);
  r->stage = c.Text(kStage);
  r->initial = c.Int(kInitialCapacity);
  r->flowed_in = c.Int(kFlowedIn);
  r->flowed_out = c.Int(kFlowedOut);
  r->over = c.Int(kOverCapacity);
}

void ParseFlow(Cells& c, FlowRow* r) {
  using namespace flows_csv;
  r->batch = c.Text(kBatch);
  r->stage = c.Text(kStage);
  r->pass = c.Int(kPass);
  r->program = c.Text(kProgram);
  r->channel = c.Text(kChannel);
  r->group = c.Text(kGroup);
  r->to_batch = c.Text(kToBatch);
  r->to_stage = c.Text(kToStage);
  r->to_channel = c.Text(kToChannel);
  r->seats = c.Int(kSeats);
}

void ParseVacancy(Cells& c, VacancyRow* r) {
  using namespace vacancies_csv;
  r->batch = c.Text(kBatch);
  r->stage = c.Text(kStage);
  r->program = c.Text(kProgram);
  r->school = c.Text(kSchool);
  r->name = c.Text(kName);
  r->channel = c.Text(kChannel);
  r->group = c.Text(kGroup);
  r->capacity = c.Int(kCapacity);
  r->admitted = c.Int(kAdmitted);
  r->vacant = c.Int(kVacant);
}

void ParseAllocation(Cells& c, AllocationRow* r) {
  using namespace allocations_csv;
  r->batch = c.Text(kBatch);
  r->stage = c.Text(kStage);
  r->program = c.Text(kProgram);
  r->channel = c.Text(kChannel);
  r->group = c.Text(kGroup);
  r->seats = c.Int(kSeats);
}

void ParseLine(Cells& c, LineRow* r) {
  using namespace lines_csv;
  r->name = c.Text(kLine);
  r->value = c.Text(kValue);
  r->score = c.ScoreCell(kValue);
  r->note = c.Text(kHow);
}

// manifest.json checks.
bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char ch : s) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

// A relative path a bundle may record: inputs/NAME, no "..", no other directory.
bool InsideBundle(const std::string& path) {
  const fs::path p(path);
  auto it = p.begin();
  if (it == p.end() || *it != kBundleInputsDir) return false;
  ++it;
  if (it == p.end() || it->empty() || *it == ".." || *it == ".") return false;
  return std::next(it) == p.end();
}

class ManifestChecker {
 public:
  explicit ManifestChecker(std::vector<Finding>* findings) : findings_(findings) {}
  void Bad(const std::string& key, std::string message) { findings_->push_back(Finding{kManifestFile, key, std::move(message), 0}); }
  std::string String(const JsonValue& v, const std::string& key) {
    if (v.type != JsonValue::Type::kString) Bad(key, "missing or not a string");
    return v.text;
  }
  std::string Digest(const JsonValue& v, const std::string& key) {
    std::string s = String(v, key);
    if (v.type == JsonValue::Type::kString && !IsHex64(s)) Bad(key, "'" + QuoteLong(s) + "' is not a SHA-256 (64 lowercase hex digits)");
    return s;
  }
  std::int64_t Count(const JsonValue& v, const std::string& key) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
    if (v.type != JsonValue::Type::kNumber || ec != std::errc() || end != v.text.data() + v.text.size() || n < 0) {
      Bad(key, "missing or not a whole number >= 0");
      return 0;
    }
    return n;
  }
  // A list under `key`; reports when missing or not a list.
  const std::vector<JsonValue>* List(const JsonValue& m, const char* key, const std::string& what) {
    const JsonValue& v = m[key];
    if (v.type == JsonValue::Type::kArray) return &v.items;
    Bad(key, v.is_null() ? "missing: the manifest lists no " + what : "not a list of " + what);
    return nullptr;
  }

 private:
  std::vector<Finding>* findings_;
};

}  // namespace

const ManifestInput* Manifest::Input(std::string_view role) const {
  for (const ManifestInput& f : inputs) {
    if (f.role == role) return &f;
  }
  return nullptr;
}

std::string Finding::Format() const {
  std::string out = file;
  if (row > 0) out += ":" + std::to_string(row);
  if (!column.empty()) out += ":" + column;
  return out + ": " + message;
}

ReadStatus ReadPlacements(const std::string& run_dir, const std::function<void(const PlacementRow&)>& each, std::vector<Finding>* findings) {
  return ReadTable(run_dir, kPlacementsFile, placements_csv::kColumns, &ParsePlacement, each, findings);
}
ReadStatus ReadCutoffs(const std::string& run_dir, const std::function<void(const CutoffRow&)>& each, std::vector<Finding>* findings) {
  return ReadTable(run_dir, kCutoffsFile, cutoffs_csv::kColumns, &ParseCutoff, each, findings);
}
ReadStatus ReadFlows(const std::string& run_dir, const std::function<void(const FlowRow&)>& each, std::vector<Finding>* findings) {
  return ReadTable(run_dir, kFlowsFile, flows_csv::kColumns, &ParseFlow, each, findings);
}
ReadStatus ReadVacancies(const std::string& run_dir, const std::function<void(const VacancyRow&)>& each, std::vector<Finding>* findings) {
  return ReadTable(run_dir, kVacanciesFile, vacancies_csv::kColumns, &ParseVacancy, each, findings);
}
ReadStatus ReadPlacementsAt(const std::string& path, const std::function<void(const PlacementRow&)>& each, std::vector<Finding>* findings) {
  return ReadTableAt(path, path, placements_csv::kColumns, &ParsePlacement, each, findings);
}
ReadStatus ReadVacanciesAt(const std::string& path, const std::function<void(const VacancyRow&)>& each, std::vector<Finding>* findings) {
  return ReadTableAt(path, path, vacancies_csv::kColumns, &ParseVacancy, each, findings);
}
ReadStatus ReadAllocations(const std::string& run_dir, const std::function<void(const AllocationRow&)>& each, std::vector<Finding>* findings) {
  return ReadTable(run_dir, kAllocationsFile, allocations_csv::kColumns, &ParseAllocation, each, findings);
}
ReadStatus ReadLines(const std::string& run_dir, const std::function<void(const LineRow&)>& each, std::vector<Finding>* findings) {
  return ReadTable(run_dir, kLinesFile, lines_csv::kColumns, &ParseLine, each, findings);
}

std::string RecordedFilePath(const std::string& run_dir, const std::string& recorded) {
  if (recorded.empty() || fs::path(recorded).is_absolute()) return recorded;
  return (fs::path(run_dir) / recorded).string();
}

bool IsBundle(const Manifest& manifest) {
  return std::all_of(manifest.inputs.begin(), manifest.inputs.end(), [](const ManifestInput& f) { return !fs::path(f.path).is_absolute(); });
}

RulesFileMap BundleFileMap(const std::string& run_dir, const Manifest& manifest) {
  RulesFileMap map;
  if (!IsBundle(manifest)) return map;
  map.map_bases = true;
  RuleInputs& in = map.inputs;
  for (const ManifestInput& f : manifest.inputs) {
    const std::string path = RecordedFilePath(run_dir, f.path);
    if (f.role == "rules_base") map.bases.push_back(path);
    if (RuleInputs::Kind(f.role) == "choices") {
      in.choices.push_back(ChoicesFile{path, f.role, false, {}});
    } else if (std::string* slot = in.PathOf(f.role)) {
      *slot = path;
    }
  }
  return map;
}

std::string OldFormatNote(const std::string& run_dir, const Manifest& manifest) {
  if (IsBundle(manifest)) return {};
  return run_dir + " is an old-format run: its manifest records the rules and inputs by absolute path outside the run directory, so they are read "
                   "there and the run cannot be moved; a run written by this zkmatch keeps them under " + run_dir + "/" + kBundleInputsDir + "/";
}

ReadStatus ReadManifest(const std::string& run_dir, Manifest* manifest, std::vector<Finding>* findings, std::string* json_error) {
  return ReadManifestAt((fs::path(run_dir) / kManifestFile).string(), manifest, findings, json_error);
}

void RuleInputs::ContinueFrom(const std::string& dir) {  // declared in zkmatch/rules.h; the file names are the run format's
  parent_manifest = (fs::path(dir) / kManifestFile).string();
  parent_placements = (fs::path(dir) / kPlacementsFile).string();
  parent_vacancies = (fs::path(dir) / kVacanciesFile).string();
}

ReadStatus ReadManifestAt(const std::string& path, Manifest* manifest, std::vector<Finding>* findings, std::string* json_error) {
  namespace k = manifest_keys;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    findings->push_back(Finding{kManifestFile, {}, "cannot be read", 0});
    return ReadStatus::kMissing;
  }
  std::ostringstream text;
  text << in.rdbuf();
  JsonValue m;
  std::string error;
  if (!ParseJson(text.str(), &m, &error) || m.type != JsonValue::Type::kObject) {
    if (error.empty()) error = "not a JSON object";
    if (json_error) *json_error = error;
    findings->push_back(Finding{kManifestFile, {}, "not valid JSON: " + error, 0});
    return ReadStatus::kBroken;
  }
  ManifestChecker check(findings);
  manifest->format = m[k::kFormat].text;
  if (manifest->format != kManifestFormat) {
    check.Bad(k::kFormat, "'" + QuoteLong(manifest->format) + "' is not " + std::string(kManifestFormat) +
                              (manifest->format == "zkmatch-manifest/1" ? " (a run written before the Merkle audit log, with a hash chain; check it with the zkmatch that wrote it)" : ""));
    return ReadStatus::kBroken;
  }
  manifest->engine = check.String(m[k::kEngine], k::kEngine);
  if (const auto* inputs = check.List(m, k::kInputs, "input files")) {
    for (std::size_t i = 0; i < inputs->size(); ++i) {
      const JsonValue& f = (*inputs)[i];
      const std::string at = std::string(k::kInputs) + "[" + std::to_string(i) + "].";
      ManifestInput input;
      input.role = check.String(f[k::kRole], at + k::kRole);
      input.path = check.String(f[k::kPath], at + k::kPath);
      if (!input.path.empty() && !fs::path(input.path).is_absolute() && !InsideBundle(input.path)) {
        check.Bad(at + k::kPath, "'" + QuoteLong(input.path) + "' is neither absolute nor a plain path under " + kBundleInputsDir + "/ of the run directory");
      }
      input.sha256 = check.Digest(f[k::kSha256], at + k::kSha256);
      input.bytes = check.Count(f[k::kBytes], at + k::kBytes);
      manifest->inputs.push_back(std::move(input));
    }
  }
  if (const auto* outputs = check.List(m, k::kOutputs, "output files")) {
    for (std::size_t i = 0; i < outputs->size(); ++i) {
      const JsonValue& f = (*outputs)[i];
      const std::string at = std::string(k::kOutputs) + "[" + std::to_string(i) + "].";
      ManifestOutput output;
      output.file = check.String(f[k::kFile], at + k::kFile);
      output.sha256 = check.Digest(f[k::kSha256], at + k::kSha256);
      output.bytes = check.Count(f[k::kBytes], at + k::kBytes);
      manifest->outputs.push_back(std::move(output));
    }
  }
  manifest->audit_records = check.Count(m[k::kAuditRecords], k::kAuditRecords);
  manifest->audit_root = check.Digest(m[k::kAuditRoot], k::kAuditRoot);
  if (m[k::kPublicOf].type != JsonValue::Type::kNull) manifest->public_of = check.Digest(m[k::kPublicOf], k::kPublicOf);
  return ReadStatus::kRead;
}

PublishedRun ReadPublishedRun(const std::string& run_dir, unsigned parts) {
  PublishedRun run;
  std::vector<Finding>* f = &run.findings;
  if (parts & kManifestPart) run.manifest_status = ReadManifest(run_dir, &run.manifest, f);
  if (parts & kPlacementsPart) ReadPlacements(run_dir, [&](const PlacementRow& r) { run.placements.push_back(r); }, f);
  if (parts & kCutoffsPart) ReadCutoffs(run_dir, [&](const CutoffRow& r) { run.cutoffs.push_back(r); }, f);
  if (parts & kFlowsPart) ReadFlows(run_dir, [&](const FlowRow& r) { run.flows.push_back(r); }, f);
  if (parts & kAllocationsPart) ReadAllocations(run_dir, [&](const AllocationRow& r) { run.allocations.push_back(r); }, f);
  if (parts & kLinesPart) ReadLines(run_dir, [&](const LineRow& r) { run.lines.push_back(r); }, f);
  return run;
}

namespace {

// Reads one file whole and reports its findings to `sink`, with the file's path.
template <typename Row>
bool ReadToSink(const std::string& run_dir, ReadStatus (*read)(const std::string&, const std::function<void(const Row&)>&, std::vector<Finding>*),
                std::vector<Row>* rows, DiagnosticSink& sink) {
  std::vector<Finding> findings;
  read(run_dir, [&](const Row& r) { rows->push_back(r); }, &findings);
  for (const Finding& f : findings) {
    const std::string path = f.file.empty() ? run_dir : (fs::path(run_dir) / f.file).string();
    if (!f.column.empty()) {
      sink.CsvError(path, f.row, f.column, f.message);
    } else {
      sink.Error(path, f.row, 0, f.message);
    }
  }
  return findings.empty();
}

}  // namespace

bool ReadPlacementsCsv(const std::string& run_dir, std::vector<PlacementRow>* rows, DiagnosticSink& sink) {
  return ReadToSink<PlacementRow>(run_dir, &ReadPlacements, rows, sink);
}
bool ReadCutoffsCsv(const std::string& run_dir, std::vector<CutoffRow>* rows, DiagnosticSink& sink) {
  return ReadToSink<CutoffRow>(run_dir, &ReadCutoffs, rows, sink);
}
bool ReadLinesCsv(const std::string& run_dir, std::vector<LineRow>* rows, DiagnosticSink& sink) {
  return ReadToSink<LineRow>(run_dir, &ReadLines, rows, sink);
}

}  // namespace zkmatch
