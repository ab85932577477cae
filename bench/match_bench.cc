// Load, solve and render on generated data (zkmatch gen), from a city to a province, each row
// also as a multiple of the floor (bench/floor.h) measured in the same process.
// Run from a Release build:  ./build/bench/match_bench
// Figures and the machine they were measured on: bench/RESULTS.md.
//
// Rows:
//   BM_Floor, BM_Load, BM_SolveGeneral, BM_Render    city profile (two rankings: general DA)
//   BM_ProvinceFloor, BM_ProvinceLoad, BM_ProvinceSolve, BM_ProvinceRender,
//   BM_ProvinceEndToEnd                               province profile (one ranking: the
//                                                     serial-dictatorship path)
//   BM_ProvinceSolveDaGeneral, BM_ProvinceSolveImmediate,
//   BM_ProvinceSolveBands2                            the province instance under deferred
//                                                     acceptance (general path), immediate
//                                                     acceptance and bands of 2
//   BM_ProvinceVerify, BM_HrVerify                    `zkmatch verify` of a run of the instance
//                                                     (written once, outside the timing): its
//                                                     digests, rankings, deferred acceptance and
//                                                     audit log, to compare with *EndToEnd
//   BM_HrFloor, BM_HrLoad, BM_HrRank, BM_HrSolve,
//   BM_HrEndToEnd                                     hr profile (per-program scores: every
//                                                     program ranks its own applicants; general
//                                                     DA). Its floor reads the same three files
//                                                     and sorts by total: program_scores.csv
//                                                     (one row per choice) is not in it.
// Arguments: candidates[, threads]. Times are wall-clock (UseRealTime).
// Counters: x_floor = this row's time per iteration / the floor's at the same size, the floor
// being its BM_*Floor row of this run (measured on the spot when that row is filtered out).
#include <benchmark/benchmark.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <utility>

#include "bench_data.h"
#include "floor_counters.h"
#include "floor.h"
#include "ranking.h"
#include "zkmatch/admission.h"
#include "zkmatch/audit.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/verify.h"

namespace zkmatch::bench {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kCity = "city";
const std::string kProvince = "province";
const std::string kHr = "hr";

// Mean wall seconds per iteration of the floor, per (profile, candidates).
std::map<std::pair<std::string, std::uint64_t>, double>& FloorCache() {
  static std::map<std::pair<std::string, std::uint64_t>, double> cache;
  return cache;
}

double FloorSeconds(const std::string& profile, std::uint64_t n) {
  double& s = FloorCache()[{profile, n}];
  if (s == 0) {  // the floor row did not run: median of three
    const std::string& dir = Files(profile, n).dir;
    double t[3];
    for (double& x : t) {
      const auto a = Clock::now();
      benchmark::DoNotOptimize(RunFloor(dir));
      x = std::chrono::duration<double>(Clock::now() - a).count();
    }
    std::sort(t, t + 3);
    s = t[1];
  }
  return s;
}

// Times the benchmark loop on the wall clock, for the x_floor counter.
class FloorRatio {
 public:
  FloorRatio(const std::string& profile, std::uint64_t n) : floor_(FloorSeconds(profile, n)), start_(Clock::now()) {}
  void Report(benchmark::State& state) const {
    const double per = std::chrono::duration<double>(Clock::now() - start_).count() / static_cast<double>(state.iterations());
    state.counters["x_floor"] = per / floor_;
  }

 private:
  double floor_;
  Clock::time_point start_;
};

std::uint64_t Size(const benchmark::State& state) { return static_cast<std::uint64_t>(state.range(0)); }
int Threads(const benchmark::State& state) { return static_cast<int>(state.range(1)); }

// Solve split into its steps by the progress callback: rank_ms (lines and rankings) and
// match_ms (from the first batch on: eligibility, seats and the matcher), last iteration.
struct SolveSteps {
  Clock::time_point start, ranked;
  void Attach(RunOptions* opt) {
    opt->progress = [this](const std::string& step) {
      if (step.rfind("batch", 0) == 0 && ranked == Clock::time_point{}) ranked = Clock::now();
    };
  }
  void Begin() {
    start = Clock::now();
    ranked = {};
  }
  void Report(benchmark::State& state) const {
    const auto end = Clock::now();
    const auto ranked_at = ranked == Clock::time_point{} ? end : ranked;  // no batch ran: all ranking
    state.counters["rank_ms"] = std::chrono::duration<double, std::milli>(ranked_at - start).count();
    state.counters["match_ms"] = std::chrono::duration<double, std::milli>(end - ranked_at).count();
  }
};

// Times Solve (threads from the row's second argument) with its rank_ms and match_ms, the
// rounds of the first stage (0: serial dictatorship) and candidates per second; returns the
// last outcome.
Outcome SolveRow(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Data(profile, Size(state));
  RunOptions opt{Threads(state), MatchPath::kAuto};
  SolveSteps steps;
  steps.Attach(&opt);
  FloorRatio ratio(profile, Size(state));
  Outcome o;
  for (auto _ : state) {
    steps.Begin();
    o = Solve(*d.rules, *d.instance, opt);
    state.PauseTiming();
    steps.Report(state);
    state.ResumeTiming();
    benchmark::DoNotOptimize(o);
  }
  ratio.Report(state);
  state.counters["rounds"] = o.stages.empty() ? -1 : o.stages[0].rounds;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.instance->candidates.size()));
  return o;
}

void FloorRow(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Files(profile, Size(state));
  FloorCache()[{profile, Size(state)}] = TimeFloor(state, d);
  state.counters["x_floor"] = 1;
}

void LoadRow(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Data(profile, Size(state));
  FloorRatio ratio(profile, Size(state));
  for (auto _ : state) {
    DiagnosticSink sink;
    auto inst = LoadInputs(*d.rules, sink);
    benchmark::DoNotOptimize(inst);
  }
  ratio.Report(state);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * d.bytes));
}

// ---- city: two rankings (arts channel ranked by arts score, open channel by total) ----------

void BM_Floor(benchmark::State& state) { FloorRow(state, kCity); }
void BM_Load(benchmark::State& state) { LoadRow(state, kCity); }

// Rank + eligibility + match; serial dictatorship (every channel with seats sharing a ranking
// would be required) is not applicable to this two-ranking data, so kAuto runs general DA.
void BM_SolveGeneral(benchmark::State& state) {
  const Dataset& d = Data(kCity, Size(state));
  const RunOptions opt{Threads(state), MatchPath::kGeneral};
  FloorRatio ratio(kCity, Size(state));
  int rounds = 0;
  for (auto _ : state) {
    Outcome o = Solve(*d.rules, *d.instance, opt);
    rounds = o.stages.empty() ? 0 : o.stages[0].rounds;
    benchmark::DoNotOptimize(o);
  }
  ratio.Report(state);
  state.counters["rounds"] = rounds;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.instance->candidates.size()));
}

// placements.csv + cutoffs.csv only.
void BM_Render(benchmark::State& state) {
  const Dataset& d = Data(kCity, Size(state));
  const Outcome o = Solve(*d.rules, *d.instance, RunOptions{});
  FloorRatio ratio(kCity, Size(state));
  for (auto _ : state) {
    std::string p = RenderPlacements(*d.rules, *d.instance, o);
    std::string c = RenderCutoffs(*d.rules, *d.instance, o);
    benchmark::DoNotOptimize(p);
    benchmark::DoNotOptimize(c);
  }
  ratio.Report(state);
}

// ---- province: one ranking, 12 choices, ~1,000 programs at 1M -------------------------------

void BM_ProvinceFloor(benchmark::State& state) { FloorRow(state, kProvince); }
void BM_ProvinceLoad(benchmark::State& state) { LoadRow(state, kProvince); }

// Rank + match on the auto path (serial dictatorship here). Counter agrees_with_floor: 1 when
// every candidate is placed at the same program as by the floor's own pass.
void BM_ProvinceSolve(benchmark::State& state) {
  const Dataset& d = Data(kProvince, Size(state));
  const Outcome o = SolveRow(state, kProvince);
  std::vector<std::uint32_t> floor_at;
  RunFloor(d.dir, &floor_at);
  bool agree = floor_at.size() == o.program.size();
  for (std::size_t c = 0; agree && c < floor_at.size(); ++c) {
    agree = (floor_at[c] == UINT32_MAX) == (o.program[c] == kNone) && (o.program[c] == kNone || o.program[c] == floor_at[c]);
  }
  state.counters["agrees_with_floor"] = agree ? 1 : 0;
}

// The province data under another mechanism (rules/README.md, "Mechanisms"), every stage: band
// 0 = deferred acceptance on the general path (the baseline of the same instance: serial
// dictatorship does not apply to the mechanisms), 1 = immediate acceptance, 2 = bands of two.
void MechanismRow(benchmark::State& state, int band) {
  const Dataset& d = Data(kProvince, Size(state));
  Rules rules = *d.rules;
  for (Batch& b : rules.batches) {
    for (Stage& s : b.stages) {
      s.mechanism.kind = band == 0 ? Mechanism::Kind::kDeferredAcceptance : band == 1 ? Mechanism::Kind::kImmediateAcceptance : Mechanism::Kind::kParallel;
      s.mechanism.band = band;
    }
  }
  const RunOptions opt{Threads(state), MatchPath::kGeneral};
  FloorRatio ratio(kProvince, Size(state));
  std::size_t placed = 0;
  for (auto _ : state) {
    Outcome o = Solve(rules, *d.instance, opt);
    state.PauseTiming();
    placed = static_cast<std::size_t>(std::count_if(o.program.begin(), o.program.end(), [](ProgramIndex p) { return p != kNone; }));
    state.counters["rounds"] = o.stages.empty() ? -1 : o.stages[0].rounds;
    state.ResumeTiming();
    benchmark::DoNotOptimize(o);
  }
  ratio.Report(state);
  state.counters["placed"] = static_cast<double>(placed);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.instance->candidates.size()));
}

void BM_ProvinceSolveDaGeneral(benchmark::State& state) { MechanismRow(state, 0); }
void BM_ProvinceSolveImmediate(benchmark::State& state) { MechanismRow(state, 1); }
void BM_ProvinceSolveBands2(benchmark::State& state) { MechanismRow(state, 2); }

// Every output of a run, audit.jsonl and manifest.json included, rendered in memory (not
// written), from a solved instance; the audit writer runs on a TBB arena of `threads`.
void RenderRunRow(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Data(profile, Size(state));
  const Outcome o = Solve(*d.rules, *d.instance, RunOptions{Threads(state), MatchPath::kAuto});
  const RunIdentity identity = IdentifyRun(*d.rules);
  tbb::task_arena arena(Threads(state));
  FloorRatio ratio(profile, Size(state));
  std::size_t bytes = 0;
  for (auto _ : state) {
    arena.execute([&] {
      const std::vector<OutputFile> files = RenderRun(*d.rules, *d.instance, o, identity);
      bytes = 0;
      for (const OutputFile& f : files) bytes += f.content.size();
      benchmark::DoNotOptimize(files);
    });
  }
  ratio.Report(state);
  state.counters["out_MB"] = static_cast<double>(bytes) / 1e6;
}
void BM_ProvinceRender(benchmark::State& state) { RenderRunRow(state, kProvince); }
void BM_HrRender(benchmark::State& state) { RenderRunRow(state, kHr); }

// What `zkmatch run` does short of writing the directory: load the rules, digest the inputs,
// load and check them, solve, render every output including the audit log.
void EndToEndRow(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Data(profile, Size(state));
  const int threads = Threads(state);
  tbb::task_arena arena(threads);
  FloorRatio ratio(profile, Size(state));
  for (auto _ : state) {
    arena.execute([&] {
      DiagnosticSink sink;
      const auto rules = LoadRules(d.dir + "/rules.yaml", sink);
      const RunIdentity identity = IdentifyRun(*rules);
      const auto instance = LoadInputs(*rules, sink);
      if (!instance || !CheckMatchPath(*rules, *instance, MatchPath::kAuto).ok()) std::abort();
      const Outcome o = Solve(*rules, *instance, RunOptions{threads, MatchPath::kAuto});
      if (!CheckPolicy(*rules, *instance, sink, &o.lines).ok()) std::abort();
      const std::vector<OutputFile> files = RenderRun(*rules, *instance, o, identity);
      benchmark::DoNotOptimize(files);
    });
  }
  ratio.Report(state);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * d.bytes));
}

void BM_ProvinceEndToEnd(benchmark::State& state) { EndToEndRow(state, kProvince); }

// `zkmatch verify` of a run of the instance, written once (inputs linked into its bundle) to
// root/run before the timing. Verify has no thread option: it uses every core.
void VerifyRow(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Data(profile, Size(state));
  const std::string run = d.root + "/run";
  if (!std::filesystem::exists(run + "/manifest.json")) {
    DiagnosticSink sink;
    AdmissionRequest request;
    request.rules_path = d.dir + "/rules.yaml";
    Result<Admission> a = RunAdmission(request, sink);
    if (!a) std::abort();
    for (OutputFile& f : a->files) f.link = true;
    if (!WriteRunDirectory(run, a->files, /*force=*/true).ok()) std::abort();
  }
  FloorRatio ratio(profile, Size(state));
  for (auto _ : state) {
    DiagnosticSink sink;
    const Result<VerifyReport> report = VerifyRun("", run, sink);
    if (!report || !report->violations.empty()) std::abort();
    benchmark::DoNotOptimize(report);
  }
  ratio.Report(state);
}

void BM_ProvinceVerify(benchmark::State& state) { VerifyRow(state, kProvince); }
void BM_HrVerify(benchmark::State& state) { VerifyRow(state, kHr); }

// ---- hr: per-program scores, 10 choices, one program per 1,000 candidates -------------------

void BM_HrFloor(benchmark::State& state) { FloorRow(state, kHr); }
void BM_HrLoad(benchmark::State& state) { LoadRow(state, kHr); }

// The per-program ranking alone: every program's applicants sorted by its scores.
void BM_HrRank(benchmark::State& state) {
  const Dataset& d = Data(kHr, Size(state));
  tbb::task_arena arena(Threads(state));
  FloorRatio ratio(kHr, Size(state));
  const std::vector<Score> lines;
  const EvalContext ctx{d.instance->candidates, d.instance->programs, &lines, &d.instance->program_scores};
  for (auto _ : state) {
    arena.execute([&] {
      auto ranks = ComputeEntryRanking(d.rules->rankings[0], ctx, d.instance->choices[0], d.rules->seed);
      benchmark::DoNotOptimize(ranks);
    });
  }
  ratio.Report(state);
}

// Rank + match (general deferred acceptance: serial dictatorship does not apply).
void BM_HrSolve(benchmark::State& state) { SolveRow(state, kHr); }

void BM_HrEndToEnd(benchmark::State& state) { EndToEndRow(state, kHr); }

constexpr std::int64_t kSizes[] = {12394, 100000, 1000000};

void Sizes(benchmark::internal::Benchmark* b) {
  for (std::int64_t n : kSizes) b->Arg(n);
}
void SizesThreads(benchmark::internal::Benchmark* b) {
  for (std::int64_t n : kSizes) {
    for (std::int64_t t : {1, 2}) b->Args({n, t});
  }
}

// Floors first: later rows of the same size divide by them.
BENCHMARK(BM_Floor)->Apply(Sizes)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceFloor)->Apply(Sizes)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HrFloor)->Apply(Sizes)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Load)->Apply(Sizes)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SolveGeneral)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Render)->Apply(Sizes)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceLoad)->Apply(Sizes)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceSolve)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceSolveDaGeneral)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceSolveImmediate)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceSolveBands2)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceRender)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceEndToEnd)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProvinceVerify)->Apply(Sizes)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HrLoad)->Apply(Sizes)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HrRank)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HrRender)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HrSolve)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HrEndToEnd)->Apply(SizesThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HrVerify)->Apply(Sizes)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zkmatch::bench

BENCHMARK_MAIN();
