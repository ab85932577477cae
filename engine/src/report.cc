// The admission report: loading a run into a RunReport, then rendering it as HTML with inline
// SVG charts or as an .xlsx workbook. See zkmatch/report.h.
#include "zkmatch/report.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "csv.h"
#include "decimal.h"
#include "expression.h"
#include "json.h"
#include "lines.h"
#include "ranking.h"
#include "run_format.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/run_diff.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/replay.h"
#include "zkmatch/verify.h"

namespace zkmatch {
namespace {

// ---------------------------------------------------------------------------------------------
// Loading

const Channel* FindChannel(const Rules& rules, const std::string& batch, const std::string& stage, const std::string& channel) {
  for (const Batch& b : rules.batches) {
    if (b.name != batch) continue;
    for (const Stage& s : b.stages) {
      if (s.name != stage) continue;
      for (const Channel& c : s.channels) {
        if (c.name == channel) return &c;
      }
    }
  }
  return nullptr;
}

// Reads the identity parts of manifest.json (already checked by LoadRecordedInputs).
void ReadIdentity(const std::string& run_dir, RunReport* r) {
  Manifest m;
  std::vector<Finding> findings;
  if (ReadManifest(run_dir, &m, &findings) != ReadStatus::kRead) return;
  r->engine_version = m.engine;
  // Shown relative to the run directory: the machine's absolute paths say nothing to a reader.
  std::error_code ec;
  const std::filesystem::path run = std::filesystem::absolute(run_dir, ec).lexically_normal();
  for (const ManifestInput& f : m.inputs) {
    std::string shown = f.path;
    if (!ec && std::filesystem::path(f.path).is_absolute()) {
      const std::filesystem::path rel = std::filesystem::path(f.path).lexically_normal().lexically_relative(run);
      if (!rel.empty()) shown = rel.generic_string();
    }
    r->inputs.push_back(RunReport::InputFile{f.role, shown, f.sha256});
  }
}

const Column* TextColumn(const Candidates& cands, const std::string& name) {
  const Column* c = cands.FindColumn(name);
  return c && !c->numeric ? c : nullptr;
}

// The column the junior schools are in: the first split channel's, else `junior_school`.
std::string JuniorColumn(const Rules& rules, const Candidates& cands) {
  for (const Batch& b : rules.batches) {
    for (const Stage& s : b.stages) {
      for (const Channel& c : s.channels) {
        if (!c.split_by.empty() && TextColumn(cands, c.split_by)) return c.split_by;
      }
    }
  }
  return TextColumn(cands, "junior_school") ? "junior_school" : "";
}

// 一分一段表 of the candidates whose `col` cell is `value` (all when `col` is null), appended
// under `district`.
void AppendBands(const Candidates& cands, const Column* col, std::uint32_t value, const std::string& district, RunReport* r) {
  std::vector<Score> totals;
  for (std::size_t c = 0; c < cands.size(); ++c) {
    if (!col || col->text[c] == value) totals.push_back(cands.total[c]);
  }
  std::sort(totals.begin(), totals.end(), std::greater<>());
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < totals.size();) {
    std::size_t j = i;
    while (j < totals.size() && totals[j] == totals[i]) ++j;
    cumulative += static_cast<std::int64_t>(j - i);
    r->bands.push_back(RunReport::ScoreBand{district, totals[i], static_cast<std::int64_t>(j - i), cumulative});
    i = j;
  }
}

void ComputeBands(const Candidates& cands, RunReport* r) {
  AppendBands(cands, nullptr, 0, "", r);
  const Column* district = TextColumn(cands, "district");
  if (!district) return;
  for (std::size_t d = 0; d < district->dictionary.size(); ++d) {
    r->districts.push_back(district->dictionary[d]);
    AppendBands(cands, district, static_cast<std::uint32_t>(d), district->dictionary[d], r);
  }
}

// 位次 of a total: the whole cohort's cumulative count at it (the first bands are the cohort's).
std::int64_t RankOfTotal(const RunReport& r, Score total) {
  for (const auto& b : r.bands) {
    if (!b.district.empty()) break;
    if (b.total == total) return b.cumulative;
  }
  return 0;
}

// Where a channel stands in the rules: (batch, stage, channel) indices, or all -1.
std::tuple<int, int, int> ChannelPlace(const Rules& rules, const PlacementRow& pl) {
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    if (rules.batches[b].name != pl.batch) continue;
    for (std::size_t s = 0; s < rules.batches[b].stages.size(); ++s) {
      const Stage& st = rules.batches[b].stages[s];
      if (st.name != pl.stage) continue;
      for (std::size_t c = 0; c < st.channels.size(); ++c) {
        if (st.channels[c].name == pl.channel) return {static_cast<int>(b), static_cast<int>(s), static_cast<int>(c)};
      }
    }
  }
  return {-1, -1, -1};
}

// The admitted lists: placed candidates by program, then block in rules order, then the
// channel's ranking (per-program rankings: total descending), then exam number.
void ComputeAdmitted(const Rules& rules, const Instance& inst, const EvalContext& ctx, const std::vector<PlacementRow>& placements,
                     const std::vector<CandidateIndex>& who, const std::vector<ProgramIndex>& where, RunReport* r) {
  const Candidates& cands = inst.candidates;
  const Programs& progs = inst.programs;
  const Column* name = TextColumn(cands, "name");
  const Column* junior = r->junior_column.empty() ? nullptr : TextColumn(cands, r->junior_column);
  r->has_names = name != nullptr;
  std::map<int, RankedOrder> rankings;  // computed once per ranking used
  struct Key {
    ProgramIndex program;
    int batch, stage, channel;
    bool reassigned;  // after those the block's batch admitted
    std::uint32_t rank;
    Score minus_total;
    CandidateIndex candidate;
    std::size_t row;
    auto operator<=>(const Key&) const = default;
  };
  // Every vector below is sized before it is filled: at 1M candidates they are blocks of
  // hundreds of MB, each mapped whole when it is made (tools/large_blocks.cc), so one grown by
  // doubling would hold up to twice the memory it needs.
  std::vector<Key> keys;
  keys.reserve(placements.size());
  for (std::size_t i = 0; i < placements.size(); ++i) {
    if (!placements[i].holds_seat() || who[i] == kNone || where[i] == kNone) continue;  // reassigned and (a continuing round) locked seats too
    const auto [b, s, c] = ChannelPlace(rules, placements[i]);
    std::uint32_t rank = 0;
    if (b >= 0) {
      const int ranking = rules.batches[b].stages[s].channels[c].ranking;
      if (ranking >= 0 && !rules.rankings[ranking].per_program) {
        auto it = rankings.find(ranking);
        if (it == rankings.end()) it = rankings.emplace(ranking, ComputeRanking(rules.rankings[ranking], ctx, rules.seed)).first;
        rank = it->second.rank[who[i]];
      }
    }
    keys.push_back(Key{where[i], b, s, c, placements[i].reassigned(), rank, -cands.total[who[i]], who[i], i});
  }
  std::sort(keys.begin(), keys.end());
  r->admitted.reserve(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const Key& key = keys[k];
    const PlacementRow& pl = placements[key.row];
    RunReport::Admitted a;
    a.program = progs.code[key.program];
    a.school = progs.school[key.program];
    a.program_name = progs.name[key.program];
    a.position = k > 0 && keys[k - 1].program == key.program ? r->admitted.back().position + 1 : 1;
    a.id = cands.id[key.candidate];
    if (name) a.name = name->dictionary[name->text[key.candidate]];
    if (junior) a.junior = junior->dictionary[junior->text[key.candidate]];
    a.total = cands.total[key.candidate];
    a.batch = pl.batch;
    a.stage = pl.stage;
    a.channel = pl.channel;
    a.choice_rank = pl.choice_rank;
    r->admitted.push_back(std::move(a));
  }
}

// Where each junior school's graduates went.
void ComputeDestinations(const Instance& inst, const std::vector<PlacementRow>& placements, const std::vector<CandidateIndex>& who,
                         const std::vector<ProgramIndex>& where, RunReport* r) {
  const Column* junior = r->junior_column.empty() ? nullptr : TextColumn(inst.candidates, r->junior_column);
  if (!junior) return;
  const Programs& progs = inst.programs;
  const std::size_t width = progs.size() + 1;  // the last: not placed
  std::vector<std::int64_t> count(junior->dictionary.size() * width);
  for (std::size_t i = 0; i < placements.size(); ++i) {
    if (who[i] == kNone) continue;
    const std::size_t to = placements[i].holds_seat() && where[i] != kNone ? where[i] : progs.size();
    ++count[junior->text[who[i]] * width + to];
  }
  for (std::size_t g = 0; g < junior->dictionary.size(); ++g) {
    for (std::size_t p = 0; p < width; ++p) {
      const std::int64_t n = count[g * width + p];
      if (n == 0) continue;
      RunReport::Destination d;
      d.junior = junior->dictionary[g];
      if (p < progs.size()) {
        d.program = progs.code[p];
        d.school = progs.school[p];
        d.program_name = progs.name[p];
      }
      d.candidates = n;
      r->destinations.push_back(std::move(d));
    }
  }
}

}  // namespace

Result<RunReport> LoadRunReport(const std::string& run_dir, DiagnosticSink& sink) {
  RecordedRun recorded;
  auto rules = LoadRecordedRules(run_dir, sink, "refusing to report: ", &recorded);
  if (!rules) return rules.status();
  auto instance = LoadRecordedInputsForPublications(recorded, &*rules, sink, "refusing to report: ");
  if (!instance) return instance.status();
  std::vector<PlacementRow> placements;
  std::vector<CutoffRow> cutoffs;
  std::vector<LineRow> lines;
  if (!ReadPlacementsCsv(run_dir, &placements, sink) || !ReadCutoffsCsv(run_dir, &cutoffs, sink) || !ReadLinesCsv(run_dir, &lines, sink)) {
    return Status::FromSink(sink, "the run's published files");
  }
  RunReport r;
  r.run_dir = run_dir;
  r.rules_name = rules->name;
  r.continuing = instance->parent.present;
  r.locked = static_cast<std::int64_t>(instance->parent.locked);
  r.declined = static_cast<std::int64_t>(instance->parent.declined);
  ReadIdentity(run_dir, &r);
  for (const LineRow& l : lines) {
    RunReport::ScoreLine line{l.name, l.value, l.note, {}};
    for (std::size_t i = 0; i < rules->lines.size(); ++i) {
      if (rules->lines[i].name == l.name) line.note_zh = LineHowChinese(*rules, i, instance->candidates.size());
    }
    r.lines.push_back(std::move(line));
  }
  for (const Line& l : rules->lines) {
    if (!l.label.empty()) r.line_labels[l.name] = l.label;
  }
  for (const Batch& b : rules->batches) {
    if (!b.label.empty()) r.batch_labels[b.name] = b.label;
    for (const Stage& st : b.stages) {
      for (const Channel& c : st.channels) {
        if (!c.label.empty()) r.channel_labels[b.name + "/" + st.name + "/" + c.name] = c.label;
      }
    }
  }
  {
    DiagnosticSink verify_sink;
    const Result<VerifyReport> v = VerifyRun("", run_dir, verify_sink);
    r.verified = v.ok() && v->status().ok();
    if (!v.ok()) {
      r.verify_lines.push_back("the run could not be verified");
    } else {
      r.verify_lines = r.verified ? v->passed : v->violations;
      r.violation_count = v->count();
      r.violation_groups = GroupViolations(*v, 3);
    }
  }

  r.study = StudyPlacements(*rules, *instance, placements).batches;
  const Candidates& cands = instance->candidates;
  const Programs& progs = instance->programs;
  std::vector<std::string> notes;
  const std::vector<Score> line_values = ComputeLines(*rules, *instance, &notes);
  const EvalContext ctx{cands, progs, &line_values};
  std::vector<std::uint8_t> general_high(progs.size(), 1);
  if (rules->policy.general_high) {
    r.has_general_high_condition = true;
    for (std::size_t p = 0; p < progs.size(); ++p) {
      general_high[p] = EvaluateCondition(*rules->policy.general_high, ctx, kNoCandidate, static_cast<ProgramIndex>(p)) ? 1 : 0;
    }
  }
  r.general_high_target_ppm = rules->policy.general_high_target_ppm;
  r.candidates = static_cast<std::int64_t>(cands.size());
  r.has_reassignment = rules->reassignment.has_value();

  // Placements joined to candidates: totals per program, general-high admissions.
  std::vector<CandidateIndex> who(placements.size(), kNoCandidate);
  std::vector<ProgramIndex> where(placements.size(), kNoProgram);
  std::vector<std::vector<Score>> totals(progs.size());
  for (std::size_t i = 0; i < placements.size(); ++i) {
    const PlacementRow& pl = placements[i];
    who[i] = CandidateIndex{SortedIndex(cands.id, pl.id)};
    if (pl.reassigned()) ++r.reassigned;  // admitted too, by reassignment after the batches
    if (!pl.holds_seat()) continue;
    if (!pl.reassigned()) ++r.placed;  // placed, or (a continuing round) kept from the parent run
    where[i] = ProgramIndex{SortedIndex(progs.code, pl.program)};
    if (where[i] == kNone || who[i] == kNone) continue;  // verify reports it
    totals[where[i]].push_back(cands.total[who[i]]);
    if (general_high[where[i]]) ++r.general_high_admitted;
    // A continuing round's cutoffs.csv holds the round's seats only: a locked seat is one too.
    if (general_high[where[i]] && pl.status == audit_keys::kStatusLocked) ++r.general_high_seats;
  }
  for (std::size_t p = 0; p < progs.size(); ++p) {
    if (totals[p].empty()) continue;
    std::sort(totals[p].begin(), totals[p].end());
    r.scores.push_back(RunReport::ProgramScores{progs.code[p], progs.school[p], std::move(totals[p])});
  }

  // Seat lines: cutoffs.csv rows, a split channel's groups summed into one line.
  using GroupKey = std::tuple<std::string, std::string, std::string, std::string>;  // batch, stage, channel, group
  std::map<GroupKey, RunReport::GroupLine> groups;
  for (const CutoffRow& c : cutoffs) {
    const ProgramIndex p{SortedIndex(progs.code, c.program)};
    Score cut = kMissingScore;
    std::string why;
    if (!c.cutoff_total.empty() && !ParseDecimal(c.cutoff_total, &cut, &why)) cut = kMissingScore;
    RunReport::SeatLine* line = nullptr;
    if (!c.group.empty() && !r.seats.empty()) {
      RunReport::SeatLine& last = r.seats.back();
      if (last.split && last.batch == c.batch && last.stage == c.stage && last.program == c.program && last.channel == c.channel) line = &last;
    }
    if (!line) {
      RunReport::SeatLine s;
      s.batch = c.batch;
      s.stage = c.stage;
      s.program = c.program;
      s.channel = c.channel;
      s.split = !c.group.empty();
      if (p != kNone) {
        s.school = progs.school[p];
        s.sector = progs.sector[p];
        s.general_high = general_high[p] != 0;
      }
      r.seats.push_back(std::move(s));
      line = &r.seats.back();
    }
    line->initial += c.initial;
    line->flowed_in += c.flowed_in;
    line->flowed_out += c.flowed_out;
    line->capacity += c.capacity;
    line->admitted += c.admitted;
    if (cut != kMissingScore && (line->cutoff == kMissingScore || cut < line->cutoff)) line->cutoff = cut;
    if (line->general_high) r.general_high_seats += c.capacity;
    if (!c.group.empty()) {
      r.quotas.push_back(RunReport::Quota{c.batch, c.stage, c.channel, c.program, p != kNone ? progs.school[p] : "", c.group, c.initial, c.admitted, cut});
      RunReport::GroupLine& g = groups[{c.batch, c.stage, c.channel, c.group}];
      g.batch = c.batch;
      g.stage = c.stage;
      g.channel = c.channel;
      g.group = c.group;
      g.seats += c.initial;
      g.returned += c.flowed_out;
      g.admitted += c.admitted;
    }
  }

  // Seats given by reassignment, on the line of the seat's block (batch, stage, program, channel).
  if (r.reassigned > 0) {
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::int64_t> given;
    for (const PlacementRow& pl : placements) {
      if (pl.reassigned()) ++given[{pl.batch, pl.stage, pl.program, pl.channel}];
    }
    for (RunReport::SeatLine& s : r.seats) {
      if (auto it = given.find({s.batch, s.stage, s.program, s.channel}); it != given.end()) s.reassigned = it->second;
    }
  }

  // Blocks a program does not offer at all (no seats, none flowed, nobody admitted) say nothing.
  std::erase_if(r.seats, [](const RunReport::SeatLine& s) { return s.initial == 0 && s.flowed_in == 0 && s.capacity == 0 && s.admitted == 0 && s.reassigned == 0; });

  // The split plans' effect: each group's candidates, and its admissions to the programs that
  // offer the split channel through the stage's other channels.
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::uint8_t>> offering;  // batch, stage, channel -> programs
  for (const RunReport::SeatLine& s : r.seats) {
    if (!s.split || s.initial <= 0) continue;
    auto& v = offering[{s.batch, s.stage, s.channel}];
    v.resize(progs.size());
    const ProgramIndex p{SortedIndex(progs.code, s.program)};
    if (p != kNone) v[p] = 1;
  }
  for (const auto& [key, programs] : offering) {
    const auto& [batch, stage, channel] = key;
    const Channel* ch = FindChannel(*rules, batch, stage, channel);
    const Column* col = ch ? cands.FindColumn(ch->split_by) : nullptr;
    if (!col || col->numeric) continue;
    std::vector<std::int64_t> count(col->dictionary.size()), other(col->dictionary.size());
    for (std::size_t c = 0; c < cands.size(); ++c) ++count[col->text[c]];
    for (std::size_t i = 0; i < placements.size(); ++i) {
      const PlacementRow& pl = placements[i];
      if (!pl.placed() || who[i] == kNone || where[i] == kNone || !programs[where[i]]) continue;
      if (pl.batch == batch && pl.stage == stage && pl.channel != channel) ++other[col->text[who[i]]];
    }
    for (std::size_t g = 0; g < col->dictionary.size(); ++g) {
      RunReport::GroupLine& line = groups[{batch, stage, channel, col->dictionary[g]}];
      line.batch = batch;
      line.stage = stage;
      line.channel = channel;
      line.group = col->dictionary[g];
      line.candidates = count[g];
      line.admitted_other = other[g];
    }
  }
  for (auto& [key, g] : groups) r.groups.push_back(std::move(g));

  // The publications.
  ComputeBands(cands, &r);
  for (auto& s : r.seats) {
    if (s.cutoff != kMissingScore) s.cutoff_rank = RankOfTotal(r, s.cutoff);
  }
  r.junior_column = JuniorColumn(*rules, cands);
  ComputeAdmitted(*rules, *instance, ctx, placements, who, where, &r);
  ComputeDestinations(*instance, placements, who, where, &r);
  return r;
}

namespace {

// ---------------------------------------------------------------------------------------------
// ReportWords

struct ReportWords {
  const char* html_lang;
  const char* title;             // %1: rules name
  const char* identity;
  const char* rules_name;
  const char* engine;
  const char* run_dir;
  const char* verify;
  const char* verify_ok;
  const char* verify_failed;
  const char* inputs;
  const char* role;
  const char* path;
  const char* sha256;
  const char* summary;
  const char* candidates;
  const char* placed;
  const char* unplaced;
  const char* lines;
  const char* line;
  const char* value;
  const char* how;
  const char* policy;
  const char* gh_ratio;
  const char* gh_admitted;
  const char* gh_seats;
  const char* gh_target;
  const char* gh_meets;
  const char* gh_below;
  const char* no_target;
  const char* sectors;
  const char* sector;
  const char* programs_count;
  const char* channels;
  const char* other_programs;
  const char* groups;
  const char* group;
  const char* group_candidates;
  const char* group_seats;
  const char* group_returned;
  const char* group_admitted;
  const char* group_other;
  const char* seats_title;
  const char* batch;
  const char* stage;
  const char* program;
  const char* school;
  const char* channel;
  const char* plan;
  const char* flowed_in;
  const char* flowed_out;
  const char* capacity;
  const char* admitted;
  const char* cutoff;
  const char* fill;
  const char* charts;
  const char* chart_scores;
  const char* chart_cutoffs;
  const char* chart_fill;
  const char* chart_groups;
  const char* axis_total;
  const char* axis_fill;
  const char* axis_admitted;
  const char* legend_other;
  const char* legend_split;
  const char* sector_public;
  const char* sector_private;
  const char* diff_title;        // %1: the other run
  const char* diff_counts;
  const char* diff_moved;
  const char* diff_only;
  const char* diff_channel_only;
  const char* diff_moves;
  const char* diff_from;
  const char* diff_to;
  const char* diff_count;
  const char* diff_channels;
  const char* diff_seats;
  const char* diff_movers;
  const char* candidate;
  const char* before;
  const char* after;
  // The publications.
  const char* bands_title;
  const char* band_total;
  const char* band_count;
  const char* band_cumulative;
  const char* band_all;
  const char* bands_table;  // %1: number of totals
  const char* chart_bands;
  const char* axis_candidates;
  const char* admitted_title;
  const char* admitted_order;
  const char* admitted_summary;  // %1: school and program, %2: count
  const char* position;
  const char* exam_no;
  const char* name;
  const char* junior;
  const char* choice_rank;
  const char* program_name;
  const char* rank;
  const char* quota_title;
  const char* quota_seats;
  const char* quota_admitted;
  const char* quota_lowest;
  const char* dest_title;
  const char* not_placed;
  const char* sheet_bands;
  const char* sheet_admitted;
  const char* sheet_quota;
  const char* sheet_dest;
  const char* failed_banner;
  const char* failed_detail;  // %1: the number of violations, %2: the run directory
  const char* kept;           // a continuing round: of the placed, those who keep the parent run's seat
  const char* released;       // a continuing round: those who declined the parent's seat
  bool chinese;  // labels in place of names, Chinese sheet names, the Chinese "how computed"
  const char* reassigned;  // placed by reassignment (调剂) after the batches
};

const ReportWords kEn = {
    "en", "Admission report: %1", "Run", "Rules", "Engine", "Run directory", "Verify", "holds (zkmatch verify found no violation)",
    "FAILED (zkmatch verify found violations)", "Inputs", "Role", "Path", "SHA-256", "Summary", "Candidates", "Placed", "Unplaced", "Score lines",
    "Line", "Value", "How computed", "Policy checks", "General-high admission ratio", "Admitted to general high", "General-high seats (after flows)",
    "Target", "meets the target", "BELOW the target", "no target in the rules", "Public and private general-high programs", "Sector", "Programs",
    "Admissions per channel (specialists per category, 3+4, reserved plans)", "Programs outside general high (e.g. 3+4)",
    "Reserved seats per group (balanced plan per junior school)", "Group", "Candidates", "Seats allocated", "Seats returned", "Admitted (reserved)",
    "Admitted (the same stage's other channels, same schools)", "Per school and channel", "Batch", "Stage", "Program", "School", "Channel", "Plan", "Flowed in",
    "Flowed out", "Seats", "Admitted", "Cut-off total", "Fill (%)", "Charts", "Totals of admitted candidates per program (min, quartiles, max)",
    "Cut-off total per program and channel", "Fill rate per program (%), programs in code order", "Reserved plan's effect per junior school: admissions to the schools offering it",
    "total", "fill %", "admitted", "other channels", "reserved channel", "public", "private", "Compared with %1", "Counts", "Candidates moved",
    "Candidates in one run only", "Of whom only the channel changed (same program)", "Moves by program", "From", "To", "Candidates", "Cut-offs that changed, per program and channel (groups summed, lowest cut-off)", "Seat blocks that changed, per group", "Every candidate who moved",
    "Candidate", "Before", "After",
    "Score distribution (candidates per total, highest first)", "Total", "Candidates", "Cumulative", "All", "The whole table: %1 totals",
    "Candidates per 10-point band of the total (whole cohort)", "candidates", "Admitted lists",
    "Per program, in admission order: the program's channels in rules order (batch, stage, channel), each in its ranking, best first.",
    "%1: %2 admitted", "No.", "Exam number", "Name", "Junior school", "Choice", "Program name", "Rank of the cut-off",
    "Reserved seats per senior and junior school (split channels)", "seats", "admitted", "lowest total",
    "Where each junior school's graduates went", "Not placed", "score_bands", "admitted", "quota_matrix", "junior_outcomes",
    "This run FAILED independent verification: do not publish or rely on the figures below",
    "zkmatch verify found %1 violations, by kind (zkmatch verify --run %2 --all lists up to 100 of each kind):",
    "of whom keep the earlier round's seat (locked)", "Declined the earlier round's seat (took part in this round)", false, "Placed by reassignment"};

const ReportWords kZh = {
    "zh-CN", "录取报告：%1", "本次录取", "规则", "引擎版本", "运行目录", "校验 (verify)", "通过（zkmatch verify 未发现问题）",
    "未通过（zkmatch verify 发现问题）", "输入文件", "类别", "路径", "SHA-256", "概况", "考生数", "已录取", "未录取", "分数线", "分数线",
    "数值", "计算方法", "政策核查", "普通高中录取比例", "普通高中录取人数", "普通高中计划（流转后）", "目标", "达到目标", "低于目标",
    "规则未设目标", "公办与民办普通高中", "办学性质", "计划数", "各通道录取（特长生各类别、3+4、专项计划）", "普通高中以外的计划（如 3+4）",
    "分配名额（各初中学校的校际均衡计划）", "初中学校", "考生数", "分配名额", "退回名额", "专项录取", "同校同阶段其他通道录取", "各学校、各通道",
    "批次", "阶段", "计划代码", "学校", "通道", "计划", "流入", "流出", "名额", "录取", "最低录取分", "满额率 (%)", "图表",
    "各计划录取考生总分分布（最低、四分位、最高）", "各计划、各通道最低录取分", "各计划满额率 (%)，按计划代码排序", "校际均衡计划对各初中学校的作用：录取到提供专项计划学校的人数",
    "总分", "满额率 %", "录取人数", "其他通道", "专项通道", "公办", "民办", "与 %1 对比", "数量", "录取结果变化的考生",
    "只在一次运行中的考生", "其中仅通道变化（同一计划）", "按计划统计的变化", "原", "现", "人数", "各计划、各通道最低录取分的变化（分组合计，取最低分）", "各分组名额块的变化", "每一位结果变化的考生", "考生", "原结果", "现结果",
    "一分一段表（各总分人数，从高到低）", "总分", "人数", "累计人数", "全体", "全表：%1 个总分",
    "各分数段人数（总分每 10 分一段，全体考生）", "人数", "录取名单",
    "按计划列出，计划内按录取顺序：先按规则中的批次、阶段、通道顺序，同一通道内按该通道的排序从高到低。",
    "%1：录取 %2 人", "序号", "准考证号", "姓名", "毕业学校", "志愿序号", "计划名称", "最低录取分位次",
    "分配名额（高中 × 初中学校）", "名额", "录取", "最低分",
    "各初中学校毕业生去向", "未录取", "一分一段表", "录取名单", "分配名额", "初中去向",
    "本次录取未通过独立校验：以下数字不得发布，也不得作为依据",
    "zkmatch verify 发现 %1 个问题，按类别列出（zkmatch verify --run %2 --all 每类最多列出 100 个）：",
    "其中保留上一轮录取", "放弃上一轮录取（参加本轮）", true, "调剂录取"};

const ReportWords& WordsFor(Language lang) { return lang == Language::kChinese ? kZh : kEn; }

std::string Fill(const char* pattern, const std::string& a, const std::string& b = "") {
  std::string out = pattern;
  std::size_t at = out.find("%1");
  if (at != std::string::npos) out.replace(at, 2, a);
  at = out.find("%2");
  if (at != std::string::npos) out.replace(at, 2, b);
  return out;
}

// Hundredths of a percent of num/den, rounded half up, as "60.03"; "" when den is 0.
std::string Percent(std::int64_t num, std::int64_t den) {
  if (den <= 0) return {};
  const std::int64_t h = (num * 20000 + den) / (2 * den);
  std::string frac = std::to_string(h % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return std::to_string(h / 100) + "." + frac;
}

// What people read for a batch, channel or line: the rules' label in the Chinese report,
// else the name.
std::string Labelled(const std::map<std::string, std::string>& labels, const std::string& key, const std::string& name, const ReportWords& w) {
  if (!w.chinese) return name;
  auto it = labels.find(key);
  return it == labels.end() ? name : it->second;
}
std::string BatchShown(const RunReport& r, const ReportWords& w, const std::string& batch) { return Labelled(r.batch_labels, batch, batch, w); }
std::string ChannelShown(const RunReport& r, const ReportWords& w, const std::string& batch, const std::string& stage, const std::string& channel) {
  return Labelled(r.channel_labels, batch + "/" + stage + "/" + channel, channel, w);
}

std::string SectorName(const std::string& s, const ReportWords& w) {
  if (s == "public") return w.sector_public;
  if (s == "private") return w.sector_private;
  return s.empty() ? "-" : s;
}

// ---------------------------------------------------------------------------------------------
// Tables: what HTML and XLSX both show.

struct Table {
  std::string id;       // HTML id and sheet name (ASCII, at most 31 characters)
  std::string title;
  std::vector<std::string> header;
  std::vector<std::uint8_t> numeric;  // per column: written as a number in the workbook
  std::vector<std::vector<std::string>> rows;
};

std::string Num(std::int64_t v) { return std::to_string(v); }
// An admitted candidate's choice number; empty for one placed by reassignment (no listed choice).
std::string ChoiceNum(std::int32_t choice_rank) { return choice_rank > 0 ? Num(choice_rank) : std::string(); }

// 一分一段表, wide: one row per total of the whole cohort, highest first; count and cumulative
// for the cohort, then for each district (a district without candidates at a total: 0 and
// its running cumulative).
Table BandsTable(const RunReport& r, const ReportWords& w) {
  Table t{"score_bands", w.bands_title, {w.band_total, w.band_count, w.band_cumulative}, {1, 1, 1}, {}};
  for (const std::string& d : r.districts) {
    t.header.push_back(d + " " + w.band_count);
    t.header.push_back(d + " " + w.band_cumulative);
    t.numeric.insert(t.numeric.end(), {1, 1});
  }
  std::vector<std::size_t> next(r.districts.size());  // per district: its next band
  std::vector<std::int64_t> cumulative(r.districts.size());
  std::vector<std::size_t> start(r.districts.size());
  std::size_t cohort = 0;
  while (cohort < r.bands.size() && r.bands[cohort].district.empty()) ++cohort;
  for (std::size_t d = 0, at = cohort; d < r.districts.size(); ++d) {
    start[d] = next[d] = at;
    while (at < r.bands.size() && r.bands[at].district == r.districts[d]) ++at;
  }
  for (std::size_t i = 0; i < cohort; ++i) {
    const auto& b = r.bands[i];
    std::vector<std::string> row = {FormatScore(b.total), Num(b.count), Num(b.cumulative)};
    for (std::size_t d = 0; d < r.districts.size(); ++d) {
      std::int64_t count = 0;
      const std::size_t k = next[d];
      if (k < r.bands.size() && r.bands[k].district == r.districts[d] && r.bands[k].total == b.total) {
        count = r.bands[k].count;
        cumulative[d] = r.bands[k].cumulative;
        ++next[d];
      }
      row.push_back(Num(count));
      row.push_back(Num(cumulative[d]));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

// The quota matrix: one row per junior school, three columns (seats, admitted, lowest) per
// split block (batch, stage, channel, program) in cutoffs.csv order.
Table QuotaTable(const RunReport& r, const ReportWords& w) {
  Table t{"quota_matrix", w.quota_title, {w.group}, {0}, {}};
  using Block = std::tuple<std::string, std::string, std::string, std::string>;
  std::vector<Block> blocks;
  std::map<std::string, std::map<Block, const RunReport::Quota*>> cells;  // group -> block -> quota
  for (const auto& q : r.quotas) {
    const Block b{q.batch, q.stage, q.channel, q.program};
    if (std::find(blocks.begin(), blocks.end(), b) == blocks.end()) {
      blocks.push_back(b);
      const std::string head =
          q.school + " " + q.program + (r.quotas.front().channel == r.quotas.back().channel ? "" : " " + ChannelShown(r, w, q.batch, q.stage, q.channel));
      for (const char* what : {w.quota_seats, w.quota_admitted, w.quota_lowest}) t.header.push_back(head + " " + what);
      t.numeric.insert(t.numeric.end(), {1, 1, 1});
    }
    cells[q.group][b] = &q;
  }
  for (const auto& [group, row_cells] : cells) {
    std::vector<std::string> row = {group};
    for (const Block& b : blocks) {
      auto it = row_cells.find(b);
      if (it == row_cells.end()) {
        row.insert(row.end(), {"", "", ""});
      } else {
        row.insert(row.end(), {Num(it->second->seats), Num(it->second->admitted), FormatScore(it->second->lowest)});
      }
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

void AddPublicationTables(const RunReport& r, const ReportWords& w, std::vector<Table>* tables) {
  tables->push_back(BandsTable(r, w));
  {
    Table t{"admitted", w.admitted_title, {w.school, w.program, w.program_name, w.position, w.exam_no}, {0, 0, 0, 1, 0}, {}};
    if (r.has_names) {
      t.header.push_back(w.name);
      t.numeric.push_back(0);
    }
    t.header.insert(t.header.end(), {w.junior, w.band_total, w.batch, w.stage, w.channel, w.choice_rank});
    t.numeric.insert(t.numeric.end(), {0, 1, 0, 0, 0, 1});
    t.rows.reserve(r.admitted.size());
    for (const auto& a : r.admitted) {
      std::vector<std::string> row = {a.school, a.program, a.program_name, Num(a.position), a.id};
      if (r.has_names) row.push_back(a.name);
      row.insert(row.end(), {a.junior, FormatScore(a.total), BatchShown(r, w, a.batch), a.stage, ChannelShown(r, w, a.batch, a.stage, a.channel), ChoiceNum(a.choice_rank)});
      t.rows.push_back(std::move(row));
    }
    tables->push_back(std::move(t));
  }
  if (!r.quotas.empty()) tables->push_back(QuotaTable(r, w));
  if (!r.destinations.empty()) {
    Table t{"junior_outcomes", w.dest_title, {w.junior, w.school, w.program, w.program_name, w.band_count}, {0, 0, 0, 0, 1}, {}};
    for (const auto& d : r.destinations) {
      t.rows.push_back({d.junior, d.program.empty() ? w.not_placed : d.school, d.program, d.program_name, Num(d.candidates)});
    }
    tables->push_back(std::move(t));
  }
}

// The workbook's sheet for a table: the publications named in the report's language.
std::string SheetName(const Table& t, const ReportWords& w) {
  if (w.chinese) {
    static const std::map<std::string, std::string> kZhSheets = {
        {"run", "本次录取"},        {"summary", "概况"},        {"general_high", "普通高中录取比例"}, {"lines", "分数线"},
        {"sectors", "公办与民办"},  {"channels", "各通道录取"}, {"other_programs", "普通高中以外的计划"}, {"groups", "各初中分配名额汇总"},
        {"seats", "各学校各通道"}, {"mechanism_study", "各志愿录取分布"}};
    if (auto it = kZhSheets.find(t.id); it != kZhSheets.end()) return it->second;
  }
  if (t.id == "score_bands") return w.sheet_bands;
  if (t.id == "admitted") return w.sheet_admitted;
  if (t.id == "quota_matrix") return w.sheet_quota;
  if (t.id == "junior_outcomes") return w.sheet_dest;
  return t.id;
}

// The mechanism study's words (a table of its own, so the ReportWords above keep their order).
struct StudyWords {
  const char* title;
  const char* batch;
  const char* mechanism;
  const char* choice;     // %1: choice number
  const char* unplaced;
  const char* envy;
  const char* note;       // under the table
};
const StudyWords kStudyEn = {
    "Placed by choice, and justified envy", "Batch", "Mechanism", "Choice %1", "Unplaced", "Justified envy",
    "Candidates placed at their 1st, 2nd, ... choice of each batch, and those who listed a program there and were not placed (nor "
    "placed in an earlier batch). Justified envy: candidates who listed a program above where they were placed, one of whose seats "
    "(a channel they could compete for) is held by someone they outrank by the channel's ranking without the choice order -- "
    "0 under deferred acceptance; under a choice-order mechanism, the candidates whose higher score lost a seat to choice order."};
const StudyWords kStudyZh = {
    "各志愿录取人数与“高分未录”人数", "批次", "录取方式", "第 %1 志愿", "未录取", "高分未录（合理嫉妒）",
    "各批次按第 1、2、…… 志愿录取的人数，以及在该批次填报了志愿但未被录取（且未在此前批次录取）的人数。高分未录：考生填在其录取志愿之前的某个计划，"
    "有一个其可竞争的名额被按该通道排序（不计志愿顺序）排在其后的考生占用——平行志愿（分数优先）下为 0；志愿优先等按志愿顺序录取的方式下，"
    "即因志愿顺序而失去名额的较高分考生人数。"};

// BatchStudy::mechanism in the report's language.
std::string StudyMechanism(const std::string& m, bool zh) {
  if (!zh) return m;
  const std::string suffix = " + choice_rank ranking";
  const bool by_choice = m.size() > suffix.size() && m.compare(m.size() - suffix.size(), suffix.size(), suffix) == 0;
  const std::string base = by_choice ? m.substr(0, m.size() - suffix.size()) : m;
  std::string out = base == "deferred acceptance" ? "平行志愿（分数优先）" : base == "immediate acceptance" ? "志愿优先" : base == "mixed" ? "各阶段不同" : base;
  if (base.rfind("bands of ", 0) == 0) out = "每 " + base.substr(9) + " 个志愿一段";
  return by_choice ? out + "，排序含志愿顺序" : out;
}

// The mechanism study of `diff` in the HTML: both runs' distributions, then who gained and who
// lost (RunDiff::by_decile, by_junior).
struct DiffStudyWords {
  const char* run;
  const char* gains_decile;
  const char* gains_junior;
  const char* key_decile;
  const char* key_junior;
  const char* candidates;
  const char* gained;
  const char* lost;
};
const DiffStudyWords kDiffStudyEn = {"Run", "Gained and lost in B against A, by score decile (1 = highest totals)",
                                     "Gained and lost in B against A, by junior school", "Decile", "Junior school", "Candidates",
                                     "Gained (placed, or at a choice listed higher)", "Lost"};
const DiffStudyWords kDiffStudyZh = {"运行", "B 相对 A 的得失（按总分十分位，1 为最高分段）", "B 相对 A 的得失（按毕业学校）", "十分位", "毕业学校", "考生数",
                                     "得益（被录取，或录取志愿更靠前）", "受损"};

Table StudyTable(const RunReport& r, const ReportWords& w) {
  const StudyWords& sw = w.chinese ? kStudyZh : kStudyEn;
  std::size_t width = 0;
  for (const BatchStudy& b : r.study) width = std::max(width, b.at_choice.size());
  Table t{"mechanism_study", sw.title, {sw.batch, sw.mechanism}, {0, 0}, {}};
  for (std::size_t k = 0; k < width; ++k) {
    t.header.push_back(Fill(sw.choice, std::to_string(k + 1)));
    t.numeric.push_back(1);
  }
  t.header.insert(t.header.end(), {sw.unplaced, sw.envy});
  t.numeric.insert(t.numeric.end(), {1, 1});
  for (const BatchStudy& b : r.study) {
    std::vector<std::string> row = {BatchShown(r, w, b.batch), StudyMechanism(b.mechanism, w.chinese)};
    for (std::size_t k = 0; k < width; ++k) row.push_back(Num(k < b.at_choice.size() ? b.at_choice[k] : 0));
    row.push_back(Num(b.unplaced));
    row.push_back(Num(b.justified_envy));
    t.rows.push_back(std::move(row));
  }
  return t;
}

// A table of seats ending in "admitted": with reassignment in the rules, a column of the seats
// reassignment gave, then the fill rate; FillCells writes the row's cells to match.
void WithReassigned(const RunReport& r, const ReportWords& w, Table* t) {
  if (r.has_reassignment) {
    t->header.push_back(w.reassigned);
    t->numeric.push_back(1);
  }
  t->header.push_back(w.fill);
  t->numeric.push_back(1);
}
void FillCells(const RunReport& r, std::int64_t admitted, std::int64_t reassigned, std::int64_t seats, std::vector<std::string>* row) {
  if (r.has_reassignment) row->push_back(Num(reassigned));
  row->push_back(Percent(admitted + reassigned, seats));
}

// An input file's role (the rules' `inputs:` key) as the report's reader says it: the key in
// English, its Chinese name in the Chinese report (the key after it, as the rules spell it).
std::string RoleShown(const std::string& role, const ReportWords& w) {
  if (!w.chinese) return role;
  static const std::map<std::string, std::string> kRoleZh = {
      {"rules", "规则"},           {"candidates", "考生"},         {"choices", "志愿"},
      {"programs", "招生计划"},    {"allocations", "分配名额"},    {"program_scores", "计划成绩"},
      {"declined", "放弃录取名单"}, {"parent_manifest", "上一轮清单"}, {"parent_placements", "上一轮录取结果"},
      {"parent_vacancies", "上一轮余额"}};
  const auto it = kRoleZh.find(role);
  return it == kRoleZh.end() ? role : it->second + " (" + role + ")";
}

std::vector<Table> BuildTables(const RunReport& r, const ReportWords& w) {
  std::vector<Table> tables;
  {
    Table t{"summary", "", {w.value, ""}, {0, 1}, {}};  // under the section's own heading
    t.header = {"", w.value};
    t.rows.push_back({w.candidates, Num(r.candidates)});
    t.rows.push_back({w.placed, Num(r.placed)});
    if (r.continuing) {
      t.rows.push_back({w.kept, Num(r.locked)});
      t.rows.push_back({w.released, Num(r.declined)});
    }
    if (r.has_reassignment) t.rows.push_back({w.reassigned, Num(r.reassigned)});
    t.rows.push_back({w.unplaced, Num(r.candidates - r.placed - r.reassigned)});
    tables.push_back(std::move(t));
  }
  {
    Table t{"general_high", w.gh_ratio, {"", w.value}, {0, 1}, {}};
    t.rows.push_back({w.candidates, Num(r.candidates)});
    t.rows.push_back({w.gh_admitted, Num(r.general_high_admitted)});
    t.rows.push_back({w.gh_seats, Num(r.general_high_seats)});
    t.rows.push_back({w.gh_ratio + std::string(" (%)"), Percent(r.general_high_admitted, r.candidates)});
    t.rows.push_back({w.gh_target + std::string(" (%)"), r.general_high_target_ppm ? Percent(r.general_high_target_ppm, 1'000'000) : ""});
    tables.push_back(std::move(t));
  }
  {
    Table t{"lines", w.lines, {w.line, w.value, w.how}, {0, 1, 0}, {}};
    for (const auto& l : r.lines) t.rows.push_back({Labelled(r.line_labels, l.name, l.name, w), l.value, w.chinese ? l.note_zh : l.note});
    tables.push_back(std::move(t));
  }
  if (!r.study.empty()) tables.push_back(StudyTable(r, w));
  {
    // sector -> seats, admitted, reassigned, programs
    std::map<std::string, std::tuple<std::int64_t, std::int64_t, std::int64_t, std::map<std::string, int>>> by;
    for (const auto& s : r.seats) {
      if (!s.general_high) continue;  // the policy is about general-high seats (3+4 are public)
      auto& [seats, admitted, reassigned, programs] = by[s.sector];
      seats += s.capacity;
      admitted += s.admitted;
      reassigned += s.reassigned;
      programs[s.program] = 1;
    }
    Table t{"sectors", w.sectors, {w.sector, w.programs_count, w.capacity, w.admitted}, {0, 1, 1, 1}, {}};
    WithReassigned(r, w, &t);
    for (const auto& [sector, v] : by) {
      const auto& [seats, admitted, reassigned, programs] = v;
      t.rows.push_back({SectorName(sector, w), Num(static_cast<std::int64_t>(programs.size())), Num(seats), Num(admitted)});
      FillCells(r, admitted, reassigned, seats, &t.rows.back());
    }
    tables.push_back(std::move(t));
  }
  {
    // Channels in first-seen order (batch, stage, rule order within cutoffs.csv's program order).
    std::vector<std::tuple<std::string, std::string, std::string>> order;
    std::map<std::tuple<std::string, std::string, std::string>, RunReport::SeatLine> sum;
    for (const auto& s : r.seats) {
      auto key = std::make_tuple(s.batch, s.stage, s.channel);
      auto [it, fresh] = sum.try_emplace(key);
      if (fresh) order.push_back(key);
      it->second.initial += s.initial;
      it->second.flowed_in += s.flowed_in;
      it->second.flowed_out += s.flowed_out;
      it->second.capacity += s.capacity;
      it->second.admitted += s.admitted;
      it->second.reassigned += s.reassigned;
    }
    Table t{"channels", w.channels, {w.batch, w.stage, w.channel, w.plan, w.flowed_in, w.flowed_out, w.capacity, w.admitted}, {0, 0, 0, 1, 1, 1, 1, 1}, {}};
    WithReassigned(r, w, &t);
    for (const auto& key : order) {
      const auto& s = sum[key];
      t.rows.push_back({BatchShown(r, w, std::get<0>(key)), std::get<1>(key), ChannelShown(r, w, std::get<0>(key), std::get<1>(key), std::get<2>(key)), Num(s.initial), Num(s.flowed_in), Num(s.flowed_out), Num(s.capacity),
                        Num(s.admitted)});
      FillCells(r, s.admitted, s.reassigned, s.capacity, &t.rows.back());
    }
    tables.push_back(std::move(t));
  }
  // Per school and channel: ... seats, admitted[, placed by reassignment], cut-off, fill, rank.
  auto seat_row = [&](const RunReport::SeatLine& s) {
    std::vector<std::string> row{s.school, s.program, BatchShown(r, w, s.batch), s.stage, ChannelShown(r, w, s.batch, s.stage, s.channel), Num(s.initial), Num(s.flowed_in), Num(s.flowed_out),
                                 Num(s.capacity), Num(s.admitted)};
    if (r.has_reassignment) row.push_back(Num(s.reassigned));
    row.insert(row.end(), {FormatScore(s.cutoff), Percent(s.admitted + s.reassigned, s.capacity), s.cutoff_rank ? Num(s.cutoff_rank) : ""});
    return row;
  };
  std::vector<std::string> seat_header = {w.school, w.program, w.batch, w.stage, w.channel, w.plan, w.flowed_in, w.flowed_out, w.capacity, w.admitted};
  std::vector<std::uint8_t> seat_numeric = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  if (r.has_reassignment) {
    seat_header.push_back(w.reassigned);
    seat_numeric.push_back(1);
  }
  seat_header.insert(seat_header.end(), {w.cutoff, w.fill, w.rank});
  seat_numeric.insert(seat_numeric.end(), {1, 1, 1});
  if (r.has_general_high_condition) {
    Table t{"other_programs", w.other_programs, seat_header, seat_numeric, {}};
    for (const auto& s : r.seats) {
      if (!s.general_high) t.rows.push_back(seat_row(s));
    }
    tables.push_back(std::move(t));
  }
  if (!r.groups.empty()) {
    Table t{"groups", w.groups, {w.batch, w.stage, w.channel, w.group, w.group_candidates, w.group_seats, w.group_returned, w.group_admitted, w.group_other},
            {0, 0, 0, 0, 1, 1, 1, 1, 1}, {}};
    for (const auto& g : r.groups) {
      t.rows.push_back({BatchShown(r, w, g.batch), g.stage, ChannelShown(r, w, g.batch, g.stage, g.channel), g.group, Num(g.candidates), Num(g.seats), Num(g.returned), Num(g.admitted), Num(g.admitted_other)});
    }
    tables.push_back(std::move(t));
  }
  {
    Table t{"seats", w.seats_title, seat_header, seat_numeric, {}};
    for (const auto& s : r.seats) t.rows.push_back(seat_row(s));
    tables.push_back(std::move(t));
  }
  AddPublicationTables(r, w, &tables);
  return tables;
}

// ---------------------------------------------------------------------------------------------
// HTML

void Escape(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': *out += "&amp;"; break;
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '"': *out += "&quot;"; break;
      case '\'': *out += "&#39;"; break;
      default: out->push_back(c);
    }
  }
}

std::string Esc(std::string_view s) {
  std::string out;
  Escape(&out, s);
  return out;
}

// The tags RenderTable writes around each header cell, row and cell (TableHtmlBytes counts them).
constexpr std::string_view kTh = "<th>", kThEnd = "</th>", kTr = "<tr>", kTrEnd = "</tr>\n", kTd = "<td>",
                           kTdNumeric = "<td class=\"n\">", kTdEnd = "</td>";

bool IsNumeric(const Table& t, std::size_t column) { return column < t.numeric.size() && t.numeric[column]; }

// About the bytes RenderTable writes for `t`: its cells and their tags, escapes aside.
std::size_t TableHtmlBytes(const Table& t) {
  std::size_t bytes = 128 + t.title.size() + t.id.size();  // the title, <table>, <thead>, <tbody>
  for (const std::string& c : t.header) bytes += kTh.size() + c.size() + kThEnd.size();
  for (const auto& row : t.rows) {
    bytes += kTr.size() + kTrEnd.size();
    for (std::size_t i = 0; i < row.size(); ++i) bytes += (IsNumeric(t, i) ? kTdNumeric : kTd).size() + row[i].size() + kTdEnd.size();
  }
  return bytes;
}

// The end of the admitted table's rows of the program whose first row is `begin` (its rows
// are together, column 1 its code).
std::size_t ProgramRowsEnd(const Table& admitted, std::size_t begin) {
  std::size_t end = begin;
  while (end < admitted.rows.size() && admitted.rows[end][1] == admitted.rows[begin][1]) ++end;
  return end;
}

void RenderTable(std::string* out, const Table& t, int level = 3) {
  const std::string h = "h" + std::to_string(level);
  if (!t.title.empty()) *out += "<" + h + ">" + Esc(t.title) + "</" + h + ">\n";
  *out += "<table id=\"" + t.id + "\">\n<thead><tr>";
  for (const std::string& c : t.header) {
    *out += kTh;
    Escape(out, c);
    *out += kThEnd;
  }
  *out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    *out += kTr;
    for (std::size_t i = 0; i < row.size(); ++i) {
      *out += IsNumeric(t, i) ? kTdNumeric : kTd;
      Escape(out, row[i]);
      *out += kTdEnd;
    }
    *out += kTrEnd;
  }
  *out += "</tbody>\n</table>\n";
}

// Integer SVG geometry: a horizontal chart with one row per label.
struct Axis {
  std::int64_t lo = 0, hi = 1;  // value range (hundredths for scores)
  int x0 = 0, width = 1;        // pixels
  int X(std::int64_t v) const {
    v = std::clamp(v, lo, hi);
    return x0 + static_cast<int>((v - lo) * width / std::max<std::int64_t>(1, hi - lo));
  }
};

constexpr int kLabelWidth = 190, kPlotWidth = 560, kRowHeight = 18, kTop = 44;

// Opens an SVG with a title, and draws the x axis with `ticks` labelled by `label`.
template <typename Label>
void OpenChart(std::string* out, const std::string& id, const std::string& title, const std::string& axis_name, int rows, const Axis& axis,
               const std::vector<std::int64_t>& ticks, Label label) {
  const int height = kTop + rows * kRowHeight + 36;
  const int width = kLabelWidth + kPlotWidth + 90;  // room for the value after a full bar
  *out += "<figure><svg id=\"" + id + "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" + std::to_string(width) + "\" height=\"" +
          std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) + "\"><title>" + Esc(title) + "</title>\n";
  *out += "<text x=\"4\" y=\"16\" class=\"ct\">" + Esc(title) + "</text>\n";
  const int bottom = kTop + rows * kRowHeight;
  *out += "<line x1=\"" + std::to_string(axis.x0) + "\" y1=\"" + std::to_string(bottom) + "\" x2=\"" + std::to_string(axis.x0 + axis.width) + "\" y2=\"" +
          std::to_string(bottom) + "\" class=\"ax\"/>\n";
  *out += "<line x1=\"" + std::to_string(axis.x0) + "\" y1=\"" + std::to_string(kTop - 4) + "\" x2=\"" + std::to_string(axis.x0) + "\" y2=\"" +
          std::to_string(bottom) + "\" class=\"ax\"/>\n";
  for (std::int64_t t : ticks) {
    const int x = axis.X(t);
    *out += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(kTop - 4) + "\" x2=\"" + std::to_string(x) + "\" y2=\"" +
            std::to_string(bottom + 4) + "\" class=\"grid\"/><text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(bottom + 16) +
            "\" text-anchor=\"middle\">" + Esc(label(t)) + "</text>\n";
  }
  *out += "<text x=\"" + std::to_string(axis.x0 + axis.width) + "\" y=\"" + std::to_string(bottom + 30) + "\" text-anchor=\"end\">" + Esc(axis_name) +
          "</text>\n";
}

void RowLabel(std::string* out, int row, const std::string& text) {
  *out += "<text x=\"" + std::to_string(kLabelWidth - 6) + "\" y=\"" + std::to_string(kTop + row * kRowHeight + 13) + "\" text-anchor=\"end\">" +
          Esc(text) + "</text>";
}

void Rect(std::string* out, int x, int y, int width, int height, const char* cls, const std::string& tip) {
  *out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(std::max(width, 0)) + "\" height=\"" +
          std::to_string(height) + "\" class=\"" + cls + "\"><title>" + Esc(tip) + "</title></rect>";
}

// A score axis over [lo, hi] hundredths, widened to multiples of 50 points, ticks every 50.
Axis ScoreAxis(Score lo, Score hi, std::vector<std::int64_t>* ticks) {
  const Score step = 50 * kScoreScale;
  Axis a;
  a.lo = (lo / step) * step;
  a.hi = std::max(a.lo + step, ((hi + step - 1) / step) * step);
  a.x0 = kLabelWidth;
  a.width = kPlotWidth;
  for (Score t = a.lo; t <= a.hi; t += step) ticks->push_back(t);
  return a;
}

void ScoreChart(std::string* out, const RunReport& r, const ReportWords& w) {
  if (r.scores.empty()) return;
  Score lo = r.scores[0].totals.front(), hi = lo;
  for (const auto& s : r.scores) {
    lo = std::min(lo, s.totals.front());
    hi = std::max(hi, s.totals.back());
  }
  std::vector<std::int64_t> ticks;
  // From the lowest admitted total (down to a tick), not from 0: a box's place, not its length,
  // is what compares, and from 0 the boxes were squeezed into the axis's last third.
  const Axis axis = ScoreAxis(std::max<Score>(0, lo), hi, &ticks);
  OpenChart(out, "chart-scores", w.chart_scores, w.axis_total, static_cast<int>(r.scores.size()), axis, ticks, [](std::int64_t t) { return FormatScore(t); });
  for (std::size_t i = 0; i < r.scores.size(); ++i) {
    const auto& v = r.scores[i].totals;
    const std::size_t n = v.size();
    const Score q[5] = {v[0], v[(n - 1) / 4], v[(n - 1) / 2], v[3 * (n - 1) / 4], v[n - 1]};
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    RowLabel(out, static_cast<int>(i), r.scores[i].program + " " + r.scores[i].school);
    const std::string tip = r.scores[i].program + ": n=" + std::to_string(n) + ", " + FormatScore(q[0]) + " / " + FormatScore(q[1]) + " / " + FormatScore(q[2]) +
                            " / " + FormatScore(q[3]) + " / " + FormatScore(q[4]);
    *out += "<line x1=\"" + std::to_string(axis.X(q[0])) + "\" y1=\"" + std::to_string(y + 9) + "\" x2=\"" + std::to_string(axis.X(q[4])) + "\" y2=\"" +
            std::to_string(y + 9) + "\" class=\"wh\"/>";
    Rect(out, axis.X(q[1]), y + 3, axis.X(q[3]) - axis.X(q[1]) + 1, kRowHeight - 6, "box", tip);
    *out += "<line x1=\"" + std::to_string(axis.X(q[2])) + "\" y1=\"" + std::to_string(y + 2) + "\" x2=\"" + std::to_string(axis.X(q[2])) + "\" y2=\"" +
            std::to_string(y + kRowHeight - 2) + "\" class=\"med\"/>\n";
  }
  *out += "</svg></figure>\n";
}

void CutoffChart(std::string* out, const RunReport& r, const ReportWords& w) {
  std::vector<const RunReport::SeatLine*> rows;
  for (const auto& s : r.seats) {
    if (s.cutoff != kMissingScore) rows.push_back(&s);
  }
  if (rows.empty()) return;
  Score lo = rows[0]->cutoff, hi = lo;
  for (const auto* s : rows) {
    lo = std::min(lo, s->cutoff);
    hi = std::max(hi, s->cutoff);
  }
  std::vector<std::int64_t> ticks;
  const Axis axis = ScoreAxis(0, hi, &ticks);  // bars start at 0: their lengths compare
  OpenChart(out, "chart-cutoffs", w.chart_cutoffs, w.axis_total, static_cast<int>(rows.size()), axis, ticks, [](std::int64_t t) { return FormatScore(t); });
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& s = *rows[i];
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    const std::string channel = ChannelShown(r, w, s.batch, s.stage, s.channel);
    RowLabel(out, static_cast<int>(i), s.program + " " + channel + (s.stage.empty() ? "" : " (" + s.stage + ")"));
    Rect(out, axis.x0, y + 3, axis.X(s.cutoff) - axis.x0, kRowHeight - 6, s.split ? "bar2" : "bar", s.program + " " + channel + ": " + FormatScore(s.cutoff));
    *out += "<text x=\"" + std::to_string(axis.X(s.cutoff) + 4) + "\" y=\"" + std::to_string(y + 13) + "\">" + FormatScore(s.cutoff) + "</text>\n";
  }
  *out += "</svg></figure>\n";
}

void FillChart(std::string* out, const RunReport& r, const ReportWords& w) {
  std::vector<std::string> order;  // programs in code order (the chart's title says so)
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by;  // program -> admitted (reassigned seats too), seats
  for (const auto& s : r.seats) {
    auto& [admitted, seats] = by[s.program];
    admitted += s.admitted + s.reassigned;
    seats += s.capacity;
  }
  for (const auto& [program, v] : by) order.push_back(program);
  if (order.empty()) return;
  Axis axis;
  axis.lo = 0;
  axis.hi = 10000;  // hundredths of a percent
  axis.x0 = kLabelWidth;
  axis.width = kPlotWidth;
  OpenChart(out, "chart-fill", w.chart_fill, w.axis_fill, static_cast<int>(order.size()), axis, {0, 2500, 5000, 7500, 10000},
            [](std::int64_t t) { return std::to_string(t / 100); });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto [admitted, seats] = by[order[i]];
    const std::int64_t h = seats > 0 ? admitted * 10000 / seats : 0;
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    RowLabel(out, static_cast<int>(i), order[i]);
    const std::string pct = Percent(admitted, seats);
    Rect(out, axis.x0, y + 3, axis.X(h) - axis.x0, kRowHeight - 6, "bar", order[i] + ": " + std::to_string(admitted) + " / " + std::to_string(seats));
    *out += "<text x=\"" + std::to_string(axis.X(h) + 4) + "\" y=\"" + std::to_string(y + 13) + "\">" + (pct.empty() ? "-" : pct) + "</text>\n";
  }
  *out += "</svg></figure>\n";
}

void GroupChart(std::string* out, const RunReport& r, const ReportWords& w) {
  if (r.groups.empty()) return;
  std::int64_t most = 1;
  for (const auto& g : r.groups) most = std::max(most, g.admitted + g.admitted_other);
  Axis axis;
  axis.lo = 0;
  // Ticks at 1, 2 or 5 times a power of ten, about five of them.
  std::int64_t step = 1, power = 1;
  for (int i = 0; step * 5 < most; ++i) {
    if (i % 3 == 2) power *= 10;
    step = power * (i % 3 == 0 ? 2 : i % 3 == 1 ? 5 : 1);
  }
  axis.hi = (most + step - 1) / step * step;
  axis.x0 = kLabelWidth;
  axis.width = kPlotWidth;
  std::vector<std::int64_t> ticks;
  for (std::int64_t t = 0; t <= axis.hi; t += step) ticks.push_back(t);
  OpenChart(out, "chart-groups", w.chart_groups, w.axis_admitted, static_cast<int>(r.groups.size()), axis, ticks, [](std::int64_t t) { return std::to_string(t); });
  const int legend_y = kTop - 10;
  *out += "<rect x=\"" + std::to_string(kLabelWidth) + "\" y=\"" + std::to_string(legend_y - 9) + "\" width=\"10\" height=\"10\" class=\"bar\"/><text x=\"" +
          std::to_string(kLabelWidth + 14) + "\" y=\"" + std::to_string(legend_y) + "\">" + Esc(w.legend_other) + "</text>";
  *out += "<rect x=\"" + std::to_string(kLabelWidth + 180) + "\" y=\"" + std::to_string(legend_y - 9) + "\" width=\"10\" height=\"10\" class=\"bar2\"/><text x=\"" +
          std::to_string(kLabelWidth + 194) + "\" y=\"" + std::to_string(legend_y) + "\">" + Esc(w.legend_split) + "</text>\n";
  for (std::size_t i = 0; i < r.groups.size(); ++i) {
    const auto& g = r.groups[i];
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    const std::string channel = ChannelShown(r, w, g.batch, g.stage, g.channel);
    RowLabel(out, static_cast<int>(i), g.group + (r.groups.front().channel == r.groups.back().channel ? "" : " (" + channel + ")"));
    const int mid = axis.X(g.admitted_other);
    Rect(out, axis.x0, y + 3, mid - axis.x0, kRowHeight - 6, "bar", g.group + ": " + std::to_string(g.admitted_other));
    Rect(out, mid, y + 3, axis.X(g.admitted_other + g.admitted) - mid, kRowHeight - 6, "bar2", g.group + " " + channel + ": " + std::to_string(g.admitted));
    *out += "<text x=\"" + std::to_string(axis.X(g.admitted_other + g.admitted) + 4) + "\" y=\"" + std::to_string(y + 13) + "\">" +
            std::to_string(g.admitted_other) + " + " + std::to_string(g.admitted) + "</text>\n";
  }
  *out += "</svg></figure>\n";
}

// A tick step of 1, 2 or 5 times a power of ten giving about five ticks up to `most`.
std::int64_t NiceStep(std::int64_t most) {
  std::int64_t step = 1, power = 1;
  for (int i = 0; step * 5 < most; ++i) {
    if (i % 3 == 2) power *= 10;
    step = power * (i % 3 == 0 ? 2 : i % 3 == 1 ? 5 : 1);
  }
  return step;
}

// Candidates per 10-point band of the total (whole cohort), as columns from the lowest band on
// the left; the value axis starts at 0.
void BandsChart(std::string* out, const RunReport& r, const ReportWords& w) {
  const Score step = 10 * kScoreScale;
  std::map<Score, std::int64_t> per;  // band's lowest total -> candidates
  for (const auto& b : r.bands) {
    if (!b.district.empty()) break;
    Score lo = b.total >= 0 ? b.total / step * step : -((-b.total + step - 1) / step) * step;
    per[lo] += b.count;
  }
  if (per.empty()) return;
  std::int64_t most = 1;
  for (const auto& [lo, n] : per) most = std::max(most, n);
  const std::int64_t tick = NiceStep(most);
  const std::int64_t top = (most + tick - 1) / tick * tick;
  const Score first = per.begin()->first, last = per.rbegin()->first;
  const int columns = static_cast<int>((last - first) / step) + 1;
  const int x0 = 60, plot_h = 260, top_y = 48, width = std::max(400, x0 + columns * 8 + 20);
  const int height = top_y + plot_h + 50;
  *out += "<figure><svg id=\"chart-bands\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" + std::to_string(width) + "\" height=\"" +
          std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) + "\"><title>" + Esc(w.chart_bands) +
          "</title>\n<text x=\"4\" y=\"16\" class=\"ct\">" + Esc(w.chart_bands) + "</text>\n";
  const int bottom = top_y + plot_h;
  auto y_of = [&](std::int64_t v) { return bottom - static_cast<int>(v * plot_h / top); };
  for (std::int64_t v = 0; v <= top; v += tick) {
    *out += "<line x1=\"" + std::to_string(x0 - 4) + "\" y1=\"" + std::to_string(y_of(v)) + "\" x2=\"" + std::to_string(x0 + columns * 8) + "\" y2=\"" +
            std::to_string(y_of(v)) + "\" class=\"grid\"/><text x=\"" + std::to_string(x0 - 6) + "\" y=\"" + std::to_string(y_of(v) + 4) +
            "\" text-anchor=\"end\">" + std::to_string(v) + "</text>\n";
  }
  *out += "<line x1=\"" + std::to_string(x0) + "\" y1=\"" + std::to_string(top_y) + "\" x2=\"" + std::to_string(x0) + "\" y2=\"" + std::to_string(bottom) +
          "\" class=\"ax\"/><line x1=\"" + std::to_string(x0) + "\" y1=\"" + std::to_string(bottom) + "\" x2=\"" + std::to_string(x0 + columns * 8) +
          "\" y2=\"" + std::to_string(bottom) + "\" class=\"ax\"/>\n";
  for (const auto& [lo, n] : per) {
    const int i = static_cast<int>((lo - first) / step);
    Rect(out, x0 + i * 8 + 1, y_of(n), 6, bottom - y_of(n), "bar", "[" + FormatScore(lo) + ", " + FormatScore(lo + step) + "): " + std::to_string(n));
  }
  // A label every 100 points, under every column at one, whether or not anybody has a total
  // there (labelled only under bars, a sparse low end had none).
  for (int i = 0; i < columns; ++i) {
    const Score lo = first + i * step;
    if ((lo / step) % 10 != 0) continue;
    *out += "<text x=\"" + std::to_string(x0 + i * 8 + 4) + "\" y=\"" + std::to_string(bottom + 16) + "\" text-anchor=\"middle\">" + FormatScore(lo) + "</text>";
  }
  *out += "\n<text x=\"" + std::to_string(x0 + columns * 8) + "\" y=\"" + std::to_string(bottom + 34) + "\" text-anchor=\"end\">" + Esc(w.axis_total) +
          "</text><text x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(top_y - 10) + "\" text-anchor=\"middle\">" + Esc(w.axis_candidates) + "</text>\n</svg></figure>\n";
}

// The admitted lists: one collapsible table per program (id admitted-CODE), in the order of
// the admitted table.
void RenderAdmitted(std::string* out, const Table& t, const ReportWords& w) {
  *out += "<h2>" + Esc(t.title) + "</h2>\n<p>" + Esc(w.admitted_order) + "</p>\n";
  for (std::size_t i = 0; i < t.rows.size();) {
    const std::size_t j = ProgramRowsEnd(t, i);
    Table part{"admitted-" + t.rows[i][1], "", t.header, t.numeric, {}};
    part.rows.assign(t.rows.begin() + static_cast<std::ptrdiff_t>(i), t.rows.begin() + static_cast<std::ptrdiff_t>(j));
    *out += "<details><summary>" + Esc(Fill(w.admitted_summary, t.rows[i][0] + " " + t.rows[i][1], std::to_string(j - i))) + "</summary>\n";
    RenderTable(out, part);
    *out += "</details>\n";
    i = j;
  }
}

void RenderDiffStudy(std::string* out, const RunDiff& d, const ReportWords& w) {
  const StudyWords& sw = w.chinese ? kStudyZh : kStudyEn;
  const DiffStudyWords& dw = w.chinese ? kDiffStudyZh : kDiffStudyEn;
  if (!d.study_note.empty()) {
    *out += "<p>" + Esc(d.study_note) + "</p>\n";
    return;
  }
  std::size_t width = 0;
  for (const auto* side : {&d.study_a, &d.study_b}) {
    for (const BatchStudy& b : *side) width = std::max(width, b.at_choice.size());
  }
  Table t{"diff_study", sw.title, {sw.batch, dw.run, sw.mechanism}, {0, 0, 0}, {}};
  for (std::size_t k = 0; k < width; ++k) {
    t.header.push_back(Fill(sw.choice, std::to_string(k + 1)));
    t.numeric.push_back(1);
  }
  t.header.insert(t.header.end(), {sw.unplaced, sw.envy});
  t.numeric.insert(t.numeric.end(), {1, 1});
  for (std::size_t b = 0; b < std::max(d.study_a.size(), d.study_b.size()); ++b) {
    for (const auto& [name, side] : {std::pair{"A", &d.study_a}, std::pair{"B", &d.study_b}}) {
      if (b >= side->size()) continue;
      const BatchStudy& s = (*side)[b];
      std::vector<std::string> row = {s.batch, name, StudyMechanism(s.mechanism, w.chinese)};
      for (std::size_t k = 0; k < width; ++k) row.push_back(Num(k < s.at_choice.size() ? s.at_choice[k] : 0));
      row.push_back(Num(s.unplaced));
      row.push_back(Num(s.justified_envy));
      t.rows.push_back(std::move(row));
    }
  }
  RenderTable(out, t);
  auto gains = [&](const char* id, const char* title, const char* key, const std::vector<RunDiff::GainLoss>& rows) {
    if (rows.empty()) return;
    Table g{id, title, {key, dw.candidates, dw.gained, dw.lost}, {0, 1, 1, 1}, {}};
    for (const RunDiff::GainLoss& x : rows) g.rows.push_back({x.key, Num(x.candidates), Num(x.gained), Num(x.lost)});
    RenderTable(out, g);
  };
  gains("diff_gains_decile", dw.gains_decile, dw.key_decile, d.by_decile);
  gains("diff_gains_junior", dw.gains_junior, dw.key_junior, d.by_junior);
}

void RenderDiff(std::string* out, const RunDiff& d, const ReportWords& w) {
  *out += "<section id=\"diff\">\n<h2>" + Esc(Fill(w.diff_title, d.a_dir)) + "</h2>\n";
  Table counts{"diff_counts", w.diff_counts, {"", w.value}, {0, 1}, {}};
  counts.rows.push_back({w.candidates, Num(d.candidates_a) + " → " + Num(d.candidates_b)});
  counts.rows.push_back({w.placed, Num(d.placed_a) + " → " + Num(d.placed_b)});
  counts.rows.push_back({w.diff_moved, Num(static_cast<std::int64_t>(d.movers.size()))});
  counts.rows.push_back({w.diff_channel_only, Num(d.channel_only)});
  counts.rows.push_back({w.diff_only, Num(d.only_a) + " / " + Num(d.only_b)});
  RenderTable(out, counts);
  Table moves{"diff_moves", w.diff_moves, {w.diff_from, w.diff_to, w.diff_count}, {0, 0, 1}, {}};
  for (const auto& m : d.moves) moves.rows.push_back({m.from, m.to, Num(m.count)});
  RenderTable(out, moves);
  auto side = [](bool in, std::int64_t v) { return in ? std::to_string(v) : std::string("-"); };
  auto changes = [&](const char* id, const char* title, const std::vector<RunDiff::SeatChange>& list) {
    Table t{id, title, {w.batch, w.stage, w.program, w.channel, w.group, w.capacity, w.admitted, w.cutoff}, {0, 0, 0, 0, 0, 0, 0, 0}, {}};
    for (const auto& s : list) {
      t.rows.push_back({s.batch, s.stage, s.program, s.channel, s.group, side(s.in_a, s.capacity_a) + " → " + side(s.in_b, s.capacity_b),
                        side(s.in_a, s.admitted_a) + " → " + side(s.in_b, s.admitted_b),
                        (s.cutoff_a.empty() ? "-" : s.cutoff_a) + " → " + (s.cutoff_b.empty() ? "-" : s.cutoff_b)});
    }
    RenderTable(out, t);
  };
  changes("diff_channels", w.diff_channels, d.channel_changes);
  changes("diff_seats", w.diff_seats, d.seat_changes);
  RenderDiffStudy(out, d, w);
  Table movers{"diff_movers", w.diff_movers, {w.candidate, w.before, w.after}, {0, 0, 0}, {}};
  for (const auto& m : d.movers) movers.rows.push_back({m.id, m.a.Describe(), m.b.Describe()});
  RenderTable(out, movers);
  *out += "</section>\n";
}

constexpr const char* kStyle = R"(body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",sans-serif;margin:24px;color:#111;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #999;margin-top:28px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #bbb;padding:2px 6px;text-align:left}
th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#060;font-weight:bold}.bad{color:#b00;font-weight:bold}
figure{margin:8px 0 20px}svg{font-size:11px;font-family:inherit}svg text{fill:#111}.ct{font-size:13px;font-weight:bold}
.ax{stroke:#333}.grid{stroke:#ddd}.bar{fill:#4a78b0}.bar2{fill:#e0913a}.box{fill:#9cc0e6;stroke:#2a5685}.wh{stroke:#2a5685}.med{stroke:#111;stroke-width:2}
code{font-size:12px;word-break:break-all}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}
)";

// At the top of the page, before any figure: the run failed verification, and why, in words.
void RenderVerifyFailure(std::string* out, const RunReport& r, const ReportWords& w) {
  *out += "<section id=\"verify-failed\">\n<h2 class=\"bad\">" + Esc(w.failed_banner) + "</h2>\n";
  if (r.violation_groups.empty()) {  // the run could not be read far enough to check it
    *out += "<ul>\n";
    for (const std::string& v : r.verify_lines) *out += "<li>" + Esc(v) + "</li>\n";
    *out += "</ul>\n</section>\n";
    return;
  }
  *out += "<p>" + Esc(Fill(w.failed_detail, std::to_string(r.violation_count), r.run_dir)) + "</p>\n<ul>\n";
  for (const ViolationGroup& g : r.violation_groups) {
    *out += "<li><b>" + Esc(g.kind) + "</b>: " + std::to_string(g.count) + "\n<ul>\n";
    for (const std::string& e : g.examples) *out += "<li>" + Esc(e) + "</li>\n";
    if (g.count > g.examples.size()) *out += "<li>… +" + std::to_string(g.count - g.examples.size()) + "</li>\n";
    *out += "</ul></li>\n";
  }
  *out += "</ul>\n</section>\n";
}

}  // namespace

std::string RenderReportHtml(const RunReport& r, Language lang, const RunDiff* diff) {
  const ReportWords& w = WordsFor(lang);
  const std::vector<Table> tables = BuildTables(r, w);
  auto table = [&](const char* id) -> const Table& {
    for (const Table& t : tables) {
      if (t.id == id) return t;
    }
    return tables.front();
  };
  auto has = [&](const char* id) { return std::any_of(tables.begin(), tables.end(), [&](const Table& t) { return t.id == id; }); };
  // The page is sized before it is written: at 1M candidates it is ~140 MB, nearly all tables
  // (the admitted lists), and grown by doubling it would be a 256 MB block, mapped whole.
  std::size_t estimate = std::size_t{1} << 20;
  for (const Table& t : tables) estimate += TableHtmlBytes(t);
  {
    // The admitted lists repeat their header and a summary per program (RenderAdmitted).
    const Table& admitted = table("admitted");
    const std::size_t per_program = TableHtmlBytes(Table{admitted.id, "", admitted.header, admitted.numeric, {}}) + 256;
    for (std::size_t i = 0; i < admitted.rows.size(); i = ProgramRowsEnd(admitted, i)) estimate += per_program;
  }
  std::string out;
  out.reserve(estimate + estimate / 32);
  out += "<!DOCTYPE html>\n<html lang=\"" + std::string(w.html_lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Self-contained by construction, and the browser is told so: nothing may be fetched or run.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + Esc(Fill(w.title, r.rules_name)) + "</title>\n";
  out += "<style>\n" + std::string(kStyle) + "</style>\n</head>\n<body>\n<h1>" + Esc(Fill(w.title, r.rules_name)) + "</h1>\n";
  if (!r.verified) RenderVerifyFailure(&out, r, w);

  out += "<section id=\"identity\">\n<h2>" + Esc(w.identity) + "</h2>\n<table id=\"run\">\n<tbody>\n";
  out += "<tr><th>" + Esc(w.rules_name) + "</th><td>" + Esc(r.rules_name) + "</td></tr>\n";
  out += "<tr><th>" + Esc(w.engine) + "</th><td>" + Esc(r.engine_version) + "</td></tr>\n";
  out += "<tr><th>" + Esc(w.run_dir) + "</th><td><code>" + Esc(r.run_dir) + "</code></td></tr>\n";
  out += "<tr><th>" + Esc(w.verify) + "</th><td id=\"verify\" class=\"" + (r.verified ? "ok" : "bad") + "\">" + Esc(r.verified ? w.verify_ok : w.verify_failed) +
         "</td></tr>\n</tbody>\n</table>\n";
  if (!r.verified) {
    out += "<ul>\n";
    for (const std::string& v : r.verify_lines) out += "<li>" + Esc(v) + "</li>\n";
    out += "</ul>\n";
  }
  out += "<h3>" + Esc(w.inputs) + "</h3>\n<table id=\"inputs\">\n<thead><tr><th>" + Esc(w.role) + "</th><th>" + Esc(w.path) + "</th><th>" + Esc(w.sha256) +
         "</th></tr></thead>\n<tbody>\n";
  for (const auto& f : r.inputs) {
    out += "<tr><td>" + Esc(RoleShown(f.role, w)) + "</td><td><code>" + Esc(f.path) + "</code></td><td><code>" + Esc(f.sha256) + "</code></td></tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";

  out += "<section id=\"overview\">\n<h2>" + Esc(w.summary) + "</h2>\n";
  RenderTable(&out, table("summary"));
  if (!table("lines").rows.empty()) RenderTable(&out, table("lines"));  // rules without lines (a supplementary round) show no empty table
  out += "</section>\n";
  if (has("mechanism_study")) {
    out += "<section id=\"mechanism\">\n";
    RenderTable(&out, table("mechanism_study"), 2);
    out += "<p class=\"note\">" + Esc((w.chinese ? kStudyZh : kStudyEn).note) + "</p>\n</section>\n";
  }

  out += "<section id=\"policy\">\n<h2>" + Esc(w.policy) + "</h2>\n";
  const std::string ratio = Percent(r.general_high_admitted, r.candidates);
  out += "<p id=\"gh-ratio\">" + Esc(w.gh_ratio) + ": <b>" + Esc(ratio) + "%</b> (" + std::to_string(r.general_high_admitted) + " / " + std::to_string(r.candidates) +
         ")";
  if (r.general_high_target_ppm > 0) {
    const bool meets = r.general_high_admitted * 1'000'000 >= r.general_high_target_ppm * r.candidates;
    out += "; " + Esc(w.gh_target) + " " + Percent(r.general_high_target_ppm, 1'000'000) + "%: <span class=\"" + (meets ? "ok" : "bad") + "\">" +
           Esc(meets ? w.gh_meets : w.gh_below) + "</span>";
  } else {
    out += "; " + Esc(w.no_target);
  }
  out += "</p>\n";
  RenderTable(&out, table("general_high"));
  RenderTable(&out, table("sectors"));
  RenderTable(&out, table("channels"));
  if (has("other_programs")) RenderTable(&out, table("other_programs"));
  if (has("groups")) RenderTable(&out, table("groups"));
  out += "</section>\n";

  out += "<section id=\"schools\">\n";
  RenderTable(&out, table("seats"), 2);
  out += "</section>\n";

  {
    // The chart first; the full table (one row per total) folded, so the page stays readable.
    Table bands = table("score_bands");
    out += "<section id=\"bands\">\n<h2>" + Esc(bands.title) + "</h2>\n";
    BandsChart(&out, r, w);
    out += "<details><summary>" + Esc(Fill(w.bands_table, std::to_string(bands.rows.size()))) + "</summary>\n";
    bands.title.clear();
    RenderTable(&out, bands);
    out += "</details>\n";
  }
  out += "</section>\n<section id=\"admitted-lists\">\n";
  RenderAdmitted(&out, table("admitted"), w);
  out += "</section>\n";
  if (has("quota_matrix")) {
    out += "<section id=\"quota\">\n";
    RenderTable(&out, table("quota_matrix"), 2);
    out += "</section>\n";
  }
  if (has("junior_outcomes")) {
    out += "<section id=\"destinations\">\n";
    RenderTable(&out, table("junior_outcomes"), 2);
    out += "</section>\n";
  }

  out += "<section id=\"charts\">\n<h2>" + Esc(w.charts) + "</h2>\n";
  ScoreChart(&out, r, w);
  CutoffChart(&out, r, w);
  FillChart(&out, r, w);
  GroupChart(&out, r, w);
  out += "</section>\n";
  if (diff) RenderDiff(&out, *diff, w);
  out += "</body>\n</html>\n";
  return out;
}

Status WritePublicationCsvs(const RunReport& r, const std::string& dir) {
  std::vector<std::pair<const char*, std::string>> files;
  {
    std::string out = CsvHeaderRow(score_bands_csv::kColumns);
    for (const auto& b : r.bands) AppendCsvRow(&out, {b.district, FormatScore(b.total), Num(b.count), Num(b.cumulative)});
    files.emplace_back(kScoreBandsFile, std::move(out));
  }
  {
    std::string out = CsvHeaderRow(admitted_csv::kColumns);
    for (const auto& a : r.admitted) {
      AppendCsvRow(&out, {a.school, a.program, a.program_name, Num(a.position), a.id, a.name, a.junior, FormatScore(a.total), a.batch, a.stage, a.channel,
                          ChoiceNum(a.choice_rank)});
    }
    files.emplace_back(kAdmittedFile, std::move(out));
  }
  {
    std::string out = CsvHeaderRow(quota_matrix_csv::kColumns);
    for (const auto& q : r.quotas) {
      AppendCsvRow(&out, {q.batch, q.stage, q.channel, q.school, q.program, q.group, Num(q.seats), Num(q.admitted), FormatScore(q.lowest)});
    }
    files.emplace_back(kQuotaMatrixFile, std::move(out));
  }
  {
    std::string out = CsvHeaderRow(junior_outcomes_csv::kColumns);
    for (const auto& d : r.destinations) AppendCsvRow(&out, {d.junior, d.school, d.program, d.program_name, Num(d.candidates)});
    files.emplace_back(kJuniorOutcomesFile, std::move(out));
  }
  for (const auto& [name, content] : files) {
    if (Status written = WriteFileAtomically((std::filesystem::path(dir) / name).string(), content); !written.ok()) return written;
  }
  return Status::Ok();
}

Status WriteReportXlsx(const RunReport& r, Language lang, const std::string& path) {
  const ReportWords& w = WordsFor(lang);
  std::vector<Table> tables = BuildTables(r, w);
  Table run{"run", w.identity, {"", w.value}, {0, 0}, {}};
  run.rows.push_back({w.rules_name, r.rules_name});
  run.rows.push_back({w.engine, r.engine_version});
  run.rows.push_back({w.run_dir, r.run_dir});
  run.rows.push_back({w.verify, r.verified ? w.verify_ok : w.verify_failed});
  for (const auto& f : r.inputs) run.rows.push_back({f.role, f.path + "  sha256 " + f.sha256});
  tables.insert(tables.begin(), std::move(run));

  const Result<std::string> temporary = CreateTemporarySibling(path);
  if (!temporary) return temporary.status();
  const std::string& tmp = *temporary;
  lxw_workbook_options options = {};
  options.constant_memory = LXW_FALSE;
  lxw_workbook* book = workbook_new_opt(tmp.c_str(), &options);
  if (!book) {
    std::filesystem::remove(tmp);
    return Status::IoError("cannot create the workbook " + tmp);
  }
  // A fixed creation time keeps the file the same for the same run (no clock in outputs).
  lxw_doc_properties props = {};
  char title[] = "zkmatch report";
  props.title = title;
  props.created = 1;
  workbook_set_properties(book, &props);
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  for (const Table& t : tables) {
    lxw_worksheet* sheet = workbook_add_worksheet(book, SheetName(t, w).c_str());
    lxw_row_t row = 0;
    worksheet_write_string(sheet, row++, 0, t.title.empty() ? w.summary : t.title.c_str(), bold);
    for (std::size_t c = 0; c < t.header.size(); ++c) worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c), t.header[c].c_str(), bold);
    ++row;
    for (const auto& cells : t.rows) {
      for (std::size_t c = 0; c < cells.size(); ++c) {
        const auto col = static_cast<lxw_col_t>(c);
        Score v = 0;
        std::string why;
        if (IsNumeric(t, c) && !cells[c].empty() && ParseDecimal(cells[c], &v, &why)) {
          worksheet_write_number(sheet, row, col, static_cast<double>(v) / static_cast<double>(kScoreScale), nullptr);
        } else if (!cells[c].empty()) {
          worksheet_write_string(sheet, row, col, cells[c].c_str(), nullptr);
        }
      }
      ++row;
    }
    worksheet_set_column(sheet, 0, static_cast<lxw_col_t>(std::max<std::size_t>(1, t.header.size()) - 1), 14, nullptr);
  }
  const lxw_error e = workbook_close(book);
  if (e != LXW_NO_ERROR) {
    std::filesystem::remove(tmp);
    return Status::IoError(std::string("cannot write the workbook: ") + lxw_strerror(e));
  }
  return CommitTemporaryFile(tmp, path);
}

}  // namespace zkmatch
