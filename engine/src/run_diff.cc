// Comparing two runs' published outcomes. See zkmatch/run_diff.h.
#include "zkmatch/run_diff.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "csv.h"
#include "decimal.h"
#include "digest.h"
#include "run_format.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

PlacementRef Ref(const PlacementRow& r) {
  if (r.reassigned()) return PlacementRef{"reassigned", r.batch, r.stage, r.program, r.channel};  // a seat given after the batches
  if (!r.placed()) return PlacementRef{"unplaced", {}, {}, {}, {}};
  return PlacementRef{"placed", r.batch, r.stage, r.program, r.channel};
}

const PlacementRef kAbsent{"absent", {}, {}, {}, {}};

bool Same(const PlacementRef& a, const PlacementRef& b) {
  return std::tie(a.status, a.batch, a.stage, a.program, a.channel) == std::tie(b.status, b.batch, b.stage, b.program, b.channel);
}

std::string Where(const PlacementRef& r) {
  if (r.status == "reassigned") return r.program + " (reassigned)";
  return r.status == "placed" ? r.program : r.status;
}

using SeatKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

// The lower of two cut-offs as written ("612.5"); empty means none admitted.
std::string Lower(const std::string& a, const std::string& b) {
  Score x = 0, y = 0;
  std::string why;
  if (a.empty() || !ParseDecimal(a, &x, &why)) return b;
  if (b.empty() || !ParseDecimal(b, &y, &why)) return a;
  return y < x ? b : a;
}

// Seat blocks of both runs matched by key -- per group, or per program and channel with a
// split channel's groups summed (lowest cut-off) -- keeping those that differ.
std::vector<RunDiff::SeatChange> Changes(const std::vector<CutoffRow>& ca, const std::vector<CutoffRow>& cb, bool by_group) {
  std::map<SeatKey, RunDiff::SeatChange> seats;
  for (int side = 0; side < 2; ++side) {
    for (const CutoffRow& r : side == 0 ? ca : cb) {
      const std::string group = by_group ? r.group : std::string();
      RunDiff::SeatChange& s = seats[{r.batch, r.stage, r.program, r.channel, group}];
      s.batch = r.batch;
      s.stage = r.stage;
      s.program = r.program;
      s.channel = r.channel;
      s.group = group;
      (side == 0 ? s.in_a : s.in_b) = true;
      (side == 0 ? s.capacity_a : s.capacity_b) += r.capacity;
      (side == 0 ? s.admitted_a : s.admitted_b) += r.admitted;
      std::string& cut = side == 0 ? s.cutoff_a : s.cutoff_b;
      cut = Lower(cut, r.cutoff_total);
    }
  }
  std::vector<RunDiff::SeatChange> changes;
  for (auto& [key, s] : seats) {
    if (s.in_a != s.in_b || s.capacity_a != s.capacity_b || s.admitted_a != s.admitted_b || s.cutoff_a != s.cutoff_b) changes.push_back(std::move(s));
  }
  return changes;
}

// The rules a run used, as its manifest records them; nullopt with `*why` when they cannot be
// read as they were (gone, or changed since: the digest is checked).
std::optional<Rules> RecordedRules(const std::string& dir, std::string* why) {
  Manifest manifest;
  std::vector<Finding> findings;
  if (ReadManifest(dir, &manifest, &findings) != ReadStatus::kRead) {
    *why = "no readable manifest.json in " + dir;
    return std::nullopt;
  }
  for (const ManifestInput& f : manifest.inputs) {
    if ((f.role == "rules" || f.role == "rules_base") && Sha256File(RecordedFilePath(dir, f.path)) != f.sha256) {
      *why = RecordedFilePath(dir, f.path) + " changed since the run " + dir + " (or is gone)";
      return std::nullopt;
    }
  }
  const ManifestInput* rules = manifest.Input("rules");
  if (!rules) {
    *why = "the manifest of " + dir + " names no rules file";
    return std::nullopt;
  }
  DiagnosticSink quiet;
  auto loaded = LoadRules(RecordedFilePath(dir, rules->path), quiet, BundleFileMap(dir, manifest));
  if (!loaded) {
    *why = RecordedFilePath(dir, rules->path) + " no longer loads";
    return std::nullopt;
  }
  return std::move(*loaded);
}

// The digest of each input a run recorded, by role (empty when the manifest cannot be read).
std::map<std::string, std::string> RecordedDigests(const std::string& dir) {
  Manifest manifest;
  std::vector<Finding> findings;
  std::map<std::string, std::string> out;
  if (ReadManifest(dir, &manifest, &findings) != ReadStatus::kRead) return out;
  for (const ManifestInput& f : manifest.inputs) out[f.role] = f.sha256;
  return out;
}

// Whether a changed `inputs.ROLE: PATH` setting names the same bytes in both runs (the path is
// written otherwise, e.g. from a rules file in another directory): not a change of the inputs.
bool SameInputBytes(const std::string& key, const std::string& a, const std::string& b, const std::map<std::string, std::string>& da,
                    const std::map<std::string, std::string>& db) {
  if (key.rfind("inputs.", 0) != 0 || a.find('{') != std::string::npos || b.find('{') != std::string::npos) return false;
  const std::string role = key.substr(7);
  const auto x = da.find(role), y = db.find(role);
  return x != da.end() && y != db.end() && !x->second.empty() && x->second == y->second;
}

// At most `n` bytes of `s`, cut at a character boundary, with "..." when cut.
std::string Shortened(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t end = n - 3;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // not inside a UTF-8 character
  return s.substr(0, end) + "...";
}

// "A -> B" for a setting; a setting written over several lines (a whole `batches:`) shows the
// first line that differs, with its number, instead of the start of both.
std::string ShownChange(const std::string& a, const std::string& b) {
  auto one = [](const std::string& v) { return v.empty() ? std::string("(none)") : Shortened(v, 100); };
  if (a.find('\n') == std::string::npos && b.find('\n') == std::string::npos) return one(a) + " -> " + one(b);
  std::size_t line = 1, i = 0, start = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '\n') {
      ++line;
      start = i + 1;
    }
    ++i;
  }
  auto line_of = [&](const std::string& v) {
    if (start >= v.size()) return std::string("(end)");
    const std::size_t e = v.find('\n', start);
    std::string l = v.substr(start, e == std::string::npos ? std::string::npos : e - start);
    const std::size_t first = l.find_first_not_of(' ');
    return first == std::string::npos ? std::string("(empty line)") : Shortened(l.substr(first), 80);
  };
  return "first difference at line " + std::to_string(line) + ": " + line_of(a) + " -> " + line_of(b);
}

// Rule settings and lines that differ between the runs.
void DiffRulesAndLines(const std::string& a_dir, const std::string& b_dir, RunDiff* d) {
  std::string why_a, why_b;
  const std::optional<Rules> ra = RecordedRules(a_dir, &why_a), rb = RecordedRules(b_dir, &why_b);
  if (ra && rb) {
    d->rules_a = ra->name;
    d->rules_b = rb->name;
    std::map<std::string, std::string> a(ra->settings.begin(), ra->settings.end());
    a.erase("name");  // said on the rules line
    const auto digests_a = RecordedDigests(a_dir), digests_b = RecordedDigests(b_dir);
    for (const auto& [key, value] : rb->settings) {
      if (key == "name") continue;
      const auto it = a.find(key);
      if (it == a.end()) {
        d->setting_changes.push_back({key, "", value});
      } else {
        if (it->second != value && !SameInputBytes(key, it->second, value, digests_a, digests_b)) d->setting_changes.push_back({key, it->second, value});
        a.erase(it);
      }
    }
    for (const auto& [key, value] : ra->settings) {
      if (key != "name" && a.count(key)) d->setting_changes.push_back({key, value, ""});
    }
  } else {
    d->rules_note = "rule settings not compared: " + (ra ? why_b : why_a);
  }
  DiagnosticSink quiet;
  std::vector<LineRow> la, lb;
  if (!ReadLinesCsv(a_dir, &la, quiet) || !ReadLinesCsv(b_dir, &lb, quiet)) return;
  std::map<std::string, std::string> a;
  for (const LineRow& l : la) a[l.name] = l.value;
  for (const LineRow& l : lb) {
    const auto it = a.find(l.name);
    if (it == a.end() || it->second != l.value) d->line_changes.push_back({l.name, it == a.end() ? "" : it->second, l.value});
    if (it != a.end()) a.erase(it);
  }
  for (const LineRow& l : la) {
    if (a.count(l.name)) d->line_changes.push_back({l.name, l.value, ""});
  }
}

}  // namespace

std::string PlacementRef::Describe() const {
  if (status != "placed" && status != "reassigned") return status;
  return (status == "reassigned" ? "reassigned " : "") + batch + "/" + (stage.empty() ? "" : stage + "/") + program + "/" + channel;
}

namespace {

// Placed better (negative), the same (0) or worse (positive) -- RunDiff's gains and losses.
int CompareOutcome(const CandidateOutcome& a, const CandidateOutcome& b) {
  if ((a.batch < 0) != (b.batch < 0)) return a.batch < 0 ? 1 : -1;
  if (a.batch < 0) return 0;
  if (a.batch != b.batch) return a.batch < b.batch ? -1 : 1;
  return a.choice_rank == b.choice_rank ? 0 : a.choice_rank < b.choice_rank ? -1 : 1;
}

// RunDiff's mechanism study: both runs studied, gains and losses by decile and junior school
// over the candidates of both (by id).
void StudyBoth(const std::string& a_dir, const std::string& b_dir, RunDiff* d) {
  DiagnosticSink quiet;
  Instance ia, ib;
  const Result<RunStudy> sa = StudyRun(a_dir, quiet, &ia);
  const Result<RunStudy> sb = StudyRun(b_dir, quiet, &ib);
  if (!sa || !sb) {
    d->study_note = "no mechanism study: " + (sa ? sb.status() : sa.status()).message();
    return;
  }
  d->study_a = sa->batches;
  d->study_b = sb->batches;
  const Candidates& cb = ib.candidates;
  std::vector<CandidateIndex> order(cb.size());
  for (std::size_t c = 0; c < order.size(); ++c) order[c] = static_cast<CandidateIndex>(c);
  std::stable_sort(order.begin(), order.end(), [&](CandidateIndex x, CandidateIndex y) { return cb.total[x] > cb.total[y]; });  // ids ascending within a total
  std::vector<int> decile(cb.size(), 0);
  for (std::size_t i = 0; i < order.size(); ++i) decile[order[i]] = static_cast<int>(i * 10 / order.size()) + 1;
  d->by_decile.resize(cb.size() ? 10 : 0);
  for (std::size_t k = 0; k < d->by_decile.size(); ++k) d->by_decile[k].key = std::to_string(k + 1);
  const Column* junior = cb.FindColumn("junior_school");
  std::map<std::string, RunDiff::GainLoss> juniors;
  for (std::size_t c = 0; c < cb.size(); ++c) {
    auto it = std::lower_bound(ia.candidates.id.begin(), ia.candidates.id.end(), cb.id[c]);
    if (it == ia.candidates.id.end() || *it != cb.id[c]) continue;
    const int cmp = CompareOutcome(sb->outcome[c], sa->outcome[static_cast<std::size_t>(it - ia.candidates.id.begin())]);
    auto count = [&](RunDiff::GainLoss& g) {
      ++g.candidates;
      g.gained += cmp < 0 ? 1 : 0;
      g.lost += cmp > 0 ? 1 : 0;
    };
    count(d->by_decile[static_cast<std::size_t>(decile[c] - 1)]);
    if (junior && !junior->numeric) {
      RunDiff::GainLoss& g = juniors[junior->dictionary[junior->text[c]]];
      g.key = junior->dictionary[junior->text[c]];
      count(g);
    }
  }
  for (auto& [key, g] : juniors) d->by_junior.push_back(std::move(g));
}

}  // namespace

Result<RunDiff> DiffRuns(const std::string& a_dir, const std::string& b_dir, DiagnosticSink& sink) {
  std::vector<PlacementRow> pa, pb;
  std::vector<CutoffRow> ca, cb;
  if (!ReadPlacementsCsv(a_dir, &pa, sink) || !ReadPlacementsCsv(b_dir, &pb, sink) || !ReadCutoffsCsv(a_dir, &ca, sink) ||
      !ReadCutoffsCsv(b_dir, &cb, sink)) {
    return Status::FromSink(sink, "the runs' published files");
  }
  RunDiff d;
  d.a_dir = a_dir;
  d.b_dir = b_dir;
  DiffRulesAndLines(a_dir, b_dir, &d);
  StudyBoth(a_dir, b_dir, &d);
  d.candidates_a = static_cast<std::int64_t>(pa.size());
  d.candidates_b = static_cast<std::int64_t>(pb.size());
  // Both files are sorted by id (the output contract): merge them.
  std::map<std::pair<std::string, std::string>, std::int64_t> moves;
  auto add = [&](const std::string& id, const PlacementRef& a, const PlacementRef& b) {
    if (a.status == "placed") ++d.placed_a;
    if (b.status == "placed") ++d.placed_b;
    if (Same(a, b)) return;
    d.movers.push_back(RunDiff::Mover{id, a, b});
    if (a.status == "placed" && b.status == "placed" && a.program == b.program) ++d.channel_only;
    ++moves[{Where(a), Where(b)}];
  };
  std::size_t i = 0, j = 0;
  while (i < pa.size() || j < pb.size()) {
    if (j == pb.size() || (i < pa.size() && pa[i].id < pb[j].id)) {
      ++d.only_a;
      add(pa[i].id, Ref(pa[i]), kAbsent);
      ++i;
    } else if (i == pa.size() || pb[j].id < pa[i].id) {
      ++d.only_b;
      add(pb[j].id, kAbsent, Ref(pb[j]));
      ++j;
    } else {
      add(pa[i].id, Ref(pa[i]), Ref(pb[j]));
      ++i;
      ++j;
    }
  }
  for (const auto& [key, n] : moves) d.moves.push_back(RunDiff::Move{key.first, key.second, n});

  d.seat_changes = Changes(ca, cb, true);
  d.channel_changes = Changes(ca, cb, false);
  return d;
}

std::string RenderDiffCsv(const RunDiff& diff) {
  std::string out;
  AppendCsvRow(&out, {"candidate_id", "a_status", "a_batch", "a_stage", "a_program", "a_channel", "b_status", "b_batch", "b_stage", "b_program",
                      "b_channel"});
  for (const RunDiff::Mover& m : diff.movers) {
    AppendCsvRow(&out, {m.id, m.a.status, m.a.batch, m.a.stage, m.a.program, m.a.channel, m.b.status, m.b.batch, m.b.stage, m.b.program, m.b.channel});
  }
  return out;
}

std::string RenderSeatChangesCsv(const RunDiff& diff) {
  std::string out;
  AppendCsvRow(&out, {"batch", "stage", "program", "channel", "group", "a_capacity", "b_capacity", "a_admitted", "b_admitted", "a_cutoff_total",
                      "b_cutoff_total"});
  auto num = [](bool present, std::int64_t v) { return present ? std::to_string(v) : std::string(); };
  for (const RunDiff::SeatChange& s : diff.seat_changes) {
    AppendCsvRow(&out, {s.batch, s.stage, s.program, s.channel, s.group, num(s.in_a, s.capacity_a), num(s.in_b, s.capacity_b), num(s.in_a, s.admitted_a),
                        num(s.in_b, s.admitted_b), s.cutoff_a, s.cutoff_b});
  }
  return out;
}

namespace {

// The mechanism study part of the summary: per batch A and B side by side, then gains/losses.
std::string RenderStudy(const RunDiff& diff) {
  if (!diff.study_note.empty()) return diff.study_note + "\n";
  std::string out = "mechanism study (placed at choice 1, 2, ...; unplaced; candidates with justified envy):\n";
  auto row = [](const BatchStudy& s) {
    std::string r = "[";
    for (std::size_t k = 0; k < s.at_choice.size(); ++k) r += (k ? " " : "") + std::to_string(s.at_choice[k]);
    return r + "] unplaced " + std::to_string(s.unplaced) + ", justified envy " + std::to_string(s.justified_envy) + " (" + s.mechanism + ")";
  };
  for (std::size_t b = 0; b < std::max(diff.study_a.size(), diff.study_b.size()); ++b) {
    const std::string name = b < diff.study_b.size() ? diff.study_b[b].batch : diff.study_a[b].batch;
    out += "  batch " + name + "\n    A: " + (b < diff.study_a.size() ? row(diff.study_a[b]) : "-") + "\n    B: " + (b < diff.study_b.size() ? row(diff.study_b[b]) : "-") + "\n";
  }
  auto table = [&](const char* title, const std::vector<RunDiff::GainLoss>& rows) {
    if (rows.empty()) return;
    out += std::string("  gains and losses by ") + title + " (candidates: gained / lost in B against A):\n";
    for (const RunDiff::GainLoss& g : rows) {
      out += "    " + g.key + ": " + std::to_string(g.candidates) + ": +" + std::to_string(g.gained) + " / -" + std::to_string(g.lost) + "\n";
    }
  };
  table("score decile (1 = highest totals)", diff.by_decile);
  table("junior school", diff.by_junior);
  return out;
}

}  // namespace

std::string RenderDiffSummary(const RunDiff& diff) {
  std::string out = "A: " + diff.a_dir + " (" + std::to_string(diff.candidates_a) + " candidates, " + std::to_string(diff.placed_a) + " placed)\n";
  out += "B: " + diff.b_dir + " (" + std::to_string(diff.candidates_b) + " candidates, " + std::to_string(diff.placed_b) + " placed)\n";
  // What was changed first, then what it did.
  if (!diff.rules_note.empty()) {
    out += diff.rules_note + "\n";
  } else {
    out += "rules: " + diff.rules_a + (diff.rules_a == diff.rules_b ? " (both)" : " -> " + diff.rules_b) + "; settings changed: " +
           std::to_string(diff.setting_changes.size()) + "\n";
    for (const RunDiff::SettingChange& c : diff.setting_changes) out += "  " + c.key + ": " + ShownChange(c.a, c.b) + "\n";
  }
  if (!diff.line_changes.empty()) {
    out += "lines changed:";
    for (const RunDiff::LineChange& l : diff.line_changes) {
      out += " " + l.name + " " + (l.a.empty() ? "-" : l.a) + " -> " + (l.b.empty() ? "-" : l.b) + ";";
    }
    out.back() = '\n';
  }
  if (diff.only_a || diff.only_b) {
    out += "candidates only in A: " + std::to_string(diff.only_a) + ", only in B: " + std::to_string(diff.only_b) + "\n";
  }
  out += "moved: " + std::to_string(diff.movers.size()) + " candidate" + (diff.movers.size() == 1 ? "" : "s") + " (" +
         std::to_string(static_cast<std::int64_t>(diff.movers.size()) - diff.channel_only) + " to another program or in or out of a place, " +
         std::to_string(diff.channel_only) + " only to another channel of the same program)\n";
  for (const RunDiff::Move& m : diff.moves) out += "  " + m.from + " -> " + m.to + ": " + std::to_string(m.count) + "\n";
  out += "cut-offs changed (program and channel; split channels' groups summed, lowest cut-off): " + std::to_string(diff.channel_changes.size()) + "\n";
  for (const RunDiff::SeatChange& s : diff.channel_changes) {
    out += "  " + s.batch + (s.stage.empty() ? "" : "/" + s.stage) + " " + s.program + " " + s.channel + ": capacity " +
           (s.in_a ? std::to_string(s.capacity_a) : "-") + " -> " + (s.in_b ? std::to_string(s.capacity_b) : "-") + ", admitted " +
           (s.in_a ? std::to_string(s.admitted_a) : "-") + " -> " + (s.in_b ? std::to_string(s.admitted_b) : "-") + ", cut-off " +
           (s.cutoff_a.empty() ? "-" : s.cutoff_a) + " -> " + (s.cutoff_b.empty() ? "-" : s.cutoff_b) + "\n";
  }
  out += "seat blocks changed (per group, in cutoff_diff.csv): " + std::to_string(diff.seat_changes.size()) + "\n";
  out += RenderStudy(diff);
  return out;
}

}  // namespace zkmatch
