// Reading choices.csv on several threads (issue 18, direction 1): CsvReader::SplitRest and
// NextInSlice, and the long layout's parallel path in inputs_loader.cc, which falls back to
// the one-by-one reader whenever a row has anything to report.
//
// The judge is the one-thread run (`--threads 1` never takes the parallel path): for files
// whose shape stresses the slicing -- CRLF line ends, blank lines, no final line break, rows in
// random order (every id lookup misses the sorted guess), a quoted cell (the fast path does not
// apply) -- every output of `run --threads 4` is byte-identical to `--threads 1`'s, and for
// files with a bad row deep inside, stderr is identical too (same messages, same rows).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "csv.h"
#include "support/forge.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

constexpr int kCandidates = 3000, kPrograms = 40;

// Ids of the form C100017; with `mixed`, also ids over 16 bytes whose first 16 bytes are all
// the same (the parallel reader compares ids by their first 16 bytes packed into integers and
// must fall back to the strings to order these).
std::string Id(int i, bool mixed = false) {
  const std::string number = std::to_string(100000 + i);
  if (!mixed || i % 3 == 0) return "C" + number;
  return (i % 3 == 1 ? "CANDIDATE-2025-PROVINCE-" : "CANDIDATE-2025-P") + number;
}

// A province in miniature: every candidate lists 1-6 programs.
struct Files {
  std::string candidates = "id,total\n", programs = "code,general\n";
  std::vector<std::string> choice_rows;
};

Files MakeFiles(unsigned seed, int candidates = kCandidates, bool mixed_ids = false) {
  Files f;
  std::mt19937 rng(seed);
  for (int i = 0; i < candidates; ++i) f.candidates += Id(i, mixed_ids) + "," + std::to_string(300 + rng() % 400) + (rng() % 2 ? ".5" : "") + "\n";
  for (int p = 0; p < kPrograms; ++p) f.programs += "P" + std::to_string(p) + "," + std::to_string(20 + rng() % 60 + (candidates > kCandidates ? candidates / 100 : 0)) + "\n";
  std::vector<std::pair<std::string, int>> by_id;  // choices.csv by candidate id, as exported
  for (int i = 0; i < candidates; ++i) by_id.emplace_back(Id(i, mixed_ids), i);
  std::sort(by_id.begin(), by_id.end());
  for (const auto& [id, i] : by_id) {
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int r = 1; r <= n; ++r) f.choice_rows.push_back(id + ",main," + std::to_string(r) + ",P" + std::to_string((i + r * 7) % kPrograms));
  }
  return f;
}

// The contract's plain rules (DESIGN.md): one batch, one channel, ranked by total.
std::string PlainRules() { return ReadFile(SourceDir() + "/fixtures/cases/plain/plain.yaml"); }

// The same with per-program scores (program_scores.csv, read on every thread too).
const char* kScoreRules =
    "version: 1\n"
    "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv, program_scores: program_scores.csv}\n"
    "rankings:\n"
    "  by_score: {keys: [program_score desc, total desc], last_tie: id}\n"
    "batches:\n"
    "  - name: main\n"
    "    channels:\n"
    "      - {name: general, seats: general, ranking: by_score}\n";

// One program_scores.csv row per choice row: program,candidate_id,score.
std::vector<std::string> ScoreRows(const Files& f, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> rows;
  for (const std::string& choice : f.choice_rows) {
    const std::size_t comma = choice.find(',');
    rows.push_back(choice.substr(choice.rfind(',') + 1) + "," + choice.substr(0, comma) + "," + std::to_string(rng() % 100) + (rng() % 2 ? ".5" : ""));
  }
  return rows;
}

// Runs with 1 and 4 threads; every file of the two runs (the log's lines) and stderr must agree.
void ExpectSameAtOneAndFourThreads(const Files& f, const std::string& choices, int want_exit, const std::string& scores = "") {
  TempDir tmp;
  WriteBytes(tmp.path() + "/rules.yaml", scores.empty() ? PlainRules() : std::string(kScoreRules));
  if (!scores.empty()) WriteBytes(tmp.path() + "/program_scores.csv", scores);
  WriteBytes(tmp.path() + "/candidates.csv", f.candidates);
  WriteBytes(tmp.path() + "/programs.csv", f.programs);
  WriteBytes(tmp.path() + "/choices.csv", choices);
  const CommandResult one = Zk("run --quiet --threads 1 --rules rules.yaml --out one", tmp.path());
  const CommandResult four = Zk("run --quiet --threads 4 --rules rules.yaml --out four", tmp.path());
  ASSERT_EQ(one.exit_code, want_exit) << one.err;
  EXPECT_EQ(four.exit_code, want_exit) << four.err;
  EXPECT_EQ(four.err, one.err);
  if (want_exit != 0) return;
  for (const std::string& name : CsvOutputs()) EXPECT_TRUE(ReadFile(tmp.path() + "/one/" + name) == ReadFile(tmp.path() + "/four/" + name)) << name;
  EXPECT_TRUE(ReadFile(tmp.path() + "/one/audit.jsonl") == ReadFile(tmp.path() + "/four/audit.jsonl"));
  EXPECT_EQ(ReadFile(tmp.path() + "/one/manifest.json"), ReadFile(tmp.path() + "/four/manifest.json"));
}

std::string Join(const std::vector<std::string>& rows, const std::string& eol, bool final_break = true) {
  std::string out = "candidate_id,batch,rank,program" + eol;
  for (std::size_t i = 0; i < rows.size(); ++i) out += rows[i] + (i + 1 < rows.size() || final_break ? eol : "");
  return out;
}

TEST(ParallelLoad, SortedRowsWithLfOrCrlf) {
  const Files f = MakeFiles(1);
  ExpectSameAtOneAndFourThreads(f, Join(f.choice_rows, "\n"), 0);
  ExpectSameAtOneAndFourThreads(f, Join(f.choice_rows, "\r\n"), 0);
}

TEST(ParallelLoad, ShuffledRowsBlankLinesAndNoFinalLineBreak) {
  Files f = MakeFiles(2);
  std::shuffle(f.choice_rows.begin(), f.choice_rows.end(), std::mt19937(7));
  for (std::size_t i = 0; i < f.choice_rows.size(); i += 97) f.choice_rows[i] += "\n\r\n";  // blank lines inside
  ExpectSameAtOneAndFourThreads(f, Join(f.choice_rows, "\n", false), 0);
}

TEST(ParallelLoad, AQuotedCellTakesTheOneByOneReader) {
  Files f = MakeFiles(3);
  f.choice_rows[5000] = "\"" + f.choice_rows[5000].substr(0, 7) + "\"" + f.choice_rows[5000].substr(7);
  ExpectSameAtOneAndFourThreads(f, Join(f.choice_rows, "\n"), 0);
}

TEST(ParallelLoad, BadRowsDeepInsideGiveTheSameMessages) {
  Files f = MakeFiles(4);
  std::vector<std::string> rows = f.choice_rows;
  rows[6001] = Id(17) + ",main,2,NOPE";         // unknown program
  rows[9002] = "C999999,main,1,P1";             // unknown candidate
  rows[9500] = Id(1500) + ",main,zero,P2";      // bad rank
  rows[9900] = Id(1600) + ",main,1";            // a field short
  ExpectSameAtOneAndFourThreads(f, Join(rows, "\n"), 2);
}

TEST(ParallelLoad, ProgramScoresInAnyOrderAndWithBadRows) {
  const Files f = MakeFiles(6);
  std::vector<std::string> scores = ScoreRows(f, 1);
  auto join = [](const std::vector<std::string>& rows) {
    std::string out = "program,candidate_id,score\n";
    for (const std::string& r : rows) out += r + "\n";
    return out;
  };
  const std::string choices = Join(f.choice_rows, "\n");
  ExpectSameAtOneAndFourThreads(f, choices, 0, join(scores));
  std::vector<std::string> by_program = scores;  // as a school exports them: program by program
  std::stable_sort(by_program.begin(), by_program.end(), [](const std::string& a, const std::string& b) { return a.substr(0, a.find(',')) < b.substr(0, b.find(',')); });
  ExpectSameAtOneAndFourThreads(f, choices, 0, join(by_program));
  std::vector<std::string> bad = scores;
  bad[7000] = "P1," + Id(3) + ",";        // empty score
  bad[8000] = "P1,C999999,50";            // unknown candidate
  bad[9000] = "NOPE," + Id(4) + ",50";    // unknown program
  ExpectSameAtOneAndFourThreads(f, choices, 2, join(bad));
  // By program, a slice's ids are looked up late (LateIds) once its cursor has gone past its
  // look-ahead 64 times: an unknown candidate there, one in a slice's last rows (settled at the
  // slice's end), and an unknown one right after a known one are still reported where they are.
  std::vector<std::string> bad_by_program = by_program;
  bad_by_program[6000] = "P20,C999998,50";
  bad_by_program[bad_by_program.size() - 1] = "P39,C999999,50";
  bad_by_program[9000] = "P30,C0,50";
  ExpectSameAtOneAndFourThreads(f, choices, 2, join(bad_by_program));
}

// Ids over 16 bytes that share their first 16 (and shorter ones among them), and enough
// candidates that the per-program scores are sorted to their candidates in several blocks of
// 4,096 (LoadProgramScores): choices by candidate and by program, scores by program.
TEST(ParallelLoad, LongIdsAndScoresByProgramOverSeveralBlocks) {
  const Files f = MakeFiles(8, 9000, true);
  std::vector<std::string> scores = ScoreRows(f, 2);
  std::stable_sort(scores.begin(), scores.end(), [](const std::string& a, const std::string& b) { return a.substr(0, a.find(',')) < b.substr(0, b.find(',')); });
  std::string joined = "program,candidate_id,score\n";
  for (const std::string& r : scores) joined += r + "\n";
  ExpectSameAtOneAndFourThreads(f, Join(f.choice_rows, "\n"), 0, joined);
  std::vector<std::string> by_program = f.choice_rows;
  std::stable_sort(by_program.begin(), by_program.end(), [](const std::string& a, const std::string& b) { return a.substr(a.rfind(',')) < b.substr(b.rfind(',')); });
  ExpectSameAtOneAndFourThreads(f, Join(by_program, "\n"), 0, joined);
}

// A file over 8 MiB is checked for UTF-8, NUL bytes and byte-order marks in pieces on every
// thread: the first problem is still the one named, at its line and column.
TEST(ParallelLoad, ProblemsDeepInALargeFileAreNamedAtTheirPlace) {
  Files f = MakeFiles(5);
  std::string choices = "candidate_id,batch,rank,program\n";
  while (choices.size() < (std::size_t{9} << 20)) {
    for (const std::string& row : f.choice_rows) choices += row + "\n";
  }
  const std::size_t lines = static_cast<std::size_t>(std::count(choices.begin(), choices.end(), '\n'));
  auto line_start = [&](std::size_t line) {  // offset of the 1-based line
    std::size_t at = 0;
    for (std::size_t l = 1; l < line; ++l) at = choices.find('\n', at) + 1;
    return at;
  };
  struct Case {
    std::size_t line;
    std::string bytes, message;
  };
  const std::vector<Case> cases = {
      {lines - 10, "\xC3(", "invalid UTF-8 byte sequence"},
      {lines / 2 + 3, std::string(1, '\0'), "NUL byte (\\0) in the file"},
      {lines - 100, "\xEF\xBB\xBF", "byte-order mark (U+FEFF) inside the file"},
  };
  for (const Case& c : cases) {
    std::string bad = choices;
    bad.insert(line_start(c.line) + 3, c.bytes);  // inside the candidate id: column 4
    TempDir tmp;
    WriteBytes(tmp.path() + "/rules.yaml", PlainRules());
    WriteBytes(tmp.path() + "/candidates.csv", f.candidates);
    WriteBytes(tmp.path() + "/programs.csv", f.programs);
    WriteBytes(tmp.path() + "/choices.csv", bad);
    const CommandResult r = Zk("run --quiet --threads 4 --rules rules.yaml --out out", tmp.path());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("choices.csv:" + std::to_string(c.line) + ":4: error: " + c.message), std::string::npos) << c.message << "\n" << r.err;
  }
}

// Names that differ in one byte only, at every position, for every length from 1 to 24 (the
// hash indexes key a name by its first 16 bytes, read in pieces of 8, 4 and 1): each of ~13,000
// candidates lists one of ~300 programs and has one per-program score, the scores sorted by
// program (the candidate index, looked up late); at 1 and 4 threads each candidate must be
// placed at the very program its row names. The judge is the generator's own list.
TEST(ParallelLoad, NamesThatDifferInOneByteAreNeverConfused) {
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  auto near_names = [&](int seeds, int longest) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (int seed = 0; seed < seeds; ++seed) {
      for (int length = 1; length <= longest; ++length) {
        std::string base;
        for (int j = 0; j < length; ++j) base += alphabet[static_cast<std::size_t>(seed * 7 + j * 3) % alphabet.size()];
        std::vector<std::string> variants = {base};
        for (int at = 0; at < length; ++at) {
          std::string v = base;
          v[static_cast<std::size_t>(at)] = v[static_cast<std::size_t>(at)] == 'Z' ? 'Y' : 'Z';
          variants.push_back(v);
        }
        for (const std::string& v : variants) {
          if (seen.insert(v).second) names.push_back(v);
        }
      }
    }
    return names;
  };
  const std::vector<std::string> ids = near_names(40, 24), codes = near_names(1, 24);
  std::string candidates = "id,total\n", programs = "code,general\n", choices = "candidate_id,batch,rank,program\n";
  for (std::size_t i = 0; i < ids.size(); ++i) candidates += ids[i] + "," + std::to_string(300 + i % 400) + "\n";
  for (const std::string& code : codes) programs += code + ",100000\n";
  std::map<std::string, std::string> wanted;  // candidate -> program
  std::vector<std::pair<std::string, std::string>> scores;  // (program, candidate)
  for (std::size_t i = 0; i < ids.size(); ++i) wanted[ids[i]] = codes[(i * 7) % codes.size()];
  for (const auto& [id, code] : wanted) {  // by candidate id, as exported
    choices += id + ",main,1," + code + "\n";
    scores.emplace_back(code, id);
  }
  std::sort(scores.begin(), scores.end());  // a school's file: by program
  std::string score_file = "program,candidate_id,score\n";
  for (const auto& [code, id] : scores) score_file += code + "," + id + "," + std::to_string(id.size()) + "\n";
  TempDir tmp;
  WriteBytes(tmp.path() + "/rules.yaml", kScoreRules);
  WriteBytes(tmp.path() + "/candidates.csv", candidates);
  WriteBytes(tmp.path() + "/programs.csv", programs);
  WriteBytes(tmp.path() + "/choices.csv", choices);
  WriteBytes(tmp.path() + "/program_scores.csv", score_file);
  for (const char* threads : {"1", "4"}) {
    const CommandResult r = Zk(std::string("run --quiet --threads ") + threads + " --rules rules.yaml --out out-" + threads, tmp.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> rows = SplitLines(ReadFile(tmp.path() + "/out-" + threads + "/placements.csv"));
    ASSERT_EQ(rows.size(), ids.size() + 1) << threads;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const std::string id = rows[i].substr(0, rows[i].find(','));
      const std::string expected = id + ",placed,main," + wanted.at(id) + ",general,1,";
      ASSERT_EQ(rows[i], expected) << threads << " threads";
    }
  }
}

// SplitRest itself: slices cover the rest exactly, start at line starts, carry their lines.
TEST(ParallelLoad, SlicesCoverTheRecordsAndKnowTheirLines) {
  DiagnosticSink sink;
  CsvReader csv;
  std::string text = "a,b\n";
  for (int i = 0; i < 1000; ++i) text += std::to_string(i) + ",x\r\n" + (i == 500 ? "\n\n" : "");  // two blank lines after record 500
  ASSERT_TRUE(csv.OpenBuffer(text, "t.csv", sink));
  std::vector<CsvSlice> slices;
  ASSERT_TRUE(csv.SplitRest(7, &slices));
  ASSERT_GE(slices.size(), 2u);
  std::string joined;
  for (const CsvSlice& s : slices) {
    EXPECT_TRUE(s.text.empty() || s.text.back() == '\n');
    joined += std::string(s.text);
  }
  EXPECT_EQ("a,b\n" + joined, text);
  int want = 0;
  for (CsvSlice s : slices) {
    CsvRecord rec;
    bool malformed = false;
    while (csv.NextInSlice(&s, &rec, &malformed)) {
      ASSERT_EQ(rec.fields.size(), 2u);
      EXPECT_EQ(rec.fields[0], std::to_string(want));
      EXPECT_EQ(rec.fields[1], "x");  // the CR is not part of the cell
      EXPECT_EQ(rec.line, want + 2 + (want > 500 ? 2 : 0));
      ++want;
    }
    EXPECT_FALSE(malformed);
  }
  EXPECT_EQ(want, 1000);
  // A row with one field is malformed: NextInSlice stops there, saying so (Next reports it).
  CsvReader short_row;
  ASSERT_TRUE(short_row.OpenBuffer("a,b\n1,2\n3\n", "s.csv", sink));
  ASSERT_TRUE(short_row.SplitRest(1, &slices));
  CsvRecord rec;
  bool malformed = false;
  EXPECT_TRUE(short_row.NextInSlice(&slices[0], &rec, &malformed));
  EXPECT_FALSE(short_row.NextInSlice(&slices[0], &rec, &malformed));
  EXPECT_TRUE(malformed);
  // A quote anywhere in the rest: no slices.
  CsvReader quoted;
  ASSERT_TRUE(quoted.OpenBuffer("a,b\n1,\"x\"\n", "q.csv", sink));
  EXPECT_FALSE(quoted.SplitRest(4, &slices));
}

}  // namespace
}  // namespace zkmatch::testing
