// Independent reference implementation for the property tests. See brute_force.h.
//
// Deliberately simple and slow: linear scans, full sorts, no incremental updates. It shares no
// code with engine/src (only the standard library), so it cannot inherit the engine's bugs.
#include "support/brute_force.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace zkmatch::testing::brute {
namespace {

constexpr std::size_t kNoPosition = static_cast<std::size_t>(-1);
constexpr std::size_t kMaxReported = 25;

int Capacity(const PlainInstance& inst, std::size_t b, std::size_t p, std::size_t h) {
  const std::optional<int>& cell = inst.programs[p].seats[b][h];
  return cell.has_value() && *cell > 0 ? *cell : 0;
}

std::string DescribeCandidate(const PlainInstance& inst, std::size_t c) {
  const PlainCandidate& x = inst.candidates[c];
  std::string s = x.id + " (total " + FormatHundredths(x.total) + ", arts " +
                  (x.arts == kMissing ? std::string("missing") : FormatHundredths(x.arts));
  if (!x.district.empty()) s += ", district " + x.district;
  return s + ")";
}

// Name -> index lookups and the choice lists as program indices.
struct Lookup {
  std::unordered_map<std::string, std::size_t> candidate, program, batch;
  std::vector<std::unordered_map<std::string, std::size_t>> channel;  // per batch
  std::vector<std::vector<std::vector<std::size_t>>> lists;           // [batch][candidate]

  explicit Lookup(const PlainInstance& inst) {
    for (std::size_t c = 0; c < inst.candidates.size(); ++c) candidate.emplace(inst.candidates[c].id, c);
    for (std::size_t p = 0; p < inst.programs.size(); ++p) program.emplace(inst.programs[p].code, p);
    channel.resize(inst.batches.size());
    lists.resize(inst.batches.size());
    for (std::size_t b = 0; b < inst.batches.size(); ++b) {
      batch.emplace(inst.batches[b].name, b);
      for (std::size_t h = 0; h < inst.batches[b].channels.size(); ++h) channel[b].emplace(inst.batches[b].channels[h].name, h);
      lists[b].resize(inst.candidates.size());
      for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
        for (const std::string& code : inst.candidates[c].lists[b]) lists[b][c].push_back(program.at(code));
      }
    }
  }
};

// Program p's choice in batch b from applicants[0..count): writes the channel of each applicant
// (or -1) to `out`. `scratch` is reused between calls.
void Choose(const PlainInstance& inst, std::size_t b, std::size_t p, const std::size_t* applicants, std::size_t count,
            int* out, std::vector<std::size_t>* scratch) {
  std::fill(out, out + count, -1);
  const PlainBatch& batch = inst.batches[b];
  for (std::size_t h = 0; h < batch.channels.size(); ++h) {
    const PlainChannel& ch = batch.channels[h];
    const int cap = Capacity(inst, b, p, h);
    if (cap <= 0) continue;
    scratch->clear();
    for (std::size_t k = 0; k < count; ++k) {
      if (out[k] < 0 && IsEligible(inst, ch, applicants[k], p)) scratch->push_back(k);
    }
    std::sort(scratch->begin(), scratch->end(),
              [&](std::size_t x, std::size_t y) { return Outranks(inst, ch.ranking, applicants[x], applicants[y]); });
    const std::size_t take = std::min(scratch->size(), static_cast<std::size_t>(cap));
    for (std::size_t k = 0; k < take; ++k) out[(*scratch)[k]] = static_cast<int>(h);
  }
}

// Where each candidate ended up; batch -1 = unplaced.
struct Where {
  int batch = -1;
  std::size_t program = 0;
  std::size_t channel = 0;
  std::size_t position = kNoPosition;  // index in the batch's list; kNoPosition when not listed
};

// Justified envy of every participant of batch b, given who holds what. Appends messages to
// `out` (stops after `limit` messages when limit > 0) and returns whether any was found.
bool FindEnvy(const PlainInstance& inst, const Lookup& x, std::size_t b, const std::vector<Where>& at,
              const std::vector<std::vector<std::vector<std::size_t>>>& held, std::vector<std::string>* out,
              std::size_t limit) {
  bool found = false;
  const PlainBatch& batch = inst.batches[b];
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
    if (at[c].batch >= 0 && static_cast<std::size_t>(at[c].batch) < b) continue;  // locked out
    const std::vector<std::size_t>& list = x.lists[b][c];
    const bool here = at[c].batch == static_cast<int>(b);
    const std::size_t end = here ? std::min(at[c].position, list.size()) : list.size();
    for (std::size_t k = 0; k < end; ++k) {
      const std::size_t q = list[k];
      for (std::size_t h = 0; h < batch.channels.size(); ++h) {
        const PlainChannel& ch = batch.channels[h];
        const int cap = Capacity(inst, b, q, h);
        if (cap <= 0 || !IsEligible(inst, ch, c, q)) continue;
        const std::vector<std::size_t>& hs = held[q][h];
        std::string why;
        if (hs.size() < static_cast<std::size_t>(cap)) {
          why = "channel '" + ch.name + "' has a free seat (" + std::to_string(hs.size()) + " of " + std::to_string(cap) + " used)";
        } else {
          for (std::size_t j : hs) {
            if (Outranks(inst, ch.ranking, c, j)) {
              why = "channel '" + ch.name + "' holds " + DescribeCandidate(inst, j) + ", whom the candidate outranks by " +
                    RankingName(ch.ranking);
              break;
            }
          }
        }
        if (why.empty()) continue;
        found = true;
        if (!out) return true;
        std::string where = here ? "placed at " + inst.programs[at[c].program].code + " (choice " + std::to_string(at[c].position + 1) + ")"
                                 : std::string("unplaced");
        out->push_back("batch '" + batch.name + "': candidate " + DescribeCandidate(inst, c) + ", " + where +
                       ", has justified envy toward " + inst.programs[q].code + " (choice " + std::to_string(k + 1) + "): " + why);
        if (limit > 0 && out->size() >= limit) return true;
        break;  // one message per (candidate, program)
      }
    }
  }
  return found;
}

// Splits CSV text into records of fields (RFC 4180). Returns false on an unterminated quote.
bool SplitCsv(const std::string& text, std::vector<std::vector<std::string>>* records) {
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(ch);
      }
      continue;
    }
    if (ch == '"') {
      quoted = true;
      any = true;
    } else if (ch == ',') {
      rec.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      rec.push_back(std::move(field));
      field.clear();
      records->push_back(std::move(rec));
      rec.clear();
      any = false;
    } else {
      field.push_back(ch);
      any = true;
    }
  }
  if (quoted) return false;
  if (any) {
    rec.push_back(std::move(field));
    records->push_back(std::move(rec));
  }
  return true;
}

void AppendField(std::string* out, const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) {
    *out += s;
    return;
  }
  out->push_back('"');
  for (char ch : s) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

}  // namespace

const char* RankingName(RankingKind kind) {
  switch (kind) {
    case RankingKind::kByTotal: return "by_total";
    case RankingKind::kByArts: return "by_arts";
  }
  return "?";
}

std::string EligibilityText(const PlainChannel& channel) {
  switch (channel.eligibility) {
    case EligibilityKind::kEveryone: return "";
    case EligibilityKind::kArtsPositive: return "arts > 0";
    case EligibilityKind::kTotalAtLeast: return "total >= " + FormatHundredths(channel.threshold);
    case EligibilityKind::kSameDistrict: return "district = program.district";
  }
  return "?";
}

std::string FormatHundredths(Hundredths value) {
  if (value == kMissing) return "";
  std::string sign = value < 0 ? "-" : "";
  const std::uint64_t v = value < 0 ? static_cast<std::uint64_t>(-(value + 1)) + 1u : static_cast<std::uint64_t>(value);
  std::string s = sign + std::to_string(v / 100);
  const std::uint64_t frac = v % 100;
  if (frac == 0) return s;
  if (frac % 10 == 0) return s + "." + std::to_string(frac / 10);
  return s + "." + (frac < 10 ? "0" : "") + std::to_string(frac);
}

std::string ValidateInstance(const PlainInstance& inst) {
  std::set<std::string> ids, codes, batch_names;
  for (const PlainBatch& b : inst.batches) {
    if (!batch_names.insert(b.name).second) return "batch '" + b.name + "' twice";
    std::set<std::string> names;
    for (const PlainChannel& ch : b.channels) {
      if (!names.insert(ch.name).second) return "channel '" + ch.name + "' twice in batch '" + b.name + "'";
    }
  }
  for (const PlainProgram& p : inst.programs) {
    if (!codes.insert(p.code).second) return "program '" + p.code + "' twice";
    if (p.seats.size() != inst.batches.size()) return "program '" + p.code + "' has seats for the wrong number of batches";
    for (std::size_t b = 0; b < inst.batches.size(); ++b) {
      if (p.seats[b].size() != inst.batches[b].channels.size()) return "program '" + p.code + "' has seats for the wrong number of channels";
    }
  }
  for (const PlainCandidate& c : inst.candidates) {
    if (c.id.empty() || !ids.insert(c.id).second) return "candidate id '" + c.id + "' empty or twice";
    if (c.lists.size() != inst.batches.size()) return "candidate '" + c.id + "' has lists for the wrong number of batches";
    for (const auto& list : c.lists) {
      std::set<std::string> seen;
      for (const std::string& code : list) {
        if (!codes.count(code)) return "candidate '" + c.id + "' lists unknown program '" + code + "'";
        if (!seen.insert(code).second) return "candidate '" + c.id + "' lists '" + code + "' twice";
      }
    }
  }
  return "";
}

bool Outranks(const PlainInstance& inst, RankingKind kind, std::size_t a, std::size_t b) {
  const PlainCandidate& x = inst.candidates[a];
  const PlainCandidate& y = inst.candidates[b];
  if (kind == RankingKind::kByArts) {
    const bool xp = x.arts != kMissing, yp = y.arts != kMissing;
    if (xp != yp) return xp;  // a present value ranks before a missing one
    if (xp && x.arts != y.arts) return x.arts > y.arts;
  }
  if (x.total != y.total) return x.total > y.total;
  // last_tie: id, ascending, byte by byte (as unsigned bytes).
  const std::size_t n = std::min(x.id.size(), y.id.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned char>(x.id[i]), v = static_cast<unsigned char>(y.id[i]);
    if (u != v) return u < v;
  }
  return x.id.size() < y.id.size();
}

bool IsEligible(const PlainInstance& inst, const PlainChannel& channel, std::size_t c, std::size_t p) {
  const PlainCandidate& x = inst.candidates[c];
  switch (channel.eligibility) {
    case EligibilityKind::kEveryone: return true;
    case EligibilityKind::kArtsPositive: return x.arts != kMissing && x.arts > 0;
    case EligibilityKind::kTotalAtLeast: return x.total >= channel.threshold;
    case EligibilityKind::kSameDistrict: return x.district == inst.programs[p].district;
  }
  return false;
}

std::vector<int> ChooseFrom(const PlainInstance& inst, std::size_t b, std::size_t p, const std::vector<std::size_t>& applicants) {
  std::vector<int> out(applicants.size(), -1);
  std::vector<std::size_t> scratch;
  Choose(inst, b, p, applicants.data(), applicants.size(), out.data(), &scratch);
  return out;
}

std::optional<std::vector<PlainPlacement>> ParsePlacements(const std::string& csv, std::string* error) {
  std::vector<std::vector<std::string>> records;
  if (!SplitCsv(csv, &records)) {
    *error = "unterminated quote in placements.csv";
    return std::nullopt;
  }
  const std::vector<std::string> header = {"candidate_id", "status", "batch", "program", "channel", "choice_rank"};
  if (records.empty() || records[0].size() < header.size() ||
      !std::equal(header.begin(), header.end(), records[0].begin())) {
    *error = "placements.csv does not start with the header candidate_id,status,batch,program,channel,choice_rank";
    return std::nullopt;
  }
  std::vector<PlainPlacement> rows;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const std::vector<std::string>& f = records[r];
    if (f.size() != records[0].size()) {
      *error = "placements.csv record " + std::to_string(r + 1) + " has " + std::to_string(f.size()) + " fields, the header has " +
               std::to_string(records[0].size());
      return std::nullopt;
    }
    PlainPlacement pl;
    pl.candidate_id = f[0];
    if (f[1] == "placed") {
      pl.placed = true;
    } else if (f[1] != "unplaced") {
      *error = "placements.csv record " + std::to_string(r + 1) + ": status '" + f[1] + "' is neither placed nor unplaced";
      return std::nullopt;
    }
    pl.batch = f[2];
    pl.program = f[3];
    pl.channel = f[4];
    if (!f[5].empty()) {
      if (f[5].size() > 6 || f[5].find_first_not_of("0123456789") != std::string::npos) {
        *error = "placements.csv record " + std::to_string(r + 1) + ": choice_rank '" + f[5] + "' is not a small whole number";
        return std::nullopt;
      }
      pl.choice_rank = std::stoi(f[5]);
    }
    rows.push_back(std::move(pl));
  }
  return rows;
}

std::vector<std::string> CheckAssignment(const PlainInstance& inst, const std::vector<PlainPlacement>& placements) {
  std::vector<std::string> v;
  if (std::string e = ValidateInstance(inst); !e.empty()) {
    v.push_back("the instance itself is malformed: " + e);
    return v;
  }
  const Lookup x(inst);
  const std::size_t n = inst.candidates.size(), np = inst.programs.size();
  std::vector<Where> at(n);
  std::vector<bool> seen(n, false);
  bool order_reported = false;
  for (std::size_t r = 0; r < placements.size(); ++r) {
    const PlainPlacement& pl = placements[r];
    if (r > 0 && !order_reported && !(placements[r - 1].candidate_id < pl.candidate_id)) {
      v.push_back("rows are not sorted by candidate id (strictly ascending): '" + placements[r - 1].candidate_id + "' then '" +
                  pl.candidate_id + "'");
      order_reported = true;
    }
    auto ci = x.candidate.find(pl.candidate_id);
    if (ci == x.candidate.end()) {
      v.push_back("row for unknown candidate '" + pl.candidate_id + "'");
      continue;
    }
    const std::size_t c = ci->second;
    if (seen[c]) {
      v.push_back("candidate '" + pl.candidate_id + "' has more than one row");
      continue;
    }
    seen[c] = true;
    if (!pl.placed) {
      if (!pl.batch.empty() || !pl.program.empty() || !pl.channel.empty() || pl.choice_rank != 0) {
        v.push_back("unplaced candidate '" + pl.candidate_id + "' has a non-empty batch, program, channel or choice_rank");
      }
      continue;
    }
    auto bi = x.batch.find(pl.batch);
    auto pi = x.program.find(pl.program);
    if (bi == x.batch.end() || pi == x.program.end()) {
      v.push_back("candidate '" + pl.candidate_id + "' placed in unknown batch '" + pl.batch + "' or program '" + pl.program + "'");
      continue;
    }
    const std::size_t b = bi->second, p = pi->second;
    auto hi = x.channel[b].find(pl.channel);
    if (hi == x.channel[b].end()) {
      v.push_back("candidate '" + pl.candidate_id + "' placed in unknown channel '" + pl.channel + "' of batch '" + pl.batch + "'");
      continue;
    }
    const std::size_t h = hi->second;
    const PlainChannel& ch = inst.batches[b].channels[h];
    Where w;
    w.batch = static_cast<int>(b);
    w.program = p;
    w.channel = h;
    const std::vector<std::size_t>& list = x.lists[b][c];
    auto it = std::find(list.begin(), list.end(), p);
    if (it == list.end()) {
      v.push_back("candidate " + DescribeCandidate(inst, c) + " is placed at " + pl.program + " in batch '" + pl.batch +
                  "' but did not list it there");
    } else {
      w.position = static_cast<std::size_t>(it - list.begin());
      if (pl.choice_rank != static_cast<int>(w.position) + 1) {
        v.push_back("candidate '" + pl.candidate_id + "' at " + pl.program + ": choice_rank " + std::to_string(pl.choice_rank) +
                    " but the program is choice " + std::to_string(w.position + 1) + " of the list");
      }
    }
    if (!IsEligible(inst, ch, c, p)) {
      v.push_back("candidate " + DescribeCandidate(inst, c) + " is placed in channel '" + ch.name + "' of " + pl.program +
                  " but is not eligible for it (" + EligibilityText(ch) + ")");
    }
    if (Capacity(inst, b, p, h) <= 0) {
      v.push_back("candidate '" + pl.candidate_id + "' is placed in channel '" + ch.name + "' of " + pl.program +
                  ", which has no seats there");
    }
    at[c] = w;
  }
  for (std::size_t c = 0; c < n; ++c) {
    if (!seen[c]) v.push_back("candidate '" + inst.candidates[c].id + "' has no row");
  }

  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    const PlainBatch& batch = inst.batches[b];
    const std::size_t nh = batch.channels.size();
    std::vector<std::vector<std::vector<std::size_t>>> held(np, std::vector<std::vector<std::size_t>>(nh));
    std::vector<std::vector<std::size_t>> admitted(np);
    for (std::size_t c = 0; c < n; ++c) {
      if (at[c].batch != static_cast<int>(b)) continue;
      held[at[c].program][at[c].channel].push_back(c);
      admitted[at[c].program].push_back(c);
    }
    for (std::size_t p = 0; p < np; ++p) {
      for (std::size_t h = 0; h < nh; ++h) {
        const int cap = Capacity(inst, b, p, h);
        if (held[p][h].size() > static_cast<std::size_t>(cap)) {
          v.push_back("batch '" + batch.name + "': " + inst.programs[p].code + " channel '" + batch.channels[h].name + "' holds " +
                      std::to_string(held[p][h].size()) + " candidates but has capacity " + std::to_string(cap));
        }
      }
      const std::vector<int> chosen = ChooseFrom(inst, b, p, admitted[p]);
      for (std::size_t k = 0; k < admitted[p].size(); ++k) {
        const std::size_t c = admitted[p][k];
        if (chosen[k] < 0) {
          v.push_back("batch '" + batch.name + "': " + inst.programs[p].code + "'s own choice from its admitted set rejects " +
                      DescribeCandidate(inst, c) + " (reported in channel '" + batch.channels[at[c].channel].name + "')");
        } else if (static_cast<std::size_t>(chosen[k]) != at[c].channel) {
          v.push_back("batch '" + batch.name + "': " + DescribeCandidate(inst, c) + " is reported in channel '" +
                      batch.channels[at[c].channel].name + "' of " + inst.programs[p].code +
                      " but the program's choice from its admitted set puts them in channel '" +
                      batch.channels[static_cast<std::size_t>(chosen[k])].name + "'");
        }
      }
    }
    FindEnvy(inst, x, b, at, held, &v, kMaxReported + 1);
  }
  if (v.size() > kMaxReported) {
    const std::size_t more = v.size() - kMaxReported;
    v.resize(kMaxReported);
    v.push_back("... and " + std::to_string(more) + " more");
  }
  return v;
}

std::optional<ExhaustiveResult> ExhaustiveStudentOptimal(const PlainInstance& inst, std::string* error) {
  if (std::string e = ValidateInstance(inst); !e.empty()) {
    *error = "the instance is malformed: " + e;
    return std::nullopt;
  }
  const Lookup x(inst);
  const std::size_t n = inst.candidates.size(), np = inst.programs.size();
  std::vector<Where> at(n);
  ExhaustiveResult result;
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    const std::size_t nh = inst.batches[b].channels.size();
    std::vector<std::size_t> part;  // participants
    for (std::size_t c = 0; c < n; ++c) {
      if (at[c].batch < 0) part.push_back(c);
    }
    std::uint64_t total = 1;
    for (std::size_t c : part) {
      total *= x.lists[b][c].size() + 1;
      if (total > 1'000'000) {
        *error = "batch '" + inst.batches[b].name + "' has more than 10^6 assignments; too big for the exhaustive search";
        return std::nullopt;
      }
    }
    // Mixed-radix counter over positions: position == list size means unplaced.
    std::vector<std::size_t> pos(part.size(), 0);
    std::vector<std::vector<std::size_t>> stable_pos;
    std::vector<std::vector<int>> stable_channel;  // per participant
    std::vector<std::vector<std::size_t>> admitted(np);
    std::vector<std::vector<std::size_t>> admitted_slot(np);  // index into part
    std::vector<int> chan(part.size(), -1), chosen;
    std::vector<std::size_t> scratch;
    std::vector<Where> trial = at;
    std::vector<std::vector<std::vector<std::size_t>>> held(np, std::vector<std::vector<std::size_t>>(nh));
    for (std::uint64_t iter = 0; iter < total; ++iter) {
      for (std::size_t p = 0; p < np; ++p) {
        admitted[p].clear();
        admitted_slot[p].clear();
      }
      for (std::size_t i = 0; i < part.size(); ++i) {
        const std::vector<std::size_t>& list = x.lists[b][part[i]];
        if (pos[i] < list.size()) {
          admitted[list[pos[i]]].push_back(part[i]);
          admitted_slot[list[pos[i]]].push_back(i);
        }
      }
      bool ok = true;
      std::fill(chan.begin(), chan.end(), -1);
      for (std::size_t p = 0; p < np && ok; ++p) {
        if (admitted[p].empty()) continue;
        chosen.assign(admitted[p].size(), -1);
        Choose(inst, b, p, admitted[p].data(), admitted[p].size(), chosen.data(), &scratch);
        for (std::size_t k = 0; k < chosen.size() && ok; ++k) {
          if (chosen[k] < 0) ok = false;
          chan[admitted_slot[p][k]] = chosen[k];
        }
      }
      if (ok) {
        for (auto& per_program : held) {
          for (auto& hs : per_program) hs.clear();
        }
        for (std::size_t i = 0; i < part.size(); ++i) {
          const std::size_t c = part[i];
          const std::vector<std::size_t>& list = x.lists[b][c];
          if (pos[i] < list.size()) {
            trial[c].batch = static_cast<int>(b);
            trial[c].program = list[pos[i]];
            trial[c].channel = static_cast<std::size_t>(chan[i]);
            trial[c].position = pos[i];
            held[list[pos[i]]][static_cast<std::size_t>(chan[i])].push_back(c);
          } else {
            trial[c] = Where{};
          }
        }
        ok = !FindEnvy(inst, x, b, trial, held, nullptr, 0);
      }
      if (ok) {
        stable_pos.push_back(pos);
        stable_channel.push_back(chan);
      }
      for (std::size_t i = 0; i < part.size(); ++i) {  // next assignment
        if (++pos[i] <= x.lists[b][part[i]].size()) break;
        pos[i] = 0;
      }
    }
    result.stable_outcomes.push_back(stable_pos.size());
    std::size_t best = stable_pos.size();
    for (std::size_t s = 0; s < stable_pos.size() && best == stable_pos.size(); ++s) {
      bool dominates = true;
      for (std::size_t t = 0; t < stable_pos.size() && dominates; ++t) {
        for (std::size_t i = 0; i < part.size() && dominates; ++i) dominates = stable_pos[s][i] <= stable_pos[t][i];
      }
      if (dominates) best = s;
    }
    if (best == stable_pos.size()) {
      *error = "batch '" + inst.batches[b].name + "': " + std::to_string(stable_pos.size()) +
               " stable assignments and none is weakly preferred by every candidate to all others";
      return std::nullopt;
    }
    for (std::size_t i = 0; i < part.size(); ++i) {
      const std::size_t c = part[i];
      const std::vector<std::size_t>& list = x.lists[b][c];
      if (stable_pos[best][i] < list.size()) {
        at[c].batch = static_cast<int>(b);
        at[c].program = list[stable_pos[best][i]];
        at[c].channel = static_cast<std::size_t>(stable_channel[best][i]);
        at[c].position = stable_pos[best][i];
      }
    }
  }
  for (std::size_t c = 0; c < n; ++c) {
    PlainPlacement pl;
    pl.candidate_id = inst.candidates[c].id;
    if (at[c].batch >= 0) {
      const auto b = static_cast<std::size_t>(at[c].batch);
      pl.placed = true;
      pl.batch = inst.batches[b].name;
      pl.program = inst.programs[at[c].program].code;
      pl.channel = inst.batches[b].channels[at[c].channel].name;
      pl.choice_rank = static_cast<int>(at[c].position) + 1;
    }
    result.placements.push_back(std::move(pl));
  }
  std::sort(result.placements.begin(), result.placements.end(),
            [](const PlainPlacement& a, const PlainPlacement& b) { return a.candidate_id < b.candidate_id; });
  return result;
}

std::string RenderPlacementsCsv(const PlainInstance& inst, const std::vector<PlainPlacement>& placements) {
  std::map<std::string, const PlainPlacement*> by_id;
  for (const PlainPlacement& pl : placements) by_id.emplace(pl.candidate_id, &pl);
  std::vector<std::string> ids;
  for (const PlainCandidate& c : inst.candidates) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end());
  // The engine appends a `stage` column; these instances have no stages, so it is empty.
  std::string out = "candidate_id,status,batch,program,channel,choice_rank,stage\n";
  for (const std::string& id : ids) {
    AppendField(&out, id);
    auto it = by_id.find(id);
    if (it == by_id.end() || !it->second->placed) {
      out += ",unplaced,,,,,\n";
      continue;
    }
    const PlainPlacement& pl = *it->second;
    out += ",placed,";
    AppendField(&out, pl.batch);
    out += ',';
    AppendField(&out, pl.program);
    out += ',';
    AppendField(&out, pl.channel);
    out += ',' + std::to_string(pl.choice_rank) + ",\n";
  }
  return out;
}

std::string ExpectedCutoffsCsv(const PlainInstance& inst, const std::vector<PlainPlacement>& placements) {
  std::unordered_map<std::string, const PlainCandidate*> cand;
  for (const PlainCandidate& c : inst.candidates) cand.emplace(c.id, &c);
  // (batch, program, channel) -> (admitted, lowest total)
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<int, Hundredths>> stats;
  for (const PlainPlacement& pl : placements) {
    auto it = cand.find(pl.candidate_id);
    if (!pl.placed || it == cand.end()) continue;
    auto& s = stats[{pl.batch, pl.program, pl.channel}];
    s.second = s.first == 0 ? it->second->total : std::min(s.second, it->second->total);
    ++s.first;
  }
  std::vector<std::size_t> order(inst.programs.size());
  for (std::size_t p = 0; p < order.size(); ++p) order[p] = p;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return inst.programs[a].code < inst.programs[b].code; });
  // Contract columns, then stage (none here), initial capacity, seats flowed in and out (no
  // flows here) and admissions over capacity (none without admit_all).
  std::string out = "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity\n";
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    const PlainBatch& batch = inst.batches[b];
    for (std::size_t p : order) {
      for (std::size_t h = 0; h < batch.channels.size(); ++h) {
        AppendField(&out, batch.name);
        out += ',';
        AppendField(&out, inst.programs[p].code);
        out += ',';
        AppendField(&out, batch.channels[h].name);
        const std::string capacity = std::to_string(Capacity(inst, b, p, h));
        out += ",," + capacity + ',';
        auto it = stats.find({batch.name, inst.programs[p].code, batch.channels[h].name});
        if (it == stats.end()) {
          out += "0,";
        } else {
          out += std::to_string(it->second.first) + ',' + FormatHundredths(it->second.second);
        }
        out += ",," + capacity + ",0,0,0\n";
      }
    }
  }
  return out;
}

std::string Describe(const PlainInstance& inst) {
  std::ostringstream s;
  for (const PlainBatch& b : inst.batches) {
    s << "batch " << b.name << ":";
    for (const PlainChannel& ch : b.channels) {
      s << " [" << ch.name << " seats=" << ch.seats << " " << RankingName(ch.ranking);
      if (ch.eligibility != EligibilityKind::kEveryone) s << " eligible: " << EligibilityText(ch);
      s << "]";
    }
    s << "\n";
  }
  for (const PlainProgram& p : inst.programs) {
    s << "program " << p.code << " district " << p.district << " seats";
    for (std::size_t b = 0; b < p.seats.size(); ++b) {
      s << " " << inst.batches[b].name << ":";
      for (const std::optional<int>& cell : p.seats[b]) s << " " << (cell ? std::to_string(*cell) : std::string("empty"));
    }
    s << "\n";
  }
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
    s << "candidate " << DescribeCandidate(inst, c) << " lists";
    for (std::size_t b = 0; b < inst.candidates[c].lists.size(); ++b) {
      s << " " << inst.batches[b].name << ":";
      for (const std::string& code : inst.candidates[c].lists[b]) s << " " << code;
    }
    s << "\n";
  }
  return s.str();
}

}  // namespace zkmatch::testing::brute
