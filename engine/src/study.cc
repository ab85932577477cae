// Rank distributions and justified envy of a run (zkmatch/study.h).
#include "zkmatch/study.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "eligibility.h"
#include "expression.h"
#include "ranking.h"
#include "run_format.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/replay.h"

namespace zkmatch {
namespace {

bool ReadsChoiceRank(const Ranking& r) {
  return std::any_of(r.keys.begin(), r.keys.end(), [](const RankingKey& k) { return ReferencesChoiceRank(*k.expr); });
}

std::string MechanismName(const Mechanism& m) {
  switch (m.kind) {
    case Mechanism::Kind::kDeferredAcceptance: return "deferred acceptance";
    case Mechanism::Kind::kImmediateAcceptance: return "immediate acceptance";
    case Mechanism::Kind::kParallel: break;
  }
  return "bands of " + std::to_string(m.band);
}

// The batch's mechanism as BatchStudy::mechanism says it, and whether choice order counts.
void DescribeMechanism(const Rules& rules, const Batch& batch, BatchStudy* out) {
  std::string name;
  bool ranked_by_choice = false;
  for (const Stage& st : batch.stages) {
    const std::string here = MechanismName(st.mechanism);
    name = name.empty() || name == here ? here : "mixed";
    out->choice_order = out->choice_order || st.mechanism.kind != Mechanism::Kind::kDeferredAcceptance;
    for (const Channel& ch : st.channels) ranked_by_choice = ranked_by_choice || ReadsChoiceRank(rules.rankings[static_cast<std::size_t>(ch.ranking)]);
  }
  out->choice_order = out->choice_order || ranked_by_choice;
  out->mechanism = name + (ranked_by_choice ? " + choice_rank ranking" : "");
}

// Priority in one ranking at program p with the choice order removed: -1 when a comes first,
// 1 when b does, 0 when tied (admit_all). Missing values rank last in either direction.
class Priority {
 public:
  Priority(const Rules& rules, const EvalContext& ctx) : rules_(rules), ctx_(ctx) {}
  int Compare(const Ranking& r, CandidateIndex a, CandidateIndex b, ProgramIndex p) const {
    for (const RankingKey& k : r.keys) {
      const Score x = EvaluateNumber(*k.expr, ctx_, a, p, 1), y = EvaluateNumber(*k.expr, ctx_, b, p, 1);
      if (x == y) continue;
      if (x == kMissingScore) return 1;
      if (y == kMissingScore) return -1;
      return (x > y) == k.descending ? -1 : 1;
    }
    const std::string& ia = ctx_.candidates.id[a];
    const std::string& ib = ctx_.candidates.id[b];
    switch (r.last_tie) {
      case LastTie::kAdmitAll: return 0;
      case LastTie::kLottery: {
        const std::uint64_t la = LotteryNumber(rules_.seed, ia), lb = LotteryNumber(rules_.seed, ib);
        if (la != lb) return la < lb ? -1 : 1;
        break;
      }
      case LastTie::kId: break;
    }
    return ia == ib ? 0 : ia < ib ? -1 : 1;
  }

 private:
  const Rules& rules_;
  const EvalContext& ctx_;
};

struct Placed {
  std::int32_t batch = -1, stage = -1, channel = -1;
  ProgramIndex program = kNoProgram;
  std::int32_t choice_rank = 0;
};

// placements.csv's rows by candidate index, resolved against the rules.
std::vector<Placed> ResolvePlacements(const Rules& rules, const Instance& inst, const std::vector<PlacementRow>& rows) {
  std::vector<Placed> out(inst.candidates.size());
  const auto& ids = inst.candidates.id;
  const auto& codes = inst.programs.code;
  for (const PlacementRow& row : rows) {
    if (!row.placed()) continue;
    auto c = std::lower_bound(ids.begin(), ids.end(), row.id);
    auto p = std::lower_bound(codes.begin(), codes.end(), row.program);
    const int b = rules.FindBatch(row.batch);
    if (c == ids.end() || *c != row.id || p == codes.end() || *p != row.program || b < 0) continue;
    Placed& pl = out[static_cast<std::size_t>(c - ids.begin())];
    const Batch& batch = rules.batches[static_cast<std::size_t>(b)];
    for (std::size_t s = 0; s < batch.stages.size(); ++s) {
      if (batch.stages[s].name != row.stage) continue;
      for (std::size_t h = 0; h < batch.stages[s].channels.size(); ++h) {
        if (batch.stages[s].channels[h].name == row.channel) pl = {b, static_cast<std::int32_t>(s), static_cast<std::int32_t>(h), static_cast<ProgramIndex>(p - codes.begin()), row.choice_rank};
      }
    }
  }
  return out;
}

// The group of candidate c in a split channel (kNone when not split or no value).
std::uint32_t GroupOf(const Instance& inst, const Channel& ch, CandidateIndex c) {
  if (ch.split_by.empty()) return kNone;
  const Column* col = inst.candidates.FindColumn(ch.split_by);
  return col && !col->numeric ? col->text[c] : kNone;
}

// Whether c's entry k (of `lists`) may compete for channel `ch` at its program.
bool Competes(const EvalContext& ctx, const ChoiceLists& lists, const Channel& ch, CandidateIndex c, std::uint32_t k) {
  if (const std::string* tied = lists.TiedChannel(k); tied && *tied != ch.name) return false;
  const auto choice_rank = static_cast<std::int32_t>(k - lists.offset[c] + 1);
  return !ch.eligible || EvaluateCondition(*ch.eligible, ctx, c, lists.program[k], choice_rank);
}

// Justified envy of batch b: marks envious candidates in `envious` and returns their count.
std::int64_t CountEnvy(const Rules& rules, const Instance& inst, const EvalContext& ctx, std::size_t b, const std::vector<Placed>& placed,
                       std::vector<std::uint8_t>* envious) {
  const Batch& batch = rules.batches[b];
  const ChoiceLists& lists = inst.choices[b];
  const Priority priority(rules, ctx);
  // The holder each block would lose first: (stage, program, channel, group) -> worst holder.
  std::map<std::tuple<std::int32_t, ProgramIndex, std::int32_t, std::uint32_t>, CandidateIndex> worst;
  for (std::size_t c = 0; c < placed.size(); ++c) {
    const Placed& pl = placed[c];
    if (pl.batch != static_cast<std::int32_t>(b)) continue;
    const Channel& ch = batch.stages[static_cast<std::size_t>(pl.stage)].channels[static_cast<std::size_t>(pl.channel)];
    const Ranking& r = rules.rankings[static_cast<std::size_t>(ch.ranking)];
    const auto ci = static_cast<CandidateIndex>(c);
    auto [it, fresh] = worst.try_emplace({pl.stage, pl.program, pl.channel, GroupOf(inst, ch, ci)}, ci);
    if (!fresh && priority.Compare(r, ci, it->second, pl.program) > 0) it->second = ci;
  }
  std::vector<std::vector<std::uint8_t>> in_stage;
  for (const Stage& st : batch.stages) in_stage.push_back(ProgramsInStage(st, ctx));
  std::int64_t count = 0;
  for (std::size_t c = 0; c < placed.size(); ++c) {
    const Placed& pl = placed[c];
    if (pl.batch >= 0 && pl.batch < static_cast<std::int32_t>(b)) continue;  // placed in an earlier batch
    const bool here = pl.batch == static_cast<std::int32_t>(b);
    const auto ci = static_cast<CandidateIndex>(c);
    const std::uint32_t end = here ? lists.offset[c] + static_cast<std::uint32_t>(pl.choice_rank - 1) : lists.offset[c + 1];
    bool envy = false;
    for (std::uint32_t k = lists.offset[c]; k < end && !envy; ++k) {
      const ProgramIndex p = lists.program[k];
      for (std::size_t s = 0; s < batch.stages.size() && !envy; ++s) {
        if (!in_stage[s][p] || (here && static_cast<std::int32_t>(s) > pl.stage)) continue;  // c no longer takes part there
        const Stage& st = batch.stages[s];
        for (std::size_t h = 0; h < st.channels.size() && !envy; ++h) {
          const Channel& ch = st.channels[h];
          const std::uint32_t group = GroupOf(inst, ch, ci);
          if (!ch.split_by.empty() && group == kNone) continue;  // no share of a split channel
          auto it = worst.find({static_cast<std::int32_t>(s), p, static_cast<std::int32_t>(h), group});
          if (it == worst.end() || !Competes(ctx, lists, ch, ci, k)) continue;
          envy = priority.Compare(rules.rankings[static_cast<std::size_t>(ch.ranking)], ci, it->second, p) < 0;
        }
      }
    }
    if (envy) {
      (*envious)[c] = 1;
      ++count;
    }
  }
  return count;
}

}  // namespace

RunStudy StudyPlacements(const Rules& rules, const Instance& inst, const std::vector<PlacementRow>& placements) {
  RunStudy study;
  const std::vector<Placed> placed = ResolvePlacements(rules, inst, placements);
  std::vector<std::string> notes;
  const std::vector<Score> line_values = ComputeLines(rules, inst, &notes);
  const EvalContext ctx{inst.candidates, inst.programs, &line_values};
  study.outcome.resize(placed.size());
  for (std::size_t c = 0; c < placed.size(); ++c) study.outcome[c] = {placed[c].batch, placed[c].choice_rank};
  study.envious.assign(placed.size(), 0);
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    BatchStudy bs;
    bs.batch = rules.batches[b].name;
    DescribeMechanism(rules, rules.batches[b], &bs);
    const ChoiceLists& lists = inst.choices[b];
    for (std::size_t c = 0; c < placed.size(); ++c) {
      if (placed[c].batch >= 0 && placed[c].batch < static_cast<std::int32_t>(b)) continue;
      if (placed[c].batch == static_cast<std::int32_t>(b)) {
        const auto k = static_cast<std::size_t>(std::max(placed[c].choice_rank, 1) - 1);
        if (bs.at_choice.size() <= k) bs.at_choice.resize(k + 1, 0);
        ++bs.at_choice[k];
      } else if (lists.offset[c] != lists.offset[c + 1]) {
        ++bs.unplaced;
      }
    }
    bs.justified_envy = CountEnvy(rules, inst, ctx, b, placed, &study.envious);
    study.batches.push_back(std::move(bs));
  }
  return study;
}

Result<RunStudy> StudyRun(const std::string& run_dir, DiagnosticSink& sink, Instance* instance_out) {
  // The rules as the run read them: from a bundle, its own copies of the inputs (not the paths
  // the rules file gives, which are relative to where it was run).
  RecordedRun recorded;
  auto rules = LoadRecordedRules(run_dir, sink, "refusing to study the run: ", &recorded);
  if (!rules) return rules.status();
  auto instance = LoadRecordedInputs(recorded, *rules, sink, "refusing to study the run: ");
  if (!instance) return instance.status();
  std::vector<PlacementRow> placements;
  if (!ReadPlacementsCsv(run_dir, &placements, sink)) return Status::FromSink(sink, "the run's placements.csv");
  RunStudy study = StudyPlacements(*rules, *instance, placements);
  if (instance_out) *instance_out = std::move(*instance);
  return study;
}

}  // namespace zkmatch
