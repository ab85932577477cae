// Renders a candidate's audit record as sentences. See zkmatch/explain.h and
// engine/audit-format.md for the records read here.
#include "zkmatch/explain.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "audit_log.h"
#include "json.h"
#include "letter_words.h"
#include "names.h"
#include "run_format.h"
#include "zkmatch/replay.h"

namespace zkmatch {
namespace {

struct ExplainWords {
  const char* placed;
  const char* unplaced;
  const char* choice;
  const char* batch;
  const char* stage;
  const char* admitted;
  const char* not_admitted;
  const char* full;
  const char* not_eligible;
  const char* no_group;
  const char* free_seat;
  const char* not_below;
  const char* full_earlier;  // a band mechanism: the last admitted listed it in an earlier band
  const char* rounds;        // immediate acceptance, in full_earlier's %2
  const char* bands;         // bands of %1 choices, in full_earlier's %2
  const char* not_offered;
  const char* no_seats;
  const char* locked_batch;
  const char* locked_stage;
  const char* tie_id;
  const char* tie_lottery;
  const char* tie_shared;
  const char* tied;  // after the program: the choice competes for channel %1 only (choices.csv's channel column)
  const char* kept;  // after `placed`: a continuing round's locked candidate (the parent's seat)
  const char* reassigned;     // placed by reassignment after the batches
  const char* reassign_order; // how its seat was chosen: the order keys and their values at it
  const char* not_logged;     // in `full`'s %4: a per-program ranking's values, which the log does not hold
};

const ExplainWords kEnglish = {
    "Candidate %1: placed at %2 (channel %3) in batch %4, choice %5.",
    "Candidate %1: not placed in any batch.",
    "Choice %1: %2",
    "batch %1",
    "stage %1",
    "admitted through channel %1 with %2.",
    "not admitted:",
    "%1: full; its last admitted candidate (%2) had %3, you had %4.",
    "%1: you do not meet its condition (%2).",
    "%1: no seats of this channel are reserved for your group %2.",
    "%1: a seat was free (this should not happen; run zkmatch verify).",
    "%1: you were not ranked below its last admitted candidate (this should not happen; run zkmatch verify).",
    "%1: full; this batch admits by the order of choices first (%2): its last admitted candidate (%3) listed it as choice %4, "
    "you as choice %5, so they came first whatever the scores.",
    "one choice per round",
    "choices in bands of %1",
    "this program takes no part in batch %1.",
    "not admitted: this program has no seats in %1 (none of its channels has a seat there, after seat flows).",
    "Batch %1: not considered, because you were already placed in batch %2.",
    "not considered in stage %1, because you were already placed in stage %2.",
    "equal on every key; the tie is broken by candidate id",
    "equal on every key; the tie is broken by the published lottery",
    "equal on every key",
    ", for channel %1 only",
    " (Kept from the earlier round; not in this round.)",
    "Candidate %1: placed by reassignment at %2 (channel %3, batch %4; reassignment seat %5): you were not admitted through your own "
    "choices, and you accepted reassignment.",
    "The seat was the first free one you were eligible for by the order %1.",
    "- (the log does not copy a per-program ranking's values, and the run's inputs cannot be read)",
};

const ExplainWords kChinese = {
    "考生 %1：录取到 %2（%3 通道），%4 批次，第 %5 志愿。",
    "考生 %1：各批次均未录取。",
    "第 %1 志愿：%2",
    "%1 批次",
    "%1 阶段",
    "经 %1 通道录取，%2。",
    "未录取：",
    "%1：已满；最后录取的考生（%2）为 %3，你为 %4。",
    "%1：不符合该通道条件（%2）。",
    "%1：该通道没有为你所在的 %2 分配名额。",
    "%1：尚有空余名额（不应出现，请运行 zkmatch verify）。",
    "%1：你并不低于最后录取的考生（不应出现，请运行 zkmatch verify）。",
    "%1：已满；本批次先按志愿顺序录取（%2）：最后录取的考生（%3）将其填为第 %4 志愿，你填为第 %5 志愿，因此无论分数高低对方优先。",
    "每轮一个志愿",
    "每 %1 个志愿为一组",
    "该计划不参加 %1 批次。",
    "未录取：该计划在 %1没有名额（调剂后各通道均无名额）。",
    "%1 批次：你已在 %2 批次录取，不再参与。",
    "未参加 %1 阶段：你已在 %2 阶段录取。",
    "各项排序依据均相同，按准考证号排序",
    "各项排序依据均相同，按公开种子抽签排序",
    "各项排序依据均相同",
    "，仅填报 %1 通道",
    "（保留上一轮的录取结果，未参加本轮。）",
    "考生 %1：调剂录取到 %2（%3 通道，%4 批次），第 %5 个调剂名额：你未通过所填志愿被录取，且同意调剂。",
    "按调剂顺序（%1），这是你符合条件的第一个空余名额。",
    "-（日志不记录按计划排序的数值，且无法读取本次录取的输入文件）",
};


// Names read back from the log are parsed with names.h; one this zkmatch does not know is an
// error (error()), never read as some other value.
class Explainer {
 public:
  Explainer(std::string log_path, const JsonValue& header, std::map<SeatKey, JsonValue> seats, const ExplainWords& w)
      : log_path_(std::move(log_path)), seats_(std::move(seats)), w_(w) {
    for (const JsonValue& r : header[audit_keys::kRankings].items) {
      std::vector<std::string> names;
      for (const JsonValue& k : r[audit_keys::kKeys].items) {
        std::string t = k.text;
        for (const std::string dir : {" desc", " asc"}) {
          if (t.size() > dir.size() && t.compare(t.size() - dir.size(), dir.size(), dir) == 0) t.resize(t.size() - dir.size());
        }
        names.push_back(t);
      }
      key_names_[r[audit_keys::kName].text] = names;
      if (std::optional<LastTie> tie = FromName<LastTie>(r[audit_keys::kLastTie].text)) {
        last_tie_[r[audit_keys::kName].text] = *tie;
      } else {
        Unknown<LastTie>(r[audit_keys::kLastTie].text);
      }
    }
    for (const JsonValue& k : header[audit_keys::kReassignment][audit_keys::kOrder].items) order_.push_back(k.text);
    for (const JsonValue& c : header[audit_keys::kChannels].items) channels_[{c[audit_keys::kBatch].text, c[audit_keys::kStage].text, c[audit_keys::kChannel].text}] = &c;
  }

  // The first unknown name (or missing ranking) met so far, as an error message; empty if none.
  const std::string& error() const { return error_; }

  std::string Explain(const JsonValue& rec) {
    std::string out;
    if (rec[audit_keys::kStatus].text == audit_keys::kStatusPlaced || rec[audit_keys::kStatus].text == audit_keys::kStatusLocked) {
      out += Fill(w_.placed, {rec[audit_keys::kId].text, rec[audit_keys::kProgram].text, rec[audit_keys::kChannel].text, rec[audit_keys::kBatch].text, rec[audit_keys::kChoiceRank].text});
      if (rec[audit_keys::kStatus].text == audit_keys::kStatusLocked) out += w_.kept;
    } else if (rec[audit_keys::kStatus].text == audit_keys::kStatusReassigned) {
      out += Fill(w_.reassigned, {rec[audit_keys::kId].text, rec[audit_keys::kProgram].text, rec[audit_keys::kChannel].text, rec[audit_keys::kBatch].text,
                                  rec[audit_keys::kReassignment][audit_keys::kTurn].text});
      if (!order_.empty()) out += " " + Fill(w_.reassign_order, {OrderText(rec[audit_keys::kReassignment][audit_keys::kOrder])});
    } else {
      out += Fill(w_.unplaced, {rec[audit_keys::kId].text});
    }
    out += "\n";
    for (const JsonValue& batch : rec[audit_keys::kBatches].items) {
      const std::string& b = batch[audit_keys::kBatch].text;
      if (!batch[audit_keys::kLockedBy].is_null()) {
        out += Fill(w_.locked_batch, {b, batch[audit_keys::kLockedBy].text}) + "\n";
        continue;
      }
      for (const JsonValue& step : batch[audit_keys::kChoices].items) {
        const std::string& stage = step[audit_keys::kStage].text;
        std::string where = step[audit_keys::kProgram].text + " (" + Fill(w_.batch, {b});
        if (!stage.empty()) where += ", " + Fill(w_.stage, {stage});
        if (!step[audit_keys::kTiedTo].is_null()) where += Fill(w_.tied, {step[audit_keys::kTiedTo].text});
        where += ")";
        out += Fill(w_.choice, {step[audit_keys::kRank].text, where}) + " ";
        if (!step[audit_keys::kPlaced].is_null()) {
          const JsonValue* ch = Channel(b, stage, step[audit_keys::kPlaced].text);
          const JsonValue* mine = ch ? &KeysAt(rec, step, (*ch)[audit_keys::kRanking].text) : nullptr;
          out += Fill(w_.admitted, {step[audit_keys::kPlaced].text, !mine ? "" : mine->is_null() ? w_.not_logged : Describe(*mine, (*ch)[audit_keys::kRanking].text, nullptr)}) + "\n";
        } else if (!step[audit_keys::kNotOffered].is_null()) {
          out += Fill(w_.not_offered, {b}) + "\n";
        } else if (!step[audit_keys::kLockedByStage].is_null()) {
          out += Fill(w_.locked_stage, {stage, step[audit_keys::kLockedByStage].text}) + "\n";
        } else if (step[audit_keys::kRejected].members.empty()) {  // the log lists only channels with seats
          std::string in = Fill(w_.batch, {b});
          if (!stage.empty()) in += ", " + Fill(w_.stage, {stage});
          out += Fill(w_.no_seats, {in}) + "\n";
        } else {
          out += std::string(w_.not_admitted) + "\n";
          for (const auto& [name, reason] : step[audit_keys::kRejected].members) {
            out += "  - " + RejectionText(rec, step, b, stage, name, reason.text) + "\n";
          }
        }
      }
    }
    return out;
  }

 private:
  // "program.last_cutoff desc: 560, ...": the header's order keys with a record's values.
  std::string OrderText(const JsonValue& values) const {
    std::string out;
    for (std::size_t i = 0; i < order_.size(); ++i) {
      if (!out.empty()) out += ", ";
      out += order_[i] + ": " + (i < values.items.size() && !values.items[i].is_null() ? values.items[i].text : "-");
    }
    return out;
  }

  const JsonValue* Channel(const std::string& batch, const std::string& stage, const std::string& name) const {
    auto it = channels_.find({batch, stage, name});
    return it == channels_.end() ? nullptr : it->second;
  }

  // "total 601" -- keys up to the first that differs from `other`'s (only the first key when
  // there is nothing to compare with).
  std::string Describe(const JsonValue& key, const std::string& ranking, const JsonValue* other) const {
    auto it = key_names_.find(ranking);
    if (it == key_names_.end()) return {};
    std::string out;
    for (std::size_t i = 0; i < key.items.size() && i < it->second.size(); ++i) {
      if (!out.empty()) out += ", ";
      out += it->second[i] + " " + (key.items[i].is_null() ? "-" : key.items[i].text);
      if (!other || (other->items.size() > i && other->items[i].text != key.items[i].text)) break;
    }
    return out;
  }

  // The candidate's key values in `ranking` at a choice step: in the record for a ranking over
  // candidates; for a per-program ranking, in the step of a zkmatch-audit/2 log, and nowhere in a
  // zkmatch-audit/3 log (null: the recorded inputs give them, ExplainInLetterWords).
  static const JsonValue& KeysAt(const JsonValue& rec, const JsonValue& step, const std::string& ranking) {
    const JsonValue& here = step[audit_keys::kKeys][ranking];
    return here.is_null() ? rec[audit_keys::kKeys][ranking] : here;
  }

  template <typename E>
  void Unknown(const std::string& name) {
    if (error_.empty()) error_ = UnknownNameError<E>(log_path_, name);
  }

  std::string RejectionText(const JsonValue& rec, const JsonValue& step, const std::string& batch, const std::string& stage,
                            const std::string& name, const std::string& reason_name) {
    const std::string& program = step[audit_keys::kProgram].text;
    const JsonValue* ch = Channel(batch, stage, name);
    const std::optional<Rejection> reason = FromName<Rejection>(reason_name);
    if (!reason) {
      Unknown<Rejection>(reason_name);
      return name + ": " + reason_name;
    }
    const std::string group = ch && !(*ch)[audit_keys::kSplitBy].is_null() ? rec[audit_keys::kGroups][(*ch)[audit_keys::kSplitBy].text].text : "";
    switch (*reason) {
      case zkmatch::Rejection::kIneligible: return Fill(w_.not_eligible, {name, ch ? (*ch)[audit_keys::kEligible].text : ""});
      case zkmatch::Rejection::kNoGroupSeats: return Fill(w_.no_group, {name, group});
      case zkmatch::Rejection::kFreeSeat: return Fill(w_.free_seat, {name});
      case zkmatch::Rejection::kNotBelow: return Fill(w_.not_below, {name});
      case zkmatch::Rejection::kBelow: break;
    }
    auto seat = seats_.find({batch, stage, program, name, group});
    if (!ch || seat == seats_.end()) return name + ": " + reason_name;
    // A band mechanism (header "mechanism"): a later band than the last admitted's is the reason.
    const JsonValue& mechanism = (*ch)[audit_keys::kMechanism];
    if (!mechanism.is_null() && !seat->second[audit_keys::kCutoff][audit_keys::kChoiceRank].is_null()) {
      std::int64_t width = mechanism[Name(Mechanism::Kind::kParallel)][audit_keys::kBand].AsInt();
      if (mechanism.type == JsonValue::Type::kString) {
        const std::optional<Mechanism::Kind> kind = FromName<Mechanism::Kind>(mechanism.text);
        if (kind != Mechanism::Kind::kImmediateAcceptance) Unknown<Mechanism::Kind>(mechanism.text);
        width = kind == Mechanism::Kind::kImmediateAcceptance ? 1 : 0;
      }
      const std::int64_t theirs = seat->second[audit_keys::kCutoff][audit_keys::kChoiceRank].AsInt(), mine_rank = step[audit_keys::kRank].AsInt();
      if (width >= 1 && theirs >= 1 && mine_rank >= 1 && (mine_rank - 1) / width > (theirs - 1) / width) {
        const std::string how = width == 1 ? std::string(w_.rounds) : Fill(w_.bands, {std::to_string(width)});
        return Fill(w_.full_earlier, {name, how, seat->second[audit_keys::kCutoff][audit_keys::kCandidate].text, std::to_string(theirs), std::to_string(mine_rank)});
      }
    }
    const std::string& ranking = (*ch)[audit_keys::kRanking].text;
    const JsonValue& mine = KeysAt(rec, step, ranking);
    const JsonValue& cut = seat->second[audit_keys::kCutoff][audit_keys::kRank][audit_keys::kKey];
    if (mine.is_null()) return Fill(w_.full, {name, seat->second[audit_keys::kCutoff][audit_keys::kCandidate].text, Describe(cut, ranking, nullptr), w_.not_logged});
    std::string you = Describe(mine, ranking, &cut), them = Describe(cut, ranking, &mine);
    if (you == them) {  // equal on every key: the last tie-break decided
      auto tie = last_tie_.find(ranking);
      if (tie == last_tie_.end()) {
        if (error_.empty()) error_ = log_path_ + "'s header lists no ranking '" + ranking + "' with a last_tie this zkmatch knows";
      } else {
        you += " (" + std::string(TieWords(tie->second)) + ")";
      }
    }
    return Fill(w_.full, {name, seat->second[audit_keys::kCutoff][audit_keys::kCandidate].text, them, you});
  }

  const char* TieWords(LastTie tie) const {
    switch (tie) {
      case LastTie::kId: return w_.tie_id;
      case LastTie::kLottery: return w_.tie_lottery;
      case LastTie::kAdmitAll: return w_.tie_shared;
    }
    return w_.tie_shared;
  }

  std::string log_path_;
  std::map<SeatKey, JsonValue> seats_;
  const ExplainWords& w_;
  std::string error_;
  std::map<std::string, std::vector<std::string>> key_names_;
  std::vector<std::string> order_;  // the reassignment's order keys, as written (header)
  std::map<std::string, LastTie> last_tie_;
  std::map<std::tuple<std::string, std::string, std::string>, const JsonValue*> channels_;
};

}  // namespace

Result<std::string> ExplainCandidate(const std::string& run_dir, const std::string& candidate_id, Language lang) {
  AuditLogReader in;
  if (std::string error; !in.Open(run_dir, &error)) return Status::BadInput(error);
  // Messages name the log audit.jsonl (its lines), however it is stored (audit_log.h).
  const std::string path = (std::filesystem::path(run_dir) / kAuditFile).string();
  std::string id_json;
  AppendJsonString(&id_json, candidate_id);
  const std::string prefix = AuditRecordPrefix(audit_keys::kCandidate) + ",\"id\":" + id_json + ",";
  const std::string any_record = std::string("{\"") + audit_keys::kRecord + "\":\"";  // every record begins so
  const std::string seats_prefix = AuditRecordPrefix(audit_keys::kSeats), header_prefix = AuditRecordPrefix(audit_keys::kHeader);
  JsonValue header, record;
  std::map<SeatKey, JsonValue> seats;
  std::string line, parse_error;
  bool found = false;
  // The first line that is not a well-formed record: a candidate missing after it may be in
  // the damaged part, so "not in the log" would be the wrong answer.
  std::size_t line_no = 0, damaged = 0;
  while (in.Next(&line)) {
    ++line_no;
    const bool shaped = line.rfind(any_record, 0) == 0 && !line.empty() && line.back() == '}';
    if (!shaped) {
      if (damaged == 0) damaged = line_no;
      continue;
    }
    if (line.rfind(seats_prefix, 0) == 0) {
      JsonValue s;
      if (ParseJson(line, &s, &parse_error)) {
        SeatKey key{s[audit_keys::kBatch].text, s[audit_keys::kStage].text, s[audit_keys::kProgram].text, s[audit_keys::kChannel].text, s[audit_keys::kGroup].text};
        seats.emplace(std::move(key), std::move(s));
      } else if (damaged == 0) {
        damaged = line_no;
      }
    } else if (header.is_null() && line.rfind(header_prefix, 0) == 0) {
      if (!ParseJson(line, &header, &parse_error) && damaged == 0) damaged = line_no;
    } else if (line.rfind(prefix, 0) == 0) {
      found = ParseJson(line, &record, &parse_error);
      if (!found && damaged == 0) damaged = line_no;
      break;
    }
  }
  if (!found && !in.error().empty()) return Status::BadInput(in.error() + "; run `zkmatch verify --run " + run_dir + "` to check the run");
  if (!found && damaged != 0) {
    return Status::BadInput(path + " is damaged at line " + std::to_string(damaged) + " (not a well-formed record), so candidate '" +
                            candidate_id + "' cannot be looked up; run `zkmatch verify --run " + run_dir + "` to check the run");
  }
  if (!found) {
    return Status::BadInput("candidate '" + candidate_id + "' is not in " + path + "; check the exam number");
  }
  // The record is read through the audit's own names first: a name this zkmatch does not know is
  // an error, whichever wording is then used.
  Explainer explainer(path, header, seats, lang == Language::kChinese ? kChinese : kEnglish);
  std::string text = explainer.Explain(record);
  if (!explainer.error().empty()) {
    return Status::BadInput(explainer.error() + "; run `zkmatch verify --run " + run_dir + "` to check the run");
  }
  // A log edited after the run would be read to a family as the run's word: refused, as letters
  // refuse it (an independent audit found both telling a contradictory story from one). After
  // the lookup and the names, so that a damaged log is named by its damage.
  if (Status intact = CheckRecordedOutputs(run_dir, {kAuditFile, kCompressedAuditFile}, "refusing to explain: "); !intact.ok()) return intact;
  // The letters' wording (names, labels, the scores and clauses that decided) needs the run's
  // inputs; when they changed or moved, the audit's own names and codes are all there is.
  const Result<std::string> words = ExplainInLetterWords(run_dir, record, seats, lang);
  if (words) return *words;
  return Fill(lang == Language::kChinese ? "（无法使用本次录取的输入文件：%1。以下仅为审计日志的记录，使用规则中的名称和代码；请运行 zkmatch verify 核查本次录取）"
                                               : "(The run's inputs cannot be used: %1. What follows is the audit log's record alone, in the rules' names and codes; "
                                                 "run zkmatch verify to check the run.)",
              {words.status().message()}) + "\n" + text;
}

}  // namespace zkmatch
