// The floor alone (bench/floor.h): parse candidates, programs and choices minimally, sort by
// total desc then id, one serial-dictatorship pass with plain capacity counters -- the least
// any matcher must do on the same files. match_bench measures it again in its own run and
// reports its rows as multiples of it (x_floor).
// Run from a Release build:  ./build/bench/floor_bench
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench_data.h"
#include "floor.h"
#include "floor_counters.h"

namespace zkmatch::bench {
namespace {

// Counters: the three phases in ms (per iteration), choices read, candidates placed.
void BM_Floor(benchmark::State& state, const std::string& profile) {
  const Dataset& d = Files(profile, static_cast<std::uint64_t>(state.range(0)));
  TimeFloor(state, d);
}

BENCHMARK_CAPTURE(BM_Floor, province, std::string("province"))
    ->Arg(12394)->Arg(100000)->Arg(1000000)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Floor, city, std::string("city"))
    ->Arg(12394)->Arg(100000)->Arg(1000000)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zkmatch::bench

BENCHMARK_MAIN();
