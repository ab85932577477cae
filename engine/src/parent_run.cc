// See parent_run.h.
#include "parent_run.h"

#include <algorithm>
#include <filesystem>

#include "digest.h"
#include "edit_distance.h"
#include "run_format.h"

namespace zkmatch {
namespace {

std::string Short(const std::string& sha256) { return sha256.substr(0, 12) + "…"; }

// Reports a reader's findings as errors.
bool Report(const std::vector<Finding>& findings, DiagnosticSink& sink) {
  for (const Finding& f : findings) sink.Report({Severity::kError, f.file, f.row, 0, f.column, f.message});
  return findings.empty();
}

// The parent's placements.csv and vacancies.csv must be the bytes its manifest records, and the
// round's candidates and programs files the ones it read.
bool CheckParentFiles(const Rules& rules, const Manifest& manifest, std::map<std::string, FileDigest>* digests, DiagnosticSink& sink) {
  const RuleInputs& in = rules.inputs;
  bool ok = true;
  for (auto [role, path, name] : {std::tuple{"parent_placements", &in.parent_placements, kPlacementsFile},
                                  std::tuple{"parent_vacancies", &in.parent_vacancies, kVacanciesFile}}) {
    FileDigest& d = (*digests)[role];
    std::size_t bytes = 0;
    d.sha256 = Sha256File(*path, &bytes);
    d.bytes = bytes;
    auto recorded = std::find_if(manifest.outputs.begin(), manifest.outputs.end(), [name = name](const ManifestOutput& o) { return o.file == name; });
    if (recorded == manifest.outputs.end()) {
      sink.Error(in.parent_manifest, 0, 0, std::string("the parent run's manifest lists no ") + name +
                                                 " (a run written before continuing rounds existed); run the parent again with this zkmatch");
      ok = false;
    } else if (d.sha256.empty()) {
      sink.Error(*path, 0, 0, std::string("cannot read the parent run's ") + name + "; a continuing round needs the parent's run directory whole");
      ok = false;
    } else if (d.sha256 != recorded->sha256) {
      sink.Error(*path, 0, 0, std::string(name) + " is not the file the parent's manifest records (sha256 " + Short(d.sha256) + ", recorded " +
                                  Short(recorded->sha256) + "): it was changed after the parent run; use the parent's own file");
      ok = false;
    }
  }
  for (auto [role, path] : {std::pair{"candidates", &in.candidates}, std::pair{"programs", &in.programs}}) {
    const ManifestInput* recorded = manifest.Input(role);
    const std::string now = Sha256File(*path);
    if (recorded == nullptr || recorded->sha256 != now) {
      sink.Error(*path, 0, 0, std::string("the ") + role + " file is not the one the parent run read (sha256 " + Short(now) +
                                  (recorded ? ", the parent's " + Short(recorded->sha256) : std::string(", the parent records none")) +
                                  "); a continuing round reads its parent's candidates and programs unchanged -- name the parent's file (its run directory keeps a copy under inputs/)");
      ok = false;
    }
  }
  return ok;
}

// The parent's placements.csv: who holds a seat, where.
bool ReadParentPlacements(const Rules& rules, Instance* inst, ParentSeats* seats, DiagnosticSink& sink) {
  ParentRun& pr = inst->parent;
  const std::vector<std::string>& ids = inst->candidates.id;
  std::map<std::string, std::uint32_t> slot_of;  // "batch\nstage\nchannel" -> index into slots
  std::vector<Finding> findings;
  const ReadStatus status = ReadPlacementsAt(rules.inputs.parent_placements, [&](const PlacementRow& row) {
    const std::uint32_t c = SortedIndex(ids, row.id);
    if (c == kNone) {
      findings.push_back(Finding{rules.inputs.parent_placements, "candidate_id", "candidate '" + row.id + "' of the parent run is not in " + rules.inputs.candidates, row.line});
      return;
    }
    if (!row.holds_seat()) return;
    const auto [it, fresh] = slot_of.emplace(row.batch + "\n" + row.stage + "\n" + row.channel, static_cast<std::uint32_t>(pr.slots.size()));
    if (fresh) pr.slots.push_back({row.batch, row.stage, row.channel});
    pr.state[c] = ParentRun::kLocked;
    pr.slot[c] = it->second;
    pr.choice_rank[c] = row.choice_rank;
    seats->program_code[c] = row.program;
  }, &findings);
  return Report(findings, sink) && status == ReadStatus::kRead;
}

// The parent's vacancies.csv: its seats left, by program.
bool ReadParentVacancies(const Rules& rules, ParentSeats* seats, DiagnosticSink& sink) {
  std::vector<Finding> findings;
  const ReadStatus status = ReadVacanciesAt(rules.inputs.parent_vacancies, [&](const VacancyRow& row) { seats->by_code[row.program] += static_cast<std::int32_t>(row.vacant); },
                                            &findings);
  return Report(findings, sink) && status == ReadStatus::kRead;
}

// declined.csv: candidate_id, one row per candidate who gives up the parent's seat. The seat
// joins the round's seats.
bool ReadDeclined(const Rules& rules, Instance* inst, ParentSeats* seats, FileDigest* digest, DiagnosticSink& sink) {
  ParentRun& pr = inst->parent;
  const std::vector<std::string>& ids = inst->candidates.id;
  CsvReader csv;
  csv.set_digest(digest);
  csv.set_role("declined");
  csv.set_sheet(rules.SheetFor("declined"));
  csv.set_detect_encoding(!rules.EncodingGiven("declined"));
  const std::string& path = rules.inputs.declined;
  if (!csv.Open(path, path, sink, rules.EncodingFor("declined"))) return false;
  const std::string header = rules.HeaderFor("declined", "candidate_id");
  const int col = csv.Find(header);
  if (col < 0) {
    sink.Error(csv.display(), csv.header_line(), 0,
               "missing column '" + header + "'" + DidYouMean(header, csv.header()) + "; declined.csv has one column, candidate_id, one row per candidate who gives up the parent's seat");
    return false;
  }
  const std::size_t errors_before = sink.error_count();
  CsvRecord rec;
  while (csv.Next(&rec)) {
    const std::string_view id = rec.fields[static_cast<std::size_t>(col)];
    const std::uint32_t c = SortedIndex(ids, id);
    if (c == kNone) {
      sink.CsvError(csv.display(), rec.line, header, "unknown candidate '" + std::string(id) + "'" + DidYouMean(id, ids) + "; it is not in " + rules.inputs.candidates);
    } else if (pr.declined_row[c] != 0) {
      sink.CsvError(csv.display(), rec.line, header,
                    "candidate '" + std::string(id) + "' is listed again (first at row " + std::to_string(pr.declined_row[c]) + "); list each candidate once");
    } else if (pr.state[c] != ParentRun::kLocked) {
      sink.CsvError(csv.display(), rec.line, header,
                    "candidate '" + std::string(id) + "' holds no seat from the parent run (unplaced there), so there is no seat to decline; remove the row");
    } else {
      pr.state[c] = ParentRun::kDeclined;
      pr.declined_row[c] = static_cast<std::uint32_t>(rec.line);
      ++seats->by_code[seats->program_code[c]];
    }
  }
  return sink.error_count() == errors_before;
}

}  // namespace

bool LoadParentRun(const Rules& rules, Instance* inst, DiagnosticSink& sink, std::map<std::string, FileDigest>* digests, ParentSeats* seats) {
  const RuleInputs& in = rules.inputs;
  if (in.parent_manifest.empty()) {
    if (in.declined.empty()) return true;
    sink.Error(rules.FileOf(in.declined_pos), in.declined_pos.line, in.declined_pos.col,
               "inputs.declined lists candidates who give up a seat of a parent run; it applies only to a continuing round -- run these rules with "
               "zkmatch run --continue DIR, or remove the line");
    return false;
  }
  ParentRun& pr = inst->parent;
  const std::size_t n = inst->candidates.size();
  pr.present = true;
  pr.state.assign(n, ParentRun::kFree);
  pr.program.assign(n, kNoProgram);
  pr.slot.assign(n, 0);
  pr.choice_rank.assign(n, 0);
  pr.declined_row.assign(n, 0);
  seats->program_code.assign(n, {});
  FileDigest& md = (*digests)["parent_manifest"];
  std::size_t bytes = 0;
  md.sha256 = Sha256File(in.parent_manifest, &bytes);
  md.bytes = bytes;
  pr.manifest_sha256 = md.sha256;
  // A parent that cannot be read is no parent: later checks (a program with no seat left in the
  // round, ...) would otherwise speak of an empty one.
  auto fail = [&] {
    pr.present = false;
    return false;
  };
  Manifest manifest;
  std::vector<Finding> findings;
  const ReadStatus read = ReadManifestAt(in.parent_manifest, &manifest, &findings);
  if (read == ReadStatus::kMissing) {
    const std::string dir = std::filesystem::path(in.parent_manifest).parent_path().string();
    sink.Error(in.parent_manifest, 0, 0,
               "cannot read the manifest of the run to continue: is '" + dir + "' a directory written by zkmatch run? --continue takes the earlier round's run directory");
    return fail();
  }
  if (read != ReadStatus::kRead || !findings.empty()) {
    for (const Finding& f : findings) sink.Error(in.parent_manifest, 0, 0, "the parent run's manifest: " + f.Format());
    return fail();
  }
  if (!CheckParentFiles(rules, manifest, digests, sink)) return fail();
  if (!ReadParentPlacements(rules, inst, seats, sink) || !ReadParentVacancies(rules, seats, sink)) return fail();
  // A bad declined.csv leaves the parent read: what the round's rows say about its seats stands.
  if (!in.declined.empty() && !ReadDeclined(rules, inst, seats, &(*digests)["declined"], sink)) return false;
  pr.locked = static_cast<std::size_t>(std::count(pr.state.begin(), pr.state.end(), ParentRun::kLocked));
  pr.declined = static_cast<std::size_t>(std::count(pr.state.begin(), pr.state.end(), ParentRun::kDeclined));
  return true;
}

void ResolveParentPrograms(const ParentSeats& seats, Instance* inst) {
  ParentRun& pr = inst->parent;
  if (!pr.present) return;
  const std::vector<std::string>& codes = inst->programs.code;
  for (std::size_t c = 0; c < seats.program_code.size(); ++c) {
    if (!seats.program_code[c].empty()) pr.program[c] = ProgramIndex{SortedIndex(codes, seats.program_code[c])};
  }
  pr.round_seats.assign(codes.size(), 0);
  for (const auto& [code, n] : seats.by_code) {
    if (const std::uint32_t p = SortedIndex(codes, code); p != kNone) pr.round_seats[p] = n;
  }
}

}  // namespace zkmatch
