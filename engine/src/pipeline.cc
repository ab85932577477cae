// Solve: rank, compute eligibility and match batch by batch. See zkmatch/pipeline.h.
#include <tbb/task_arena.h>

#include <algorithm>

#include "eligibility.h"
#include "ranking.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {

namespace {

const std::vector<std::int32_t>& SeatsOf(const Instance& instance, const std::string& column) {
  const auto& cols = instance.programs.seat_columns;
  return instance.programs.seats[static_cast<std::size_t>(std::find(cols.begin(), cols.end(), column) - cols.begin())];
}

}  // namespace

std::string CheckMatchPath(const Rules& rules, const Instance& instance, MatchPath path) {
  if (path != MatchPath::kSerialDictatorship) return {};
  for (const Batch& batch : rules.batches) {
    const Channel* first = nullptr;
    for (const Channel& ch : batch.channels) {
      const auto& seats = SeatsOf(instance, ch.seats);
      if (std::none_of(seats.begin(), seats.end(), [](std::int32_t s) { return s > 0; })) continue;
      if (!first) first = &ch;
      if (ch.ranking != first->ranking) {
        return "serial dictatorship needs every channel with seats in a batch to share one ranking, but in batch '" +
               batch.name + "' channel '" + first->name + "' ranks by '" + rules.rankings[static_cast<std::size_t>(first->ranking)].name +
               "' and channel '" + ch.name + "' by '" + rules.rankings[static_cast<std::size_t>(ch.ranking)].name +
               "'; use --matcher auto or general";
      }
    }
  }
  return {};
}

Outcome Solve(const Rules& rules, const Instance& instance, const RunOptions& options) {
  const std::size_t n = instance.candidates.size();
  const std::size_t np = instance.programs.size();
  Outcome out;
  out.batch.assign(n, -1);
  out.program.assign(n, kNone);
  out.channel.assign(n, 0);
  out.choice.assign(n, 0);
  const int threads = options.threads > 0 ? options.threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads);
  arena.execute([&] {
    std::vector<std::vector<std::uint32_t>> ranks;
    ranks.reserve(rules.rankings.size());
    for (const Ranking& r : rules.rankings) ranks.push_back(ComputeRanking(r, instance.candidates, instance.programs));

    std::vector<std::uint8_t> active(n, 1);  // not yet placed by an earlier batch
    for (std::size_t b = 0; b < rules.batches.size(); ++b) {
      const Batch& batch = rules.batches[b];
      const std::size_t nh = batch.channels.size();
      BatchProblem pb;
      pb.num_candidates = n;
      pb.num_programs = np;
      pb.num_channels = nh;
      pb.choices = &instance.choices[b];
      pb.capacity.assign(np * nh, 0);
      for (std::size_t h = 0; h < nh; ++h) {
        const Channel& ch = batch.channels[h];
        const auto& seats = SeatsOf(instance, ch.seats);
        for (std::size_t p = 0; p < np; ++p) pb.capacity[p * nh + h] = seats[p];
        pb.rank.push_back(ranks[static_cast<std::size_t>(ch.ranking)].data());
        pb.ranking_id.push_back(ch.ranking);
      }
      pb.active = active;
      pb.eligible = ComputeEligibility(batch, instance, instance.choices[b], pb.capacity, pb.active);
      BatchMatching m = MatchBatch(pb, MatchOptions{threads, options.path});
      out.rounds.push_back(m.rounds);

      std::vector<SeatStats> stats(np * nh);
      for (std::size_t i = 0; i < stats.size(); ++i) stats[i].capacity = pb.capacity[i];
      for (std::size_t c = 0; c < n; ++c) {
        if (m.program[c] == kNone) continue;
        out.batch[c] = static_cast<std::int32_t>(b);
        out.program[c] = m.program[c];
        out.channel[c] = m.channel[c];
        out.choice[c] = m.choice[c];
        active[c] = 0;
        SeatStats& s = stats[static_cast<std::size_t>(m.program[c]) * nh + m.channel[c]];
        ++s.admitted;
        const Score t = instance.candidates.total[c];
        if (s.cutoff_total == kMissingScore || t < s.cutoff_total) s.cutoff_total = t;
      }
      out.stats.push_back(std::move(stats));
    }
  });
  return out;
}

}  // namespace zkmatch
