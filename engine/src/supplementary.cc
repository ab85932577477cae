// See zkmatch/supplementary.h.
#include "zkmatch/supplementary.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "csv.h"
#include "decimal.h"
#include "run_format.h"
#include "splitmix.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/replay.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

// One splitmix64 step from `x` (splitmix.h): the same bytes on every platform.
std::uint64_t Mix(std::uint64_t x) { return SplitMix64(&x); }

std::uint64_t HashOf(const std::string& s, std::uint64_t seed) {
  std::uint64_t h = Mix(seed);
  for (unsigned char ch : s) h = Mix(h ^ ch);
  return h;
}

// A YAML flow scalar: quoted unless plainly safe.
std::string Yaml(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_of(":#,[]{}&*!|>'\"%@`\\ ") == std::string::npos && s.front() != '-';
  if (plain) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' || ch == '\\' ? std::string("\\") + ch : std::string(1, ch);
  return out + "\"";
}

// `{file: PATH, encoding: E, columns: {...}, sheet: S}` of one of DIR's inputs, or the path alone.
std::string InputEntry(const Rules& rules, const std::string& role, const std::string& path) {
  const auto it = rules.inputs.formats.find(role);
  if (it == rules.inputs.formats.end()) return Yaml(path);
  const InputFormat& f = it->second;
  std::string out = "{file: " + Yaml(path);
  if (!f.encoding.empty()) out += ", encoding: " + f.encoding;
  if (!f.sheet.empty()) out += ", sheet: " + Yaml(f.sheet);
  if (!f.columns.empty()) {
    out += ", columns: {";
    for (std::size_t i = 0; i < f.columns.size(); ++i) out += (i ? ", " : "") + Yaml(f.columns[i].first) + ": " + Yaml(f.columns[i].second);
    out += "}";
  }
  return out + "}";
}

// Headers of one file the round reads no column of.
std::vector<std::string> Unread(const Rules& rules, const std::string& role, const std::vector<std::string>& headers, const std::vector<std::string>& read) {
  std::vector<std::string> out;
  for (const std::string& h : headers) {
    const bool used = std::any_of(read.begin(), read.end(), [&](const std::string& logical) { return rules.HeaderFor(role, logical) == h; });
    if (!used) out.push_back(h);
  }
  return out;
}

}  // namespace

Result<std::vector<OutputFile>> GenerateSupplementaryRound(const std::string& run_dir, const std::string& out_dir, const SupplementaryOptions& options,
                                                           DiagnosticSink& sink) {
  RecordedRun recorded;
  auto rules = LoadRecordedRules(run_dir, sink, "cannot generate a supplementary round: ", &recorded);
  if (!rules) return rules.status();
  DiagnosticSink quiet;  // DIR's own warnings were DIR's to give
  auto instance = LoadRecordedInputs(recorded, *rules, quiet, "cannot generate a supplementary round: ");
  if (!instance) {
    for (const Diagnostic& d : quiet.diagnostics()) sink.Report(d);
    return instance.status();
  }
  std::vector<Finding> findings;
  std::vector<PlacementRow> placements;
  std::map<std::string, std::int64_t> seats, cutoff;  // program -> seats in the round; DIR's highest cut-off (hundredths)
  ReadPlacements(run_dir, [&](const PlacementRow& r) { placements.push_back(r); }, &findings);
  ReadVacancies(run_dir, [&](const VacancyRow& r) { seats[r.program] += r.vacant; }, &findings);
  ReadCutoffs(run_dir, [&](const CutoffRow& r) {
    Score v = 0;
    std::string why;
    if (r.cutoff_total.empty() || !ParseDecimal(r.cutoff_total, &v, &why)) return;
    cutoff[r.program] = std::max<std::int64_t>(cutoff[r.program], v);
  }, &findings);
  if (!findings.empty()) return Status::BadInput("cannot read " + run_dir + "'s published files: " + findings.front().Format());
  // Declines: the placed candidates with the lowest hashes.
  std::vector<std::pair<std::uint64_t, std::size_t>> placed;
  for (std::size_t i = 0; i < placements.size(); ++i) {
    if (placements[i].holds_seat()) placed.emplace_back(HashOf(placements[i].id, options.seed), i);
  }
  std::sort(placed.begin(), placed.end());
  if (options.declines > placed.size()) {  // said, not done in silence
    sink.Warning(run_dir, 0, 0, "--declines " + std::to_string(options.declines) + " is more than the " + std::to_string(placed.size()) +
                                    " candidates the run placed: all of them decline");
  }
  placed.resize(std::min<std::size_t>(placed.size(), options.declines));
  std::vector<std::uint8_t> declined(placements.size(), 0);
  for (const auto& [h, i] : placed) {
    declined[i] = 1;
    ++seats[placements[i].program];
  }
  std::string declined_csv = "candidate_id\n";
  for (std::size_t i = 0; i < placements.size(); ++i) {
    if (!declined[i]) continue;
    AppendCsvField(&declined_csv, placements[i].id);
    declined_csv += "\n";
  }
  // Programs with a seat in the round, most selective first.
  std::vector<std::string> open;
  for (const auto& [code, n] : seats) {
    if (n > 0) open.push_back(code);
  }
  std::stable_sort(open.begin(), open.end(), [&](const std::string& a, const std::string& b) { return cutoff[a] > cutoff[b]; });
  std::string choices = "candidate_id,batch,rank,program\n";
  for (std::size_t i = 0; i < placements.size(); ++i) {
    if (placements[i].holds_seat() && !declined[i]) continue;
    std::uint64_t h = HashOf(placements[i].id, options.seed ^ 0x5eed);
    const std::size_t want = open.empty() ? 0 : 1 + h % std::min<std::uint64_t>(options.max_choices, open.size());
    std::vector<std::size_t> picked;
    while (picked.size() < want) {
      h = Mix(h);
      const std::size_t p = h % open.size();
      if (std::find(picked.begin(), picked.end(), p) == picked.end()) picked.push_back(p);
    }
    std::sort(picked.begin(), picked.end());
    for (std::size_t k = 0; k < picked.size(); ++k) {
      AppendCsvField(&choices, placements[i].id);
      choices += ",supplementary," + std::to_string(k + 1) + ",";
      AppendCsvField(&choices, open[picked[k]]);
      choices += "\n";
    }
  }
  // The rules: DIR's candidates and programs copies, as DIR's rules read them.
  Manifest manifest;
  ReadManifest(run_dir, &manifest, &findings);
  auto path_of = [&](const char* role) {
    const ManifestInput* f = manifest.Input(role);
    const fs::path abs = fs::absolute(RecordedFilePath(run_dir, f ? f->path : std::string()));
    return fs::relative(abs, fs::absolute(out_dir)).generic_string();
  };
  std::vector<std::string> unread = Unread(*rules, "candidates", instance->candidate_headers, {"id", "total", "name", "junior_school", "district"});
  for (const std::string& h : Unread(*rules, "programs", instance->program_headers, {"code", "school", "name", "sector", "district"})) {
    if (std::find(unread.begin(), unread.end(), h) == unread.end()) unread.push_back(h);
  }
  std::string yaml = "# A supplementary round (征求志愿) continuing " + run_dir + ", written by zkmatch gen --supplementary:\n#   zkmatch run --rules round.yaml --continue " +
                     run_dir + " --out ROUND\n# Its seats (column vacancies) are what that run left plus the seats in declined.csv.\nversion: 1\nname: " +
                     Yaml(rules->name + "-supplementary") + "\n";
  if (rules->encoding_given) yaml += "encoding: " + rules->encoding + "\n";
  if (!rules->columns.empty()) {
    yaml += "columns: {";
    for (std::size_t i = 0; i < rules->columns.size(); ++i) yaml += (i ? ", " : "") + Yaml(rules->columns[i].first) + ": " + Yaml(rules->columns[i].second);
    yaml += "}\n";
  }
  if (!unread.empty()) {
    yaml += "descriptive_columns: [";
    for (std::size_t i = 0; i < unread.size(); ++i) yaml += (i ? ", " : "") + Yaml(unread[i]);
    yaml += "]\n";
  }
  yaml += "inputs:\n  candidates: " + InputEntry(*rules, "candidates", path_of("candidates")) + "\n  programs: " +
          InputEntry(*rules, "programs", path_of("programs")) + "\n  choices: 征求志愿.csv\n  declined: declined.csv\nrankings:\n"
          "  by_total: {keys: [total desc], last_tie: id}\nbatches:\n  - name: supplementary\n    label: 征求志愿\n    max_choices: " +
          std::to_string(options.max_choices) + "\n    channels:\n      - {name: general, label: 征求志愿, seats: vacancies, ranking: by_total}\n";
  // Which programs are general high is DIR's: without it the round's report would count every
  // program (3+4 classes too) in the general-high ratio. (Its target is the year's, not the
  // round's, so it is left to DIR's report.)
  if (rules->policy.general_high) yaml += "policy:\n  general_high: " + Yaml(rules->policy.general_high_text) + "\n";
  return std::vector<OutputFile>{{"round.yaml", yaml}, {"征求志愿.csv", choices}, {"declined.csv", declined_csv}};
}

}  // namespace zkmatch
