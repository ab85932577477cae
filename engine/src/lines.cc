// Score lines. See lines.h.
#include "lines.h"

#include <algorithm>
#include <optional>

#include "names.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

// x * ppm / 10^6 rounded to the nearest hundredth, halves away from zero.
Score ScaleByPpm(Score x, std::int64_t ppm) {
  __extension__ typedef __int128 I128;
  const I128 num = static_cast<I128>(x) * ppm;
  const I128 den = 1'000'000;
  const I128 q = ((num < 0 ? -num : num) * 2 + den) / (2 * den);
  return static_cast<Score>(num < 0 ? -q : q);
}

std::string PpmText(std::int64_t ppm) {
  std::string f = std::to_string(ppm % 1'000'000);
  f = std::string(6 - f.size(), '0') + f;
  while (!f.empty() && f.back() == '0') f.pop_back();
  return std::to_string(ppm / 1'000'000) + (f.empty() ? "" : "." + f);
}

}  // namespace

void ComputeLinesWith(const Rules& rules, const Instance& instance, const std::function<const RankedOrder&(std::size_t)>& ranking,
                      std::vector<Score>* values, std::vector<std::string>* notes) {
  const std::size_t n = instance.candidates.size();
  values->assign(rules.lines.size(), kMissingScore);
  notes->assign(rules.lines.size(), {});
  const EvalContext ctx{instance.candidates, instance.programs, values, &instance.program_scores};
  for (int li : rules.line_order) {
    const Line& l = rules.lines[static_cast<std::size_t>(li)];
    Score& v = (*values)[static_cast<std::size_t>(li)];
    std::string& note = (*notes)[static_cast<std::size_t>(li)];
    switch (l.kind) {
      case Line::Kind::kValue:
        v = l.value;
        note = "fixed";
        break;
      case Line::Kind::kAdmitRatio: {
        if (n == 0) {
          note = Name(Line::Kind::kAdmitRatio) + " " + PpmText(l.ratio_ppm) + ": no candidates";
          break;
        }
        const RankedOrder& order = ranking(static_cast<std::size_t>(l.ranking));
        // Position ceil(ratio * N), 1-based, within [1, N].
        std::uint64_t pos = (static_cast<std::uint64_t>(l.ratio_ppm) * n + 999'999) / 1'000'000;
        pos = std::clamp<std::uint64_t>(pos, 1, n);
        const CandidateIndex c = order.order[pos - 1];
        v = EvaluateNumber(*l.score, ctx, c, kNoProgram);
        note = Name(Line::Kind::kAdmitRatio) + " " + PpmText(l.ratio_ppm) + " of " + rules.rankings[static_cast<std::size_t>(l.ranking)].name +
               ": candidate " + instance.candidates.id[c] + " at position " + std::to_string(pos) + " of " + std::to_string(n) +
               (l.score_text == "total" ? std::string() : ", score " + l.score_text);  // what the value is, when not the total
        break;
      }
      case Line::Kind::kOffset: {
        const Score from = (*values)[static_cast<std::size_t>(l.from)];
        v = from == kMissingScore ? kMissingScore : from + l.value;
        note = rules.lines[static_cast<std::size_t>(l.from)].name + (l.value < 0 ? " - " : " + ") + FormatScore(l.value < 0 ? -l.value : l.value);
        break;
      }
      case Line::Kind::kFactor: {
        const Score from = (*values)[static_cast<std::size_t>(l.from)];
        v = from == kMissingScore ? kMissingScore : ScaleByPpm(from, l.factor_ppm);
        note = rules.lines[static_cast<std::size_t>(l.from)].name + " x " + PpmText(l.factor_ppm) + ", rounded to hundredths";
        break;
      }
    }
  }
}

std::string LineHowChinese(const Rules& rules, std::size_t line, std::size_t candidates) {
  auto shown = [](const auto& named) { return named.label.empty() ? named.name : named.label; };
  const Line& l = rules.lines[line];
  switch (l.kind) {
    case Line::Kind::kValue: return "固定值";
    case Line::Kind::kAdmitRatio: {
      if (candidates == 0) return "按比例划线：没有考生";
      std::uint64_t pos = (static_cast<std::uint64_t>(l.ratio_ppm) * candidates + 999'999) / 1'000'000;
      pos = std::clamp<std::uint64_t>(pos, 1, candidates);
      std::string pct = PpmText(l.ratio_ppm * 100);
      return "按" + shown(rules.rankings[static_cast<std::size_t>(l.ranking)]) + "第 " + std::to_string(pos) + " 名（共 " + std::to_string(candidates) +
             " 人的 " + pct + "%）考生的分数";
    }
    case Line::Kind::kOffset:
      return shown(rules.lines[static_cast<std::size_t>(l.from)]) + (l.value < 0 ? "减 " : "加 ") + FormatScore(l.value < 0 ? -l.value : l.value) + " 分";
    case Line::Kind::kFactor:
      return shown(rules.lines[static_cast<std::size_t>(l.from)]) + " × " + PpmText(l.factor_ppm) + "，保留两位小数";
  }
  return {};
}

std::vector<Score> ComputeLines(const Rules& rules, const Instance& instance, std::vector<std::string>* notes) {
  std::vector<Score> values;
  const EvalContext ctx{instance.candidates, instance.programs, &values, &instance.program_scores};
  std::vector<std::optional<RankedOrder>> cache(rules.rankings.size());
  auto ranking = [&](std::size_t r) -> const RankedOrder& {
    if (!cache[r]) cache[r] = ComputeRanking(rules.rankings[r], ctx, rules.seed);
    return *cache[r];
  };
  ComputeLinesWith(rules, instance, ranking, &values, notes);
  return values;
}

}  // namespace zkmatch
