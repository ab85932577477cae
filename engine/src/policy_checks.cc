// Checks of rules against data that loading alone cannot make. See CheckPolicy in
// zkmatch/pipeline.h.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "allocation.h"
#include "edit_distance.h"
#include "eligibility.h"
#include "expression.h"
#include "parent_run.h"
#include "seat_flows.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

// A stage of the rules with the programs its `programs:` condition selects.
struct StageRef {
  std::size_t b, s;
  std::vector<std::uint8_t> in;
};

std::string StageName(const Rules& rules, std::size_t b, std::size_t s) {
  const Batch& batch = rules.batches[b];
  return batch.stages[s].name.empty() ? "batch '" + batch.name + "'" : "batch '" + batch.name + "', stage '" + batch.stages[s].name + "'";
}

std::string Percent(std::int64_t num, std::int64_t den) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", den ? 100.0 * static_cast<double>(num) / static_cast<double>(den) : 0.0);
  return buf;
}


// The column of choices.csv that ties the choice at 0-based position `position` of a list of
// batch b: the channel column, or in the wide layout the choice's own column.
std::string TyingColumn(const Rules& rules, const ChoicesFile& file, std::size_t b, std::size_t position) {
  if (file.wide) {
    for (const WideChoices::BatchColumns& cols : file.layout.batches) {
      if (cols.batch == static_cast<int>(b) && position < cols.headers.size()) return cols.headers[position];
    }
  }
  return rules.HeaderFor(file.role, "channel");
}

// choices.csv's channel column: an entry tied to a channel must be able to compete for it -- a
// stage of its batch that runs its program has that channel. One error per batch, program and
// channel, at its first row, saying on how many rows it repeats. Programs no stage of the batch
// runs are not judged here (no entry for them can be admitted, tied or not).
void CheckTiedChannels(const Rules& rules, const Instance& instance, const std::vector<StageRef>& stages, DiagnosticSink& sink) {
  for (std::size_t b = 0; b < instance.choices.size(); ++b) {
    const ChoiceLists& lists = instance.choices[b];
    if (lists.channel.empty()) continue;
    const ChoicesFile& file = rules.inputs.choices[lists.file];
    const std::size_t nn = lists.channel_names.size();
    // offers[p * nn + n]: some stage running p has channel n; runs[p]: some stage runs p.
    std::vector<std::uint8_t> offers(instance.programs.size() * nn, 0), runs(instance.programs.size(), 0);
    std::vector<std::string> in_batch;  // "stage (programs: ...): channels" for the message
    for (const StageRef& st : stages) {
      if (st.b != b) continue;
      const Stage& stage = rules.batches[b].stages[st.s];
      for (std::size_t p = 0; p < runs.size(); ++p) {
        if (!st.in[p]) continue;
        runs[p] = 1;
        for (std::size_t n = 0; n < nn; ++n) {
          for (const Channel& ch : stage.channels) {
            if (ch.name == lists.channel_names[n]) offers[p * nn + n] = 1;
          }
        }
      }
    }
    struct First {
      std::uint32_t line = 0;
      std::string column;  // the channel column, or (wide layout) the choice column tying it
      std::size_t rows = 0;
    };
    std::map<std::pair<std::size_t, std::size_t>, First> bad;  // (p, n) -> first row
    for (std::size_t c = 0; c + 1 < lists.offset.size(); ++c) {
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
        const std::size_t p = lists.program[k], n = lists.channel[k];
        if (n == kAnyChannel || !runs[p] || offers[p * nn + n]) continue;
        First& f = bad[{p, n}];
        if (f.rows++ == 0 || lists.channel_line[k] < f.line) f = {lists.channel_line[k], TyingColumn(rules, file, b, k - lists.offset[c]), f.rows};
      }
    }
    for (const auto& [key, first] : bad) {
      const auto [p, n] = key;
      std::vector<std::string> offered, where;  // the channels of the stages running p; those stages
      for (const StageRef& st : stages) {
        if (st.b != b || !st.in[p]) continue;
        const Stage& stage = rules.batches[b].stages[st.s];
        if (!stage.name.empty()) where.push_back("'" + stage.name + "'");
        for (const Channel& ch : stage.channels) offered.push_back(ch.name);
      }
      std::string list, stages_text;
      for (const std::string& o : offered) list += (list.empty() ? "" : ", ") + o;
      for (const std::string& w : where) stages_text += (stages_text.empty() ? "" : " and ") + w;
      sink.Report({Severity::kError, file.path, static_cast<int>(first.line), 0, first.column,
                   "program '" + instance.programs.code[p] + "' does not offer channel '" + lists.channel_names[n] + "' in batch '" + rules.batches[b].name + "'" +
                       (stages_text.empty() ? std::string() : " (stage " + stages_text + " runs it)") + DidYouMean(lists.channel_names[n], offered) +
                       "; its channels there are: " + list +
                       (first.rows > 1 ? " (" + std::to_string(first.rows) + " rows tie it so; this is the first)" : std::string()) +
                       (file.wide ? "; list the program in a column tied to one of them, or in a column inputs.choices.channels does not tie"
                                                  : "; name one of them, or leave the cell empty to compete for every channel")});
    }
  }
}

// allocations.csv: every row belongs to exactly one stage -- the one that runs its program and
// has its channel (AllocationRowFits) -- and a program's rows add up to its seats in the channel
// of every stage that runs it.
void CheckAllocationTable(const Rules& rules, const Instance& instance, const std::vector<StageRef>& stages, DiagnosticSink& sink) {
  const AllocationTable& table = instance.allocations;
  const Programs& progs = instance.programs;
  const std::string& file = rules.inputs.allocations;
  for (std::size_t i = 0; i < table.program.size(); ++i) {
    const ProgramIndex p = table.program[i];
    std::vector<std::string> runs, has;  // stages that run p with the channel; stages with the channel
    for (const StageRef& st : stages) {
      const Stage& stage = rules.batches[st.b].stages[st.s];
      for (std::size_t h = 0; h < stage.channels.size(); ++h) {
        if (stage.channels[h].allocation.kind != Allocation::Kind::kTable || !AllocationRowFits(table, i, stage, st.b, h)) continue;
        (st.in[p] ? runs : has).push_back(StageName(rules, st.b, st.s) + (stage.programs ? " (programs: " + stage.programs_text + ")" : ""));
      }
    }
    if (runs.size() > 1) {
      sink.Report({Severity::kError, file, static_cast<int>(table.row[i]), 0, rules.HeaderFor("allocations", "channel"),
                   "program '" + progs.code[p] + "' has channel '" + table.channel[i] + "' in " + runs[0] + " and in " + runs[1] +
                       "; say which this row is for in a 'batch' column (and a 'stage' column when both are stages of one batch)"});
    } else if (runs.empty() && table.seats[i] > 0) {
      std::string where;
      for (const std::string& w : has) where += (where.empty() ? "" : "; ") + w;
      sink.Report({Severity::kWarning, file, static_cast<int>(table.row[i]), 0, rules.HeaderFor("allocations", "program"),
                   "no stage runs program '" + progs.code[p] + "' with channel '" + table.channel[i] + "'" +
                       (where.empty() ? std::string() : " (it is in " + where + ")") + ", so this row's " + std::to_string(table.seats[i]) +
                       (table.seats[i] == 1 ? " seat is" : " seats are") + " never offered; remove the row or let a stage run the program"});
    }
  }
  for (const StageRef& st : stages) {
    const Stage& stage = rules.batches[st.b].stages[st.s];
    for (std::size_t h = 0; h < stage.channels.size(); ++h) {
      const Channel& ch = stage.channels[h];
      if (ch.allocation.kind != Allocation::Kind::kTable) continue;
      const auto& seats = progs.SeatsIn(ch.seats);
      std::vector<std::int64_t> sum(progs.size(), 0);
      std::vector<std::string> rows(progs.size());
      for (std::size_t i = 0; i < table.program.size(); ++i) {
        if (!st.in[table.program[i]] || !AllocationRowFits(table, i, stage, st.b, h)) continue;
        sum[table.program[i]] += table.seats[i];
        rows[table.program[i]] += (rows[table.program[i]].empty() ? "" : ", ") + std::to_string(table.row[i]);
      }
      for (std::size_t p = 0; p < progs.size(); ++p) {
        if (!st.in[p] || sum[p] == seats[p]) continue;
        sink.CsvError(rules.inputs.programs, static_cast<int>(progs.row[p]), rules.HeaderFor("programs", ch.seats),
                      "the allocations of program '" + progs.code[p] + "' in channel '" + ch.name + "' add up to " + std::to_string(sum[p]) +
                          " seats (" + (rows[p].empty() ? "no rows in " + file : file + " rows " + rows[p]) + ") but " + rules.inputs.programs +
                          " gives it " + std::to_string(seats[p]) + "; make them equal");
      }
    }
  }
}

// Candidates whose split_by cell is empty belong to no group: they compete for no split seats
// and are not counted by a computed allocation. Legal, but worth a word.
void WarnCandidatesWithoutGroup(const Rules& rules, const Instance& instance, const std::vector<StageRef>& stages, DiagnosticSink& sink) {
  std::vector<std::string> done;
  for (const StageRef& st : stages) {
    for (const Channel& ch : rules.batches[st.b].stages[st.s].channels) {
      if (ch.split_by.empty() || std::find(done.begin(), done.end(), ch.split_by) != done.end()) continue;
      done.push_back(ch.split_by);
      const Column* col = instance.candidates.FindColumn(ch.split_by);
      if (!col || col->dictionary.empty() || !col->dictionary[0].empty()) continue;
      std::vector<std::uint32_t> rows;
      for (std::size_t c = 0; c < instance.candidates.size(); ++c) {
        if (col->text[c] == 0) rows.push_back(instance.candidates.row[c]);
      }
      std::sort(rows.begin(), rows.end());
      std::string list;
      for (std::size_t i = 0; i < rows.size() && i < 5; ++i) list += (i ? ", " : "") + std::to_string(rows[i]);
      if (rows.size() > 5) list += ", ...";
      sink.Report({Severity::kWarning, rules.inputs.candidates, static_cast<int>(rows[0]), 0, col->header,
                   std::to_string(rows.size()) + (rows.size() == 1 ? " candidate has" : " candidates have") + " no " + ch.split_by + (rows.size() == 1 ? " (row " : " (rows ") + list +
                       "): they belong to no group, so they compete for no seats of channel '" + ch.name +
                       "' (or any channel split by it) and no allocation counts them; fill the cell if they should have a share"});
    }
  }
}

// A text cell the rules read with spaces around its value ("D1 "): `=` compares text as written,
// while a ';'-list ignores the spaces around its items, so "D1 " is in "D1;D2" but not
// = "D1". Most likely a typing slip that decides placements: a warning per column, with the
// first row (an independent audit found such a cell passing one condition and failing another).
void WarnSpacedText(const Rules& rules, const Instance& instance, DiagnosticSink& sink) {
  // Program columns read as ';'-lists (`x in program.COLUMN`), whose spaces are ignored.
  std::vector<std::string> lists;
  std::function<void(const Expression*)> find_lists = [&](const Expression* e) {
    if (!e) return;
    if ((e->op == Expression::Op::kInList || e->op == Expression::Op::kNotInList) && e->args.size() == 2 && e->args[1]->program_column) lists.push_back(e->args[1]->text);
    for (const auto& a : e->args) find_lists(a.get());
  };
  for (const Batch& b : rules.batches) {
    for (const Stage& st : b.stages) {
      find_lists(st.programs.get());
      for (const Channel& ch : st.channels) find_lists(ch.eligible.get());
    }
  }
  find_lists(rules.policy.general_high.get());
  if (rules.reassignment) find_lists(rules.reassignment->eligible.get());
  auto spaced = [](const std::string& v) { return !v.empty() && (v.front() == ' ' || v.back() == ' ' || v.front() == '\t' || v.back() == '\t'); };
  auto warn = [&](const std::string& file, const Column& col, const std::vector<std::uint32_t>& rows) {
    if (col.numeric || std::none_of(col.dictionary.begin(), col.dictionary.end(), spaced)) return;
    std::size_t cells = 0;
    std::size_t first = rows.size();
    for (std::size_t r = 0; r < col.text.size() && r < rows.size(); ++r) {
      if (!spaced(col.dictionary[col.text[r]])) continue;
      ++cells;
      if (first == rows.size() || rows[r] < rows[first]) first = r;
    }
    if (cells == 0) return;
    sink.Report({Severity::kWarning, file, static_cast<int>(rows[first]), 0, col.header,
                 std::to_string(cells) + (cells == 1 ? " cell" : " cells") + " of '" + col.name + "' have spaces around the value (the first: '" +
                     col.dictionary[col.text[first]] + "'): a condition compares text as written ('D1 ' = 'D1' is false) while a ';'-list ignores "
                     "those spaces; remove them"});
  };
  for (const ColumnRef& ref : rules.candidate_columns) {
    if (const Column* col = instance.candidates.FindColumn(ref.name)) warn(rules.inputs.candidates, *col, instance.candidates.row);
  }
  for (const ColumnRef& ref : rules.program_columns) {
    if (std::find(lists.begin(), lists.end(), ref.name) != lists.end()) continue;
    for (const Column& col : instance.programs.columns) {
      if (col.name == ref.name) warn(rules.inputs.programs, col, instance.programs.row);
    }
  }
}

// The reassignment flag says 1 (accepts reassignment) or 0 (an empty cell reads 0); another
// number is a typo, not a refusal: an error at its cell, rows in file order.
void CheckReassignmentFlag(const Rules& rules, const Instance& instance, DiagnosticSink& sink) {
  if (!rules.reassignment) return;
  const Column* flag = instance.candidates.FindColumn(rules.reassignment->flag);
  if (!flag || !flag->numeric) return;
  std::vector<std::pair<std::uint32_t, Score>> bad;  // (row, value)
  for (std::size_t c = 0; c < instance.candidates.size(); ++c) {
    const Score v = flag->number[c];
    if (v != kMissingScore && v != 0 && v != kScoreScale) bad.emplace_back(instance.candidates.row[c], v);
  }
  std::sort(bad.begin(), bad.end());
  for (const auto& [row, v] : bad) {
    if (sink.full()) break;
    sink.CsvError(rules.inputs.candidates, static_cast<int>(row), flag->header,
                  "'" + FormatScore(v) + "' is neither 1 (accepts reassignment, the rules' reassignment flag) nor 0; write 1 or 0");
  }
}

// Seats sent to a later batch need a stage of that batch that runs the program with the named
// channel; otherwise they could only stay empty. That holds for the channel's own seats at a
// program and for seats that can reach it by the stage's own flows (a balanced seat flowing into
// an arts channel with no arts seats of its own: an independent audit found such a seat stranded
// in silence).
void CheckLaterBatchTargets(const Rules& rules, const Instance& instance, const std::vector<StageRef>& stages, DiagnosticSink& sink) {
  for (const StageRef& st : stages) {
    const Stage& stage = rules.batches[st.b].stages[st.s];
    for (std::size_t h = 0; h < stage.channels.size(); ++h) {
      const Channel& ch = stage.channels[h];
      const Unfilled& u = ch.unfilled;
      if (u.kind != Unfilled::Kind::kLaterBatch) continue;
      // The channels whose seats can end up in h: h, and those whose same-stage flows lead to it.
      std::vector<const std::vector<std::int32_t>*> sources;
      for (std::size_t g = 0; g < stage.channels.size(); ++g) {
        std::size_t at = g;
        for (std::size_t steps = 0; at != h && steps < stage.channels.size(); ++steps) {
          const Unfilled& next = stage.channels[at].unfilled;
          if (next.kind != Unfilled::Kind::kSameStage || next.channel_index < 0) break;
          at = static_cast<std::size_t>(next.channel_index);
        }
        if (at == h) sources.push_back(&instance.programs.SeatsIn(stage.channels[g].seats));
      }
      auto has_seats = [&](std::size_t p) {
        return std::any_of(sources.begin(), sources.end(), [&](const std::vector<std::int32_t>* seats) { return (*seats)[p] > 0; });
      };
      const StageRuns runs = [&](std::size_t b, std::size_t s) -> const std::vector<std::uint8_t>& {
        return std::find_if(stages.begin(), stages.end(), [&](const StageRef& t) { return t.b == b && t.s == s; })->in;
      };
      std::string missing;
      int count = 0;
      for (std::size_t p = 0; p < instance.programs.size(); ++p) {
        if (!st.in[p] || !has_seats(p)) continue;
        if (LaterBatchTarget(rules, u, static_cast<ProgramIndex>(p), runs)) continue;
        if (++count <= 5) missing += (missing.empty() ? "'" : ", '") + instance.programs.code[p] + "'";
      }
      if (count == 0) continue;
      if (count > 5) missing += " and " + std::to_string(count - 5) + " more";
      sink.Error(rules.FileOf(u.pos), u.pos.line, u.pos.col,
                 "channel '" + ch.name + "' sends unfilled seats to channel '" + u.channel + "' of batch '" + u.batch +
                     "', but no stage of that batch runs program" + (count == 1 ? " " : "s ") + missing + " with that channel, so seats left empty there would be lost; "
                     "let a stage of '" + u.batch + "' run " + (count == 1 ? "it" : "them") + ", or write unfilled: none to keep them empty");
    }
  }
}

// A continuing round: seats in the column `vacancies` (the parent's vacancies plus the declined
// seats) at a program no stage of the round runs with a channel taking them are not offered,
// and have no row in the round's cutoffs.csv or vacancies.csv: they leave the chain. Warned
// once, listing the programs (an independent audit found them lost in silence).
void WarnRoundSeatsNoStageOffers(const Rules& rules, const Instance& instance, const std::vector<StageRef>& stages, DiagnosticSink& sink) {
  if (!instance.parent.present) return;
  const Programs& progs = instance.programs;
  const std::vector<std::int32_t>* seats = nullptr;
  for (std::size_t i = 0; i < progs.seat_columns.size(); ++i) {
    if (progs.seat_columns[i] == kRoundSeatsColumn) seats = &progs.seats[i];
  }
  for (std::size_t i = 0; !seats && i < progs.plan_columns.size(); ++i) {
    if (progs.plan_columns[i] == kRoundSeatsColumn) seats = &progs.plans[i];
  }
  if (!seats) return;
  const auto takes_them = [](const Stage& stage) {
    return std::any_of(stage.channels.begin(), stage.channels.end(),
                       [](const Channel& ch) { return ch.seats == kRoundSeatsColumn || (ch.share && ch.share->of == kRoundSeatsColumn); });
  };
  std::string missing;
  std::int64_t count = 0, lost = 0;
  for (std::size_t p = 0; p < progs.size(); ++p) {
    if ((*seats)[p] <= 0) continue;
    const bool offered = std::any_of(stages.begin(), stages.end(), [&](const StageRef& st) { return st.in[p] && takes_them(rules.batches[st.b].stages[st.s]); });
    if (offered) continue;
    lost += (*seats)[p];
    if (++count <= 5) missing += (missing.empty() ? "'" : ", '") + progs.code[p] + "' (" + std::to_string((*seats)[p]) + ")";
  }
  if (count == 0) return;
  if (count > 5) missing += " and " + std::to_string(count - 5) + " more";
  // At the first stage whose `programs:` leaves seats out (the one to widen), else the rules file.
  RulesPos at;
  for (const StageRef& st : stages) {
    const Stage& stage = rules.batches[st.b].stages[st.s];
    if (at.line == 0 && stage.programs && takes_them(stage)) at = stage.pos;
  }
  sink.Warning(at.line ? rules.FileOf(at) : rules.path, at.line, at.col,
               std::to_string(lost) + " of the round's seats (column vacancies: the parent's vacancies and the declined seats) " + (lost == 1 ? "is" : "are") + " at program" +
                   (count == 1 ? " " : "s ") + missing + ", which no stage of the round runs with a channel taking them: they are not offered, " +
                   "and the round's vacancies.csv does not carry them to a later round; widen a stage's programs: to keep them");
}

}  // namespace

// Which programs count as general-high (policy.general_high; every program without it), and
// the seats they offer: at each, every seat column a channel of a stage that runs the program
// reads, counted once. (Seats in a column no stage running the program reads are never offered,
// and were counted before an independent audit found the target passed on them.)
static std::int64_t GeneralHighSeats(const Rules& rules, const Instance& instance, const EvalContext& ctx, std::vector<std::uint8_t>* general_high) {
  const Programs& progs = instance.programs;
  const std::size_t np = progs.size();
  general_high->assign(np, 1);
  std::int64_t seats = 0;
  std::vector<std::uint8_t> offered(progs.seat_columns.size());
  for (std::size_t p = 0; p < np; ++p) {
    const auto pi = static_cast<ProgramIndex>(p);
    if (rules.policy.general_high) (*general_high)[p] = EvaluateCondition(*rules.policy.general_high, ctx, kNoCandidate, pi) ? 1 : 0;
    if (!(*general_high)[p]) continue;
    std::fill(offered.begin(), offered.end(), std::uint8_t{0});
    for (const Batch& batch : rules.batches) {
      for (const Stage& stage : batch.stages) {
        if (stage.programs && !EvaluateCondition(*stage.programs, ctx, kNoCandidate, pi)) continue;
        for (const Channel& ch : stage.channels) {
          for (std::size_t s = 0; s < progs.seat_columns.size(); ++s) {
            if (progs.seat_columns[s] == ch.seats) offered[s] = 1;
          }
        }
      }
    }
    for (std::size_t s = 0; s < progs.seats.size(); ++s) seats += offered[s] ? std::max(0, progs.seats[s][p]) : 0;
  }
  return seats;
}

void WarnMissedTargets(const Rules& rules, const Instance& instance, const Outcome& outcome, DiagnosticSink& sink) {
  if (rules.policy.general_high_target_ppm <= 0) return;
  const EvalContext ctx{instance.candidates, instance.programs, &outcome.lines, &instance.program_scores};
  std::vector<std::uint8_t> general_high;
  const std::int64_t seats = GeneralHighSeats(rules, instance, ctx, &general_high);
  std::int64_t admitted = 0;
  for (const ProgramIndex p : outcome.program) admitted += p != kNone && general_high[p] ? 1 : 0;
  const auto n = static_cast<std::int64_t>(instance.candidates.size());
  const std::int64_t target = rules.policy.general_high_target_ppm;
  if (admitted * 1'000'000 >= target * n) return;
  const std::int64_t needed = (target * n + 999'999) / 1'000'000;
  std::string why = seats >= needed ? "; the plan had " + std::to_string(seats) + " general-high seats, so candidates chose or qualified for other programs"
                                    : "; the plan has only " + std::to_string(seats) + " general-high seats";
  sink.Warning(rules.FileOf(rules.policy.pos), rules.policy.pos.line, rules.policy.pos.col,
               "general-high admissions " + std::to_string(admitted) + " of " + std::to_string(n) + " candidates are " + Percent(admitted, n) +
                   ", below the target " + Percent(target, 1'000'000) + " (" + std::to_string(needed) + " needed)" + why);
}

Status CheckPolicy(const Rules& rules, const Instance& instance, DiagnosticSink& sink, const std::vector<Score>* given_lines) {
  const std::size_t errors_before = sink.error_count();
  const Programs& progs = instance.programs;
  const std::size_t np = progs.size();
  std::vector<std::string> notes;
  const std::vector<Score> lines = given_lines ? *given_lines : ComputeLines(rules, instance, &notes);
  const EvalContext ctx{instance.candidates, progs, &lines, &instance.program_scores};

  // An admit_ratio line read off a candidate who has no value for its score has no value
  // itself: every condition comparing with it would be false, and the run would place nobody.
  for (std::size_t i = 0; i < rules.lines.size(); ++i) {
    const Line& l = rules.lines[i];
    if (l.kind != Line::Kind::kAdmitRatio || lines[i] != kMissingScore || instance.candidates.size() == 0) continue;
    if (notes.empty()) ComputeLines(rules, instance, &notes);  // who is at the line's position
    sink.Error(rules.FileOf(l.pos), l.pos.line, l.pos.col,
               "line '" + l.name + "' has no value: " + notes[i] + ": that candidate has no value for the score; every condition that reads line." +
                   l.name + " would be false -- score the line by a column every candidate has (score: total), or rank by the score first");
  }

  // Which programs each stage selects, and the stages in run order.
  std::vector<StageRef> stages;
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    for (std::size_t s = 0; s < rules.batches[b].stages.size(); ++s) {
      const Stage& st = rules.batches[b].stages[s];
      stages.push_back(StageRef{b, s, ProgramsInStage(st, ctx)});
    }
  }

  // A program's seat column offered in two stages would offer the same seats twice.
  for (std::size_t p = 0; p < np; ++p) {
    std::vector<std::pair<std::string, std::size_t>> used;  // seat column -> stage position
    for (std::size_t i = 0; i < stages.size(); ++i) {
      if (!stages[i].in[p]) continue;
      for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
        if (instance.programs.SeatsIn(ch.seats)[p] <= 0) continue;
        for (const auto& [col, j] : used) {
          if (col == ch.seats && j != i) {
            sink.Error(rules.FileOf(ch.seats_pos), ch.seats_pos.line, ch.seats_pos.col,
                       "program '" + progs.code[p] + "' offers its '" + ch.seats + "' seats in " + StageName(rules, stages[j].b, stages[j].s) +
                           " and again in " + StageName(rules, stages[i].b, stages[i].s) +
                           "; give each stage its own capacity column or narrow the stages' programs");
          }
        }
        used.emplace_back(ch.seats, i);
      }
    }
  }

  CheckAllocationTable(rules, instance, stages, sink);
  CheckTiedChannels(rules, instance, stages, sink);
  WarnCandidatesWithoutGroup(rules, instance, stages, sink);
  WarnSpacedText(rules, instance, sink);
  CheckLaterBatchTargets(rules, instance, stages, sink);
  CheckReassignmentFlag(rules, instance, sink);
  WarnRoundSeatsNoStageOffers(rules, instance, stages, sink);

  // 公民同招: no private program may admit through a channel earlier than public programs do.
  if (rules.policy.public_private_sync) {
    const bool has_sector = std::any_of(progs.sector.begin(), progs.sector.end(), [](const std::string& s) { return !s.empty(); });
    if (!has_sector) {
      sink.Error(rules.FileOf(rules.policy.pos), rules.policy.pos.line, rules.policy.pos.col,
                 "public_private_sync needs a 'sector' column (public or private) in " + rules.inputs.programs);
    } else {
      std::set<std::string> names;
      for (const Batch& b : rules.batches) {
        for (const Stage& st : b.stages) {
          for (const Channel& ch : st.channels) names.insert(ch.name);
        }
      }
      // The first stage in which any public program has seats in any channel.
      std::size_t first_public_any = stages.size();
      for (std::size_t i = 0; i < stages.size() && first_public_any == stages.size(); ++i) {
        for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
          const auto& seats = instance.programs.SeatsIn(ch.seats);
          for (std::size_t p = 0; p < np; ++p) {
            if (stages[i].in[p] && seats[p] > 0 && progs.sector[p] == "public") first_public_any = i;
          }
        }
      }
      for (const std::string& name : names) {
        std::size_t first_public = stages.size();
        for (std::size_t i = 0; i < stages.size() && first_public == stages.size(); ++i) {
          for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
            if (ch.name != name) continue;
            const auto& seats = instance.programs.SeatsIn(ch.seats);
            for (std::size_t p = 0; p < np; ++p) {
              if (stages[i].in[p] && seats[p] > 0 && progs.sector[p] == "public") first_public = i;
            }
          }
        }
        // A channel no public program uses is measured against the first stage in which any
        // public program admits at all: private schools never admit before public ones do.
        if (first_public == stages.size()) first_public = first_public_any;
        for (std::size_t i = 0; i < first_public; ++i) {
          for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
            if (ch.name != name) continue;
            const auto& seats = instance.programs.SeatsIn(ch.seats);
            for (std::size_t p = 0; p < np; ++p) {
              if (!stages[i].in[p] || seats[p] <= 0 || progs.sector[p] != "private") continue;
              sink.CsvError(rules.inputs.programs, static_cast<int>(progs.row[p]), rules.HeaderFor("programs", "sector"),
                            "private program '" + progs.code[p] + "' admits through channel '" + name + "' in " +
                                StageName(rules, stages[i].b, stages[i].s) + ", before public programs do" +
                                (first_public < stages.size() ? " (" + StageName(rules, stages[first_public].b, stages[first_public].s) + ")" : std::string()) +
                                "; public_private_sync (公民同招) requires private schools to admit with the public ones -- move its seats to that batch");
            }
          }
        }
      }
    }
  }

  // General-high seats against the target share of candidates.
  if (rules.policy.general_high_target_ppm > 0) {
    std::vector<std::uint8_t> general_high;
    const std::int64_t seats = GeneralHighSeats(rules, instance, ctx, &general_high);
    const auto n = static_cast<std::int64_t>(instance.candidates.size());
    const std::int64_t target = rules.policy.general_high_target_ppm;
    if (seats * 1'000'000 < target * n) {
      sink.Warning(rules.FileOf(rules.policy.pos), rules.policy.pos.line, rules.policy.pos.col,
                   "general-high seats " + std::to_string(seats) + " for " + std::to_string(n) + " candidates are " + Percent(seats, n) +
                       ", below the target " + Percent(target, 1'000'000) + " (" + std::to_string((target * n + 999'999) / 1'000'000) +
                       " seats needed)");
    }
  }

  // Channels nobody can use.
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const Stage& st = rules.batches[stages[i].b].stages[stages[i].s];
    for (const Channel& ch : st.channels) {
      const auto& seats = instance.programs.SeatsIn(ch.seats);
      std::int64_t total = 0;
      for (std::size_t p = 0; p < np; ++p) total += stages[i].in[p] ? std::max(0, seats[p]) : 0;
      if (total == 0) {
        sink.Warning(rules.FileOf(ch.pos), ch.pos.line, ch.pos.col,
                     "channel '" + ch.name + "' in " + StageName(rules, stages[i].b, stages[i].s) + " has no seats in any program (column '" +
                         ch.seats + "' is empty or 0)");
        continue;
      }
      if (ch.eligible && !ReferencesProgram(*ch.eligible) && instance.candidates.size() > 0) {
        bool any = false;
        for (std::size_t c = 0; c < instance.candidates.size() && !any; ++c) any = EvaluateCondition(*ch.eligible, ctx, static_cast<CandidateIndex>(c), kNoProgram);
        if (!any) {
          sink.Warning(rules.FileOf(ch.pos), ch.pos.line, ch.pos.col,
                       "no candidate meets the condition of channel '" + ch.name + "' (" + ch.eligible_text + "); its " + std::to_string(total) + " seats cannot be filled");
        }
      }
    }
  }

  // Input columns no rule reads: often a misspelt mapping.
  auto warn_unused = [&](const std::vector<std::string>& headers, std::vector<std::string> used, const std::string& file, const std::string& role) {
    used.insert(used.end(), rules.descriptive_columns.begin(), rules.descriptive_columns.end());
    if (role == "candidates") used.insert(used.end(), rules.personal_columns.begin(), rules.personal_columns.end());
    for (std::string& u : used) u = rules.HeaderFor(role, u);
    for (const std::string& h : headers) {
      if (std::find(used.begin(), used.end(), h) == used.end()) {
        sink.Warning(file, 1, 0, "column '" + h + "' is not used by any rule; if a rule should use it, check the name in the rules, otherwise list it under descriptive_columns:");
      }
    }
  };
  std::vector<std::string> used_c = {"id", "total", "name", "junior_school", "district"};
  for (const ColumnRef& r : rules.candidate_columns) used_c.push_back(r.name);
  warn_unused(instance.candidate_headers, used_c, rules.inputs.candidates, "candidates");
  std::vector<std::string> used_p = {"code", "school", "name", "sector", "district"};
  for (const ColumnRef& r : rules.program_columns) used_p.push_back(r.name);
  for (const std::string& s : progs.seat_columns) used_p.push_back(s);
  for (const Batch& b : rules.batches) {
    for (const Stage& st : b.stages) {
      for (const Channel& ch : st.channels) {
        if (ch.share) used_p.push_back(ch.share->of);  // a plan column the seats are a share of
      }
    }
  }
  warn_unused(instance.program_headers, used_p, rules.inputs.programs, "programs");
  if (sink.error_count() != errors_before) return Status::FromSink(sink, "the policy checks", errors_before);
  return Status::Ok();
}

}  // namespace zkmatch
