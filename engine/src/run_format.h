// The published run directory's format, owned in one place: the names of the files `zkmatch
// run` writes, the column tables of its five CSV files (header names and their order), the
// top-level key names of manifest.json and audit.jsonl, and the one reader of the CSV files
// and the manifest that everybody else uses (verify, replay, report, diff).
//
// The writers (output_writer.cc, audit_writer.cc) spell headers and keys only through the
// tables and constants here; the readers find a cell by its column (kCapacity), never by a
// number typed at the call site. The format itself is specified in README.md ("run writes")
// and engine/audit-format.md.
//
// Reading is validating: every malformed file, header or cell is a Finding naming the file,
// the row and the column ("cutoffs.csv:7:capacity: 'x1' is not a whole number"); a row with a
// malformed cell is reported and left out of the typed rows, never read as 0. A header must
// start with the file's columns in order (later columns are allowed and ignored).
//
// Lives in zkmatch_core: the independent verifier (zkmatch_verify) reads the run through it.
// Thread-safety: reentrant. Cost: one pass over each file read; ReadPublishedRun keeps every
// row in memory, the streaming Read* functions one row at a time.
#ifndef ZKMATCH_RUN_FORMAT_H_
#define ZKMATCH_RUN_FORMAT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "zkmatch/diagnostics.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

// ---------------------------------------------------------------------------------------------
// File names.
inline constexpr const char* kPlacementsFile = "placements.csv";
inline constexpr const char* kCutoffsFile = "cutoffs.csv";
inline constexpr const char* kFlowsFile = "flows.csv";
inline constexpr const char* kAllocationsFile = "allocations.csv";
inline constexpr const char* kLinesFile = "lines.csv";
inline constexpr const char* kVacanciesFile = "vacancies.csv";
inline constexpr const char* kAuditFile = "audit.jsonl";  // the log; stored plain (run --plain-audit) or
inline constexpr const char* kCompressedAuditFile = "audit.jsonl.zst";  // compressed (audit_log.h)
inline constexpr const char* kManifestFile = "manifest.json";

// ---------------------------------------------------------------------------------------------
// Column tables: the single source of each CSV file's header, in order. The enum gives each
// column's position; kColumns[position] its header name.
namespace placements_csv {
enum Column : std::size_t { kCandidateId, kStatus, kBatch, kProgram, kChannel, kChoiceRank, kStage, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"candidate_id", "status", "batch", "program", "channel", "choice_rank", "stage"};
}  // namespace placements_csv

namespace cutoffs_csv {
enum Column : std::size_t {
  kBatch, kProgram, kChannel, kGroup, kCapacity, kAdmitted, kCutoffTotal, kStage, kInitialCapacity, kFlowedIn, kFlowedOut, kOverCapacity, kCount
};
inline constexpr std::array<std::string_view, kCount> kColumns = {"batch", "program", "channel", "group", "capacity", "admitted", "cutoff_total",
                                                                  "stage", "initial_capacity", "flowed_in", "flowed_out", "over_capacity"};
}  // namespace cutoffs_csv

namespace flows_csv {
enum Column : std::size_t { kBatch, kStage, kPass, kProgram, kChannel, kGroup, kToBatch, kToStage, kToChannel, kSeats, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"batch", "stage", "pass", "program", "channel", "group",
                                                                  "to_batch", "to_stage", "to_channel", "seats"};
}  // namespace flows_csv

// The seats left empty once every batch has run and every seat has flowed: the list an office
// publishes before a supplementary round (征求志愿). One row per cutoffs.csv row with capacity
// above admitted, in cutoffs.csv's order; school and name from programs.csv.
namespace vacancies_csv {
enum Column : std::size_t { kBatch, kStage, kProgram, kSchool, kName, kChannel, kGroup, kCapacity, kAdmitted, kVacant, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"batch", "stage", "program", "school", "name", "channel", "group",
                                                                  "capacity", "admitted", "vacant"};
}  // namespace vacancies_csv

namespace allocations_csv {
enum Column : std::size_t { kBatch, kStage, kProgram, kChannel, kGroup, kSeats, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"batch", "stage", "program", "channel", "group", "seats"};
}  // namespace allocations_csv

namespace lines_csv {
enum Column : std::size_t { kLine, kValue, kHow, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"line", "value", "how"};
}  // namespace lines_csv

// ---------------------------------------------------------------------------------------------
// Publications: the tables an office hands out, written by `zkmatch report --csv` beside
// report.html (not by `run`: they are views of a finished run, joined to its recorded inputs,
// and are not part of the run's manifest). Same CSV conventions as the run's files; scores as
// written in the inputs ("612.5"). README.md, "report" documents each file.
inline constexpr const char* kScoreBandsFile = "score_bands.csv";          // 一分一段表
inline constexpr const char* kAdmittedFile = "admitted.csv";               // 录取名单
inline constexpr const char* kQuotaMatrixFile = "quota_matrix.csv";        // 分配名额 per junior school
inline constexpr const char* kJuniorOutcomesFile = "junior_outcomes.csv";  // 初中毕业生去向

// One row per (district, total) with at least one candidate, totals highest first; district
// empty: the whole cohort (first), then each district in byte order when the candidates have a
// district column. count: candidates of the district with exactly this total; cumulative:
// those with this total or higher (累计人数, the 位次 of the total).
namespace score_bands_csv {
enum Column : std::size_t { kDistrict, kTotal, kAtTotal, kCumulative, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"district", "total", "count", "cumulative"};
}  // namespace score_bands_csv

// Every placed candidate, by program (code order), in admission order within it: the blocks of
// the program in rules order (batch, stage, channel), each in its channel's ranking, best first.
// position: 1-based within the program. name: the candidates' descriptive column `name` (empty
// when the rules declare none). junior_school: the column split channels divide by (empty when
// none).
namespace admitted_csv {
enum Column : std::size_t {
  kSchool, kProgram, kProgramName, kPosition, kCandidateId, kName, kJuniorSchool, kTotal, kBatch, kStage, kChannel, kChoiceRank, kCount
};
inline constexpr std::array<std::string_view, kCount> kColumns = {"school", "program", "program_name", "position", "candidate_id", "name",
                                                                  "junior_school", "total", "batch", "stage", "channel", "choice_rank"};
}  // namespace admitted_csv

// Seats of split channels (校际均衡 and the like) per senior program and junior school, as in
// cutoffs.csv's group rows: seats allocated (initial_capacity), admitted, lowest total admitted.
namespace quota_matrix_csv {
enum Column : std::size_t { kBatch, kStage, kChannel, kSchool, kProgram, kJuniorSchool, kSeats, kAdmitted, kLowestTotal, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"batch", "stage", "channel", "school", "program", "junior_school",
                                                                  "seats", "admitted", "lowest_total"};
}  // namespace quota_matrix_csv

// Where each junior school's graduates went: one row per (junior school, program) with at least
// one of its candidates placed there, programs in code order, then one row with empty program
// for those not placed (when any). Junior schools in byte order.
namespace junior_outcomes_csv {
enum Column : std::size_t { kJuniorSchool, kSchool, kProgram, kProgramName, kCandidates, kCount };
inline constexpr std::array<std::string_view, kCount> kColumns = {"junior_school", "school", "program", "program_name", "candidates"};
}  // namespace junior_outcomes_csv

// The header row of a column table: names joined by ',' and ended with LF.
template <std::size_t N>
std::string CsvHeaderRow(const std::array<std::string_view, N>& columns) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i) out.push_back(',');
    out += columns[i];
  }
  out.push_back('\n');
  return out;
}

// ---------------------------------------------------------------------------------------------
// manifest.json's keys (engine/audit-format.md, "manifest.json").
namespace manifest_keys {
inline constexpr const char* kFormat = "format";
inline constexpr const char* kEngine = "engine";
inline constexpr const char* kInputs = "inputs";
inline constexpr const char* kOutputs = "outputs";
inline constexpr const char* kAuditRecords = "audit_records";  // lines of audit.jsonl (the tree's size)
inline constexpr const char* kAuditRoot = "audit_root";        // the Merkle root of audit.jsonl
inline constexpr const char* kPublicOf = "public_of";          // a public bundle: SHA-256 of its parent run's manifest.json
// In each entry of `inputs` (also the audit header's `files`).
inline constexpr const char* kRole = "role";
inline constexpr const char* kPath = "path";
inline constexpr const char* kSha256 = "sha256";
inline constexpr const char* kBytes = "bytes";
// In each entry of `outputs` (with kSha256, kBytes).
inline constexpr const char* kFile = "file";
}  // namespace manifest_keys

// audit.jsonl's top-level keys and record kinds (engine/audit-format.md, "Records").
namespace audit_keys {
inline constexpr const char* kRecord = "record";  // first key of every line
// Values of `record`.
inline constexpr const char* kHeader = "header";
inline constexpr const char* kSeats = "seats";
inline constexpr const char* kFlow = "flow";
inline constexpr const char* kCandidate = "candidate";
inline constexpr const char* kEnd = "end";
// The header's keys (after record), in order.
inline constexpr const char* kFormat = "format";
inline constexpr const char* kEngine = "engine";
inline constexpr const char* kRulesName = "rules_name";
inline constexpr const char* kFiles = "files";
inline constexpr const char* kSeed = "seed";
inline constexpr const char* kRankings = "rankings";
inline constexpr const char* kChannels = "channels";
inline constexpr const char* kLines = "lines";
inline constexpr const char* kCandidates = "candidates";
inline constexpr const char* kPrograms = "programs";
// The end record's keys.
inline constexpr const char* kRecords = "records";
inline constexpr const char* kOutputs = "outputs";
// Keys inside the records (engine/audit-format.md). kSeats and kCandidate above are also keys:
// a header channel's seat column and a flow's number of seats; a cut-off's candidate.
// Where a record is: the seat block or choice step it is about.
inline constexpr const char* kBatch = "batch";
inline constexpr const char* kStage = "stage";
inline constexpr const char* kProgram = "program";
inline constexpr const char* kChannel = "channel";
inline constexpr const char* kGroup = "group";
// Candidate records.
inline constexpr const char* kId = "id";
inline constexpr const char* kStatus = "status";
inline constexpr const char* kStatusPlaced = "placed";      // values of status
inline constexpr const char* kStatusUnplaced = "unplaced";
inline constexpr const char* kStatusLocked = "locked";  // a continuing round: the parent's seat, kept
inline constexpr const char* kStatusReassigned = "reassigned";  // placed by reassignment (调剂) after the batches
// Reassignment: the header's block (only when the rules have one) and a reassigned candidate's
// record (rules/README.md, "Reassignment").
inline constexpr const char* kReassignment = "reassignment";
inline constexpr const char* kFlag = "flag";
inline constexpr const char* kOrder = "order";
inline constexpr const char* kTurn = "turn";
inline constexpr const char* kChoiceRank = "choice_rank";
// A continuing round: the header's {"manifest_sha256", "locked", "declined"}; a candidate's
// `declined` is the parent's seat they gave up, {"batch", "stage", "program", "channel", "choice_rank"}.
inline constexpr const char* kParent = "parent";
inline constexpr const char* kManifestSha256 = "manifest_sha256";
inline constexpr const char* kLocked = "locked";
inline constexpr const char* kDeclined = "declined";
inline constexpr const char* kBatches = "batches";
inline constexpr const char* kLockedBy = "locked_by";
inline constexpr const char* kLockedByStage = "locked_by_stage";
inline constexpr const char* kChoices = "choices";
inline constexpr const char* kRank = "rank";
inline constexpr const char* kPlaced = "placed";            // the channel a choice step admitted through
inline constexpr const char* kRejected = "rejected";
inline constexpr const char* kTiedTo = "tied_to";  // a step whose choice is tied to one channel (choices.csv's channel column)
inline constexpr const char* kNotOffered = "not_offered";
inline constexpr const char* kKeys = "keys";
inline constexpr const char* kLottery = "lottery";
inline constexpr const char* kGroups = "groups";
// Seat records.
inline constexpr const char* kInitial = "initial";
inline constexpr const char* kFlowedIn = "flowed_in";
inline constexpr const char* kFlowedOut = "flowed_out";
inline constexpr const char* kCapacity = "capacity";
inline constexpr const char* kAdmitted = "admitted";
inline constexpr const char* kCutoffTotal = "cutoff_total";
inline constexpr const char* kCutoff = "cutoff";
inline constexpr const char* kKey = "key";   // a cut-off's (or a step's) key values
inline constexpr const char* kTie = "tie";
// Flow records.
inline constexpr const char* kPass = "pass";
inline constexpr const char* kToBatch = "to_batch";
inline constexpr const char* kToStage = "to_stage";
inline constexpr const char* kToChannel = "to_channel";
// Inside the header's rankings, channels and lines.
inline constexpr const char* kName = "name";
inline constexpr const char* kLastTie = "last_tie";
inline constexpr const char* kPerProgram = "per_program";
inline constexpr const char* kRanking = "ranking";
inline constexpr const char* kEligible = "eligible";
inline constexpr const char* kSplitBy = "split_by";
inline constexpr const char* kMechanism = "mechanism";
inline constexpr const char* kBand = "band";
inline constexpr const char* kValue = "value";
inline constexpr const char* kHow = "how";
}  // namespace audit_keys

// How every audit.jsonl line of this kind begins: {"record":"KIND" (the record key comes first).
inline std::string AuditRecordPrefix(std::string_view kind) {
  return std::string("{\"") + audit_keys::kRecord + "\":\"" + std::string(kind) + "\"";
}

// ---------------------------------------------------------------------------------------------
// Typed rows. `line` is the 1-based line of the row in its file.

struct PlacementRow {
  int line = 0;
  std::string id, status, batch, program, channel, stage;  // batch..stage empty when unplaced
  std::int32_t choice_rank = 0;                            // 1-based; 0 when the cell is empty (unplaced, reassigned)
  bool placed() const { return status == "placed"; }
  // Placed by reassignment (调剂) after the batches: batch, program, channel and stage name the
  // seat's row; choice_rank is empty (the candidate did not list the program).
  bool reassigned() const { return status == "reassigned"; }
  // The candidate holds a seat: placed in this run, by reassignment, or kept from a parent run
  // (status locked, a continuing round).
  bool holds_seat() const { return status == "placed" || status == "reassigned" || status == "locked"; }
};

struct CutoffRow {
  int line = 0;
  std::string batch, stage, program, channel, group;  // group empty unless the channel is split
  std::int64_t capacity = 0, admitted = 0, initial = 0, flowed_in = 0, flowed_out = 0, over = 0;
  std::string cutoff_total;  // lowest total admitted, as written ("612.5"); empty when none
};

struct FlowRow {
  int line = 0;
  std::string batch, stage, program, channel, group, to_batch, to_stage, to_channel;
  std::int64_t pass = 0, seats = 0;
};

struct VacancyRow {
  int line = 0;
  std::string batch, stage, program, school, name, channel, group;
  std::int64_t capacity = 0, admitted = 0, vacant = 0;
};

struct AllocationRow {
  int line = 0;
  std::string batch, stage, program, channel, group;
  std::int64_t seats = 0;
};

struct LineRow {
  int line = 0;
  std::string name, value, note;  // value as written; empty when the line has none
  Score score = kMissingScore;    // value parsed
};

struct ManifestInput {
  std::string role, path, sha256;
  std::int64_t bytes = 0;
};
struct ManifestOutput {
  std::string file, sha256;
  std::int64_t bytes = 0;
};
struct Manifest {
  std::string format, engine, audit_root;
  std::string public_of;  // a public bundle's parent manifest digest (zkmatch publish); empty otherwise
  std::int64_t audit_records = 0;
  std::vector<ManifestInput> inputs;
  std::vector<ManifestOutput> outputs;
  // The input with this role, or nullptr.
  const ManifestInput* Input(std::string_view role) const;
};

// One problem with a published file. `row` is the CSV line (0: the whole file); `column` the
// CSV column name, or for manifest.json the key path ("inputs[2].sha256").
struct Finding {
  std::string file, column, message;
  int row = 0;
  // "cutoffs.csv:7:capacity: 'x1' is not a whole number", "manifest.json:inputs: ...".
  std::string Format() const;
};

// ---------------------------------------------------------------------------------------------
// Reading.

// How reading a file went. kMissing: it could not be opened (no file, not readable); kBroken:
// it could not be read as its format at all (bad JSON, bad UTF-8, a header without the columns)
// -- no row was read; kRead: read, with findings for any bad rows or cells.
enum class ReadStatus { kMissing, kBroken, kRead };

// Streaming readers of one file each: `each` is called for every well-formed row in file order
// (the row object is reused between calls). Findings are appended to `findings`; at most
// `max_findings` per file, then one finding saying how many more there were.
inline constexpr std::size_t kMaxFindingsPerFile = 100;
ReadStatus ReadPlacements(const std::string& run_dir, const std::function<void(const PlacementRow&)>& each, std::vector<Finding>* findings);
ReadStatus ReadCutoffs(const std::string& run_dir, const std::function<void(const CutoffRow&)>& each, std::vector<Finding>* findings);
ReadStatus ReadFlows(const std::string& run_dir, const std::function<void(const FlowRow&)>& each, std::vector<Finding>* findings);
ReadStatus ReadVacancies(const std::string& run_dir, const std::function<void(const VacancyRow&)>& each, std::vector<Finding>* findings);
ReadStatus ReadAllocations(const std::string& run_dir, const std::function<void(const AllocationRow&)>& each, std::vector<Finding>* findings);
ReadStatus ReadLines(const std::string& run_dir, const std::function<void(const LineRow&)>& each, std::vector<Finding>* findings);
// The same, of a file anywhere (a continuing round's copies of its parent's files); findings
// name the file by `path`.
ReadStatus ReadPlacementsAt(const std::string& path, const std::function<void(const PlacementRow&)>& each, std::vector<Finding>* findings);
ReadStatus ReadVacanciesAt(const std::string& path, const std::function<void(const VacancyRow&)>& each, std::vector<Finding>* findings);

// manifest.json: the format must be zkmatch-manifest/2; `inputs` and `outputs` lists of objects
// with string role/path/sha256 (64 lowercase hex digits) / file and integer bytes; a string
// audit_records (a count) and audit_root (64 hex digits). `*json_error` (if given) is set when the text is not JSON at all.
ReadStatus ReadManifest(const std::string& run_dir, Manifest* manifest, std::vector<Finding>* findings, std::string* json_error = nullptr);
ReadStatus ReadManifestAt(const std::string& path, Manifest* manifest, std::vector<Finding>* findings, std::string* json_error = nullptr);

// ---------------------------------------------------------------------------------------------
// The run bundle (engine/audit-format.md): `run` keeps the rules file, the files it extends and
// every input under DIR/inputs/, recorded in manifest.json and the audit header by a path
// relative to DIR ("inputs/candidates.csv"), so the run can be moved or copied anywhere. A run
// written before bundles records absolute paths outside the run directory: an old-format run.

inline constexpr const char* kBundleInputsDir = "inputs";
// The file a manifest's recorded `path` names: under `run_dir` when relative, else as written.
std::string RecordedFilePath(const std::string& run_dir, const std::string& recorded);
// True when every input of `manifest` is recorded inside the run directory.
bool IsBundle(const Manifest& manifest);
// The bundle's copies, for LoadRules: the rules_base files in manifest order (nearest first)
// and each input role's file. Empty (changes nothing) for an old-format run.
RulesFileMap BundleFileMap(const std::string& run_dir, const Manifest& manifest);
// Empty for a bundle; for an old-format run the one line that says so (and what it means).
std::string OldFormatNote(const std::string& run_dir, const Manifest& manifest);

// Which files ReadPublishedRun reads.
enum PublishedFile : unsigned {
  kManifestPart = 1u << 0,
  kPlacementsPart = 1u << 1,
  kCutoffsPart = 1u << 2,
  kFlowsPart = 1u << 3,
  kAllocationsPart = 1u << 4,
  kLinesPart = 1u << 5,
  kAllParts = (1u << 6) - 1,
};

struct PublishedRun {
  Manifest manifest;
  ReadStatus manifest_status = ReadStatus::kMissing;
  std::vector<PlacementRow> placements;
  std::vector<CutoffRow> cutoffs;
  std::vector<FlowRow> flows;
  std::vector<AllocationRow> allocations;
  std::vector<LineRow> lines;
  std::vector<Finding> findings;  // every problem, file by file
  bool ok() const { return findings.empty(); }
};

// Reads the chosen files of a run directory into typed rows, validating every cell.
PublishedRun ReadPublishedRun(const std::string& run_dir, unsigned parts = kAllParts);

// For the report and the diff: read one CSV file whole, reporting each finding to `sink` as an
// error (with the file's path and the row and column). False when there was any finding.
bool ReadPlacementsCsv(const std::string& run_dir, std::vector<PlacementRow>* rows, DiagnosticSink& sink);
bool ReadCutoffsCsv(const std::string& run_dir, std::vector<CutoffRow>* rows, DiagnosticSink& sink);
bool ReadLinesCsv(const std::string& run_dir, std::vector<LineRow>* rows, DiagnosticSink& sink);

}  // namespace zkmatch

#endif  // ZKMATCH_RUN_FORMAT_H_
