// The floor alone (bench/floor.h): parse candidates, programs and choices minimally, sort by
// total desc then id, one serial-dictatorship pass with plain capacity counters -- the least
// any matcher must do on the same files. match_bench measures it again in its own run and
// reports its rows as multiples of it (x_floor).
// Run from a Release build:  ./build/bench/floor_bench
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench_data.h"
#include "floor.h"

namespace zkmatch::bench {
namespace {

// Counters: the three phases in ms (per iteration), choices read, candidates placed.
void BM_Floor(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Files(profile, static_cast<std::uint64_t>(state.range(0)));
  FloorResult sum, last;
  for (auto _ : state) {
    last = RunFloor(d.dir);
    sum.parse_s += last.parse_s;
    sum.sort_s += last.sort_s;
    sum.match_s += last.match_s;
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["parse_ms"] = sum.parse_s / it * 1e3;
  state.counters["sort_ms"] = sum.sort_s / it * 1e3;
  state.counters["match_ms"] = sum.match_s / it * 1e3;
  state.counters["choices"] = static_cast<double>(last.choices);
  state.counters["placed"] = static_cast<double>(last.placed);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * d.bytes));
}

BENCHMARK_CAPTURE(BM_Floor, province, std::string("province"))
    ->Arg(12394)->Arg(100000)->Arg(1000000)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Floor, city, std::string("city"))
    ->Arg(12394)->Arg(100000)->Arg(1000000)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zkmatch::bench

BENCHMARK_MAIN();
