#include "allocation.h"

#include <algorithm>
#include <numeric>

namespace zkmatch {

std::vector<std::int32_t> LargestRemainder(std::int32_t seats, const std::vector<Int128>& numerators,
                                           Int128 denominator) {
  const std::size_t n = numerators.size();
  std::vector<std::int32_t> out(n, 0);
  if (n == 0 || denominator <= 0) return out;
  std::vector<Int128> remainder(n);
  std::int64_t given = 0;
  for (std::size_t g = 0; g < n; ++g) {
    const Int128 exact = numerators[g] * seats;  // quota = exact / denominator
    out[g] = static_cast<std::int32_t>(exact / denominator);
    remainder[g] = exact % denominator;
    given += out[g];
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t i = 0; i < n && given < seats; ++i) {
    if (remainder[order[i]] == 0) break;  // only fractional quotas get a rounded-up seat
    ++out[order[i]];
    ++given;
  }
  return out;
}

bool AllocationRowFits(const AllocationTable& table, std::size_t i, const Stage& stage, std::size_t b, std::size_t h) {
  return table.channel[i] == stage.channels[h].name && (table.batch[i] < 0 || static_cast<std::size_t>(table.batch[i]) == b) &&
         (table.stage[i].empty() || table.stage[i] == stage.name);
}

GroupSplit AllocateSeats(const Stage& stage, std::size_t b, std::size_t h,
                         const std::vector<std::int32_t>& channel_seats,
                         const Instance& instance, const EvalContext& ctx) {
  const Channel& ch = stage.channels[h];
  GroupSplit split;
  split.column = instance.candidates.FindColumn(ch.split_by);
  const std::size_t np = instance.programs.size();
  split.num_groups = static_cast<std::uint32_t>(split.column->dictionary.size());
  const std::size_t ng = split.num_groups;
  split.seats.assign(np * ng, 0);
  split.unallocated.assign(np, 0);
  if (ch.allocation.kind == Allocation::Kind::kTable) {
    const AllocationTable& t = instance.allocations;
    for (std::size_t i = 0; i < t.program.size(); ++i) {
      if (!AllocationRowFits(t, i, stage, b, h)) continue;
      const auto& dict = split.column->dictionary;
      const auto it = std::lower_bound(dict.begin(), dict.end(), t.group[i]);  // dictionaries are sorted
      if (it == dict.end() || *it != t.group[i]) continue;  // reported by LoadInputs
      split.seats[t.program[i] * ng + static_cast<std::size_t>(it - dict.begin())] += t.seats[i];
    }
    return split;
  }
  // Proportional: quota_g = seats * Σ_t w_t * count_t(g) / C_t, over a common denominator.
  const auto& terms = ch.allocation.terms;
  std::vector<std::vector<std::int64_t>> count(terms.size(), std::vector<std::int64_t>(ng, 0));
  std::vector<std::int64_t> total(terms.size(), 0);
  // A candidate whose cell is empty belongs to no group: not counted at all (the dictionary
  // is sorted, so "" is its first entry when present).
  const bool has_empty = !split.column->dictionary.empty() && split.column->dictionary[0].empty();
  for (std::size_t c = 0; c < instance.candidates.size(); ++c) {
    const std::uint32_t g = split.column->text[c];
    if (has_empty && g == 0) continue;
    for (std::size_t t = 0; t < terms.size(); ++t) {
      if (!terms[t].count || EvaluateCondition(*terms[t].count, ctx, static_cast<CandidateIndex>(c), kNoProgram)) {
        ++count[t][g];
        ++total[t];
      }
    }
  }
  Int128 denominator = 1'000'000;
  for (std::size_t t = 0; t < terms.size(); ++t) denominator *= std::max<std::int64_t>(total[t], 1);
  std::vector<Int128> numerators(ng, 0);
  for (std::size_t g = 0; g < ng; ++g) {
    for (std::size_t t = 0; t < terms.size(); ++t) {
      Int128 term = static_cast<Int128>(terms[t].weight_ppm) * count[t][g];
      for (std::size_t u = 0; u < terms.size(); ++u) {
        if (u != t) term *= std::max<std::int64_t>(total[u], 1);
      }
      numerators[g] += term;
    }
  }
  // The share of terms that counted nobody goes to no group: it takes part in the rounding as
  // one more share, after every group, and the seats it receives are unallocated.
  Int128 grouped = 0;
  for (const Int128 x : numerators) grouped += x;
  numerators.push_back(denominator - grouped);
  for (std::size_t p = 0; p < np; ++p) {
    const std::vector<std::int32_t> share = LargestRemainder(channel_seats[p], numerators, denominator);
    for (std::size_t g = 0; g < ng; ++g) split.seats[p * ng + g] = share[g];
    split.unallocated[p] = share[ng];
  }
  return split;
}

}  // namespace zkmatch
