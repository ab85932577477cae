// Rendering the run directory's CSV files and the terminal summary. Output is a pure function
// of the Outcome: rows in candidate-id / program-code / rule order, LF line ends, no clock, no
// locale.
#include <array>
#include <cstdio>

#include "csv.h"
#include "json.h"
#include "lines.h"
#include "run_format.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

const Stage& StageOf(const Rules& rules, std::uint32_t b, std::uint32_t s) { return rules.batches[b].stages[s]; }

std::string GroupName(const Rules& rules, const Instance& instance, std::uint32_t b, std::uint32_t s, std::uint32_t h,
                      std::uint32_t g) {
  if (g == kNone) return {};
  const Column* col = instance.candidates.FindColumn(StageOf(rules, b, s).channels[h].split_by);
  return col ? col->dictionary[g] : std::string();
}

// One row of a published CSV file, each cell put at its column of the file's table
// (run_format.h), written in the table's order.
template <std::size_t N>
class TableRow {
 public:
  std::string& operator[](std::size_t column) { return cells_[column]; }
  void AppendTo(std::string* out) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (i) out->push_back(',');
      AppendCsvField(out, cells_[i]);
    }
    out->push_back('\n');
  }

 private:
  std::array<std::string, N> cells_;
};

// The rest of a placements.csv row of a candidate placed by reassignment: the seat's batch,
// program, channel and stage; no choice_rank.
// The cells after a candidate's id on a placements.csv row that holds a seat, in the table's
// order; `choice_rank` 0 leaves its cell empty (a reassigned seat was not on the list).
void AppendSeat(std::string_view status, std::string_view batch, std::string_view program, std::string_view channel, std::int32_t choice_rank,
                std::string_view stage, std::string* out) {
  out->push_back(',');
  *out += status;
  out->push_back(',');
  AppendCsvField(out, batch);
  out->push_back(',');
  AppendCsvField(out, program);
  out->push_back(',');
  AppendCsvField(out, channel);
  out->push_back(',');
  if (choice_rank > 0) *out += std::to_string(choice_rank);
  out->push_back(',');
  AppendCsvField(out, stage);
  out->push_back('\n');
}

void AppendReassigned(const Rules& rules, const Instance& instance, const Outcome& outcome, const Reassigned& r, std::string* out) {
  const StageResult& st = outcome.stages[r.stage];
  const Stage& stage = StageOf(rules, st.batch, st.stage);
  const SeatRow& row = st.seats[r.seat];
  AppendSeat(audit_keys::kStatusReassigned, rules.batches[st.batch].name, instance.programs.code[row.program], stage.channels[row.channel].name, 0,
             stage.name, out);
}

}  // namespace

std::string RenderPlacements(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  const Candidates& cands = instance.candidates;
  // The hot writer (one row per candidate) appends its cells directly, in the table's order:
  static_assert(placements_csv::kCandidateId == 0 && placements_csv::kStatus == 1 && placements_csv::kBatch == 2 &&
                placements_csv::kProgram == 3 && placements_csv::kChannel == 4 && placements_csv::kChoiceRank == 5 &&
                placements_csv::kStage == 6 && placements_csv::kCount == 7);
  std::string out = CsvHeaderRow(placements_csv::kColumns);
  out.reserve(cands.size() * 40);
  for (std::size_t c = 0; c < cands.size(); ++c) {
    AppendCsvField(&out, cands.id[c]);
    const std::int32_t b = outcome.batch[c];
    if (b < 0 && !outcome.reassigned_turn.empty() && outcome.reassigned_turn[c] != kNone) {
      AppendReassigned(rules, instance, outcome, outcome.reassigned[outcome.reassigned_turn[c]], &out);
      continue;
    }
    const ParentRun& parent = instance.parent;
    if (b < 0 && parent.present && parent.state[c] == ParentRun::kLocked) {  // the parent's seat, kept
      const ParentRun::Slot& slot = parent.slots[parent.slot[c]];
      AppendSeat(audit_keys::kStatusLocked, slot.batch, instance.programs.code[parent.program[c]], slot.channel, parent.choice_rank[c], slot.stage, &out);
      continue;
    }
    if (b < 0) {
      out += ",unplaced,,,,,\n";
      continue;
    }
    const Batch& batch = rules.batches[static_cast<std::size_t>(b)];
    const Stage& stage = batch.stages[static_cast<std::size_t>(outcome.stage[c])];
    AppendSeat(audit_keys::kStatusPlaced, batch.name, instance.programs.code[outcome.program[c]], stage.channels[outcome.channel[c]].name,
               static_cast<std::int32_t>(outcome.choice[c] + 1), stage.name, &out);
  }
  return out;
}

std::string RenderCutoffs(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  using namespace cutoffs_csv;
  std::string out = CsvHeaderRow(kColumns);
  TableRow<kCount> r;
  for (const StageResult& st : outcome.stages) {
    const Batch& batch = rules.batches[st.batch];
    const Stage& stage = batch.stages[st.stage];
    for (const SeatRow& row : st.seats) {
      const std::int32_t over = row.admitted > row.capacity() ? row.admitted - row.capacity() : 0;
      r[kBatch] = batch.name;
      r[kProgram] = instance.programs.code[row.program];
      r[kChannel] = stage.channels[row.channel].name;
      r[kGroup] = GroupName(rules, instance, st.batch, st.stage, row.channel, row.group);
      r[kCapacity] = std::to_string(row.capacity());
      r[kAdmitted] = std::to_string(row.admitted);
      r[kCutoffTotal] = FormatScore(row.cutoff_total);
      r[kStage] = stage.name;
      r[kInitialCapacity] = std::to_string(row.initial);
      r[kFlowedIn] = std::to_string(row.flowed_in);
      r[kFlowedOut] = std::to_string(row.flowed_out);
      r[kOverCapacity] = std::to_string(over);
      r.AppendTo(&out);
    }
  }
  return out;
}

std::string RenderVacancies(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  using namespace vacancies_csv;
  std::string out = CsvHeaderRow(kColumns);
  TableRow<kCount> r;
  for (const StageResult& st : outcome.stages) {
    const Batch& batch = rules.batches[st.batch];
    const Stage& stage = batch.stages[st.stage];
    for (const SeatRow& row : st.seats) {
      if (row.vacant() <= 0) continue;
      r[kBatch] = batch.name;
      r[kStage] = stage.name;
      r[kProgram] = instance.programs.code[row.program];
      r[kSchool] = instance.programs.school[row.program];
      r[kName] = instance.programs.name[row.program];
      r[kChannel] = stage.channels[row.channel].name;
      r[kGroup] = GroupName(rules, instance, st.batch, st.stage, row.channel, row.group);
      r[kCapacity] = std::to_string(row.capacity());
      r[kAdmitted] = std::to_string(row.admitted + row.reassigned);  // by the batches and by reassignment
      r[kVacant] = std::to_string(row.vacant());
      r.AppendTo(&out);
    }
  }
  return out;
}

std::string RenderFlows(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  using namespace flows_csv;
  std::string out = CsvHeaderRow(kColumns);
  TableRow<kCount> r;
  for (const Flow& f : outcome.flows) {
    const Stage& from = StageOf(rules, f.batch, f.stage);
    const Stage& to = StageOf(rules, f.to_batch, f.to_stage);
    r[kBatch] = rules.batches[f.batch].name;
    r[kStage] = from.name;
    r[kPass] = std::to_string(f.pass);
    r[kProgram] = instance.programs.code[f.program];
    r[kChannel] = from.channels[f.channel].name;
    r[kGroup] = GroupName(rules, instance, f.batch, f.stage, f.channel, f.group);
    r[kToBatch] = rules.batches[f.to_batch].name;
    r[kToStage] = to.name;
    r[kToChannel] = to.channels[f.to_channel].name;
    r[kSeats] = std::to_string(f.seats);
    r.AppendTo(&out);
  }
  return out;
}

std::string RenderAllocations(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  using namespace allocations_csv;
  std::string out = CsvHeaderRow(kColumns);
  TableRow<kCount> r;
  for (const StageResult& st : outcome.stages) {
    const Stage& stage = StageOf(rules, st.batch, st.stage);
    for (const SeatRow& row : st.seats) {
      if (row.group == kNone) continue;
      r[kBatch] = rules.batches[st.batch].name;
      r[kStage] = stage.name;
      r[kProgram] = instance.programs.code[row.program];
      r[kChannel] = stage.channels[row.channel].name;
      r[kGroup] = GroupName(rules, instance, st.batch, st.stage, row.channel, row.group);
      r[kSeats] = std::to_string(row.initial);
      r.AppendTo(&out);
    }
  }
  return out;
}

std::string RenderLines(const Rules& rules, const Outcome& outcome) {
  using namespace lines_csv;
  std::string out = CsvHeaderRow(kColumns);
  TableRow<kCount> r;
  for (std::size_t i = 0; i < rules.lines.size(); ++i) {
    r[kLine] = rules.lines[i].name;
    r[kValue] = FormatScore(outcome.lines[i]);
    r[kHow] = outcome.line_notes[i];
    r.AppendTo(&out);
  }
  return out;
}

RunSummary Summarize(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  RunSummary sum;
  sum.candidates = instance.candidates.size();
  for (const StageResult& st : outcome.stages) {
    const Batch& batch = rules.batches[st.batch];
    const Stage& stage = batch.stages[st.stage];
    for (std::size_t h = 0; h < stage.channels.size(); ++h) {
      RunSummary::ChannelRow r{batch.name, stage.name, stage.channels[h].name};
      r.passes = st.passes;
      r.rounds = st.rounds;
      for (const SeatRow& row : st.seats) {
        if (row.channel != h) continue;
        r.seats += row.capacity();
        r.placed += row.admitted;
        r.flowed += row.flowed_in - row.flowed_out;
        r.over += row.admitted > row.capacity() ? row.admitted - row.capacity() : 0;
      }
      sum.seats += r.seats;
      sum.over += r.over;
      sum.placed += static_cast<std::size_t>(r.placed);
      sum.channels.push_back(std::move(r));
    }
  }
  for (const Flow& f : outcome.flows) sum.seats_flowed += f.seats;
  sum.reassigned = outcome.reassigned.size();
  return sum;
}

namespace {
double Percent(long long part, long long whole) { return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0; }
}  // namespace

namespace {

// Display columns of UTF-8 text: two for a character from U+1100 up (CJK, full-width forms),
// one otherwise; the text padded with spaces to `width` columns.
std::string PadTo(const std::string& text, std::size_t width) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    columns += len >= 3 ? 2 : 1;
    i += len;
  }
  return columns >= width ? text + " " : text + std::string(width - columns, ' ');
}

template <typename T>
std::string Shown(const T& named) {
  return named.label.empty() ? named.name : named.label;
}

std::string RenderSummaryChinese(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  char line[512];
  std::string out;
  for (std::size_t i = 0; i < rules.lines.size(); ++i) {
    std::snprintf(line, sizeof line, "%10s   （%s）\n", FormatScore(outcome.lines[i]).c_str(), LineHowChinese(rules, i, instance.candidates.size()).c_str());
    out += "分数线 " + PadTo(Shown(rules.lines[i]), 20) + line;
  }
  const RunSummary sum = Summarize(rules, instance, outcome);
  out += PadTo("批次/阶段", 24) + PadTo("通道", 20) + "      名额       录取   满额率     流转\n";
  for (const RunSummary::ChannelRow& r : sum.channels) {
    std::string batch = r.batch, channel = r.channel;
    for (const Batch& b : rules.batches) {
      if (b.name != r.batch) continue;
      batch = Shown(b);
      for (const Stage& st : b.stages) {
        for (const Channel& c : st.channels) {
          if (st.name == r.stage && c.name == r.channel) channel = Shown(c);
        }
      }
    }
    std::snprintf(line, sizeof line, "%10lld %10lld %7.1f%% %+8lld\n", r.seats, r.placed, Percent(r.placed, r.seats), r.flowed);
    out += PadTo(r.stage.empty() ? batch : batch + "/" + r.stage, 24) + PadTo(channel, 20) + line;
  }
  const ParentRun& parent = instance.parent;
  if (parent.present) {
    std::snprintf(line, sizeof line, "续录：上一轮已录取并保留 %zu 人，放弃录取 %zu 人（名额退回本轮）\n", parent.locked, parent.declined);
    out += line;
  }
  const std::size_t unplaced = sum.candidates - sum.placed - sum.reassigned - parent.locked;
  std::snprintf(line, sizeof line, "考生 %zu 人：录取 %zu 人，未录取 %zu 人；名额 %lld 个，录满 %zu 个（%.1f%%）", sum.candidates, sum.placed,
                unplaced, sum.seats, sum.placed, Percent(static_cast<long long>(sum.placed), sum.seats));
  out += line;
  if (rules.reassignment) {
    std::snprintf(line, sizeof line, "；调剂录取 %zu 人", sum.reassigned);
    out += line;
  }
  if (sum.over > 0) {
    std::snprintf(line, sizeof line, "；同分并列超计划录取 %lld 人", sum.over);
    out += line;
  }
  if (!outcome.flows.empty()) {
    std::snprintf(line, sizeof line, "；%lld 个未录满名额已流转（flows.csv）", sum.seats_flowed);
    out += line;
  }
  out += "\n";
  return out;
}

}  // namespace

std::string RenderSummary(const Rules& rules, const Instance& instance, const Outcome& outcome, Language lang) {
  if (lang == Language::kChinese) return RenderSummaryChinese(rules, instance, outcome);
  char line[512];
  std::string out;
  for (std::size_t i = 0; i < rules.lines.size(); ++i) {
    std::snprintf(line, sizeof line, "line %-20s %10s   (%s)\n", rules.lines[i].name.c_str(), FormatScore(outcome.lines[i]).c_str(),
                  outcome.line_notes[i].c_str());
    out += line;
  }
  const RunSummary sum = Summarize(rules, instance, outcome);
  std::snprintf(line, sizeof line, "%-24s %-20s %10s %10s %8s %8s\n", "batch/stage", "channel", "seats", "placed", "fill", "flowed");
  out += line;
  for (const RunSummary::ChannelRow& r : sum.channels) {
    const std::string where = r.stage.empty() ? r.batch : r.batch + "/" + r.stage;
    std::snprintf(line, sizeof line, "%-24s %-20s %10lld %10lld %7.1f%% %+8lld\n", where.c_str(), r.channel.c_str(), r.seats, r.placed,
                  Percent(r.placed, r.seats), r.flowed);
    out += line;
  }
  const auto placed = static_cast<long long>(sum.placed);
  const ParentRun& parent = instance.parent;
  if (parent.present) {
    std::snprintf(line, sizeof line, "continuing round: %zu keep the parent run's seat (locked), %zu declined it (their seats are this round's)\n",
                  parent.locked, parent.declined);
    out += line;
  }
  std::snprintf(line, sizeof line, "candidates %zu: placed %zu%s, unplaced %zu; seats filled %zu of %lld (%.1f%%)", sum.candidates, sum.placed,
                parent.present ? " in this round" : "", sum.candidates - sum.placed - sum.reassigned - parent.locked, sum.placed, sum.seats, Percent(placed, sum.seats));
  out += line;
  if (rules.reassignment) {
    std::snprintf(line, sizeof line, "; %zu placed by reassignment after the batches", sum.reassigned);
    out += line;
  }
  if (sum.over > 0) {
    std::snprintf(line, sizeof line, "; %lld admitted over capacity by ties (admit_all)", sum.over);
    out += line;
  }
  if (!outcome.flows.empty()) {
    std::snprintf(line, sizeof line, "; %lld unfilled %s flowed (flows.csv)", sum.seats_flowed, sum.seats_flowed == 1 ? "seat" : "seats");
    out += line;
  }
  out += "\n";
  return out;
}

std::string RenderSummaryJson(const Rules& rules, const Instance& instance, const Outcome& outcome, const std::string& run_dir,
                              const std::vector<std::pair<std::string, double>>& seconds) {
  const RunSummary sum = Summarize(rules, instance, outcome);
  JsonWriter w;
  w.BeginObject().Key("format").String("zkmatch-run-summary/1").Key("rules_name").String(rules.name).Key("run").String(run_dir);
  w.Key("candidates").Int(static_cast<std::int64_t>(sum.candidates)).Key("placed").Int(static_cast<std::int64_t>(sum.placed));
  w.Key("unplaced").Int(static_cast<std::int64_t>(sum.candidates - sum.placed - sum.reassigned - instance.parent.locked)).Key("seats").Int(sum.seats);
  if (rules.reassignment) w.Key("reassigned").Int(static_cast<std::int64_t>(sum.reassigned));
  if (instance.parent.present) {
    w.Key("locked").Int(static_cast<std::int64_t>(instance.parent.locked)).Key("declined").Int(static_cast<std::int64_t>(instance.parent.declined));
  }
  w.Key("over_capacity").Int(sum.over).Key("seats_flowed").Int(sum.seats_flowed);
  w.Key("lines").BeginArray();
  for (std::size_t i = 0; i < rules.lines.size(); ++i) {
    w.BeginObject().Key("line").String(rules.lines[i].name).Key("value").StringOrNull(FormatScore(outcome.lines[i]));
    w.Key("how").String(outcome.line_notes[i]).EndObject();
  }
  w.EndArray().Key("channels").BeginArray();
  for (const RunSummary::ChannelRow& r : sum.channels) {
    w.BeginObject().Key("batch").String(r.batch).Key("stage").String(r.stage).Key("channel").String(r.channel);
    w.Key("seats").Int(r.seats).Key("placed").Int(r.placed).Key("flowed").Int(r.flowed).Key("over_capacity").Int(r.over);
    w.Key("passes").Int(r.passes).Key("rounds").Int(r.rounds).EndObject();  // rounds 0: serial dictatorship ran
  }
  w.EndArray().Key("seconds").BeginObject();
  for (const auto& [step, s] : seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", s);
    w.Key(step).Raw(text);
  }
  w.EndObject().EndObject();
  return w.Take() + "\n";
}

}  // namespace zkmatch
