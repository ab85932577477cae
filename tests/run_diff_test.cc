// zkmatch diff (engine/src/run_diff.cc, tools/cmd_diff.cc): what changed between two runs.
//
//   - reserve-order (fixtures/cases/reserve-order/NOTES.md), reserve-first as A and open-first
//     as B, checked by hand: R1 P/reserve -> P/open (channel only), R4 P/open -> Q/open,
//     R5 Q/open -> unplaced, R6 unplaced -> P/reserve; cut-offs P/open 670 -> 690,
//     P/reserve 680 -> 650, Q/open 660 -> 670; exact diff.csv and cutoff_diff.csv bytes.
//   - a run against itself: nothing moved; candidates present in one run only are movers
//     from or to "absent"; a usage error for one --run.
//   - the shipped Weihai variants (rules/weihai-2025.yaml, open seats first, against
//     rules/weihai-2025-reserve-first.yaml): the number of movers, diff.csv agrees with both
//     runs' placements, --html adds the comparison to B's report.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/forge.h"
#include "support/test_env.h"
#include "zkmatch/diagnostics.h"
#include "zkmatch/run_diff.h"
#include "zkmatch/study.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }
CommandResult Zk(const std::string& args, const std::string& cwd) { return RunCommand(Q(ZkmatchBinary()) + " " + args, cwd); }

void RunRules(const std::string& rules, const std::string& out) {
  const CommandResult r = Zk("run -q --rules " + Q(rules) + " --out " + Q(out), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

std::string ReserveOrder(const std::string& file) { return SourceDir() + "/fixtures/cases/reserve-order/" + file; }

TEST(RunDiffTest, ReserveOrderHandChecked) {
  TempDir tmp;
  const std::string a = tmp.path() + "/reserve-first", b = tmp.path() + "/open-first";
  ASSERT_NO_FATAL_FAILURE(RunRules(ReserveOrder("reserve-first.yaml"), a));
  ASSERT_NO_FATAL_FAILURE(RunRules(ReserveOrder("open-first.yaml"), b));
  DiagnosticSink sink;
  const Result<RunDiff> d = DiffRuns(a, b, sink);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->candidates_a, 7);
  EXPECT_EQ(d->candidates_b, 7);
  EXPECT_EQ(d->only_a + d->only_b, 0);
  EXPECT_EQ(d->placed_a, 5);
  EXPECT_EQ(d->placed_b, 5);
  ASSERT_EQ(d->movers.size(), 4u);
  EXPECT_EQ(d->channel_only, 1);
  std::vector<std::string> movers;
  for (const RunDiff::Mover& m : d->movers) movers.push_back(m.id + ": " + m.a.Describe() + " -> " + m.b.Describe());
  EXPECT_EQ(movers, (std::vector<std::string>{"R1: main/P/reserve -> main/P/open", "R4: main/P/open -> main/Q/open", "R5: main/Q/open -> unplaced",
                                              "R6: unplaced -> main/P/reserve"}));
  std::vector<std::string> moves;
  for (const RunDiff::Move& m : d->moves) moves.push_back(m.from + ">" + m.to + "=" + std::to_string(m.count));
  EXPECT_EQ(moves, (std::vector<std::string>{"P>P=1", "P>Q=1", "Q>unplaced=1", "unplaced>P=1"}));

  ASSERT_EQ(d->channel_changes.size(), 3u);  // no split channel: the same blocks
  EXPECT_EQ(d->channel_changes[1].program + " " + d->channel_changes[1].channel + " " + d->channel_changes[1].cutoff_a + " -> " + d->channel_changes[1].cutoff_b,
            "P reserve 680 -> 650");

  const CommandResult r = Zk("diff --run " + Q(a) + " --run " + Q(b) + " --out " + Q(tmp.path() + "/d"), "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("moved: 4 candidates (3 to another program or in or out of a place, 1 only to another channel of the same program)"), std::string::npos)
      << r.out;
  EXPECT_EQ(ReadFile(tmp.path() + "/d/diff.csv"),
            "candidate_id,a_status,a_batch,a_stage,a_program,a_channel,b_status,b_batch,b_stage,b_program,b_channel\n"
            "R1,placed,main,,P,reserve,placed,main,,P,open\n"
            "R4,placed,main,,P,open,placed,main,,Q,open\n"
            "R5,placed,main,,Q,open,unplaced,,,,\n"
            "R6,unplaced,,,,,placed,main,,P,reserve\n");
  EXPECT_EQ(ReadFile(tmp.path() + "/d/cutoff_diff.csv"),
            "batch,stage,program,channel,group,a_capacity,b_capacity,a_admitted,b_admitted,a_cutoff_total,b_cutoff_total\n"
            "main,,P,open,,2,2,2,2,670,690\n"
            "main,,P,reserve,,2,2,2,2,680,650\n"
            "main,,Q,open,,1,1,1,1,660,670\n");
  EXPECT_FALSE(FileExists(tmp.path() + "/d/report.html"));
  // A second diff into the same --out replaces nobody's files by surprise: refused, the files
  // unchanged; --force replaces them (found by an independent audit: it overwrote them).
  WriteBytes(tmp.path() + "/d/diff.csv", "mine\n");
  const CommandResult again = Zk("diff --run " + Q(a) + " --run " + Q(b) + " --out " + Q(tmp.path() + "/d"), "/");
  EXPECT_EQ(again.exit_code, 2) << again.out << again.err;
  EXPECT_EQ(again.err, "zkmatch diff: error: " + tmp.path() + "/d/diff.csv already exists; choose another --out or add --force to replace it; nothing was written\n");
  EXPECT_EQ(ReadFile(tmp.path() + "/d/diff.csv"), "mine\n");
  const CommandResult forced = Zk("diff --run " + Q(a) + " --run " + Q(b) + " --out " + Q(tmp.path() + "/d") + " --force", "/");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(ReadFile(tmp.path() + "/d/diff.csv").rfind("candidate_id,a_status", 0), 0u);
}

TEST(RunDiffTest, ARunAgainstItselfHasNoMovers) {
  TempDir tmp;
  const std::string a = tmp.path() + "/a";
  ASSERT_NO_FATAL_FAILURE(RunRules(ReserveOrder("open-first.yaml"), a));
  DiagnosticSink sink;
  const Result<RunDiff> d = DiffRuns(a, a, sink);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->movers.empty());
  EXPECT_TRUE(d->moves.empty());
  EXPECT_TRUE(d->seat_changes.empty());
  EXPECT_EQ(RenderDiffCsv(*d), "candidate_id,a_status,a_batch,a_stage,a_program,a_channel,b_status,b_batch,b_stage,b_program,b_channel\n");
}

// Two hand-written run directories over different candidate sets: X only in A, Z only in B.
TEST(RunDiffTest, CandidatesInOneRunOnlyAreMoversFromOrToAbsent) {
  TempDir tmp;
  const std::string cut = "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity\n";
  const std::string head = "candidate_id,status,batch,program,channel,choice_rank,stage\n";
  fs::create_directories(tmp.path() + "/a");
  fs::create_directories(tmp.path() + "/b");
  tmp.Write("a/placements.csv", head + "W,placed,main,P,open,1,\nX,placed,main,P,open,1,\nY,unplaced,,,,,\n");
  tmp.Write("a/cutoffs.csv", cut + "main,P,open,,2,2,600,,2,0,0,0\n");
  tmp.Write("b/placements.csv", head + "W,placed,main,P,open,1,\nY,placed,main,P,open,2,\nZ,unplaced,,,,,\n");
  tmp.Write("b/cutoffs.csv", cut + "main,P,open,,2,2,580,,2,0,0,0\nmain,Q,open,,1,0,,,1,0,0,0\n");
  DiagnosticSink sink;
  const Result<RunDiff> d = DiffRuns(tmp.path() + "/a", tmp.path() + "/b", sink);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->only_a, 1);
  EXPECT_EQ(d->only_b, 1);
  std::vector<std::string> movers;
  for (const RunDiff::Mover& m : d->movers) movers.push_back(m.id + ": " + m.a.Describe() + " -> " + m.b.Describe());
  EXPECT_EQ(movers, (std::vector<std::string>{"X: main/P/open -> absent", "Y: unplaced -> main/P/open", "Z: absent -> unplaced"}));
  EXPECT_EQ(RenderSeatChangesCsv(*d),
            "batch,stage,program,channel,group,a_capacity,b_capacity,a_admitted,b_admitted,a_cutoff_total,b_cutoff_total\n"
            "main,,P,open,,2,2,2,2,600,580\n"
            "main,,Q,open,,,1,,0,,\n");
}

TEST(RunDiffTest, UsageErrors) {
  TempDir tmp;
  CommandResult r = Zk("diff --run " + Q(tmp.path()), "/");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("give exactly two runs"), std::string::npos) << r.err;
  r = Zk("diff --run " + Q(tmp.path() + "/none") + " --run " + Q(tmp.path()), "/");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  // Said as what it is -- not a run -- rather than as a rules file's `inputs:` path.
  EXPECT_EQ(r.err, "zkmatch diff: error: refusing to compare: cannot read " + tmp.path() + "/none/manifest.json: is '" + tmp.path() +
                       "/none' a directory written by zkmatch run?\n");
}

// Counts placements per (program, channel) from a run's placements.csv.
std::map<std::string, std::string> PlacementsById(const std::string& run) {
  std::map<std::string, std::string> by;
  std::ifstream in(run + "/placements.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) by[line.substr(0, line.find(','))] = line.substr(line.find(',') + 1);
  return by;
}

TEST(RunDiffTest, WeihaiOpenFirstAgainstReserveFirst) {
  TempDir tmp;
  const std::string a = tmp.path() + "/open-first", b = tmp.path() + "/reserve-first";
  ASSERT_NO_FATAL_FAILURE(RunRules(SourceDir() + "/rules/weihai-2025.yaml", a));
  ASSERT_NO_FATAL_FAILURE(RunRules(SourceDir() + "/rules/weihai-2025-reserve-first.yaml", b));
  const CommandResult r = Zk("diff --run " + Q(a) + " --run " + Q(b) + " --html --lang en", "/");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Filling the balanced plan first moves 1,809 candidates: 1,412 keep their school but take a
  // reserved seat instead of an open one (or the reverse), 397 change school.
  EXPECT_NE(r.out.find("moved: 1809 candidates (397 to another program or in or out of a place, 1412 only to another channel of the same program)"),
            std::string::npos)
      << r.out;
  // diff.csv lists exactly the candidates whose rows differ between the two placements.csv.
  const auto pa = PlacementsById(a), pb = PlacementsById(b);
  std::size_t differ = 0;
  for (const auto& [id, row] : pa) differ += pb.at(id) != row;
  const std::string csv = ReadFile(b + "/diff.csv");
  EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')), differ + 1);
  EXPECT_EQ(differ, 1809u);
  // Per program and channel (the balanced plan's junior-school blocks summed): with the plan
  // filled first, the open seats of H01-H03 go to lower totals; H03 returns one seat fewer.
  for (const char* line : {"  general H01 general: capacity 515 -> 515, admitted 515 -> 515, cut-off 612 -> 589.5\n",
                           "  general H02 general: capacity 491 -> 491, admitted 491 -> 491, cut-off 582 -> 565\n",
                           "  general H03 balanced: capacity 296 -> 297, admitted 296 -> 297, cut-off 545 -> 545\n",
                           "  general H03 general: capacity 488 -> 487, admitted 488 -> 487, cut-off 565 -> 553.5\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << r.out.substr(0, 2000);
  }
  EXPECT_NE(r.out.find("cut-offs changed (program and channel; split channels' groups summed, lowest cut-off): 4\n"), std::string::npos);
  EXPECT_NE(r.out.find("seat blocks changed (per group, in cutoff_diff.csv): 79\n"), std::string::npos);
  const std::string html = ReadFile(b + "/report.html");
  EXPECT_NE(html.find("<table id=\"diff_channels\">"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"diff\">"), std::string::npos);
  EXPECT_NE(html.find("Compared with " + a), std::string::npos);
  // The mechanism study reads each bundle's own copies of the inputs (the rules name them as
  // ../fixtures/..., relative to rules/, which from DIR/inputs/ would be nowhere): both runs are
  // deferred acceptance, so no justified envy; the study's tables are in the page.
  EXPECT_EQ(r.out.find("no mechanism study"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  batch general\n    A: [2157 2148 1606 664 132 5] unplaced 3093, justified envy 0 (deferred acceptance)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(html.find("<table id=\"diff_study\">"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"diff_gains_decile\">"), std::string::npos);
}

// A what-if against its base (fixtures/cases/extends): the diff says first what was changed --
// the rule settings that differ and the lines -- then who moved. With a rules file edited since
// the run, the settings are not compared and the diff says why.
// The same input files named from a rules file in another directory are no change of the
// inputs (their recorded digests are equal); a setting written over several lines shows its
// first differing line, cut at a character boundary.
TEST(RunDiffTest, SameInputBytesAreNoChangeAndLongSettingsShowTheirFirstDifference) {
  TempDir tmp;
  fs::copy(SourceDir() + "/fixtures/cases/plain", tmp.path() + "/case", fs::copy_options::recursive);
  const std::string head = "version: 1\nrankings:\n  by_total: {keys: [total desc], last_tie: id}\n  by_id: {keys: [total desc], last_tie: lottery}\n"
                           "seed: \"s\"\nbatches:\n  - name: main\n    label: 统一招生批次统一招生批次统一招生批次\n    channels:\n";
  const std::string a = tmp.Write("case/a.yaml", head + "      - {name: general, seats: general, ranking: by_total}\n"
                                  "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n");
  fs::create_directories(tmp.path() + "/case/what-if");
  const std::string b = tmp.Write("case/what-if/b.yaml", head + "      - {name: general, seats: general, ranking: by_id}\n"
                                  "inputs: {candidates: ../candidates.csv, choices: ../choices.csv, programs: ../programs.csv}\n");
  ASSERT_NO_FATAL_FAILURE(RunRules(a, tmp.path() + "/ra"));
  ASSERT_NO_FATAL_FAILURE(RunRules(b, tmp.path() + "/rb"));
  DiagnosticSink sink;
  const Result<RunDiff> d = DiffRuns(tmp.path() + "/ra", tmp.path() + "/rb", sink);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->setting_changes.size(), 1u);  // not inputs.candidates, inputs.choices, inputs.programs
  EXPECT_EQ(d->setting_changes[0].key, "batches");
  const std::string summary = RenderDiffSummary(*d);
  EXPECT_NE(summary.find("settings changed: 1\n  batches: first difference at line 4: - {name: general, seats: general, ranking: by_total} -> "
                         "- {name: general, seats: general, ranking: by_id}\n"),
            std::string::npos)
      << summary;

  // A long line differing at its end: cut to 80 bytes at a character boundary, never inside one.
  std::string long_label;
  for (int i = 0; i < 30; ++i) long_label += "统";  // 90 bytes
  const std::string c = tmp.Write("case/c.yaml", "version: 1\nrankings:\n  by_total: {keys: [total desc], last_tie: id}\nbatches:\n  - name: main\n    label: " +
                                                    long_label + "\n    channels:\n      - {name: general, seats: general, ranking: by_total}\n"
                                                    "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n");
  const std::string c2 = tmp.Write("case/c2.yaml", ReadFile(c).replace(ReadFile(c).find(long_label), long_label.size(), long_label + "X"));
  ASSERT_NO_FATAL_FAILURE(RunRules(c, tmp.path() + "/rc"));
  ASSERT_NO_FATAL_FAILURE(RunRules(c2, tmp.path() + "/rc2"));
  const Result<RunDiff> e = DiffRuns(tmp.path() + "/rc", tmp.path() + "/rc2", sink);
  ASSERT_TRUE(e.ok());
  const std::string shown = "label: " + long_label.substr(0, 69) + "...";  // 77 bytes would cut a character: 76, then the dots
  EXPECT_NE(RenderDiffSummary(*e).find("  batches: first difference at line 2: " + shown + " -> " + shown + "\n"), std::string::npos)
      << RenderDiffSummary(*e);
}

TEST(RunDiffTest, SaysWhichRulesAndLinesChanged) {
  TempDir tmp;
  fs::copy(SourceDir() + "/fixtures/cases/extends", tmp.path() + "/case", fs::copy_options::recursive);
  const std::string a = tmp.path() + "/a", b = tmp.path() + "/b";
  ASSERT_NO_FATAL_FAILURE(RunRules(tmp.path() + "/case/same.yaml", a));
  ASSERT_NO_FATAL_FAILURE(RunRules(tmp.path() + "/case/lower-line.yaml", b));
  DiagnosticSink sink;
  const Result<RunDiff> d = DiffRuns(a, b, sink);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->rules_a, "base-2025-again");
  EXPECT_EQ(d->rules_b, "what-if-665");
  ASSERT_EQ(d->setting_changes.size(), 1u);
  EXPECT_EQ(d->setting_changes[0].key, "lines.control");
  EXPECT_EQ(d->setting_changes[0].a, "{value: 675}");
  EXPECT_EQ(d->setting_changes[0].b, "{value: 665}");
  ASSERT_EQ(d->line_changes.size(), 1u);
  EXPECT_EQ(d->line_changes[0].name, "control");
  EXPECT_EQ(d->line_changes[0].a, "675");
  EXPECT_EQ(d->line_changes[0].b, "665");
  const std::string summary = RenderDiffSummary(*d);
  EXPECT_NE(summary.find("rules: base-2025-again -> what-if-665; settings changed: 1\n  lines.control: {value: 675} -> {value: 665}\n"
                         "lines changed: control 675 -> 665\nmoved: 1 candidate"),
            std::string::npos)
      << summary;

  {
    const std::string base = ReadFile(a + "/inputs/rules.yaml");  // run a's copy of the base
    std::ofstream(a + "/inputs/rules.yaml", std::ios::binary | std::ios::trunc) << base << "# edited\n";
  }
  const Result<RunDiff> later = DiffRuns(a, b, sink);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->setting_changes.empty());
  EXPECT_NE(later->rules_note.find("rule settings not compared: " + a + "/inputs/rules.yaml" +
                                   " changed since the run"),
            std::string::npos)
      << later->rules_note;
}

}  // namespace
}  // namespace zkmatch::testing

namespace zkmatch::testing {
namespace {

// fixtures/cases/mechanisms run under each of its four rules files into `dir`/STEM.
void RunMechanisms(const std::string& dir) {
  for (const char* stem : {"deferred", "immediate", "parallel-2", "guangzhou"}) {
    RunRules(SourceDir() + "/fixtures/cases/mechanisms/" + stem + ".yaml", dir + "/" + stem);
  }
}

// The figures of zkmatch/study.h on the mechanisms fixture, derived by hand from its NOTES.md
// (placements there): justified envy counts the candidates who listed a program above their
// place (anywhere when unplaced) that holds someone with a lower total.
TEST(MechanismStudy, HandCheckedFiguresOfTheMechanismsFixture) {
  TempDir tmp;
  RunMechanisms(tmp.path());
  struct Want {
    const char* stem;
    std::vector<std::int64_t> at_choice;
    std::int64_t unplaced, envy;
    const char* mechanism;
  };
  // DA: stable, 0. Immediate: S04 (660; B holds S06, 650) and S07 (645; C holds S08, 640).
  // Bands of 2 and Guangzhou: S07 (645; D holds S08, 640).
  for (const Want& w : {Want{"deferred", {4, 2, 1}, 5, 0, "deferred acceptance"}, Want{"immediate", {7}, 5, 2, "immediate acceptance"},
                        Want{"parallel-2", {4, 3}, 5, 1, "bands of 2"}, Want{"guangzhou", {4, 3}, 5, 1, "deferred acceptance + choice_rank ranking"}}) {
    DiagnosticSink sink;
    const Result<RunStudy> s = StudyRun(tmp.path() + "/" + w.stem, sink);
    ASSERT_TRUE(s.ok()) << w.stem << ": " << s.status().message();
    ASSERT_EQ(s->batches.size(), 1u);
    const BatchStudy& b = s->batches[0];
    EXPECT_EQ(b.at_choice, w.at_choice) << w.stem;
    EXPECT_EQ(b.unplaced, w.unplaced) << w.stem;
    EXPECT_EQ(b.justified_envy, w.envy) << w.stem;
    EXPECT_EQ(b.mechanism, w.mechanism) << w.stem;
    EXPECT_EQ(b.choice_order, std::string(w.stem) != "deferred") << w.stem;
  }
  // channel-tied-slots: T2 (690) and T4 (670) were refused at A, whose reassign seat T6 (650)
  // holds -- not envy: they listed A for its open seats only.
  RunRules(SourceDir() + "/fixtures/cases/channel-tied-slots/rules.yaml", tmp.path() + "/tied");
  DiagnosticSink sink;
  const Result<RunStudy> tied = StudyRun(tmp.path() + "/tied", sink);
  ASSERT_TRUE(tied.ok()) << tied.status().message();
  EXPECT_EQ(tied->batches[0].justified_envy, 0);
  EXPECT_EQ(tied->batches[0].at_choice, (std::vector<std::int64_t>{5, 2}));
}

// diff of deferred acceptance (A) against immediate acceptance (B) on the mechanisms fixture.
// Gains: S06 (C choice 2 -> B choice 1, decile 5), S08 (unplaced -> C, decile 6), S10
// (unplaced -> D, decile 8). Losses: S04 (B choice 2 -> unplaced, decile 3), S07 (D -> unplaced,
// decile 6). Deciles of 12 candidates by total: position i (0 = best) is decile i * 10 / 12 + 1.
TEST(MechanismStudy, DiffShowsBothDistributionsAndWhoGainsAndLoses) {
  TempDir tmp;
  RunMechanisms(tmp.path());
  DiagnosticSink sink;
  const Result<RunDiff> d = DiffRuns(tmp.path() + "/deferred", tmp.path() + "/immediate", sink);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_TRUE(d->study_note.empty()) << d->study_note;
  ASSERT_EQ(d->study_a.size(), 1u);
  EXPECT_EQ(d->study_a[0].justified_envy, 0);
  EXPECT_EQ(d->study_b[0].justified_envy, 2);
  ASSERT_EQ(d->by_decile.size(), 10u);
  std::string got;
  for (const RunDiff::GainLoss& g : d->by_decile) got += g.key + ":" + std::to_string(g.candidates) + "+" + std::to_string(g.gained) + "-" + std::to_string(g.lost) + " ";
  EXPECT_EQ(got, "1:2+0-0 2:1+0-0 3:1+0-1 4:1+0-0 5:1+1-0 6:2+1-1 7:1+0-0 8:1+1-0 9:1+0-0 10:1+0-0 ");
  EXPECT_TRUE(d->by_junior.empty());  // no junior_school column in this fixture
  const std::string summary = RenderDiffSummary(*d);
  for (const char* want : {"  batch main\n    A: [4 2 1] unplaced 5, justified envy 0 (deferred acceptance)\n"
                           "    B: [7] unplaced 5, justified envy 2 (immediate acceptance)\n",
                           "    6: 2: +1 / -1\n"}) {
    EXPECT_NE(summary.find(want), std::string::npos) << want << "\n" << summary;
  }
}

}  // namespace
}  // namespace zkmatch::testing
