// Loads a YAML rules file into zkmatch::Rules, reporting every problem with file:line:col.
//
// yaml-cpp's Mark is 0-based and knows no file name; every message here adds both. Unknown
// keys are errors (a typo must never become a silent default) with a "did you mean".
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "edit_distance.h"
#include "expression.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

class Loader {
 public:
  Loader(const std::string& path, DiagnosticSink& sink) : path_(path), sink_(sink) {}

  std::optional<Rules> Load(const std::string& text) {
    const std::size_t errors_before = sink_.error_count();
    text_ = text;
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      sink_.Error(path_, e.mark.line + 1, CharCol(e.mark.line, e.mark.column),
                  "YAML syntax error: " + e.msg + "; check indentation, ':' after keys and closing brackets");
      return std::nullopt;
    } catch (const YAML::Exception& e) {
      sink_.Error(path_, 0, 0, "cannot read YAML: " + e.msg);
      return std::nullopt;
    }
    Rules rules;
    rules.path = path_;
    rules.name = std::filesystem::path(path_).stem().string();
    if (!root.IsMap()) {
      Error(root, "a rules file is a mapping with keys version, inputs, rankings and batches");
      return std::nullopt;
    }
    CheckKeys(root, {"version", "name", "inputs", "columns", "rankings", "batches"});
    LoadVersion(root, &rules);
    if (auto n = Get(root, "name", false)) rules.name = Scalar(n, "name");
    LoadInputs(root, &rules);
    LoadColumns(root, &rules);
    LoadRankings(root, &rules);
    LoadBatches(root, &rules);
    if (sink_.error_count() != errors_before) return std::nullopt;
    return rules;
  }

 private:
  void Error(const YAML::Node& n, std::string msg) {
    const RulesPos pos = Pos(n);
    sink_.Error(path_, pos.line, pos.col, std::move(msg));
  }

  // yaml-cpp's Mark is 0-based and counts bytes; users count characters from 1.
  int CharCol(int line0, int byte_col0) const {
    if (line0 < 0 || static_cast<std::size_t>(line0) >= line_starts_.size()) return byte_col0 + 1;
    const std::size_t start = line_starts_[static_cast<std::size_t>(line0)];
    int col = 1;
    for (std::size_t i = start; i < start + static_cast<std::size_t>(byte_col0) && i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;
    }
    return col;
  }

  RulesPos Pos(const YAML::Node& n) const { return {n.Mark().line + 1, CharCol(n.Mark().line, n.Mark().column)}; }

  // Position in the file of byte `offset` of the decoded value of scalar `n`. The source is
  // walked as written, so quote escapes ('' and \"), folded line breaks and the indentation of
  // multi-line and block scalars (| and >) are counted where they stand.
  RulesPos ScalarPos(const YAML::Node& n, int offset) const {
    const int line0 = n.Mark().line;
    if (line0 < 0 || static_cast<std::size_t>(line0) >= line_starts_.size()) return {line0 + 1, n.Mark().column + 1 + offset};
    const std::string_view t = text_;
    auto at = [&](std::size_t k) { return k < t.size() ? t[k] : '\0'; };
    std::size_t i = line_starts_[static_cast<std::size_t>(line0)] + static_cast<std::size_t>(n.Mark().column);
    int decoded = 0;
    if (at(i) == '|' || at(i) == '>') {
      // Block scalar: content starts on the next line, indented like its first line.
      i = t.find('\n', i);
      if (i == std::string_view::npos) return Pos(n);
      ++i;
      std::size_t indent = 0;
      while (at(i + indent) == ' ') ++indent;
      i += indent;
      while (decoded < offset && i < t.size()) {
        const bool newline = t[i] == '\n';
        ++i;
        ++decoded;
        for (std::size_t k = 0; newline && k < indent && at(i) == ' '; ++k) ++i;
      }
    } else {
      const char quote = n.Tag() == "!" && (at(i) == '\'' || at(i) == '"') ? at(i) : '\0';
      if (quote) ++i;
      while (decoded < offset && i < t.size()) {
        const char ch = t[i];
        if (ch == '\n' || (ch == '\r' && at(i + 1) == '\n')) {  // line break + indentation fold to one space
          i += ch == '\r' ? 2 : 1;
          while (at(i) == ' ' || at(i) == '\t') ++i;
          ++decoded;
        } else if (quote == '\'' && ch == '\'' && at(i + 1) == '\'') {
          i += 2;
          ++decoded;
        } else if (quote == '"' && ch == '\\') {
          const char esc = at(i + 1);
          const std::size_t hex = esc == 'x' ? 2 : esc == 'u' ? 4 : esc == 'U' ? 8 : 0;
          unsigned long cp = 0;
          if (hex && i + 2 + hex <= t.size()) cp = std::strtoul(std::string(t.substr(i + 2, hex)).c_str(), nullptr, 16);
          i += 2 + hex;
          decoded += hex == 0 ? 1 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        } else {
          ++i;
          ++decoded;
        }
      }
    }
    const auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), i) - line_starts_.begin() - 1;
    return {static_cast<int>(line) + 1, CharCol(static_cast<int>(line), static_cast<int>(i - line_starts_[static_cast<std::size_t>(line)]))};
  }

  // Reports keys not in `known` and keys given twice.
  void CheckKeys(const YAML::Node& map, const std::vector<std::string>& known) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        Error(kv.first, "keys must be plain names");
        continue;
      }
      const std::string& key = kv.first.Scalar();
      if (!seen.insert(key).second) {
        Error(kv.first, "key '" + key + "' is given twice; keep one");
        continue;
      }
      bool ok = false;
      for (const auto& k : known) ok = ok || k == key;
      if (!ok) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        Error(kv.first, "unknown key '" + key + "'" + DidYouMean(key, known) + "; allowed here: " + list);
      }
    }
  }

  // The value of `key`, or an undefined node when it is absent or empty (both reported when
  // `required`; an empty value is always reported, at the key).
  YAML::Node Get(const YAML::Node& map, const char* key, bool required, const char* what = nullptr) {
    for (const auto& kv : map) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) {
        if (kv.second.IsNull()) {
          Error(kv.first, std::string("'") + key + "' is empty; give it a value" +
                              (what ? std::string(" (") + what + ")" : std::string()) +
                              (required ? std::string() : std::string(" or remove the key")));
          return YAML::Node(YAML::NodeType::Undefined);
        }
        return kv.second;
      }
    }
    // A misspelt key was already reported with "did you mean '<key>'": say nothing more.
    bool misspelt = false;
    for (const auto& kv : map) {
      if (kv.first.IsScalar() && ClosestMatch(kv.first.Scalar(), {key}) == key) misspelt = true;
    }
    if (required && !misspelt) {
      Error(map, std::string("missing required key '") + key + "'" + (what ? std::string("; ") + what : std::string()));
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }

  std::string Scalar(const YAML::Node& n, const std::string& what) {
    if (!n.IsScalar()) {
      Error(n, "'" + what + "' must be a single value, not a list or mapping");
      return {};
    }
    return n.Scalar();
  }

  bool Integer(const YAML::Node& n, const std::string& what, int min, int* out) {
    std::string s = Scalar(n, what);
    if (s.empty() && !n.IsScalar()) return false;
    std::size_t used = 0;
    long v = 0;
    bool ok = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 9;
    if (ok) v = std::stol(s, &used);
    if (!ok || v < min) {
      Error(n, "'" + what + "' must be a whole number >= " + std::to_string(min) + ", not '" + s + "'");
      return false;
    }
    *out = static_cast<int>(v);
    return true;
  }

  void LoadVersion(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "version", true, "write 'version: 1' at the top");
    if (!n) return;
    int v = 0;
    if (!Integer(n, "version", 1, &v)) return;
    if (v != 1) {
      Error(n, "rules version " + std::to_string(v) + " is not supported by this zkmatch; write 'version: 1'");
      return;
    }
    rules->version = v;
  }

  void LoadInputs(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "inputs", true, "name the input files, e.g. inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}");
    if (!n) return;
    if (!n.IsMap()) {
      Error(n, "'inputs' must be a mapping of candidates, choices and programs to file paths");
      return;
    }
    CheckKeys(n, {"candidates", "choices", "programs"});
    const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    auto resolve = [&](const char* key, std::string* out) {
      auto v = Get(n, key, true);
      if (!v) return;
      std::string s = Scalar(v, std::string("inputs.") + key);
      if (s.empty()) {
        if (v.IsScalar()) Error(v, std::string("inputs.") + key + " is empty; give a file path");
        return;
      }
      std::filesystem::path p(s);
      *out = (p.is_absolute() ? p : (dir / p)).lexically_normal().string();
    };
    resolve("candidates", &rules->inputs.candidates);
    resolve("choices", &rules->inputs.choices);
    resolve("programs", &rules->inputs.programs);
  }

  void LoadColumns(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "columns", false);
    if (!n) return;
    if (!n.IsMap()) {
      Error(n, "'columns' maps logical column names to file headers, e.g. columns: {id: 准考证号, total: 总分}");
      return;
    }
    CheckKeysDuplicatesOnly(n);
    for (const auto& kv : n) {
      std::string header = Scalar(kv.second, "columns." + kv.first.Scalar());
      if (header.empty()) continue;
      rules->columns.emplace_back(kv.first.Scalar(), header);
    }
  }

  std::shared_ptr<const Expression> ParseExpr(const YAML::Node& n, const std::string& text, ValueType want) {
    ExpressionError err;
    auto e = ParseExpression(text, want, &err);
    if (!e) {
      const RulesPos pos = ScalarPos(n, err.offset);
      sink_.Error(path_, pos.line, pos.col, "in expression '" + text + "': " + err.message);
      return nullptr;
    }
    std::vector<ColumnUse> uses;
    e->CollectColumns(&uses);
    for (const ColumnUse& u : uses) NoteColumn(n, u, want == ValueType::kNumber);
    BindExpression(e.get(), columns_candidate_, columns_program_);
    return std::shared_ptr<const Expression>(std::move(e));
  }

  void NoteColumn(const YAML::Node& n, const ColumnUse& u, bool ranking_key) {
    const RulesPos pos = ScalarPos(n, u.offset);
    if (u.program && ranking_key) {
      sink_.Error(path_, pos.line, pos.col, "ranking keys are per candidate; 'program." + u.name + "' cannot be used here");
      return;
    }
    if (!u.program && (u.name == "id" || u.name == "total")) {
      bool want_numeric = u.name == "total";
      if ((u.type == ValueType::kNumber) != want_numeric) {
        sink_.Error(path_, pos.line, pos.col, "'" + u.name + "' is " + (want_numeric ? "a number" : "text") + " and cannot be used as " + (want_numeric ? "text" : "a number"));
      }
      return;
    }
    auto& list = u.program ? columns_program_ : columns_candidate_;
    for (ColumnRef& ref : list) {
      if (ref.name != u.name) continue;
      if (ref.numeric != (u.type == ValueType::kNumber)) {
        sink_.Error(path_, pos.line, pos.col,
                    "column '" + u.name + "' is used here as " + (ref.numeric ? "text" : "a number") +
                        " but at line " + std::to_string(ref.pos.line) + " as " + (ref.numeric ? "a number" : "text") +
                        "; a column has one type");
      }
      return;
    }
    list.push_back({u.name, u.type == ValueType::kNumber, pos});
  }

  void LoadRankings(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "rankings", true, "define at least one ranking, e.g. rankings: {by_total: {keys: [total desc], last_tie: id}}");
    if (!n) {
      rankings_failed_ = true;
      return;
    }
    if (!n.IsMap() || n.size() == 0) {
      Error(n, "'rankings' must be a non-empty mapping of ranking names to {keys, last_tie}");
      rankings_failed_ = true;
      return;
    }
    CheckKeysDuplicatesOnly(n);
    for (const auto& kv : n) {
      Ranking r;
      r.name = kv.first.Scalar();
      r.pos = Pos(kv.first);
      const YAML::Node& body = kv.second;
      if (!body.IsMap()) {
        Error(body, "ranking '" + r.name + "' must be a mapping {keys: [...], last_tie: id}");
        continue;
      }
      CheckKeys(body, {"keys", "last_tie"});
      if (auto keys = Get(body, "keys", true, "list the sort keys, e.g. keys: [total desc]")) {
        if (!keys.IsSequence() || keys.size() == 0) {
          Error(keys, "'keys' must be a non-empty list such as [total desc, chinese + maths desc]");
        } else {
          for (const auto& k : keys) LoadKey(k, &r);
        }
      }
      if (auto tie = Get(body, "last_tie", true, "say how remaining ties are broken: last_tie: id")) {
        std::string t = Scalar(tie, "last_tie");
        if (t == "id") {
          r.last_tie = LastTie::kId;
        } else if (tie.IsScalar()) {
          Error(tie, "last_tie '" + t + "' is not supported; supported: id (candidate id ascending, byte by byte)" +
                         DidYouMean(t, {"id"}));
        }
      }
      rules->rankings.push_back(std::move(r));
    }
  }

  void CheckKeysDuplicatesOnly(const YAML::Node& map) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        Error(kv.first, "names must be plain scalars");
        continue;
      }
      if (!seen.insert(kv.first.Scalar()).second) Error(kv.first, "'" + kv.first.Scalar() + "' is defined twice; keep one");
    }
  }

  void LoadKey(const YAML::Node& k, Ranking* r) {
    std::string text = Scalar(k, "ranking key");
    if (text.empty()) return;
    RankingKey key;
    key.text = text;
    key.pos = Pos(k);
    std::string expr = text;
    auto ends_with = [&](const std::string& suffix) {
      return expr.size() > suffix.size() && expr.compare(expr.size() - suffix.size(), suffix.size(), suffix) == 0 &&
             (expr[expr.size() - suffix.size() - 1] == ' ' || expr[expr.size() - suffix.size() - 1] == ')');
    };
    if (ends_with("desc")) {
      key.descending = true;
      expr.resize(expr.size() - 4);
    } else if (ends_with("asc")) {
      key.descending = false;
      expr.resize(expr.size() - 3);
    } else {
      Error(k, "ranking key '" + text + "' must end with 'desc' (higher first) or 'asc' (lower first)");
      return;
    }
    while (!expr.empty() && expr.back() == ' ') expr.pop_back();
    key.expr = ParseExpr(k, expr, ValueType::kNumber);
    if (key.expr) r->keys.push_back(std::move(key));
  }

  void LoadBatches(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "batches", true, "list the admission batches in order");
    if (!n) return;
    if (!n.IsSequence() || n.size() == 0) {
      Error(n, "'batches' must be a non-empty list of batches, run in the order given");
      return;
    }
    std::vector<std::string> ranking_names;
    for (const auto& r : rules->rankings) ranking_names.push_back(r.name);
    for (const auto& b : n) {
      if (!b.IsMap()) {
        Error(b, "each batch must be a mapping {name, channels}");
        continue;
      }
      CheckKeys(b, {"name", "channels", "max_choices"});
      Batch batch;
      batch.pos = Pos(b);
      if (auto name = Get(b, "name", true)) {
        batch.name = Scalar(name, "name");
        for (const auto& other : rules->batches) {
          if (other.name == batch.name) Error(name, "batch name '" + batch.name + "' is used twice; batch names must be unique");
        }
      }
      if (auto mc = Get(b, "max_choices", false)) Integer(mc, "max_choices", 1, &batch.max_choices);
      auto channels = Get(b, "channels", true, "list the batch's channels in precedence order");
      if (channels && (!channels.IsSequence() || channels.size() == 0)) {
        Error(channels, "'channels' must be a non-empty list of {name, seats, ranking[, eligible]}");
      } else if (channels) {
        if (channels.size() > static_cast<std::size_t>(32)) Error(channels, "a batch may have at most 32 channels");
        for (const auto& c : channels) LoadChannel(c, ranking_names, rules, &batch);
      }
      rules->batches.push_back(std::move(batch));
    }
    rules->candidate_columns = columns_candidate_;
    rules->program_columns = columns_program_;
  }

  void LoadChannel(const YAML::Node& c, const std::vector<std::string>& ranking_names, const Rules* rules, Batch* batch) {
    if (!c.IsMap()) {
      Error(c, "each channel must be a mapping {name, seats, ranking[, eligible]}");
      return;
    }
    CheckKeys(c, {"name", "seats", "ranking", "eligible"});
    Channel ch;
    ch.pos = Pos(c);
    if (auto name = Get(c, "name", true)) {
      ch.name = Scalar(name, "name");
      for (const auto& other : batch->channels) {
        if (other.name == ch.name) Error(name, "channel name '" + ch.name + "' is used twice in batch '" + batch->name + "'");
      }
    }
    if (auto seats = Get(c, "seats", true, "name the capacity column of programs.csv, e.g. seats: general")) {
      ch.seats = Scalar(seats, "seats");
      ch.seats_pos = Pos(seats);
      for (const auto& other : batch->channels) {
        if (!ch.seats.empty() && other.seats == ch.seats)
          Error(seats, "seat column '" + ch.seats + "' is already used by channel '" + other.name + "'; each channel needs its own capacity column");
      }
    }
    if (auto ranking = Get(c, "ranking", true, "name one of the rankings")) {
      std::string r = Scalar(ranking, "ranking");
      ch.ranking = rules->FindRanking(r);
      if (ch.ranking < 0 && ranking.IsScalar() && !rankings_failed_) Error(ranking, "unknown ranking '" + r + "'" + DidYouMean(r, ranking_names));
    }
    if (auto el = Get(c, "eligible", false)) {
      ch.eligible_text = Scalar(el, "eligible");
      if (ch.eligible_text.empty() && el.IsScalar()) {
        Error(el, "'eligible' is empty; write a condition, or remove the key to admit every applicant");
      } else if (!ch.eligible_text.empty()) {
        ch.eligible = ParseExpr(el, ch.eligible_text, ValueType::kBool);
      }
    }
    batch->channels.push_back(std::move(ch));
  }

  std::string path_;
  DiagnosticSink& sink_;
  std::string text_;                     // the source, for positions in characters
  std::vector<std::size_t> line_starts_;
  bool rankings_failed_ = false;         // suppresses "unknown ranking" after a broken rankings:
  std::vector<ColumnRef> columns_candidate_, columns_program_;
};

}  // namespace

std::string Rules::HeaderFor(const std::string& logical_name) const {
  for (const auto& [logical, header] : columns) {
    if (logical == logical_name) return header;
  }
  return logical_name;
}

int Rules::FindRanking(const std::string& wanted) const {
  for (std::size_t i = 0; i < rankings.size(); ++i) {
    if (rankings[i].name == wanted) return static_cast<int>(i);
  }
  return -1;
}

int Rules::FindBatch(const std::string& wanted) const {
  for (std::size_t i = 0; i < batches.size(); ++i) {
    if (batches[i].name == wanted) return static_cast<int>(i);
  }
  return -1;
}

std::optional<Rules> ParseRules(const std::string& text, const std::string& path, DiagnosticSink& sink) {
  return Loader(path, sink).Load(text);
}

std::optional<Rules> LoadRules(const std::string& path, DiagnosticSink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.Error(path, 0, 0, "cannot open the rules file; check the path given to --rules");
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return ParseRules(std::move(buf).str(), path, sink);
}

}  // namespace zkmatch
