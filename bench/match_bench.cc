// Load, solve and render on generated city-shaped data (zkmatch gen --profile city), from a
// city to a province. Run from a Release build:  ./build/bench/match_bench
// Figures and the machine they were measured on: bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>

#include "zkmatch/generator.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/run_directory.h"

namespace zkmatch {
namespace {

// Generated inputs, written once per size and kept for the whole process.
struct Dataset {
  std::string dir;
  Rules rules;
  Instance instance;
  std::size_t bytes = 0;
};

const Dataset& Data(std::uint64_t n) {
  static std::map<std::uint64_t, std::unique_ptr<Dataset>> cache;
  auto& slot = cache[n];
  if (slot) return *slot;
  slot = std::make_unique<Dataset>();
  std::string tmpl = (std::filesystem::temp_directory_path() / "zkmatch-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) std::abort();
  slot->dir = tmpl + "/data";
  std::string error;
  auto files = Generate(GeneratorOptions{"city", n, 2025}, &error);
  for (const auto& f : files) slot->bytes += f.content.size();
  if (!WriteRunDirectory(slot->dir, files, false).empty()) std::abort();
  DiagnosticSink sink;
  slot->rules = *LoadRules(slot->dir + "/rules.yaml", sink);
  slot->instance = *LoadInputs(slot->rules, sink);
  return *slot;
}

void BM_Load(benchmark::State& state) {
  const Dataset& d = Data(static_cast<std::uint64_t>(state.range(0)));
  for (auto _ : state) {
    DiagnosticSink sink;
    auto inst = LoadInputs(d.rules, sink);
    benchmark::DoNotOptimize(inst);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * d.bytes));
}

void SolveWith(benchmark::State& state, MatchPath path) {
  const Dataset& d = Data(static_cast<std::uint64_t>(state.range(0)));
  RunOptions opt{static_cast<int>(state.range(1)), path};
  int rounds = 0;
  for (auto _ : state) {
    Outcome o = Solve(d.rules, d.instance, opt);
    rounds = o.stages.empty() ? 0 : o.stages[0].rounds;
    benchmark::DoNotOptimize(o);
  }
  state.counters["rounds"] = rounds;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.instance.candidates.size()));
}

// Rank + eligibility + match; serial dictatorship (every channel with seats shares a ranking
// would be required) is not applicable to this two-ranking data, so kAuto runs general DA.
void BM_SolveGeneral(benchmark::State& state) { SolveWith(state, MatchPath::kGeneral); }

void BM_Render(benchmark::State& state) {
  const Dataset& d = Data(static_cast<std::uint64_t>(state.range(0)));
  Outcome o = Solve(d.rules, d.instance, RunOptions{});
  for (auto _ : state) {
    std::string p = RenderPlacements(d.rules, d.instance, o);
    std::string c = RenderCutoffs(d.rules, d.instance, o);
    benchmark::DoNotOptimize(p);
    benchmark::DoNotOptimize(c);
  }
}

BENCHMARK(BM_Load)->Arg(12394)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SolveGeneral)->ArgsProduct({{12394, 100000, 1000000}, {1, 2}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Render)->Arg(12394)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zkmatch

BENCHMARK_MAIN();
