// The verifier's replay of reassignment's turns (see verify_reassignment.h).
#include "verify_reassignment.h"

#include <algorithm>
#include <numeric>

namespace zkmatch::verify {
namespace {

// An order key's value, as rules/README.md defines it: a condition is 1 when true and 0 when
// false; `present` is false for a missing value, which comes after every present one.
struct KeyValue {
  bool present = false;
  Score value = 0;
};

KeyValue Evaluate(const ReassignmentKey& key, const EvalContext& ctx, CandidateIndex c, ProgramIndex p) {
  if (key.condition) return {true, EvaluateCondition(*key.expr, ctx, c, p, 0) ? Score{1} : Score{0}};
  const Score v = EvaluateNumber(*key.expr, ctx, c, p, 0);
  return {v != kMissingScore, v};
}

// True when row a comes before row b for candidate c: the first key that differs decides
// (present before missing; higher first for desc, lower first for asc), then cutoffs.csv's line.
bool Before(const Reassignment& ra, const EvalContext& ctx, CandidateIndex c, const EmptyRow& a, const EmptyRow& b) {
  for (const ReassignmentKey& key : ra.order) {
    const KeyValue va = Evaluate(key, ctx, c, a.program), vb = Evaluate(key, ctx, c, b.program);
    if (va.present != vb.present) return va.present;
    if (!va.present || va.value == vb.value) continue;
    return key.descending ? va.value > vb.value : va.value < vb.value;
  }
  return a.line < b.line;
}

bool Eligible(const Reassignment& ra, const EvalContext& ctx, CandidateIndex c, const EmptyRow& row) {
  if (!ra.channels.empty() && std::find(ra.channels.begin(), ra.channels.end(), row.channel->name) == ra.channels.end()) return false;
  if (row.split && row.split->text[c] != row.group) return false;
  if (row.channel->eligible && !EvaluateCondition(*row.channel->eligible, ctx, c, row.program, 0)) return false;
  return !ra.eligible || EvaluateCondition(*ra.eligible, ctx, c, row.program, 0);
}

}  // namespace

std::vector<std::string> CheckReassignment(const Rules& rules, const EvalContext& ctx, const std::vector<std::uint32_t>& rank,
                                           const std::vector<std::uint8_t>& placed_by_batch, std::vector<EmptyRow> rows,
                                           const std::vector<GivenSeat>& given, std::size_t* turns) {
  const Reassignment& ra = *rules.reassignment;
  const Candidates& cands = ctx.candidates;
  std::vector<std::string> findings;
  std::vector<const GivenSeat*> seat_of(cands.size(), nullptr);
  for (const GivenSeat& g : given) seat_of[g.candidate] = &g;
  const Column* flag = cands.FindColumn(ra.flag);
  auto flagged = [&](CandidateIndex c) { return flag && flag->numeric && flag->number[c] == 100; };  // the cell reads 1
  std::vector<CandidateIndex> order;
  for (std::uint32_t c = 0; c < cands.size(); ++c) {
    const CandidateIndex ci{c};
    if (!placed_by_batch[c] && flagged(ci)) {
      order.push_back(ci);
    } else if (seat_of[c]) {
      findings.push_back("placements.csv:" + std::to_string(seat_of[c]->line) + ": candidate '" + cands.id[c] + "' is placed by reassignment but " +
                         (placed_by_batch[c] ? "a batch placed them" : "did not accept reassignment (" + ra.flag + " is not 1)"));
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](CandidateIndex a, CandidateIndex b) { return rank[a] < rank[b]; });
  *turns = order.size();
  for (const CandidateIndex c : order) {
    std::size_t first = rows.size();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].empty > 0 && Eligible(ra, ctx, c, rows[i]) && (first == rows.size() || Before(ra, ctx, c, rows[i], rows[first]))) first = i;
    }
    const GivenSeat* got = seat_of[c];
    const std::string who = "candidate '" + cands.id[c] + "'";
    if (!got) {
      if (first < rows.size()) findings.push_back(who + " accepted reassignment and is left unplaced while a seat they are eligible for was empty at their turn: " + rows[first].where);
      continue;
    }
    if (first == rows.size()) {
      findings.push_back(who + " was given " + rows[got->row].where + " by reassignment, but no empty seat they are eligible for was left at their turn");
    } else if (first != got->row) {
      findings.push_back(who + " was given " + rows[got->row].where + " by reassignment, but the first empty seat they are eligible for by the order at their turn was " +
                         rows[first].where);
    }
    if (--rows[got->row].empty < 0) findings.push_back(who + ": reassignment gave more seats at " + rows[got->row].where + " than were empty");
  }
  return findings;
}

}  // namespace zkmatch::verify
