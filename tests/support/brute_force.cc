// Independent reference implementation for the property tests. See brute_force.h.
//
// Deliberately simple and slow: linear scans, full sorts, no incremental updates. It shares no
// code with engine/src (only the standard library), so it cannot inherit the engine's bugs.
#include "support/brute_force.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

namespace zkmatch::testing::brute {
namespace {

constexpr std::size_t kNoPosition = static_cast<std::size_t>(-1);
constexpr std::size_t kMaxReported = 25;

bool RunsHere(const PlainInstance& inst, std::size_t b, std::size_t h, std::size_t p) {
  const PlainBatch& batch = inst.batches[b];
  return batch.stages.empty() || inst.programs[p].tier == batch.stages[batch.channels[h].stage].tier;
}

// The channel's seats at a program: the programs.csv cell (empty or negative: none); none when
// the channel's stage does not run the program.
int Capacity(const PlainInstance& inst, std::size_t b, std::size_t p, std::size_t h) {
  if (!RunsHere(inst, b, h, p)) return 0;
  const std::optional<int>& cell = inst.programs[p].seats[b][h];
  return cell.has_value() && *cell > 0 ? *cell : 0;
}

// Seats of `group` in split channel h of batch b at program p (0 without an allocation row).
int GroupSeats(const PlainInstance& inst, std::size_t b, std::size_t p, std::size_t h, const std::string& group) {
  const PlainProgram& prog = inst.programs[p];
  if (!RunsHere(inst, b, h, p)) return 0;
  if (b >= prog.group_seats.size() || h >= prog.group_seats[b].size()) return 0;
  auto it = prog.group_seats[b][h].find(group);
  return it == prog.group_seats[b][h].end() || it->second < 0 ? 0 : it->second;
}

// Which block of seats of channel h candidate c competes for: its group for a split channel.
const std::string& SeatKey(const PlainInstance& inst, std::size_t b, std::size_t h, std::size_t c) {
  static const std::string kWhole;
  return inst.batches[b].channels[h].split ? inst.candidates[c].group : kWhole;
}

std::string GroupText(const PlainChannel& ch, const std::string& group) {
  return ch.split ? " group '" + group + "'" : std::string();
}

std::string DescribeCandidate(const PlainInstance& inst, std::size_t c) {
  const PlainCandidate& x = inst.candidates[c];
  std::string s = x.id + " (total " + FormatHundredths(x.total) + ", arts " +
                  (x.arts == kMissing ? std::string("missing") : FormatHundredths(x.arts));
  if (!x.district.empty()) s += ", district " + x.district;
  if (!x.group.empty()) s += ", group " + x.group;
  return s + ")";
}

int CompareBytes(const std::string& a, const std::string& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned char>(a[i]), v = static_cast<unsigned char>(b[i]);
    if (u != v) return u < v ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

// Lottery numbers, cached per thread: sorting compares the same candidates many times.
std::uint64_t CachedLottery(const std::string& seed, const std::string& id) {
  thread_local std::unordered_map<std::string, std::uint64_t> cache;
  std::string key = seed;
  key.push_back('\0');
  key += id;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 200'000) cache.clear();
  const std::uint64_t v = LotteryNumber(seed, id);
  cache.emplace(std::move(key), v);
  return v;
}

// Name -> index lookups and the choice lists as program indices.
struct Lookup {
  std::unordered_map<std::string, std::size_t> candidate, program, batch;
  std::vector<std::vector<std::vector<std::size_t>>> lists;           // [batch][candidate]

  explicit Lookup(const PlainInstance& inst) {
    for (std::size_t c = 0; c < inst.candidates.size(); ++c) candidate.emplace(inst.candidates[c].id, c);
    for (std::size_t p = 0; p < inst.programs.size(); ++p) program.emplace(inst.programs[p].code, p);
    lists.resize(inst.batches.size());
    for (std::size_t b = 0; b < inst.batches.size(); ++b) {
      batch.emplace(inst.batches[b].name, b);
      lists[b].resize(inst.candidates.size());
      for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
        for (const std::string& code : inst.candidates[c].lists[b]) lists[b][c].push_back(program.at(code));
      }
    }
  }
};

// Program p's choice in batch b from applicants[0..count): writes the channel of each applicant
// (or -1) to `out`. For each channel in precedence order and each block of its seats (the whole
// channel, or one group of a split channel): the eligible applicants not yet taken, best first;
// the first `cap` of them and everyone tied with the last of those.
void Choose(const PlainInstance& inst, std::size_t b, std::size_t p, const std::size_t* applicants, std::size_t count,
            int* out) {
  std::fill(out, out + count, -1);
  const PlainBatch& batch = inst.batches[b];
  std::map<std::string, std::vector<std::size_t>> blocks;  // seat key -> positions in applicants
  for (std::size_t h = 0; h < batch.channels.size(); ++h) {
    const PlainChannel& ch = batch.channels[h];
    if (Capacity(inst, b, p, h) <= 0) continue;
    blocks.clear();
    for (std::size_t k = 0; k < count; ++k) {
      if (out[k] < 0 && Competes(inst, b, h, applicants[k], p)) blocks[SeatKey(inst, b, h, applicants[k])].push_back(k);
    }
    for (auto& [key, v] : blocks) {
      const int cap = ch.split ? GroupSeats(inst, b, p, h, key) : Capacity(inst, b, p, h);
      if (cap <= 0) continue;
      std::stable_sort(v.begin(), v.end(), [&](std::size_t x, std::size_t y) { return Compare(inst, ch.ranking, applicants[x], applicants[y], p) < 0; });
      std::size_t take = std::min(v.size(), static_cast<std::size_t>(cap));
      const std::size_t last = v[take - 1];
      while (take < v.size() && Compare(inst, ch.ranking, applicants[v[take]], applicants[last], p) == 0) ++take;
      for (std::size_t k = 0; k < take; ++k) out[v[k]] = static_cast<int>(h);
    }
  }
}

// Where each candidate ended up; batch -1 = unplaced.
struct Where {
  int batch = -1;
  std::size_t program = 0;
  std::size_t channel = 0;
  std::size_t position = kNoPosition;  // index in the batch's list; kNoPosition when not listed
};

// The stage a placement is in (the stage of its channel).
std::size_t StageOf(const PlainInstance& inst, const Where& w) { return inst.batches[static_cast<std::size_t>(w.batch)].channels[w.channel].stage; }

// Whether candidate c (at `w`) was placed before stage s of batch b: in an earlier batch, or in
// an earlier stage of b.
bool PlacedBefore(const PlainInstance& inst, const Where& w, std::size_t b, std::size_t s) {
  if (w.batch < 0) return false;
  const auto wb = static_cast<std::size_t>(w.batch);
  return wb < b || (wb == b && StageOf(inst, w) < s);
}

// Justified envy and blocking of every participant of batch b, given who holds what
// (held[p][h]: candidates in channel h of p; admitted[p]: all of p's). Appends messages to
// `out` (stops after `limit` messages when limit > 0) and returns whether any was found.
bool FindInstability(const PlainInstance& inst, const Lookup& x, std::size_t b, std::size_t s, const std::vector<Where>& at,
                     const std::vector<std::vector<std::vector<std::size_t>>>& held,
                     const std::vector<std::vector<std::size_t>>& admitted, std::vector<std::string>* out, std::size_t limit) {
  bool found = false;
  const PlainBatch& batch = inst.batches[b];
  std::vector<std::size_t> applicants;
  std::vector<int> chosen;
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
    if (PlacedBefore(inst, at[c], b, s)) continue;  // locked out
    const std::vector<std::size_t>& list = x.lists[b][c];
    const bool here = at[c].batch == static_cast<int>(b) && StageOf(inst, at[c]) == s;
    const std::size_t end = here ? std::min(at[c].position, list.size()) : list.size();
    for (std::size_t k = 0; k < end; ++k) {
      const std::size_t q = list[k];
      if (!StageRuns(inst, b, s, q)) continue;  // another stage's program
      std::string why;
      for (std::size_t h = 0; h < batch.channels.size() && why.empty(); ++h) {
        const PlainChannel& ch = batch.channels[h];
        const int cap = SeatsFor(inst, b, q, h, c);
        if (cap <= 0 || !Competes(inst, b, h, c, q)) continue;
        const std::string& key = SeatKey(inst, b, h, c);
        std::size_t used = 0;
        for (std::size_t j : held[q][h]) used += SeatKey(inst, b, h, j) == key ? 1 : 0;
        if (used < static_cast<std::size_t>(cap)) {
          why = "channel '" + ch.name + "'" + (ch.split ? " has a free seat for group '" + key + "'" : std::string(" has a free seat")) +
                " (" + std::to_string(used) + " of " + std::to_string(cap) + " used)";
          break;
        }
        for (std::size_t j : held[q][h]) {
          if (SeatKey(inst, b, h, j) == key && Compare(inst, ch.ranking, c, j, q) < 0) {
            why = "channel '" + ch.name + "'" + GroupText(ch, key) + " holds " + DescribeCandidate(inst, j) +
                  ", whom the candidate outranks by " + RankingName(ch.ranking);
            break;
          }
        }
      }
      if (why.empty()) {
        // Blocking: q's own choice from its admitted set plus c takes c.
        applicants = admitted[q];
        applicants.push_back(c);
        chosen.assign(applicants.size(), -1);
        Choose(inst, b, q, applicants.data(), applicants.size(), chosen.data());
        if (chosen.back() >= 0) {
          const auto h = static_cast<std::size_t>(chosen.back());
          const PlainChannel& ch = batch.channels[h];
          why = inst.programs[q].code + "'s choice from its admitted set plus the candidate takes the candidate in channel '" + ch.name + "'" +
                GroupText(ch, SeatKey(inst, b, h, c));
          for (std::size_t j : held[q][h]) {
            if (SeatKey(inst, b, h, j) == SeatKey(inst, b, h, c) && Compare(inst, ch.ranking, c, j, q) == 0) {
              why += " (the candidate is tied by " + std::string(RankingName(ch.ranking)) + " with " + inst.candidates[j].id +
                     ", who holds a seat there, and admit_all takes everyone tied at the last seat)";
              break;
            }
          }
        }
      }
      if (why.empty()) continue;
      found = true;
      if (!out) return true;
      std::string where = here ? "placed at " + inst.programs[at[c].program].code + " (choice " + std::to_string(at[c].position + 1) + ")"
                               : std::string("unplaced");
      out->push_back("batch '" + batch.name + "'" + (batch.stages.empty() ? std::string() : " stage '" + batch.stages[s].name + "'") +
                     ": candidate " + DescribeCandidate(inst, c) + ", " + where +
                     ", has justified envy toward " + inst.programs[q].code + " (choice " + std::to_string(k + 1) + "): " + why);
      if (limit > 0 && out->size() >= limit) return true;
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

// Program indices in code order (byte order), as output files list them.
std::vector<std::size_t> ProgramsByCode(const PlainInstance& inst) {
  std::vector<std::size_t> order(inst.programs.size());
  for (std::size_t p = 0; p < order.size(); ++p) order[p] = p;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return CompareBytes(inst.programs[a].code, inst.programs[b].code) < 0; });
  return order;
}

// One row of cutoffs.csv as laid out by the contract: a channel that is not split has one row
// per program (group ""), a split channel one per group with allocated seats (byte order).
struct SeatRowKey {
  std::size_t batch, stage, program, channel;
  std::string group;
  int initial;
};

std::vector<SeatRowKey> SeatRows(const PlainInstance& inst) {
  std::vector<SeatRowKey> rows;
  const std::vector<std::size_t> order = ProgramsByCode(inst);
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    for (std::size_t s = 0; s < StageCount(inst.batches[b]); ++s) {
      for (std::size_t p : order) {
        if (!StageRuns(inst, b, s, p)) continue;
        for (std::size_t h = 0; h < inst.batches[b].channels.size(); ++h) {
          if (inst.batches[b].channels[h].stage != s) continue;
          if (!inst.batches[b].channels[h].split) {
            rows.push_back({b, s, p, h, "", Capacity(inst, b, p, h)});
            continue;
          }
          if (b >= inst.programs[p].group_seats.size() || h >= inst.programs[p].group_seats[b].size()) continue;
          for (const auto& [group, seats] : inst.programs[p].group_seats[b][h]) {  // std::map: byte order
            if (seats > 0) rows.push_back({b, s, p, h, group, seats});
          }
        }
      }
    }
  }
  return rows;
}

// Placed candidates per batch from placement rows; unknown names are skipped.
std::vector<Where> Locate(const PlainInstance& inst, const Lookup& x, const std::vector<PlainPlacement>& placements) {
  std::vector<Where> at(inst.candidates.size());
  for (const PlainPlacement& pl : placements) {
    if (!pl.placed) continue;
    auto ci = x.candidate.find(pl.candidate_id);
    auto bi = x.batch.find(pl.batch);
    auto pi = x.program.find(pl.program);
    if (ci == x.candidate.end() || bi == x.batch.end() || pi == x.program.end()) continue;
    const std::size_t h = ChannelIndex(inst, bi->second, pi->second, pl.channel);
    if (h == kNoPosition) continue;
    Where& w = at[ci->second];
    w.batch = static_cast<int>(bi->second);
    w.program = pi->second;
    w.channel = h;
    const std::vector<std::size_t>& list = x.lists[bi->second][ci->second];
    auto it = std::find(list.begin(), list.end(), pi->second);
    w.position = it == list.end() ? kNoPosition : static_cast<std::size_t>(it - list.begin());
  }
  return at;
}

std::vector<PlainPlacement> ToPlacements(const PlainInstance& inst, const std::vector<Where>& at) {
  std::vector<PlainPlacement> out;
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
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
    out.push_back(std::move(pl));
  }
  std::sort(out.begin(), out.end(), [](const PlainPlacement& a, const PlainPlacement& b) { return CompareBytes(a.candidate_id, b.candidate_id) < 0; });
  return out;
}

bool ParseInt(const std::string& s, long long* v) {
  if (s.empty() || s.size() > 12) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  long long r = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    r = r * 10 + (s[i] - '0');
  }
  *v = s[0] == '-' ? -r : r;
  return true;
}

std::uint32_t Rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace

std::size_t StageCount(const PlainBatch& batch) { return batch.stages.empty() ? 1 : batch.stages.size(); }

int BandOf(const PlainBatch& batch, std::size_t s) {
  return s < batch.stages.size() && batch.stages[s].band >= 0 ? batch.stages[s].band : batch.band;
}

bool StageRuns(const PlainInstance& inst, std::size_t b, std::size_t s, std::size_t p) {
  const PlainBatch& batch = inst.batches[b];
  return batch.stages.empty() ? s == 0 : inst.programs[p].tier == batch.stages[s].tier;
}

std::string StageName(const PlainInstance& inst, std::size_t b, std::size_t s) {
  return inst.batches[b].stages.empty() ? std::string() : inst.batches[b].stages[s].name;
}

std::size_t StageOfProgram(const PlainInstance& inst, std::size_t b, std::size_t p) {
  std::size_t s = 0;
  while (s < StageCount(inst.batches[b]) && !StageRuns(inst, b, s, p)) ++s;
  return s;
}

bool ChannelRuns(const PlainInstance& inst, std::size_t b, std::size_t h, std::size_t p) { return RunsHere(inst, b, h, p); }

std::size_t ChannelIndex(const PlainInstance& inst, std::size_t b, std::size_t p, const std::string& name) {
  for (std::size_t h = 0; h < inst.batches[b].channels.size(); ++h) {
    if (inst.batches[b].channels[h].name == name && RunsHere(inst, b, h, p)) return h;
  }
  return kNoPosition;
}

LastTie TieOf(RankingKind kind) {
  switch (kind) {
    case RankingKind::kByTotal:
    case RankingKind::kByArts: return LastTie::kId;
    case RankingKind::kByTotalAdmitAll:
    case RankingKind::kByArtsAdmitAll: return LastTie::kAdmitAll;
    case RankingKind::kByTotalLottery:
    case RankingKind::kByArtsLottery: return LastTie::kLottery;
    case RankingKind::kByScore: return LastTie::kId;
    case RankingKind::kByScoreAdmitAll: return LastTie::kAdmitAll;
    case RankingKind::kByScoreLottery: return LastTie::kLottery;
  }
  return LastTie::kId;
}

bool RanksByArts(RankingKind kind) {
  return kind == RankingKind::kByArts || kind == RankingKind::kByArtsAdmitAll || kind == RankingKind::kByArtsLottery;
}

bool RanksByProgramScore(RankingKind kind) {
  return kind == RankingKind::kByScore || kind == RankingKind::kByScoreAdmitAll || kind == RankingKind::kByScoreLottery;
}

RankingKind MakeProgramScoreRanking(LastTie tie) {
  switch (tie) {
    case LastTie::kId: return RankingKind::kByScore;
    case LastTie::kAdmitAll: return RankingKind::kByScoreAdmitAll;
    case LastTie::kLottery: return RankingKind::kByScoreLottery;
  }
  return RankingKind::kByScore;
}

RankingKind MakeRanking(bool by_arts, LastTie tie) {
  switch (tie) {
    case LastTie::kId: return by_arts ? RankingKind::kByArts : RankingKind::kByTotal;
    case LastTie::kAdmitAll: return by_arts ? RankingKind::kByArtsAdmitAll : RankingKind::kByTotalAdmitAll;
    case LastTie::kLottery: return by_arts ? RankingKind::kByArtsLottery : RankingKind::kByTotalLottery;
  }
  return RankingKind::kByTotal;
}

const char* RankingName(RankingKind kind) {
  switch (kind) {
    case RankingKind::kByTotal: return "by_total";
    case RankingKind::kByArts: return "by_arts";
    case RankingKind::kByTotalAdmitAll: return "by_total_all";
    case RankingKind::kByArtsAdmitAll: return "by_arts_all";
    case RankingKind::kByTotalLottery: return "by_total_lottery";
    case RankingKind::kByArtsLottery: return "by_arts_lottery";
    case RankingKind::kByScore: return "by_score";
    case RankingKind::kByScoreAdmitAll: return "by_score_all";
    case RankingKind::kByScoreLottery: return "by_score_lottery";
  }
  return "?";
}

std::string EligibilityText(const PlainChannel& channel) {
  switch (channel.eligibility) {
    case EligibilityKind::kEveryone: return "";
    case EligibilityKind::kArtsPositive: return "arts > 0";
    case EligibilityKind::kTotalAtLeast: return "total >= " + FormatHundredths(channel.threshold);
    case EligibilityKind::kSameDistrict: return "district = program.district";
    case EligibilityKind::kProgramScoreAtLeast: return "program_score >= " + FormatHundredths(channel.threshold);
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

std::array<std::uint8_t, 32> Sha256(const std::string& message) {
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
      0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
      0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
      0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
      0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
      0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string m = message;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) m.push_back('\0');
  const std::uint64_t bits = static_cast<std::uint64_t>(message.size()) * 8u;
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<char>(static_cast<unsigned char>(bits >> (8 * i))));
  std::uint32_t w[64];
  for (std::size_t chunk = 0; chunk < m.size(); chunk += 64) {
    for (std::size_t i = 0; i < 16; ++i) {
      w[i] = 0;
      for (std::size_t j = 0; j < 4; ++j) w[i] = (w[i] << 8) | static_cast<unsigned char>(m[chunk + 4 * i + j]);
    }
    for (std::size_t i = 16; i < 64; ++i) {
      const std::uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], hh = state[7];
    for (std::size_t i = 0; i < 64; ++i) {
      const std::uint32_t s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = hh + s1 + ch + k[i] + w[i];
      const std::uint32_t s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = s0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += hh;
  }
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    for (std::size_t j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(state[i] >> (24 - 8 * j));
  }
  return out;
}

std::uint64_t LotteryNumber(const std::string& seed, const std::string& id) {
  std::string message = seed;
  message.push_back('\0');
  message += id;
  const std::array<std::uint8_t, 32> d = Sha256(message);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | d[i];
  return v;
}

std::string ValidateInstance(const PlainInstance& inst) {
  std::set<std::string> ids, codes, batch_names, groups;
  for (const PlainCandidate& c : inst.candidates) groups.insert(c.group);
  for (const PlainCandidate& c : inst.candidates) {
    for (const auto& [code, score] : c.program_scores) {
      if (std::none_of(inst.programs.begin(), inst.programs.end(), [&](const PlainProgram& p) { return p.code == code; })) {
        return "candidate '" + c.id + "' has a score from unknown program '" + code + "'";
      }
    }
  }
  bool lottery = false;
  for (const PlainBatch& b : inst.batches) {
    if (!batch_names.insert(b.name).second) return "batch '" + b.name + "' twice";
    std::set<std::pair<std::size_t, std::string>> names;  // (stage, channel)
    std::set<std::string> stage_names;
    std::set<int> tiers;
    for (const PlainStage& st : b.stages) {
      if (st.name.empty() || !stage_names.insert(st.name).second) return "stage '" + st.name + "' empty or twice in batch '" + b.name + "'";
      if (!tiers.insert(st.tier).second) return "two stages of batch '" + b.name + "' run the same programs";
    }
    for (std::size_t h = 0; h < b.channels.size(); ++h) {
      const PlainChannel& ch = b.channels[h];
      if (ch.stage >= StageCount(b)) return "channel '" + ch.name + "' of batch '" + b.name + "' is in no stage";
      if (h > 0 && ch.stage < b.channels[h - 1].stage) return "the channels of batch '" + b.name + "' are not grouped by stage";
      if (!names.insert({ch.stage, ch.name}).second) return "channel '" + ch.name + "' twice in a stage of batch '" + b.name + "'";
      lottery = lottery || TieOf(ch.ranking) == LastTie::kLottery;
    }
    // Unfilled targets: another channel of the same stage, not split; chains are fine, circles
    // are refused.
    auto target = [&](const PlainChannel& ch) {
      return std::find_if(b.channels.begin(), b.channels.end(), [&](const PlainChannel& o) { return o.name == ch.unfilled && o.stage == ch.stage; });
    };
    for (const PlainChannel& ch : b.channels) {
      if (ch.unfilled.empty()) continue;
      auto t = target(ch);
      if (t == b.channels.end() || t->split || t->name == ch.name) {
        return "channel '" + ch.name + "' sends unfilled seats to '" + ch.unfilled + "', which is not another channel of its stage that is not split";
      }
      const PlainChannel* at = &*t;
      for (std::size_t steps = 0; !at->unfilled.empty(); ++steps) {
        if (at->name == ch.name || steps > b.channels.size()) return "unfilled seats of channel '" + ch.name + "' flow in a circle";
        at = &*target(*at);
      }
    }
  }
  if (lottery && inst.seed.empty()) return "a lottery ranking without a seed";
  for (const PlainProgram& p : inst.programs) {
    if (!codes.insert(p.code).second) return "program '" + p.code + "' twice";
    if (p.seats.size() != inst.batches.size()) return "program '" + p.code + "' has seats for the wrong number of batches";
    if (!p.group_seats.empty() && p.group_seats.size() != inst.batches.size()) return "program '" + p.code + "' has group seats for the wrong number of batches";
    for (std::size_t b = 0; b < inst.batches.size(); ++b) {
      const std::size_t nh = inst.batches[b].channels.size();
      if (p.seats[b].size() != nh) return "program '" + p.code + "' has seats for the wrong number of channels";
      if (!p.group_seats.empty() && p.group_seats[b].size() != nh) return "program '" + p.code + "' has group seats for the wrong number of channels";
      for (std::size_t h = 0; h < nh; ++h) {
        const bool split = inst.batches[b].channels[h].split;
        const std::map<std::string, int>* rows = p.group_seats.empty() ? nullptr : &p.group_seats[b][h];
        const PlainBatch& batch = inst.batches[b];
        if (!batch.stages.empty() && p.tier != batch.stages[batch.channels[h].stage].tier) {
          if (p.seats[b][h].has_value() || (rows && !rows->empty())) {
            return "program '" + p.code + "' has seats in channel '" + batch.channels[h].name + "' of a stage that does not run it";
          }
          continue;
        }
        if (!split) {
          if (rows && !rows->empty()) return "program '" + p.code + "' has group seats in channel '" + inst.batches[b].channels[h].name + "', which is not split";
          continue;
        }
        int sum = 0;
        if (rows) {
          for (const auto& [group, seats] : *rows) {
            if (seats < 0) return "negative group seats";
            if (!groups.count(group) || group.empty()) return "program '" + p.code + "' allocates seats to group '" + group + "', which no candidate has";
            sum += seats;
          }
        }
        if (sum != p.seats[b][h].value_or(0)) return "program '" + p.code + "': the group seats of '" + inst.batches[b].channels[h].name + "' do not add up to its seats";
      }
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

// The score program p gave candidate x; kMissing when none.
Hundredths ProgramScore(const PlainInstance& inst, const PlainCandidate& x, std::size_t p) {
  if (p == kAnyProgram) return kMissing;
  auto it = x.program_scores.find(inst.programs[p].code);
  return it == x.program_scores.end() ? kMissing : it->second;
}

int Compare(const PlainInstance& inst, RankingKind kind, std::size_t a, std::size_t b, std::size_t p) {
  if (a == b) return 0;
  const PlainCandidate& x = inst.candidates[a];
  const PlainCandidate& y = inst.candidates[b];
  if (RanksByProgramScore(kind)) {
    if (p == kAnyProgram) throw std::logic_error("Compare: a ranking by program_score needs the program");
    const Hundredths sx = ProgramScore(inst, x, p), sy = ProgramScore(inst, y, p);
    if ((sx != kMissing) != (sy != kMissing)) return sx != kMissing ? -1 : 1;  // a present score ranks first
    if (sx != sy) return sx > sy ? -1 : 1;
  }
  if (RanksByArts(kind)) {
    const bool xp = x.arts != kMissing, yp = y.arts != kMissing;
    if (xp != yp) return xp ? -1 : 1;  // a present value ranks before a missing one
    if (xp && x.arts != y.arts) return x.arts > y.arts ? -1 : 1;
  }
  if (x.total != y.total) return x.total > y.total ? -1 : 1;
  switch (TieOf(kind)) {
    case LastTie::kAdmitAll: return 0;
    case LastTie::kLottery: {
      const std::uint64_t u = CachedLottery(inst.seed, x.id), v = CachedLottery(inst.seed, y.id);
      if (u != v) return u < v ? -1 : 1;
      break;
    }
    case LastTie::kId: break;
  }
  // last_tie: id (and after an equal lottery number), ascending, byte by byte.
  return CompareBytes(x.id, y.id);
}

bool Outranks(const PlainInstance& inst, RankingKind kind, std::size_t a, std::size_t b, std::size_t p) { return Compare(inst, kind, a, b, p) < 0; }

std::string TiedChannel(const PlainInstance& inst, std::size_t b, std::size_t c, std::size_t p) {
  const PlainCandidate& x = inst.candidates[c];
  if (b >= x.tied.size()) return "";
  for (std::size_t k = 0; k < x.lists[b].size() && k < x.tied[b].size(); ++k) {
    if (x.lists[b][k] == inst.programs[p].code) return x.tied[b][k];
  }
  return "";
}

bool Competes(const PlainInstance& inst, std::size_t b, std::size_t h, std::size_t c, std::size_t p) {
  const PlainChannel& ch = inst.batches[b].channels[h];
  const std::string tied = TiedChannel(inst, b, c, p);
  return (tied.empty() || tied == ch.name) && IsEligible(inst, ch, c, p);
}

bool IsEligible(const PlainInstance& inst, const PlainChannel& channel, std::size_t c, std::size_t p) {
  const PlainCandidate& x = inst.candidates[c];
  switch (channel.eligibility) {
    case EligibilityKind::kEveryone: return true;
    case EligibilityKind::kArtsPositive: return x.arts != kMissing && x.arts > 0;
    case EligibilityKind::kTotalAtLeast: return x.total >= channel.threshold;
    case EligibilityKind::kSameDistrict: return x.district == inst.programs[p].district;
    case EligibilityKind::kProgramScoreAtLeast: {
      const Hundredths score = ProgramScore(inst, x, p);
      return score != kMissing && score >= channel.threshold;
    }
  }
  return false;
}

int SeatsFor(const PlainInstance& inst, std::size_t b, std::size_t p, std::size_t h, std::size_t c) {
  return inst.batches[b].channels[h].split ? GroupSeats(inst, b, p, h, inst.candidates[c].group) : Capacity(inst, b, p, h);
}

std::vector<int> ChooseFrom(const PlainInstance& inst, std::size_t b, std::size_t p, const std::vector<std::size_t>& applicants) {
  std::vector<int> out(applicants.size(), -1);
  Choose(inst, b, p, applicants.data(), applicants.size(), out.data());
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
    } else if (f[1] == "reassigned") {
      pl.reassigned = true;
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
    const std::size_t h = ChannelIndex(inst, b, p, pl.channel);
    if (h == kNoPosition) {
      v.push_back("candidate '" + pl.candidate_id + "' placed in unknown channel '" + pl.channel + "' of batch '" + pl.batch +
                  "' (no such channel in the stage that runs " + pl.program + ")");
      continue;
    }
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
    if (const std::string tied = TiedChannel(inst, b, c, p); !tied.empty() && tied != ch.name) {
      v.push_back("candidate " + DescribeCandidate(inst, c) + " is placed in channel '" + ch.name + "' of " + pl.program + " but listed it for channel '" +
                  tied + "' only");
    }
    if (SeatsFor(inst, b, p, h, c) <= 0) {
      v.push_back("candidate '" + pl.candidate_id + "' is placed in channel '" + ch.name + "' of " + pl.program +
                  ", which has no seats there" + (ch.split ? " for its group '" + inst.candidates[c].group + "'" : std::string()));
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
        const PlainChannel& ch = batch.channels[h];
        std::map<std::string, std::vector<std::size_t>> blocks;
        for (std::size_t c : held[p][h]) blocks[SeatKey(inst, b, h, c)].push_back(c);
        for (auto& [key, hs] : blocks) {
          const int cap = ch.split ? GroupSeats(inst, b, p, h, key) : Capacity(inst, b, p, h);
          if (hs.size() <= static_cast<std::size_t>(std::max(cap, 0))) continue;
          // Over capacity: only admit_all may do that, and only by a tie at the last seat. Under
          // a mechanism with bands, a program takes earlier bands first: tied means the same band
          // and tied by the ranking.
          const std::size_t s = StageOfProgram(inst, b, p);
          const int band = BandOf(batch, s == StageCount(batch) ? 0 : s);
          auto band_of = [&](std::size_t c) { return band == 0 ? std::size_t{0} : at[c].position / static_cast<std::size_t>(band); };
          auto order = [&](std::size_t a, std::size_t c2) {
            return band_of(a) != band_of(c2) ? (band_of(a) < band_of(c2) ? -1 : 1) : Compare(inst, ch.ranking, a, c2, p);
          };
          std::stable_sort(hs.begin(), hs.end(), [&](std::size_t a, std::size_t c2) { return order(a, c2) < 0; });
          bool explained = cap > 0 && TieOf(ch.ranking) == LastTie::kAdmitAll;
          for (std::size_t k = static_cast<std::size_t>(std::max(cap, 0)); k < hs.size() && explained; ++k) {
            explained = order(hs[k], hs[static_cast<std::size_t>(cap) - 1]) == 0;
          }
          if (!explained) {
            v.push_back("batch '" + batch.name + "': " + inst.programs[p].code + " channel '" + ch.name + "'" + GroupText(ch, key) + " holds " +
                        std::to_string(hs.size()) + " candidates but has capacity " + std::to_string(cap) +
                        (TieOf(ch.ranking) == LastTie::kAdmitAll && cap > 0 ? ", and not everyone beyond the last seat is tied with its holder" : ""));
          }
        }
      }
      // Deferred acceptance's certificate only (see the header); the others: ReferenceRun.
      if (BandOf(batch, StageOfProgram(inst, b, p) == StageCount(batch) ? 0 : StageOfProgram(inst, b, p)) != 0) continue;
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
    // Each program belongs to one stage, so held / admitted split by stage on their own.
    for (std::size_t st = 0; st < StageCount(batch); ++st) {
      if (BandOf(batch, st) == 0) FindInstability(inst, x, b, st, at, held, admitted, &v, kMaxReported + 1);
    }
  }
  if (v.size() > kMaxReported) {
    const std::size_t more = v.size() - kMaxReported;
    v.resize(kMaxReported);
    v.push_back("... and " + std::to_string(more) + " more");
  }
  return v;
}

SeatFlows NoFlows(const PlainInstance& inst) {
  SeatFlows f;
  f.in.resize(inst.batches.size());
  f.out.resize(inst.batches.size());
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    const std::size_t nh = inst.batches[b].channels.size();
    f.in[b].assign(inst.programs.size(), std::vector<int>(nh, 0));
    f.out[b].assign(inst.programs.size(), std::vector<std::map<std::string, int>>(nh));
  }
  return f;
}

PlainInstance WithFinalSeats(const PlainInstance& inst, const SeatFlows& flows) {
  PlainInstance out = inst;
  for (std::size_t b = 0; b < out.batches.size(); ++b) {
    for (PlainChannel& ch : out.batches[b].channels) ch.unfilled.clear();
    for (std::size_t p = 0; p < out.programs.size(); ++p) {
      PlainProgram& prog = out.programs[p];
      for (std::size_t h = 0; h < out.batches[b].channels.size(); ++h) {
        int delta = b < flows.in.size() && p < flows.in[b].size() && h < flows.in[b][p].size() ? flows.in[b][p][h] : 0;
        if (b < flows.out.size() && p < flows.out[b].size() && h < flows.out[b][p].size()) {
          for (const auto& [group, seats] : flows.out[b][p][h]) {
            delta -= seats;
            if (out.batches[b].channels[h].split && !prog.group_seats.empty()) prog.group_seats[b][h][group] -= seats;
          }
        }
        if (delta != 0) prog.seats[b][h] = prog.seats[b][h].value_or(0) + delta;
      }
    }
  }
  return out;
}

std::optional<SeatFlows> FlowsFromCutoffs(const PlainInstance& inst, const std::string& csv, std::vector<std::string>* problems) {
  std::vector<std::vector<std::string>> records;
  if (!SplitCsv(csv, &records)) {
    problems->push_back("cutoffs.csv: unterminated quote");
    return std::nullopt;
  }
  const std::vector<std::string> header = {"batch", "program", "channel", "group", "capacity", "admitted", "cutoff_total", "stage",
                                           "initial_capacity", "flowed_in", "flowed_out", "over_capacity"};
  if (records.empty() || records[0] != header) {
    problems->push_back("cutoffs.csv does not have the header batch,program,channel,group,capacity,admitted,cutoff_total,stage,"
                        "initial_capacity,flowed_in,flowed_out,over_capacity");
    return std::nullopt;
  }
  const std::vector<SeatRowKey> rows = SeatRows(inst);
  if (records.size() != rows.size() + 1) {
    problems->push_back("cutoffs.csv has " + std::to_string(records.size() - 1) + " seat rows; the contract lays out " +
                        std::to_string(rows.size()));
    return std::nullopt;
  }
  SeatFlows f = NoFlows(inst);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::vector<std::string>& rec = records[r + 1];
    const SeatRowKey& k = rows[r];
    const PlainChannel& ch = inst.batches[k.batch].channels[k.channel];
    const std::string where = inst.batches[k.batch].name + "," + inst.programs[k.program].code + "," + ch.name + "," + k.group +
                              (inst.batches[k.batch].stages.empty() ? std::string() : " (stage '" + StageName(inst, k.batch, k.stage) + "')");
    if (rec.size() != header.size() || rec[0] != inst.batches[k.batch].name || rec[1] != inst.programs[k.program].code ||
        rec[2] != ch.name || rec[3] != k.group || rec[7] != StageName(inst, k.batch, k.stage)) {
      std::string got;
      for (std::size_t i = 0; i < rec.size() && i < 4; ++i) got += (i ? "," : "") + rec[i];
      problems->push_back("cutoffs.csv row " + std::to_string(r + 2) + " is '" + got + "'; the contract lays out '" + where + "' there");
      return std::nullopt;
    }
    long long capacity = 0, initial = 0, in = 0, out = 0;
    if (!ParseInt(rec[4], &capacity) || !ParseInt(rec[8], &initial) || !ParseInt(rec[9], &in) || !ParseInt(rec[10], &out)) {
      problems->push_back("cutoffs.csv row " + std::to_string(r + 2) + " (" + where + "): a seat count is not a whole number");
      continue;
    }
    if (initial != k.initial) {
      problems->push_back("cutoffs.csv row " + std::to_string(r + 2) + " (" + where + "): initial_capacity " + rec[8] + " but the input gives " +
                          std::to_string(k.initial));
    }
    if (capacity != initial + in - out) {
      problems->push_back("cutoffs.csv row " + std::to_string(r + 2) + " (" + where + "): capacity " + rec[4] + " is not initial " + rec[8] +
                          " + flowed_in " + rec[9] + " - flowed_out " + rec[10]);
    }
    if (capacity < 0 || in < 0 || out < 0) {
      problems->push_back("cutoffs.csv row " + std::to_string(r + 2) + " (" + where + "): a negative seat count");
    }
    if (ch.split && in != 0) problems->push_back("cutoffs.csv row " + std::to_string(r + 2) + " (" + where + "): a split channel received seats");
    f.in[k.batch][k.program][k.channel] += static_cast<int>(in);
    if (out != 0) f.out[k.batch][k.program][k.channel][k.group] += static_cast<int>(out);
  }
  return f;
}

std::vector<std::string> CheckFlows(const PlainInstance& inst, const SeatFlows& flows, const std::vector<PlainPlacement>& placements) {
  std::vector<std::string> v;
  const Lookup x(inst);
  const std::vector<Where> at = Locate(inst, x, placements);
  const PlainInstance final_seats = WithFinalSeats(inst, flows);
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    const PlainBatch& batch = inst.batches[b];
    const std::size_t nh = batch.channels.size();
    for (std::size_t p = 0; p < inst.programs.size(); ++p) {
      const std::string where = "batch '" + batch.name + "', " + inst.programs[p].code;
      std::vector<int> gave(nh, 0);
      int before = 0, after = 0;
      for (std::size_t h = 0; h < nh; ++h) {
        const PlainChannel& ch = batch.channels[h];
        for (const auto& [group, seats] : flows.out[b][p][h]) {
          gave[h] += seats;
          const int had = ch.split ? GroupSeats(inst, b, p, h, group) : Capacity(inst, b, p, h) + flows.in[b][p][h];
          if (seats > had || seats < 0) {
            v.push_back(where + " channel '" + ch.name + "'" + GroupText(ch, group) + " gave away " + std::to_string(seats) + " seats of " +
                        std::to_string(had));
          }
        }
        if (gave[h] != 0 && ch.unfilled.empty()) {
          v.push_back(where + " channel '" + ch.name + "' gave away " + std::to_string(gave[h]) + " seats but sends unfilled seats nowhere");
        }
        before += Capacity(inst, b, p, h);  // for a split channel, the sum of its groups' seats
      }
      for (std::size_t t = 0; t < nh; ++t) {
        int expected = 0;
        for (std::size_t h = 0; h < nh; ++h) {
          if (batch.channels[h].unfilled == batch.channels[t].name && batch.channels[h].stage == batch.channels[t].stage) expected += gave[h];
        }
        if (flows.in[b][p][t] != expected) {
          v.push_back(where + " channel '" + batch.channels[t].name + "' received " + std::to_string(flows.in[b][p][t]) +
                      " seats, but the channels sending it their unfilled seats gave away " + std::to_string(expected));
        }
      }
      for (std::size_t h = 0; h < nh; ++h) after += Capacity(inst, b, p, h) + flows.in[b][p][h] - gave[h];
      if (before != after) {
        v.push_back(where + ": " + std::to_string(before) + " seats before the flows but " + std::to_string(after) + " after");
      }
      // Fixpoint: no seat of a channel with an unfilled target is left empty.
      for (std::size_t h = 0; h < nh; ++h) {
        const PlainChannel& ch = batch.channels[h];
        if (ch.unfilled.empty()) continue;
        std::map<std::string, int> admitted;
        for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
          if (at[c].batch == static_cast<int>(b) && at[c].program == p && at[c].channel == h) ++admitted[SeatKey(inst, b, h, c)];
        }
        std::vector<std::string> keys;
        if (ch.split) {
          if (!inst.programs[p].group_seats.empty()) {
            for (const auto& [group, seats] : inst.programs[p].group_seats[b][h]) keys.push_back(group);
          }
        } else {
          keys.push_back("");
        }
        for (const std::string& key : keys) {
          const int cap = ch.split ? GroupSeats(final_seats, b, p, h, key) : Capacity(final_seats, b, p, h);
          if (admitted[key] < cap) {
            v.push_back(where + " channel '" + ch.name + "'" + GroupText(ch, key) + " ends with " + std::to_string(cap - admitted[key]) +
                        " unfilled seats (admitted " + std::to_string(admitted[key]) + " of capacity " + std::to_string(cap) +
                        ") that did not move to '" + ch.unfilled + "'");
          }
        }
      }
    }
  }
  return v;
}

namespace {

// Deferred acceptance, one proposal at a time (candidates in id order, a stack of free
// candidates), in stage s of batch b among the candidates `at` does not place yet, over list
// positions [lo, hi) only, with the capacities of `seats`; places the held candidates in `at`.
void StageDeferredAcceptance(const PlainInstance& inst, const Lookup& x, std::size_t b, std::size_t s, const std::vector<std::size_t>& by_id,
                             std::size_t lo, std::size_t hi, const PlainInstance& seats, std::vector<Where>* at) {
  const std::size_t n = inst.candidates.size(), np = inst.programs.size();
  std::vector<std::size_t> next(n, lo);
  std::vector<std::vector<std::size_t>> held(np);
  std::vector<std::size_t> stack;
  for (auto it = by_id.rbegin(); it != by_id.rend(); ++it) {
    if ((*at)[*it].batch < 0) stack.push_back(*it);  // smallest id on top
  }
  std::vector<std::size_t> applicants;
  while (!stack.empty()) {
    const std::size_t c = stack.back();
    stack.pop_back();
    const std::vector<std::size_t>& list = x.lists[b][c];
    const std::size_t end = std::min(hi, list.size());
    while (next[c] < end) {
      const std::size_t p = list[next[c]];
      if (!StageRuns(inst, b, s, p)) {  // not this stage's program: skipped
        ++next[c];
        continue;
      }
      applicants = held[p];
      applicants.push_back(c);
      const std::vector<int> chosen = ChooseFrom(seats, b, p, applicants);
      if (chosen.back() < 0) {
        ++next[c];
        continue;
      }
      held[p].clear();
      for (std::size_t k = 0; k + 1 < applicants.size(); ++k) {
        if (chosen[k] >= 0) {
          held[p].push_back(applicants[k]);
        } else {
          ++next[applicants[k]];
          stack.push_back(applicants[k]);
        }
      }
      held[p].push_back(c);
      break;
    }
  }
  for (std::size_t p = 0; p < np; ++p) {
    const std::vector<int> chosen = ChooseFrom(seats, b, p, held[p]);
    for (std::size_t k = 0; k < held[p].size(); ++k) {
      Where& w = (*at)[held[p][k]];
      w.batch = static_cast<int>(b);
      w.program = p;
      w.channel = static_cast<std::size_t>(chosen[k]);  // held sets are their own choice
      w.position = next[held[p][k]];
    }
  }
}

// Candidate c takes a seat of channel h of program p in batch b for good: one seat fewer in
// `seats` (of c's group for a split channel; never below 0 -- admit_all may overfill).
void TakeSeat(PlainInstance* seats, std::size_t b, std::size_t p, std::size_t h, std::size_t c) {
  PlainProgram& prog = seats->programs[p];
  if (seats->batches[b].channels[h].split) {
    if (prog.group_seats.empty()) return;
    auto it = prog.group_seats[b][h].find(seats->candidates[c].group);
    if (it != prog.group_seats[b][h].end() && it->second > 0) --it->second;
    int total = 0;  // the programs.csv cell is the groups' sum
    for (const auto& [g, k] : prog.group_seats[b][h]) total += k;
    prog.seats[b][h] = total;
    return;
  }
  std::optional<int>& cell = prog.seats[b][h];
  if (cell && *cell > 0) --*cell;
}

}  // namespace

ReferenceResult ReferenceRun(const PlainInstance& inst) {
  const Lookup x(inst);
  const std::size_t n = inst.candidates.size(), np = inst.programs.size();
  ReferenceResult result;
  result.flows = NoFlows(inst);
  std::vector<Where> at(n);
  std::vector<std::size_t> by_id(n);
  for (std::size_t c = 0; c < n; ++c) by_id[c] = c;
  std::sort(by_id.begin(), by_id.end(), [&](std::size_t a, std::size_t b) { return CompareBytes(inst.candidates[a].id, inst.candidates[b].id) < 0; });
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    const PlainBatch& batch = inst.batches[b];
    const std::size_t nh = batch.channels.size();
    for (std::size_t s = 0; s < StageCount(batch); ++s) {
      std::vector<Where> pass_at;
      int passes = 0;
      while (true) {
        const PlainInstance seats = WithFinalSeats(inst, result.flows);  // this pass's capacities
        ++passes;
        pass_at = at;
        const int band = BandOf(batch, s);
        if (band == 0) {
          // Deferred acceptance, one proposal at a time, among the candidates not placed yet (in
          // an earlier batch or stage), to the programs this stage runs.
          StageDeferredAcceptance(inst, x, b, s, by_id, 0, kNoPosition, seats, &pass_at);
        } else {
          // The bands of choices, in order: deferred acceptance inside each among those still
          // unplaced, over the seats still free; what a band places is final.
          std::size_t longest = 0;
          for (std::size_t c = 0; c < n; ++c) longest = std::max(longest, x.lists[b][c].size());
          PlainInstance left = seats;  // the seats still free
          for (std::size_t lo = 0; lo < longest; lo += static_cast<std::size_t>(band)) {
            const std::vector<Where> before = pass_at;
            StageDeferredAcceptance(inst, x, b, s, by_id, lo, lo + static_cast<std::size_t>(band), left, &pass_at);
            for (std::size_t c = 0; c < n; ++c) {
              if (before[c].batch >= 0 || pass_at[c].batch < 0) continue;
              const Where& w = pass_at[c];
              TakeSeat(&left, b, w.program, w.channel, c);
            }
          }
        }
        // The rule: after a stage is matched, the seats each channel left EMPTY IN THAT PASS'S
        // MATCH move to its `unfilled:` target; all moves of a pass are computed from that
        // pass's match and applied together; then the stage is matched again from the start
        // with the new capacities; repeat until no seat moves.
        // So: for every channel of this stage with an unfilled target and every program (per
        // group for a split channel), empty = capacity in this pass - admitted in this pass's
        // match; the source loses them and the target gains them, all at once below. A seat
        // that arrives in a channel in this pass is not passed on in this pass (the target's
        // capacity in this pass did not include it); if it stays empty, it moves next pass.
        SeatFlows moved = result.flows;
        bool any = false;
        for (std::size_t h = 0; h < nh; ++h) {
          const PlainChannel& ch = batch.channels[h];
          if (ch.stage != s || ch.unfilled.empty()) continue;
          std::size_t t = 0;
          while (!(batch.channels[t].name == ch.unfilled && batch.channels[t].stage == s)) ++t;
          for (std::size_t p = 0; p < np; ++p) {
            if (!StageRuns(inst, b, s, p)) continue;
            std::map<std::string, int> admitted;  // admitted in this pass's match, per seat key
            for (std::size_t c = 0; c < n; ++c) {
              if (pass_at[c].batch == static_cast<int>(b) && pass_at[c].program == p && pass_at[c].channel == h) ++admitted[SeatKey(inst, b, h, c)];
            }
            std::vector<std::pair<std::string, int>> blocks;  // seat key -> capacity in this pass
            if (ch.split) {
              if (!seats.programs[p].group_seats.empty()) {
                for (const auto& [group, k] : seats.programs[p].group_seats[b][h]) blocks.emplace_back(group, k);
              }
            } else {
              blocks.emplace_back("", Capacity(seats, b, p, h));
            }
            for (const auto& [key, cap] : blocks) {
              const int empty = cap - admitted[key];
              if (empty <= 0) continue;
              moved.out[b][p][h][key] += empty;  // the source loses them ...
              moved.in[b][p][t] += empty;        // ... the target gains them
              any = true;
            }
          }
        }
        if (!any || passes > 100'000) break;
        result.flows = std::move(moved);
      }
      at = pass_at;
      result.passes.push_back(passes);
    }
  }
  result.placements = ToPlacements(inst, at);
  return result;
}

std::optional<ExhaustiveResult> ExhaustiveStudentOptimal(const PlainInstance& inst, std::string* error) {
  if (std::string e = ValidateInstance(inst); !e.empty()) {
    *error = "the instance is malformed: " + e;
    return std::nullopt;
  }
  for (const PlainBatch& batch : inst.batches) {
    for (const PlainChannel& ch : batch.channels) {
      if (!ch.unfilled.empty()) {
        *error = "channel '" + ch.name + "' sends unfilled seats; search WithFinalSeats(...) instead";
        return std::nullopt;
      }
    }
  }
  const Lookup x(inst);
  const std::size_t n = inst.candidates.size(), np = inst.programs.size();
  std::vector<Where> at(n);
  ExhaustiveResult result;
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
   for (std::size_t s = 0; s < StageCount(inst.batches[b]); ++s) {  // stage by stage, like batches
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
        if (!StageRuns(inst, b, s, p)) {  // another stage's program: not in this stage's assignments
          ok = false;
          break;
        }
        chosen.assign(admitted[p].size(), -1);
        Choose(inst, b, p, admitted[p].data(), admitted[p].size(), chosen.data());
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
        ok = !FindInstability(inst, x, b, s, trial, held, admitted, nullptr, 0);
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
    for (std::size_t o = 0; o < stable_pos.size() && best == stable_pos.size(); ++o) {
      bool dominates = true;
      for (std::size_t t = 0; t < stable_pos.size() && dominates; ++t) {
        for (std::size_t i = 0; i < part.size() && dominates; ++i) dominates = stable_pos[o][i] <= stable_pos[t][i];
      }
      if (dominates) best = o;
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
  }
  result.placements = ToPlacements(inst, at);
  return result;
}

std::string RenderPlacementsCsv(const PlainInstance& inst, const std::vector<PlainPlacement>& placements) {
  std::map<std::string, const PlainPlacement*> by_id;
  for (const PlainPlacement& pl : placements) by_id.emplace(pl.candidate_id, &pl);
  std::vector<std::string> ids;
  for (const PlainCandidate& c : inst.candidates) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) { return CompareBytes(a, b) < 0; });
  // The engine appends a `stage` column: the name of the placement's stage ("" without stages).
  std::string out = "candidate_id,status,batch,program,channel,choice_rank,stage\n";
  for (const std::string& id : ids) {
    AppendField(&out, id);
    auto it = by_id.find(id);
    if (it == by_id.end() || (!it->second->placed && !it->second->reassigned)) {
      out += ",unplaced,,,,,\n";
      continue;
    }
    const PlainPlacement& pl = *it->second;
    out += pl.reassigned ? ",reassigned," : ",placed,";
    AppendField(&out, pl.batch);
    out += ',';
    AppendField(&out, pl.program);
    out += ',';
    AppendField(&out, pl.channel);
    out += ',' + (pl.reassigned ? std::string() : std::to_string(pl.choice_rank)) + ',';
    const auto bi = std::find_if(inst.batches.begin(), inst.batches.end(), [&](const PlainBatch& b) { return b.name == pl.batch; });
    const auto pi = std::find_if(inst.programs.begin(), inst.programs.end(), [&](const PlainProgram& p) { return p.code == pl.program; });
    if (bi != inst.batches.end() && pi != inst.programs.end()) {
      const auto b = static_cast<std::size_t>(bi - inst.batches.begin());
      const std::size_t h = ChannelIndex(inst, b, static_cast<std::size_t>(pi - inst.programs.begin()), pl.channel);
      if (h != kNoPosition) AppendField(&out, StageName(inst, b, inst.batches[b].channels[h].stage));
    }
    out += '\n';
  }
  return out;
}

std::string ExpectedCutoffsCsv(const PlainInstance& inst, const std::vector<PlainPlacement>& placements, const SeatFlows* flows) {
  const SeatFlows none = NoFlows(inst);
  const SeatFlows& f = flows ? *flows : none;
  const Lookup x(inst);
  const std::vector<Where> at = Locate(inst, x, placements);
  // (batch, program, channel, group) -> (admitted, lowest total)
  std::map<std::tuple<std::size_t, std::size_t, std::size_t, std::string>, std::pair<int, Hundredths>> stats;
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
    if (at[c].batch < 0) continue;
    const auto b = static_cast<std::size_t>(at[c].batch);
    auto& s = stats[{b, at[c].program, at[c].channel, SeatKey(inst, b, at[c].channel, c)}];
    s.second = s.first == 0 ? inst.candidates[c].total : std::min(s.second, inst.candidates[c].total);
    ++s.first;
  }
  // Contract columns, then stage, initial capacity, seats flowed in and out, and
  // admissions over capacity (admit_all ties at the last seat).
  std::string out = "batch,program,channel,group,capacity,admitted,cutoff_total,stage,initial_capacity,flowed_in,flowed_out,over_capacity\n";
  for (const SeatRowKey& k : SeatRows(inst)) {
    const int in = f.in[k.batch][k.program][k.channel];
    const auto& outs = f.out[k.batch][k.program][k.channel];
    const auto oi = outs.find(k.group);
    const int gone = oi == outs.end() ? 0 : oi->second;
    const int capacity = k.initial + in - gone;
    AppendField(&out, inst.batches[k.batch].name);
    out += ',';
    AppendField(&out, inst.programs[k.program].code);
    out += ',';
    AppendField(&out, inst.batches[k.batch].channels[k.channel].name);
    out += ',';
    AppendField(&out, k.group);
    out += ',' + std::to_string(capacity) + ',';
    auto it = stats.find({k.batch, k.program, k.channel, k.group});
    const int admitted = it == stats.end() ? 0 : it->second.first;
    out += std::to_string(admitted) + ',';
    if (it != stats.end()) out += FormatHundredths(it->second.second);
    out += ',';
    AppendField(&out, StageName(inst, k.batch, k.stage));
    out += ',' + std::to_string(k.initial) + ',' + std::to_string(in) + ',' + std::to_string(gone) + ',' +
           std::to_string(admitted > capacity ? admitted - capacity : 0) + '\n';
  }
  return out;
}

namespace {

// Whether row a comes before row b for candidate c by the order keys alone (rows tied on every
// key keep their cutoffs.csv order: the caller scans rows in that order and keeps the first).
bool ReassignOrderBefore(const PlainInstance& inst, std::size_t c, std::size_t pa, std::size_t pb) {
  const PlainProgram& a = inst.programs[pa];
  const PlainProgram& b = inst.programs[pb];
  const PlainCandidate& x = inst.candidates[c];
  using Order = PlainReassignment::Order;
  const Order order = inst.reassignment.order;
  if (order == Order::kNone) return false;
  if (order == Order::kDistrictThenCutoff) {
    const bool ia = x.district == a.district, ib = x.district == b.district;
    if (ia != ib) return ia;  // desc: 1 (same district) before 0
  }
  if (a.last_cutoff == kMissing || b.last_cutoff == kMissing) return a.last_cutoff != kMissing && b.last_cutoff == kMissing;
  if (a.last_cutoff == b.last_cutoff) return false;
  return order == Order::kCutoffAsc ? a.last_cutoff < b.last_cutoff : a.last_cutoff > b.last_cutoff;
}

}  // namespace

std::vector<PlainPlacement> ReferenceReassign(const PlainInstance& inst, const std::vector<PlainPlacement>& placements, const SeatFlows& flows) {
  const PlainReassignment& ra = inst.reassignment;
  const Lookup x(inst);
  const std::vector<Where> at = Locate(inst, x, placements);
  // Every row of cutoffs.csv, in its order, with the seats the batches left empty there.
  struct Row {
    SeatRowKey key;
    int empty;
  };
  std::vector<Row> rows;
  for (const SeatRowKey& k : SeatRows(inst)) {
    const auto& outs = flows.out[k.batch][k.program][k.channel];
    const auto gone = outs.find(k.group);
    int empty = k.initial + flows.in[k.batch][k.program][k.channel] - (gone == outs.end() ? 0 : gone->second);
    for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
      if (at[c].batch == static_cast<int>(k.batch) && at[c].program == k.program && at[c].channel == k.channel &&
          SeatKey(inst, k.batch, k.channel, c) == k.group) {
        --empty;
      }
    }
    rows.push_back({k, empty});
  }
  // Turns: flagged candidates no batch placed, in the ranking's order, ties by id.
  std::vector<std::size_t> turns;
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
    if (at[c].batch < 0 && inst.candidates[c].accepts) turns.push_back(c);
  }
  std::sort(turns.begin(), turns.end(), [&](std::size_t a, std::size_t b) {
    const int cmp = Compare(inst, ra.ranking, a, b);
    return cmp != 0 ? cmp < 0 : CompareBytes(inst.candidates[a].id, inst.candidates[b].id) < 0;
  });
  std::vector<PlainPlacement> out = placements;
  for (const std::size_t c : turns) {
    std::size_t best = rows.size();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const SeatRowKey& k = rows[i].key;
      const PlainChannel& ch = inst.batches[k.batch].channels[k.channel];
      if (rows[i].empty <= 0) continue;
      if (!ra.channels.empty() && std::find(ra.channels.begin(), ra.channels.end(), ch.name) == ra.channels.end()) continue;
      if (ch.split && inst.candidates[c].group != k.group) continue;
      if (!IsEligible(inst, ch, c, k.program)) continue;
      if (ra.threshold != kMissing && inst.candidates[c].total < ra.threshold) continue;
      if (best == rows.size() || ReassignOrderBefore(inst, c, k.program, rows[best].key.program)) best = i;
    }
    if (best == rows.size()) continue;
    --rows[best].empty;
    const SeatRowKey& k = rows[best].key;
    for (PlainPlacement& pl : out) {
      if (pl.candidate_id != inst.candidates[c].id) continue;
      pl.reassigned = true;
      pl.batch = inst.batches[k.batch].name;
      pl.program = inst.programs[k.program].code;
      pl.channel = inst.batches[k.batch].channels[k.channel].name;
    }
  }
  return out;
}

std::string Describe(const PlainInstance& inst) {
  std::ostringstream s;
  if (!inst.seed.empty()) s << "seed: " << inst.seed << "\n";
  for (std::size_t b = 0; b < inst.batches.size(); ++b) {
    const PlainBatch& batch = inst.batches[b];
    s << "batch " << batch.name << ":";
    for (const PlainChannel& ch : batch.channels) {
      if (!batch.stages.empty() && (&ch == &batch.channels.front() || (&ch)[-1].stage != ch.stage)) {
        s << "\n  stage " << batch.stages[ch.stage].name << " (programs: tier = " << batch.stages[ch.stage].tier << "):";
      }
      s << " [" << ch.name << " seats=" << ch.seats << " " << RankingName(ch.ranking);
      if (ch.eligibility != EligibilityKind::kEveryone) s << " eligible: " << EligibilityText(ch);
      if (ch.split) s << " split_by: junior_school";
      if (!ch.unfilled.empty()) s << " unfilled: " << ch.unfilled;
      s << "]";
    }
    s << "\n";
  }
  for (const PlainProgram& p : inst.programs) {
    s << "program " << p.code << " district " << p.district << (p.tier != 0 ? " tier " + std::to_string(p.tier) : std::string()) << " seats";
    for (std::size_t b = 0; b < p.seats.size(); ++b) {
      s << " " << inst.batches[b].name << ":";
      for (std::size_t h = 0; h < p.seats[b].size(); ++h) {
        const std::optional<int>& cell = p.seats[b][h];
        s << " " << (cell ? std::to_string(*cell) : std::string("empty"));
        if (!p.group_seats.empty() && !p.group_seats[b][h].empty()) {
          s << " {";
          bool first = true;
          for (const auto& [group, seats] : p.group_seats[b][h]) {
            s << (first ? "" : ", ") << group << ": " << seats;
            first = false;
          }
          s << "}";
        }
      }
    }
    s << "\n";
  }
  for (std::size_t c = 0; c < inst.candidates.size(); ++c) {
    s << "candidate " << DescribeCandidate(inst, c) << " lists";
    for (std::size_t b = 0; b < inst.candidates[c].lists.size(); ++b) {
      s << " " << inst.batches[b].name << ":";
      for (const std::string& code : inst.candidates[c].lists[b]) s << " " << code;
    }
    if (!inst.candidates[c].program_scores.empty()) {
      s << "; program scores";
      for (const auto& [code, score] : inst.candidates[c].program_scores) s << " " << code << "=" << FormatHundredths(score);
    }
    s << "\n";
  }
  return s.str();
}

}  // namespace zkmatch::testing::brute
