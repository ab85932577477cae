// Unit tests for seat_flows.h, beside the unit, with hand-built problems and matches:
//   - EmptySeatsAfterPass counts, from one pass's match alone, the empty seats of each channel
//     that sends its unfilled seats within the stage (per group for a split channel), and no
//     others; channel, program, group order;
//   - LaterBatchTarget finds the first stage of the target batch that runs the program and has
//     the named channel, and nothing when none does.
#include "seat_flows.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "zkmatch/match.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

Channel Named(const std::string& name, Unfilled::Kind unfilled) {
  Channel ch;
  ch.name = name;
  ch.unfilled.kind = unfilled;
  return ch;
}

// Two programs; channels: 0 balanced (split in 2 groups, flows), 1 local (flows), 2 general
// (keeps its empty seats). Candidates 0..4.
struct Fixture {
  Stage stage;
  BatchProblem pb;
  std::vector<std::uint32_t> group = {0, 1, 0, 1, 0};
  BatchMatching m;

  Fixture() {
    stage.channels = {Named("balanced", Unfilled::Kind::kSameStage), Named("local", Unfilled::Kind::kSameStage),
                      Named("general", Unfilled::Kind::kStay)};
    pb.num_candidates = 5;
    pb.num_programs = 2;
    pb.num_channels = 3;
    // capacity[p * 3 + h]: P0: balanced 3 (2 + 1), local 1, general 2; P1: balanced 1 (0 + 1), local 2, general 1.
    pb.capacity = {3, 1, 2, 1, 2, 1};
    pb.split.resize(3);
    pb.split[0].group = group.data();
    pb.split[0].num_groups = 2;
    pb.split[0].capacity = {2, 1, 0, 1};  // [p * 2 + g]
    m.program.assign(5, kNoProgram);
    m.channel.assign(5, ChannelIndex{0});
    m.choice.assign(5, 0);
  }
  void Place(std::size_t c, std::uint32_t p, std::uint8_t h) {
    m.program[c] = ProgramIndex{p};
    m.channel[c] = ChannelIndex{h};
  }
};

TEST(EmptySeatsAfterPass, CountsEachFlowingChannelsEmptySeatsPerGroup) {
  Fixture f;
  f.Place(0, 0, 0);  // group 0 in P0 balanced: group 0 has 2 seats, 1 left
  f.Place(1, 0, 0);  // group 1 in P0 balanced: full
  f.Place(2, 1, 1);  // P1 local: 1 of 2 left
  f.Place(3, 0, 2);  // P0 general: 1 of 2 left, but general keeps its seats
  // candidate 4 unplaced. P0 local: 1 empty. P1 balanced group 1: 1 empty; group 0 has none.
  const std::vector<EmptySeats> empty = EmptySeatsAfterPass(f.stage, f.pb, f.m);
  ASSERT_EQ(empty.size(), 4u);
  auto expect = [&](std::size_t i, std::size_t p, std::size_t h, std::uint32_t g, std::int32_t seats) {
    SCOPED_TRACE(i);
    EXPECT_EQ(empty[i].p, p);
    EXPECT_EQ(empty[i].h, h);
    EXPECT_EQ(empty[i].g, g);
    EXPECT_EQ(empty[i].seats, seats);
  };
  expect(0, 0, 0, 0, 1);      // balanced, P0, group 0
  expect(1, 1, 0, 1, 1);      // balanced, P1, group 1
  expect(2, 0, 1, kNone, 1);  // local, P0
  expect(3, 1, 1, kNone, 1);  // local, P1
}

TEST(EmptySeatsAfterPass, AFullStageHasNoEmptySeatsAndNobodyPlacedLeavesAll) {
  Fixture f;
  const std::vector<EmptySeats> all = EmptySeatsAfterPass(f.stage, f.pb, f.m);
  std::int32_t total = 0;
  for (const EmptySeats& e : all) total += e.seats;
  EXPECT_EQ(total, (2 + 1 + 1) + (1 + 2));  // balanced by group: P0 g0, P0 g1, P1 g1; local: P0, P1
  EXPECT_EQ(all.size(), 5u);                // P1 balanced group 0 has no seats: no row

  // Fill every flowing seat: balanced P0 g0 x2, P0 g1, P1 g1; local P0, P1 x2 would need 7
  // candidates; use a problem with smaller capacities instead.
  f.pb.capacity = {1, 1, 0, 0, 1, 0};
  f.pb.split[0].capacity = {1, 0, 0, 0};
  f.Place(0, 0, 0);  // group 0, P0 balanced
  f.Place(1, 0, 1);  // P0 local
  f.Place(2, 1, 1);  // P1 local
  EXPECT_TRUE(EmptySeatsAfterPass(f.stage, f.pb, f.m).empty());
}

// Rules with three batches: 'early' sends unfilled seats to channel 'open' of batch 'general',
// whose stages are 'first' (programs 0 and 1) and 'second' (programs 1 and 2); only 'second'
// has a channel named 'open'.
TEST(LaterBatchTarget, FirstStageThatRunsTheProgramWithTheChannel) {
  Rules rules;
  rules.batches.resize(2);
  rules.batches[0].name = "early";
  rules.batches[1].name = "general";
  Stage first, second;
  first.name = "first";
  first.channels = {Named("closed", Unfilled::Kind::kStay)};
  second.name = "second";
  second.channels = {Named("x", Unfilled::Kind::kStay), Named("open", Unfilled::Kind::kStay)};
  rules.batches[1].stages = {first, second};
  Unfilled u;
  u.kind = Unfilled::Kind::kLaterBatch;
  u.batch = "general";
  u.channel = "open";
  u.batch_index = 1;
  const std::vector<std::uint8_t> runs_first = {1, 1, 0}, runs_second = {0, 1, 1};
  const StageRuns runs = [&](std::size_t b, std::size_t s) -> const std::vector<std::uint8_t>& {
    EXPECT_EQ(b, 1u);
    return s == 0 ? runs_first : runs_second;
  };
  // Program 0: only 'first' runs it, and it has no 'open' channel: nowhere to go.
  EXPECT_FALSE(LaterBatchTarget(rules, u, ProgramIndex{0}, runs).has_value());
  // Programs 1 and 2: 'second', channel index 1.
  for (ProgramIndex p : {ProgramIndex{1}, ProgramIndex{2}}) {
    const auto t = LaterBatchTarget(rules, u, p, runs);
    ASSERT_TRUE(t.has_value()) << p;
    EXPECT_EQ(t->stage, 1u);
    EXPECT_EQ(t->channel, 1u);
  }
  // When 'first' has an 'open' channel too, it comes first for the programs it runs.
  rules.batches[1].stages[0].channels.push_back(Named("open", Unfilled::Kind::kStay));
  const auto t = LaterBatchTarget(rules, u, ProgramIndex{1}, runs);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->stage, 0u);
  EXPECT_EQ(t->channel, 1u);
}

}  // namespace
}  // namespace zkmatch
