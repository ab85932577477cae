// Property tests: seeded random admission instances through the real pipeline (LoadRules,
// LoadInputs, Solve, RenderPlacements, RenderCutoffs), checked against the independent
// reference in support/brute_force.h.
//
// For every instance:
//   - the brute-force checker finds no violation (capacity, eligibility, listed program,
//     choice_rank, channel = the program's own choice, no justified envy per batch);
//   - cutoffs.csv equals what the plain data and the placements imply;
//   - the general deferred-acceptance path gives the same bytes with 1, 2 and 8 threads, and
//     kAuto (serial dictatorship when every channel with seats shares one ranking) gives the
//     same bytes as the general path -- the proof that the fast path is right;
//   - shuffling the rows of all three CSV files changes no output byte;
//   - tiny instances equal the exhaustively computed student-optimal stable matching.
// A failure names the seed and the violation; instances up to 40 candidates are printed.
//
// Randomness: std::mt19937_64 (its output is fixed by the standard) with our own mapping to
// ranges and our own shuffle, so every standard library generates the same instances.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/brute_force.h"
#include "support/test_env.h"
#include "zkmatch/diagnostics.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/rules.h"

namespace zkmatch::testing {
namespace {

using brute::EligibilityKind;
using brute::Hundredths;
using brute::kMissing;
using brute::PlainBatch;
using brute::PlainCandidate;
using brute::PlainChannel;
using brute::PlainInstance;
using brute::PlainPlacement;
using brute::PlainProgram;
using brute::RankingKind;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness.

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  std::uint64_t Below(std::uint64_t n) { return n == 0 ? 0 : gen_() % n; }  // [0, n)
  int Range(int lo, int hi) { return lo + static_cast<int>(Below(static_cast<std::uint64_t>(hi - lo + 1))); }  // [lo, hi]
  bool Percent(int p) { return Below(100) < static_cast<std::uint64_t>(p); }
  template <typename T>
  void Shuffle(std::vector<T>* v) {  // Fisher-Yates
    for (std::size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[static_cast<std::size_t>(Below(i))]);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(Below(v.size()))]; }

 private:
  std::mt19937_64 gen_;
};

// ---------------------------------------------------------------------------------------------
// Random instances.

enum class Size { kTiny, kSmall, kLarge };

const char* SizeName(Size s) {
  switch (s) {
    case Size::kTiny: return "tiny";
    case Size::kSmall: return "small";
    case Size::kLarge: return "large";
  }
  return "?";
}

struct Knobs {
  Size size = Size::kSmall;
  int two_batch_percent = 30;
  int shared_ranking_percent = 50;  // per batch: every channel uses the same ranking
  bool force_channels_with_eligibility = false;  // every batch: 2-3 channels, >= 1 with a condition
  // Makes several stable matchings likely: 2-4 candidates with distinct totals and arts scores
  // that mostly reverse the total order, full lists, both rankings in every batch, few
  // eligibility conditions, and most programs seated in one channel with one seat -- so
  // programs disagree about who is best.
  bool conflicts = false;
};

PlainInstance Generate(std::uint64_t seed, const Knobs& k) {
  Rng r(seed);
  int n = 0, np = 0, maxlen = 0, nvalues = 0;
  switch (k.size) {
    case Size::kTiny:
      n = k.conflicts ? r.Range(2, 4) : r.Range(1, 6);
      np = k.conflicts ? r.Range(2, 3) : r.Range(1, 3);
      maxlen = std::min(3, np);
      nvalues = k.conflicts ? 30 : r.Range(1, 4);
      break;
    case Size::kSmall:
      n = r.Range(7, 40);
      np = r.Range(2, 6);
      maxlen = r.Range(1, std::min(4, np));
      nvalues = r.Range(2, 10);
      break;
    case Size::kLarge:
      n = r.Range(100, 300);
      np = r.Range(3, 12);
      maxlen = r.Range(2, std::min(6, np));
      nvalues = r.Range(5, 40);
      break;
  }
  PlainInstance inst;
  const int nb = r.Percent(k.two_batch_percent) ? 2 : 1;
  const std::vector<std::string> batch_names = nb == 1 ? std::vector<std::string>{"main"} : std::vector<std::string>{"early", "main"};

  // Totals from a small set (ties), mostly whole or half points, sometimes quarters.
  std::vector<Hundredths> totals;
  for (int i = 0; i < nvalues; ++i) {
    const int roll = r.Range(0, 99);
    const Hundredths frac = roll < 50 ? 0 : roll < 90 ? 50 : (r.Percent(50) ? 25 : 75);
    totals.push_back(static_cast<Hundredths>(r.Range(560, 700)) * 100 + frac);
  }
  const std::vector<Hundredths> arts_values = {6000, 7050, 8000, 8500, 9000, 9525};
  const std::vector<std::string> districts = {"D1", "D2", "D3"};

  for (int b = 0; b < nb; ++b) {
    PlainBatch batch;
    batch.name = batch_names[static_cast<std::size_t>(b)];
    std::vector<std::string> names = {"general", "arts", "reserve"};
    r.Shuffle(&names);  // random precedence order
    const int nh = k.force_channels_with_eligibility || k.conflicts ? r.Range(2, 3) : r.Range(1, 3);
    const bool shared = r.Percent(k.shared_ranking_percent);
    const RankingKind shared_kind = r.Percent(65) ? RankingKind::kByTotal : RankingKind::kByArts;
    bool any_condition = false;
    for (int h = 0; h < nh; ++h) {
      PlainChannel ch;
      ch.name = names[static_cast<std::size_t>(h)];
      ch.seats = ch.name + "_" + batch.name;
      const bool arts = ch.name == "arts";
      if (shared) {
        ch.ranking = shared_kind;
      } else if (k.conflicts) {  // alternate, so that both rankings are used
        ch.ranking = h % 2 == 0 ? shared_kind : (shared_kind == RankingKind::kByTotal ? RankingKind::kByArts : RankingKind::kByTotal);
      } else {
        // Mostly by_arts for the arts channel and by_total for the others.
        const bool usual = r.Percent(75);
        ch.ranking = (arts == usual) ? RankingKind::kByArts : RankingKind::kByTotal;
      }
      const int roll = r.Range(0, 99);
      if (k.conflicts) {
        ch.eligibility = roll < 85 ? EligibilityKind::kEveryone : EligibilityKind::kArtsPositive;
      } else if (arts && roll < 75) {
        ch.eligibility = EligibilityKind::kArtsPositive;
      } else {
        const int kind = r.Range(0, 99);
        ch.eligibility = kind < 55 ? EligibilityKind::kEveryone
                         : kind < 75 ? EligibilityKind::kArtsPositive
                         : kind < 88 ? EligibilityKind::kTotalAtLeast
                                     : EligibilityKind::kSameDistrict;
      }
      if (ch.eligibility == EligibilityKind::kTotalAtLeast) ch.threshold = r.Pick(totals);
      any_condition = any_condition || ch.eligibility != EligibilityKind::kEveryone;
      batch.channels.push_back(ch);
    }
    if (k.force_channels_with_eligibility && !any_condition) {
      batch.channels[static_cast<std::size_t>(r.Below(batch.channels.size()))].eligibility = EligibilityKind::kArtsPositive;
    }
    inst.batches.push_back(std::move(batch));
  }

  std::set<std::string> codes;
  const std::vector<std::string> code_prefixes = {"P", "p", "Q", "P0"};
  for (int p = 0; p < np; ++p) {
    PlainProgram prog;
    do {
      prog.code = r.Pick(code_prefixes) + std::to_string(r.Range(1, 30));
    } while (!codes.insert(prog.code).second);
    prog.district = r.Pick(districts);
    inst.programs.push_back(std::move(prog));
  }
  for (int b = 0; b < nb; ++b) {
    const PlainBatch& batch = inst.batches[static_cast<std::size_t>(b)];
    const int nh = static_cast<int>(batch.channels.size());
    const int scale = r.Range(1, 3);
    const int capmax = k.size == Size::kTiny ? r.Range(1, 2) : std::max(1, scale * n / (np * nh));
    for (PlainProgram& prog : inst.programs) {
      std::vector<std::optional<int>> row;
      for (int h = 0; h < nh; ++h) {
        const int roll = r.Range(0, 99);
        if (roll < 10) {
          row.push_back(std::nullopt);  // empty cell
        } else if (roll < 20) {
          row.push_back(0);
        } else {
          row.push_back(r.Range(1, capmax));
        }
      }
      if (k.conflicts && r.Percent(85)) {  // one seated channel, one seat (rarely two)
        const int keep = r.Range(0, nh - 1);
        for (int h = 0; h < nh; ++h) {
          if (h != keep) row[static_cast<std::size_t>(h)] = r.Percent(50) ? std::nullopt : std::optional<int>(0);
        }
        row[static_cast<std::size_t>(keep)] = r.Percent(85) ? 1 : 2;
      }
      prog.seats.push_back(std::move(row));
    }
  }

  std::set<std::string> ids;
  const std::vector<std::string> id_prefixes = {"", "C", "c", "C0", "Z"};
  std::vector<std::size_t> order(static_cast<std::size_t>(np));
  for (int c = 0; c < n; ++c) {
    PlainCandidate cand;
    do {
      cand.id = r.Pick(id_prefixes) + std::to_string(r.Range(1, 20 * n + 20));
    } while (!ids.insert(cand.id).second);
    cand.total = r.Pick(totals);
    const int roll = r.Range(0, 99);
    cand.arts = roll < 25 ? kMissing : roll < 38 ? 0 : roll < 43 ? -static_cast<Hundredths>(r.Range(1, 1000)) : r.Pick(arts_values);
    if (k.conflicts && r.Percent(70)) cand.arts = 1000 + (70000 - cand.total) / 2;  // by_arts ~ reverse of by_total
    cand.district = r.Pick(districts);
    for (int b = 0; b < nb; ++b) {
      std::vector<std::string> list;
      if (k.conflicts || !r.Percent(12)) {
        const int len = k.conflicts ? maxlen : r.Range(1, maxlen);
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        for (int i = 0; i < len; ++i) {  // partial Fisher-Yates: distinct programs
          const std::size_t j = static_cast<std::size_t>(i) + static_cast<std::size_t>(r.Below(order.size() - static_cast<std::size_t>(i)));
          std::swap(order[static_cast<std::size_t>(i)], order[j]);
          list.push_back(inst.programs[order[static_cast<std::size_t>(i)]].code);
        }
      }
      cand.lists.push_back(std::move(list));
    }
    inst.candidates.push_back(std::move(cand));
  }
  return inst;
}

// True when every channel with seats somewhere uses one ranking (the engine's fast path).
bool SharesOneRanking(const PlainInstance& inst, std::size_t b) {
  std::optional<RankingKind> shared;
  for (std::size_t h = 0; h < inst.batches[b].channels.size(); ++h) {
    bool seats = false;
    for (const PlainProgram& p : inst.programs) seats = seats || p.seats[b][h].value_or(0) > 0;
    if (!seats) continue;
    if (shared && *shared != inst.batches[b].channels[h].ranking) return false;
    shared = inst.batches[b].channels[h].ranking;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Input files.

struct InputFiles {
  std::string rules, candidates, choices, programs;
};

std::string Decimal(Hundredths v, Rng& style) {
  std::string s = brute::FormatHundredths(v);
  if (!style.Percent(15)) return s;
  // Same value, other spelling: 600 -> 600.0 / 600.00, 612.5 -> 612.50.
  if (v % 100 == 0) return s + (style.Percent(50) ? ".0" : ".00");
  if (v % 10 == 0) return s + "0";
  return s;
}

InputFiles RenderInputs(const PlainInstance& inst, Rng& style) {
  const std::string eol = style.Percent(10) ? "\r\n" : "\n";
  InputFiles f;
  bool by_total = false, by_arts = false;
  for (const PlainBatch& b : inst.batches) {
    for (const PlainChannel& ch : b.channels) (ch.ranking == RankingKind::kByTotal ? by_total : by_arts) = true;
  }
  f.rules = "version: 1\nname: property\ninputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\nrankings:\n";
  if (by_total) f.rules += "  by_total: {keys: [total desc], last_tie: id}\n";
  if (by_arts) f.rules += "  by_arts: {keys: [arts desc, total desc], last_tie: id}\n";
  f.rules += "batches:\n";
  for (const PlainBatch& b : inst.batches) {
    f.rules += "  - name: " + b.name + "\n    channels:\n";
    for (const PlainChannel& ch : b.channels) {
      f.rules += "      - {name: " + ch.name + ", seats: " + ch.seats + ", ranking: " + brute::RankingName(ch.ranking);
      if (ch.eligibility != EligibilityKind::kEveryone) f.rules += ", eligible: \"" + brute::EligibilityText(ch) + "\"";
      f.rules += "}\n";
    }
  }
  f.candidates = "id,name,total,arts,district" + eol;
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
    const PlainCandidate& x = inst.candidates[c];
    const std::string name = style.Percent(10) ? "\"Wang, No. " + std::to_string(c) + "\"" : "N" + std::to_string(c);
    f.candidates += x.id + "," + name + "," + Decimal(x.total, style) + "," + (x.arts == kMissing ? std::string() : Decimal(x.arts, style)) +
                    "," + x.district + eol;
  }
  f.choices = "candidate_id,batch,rank,program" + eol;
  for (const PlainCandidate& x : inst.candidates) {
    for (std::size_t b = 0; b < inst.batches.size(); ++b) {
      for (std::size_t k = 0; k < x.lists[b].size(); ++k) {
        f.choices += x.id + "," + inst.batches[b].name + "," + std::to_string(k + 1) + "," + x.lists[b][k] + eol;
      }
    }
  }
  f.programs = "code,school,name,sector,district";
  for (const PlainBatch& b : inst.batches) {
    for (const PlainChannel& ch : b.channels) f.programs += "," + ch.seats;
  }
  f.programs += eol;
  for (std::size_t p = 0; p < inst.programs.size(); ++p) {
    const PlainProgram& prog = inst.programs[p];
    f.programs += prog.code + ",School " + std::to_string(p) + ",Program " + std::to_string(p) + "," +
                  (p % 3 == 2 ? "private" : "public") + "," + prog.district;
    for (const auto& row : prog.seats) {
      for (const std::optional<int>& cell : row) f.programs += "," + (cell ? std::to_string(*cell) : std::string());
    }
    f.programs += eol;
  }
  return f;
}

// Shuffles the data rows of a CSV file (no field of ours spans lines), header first.
std::string ShuffleRows(const std::string& csv, Rng& r) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < csv.size()) {
    std::size_t end = csv.find('\n', start);
    end = end == std::string::npos ? csv.size() : end + 1;
    lines.push_back(csv.substr(start, end - start));
    start = end;
  }
  if (lines.size() < 2) return csv;
  std::vector<std::string> rows(lines.begin() + 1, lines.end());
  r.Shuffle(&rows);
  std::string out = lines[0];
  for (const std::string& row : rows) out += row;
  return out;
}

std::string WriteInputs(const TempDir& dir, const InputFiles& f) {
  dir.Write("candidates.csv", f.candidates);
  dir.Write("choices.csv", f.choices);
  dir.Write("programs.csv", f.programs);
  return dir.Write("rules.yaml", f.rules);
}

// ---------------------------------------------------------------------------------------------
// The engine.

struct Loaded {
  std::optional<Rules> rules;
  std::optional<Instance> instance;
  std::string error;  // every diagnostic when loading failed
};

Loaded Load(const std::string& rules_path) {
  Loaded l;
  DiagnosticSink sink;
  l.rules = LoadRules(rules_path, sink);
  if (l.rules && !sink.has_errors()) l.instance = LoadInputs(*l.rules, sink);
  if (!l.rules || !l.instance || sink.has_errors()) {
    l.error = "loading failed:";
    for (const Diagnostic& d : sink.diagnostics()) l.error += "\n  " + d.Format();
  }
  return l;
}

struct Output {
  std::string placements, cutoffs;
  std::vector<int> rounds;  // general-path rounds per batch; 0 where serial dictatorship ran
};

Output RunEngine(const Loaded& l, int threads, MatchPath path) {
  const Outcome o = Solve(*l.rules, *l.instance, RunOptions{threads, path});
  std::vector<int> rounds;
  for (const StageResult& st : o.stages) rounds.push_back(st.rounds);  // one stage per batch here
  return Output{RenderPlacements(*l.rules, *l.instance, o), RenderCutoffs(*l.rules, *l.instance, o), rounds};
}

// The first line where two texts differ, for messages.
std::string FirstDifference(const std::string& a, const std::string& b) {
  std::size_t line = 1, i = 0, start = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '\n') {
      ++line;
      start = i + 1;
    }
    ++i;
  }
  auto line_at = [&](const std::string& s) {
    if (start >= s.size()) return std::string("<end of file>");
    const std::size_t e = s.find('\n', start);
    return s.substr(start, e == std::string::npos ? std::string::npos : e - start);
  };
  return "line " + std::to_string(line) + ": '" + line_at(a) + "' vs '" + line_at(b) + "'";
}

std::string CompareOutputs(const Output& want, const Output& got, const std::string& what) {
  if (want.placements != got.placements) return what + ": placements.csv differs, " + FirstDifference(want.placements, got.placements);
  if (want.cutoffs != got.cutoffs) return what + ": cutoffs.csv differs, " + FirstDifference(want.cutoffs, got.cutoffs);
  return "";
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += "\n    " + x;
  return s;
}

// ---------------------------------------------------------------------------------------------
// One seed, end to end.

struct Stats {
  int instances = 0, candidates = 0, two_batch = 0, exhaustive = 0, stable_outcomes = 0, multi_stable_batches = 0;
  int batches = 0, fast_path_batches = 0, fast_path_batches_with_channels_and_eligibility = 0, mixed_ranking_batches = 0;
  int placed = 0, serial_dictatorship_batches = 0;

  std::string Summary() const {
    return std::to_string(instances) + " instances, " + std::to_string(candidates) + " candidates (" + std::to_string(placed) +
           " placed), " + std::to_string(two_batch) + " with two batches; " + std::to_string(batches) + " batches: " +
           std::to_string(fast_path_batches) + " share one ranking (" + std::to_string(fast_path_batches_with_channels_and_eligibility) +
           " of them with >= 2 seated channels and a condition), " + std::to_string(mixed_ranking_batches) +
           " with two rankings; kAuto ran serial dictatorship on " + std::to_string(serial_dictatorship_batches) +
           " batches; " + std::to_string(exhaustive) + " compared with the exhaustive search (" +
           std::to_string(stable_outcomes) + " stable outcomes enumerated, " + std::to_string(multi_stable_batches) +
           " batches with more than one)";
  }
};

void Count(const PlainInstance& inst, Stats* s) {
  ++s->instances;
  s->candidates += static_cast<int>(inst.candidates.size());
  if (inst.batches.size() > 1) ++s->two_batch;
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    ++s->batches;
    if (!SharesOneRanking(inst, b)) {
      ++s->mixed_ranking_batches;
      continue;
    }
    ++s->fast_path_batches;
    int seated = 0;
    bool condition = false;
    for (std::size_t h = 0; h < inst.batches[b].channels.size(); ++h) {
      bool seats = false;
      for (const PlainProgram& p : inst.programs) seats = seats || p.seats[b][h].value_or(0) > 0;
      if (!seats) continue;
      ++seated;
      condition = condition || inst.batches[b].channels[h].eligibility != EligibilityKind::kEveryone;
    }
    if (seated >= 2 && condition) ++s->fast_path_batches_with_channels_and_eligibility;
  }
}

// Runs every check on one seed; returns "" when all pass, else what failed.
std::string CheckSeed(std::uint64_t seed, const Knobs& knobs, Stats* stats) {
  const PlainInstance inst = Generate(seed, knobs);
  if (std::string e = brute::ValidateInstance(inst); !e.empty()) return "the generator made a malformed instance: " + e;
  Count(inst, stats);
  Rng style(seed * 0x9E3779B97F4A7C15ull + 1);
  const InputFiles files = RenderInputs(inst, style);

  TempDir dir;
  const Loaded loaded = Load(WriteInputs(dir, files));
  if (!loaded.error.empty()) return loaded.error + "\nrules.yaml:\n" + files.rules;

  const Output general1 = RunEngine(loaded, 1, MatchPath::kGeneral);
  for (int threads : {2, 8}) {
    std::string d = CompareOutputs(general1, RunEngine(loaded, threads, MatchPath::kGeneral),
                                   "general path with " + std::to_string(threads) + " threads vs 1 thread");
    if (!d.empty()) return d;
  }
  const Output automatic = RunEngine(loaded, 2, MatchPath::kAuto);
  if (std::string d = CompareOutputs(general1, automatic, "kAuto path vs general path"); !d.empty()) return d;
  for (std::size_t b = 0; b < inst.batches.size() && b < automatic.rounds.size() && b < general1.rounds.size(); ++b) {
    // Where the general path had work to do and kAuto ran none of its rounds, the fast path ran.
    if (general1.rounds[b] > 0 && automatic.rounds[b] == 0) ++stats->serial_dictatorship_batches;
  }

  std::string error;
  const std::optional<std::vector<PlainPlacement>> placements = brute::ParsePlacements(general1.placements, &error);
  if (!placements) return "cannot parse the engine's placements.csv: " + error;
  for (const PlainPlacement& pl : *placements) stats->placed += pl.placed ? 1 : 0;
  if (std::vector<std::string> v = brute::CheckAssignment(inst, *placements); !v.empty()) return "checker found violations:" + Join(v);
  if (std::string want = brute::ExpectedCutoffsCsv(inst, *placements); want != general1.cutoffs) {
    return "cutoffs.csv disagrees with the plain data, " + FirstDifference(want, general1.cutoffs);
  }

  if (knobs.size == Size::kTiny) {
    const std::optional<brute::ExhaustiveResult> best = brute::ExhaustiveStudentOptimal(inst, &error);
    if (!best) return "exhaustive search failed: " + error;
    ++stats->exhaustive;
    for (std::size_t k : best->stable_outcomes) {
      stats->stable_outcomes += static_cast<int>(k);
      stats->multi_stable_batches += k > 1 ? 1 : 0;
    }
    if (std::vector<std::string> v = brute::CheckAssignment(inst, best->placements); !v.empty()) {
      return "the exhaustive student-optimal matching fails the checker (brute-force bug):" + Join(v);
    }
    const std::string want = brute::RenderPlacementsCsv(inst, best->placements);
    if (want != general1.placements) {
      return "engine differs from the exhaustive student-optimal stable matching, " + FirstDifference(want, general1.placements) +
             "\nexpected placements.csv:\n" + want + "engine placements.csv:\n" + general1.placements;
    }
  }

  Rng shuffler(seed ^ 0xC0FFEE1234567ull);
  InputFiles shuffled = files;
  shuffled.candidates = ShuffleRows(files.candidates, shuffler);
  shuffled.choices = ShuffleRows(files.choices, shuffler);
  shuffled.programs = ShuffleRows(files.programs, shuffler);
  TempDir dir2;
  const Loaded reloaded = Load(WriteInputs(dir2, shuffled));
  if (!reloaded.error.empty()) return "after shuffling rows, " + reloaded.error;
  if (std::string d = CompareOutputs(general1, RunEngine(reloaded, 2, MatchPath::kGeneral), "shuffled rows, general path"); !d.empty()) return d;
  if (std::string d = CompareOutputs(general1, RunEngine(reloaded, 1, MatchPath::kAuto), "shuffled rows, kAuto path"); !d.empty()) return d;
  return "";
}

std::string KnobsText(const Knobs& k) {
  return std::string(SizeName(k.size)) + ", two batches " + std::to_string(k.two_batch_percent) + "%, shared ranking " +
         std::to_string(k.shared_ranking_percent) + "%" + (k.force_channels_with_eligibility ? ", forced channels with eligibility" : "") +
         (k.conflicts ? ", conflicting rankings" : "");
}

// Checks seeds [first, first + count); reports at most three failing seeds.
void CheckSeeds(std::uint64_t first, int count, const Knobs& knobs, Stats* stats) {
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = first + static_cast<std::uint64_t>(i);
    const std::string failure = CheckSeed(seed, knobs, stats);
    if (failure.empty()) continue;
    const PlainInstance inst = Generate(seed, knobs);
    ADD_FAILURE() << "seed " << seed << " (" << KnobsText(knobs) << "): " << failure
                  << (inst.candidates.size() <= 40 ? "\ninstance:\n" + brute::Describe(inst) : std::string());
    if (++failures == 3) {
      ADD_FAILURE() << "stopping after 3 failing seeds";
      return;
    }
  }
}

void Report(const char* what, const Stats& s) { std::cout << "[ property ] " << what << ": " << s.Summary() << "\n"; }

// ---------------------------------------------------------------------------------------------
// Random instances through the pipeline.

TEST(PropertyRandomInstances, TinyInstancesEqualTheExhaustiveStudentOptimalStableMatching) {
  Stats stats;
  CheckSeeds(1000, 500, Knobs{Size::kTiny, 25, 50, false}, &stats);
  Report("tiny", stats);
  EXPECT_EQ(stats.exhaustive, 500);
}

TEST(PropertyRandomInstances, SmallInstancesAreStableAndIndependentOfThreadsPathAndRowOrder) {
  Stats stats;
  CheckSeeds(2000, 350, Knobs{Size::kSmall, 30, 50, false}, &stats);
  Report("small", stats);
}

TEST(PropertyRandomInstances, LargeInstancesAreStableAndIndependentOfThreadsPathAndRowOrder) {
  Stats stats;
  CheckSeeds(3000, 60, Knobs{Size::kLarge, 30, 50, false}, &stats);
  Report("large", stats);
}

// Programs that rank by different rankings: several stable matchings exist, and the engine
// must give the student-optimal one.
TEST(PropertyRandomInstances, TinyInstancesWithConflictingRankingsEqualTheStudentOptimalOfSeveralStableMatchings) {
  Stats stats;
  Knobs knobs{Size::kTiny, 20, 0, false};
  knobs.conflicts = true;
  CheckSeeds(7000, 300, knobs, &stats);
  Report("tiny, conflicting rankings", stats);
  EXPECT_GE(stats.multi_stable_batches, 10);
}

// Every batch shares one ranking (by_total or by_arts) across 2-3 channels, at least one with
// an eligibility condition: kAuto takes serial dictatorship, and must equal general DA.
TEST(PropertyRandomInstances, SharedRankingWithChannelsAndEligibilityFastPathEqualsGeneralDeferredAcceptance) {
  Stats stats;
  CheckSeeds(4000, 60, Knobs{Size::kTiny, 20, 100, true}, &stats);
  CheckSeeds(4100, 70, Knobs{Size::kSmall, 20, 100, true}, &stats);
  CheckSeeds(4200, 20, Knobs{Size::kLarge, 20, 100, true}, &stats);
  Report("shared ranking", stats);
  EXPECT_EQ(stats.mixed_ranking_batches, 0);
  EXPECT_GE(stats.fast_path_batches_with_channels_and_eligibility, 100);
  EXPECT_GE(stats.serial_dictatorship_batches, 100);
}

// The second batch is for the candidates the first did not place; stability is checked per
// batch over the candidates who took part in it.
TEST(PropertyRandomInstances, TwoBatchesLockPlacedCandidatesOutOfTheSecond) {
  Stats stats;
  CheckSeeds(5000, 40, Knobs{Size::kTiny, 100, 50, false}, &stats);
  CheckSeeds(5100, 50, Knobs{Size::kSmall, 100, 50, false}, &stats);
  CheckSeeds(5200, 10, Knobs{Size::kLarge, 100, 50, false}, &stats);
  Report("two batches", stats);
  EXPECT_EQ(stats.two_batch, 100);
}

// ---------------------------------------------------------------------------------------------
// The checker can fail: deliberately wrong assignments are reported.

// batch main, channels [arts: by_arts, arts > 0; general: by_total]
//   A: arts 1, general 1;  B: arts empty, general 1;  C: arts 0, general 2
// By hand (student-proposing DA): A's arts seat goes to c2 (arts 90 beats c3's 80), its general
// seat to c1 (650 beats c3's 630); B takes c3 (630) over c4 (620) and c5; c4 falls to C.
PlainInstance HandInstance() {
  PlainInstance inst;
  PlainBatch batch;
  batch.name = "main";
  batch.channels.push_back(PlainChannel{"arts", "arts", RankingKind::kByArts, EligibilityKind::kArtsPositive, 0});
  batch.channels.push_back(PlainChannel{"general", "general", RankingKind::kByTotal, EligibilityKind::kEveryone, 0});
  inst.batches.push_back(batch);
  inst.programs.push_back(PlainProgram{"A", "D1", {{1, 1}}});
  inst.programs.push_back(PlainProgram{"B", "D1", {{std::nullopt, 1}}});
  inst.programs.push_back(PlainProgram{"C", "D1", {{0, 2}}});
  auto cand = [&](std::string id, Hundredths total, Hundredths arts, std::vector<std::string> list) {
    inst.candidates.push_back(PlainCandidate{std::move(id), total, arts, "D1", {std::move(list)}});
  };
  cand("c1", 65000, kMissing, {"A", "B"});
  cand("c2", 64000, 9000, {"A", "C"});
  cand("c3", 63000, 8000, {"A", "B"});
  cand("c4", 62000, 0, {"B", "C"});
  cand("c5", 61250, kMissing, {"B"});
  cand("c6", 61250, 7000, {"C"});
  return inst;
}

std::vector<PlainPlacement> HandAnswer() {
  return {
      {"c1", true, "main", "A", "general", 1}, {"c2", true, "main", "A", "arts", 1},
      {"c3", true, "main", "B", "general", 2}, {"c4", true, "main", "C", "general", 2},
      {"c5", false, "", "", "", 0},            {"c6", true, "main", "C", "general", 1},
  };
}

PlainPlacement* Find(std::vector<PlainPlacement>* v, const std::string& id) {
  for (PlainPlacement& p : *v) {
    if (p.candidate_id == id) return &p;
  }
  return nullptr;
}

// The violations of `placements`, or a message saying there were none.
std::string Violations(const PlainInstance& inst, const std::vector<PlainPlacement>& placements) {
  std::vector<std::string> v = brute::CheckAssignment(inst, placements);
  return v.empty() ? std::string("<no violation reported>") : Join(v);
}

bool Mentions(const std::vector<std::string>& v, const std::string& needle) {
  return std::any_of(v.begin(), v.end(), [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

TEST(BruteForceChecker, HandInstanceExhaustiveSearchGivesTheHandComputedMatching) {
  const PlainInstance inst = HandInstance();
  std::string error;
  auto best = brute::ExhaustiveStudentOptimal(inst, &error);
  ASSERT_TRUE(best) << error;
  EXPECT_EQ(best->placements, HandAnswer()) << brute::RenderPlacementsCsv(inst, best->placements);
  EXPECT_TRUE(brute::CheckAssignment(inst, HandAnswer()).empty()) << Violations(inst, HandAnswer());
  EXPECT_EQ(brute::ExpectedCutoffsCsv(inst, HandAnswer()),
            "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity\n"
            "main,A,arts,,1,1,640,,1,0,0,0\nmain,A,general,,1,1,650,,1,0,0,0\n"
            "main,B,arts,,0,0,,,0,0,0,0\nmain,B,general,,1,1,630,,1,0,0,0\n"
            "main,C,arts,,0,0,,,0,0,0,0\nmain,C,general,,2,2,612.5,,2,0,0,0\n");
}

TEST(BruteForceChecker, HandInstanceThroughTheEngineGivesTheHandComputedMatching) {
  const PlainInstance inst = HandInstance();
  Rng style(7);
  TempDir dir;
  const Loaded loaded = Load(WriteInputs(dir, RenderInputs(inst, style)));
  ASSERT_EQ(loaded.error, "");
  for (MatchPath path : {MatchPath::kGeneral, MatchPath::kAuto}) {
    EXPECT_EQ(RunEngine(loaded, 2, path).placements, brute::RenderPlacementsCsv(inst, HandAnswer()));
  }
}

TEST(BruteForceChecker, FlagsCandidateMovedToAHigherRankedFullProgram) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  *Find(&wrong, "c3") = {"c3", true, "main", "A", "general", 1};  // A's general seat is c1's
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "capacity 1")) << Violations(inst, wrong);
  EXPECT_TRUE(Mentions(v, "own choice from its admitted set rejects c3")) << Violations(inst, wrong);
  EXPECT_TRUE(Mentions(v, "c4 (total 620, arts 0, district D1), placed at C (choice 2), has justified envy toward B (choice 1): "
                          "channel 'general' has a free seat"))
      << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsExceededCapacity) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  *Find(&wrong, "c5") = {"c5", true, "main", "B", "general", 1};
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "B channel 'general' holds 2 candidates but has capacity 1")) << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsIneligiblePlacement) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  Find(&wrong, "c1")->channel = "arts";  // c1 has no arts score
  Find(&wrong, "c2")->channel = "general";
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "c1 (total 650, arts missing, district D1) is placed in channel 'arts' of A but is not eligible for it (arts > 0)"))
      << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsIneligibleArtsZeroAndNoSeatChannel) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  Find(&wrong, "c4")->channel = "arts";  // arts 0 is not > 0, and C has 0 arts seats
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "c4 (total 620, arts 0, district D1) is placed in channel 'arts' of C but is not eligible")) << Violations(inst, wrong);
  EXPECT_TRUE(Mentions(v, "channel 'arts' of C, which has no seats there")) << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsChannelLabelThatDisagreesWithTheChoiceFunction) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  Find(&wrong, "c2")->channel = "general";  // arts is filled first and c2 is its best applicant
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "is reported in channel 'general' of A but the program's choice from its admitted set puts them in channel 'arts'"))
      << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsWrongChoiceRankAndUnlistedProgram) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  Find(&wrong, "c4")->choice_rank = 1;
  *Find(&wrong, "c5") = {"c5", true, "main", "C", "general", 1};  // c5 listed only B
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "'c4' at C: choice_rank 1 but the program is choice 2")) << Violations(inst, wrong);
  EXPECT_TRUE(Mentions(v, "is placed at C in batch 'main' but did not list it there")) << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsUnplacedCandidateWithAFreeSeat) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  *Find(&wrong, "c6") = {"c6", false, "", "", "", 0};
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "c6 (total 612.5, arts 70, district D1), unplaced, has justified envy toward C (choice 1): channel 'general' has a free seat"))
      << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsLowerPriorityCandidateHoldingTheSeat) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  // c4 takes B instead of c3: a full seat held by someone c3 outranks.
  *Find(&wrong, "c3") = {"c3", false, "", "", "", 0};
  *Find(&wrong, "c4") = {"c4", true, "main", "B", "general", 1};
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "c3 (total 630, arts 80, district D1), unplaced, has justified envy toward B (choice 2): channel 'general' holds c4"))
      << Violations(inst, wrong);
}

TEST(BruteForceChecker, FlagsMissingDuplicateUnsortedAndUnknownRows) {
  const PlainInstance inst = HandInstance();
  auto wrong = HandAnswer();
  wrong.erase(wrong.begin() + 5);                     // c6 gone
  std::swap(wrong[0], wrong[1]);                      // c2 before c1
  wrong.push_back({"c9", false, "", "", "", 0});      // nobody
  wrong.push_back({"c5", false, "", "", "", 0});      // twice
  const auto v = brute::CheckAssignment(inst, wrong);
  EXPECT_TRUE(Mentions(v, "candidate 'c6' has no row")) << Violations(inst, wrong);
  EXPECT_TRUE(Mentions(v, "rows are not sorted by candidate id")) << Violations(inst, wrong);
  EXPECT_TRUE(Mentions(v, "unknown candidate 'c9'")) << Violations(inst, wrong);
  EXPECT_TRUE(Mentions(v, "candidate 'c5' has more than one row")) << Violations(inst, wrong);
}

// Two stable matchings: X ranks by arts, Y by total; a prefers Y, b prefers X. The checker
// accepts both (it checks stability, not optimality); the exhaustive search picks the one
// both candidates prefer.
TEST(BruteForceChecker, AcceptsEveryStableMatchingAndExhaustiveSearchPicksTheStudentOptimalOne) {
  PlainInstance inst;
  PlainBatch batch;
  batch.name = "main";
  batch.channels.push_back(PlainChannel{"art", "art", RankingKind::kByArts, EligibilityKind::kEveryone, 0});
  batch.channels.push_back(PlainChannel{"gen", "gen", RankingKind::kByTotal, EligibilityKind::kEveryone, 0});
  inst.batches.push_back(batch);
  inst.programs.push_back(PlainProgram{"X", "D1", {{1, std::nullopt}}});
  inst.programs.push_back(PlainProgram{"Y", "D1", {{0, 1}}});
  inst.candidates.push_back(PlainCandidate{"a", 60000, 9000, "D1", {{"Y", "X"}}});
  inst.candidates.push_back(PlainCandidate{"b", 65000, 5000, "D1", {{"X", "Y"}}});
  const std::vector<PlainPlacement> optimal = {{"a", true, "main", "Y", "gen", 1}, {"b", true, "main", "X", "art", 1}};
  const std::vector<PlainPlacement> pessimal = {{"a", true, "main", "X", "art", 2}, {"b", true, "main", "Y", "gen", 2}};
  EXPECT_TRUE(brute::CheckAssignment(inst, optimal).empty()) << Violations(inst, optimal);
  EXPECT_TRUE(brute::CheckAssignment(inst, pessimal).empty()) << Violations(inst, pessimal);
  std::string error;
  auto best = brute::ExhaustiveStudentOptimal(inst, &error);
  ASSERT_TRUE(best) << error;
  EXPECT_EQ(best->stable_outcomes, std::vector<std::size_t>{2});
  EXPECT_EQ(best->placements, optimal);
}

TEST(BruteForceChecker, RankingAndEligibilityPrimitivesFollowTheContract) {
  PlainInstance inst;
  auto cand = [&](std::string id, Hundredths total, Hundredths arts) {
    inst.candidates.push_back(PlainCandidate{std::move(id), total, arts, "D1", {}});
  };
  cand("C9", 61250, kMissing);  // 0
  cand("C10", 61250, -500);     // 1
  cand("c1", 61250, 0);         // 2
  cand("Z9", 70000, kMissing);  // 3
  // last_tie: id is byte order: "C10" < "C9" < "Z9" < "c1".
  EXPECT_TRUE(brute::Outranks(inst, RankingKind::kByTotal, 1, 0));
  EXPECT_TRUE(brute::Outranks(inst, RankingKind::kByTotal, 0, 2));
  EXPECT_TRUE(brute::Outranks(inst, RankingKind::kByTotal, 3, 1));
  // Missing arts ranks after every present value, even a negative one; then total decides.
  EXPECT_TRUE(brute::Outranks(inst, RankingKind::kByArts, 1, 3));
  EXPECT_TRUE(brute::Outranks(inst, RankingKind::kByArts, 2, 1));
  EXPECT_TRUE(brute::Outranks(inst, RankingKind::kByArts, 3, 0));
  EXPECT_FALSE(brute::Outranks(inst, RankingKind::kByArts, 0, 0));
  PlainChannel arts{"arts", "arts", RankingKind::kByArts, EligibilityKind::kArtsPositive, 0};
  inst.programs.push_back(PlainProgram{"P", "D1", {}});
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) EXPECT_FALSE(brute::IsEligible(inst, arts, c, 0)) << c;
  PlainChannel line{"line", "line", RankingKind::kByTotal, EligibilityKind::kTotalAtLeast, 61250};
  EXPECT_TRUE(brute::IsEligible(inst, line, 0, 0));
  EXPECT_EQ(brute::FormatHundredths(61250), "612.5");
  EXPECT_EQ(brute::FormatHundredths(60000), "600");
  EXPECT_EQ(brute::FormatHundredths(61225), "612.25");
  EXPECT_EQ(brute::FormatHundredths(61205), "612.05");
  EXPECT_EQ(brute::FormatHundredths(-325), "-3.25");
}

// Mutations of real engine outputs that must break stability: move a placed candidate to a
// choice it ranked higher (in the stable outcome every seat there it could take is full with
// better-ranked holders, so the program's choice rejects someone); unplace a placed candidate
// (its own seat becomes a free seat it envies); place an unplaced participant at its first
// choice (same argument as the move).
TEST(BruteForceChecker, FlagsMutationsOfRandomEngineOutputs) {
  int moved = 0, unplaced = 0, added = 0;
  for (std::uint64_t seed = 6000; seed < 6080; ++seed) {
    const PlainInstance inst = Generate(seed, Knobs{Size::kSmall, 30, 50, false});
    Rng style(seed);
    TempDir dir;
    const Loaded loaded = Load(WriteInputs(dir, RenderInputs(inst, style)));
    ASSERT_EQ(loaded.error, "") << "seed " << seed;
    std::string error;
    const auto engine = brute::ParsePlacements(RunEngine(loaded, 2, MatchPath::kGeneral).placements, &error);
    ASSERT_TRUE(engine) << "seed " << seed << ": " << error;
    ASSERT_TRUE(brute::CheckAssignment(inst, *engine).empty()) << "seed " << seed << Violations(inst, *engine);
    std::map<std::string, const PlainCandidate*> by_id;
    for (const PlainCandidate& c : inst.candidates) by_id.emplace(c.id, &c);
    std::map<std::string, std::size_t> batch_index;
    for (std::size_t b = 0; b < inst.batches.size(); ++b) batch_index.emplace(inst.batches[b].name, b);
    for (std::size_t r = 0; r < engine->size(); ++r) {
      const PlainPlacement& pl = (*engine)[r];
      const PlainCandidate& c = *by_id.at(pl.candidate_id);
      auto mutant = *engine;
      if (pl.placed) {
        mutant[r] = {pl.candidate_id, false, "", "", "", 0};
        EXPECT_FALSE(brute::CheckAssignment(inst, mutant).empty()) << "seed " << seed << ": unplacing " << pl.candidate_id << " went unnoticed";
        ++unplaced;
        if (pl.choice_rank > 1) {
          const std::size_t b = batch_index.at(pl.batch);
          mutant[r] = {pl.candidate_id, true, pl.batch, c.lists[b][0], inst.batches[b].channels[0].name, 1};
          EXPECT_FALSE(brute::CheckAssignment(inst, mutant).empty())
              << "seed " << seed << ": moving " << pl.candidate_id << " up to its first choice went unnoticed";
          ++moved;
        }
      } else {
        // A non-participant cannot exist when unplaced: every batch's list is open to it.
        for (std::size_t b = 0; b < inst.batches.size(); ++b) {
          if (c.lists[b].empty()) continue;
          for (const PlainChannel& ch : inst.batches[b].channels) {
            mutant[r] = {pl.candidate_id, true, inst.batches[b].name, c.lists[b][0], ch.name, 1};
            EXPECT_FALSE(brute::CheckAssignment(inst, mutant).empty())
                << "seed " << seed << ": placing unplaced " << pl.candidate_id << " at " << c.lists[b][0] << " went unnoticed";
            ++added;
          }
        }
      }
    }
  }
  std::cout << "[ property ] mutations flagged: " << moved << " moved up, " << unplaced << " unplaced, " << added << " added\n";
  EXPECT_GT(moved, 50);
  EXPECT_GT(unplaced, 100);
  EXPECT_GT(added, 50);
}

}  // namespace
}  // namespace zkmatch::testing
