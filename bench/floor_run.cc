// The floor (bench/floor.h) as a process of its own, to be timed the way `zkmatch run` is:
//
//   /usr/bin/time ./build/bench/floor_run /tmp/p1m     # the files of zkmatch gen --profile province
//
// Issue 18 states its province target against such a process ("a minimal parse + sort +
// serial-dictatorship program over the same CSV files"). floor_bench times the same code
// in-process, where every iteration after the first finds its memory already mapped; a process
// starts with none, as `run` does. Prints what it read and placed, and its phases.
#include <cstdio>

#include "floor.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: floor_run DIR  (DIR: candidates.csv, programs.csv and choices.csv as zkmatch gen writes them)\n");
    return 2;
  }
  const zkmatch::bench::FloorResult r = zkmatch::bench::RunFloor(argv[1]);
  std::printf("floor: %zu candidates, %zu programs, %zu choices, %zu placed; parse %.3f s, sort %.3f s, match %.3f s\n", r.candidates, r.programs,
              r.choices, r.placed, r.parse_s, r.sort_s, r.match_s);
  return 0;
}
