// Independent verification of a run directory (see zkmatch/verify.h). Shares the loaders and
// expression evaluation with the engine -- nothing else: lines, rankings, stage selection and
// split seats come from verify_reference.h, matching passes from verify_matching.h, and every
// property is checked from its definition against the published files.
#include <algorithm>
#include <iterator>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "csv.h"
#include "decimal.h"
#include "digest.h"
#include "file_read.h"
#include "expression.h"
#include "json.h"
#include "merkle.h"
#include "names.h"
#include "run_format.h"
#include "parallel.h"
#include "verify_matching.h"
#include "verify_parent.h"
#include "verify_reassignment.h"
#include "verify_reference.h"
#include "zkmatch/audit.h"
#include "audit_log.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/seal.h"
#include "zkmatch/signature.h"
#include "zkmatch/verify.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

// One row of cutoffs.csv, with what the placements say about it.
struct Row {
  std::int64_t initial = 0, flowed_in = 0, flowed_out = 0, capacity = 0, admitted = 0, over = 0;
  std::string cutoff_total;
  int line = 0;
  std::int64_t placed = 0;               // counted from placements.csv
  std::int64_t reassigned = 0;           // placements.csv's seats given here by reassignment
  Score min_total = kMissingScore;
  CandidateIndex worst = kNoCandidate;          // worst admitted by the channel's ranking
  std::uint64_t worst_rank = 0;          // its PlacedRank (band and rank) in that ranking
  std::int64_t better = 0;               // admitted and ranked strictly above `worst`
  std::int64_t flows_out = 0, flows_in = 0;  // summed from flows.csv
};

struct StageInfo {
  std::size_t b = 0, s = 0;
  std::vector<std::uint8_t> in_stage;
  std::vector<const Column*> split;  // per channel
  std::map<std::tuple<ProgramIndex, std::uint32_t, std::uint32_t>, Row> rows;  // (p, h, g)
  // Filled once cutoffs.csv is read (IndexRows), for the lookups made per candidate:
  std::size_t num_channels = 0;
  std::vector<Row*> whole;            // [p * num_channels + h]: the row of a channel not split by group, or null
  std::vector<std::uint8_t> has_seats;  // [p * num_channels + h]: the channel has seats at p (its row, or one of its groups' rows)
};

// One chunk of consecutive lines of a JSON-lines file, with what the parallel step made of
// each line.
template <typename PerLine>
struct LineChunk {
  std::size_t first_line = 0;             // 1-based number of lines[0]
  std::string text;                       // the lines, each with its '\n' (the file's last may lack it)
  std::vector<std::string_view> lines;    // views into text, without the '\n'
  std::vector<PerLine> results;           // one per line, filled in parallel
};

// Runs `work(line, line_no, &result)` on every line of a file in parallel, and then
// `consume(line, line_no, result)` on each line serially in file order (a TBB pipeline: a
// serial reader, parallel work, a serial in-order consumer). `next(&text)` gives the next block
// of whole lines (false at the end). `consume` returns false to stop; lines after it are not
// consumed. Memory: a bounded number of blocks in flight.
template <typename PerLine, typename Next, typename Work, typename Consume>
void ForEachLineInOrder(Next next, Work work, Consume consume) {
  std::size_t line_no = 0;
  // Set by the consumer, read by the reader: two filters that may run at once on different
  // threads, so an atomic (a plain bool here was a data race, found by ThreadSanitizer).
  std::atomic<bool> stopped{false};
  using Chunk = LineChunk<PerLine>;
  const auto tokens = static_cast<std::size_t>(std::max(2, 2 * tbb::this_task_arena::max_concurrency()));
  // For ThreadSanitizer (parallel.h): TBB's hand-offs between filters, and the pipeline's start
  // and end, are made visible; chunks go from filter to filter. The token is a plain pointer,
  // which TBB passes by value: a token of class type (a shared_ptr) lives in memory that TBB's own
  // allocator recycles from token to token, written and read on different threads after hand-offs
  // TSan cannot see. The consumer deletes each chunk (a chunk in flight when an exception stops
  // the pipeline is lost with it).
  static const char kFork = 0, kFirst = 0, kLast = 0;
  HappensBefore(&kFork);
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, Chunk*>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& fc) -> Chunk* {
                                       HappensAfter(&kFork);
                                       HappensAfter(&kFirst);
                                       auto chunk = std::make_unique<Chunk>();
                                       if (stopped.load() || !next(&chunk->text)) {
                                         fc.stop();
                                         HappensBefore(&kFirst);
                                         return nullptr;
                                       }
                                       chunk->first_line = line_no + 1;
                                       const std::string& text = chunk->text;
                                       for (std::size_t start = 0; start < text.size();) {
                                         std::size_t end = text.find('\n', start);
                                         if (end == std::string::npos) end = text.size();
                                         chunk->lines.emplace_back(text.data() + start, end - start);
                                         start = end + 1;
                                       }
                                       line_no += chunk->lines.size();
                                       HappensBefore(chunk.get());
                                       HappensBefore(&kFirst);
                                       return chunk.release();
                                     }) &
          tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel,
                                           [&](Chunk* chunk) {
                                             HappensAfter(&kFork);
                                             HappensAfter(chunk);
                                             chunk->results.resize(chunk->lines.size());
                                             for (std::size_t i = 0; i < chunk->lines.size(); ++i) {
                                               work(chunk->lines[i], chunk->first_line + i, &chunk->results[i]);
                                             }
                                             HappensBefore(chunk);
                                             return chunk;
                                           }) &
          tbb::make_filter<Chunk*, void>(tbb::filter_mode::serial_in_order, [&](Chunk* token) {
            const std::unique_ptr<Chunk> chunk(token);
            HappensAfter(&kFork);
            HappensAfter(&kLast);
            HappensAfter(chunk.get());
            for (std::size_t i = 0; i < chunk->lines.size() && !stopped.load(); ++i) {
              if (!consume(chunk->lines[i], chunk->first_line + i, chunk->results[i])) stopped.store(true);
            }
            HappensBefore(&kLast);
          }));
  HappensAfter(&kFirst);
  HappensAfter(&kLast);
}

// The kinds of finding `zkmatch verify` groups its report by (VerifyReport::kinds), in the order
// the checks run: what was tampered with first, its consequences after.
namespace kinds {
constexpr const char* kSignature = "signature does not hold";
constexpr const char* kSeal = "not the sealed inputs";
constexpr const char* kManifest = "manifest.json malformed";
constexpr const char* kInputMissing = "input file missing";
constexpr const char* kInputChanged = "input changed since the run";
constexpr const char* kOutputChanged = "output changed since the run";
constexpr const char* kRulesChanged = "rules file differs from the run's";
constexpr const char* kPlacements = "placements.csv wrong";
constexpr const char* kParent = "continuing round differs from its parent";
constexpr const char* kCutoffs = "cutoffs.csv wrong";
constexpr const char* kFlows = "flows.csv wrong";
constexpr const char* kLines = "score line wrong";
constexpr const char* kAuditTree = "audit.jsonl Merkle root, header or end record broken";
constexpr const char* kAuditAgreement = "audit.jsonl disagrees with the published files";
constexpr const char* kRows = "capacity, count or cut-off wrong";
constexpr const char* kVacancies = "vacancies.csv wrong";
constexpr const char* kAllocations = "allocations.csv wrong";
constexpr const char* kEligibility = "placement not eligible";
constexpr const char* kLabels = "channel label wrong";
constexpr const char* kEnvy = "justified envy or a wasted seat";
constexpr const char* kFlowPasses = "seat flows or passes differ from the rules'";
constexpr const char* kExplanations = "explanation in audit.jsonl wrong";
constexpr const char* kReassignment = "reassignment not as the rules say";
}  // namespace kinds

class Verifier {
  // A seat placements.csv says reassignment gave (claims_, in candidate order).
  struct Claim {
    CandidateIndex candidate;
    int stage = -1;  // index into stages_
    ProgramIndex program;
    std::uint32_t channel = kNone;
    int line = 0;
  };

 public:
  Verifier(const std::string& run_dir, DiagnosticSink& sink, const VerifyKeys& keys) : dir_(run_dir), sink_(sink), keys_(keys) {}

  Result<VerifyReport> Run(const std::string& rules_path, const std::function<void(const std::string&)>& progress) {
    VerifyReport report = RunChecks(rules_path, progress);
    if (!unreadable_.ok()) return unreadable_;
    return report;
  }

 private:
  VerifyReport RunChecks(const std::string& rules_path, const std::function<void(const std::string&)>& progress) {
    auto step = [&](const char* what) {
      if (progress) progress(what);
    };
    if (!keys_.pubkey.empty()) {
      step("signature");
      if (!CheckManifestSignature()) return report_;
    }
    step("digests; load rules and inputs");
    kind_ = kinds::kManifest;
    if (!ReadManifest()) return report_;
    // The files hashed on a thread of their own while the rules and inputs load (they read
    // nothing the loading writes); the findings are reported first, as the digests come first.
    std::future<Findings> digests = std::async(std::launch::async, [this] { return CheckDigests(); });
    std::string rules_file = rules_path;
    if (rules_file.empty()) rules_file = manifest_rules_path_;
    const bool loaded = Load(rules_file, rules_path.empty());
    Report(digests.get());
    if (!loaded) return report_;
    if (Sha256File(rules_file) != manifest_rules_sha()) {
      Violation(kinds::kRulesChanged, "the rules file " + rules_file + " is not the one the run used (sha256 differs from the manifest)");
    }
    // The rankings (serial, the literal definitions) are computed while the outputs are read;
    // the checks that compare ranks come after `ranks.get()`.
    std::future<void> ranks = std::async(std::launch::async, [this] { ComputeRanks(); });
    if (!keys_.seal.empty()) {
      step("seal");
      if (!CheckSeal()) return report_;
    }
    step("rank; read outputs");
    kind_ = kinds::kPlacements;
    if (!ReadPlacements()) return report_;
    kind_ = kinds::kCutoffs;
    if (!ReadCutoffs()) return report_;
    kind_ = kinds::kFlows;
    if (!ReadFlows()) return report_;
    ranks.get();
    kind_ = kinds::kParent;
    CheckParentRun();
    kind_ = kinds::kLines;
    CheckLines();
    TallyRows();  // what each row admitted, which the explanations in the log are checked against
    NumberTurns();
    // The seat flows' own deferred acceptance (serial, the literal algorithm) needs nothing the
    // next checks find: it runs on a thread of its own while they run, and its findings are
    // reported in their place below. (The future's destructor waits for it on every path.)
    std::future<Findings> flow_passes = std::async(std::launch::async, [this] { return ComputeFlowPasses(); });
    step("audit.jsonl");
    kind_ = kinds::kAuditTree;
    CheckAuditTree();  // one parallel pass: the leaves, each record against the outputs, the explanations
    step("capacities, flows, cut-offs");
    kind_ = kinds::kRows;
    CheckRows();
    kind_ = kinds::kReassignment;
    TallyReassigned();
    kind_ = kinds::kVacancies;
    CheckVacancies();
    kind_ = kinds::kAllocations;
    CheckAllocations();
    step("channel labels");
    kind_ = kinds::kLabels;
    CheckChannelLabels();
    step("stability");
    kind_ = kinds::kEnvy;
    CheckStability();
    step("seat flows, pass by pass");
    kind_ = kinds::kFlowPasses;
    Report(flow_passes.get());
    kind_ = kinds::kExplanations;
    ReportExplanations();
    if (rules_.reassignment) {
      step("reassignment");
      kind_ = kinds::kReassignment;
      CheckReassignment();
    }
    return report_;
  }

  // A finding of the kind of the check that runs (kind_), or of `kind`; `stands_for` > 1 for a
  // line that stands for that many findings left unlisted ("... and 57 more ...").
  void Violation(std::string what) { Violation(kind_, std::move(what)); }
  void Violation(const char* kind, std::string what, std::size_t stands_for = 1) {
    report_.violations.push_back(std::move(what));
    report_.kinds.emplace_back(kind);
    report_.stands_for.push_back(stands_for);
  }
  void Passed(std::string what) { report_.passed.push_back(std::move(what)); }
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  // manifest.sig against the bureau's public key, over manifest.json's exact bytes. False when
  // the key file cannot be used (bad input) -- then nothing else is checked.
  bool CheckManifestSignature() {
    bool read = false;
    const std::string manifest = ReadWholeFile(Path(kManifestFile), &read);
    bool signed_read = false;
    const std::string signature = ReadWholeFile(Path(kManifestSignatureFile), &signed_read);
    const Result<std::string> reason =
        CheckSignature(keys_.pubkey, kManifestFile, manifest, signed_read ? std::optional<std::string>(signature) : std::nullopt, sink_);
    if (!reason) {
      unreadable_ = reason.status();
      return false;
    }
    if (!reason->empty()) {
      Violation(kinds::kSignature, *reason);
    } else {
      Passed("manifest.json signed with the key of " + keys_.pubkey + " (manifest.sig)");
    }
    return true;
  }

  // The seal's signature with the bureau's key, then the run's recorded inputs (role, digest),
  // its engine and the rules' seed against the seal. False when the seal cannot be read.
  bool CheckSeal() {
    const Result<Seal> seal = ReadSeal(keys_.seal, sink_);
    if (!seal) {
      unreadable_ = seal.status();
      return false;
    }
    const std::size_t before = report_.violations.size();
    const Result<std::string> reason = CheckSignature(keys_.pubkey, "seal", seal->commitment + "\n", seal->signature, sink_);
    if (!reason) {
      unreadable_ = reason.status();
      return false;
    }
    if (!reason->empty()) Violation(kinds::kSeal, keys_.seal + ": " + *reason);
    RunIdentity recorded;
    for (const ManifestInput& f : manifest_.inputs) recorded.files.push_back({f.role, RecordedFilePath(dir_, f.path), f.sha256, static_cast<std::size_t>(f.bytes)});
    for (std::string& d : DifferencesFromSeal(*seal, recorded, rules_, keys_.seal)) Violation(kinds::kSeal, std::move(d));
    if (seal->engine != manifest_.engine) Violation(kinds::kSeal, "the run was made by " + manifest_.engine + ", the seal " + keys_.seal + " names " + seal->engine);
    if (seal->seed != rules_.seed) Violation(kinds::kSeal, "the rules' lottery seed '" + rules_.seed + "' is not the sealed '" + seal->seed + "'");
    if (report_.violations.size() == before) {
      Passed("the run read exactly the " + std::to_string(seal->files.size()) + " files sealed in " + keys_.seal + " (signed with the key of " + keys_.pubkey + ")");
    }
    return true;
  }

  bool ReadManifest() {
    std::vector<Finding> findings;
    const ReadStatus status = zkmatch::ReadManifest(dir_, &manifest_, &findings);
    if (status == ReadStatus::kMissing) {
      sink_.Error(Path(kManifestFile), 0, 0, "cannot read the run's manifest; is --run a directory written by zkmatch run?");
      unreadable_ = Status::BadInput("cannot read " + Path(kManifestFile));
      return false;
    }
    if (status == ReadStatus::kBroken) {
      Violation("manifest.json is not a valid " + std::string(kManifestFormat) + " document" + (findings.empty() ? "" : ": " + findings.front().Format()));
      return false;
    }
    for (const Finding& f : findings) Violation(f.Format());
    if (const ManifestInput* rules = manifest_.Input("rules")) manifest_rules_path_ = RecordedFilePath(dir_, rules->path);
    files_ = BundleFileMap(dir_, manifest_);
    return true;
  }

  // Findings made apart from the report (on another thread), reported later in their place.
  struct Findings {
    std::vector<std::pair<const char*, std::string>> violations;  // kind, text
    std::vector<std::string> passed;
  };
  void Report(Findings findings) {
    for (auto& [kind, what] : findings.violations) Violation(kind, std::move(what));
    for (std::string& p : findings.passed) Passed(std::move(p));
  }

  // Every input and output the manifest lists, hashed again. Reads only manifest_.
  Findings CheckDigests() const {
    Findings out;
    for (const ManifestInput& f : manifest_.inputs) {
      const std::string now = Sha256File(RecordedFilePath(dir_, f.path));
      if (now.empty()) {
        out.violations.emplace_back(kinds::kInputMissing, "input " + f.role + " file " + f.path + " cannot be read (manifest sha256 " + f.sha256 + ")");
      } else if (now != f.sha256) {
        out.violations.emplace_back(kinds::kInputChanged, "input " + f.role + " file " + f.path + " changed since the run: sha256 is " + now + ", the manifest says " + f.sha256);
      }
    }
    for (const ManifestOutput& f : manifest_.outputs) {
      const std::string now = Sha256File(Path(f.file));
      if (now != f.sha256) {
        out.violations.emplace_back(kinds::kOutputChanged,
                                    "output " + f.file + (now.empty() ? " is missing" : " was modified after the run: sha256 is " + now + ", the manifest says " + f.sha256));
      }
    }
    if (out.violations.empty()) out.passed.push_back("inputs and outputs match manifest.json");
    return out;
  }

  void CheckAuditTree() {
    std::size_t before = report_.violations.size();
    std::string error;
    AuditBlockReader log;
    if (!log.Open(dir_, &error)) {
      Violation(error.rfind("cannot read", 0) == 0 ? "audit.jsonl is missing" : error);
      return;
    }
    std::size_t line_no = 0;
    JsonValue last;
    bool broken = false;
    std::vector<MerkleHash> leaves;
    // Each line parsed, hashed (its Merkle leaf) and its explanation checked in parallel; the
    // records and the explanations' findings taken in file order. Every line is checked: when
    // the root differs, the records that disagree with the published files say which they are.
    // A candidate record (nearly every line) is read flat (JsonDoc: no allocation per line) and
    // checked where it is parsed; the consumer only keeps the order of ids. Any other record is
    // kept as a tree for the checks after the pass.
    struct Parsed {
      std::string error;  // empty when the line is valid JSON
      MerkleHash leaf{};
      bool is_candidate = false;             // record "candidate"
      CandidateRecordCheck check;            // for a candidate record (check.found: of a known candidate)
      std::vector<std::string> explanation;  // what its explanation gets wrong
      JsonValue value;                       // any other record
    };
    explanations_read_ = true;
    // Blocks of about 1 MiB: a few in flight, so the log's lines are never all in memory.
    constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
    ForEachLineInOrder<Parsed>(
        [&](std::string* block) { return log.Next(kBlockBytes, block, &error); },
        [this](std::string_view line, std::size_t number, Parsed* out) {
          thread_local JsonDoc doc;
          thread_local std::size_t next_position = 0;  // the records come in id order: a guess that is nearly always right
          out->leaf = MerkleLeafHash(line);
          if (!doc.Parse(line, &out->error)) {
            if (out->error.empty()) out->error = "not valid";
            return;
          }
          const JsonRef rec = doc.root();
          if (rec[audit_keys::kRecord].text() != audit_keys::kCandidate) {
            out->value = rec.ToValue();
            return;
          }
          out->is_candidate = true;
          CheckCandidateRecord(rec, number, &next_position, &out->check);
          if (out->check.found) CheckExplanation(rec, out->check.c, out->explanation);
        },
        [&](std::string_view, std::size_t number, Parsed& parsed) {
          leaves.push_back(parsed.leaf);
          explanations_checked_ += parsed.check.found ? 1 : 0;
          for (const std::string& what : parsed.explanation) {
            if (++explanations_wrong_ <= 100) explanation_findings_.push_back("audit.jsonl:" + std::to_string(number) + ": " + what);
          }
          if (broken) return true;
          line_no = number;
          if (!parsed.error.empty()) {
            Violation("audit.jsonl:" + std::to_string(line_no) + ": not valid JSON (" + parsed.error + ")");
            broken = true;
            return true;
          }
          if (parsed.is_candidate) {
            if (line_no == 1) Violation("audit.jsonl:1: the first record is not the header");
            TakeCandidateRecord(parsed.check, line_no);
          } else {
            TakeRecord(parsed.value, line_no, &last);
          }
          return true;
        });
    if (!error.empty()) {  // a frame's data damaged: the lines before it were checked above
      Violation(error);
      return;
    }
    CheckAuditRoot(leaves);
    if (broken) return;
    if (last[audit_keys::kRecord].text != audit_keys::kEnd) {
      Violation("audit.jsonl: no end record");
    } else if (last[audit_keys::kRecords].AsInt() != static_cast<std::int64_t>(line_no)) {
      Violation("audit.jsonl: the end record counts " + last[audit_keys::kRecords].text + " records, the file has " + std::to_string(line_no));
    } else {
      for (const auto& [file, hash] : last[audit_keys::kOutputs].members) {
        if (Sha256File(Path(file)) != hash.text) Violation("audit.jsonl: end record's digest of " + file + " does not match the file");
      }
    }
    // The header must name the same inputs as the manifest.
    const auto& a = audit_header_[audit_keys::kFiles].items;
    const auto& m = manifest_.inputs;
    bool same = a.size() == m.size();
    for (std::size_t i = 0; same && i < a.size(); ++i) {
      same = HasMembers(a[i], {manifest_keys::kRole, manifest_keys::kPath, manifest_keys::kSha256, manifest_keys::kBytes}) && a[i][manifest_keys::kRole].text == m[i].role &&
             a[i][manifest_keys::kSha256].text == m[i].sha256 && a[i][manifest_keys::kPath].text == m[i].path && a[i][manifest_keys::kBytes].AsInt() == static_cast<std::int64_t>(m[i].bytes);
    }
    if (!same) Violation("audit.jsonl: the header's input files differ from manifest.json's");
    if (report_.violations.size() == before + std::min<std::size_t>(audit_disagreements_, 100)) Passed("audit.jsonl Merkle root matches manifest.json (" + std::to_string(line_no) + " records)");
    const std::size_t n = instance_.candidates.size();
    const std::size_t agreement_before = report_.violations.size();
    CheckHeaderNames();
    CheckHeaderContent();
    while (next_candidate_ < n) MissingRecord(next_candidate_++);
    if (audit_candidate_count_ != n) Violation(kinds::kAuditAgreement, "audit.jsonl has " + std::to_string(audit_candidate_count_) + " candidate records for " + std::to_string(n) + " candidates");
    std::size_t rows = 0;
    for (const StageInfo& st : stages_) rows += st.rows.size();
    if (audit_seats_count_ != rows) Violation(kinds::kAuditAgreement, "audit.jsonl has " + std::to_string(audit_seats_count_) + " seat records, cutoffs.csv has " + std::to_string(rows) + " rows");
    if (audit_flow_count_ != flow_rows_.size()) {
      Violation(kinds::kAuditAgreement, "audit.jsonl has " + std::to_string(audit_flow_count_) + " flow records, flows.csv has " + std::to_string(flow_rows_.size()) + " rows");
    }
    if (audit_disagreements_ == 0 && report_.violations.size() == agreement_before) Passed("audit.jsonl agrees with placements.csv and cutoffs.csv");
  }

  // What the header states about the rules and the inputs (explain and an auditor's tools read
  // it): the rules' name, seed, rankings, channels and line values, the counts, and a continuing
  // round's parent counts, each as the rules and the inputs loaded here give them.
  void CheckHeaderContent() {
    namespace a = audit_keys;
    const JsonValue& h = audit_header_;
    auto bad = [&](const std::string& what) { Violation("audit.jsonl's header: " + what); };
    std::vector<const char*> keys = {a::kRecord, a::kFormat, a::kEngine, a::kRulesName, a::kFiles, a::kSeed, a::kRankings, a::kChannels, a::kLines};
    if (rules_.reassignment) keys.push_back(a::kReassignment);
    keys.insert(keys.end(), {a::kCandidates, a::kPrograms});
    if (instance_.parent.present) keys.push_back(a::kParent);
    if (!HasMembers(h, keys)) bad("its keys are not the ones audit-format.md gives for these rules, in its order");
    if (h[a::kEngine].text != manifest_.engine) bad("engine '" + h[a::kEngine].text + "', manifest.json says '" + manifest_.engine + "'");
    if (h[a::kRulesName].text != rules_.name) bad("rules_name '" + h[a::kRulesName].text + "', the rules' name is '" + rules_.name + "'");
    if (rules_.seed.empty() ? !h[a::kSeed].is_null() : h[a::kSeed].text != rules_.seed) bad("the lottery seed is not the rules'");
    const auto& rankings = h[a::kRankings].items;
    bool same = rankings.size() == rules_.rankings.size();
    for (std::size_t i = 0; same && i < rankings.size(); ++i) {
      const Ranking& r = rules_.rankings[i];
      same = (r.per_program ? HasMembers(rankings[i], {a::kName, a::kKeys, a::kLastTie, a::kPerProgram}) : HasMembers(rankings[i], {a::kName, a::kKeys, a::kLastTie})) &&
             rankings[i][a::kName].text == r.name && rankings[i][a::kKeys].items.size() == r.keys.size() && rankings[i][a::kPerProgram].boolean == r.per_program;
      for (std::size_t k = 0; same && k < r.keys.size(); ++k) same = rankings[i][a::kKeys].items[k].text == r.keys[k].text;
    }
    if (!same) bad("the rankings are not the rules' (names, keys as written, per_program)");
    const auto& channels = h[a::kChannels].items;
    std::size_t i = 0;
    same = true;
    for (const Batch& b : rules_.batches) {
      for (const Stage& st : b.stages) {
        for (const Channel& ch : st.channels) {
          std::vector<const char*> members = {a::kBatch, a::kStage, a::kChannel, a::kSeats, a::kRanking, a::kEligible, a::kSplitBy};
          if (st.mechanism.kind != Mechanism::Kind::kDeferredAcceptance) members.push_back(a::kMechanism);
          same = same && i < channels.size() && HasMembers(channels[i], members) && channels[i][a::kBatch].text == b.name && channels[i][a::kStage].text == st.name &&
                 channels[i][a::kChannel].text == ch.name && channels[i][a::kSeats].text == ch.seats &&
                 channels[i][a::kRanking].text == rules_.rankings[static_cast<std::size_t>(ch.ranking)].name &&
                 (ch.eligible_text.empty() ? channels[i][a::kEligible].is_null() : channels[i][a::kEligible].text == ch.eligible_text) &&
                 (ch.split_by.empty() ? channels[i][a::kSplitBy].is_null() : channels[i][a::kSplitBy].text == ch.split_by);
          ++i;
        }
      }
    }
    if (!same || i != channels.size()) bad("the channels are not the rules' (batch, stage, name, seats column, ranking, condition, split_by)");
    const auto& lines = h[a::kLines].items;
    same = lines.size() == rules_.lines.size();
    for (std::size_t l = 0; same && l < lines.size(); ++l) {
      same = HasMembers(lines[l], {a::kName, a::kValue, a::kHow}) && lines[l][a::kName].text == rules_.lines[l].name &&
             (lines_[l] == kMissingScore ? lines[l][a::kValue].is_null() : lines[l][a::kValue].text == FormatScore(lines_[l])) &&
             (l >= line_notes_.size() || lines[l][a::kHow].text == line_notes_[l]);
    }
    if (!same) bad("the score lines' names or values are not the ones recomputed from the rules and inputs, or how they were computed is not what lines.csv says");
    if (h[a::kCandidates].AsInt() != static_cast<std::int64_t>(instance_.candidates.size()) || h[a::kPrograms].AsInt() != static_cast<std::int64_t>(instance_.programs.size())) {
      bad("the counts of candidates and programs are not the inputs'");
    }
    const ParentRun& parent = instance_.parent;
    const JsonValue& hp = h[a::kParent];
    if (parent.present ? !HasMembers(hp, {a::kManifestSha256, a::kLocked, a::kDeclined}) || hp[a::kManifestSha256].text != parent.manifest_sha256 ||
                             hp[a::kLocked].AsInt() != static_cast<std::int64_t>(parent.locked) || hp[a::kDeclined].AsInt() != static_cast<std::int64_t>(parent.declined)
                       : !hp.is_null()) {
      bad("the parent run (its manifest's SHA-256, the counts of locked and declined candidates) is not the one the recorded inputs give");
    }
    // The reassignment as the rules give it (candidate records' `order` values are of these keys).
    if (rules_.reassignment) {
      const Reassignment& ra = *rules_.reassignment;
      const JsonValue& hr = h[a::kReassignment];
      same = HasMembers(hr, {a::kFlag, a::kRanking, a::kEligible, a::kChannels, a::kOrder}) && hr[a::kFlag].text == ra.flag &&
             hr[a::kRanking].text == rules_.rankings[static_cast<std::size_t>(ra.ranking)].name &&
             (ra.eligible_text.empty() ? hr[a::kEligible].is_null() : hr[a::kEligible].text == ra.eligible_text) &&
             hr[a::kChannels].items.size() == ra.channels.size() && hr[a::kOrder].items.size() == ra.order.size();
      for (std::size_t k = 0; same && k < ra.channels.size(); ++k) same = hr[a::kChannels].items[k].text == ra.channels[k];
      for (std::size_t k = 0; same && k < ra.order.size(); ++k) same = hr[a::kOrder].items[k].text == ra.order[k].text;
      if (!same) bad("the reassignment (flag, ranking, condition, channels, order) is not the rules'");
    }
  }

  // The header's rankings carry the rules' last_tie, by the names of names.h.
  void CheckHeaderNames() {
    const std::string& format = audit_header_[audit_keys::kFormat].text;
    if (format != kAuditFormat && format != "zkmatch-audit/2") {
      Violation("audit.jsonl's header gives the format '" + format + "', not " + kAuditFormat + " (or zkmatch-audit/2, which this zkmatch still reads)");
    }
    const auto& rankings = audit_header_[audit_keys::kRankings].items;
    for (std::size_t i = 0; i < rankings.size(); ++i) {
      const std::string& name = rankings[i][audit_keys::kLastTie].text;
      const std::optional<LastTie> tie = FromName<LastTie>(name);
      if (!tie) {
        Violation(UnknownNameError<LastTie>("audit.jsonl's header", name));
      } else if (i < rules_.rankings.size() && *tie != rules_.rankings[i].last_tie) {
        Violation("audit.jsonl's header gives ranking '" + rankings[i][audit_keys::kName].text + "' last_tie " + name + ", the rules say " +
                  Name(rules_.rankings[i].last_tie));
      }
    }
    // Each channel's mechanism (explain reads it): absent under deferred acceptance, else the
    // stage's, in the form the rules write it.
    std::size_t i = 0;
    const auto& channels = audit_header_[audit_keys::kChannels].items;
    for (const Batch& batch : rules_.batches) {
      for (const Stage& stage : batch.stages) {
        for (std::size_t h = 0; h < stage.channels.size(); ++h, ++i) {
          if (i >= channels.size()) return;
          const JsonValue& m = channels[i][audit_keys::kMechanism];
          const std::int64_t width = m.is_null() ? 0
                                     : m.type == JsonValue::Type::kString ? (FromName<Mechanism::Kind>(m.text) == Mechanism::Kind::kImmediateAcceptance ? 1 : -1)
                                                                          : m[Name(Mechanism::Kind::kParallel)][audit_keys::kBand].AsInt();
          const bool word_for_parallel = m.type == JsonValue::Type::kObject && stage.mechanism.kind != Mechanism::Kind::kParallel;
          if (width != stage.mechanism.BandWidth() || word_for_parallel) {
            Violation("audit.jsonl's header gives channel '" + stage.channels[h].name + "' of " + (stage.name.empty() ? "batch '" + batch.name + "'" : "stage '" + stage.name + "'") +
                      " another mechanism than the rules' " + Name(stage.mechanism.kind));
          }
        }
      }
    }
  }

  // What a candidate record says, checked against the published files on the thread that parsed
  // it; TakeCandidateRecord reports it in file order.
  struct CandidateRecordCheck {
    std::string id;
    std::size_t position = 0;  // where the id is, or would be, among the candidates' sorted ids
    bool found = false;        // a known candidate (then c is theirs)
    CandidateIndex c = kNoCandidate;
    bool agrees = true;                     // its placement is placements.csv's
    bool keys_in_order = true;              // exactly the keys audit-format.md gives, in its order
    std::vector<std::string> unknown_names;  // rejection reasons that are not names of names.h
  };

  // The top-level keys of candidate c's record, in the order audit-format.md gives them for the
  // status the record gives (whether that status is placements.csv's is checked apart), with
  // `lottery` and `groups` where present (CheckExplanation says whether they must be).
  bool CandidateKeysInOrder(JsonRef r, std::size_t c) const {
    namespace a = audit_keys;
    const std::string_view status = r[a::kStatus].text();
    const bool placed = status == a::kStatusPlaced, reassigned = status == a::kStatusReassigned;
    std::vector<const char*> want = {a::kRecord, a::kId, a::kStatus};
    const std::vector<const char*> seat = {a::kBatch, a::kStage, a::kProgram, a::kChannel, a::kChoiceRank};
    if (status == a::kStatusLocked) {
      want.insert(want.end(), seat.begin(), seat.end());
    } else {
      if (reassigned) want.insert(want.end(), {a::kBatch, a::kStage, a::kProgram, a::kChannel, a::kReassignment});
      if (instance_.parent.present && instance_.parent.state[c] == ParentRun::kDeclined) want.push_back(a::kDeclined);
      if (placed) want.insert(want.end(), seat.begin(), seat.end());
    }
    want.push_back(a::kBatches);
    want.push_back(a::kKeys);
    std::size_t i = 0;
    for (JsonRef m : r.children()) {
      if (i < want.size() && m.key() == want[i]) {
        ++i;
      } else if (i == want.size() && m.key() == a::kLottery) {
        want.push_back(a::kLottery);  // at most once, then only groups may follow
        ++i;
      } else if (i == want.size() && m.key() == a::kGroups) {
        want.push_back(a::kGroups);
        want.push_back(a::kGroups);  // nothing may follow it
        ++i;
      } else {
        return false;
      }
    }
    return i == want.size() || (i + 1 == want.size() && want.back() == a::kGroups);
  }

  // Reads only; safe on many threads. `line_no` names the line in findings; *guess is where the
  // id probably is (the last record's position + 1), updated.
  void CheckCandidateRecord(JsonRef r, std::size_t line_no, std::size_t* guess, CandidateRecordCheck* out) const {
    namespace a = audit_keys;
    // The record's members, read in one pass.
    static constexpr std::string_view kRecordKeys[] = {a::kId, a::kStatus, a::kBatch, a::kStage, a::kProgram, a::kChannel, a::kChoiceRank, a::kBatches, a::kDeclined, a::kReassignment};
    JsonRef member[std::size(kRecordKeys)];
    r.Members(kRecordKeys, member);
    const JsonRef status = member[1], batch = member[2], stage = member[3], program = member[4], channel = member[5], choice_rank = member[6];
    out->id = member[0].text();
    const auto& ids = instance_.candidates.id;
    out->position = *guess < ids.size() && ids[*guess] == out->id ? *guess : static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), out->id) - ids.begin());
    *guess = out->position + 1;
    out->found = out->position < ids.size() && ids[out->position] == out->id;
    if (!out->found) return;
    const std::size_t c = out->position;
    out->c = static_cast<CandidateIndex>(c);
    // Every rejection reason is a name of names.h.
    for (JsonRef entry : member[7].children()) {
      for (JsonRef step : entry[a::kChoices].children()) {
        for (JsonRef m : step[a::kRejected].children()) {
          if (!FromName<Rejection>(std::string(m.text()))) out->unknown_names.push_back(UnknownNameError<Rejection>("audit.jsonl:" + std::to_string(line_no), std::string(m.text())));
        }
      }
    }
    const bool placed = stage_of_[c] >= 0;
    const Claim* claim = ClaimOf(static_cast<CandidateIndex>(c));
    out->keys_in_order = CandidateKeysInOrder(r, c);
    if (locked_index_[c] != kNone) {  // a continuing round: the parent's seat, as placements.csv shows it
      const PlacementRow& row = locked_rows_[locked_index_[c]];
      out->agrees = status.text() == a::kStatusLocked && batch.text() == row.batch && stage.text() == row.stage &&
                    program.text() == row.program && channel.text() == row.channel && choice_rank.AsInt() == row.choice_rank;
      return;
    }
    bool same = status.text() == (placed ? a::kStatusPlaced : claim ? a::kStatusReassigned : a::kStatusUnplaced);
    // A continuing round: the seat a candidate gave up (declined.csv) is the parent's.
    const ParentRun& parent = instance_.parent;
    const JsonRef declined = member[8];
    if (parent.present && parent.state[c] == ParentRun::kDeclined) {
      const ParentRun::Slot& slot = parent.slots[parent.slot[c]];
      same = same && declined[a::kBatch].text() == slot.batch && declined[a::kStage].text() == slot.stage && declined[a::kProgram].text() == instance_.programs.code[parent.program[c]] &&
             declined[a::kChannel].text() == slot.channel && declined[a::kChoiceRank].AsInt() == parent.choice_rank[c];
    } else {
      same = same && declined.is_null();
    }
    if (same && claim) {
      const StageInfo& st = stages_[static_cast<std::size_t>(claim->stage)];
      same = batch.text() == rules_.batches[st.b].name && stage.text() == StageRules(st).name &&
             program.text() == instance_.programs.code[claim->program] && channel.text() == StageRules(st).channels[claim->channel].name &&
             ShownOrder(member[9][a::kOrder]) == OrderValues(static_cast<CandidateIndex>(c), claim->program) &&
             member[9][a::kTurn].AsInt() == static_cast<std::int64_t>(claim_turn_[static_cast<std::size_t>(claim - claims_.data())]);
    }
    if (same && placed) {
      const StageInfo& st = stages_[static_cast<std::size_t>(stage_of_[c])];
      same = batch.text() == rules_.batches[st.b].name && stage.text() == StageRules(st).name && program.text() == instance_.programs.code[program_[c]] &&
             channel.text() == StageRules(st).channels[channel_[c]].name && choice_rank.AsInt() == choice_[c] + 1;
    }
    out->agrees = same;
  }

  // Candidate records come in id order; each must agree with placements.csv.
  void TakeCandidateRecord(const CandidateRecordCheck& check, std::size_t line_no) {
    ++audit_candidate_count_;
    TakeInOrder(RecordKind::kCandidate, line_no);
    while (next_candidate_ < check.position) MissingRecord(next_candidate_++);
    if (!check.found || next_candidate_ != check.position) {
      AgreementViolation("audit.jsonl:" + std::to_string(line_no) + ": a record for candidate '" + check.id + "', who is unknown or out of id order");
      return;
    }
    ++next_candidate_;
    for (const std::string& what : check.unknown_names) AgreementViolation(what);
    if (!check.agrees) AgreementViolation("audit.jsonl's record for candidate '" + check.id + "' disagrees with placements.csv (line " + std::to_string(line_no) + ")");
    if (!check.keys_in_order) AgreementViolation("audit.jsonl:" + std::to_string(line_no) + ": the record for candidate '" + check.id + "' does not have the keys audit-format.md gives, in its order");
  }

  // One parsed line of the log other than a candidate record, in file order.
  void TakeRecord(JsonValue& v, std::size_t line_no, JsonValue* last) {
    namespace a = audit_keys;
    const std::string& record = v[a::kRecord].text;
    if (line_no == 1 && record != a::kHeader) Violation("audit.jsonl:1: the first record is not the header");
    const RecordKind kind = record == a::kHeader ? RecordKind::kHeader
                            : record == a::kSeats ? RecordKind::kSeats
                            : record == a::kFlow  ? RecordKind::kFlow
                            : record == a::kEnd   ? RecordKind::kEnd
                                                  : RecordKind::kNone;
    if (kind == RecordKind::kNone) {
      AgreementViolation("audit.jsonl:" + std::to_string(line_no) + ": a record of no kind audit-format.md gives ('" + record + "')");
      return;
    }
    TakeInOrder(kind, line_no);
    if (kind == RecordKind::kSeats) {
      CompareSeatsRecord(v, line_no);
    } else if (kind == RecordKind::kFlow) {
      CompareFlowRecord(v, line_no);
    } else if (kind == RecordKind::kHeader) {
      if (line_no == 1) audit_header_ = std::move(v);
    } else {
      *last = std::move(v);
    }
  }

  // The log's records come in the order audit-format.md gives: one header, the seats records,
  // the flow records, the candidate records, one end record.
  enum class RecordKind { kNone, kHeader, kSeats, kFlow, kCandidate, kEnd };
  void TakeInOrder(RecordKind kind, std::size_t line_no) {
    const bool in_order = kind == RecordKind::kHeader ? last_kind_ == RecordKind::kNone : last_kind_ != RecordKind::kNone && last_kind_ != RecordKind::kEnd && kind >= last_kind_;
    if (!in_order && line_no != 1) {  // a first record that is not the header is reported as such
      AgreementViolation("audit.jsonl:" + std::to_string(line_no) + ": a '" + RecordKindName(kind) + "' record after a '" + RecordKindName(last_kind_) +
                         "' record (the order is: the header, seats, flows, candidates, the end)");
    }
    if (kind > last_kind_ || kind == RecordKind::kEnd) last_kind_ = kind;
  }
  static std::string RecordKindName(RecordKind kind) {
    switch (kind) {
      case RecordKind::kHeader: return audit_keys::kHeader;
      case RecordKind::kSeats: return audit_keys::kSeats;
      case RecordKind::kFlow: return audit_keys::kFlow;
      case RecordKind::kCandidate: return audit_keys::kCandidate;
      case RecordKind::kEnd: return audit_keys::kEnd;
      case RecordKind::kNone: break;
    }
    return "?";
  }

  // A flow record states the row of flows.csv at its place, field by field.
  void CompareFlowRecord(const JsonValue& f, std::size_t line_no) {
    namespace a = audit_keys;
    const std::size_t i = audit_flow_count_++;
    const std::string where = "audit.jsonl:" + std::to_string(line_no) + ": flow record " + std::to_string(i + 1);
    if (i >= flow_rows_.size()) {
      AgreementViolation(where + ", but flows.csv has " + std::to_string(flow_rows_.size()) + " rows");
      return;
    }
    const FlowRow& r = flow_rows_[i];
    auto text = [&](const char* key, const std::string& want) { return f[key].type == JsonValue::Type::kString && f[key].text == want; };
    auto number = [&](const char* key, std::int64_t want) { return f[key].type == JsonValue::Type::kNumber && f[key].text == std::to_string(want); };
    const bool same = HasMembers(f, {a::kRecord, a::kBatch, a::kStage, a::kPass, a::kProgram, a::kChannel, a::kGroup, a::kToBatch, a::kToStage, a::kToChannel, a::kSeats}) &&
                      text(a::kBatch, r.batch) && text(a::kStage, r.stage) && number(a::kPass, r.pass) && text(a::kProgram, r.program) &&
                      text(a::kChannel, r.channel) && (r.group.empty() ? f[a::kGroup].is_null() : text(a::kGroup, r.group)) && text(a::kToBatch, r.to_batch) &&
                      text(a::kToStage, r.to_stage) && text(a::kToChannel, r.to_channel) && number(a::kSeats, r.seats);
    if (!same) AgreementViolation(where + " disagrees with flows.csv line " + std::to_string(r.line));
  }

  // The Merkle tree (merkle.h) over every line, against the manifest's root and size.
  void CheckAuditRoot(const std::vector<MerkleHash>& leaves) {
    const std::string root = MerkleHex(MerkleRoot(leaves));
    if (static_cast<std::int64_t>(leaves.size()) != manifest_.audit_records) {
      Violation("audit.jsonl has " + std::to_string(leaves.size()) + " records but manifest.json records " + std::to_string(manifest_.audit_records) +
                " (records were removed or inserted)");
    }
    if (root != manifest_.audit_root) {
      Violation("audit.jsonl: the Merkle root of its records is " + root + " but manifest.json records " + manifest_.audit_root +
                " (a record was edited, removed, inserted or moved; the findings on records name those that disagree with the published files)");
    }
  }

  void MissingRecord(std::size_t c) { AgreementViolation("audit.jsonl has no record for candidate '" + instance_.candidates.id[c] + "'"); }

  void AgreementViolation(std::string what) {
    if (++audit_disagreements_ <= 100) Violation(kinds::kAuditAgreement, std::move(what));
  }

  // A seats record states a row of cutoffs.csv and the certificate explain and the receipts
  // quote (the last admitted candidate and their place in the channel's ranking): every field
  // is checked, in the order audit-format.md gives, against the row (itself checked against the
  // inputs by CheckRows) and against the ranking recomputed here.
  void CompareSeatsRecord(const JsonValue& s, std::size_t line_no) {
    namespace a = audit_keys;
    ++audit_seats_count_;
    const std::string where = "audit.jsonl:" + std::to_string(line_no) + ": the seats record for " + s[a::kProgram].text + " " + s[a::kChannel].text;
    const int sp = FindStage(s[a::kBatch].text, s[a::kStage].text);
    Row* row = nullptr;
    std::uint32_t h = kNone;
    ProgramIndex p = kNoProgram;
    if (sp >= 0) {
      StageInfo& st = stages_[static_cast<std::size_t>(sp)];
      p = FindProgram(s[a::kProgram].text);
      h = FindChannel(StageRules(st), s[a::kChannel].text);
      if (p != kNone && h != kNone) {
        const bool split = st.split[h] != nullptr;
        if (split == s[a::kGroup].is_null() || (split && s[a::kGroup].type != JsonValue::Type::kString)) {
          AgreementViolation(where + (split ? " names no junior-school group, but the channel is split" : " names a group, but the channel is not split"));
          return;
        }
        row = FindRow(st, p, h, split ? FindGroup(st.split[h], s[a::kGroup].text) : kNone);
      }
    }
    if (!row) {
      AgreementViolation(where + " names a row cutoffs.csv does not have");
      return;
    }
    if (row->line <= last_seats_row_line_) AgreementViolation(where + " is out of cutoffs.csv's order (its row is line " + std::to_string(row->line) + ")");
    last_seats_row_line_ = row->line;
    const StageInfo& st = stages_[static_cast<std::size_t>(sp)];
    const Stage& stage = StageRules(st);
    const bool mechanism = stage.mechanism.kind != Mechanism::Kind::kDeferredAcceptance;
    if (!HasMembers(s, {a::kRecord, a::kBatch, a::kStage, a::kProgram, a::kChannel, a::kGroup, a::kInitial, a::kFlowedIn, a::kFlowedOut, a::kCapacity,
                        a::kAdmitted, a::kCutoffTotal, a::kCutoff})) {
      AgreementViolation(where + " does not have exactly the keys audit-format.md gives, in its order");
    }
    auto is_int = [&](const char* key, std::int64_t want) { return s[key].type == JsonValue::Type::kNumber && s[key].AsInt() == want && s[key].text == std::to_string(want); };
    if (!is_int(a::kInitial, row->initial) || !is_int(a::kFlowedIn, row->flowed_in) || !is_int(a::kFlowedOut, row->flowed_out) ||
        !is_int(a::kCapacity, row->capacity) || !is_int(a::kAdmitted, row->admitted)) {
      AgreementViolation(where + " disagrees with cutoffs.csv line " + std::to_string(row->line) + " (initial, flowed_in, flowed_out, capacity or admitted)");
    }
    const JsonValue& total = s[a::kCutoffTotal];
    if (row->cutoff_total.empty() ? !total.is_null() : total.type != JsonValue::Type::kString || total.text != row->cutoff_total) {
      AgreementViolation(where + " gives cutoff_total " + (total.is_null() ? "null" : "'" + total.text + "'") + ", cutoffs.csv line " + std::to_string(row->line) +
                         " '" + row->cutoff_total + "'");
    }
    const JsonValue& cut = s[a::kCutoff];
    if (row->placed == 0) {
      if (!cut.is_null()) AgreementViolation(where + " names a last admitted candidate, but nobody was admitted");
      return;
    }
    // The last admitted: a candidate admitted to this row whom the channel ranks lowest (with
    // admit_all, any of those tied there).
    const std::string& id = cut[a::kCandidate].text;
    const auto& ids = instance_.candidates.id;
    const auto it = std::lower_bound(ids.begin(), ids.end(), id);
    const int ranking = stage.channels[h].ranking;
    bool ok = cut.type == JsonValue::Type::kObject && cut[a::kCandidate].type == JsonValue::Type::kString && it != ids.end() && *it == id;
    CandidateIndex c = kNoCandidate;
    if (ok) {
      c = static_cast<CandidateIndex>(it - ids.begin());
      ok = stage_of_[c] == sp && program_[c] == p && channel_[c] == h && FindRow(st, p, h, GroupOf(st, h, c)) == row && PlacedRank(st, ranking, c) == row->worst_rank;
    }
    if (!ok) {
      AgreementViolation(where + " names '" + id + "' as its last admitted candidate, who is not the lowest ranked of those placements.csv admits there");
      return;
    }
    const Ranking& r = rules_.rankings[static_cast<std::size_t>(ranking)];
    const std::int32_t choice_rank = static_cast<std::int32_t>(choice_[c]) + 1;
    const JsonValue& rank = cut[a::kRank];
    std::vector<const char*> keys = {a::kCandidate, a::kRank};
    if (mechanism) keys.push_back(a::kChoiceRank);
    bool same = HasMembers(cut, keys) && HasMembers(rank, {a::kRanking, a::kKey, a::kTie}) && rank[a::kRanking].type == JsonValue::Type::kString &&
                rank[a::kRanking].text == r.name && rank[a::kKey].type == JsonValue::Type::kArray && rank[a::kKey].items.size() == r.keys.size();
    const EvalContext ctx = Context();
    for (std::size_t i = 0; same && i < r.keys.size(); ++i) {
      const Score v = EvaluateNumber(*r.keys[i].expr, ctx, c, p, choice_rank);
      const JsonValue& shown = rank[a::kKey].items[i];
      same = v == kMissingScore ? shown.is_null() : shown.type == JsonValue::Type::kString && shown.text == FormatScore(v);
    }
    const JsonValue& tie = rank[a::kTie];
    switch (r.last_tie) {
      case LastTie::kId: same = same && tie.type == JsonValue::Type::kString && tie.text == id; break;
      case LastTie::kLottery: same = same && tie.type == JsonValue::Type::kString && tie.text == LotteryHex(id); break;
      case LastTie::kAdmitAll: same = same && tie.is_null(); break;
    }
    if (mechanism) same = same && cut[a::kChoiceRank].type == JsonValue::Type::kNumber && cut[a::kChoiceRank].AsInt() == choice_rank;
    if (!same) AgreementViolation(where + ": its last admitted candidate's place (ranking, key values, tie" + (mechanism ? ", choice_rank" : "") + ") is not '" + id + "''s");
  }

  // The 16-hex-digit lottery number of a candidate, as the log writes it.
  std::string LotteryHex(const std::string& id) const {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(verify::Lottery(rules_.seed, id)));
    return hex;
  }

  static std::size_t MemberCount(JsonRef v) {
    std::size_t n = 0;
    for (JsonRef m : v.children()) {
      (void)m;
      ++n;
    }
    return n;
  }

  // Whether object `v` has exactly these members, in this order (audit-format.md: "Keys appear in
  // exactly the order given").
  static bool HasMembers(const JsonValue& v, std::initializer_list<const char*> keys) { return HasMembers(v, std::vector<const char*>(keys)); }
  static bool HasMembers(const JsonValue& v, const std::vector<const char*>& keys) {
    if (v.type != JsonValue::Type::kObject || v.members.size() != keys.size()) return false;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (v.members[i].first != keys[i]) return false;
    }
    return true;
  }

  // The rules given (--rules), or the recorded ones; a run bundle's inputs (and, for the recorded
  // rules, the files they extend) are the bundle's copies.
  bool Load(const std::string& rules_file, bool recorded) {
    RulesFileMap files = files_;
    if (!recorded) files.map_bases = false;
    auto rules = LoadRules(rules_file, sink_, files);
    if (!rules) {
      unreadable_ = rules.status();
      return false;
    }
    rules_ = std::move(*rules);
    auto instance = LoadInputs(rules_, sink_);
    if (!instance) {
      unreadable_ = instance.status();
      return false;
    }
    instance_ = std::move(*instance);
    lines_ = verify::Lines(rules_, instance_);
    const EvalContext ctx = Context();
    for (std::size_t b = 0; b < rules_.batches.size(); ++b) {
      for (std::size_t s = 0; s < rules_.batches[b].stages.size(); ++s) {
        const Stage& st = rules_.batches[b].stages[s];
        StageInfo info;
        info.b = b;
        info.s = s;
        info.in_stage = verify::ProgramsOf(st, ctx);
        for (const Channel& ch : st.channels) info.split.push_back(instance_.candidates.FindColumn(ch.split_by));
        for (const Column* col : info.split) {
          if (col && std::find(split_columns_.begin(), split_columns_.end(), col) == split_columns_.end()) split_columns_.push_back(col);
        }
        stages_.push_back(std::move(info));
      }
    }
    return true;
  }

  // Every ranking, recomputed from its definition (verify_reference.h) into ranks_ and
  // entry_ranks_. Reads the rules and inputs only; RunChecks runs it on a thread of its own
  // while the outputs are read, and nothing reads the ranks before it is done.
  void ComputeRanks() {
    const EvalContext ctx = Context();
    ranks_.resize(rules_.rankings.size());
    entry_ranks_.resize(rules_.rankings.size());
    for (std::size_t r = 0; r < rules_.rankings.size(); ++r) {
      if (!rules_.rankings[r].per_program) {
        ranks_[r] = verify::RankCandidates(rules_.rankings[r], ctx, rules_.seed).rank;
        continue;
      }
      for (const ChoiceLists& lists : instance_.choices) entry_ranks_[r].push_back(verify::RankEntries(rules_.rankings[r], ctx, lists, rules_.seed));
    }
  }

  std::string manifest_rules_sha() const {
    const ManifestInput* rules = manifest_.Input("rules");
    return rules ? rules->sha256 : std::string();
  }

  int FindStage(std::string_view batch, std::string_view stage) const {
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      if (rules_.batches[stages_[i].b].name == batch && rules_.batches[stages_[i].b].stages[stages_[i].s].name == stage) return static_cast<int>(i);
    }
    return -1;
  }
  const Stage& StageRules(const StageInfo& st) const { return rules_.batches[st.b].stages[st.s]; }
  ProgramIndex FindProgram(const std::string& code) const {
    const auto& codes = instance_.programs.code;
    auto it = std::lower_bound(codes.begin(), codes.end(), code);
    return it != codes.end() && *it == code ? static_cast<ProgramIndex>(it - codes.begin()) : kNoProgram;
  }
  std::uint32_t FindChannel(const Stage& st, const std::string& name) const {
    for (std::size_t h = 0; h < st.channels.size(); ++h) {
      if (st.channels[h].name == name) return static_cast<std::uint32_t>(h);
    }
    return kNone;
  }
  std::uint32_t FindGroup(const Column* col, const std::string& name) const {
    if (!col) return kNone;
    auto it = std::lower_bound(col->dictionary.begin(), col->dictionary.end(), name);
    return it != col->dictionary.end() && *it == name ? static_cast<std::uint32_t>(it - col->dictionary.begin()) : kNone - 1;
  }
  std::uint32_t GroupOf(const StageInfo& st, std::size_t h, CandidateIndex c) const {
    return st.split[h] ? st.split[h]->text[c] : kNone;
  }
  Row* FindRow(StageInfo& st, ProgramIndex p, std::uint32_t h, std::uint32_t g) {
    return const_cast<Row*>(std::as_const(*this).FindRow(std::as_const(st), p, h, g));
  }
  const Row* FindRow(const StageInfo& st, ProgramIndex p, std::uint32_t h, std::uint32_t g) const {
    const std::size_t at = static_cast<std::size_t>(p) * st.num_channels + h;
    if (g == kNone && h < st.num_channels && at < st.whole.size()) return st.whole[at];
    auto it = st.rows.find({p, h, g});
    return it == st.rows.end() ? nullptr : &it->second;
  }
  // Whether channel h has seats at p in stage st: its row's capacity, or for a channel split by
  // group, whether any group's row has seats.
  bool HasSeats(const StageInfo& st, ProgramIndex p, std::uint32_t h) const {
    return st.has_seats[static_cast<std::size_t>(p) * st.num_channels + h] != 0;
  }
  // StageInfo's flat indexes over the rows of cutoffs.csv.
  void IndexRows() {
    const std::size_t np = instance_.programs.size();
    for (StageInfo& st : stages_) {
      st.num_channels = StageRules(st).channels.size();
      st.whole.assign(np * st.num_channels, nullptr);
      st.has_seats.assign(np * st.num_channels, 0);
      for (auto& [key, row] : st.rows) {
        const auto& [p, h, g] = key;
        const std::size_t at = static_cast<std::size_t>(p) * st.num_channels + h;
        if (g == kNone) {
          st.whole[at] = &row;
          st.has_seats[at] = row.capacity > 0;  // the whole row decides (it sorts after any group's)
        } else {
          st.has_seats[at] = st.has_seats[at] || row.capacity > 0;
        }
      }
    }
  }

  // How reading a published file went (run_format.h): a missing file cannot be verified (it is
  // also reported against the manifest); every finding in a file that was there -- a header
  // without the file's columns, a row with too few cells, a cell that is not a number -- is a
  // violation. False when no row could be read.
  bool Published(ReadStatus status, const std::vector<Finding>& findings) {
    if (status == ReadStatus::kMissing) {
      for (const Finding& f : findings) sink_.Error(Path(f.file), f.row, 0, f.message);
      unreadable_ = Status::FromSink(sink_, "the run's published files");
      return false;
    }
    for (const Finding& f : findings) Violation(f.Format());
    return status == ReadStatus::kRead;
  }

  // A placements.csv row of status `reassigned`: the seat's batch, stage, program and channel
  // must exist, and choice_rank be empty (the candidate did not list the program).
  void ReadReassigned(const PlacementRow& row, CandidateIndex c, const std::string& at) {
    const std::string& id = row.id;
    if (!rules_.reassignment) {
      Violation(at + "candidate '" + id + "' is placed by reassignment, but the rules have no reassignment");
      return;
    }
    const int sp = FindStage(row.batch, row.stage);
    const ProgramIndex p = sp < 0 ? kNoProgram : FindProgram(row.program);
    const std::uint32_t h = sp < 0 ? kNone : FindChannel(StageRules(stages_[static_cast<std::size_t>(sp)]), row.channel);
    if (p == kNone || h == kNone || row.choice_rank != 0) {
      Violation(at + "unknown batch, stage, program or channel, or a choice_rank, for candidate '" + id + "' placed by reassignment");
      return;
    }
    claims_.push_back({c, sp, p, h, row.line});
  }

  const Claim* ClaimOf(CandidateIndex c) const {
    auto it = std::lower_bound(claims_.begin(), claims_.end(), c, [](const Claim& a, CandidateIndex b) { return a.candidate < b; });
    return it != claims_.end() && it->candidate == c ? &*it : nullptr;
  }

  // The order keys' values for candidate c at program p, as audit.jsonl shows them.
  std::vector<std::string> OrderValues(CandidateIndex c, ProgramIndex p) const {
    std::vector<std::string> out;
    const EvalContext ctx = Context();
    for (const ReassignmentKey& k : rules_.reassignment->order) {
      const Score v = k.condition ? (EvaluateCondition(*k.expr, ctx, c, p, 0) ? Score{100} : Score{0}) : EvaluateNumber(*k.expr, ctx, c, p, 0);
      out.push_back(v == kMissingScore ? "null" : FormatScore(v));
    }
    return out;
  }
  static std::vector<std::string> ShownOrder(JsonRef list) {
    std::vector<std::string> out;
    for (JsonRef v : list.children()) out.push_back(v.is_null() ? "null" : std::string(v.text()));
    return out;
  }

  // Each seat reassignment gave, counted in its row of cutoffs.csv (the candidate's group for a
  // split channel); a row cutoffs.csv lacks is a finding.
  void TallyReassigned() {
    for (Claim& claim : claims_) {
      StageInfo& st = stages_[static_cast<std::size_t>(claim.stage)];
      Row* row = FindRow(st, claim.program, claim.channel, GroupOf(st, claim.channel, claim.candidate));
      if (row) {
        ++row->reassigned;
      } else {
        Violation("placements.csv:" + std::to_string(claim.line) + ": candidate '" + instance_.candidates.id[claim.candidate] +
                  "' is placed by reassignment in a row (program, channel, their group) that cutoffs.csv does not have");
      }
    }
  }

  // Reassignment replayed turn by turn by the verifier's own code (verify_reassignment.h), over
  // the seats cutoffs.csv's capacities and placements.csv's batch placements leave empty.
  // claim_turn_: each seat reassignment gave, numbered in turn order (the reassignment
  // ranking, ties by id) from 1, as a record's `reassignment.turn` gives it.
  void NumberTurns() {
    claim_turn_.assign(claims_.size(), 0);
    if (!rules_.reassignment) return;
    const std::vector<std::uint32_t>& rank = ranks_[static_cast<std::size_t>(rules_.reassignment->ranking)];
    if (rank.size() != instance_.candidates.size()) return;  // a ranking over candidates (the loader's rule)
    std::vector<std::size_t> order(claims_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      const CandidateIndex a = claims_[x].candidate, b = claims_[y].candidate;
      return rank[a] != rank[b] ? rank[a] < rank[b] : a < b;
    });
    for (std::size_t t = 0; t < order.size(); ++t) claim_turn_[order[t]] = t + 1;
  }

  void CheckReassignment() {
    std::vector<verify::EmptyRow> rows;
    std::map<std::tuple<int, ProgramIndex, std::uint32_t, std::uint32_t>, std::size_t> index;
    for (std::size_t sp = 0; sp < stages_.size(); ++sp) {
      const StageInfo& st = stages_[sp];
      for (const auto& [key, row] : st.rows) {
        const auto [p, h, g] = key;
        const Channel& ch = StageRules(st).channels[h];
        const std::string where = instance_.programs.code[p] + " " + ch.name + (g == kNone ? "" : " (" + st.split[h]->dictionary[g] + ")") + " in batch '" +
                                  rules_.batches[st.b].name + "' (cutoffs.csv line " + std::to_string(row.line) + ")";
        index[{static_cast<int>(sp), p, h, g}] = rows.size();
        rows.push_back({row.line, &ch, st.split[h], p, g, row.capacity - row.placed, where});
      }
    }
    // cutoffs.csv's order is the documented last tie-break: rows by their line.
    std::vector<std::size_t> by_line(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) by_line[i] = i;
    std::sort(by_line.begin(), by_line.end(), [&](std::size_t a, std::size_t b) { return rows[a].line < rows[b].line; });
    std::vector<std::size_t> position(rows.size());
    std::vector<verify::EmptyRow> sorted;
    for (std::size_t i = 0; i < by_line.size(); ++i) {
      position[by_line[i]] = i;
      sorted.push_back(rows[by_line[i]]);
    }
    std::vector<verify::GivenSeat> given;
    for (const Claim& claim : claims_) {
      const StageInfo& st = stages_[static_cast<std::size_t>(claim.stage)];
      auto it = index.find({claim.stage, claim.program, claim.channel, GroupOf(st, claim.channel, claim.candidate)});
      if (it != index.end()) given.push_back({claim.candidate, position[it->second], claim.line});
    }
    std::vector<std::uint8_t> placed_by_batch(instance_.candidates.size(), 0);
    // A continuing round's locked candidates hold the parent's seat: they take no turn either.
    for (std::size_t c = 0; c < placed_by_batch.size(); ++c) placed_by_batch[c] = stage_of_[c] >= 0 || locked_index_[c] != kNone;
    std::size_t turns = 0;
    const std::size_t before = report_.violations.size();
    for (std::string& f : verify::CheckReassignment(rules_, Context(), ranks_[static_cast<std::size_t>(rules_.reassignment->ranking)], placed_by_batch,
                                                    std::move(sorted), given, &turns)) {
      Violation(std::move(f));
    }
    if (report_.violations.size() == before) {
      Passed("reassignment replayed (" + std::to_string(turns) + " turns, " + std::to_string(claims_.size()) +
             " seats given): each got the first empty seat they are eligible for by the order, and nobody eligible was left unplaced beside an empty seat");
    }
  }

  bool ReadPlacements() {
    const std::size_t before = report_.violations.size();
    const std::size_t n = instance_.candidates.size();
    stage_of_.assign(n, -1);
    program_.assign(n, kNoProgram);
    channel_.assign(n, kNone);
    choice_.assign(n, 0);
    std::vector<int> seen_line(n, 0);
    locked_index_.assign(n, kNone);
    std::string previous_id;
    std::size_t next_guess = 0;
    const auto& ids = instance_.candidates.id;
    std::vector<Finding> findings;
    const ReadStatus status = zkmatch::ReadPlacements(dir_, [&](const PlacementRow& row) {
      const std::string& id = row.id;
      auto at = [&row] { return "placements.csv:" + std::to_string(row.line) + ": "; };  // built for a finding only
      if (!previous_id.empty() && !(previous_id < id)) Violation(at() + "rows are not sorted by candidate id ('" + id + "' after '" + previous_id + "')");
      previous_id = id;
      // Rows come in id order (checked above), so the candidate after the last row's is tried
      // before a binary search.
      std::size_t found = next_guess < n && ids[next_guess] == id ? next_guess : static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
      if (found == n || ids[found] != id) {
        Violation(at() + "candidate '" + id + "' is not in the candidates file");
        return;
      }
      next_guess = found + 1;
      const auto c = static_cast<CandidateIndex>(found);
      if (seen_line[c]) {
        Violation(at() + "candidate '" + id + "' appears again (first at line " + std::to_string(seen_line[c]) + ")");
        return;
      }
      seen_line[c] = row.line;
      if (row.status == audit_keys::kStatusLocked) {  // a continuing round: the parent's seat (CheckParentRun)
        locked_index_[c] = static_cast<std::uint32_t>(locked_rows_.size());
        locked_rows_.push_back(row);
        return;
      }
      if (row.status == "unplaced") {
        if (!row.batch.empty() || !row.program.empty() || !row.channel.empty() || !row.stage.empty() || row.choice_rank != 0) {
          Violation(at() + "unplaced candidate '" + id + "' has a batch, program, channel, choice_rank or stage");
        }
        return;
      }
      if (row.reassigned()) {
        ReadReassigned(row, c, at());
        return;
      }
      if (!row.placed()) {
        Violation(at() + "status '" + row.status + "' is neither placed, reassigned nor unplaced");
        return;
      }
      const int sp = FindStage(row.batch, row.stage);
      if (sp < 0) {
        Violation(at() + "unknown batch/stage '" + row.batch + "/" + row.stage + "'");
        return;
      }
      const StageInfo& st = stages_[static_cast<std::size_t>(sp)];
      const ProgramIndex p = FindProgram(row.program);
      const std::uint32_t h = FindChannel(StageRules(st), row.channel);
      const std::int32_t rank = row.choice_rank;
      if (p == kNone || h == kNone || rank < 1) {
        Violation(at() + "unknown program or channel, or a bad choice_rank, for candidate '" + id + "'");
        return;
      }
      const ChoiceLists& lists = instance_.choices[st.b];
      if (static_cast<std::uint32_t>(rank) > lists.length(c) || lists.program[lists.offset[c] + static_cast<std::uint32_t>(rank) - 1] != p) {
        Violation(at() + "candidate '" + id + "' did not list " + row.program + " as choice " + std::to_string(rank) + " in batch '" + rules_.batches[st.b].name + "'");
        return;
      }
      if (!st.in_stage[p]) {
        Violation(at() + "program " + row.program + " takes no part in stage '" + StageRules(st).name + "'");
        return;
      }
      stage_of_[c] = sp;
      program_[c] = p;
      channel_[c] = h;
      choice_[c] = static_cast<std::uint32_t>(rank - 1);
    }, &findings);
    if (!Published(status, findings)) return false;
    for (std::size_t c = 0; c < n; ++c) {
      if (!seen_line[c]) Violation("placements.csv: candidate '" + ids[c] + "' is missing");
    }
    // Said only when it holds: beside a finding on a row it read as a contradiction.
    if (report_.violations.size() == before) Passed("placements.csv: every candidate once, each placement on the candidate's own list");
    return true;
  }

  // A continuing round against its parent (verify_parent.h); with --parent, the parent run
  // itself is verified too and must be the one the round recorded.
  void CheckParentRun() {
    std::vector<const PlacementRow*> locked(instance_.candidates.size(), nullptr);
    for (std::size_t c = 0; c < locked.size(); ++c) {
      if (locked_index_[c] != kNone) locked[c] = &locked_rows_[locked_index_[c]];
    }
    verify::CheckParent(dir_, manifest_, rules_, instance_, locked, [&](std::string what) { Violation(std::move(what)); },
                        [&](std::string what) { Passed(std::move(what)); });
    const ManifestInput* recorded = manifest_.Input("parent_manifest");
    if (keys_.parent.empty()) {
      if (recorded) report_.notes.push_back("this is a continuing round; its parent run was not verified here: give --parent DIR to verify it and that it is the run this round continues");
      return;
    }
    if (recorded == nullptr) {
      Violation("--parent " + keys_.parent + " was given, but this run continues no parent run");
      return;
    }
    const std::string now = Sha256File((std::filesystem::path(keys_.parent) / kManifestFile).string());
    if (now != recorded->sha256) {
      Violation(keys_.parent + "/manifest.json is not the parent manifest this round recorded (sha256 " + now.substr(0, 12) + "…, recorded " +
                recorded->sha256.substr(0, 12) + "…): that directory is not this round's parent");
      return;
    }
    VerifyKeys keys;
    keys.pubkey = keys_.pubkey;
    Result<VerifyReport> parent = VerifyRun("", keys_.parent, sink_, {}, keys);
    if (!parent) {
      Violation("the parent run " + keys_.parent + " cannot be read: " + parent.status().message());
      return;
    }
    for (const std::string& v : parent->violations) Violation("parent run " + keys_.parent + ": " + v);
    if (parent->violations.empty()) Passed("the parent run " + keys_.parent + " verifies, and it is the one this round continues");
  }

  // Rows with a malformed number are findings (run_format.h) and left out, never read as 0.
  bool ReadCutoffs() {
    std::vector<Finding> findings;
    const ReadStatus status = zkmatch::ReadCutoffs(dir_, [&](const CutoffRow& r) {
      const std::string at = "cutoffs.csv:" + std::to_string(r.line) + ": ";
      const int sp = FindStage(r.batch, r.stage);
      if (sp < 0) {
        Violation(at + "unknown batch/stage");
        return;
      }
      StageInfo& st = stages_[static_cast<std::size_t>(sp)];
      const ProgramIndex p = FindProgram(r.program);
      const std::uint32_t h = FindChannel(StageRules(st), r.channel);
      if (p == kNone || h == kNone) {
        Violation(at + "unknown program or channel");
        return;
      }
      const std::uint32_t g = r.group.empty() ? kNone : FindGroup(st.split[h], r.group);
      if (g == kNone - 1 || (st.split[h] != nullptr) != (g != kNone) || (st.split[h] == nullptr && !r.group.empty())) {
        Violation(at + "group '" + r.group + "' does not fit channel '" + r.channel + "'");
        return;
      }
      Row row;
      row.capacity = r.capacity;
      row.admitted = r.admitted;
      row.cutoff_total = r.cutoff_total;
      row.initial = r.initial;
      row.flowed_in = r.flowed_in;
      row.flowed_out = r.flowed_out;
      row.over = r.over;
      row.line = r.line;
      if (!st.rows.emplace(std::make_tuple(p, h, g), row).second) Violation(at + "this program, channel and group appear twice");
    }, &findings);
    const bool read = Published(status, findings);
    if (read) IndexRows();
    return read;
  }

  // vacancies.csv: exactly one row for each (stage, program, channel, group) of cutoffs.csv
  // whose capacity exceeds the candidates placements.csv places there (counted here, not read
  // from cutoffs.csv's admitted column, whose own check is CheckRows'), with the seats left and
  // the program's school and name. A run made before vacancies.csv existed does not list it in
  // its manifest: nothing to check.
  // allocations.csv (the seats of split channels per junior school, which the office
  // publishes): one row per row of cutoffs.csv that has a group, in the same order, with its
  // initial seats (CheckRows checks those against the rules' allocation).
  void CheckAllocations() {
    if (std::none_of(manifest_.outputs.begin(), manifest_.outputs.end(), [](const ManifestOutput& f) { return f.file == kAllocationsFile; })) {
      Violation("manifest.json lists no allocations.csv, which every run writes");
      return;
    }
    struct Want {
      int line;
      std::string batch, stage, program, channel, group;
      std::int64_t seats;
    };
    std::vector<Want> want;
    for (StageInfo& st : stages_) {
      const Stage& stage = StageRules(st);
      for (const auto& [key, row] : st.rows) {
        const auto [p, h, g] = key;
        if (g == kNone) continue;
        want.push_back({row.line, rules_.batches[st.b].name, stage.name, instance_.programs.code[p], stage.channels[h].name, st.split[h]->dictionary[g], row.initial});
      }
    }
    std::sort(want.begin(), want.end(), [](const Want& a, const Want& b) { return a.line < b.line; });
    const std::size_t before = report_.violations.size();
    std::size_t i = 0;
    std::vector<Finding> findings;
    const ReadStatus status = zkmatch::ReadAllocations(dir_, [&](const AllocationRow& r) {
      const std::string at = "allocations.csv:" + std::to_string(r.line) + ": ";
      if (i >= want.size()) {
        Violation(at + "a row more than cutoffs.csv's " + std::to_string(want.size()) + " rows of split channels");
        return;
      }
      const Want& w = want[i++];
      if (r.batch != w.batch || r.stage != w.stage || r.program != w.program || r.channel != w.channel || r.group != w.group || r.seats != w.seats) {
        Violation(at + r.program + " " + r.channel + " " + r.group + " " + std::to_string(r.seats) + " seats, but cutoffs.csv line " + std::to_string(w.line) + " gives " + w.program + " " +
                  w.channel + " " + w.group + " " + std::to_string(w.seats) + " (the rules' allocation)");
      }
    }, &findings);
    if (!Published(status, findings)) return;
    if (i < want.size()) Violation("allocations.csv has " + std::to_string(i) + " rows, but cutoffs.csv has " + std::to_string(want.size()) + " rows of split channels");
    if (report_.violations.size() == before) {
      Passed(want.empty() ? std::string("allocations.csv: no rows, as no channel is split by group")
                          : "allocations.csv: the seats of the " + std::to_string(want.size()) + (want.size() == 1 ? " group" : " groups") + " of split channels, as the rules allocate them");
    }
  }

  void CheckVacancies() {
    // A run made before vacancies.csv existed lists none; a zkmatch-audit/3 log is later than it.
    if (std::none_of(manifest_.outputs.begin(), manifest_.outputs.end(), [](const ManifestOutput& f) { return f.file == kVacanciesFile; })) {
      if (audit_header_[audit_keys::kFormat].text == kAuditFormat) Violation("manifest.json lists no vacancies.csv, which every run of this log's format (" + std::string(kAuditFormat) + ") writes");
      return;
    }
    struct Want {
      std::int64_t capacity = 0, admitted = 0;
      std::string school, name;
    };
    std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, Want> want;
    for (StageInfo& st : stages_) {
      const Stage& stage = StageRules(st);
      for (const auto& [key, row] : st.rows) {
        const auto [p, h, g] = key;
        const std::int64_t taken = row.placed + row.reassigned;  // by the batches and by reassignment
        if (row.capacity <= taken) continue;
        want[{rules_.batches[st.b].name, stage.name, instance_.programs.code[p], stage.channels[h].name, g == kNone ? "" : st.split[h]->dictionary[g]}] =
            Want{row.capacity, taken, instance_.programs.school[p], instance_.programs.name[p]};
      }
    }
    const std::size_t expected = want.size(), before = report_.violations.size();
    std::vector<Finding> findings;
    const ReadStatus status = zkmatch::ReadVacancies(dir_, [&](const VacancyRow& r) {
      const std::string at = "vacancies.csv:" + std::to_string(r.line) + ": " + r.program + " " + r.channel + (r.group.empty() ? "" : " " + r.group) + ": ";
      const auto it = want.find({r.batch, r.stage, r.program, r.channel, r.group});
      if (it == want.end()) {
        Violation(at + "no seat is left there (no row of cutoffs.csv with more seats than placements.csv places), or the row appears twice");
        return;
      }
      const Want& w = it->second;
      if (r.capacity != w.capacity || r.admitted != w.admitted || r.vacant != w.capacity - w.admitted) {
        Violation(at + std::to_string(r.vacant) + " left of " + std::to_string(r.capacity) + " (" + std::to_string(r.admitted) + " admitted), but the run gives " +
                  std::to_string(w.capacity - w.admitted) + " left of " + std::to_string(w.capacity) + " (" + std::to_string(w.admitted) + " admitted)");
      }
      if (r.school != w.school || r.name != w.name) Violation(at + "school and name are not programs.csv's ('" + w.school + "', '" + w.name + "')");
      want.erase(it);
    }, &findings);
    if (!Published(status, findings)) return;
    for (const auto& [key, w] : want) {
      Violation("vacancies.csv has no row for " + std::get<2>(key) + " " + std::get<3>(key) + (std::get<4>(key).empty() ? "" : " " + std::get<4>(key)) + " in batch '" +
                std::get<0>(key) + "', which the run leaves with " + std::to_string(w.capacity - w.admitted) + " of " + std::to_string(w.capacity) + " seats empty");
    }
    if (report_.violations.size() == before) Passed("vacancies.csv: the " + std::to_string(expected) + (expected == 1 ? " place" : " places") + " with seats left, as cutoffs.csv and placements.csv leave them");
  }

  bool ReadFlows() {
    std::vector<Finding> findings;
    const ReadStatus status = zkmatch::ReadFlows(dir_, [&](const FlowRow& r) {
      flow_rows_.push_back(r);  // the log's flow records state these rows, in this order
      const std::string at = "flows.csv:" + std::to_string(r.line) + ": ";
      const int from = FindStage(r.batch, r.stage);
      const int to = FindStage(r.to_batch, r.to_stage);
      const ProgramIndex p = FindProgram(r.program);
      if (from < 0 || to < 0 || p == kNone) {
        Violation(at + "unknown batch, stage or program");
        return;
      }
      StageInfo& fs_ = stages_[static_cast<std::size_t>(from)];
      StageInfo& ts = stages_[static_cast<std::size_t>(to)];
      const std::uint32_t h = FindChannel(StageRules(fs_), r.channel);
      const std::uint32_t th = FindChannel(StageRules(ts), r.to_channel);
      if (h == kNone || th == kNone || r.seats <= 0 || r.seats > INT32_MAX) {
        Violation(at + "unknown channel or a bad number of seats");
        return;
      }
      const std::int64_t seats = r.seats;
      const Unfilled& u = StageRules(fs_).channels[h].unfilled;
      const bool allowed = u.kind == Unfilled::Kind::kSameStage
                               ? (&ts == &fs_ && u.channel_index == static_cast<int>(th))
                               : u.kind == Unfilled::Kind::kLaterBatch && u.batch_index == static_cast<int>(ts.b) &&
                                     StageRules(ts).channels[th].name == u.channel && ts.in_stage[p];
      if (!allowed) {
        Violation(at + "seats flowed from channel '" + r.channel + "' to '" + r.to_channel + "', which its rules do not allow");
      }
      const std::uint32_t g = r.group.empty() ? kNone : FindGroup(fs_.split[h], r.group);
      if (r.pass < 0 || r.pass > INT32_MAX) {
        Violation(at + "a bad pass number '" + std::to_string(r.pass) + "'");
      } else if (g != kNone - 1) {
        auto [it, fresh] = published_flows_.emplace(FlowKey{from, static_cast<int>(r.pass), p, h, g, to, th}, PublishedFlow{seats, r.line});
        if (!fresh) Violation(at + "the same flow appears again (first at line " + std::to_string(it->second.line) + ")");
      }
      if (Row* row = FindRow(fs_, p, h, g)) {
        row->flows_out += seats;
      } else if (!(fs_.split[h] && g == kNone && StageRules(fs_).channels[h].allocation.kind == Allocation::Kind::kProportional)) {
        Violation(at + "seats flowed out of a row that cutoffs.csv does not have");
      }
      if (Row* row = FindRow(ts, p, th, kNone)) {
        row->flows_in += seats;
      } else {
        Violation(at + "seats flowed into a row that cutoffs.csv does not have");
      }
    }, &findings);
    return Published(status, findings);
  }

  // lines.csv against the lines recomputed here (they decide floors and eligibility).
  void CheckLines() {
    const std::size_t before = report_.violations.size();
    std::vector<std::uint8_t> seen(rules_.lines.size(), 0);
    line_notes_.assign(rules_.lines.size(), "");
    std::vector<Finding> findings;
    const ReadStatus status = zkmatch::ReadLines(dir_, [&](const LineRow& r) {
      const std::string at = "lines.csv:" + std::to_string(r.line) + ": ";
      const std::string& name = r.name;
      std::size_t i = 0;
      while (i < rules_.lines.size() && rules_.lines[i].name != name) ++i;
      if (i == rules_.lines.size() || seen[i]) {
        Violation(at + "line '" + name + "' is " + (i == rules_.lines.size() ? "not in the rules" : "listed twice"));
        return;
      }
      seen[i] = 1;
      line_notes_[i] = r.note;  // the header's `how` must say the same
      const Score published = r.score;
      if (published != lines_[i]) {
        auto text = [](Score v) { return v == kMissingScore ? std::string("no value") : FormatScore(v); };
        Violation(at + "line '" + name + "' is " + text(published) + ", but recomputed from the rules and inputs it is " + text(lines_[i]));
      }
    }, &findings);
    if (!Published(status, findings)) return;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (!seen[i]) Violation("lines.csv: line '" + rules_.lines[i].name + "' of the rules is missing");
    }
    if (report_.violations.size() == before) Passed("score lines recomputed: lines.csv holds every line's value");
  }

  // The explanation in every candidate record (what `explain` tells a parent) against the inputs
  // and the published seats: the key values shown for each ranking, and for every choice above
  // the placement, each channel with seats and why it did not admit the candidate. Checked in
  // CheckAuditTree's pass (against the rows TallyRows counted); reported here, after the other
  // checks, in file order.
  void ReportExplanations() {
    if (!explanations_read_) return;  // no log: reported by CheckAuditTree
    for (std::string& finding : explanation_findings_) Violation(std::move(finding));
    if (explanations_wrong_ > 100) Violation(kind_, "... and " + std::to_string(explanations_wrong_ - 100) + " more explanations that disagree", explanations_wrong_ - 100);
    if (explanations_wrong_ == 0) {
      Passed("explanations in audit.jsonl recomputed (" + std::to_string(explanations_checked_) +
             " candidate records): key values and every reason a choice was refused");
    }
  }

  // The check of the explanation in the record of candidate c for ReportExplanations: adds what
  // disagrees to `bad_lines`. Reads only; safe on many threads.
  void CheckExplanation(JsonRef rec, CandidateIndex c, std::vector<std::string>& bad_lines) const {
    namespace a = audit_keys;
    const EvalContext ctx = Context();
    auto bad = [&](const std::string& what) { bad_lines.push_back(what); };
    // Whether `list` shows the values `explain` shows for ranking r at program p: every key,
    // formatted as published.
    auto shows_values = [&](JsonRef list, std::size_t r, ProgramIndex p, std::int32_t choice_rank) {
      const std::vector<RankingKey>& keys = rules_.rankings[r].keys;
      std::size_t i = 0;
      char text[kFormattedScoreMax];
      for (JsonRef v : list.children()) {
        if (i == keys.size()) return false;
        const Score want = EvaluateNumber(*keys[i++].expr, ctx, c, p, choice_rank);
        const std::string_view want_text = want == kMissingScore ? std::string_view("null") : std::string_view(text, FormatScoreTo(want, text));
        if ((v.is_null() ? std::string_view("null") : v.text()) != want_text) return false;
      }
      return i == keys.size();
    };
    auto ranking_index = [&](std::string_view name) {
      for (std::size_t r = 0; r < rules_.rankings.size(); ++r) {
        if (rules_.rankings[r].name == name) return static_cast<int>(r);
      }
      return -1;
    };
    const std::string who(rec[a::kId].text());
    CheckRecordShape(rec, c, who, bad_lines);
    std::vector<std::uint8_t> used(rules_.rankings.size(), 0);  // the rankings the steps refer to
    if (stage_of_[c] >= 0 && locked_index_[c] == kNone) {
      used[static_cast<std::size_t>(StageRules(stages_[static_cast<std::size_t>(stage_of_[c])]).channels[channel_[c]].ranking)] = 1;
    }
    for (JsonRef m : rec[a::kKeys].children()) {
      const int r = ranking_index(m.key());
      if (r < 0 || rules_.rankings[static_cast<std::size_t>(r)].per_program) {
        bad("candidate '" + who + "': key values for '" + std::string(m.key()) + "', which is not a ranking over candidates");
      } else if (!shows_values(m, static_cast<std::size_t>(r), kNoProgram, 0)) {
        bad("candidate '" + who + "': the key values shown for ranking '" + std::string(m.key()) + "' are not the candidate's (recomputed from the inputs)");
      }
    }
    std::vector<Reason> want;  // reused from choice to choice
    for (JsonRef batch : rec[a::kBatches].children()) {
      const int b = rules_.FindBatch(std::string(batch[a::kBatch].text()));
      if (b < 0 || !batch[a::kLockedBy].is_null()) continue;
      const ChoiceLists& lists = instance_.choices[static_cast<std::size_t>(b)];
      for (JsonRef step : batch[a::kChoices].children()) {
        // The step's members, read in one pass.
        static constexpr std::string_view kStepKeys[] = {a::kRank, a::kProgram, a::kNotOffered, a::kStage, a::kTiedTo, a::kKeys, a::kRejected};
        JsonRef member[std::size(kStepKeys)];
        step.Members(kStepKeys, member);
        const JsonRef rank_ref = member[0], program_ref = member[1], not_offered = member[2], stage_ref = member[3], tied_to = member[4],
                      keys_ref = member[5], rejected = member[6];
        const std::int64_t rank = rank_ref.AsInt();
        const std::string_view rank_text = rank_ref.text();
        if (rank < 1 || static_cast<std::uint64_t>(rank) > lists.length(c)) {
          bad("candidate '" + who + "': choice " + std::string(rank_text) + " is not on their list");
          continue;
        }
        const std::uint32_t k = lists.offset[c] + static_cast<std::uint32_t>(rank - 1);
        const ProgramIndex p = lists.program[k];
        if (program_ref.text() != instance_.programs.code[p]) {
          bad("candidate '" + who + "': choice " + std::string(rank_text) + " names " + std::string(program_ref.text()) + ", not the program on their list");
          continue;
        }
        if (not_offered.boolean()) {
          // audit-format.md: a choice of a program no stage of the batch runs (its `programs:`
          // conditions, evaluated here), so it names no stage and no result.
          bool offered = false;
          for (const StageInfo& st : stages_) offered = offered || (st.b == static_cast<std::size_t>(b) && st.in_stage[p]);
          if (offered) {
            bad("candidate '" + who + "': choice " + std::string(rank_text) + " (" + instance_.programs.code[p] +
                ") is said to be offered by no stage of batch '" + std::string(batch[a::kBatch].text()) + "', but a stage's programs condition selects it");
          }
          continue;
        }
        const int sp = FindStage(batch[a::kBatch].text(), stage_ref.text());
        if (sp < 0) {
          bad("candidate '" + who + "': choice " + std::string(rank_text) + " names stage '" + std::string(stage_ref.text()) + "', which batch '" +
              std::string(batch[a::kBatch].text()) + "' does not have");
          continue;
        }
        const std::string& tied = TiedName(lists, k);
        if (tied_to.is_null() ? !tied.empty() : tied_to.text() != tied) {
          bad("candidate '" + who + "': choice " + std::string(rank_text) + " is said to be tied to channel '" + std::string(tied_to.text()) +
              "', but choices.csv ties it to " + (tied.empty() ? std::string("no channel") : "'" + tied + "'"));
        }
        for (JsonRef m : keys_ref.children()) {
          const int r = ranking_index(m.key());
          if (r < 0 || !shows_values(m, static_cast<std::size_t>(r), p, static_cast<std::int32_t>(rank))) {
            bad("candidate '" + who + "': the key values shown for '" + std::string(m.key()) + "' at " + instance_.programs.code[p] + " are not the candidate's");
          }
        }
        if (rejected.is_null()) continue;
        Reasons(stages_[static_cast<std::size_t>(sp)], p, k, c, ctx, &want);
        for (const Reason& why : want) {
          if (why.why == Rejection::kBelow || why.why == Rejection::kNotBelow || why.why == Rejection::kFreeSeat) used[static_cast<std::size_t>(why.ranking)] = 1;
        }
        // The log's reasons, member by member, against these (compared in place: the texts
        // are built only for a message).
        std::size_t i = 0;
        bool same = true;
        for (JsonRef m : rejected.children()) {
          same = same && i < want.size() && m.key() == *want[i].channel && m.type() == JsonRef::Type::kString && m.text() == NameOf(want[i].why);
          ++i;
        }
        if (!same || i != want.size()) {
          std::string got;
          for (JsonRef m : rejected.children()) {
            if (!got.empty()) got += ", ";
            got += m.key();
            got += ": ";
            got += m.text();
          }
          bad("candidate '" + who + "': at choice " + std::string(rank_text) + " (" + instance_.programs.code[p] + ") the explanation says {" + got +
              "}, but the inputs and the published seats give {" + ReasonsText(want) + "}");
        }
      }
    }
    if (locked_index_[c] != kNone) return;  // batches [] and keys {}: CheckRecordShape
    // `keys`: the rankings over candidates the steps refer to, in the rules' order; `lottery`
    // when one of them (or a per-program one) breaks ties by lottery; `groups`: the candidate's
    // value of every split_by column.
    bool keys_ok = rec[a::kKeys].type() == JsonRef::Type::kObject;
    bool lottery = false;
    auto shown = rec[a::kKeys].children().begin();
    const auto shown_end = rec[a::kKeys].children().end();
    for (std::size_t r = 0; r < used.size(); ++r) {
      if (!used[r]) continue;
      lottery = lottery || rules_.rankings[r].last_tie == LastTie::kLottery;
      if (rules_.rankings[r].per_program) continue;
      keys_ok = keys_ok && shown != shown_end && (*shown).key() == rules_.rankings[r].name;
      if (shown != shown_end) ++shown;
    }
    if (!keys_ok || shown != shown_end) bad("candidate '" + who + "': `keys` does not give exactly the rankings over candidates its choices refer to");
    const JsonRef shown_lottery = rec[a::kLottery];
    if (lottery ? shown_lottery.type() != JsonRef::Type::kString || shown_lottery.text() != LotteryHex(who) : !shown_lottery.is_null()) {
      bad("candidate '" + who + "': " + (lottery ? "the lottery number is not the one the published seed gives" : "a lottery number, but no ranking it refers to draws lots"));
    }
    const JsonRef groups = rec[a::kGroups];
    std::size_t g = 0;
    bool groups_ok = split_columns_.empty() ? groups.is_null() : groups.type() == JsonRef::Type::kObject;
    for (JsonRef m : groups.children()) {
      groups_ok = groups_ok && g < split_columns_.size() && m.key() == split_columns_[g]->name && m.type() == JsonRef::Type::kString &&
                  m.text() == split_columns_[g]->dictionary[split_columns_[g]->text[c]];
      ++g;
    }
    if (!groups_ok || g != split_columns_.size()) bad("candidate '" + who + "': `groups` does not give the candidate's value of every split_by column (candidates.csv)");
  }

  // The record lists, in order, every batch in which the candidate has choices; in each, every
  // choice up to the one placed (all of them where not placed), one step per stage that runs the
  // program, each with the result the placement gives it: `placed` at the seat placements.csv
  // gives, `locked_by_stage` in a later stage, `rejected` before, `not_offered` where no stage
  // runs the program. (What each rejection says is checked by CheckExplanation.)
  void CheckRecordShape(JsonRef rec, CandidateIndex c, const std::string& who, std::vector<std::string>& bad_lines) const {
    namespace a = audit_keys;
    auto bad = [&](const std::string& what) { bad_lines.push_back(what); };
    const JsonRef batches = rec[a::kBatches];
    if (batches.type() != JsonRef::Type::kArray) {
      bad("candidate '" + who + "': no `batches` list");
      return;
    }
    if (locked_index_[c] != kNone) {
      if (!batches.children().empty() || rec[a::kKeys].type() != JsonRef::Type::kObject || !rec[a::kKeys].children().empty()) {
        bad("candidate '" + who + "': kept the parent run's seat, so `batches` is [] and `keys` {}");
      }
      return;
    }
    const int sp = stage_of_[c];
    const StageInfo* placed = sp >= 0 ? &stages_[static_cast<std::size_t>(sp)] : nullptr;
    auto entry = batches.children().begin();
    const auto entries_end = batches.children().end();
    for (std::size_t b = 0; b < rules_.batches.size(); ++b) {
      const ChoiceLists& lists = instance_.choices[b];
      if (lists.length(c) == 0) continue;
      const Batch& batch = rules_.batches[b];
      if (!(entry != entries_end)) {
        bad("candidate '" + who + "': lists nothing for batch '" + batch.name + "', where they have choices");
        return;
      }
      const JsonRef e = *entry;
      ++entry;
      if (e[a::kBatch].text() != batch.name) {
        bad("candidate '" + who + "': lists batch '" + std::string(e[a::kBatch].text()) + "' where batch '" + batch.name + "' comes");
        return;
      }
      if (placed && b > placed->b) {
        if (e[a::kLockedBy].text() != rules_.batches[placed->b].name || !e[a::kChoices].is_null()) {
          bad("candidate '" + who + "': batch '" + batch.name + "' must say locked_by '" + rules_.batches[placed->b].name + "' and list no choices");
        }
        continue;
      }
      if (!e[a::kLockedBy].is_null() || e[a::kChoices].type() != JsonRef::Type::kArray) {
        bad("candidate '" + who + "': batch '" + batch.name + "' must list their choices");
        continue;
      }
      const bool staged = batch.stages.size() > 1 || !batch.stages[0].name.empty();
      const bool placed_here = placed && placed->b == b;
      const std::uint32_t first = lists.offset[c], last = placed_here ? first + choice_[c] : lists.offset[c + 1] - 1;
      auto step = e[a::kChoices].children().begin();
      const auto steps_end = e[a::kChoices].children().end();
      bool ok = true;
      for (std::uint32_t k = first; ok && k <= last; ++k) {
        const ProgramIndex p = lists.program[k];
        const std::int64_t rank = k - first + 1;
        auto what = [&] { return "candidate '" + who + "': choice " + std::to_string(rank) + " (" + instance_.programs.code[p] + ") of batch '" + batch.name + "'"; };
        // The record's next step; none (reported) when the list ends early.
        auto next_step = [&]() -> std::optional<JsonRef> {
          if (!(step != steps_end)) {
            bad(what() + " is missing");
            ok = false;
            return std::nullopt;
          }
          const JsonRef m = *step;
          ++step;
          return m;
        };
        const std::size_t tied = TiedName(lists, k).empty() ? 0 : 1;
        bool offered = false;
        for (const StageInfo& st : stages_) {
          if (st.b != b || !st.in_stage[p]) continue;
          offered = true;
          const std::optional<JsonRef> next = next_step();
          if (!next) break;
          const JsonRef m = *next;
          const bool is_placed_seat = placed_here && k == last && st.s == placed->s;
          const bool later_stage = placed_here && st.s > placed->s;
          const char* result = is_placed_seat ? a::kPlaced : later_stage ? a::kLockedByStage : a::kRejected;
          // The members in the documented order, each read once: rank, program, [tied_to],
          // [stage], the result[, keys (zkmatch-audit/2: a per-program ranking's values)].
          auto it = m.children().begin();
          const auto end = m.children().end();
          auto next_is = [&](std::string_view key) { return it != end && (*it).key() == key; };
          bool same = next_is(a::kRank) && (*it).type() == JsonRef::Type::kNumber && (*it).AsInt() == rank;
          if (same) ++it;
          same = same && next_is(a::kProgram) && (*it).text() == instance_.programs.code[p];
          if (same) ++it;
          if (same && tied) {
            same = next_is(a::kTiedTo);  // its value: CheckExplanation
            if (same) ++it;
          }
          if (same && staged) {
            same = next_is(a::kStage) && (*it).type() == JsonRef::Type::kString && (*it).text() == StageRules(st).name;
            if (same) ++it;
          }
          same = same && next_is(result);
          if (same) {
            const JsonRef r = *it;
            ++it;
            if (is_placed_seat) {
              same = r.type() == JsonRef::Type::kString && r.text() == StageRules(st).channels[channel_[c]].name;
            } else if (later_stage) {
              same = r.type() == JsonRef::Type::kString && r.text() == StageRules(*placed).name;
            } else {
              same = r.type() == JsonRef::Type::kObject;
            }
          }
          if (same && next_is(a::kKeys)) ++it;
          same = same && !(it != end);
          if (!same) {
            bad(what() + (staged ? ", stage '" + StageRules(st).name + "'," : "") + " does not give the result placements.csv implies (" + result + ")");
            ok = false;
          }
        }
        if (!ok || offered) continue;
        const std::optional<JsonRef> next = next_step();
        if (!next) break;
        const JsonRef m = *next;
        if (m[a::kRank].AsInt() != rank || m[a::kProgram].text() != instance_.programs.code[p] || !m[a::kNotOffered].boolean() || MemberCount(m) != 3) {
          bad(what() + " must say not_offered: no stage of the batch runs the program");
          ok = false;
        }
      }
      if (ok && step != steps_end) bad("candidate '" + who + "': batch '" + batch.name + "' lists more than the choices " + (placed_here ? "up to the one placed" : "they made"));
    }
    if (entry != entries_end) bad("candidate '" + who + "': `batches` lists more than the batches in which they have choices");
  }

  // One channel's reason, as a step's `rejected` gives it.
  struct Reason {
    const std::string* channel;
    Rejection why;
    int ranking;  // the channel's
  };
  // "CHANNEL: REASON, ..." as the log writes a step's `rejected`.
  static std::string ReasonsText(const std::vector<Reason>& reasons) {
    std::string out;
    for (const Reason& r : reasons) {
      if (!out.empty()) out += ", ";
      out += *r.channel;
      out += ": ";
      out += NameOf(r.why);
    }
    return out;
  }
  // Why candidate c (entry k of the lists, program p) was not admitted in stage st, channel by
  // channel over the program's channels with seats, as audit-format.md names the reasons.
  void Reasons(const StageInfo& st, ProgramIndex p, std::uint32_t k, CandidateIndex c, const EvalContext& ctx, std::vector<Reason>* reasons) const {
    const Stage& stage = StageRules(st);
    std::vector<Reason>& out = *reasons;
    out.clear();
    const ChoiceLists& lists = instance_.choices[st.b];
    for (std::uint32_t h = 0; h < stage.channels.size(); ++h) {
      const Channel& ch = stage.channels[h];
      if (!Competes(lists, k, ch)) continue;  // a choice tied to another channel
      if (!HasSeats(st, p, h)) continue;
      Rejection reason;
      const Row* row = FindRow(st, p, h, GroupOf(st, h, c));
      if (ch.eligible && !EvaluateCondition(*ch.eligible, ctx, c, p, ChoiceRankOf(st, c, k))) {
        reason = Rejection::kIneligible;
      } else if (!row || row->capacity <= 0) {
        reason = Rejection::kNoGroupSeats;
      } else if (row->placed < row->capacity || row->worst == kNone) {
        reason = Rejection::kFreeSeat;
      } else {
        reason = RankAt(st, ch.ranking, c, k) > row->worst_rank ? Rejection::kBelow : Rejection::kNotBelow;
      }
      out.push_back({&ch.name, reason, ch.ranking});
    }
  }

  // choices.csv's channel column, read here on its own: the channel entry k is tied to ("" when
  // it competes for every channel), and whether it may compete for channel `ch`.
  static const std::string& TiedName(const ChoiceLists& lists, std::uint32_t k) {
    static const std::string kAny;
    if (k >= lists.channel.size() || lists.channel[k] >= lists.channel_names.size()) return kAny;
    return lists.channel_names[lists.channel[k]];
  }
  static bool Competes(const ChoiceLists& lists, std::uint32_t k, const Channel& ch) {
    const std::string& tied = TiedName(lists, k);
    return tied.empty() || tied == ch.name;
  }


  // Capacities, counts, cut-offs, flows and eligibility, row by row.
  // Per row of cutoffs.csv, from placements.csv: how many it admitted, the lowest total, the
  // worst admitted by the channel's ranking and how many rank strictly above that one (ties at
  // the last seat are the only admissions allowed over capacity). Findings: CheckRows.
  void TallyRows() {
    const std::size_t n = instance_.candidates.size();
    for (std::size_t c = 0; c < n; ++c) {
      if (stage_of_[c] < 0) continue;
      StageInfo& st = stages_[static_cast<std::size_t>(stage_of_[c])];
      const auto ci = static_cast<CandidateIndex>(c);
      Row* row = FindRow(st, program_[c], channel_[c], GroupOf(st, channel_[c], ci));
      if (!row) continue;
      const int ranking = StageRules(st).channels[channel_[c]].ranking;
      ++row->placed;
      const Score t = instance_.candidates.total[c];
      if (row->min_total == kMissingScore || t < row->min_total) row->min_total = t;
      const std::uint64_t rank = PlacedRank(st, ranking, ci);
      if (row->worst == kNone || rank > row->worst_rank) {
        row->worst = ci;
        row->worst_rank = rank;
      }
    }
    for (std::size_t c = 0; c < n; ++c) {
      if (stage_of_[c] < 0) continue;
      StageInfo& st = stages_[static_cast<std::size_t>(stage_of_[c])];
      Row* row = FindRow(st, program_[c], channel_[c], GroupOf(st, channel_[c], static_cast<CandidateIndex>(c)));
      const int ranking = StageRules(st).channels[channel_[c]].ranking;
      if (row && PlacedRank(st, ranking, static_cast<CandidateIndex>(c)) < row->worst_rank) ++row->better;
    }
  }

  void CheckRows() {
    const std::size_t before = report_.violations.size();
    const EvalContext ctx = Context();
    const std::size_t n = instance_.candidates.size();
    for (std::size_t c = 0; c < n; ++c) {
      if (stage_of_[c] < 0) continue;
      StageInfo& st = stages_[static_cast<std::size_t>(stage_of_[c])];
      const Channel& ch = StageRules(st).channels[channel_[c]];
      const auto ci = static_cast<CandidateIndex>(c);
      const std::string who = "candidate '" + instance_.candidates.id[c] + "' at " + instance_.programs.code[program_[c]] + " (" + ch.name + ")";
      if (ch.eligible && !EvaluateCondition(*ch.eligible, ctx, ci, program_[c], static_cast<std::int32_t>(choice_[c]) + 1)) Violation(kinds::kEligibility, who + " does not meet the channel's condition: " + ch.eligible_text);
      const ChoiceLists& lists = instance_.choices[st.b];
      if (!Competes(lists, lists.offset[c] + choice_[c], ch)) Violation(kinds::kEligibility, who + " listed the program for channel '" + TiedName(lists, lists.offset[c] + choice_[c]) + "' only (choices.csv)");
      if (!FindRow(st, program_[c], channel_[c], GroupOf(st, channel_[c], ci))) Violation(who + " is in a program, channel and group that cutoffs.csv gives no seats");
    }
    for (StageInfo& st : stages_) {
      const Stage& stage = StageRules(st);
      // Initial seats: programs.csv, or the allocation for split channels.
      const std::vector<verify::Split> splits = Splits(st);
      std::vector<std::vector<std::int64_t>> seats;  // per channel: its seats per program
      for (std::size_t h = 0; h < stage.channels.size(); ++h) seats.push_back(verify::ChannelSeats(stage, h, instance_.programs));
      for (auto& [key, row] : st.rows) {
        const auto [p, h, g] = key;
        const Channel& ch = stage.channels[h];
        const std::string at = "cutoffs.csv:" + std::to_string(row.line) + ": " + instance_.programs.code[p] + " " + ch.name + (g == kNone ? "" : " " + st.split[h]->dictionary[g]) + ": ";
        const std::int64_t want_initial = g == kNone ? seats[h][p] : splits[h].seats[p * splits[h].num_groups + g];
        if (row.initial != want_initial) Violation(at + "initial capacity " + std::to_string(row.initial) + " but the inputs give " + std::to_string(want_initial));
        if (row.capacity != row.initial + row.flowed_in - row.flowed_out) Violation(at + "capacity is not initial + flowed_in - flowed_out");
        if (row.flowed_out != row.flows_out || row.flowed_in != row.flows_in) {
          Violation(at + "flowed_in/flowed_out " + std::to_string(row.flowed_in) + "/" + std::to_string(row.flowed_out) + " but flows.csv moves " +
                    std::to_string(row.flows_in) + "/" + std::to_string(row.flows_out));
        }
        if (row.admitted != row.placed) Violation(at + "admitted " + std::to_string(row.admitted) + " but placements.csv places " + std::to_string(row.placed));
        if (row.cutoff_total != FormatScore(row.min_total)) Violation(at + "cutoff_total '" + row.cutoff_total + "' but the lowest admitted total is '" + FormatScore(row.min_total) + "'");
        // Seats the rules send elsewhere when unfilled must not stay empty: same-stage flows run
        // until nothing moves, later-batch flows take every leftover seat.
        const Unfilled& u = ch.unfilled;
        bool has_target = u.kind == Unfilled::Kind::kSameStage;
        if (u.kind == Unfilled::Kind::kLaterBatch) {
          for (const StageInfo& t : stages_) {
            has_target = has_target || (t.b == static_cast<std::size_t>(u.batch_index) && t.in_stage[p] &&
                                        std::any_of(StageRules(t).channels.begin(), StageRules(t).channels.end(), [&](const Channel& c) { return c.name == u.channel; }));
          }
        }
        if (has_target && row.placed < row.capacity) {
          Violation(at + std::to_string(row.capacity - row.placed) + " seats left empty, but the rules send unfilled seats of channel '" + ch.name + "' to '" + u.channel + "'");
        }
        const std::int64_t over = std::max<std::int64_t>(0, row.placed - row.capacity);
        if (row.over != over) Violation(at + "over_capacity " + std::to_string(row.over) + " but " + std::to_string(over) + " were admitted over capacity");
        if (over > 0) {
          // Only ties at the last seat may go over capacity (last_tie: admit_all).
          if (rules_.rankings[static_cast<std::size_t>(ch.ranking)].last_tie != LastTie::kAdmitAll || row.better >= row.capacity) {
            Violation(at + std::to_string(row.placed) + " admitted for " + std::to_string(row.capacity) + " seats, and not by a tie at the last seat");
          }
        }
      }
    }
    if (report_.violations.size() == before) Passed("capacities after flows, seat-flow conservation, counts and cut-offs, eligibility");
  }

  // The allocation of every split channel of a stage, zero for programs the stage does not run.
  std::vector<verify::Split> Splits(const StageInfo& st) const {
    const EvalContext ctx = Context();
    const Stage& stage = StageRules(st);
    std::vector<verify::Split> splits(stage.channels.size());
    for (std::size_t h = 0; h < stage.channels.size(); ++h) {
      if (st.split[h]) splits[h] = verify::AllocateSplit(rules_, instance_, ctx, st.b, stage, h, st.in_stage);
    }
    return splits;
  }

  // Each program's labels must be its choice rule applied to its admitted set: channel by
  // channel in precedence order, the best eligible not yet taken, up to capacity (+ ties).
  void CheckChannelLabels() {
    const std::size_t before = report_.violations.size();
    const EvalContext ctx = Context();
    std::map<std::pair<int, ProgramIndex>, std::vector<CandidateIndex>> admitted;
    for (std::size_t c = 0; c < instance_.candidates.size(); ++c) {
      if (stage_of_[c] >= 0) admitted[{stage_of_[c], program_[c]}].push_back(static_cast<CandidateIndex>(c));
    }
    for (auto& [key, set] : admitted) {
      StageInfo& st = stages_[static_cast<std::size_t>(key.first)];
      const Stage& stage = StageRules(st);
      const ProgramIndex p = key.second;
      std::vector<std::uint32_t> label(set.size(), kNone);
      for (std::uint32_t h = 0; h < stage.channels.size(); ++h) {
        const Channel& ch = stage.channels[h];
        // Eligible, not yet labelled, grouped by group (kNone when not split), best first.
        std::vector<std::tuple<std::uint32_t, std::uint64_t, std::size_t>> pool;
        for (std::size_t i = 0; i < set.size(); ++i) {
          const CandidateIndex c = set[i];
          if (label[i] != kNone || (ch.eligible && !EvaluateCondition(*ch.eligible, ctx, c, p, static_cast<std::int32_t>(choice_[c]) + 1))) continue;
          if (!Competes(instance_.choices[st.b], instance_.choices[st.b].offset[c] + choice_[c], ch)) continue;
          const Row* row = FindRow(st, p, h, GroupOf(st, h, c));
          if (!row || row->capacity <= 0) continue;
          pool.emplace_back(GroupOf(st, h, c), PlacedRank(st, ch.ranking, c), i);
        }
        std::sort(pool.begin(), pool.end());
        for (std::size_t i = 0; i < pool.size();) {
          const std::uint32_t g = std::get<0>(pool[i]);
          const std::int64_t cap = FindRow(st, p, h, g)->capacity;
          std::int64_t taken = 0;
          std::uint64_t last = 0;
          for (; i < pool.size() && std::get<0>(pool[i]) == g; ++i) {
            if (taken < cap || (taken > 0 && std::get<1>(pool[i]) == last)) {
              label[std::get<2>(pool[i])] = h;
              last = std::get<1>(pool[i]);
              ++taken;
            }
          }
        }
      }
      for (std::size_t i = 0; i < set.size(); ++i) {
        const CandidateIndex c = set[i];
        if (label[i] == channel_[c]) continue;
        Violation("candidate '" + instance_.candidates.id[c] + "' at " + instance_.programs.code[p] + " is labelled channel '" + stage.channels[channel_[c]].name +
                  "' but the program's choice rule puts them in " + (label[i] == kNone ? std::string("no channel") : "'" + stage.channels[label[i]].name + "'"));
      }
    }
    if (report_.violations.size() == before) Passed("channel labels equal each program's choice rule on its admitted set");
  }

  // No justified envy and no waste, stage by stage, for everyone taking part in the stage.
  void CheckStability() {
    const std::size_t before = report_.violations.size();
    const EvalContext ctx = Context();
    const std::size_t n = instance_.candidates.size();
    std::size_t reported = 0;
    for (std::size_t sp = 0; sp < stages_.size(); ++sp) {
      StageInfo& st = stages_[sp];
      const Stage& stage = StageRules(st);
      const ChoiceLists& lists = instance_.choices[st.b];
      for (std::size_t c = 0; c < n; ++c) {
        if (stage_of_[c] >= 0 && static_cast<std::size_t>(stage_of_[c]) < sp) continue;  // placed earlier: not in this stage
        const auto ci = static_cast<CandidateIndex>(c);
        const bool placed_here = stage_of_[c] == static_cast<int>(sp);
        const std::uint32_t end = placed_here ? lists.offset[c] + choice_[c] : lists.offset[c + 1];
        for (std::uint32_t k = lists.offset[c]; k < end; ++k) {
          const ProgramIndex q = lists.program[k];
          if (!st.in_stage[q]) continue;
          for (std::uint32_t h = 0; h < stage.channels.size(); ++h) {
            const Channel& ch = stage.channels[h];
            Row* row = FindRow(st, q, h, GroupOf(st, h, ci));
            if (!row || row->capacity <= 0) continue;
            if (ch.eligible && !EvaluateCondition(*ch.eligible, ctx, ci, q, static_cast<std::int32_t>(k - lists.offset[c] + 1))) continue;
            if (!Competes(lists, k, ch)) continue;
            std::string problem;
            if (row->placed < row->capacity) {
              problem = "a free seat (" + std::to_string(row->placed) + " of " + std::to_string(row->capacity) + " taken)";
            } else if (row->worst != kNone && RankAt(st, ch.ranking, ci, k) < row->worst_rank) {
              problem = "a seat held by '" + instance_.candidates.id[row->worst] + "', whom the channel ranks lower" +
                        (stage.mechanism.BandWidth() > 0 ? std::string(" (earlier bands of choices first, as the stage's mechanism has it)") : std::string());
            }
            if (problem.empty()) continue;
            if (++reported <= 100) {
              Violation("justified envy: candidate '" + instance_.candidates.id[c] + "' (" +
                        (stage_of_[c] < 0 ? std::string("unplaced") : "placed at choice " + std::to_string(choice_[c] + 1)) + ") ranked " +
                        instance_.programs.code[q] + " as choice " + std::to_string(k - lists.offset[c] + 1) + " and is eligible for its channel '" + ch.name +
                        "' in " + (stage.name.empty() ? "batch '" + rules_.batches[st.b].name + "'" : "stage '" + stage.name + "'") + ", which has " + problem);
            }
          }
        }
      }
    }
    if (reported > 100) Violation(kind_, "... and " + std::to_string(reported - 100) + " more cases of justified envy", reported - 100);
    bool banded = false;
    for (const StageInfo& st : stages_) banded = banded || StageRules(st).mechanism.BandWidth() > 0;
    if (report_.violations.size() == before) {
      Passed(banded ? "no justified envy and no waste in any stage (stable; where a stage runs immediate acceptance or bands, under its "
                      "priorities: each program puts applicants who listed it in an earlier band first)"
                    : "no justified envy and no waste in any stage (stable)");
    }
  }

  // What the flow names: "P local" or "P balanced J1", and where it goes.
  std::string FlowSource(const StageInfo& st, ProgramIndex p, std::uint32_t h, std::uint32_t g) const {
    return instance_.programs.code[p] + " " + StageRules(st).channels[h].name + (g == kNone ? "" : " " + st.split[h]->dictionary[g]);
  }
  std::string FlowTarget(int from, int to, std::uint32_t th) const {
    const StageInfo& ts = stages_[static_cast<std::size_t>(to)];
    if (from == to) return StageRules(ts).channels[th].name;
    return StageRules(ts).channels[th].name + " of " + StageName(ts);
  }
  // "deferred acceptance", "immediate acceptance (rounds of one choice)" or "the parallel
  // mechanism with bands of 2 choices".
  static std::string MechanismText(const Mechanism& m) {
    switch (m.kind) {
      case Mechanism::Kind::kDeferredAcceptance: return "deferred acceptance";
      case Mechanism::Kind::kImmediateAcceptance: return "immediate acceptance (round k: every unplaced candidate's k-th choice, places final)";
      case Mechanism::Kind::kParallel: break;
    }
    return "the parallel mechanism with bands of " + std::to_string(m.band) + " choices (deferred acceptance inside a band, places final at its end)";
  }
  std::string StageName(const StageInfo& st) const {
    const std::string batch = "batch '" + rules_.batches[st.b].name + "'";
    return StageRules(st).name.empty() ? batch : "stage '" + StageRules(st).name + "' of " + batch;
  }
  static std::string SeatsText(std::int64_t n) { return std::to_string(n) + (n == 1 ? " seat" : " seats"); }

  // Recomputes every stage's matching passes with the verifier's own deferred acceptance
  // (verify_matching.h), and from them the seat flows the rules give: after each pass, every
  // seat a channel with a same-stage target left empty in that pass's match moves, all moves
  // of the pass together; at the fixpoint, seats still empty move to later batches. The flows
  // must be flows.csv's rows, and the final pass must be placements.csv's outcome of the stage.
  // Participants are those placements.csv does not place in an earlier stage.
  // The seat flows recomputed pass by pass from the rules alone: each stage's deferred
  // acceptance (or its mechanism band by band) under the seats the rules give, the empty seats
  // moved as the rules say, until no seat moves; the last pass must be placements.csv and the
  // moves flows.csv. Reads only what is fixed once the outputs are read (the rules, inputs and
  // ranks, stages_, the placements, published_flows) and writes nothing: RunChecks runs it on
  // its own thread while the audit log is read.
  Findings ComputeFlowPasses() const {
    Findings out;
    // What each published flow's source held in its pass (filled below from the recomputed
    // match); a copy, so that the member stays untouched while other checks run.
    std::map<FlowKey, PublishedFlow> published_flows = published_flows_;
    const EvalContext ctx = Context();
    const std::size_t n = instance_.candidates.size();
    const std::size_t np = instance_.programs.size();
    struct Derived {
      std::int64_t seats, admitted, capacity;
    };
    std::map<FlowKey, Derived> derived;
    std::vector<std::vector<std::int64_t>> later(stages_.size());  // seats flowed in from earlier batches, [p * nh + h]
    std::vector<int> last_pass(stages_.size(), 0);
    std::size_t passes = 0, moved_seats = 0, differences = 0, banded_stages = 0;
    for (std::size_t sp = 0; sp < stages_.size(); ++sp) {
      const StageInfo& st = stages_[sp];
      const Stage& stage = StageRules(st);
      const ChoiceLists& lists = instance_.choices[st.b];
      const std::size_t nh = stage.channels.size();
      const int isp = static_cast<int>(sp);
      verify::DaProblem pb;
      pb.lists = &lists;
      pb.num_programs = np;
      pb.takes_part.assign(n, 0);
      for (std::size_t c = 0; c < n; ++c) pb.takes_part[c] = stage_of_[c] < 0 || static_cast<std::size_t>(stage_of_[c]) >= sp;
      // Eligibility per entry: the channel's condition at the entry's program (programs the
      // stage does not run: none).
      pb.eligible.assign(lists.program.size(), 0);
      for (std::size_t c = 0; c < n; ++c) {
        if (!pb.takes_part[c]) continue;
        for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
          const ProgramIndex q = lists.program[k];
          if (!st.in_stage[q]) continue;
          std::uint32_t bits = 0;
          for (std::uint32_t h = 0; h < nh; ++h) {
            const Channel& ch = stage.channels[h];
            if (!Competes(lists, k, ch)) continue;
            if (!ch.eligible || EvaluateCondition(*ch.eligible, ctx, static_cast<CandidateIndex>(c), q, static_cast<std::int32_t>(k - lists.offset[c] + 1))) bits |= 1u << h;
          }
          pb.eligible[k] = bits;
        }
      }
      // Pass-1 seats: the inputs (or the allocation) plus seats flowed in from earlier batches.
      std::vector<verify::Split> splits = Splits(st);
      pb.capacity.assign(np * nh, 0);
      pb.group_capacity.resize(nh);
      if (later[sp].empty()) later[sp].assign(np * nh, 0);
      for (std::uint32_t h = 0; h < nh; ++h) {
        const Channel& ch = stage.channels[h];
        const std::size_t r = static_cast<std::size_t>(ch.ranking);
        verify::DaChannel dc;
        if (rules_.rankings[r].per_program) {
          dc.entry_rank = entry_ranks_[r][st.b].data();
        } else {
          dc.rank = ranks_[r].data();
        }
        if (st.split[h]) {
          dc.group = st.split[h]->text.data();
          dc.num_groups = splits[h].num_groups;
          pb.group_capacity[h].assign(splits[h].seats.begin(), splits[h].seats.end());
        } else {
          const std::vector<std::int64_t> seats = verify::ChannelSeats(stage, h, instance_.programs);
          for (std::size_t p = 0; p < np; ++p) pb.capacity[p * nh + h] = st.in_stage[p] ? seats[p] + later[sp][p * nh + h] : 0;
        }
        pb.channels.push_back(dc);
      }
      // Records the flows of one pass (0: seats no group received) and applies them together.
      struct Move {
        ProgramIndex p;
        std::uint32_t h, g;
        std::int64_t seats, admitted, capacity;
      };
      auto apply = [&](int pass, const std::vector<Move>& moves) {
        for (const Move& m : moves) {
          const std::uint32_t t = static_cast<std::uint32_t>(stage.channels[m.h].unfilled.channel_index);
          derived[FlowKey{isp, pass, m.p, m.h, m.g, isp, t}] = Derived{m.seats, m.admitted, m.capacity};
          if (m.g == kNone) {
            if (!st.split[m.h]) pb.capacity[m.p * nh + m.h] -= m.seats;
          } else {
            pb.group_capacity[m.h][m.p * splits[m.h].num_groups + m.g] -= m.seats;
          }
          pb.capacity[m.p * nh + t] += m.seats;
          moved_seats += static_cast<std::size_t>(m.seats);
        }
      };
      std::vector<Move> moves;
      for (std::uint32_t h = 0; h < nh; ++h) {
        if (!st.split[h] || stage.channels[h].unfilled.kind != Unfilled::Kind::kSameStage) continue;
        for (std::size_t p = 0; p < splits[h].no_group.size(); ++p) {
          if (splits[h].no_group[p] > 0) moves.push_back({static_cast<ProgramIndex>(p), h, kNone, splits[h].no_group[p], 0, splits[h].no_group[p]});
        }
      }
      apply(0, moves);
      // Matched per (p, h) and, for split channels, per (p, h, g).
      std::vector<std::int64_t> admitted(np * nh);
      std::vector<std::vector<std::int64_t>> admitted_group(nh);
      auto room = [&](ProgramIndex p, std::uint32_t h, std::uint32_t g) {
        return g == kNone ? std::make_pair(admitted[p * nh + h], pb.capacity[p * nh + h])
                          : std::make_pair(admitted_group[h][p * splits[h].num_groups + g], pb.group_capacity[h][p * splits[h].num_groups + g]);
      };
      verify::DaResult m;
      const int width = stage.mechanism.BandWidth();
      if (width > 0) ++banded_stages;
      for (int pass = 1;; ++pass) {
        // Deferred acceptance; a stage with another mechanism is run from that mechanism's own
        // definition, band by band (not as deferred acceptance under modified priorities).
        m = width == 0 ? verify::DeferredAcceptance(pb) : verify::ChoiceBands(pb, width);
        ++passes;
        last_pass[sp] = pass;
        std::fill(admitted.begin(), admitted.end(), 0);
        for (std::uint32_t h = 0; h < nh; ++h) admitted_group[h].assign(pb.group_capacity[h].size(), 0);
        for (std::size_t c = 0; c < n; ++c) {
          if (m.program[c] == kNone) continue;
          const std::uint32_t h = m.channel[c];
          ++admitted[m.program[c] * nh + h];
          if (st.split[h] && st.split[h]->text[c] < splits[h].num_groups) ++admitted_group[h][m.program[c] * splits[h].num_groups + st.split[h]->text[c]];
        }
        // The published flows of this pass, with what the recomputed match says of their source.
        for (auto it = published_flows.lower_bound(FlowKey{isp, pass, 0, 0, 0, 0, 0});
             it != published_flows.end() && std::get<0>(it->first) == isp && std::get<1>(it->first) == pass; ++it) {
          const auto [a, c] = room(std::get<2>(it->first), std::get<3>(it->first), std::get<4>(it->first));
          it->second.admitted = a;
          it->second.capacity = c;
        }
        moves.clear();
        for (std::uint32_t h = 0; h < nh; ++h) {
          if (stage.channels[h].unfilled.kind != Unfilled::Kind::kSameStage) continue;
          for (std::size_t p = 0; p < np; ++p) {
            if (!st.split[h]) {
              const auto [a, c] = room(static_cast<ProgramIndex>(p), h, kNone);
              if (c > a) moves.push_back({static_cast<ProgramIndex>(p), h, kNone, c - a, a, c});
              continue;
            }
            for (std::uint32_t g = 0; g < splits[h].num_groups; ++g) {
              const auto [a, c] = room(static_cast<ProgramIndex>(p), h, g);
              if (c > a) moves.push_back({static_cast<ProgramIndex>(p), h, g, c - a, a, c});
            }
          }
        }
        if (moves.empty()) break;
        apply(pass, moves);
      }
      const int final_pass = last_pass[sp];
      // The final pass must be the published outcome of the stage.
      for (std::size_t c = 0; c < n; ++c) {
        if (!pb.takes_part[c]) continue;
        const bool here = stage_of_[c] == isp;
        if (here ? m.program[c] == program_[c] && m.channel[c] == channel_[c] && m.entry[c] == lists.offset[c] + choice_[c] : m.program[c] == kNone) continue;
        if (++differences > 100) continue;
        auto where = [&](ProgramIndex p, std::uint32_t h) { return p == kNone ? std::string("no program") : instance_.programs.code[p] + " (" + stage.channels[h].name + ")"; };
        out.violations.emplace_back(kinds::kFlowPasses, "candidate '" + instance_.candidates.id[c] + "': placements.csv gives " + (here ? where(program_[c], channel_[c]) : std::string("no program")) + " in " +
                  StageName(st) + ", but " + MechanismText(stage.mechanism) + " under the recomputed seats (after " + std::to_string(final_pass) +
                  (final_pass == 1 ? " pass" : " passes") + ") gives " + where(m.program[c], m.channel[c]) +
                  (width == 0 ? ": the outcome is not the candidate-optimal stable one for the seats the rules give" : ": the outcome is not what the stage's mechanism gives"));
      }
      // Seats still empty at the fixpoint that go to a later batch: to the first stage of that
      // batch that runs the program and has the channel.
      for (std::uint32_t h = 0; h < nh; ++h) {
        const Unfilled& u = stage.channels[h].unfilled;
        if (u.kind != Unfilled::Kind::kLaterBatch) continue;
        for (std::size_t p = 0; p < np; ++p) {
          if (!st.in_stage[p]) continue;
          int to = -1;
          std::uint32_t th = 0;
          for (std::size_t t = 0; t < stages_.size() && to < 0; ++t) {
            if (stages_[t].b != static_cast<std::size_t>(u.batch_index) || !stages_[t].in_stage[p]) continue;
            const std::uint32_t found = FindChannel(StageRules(stages_[t]), u.channel);
            if (found != kNone) {
              to = static_cast<int>(t);
              th = found;
            }
          }
          if (to < 0) continue;  // no stage of that batch runs the program: the seats stay empty
          const std::size_t tnh = StageRules(stages_[static_cast<std::size_t>(to)]).channels.size();
          std::vector<std::int64_t>& in = later[static_cast<std::size_t>(to)];
          if (in.empty()) in.assign(np * tnh, 0);
          const std::uint32_t groups = st.split[h] ? splits[h].num_groups : 0;
          for (std::uint32_t i = 0; i < std::max<std::uint32_t>(groups, 1); ++i) {
            const std::uint32_t g = groups ? i : kNone;
            const auto [a, c] = room(static_cast<ProgramIndex>(p), h, g);
            if (c <= a) continue;
            derived[FlowKey{isp, final_pass, static_cast<ProgramIndex>(p), h, g, to, th}] = Derived{c - a, a, c};
            in[p * tnh + th] += c - a;
            moved_seats += static_cast<std::size_t>(c - a);
          }
          // Seats a computed allocation gave no group are empty from the start: they go too.
          if (st.split[h] && splits[h].no_group[p] > 0) {
            const std::int64_t seats = splits[h].no_group[p];
            derived[FlowKey{isp, final_pass, static_cast<ProgramIndex>(p), h, kNone, to, th}] = Derived{seats, 0, seats};
            in[p * tnh + th] += seats;
            moved_seats += static_cast<std::size_t>(seats);
          }
        }
      }
    }
    if (differences > 100) out.violations.emplace_back(kinds::kFlowPasses, "... and " + std::to_string(differences - 100) + " more candidates placed otherwise than the recomputed passes place them");
    // flows.csv against the derived flows, as sets of rows.
    for (const auto& [key, f] : published_flows) {
      const auto [from, pass, p, h, g, to, th] = key;
      const StageInfo& st = stages_[static_cast<std::size_t>(from)];
      const std::string what = "flows.csv:" + std::to_string(f.line) + ": " + SeatsText(f.seats) + " moved from " + FlowSource(st, p, h, g) + " to " +
                               FlowTarget(from, to, th) + (pass == 0 ? " before the first pass" : " after pass " + std::to_string(pass)) + " of " + StageName(st) + ", but ";
      const std::string name = StageRules(st).channels[h].name;
      auto d = derived.find(key);
      if (d != derived.end()) {
        if (d->second.seats != f.seats) {
          out.violations.emplace_back(kinds::kFlowPasses, what + (pass == 0 ? "the allocation gives " + SeatsText(d->second.seats) + " of it to no group"
                                      : "pass " + std::to_string(pass) + "'s match left " + SeatsText(d->second.seats) + " of it empty (" +
                                            std::to_string(d->second.admitted) + " of " + std::to_string(d->second.capacity) + " taken)"));
        }
        derived.erase(d);
        continue;
      }
      if (pass > last_pass[static_cast<std::size_t>(from)]) {
        out.violations.emplace_back(kinds::kFlowPasses, what + "recomputed, the stage reaches its fixpoint after pass " + std::to_string(last_pass[static_cast<std::size_t>(from)]) +
                  " (no seat moves after it)");
      } else if (pass == 0) {
        out.violations.emplace_back(kinds::kFlowPasses, what + "the allocation gives every seat of it to a group; only seats it gives to no group flow before the first pass");
      } else if (f.capacity >= 0 && f.admitted >= f.capacity) {
        out.violations.emplace_back(kinds::kFlowPasses, what + "in pass " + std::to_string(pass) + "'s match " + name + " was full (" + std::to_string(f.admitted) + " of " + SeatsText(f.capacity) +
                  " taken); the rules move only seats left empty in that pass");
      } else {
        out.violations.emplace_back(kinds::kFlowPasses, what + "the rules move no seat of it there after pass " + std::to_string(pass) +
                  (f.capacity >= 0 ? " (" + std::to_string(f.admitted) + " of " + SeatsText(f.capacity) + " taken in that pass's match)" : std::string()));
      }
    }
    for (const auto& [key, d] : derived) {
      const auto [from, pass, p, h, g, to, th] = key;
      const StageInfo& st = stages_[static_cast<std::size_t>(from)];
      out.violations.emplace_back(kinds::kFlowPasses, "flows.csv has no row moving " + SeatsText(d.seats) + " from " + FlowSource(st, p, h, g) + " to " + FlowTarget(from, to, th) +
                (pass == 0 ? " before the first pass of " + StageName(st) + ": the allocation gives them to no group"
                           : " after pass " + std::to_string(pass) + " of " + StageName(st) + ", but that pass's match left them empty (" + std::to_string(d.admitted) +
                                 " of " + std::to_string(d.capacity) + " taken)"));
    }
    if (out.violations.empty()) {
      auto count = [](std::size_t k, const char* one, const char* many) { return std::to_string(k) + " " + (k == 1 ? one : many); };
      out.passed.push_back("seat flows recomputed pass by pass (" + count(passes, "pass", "passes") + " in " + count(stages_.size(), "stage", "stages") + ", " +
             count(moved_seats, "seat", "seats") + " moved): flows.csv and the placements are what the rules give");
      if (banded_stages > 0) {
        std::string which;
        for (const StageInfo& st : stages_) {
          if (StageRules(st).mechanism.BandWidth() == 0) continue;
          which += (which.empty() ? "" : "; ") + StageName(st) + ": " + MechanismText(StageRules(st).mechanism);
        }
        out.passed.push_back("mechanisms recomputed from their definition, band by band (" + which + "): the placements are what they give");
      }
    }
    return out;
  }

  std::string dir_;
  DiagnosticSink& sink_;
  VerifyReport report_;
  // The explanations' findings, gathered by CheckAuditTree's pass, reported by ReportExplanations.
  bool explanations_read_ = false;
  std::size_t explanations_checked_ = 0, explanations_wrong_ = 0;
  std::vector<std::string> explanation_findings_;  // the first 100
  Status unreadable_;  // set when the run could not be read at all (no report then)
  Manifest manifest_;
  JsonValue audit_header_;
  std::string manifest_rules_path_;
  const char* kind_ = kinds::kManifest;
  VerifyKeys keys_;
  std::vector<PlacementRow> locked_rows_;                        // placements.csv's locked rows (a continuing round)
  std::vector<std::uint32_t> locked_index_;                      // per candidate: index into locked_rows_, or kNone
  RulesFileMap files_;  // a run bundle's copies of the files the rules name (run_format.h)  // the kind of what Violation(what) reports
  std::size_t audit_candidate_count_ = 0, audit_seats_count_ = 0, audit_disagreements_ = 0, next_candidate_ = 0;
  int last_seats_row_line_ = 0;  // cutoffs.csv's line of the last seats record's row: records come in its order
  std::size_t audit_flow_count_ = 0;
  std::vector<FlowRow> flow_rows_;             // flows.csv's rows, in file order
  RecordKind last_kind_ = RecordKind::kNone;  // of the last record taken, in file order
  Rules rules_;
  Instance instance_;
  std::vector<Score> lines_;
  // Priority of candidate c in ranking r applying to the program of entry k of the lists of
  // stage st's batch, under the stage's mechanism (rules/README.md, "Mechanisms"): the band of
  // the choice (its position divided by the band's width; 0 under deferred acceptance) first,
  // then the rank. Smaller is better.
  std::uint64_t RankAt(const StageInfo& st, int r, CandidateIndex c, std::uint32_t k) const {
    const auto ri = static_cast<std::size_t>(r);
    const std::uint64_t rank = rules_.rankings[ri].per_program ? entry_ranks_[ri][st.b][k] : ranks_[ri][c];
    const int width = StageRules(st).mechanism.BandWidth();
    const std::uint64_t band = width == 0 ? 0 : (k - instance_.choices[st.b].offset[c]) / static_cast<std::uint32_t>(width);
    return band << 32 | rank;
  }
  // Same, at the program where c is placed (in stage st).
  std::uint64_t PlacedRank(const StageInfo& st, int r, CandidateIndex c) const {
    return RankAt(st, r, c, instance_.choices[st.b].offset[c] + choice_[c]);
  }
  // The 1-based position on c's list of entry k of stage st's batch.
  std::int32_t ChoiceRankOf(const StageInfo& st, CandidateIndex c, std::uint32_t k) const {
    return static_cast<std::int32_t>(k - instance_.choices[st.b].offset[c] + 1);
  }
  EvalContext Context() const { return EvalContext{instance_.candidates, instance_.programs, &lines_, &instance_.program_scores}; }

  std::vector<std::vector<std::uint32_t>> ranks_;                      // [ranking][candidate]; empty if per program
  std::vector<std::vector<std::vector<std::uint32_t>>> entry_ranks_;   // [ranking][batch][entry]; per-program rankings
  std::vector<StageInfo> stages_;
  std::vector<std::size_t> claim_turn_;  // [claim]: its turn (1-based), NumberTurns
  std::vector<std::string> line_notes_;  // [line]: lines.csv's `how`, CheckLines
  std::vector<const Column*> split_columns_;  // the split_by columns, in first-use order (a record's `groups`)
  // flows.csv's rows by (from stage, pass, program, channel, group, to stage, to channel).
  using FlowKey = std::tuple<int, int, ProgramIndex, std::uint32_t, std::uint32_t, int, std::uint32_t>;
  struct PublishedFlow {
    std::int64_t seats = 0;
    int line = 0;
    std::int64_t admitted = -1, capacity = -1;  // the source in the recomputed pass's match
  };
  std::map<FlowKey, PublishedFlow> published_flows_;
  std::vector<int> stage_of_;
  std::vector<Claim> claims_;
  std::vector<ProgramIndex> program_;
  std::vector<std::uint32_t> channel_, choice_;
};

}  // namespace

std::vector<ViolationGroup> GroupViolations(const VerifyReport& report, std::size_t examples) {
  std::vector<ViolationGroup> groups;
  for (std::size_t i = 0; i < report.violations.size(); ++i) {
    const std::string& kind = i < report.kinds.size() ? report.kinds[i] : std::string();
    auto it = std::find_if(groups.begin(), groups.end(), [&](const ViolationGroup& g) { return g.kind == kind; });
    if (it == groups.end()) it = groups.insert(groups.end(), ViolationGroup{kind, 0, {}});
    const std::size_t n = i < report.stands_for.size() ? report.stands_for[i] : 1;
    it->count += n;
    if (n == 1 && it->examples.size() < examples) it->examples.push_back(report.violations[i]);
  }
  return groups;
}

Result<VerifyReport> VerifyRun(const std::string& rules_path, const std::string& run_dir, DiagnosticSink& sink,
                       const std::function<void(const std::string&)>& progress, const VerifyKeys& keys) {
  return Verifier(run_dir, sink, keys).Run(rules_path, progress);
}

}  // namespace zkmatch
