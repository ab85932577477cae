// Independent verification of a run directory (see zkmatch/verify.h). Shares the loaders,
// expressions, lines, rankings and seat allocation with the engine -- never the matcher: every
// property is checked from its definition against the published files.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "allocation.h"
#include "csv.h"
#include "decimal.h"
#include "digest.h"
#include "eligibility.h"
#include "expression.h"
#include "json.h"
#include "ranking.h"
#include "zkmatch/audit.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/verify.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One row of cutoffs.csv, with what the placements say about it.
struct Row {
  std::int64_t initial = 0, flowed_in = 0, flowed_out = 0, capacity = 0, admitted = 0, over = 0;
  std::string cutoff_total;
  int line = 0;
  std::int64_t placed = 0;               // counted from placements.csv
  Score min_total = kMissingScore;
  CandidateIndex worst = kNone;          // worst admitted by the channel's ranking
  std::int64_t better = 0;               // admitted and ranked strictly above `worst`
  std::int64_t flows_out = 0, flows_in = 0;  // summed from flows.csv
};

struct StageInfo {
  std::size_t b = 0, s = 0;
  std::vector<std::uint8_t> in_stage;
  std::vector<const Column*> split;  // per channel
  std::map<std::tuple<ProgramIndex, std::uint32_t, std::uint32_t>, Row> rows;  // (p, h, g)
};

class Verifier {
 public:
  Verifier(const std::string& run_dir, DiagnosticSink& sink) : dir_(run_dir), sink_(sink) {}

  VerifyReport Run(const std::string& rules_path, const std::function<void(const std::string&)>& progress) {
    auto step = [&](const char* what) {
      if (progress) progress(what);
    };
    step("digests");
    if (!ReadManifest()) return report_;
    CheckDigests();
    std::string rules_file = rules_path;
    if (rules_file.empty()) rules_file = manifest_rules_path_;
    step("load rules and inputs, rank");
    if (!Load(rules_file)) return report_;
    step("read outputs");
    if (!ReadPlacements() || !ReadCutoffs() || !ReadFlows()) return report_;
    step("audit.jsonl");
    CheckAuditChain();  // streams the log, comparing each record as it goes
    step("capacities, flows, cut-offs");
    CheckRows();
    step("channel labels");
    CheckChannelLabels();
    step("stability");
    CheckStability();
    return report_;
  }

 private:
  void Violation(std::string what) { report_.violations.push_back(std::move(what)); }
  void Passed(std::string what) { report_.passed.push_back(std::move(what)); }
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  bool ReadManifest() {
    bool ok = false;
    const std::string text = ReadAll(Path("manifest.json"), &ok);
    std::string error;
    if (!ok) {
      sink_.Error(Path("manifest.json"), 0, 0, "cannot read the run's manifest; is --run a directory written by zkmatch run?");
      report_.input_error = true;
      return false;
    }
    if (!ParseJson(text, &manifest_, &error) || manifest_["format"].text != kManifestFormat) {
      Violation("manifest.json is not a valid " + std::string(kManifestFormat) + " document" + (error.empty() ? "" : ": " + error));
      return false;
    }
    for (const JsonValue& f : manifest_["inputs"].items) {
      if (f["role"].text == "rules") manifest_rules_path_ = f["path"].text;
    }
    return true;
  }

  void CheckDigests() {
    std::size_t before = report_.violations.size();
    for (const JsonValue& f : manifest_["inputs"].items) {
      const std::string now = Sha256File(f["path"].text);
      if (now.empty()) {
        Violation("input " + f["role"].text + " file " + f["path"].text + " cannot be read (manifest sha256 " + f["sha256"].text + ")");
      } else if (now != f["sha256"].text) {
        Violation("input " + f["role"].text + " file " + f["path"].text + " changed since the run: sha256 is " + now + ", the manifest says " + f["sha256"].text);
      }
    }
    for (const JsonValue& f : manifest_["outputs"].items) {
      const std::string now = Sha256File(Path(f["file"].text));
      if (now != f["sha256"].text) {
        Violation("output " + f["file"].text + (now.empty() ? " is missing" : " was modified after the run: sha256 is " + now + ", the manifest says " + f["sha256"].text));
      }
    }
    if (report_.violations.size() == before) Passed("inputs and outputs match manifest.json");
  }

  void CheckAuditChain() {
    std::size_t before = report_.violations.size();
    bool ok = false;
    const std::string text = ReadAll(Path("audit.jsonl"), &ok);
    if (!ok) {
      Violation("audit.jsonl is missing");
      return;
    }
    std::string prev(64, '0');
    std::size_t line_no = 0, start = 0;
    JsonValue last;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string_view line(text.data() + start, end - start);
      ++line_no;
      JsonValue v;
      std::string error;
      if (!ParseJson(line, &v, &error)) {
        Violation("audit.jsonl:" + std::to_string(line_no) + ": not valid JSON (" + error + ")");
        return;
      }
      if (v["prev"].text != prev) {
        Violation("audit.jsonl:" + std::to_string(line_no) + ": hash chain broken: prev is " + v["prev"].text + " but the line before hashes to " + prev +
                  " (a line was edited, removed or moved)");
        return;
      }
      if (line_no == 1 && v["record"].text != "header") Violation("audit.jsonl:1: the first record is not the header");
      if (v["record"].text == "candidate") {
        CompareCandidateRecord(v, line_no);
      } else if (v["record"].text == "seats") {
        CompareSeatsRecord(v, line_no);
      } else if (v["record"].text == "header") {
        audit_header_ = std::move(v);
      } else {
        last = std::move(v);
      }
      prev = Sha256Hex(line);
      start = end + 1;
    }
    if (prev != manifest_["audit_chain_head"].text) {
      Violation("audit.jsonl: the last line hashes to " + prev + " but manifest.json records chain head " + manifest_["audit_chain_head"].text + " (lines were dropped or added at the end)");
    }
    if (last["record"].text != "end") {
      Violation("audit.jsonl: no end record");
    } else if (last["records"].AsInt() != static_cast<std::int64_t>(line_no)) {
      Violation("audit.jsonl: the end record counts " + last["records"].text + " records, the file has " + std::to_string(line_no));
    } else {
      for (const auto& [file, hash] : last["outputs"].members) {
        if (Sha256File(Path(file)) != hash.text) Violation("audit.jsonl: end record's digest of " + file + " does not match the file");
      }
    }
    // The header must name the same inputs as the manifest.
    const auto& a = audit_header_["files"].items;
    const auto& m = manifest_["inputs"].items;
    bool same = a.size() == m.size();
    for (std::size_t i = 0; same && i < a.size(); ++i) same = a[i]["sha256"].text == m[i]["sha256"].text && a[i]["path"].text == m[i]["path"].text;
    if (!same) Violation("audit.jsonl: the header's input files differ from manifest.json's");
    if (report_.violations.size() == before + std::min<std::size_t>(audit_disagreements_, 100)) Passed("audit.jsonl hash chain intact (" + std::to_string(line_no) + " records)");
    const std::size_t n = instance_.candidates.size();
    const std::size_t agreement_before = report_.violations.size();
    while (next_candidate_ < n) MissingRecord(next_candidate_++);
    if (audit_candidate_count_ != n) Violation("audit.jsonl has " + std::to_string(audit_candidate_count_) + " candidate records for " + std::to_string(n) + " candidates");
    std::size_t rows = 0;
    for (const StageInfo& st : stages_) rows += st.rows.size();
    if (audit_seats_count_ != rows) Violation("audit.jsonl has " + std::to_string(audit_seats_count_) + " seat records, cutoffs.csv has " + std::to_string(rows) + " rows");
    if (audit_disagreements_ == 0 && report_.violations.size() == agreement_before) Passed("audit.jsonl agrees with placements.csv and cutoffs.csv");
  }

  // Candidate records come in id order; each must agree with placements.csv.
  void CompareCandidateRecord(const JsonValue& r, std::size_t line_no) {
    ++audit_candidate_count_;
    const auto& ids = instance_.candidates.id;
    const std::string& id = r["id"].text;
    while (next_candidate_ < ids.size() && ids[next_candidate_] < id) MissingRecord(next_candidate_++);
    if (next_candidate_ >= ids.size() || ids[next_candidate_] != id) {
      AgreementViolation("audit.jsonl:" + std::to_string(line_no) + ": a record for candidate '" + id + "', who is unknown or out of id order");
      return;
    }
    const std::size_t c = next_candidate_++;
    const bool placed = stage_of_[c] >= 0;
    bool same = r["status"].text == (placed ? "placed" : "unplaced");
    if (same && placed) {
      const StageInfo& st = stages_[static_cast<std::size_t>(stage_of_[c])];
      same = r["batch"].text == rules_.batches[st.b].name && r["program"].text == instance_.programs.code[program_[c]] &&
             r["channel"].text == StageRules(st).channels[channel_[c]].name && r["choice_rank"].AsInt() == choice_[c] + 1;
    }
    if (!same) AgreementViolation("audit.jsonl's record for candidate '" + id + "' disagrees with placements.csv (line " + std::to_string(line_no) + ")");
  }

  void MissingRecord(std::size_t c) { AgreementViolation("audit.jsonl has no record for candidate '" + instance_.candidates.id[c] + "'"); }

  void AgreementViolation(std::string what) {
    if (++audit_disagreements_ <= 100) Violation(std::move(what));
  }

  void CompareSeatsRecord(const JsonValue& s, std::size_t line_no) {
    ++audit_seats_count_;
    const int sp = FindStage(s["batch"].text, s["stage"].text);
    Row* row = nullptr;
    if (sp >= 0) {
      StageInfo& st = stages_[static_cast<std::size_t>(sp)];
      const ProgramIndex p = FindProgram(s["program"].text);
      const std::uint32_t h = FindChannel(StageRules(st), s["channel"].text);
      if (p != kNone && h != kNone) row = FindRow(st, p, h, s["group"].is_null() ? kNone : FindGroup(st.split[h], s["group"].text));
    }
    if (!row || row->capacity != s["capacity"].AsInt() || row->admitted != s["admitted"].AsInt()) {
      AgreementViolation("audit.jsonl's seat record for " + s["program"].text + " " + s["channel"].text + " disagrees with cutoffs.csv (line " + std::to_string(line_no) + ")");
    }
  }

  bool Load(const std::string& rules_file) {
    auto rules = LoadRules(rules_file, sink_);
    if (!rules) {
      report_.input_error = true;
      return false;
    }
    rules_ = std::move(*rules);
    if (Sha256File(rules_file) != manifest_rules_sha()) {
      Violation("the rules file " + rules_file + " is not the one the run used (sha256 differs from the manifest)");
    }
    auto instance = LoadInputs(rules_, sink_);
    if (!instance) {
      report_.input_error = true;
      return false;
    }
    instance_ = std::move(*instance);
    std::vector<std::string> notes;
    lines_ = ComputeLines(rules_, instance_, &notes);
    const EvalContext ctx = Context();
    ranks_.resize(rules_.rankings.size());
    entry_ranks_.resize(rules_.rankings.size());
    for (std::size_t r = 0; r < rules_.rankings.size(); ++r) {
      if (!rules_.rankings[r].per_program) {
        ranks_[r] = ComputeRanking(rules_.rankings[r], ctx, rules_.seed).rank;
        continue;
      }
      for (const ChoiceLists& lists : instance_.choices) entry_ranks_[r].push_back(ComputeEntryRanking(rules_.rankings[r], ctx, lists, rules_.seed));
    }
    for (std::size_t b = 0; b < rules_.batches.size(); ++b) {
      for (std::size_t s = 0; s < rules_.batches[b].stages.size(); ++s) {
        const Stage& st = rules_.batches[b].stages[s];
        StageInfo info;
        info.b = b;
        info.s = s;
        info.in_stage = ProgramsInStage(st, ctx);
        for (const Channel& ch : st.channels) info.split.push_back(instance_.candidates.FindColumn(ch.split_by));
        stages_.push_back(std::move(info));
      }
    }
    return true;
  }

  std::string manifest_rules_sha() const {
    for (const JsonValue& f : manifest_["inputs"].items) {
      if (f["role"].text == "rules") return f["sha256"].text;
    }
    return {};
  }

  int FindStage(const std::string& batch, const std::string& stage) const {
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      if (rules_.batches[stages_[i].b].name == batch && rules_.batches[stages_[i].b].stages[stages_[i].s].name == stage) return static_cast<int>(i);
    }
    return -1;
  }
  const Stage& StageRules(const StageInfo& st) const { return rules_.batches[st.b].stages[st.s]; }
  ProgramIndex FindProgram(const std::string& code) const {
    const auto& codes = instance_.programs.code;
    auto it = std::lower_bound(codes.begin(), codes.end(), code);
    return it != codes.end() && *it == code ? static_cast<ProgramIndex>(it - codes.begin()) : kNone;
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
    auto it = st.rows.find({p, h, g});
    return it == st.rows.end() ? nullptr : &it->second;
  }

  bool OpenCsv(CsvReader* csv, const std::string& name, const std::vector<std::string>& header) {
    if (!csv->Open(Path(name), Path(name), sink_)) {
      report_.input_error = true;
      return false;
    }
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (csv->Find(header[i]) != static_cast<int>(i)) {
        Violation(name + ": the header does not start with " + header[i] + " in column " + std::to_string(i + 1));
        return false;
      }
    }
    return true;
  }

  bool ReadPlacements() {
    CsvReader csv;
    if (!OpenCsv(&csv, "placements.csv", {"candidate_id", "status", "batch", "program", "channel", "choice_rank", "stage"})) return false;
    const std::size_t n = instance_.candidates.size();
    stage_of_.assign(n, -1);
    program_.assign(n, kNone);
    channel_.assign(n, kNone);
    choice_.assign(n, 0);
    std::vector<int> seen_line(n, 0);
    CsvRecord rec;
    std::string previous_id;
    const auto& ids = instance_.candidates.id;
    while (csv.Next(&rec)) {
      const std::string id(rec.fields[0]);
      const std::string at = "placements.csv:" + std::to_string(rec.line) + ": ";
      if (!previous_id.empty() && !(previous_id < id)) Violation(at + "rows are not sorted by candidate id ('" + id + "' after '" + previous_id + "')");
      previous_id = id;
      auto it = std::lower_bound(ids.begin(), ids.end(), id);
      if (it == ids.end() || *it != id) {
        Violation(at + "candidate '" + id + "' is not in the candidates file");
        continue;
      }
      const auto c = static_cast<CandidateIndex>(it - ids.begin());
      if (seen_line[c]) {
        Violation(at + "candidate '" + id + "' appears again (first at line " + std::to_string(seen_line[c]) + ")");
        continue;
      }
      seen_line[c] = rec.line;
      if (rec.fields[1] == "unplaced") {
        if (!rec.fields[2].empty() || !rec.fields[3].empty()) Violation(at + "unplaced candidate '" + id + "' has a batch or program");
        continue;
      }
      if (rec.fields[1] != "placed") {
        Violation(at + "status '" + std::string(rec.fields[1]) + "' is neither placed nor unplaced");
        continue;
      }
      const int sp = FindStage(std::string(rec.fields[2]), std::string(rec.fields[6]));
      if (sp < 0) {
        Violation(at + "unknown batch/stage '" + std::string(rec.fields[2]) + "/" + std::string(rec.fields[6]) + "'");
        continue;
      }
      const StageInfo& st = stages_[static_cast<std::size_t>(sp)];
      const ProgramIndex p = FindProgram(std::string(rec.fields[3]));
      const std::uint32_t h = FindChannel(StageRules(st), std::string(rec.fields[4]));
      std::int32_t rank = 0;
      std::string why;
      if (p == kNone || h == kNone || !ParseCount(rec.fields[5], &rank, &why) || rank < 1) {
        Violation(at + "unknown program or channel, or a bad choice_rank, for candidate '" + id + "'");
        continue;
      }
      const ChoiceLists& lists = instance_.choices[st.b];
      if (static_cast<std::uint32_t>(rank) > lists.length(c) || lists.program[lists.offset[c] + static_cast<std::uint32_t>(rank) - 1] != p) {
        Violation(at + "candidate '" + id + "' did not list " + std::string(rec.fields[3]) + " as choice " + std::to_string(rank) + " in batch '" +
                  rules_.batches[st.b].name + "'");
        continue;
      }
      if (!st.in_stage[p]) {
        Violation(at + "program " + std::string(rec.fields[3]) + " takes no part in stage '" + StageRules(st).name + "'");
        continue;
      }
      stage_of_[c] = sp;
      program_[c] = p;
      channel_[c] = h;
      choice_[c] = static_cast<std::uint32_t>(rank - 1);
    }
    for (std::size_t c = 0; c < n; ++c) {
      if (!seen_line[c]) Violation("placements.csv: candidate '" + ids[c] + "' is missing");
    }
    Passed("placements.csv: every candidate once, each placement on the candidate's own list");
    return true;
  }

  bool ReadCutoffs() {
    CsvReader csv;
    if (!OpenCsv(&csv, "cutoffs.csv", {"batch", "program", "channel", "group", "capacity", "admitted", "cutoff_total", "stage", "initial_capacity",
                                        "flowed_in", "flowed_out", "over_capacity"}))
      return false;
    CsvRecord rec;
    auto num = [](std::string_view s) {
      std::int32_t v = 0;
      std::string why;
      if (!s.empty() && s[0] == '-') {
        ParseCount(s.substr(1), &v, &why);
        return -static_cast<std::int64_t>(v);
      }
      ParseCount(s, &v, &why);
      return static_cast<std::int64_t>(v);
    };
    while (csv.Next(&rec)) {
      const std::string at = "cutoffs.csv:" + std::to_string(rec.line) + ": ";
      const int sp = FindStage(std::string(rec.fields[0]), std::string(rec.fields[7]));
      if (sp < 0) {
        Violation(at + "unknown batch/stage");
        continue;
      }
      StageInfo& st = stages_[static_cast<std::size_t>(sp)];
      const ProgramIndex p = FindProgram(std::string(rec.fields[1]));
      const std::uint32_t h = FindChannel(StageRules(st), std::string(rec.fields[2]));
      if (p == kNone || h == kNone) {
        Violation(at + "unknown program or channel");
        continue;
      }
      const std::uint32_t g = rec.fields[3].empty() ? kNone : FindGroup(st.split[h], std::string(rec.fields[3]));
      if (g == kNone - 1 || (st.split[h] != nullptr) != (g != kNone)) {
        Violation(at + "group '" + std::string(rec.fields[3]) + "' does not fit channel '" + std::string(rec.fields[2]) + "'");
        continue;
      }
      Row row;
      row.capacity = num(rec.fields[4]);
      row.admitted = num(rec.fields[5]);
      row.cutoff_total = std::string(rec.fields[6]);
      row.initial = num(rec.fields[8]);
      row.flowed_in = num(rec.fields[9]);
      row.flowed_out = num(rec.fields[10]);
      row.over = num(rec.fields[11]);
      row.line = rec.line;
      if (!st.rows.emplace(std::make_tuple(p, h, g), row).second) Violation(at + "this program, channel and group appear twice");
    }
    return true;
  }

  bool ReadFlows() {
    CsvReader csv;
    if (!OpenCsv(&csv, "flows.csv", {"batch", "stage", "pass", "program", "channel", "group", "to_batch", "to_stage", "to_channel", "seats"})) return false;
    CsvRecord rec;
    while (csv.Next(&rec)) {
      const std::string at = "flows.csv:" + std::to_string(rec.line) + ": ";
      const int from = FindStage(std::string(rec.fields[0]), std::string(rec.fields[1]));
      const int to = FindStage(std::string(rec.fields[6]), std::string(rec.fields[7]));
      const ProgramIndex p = FindProgram(std::string(rec.fields[3]));
      if (from < 0 || to < 0 || p == kNone) {
        Violation(at + "unknown batch, stage or program");
        continue;
      }
      StageInfo& fs_ = stages_[static_cast<std::size_t>(from)];
      StageInfo& ts = stages_[static_cast<std::size_t>(to)];
      const std::uint32_t h = FindChannel(StageRules(fs_), std::string(rec.fields[4]));
      const std::uint32_t th = FindChannel(StageRules(ts), std::string(rec.fields[8]));
      std::int32_t seats = 0;
      std::string why;
      if (h == kNone || th == kNone || !ParseCount(rec.fields[9], &seats, &why) || seats <= 0) {
        Violation(at + "unknown channel or a bad number of seats");
        continue;
      }
      const Unfilled& u = StageRules(fs_).channels[h].unfilled;
      const bool allowed = u.kind == Unfilled::Kind::kSameStage
                               ? (&ts == &fs_ && u.channel_index == static_cast<int>(th))
                               : u.kind == Unfilled::Kind::kLaterBatch && u.batch_index == static_cast<int>(ts.b) &&
                                     StageRules(ts).channels[th].name == u.channel && ts.in_stage[p];
      if (!allowed) {
        Violation(at + "seats flowed from channel '" + std::string(rec.fields[4]) + "' to '" + std::string(rec.fields[8]) + "', which its rules do not allow");
      }
      const std::uint32_t g = rec.fields[5].empty() ? kNone : FindGroup(fs_.split[h], std::string(rec.fields[5]));
      if (Row* r = FindRow(fs_, p, h, g)) {
        r->flows_out += seats;
      } else if (!(fs_.split[h] && g == kNone && StageRules(fs_).channels[h].allocation.kind == Allocation::Kind::kProportional)) {
        Violation(at + "seats flowed out of a row that cutoffs.csv does not have");
      }
      if (Row* r = FindRow(ts, p, th, kNone)) {
        r->flows_in += seats;
      } else {
        Violation(at + "seats flowed into a row that cutoffs.csv does not have");
      }
    }
    return true;
  }

  // Capacities, counts, cut-offs, flows and eligibility, row by row.
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
      if (ch.eligible && !EvaluateCondition(*ch.eligible, ctx, ci, program_[c])) Violation(who + " does not meet the channel's condition: " + ch.eligible_text);
      Row* row = FindRow(st, program_[c], channel_[c], GroupOf(st, channel_[c], ci));
      if (!row) {
        Violation(who + " is in a program, channel and group that cutoffs.csv gives no seats");
        continue;
      }
      ++row->placed;
      const Score t = instance_.candidates.total[c];
      if (row->min_total == kMissingScore || t < row->min_total) row->min_total = t;
      if (row->worst == kNone || PlacedRank(ch.ranking, st.b, ci) > PlacedRank(ch.ranking, st.b, row->worst)) row->worst = ci;
    }
    // Second pass: how many admitted rank strictly above their row's worst (ties at the last
    // seat are the only admissions allowed over capacity).
    for (std::size_t c = 0; c < n; ++c) {
      if (stage_of_[c] < 0) continue;
      StageInfo& st = stages_[static_cast<std::size_t>(stage_of_[c])];
      Row* row = FindRow(st, program_[c], channel_[c], GroupOf(st, channel_[c], static_cast<CandidateIndex>(c)));
      const int ranking = StageRules(st).channels[channel_[c]].ranking;
      if (row && PlacedRank(ranking, st.b, static_cast<CandidateIndex>(c)) < PlacedRank(ranking, st.b, row->worst)) ++row->better;
    }
    for (StageInfo& st : stages_) {
      const Stage& stage = StageRules(st);
      // Initial seats: programs.csv, or the allocation for split channels.
      std::vector<GroupSplit> splits(stage.channels.size());
      for (std::size_t h = 0; h < stage.channels.size(); ++h) {
        if (!st.split[h]) continue;
        std::vector<std::int32_t> seats = instance_.programs.SeatsIn(stage.channels[h].seats);
        for (std::size_t p = 0; p < seats.size(); ++p) seats[p] = st.in_stage[p] ? seats[p] : 0;
        splits[h] = AllocateSeats(stage, st.b, h, seats, instance_, ctx);
        for (std::size_t p = 0; p < seats.size(); ++p) {
          if (st.in_stage[p]) continue;
          for (std::uint32_t g = 0; g < splits[h].num_groups; ++g) splits[h].seats[p * splits[h].num_groups + g] = 0;
        }
      }
      for (auto& [key, row] : st.rows) {
        const auto [p, h, g] = key;
        const Channel& ch = stage.channels[h];
        const std::string at = "cutoffs.csv:" + std::to_string(row.line) + ": " + instance_.programs.code[p] + " " + ch.name + (g == kNone ? "" : " " + st.split[h]->dictionary[g]) + ": ";
        const std::int64_t want_initial = g == kNone ? instance_.programs.SeatsIn(ch.seats)[p] : splits[h].seats[p * splits[h].num_groups + g];
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
        std::vector<std::tuple<std::uint32_t, std::uint32_t, std::size_t>> pool;
        for (std::size_t i = 0; i < set.size(); ++i) {
          const CandidateIndex c = set[i];
          if (label[i] != kNone || (ch.eligible && !EvaluateCondition(*ch.eligible, ctx, c, p))) continue;
          const Row* row = FindRow(st, p, h, GroupOf(st, h, c));
          if (!row || row->capacity <= 0) continue;
          pool.emplace_back(GroupOf(st, h, c), PlacedRank(ch.ranking, st.b, c), i);
        }
        std::sort(pool.begin(), pool.end());
        for (std::size_t i = 0; i < pool.size();) {
          const std::uint32_t g = std::get<0>(pool[i]);
          const std::int64_t cap = FindRow(st, p, h, g)->capacity;
          std::int64_t taken = 0;
          std::uint32_t last = 0;
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
            if (ch.eligible && !EvaluateCondition(*ch.eligible, ctx, ci, q)) continue;
            std::string problem;
            if (row->placed < row->capacity) {
              problem = "a free seat (" + std::to_string(row->placed) + " of " + std::to_string(row->capacity) + " taken)";
            } else if (row->worst != kNone && RankAt(ch.ranking, st.b, ci, k) < PlacedRank(ch.ranking, st.b, row->worst)) {
              problem = "a seat held by '" + instance_.candidates.id[row->worst] + "', whom the channel ranks lower";
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
    if (reported > 100) Violation("... and " + std::to_string(reported - 100) + " more cases of justified envy");
    if (report_.violations.size() == before) Passed("no justified envy and no waste in any stage (stable)");
  }

  std::string dir_;
  DiagnosticSink& sink_;
  VerifyReport report_;
  JsonValue manifest_, audit_header_;
  std::string manifest_rules_path_;
  std::size_t audit_candidate_count_ = 0, audit_seats_count_ = 0, audit_disagreements_ = 0, next_candidate_ = 0;
  Rules rules_;
  Instance instance_;
  std::vector<Score> lines_;
  // Rank of candidate c in ranking r applying to the program of entry k of batch b's lists.
  std::uint32_t RankAt(int r, std::size_t b, CandidateIndex c, std::uint32_t k) const {
    const auto ri = static_cast<std::size_t>(r);
    return rules_.rankings[ri].per_program ? entry_ranks_[ri][b][k] : ranks_[ri][c];
  }
  // Same, at the program where c is placed (in batch b).
  std::uint32_t PlacedRank(int r, std::size_t b, CandidateIndex c) const {
    return RankAt(r, b, c, instance_.choices[b].offset[c] + choice_[c]);
  }
  EvalContext Context() const { return EvalContext{instance_.candidates, instance_.programs, &lines_, &instance_.program_scores}; }

  std::vector<std::vector<std::uint32_t>> ranks_;                      // [ranking][candidate]; empty if per program
  std::vector<std::vector<std::vector<std::uint32_t>>> entry_ranks_;   // [ranking][batch][entry]; per-program rankings
  std::vector<StageInfo> stages_;
  std::vector<int> stage_of_;
  std::vector<ProgramIndex> program_;
  std::vector<std::uint32_t> channel_, choice_;
};

}  // namespace

VerifyReport VerifyRun(const std::string& rules_path, const std::string& run_dir, DiagnosticSink& sink,
                       const std::function<void(const std::string&)>& progress) {
  return Verifier(run_dir, sink).Run(rules_path, progress);
}

std::string CheckRecordedInputs(const std::string& run_dir, std::string* rules_path) {
  bool ok = false;
  const std::string text = ReadAll((fs::path(run_dir) / "manifest.json").string(), &ok);
  JsonValue manifest;
  std::string error;
  if (!ok || !ParseJson(text, &manifest, &error)) {
    return "cannot read " + (fs::path(run_dir) / "manifest.json").string() + (error.empty() ? "; is it a directory written by zkmatch run?" : ": " + error);
  }
  for (const JsonValue& f : manifest["inputs"].items) {
    const std::string now = Sha256File(f["path"].text);
    if (now != f["sha256"].text) {
      return f["role"].text + " file " + f["path"].text +
             (now.empty() ? " cannot be read" : " differs from the one the run used (sha256 " + now + ", recorded " + f["sha256"].text + ")");
    }
    if (f["role"].text == "rules") *rules_path = f["path"].text;
  }
  if (rules_path->empty()) return "manifest.json of " + run_dir + " records no rules file";
  return {};
}

ReplayReport ReplayRun(const std::string& run_dir, DiagnosticSink& sink, int threads) {
  ReplayReport report;
  std::string rules_path;
  if (std::string why = CheckRecordedInputs(run_dir, &rules_path); !why.empty()) {
    report.refused = true;
    report.message = why.rfind("cannot read", 0) == 0 ? why : "refusing to replay: " + why;
    return report;
  }
  auto rules = LoadRules(rules_path, sink);
  if (!rules) {
    report.refused = true;
    report.message = "the recorded rules file no longer loads";
    return report;
  }
  RunIdentity identity;
  auto instance = LoadInputs(*rules, sink, &identity);
  if (!instance || !CheckPolicy(*rules, *instance, sink)) {
    report.refused = true;
    report.message = "the recorded inputs no longer load";
    return report;
  }
  const Outcome outcome = Solve(*rules, *instance, RunOptions{threads, MatchPath::kAuto});
  for (const OutputFile& f : RenderRun(*rules, *instance, outcome, identity)) {
    bool read = false;
    const std::string old = ReadAll((fs::path(run_dir) / f.name).string(), &read);
    if (!read) {
      report.message = f.name + " is missing from the run directory";
      return report;
    }
    if (old == f.content) continue;
    std::size_t line = 1, i = 0, line_start = 0;
    while (i < old.size() && i < f.content.size() && old[i] == f.content[i]) {
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
    report.message = f.name + ":" + std::to_string(line) + ": first divergence at column " + std::to_string(i - line_start + 1) +
                     "\n  recorded: " + excerpt(old) + "\n  replayed: " + excerpt(f.content);
    return report;
  }
  report.identical = true;
  report.message = "every output reproduced byte for byte";
  return report;
}

}  // namespace zkmatch
