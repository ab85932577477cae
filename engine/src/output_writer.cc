// Rendering the run directory's CSV files and the terminal summary. Output is a pure function
// of the Outcome: rows in candidate-id / program-code / rule order, LF line ends, no clock, no
// locale.
#include <cstdio>

#include "csv.h"
#include "json.h"
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

}  // namespace

std::string RenderPlacements(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  const Candidates& cands = instance.candidates;
  std::string out = "candidate_id,status,batch,program,channel,choice_rank,stage\n";
  out.reserve(cands.size() * 40);
  for (std::size_t c = 0; c < cands.size(); ++c) {
    AppendCsvField(&out, cands.id[c]);
    const std::int32_t b = outcome.batch[c];
    if (b < 0) {
      out += ",unplaced,,,,,\n";
      continue;
    }
    const Batch& batch = rules.batches[static_cast<std::size_t>(b)];
    const Stage& stage = batch.stages[static_cast<std::size_t>(outcome.stage[c])];
    out += ",placed,";
    AppendCsvField(&out, batch.name);
    out.push_back(',');
    AppendCsvField(&out, instance.programs.code[outcome.program[c]]);
    out.push_back(',');
    AppendCsvField(&out, stage.channels[outcome.channel[c]].name);
    out.push_back(',');
    out += std::to_string(outcome.choice[c] + 1);
    out.push_back(',');
    AppendCsvField(&out, stage.name);
    out.push_back('\n');
  }
  return out;
}

std::string RenderCutoffs(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  std::string out = "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity\n";
  for (const StageResult& st : outcome.stages) {
    const Batch& batch = rules.batches[st.batch];
    const Stage& stage = batch.stages[st.stage];
    for (const SeatRow& row : st.seats) {
      const std::int32_t over = row.admitted > row.capacity() ? row.admitted - row.capacity() : 0;
      AppendCsvRow(&out, {batch.name, instance.programs.code[row.program], stage.channels[row.channel].name,
                       GroupName(rules, instance, st.batch, st.stage, row.channel, row.group), std::to_string(row.capacity()),
                       std::to_string(row.admitted), FormatScore(row.cutoff_total), stage.name, std::to_string(row.initial),
                       std::to_string(row.flowed_in), std::to_string(row.flowed_out), std::to_string(over)});
    }
  }
  return out;
}

std::string RenderFlows(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  std::string out = "batch,stage,pass,program,channel,group,to_batch,to_stage,to_channel,seats\n";
  for (const Flow& f : outcome.flows) {
    const Stage& from = StageOf(rules, f.batch, f.stage);
    const Stage& to = StageOf(rules, f.to_batch, f.to_stage);
    AppendCsvRow(&out, {rules.batches[f.batch].name, from.name, std::to_string(f.pass), instance.programs.code[f.program],
                     from.channels[f.channel].name, GroupName(rules, instance, f.batch, f.stage, f.channel, f.group),
                     rules.batches[f.to_batch].name, to.name, to.channels[f.to_channel].name, std::to_string(f.seats)});
  }
  return out;
}

std::string RenderAllocations(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  std::string out = "batch,stage,program,channel,group,seats\n";
  for (const StageResult& st : outcome.stages) {
    const Stage& stage = StageOf(rules, st.batch, st.stage);
    for (const SeatRow& row : st.seats) {
      if (row.group == kNone) continue;
      AppendCsvRow(&out, {rules.batches[st.batch].name, stage.name, instance.programs.code[row.program], stage.channels[row.channel].name,
                       GroupName(rules, instance, st.batch, st.stage, row.channel, row.group), std::to_string(row.initial)});
    }
  }
  return out;
}

std::string RenderLines(const Rules& rules, const Outcome& outcome) {
  std::string out = "line,value,how\n";
  for (std::size_t i = 0; i < rules.lines.size(); ++i) {
    AppendCsvRow(&out, {rules.lines[i].name, FormatScore(outcome.lines[i]), outcome.line_notes[i]});
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
  return sum;
}

namespace {
double Percent(long long part, long long whole) { return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0; }
}  // namespace

std::string RenderSummary(const Rules& rules, const Instance& instance, const Outcome& outcome) {
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
  std::snprintf(line, sizeof line, "candidates %zu: placed %zu, unplaced %zu; seats filled %zu of %lld (%.1f%%)", sum.candidates, sum.placed,
                sum.candidates - sum.placed, sum.placed, sum.seats, Percent(placed, sum.seats));
  out += line;
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
  w.Key("unplaced").Int(static_cast<std::int64_t>(sum.candidates - sum.placed)).Key("seats").Int(sum.seats);
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
