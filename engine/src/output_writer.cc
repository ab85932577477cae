// Rendering the run directory's CSV files and the terminal summary. Output is a pure function
// of the Outcome: rows in candidate-id / program-code / rule order, LF line ends, no clock, no
// locale.
#include <cstdio>

#include "csv.h"
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

std::string FormatScore(Score s) {
  if (s == kMissingScore) return {};
  std::string out;
  if (s < 0) {
    out.push_back('-');
    s = -s;
  }
  out += std::to_string(s / kScoreScale);
  const Score frac = s % kScoreScale;
  if (frac != 0) {
    out.push_back('.');
    out.push_back(static_cast<char>('0' + frac / 10));
    if (frac % 10 != 0) out.push_back(static_cast<char>('0' + frac % 10));
  }
  return out;
}

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

std::string RenderSummary(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  char line[512];
  std::string out;
  const std::size_t n = instance.candidates.size();
  for (std::size_t i = 0; i < rules.lines.size(); ++i) {
    std::snprintf(line, sizeof line, "line %-20s %10s   (%s)\n", rules.lines[i].name.c_str(), FormatScore(outcome.lines[i]).c_str(),
                  outcome.line_notes[i].c_str());
    out += line;
  }
  std::size_t placed_total = 0;
  long long seats_total = 0;
  long long over_total = 0;
  std::snprintf(line, sizeof line, "%-24s %-20s %10s %10s %8s %8s\n", "batch/stage", "channel", "seats", "placed", "fill", "flowed");
  out += line;
  for (const StageResult& st : outcome.stages) {
    const Batch& batch = rules.batches[st.batch];
    const Stage& stage = batch.stages[st.stage];
    const std::string where = stage.name.empty() ? batch.name : batch.name + "/" + stage.name;
    for (std::size_t h = 0; h < stage.channels.size(); ++h) {
      long long seats = 0, placed = 0, flowed = 0, over = 0;
      for (const SeatRow& row : st.seats) {
        if (row.channel != h) continue;
        seats += row.capacity();
        placed += row.admitted;
        flowed += row.flowed_in - row.flowed_out;
        over += row.admitted > row.capacity() ? row.admitted - row.capacity() : 0;
      }
      seats_total += seats;
      over_total += over;
      placed_total += static_cast<std::size_t>(placed);
      std::snprintf(line, sizeof line, "%-24s %-20s %10lld %10lld %7.1f%% %+8lld\n", where.c_str(), stage.channels[h].name.c_str(), seats,
                    placed, seats ? 100.0 * static_cast<double>(placed) / static_cast<double>(seats) : 0.0, flowed);
      out += line;
    }
  }
  std::snprintf(line, sizeof line, "candidates %zu: placed %zu, unplaced %zu; seats filled %zu of %lld (%.1f%%)", n, placed_total,
                n - placed_total, placed_total, seats_total,
                seats_total ? 100.0 * static_cast<double>(placed_total) / static_cast<double>(seats_total) : 0.0);
  out += line;
  if (over_total > 0) {
    std::snprintf(line, sizeof line, "; %lld admitted over capacity by ties (admit_all)", over_total);
    out += line;
  }
  if (!outcome.flows.empty()) {
    long long moved = 0;
    for (const Flow& f : outcome.flows) moved += f.seats;
    std::snprintf(line, sizeof line, "; %lld unfilled seats flowed (flows.csv)", moved);
    out += line;
  }
  out += "\n";
  return out;
}

}  // namespace zkmatch
