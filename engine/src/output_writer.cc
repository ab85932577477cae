// Rendering placements.csv, cutoffs.csv and the terminal summary. Output is a pure function of
// the Outcome: rows in candidate-id / program-code order, LF line ends, no clock, no locale.
#include <cstdio>

#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

// Appends a CSV field, quoted only when it must be (RFC 4180).
void AppendField(std::string* out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
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
  std::string out = "candidate_id,status,batch,program,channel,choice_rank\n";
  out.reserve(cands.size() * 40);
  for (std::size_t c = 0; c < cands.size(); ++c) {
    AppendField(&out, cands.id[c]);
    const std::int32_t b = outcome.batch[c];
    if (b < 0) {
      out += ",unplaced,,,,\n";
      continue;
    }
    const Batch& batch = rules.batches[static_cast<std::size_t>(b)];
    out += ",placed,";
    AppendField(&out, batch.name);
    out.push_back(',');
    AppendField(&out, instance.programs.code[outcome.program[c]]);
    out.push_back(',');
    AppendField(&out, batch.channels[outcome.channel[c]].name);
    out.push_back(',');
    out += std::to_string(outcome.choice[c] + 1);
    out.push_back('\n');
  }
  return out;
}

std::string RenderCutoffs(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  std::string out = "batch,program,channel,group,capacity,admitted,cutoff_total\n";
  const std::size_t np = instance.programs.size();
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    const Batch& batch = rules.batches[b];
    const std::size_t nh = batch.channels.size();
    for (std::size_t p = 0; p < np; ++p) {
      for (std::size_t h = 0; h < nh; ++h) {
        const SeatStats& s = outcome.stats[b][p * nh + h];
        AppendField(&out, batch.name);
        out.push_back(',');
        AppendField(&out, instance.programs.code[p]);
        out.push_back(',');
        AppendField(&out, batch.channels[h].name);
        out += ",,";
        out += std::to_string(s.capacity);
        out.push_back(',');
        out += std::to_string(s.admitted);
        out.push_back(',');
        out += FormatScore(s.cutoff_total);
        out.push_back('\n');
      }
    }
  }
  return out;
}

std::string RenderSummary(const Rules& rules, const Instance& instance, const Outcome& outcome) {
  char line[256];
  std::string out;
  const std::size_t n = instance.candidates.size();
  std::size_t placed_total = 0;
  long long seats_total = 0;
  std::snprintf(line, sizeof line, "%-24s %-20s %10s %10s %8s\n", "batch", "channel", "seats", "placed", "fill");
  out += line;
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    const Batch& batch = rules.batches[b];
    const std::size_t nh = batch.channels.size();
    for (std::size_t h = 0; h < nh; ++h) {
      long long seats = 0, placed = 0;
      for (std::size_t p = 0; p < instance.programs.size(); ++p) {
        seats += outcome.stats[b][p * nh + h].capacity;
        placed += outcome.stats[b][p * nh + h].admitted;
      }
      seats_total += seats;
      placed_total += static_cast<std::size_t>(placed);
      std::snprintf(line, sizeof line, "%-24s %-20s %10lld %10lld %7.1f%%\n", batch.name.c_str(), batch.channels[h].name.c_str(),
                    seats, placed, seats ? 100.0 * static_cast<double>(placed) / static_cast<double>(seats) : 0.0);
      out += line;
    }
  }
  std::snprintf(line, sizeof line, "candidates %zu: placed %zu, unplaced %zu; seats filled %zu of %lld (%.1f%%)\n", n, placed_total,
                n - placed_total, placed_total, seats_total,
                seats_total ? 100.0 * static_cast<double>(placed_total) / static_cast<double>(seats_total) : 0.0);
  out += line;
  return out;
}

}  // namespace zkmatch
