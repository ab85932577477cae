// The verifier's own deferred acceptance (see verify_matching.h). Never used by the engine.
#include "verify_matching.h"

#include <algorithm>
#include <tuple>

namespace zkmatch::verify {
namespace {

struct Proposal {
  CandidateIndex c;
  std::uint32_t k;         // entry of the lists
  std::uint32_t eligible;  // pb.eligible[k], read once when the proposal is made
};

// Where candidate x stands in channel h's ranking (0 = best).
std::uint32_t RankIn(const DaChannel& ch, const Proposal& x) { return ch.rank ? ch.rank[x.c] : ch.entry_rank[x.k]; }

class Chooser {
 public:
  explicit Chooser(const DaProblem& pb) : pb_(pb), nh_(pb.channels.size()) {}

  // Chooses from `pool` at program p: sets label[i] to the channel taking pool[i], or kNone.
  // ranks[i * channels + h] is RankIn(channel h, pool[i]), computed once per proposal.
  void Choose(ProgramIndex p, const std::vector<Proposal>& pool, const std::vector<std::uint32_t>& ranks, std::vector<std::uint32_t>* label) {
    label->assign(pool.size(), kNone);
    for (std::uint32_t h = 0; h < nh_; ++h) {
      const DaChannel& ch = pb_.channels[h];
      auto rank = [&](std::uint32_t i) { return ranks[i * nh_ + h]; };
      if (ch.num_groups == 0) {
        const std::int64_t cap = pb_.capacity[p * nh_ + h];
        if (cap <= 0) continue;
        cand_.clear();
        for (std::uint32_t i = 0; i < pool.size(); ++i) {
          if ((*label)[i] == kNone && (pool[i].eligible >> h & 1u)) cand_.emplace_back(rank(i), i);
        }
        if (static_cast<std::int64_t>(cand_.size()) <= cap) {
          for (const auto& [r, i] : cand_) (*label)[i] = h;
          continue;
        }
        const auto n = static_cast<std::ptrdiff_t>(cap);
        std::nth_element(cand_.begin(), cand_.begin() + n - 1, cand_.end());
        const std::uint32_t last = cand_[static_cast<std::size_t>(n - 1)].first;
        // Everything before n-1 ranks at most `last`; after it at least `last`: take ties too.
        for (std::size_t j = 0; j < cand_.size(); ++j) {
          if (static_cast<std::ptrdiff_t>(j) < n || cand_[j].first == last) (*label)[cand_[j].second] = h;
        }
        continue;
      }
      const std::vector<std::int64_t>& gcap = pb_.group_capacity[h];
      grouped_.clear();
      for (std::uint32_t i = 0; i < pool.size(); ++i) {
        if ((*label)[i] != kNone || !(pool[i].eligible >> h & 1u)) continue;
        const std::uint32_t g = ch.group[pool[i].c];
        if (g >= ch.num_groups || gcap[p * ch.num_groups + g] <= 0) continue;
        grouped_.emplace_back(g, rank(i), i);
      }
      std::sort(grouped_.begin(), grouped_.end());
      for (std::size_t j = 0; j < grouped_.size();) {
        const std::uint32_t g = std::get<0>(grouped_[j]);
        const std::int64_t cap = gcap[p * ch.num_groups + g];
        std::int64_t taken = 0;
        std::uint32_t last = 0;
        for (; j < grouped_.size() && std::get<0>(grouped_[j]) == g; ++j) {
          if (taken < cap || std::get<1>(grouped_[j]) == last) {
            (*label)[std::get<2>(grouped_[j])] = h;
            last = std::get<1>(grouped_[j]);
            ++taken;
          }
        }
      }
    }
  }

 private:
  const DaProblem& pb_;
  const std::size_t nh_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> cand_;
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> grouped_;
};

}  // namespace

DaResult DeferredAcceptance(const DaProblem& pb) {
  const ChoiceLists& lists = *pb.lists;
  const std::size_t n = pb.takes_part.size();
  const std::size_t np = pb.num_programs;
  DaResult out;
  out.program.assign(n, kNoProgram);
  out.channel.assign(n, kNone);
  out.entry.assign(n, kNone);
  std::vector<std::uint32_t> next(n, 0);
  std::vector<CandidateIndex> free;
  for (std::size_t c = 0; c < n; ++c) {
    if (!pb.takes_part[c]) continue;
    next[c] = lists.offset[c];
    free.push_back(static_cast<CandidateIndex>(c));
  }
  const std::size_t nh = pb.channels.size();
  std::vector<std::vector<Proposal>> held(np), incoming(np);
  std::vector<std::vector<std::uint32_t>> held_channel(np), held_ranks(np);  // held_ranks[p][i * nh + h]
  std::vector<ProgramIndex> touched;
  std::vector<std::uint32_t> label, kept_channel, kept_ranks;
  std::vector<Proposal> kept;
  Chooser chooser(pb);
  while (true) {
    touched.clear();
    // In candidate order, so the lists are read front to back; the order of proposals within a
    // round changes nothing a program chooses.
    std::sort(free.begin(), free.end());
    for (const CandidateIndex c : free) {
      std::uint32_t k = next[c];
      const std::uint32_t end = lists.offset[c + 1];
      while (k < end && pb.eligible[k] == 0) ++k;
      if (k == end) {
        next[c] = k;
        continue;
      }
      next[c] = k + 1;
      const ProgramIndex p = lists.program[k];
      if (incoming[p].empty()) touched.push_back(p);
      incoming[p].push_back({c, k, pb.eligible[k]});
    }
    free.clear();
    if (touched.empty()) break;
    ++out.rounds;
    for (const ProgramIndex p : touched) {
      std::vector<Proposal>& pool = held[p];
      std::vector<std::uint32_t>& ranks = held_ranks[p];
      for (const Proposal& x : incoming[p]) {
        pool.push_back(x);
        for (std::size_t h = 0; h < nh; ++h) ranks.push_back(RankIn(pb.channels[h], x));
      }
      incoming[p].clear();
      chooser.Choose(p, pool, ranks, &label);
      kept.clear();
      kept_channel.clear();
      kept_ranks.clear();
      for (std::size_t i = 0; i < pool.size(); ++i) {
        if (label[i] == kNone) {
          free.push_back(pool[i].c);
        } else {
          kept.push_back(pool[i]);
          kept_channel.push_back(label[i]);
          kept_ranks.insert(kept_ranks.end(), ranks.begin() + static_cast<std::ptrdiff_t>(i * nh), ranks.begin() + static_cast<std::ptrdiff_t>((i + 1) * nh));
        }
      }
      pool.swap(kept);
      held_channel[p].swap(kept_channel);
      ranks.swap(kept_ranks);
    }
  }
  for (ProgramIndex p{0}; p < np; ++p) {
    for (std::size_t i = 0; i < held[p].size(); ++i) {
      const Proposal& x = held[p][i];
      out.program[x.c] = p;
      out.channel[x.c] = held_channel[p][i];
      out.entry[x.c] = x.k;
    }
  }
  return out;
}

DaResult ChoiceBands(const DaProblem& pb, int width) {
  const ChoiceLists& lists = *pb.lists;
  const std::size_t n = pb.takes_part.size();
  DaResult out;
  out.program.assign(n, kNoProgram);
  out.channel.assign(n, kNone);
  out.entry.assign(n, kNone);
  std::uint32_t longest = 0;
  for (std::size_t c = 0; c < n; ++c) longest = std::max(longest, lists.offset[c + 1] - lists.offset[c]);
  DaProblem band = pb;  // its seats shrink as bands place candidates for good
  const auto w = static_cast<std::uint32_t>(width);
  for (std::uint32_t lo = 0; lo < longest; lo += w) {
    // Band [lo, lo + width): only the candidates still unplaced, only these positions.
    for (std::size_t c = 0; c < n; ++c) {
      band.takes_part[c] = pb.takes_part[c] && out.program[c] == kNone ? 1 : 0;
      for (std::uint32_t k = lists.offset[c]; k < lists.offset[c + 1]; ++k) {
        const std::uint32_t position = k - lists.offset[c];
        band.eligible[k] = position >= lo && position < lo + w ? pb.eligible[k] : 0;
      }
    }
    const DaResult m = DeferredAcceptance(band);
    out.rounds += m.rounds;
    for (std::size_t c = 0; c < n; ++c) {
      if (m.program[c] == kNone) continue;
      out.program[c] = m.program[c];
      out.channel[c] = m.channel[c];
      out.entry[c] = m.entry[c];
      // The seat is taken for good: one fewer for the later bands (below 0 after a tie at the
      // last seat under admit_all: no seat).
      const std::uint32_t h = m.channel[c];
      const DaChannel& ch = band.channels[h];
      if (ch.num_groups == 0) {
        --band.capacity[m.program[c] * band.channels.size() + h];
      } else {
        --band.group_capacity[h][m.program[c] * ch.num_groups + ch.group[c]];
      }
    }
  }
  return out;
}

}  // namespace zkmatch::verify
