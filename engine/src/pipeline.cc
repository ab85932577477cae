// Solve: lines, rankings, then every stage of every batch in order, with seat flows.
// See zkmatch/pipeline.h.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>

#include "allocation.h"
#include "eligibility.h"
#include "expression.h"
#include "ranking.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

// x * ppm / 10^6 rounded to the nearest hundredth, halves away from zero.
Score ScaleByPpm(Score x, std::int64_t ppm) {
  __extension__ typedef __int128 I128;
  const I128 num = static_cast<I128>(x) * ppm;
  const I128 den = 1'000'000;
  const I128 q = ((num < 0 ? -num : num) * 2 + den) / (2 * den);
  return static_cast<Score>(num < 0 ? -q : q);
}

std::string PpmText(std::int64_t ppm) {
  std::string f = std::to_string(ppm % 1'000'000);
  f = std::string(6 - f.size(), '0') + f;
  while (!f.empty() && f.back() == '0') f.pop_back();
  return std::to_string(ppm / 1'000'000) + (f.empty() ? "" : "." + f);
}

// Rankings computed on demand and kept: lines may need some before the others.
class RankingCache {
 public:
  RankingCache(const Rules& rules, const Instance& instance, const EvalContext& ctx)
      : rules_(rules), instance_(instance), ctx_(ctx), cache_(rules.rankings.size()), entries_(rules.rankings.size()) {}
  // A ranking over candidates. REQUIRES: !rules.rankings[r].per_program.
  const RankedOrder& Get(std::size_t r) {
    if (cache_[r].rank.empty() && ctx_.candidates.size() > 0) cache_[r] = ComputeRanking(rules_.rankings[r], ctx_, rules_.seed);
    return cache_[r];
  }
  // A per-program ranking over the entries of batch b's lists.
  const std::vector<std::uint32_t>& GetEntries(std::size_t r, std::size_t b) {
    auto& per_batch = entries_[r];
    if (per_batch.empty()) per_batch.resize(rules_.batches.size());
    if (per_batch[b].empty() && !instance_.choices[b].program.empty()) {
      per_batch[b] = ComputeEntryRanking(rules_.rankings[r], ctx_, instance_.choices[b], rules_.seed);
    }
    return per_batch[b];
  }
  // Moves every ranking computed so far into the outcome.
  void Publish(Outcome* out) {
    for (std::size_t r = 0; r < rules_.rankings.size(); ++r) {
      if (rules_.rankings[r].per_program) {
        for (std::size_t b = 0; b < rules_.batches.size(); ++b) GetEntries(r, b);
        out->ranks.emplace_back();
      } else {
        out->ranks.push_back(std::move(Get(r).rank));
      }
    }
    out->entry_ranks = std::move(entries_);
  }

 private:
  const Rules& rules_;
  const Instance& instance_;
  const EvalContext& ctx_;
  std::vector<RankedOrder> cache_;
  std::vector<std::vector<std::vector<std::uint32_t>>> entries_;  // [ranking][batch], per-program rankings
};

void ComputeLinesInto(const Rules& rules, const Instance& instance, RankingCache& rankings, std::vector<Score>* values,
                      std::vector<std::string>* notes) {
  const std::size_t n = instance.candidates.size();
  values->assign(rules.lines.size(), kMissingScore);
  notes->assign(rules.lines.size(), {});
  const EvalContext ctx{instance.candidates, instance.programs, values, &instance.program_scores};
  for (int li : rules.line_order) {
    const Line& l = rules.lines[static_cast<std::size_t>(li)];
    Score& v = (*values)[static_cast<std::size_t>(li)];
    std::string& note = (*notes)[static_cast<std::size_t>(li)];
    switch (l.kind) {
      case Line::Kind::kValue:
        v = l.value;
        note = "fixed";
        break;
      case Line::Kind::kAdmitRatio: {
        if (n == 0) {
          note = "admit_ratio " + PpmText(l.ratio_ppm) + ": no candidates";
          break;
        }
        const RankedOrder& order = rankings.Get(static_cast<std::size_t>(l.ranking));
        // Position ceil(ratio * N), 1-based, within [1, N].
        std::uint64_t pos = (static_cast<std::uint64_t>(l.ratio_ppm) * n + 999'999) / 1'000'000;
        pos = std::clamp<std::uint64_t>(pos, 1, n);
        const CandidateIndex c = order.order[pos - 1];
        v = EvaluateNumber(*l.score, ctx, c, kNone);
        note = "admit_ratio " + PpmText(l.ratio_ppm) + " of " + rules.rankings[static_cast<std::size_t>(l.ranking)].name +
               ": candidate " + instance.candidates.id[c] + " at position " + std::to_string(pos) + " of " + std::to_string(n);
        break;
      }
      case Line::Kind::kOffset: {
        const Score from = (*values)[static_cast<std::size_t>(l.from)];
        v = from == kMissingScore ? kMissingScore : from + l.value;
        note = rules.lines[static_cast<std::size_t>(l.from)].name + (l.value < 0 ? " - " : " + ") + FormatScore(l.value < 0 ? -l.value : l.value);
        break;
      }
      case Line::Kind::kFactor: {
        const Score from = (*values)[static_cast<std::size_t>(l.from)];
        v = from == kMissingScore ? kMissingScore : ScaleByPpm(from, l.factor_ppm);
        note = rules.lines[static_cast<std::size_t>(l.from)].name + " x " + PpmText(l.factor_ppm) + ", rounded to hundredths";
        break;
      }
    }
  }
}

// Matches one stage, rerunning while unfilled seats flow inside it.
class StageRunner {
 public:
  StageRunner(const Rules& rules, const Instance& instance, const EvalContext& ctx, RankingCache& rankings,
              const RunOptions& options, Outcome* out)
      : rules_(rules), instance_(instance), ctx_(ctx), rankings_(rankings), options_(options), out_(out) {}

  // `incoming[p * nh + h]`: seats flowed in from earlier batches. Returns the finished result;
  // places candidates in `out_` and clears them from `active`.
  StageResult Run(std::size_t b, std::size_t s, const std::vector<std::int32_t>& incoming, std::vector<std::uint8_t>* active,
                  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::int32_t>>* later) {
    const Stage& stage = rules_.batches[b].stages[s];
    const std::size_t nh = stage.channels.size();
    const std::size_t np = instance_.programs.size();
    const std::size_t n = instance_.candidates.size();
    const std::vector<std::uint8_t>& in_stage = InStage(b, s);
    StageResult result;
    result.batch = static_cast<std::uint32_t>(b);
    result.stage = static_cast<std::uint32_t>(s);

    BatchProblem pb;
    pb.num_candidates = n;
    pb.num_programs = np;
    pb.num_channels = nh;
    pb.choices = &instance_.choices[b];
    pb.capacity.assign(np * nh, 0);
    pb.split.resize(nh);
    // rows: where each (p, h[, g]) is counted.
    std::vector<std::int32_t> row_of(np * nh, -1);
    std::vector<std::vector<std::int32_t>> group_row(nh);
    std::vector<std::vector<std::int32_t>> unallocated(nh);  // split seats no group received
    for (std::size_t h = 0; h < nh; ++h) {
      const Channel& ch = stage.channels[h];
      const std::size_t r = static_cast<std::size_t>(ch.ranking);
      const bool per_program = rules_.rankings[r].per_program;
      pb.rank.push_back(per_program ? nullptr : rankings_.Get(r).rank.data());
      pb.order.push_back(per_program ? nullptr : rankings_.Get(r).order.data());
      pb.entry_rank.push_back(per_program ? rankings_.GetEntries(r, b).data() : nullptr);
      pb.ranking_id.push_back(ch.ranking);
      std::vector<std::int32_t> seats = instance_.programs.SeatsIn(ch.seats);
      for (std::size_t p = 0; p < np; ++p) seats[p] = in_stage[p] ? seats[p] : 0;
      if (ch.split_by.empty()) {
        for (std::size_t p = 0; p < np; ++p) pb.capacity[p * nh + h] = seats[p] + (in_stage[p] ? incoming[p * nh + h] : 0);
        continue;
      }
      GroupSplit g = AllocateSeats(stage, b, h, seats, instance_, ctx_);
      for (std::size_t p = 0; p < np; ++p) {  // a table may name programs this stage does not run
        if (in_stage[p]) continue;
        std::fill(g.seats.begin() + static_cast<std::ptrdiff_t>(p * g.num_groups), g.seats.begin() + static_cast<std::ptrdiff_t>((p + 1) * g.num_groups), 0);
        g.unallocated[p] = 0;
      }
      SplitSeats& sp = pb.split[h];
      sp.group = g.column->text.data();
      sp.num_groups = g.num_groups;
      sp.capacity = std::move(g.seats);
      group_row[h].assign(np * sp.num_groups, -1);
      unallocated[h] = std::move(g.unallocated);
    }
    // Rows of cutoffs.csv, in program, channel, group order.
    for (std::size_t p = 0; p < np; ++p) {
      if (!in_stage[p]) continue;
      for (std::size_t h = 0; h < nh; ++h) {
        const SplitSeats& sp = pb.split[h];
        if (sp.num_groups == 0) {
          row_of[p * nh + h] = static_cast<std::int32_t>(result.seats.size());
          SeatRow row;
          row.program = static_cast<ProgramIndex>(p);
          row.channel = static_cast<std::uint32_t>(h);
          row.initial = instance_.programs.SeatsIn(stage.channels[h].seats)[p];
          row.flowed_in = incoming[p * nh + h];
          result.seats.push_back(row);
          continue;
        }
        for (std::uint32_t g = 0; g < sp.num_groups; ++g) {
          if (sp.capacity[p * sp.num_groups + g] <= 0) continue;
          group_row[h][p * sp.num_groups + g] = static_cast<std::int32_t>(result.seats.size());
          SeatRow row;
          row.program = static_cast<ProgramIndex>(p);
          row.channel = static_cast<std::uint32_t>(h);
          row.group = g;
          row.initial = sp.capacity[p * sp.num_groups + g];
          result.seats.push_back(row);
        }
      }
    }
    for (std::size_t h = 0; h < nh; ++h) {
      SplitSeats& sp = pb.split[h];
      if (sp.num_groups == 0) continue;
      for (std::size_t p = 0; p < np; ++p) {
        std::int32_t sum = 0;
        for (std::uint32_t g = 0; g < sp.num_groups; ++g) sum += sp.capacity[p * sp.num_groups + g];
        pb.capacity[p * nh + h] = sum;
      }
    }
    // Seats a computed allocation could not give any group (a count term matched nobody) are
    // unfilled from the start: they flow before the first pass.
    for (std::size_t h = 0; h < nh; ++h) {
      for (std::size_t p = 0; p < unallocated[h].size(); ++p) {
        if (unallocated[h][p] > 0) Move(&result, b, s, 0, p, h, kNone, unallocated[h][p], stage, &pb, row_of, group_row);
      }
    }

    pb.active = *active;
    const std::vector<std::uint32_t> conditions = ComputeConditions(stage, *pb.choices, *active, in_stage, ctx_);
    BatchMatching m;
    for (int pass = 1;; ++pass) {
      if (options_.progress) {
        options_.progress("batch " + rules_.batches[b].name + (stage.name.empty() ? "" : ", stage " + stage.name) +
                          (pass > 1 ? ", pass " + std::to_string(pass) + " after seats flowed" : ""));
      }
      ApplySeats(conditions, &pb);
      m = MatchBatch(pb, MatchOptions{options_.threads, options_.path});
      result.passes = pass;
      result.rounds = m.rounds;
      // Admitted per (p, h) and per (p, h, g).
      std::vector<std::int32_t> admitted(np * nh, 0);
      std::vector<std::vector<std::int32_t>> admitted_group(nh);
      for (std::size_t h = 0; h < nh; ++h) admitted_group[h].assign(np * pb.split[h].num_groups, 0);
      for (std::size_t c = 0; c < n; ++c) {
        if (m.program[c] == kNone) continue;
        const std::size_t p = m.program[c], h = m.channel[c];
        ++admitted[p * nh + h];
        if (pb.split[h].num_groups) ++admitted_group[h][p * pb.split[h].num_groups + pb.split[h].group[c]];
      }
      // The seats each channel left empty in this pass's match, all computed before any moves:
      // a seat that flows into a channel is matched in the next pass, never passed on in this one.
      struct Empty {
        std::size_t p, h;
        std::uint32_t g;
        std::int32_t seats;
      };
      std::vector<Empty> empty;
      for (std::size_t h = 0; h < nh; ++h) {
        if (stage.channels[h].unfilled.kind != Unfilled::Kind::kSameStage) continue;
        const SplitSeats& sp = pb.split[h];
        for (std::size_t p = 0; p < np; ++p) {
          if (sp.num_groups == 0) {
            const std::int32_t free = pb.capacity[p * nh + h] - admitted[p * nh + h];
            if (free > 0) empty.push_back({p, h, kNone, free});
            continue;
          }
          for (std::uint32_t g = 0; g < sp.num_groups; ++g) {
            const std::int32_t free = sp.capacity[p * sp.num_groups + g] - admitted_group[h][p * sp.num_groups + g];
            if (free > 0) empty.push_back({p, h, g, free});
          }
        }
      }
      for (const Empty& e : empty) Move(&result, b, s, pass, e.p, e.h, e.g, e.seats, stage, &pb, row_of, group_row);
      if (empty.empty()) break;
    }

    // Final placements and statistics.
    for (std::size_t c = 0; c < n; ++c) {
      if (m.program[c] == kNone) continue;
      out_->batch[c] = static_cast<std::int32_t>(b);
      out_->stage[c] = static_cast<std::int32_t>(s);
      out_->program[c] = m.program[c];
      out_->channel[c] = m.channel[c];
      out_->choice[c] = m.choice[c];
      (*active)[c] = 0;
      const std::size_t p = m.program[c], h = m.channel[c];
      const SplitSeats& sp = pb.split[h];
      const std::int32_t r = sp.num_groups ? group_row[h][p * sp.num_groups + sp.group[c]] : row_of[p * nh + h];
      SeatRow& row = result.seats[static_cast<std::size_t>(r)];
      ++row.admitted;
      const Score t = instance_.candidates.total[c];
      if (row.cutoff_total == kMissingScore || t < row.cutoff_total) row.cutoff_total = t;
    }
    // Seats still unfilled that go to a later batch: to the first stage of the target batch
    // that runs the program and has the channel. `row` is null for split seats no group received.
    auto send_later = [&](ProgramIndex p, std::uint32_t h, std::uint32_t g, std::int32_t free, SeatRow* row) {
      const Unfilled& u = stage.channels[h].unfilled;
      const Batch& target = rules_.batches[static_cast<std::size_t>(u.batch_index)];
      std::size_t ts = target.stages.size(), th = 0;
      for (std::size_t t = 0; t < target.stages.size() && ts == target.stages.size(); ++t) {
        for (std::size_t c = 0; c < target.stages[t].channels.size(); ++c) {
          if (target.stages[t].channels[c].name == u.channel && InStage(static_cast<std::size_t>(u.batch_index), t)[p]) {
            ts = t;
            th = c;
            break;
          }
        }
      }
      if (ts == target.stages.size()) return;  // no stage of that batch runs the program: CheckPolicy refuses such rules
      const std::size_t tnh = target.stages[ts].channels.size();
      auto& in = (*later)[std::make_pair(static_cast<std::size_t>(u.batch_index), ts)];
      if (in.empty()) in.assign(np * tnh, 0);
      in[p * tnh + th] += free;
      if (row) row->flowed_out += free;
      out_->flows.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s), result.passes, p, h, g,
                             static_cast<std::uint32_t>(u.batch_index), static_cast<std::uint32_t>(ts), static_cast<std::uint32_t>(th), free});
    };
    for (SeatRow& row : result.seats) {
      const std::int32_t free = row.capacity() - row.admitted;
      if (stage.channels[row.channel].unfilled.kind == Unfilled::Kind::kLaterBatch && free > 0) send_later(row.program, row.channel, row.group, free, &row);
    }
    for (std::size_t h = 0; h < nh; ++h) {
      if (stage.channels[h].unfilled.kind != Unfilled::Kind::kLaterBatch) continue;
      for (std::size_t p = 0; p < unallocated[h].size(); ++p) {
        if (unallocated[h][p] > 0) send_later(static_cast<ProgramIndex>(p), static_cast<std::uint32_t>(h), kNone, unallocated[h][p], nullptr);
      }
    }
    return result;
  }

 private:
  // Moves `seats` unfilled seats of (p, h[, g]) to the channel's same-stage target. g is kNone
  // for a channel that is not split, and for split seats no group received (no row of their own).
  void Move(StageResult* result, std::size_t b, std::size_t s, int pass, std::size_t p, std::size_t h, std::uint32_t g,
            std::int32_t seats, const Stage& stage, BatchProblem* pb, const std::vector<std::int32_t>& row_of,
            const std::vector<std::vector<std::int32_t>>& group_row) {
    const Unfilled& u = stage.channels[h].unfilled;
    if (u.kind != Unfilled::Kind::kSameStage) return;  // the seats stay empty
    const std::size_t nh = stage.channels.size();
    const std::size_t t = static_cast<std::size_t>(u.channel_index);
    SplitSeats& sp = pb->split[h];
    if (sp.num_groups == 0) {
      pb->capacity[p * nh + h] -= seats;
    } else if (g != kNone) {
      sp.capacity[p * sp.num_groups + g] -= seats;
      pb->capacity[p * nh + h] -= seats;
    }
    pb->capacity[p * nh + t] += seats;
    const std::int32_t from = sp.num_groups == 0 ? row_of[p * nh + h] : g == kNone ? -1 : group_row[h][p * sp.num_groups + g];
    if (from >= 0) result->seats[static_cast<std::size_t>(from)].flowed_out += seats;
    result->seats[static_cast<std::size_t>(row_of[p * nh + t])].flowed_in += seats;
    out_->flows.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s), pass, static_cast<ProgramIndex>(p),
                           static_cast<std::uint32_t>(h), g, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s),
                           static_cast<std::uint32_t>(t), seats});
  }

  // Which programs stage (b, s) runs, evaluated once.
  const std::vector<std::uint8_t>& InStage(std::size_t b, std::size_t s) {
    auto& slot = in_stage_[{b, s}];
    if (slot.empty()) slot = ProgramsInStage(rules_.batches[b].stages[s], ctx_);
    return slot;
  }

  const Rules& rules_;
  const Instance& instance_;
  const EvalContext& ctx_;
  RankingCache& rankings_;
  const RunOptions& options_;
  Outcome* out_;
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::uint8_t>> in_stage_;
};

}  // namespace

std::string CheckMatchPath(const Rules& rules, const Instance& instance, MatchPath path) {
  if (path != MatchPath::kSerialDictatorship) return {};
  for (const Batch& batch : rules.batches) {
    for (const Stage& stage : batch.stages) {
      const Channel* first = nullptr;
      for (const Channel& ch : stage.channels) {
        const auto& seats = instance.programs.SeatsIn(ch.seats);
        // A channel may also receive unfilled seats from another channel.
        bool receives = false;
        for (const Batch& source : rules.batches) {
          for (const Stage& ss : source.stages) {
            for (const Channel& from : ss.channels) {
              receives = receives || (from.unfilled.kind != Unfilled::Kind::kStay && from.unfilled.channel == ch.name &&
                                      (from.unfilled.kind == Unfilled::Kind::kSameStage ? &ss == &stage : from.unfilled.batch == batch.name));
            }
          }
        }
        if (!receives && std::none_of(seats.begin(), seats.end(), [](std::int32_t s) { return s > 0; })) continue;
        if (!first) first = &ch;
        if (rules.rankings[static_cast<std::size_t>(ch.ranking)].per_program) {
          return "serial dictatorship needs one order of candidates shared by every program, but in batch '" + batch.name +
                 "' channel '" + ch.name + "' ranks by '" + rules.rankings[static_cast<std::size_t>(ch.ranking)].name +
                 "', which reads program_score (each program orders its own applicants); use --matcher auto or general";
        }
        if (ch.ranking != first->ranking) {
          return "serial dictatorship needs every channel with seats in a batch to share one ranking, but in batch '" +
                 batch.name + "' channel '" + first->name + "' ranks by '" + rules.rankings[static_cast<std::size_t>(first->ranking)].name +
                 "' and channel '" + ch.name + "' by '" + rules.rankings[static_cast<std::size_t>(ch.ranking)].name +
                 "'; use --matcher auto or general";
        }
      }
    }
  }
  return {};
}

std::vector<Score> ComputeLines(const Rules& rules, const Instance& instance, std::vector<std::string>* notes) {
  std::vector<Score> values;
  const EvalContext ctx{instance.candidates, instance.programs, &values, &instance.program_scores};
  RankingCache rankings(rules, instance, ctx);
  ComputeLinesInto(rules, instance, rankings, &values, notes);
  return values;
}

Outcome Solve(const Rules& rules, const Instance& instance, const RunOptions& options) {
  const std::size_t n = instance.candidates.size();
  const std::size_t np = instance.programs.size();
  Outcome out;
  out.batch.assign(n, -1);
  out.stage.assign(n, -1);
  out.program.assign(n, kNone);
  out.channel.assign(n, 0);
  out.choice.assign(n, 0);
  const int threads = options.threads > 0 ? options.threads : tbb::this_task_arena::max_concurrency();
  // Allow more workers than cores when asked (tests run 8 threads on 2 cores); without this
  // TBB caps the arena and prints a warning.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    const EvalContext ctx{instance.candidates, instance.programs, &out.lines, &instance.program_scores};
    RankingCache rankings(rules, instance, ctx);
    if (options.progress) options.progress("lines and rankings");
    ComputeLinesInto(rules, instance, rankings, &out.lines, &out.line_notes);
    StageRunner runner(rules, instance, ctx, rankings, options, &out);
    std::vector<std::uint8_t> active(n, 1);  // not yet placed by an earlier batch or stage
    std::map<std::pair<std::size_t, std::size_t>, std::vector<std::int32_t>> later;  // seats flowing to later batches
    for (std::size_t b = 0; b < rules.batches.size(); ++b) {
      for (std::size_t s = 0; s < rules.batches[b].stages.size(); ++s) {
        std::vector<std::int32_t> incoming = later[{b, s}];
        incoming.resize(np * rules.batches[b].stages[s].channels.size(), 0);
        out.stages.push_back(runner.Run(b, s, incoming, &active, &later));
      }
    }
    rankings.Publish(&out);
  });
  return out;
}

}  // namespace zkmatch
