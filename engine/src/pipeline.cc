// Solve: lines, rankings, then every stage of every batch in order, with seat flows.
// See zkmatch/pipeline.h.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "eligibility.h"
#include "expression.h"
#include "lines.h"
#include "names.h"
#include "ranking.h"
#include "reassignment.h"
#include "seat_flows.h"
#include "seat_table.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

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
  // Ranking r at the entries of batch b's lists under a mechanism with bands of `width` choices
  // (BandedEntryRanking).
  const std::vector<std::uint32_t>& GetBanded(std::size_t r, std::size_t b, int width) {
    std::vector<std::uint32_t>& slot = banded_[{r, b, width}];
    const ChoiceLists& lists = instance_.choices[b];
    if (slot.empty() && !lists.program.empty()) {
      slot = rules_.rankings[r].per_program ? BandedEntryRanking(GetEntries(r, b), lists, instance_.programs.size(), width)
                                            : BandedEntryRanking(Get(r), lists, instance_.programs.size(), width);
    }
    return slot;
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
  std::map<std::tuple<std::size_t, std::size_t, int>, std::vector<std::uint32_t>> banded_;  // (ranking, batch, band width)
};


// Matches one stage, rerunning while unfilled seats flow inside it.
class StageRunner {
 public:
  StageRunner(const Rules& rules, const Instance& instance, const EvalContext& ctx, RankingCache& rankings,
              const RunOptions& options, Outcome* out)
      : rules_(rules), instance_(instance), ctx_(ctx), rankings_(rankings), options_(options), out_(out) {}

  // `incoming[p * nh + h]`: seats flowed in from earlier batches. Returns the finished result;
  // places candidates in `out_` and clears them from `active`; adds the seats this stage sends
  // to later batches to `later`.
  StageResult Run(std::size_t b, std::size_t s, const std::vector<std::int32_t>& incoming, std::vector<std::uint8_t>* active,
                  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::int32_t>>* later) {
    const Stage& stage = rules_.batches[b].stages[s];
    StageResult result;
    result.batch = static_cast<std::uint32_t>(b);
    result.stage = static_cast<std::uint32_t>(s);
    BatchProblem pb = Problem(b, stage, *active);
    SeatTable seats(stage, b, instance_, ctx_, InStage(b, s), incoming, &pb, &result);
    // Seats a computed allocation could not give any group (a count term matched nobody) are
    // unfilled from the start: they flow before the first pass.
    for (std::size_t h = 0; h < stage.channels.size(); ++h) {
      for (std::size_t p = 0; p < seats.no_group()[h].size(); ++p) {
        if (seats.no_group()[h][p] > 0) Move(&seats, b, s, 0, {p, h, kNone, seats.no_group()[h][p]});
      }
    }
    const BatchMatching m = MatchToFixpoint(b, s, &pb, &seats, &result);
    Place(b, s, m, &seats, active);
    SendToLaterBatches(b, s, seats, &result, later);
    return result;
  }

 private:
  // The matcher's problem for `stage` of batch b, less the seats: candidates, lists, rankings.
  BatchProblem Problem(std::size_t b, const Stage& stage, const std::vector<std::uint8_t>& active) {
    BatchProblem pb;
    pb.num_candidates = instance_.candidates.size();
    pb.num_programs = instance_.programs.size();
    pb.num_channels = stage.channels.size();
    pb.choices = &instance_.choices[b];
    const int width = stage.mechanism.BandWidth();
    for (const Channel& ch : stage.channels) {
      const std::size_t r = static_cast<std::size_t>(ch.ranking);
      if (width > 0) {  // each program orders its applicants by band first: per entry
        pb.rank.push_back(nullptr);
        pb.order.push_back(nullptr);
        pb.entry_rank.push_back(rankings_.GetBanded(r, b, width).data());
        pb.ranking_id.push_back(ch.ranking);
        continue;
      }
      const bool per_program = rules_.rankings[r].per_program;
      pb.rank.push_back(per_program ? nullptr : rankings_.Get(r).rank.data());
      pb.order.push_back(per_program ? nullptr : rankings_.Get(r).order.data());
      pb.entry_rank.push_back(per_program ? rankings_.GetEntries(r, b).data() : nullptr);
      pb.ranking_id.push_back(ch.ranking);
    }
    pb.active = active;
    return pb;
  }

  // Matches, moves the seats each pass left empty, and matches again until none moves.
  BatchMatching MatchToFixpoint(std::size_t b, std::size_t s, BatchProblem* pb, SeatTable* seats, StageResult* result) {
    const Stage& stage = rules_.batches[b].stages[s];
    const std::vector<std::uint32_t> conditions = ComputeConditions(stage, *pb->choices, pb->active, InStage(b, s), ctx_);
    for (int pass = 1;; ++pass) {
      if (options_.progress) {
        options_.progress("batch " + rules_.batches[b].name + (stage.name.empty() ? "" : ", stage " + stage.name) +
                          (pass > 1 ? ", pass " + std::to_string(pass) + " after seats flowed" : ""));
      }
      ApplySeats(conditions, pb);
      BatchMatching m = MatchBatch(*pb, MatchOptions{options_.threads, options_.path});
      result->passes = pass;
      result->rounds = m.rounds;
      const std::vector<EmptySeats> empty = EmptySeatsAfterPass(stage, *pb, m);
      if (empty.empty()) return m;
      for (const EmptySeats& e : empty) Move(seats, b, s, pass, e);
    }
  }

  // Records the stage's placements in the outcome and the rows' admitted counts and cut-offs.
  void Place(std::size_t b, std::size_t s, const BatchMatching& m, SeatTable* seats, std::vector<std::uint8_t>* active) {
    for (std::size_t c = 0; c < instance_.candidates.size(); ++c) {
      if (m.program[c] == kNone) continue;
      out_->batch[c] = static_cast<std::int32_t>(b);
      out_->stage[c] = static_cast<std::int32_t>(s);
      out_->program[c] = m.program[c];
      out_->channel[c] = m.channel[c];
      out_->choice[c] = m.choice[c];
      (*active)[c] = 0;
      SeatRow& row = seats->RowOf(static_cast<CandidateIndex>(c), m.program[c], m.channel[c]);
      ++row.admitted;
      const Score t = instance_.candidates.total[c];
      if (row.cutoff_total == kMissingScore || t < row.cutoff_total) row.cutoff_total = t;
    }
  }

  // Seats still empty after the last pass whose channel sends them to a later batch go, once,
  // to the first stage of that batch that runs the program and has the channel (CheckPolicy
  // refuses rules where none does). Rows first, then split seats no group received.
  void SendToLaterBatches(std::size_t b, std::size_t s, const SeatTable& seats, StageResult* result,
                          std::map<std::pair<std::size_t, std::size_t>, std::vector<std::int32_t>>* later) {
    const Stage& stage = rules_.batches[b].stages[s];
    const std::size_t np = instance_.programs.size();
    auto send = [&](ProgramIndex p, ChannelIndex h, std::uint32_t g, std::int32_t free, SeatRow* row) {
      const Unfilled& u = stage.channels[h].unfilled;
      const auto to = LaterBatchTarget(rules_, u, p, [this](std::size_t tb, std::size_t ts) -> const std::vector<std::uint8_t>& { return InStage(tb, ts); });
      if (!to) return;
      const std::size_t tb = static_cast<std::size_t>(u.batch_index);
      const std::size_t tnh = rules_.batches[tb].stages[to->stage].channels.size();
      auto& in = (*later)[std::make_pair(tb, to->stage)];
      if (in.empty()) in.assign(np * tnh, 0);
      in[p * tnh + to->channel] += free;
      if (row) row->flowed_out += free;
      out_->flows.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s), result->passes, p, h, g, static_cast<std::uint32_t>(tb),
                             static_cast<std::uint32_t>(to->stage), ChannelIndex(to->channel), free});
    };
    for (SeatRow& row : result->seats) {
      const std::int32_t free = row.capacity() - row.admitted;
      if (stage.channels[row.channel].unfilled.kind == Unfilled::Kind::kLaterBatch && free > 0) send(row.program, row.channel, row.group, free, &row);
    }
    for (std::size_t h = 0; h < stage.channels.size(); ++h) {
      if (stage.channels[h].unfilled.kind != Unfilled::Kind::kLaterBatch) continue;
      for (std::size_t p = 0; p < seats.no_group()[h].size(); ++p) {
        if (seats.no_group()[h][p] > 0) send(static_cast<ProgramIndex>(p), ChannelIndex(h), kNone, seats.no_group()[h][p], nullptr);
      }
    }
  }

  // Moves empty seats to the channel's same-stage target (if it has one) and records the flow.
  void Move(SeatTable* seats, std::size_t b, std::size_t s, int pass, const EmptySeats& e) {
    const Unfilled& u = rules_.batches[b].stages[s].channels[e.h].unfilled;
    if (u.kind != Unfilled::Kind::kSameStage) return;  // the seats stay empty
    const std::size_t t = static_cast<std::size_t>(u.channel_index);
    seats->Move(e.p, e.h, e.g, t, e.seats);
    out_->flows.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s), pass, static_cast<ProgramIndex>(e.p),
                           ChannelIndex(e.h), e.g, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s), ChannelIndex(t), e.seats});
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

// Why serial dictatorship cannot run these rules; empty when it can.
std::string WhySerialDictatorshipCannotRun(const Rules& rules, const Instance& instance) {
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
        if (stage.mechanism.kind != Mechanism::Kind::kDeferredAcceptance) {
          return "serial dictatorship is deferred acceptance with one order of candidates, but batch '" + batch.name + "'" +
                 (stage.name.empty() ? std::string() : " stage '" + stage.name + "'") + " runs mechanism " + Name(stage.mechanism.kind) +
                 " (each program puts earlier choices first); use --matcher auto or general";
        }
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

}  // namespace

Status CheckMatchPath(const Rules& rules, const Instance& instance, MatchPath path) {
  if (path != MatchPath::kSerialDictatorship) return Status::Ok();
  std::string why = WhySerialDictatorshipCannotRun(rules, instance);
  if (!why.empty()) return Status::BadInput(std::move(why));
  return Status::Ok();
}


Outcome Solve(const Rules& rules, const Instance& instance, const RunOptions& options) {
  const std::size_t n = instance.candidates.size();
  const std::size_t np = instance.programs.size();
  Outcome out;
  out.batch.assign(n, -1);
  out.stage.assign(n, -1);
  out.program.assign(n, kNoProgram);
  out.channel.assign(n, ChannelIndex{0});
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
    ComputeLinesWith(rules, instance, [&](std::size_t r) -> const RankedOrder& { return rankings.Get(r); }, &out.lines, &out.line_notes);
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
    if (rules.reassignment) {
      if (options.progress) options.progress("reassignment");
      Reassign(rules, instance, ctx, rankings.Get(static_cast<std::size_t>(rules.reassignment->ranking)), &out);
    }
    rankings.Publish(&out);
  });
  return out;
}

}  // namespace zkmatch
