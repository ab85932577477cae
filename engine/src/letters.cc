// Letters to families, from a run's audit.jsonl and its recorded inputs. See zkmatch/letters.h.
#include "zkmatch/letters.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <cctype>
#include <map>
#include <tuple>
#include <vector>

#include "expression.h"
#include "audit_log.h"
#include "json.h"
#include "letter_words.h"
#include "names.h"
#include "reassignment.h"
#include "run_format.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/replay.h"
#include "zkmatch/run_directory.h"

namespace zkmatch {

// See letter_words.h.
std::string Fill(const char* pattern, std::initializer_list<std::string> args) {
  std::vector<std::string> a(args);
  std::string out;
  for (const char* p = pattern; *p; ++p) {
    if (*p == '%' && p[1] >= '1' && p[1] <= '9' && static_cast<std::size_t>(p[1] - '1') < a.size()) {
      out += a[static_cast<std::size_t>(p[1] - '1')];
      ++p;
    } else {
      out.push_back(*p);
    }
  }
  return out;
}

namespace {

struct LetterWords {
  const char* html_lang;
  const char* title;          // %1: rules name
  const char* exam_no;
  const char* junior;
  const char* total;
  const char* choices;
  const char* placed;         // %1 program, %2 batch, %3 channel, %4 choice number
  const char* unplaced;
  const char* no_choices;
  const char* choice;         // %1 number, %2 batch, %3 program
  const char* admitted;       // %1 channel
  const char* refused;        // %1 reasons
  const char* join;           // between reasons
  const char* full;           // %1 channel, %2 ranking part, %3 them, %4 you
  const char* full_group;     // the same, %5 the junior school whose share of a split channel was filled
  const char* ranked_by;      // %1 ranking label
  const char* tie;            // after equal values
  const char* ineligible;     // %1 channel, %2 clause
  const char* no_group;       // %1 channel, %2 junior school
  const char* not_offered;    // %1 batch
  const char* no_seats;       // %1 batch
  const char* locked_batch;   // %1 batch, %2 earlier batch
  const char* locked_stage;   // %1 stage, %2 earlier stage
  const char* inconsistent;   // %1 channel
  const char* below;          // %1 what, %2 value, %3 the bound (a line and its value, or a number): `>=` failed
  const char* not_above;      // > failed
  const char* above;          // <= failed
  const char* not_below;      // < failed
  const char* your;           // %1 what
  const char* score;          // an expression that is not one column
  const char* line;           // %1 line label
  const char* value_is;       // %1 what, %2 value, %3 wanted
  const char* one_of;         // %1 list
  const char* not_one_of;     // %1 list
  const char* not_value;      // %1 value
  const char* outside;        // %1 what, %2 value, %3 program column, %4 list: `in program.X` failed
  const char* inside;         // the same: `not in program.X` failed
  const char* condition;      // %1 clause text
  const char* list_sep;
  const char* empty;          // an empty cell
  bool labels;                // the rules' labels in place of names (Chinese; the English letter keeps the names)
  const char* explain_head;   // %1 exam number, %2 headline: explain's first line
  const char* number_bound;   // %1 a number compared with
  const char* missing;        // %1 what: the candidate has no value
  // A band mechanism: %1 channel, %2 how the batch takes choices, %3 the choice number the last
  // admitted candidate gave the program, %4 yours.
  const char* full_earlier;
  const char* rounds;  // immediate acceptance
  const char* bands;   // %1 the band's width
  const char* tied;    // %1 channel: the choice competes for those seats only (choices.csv's channel column), before the step's words
  // A ranking with a choice_rank key decided (Guangzhou's score band, then choice order): %1
  // channel, %2 the key values both share before it, %3 their choice number, %4 yours.
  const char* full_choice_key;
  // A continuing round (run --continue): %1 program, %2 batch, %3 channel, %4 choice -- the
  // parent's seat, kept (headline) or given up (a line before the round's choices).
  const char* kept;
  const char* released;
  const char* kept_reassigned;  // kept, when the parent gave the seat by reassignment (no choice number)
  const char* reassigned;  // %1 program, %2 batch, %3 channel: placed by reassignment (调剂) after the batches
  const char* reassign_order;  // %1 the order keys with the candidate's values at the seat
  const char* staged_choice;   // `choice` in a batch of stages: %1 number, %2 batch, %3 program, %4 stage
  const char* reassign_none;   // after the headline of an unplaced candidate who accepted reassignment
};

const LetterWords kEn = {
    "en", "Admission result: %1", "Exam number", "Junior school", "Total", "Your choices",
    "You are admitted to %1 (batch %2, %3 seats), your choice %4.", "You are not admitted to any of your choices.",
    "You listed no choices, so you could not be admitted to any program.", "Choice %1 (batch %2): %3", "admitted on its %1 seats.",
    "not admitted: %1.", "; ", "its %1 seats were filled%2: the last admitted candidate had %3, you had %4",
    "its %1 seats for your junior school %5 were filled%2: the last admitted candidate had %3, you had %4",
    ", ranked by %1", " (equal on every criterion; the tie-break decided)", "you do not meet the condition of its %1 seats: %2",
    "its %1 seats have no share for your junior school %2", "this program does not admit in batch %1.",
    "not admitted: this program has no seats in batch %1.", "Batch %1: not considered, because you were already admitted in batch %2.",
    "not considered, because you were already admitted in an earlier stage (%2).",
    "its %1 seats: the run's record is inconsistent here; the office will check it",
    "%1 %2 is below %3", "%1 %2 is not above %3", "%1 %2 is above %3", "%1 %2 is not below %3", "your %1", "score", "the %1 line",
    "%1 is %2, and it must be %3", "one of %1", "none of %1", "other than %1", "%1 %2 is not in the program's %3 (%4)",
    "%1 %2 is in the program's %3 (%4)", "the condition '%1' is not met", ", ", "empty", false, "Candidate %1: %2", "%1", "you have no %1",
    "its %1 seats were filled: this batch admits by the order of choices first (%2), and its last admitted candidate listed it as choice %3, "
    "you as choice %4, so they came first whatever the scores",
    "one choice per round", "choices in bands of %1", "listed for its %1 seats only; ",
    "its %1 seats were filled: its ranking takes the order of choices before the total at an equal %2, and the last admitted candidate "
    "(%2 like you) listed it as choice %3, you as choice %4, so they came first whatever the totals",
    "You keep the seat the earlier round gave you: %1 (batch %2, %3 seats), your choice %4 there; you took no part in this round.",
    "You declined the seat the earlier round gave you at %1 (batch %2); it was released into this round, in which you took part.",
    "You keep the seat the earlier round gave you by reassignment: %1 (batch %2, %3 seats); you took no part in this round.",
    "Placed by reassignment at %1 (batch %2, %3 seats): you were not admitted through your own choices, and you accepted reassignment.",
    " The seat was the first one left that you were eligible for by the published order (%1).",
    "Choice %1 (batch %2, stage %4): %3",
    " You accepted reassignment, but when your turn came no seat left after the batches was one you were eligible for."};

const LetterWords kZh = {
    "zh-CN", "录取结果通知：%1", "准考证号", "毕业学校", "总分", "你的志愿",
    "你已被%1录取（%2，%3名额），第 %4 志愿。", "你填报的志愿均未被录取。", "你没有填报志愿，因此未被任何学校录取。",
    "第 %1 志愿（%2）：%3", "已被录取（%1名额）。", "未录取：%1。", "；", "%1名额已录满%2，最后录取的考生成绩为 %3，你的成绩为 %4",
    "%1名额中分配给你的毕业学校 %5 的部分已录满%2，最后录取的考生成绩为 %3，你的成绩为 %4",
    "（按%1）", "（各项排序依据均相同，按同分排序规则决定）", "你不符合%1名额的条件：%2", "%1名额没有分配给你的毕业学校 %2",
    "该计划不在%1招生。", "未录取：该计划在%1没有名额。", "%1：你已在%2被录取，不再参加。", "你已在前一阶段（%2）被录取，不再参加。",
    "%1名额：本次录取记录在此处不一致，招生办将核查", "%1 %2 低于%3", "%1 %2 未高于%3", "%1 %2 高于%3", "%1 %2 未低于%3", "你的%1",
    "成绩", "%1", "%1为 %2，要求为 %3", "%1 之一", "%1 以外的值", "%1 以外的值", "%1 %2 不在该计划的招生范围（%4）之内", "%1 %2 在该计划的限制范围（%4）之内",
    "不满足条件 %1", "、", "空", true, "考生 %1：%2", " %1", "你没有%1",
    "%1名额已录满：本批次先按志愿顺序录取（%2），最后录取的考生把它填为第 %3 志愿，你填为第 %4 志愿，因此无论分数高低对方优先",
    "每轮录取一个志愿", "每 %1 个志愿为一段", "仅填报%1名额；",
    "%1名额已录满：该排序在 %2 相同时先看志愿顺序再看总分，最后录取的考生（同为 %2）把它填为第 %3 志愿，你填为第 %4 志愿，因此无论总分高低对方优先",
    "你保留上一轮的录取结果：%1（%2，%3名额），第 %4 志愿；未参加本轮录取。",
    "你已申请放弃上一轮在%1（%2）的录取，该名额退回本轮，你参加了本轮录取。",
    "你保留上一轮的调剂录取结果：%1（%2，%3名额）；未参加本轮录取。",
    "调剂录取到%1（%2，%3名额）：你未通过所填志愿被录取，且同意调剂。",
    "按公布的调剂顺序（%1），这是你符合条件的第一个空余名额。",
    "第 %1 志愿（%2，%4 阶段）：%3",
    "你同意调剂，但轮到你时，各批次后剩余的名额中没有你符合条件的。"};

std::string Esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// A file name from text: letters, digits, '-', '_' and non-ASCII bytes kept, others %XX.
std::string FileNamePart(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c >= 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out.empty() ? "%" : out;
}

// What a letter says: the headline (placement, or why none) and one sentence per choice.
struct LetterText {
  std::string id, junior, total, headline;
  std::vector<std::string> choices;
};

class Composer {
 public:
  Composer(const Rules& rules, const Instance& inst, const std::vector<Score>& lines, std::map<SeatKey, JsonValue> seats, const LetterWords& w)
      : rules_(rules), inst_(inst), lines_(lines), ctx_{inst.candidates, inst.programs, &lines_, &inst.program_scores}, seats_(std::move(seats)), w_(w) {}

  // What the letter says, from the candidate's audit record.
  LetterText Compose(const JsonValue& rec) const;

 private:
  template <typename T>
  std::string Shown(const T& named) const {
    return w_.labels && !named.label.empty() ? named.label : named.name;
  }
  const Batch* FindBatch(const std::string& name) const {
    for (const Batch& b : rules_.batches) {
      if (b.name == name) return &b;
    }
    return nullptr;
  }
  const Stage* FindStage(const std::string& batch, const std::string& stage) const {
    const Batch* b = FindBatch(batch);
    if (!b) return nullptr;
    for (const Stage& s : b->stages) {
      if (s.name == stage) return &s;
    }
    return nullptr;
  }
  const Channel* FindChannel(const std::string& batch, const std::string& stage, const std::string& name) const {
    const Batch* b = FindBatch(batch);
    if (!b) return nullptr;
    for (const Stage& s : b->stages) {
      if (s.name != stage) continue;
      for (const Channel& c : s.channels) {
        if (c.name == name) return &c;
      }
    }
    return nullptr;
  }
  std::string BatchShown(const std::string& name) const {
    const Batch* b = FindBatch(name);
    return b ? Shown(*b) : name;
  }
  std::string ProgramShown(const std::string& code) const {
    const ProgramIndex p {SortedIndex(inst_.programs.code, code)};
    if (p == kNone) return code;
    const std::string& school = inst_.programs.school[p];
    const std::string& name = inst_.programs.name[p];
    if (school.empty()) return name.empty() ? code : name;  // a programs file without school and name columns: the code
    return name.empty() || name == school ? school : school + " " + name;
  }
  std::string Step(const JsonValue& rec, CandidateIndex c, const std::string& batch, const JsonValue& step) const;
  std::string Tied(const std::string& batch, const JsonValue& step) const;
  std::string ChoiceKeyDecided(const Ranking& ranking, const JsonValue& mine, const JsonValue& cut, const std::string& channel) const;
  std::string Rejection(const JsonValue& rec, CandidateIndex c, const std::string& batch, const JsonValue& step, const std::string& channel,
                        const std::string& reason) const;
  std::string Clause(const Expression& e, const std::string& text, CandidateIndex c, ProgramIndex p) const;
  std::string What(const Expression& e) const;
  // A column as people read it (see What); `role` the input file it is in.
  std::string ColumnShown(const std::string& name, const std::string& role) const;
  std::string Value(const Expression& e, CandidateIndex c, ProgramIndex p) const;

  const Rules& rules_;
  const Instance& inst_;
  const std::vector<Score>& lines_;
  EvalContext ctx_;
  std::map<SeatKey, JsonValue> seats_;
  const LetterWords& w_;
};

// A per-program ranking's key values for candidate c at program p, listed as choice
// `choice_rank`, as the log writes values (score strings; null when missing). The log
// (zkmatch-audit/3) does not copy them: the recorded inputs give them.
JsonValue PerProgramKeys(const Ranking& ranking, const EvalContext& ctx, CandidateIndex c, ProgramIndex p, std::int32_t choice_rank) {
  JsonValue out;
  out.type = JsonValue::Type::kArray;
  for (const RankingKey& k : ranking.keys) {
    JsonValue v;
    const Score s = EvaluateNumber(*k.expr, ctx, c, p, choice_rank);
    if (s != kMissingScore) {
      v.type = JsonValue::Type::kString;
      v.text = FormatScore(s);
    }
    out.items.push_back(std::move(v));
  }
  return out;
}

// A ranking key as written, without its direction: "total + bonus desc" -> "total + bonus".
std::string KeyExpressionText(const RankingKey& key) {
  std::string t = key.text;
  for (const char* suffix : {" desc", " asc"}) {
    const std::size_t n = std::char_traits<char>::length(suffix);
    if (t.size() > n && t.compare(t.size() - n, n, suffix) == 0) return t.substr(0, t.size() - n);
  }
  return t;
}

// Values of a ranking's keys up to the first that differs from `other`'s, joined by " / ".
std::string KeyValues(const JsonValue& key, const JsonValue& other) {
  std::string out;
  for (std::size_t i = 0; i < key.items.size(); ++i) {
    if (i) out += " / ";
    out += key.items[i].is_null() ? "-" : key.items[i].text;
    if (other.items.size() <= i || other.items[i].text != key.items[i].text) break;
  }
  return out;
}

// When the first key that tells `mine` from the cut-off's `cut` reads choice_rank (a choice-order
// ranking such as Guangzhou's): the reason in plain words, with the equal keys before it; else "".
std::string Composer::ChoiceKeyDecided(const Ranking& ranking, const JsonValue& mine, const JsonValue& cut, const std::string& channel) const {
  std::size_t i = 0;
  while (i < ranking.keys.size() && i < mine.items.size() && i < cut.items.size() && mine.items[i].text == cut.items[i].text) ++i;
  if (i >= ranking.keys.size() || i >= mine.items.size() || i >= cut.items.size() || !ReferencesChoiceRank(*ranking.keys[i].expr)) return "";
  if (i == 0) return Fill(w_.full_earlier, {channel, ranking.name, cut.items[0].text, mine.items[0].text});
  std::string equal;
  for (std::size_t j = 0; j < i; ++j) equal += (j ? " / " : "") + mine.items[j].text;
  return Fill(w_.full_choice_key, {channel, equal, cut.items[i].text, mine.items[i].text});
}

std::string Composer::Rejection(const JsonValue& rec, CandidateIndex c, const std::string& batch, const JsonValue& step, const std::string& name,
                                const std::string& reason) const {
  const Channel* ch = FindChannel(batch, step[audit_keys::kStage].text, name);
  const std::string channel = ch ? Shown(*ch) : name;
  const ProgramIndex p {SortedIndex(inst_.programs.code, step[audit_keys::kProgram].text)};
  if (reason == Name(zkmatch::Rejection::kIneligible) && ch && ch->eligible && p != kNone) return Fill(w_.ineligible, {channel, Clause(*ch->eligible, ch->eligible_text, c, p)});
  const std::string group = ch && !ch->split_by.empty() ? rec[audit_keys::kGroups][ch->split_by].text : "";
  if (reason == Name(zkmatch::Rejection::kNoGroupSeats)) return Fill(w_.no_group, {channel, group});
  auto seat = seats_.find({batch, step[audit_keys::kStage].text, step[audit_keys::kProgram].text, name, group});
  if (reason != Name(zkmatch::Rejection::kBelow) || !ch || ch->ranking < 0 || seat == seats_.end()) return Fill(w_.inconsistent, {channel});
  // Under a band mechanism a later band than the last admitted's is the reason, not the scores.
  const Stage* stage = FindStage(batch, step[audit_keys::kStage].text);
  const int width = stage ? stage->mechanism.BandWidth() : 0;
  const std::int64_t theirs = seat->second[audit_keys::kCutoff][audit_keys::kChoiceRank].AsInt(), mine_rank = step[audit_keys::kRank].AsInt();
  if (width >= 1 && theirs >= 1 && mine_rank >= 1 && (mine_rank - 1) / width > (theirs - 1) / width) {
    const std::string how = width == 1 ? std::string(w_.rounds) : Fill(w_.bands, {std::to_string(width)});
    return Fill(w_.full_earlier, {channel, how, std::to_string(theirs), std::to_string(mine_rank)});
  }
  const Ranking& ranking = rules_.rankings[static_cast<std::size_t>(ch->ranking)];
  // The candidate's values: the record's for a ranking over candidates; for a per-program
  // ranking, the step's in a zkmatch-audit/2 log, else recomputed from the inputs.
  const JsonValue& here = step[audit_keys::kKeys][ranking.name];
  JsonValue at_program;
  if (here.is_null() && ranking.per_program && c != kNone && p != kNone) {
    at_program = PerProgramKeys(ranking, ctx_, c, p, static_cast<std::int32_t>(mine_rank));
  }
  const JsonValue& mine = !here.is_null() ? here : ranking.per_program ? at_program : rec[audit_keys::kKeys][ranking.name];
  const JsonValue& cut = seat->second[audit_keys::kCutoff][audit_keys::kRank][audit_keys::kKey];
  if (std::string why = ChoiceKeyDecided(ranking, mine, cut, channel); !why.empty()) return why;
  std::string you = KeyValues(mine, cut);
  const std::string them = KeyValues(cut, mine);
  if (you == them) you += w_.tie;
  // What the values are: the ranking's label where the words show labels (Chinese); in English
  // the keys shown, as the rules write them -- the value is the ranking's key (total + bonus,
  // say), which need not be the total cutoffs.csv publishes as the cut-off (an audit found
  // families told 622 where the report says 612, with nothing to say why).
  std::string by;
  if (w_.labels) {
    if (!ranking.label.empty()) by = Fill(w_.ranked_by, {ranking.label});
  } else {
    std::string keys;
    const std::size_t shown = static_cast<std::size_t>(std::count(them.begin(), them.end(), '/')) + 1;
    for (std::size_t i = 0; i < shown && i < ranking.keys.size(); ++i) keys += (i ? " / " : "") + KeyExpressionText(ranking.keys[i]);
    if (keys != "total") by = Fill(w_.ranked_by, {keys});  // the published total itself goes without saying
  }
  return Fill(group.empty() ? w_.full : w_.full_group, {channel, by, them, you, group});
}

// "listed for its 调剂 seats only; " for a choice tied to one channel, else nothing.
std::string Composer::Tied(const std::string& batch, const JsonValue& step) const {
  if (step[audit_keys::kTiedTo].is_null()) return "";
  const Channel* ch = FindChannel(batch, step[audit_keys::kStage].text, step[audit_keys::kTiedTo].text);
  return Fill(w_.tied, {ch ? Shown(*ch) : step[audit_keys::kTiedTo].text});
}

std::string Composer::Step(const JsonValue& rec, CandidateIndex c, const std::string& batch, const JsonValue& step) const {
  if (!step[audit_keys::kPlaced].is_null()) {
    const Channel* ch = FindChannel(batch, step[audit_keys::kStage].text, step[audit_keys::kPlaced].text);
    return Fill(w_.admitted, {ch ? Shown(*ch) : step[audit_keys::kPlaced].text});
  }
  if (!step[audit_keys::kNotOffered].is_null()) return Fill(w_.not_offered, {BatchShown(batch)});
  if (!step[audit_keys::kLockedByStage].is_null()) return Fill(w_.locked_stage, {step[audit_keys::kStage].text, step[audit_keys::kLockedByStage].text});
  if (step[audit_keys::kRejected].members.empty()) return Fill(w_.no_seats, {BatchShown(batch)});
  std::string reasons;
  for (const auto& [name, reason] : step[audit_keys::kRejected].members) {
    if (!reasons.empty()) reasons += w_.join;
    reasons += Rejection(rec, c, batch, step, name, reason.text);
  }
  return Fill(w_.refused, {reasons});
}

LetterText Composer::Compose(const JsonValue& rec) const {
  LetterText t;
  t.id = rec[audit_keys::kId].text;
  const CandidateIndex c {SortedIndex(inst_.candidates.id, t.id)};
  for (const auto& [column, value] : rec[audit_keys::kGroups].members) {
    if (column == "junior_school" || t.junior.empty()) t.junior = value.text;
  }
  if (const Column* col = inst_.candidates.FindColumn("junior_school"); col && !col->numeric && c != kNone) t.junior = col->dictionary[col->text[c]];
  if (c != kNone) t.total = FormatScore(inst_.candidates.total[c]);
  if (rec[audit_keys::kStatus].text == audit_keys::kStatusLocked) {  // the parent's seat: its batch is not in these rules
    const bool by_choice = rec[audit_keys::kChoiceRank].AsInt() > 0;  // 0: the parent reassigned them
    t.headline = Fill(by_choice ? w_.kept : w_.kept_reassigned, {ProgramShown(rec[audit_keys::kProgram].text), rec[audit_keys::kBatch].text,
                                                                 rec[audit_keys::kChannel].text, rec[audit_keys::kChoiceRank].text});
    return t;
  }
  if (const JsonValue& gave_up = rec[audit_keys::kDeclined]; !gave_up.is_null()) {
    t.choices.push_back(Fill(w_.released, {ProgramShown(gave_up[audit_keys::kProgram].text), gave_up[audit_keys::kBatch].text}));
  }
  if (rec[audit_keys::kStatus].text == audit_keys::kStatusPlaced) {
    const Channel* ch = FindChannel(rec[audit_keys::kBatch].text, rec[audit_keys::kStage].text, rec[audit_keys::kChannel].text);
    t.headline = Fill(w_.placed, {ProgramShown(rec[audit_keys::kProgram].text), BatchShown(rec[audit_keys::kBatch].text), ch ? Shown(*ch) : rec[audit_keys::kChannel].text,
                                  rec[audit_keys::kChoiceRank].text});
  } else if (rec[audit_keys::kStatus].text == audit_keys::kStatusReassigned) {
    const Channel* ch = FindChannel(rec[audit_keys::kBatch].text, rec[audit_keys::kStage].text, rec[audit_keys::kChannel].text);
    t.headline = Fill(w_.reassigned, {ProgramShown(rec[audit_keys::kProgram].text), BatchShown(rec[audit_keys::kBatch].text), ch ? Shown(*ch) : rec[audit_keys::kChannel].text});
    if (rules_.reassignment && !rules_.reassignment->order.empty()) {
      const JsonValue& values = rec[audit_keys::kReassignment][audit_keys::kOrder];
      std::string order;
      for (std::size_t i = 0; i < rules_.reassignment->order.size(); ++i) {
        const JsonValue* v = i < values.items.size() ? &values.items[i] : nullptr;
        order += (i ? w_.list_sep : "") + rules_.reassignment->order[i].text + ": " + (v && !v->is_null() ? v->text : std::string(w_.empty));
      }
      t.headline += Fill(w_.reassign_order, {order});
    }
  } else {
    t.headline = rec[audit_keys::kBatches].items.empty() ? w_.no_choices : w_.unplaced;
    // Unplaced though they accepted reassignment: verify checks that no seat they were eligible
    // for was empty at their turn (rules/README.md, "Reassignment"), so the letter may say so.
    if (rules_.reassignment && c != kNone && rec[audit_keys::kStatus].text == audit_keys::kStatusUnplaced &&
        AcceptsReassignment(inst_, *rules_.reassignment, c)) {
      t.headline += w_.reassign_none;
    }
  }
  for (const JsonValue& batch : rec[audit_keys::kBatches].items) {
    const std::string& b = batch[audit_keys::kBatch].text;
    if (!batch[audit_keys::kLockedBy].is_null()) {
      t.choices.push_back(Fill(w_.locked_batch, {BatchShown(b), BatchShown(batch[audit_keys::kLockedBy].text)}));
      continue;
    }
    const bool placed_here = rec[audit_keys::kStatus].text == audit_keys::kStatusPlaced && rec[audit_keys::kBatch].text == b;
    for (const JsonValue& step : batch[audit_keys::kChoices].items) {
      // In a batch of stages a choice has a line per stage that runs the program, each naming
      // its stage. The later stages' "not considered" of the very choice that placed the
      // candidate says nothing the headline does not.
      if (placed_here && !step[audit_keys::kLockedByStage].is_null() && step[audit_keys::kRank].text == rec[audit_keys::kChoiceRank].text) continue;
      const std::string& stage = step[audit_keys::kStage].text;
      t.choices.push_back(Fill(stage.empty() ? w_.choice : w_.staged_choice, {step[audit_keys::kRank].text, BatchShown(b), ProgramShown(step[audit_keys::kProgram].text), stage}) +
                          " " + Tied(b, step) + Step(rec, c, b, step));
    }
  }
  return t;
}

std::string Article(const LetterText& t, const std::string& rules_name, const LetterWords& w) {
  std::string out = "<article>\n<h1>" + Esc(Fill(w.title, {rules_name})) + "</h1>\n<table>\n";
  out += "<tr><th>" + Esc(w.exam_no) + "</th><td>" + Esc(t.id) + "</td></tr>\n";
  if (!t.junior.empty()) out += "<tr><th>" + Esc(w.junior) + "</th><td>" + Esc(t.junior) + "</td></tr>\n";
  if (!t.total.empty()) out += "<tr><th>" + Esc(w.total) + "</th><td>" + t.total + "</td></tr>\n";
  out += "</table>\n<p class=\"result\">" + Esc(t.headline) + "</p>\n";
  if (!t.choices.empty()) {
    out += "<h2>" + Esc(w.choices) + "</h2>\n<ul>\n";
    for (const std::string& line : t.choices) out += "<li>" + Esc(line) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</article>\n";
}

// ---------------------------------------------------------------------------------------------
// The clause that failed: the first of a condition's top-level `and` terms that is false for
// the candidate at the program, in words.

const Expression* FailedTerm(const Expression& e, const EvalContext& ctx, CandidateIndex c, ProgramIndex p) {
  if (e.op == Expression::Op::kAnd) {
    for (const auto& a : e.args) {
      if (const Expression* f = FailedTerm(*a, ctx, c, p)) return f;
    }
    return nullptr;
  }
  return EvaluateCondition(e, ctx, c, p) ? nullptr : &e;
}

// What an operand is, for "your ___": a line by its label, a column by its name (in Chinese: its
// label from the rules' column_labels, else the engine's word for a standard column, else its
// header in the candidates file), anything else "score".
std::string Composer::What(const Expression& e) const {
  if (e.op == Expression::Op::kLine && e.slot >= 0) return Fill(w_.line, {Shown(rules_.lines[static_cast<std::size_t>(e.slot)])});
  if (e.op == Expression::Op::kColumn && !e.program_column) return ColumnShown(e.text, "candidates");
  return w_.score;
}

std::string Composer::ColumnShown(const std::string& name, const std::string& role) const {
  if (!w_.labels) return name;
  if (auto it = rules_.column_labels.find(name); it != rules_.column_labels.end()) return it->second;
  static const std::map<std::string, std::string> kZhColumns = {{"total", "总分"}, {"junior_school", "毕业学校"}, {"district", "区市"}};
  if (auto it = kZhColumns.find(name); it != kZhColumns.end() && role == "candidates") return it->second;
  return rules_.HeaderFor(role, name);
}

std::string Composer::Value(const Expression& e, CandidateIndex c, ProgramIndex p) const {
  if (e.op == Expression::Op::kText) return e.text;
  if (e.op == Expression::Op::kColumn && !e.program_column) {
    const Column* col = inst_.candidates.FindColumn(e.text);
    if (col && !col->numeric) return col->dictionary[col->text[c]];
  }
  if (e.op == Expression::Op::kColumn && e.program_column) {
    for (const Column& col : inst_.programs.columns) {
      if (col.name == e.text && !col.numeric) return col.dictionary[col.text[p]];
    }
  }
  const Score v = EvaluateNumber(e, ctx_, c, p);
  return v == kMissingScore ? w_.empty : FormatScore(v);
}

std::string Composer::Clause(const Expression& cond, const std::string& text, CandidateIndex c, ProgramIndex p) const {
  using Op = Expression::Op;
  const Expression* e = FailedTerm(cond, ctx_, c, p);
  if (!e) return Fill(w_.condition, {text});
  const auto candidate_side = [](const Expression& x) { return x.op != Op::kLine && x.op != Op::kNumber; };
  switch (e->op) {
    case Op::kGe: case Op::kGt: case Op::kLe: case Op::kLt: {
      const Expression& l = *e->args[0];
      const Expression& r = *e->args[1];
      if (!candidate_side(l) || candidate_side(r)) break;
      const char* pattern = e->op == Op::kGe ? w_.below : e->op == Op::kGt ? w_.not_above : e->op == Op::kLe ? w_.above : w_.not_below;
      const std::string mine = Value(l, c, p);
      if (mine == w_.empty) return Fill(w_.missing, {What(l)});
      const std::string bound = r.op == Op::kNumber ? Fill(w_.number_bound, {Value(r, c, p)}) : What(r) + " " + Value(r, c, p);
      return Fill(pattern, {Fill(w_.your, {What(l)}), mine, bound});
    }
    case Op::kEq: case Op::kNe: case Op::kIn: case Op::kNotIn: {
      const Expression& l = *e->args[0];
      if (!candidate_side(l)) break;
      if (Value(l, c, p) == w_.empty) return Fill(w_.missing, {What(l)});
      std::string list;
      for (std::size_t i = 1; i < e->args.size(); ++i) list += (i > 1 ? std::string(w_.list_sep) : "") + Value(*e->args[i], c, p);
      const std::string wanted = e->op == Op::kEq ? list : e->op == Op::kNe ? Fill(w_.not_value, {list}) : e->op == Op::kIn ? Fill(w_.one_of, {list})
                                                                                                                          : Fill(w_.not_one_of, {list});
      return Fill(w_.value_is, {Fill(w_.your, {What(l)}), Value(l, c, p), wanted});
    }
    case Op::kInList: case Op::kNotInList: {
      const Expression& l = *e->args[0];
      const Expression& r = *e->args[1];
      std::string list = Value(r, c, p);
      std::replace(list.begin(), list.end(), ';', ' ');
      return Fill(e->op == Op::kInList ? w_.outside : w_.inside,
                  {Fill(w_.your, {What(l)}), Value(l, c, p), r.program_column ? ColumnShown(r.text, "programs") : r.text, list});
    }
    default: break;
  }
  return Fill(w_.condition, {text});  // a clause without a plain reading: as the rules write it
}

// The page around one or more letters: self-contained, printable, one letter per page.
std::string Page(const LetterWords& w, const std::string& title, const std::string& articles) {
  return std::string("<!DOCTYPE html>\n<html lang=\"") + w.html_lang + "\">\n<head>\n<meta charset=\"utf-8\">\n" +
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>" + Esc(title) +
         "</title>\n<style>\nbody{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",\"WenQuanYi Micro Hei\",sans-serif;margin:24px;"
         "color:#111;max-width:800px;line-height:1.6}\nh1{font-size:20px}h2{font-size:16px}table{border-collapse:collapse}th,td{border:1px solid #bbb;"
         "padding:2px 8px;text-align:left}.result{font-size:17px;font-weight:bold}\narticle{break-after:page}article:last-child{break-after:auto}\n"
         "@media print{body{margin:0}}\n</style>\n</head>\n<body>\n" + articles + "</body>\n</html>\n";
}

// Reads audit.jsonl's seats records into `seats` and calls `each` for every candidate record.
std::string ReadAudit(const std::string& run_dir, std::map<SeatKey, JsonValue>* seats, const std::function<void(const JsonValue&)>& each) {
  AuditLogReader in;
  if (std::string error; !in.Open(run_dir, &error)) return error;
  // Messages name the log audit.jsonl (its lines), however it is stored (audit_log.h).
  const std::string path = (std::filesystem::path(run_dir) / kAuditFile).string();
  const std::string seats_prefix = AuditRecordPrefix(audit_keys::kSeats), candidate_prefix = AuditRecordPrefix(audit_keys::kCandidate);
  std::string line, error;
  for (int n = 1; in.Next(&line); ++n) {
    const bool is_seats = line.rfind(seats_prefix, 0) == 0, is_candidate = line.rfind(candidate_prefix, 0) == 0;
    if (!is_seats && !is_candidate) continue;
    JsonValue v;
    if (!ParseJson(line, &v, &error)) return path + " is damaged at line " + std::to_string(n) + " (" + error + "); run zkmatch verify";
    if (is_seats) {
      SeatKey key{v[audit_keys::kBatch].text, v[audit_keys::kStage].text, v[audit_keys::kProgram].text, v[audit_keys::kChannel].text, v[audit_keys::kGroup].text};
      seats->emplace(std::move(key), std::move(v));
    } else {
      each(v);
    }
  }
  return in.error().empty() ? std::string() : in.error() + "; run zkmatch verify";
}

}  // namespace

Result<std::string> ExplainInLetterWords(const std::string& run_dir, const JsonValue& record, const std::map<SeatKey, JsonValue>& seats,
                                         Language lang) {
  DiagnosticSink sink;
  RecordedRun recorded;
  auto rules = LoadRecordedRules(run_dir, sink, "", &recorded);
  if (!rules) return Status::BadInput(sink.has_errors() ? "the run's inputs could not be loaded" : rules.status().message());
  auto instance = LoadRecordedInputs(recorded, *rules, sink, "");
  if (!instance) return Status::BadInput(sink.has_errors() ? "the run's inputs could not be loaded" : instance.status().message());
  std::vector<std::string> notes;
  const std::vector<Score> lines = ComputeLines(*rules, *instance, &notes);
  const LetterWords& w = lang == Language::kChinese ? kZh : kEn;
  const Composer composer(*rules, *instance, lines, seats, w);
  const LetterText t = composer.Compose(record);
  std::string out = Fill(w.explain_head, {t.id, t.headline}) + "\n";
  for (const std::string& line : t.choices) out += line + "\n";
  return out;
}

Result<LettersWritten> WriteLetters(const std::string& run_dir, const std::string& out_dir, Language lang, bool force, DiagnosticSink& sink) {
  // The log read to families must be the one the run wrote (one hash; before the inputs load).
  if (Status intact = CheckRecordedOutputs(run_dir, {kAuditFile, kCompressedAuditFile}, "refusing to write letters: "); !intact.ok()) return intact;
  RecordedRun recorded;
  auto rules = LoadRecordedRules(run_dir, sink, "refusing to write letters: ", &recorded);
  if (!rules) return rules.status();
  auto instance = LoadRecordedInputsForPublications(recorded, &*rules, sink, "refusing to write letters: ");
  if (!instance) return instance.status();
  std::vector<std::string> notes;
  const std::vector<Score> lines = ComputeLines(*rules, *instance, &notes);
  const LetterWords& w = lang == Language::kChinese ? kZh : kEn;
  std::vector<JsonValue> records;
  std::map<SeatKey, JsonValue> seats;
  if (std::string why = ReadAudit(run_dir, &seats, [&](const JsonValue& v) { records.push_back(v); }); !why.empty()) {
    return Status::BadInput(why);
  }
  const Composer composer(*rules, *instance, lines, std::move(seats), w);
  std::vector<OutputFile> files;
  std::map<std::string, std::string> by_junior;  // junior school -> its letters
  for (const JsonValue& rec : records) {
    const LetterText text = composer.Compose(rec);
    const std::string article = Article(text, rules->name, w);
    files.push_back(OutputFile{FileNamePart(text.id) + ".html", Page(w, Fill(w.title, {rules->name}) + " " + text.id, article)});
    if (!text.junior.empty()) by_junior[text.junior] += article;
  }
  LettersWritten written;
  written.candidates = files.size();
  for (const auto& [junior, articles] : by_junior) {
    files.push_back(OutputFile{"junior-" + FileNamePart(junior) + ".html", Page(w, Fill(w.title, {rules->name}) + " " + junior, articles)});
  }
  written.junior_schools = by_junior.size();
  if (Status status = WriteRunDirectory(out_dir, files, force); !status.ok()) return status;
  return written;
}

}  // namespace zkmatch
