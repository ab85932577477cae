// Renders a candidate's audit record as sentences. See zkmatch/explain.h.
#include "zkmatch/explain.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "json.h"

namespace zkmatch {
namespace {

struct Words {
  const char* placed;         // "%s: placed at %s (channel %s) in batch %s, choice %s."
  const char* unplaced;
  const char* choice;         // "Choice %s: %s"
  const char* batch;
  const char* stage;
  const char* admitted;
  const char* not_admitted;
  const char* full;           // "full; its last admitted candidate (%s) had %s, you had %s"
  const char* not_eligible;
  const char* no_group;
  const char* free_seat;
  const char* not_below;
  const char* not_offered;
  const char* locked_batch;
  const char* locked_stage;
  const char* tie_id;
  const char* tie_lottery;
  const char* tie_shared;
};

const Words kEnglish = {
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
    "%1: this program takes no part in batch %2.",
    "Batch %1: not considered, because you were already placed in batch %2.",
    "not considered in stage %1, because you were already placed in stage %2.",
    "equal on every key; the tie is broken by candidate id",
    "equal on every key; the tie is broken by the published lottery (yours %1, theirs %2)",
    "equal on every key",
};

const Words kChinese = {
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
    "%1：该计划不参加 %2 批次。",
    "%1 批次：你已在 %2 批次录取，不再参与。",
    "未参加 %1 阶段：你已在 %2 阶段录取。",
    "各项排序依据均相同，按准考证号排序",
    "各项排序依据均相同，按公开种子抽签排序（你 %1，对方 %2）",
    "各项排序依据均相同",
};

// Replaces %1..%9 in `pattern` with `args`.
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

class Explainer {
 public:
  Explainer(const JsonValue& header, const Words& w) : w_(w) {
    for (const JsonValue& r : header["rankings"].items) {
      std::vector<std::string> names;
      for (const JsonValue& k : r["keys"].items) {
        std::string t = k.text;
        for (const char* dir : {" desc", " asc"}) {
          if (t.size() > 5 && t.compare(t.size() - std::char_traits<char>::length(dir), std::string::npos, dir) == 0) t.resize(t.size() - std::char_traits<char>::length(dir));
        }
        names.push_back(t);
      }
      key_names_[r["name"].text] = names;
    }
  }

  // "total 601" or "total 601, chinese + maths 230" -- keys up to the first that differs.
  std::string Describe(const JsonValue& mine, const JsonValue* other) const {
    const auto& names = key_names_.at(mine["ranking"].text);
    std::string out;
    for (std::size_t i = 0; i < mine["key"].items.size() && i < names.size(); ++i) {
      if (!out.empty()) out += ", ";
      out += names[i] + " " + (mine["key"].items[i].is_null() ? "-" : mine["key"].items[i].text);
      if (other && other->is_null()) break;
      if (other && (*other)["key"].items.size() > i && (*other)["key"].items[i].text != mine["key"].items[i].text) break;
    }
    return out;
  }

  std::string Explain(const JsonValue& rec) const {
    std::string out;
    if (rec["status"].text == "placed") {
      out += Fill(w_.placed, {rec["id"].text, rec["program"].text, rec["channel"].text, rec["batch"].text, rec["choice_rank"].text});
    } else {
      out += Fill(w_.unplaced, {rec["id"].text});
    }
    out += "\n";
    for (const JsonValue& step : rec["steps"].items) {
      const std::string& outcome = step["outcome"].text;
      if (step["rank"].is_null()) {  // a whole batch skipped
        out += Fill(w_.locked_batch, {step["batch"].text, step["by_batch"].text}) + "\n";
        continue;
      }
      std::string where = step["program"].text + " (" + Fill(w_.batch, {step["batch"].text});
      if (!step["stage"].text.empty()) where += ", " + Fill(w_.stage, {step["stage"].text});
      where += ")";
      out += Fill(w_.choice, {step["rank"].text, where}) + " ";
      if (outcome == "placed") {
        out += Fill(w_.admitted, {step["channel"].text, Describe(step["you"], nullptr)}) + "\n";
      } else if (outcome == "not_offered") {
        out += Fill(w_.not_offered, {step["program"].text, step["batch"].text}) + "\n";
      } else if (outcome == "locked") {
        out += Fill(w_.locked_stage, {step["stage"].text, step["by_stage"].text}) + "\n";
      } else {
        out += std::string(w_.not_admitted) + "\n";
        for (const JsonValue& ch : step["channels"].items) out += "  - " + Channel(ch) + "\n";
      }
    }
    return out;
  }

 private:
  std::string Channel(const JsonValue& ch) const {
    const std::string& reason = ch["reason"].text;
    const std::string& name = ch["channel"].text;
    if (reason == "not_eligible") return Fill(w_.not_eligible, {name, ch["condition"].text});
    if (reason == "no_seats_for_group") return Fill(w_.no_group, {name, ch["group"].text});
    if (reason == "free_seat") return Fill(w_.free_seat, {name});
    if (reason == "not_below_cutoff") return Fill(w_.not_below, {name});
    const JsonValue& you = ch["you"];
    const JsonValue& cut = ch["cutoff"]["rank"];
    std::string mine = Describe(you, &cut), theirs = Describe(cut, &you);
    if (mine == theirs) {  // equal on every key: the tie-break decided
      const std::string& tie = you["tie"].text;
      if (you["tie"].is_null()) {
        mine += " (" + std::string(w_.tie_shared) + ")";
      } else if (tie == you["tie"].text && ch["cutoff"]["candidate"].text == cut["tie"].text) {
        mine += " (" + std::string(w_.tie_id) + ")";
      } else {
        mine += " (" + Fill(w_.tie_lottery, {tie, cut["tie"].text}) + ")";
      }
    }
    return Fill(w_.full, {name, ch["cutoff"]["candidate"].text, theirs, mine});
  }

  const Words& w_;
  std::map<std::string, std::vector<std::string>> key_names_;
};

}  // namespace

std::string ExplainCandidate(const std::string& run_dir, const std::string& candidate_id, Language lang, std::string* error) {
  const std::string path = (std::filesystem::path(run_dir) / "audit.jsonl").string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path + "; is --run a directory written by zkmatch run?";
    return {};
  }
  std::string id_json;
  AppendJsonString(&id_json, candidate_id);
  const std::string prefix = "{\"record\":\"candidate\",\"id\":" + id_json + ",";
  JsonValue header, record;
  std::string line, parse_error;
  bool found = false;
  while (std::getline(in, line)) {
    if (header.is_null() && line.rfind("{\"record\":\"header\"", 0) == 0) {
      ParseJson(line, &header, &parse_error);
    } else if (line.rfind(prefix, 0) == 0) {
      found = ParseJson(line, &record, &parse_error);
      break;
    }
  }
  if (!found) {
    *error = "candidate '" + candidate_id + "' is not in " + path + "; check the exam number";
    return {};
  }
  return Explainer(header, lang == Language::kChinese ? kChinese : kEnglish).Explain(record);
}

}  // namespace zkmatch
