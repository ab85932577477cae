// Times the floor (bench/floor.h) over a generated dataset inside a Google Benchmark loop and
// reports its phases as counters; shared by floor_bench and match_bench so both rows mean the
// same thing. Returns the wall seconds per iteration.
#ifndef ZKMATCH_BENCH_FLOOR_COUNTERS_H_
#define ZKMATCH_BENCH_FLOOR_COUNTERS_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>

#include "bench_data.h"
#include "floor.h"

namespace zkmatch::bench {

inline double TimeFloor(benchmark::State& state, const Dataset& d) {
  FloorResult sum, last;
  const auto start = std::chrono::steady_clock::now();
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
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / it;
}

}  // namespace zkmatch::bench

#endif  // ZKMATCH_BENCH_FLOOR_COUNTERS_H_
