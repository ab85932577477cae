// See zkmatch/publish.h.
#include "zkmatch/publish.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <optional>
#include <utility>

#include "csv.h"
#include "digest.h"
#include "file_read.h"
#include "ranking.h"
#include "run_format.h"
#include "xlsx.h"
#include "zkmatch/admission.h"
#include "zkmatch/replay.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/verify.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

// A private temporary directory for the public inputs beside `out` (same file system: the
// bundle hard-links them, and a national candidates file never lands in a memory-backed /tmp),
// removed with everything in it when it goes out of scope, once the bundle holds them.
class StagingDir {
 public:
  explicit StagingDir(const std::string& out) {
    std::error_code ec;
    fs::path target = fs::path(out).lexically_normal();
    if (target.filename().empty()) target = target.parent_path();  // "pub/"
    fs::path parent = target.parent_path();
    if (parent.empty()) parent = ".";
    fs::create_directories(parent, ec);
    std::string pattern = (parent / ("." + target.filename().string() + ".zkmatch-publish-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~StagingDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

// Which id-decided tie-breaks the rules use.
struct TieColumns {
  bool id = false, lottery = false;
};

TieColumns TiesOf(const Rules& rules) {
  TieColumns t;
  for (const Ranking& r : rules.rankings) {
    t.id = t.id || r.last_tie == LastTie::kId;
    t.lottery = t.lottery || r.last_tie == LastTie::kLottery;
  }
  return t;
}

// Rules whose placements a pseudonymized bundle could not reproduce, or that would publish a
// personal column: each reported at the rule that reads it.
Status CheckPublishable(const Rules& rules, DiagnosticSink& sink) {
  const std::size_t before = sink.error_count();
  if (rules.id_use.line != 0) {
    sink.Error(rules.FileOf(rules.id_use), rules.id_use.line, rules.id_use.col,
               "this rule reads the candidate id, which the public bundle replaces by a pseudonym: its placements could not be checked there; "
               "decide it by another column to publish this run");
  }
  for (const ColumnRef& ref : rules.candidate_columns) {
    if (std::find(rules.personal_columns.begin(), rules.personal_columns.end(), ref.name) != rules.personal_columns.end()) {
      sink.Error(rules.FileOf(ref.pos), ref.pos.line, ref.pos.col,
                 "column '" + ref.name + "' is personal (inputs: personal; 'name' always is) but the rules read it: the public bundle, which leaves it out, "
                 "could not decide placements the same way; take it out of personal: if it may be published");
    }
    if (ref.name == kTieOrderColumn || ref.name == kLotteryOrderColumn) {
      sink.Error(rules.FileOf(ref.pos), ref.pos.line, ref.pos.col,
                 "column '" + ref.name + "' is the name publish gives the tie-break it adds to the public candidates file; rename this column to publish the run");
    }
  }
  // The programs and allocations files are copied into the public bundle as they are: a
  // workbook's other sheets (a contact list, notes) would be published with the sheet the run
  // reads. (An independent audit found a phone number published so.)
  for (const auto& [role, path] : {std::pair{"programs", rules.inputs.programs}, std::pair{"allocations", rules.inputs.allocations}}) {
    if (path.empty() || !IsWorkbookPath(path)) continue;
    bool read = false;
    const std::string bytes = ReadWholeFile(path, &read);
    if (!read) continue;  // the run's load of it already failed or will say why
    DiagnosticSink quiet;
    const auto names = WorkbookSheetNames(bytes, path, quiet);
    if (!names || names->size() <= 1) continue;
    const std::string used = rules.SheetFor(role).empty() ? names->front() : rules.SheetFor(role);
    std::string others;
    for (const std::string& n : *names) {
      if (n != used) others += (others.empty() ? "'" : ", '") + n + "'";
    }
    sink.Error(path, 0, 0,
               "the public bundle copies the " + std::string(role) + " workbook whole, and it has sheets the run does not read (" + others +
                   "), which would be published too; delete them (or give the " + role + " as CSV), run again and publish that run");
  }
  return sink.error_count() == before ? Status::Ok() : Status::FromSink(sink, "the rules", before);
}

// Each candidate's place (1-based) in the lottery's order: lottery number, then id.
std::vector<std::uint32_t> LotteryOrder(const Rules& rules, const Instance& instance) {
  const std::size_t n = instance.candidates.size();
  std::vector<std::uint64_t> number(n);
  for (std::size_t c = 0; c < n; ++c) number[c] = LotteryNumber(rules.seed, instance.candidates.id[c]);
  std::vector<std::uint32_t> by(n), place(n);
  std::iota(by.begin(), by.end(), 0u);
  std::stable_sort(by.begin(), by.end(), [&](std::uint32_t a, std::uint32_t b) { return number[a] < number[b]; });  // ids ascending within
  for (std::size_t i = 0; i < n; ++i) place[by[i]] = static_cast<std::uint32_t>(i + 1);
  return place;
}

// The public files' rows and what maps the two runs onto each other.
struct PublicCandidates {
  std::vector<std::string> pseudonym;     // by the run's candidate index
  std::vector<std::uint32_t> by_pseudonym;  // the run's candidate indices in pseudonym order
};

std::string CandidatesCsv(const Rules& rules, const Instance& instance, const PublicCandidates& pub, TieColumns ties, std::vector<std::string>* columns) {
  const Candidates& cs = instance.candidates;
  *columns = {"id", "total"};
  for (const Column& col : cs.columns) columns->push_back(col.name);
  if (ties.id) columns->push_back(kTieOrderColumn);
  if (ties.lottery) columns->push_back(kLotteryOrderColumn);
  std::string out;
  for (std::size_t i = 0; i < columns->size(); ++i) {
    if (i) out.push_back(',');
    AppendCsvField(&out, (*columns)[i]);
  }
  out.push_back('\n');
  const std::vector<std::uint32_t> lottery = ties.lottery ? LotteryOrder(rules, instance) : std::vector<std::uint32_t>{};
  auto score = [](Score s) { return s == kMissingScore ? std::string() : FormatScore(s); };
  for (const std::uint32_t c : pub.by_pseudonym) {
    out += pub.pseudonym[c];
    out.push_back(',');
    out += score(cs.total[c]);
    for (const Column& col : cs.columns) {
      out.push_back(',');
      AppendCsvField(&out, col.numeric ? score(col.number[c]) : col.dictionary[col.text[c]]);
    }
    if (ties.id) out += "," + std::to_string(c + 1);  // ids are in byte order: the index is the place
    if (ties.lottery) out += "," + std::to_string(lottery[c]);
    out.push_back('\n');
  }
  return out;
}

std::string ChoicesCsv(const Rules& rules, const Instance& instance, const PublicCandidates& pub) {
  bool tied = false;
  for (const ChoiceLists& l : instance.choices) tied = tied || !l.channel.empty();
  std::string out = tied ? "candidate_id,batch,rank,program,channel\n" : "candidate_id,batch,rank,program\n";
  for (const std::uint32_t c : pub.by_pseudonym) {
    for (std::size_t b = 0; b < instance.choices.size(); ++b) {
      const ChoiceLists& l = instance.choices[b];
      for (std::uint32_t k = l.offset[c]; k < l.offset[c + 1]; ++k) {
        out += pub.pseudonym[c] + ",";
        AppendCsvField(&out, rules.batches[b].name);
        out += "," + std::to_string(k - l.offset[c] + 1) + ",";
        AppendCsvField(&out, instance.programs.code[l.program[k]]);
        if (tied) {
          const std::string* channel = l.TiedChannel(k);
          out.push_back(',');
          if (channel != nullptr) AppendCsvField(&out, *channel);
        }
        out.push_back('\n');
      }
    }
  }
  return out;
}

std::string ProgramScoresCsv(const Instance& instance, const PublicCandidates& pub) {
  const ProgramScores& ps = instance.program_scores;
  std::string out = "program,candidate_id,score\n";
  for (const std::uint32_t c : pub.by_pseudonym) {
    for (std::uint32_t k = ps.offset[c]; k < ps.offset[c + 1]; ++k) {
      AppendCsvField(&out, instance.programs.code[ps.program[k]]);
      out += "," + pub.pseudonym[c] + "," + (ps.score[k] == kMissingScore ? std::string() : FormatScore(ps.score[k])) + "\n";
    }
  }
  return out;
}

// The staged file names of the public inputs, by role.
struct PublicFiles {
  std::string rules, programs, allocations;
  bool program_scores = false;
};

// An input the run's rules gave (a path, or {file, encoding, sheet, columns}) with its file now `file`.
YAML::Node WithFile(const std::string& written, const std::string& file) {
  YAML::Node n = YAML::Load(written);
  if (n.IsMap()) {
    n["file"] = file;
  } else {
    n = YAML::Node(file);
  }
  return n;
}

// The public files read with their own logical names in UTF-8, whatever the run's file-wide
// `columns:` and `encoding:` say (they still apply to programs and allocations, which are the
// run's own files).
YAML::Node OwnFormat(const Rules& rules, const std::string& file, const std::vector<std::string>& logical) {
  YAML::Node n(YAML::NodeType::Map);
  n["file"] = file;
  n["encoding"] = "utf-8";
  YAML::Node columns(YAML::NodeType::Map);
  for (const std::string& name : logical) {
    if (rules.HeaderFor(name) != name) columns[name] = name;
  }
  if (columns.size() > 0) n["columns"] = columns;
  return n;
}

YAML::Node PublicInputs(const Rules& rules, const PublicFiles& files, const std::vector<std::string>& candidate_columns) {
  std::vector<std::string> candidate_names = candidate_columns;
  for (const char* builtin : {"id", "total", "name", "junior_school", "district"}) candidate_names.emplace_back(builtin);
  YAML::Node inputs(YAML::NodeType::Map);
  inputs["candidates"] = OwnFormat(rules, "candidates.csv", candidate_names);
  inputs["choices"] = OwnFormat(rules, "choices.csv", {"candidate_id", "batch", "rank", "program", "channel"});
  for (const auto& [key, value] : rules.settings) {
    if (key == "inputs.programs") inputs["programs"] = WithFile(value, files.programs);
    if (key == "inputs.allocations") inputs["allocations"] = WithFile(value, files.allocations);
  }
  if (files.program_scores) inputs["program_scores"] = OwnFormat(rules, "program_scores.csv", {"program", "candidate_id", "score"});
  return inputs;
}

// The public rules: the run's rules as they apply (extends: resolved), with the public inputs
// and every id-decided tie-break replaced by its column.
std::string PublicRulesYaml(const Rules& rules, const PublicFiles& files, const std::vector<std::string>& candidate_columns, const std::string& parent_digest) {
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& [key, value] : rules.settings) {
    const std::size_t dot = key.find('.');
    const std::string top = key.substr(0, dot);
    if (top == "inputs") {
      if (!root["inputs"]) root["inputs"] = PublicInputs(rules, files, candidate_columns);
      continue;
    }
    if (dot == std::string::npos) {
      root[top] = YAML::Load(value);
    } else {
      root[top][key.substr(dot + 1)] = YAML::Load(value);
    }
  }
  for (const Ranking& r : rules.rankings) {
    if (r.last_tie != LastTie::kId && r.last_tie != LastTie::kLottery) continue;
    YAML::Node ranking = root["rankings"][r.name];
    ranking["keys"].push_back(std::string(r.last_tie == LastTie::kId ? kTieOrderColumn : kLotteryOrderColumn) + " asc");
    ranking["last_tie"] = "id";
  }
  YAML::Emitter e;
  e << root;
  return "# The public rules of the run whose manifest.json has SHA-256 " + parent_digest + ", written by zkmatch publish\n" +
         "# from its rules: the same decisions, over the public (pseudonymized) inputs (engine/audit-format.md, \"The public bundle\").\n" + e.c_str() +
         "\n";
}

// Copies the run's file `from` to `to` (the staged public input).
Status CopyInput(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec)) return Status::IoError("cannot copy " + from + " to " + to + ": " + ec.message());
  return Status::Ok();
}

Status WriteStaged(const std::string& path, const std::string& content) { return WriteFileAtomically(path, content); }

std::string Extension(const std::string& path) { return fs::path(path).extension().string(); }

// Writes the public inputs and rules into `dir`; returns the public rules' path.
Result<std::string> StagePublicInputs(const Admission& run, const PublicCandidates& pub, const std::string& parent_digest, const StagingDir& dir,
                                      std::vector<std::string>* columns) {
  const Rules& rules = run.rules;
  PublicFiles files;
  files.rules = fs::path(rules.path).filename().string();
  files.programs = "programs" + Extension(rules.inputs.programs);
  if (!rules.inputs.allocations.empty()) files.allocations = "allocations" + Extension(rules.inputs.allocations);
  files.program_scores = !rules.inputs.program_scores.empty();
  if (Status s = WriteStaged(dir / "candidates.csv", CandidatesCsv(rules, run.instance, pub, TiesOf(rules), columns)); !s.ok()) return s;
  if (Status s = WriteStaged(dir / "choices.csv", ChoicesCsv(rules, run.instance, pub)); !s.ok()) return s;
  if (files.program_scores) {
    if (Status s = WriteStaged(dir / "program_scores.csv", ProgramScoresCsv(run.instance, pub)); !s.ok()) return s;
  }
  if (Status s = CopyInput(rules.inputs.programs, dir / files.programs); !s.ok()) return s;
  if (!files.allocations.empty()) {
    if (Status s = CopyInput(rules.inputs.allocations, dir / files.allocations); !s.ok()) return s;
  }
  std::vector<std::string> referenced;
  for (const ColumnRef& ref : rules.candidate_columns) referenced.push_back(ref.name);
  if (Status s = WriteStaged(dir / files.rules, PublicRulesYaml(rules, files, referenced, parent_digest)); !s.ok()) return s;
  return dir / files.rules;
}

// Ok when the public run places every candidate as the run does, under the pseudonym map.
Status SamePlacements(const Admission& run, const Admission& pub, const PublicCandidates& map) {
  const Outcome& a = run.outcome;
  const Outcome& b = pub.outcome;
  if (pub.instance.candidates.size() != run.instance.candidates.size()) return Status::Internal("the public run has another number of candidates");
  for (std::size_t i = 0; i < map.by_pseudonym.size(); ++i) {
    const std::uint32_t c = map.by_pseudonym[i];
    if (pub.instance.candidates.id[i] != map.pseudonym[c] || a.batch[c] != b.batch[i] || a.stage[c] != b.stage[i] || a.program[c] != b.program[i] ||
        (a.batch[c] >= 0 && (a.channel[c] != b.channel[i] || a.choice[c] != b.choice[i]))) {
      return Status::Internal("the public run would place candidate " + run.instance.candidates.id[c] + " (pseudonym " + map.pseudonym[c] +
                              ") differently from the run; nothing was published (a zkmatch bug: please report it)");
    }
  }
  return Status::Ok();
}

// The run's own inputs loaded and matched again (as replay does), after it verified.
Result<Admission> LoadVerifiedRun(const PublishRequest& request, DiagnosticSink& sink) {
  DiagnosticSink quiet;
  const Result<VerifyReport> verified = VerifyRun("", request.run_dir, quiet);
  if (!verified) return Status::BadInput("cannot verify " + request.run_dir + ": " + verified.status().message() + "; nothing was published");
  if (!verified->violations.empty()) {
    return Status::Violation(request.run_dir + " does not verify (" + std::to_string(verified->count()) + " findings; the first: " + verified->violations.front() +
                             "); a run is published only once zkmatch verify --run " + request.run_dir + " holds");
  }
  // The inputs are hashed once more by the load below, which checks the bytes it parses.
  const Result<RecordedRun> recorded = OpenRecordedRun(request.run_dir);
  if (!recorded) return Status::BadInput("refusing to publish: " + recorded.status().message());
  if (!recorded->note.empty()) return Status::BadInput("refusing to publish " + request.run_dir + ": it is an old-format run (not a bundle); run it again with this zkmatch");
  if (!recorded->public_of.empty()) return Status::BadInput(request.run_dir + " is already a public bundle; publish the run it was made from");
  if (!recorded->files.inputs.parent_manifest.empty()) {  // its locked rows and parent files name candidates by id
    return Status::BadInput("refusing to publish " + request.run_dir + ": it is a continuing round (run --continue), which publish does not pseudonymize yet; "
                            "publish its parent run");
  }
  AdmissionRequest again;
  again.rules_path = recorded->rules_path;
  again.files = recorded->files;
  again.options.threads = request.threads;
  again.inputs_read = [&](const RunIdentity& read) {
    const Status same = CheckParsedInputs(*recorded, read);
    return same.ok() ? same : Status::BadInput("refusing to publish: " + same.message());
  };
  DiagnosticSink warnings;  // the run's own warnings were shown when it ran
  Result<Admission> run = RunAdmission(again, warnings);
  if (!run) {
    for (const Diagnostic& d : warnings.diagnostics()) sink.Report(d);
    return run.status();
  }
  run->files = {};  // its rendered outputs (the audit log: hundreds of MB at 1M) are not needed again
  return run;
}

Status CheckOutDir(const PublishRequest& request) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(request.out_dir, ec)) || request.force) return Status::Ok();
  if (fs::is_directory(request.out_dir, ec) && fs::is_empty(request.out_dir, ec)) return Status::Ok();
  return Status::BadInput(request.out_dir + " already exists and is not empty; choose another --out or add --force to replace it");
}

}  // namespace

std::string PublicBundleOf(const std::string& run_dir) {
  Manifest manifest;
  std::vector<Finding> findings;
  if (ReadManifest(run_dir, &manifest, &findings) != ReadStatus::kRead) return {};
  return manifest.public_of;
}

Result<std::vector<std::string>> PseudonymsOf(const std::string& secret, const std::vector<std::string>& ids, std::size_t hex_digits) {
  std::vector<std::string> out(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) out[i] = Pseudonym(secret, ids[i], hex_digits);
  std::vector<std::size_t> order(ids.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return out[a] < out[b]; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (out[order[i]] != out[order[i - 1]]) continue;
    return Status::BadInput("candidates '" + ids[std::min(order[i - 1], order[i])] + "' and '" + ids[std::max(order[i - 1], order[i])] + "' have the same pseudonym " +
                            out[order[i]] + " (the first " + std::to_string(hex_digits) +
                            " hex digits of their HMACs agree); make a new secret with zkmatch keygen --secret and publish again");
  }
  return out;
}

Result<PublishSummary> Publish(const PublishRequest& request, DiagnosticSink& sink) {
  const Result<std::string> secret = ReadPseudonymSecret(request.secret_path);
  if (!secret) return secret.status();
  if (Status out = CheckOutDir(request); !out.ok()) return out;
  if (!request.key_path.empty()) {
    if (Status key = CheckSigningKey(request.key_path, sink); !key.ok()) return key;
  }
  Result<Admission> run = LoadVerifiedRun(request, sink);
  if (!run) return run.status();
  if (Status publishable = CheckPublishable(run->rules, sink); !publishable.ok()) return publishable;
  PublicCandidates pub;
  Result<std::vector<std::string>> pseudonyms = PseudonymsOf(*secret, run->instance.candidates.id);
  if (!pseudonyms) return pseudonyms.status();
  pub.pseudonym = std::move(*pseudonyms);
  pub.by_pseudonym.resize(pub.pseudonym.size());
  std::iota(pub.by_pseudonym.begin(), pub.by_pseudonym.end(), 0u);
  std::sort(pub.by_pseudonym.begin(), pub.by_pseudonym.end(), [&](std::uint32_t a, std::uint32_t b) { return pub.pseudonym[a] < pub.pseudonym[b]; });
  bool read = false;
  const std::string parent_digest = Sha256Hex(ReadWholeFile((fs::path(request.run_dir) / kManifestFile).string(), &read));
  const StagingDir staging(request.out_dir);
  if (staging.path().empty()) return Status::IoError("cannot create a temporary directory beside " + request.out_dir + " for the public inputs");
  PublishSummary summary;
  const Result<std::string> rules_path = StagePublicInputs(*run, pub, parent_digest, staging, &summary.columns);
  if (!rules_path) return rules_path.status();
  AdmissionRequest public_request;
  public_request.rules_path = *rules_path;
  public_request.public_of = parent_digest;
  public_request.options.threads = request.threads;
  DiagnosticSink public_sink;
  Result<Admission> published = RunAdmission(public_request, public_sink);
  if (!published) {
    for (const Diagnostic& d : public_sink.diagnostics()) sink.Report(d);
    return Status::Internal("the public inputs do not run (a zkmatch bug: please report it): " + published.status().message());
  }
  if (Status same = SamePlacements(*run, *published, pub); !same.ok()) return same;
  if (!request.key_path.empty()) {
    const auto manifest = std::find_if(published->files.begin(), published->files.end(), [](const OutputFile& f) { return f.name == kManifestFile; });
    Result<std::string> signature = SignFile(request.key_path, manifest->name, manifest->content, sink);
    if (!signature) return signature.status();
    published->files.push_back(OutputFile{kManifestSignatureFile, std::move(*signature)});
  }
  for (OutputFile& f : published->files) f.link = !f.copy_of.empty();  // the staged inputs: nobody else holds them
  if (Status written = WriteRunDirectory(request.out_dir, published->files, true); !written.ok()) return written;
  summary.candidates = pub.pseudonym.size();
  summary.parent_manifest_sha256 = parent_digest;
  return summary;
}

}  // namespace zkmatch
