// See verify_parent.h.
#include "verify_parent.h"

#include <algorithm>
#include <map>

#include "csv.h"
#include "digest.h"

namespace zkmatch::verify {
namespace {

// The parent's seat of one candidate, as its placements.csv says.
struct Seat {
  bool held = false;
  std::string batch, stage, program, channel;
  std::int32_t choice_rank = 0;
};

std::string Where(const Seat& s) { return s.program + " (batch '" + s.batch + "', channel '" + s.channel + "', choice " + std::to_string(s.choice_rank) + ")"; }

}  // namespace

void CheckParent(const std::string& run_dir, const Manifest& manifest, const Rules& rules, const Instance& instance,
                 const std::vector<const PlacementRow*>& locked_rows, const std::function<void(std::string)>& violation,
                 const std::function<void(std::string)>& passed) {
  const ManifestInput* parent_manifest = manifest.Input("parent_manifest");
  const ManifestInput* parent_placements = manifest.Input("parent_placements");
  const ManifestInput* parent_vacancies = manifest.Input("parent_vacancies");
  if (parent_manifest == nullptr) {
    for (const PlacementRow* row : locked_rows) {
      if (row != nullptr) {
        violation("placements.csv:" + std::to_string(row->line) + ": candidate '" + row->id + "' is locked, but the run continues no parent run");
        return;
      }
    }
    return;
  }
  if (parent_placements == nullptr || parent_vacancies == nullptr) {
    violation("manifest.json records a parent manifest but not the parent's placements.csv and vacancies.csv");
    return;
  }
  // 1. The copies are the files the parent's manifest records.
  Manifest parent;
  std::vector<Finding> findings;
  const std::string manifest_path = RecordedFilePath(run_dir, parent_manifest->path);
  if (ReadManifestAt(manifest_path, &parent, &findings) != ReadStatus::kRead) {
    violation("the parent's manifest (" + parent_manifest->path + ") cannot be read");
    return;
  }
  std::size_t problems = 0;
  for (auto [input, name] : {std::pair{parent_placements, kPlacementsFile}, std::pair{parent_vacancies, kVacanciesFile}}) {
    auto recorded = std::find_if(parent.outputs.begin(), parent.outputs.end(), [name = name](const ManifestOutput& o) { return o.file == name; });
    const std::string now = Sha256File(RecordedFilePath(run_dir, input->path));
    if (recorded == parent.outputs.end() || recorded->sha256 != now) {
      violation(input->path + " is not the " + name + " the parent's manifest records");
      ++problems;
    }
  }
  for (const char* role : {"candidates", "programs"}) {
    const ManifestInput* mine = manifest.Input(role);
    const ManifestInput* theirs = parent.Input(role);
    if (mine == nullptr || theirs == nullptr || mine->sha256 != theirs->sha256) {
      violation(std::string("the round's ") + role + " file is not the parent's");
      ++problems;
    }
  }
  // 2. The parent's seats, by candidate id.
  std::map<std::string, Seat> seats;
  ReadPlacementsAt(RecordedFilePath(run_dir, parent_placements->path), [&](const PlacementRow& r) {
    Seat& s = seats[r.id];
    s.held = r.status == "placed" || r.status == "reassigned" || r.status == "locked";
    if (s.held) s = Seat{true, r.batch, r.stage, r.program, r.channel, r.choice_rank};
  }, &findings);
  // 3. Who declined: declined.csv's candidate_id column, read here.
  std::map<std::string, int> declined;  // id -> row
  if (const ManifestInput* d = manifest.Input("declined")) {
    DiagnosticSink quiet;
    CsvReader csv;
    csv.set_detect_encoding(!rules.EncodingGiven("declined"));
    csv.set_sheet(rules.SheetFor("declined"));
    if (csv.Open(RecordedFilePath(run_dir, d->path), d->path, quiet, rules.EncodingFor("declined"))) {
      const int col = csv.Find(rules.HeaderFor("declined", "candidate_id"));
      CsvRecord rec;
      while (col >= 0 && csv.Next(&rec)) declined.emplace(std::string(rec.fields[static_cast<std::size_t>(col)]), rec.line);
    }
    if (quiet.has_errors()) violation(d->path + " cannot be read as declined.csv");
  }
  // 4. Locked: exactly the parent's placed candidates who did not decline, at the parent's seat,
  // listing nothing in the round.
  const std::vector<std::string>& ids = instance.candidates.id;
  std::map<std::string, std::int64_t> round_seats;  // program -> vacancies + released seats
  std::size_t locked = 0;
  for (std::size_t c = 0; c < ids.size(); ++c) {
    const auto it = seats.find(ids[c]);
    const Seat seat = it == seats.end() ? Seat{} : it->second;
    const bool gave_up = declined.count(ids[c]) > 0;
    if (gave_up && !seat.held) {
      violation("declined.csv: candidate '" + ids[c] + "' declined a seat the parent never gave them");
      ++problems;
    }
    if (gave_up && seat.held) ++round_seats[seat.program];
    const PlacementRow* row = locked_rows[c];
    if (seat.held && !gave_up) {
      ++locked;
      if (row == nullptr) {
        violation("candidate '" + ids[c] + "' keeps the parent's seat at " + Where(seat) + ", but placements.csv does not show it locked");
        ++problems;
      } else if (row->batch != seat.batch || row->stage != seat.stage || row->program != seat.program || row->channel != seat.channel ||
                 row->choice_rank != seat.choice_rank) {
        violation("placements.csv:" + std::to_string(row->line) + ": candidate '" + ids[c] + "' is locked at " + row->program +
                  ", but the parent placed them at " + Where(seat));
        ++problems;
      }
      for (const ChoiceLists& lists : instance.choices) {
        if (lists.length(CandidateIndex{static_cast<std::uint32_t>(c)}) > 0) {
          violation("candidate '" + ids[c] + "' keeps the parent's seat but has a list in the round");
          ++problems;
          break;
        }
      }
    } else if (row != nullptr) {
      violation("placements.csv:" + std::to_string(row->line) + ": candidate '" + ids[c] + "' is shown locked, but " +
                (gave_up ? "they declined the parent's seat" : "the parent did not place them"));
      ++problems;
    }
  }
  // 5. The round's seats: the parent's vacancies plus the seats given up.
  ReadVacanciesAt(RecordedFilePath(run_dir, parent_vacancies->path), [&](const VacancyRow& r) { round_seats[r.program] += r.vacant; }, &findings);
  for (const Finding& f : findings) {
    violation("the parent's files: " + f.Format());
    ++problems;
  }
  const Programs& progs = instance.programs;
  for (const auto& [name, column] : {std::pair{&progs.seat_columns, &progs.seats}, std::pair{&progs.plan_columns, &progs.plans}}) {
    const auto at = std::find(name->begin(), name->end(), "vacancies");
    if (at == name->end()) continue;
    const std::vector<std::int32_t>& used = (*column)[static_cast<std::size_t>(at - name->begin())];
    for (std::size_t p = 0; p < progs.size(); ++p) {
      const auto it = round_seats.find(progs.code[p]);
      const std::int64_t expected = it == round_seats.end() ? 0 : it->second;
      if (used[p] != expected) {
        violation("the round gives " + progs.code[p] + " " + std::to_string(used[p]) + " seats in column 'vacancies', but the parent left " +
                  std::to_string(expected) + " there (its vacancies plus the seats declined)");
        ++problems;
      }
    }
  }
  if (problems == 0) {
    passed("continuing round: the parent's files are the ones its manifest records; " + std::to_string(locked) + " locked at the parent's seats, " +
           std::to_string(declined.size()) + " declined; the round's seats are the parent's vacancies plus the seats declined");
  }
}

}  // namespace zkmatch::verify
