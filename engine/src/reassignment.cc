// Reassignment after the batches (see reassignment.h).
#include "reassignment.h"

#include <algorithm>
#include <limits>

namespace zkmatch {
namespace {

// A row with empty seats that reassignment may give.
struct OpenRow {
  std::uint32_t stage = 0, seat = 0;  // Outcome::stages[stage].seats[seat]
  const Channel* channel = nullptr;
  const Column* split = nullptr;      // the channel's split column, or null
};

// The rows reassignment may give, in cutoffs.csv order.
std::vector<OpenRow> OpenRows(const Rules& rules, const Instance& instance, const Outcome& out) {
  const Reassignment& ra = *rules.reassignment;
  std::vector<OpenRow> rows;
  for (std::size_t si = 0; si < out.stages.size(); ++si) {
    const StageResult& st = out.stages[si];
    const Stage& stage = rules.batches[st.batch].stages[st.stage];
    for (std::size_t i = 0; i < st.seats.size(); ++i) {
      const SeatRow& row = st.seats[i];
      const Channel& ch = stage.channels[row.channel];
      if (row.vacant() <= 0) continue;
      if (!ra.channels.empty() && std::find(ra.channels.begin(), ra.channels.end(), ch.name) == ra.channels.end()) continue;
      rows.push_back({static_cast<std::uint32_t>(si), static_cast<std::uint32_t>(i), &ch, instance.candidates.FindColumn(ch.split_by)});
    }
  }
  return rows;
}

// The value of order key `key` for candidate c at program p, as a rank-comparable score:
// missing ranks last; desc keys negated so that smaller is always first.
Score KeyValue(const ReassignmentKey& key, const EvalContext& ctx, CandidateIndex c, ProgramIndex p) {
  Score v = key.condition ? (EvaluateCondition(*key.expr, ctx, c, p, 0) ? kScoreScale : 0) : EvaluateNumber(*key.expr, ctx, c, p, 0);
  if (v == kMissingScore) return std::numeric_limits<Score>::max();
  return key.descending ? -v : v;
}

bool Flagged(const Column* flag, CandidateIndex c) { return flag && flag->numeric && flag->number[c] == kScoreScale; }

}  // namespace

bool AcceptsReassignment(const Instance& instance, const Reassignment& block, CandidateIndex c) {
  return Flagged(instance.candidates.FindColumn(block.flag), c);
}

void Reassign(const Rules& rules, const Instance& instance, const EvalContext& ctx, const RankedOrder& turns, Outcome* out) {
  const Reassignment& ra = *rules.reassignment;
  out->reassigned_turn.assign(instance.candidates.size(), kNone);
  const Column* flag = instance.candidates.FindColumn(ra.flag);
  std::vector<OpenRow> rows = OpenRows(rules, instance, *out);
  const std::size_t nk = ra.order.size();
  std::vector<Score> best(nk), here(nk);
  for (const CandidateIndex c : turns.order) {
    if (out->batch[c] >= 0 || !Flagged(flag, c)) continue;
    if (instance.parent.present && instance.parent.state[c] == ParentRun::kLocked) continue;  // keeps the parent run's seat
    std::size_t chosen = rows.size();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const OpenRow& open = rows[i];
      const SeatRow& row = out->stages[open.stage].seats[open.seat];
      if (row.vacant() <= 0) continue;
      if (open.split && open.split->text[c] != row.group) continue;
      if (open.channel->eligible && !EvaluateCondition(*open.channel->eligible, ctx, c, row.program, 0)) continue;
      if (ra.eligible && !EvaluateCondition(*ra.eligible, ctx, c, row.program, 0)) continue;
      for (std::size_t k = 0; k < nk; ++k) here[k] = KeyValue(ra.order[k], ctx, c, row.program);
      if (chosen == rows.size() || here < best) {  // strictly earlier by the keys; ties keep the earlier row
        chosen = i;
        best.swap(here);
      }
    }
    if (chosen == rows.size()) continue;
    SeatRow& row = out->stages[rows[chosen].stage].seats[rows[chosen].seat];
    ++row.reassigned;
    out->reassigned_turn[c] = static_cast<std::uint32_t>(out->reassigned.size());
    out->reassigned.push_back({c, rows[chosen].stage, rows[chosen].seat});
  }
}

}  // namespace zkmatch
