// Loads a YAML rules file into zkmatch::Rules, reporting every problem with file:line:col.
//
// yaml-cpp's Mark is 0-based and knows no file name; every message here adds both. Unknown
// keys are errors (a typo must never become a silent default) with a "did you mean".
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <set>
#include <sstream>

#include "csv.h"
#include "digest.h"
#include "file_read.h"
#include "decimal.h"
#include "edit_distance.h"
#include "expression.h"
#include "names.h"
#include "xlsx.h"
#include "zkmatch/match.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

constexpr std::size_t kMaxRulesBytes = std::size_t{1} << 20;  // 1 MiB; the Weihai rules are 4 KB
constexpr int kMaxYamlDepth = 64;  // the deepest valid rules nest about 14 levels

// A first pass over the YAML events, before any tree is built, for what yaml-cpp would accept
// but a rules file must not hold:
//   - aliases (*name): rejected outright. A rules file is short and read by auditors, so a
//     value is written where it is used; aliases also make billion-laughs bombs possible
//     (each level multiplying the expanded size), which the tree walk after this would expand.
//   - nesting deeper than kMaxYamlDepth: a clear message instead of yaml-cpp's "bad file" at
//     its recursion guard;
//   - a key given twice in one mapping: yaml-cpp keeps both and lookups see only one;
//   - a second document after '---': YAML::Load would silently ignore it.
// Events are linear in the text, and parsing stops at the first alias or excessive depth.
class PreScan : public YAML::EventHandler {
 public:
  PreScan(const std::function<void(const YAML::Mark&, std::string)>& error) : error_(error) {}

  struct Stop {};  // thrown to end the pass early

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Child(mark, nullptr); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const bool known = anchor >= 1 && anchor <= anchors_.size();
    const std::string name = known ? anchors_[anchor - 1].first : std::string("?");
    const int line = known ? anchors_[anchor - 1].second.line + 1 : 0;
    error_(mark, "YAML alias '*" + name + "' is not allowed in rules files (the anchor '&" + name + "' is at line " +
                     std::to_string(line) + "); write the value out in full where it is used");
    throw Stop{};
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override { Child(mark, &value); }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    Child(mark, nullptr);
    Open(mark, false);
  }
  void OnSequenceEnd() override { frames_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    Child(mark, nullptr);
    Open(mark, true);
  }
  void OnMapEnd() override { frames_.pop_back(); }
  void OnAnchor(const YAML::Mark& mark, const std::string& name) override { anchors_.emplace_back(name, mark); }

 private:
  struct Frame {
    bool map;
    bool at_key = true;
    std::vector<std::pair<std::string, int>> keys;  // key, 1-based line
  };

  void Open(const YAML::Mark& mark, bool map) {
    if (frames_.size() >= static_cast<std::size_t>(kMaxYamlDepth)) {
      error_(mark, "lists and mappings are nested more than " + std::to_string(kMaxYamlDepth) +
                       " levels deep; a rules file needs far fewer -- is this the right file?");
      throw Stop{};
    }
    frames_.push_back(Frame{map, true, {}});
  }

  // A node starts inside the innermost collection; `key` is its text when it is a scalar.
  void Child(const YAML::Mark& mark, const std::string* key) {
    if (frames_.empty() || !frames_.back().map) return;
    Frame& f = frames_.back();
    const bool is_key = f.at_key;
    f.at_key = !f.at_key;
    if (!is_key || key == nullptr) return;
    for (const auto& [k, line] : f.keys) {
      if (k == *key) {
        error_(mark, "key '" + *key + "' is given twice in this mapping (first at line " + std::to_string(line) +
                         "); YAML keeps only one of them -- keep one");
        return;
      }
    }
    f.keys.emplace_back(*key, mark.line + 1);
  }

  std::function<void(const YAML::Mark&, std::string)> error_;
  std::vector<Frame> frames_;
  std::vector<std::pair<std::string, YAML::Mark>> anchors_;
};


class Loader {
 public:
  Loader(const std::string& path, DiagnosticSink& sink, const RulesFileMap* files = nullptr) : path_(path), sink_(sink), files_(files) {}

  std::optional<Rules> Load(const std::string& text) {
    const std::size_t errors_before = sink_.error_count();
    AddSource(path_, text);
    if (!ParseSource(0)) return std::nullopt;
    const YAML::Node parsed = sources_[0].root;
    Rules rules;
    rules.path = path_;
    rules.name = std::filesystem::path(path_).stem().string();
    if (parsed.IsNull() && text.find_first_not_of(" \t\r\n") == std::string::npos) {
      sink_.Error(path_, 0, 0, "the rules file is empty; it needs version, inputs, rankings and batches (see rules/README.md)");
      return std::nullopt;
    }
    if (!parsed.IsMap()) {
      Error(parsed, "a rules file is a mapping with keys version, inputs, rankings and batches");
      return std::nullopt;
    }
    static const std::vector<std::string> kTopKeys = {"version", "extends", "name", "inputs", "columns", "column_labels", "descriptive_columns", "encoding",
                                                      "seed", "policy", "lines", "rankings", "batches", "reassignment"};
    CheckKeys(parsed, kTopKeys);
    // yaml-cpp's Node assignment rewrites the node assigned to (every copy sees it): documents
    // are bound once, never reassigned.
    std::optional<YAML::Node> extended;
    if (auto n = Get(parsed, "extends", false)) {
      extended = Extend(parsed, n);
      if (!extended) return std::nullopt;
      for (std::size_t k = 1; k < sources_.size(); ++k) {
        rules.bases.push_back({sources_[k].path, Sha256Hex(sources_[k].text), sources_[k].text.size()});
      }
      if (!parsed["name"] && (*extended)["name"]) {
        Warning(n, "this what-if keeps the name '" + (*extended)["name"].Scalar() + "' of " + sources_[1].path +
                       "; give it its own (name: ...) so that reports and diffs of the two runs tell them apart");
      }
    }
    const YAML::Node root = extended ? *extended : parsed;
    rules.settings = Settings(root);
    LoadVersion(root, &rules);
    if (auto n = Get(root, "name", false)) rules.name = Scalar(n, "name");
    LoadColumns(root, &rules);  // before inputs: a file's own columns are checked against these
    LoadInputs(root, &rules);
    if (files_ != nullptr) UseMappedInputs(files_->inputs, &rules.inputs);
    if (auto n = Get(root, "encoding", false)) {
      rules.encoding = Scalar(n, "encoding");
      rules.encoding_given = true;
      if (!FromName<Encoding>(rules.encoding) && n.IsScalar()) Error(n, UnsupportedEncoding(rules.encoding));
    }
    bool seed_reported = false;
    if (auto n = Get(root, "seed", false)) seed_reported = !LoadSeed(n, &rules);
    if (auto n = Get(root, "column_labels", false)) {
      if (!n.IsMap()) {
        Error(n, "'column_labels' maps column names to what people read, e.g. column_labels: {fresh: 应届生, quality_grade: 综合素质评价}");
      } else {
        CheckKeysDuplicatesOnly(n);
        for (const auto& kv : n) {
          std::string label = Scalar(kv.second, "column_labels." + kv.first.Scalar());
          if (!label.empty()) rules.column_labels[kv.first.Scalar()] = std::move(label);
        }
      }
    }
    if (auto n = Get(root, "descriptive_columns", false)) {
      if (!n.IsSequence()) {
        Error(n, "'descriptive_columns' is a list of column names, e.g. [university, remarks]");
      } else {
        for (const auto& c : n) rules.descriptive_columns.push_back(Scalar(c, "descriptive_columns"));
      }
    }
    auto lines = Get(root, "lines", false);
    if (lines && !lines.IsMap()) {
      Error(lines, "'lines' must be a mapping of line names to {value} | {admit_ratio, ranking} | {from, offset} | {from, factor}");
      lines = YAML::Node(YAML::NodeType::Undefined);
    }
    if (lines) {
      CheckKeysDuplicatesOnly(lines);
      for (const auto& kv : lines) line_names_.push_back(kv.first.Scalar());
    }
    LoadRankings(root, &rules);
    if (lines) LoadLines(lines, &rules);
    LoadPolicy(root, &rules);
    LoadBatches(root, &rules);
    LoadReassignment(root, &rules);
    ResolveUnfilled(&rules);
    ResolveWideChoices(&rules);
    CheckMechanisms(rules);
    rules.candidate_columns = columns_candidate_;
    rules.id_use = id_use_;
    rules.program_columns = columns_program_;
    for (const Ranking& r : rules.rankings) {
      if (r.last_tie == LastTie::kLottery && rules.seed.empty() && !seed_reported) {
        ErrorAt(r.pos, "ranking '" + r.name + "' uses last_tie: lottery but the rules give no seed; add the published seed at the top, e.g. seed: \"2025-07-08 public draw\"");
        break;
      }
    }
    if (program_score_used_ && rules.inputs.program_scores.empty()) {
      ErrorAt(program_score_pos_, "program_score reads the scores programs gave candidates, but inputs names no such file; add inputs: {..., "
                  "program_scores: program_scores.csv} with columns program,candidate_id,score");
    }
    if (sink_.error_count() != errors_before) return std::nullopt;
    return rules;
  }

 private:
  // Size, UTF-8 and NUL bytes, before the YAML parser sees the text.
  void AddSource(const std::string& path, const std::string& text) {
    Source src;
    src.path = path;
    src.text = text;
    src.line_starts.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') src.line_starts.push_back(i + 1);
    }
    sources_.push_back(std::move(src));
  }

  // Checks and parses source k into sources_[k].root; errors name that file.
  bool ParseSource(std::size_t k) {
    current_ = k;
    if (!CheckText() || !PreScanEvents()) return false;
    try {
      sources_[k].root = YAML::Load(sources_[k].text);
    } catch (const YAML::ParserException& e) {
      sink_.Error(Path(), e.mark.line + 1, CharCol(e.mark.line, e.mark.column), "YAML syntax error: " + e.msg + SyntaxAdvice(e.mark));
      return false;
    } catch (const YAML::Exception& e) {
      sink_.Error(Path(), 0, 0, "cannot read YAML: " + e.msg);
      return false;
    }
    current_ = 0;
    return true;
  }
  const std::string& Path() const { return sources_[current_].path; }

  // `extends: BASE`: reads BASE (relative to the file that names it; it may extend another in
  // turn) and returns the merged document: a key of the extending file replaces the base's,
  // except inputs, columns, lines, rankings and policy, whose entries replace the base's entries
  // of the same name one by one. Nothing after reporting when a base cannot be used.
  // A run bundle's copies in place of the paths the rules give (RulesFileMap).
  static void UseMappedInputs(const RuleInputs& mapped, RuleInputs* inputs) {
    for (const auto& [role, path] : mapped.Files()) {
      // The parent's files are never named by the rules: a bundle of a continuing round maps them.
      const bool parent = role.rfind("parent_", 0) == 0;
      if (std::string* to = inputs->PathOf(role); to != nullptr && (parent || !to->empty())) *to = path;
    }
  }

  std::optional<YAML::Node> Extend(const YAML::Node& root, const YAML::Node& first) {
    std::vector<std::string> chain = {std::filesystem::weakly_canonical(path_).string()};
    std::vector<std::size_t> layers;  // sources of the bases, nearest first
    std::optional<YAML::Node> next(first);
    while (next) {
      const YAML::Node extends = *next;
      next.reset();
      const std::string name = Scalar(extends, "extends");
      if (name.empty()) return std::nullopt;
      const std::size_t from = SourceOf(extends);
      const std::filesystem::path dir = std::filesystem::path(sources_[from].path).parent_path();
      const std::filesystem::path given(name);
      std::string base = (given.is_absolute() ? given : dir / given).lexically_normal().string();
      if (files_ != nullptr && files_->map_bases) {  // a run bundle: the k-th base is the bundle's copy
        if (layers.size() >= files_->bases.size()) {
          Error(extends, "the run bundle holds no copy of the rules file this extends (" + base + "); the bundle is incomplete");
          return std::nullopt;
        }
        base = files_->bases[layers.size()];
      }
      const std::string canonical = std::filesystem::weakly_canonical(base).string();
      if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
        std::string circle;
        for (std::size_t k = 0; k < sources_.size(); ++k) circle += sources_[k].path + " -> ";
        Error(extends, "extends goes in a circle: " + circle + base + "; a rules file cannot extend itself, directly or through others");
        return std::nullopt;
      }
      if (sources_.size() > 8) {
        Error(extends, "extends goes more than 8 files deep; flatten the chain");
        return std::nullopt;
      }
      chain.push_back(canonical);
      std::string text;
      const FileReadResult read = ReadRegularFile(base, kMaxRulesBytes, &text);
      if (read.kind != FileReadResult::kOk) {
        Error(extends, "cannot read the rules file it extends, " + base + (read.kind == FileReadResult::kTooLarge ? " (larger than 1 MiB)" : "") +
                           "; the path is relative to the file that names it");
        return std::nullopt;
      }
      AddSource(base, text);
      const std::size_t k = sources_.size() - 1;
      if (!ParseSource(k)) return std::nullopt;
      const YAML::Node& b = sources_[k].root;
      if (!b.IsMap()) {
        Error(b, "a rules file is a mapping with keys version, inputs, rankings and batches");
        return std::nullopt;
      }
      CheckKeys(b, {"version", "extends", "name", "inputs", "columns", "column_labels", "descriptive_columns", "encoding", "seed", "policy", "lines", "rankings",
                    "batches", "reassignment"});
      layers.push_back(k);
      if (b["extends"]) next.emplace(b["extends"]);
    }
    // The farthest base first, each nearer file laid on it, the rules file last.
    std::optional<YAML::Node> merged;
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      const YAML::Node& b = sources_[*it].root;
      std::optional<YAML::Node> laid;
      laid.emplace(merged ? MergeOnto(*merged, b) : MergeOnto(b, YAML::Node(YAML::NodeType::Map)));
      merged.reset();
      merged.emplace(*laid);
    }
    return MergeOnto(*merged, root);
  }

  // `over` laid on `base` (see Extend). The nodes themselves are shared, not copied, so every
  // node keeps its file and position.
  static YAML::Node MergeOnto(const YAML::Node& base, const YAML::Node& over) {
    static const std::set<std::string> kByEntry = {"inputs", "columns", "column_labels", "lines", "rankings", "policy"};
    YAML::Node out(YAML::NodeType::Map);
    auto overridden = [&](const std::string& key) { return static_cast<bool>(over[key]); };
    for (const auto& kv : base) {
      const std::string key = kv.first.Scalar();
      if (key == "extends") continue;
      if (!overridden(key)) {
        out[kv.first] = kv.second;
      } else if (kByEntry.count(key) && kv.second.IsMap() && over[key].IsMap()) {
        YAML::Node entries(YAML::NodeType::Map);
        for (const auto& e : kv.second) {
          if (!over[key][e.first.Scalar()]) entries[e.first] = e.second;
        }
        for (const auto& e : over[key]) entries[e.first] = e.second;
        out[kv.first] = entries;
      }
    }
    for (const auto& kv : over) {
      const std::string key = kv.first.Scalar();
      if (key == "extends") continue;
      if (!out[key]) out[kv.first] = kv.second;
    }
    return out;
  }

  // See Rules::settings.
  static std::vector<std::pair<std::string, std::string>> Settings(const YAML::Node& root) {
    static const std::set<std::string> kByEntry = {"inputs", "columns", "column_labels", "lines", "rankings", "policy"};
    auto flow = [](const YAML::Node& n) {
      YAML::Emitter e;
      e << YAML::Flow << n;
      return std::string(e.c_str());
    };
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (key == "extends") continue;
      if (kByEntry.count(key) && kv.second.IsMap()) {
        for (const auto& e : kv.second) out.emplace_back(key + "." + e.first.Scalar(), flow(e.second));
      } else {
        out.emplace_back(key, flow(kv.second));
      }
    }
    return out;
  }

  // Which source a node was read from (0 when only one file was read).
  std::size_t SourceOf(const YAML::Node& n) const {
    if (sources_.size() <= 1) return 0;
    for (std::size_t k = 1; k < sources_.size(); ++k) {
      if (Contains(sources_[k].root, n)) return k;
    }
    return 0;
  }
  static bool Contains(const YAML::Node& tree, const YAML::Node& n) {
    if (!tree.IsDefined()) return false;
    if (tree.is(n)) return true;
    if (tree.IsMap()) {
      for (const auto& kv : tree) {
        if (Contains(kv.first, n) || Contains(kv.second, n)) return true;
      }
    } else if (tree.IsSequence()) {
      for (const auto& item : tree) {
        if (Contains(item, n)) return true;
      }
    }
    return false;
  }

  void ErrorAt(const RulesPos& pos, std::string msg) { sink_.Error(sources_[static_cast<std::size_t>(pos.source)].path, pos.line, pos.col, std::move(msg)); }
  void Warning(const YAML::Node& n, std::string msg) {
    const RulesPos pos = Pos(n);
    sink_.Warning(sources_[static_cast<std::size_t>(pos.source)].path, pos.line, pos.col, std::move(msg));
  }

  bool CheckText() {
    if (Text().size() > kMaxRulesBytes) {
      sink_.Error(Path(), 0, 0,
                  "the rules file is " + std::to_string(Text().size()) + " bytes; rules files are limited to " +
                      std::to_string(kMaxRulesBytes) + " bytes (1 MiB) -- is this the right file?");
      return false;
    }
    std::size_t bad = FindInvalidUtf8(Text());
    const char* what = "invalid UTF-8 byte sequence; save the rules file as UTF-8";
    if (bad == std::string::npos) {
      bad = Text().find('\0');
      what = "NUL byte (\\0) in the rules file; it is binary, UTF-16 or damaged -- save it as UTF-8 text";
    }
    if (bad == std::string::npos) return true;
    const auto line0 = std::upper_bound(Starts().begin(), Starts().end(), bad) - Starts().begin() - 1;
    sink_.Error(Path(), static_cast<int>(line0) + 1,
                CharCol(static_cast<int>(line0), static_cast<int>(bad - Starts()[static_cast<std::size_t>(line0)])), what);
    return false;
  }

  // What to do about a YAML syntax error at `mark`: the two causes yaml-cpp names worst are a
  // tab in the indentation and a file that ends inside a bracket.
  std::string SyntaxAdvice(const YAML::Mark& mark) const {
    for (int l = mark.line; l >= 0 && l >= mark.line - 1; --l) {
      if (static_cast<std::size_t>(l) >= Starts().size()) continue;
      for (std::size_t i = Starts()[static_cast<std::size_t>(l)]; i < Text().size() && (Text()[i] == ' ' || Text()[i] == '\t'); ++i) {
        if (Text()[i] == '\t') {
          return "; line " + std::to_string(l + 1) + " is indented with a tab, which YAML does not allow -- indent with spaces";
        }
      }
    }
    // A file that does not end with a line break, with the error on its last line.
    if (!Text().empty() && Text().back() != '\n' && mark.line + 1 >= static_cast<int>(Starts().size())) {
      return "; the file ends in the middle of its last line: was it cut off? Check that it is complete";
    }
    return "; check indentation, ':' after keys and closing brackets";
  }

  // See PreScan. Syntax errors are left to YAML::Load, which reports them the same way.
  bool PreScanEvents() {
    const std::size_t errors_before = sink_.error_count();
    PreScan scan([&](const YAML::Mark& m, std::string msg) { sink_.Error(Path(), m.line + 1, CharCol(m.line, m.column), std::move(msg)); });
    std::istringstream in(Text());
    try {
      YAML::Parser parser(in);
      if (parser.HandleNextDocument(scan)) {
        YAML::Mark second;
        struct Ignore : YAML::EventHandler {
          YAML::Mark* start;
          explicit Ignore(YAML::Mark* m) : start(m) {}
          void OnDocumentStart(const YAML::Mark& m) override { *start = m; }
          void OnDocumentEnd() override {}
          void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
          void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
          void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
          void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
          void OnSequenceEnd() override {}
          void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
          void OnMapEnd() override {}
        } ignore(&second);
        // Only the start of a second document is wanted. YAML::Load never reads it, so a
        // syntax error in it is reported here or not at all.
        bool more = false;
        try {
          more = parser.HandleNextDocument(ignore);
        } catch (const YAML::Exception& e) {
          sink_.Error(Path(), e.mark.line + 1, CharCol(e.mark.line, e.mark.column),
                      "YAML syntax error after the rules: " + e.msg + "; a rules file is one YAML document -- remove what follows it");
        }
        if (more) {
          sink_.Error(Path(), second.line + 1, CharCol(second.line, second.column),
                      "a second YAML document starts here; a rules file is one document -- remove the '---' line and what follows, "
                      "or merge it into the first");
        }
      }
    } catch (const PreScan::Stop&) {
    } catch (const YAML::Exception&) {
      // Syntax errors: YAML::Load reports them with its position.
    }
    return sink_.error_count() == errors_before;
  }

  void Error(const YAML::Node& n, std::string msg) { ErrorAt(Pos(n), std::move(msg)); }

  // yaml-cpp's Mark is 0-based and counts bytes; users count characters from 1.
  int CharCol(int line0, int byte_col0) const {
    if (line0 < 0 || static_cast<std::size_t>(line0) >= Starts().size()) return byte_col0 + 1;
    const std::size_t start = Starts()[static_cast<std::size_t>(line0)];
    int col = 1;
    for (std::size_t i = start; i < start + static_cast<std::size_t>(byte_col0) && i < Text().size(); ++i) {
      if ((static_cast<unsigned char>(Text()[i]) & 0xC0) != 0x80) ++col;
    }
    return col;
  }

  RulesPos Pos(const YAML::Node& n) const {
    current_ = SourceOf(n);
    const RulesPos pos{n.Mark().line + 1, CharCol(n.Mark().line, n.Mark().column), static_cast<int>(current_)};
    current_ = 0;
    return pos;
  }

  // Position in the file of byte `offset` of the decoded value of scalar `n`. The source is
  // walked as written, so quote escapes ('' and \"), folded line breaks and the indentation of
  // multi-line and block scalars (| and >) are counted where they stand.
  RulesPos ScalarPos(const YAML::Node& n, int offset) const {
    struct Restore {
      std::size_t& current;
      ~Restore() { current = 0; }
    } restore{current_};
    current_ = SourceOf(n);
    const int source = static_cast<int>(current_);
    const int line0 = n.Mark().line;
    if (line0 < 0 || static_cast<std::size_t>(line0) >= Starts().size()) return {line0 + 1, n.Mark().column + 1 + offset, source};
    const std::string_view t = Text();
    auto at = [&](std::size_t k) { return k < t.size() ? t[k] : '\0'; };
    std::size_t i = Starts()[static_cast<std::size_t>(line0)] + static_cast<std::size_t>(n.Mark().column);
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
    const auto line = std::upper_bound(Starts().begin(), Starts().end(), i) - Starts().begin() - 1;
    return {static_cast<int>(line) + 1, CharCol(static_cast<int>(line), static_cast<int>(i - Starts()[static_cast<std::size_t>(line)])), source};
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
  YAML::Node Get(const YAML::Node& map, const std::string& key, bool required, const std::string& what = {}) {
    return Get(map, key.c_str(), required, what.empty() ? nullptr : what.c_str());
  }

  // "{proportional_to: [...], rounding: largest_remainder}": how a computed allocation is written.
  static std::string ProportionalForm() {
    return "{" + Name(Allocation::Kind::kProportional) + ": [...], rounding: " + NameList<Allocation::Rounding>() + "}";
  }

  // The spellings of ReadAsNonText that are not all digits and number punctuation, as the YAML
  // 1.1 and 1.2 core schemas write them (each must be the whole scalar):
  //   [-+]?0[xX][0-9a-fA-F_]+      hexadecimal
  //   [-+]?\.(inf|Inf|INF)         infinity
  //   \.(nan|NaN|NAN)              not a number
  //   YYYY-M-D(T|t|[ \t]+)H:MM:SS(\.F*)?([ \t]*(Z|[-+]H(:MM)?))?   a timestamp with a time
  static bool IsHexInfNanOrTimestamp(std::string_view s) {
    std::size_t i = 0;
    const auto digits = [&](std::size_t min, std::size_t max) {  // min..max digits at i
      std::size_t n = 0;
      while (i < s.size() && n < max && s[i] >= '0' && s[i] <= '9') ++i, ++n;
      return n >= min;
    };
    const auto eat = [&](char c) { return i < s.size() && s[i] == c ? (++i, true) : false; };
    const auto blanks = [&] {
      const std::size_t from = i;
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      return i > from;
    };
    std::string_view unsigned_part = s;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) unsigned_part.remove_prefix(1);
    if (unsigned_part.size() > 2 && unsigned_part[0] == '0' && (unsigned_part[1] == 'x' || unsigned_part[1] == 'X')) {
      return unsigned_part.find_first_not_of("0123456789abcdefABCDEF_", 2) == std::string_view::npos;
    }
    if (unsigned_part == ".inf" || unsigned_part == ".Inf" || unsigned_part == ".INF") return true;
    if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
    if (!(digits(4, 4) && eat('-') && digits(1, 2) && eat('-') && digits(1, 2))) return false;
    if (!eat('T') && !eat('t') && !blanks()) return false;
    if (!(digits(1, 2) && eat(':') && digits(2, 2) && eat(':') && digits(2, 2))) return false;
    if (eat('.')) digits(0, s.size());
    if (i == s.size()) return true;
    blanks();
    if (eat('Z')) return i == s.size();
    if (!eat('-') && !eat('+')) return false;
    if (!digits(1, 2)) return false;
    if (eat(':') && !digits(2, 2)) return false;
    return i == s.size();
  }

  // Whether some YAML reader (1.1's or 1.2's core resolvers) reads this plain scalar as other
  // than text: a number in any base or spelling (0371, 1e3, 12:30, 0x1F, 0x_1F, 0b101), infinity
  // or not-a-number (.inf, -.Inf, .NaN), a date or timestamp (2025-07-08, 2001-12-14T21:59:43Z),
  // a boolean or null word, or the 1.1 keys `=` and `<<`. Errs towards "not text": anything made
  // only of digits and number punctuation counts. (An independent reader once found 0x1F hashed as
  // the text "0x1F" where PyYAML reads 31: the lottery could not be recomputed from the file.)
  static bool ReadAsNonText(const std::string& s) {
    static const std::set<std::string> kWords = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
                                                 "True", "False", "Yes", "No", "On", "Off", "Y", "N", "Null",
                                                 "TRUE", "FALSE", "YES", "NO", "ON", "OFF", "NULL", "=", "<<"};
    const bool numberish = s.find_first_not_of("0123456789+-.:_eEoOxXbB ") == std::string::npos && s.find_first_of("0123456789") != std::string::npos;
    return numberish || kWords.count(s) > 0 || IsHexInfNanOrTimestamp(s);
  }

  // `seed:` is free text used byte for byte. A plain (unquoted) scalar some YAML reader takes for
  // other than text (ReadAsNonText: 0371 is 249 in YAML 1.1, 2025-07-08 a date) must be quoted.
  // Returns false after reporting.
  bool LoadSeed(const YAML::Node& n, Rules* rules) {
    if (n.IsNull() && n.Tag() != "!") {
      Error(n, "the seed is empty; give the published seed in quotes, e.g. seed: \"2025-07-08 public draw\"");
      return false;
    }
    const std::string s = Scalar(n, "seed");
    if (!n.IsScalar()) return false;
    if (s.empty()) {
      Error(n, "the seed is empty; give the published seed in quotes, e.g. seed: \"2025-07-08 public draw\"");
      return false;
    }
    if (n.Tag() == "?" && ReadAsNonText(s)) {
      std::string quoted;
      for (char c : s) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
      }
      Error(n, "the seed " + s + " is not quoted; YAML readers disagree on such a value (one reads 0371 as the number 249, "
               "2025-07-08 as a date), so the published seed must be quoted: seed: \"" + quoted + "\"");
      return false;
    }
    rules->seed = s;
    return true;
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
    CheckKeys(n, {"candidates", "choices", "programs", "allocations", "program_scores", "declined", "personal"});
    if (auto p = Get(n, "personal", false)) {
      if (!p.IsSequence()) {
        Error(p, "'personal' is a list of the candidates' columns that identify a person, e.g. personal: [name, phone]; zkmatch publish leaves them out");
      } else {
        for (const auto& c : p) {
          const std::string column = Scalar(c, "inputs.personal");
          if (!column.empty() && std::find(rules->personal_columns.begin(), rules->personal_columns.end(), column) == rules->personal_columns.end()) {
            rules->personal_columns.push_back(column);
          }
        }
      }
    }
    // Paths are relative to the file that gives them (a base file's inputs to the base).
    auto dir_of = [&](const YAML::Node& v) { return std::filesystem::path(sources_[SourceOf(v)].path).parent_path(); };
    auto resolve = [&](const char* key, std::string* out) {
      auto v = Get(n, key, true);
      if (!v) return;
      const std::filesystem::path dir = dir_of(v);
      if (v.IsMap()) {  // {file: F, encoding: E, columns: {...}}
        CheckKeys(v, {"file", "encoding", "columns", "sheet"});
        LoadFileFormat(v, key, rules);
        v = Get(v, "file", true, std::string("name the file, e.g. ") + key + ": {file: " + key + ".csv, encoding: gb18030}");
        if (!v) return;
      }
      std::string s = Scalar(v, std::string("inputs.") + key);
      if (s.empty()) {
        if (v.IsScalar()) Error(v, std::string("inputs.") + key + " is empty; give a file path");
        return;
      }
      std::filesystem::path p(s);
      *out = (p.is_absolute() ? p : (dir / p)).lexically_normal().string();
    };
    resolve("candidates", &rules->inputs.candidates);
    LoadChoicesFiles(n, rules);
    resolve("programs", &rules->inputs.programs);
    if (Get(n, "allocations", false)) resolve("allocations", &rules->inputs.allocations);
    if (Get(n, "program_scores", false)) resolve("program_scores", &rules->inputs.program_scores);
    if (auto d = Get(n, "declined", false)) {
      rules->inputs.declined_pos = Pos(d);
      resolve("declined", &rules->inputs.declined);
    }
  }

  // `choices: F`, `choices: {file: F, ...}` or a list of those (one file per export, e.g. 提前批.csv
  // and 普通批.csv). The first file has the role "choices", the next ones "choices_2", ...
  void LoadChoicesFiles(const YAML::Node& inputs, Rules* rules) {
    auto c = Get(inputs, "choices", true);
    if (!c) return;
    if (!c.IsSequence()) {
      LoadChoicesFile(c, "choices", rules);
      return;
    }
    if (c.size() == 0) {
      Error(c, "inputs.choices lists no file; name the choices file, or list several: choices: [提前批.csv, 普通批.csv]");
      return;
    }
    for (std::size_t k = 0; k < c.size(); ++k) LoadChoicesFile(c[k], k == 0 ? "choices" : "choices_" + std::to_string(k + 1), rules);
  }

  // One choices file: a path (the long layout, read with the file-wide settings), or
  // `{file: F, layout: long | wide, id: HEADER, batches: {BATCH: [HEADER, ...]}, encoding, columns, sheet}`.
  // Batch names are resolved once the batches are read (ResolveWideChoices).
  void LoadChoicesFile(const YAML::Node& n, const std::string& role, Rules* rules) {
    const std::filesystem::path dir = std::filesystem::path(sources_[SourceOf(n)].path).parent_path();
    ChoicesFile& out = rules->inputs.choices.emplace_back();
    out.role = role;
    auto set_path = [&](const YAML::Node& v, const std::string& what) {
      const std::string s = Scalar(v, what);
      if (s.empty() && v.IsScalar()) Error(v, what + " is empty; give a file path");
      if (s.empty()) return;
      const std::filesystem::path p(s);
      out.path = (p.is_absolute() ? p : (dir / p)).lexically_normal().string();
    };
    if (!n.IsMap()) {
      set_path(n, "inputs.choices");
      return;
    }
    CheckKeys(n, {"file", "layout", "id", "batches", "channels", "encoding", "columns", "sheet"});
    LoadFileFormat(n, role, rules);
    if (auto file = Get(n, "file", true, "name the choices file, e.g. choices: {file: 志愿.csv, layout: wide, ...}")) set_path(file, "inputs.choices.file");
    std::string layout(Name(ChoicesLayout::kLong));
    if (auto l = Get(n, "layout", false)) layout = Scalar(l, "inputs.choices.layout");
    const std::optional<ChoicesLayout> kind = FromName<ChoicesLayout>(layout);
    if (kind == ChoicesLayout::kLong) {
      for (const char* key : {"id", "batches", "channels"}) {
        if (auto k = Get(n, key, false)) Error(k, std::string("'") + key + "' belongs to layout: wide; a long choices file has the columns candidate_id, batch, rank, program");
      }
      return;
    }
    if (!kind) {
      Error(n["layout"], "layout '" + layout + "' is not known; write " + NameList<ChoicesLayout>(true) + DidYouMean(layout, AllNames<ChoicesLayout>()));
      return;
    }
    out.wide = true;
    LoadWideLayout(n, &out.layout);
  }

  // The wide layout's `id`, `batches` and `channels` (LoadChoicesFile).
  void LoadWideLayout(const YAML::Node& n, WideChoices* layout) {
    WideChoices& wide = *layout;
    wide.pos = Pos(n);
    if (auto id = Get(n, "id", true, "name the column that holds the candidate id, e.g. id: 准考证号")) {
      wide.id_header = Scalar(id, "inputs.choices.id");
      if (wide.id_header.empty() && id.IsScalar()) Error(id, "inputs.choices.id is empty; give the header of the candidate id column");
    }
    auto batches = Get(n, "batches", true, "map each batch to its choice columns in order, e.g. batches: {general: [志愿1, 志愿2, 志愿3]}");
    if (!batches) return;
    if (!batches.IsMap() || batches.size() == 0) {
      Error(batches, "'batches' maps each batch to its choice columns in order, e.g. batches: {general: [志愿1, 志愿2, 志愿3]}");
      return;
    }
    CheckKeysDuplicatesOnly(batches);
    std::map<std::string, std::string> used;  // header -> where it is used
    if (!wide.id_header.empty()) used[wide.id_header] = "the id column";
    for (const auto& kv : batches) {
      WideChoices::BatchColumns cols;
      cols.batch_name = kv.first.Scalar();
      cols.pos = Pos(kv.first);
      if (!kv.second.IsSequence() || kv.second.size() == 0) {
        Error(kv.second, "batch '" + cols.batch_name + "' needs its choice columns as a list in choice order, e.g. [志愿1, 志愿2]");
        continue;
      }
      for (const auto& h : kv.second) {
        std::string header = Scalar(h, "a choice column");
        if (header.empty()) continue;
        const std::string here = "choice " + std::to_string(cols.headers.size() + 1) + " of batch '" + cols.batch_name + "'";
        if (auto [it, fresh] = used.emplace(header, here); !fresh) {
          Error(h, "column '" + header + "' is already " + it->second + "; each column holds one list position");
          continue;
        }
        cols.headers.push_back(std::move(header));
      }
      cols.channels.assign(cols.headers.size(), std::string());
      wide.batches.push_back(std::move(cols));
    }
    LoadSlotChannels(n, &wide);
  }

  // `channels: {HEADER: CHANNEL}` of a wide choices file: the header must be a choice column.
  void LoadSlotChannels(const YAML::Node& n, WideChoices* wide) {
    auto channels = Get(n, "channels", false);
    if (!channels) return;
    if (!channels.IsMap() || channels.size() == 0) {
      Error(channels, "'channels' maps choice columns to the channel their choices compete for, e.g. channels: {志愿2: reassign, 志愿4: reassign}");
      return;
    }
    CheckKeysDuplicatesOnly(channels);
    std::vector<std::string> headers;
    for (const WideChoices::BatchColumns& cols : wide->batches) headers.insert(headers.end(), cols.headers.begin(), cols.headers.end());
    for (const auto& kv : channels) {
      const std::string header = kv.first.Scalar();
      const std::string channel = Scalar(kv.second, "a channel name");
      if (std::find(headers.begin(), headers.end(), header) == headers.end()) {
        Error(kv.first, "'" + header + "' is not a choice column of inputs.choices.batches" + DidYouMean(header, headers) +
                            "; channels: maps choice columns to the channel their choices compete for");
        continue;
      }
      if (!channel.empty()) wide->slot_channels.push_back({header, channel, Pos(kv.first)});
    }
  }

  // The channels a batch's choice columns are tied to must be channels of the batch.
  void ResolveSlotChannels(const Rules& rules, const std::vector<WideChoices::SlotChannel>& slots, WideChoices::BatchColumns* cols) {
    const Batch& batch = rules.batches[static_cast<std::size_t>(cols->batch)];
    std::vector<std::string> names;
    for (const Stage& st : batch.stages) {
      for (const Channel& ch : st.channels) {
        if (std::find(names.begin(), names.end(), ch.name) == names.end()) names.push_back(ch.name);
      }
    }
    for (const WideChoices::SlotChannel& slot : slots) {
      auto at = std::find(cols->headers.begin(), cols->headers.end(), slot.header);
      if (at == cols->headers.end()) continue;
      if (std::find(names.begin(), names.end(), slot.channel) == names.end()) {
        std::string list;
        for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
        ErrorAt(slot.pos, "choice column '" + slot.header + "' is tied to channel '" + slot.channel + "', which batch '" + batch.name + "' does not have" +
                              DidYouMean(slot.channel, names) + "; its channels are: " + list);
        continue;
      }
      cols->channels[static_cast<std::size_t>(at - cols->headers.begin())] = slot.channel;
    }
  }

  // The batches a wide choices file fills must be batches of the rules.
  // Two wide files may not both fill one batch.
  void ResolveWideChoices(Rules* rules) {
    std::vector<std::string> names;
    for (const Batch& b : rules->batches) names.push_back(b.name);
    std::map<int, std::string> filled;  // batch -> the file whose columns fill it
    for (ChoicesFile& file : rules->inputs.choices) {
      if (file.wide) ResolveWideBatches(*rules, names, &file, &filled);
    }
  }

  void ResolveWideBatches(const Rules& rules, const std::vector<std::string>& names, ChoicesFile* file, std::map<int, std::string>* filled) {
    for (WideChoices::BatchColumns& cols : file->layout.batches) {
      cols.batch = rules.FindBatch(cols.batch_name);
      if (cols.batch >= 0) {
        if (auto [it, fresh] = filled->emplace(cols.batch, file->path); !fresh) {
          ErrorAt(cols.pos, "batch '" + cols.batch_name + "' already has its lists in the choices file " + it->second +
                                "; each batch's lists come from one file -- remove the batch from one of the two");
        }
        ResolveSlotChannels(rules, file->layout.slot_channels, &cols);
        continue;
      }
      std::string list;
      for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
      ErrorAt(cols.pos, "inputs.choices.batches names batch '" + cols.batch_name + "', which the rules do not define" + DidYouMean(cols.batch_name, names) +
                      "; the batches are: " + list);
    }
  }

  // The built-in logical columns of each input file: two of one file may not read one header.
  static const std::vector<std::string>& BuiltinColumns(const std::string& role) {
    static const std::map<std::string, std::vector<std::string>> kFiles = {
        {"candidates", {"id", "total", "name", "junior_school", "district"}},
        {"choices", {"candidate_id", "batch", "rank", "program", "channel"}},
        {"programs", {"code", "school", "name", "sector", "district"}},
        {"allocations", {"program", "channel", "group", "seats", "batch", "stage"}},
        {"program_scores", {"program", "candidate_id", "score"}},
        {"declined", {"candidate_id"}}};
    return kFiles.at(role);
  }

  static std::string UnsupportedEncoding(const std::string& name) {
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "gbk" || lower == "gb2312" || lower == "cp936") {
      return "encoding '" + name + "': write gb18030, which reads " + name + " files (GB18030 extends GBK and GB2312)";
    }
    return "encoding '" + name + "' is not supported; write " + NameList<Encoding>() + DidYouMean(name, AllNames<Encoding>());
  }

  // A file's own `encoding:` and `columns:` (inputs: {ROLE: {file, encoding, columns}}).
  void LoadFileFormat(const YAML::Node& n, const std::string& role, Rules* rules) {
    InputFormat format;
    if (auto e = Get(n, "encoding", false)) {
      format.encoding = Scalar(e, "inputs." + role + ".encoding");
      if (!FromName<Encoding>(format.encoding) && e.IsScalar()) Error(e, UnsupportedEncoding(format.encoding));
      if (auto f = Get(n, "file", false); f && f.IsScalar() && IsWorkbookPath(f.Scalar())) {
        Error(e, "an Excel workbook (.xlsx) has no encoding to choose (its text is always Unicode); remove this encoding line");
      }
    }
    if (auto s = Get(n, "sheet", false)) {
      format.sheet = Scalar(s, "inputs." + role + ".sheet");
      auto f = Get(n, "file", false);
      if (format.sheet.empty() && s.IsScalar()) Error(s, "sheet is empty; name the worksheet, as on its tab in Excel");
      if (f && f.IsScalar() && !IsWorkbookPath(f.Scalar())) {
        Error(s, "sheet: applies to Excel workbooks (.xlsx); " + f.Scalar() + " is read as CSV -- remove the sheet line, or name the .xlsx file");
      }
    }
    if (auto c = Get(n, "columns", false)) {
      if (!c.IsMap()) {
        Error(c, "'columns' maps this file's logical column names to its headers, e.g. columns: {id: 准考证号, total: 总分}");
      } else {
        CheckKeysDuplicatesOnly(c);
        for (const auto& kv : c) {
          std::string header = Scalar(kv.second, "inputs." + role + ".columns." + kv.first.Scalar());
          if (!header.empty()) format.columns.emplace_back(kv.first.Scalar(), std::move(header));
        }
        // Two logical columns of this file reading one header.
        const std::vector<std::string>& builtin = BuiltinColumns(RuleInputs::Kind(role));
        std::vector<std::pair<std::string, std::string>> reported;  // each pair of columns once
        for (const auto& kv : c) {
          const std::string logical = kv.first.Scalar();
          auto header_of = [&](const std::string& name) {
            for (const auto& [l, h] : format.columns) {
              if (l == name) return h;
            }
            return rules->HeaderFor(name);
          };
          const std::string header = header_of(logical);
          for (const std::string& other : builtin) {
            if (other == logical || header_of(other) != header) continue;
            if (std::find(reported.begin(), reported.end(), std::make_pair(other, logical)) != reported.end()) break;
            reported.emplace_back(logical, other);
            Error(kv.second, "columns: maps '" + logical + "' to header '" + header + "', which is already the header of column '" + other +
                                 "' in the " + role + " file; two columns cannot read one header -- map '" + logical + "' to its own header");
            break;
          }
        }
      }
    }
    rules->inputs.formats[role] = std::move(format);
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
    // Two logical columns of one file may not read one header: `{id: total}` would read the
    // totals as ids (and report every repeated score as a duplicate id in candidates.csv).
    static const std::vector<std::vector<std::string>> kFiles = {
        {"id", "total", "name", "junior_school", "district"},                 // candidates.csv
        {"candidate_id", "batch", "rank", "program"},                         // choices.csv
        {"code", "school", "name", "sector", "district"},                     // programs.csv
        {"program", "channel", "group", "seats", "batch", "stage"},           // allocations.csv
        {"program", "candidate_id", "score"}};                                // program_scores.csv
    std::vector<std::pair<std::string, std::string>> reported;  // each pair of columns once
    for (const auto& kv : n) {
      const std::string logical = kv.first.Scalar();
      for (const std::vector<std::string>& file : kFiles) {
        if (std::find(file.begin(), file.end(), logical) == file.end()) continue;
        const std::string header = rules->HeaderFor(logical);
        for (const std::string& other : file) {
          if (other == logical || rules->HeaderFor(other) != header) continue;
          if (std::find(reported.begin(), reported.end(), std::make_pair(other, logical)) != reported.end()) break;
          reported.emplace_back(logical, other);
          Error(kv.second, "columns: maps '" + logical + "' to header '" + header + "', which is already the header of column '" + other +
                               "' in the same file; two columns cannot read one header -- map '" + logical + "' to its own header");
          break;
        }
      }
    }
  }

  // What an expression may refer to.
  enum class Scope {
    kCandidate,  // line scores, allocation counts: candidate columns and lines
    kKey,        // ranking keys: candidate columns, lines and program_score
    kChoice,     // channel conditions: candidate and program columns, lines and program_score
    kProgram,    // stage and policy program selectors: program columns and lines
  };

  std::shared_ptr<const Expression> ParseExpr(const YAML::Node& n, const std::string& text, ValueType want,
                                              Scope scope) {
    ExpressionError err;
    auto e = ParseExpression(text, want, &err);
    if (!e) {
      const RulesPos pos = ScalarPos(n, err.offset);
      // Quote long expressions by their start: the position already points at the place.
      const std::string shown = text.size() > 100 ? text.substr(0, 97) + "..." : text;
      ErrorAt(pos, "in expression '" + shown + "': " + err.message);
      return nullptr;
    }
    std::vector<ColumnUse> uses;
    e->CollectColumns(&uses);
    for (const ColumnUse& u : uses) NoteColumn(n, u, scope);
    BindExpression(e.get(), columns_candidate_, columns_program_, line_names_);
    return std::shared_ptr<const Expression>(std::move(e));
  }

  void NoteColumn(const YAML::Node& n, const ColumnUse& u, Scope scope) {
    const RulesPos pos = ScalarPos(n, u.offset);
    if (u.line) {
      if (std::find(line_names_.begin(), line_names_.end(), u.name) == line_names_.end()) {
        std::string known;
        for (const auto& l : line_names_) known += (known.empty() ? "" : ", ") + l;
        ErrorAt(pos, "unknown line '" + u.name + "'" + DidYouMean(u.name, line_names_) +
                        (known.empty() ? "; define it under lines:" : "; the rules define: " + known));
      }
      return;
    }
    if (u.choice_rank) {
      if (scope != Scope::kKey && scope != Scope::kChoice) {
        sink_.Error(path_, pos.line, pos.col,
                    "choice_rank is the position the candidate gave the program being applied to, and no program is being applied "
                    "to here; use it in ranking keys and channel conditions (eligible:)");
      }
      return;
    }
    if (u.program_score) {
      if (scope != Scope::kKey && scope != Scope::kChoice) {
        ErrorAt(pos, "program_score is the score a program gave the candidate and depends on the program; use it in ranking keys and "
                    "channel conditions (eligible:), not here");
      } else if (!program_score_used_) {
        program_score_used_ = true;
        program_score_pos_ = pos;
      }
      return;
    }
    if (u.program && (scope == Scope::kCandidate || scope == Scope::kKey)) {
      ErrorAt(pos, "this expression is evaluated per candidate; 'program." + u.name + "' cannot be used here");
      return;
    }
    if (!u.program && scope == Scope::kProgram) {
      ErrorAt(pos, "this condition selects programs; '" + u.name + "' is a candidate column (write program." + u.name +
                      " for a program column, or '" + u.name + "' in quotes for the text)");
      return;
    }
    NoteColumnRef(pos, u.name, u.program, u.type == ValueType::kNumber);
  }

  void NoteColumnRef(const RulesPos& pos, const std::string& name, bool program, bool numeric) {
    if (!program && name == "id" && id_use_.line == 0) id_use_ = pos;
    if (!program && (name == "id" || name == "total")) {
      if (numeric != (name == "total")) {
        ErrorAt(pos, "'" + name + "' is " + (name == "total" ? "a number" : "text") + " and cannot be used as " + (name == "total" ? "text" : "a number"));
      }
      return;
    }
    ColumnUse u{name, program, false, numeric ? ValueType::kNumber : ValueType::kText, 0};
    auto& list = u.program ? columns_program_ : columns_candidate_;
    for (ColumnRef& ref : list) {
      if (ref.name != u.name) continue;
      if (ref.numeric != (u.type == ValueType::kNumber)) {
        ErrorAt(pos, "column '" + u.name + "' is used here as " + (ref.numeric ? "text" : "a number") +
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
      CheckKeys(body, {"keys", "last_tie", "label"});
      if (auto label = Get(body, "label", false)) r.label = Scalar(label, "label");
      if (auto keys = Get(body, "keys", true, "list the sort keys, e.g. keys: [total desc]")) {
        if (!keys.IsSequence() || keys.size() == 0) {
          Error(keys, "'keys' must be a non-empty list such as [total desc, chinese + maths desc]");
        } else {
          for (const auto& k : keys) LoadKey(k, &r);
        }
      }
      if (auto tie = Get(body, "last_tie", true, "say how remaining ties are broken: last_tie: id")) {
        std::string t = Scalar(tie, "last_tie");
        if (std::optional<LastTie> v = FromName<LastTie>(t)) {
          r.last_tie = *v;
        } else if (tie.IsScalar()) {
          Error(tie, "last_tie '" + t + "' is not supported" + DidYouMean(t, AllNames<LastTie>()) + "; write " + NameList<LastTie>(true));
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

  // "EXPR desc" / "EXPR asc": the expression and the direction; false without either word.
  static bool SplitDirection(const std::string& text, std::string* expr, bool* descending) {
    *expr = text;
    auto ends_with = [&](const std::string& suffix) {
      return expr->size() > suffix.size() && expr->compare(expr->size() - suffix.size(), suffix.size(), suffix) == 0 &&
             ((*expr)[expr->size() - suffix.size() - 1] == ' ' || (*expr)[expr->size() - suffix.size() - 1] == ')');
    };
    if (ends_with("desc")) {
      *descending = true;
      expr->resize(expr->size() - 4);
    } else if (ends_with("asc")) {
      *descending = false;
      expr->resize(expr->size() - 3);
    } else {
      return false;
    }
    while (!expr->empty() && expr->back() == ' ') expr->pop_back();
    return true;
  }

  // `reassignment:` (rules/README.md, "Reassignment"). After the batches: its channels must be
  // channels of some stage, its ranking one over candidates.
  void LoadReassignment(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "reassignment", false);
    if (!n) return;
    if (!n.IsMap()) {
      Error(n, "'reassignment' is a mapping {flag, ranking[, eligible, channels, order]}");
      return;
    }
    CheckKeys(n, {"flag", "ranking", "eligible", "channels", "order"});
    Reassignment ra;
    ra.pos = Pos(n);
    if (auto flag = Get(n, "flag", true, "name the candidates column that is 1 for those who accept reassignment, e.g. flag: accepts_reassignment")) {
      ra.flag = Scalar(flag, "flag");
      ra.flag_pos = Pos(flag);
      if (!ra.flag.empty()) NoteColumnRef(ra.flag_pos, ra.flag, false, true);
    }
    if (auto ranking = Get(n, "ranking", true, "name the ranking in whose order candidates take their turn")) {
      const std::string r = Scalar(ranking, "ranking");
      ra.ranking = rules->FindRanking(r);
      std::vector<std::string> names;
      for (const auto& rk : rules->rankings) names.push_back(rk.name);
      if (ra.ranking < 0 && ranking.IsScalar() && !rankings_failed_) {
        Error(ranking, "unknown ranking '" + r + "'" + DidYouMean(r, names) + "; reassignment takes turns in the order of a ranking declared under rankings:");
      } else if (ra.ranking >= 0 && rules->rankings[static_cast<std::size_t>(ra.ranking)].per_program) {
        Error(ranking, "ranking '" + r + "' orders each program's applicants (it reads program_score or choice_rank); reassignment takes turns in one order of "
                       "candidates: name a ranking over candidates");
      }
    }
    if (auto el = Get(n, "eligible", false)) {
      ra.eligible_text = Scalar(el, "eligible");
      if (!ra.eligible_text.empty()) ra.eligible = ParseExpr(el, ra.eligible_text, ValueType::kBool, Scope::kChoice);
      if (ra.eligible && ReferencesChoiceRank(*ra.eligible)) Error(el, NoChoiceRankInReassignment());
    }
    if (auto channels = Get(n, "channels", false)) LoadReassignmentChannels(channels, *rules, &ra);
    if (auto order = Get(n, "order", false)) {
      if (!order.IsSequence()) {
        Error(order, "'order' is a list of keys, e.g. [district = program.district desc, program.last_cutoff desc]");
      } else {
        for (const auto& k : order) LoadReassignmentKey(k, &ra);
      }
    }
    rules->reassignment = std::move(ra);
  }

  static std::string NoChoiceRankInReassignment() {
    return "choice_rank is the position the candidate gave a program, and reassignment gives seats at programs the candidate did not list; it has no "
           "value here";
  }

  void LoadReassignmentChannels(const YAML::Node& n, const Rules& rules, Reassignment* ra) {
    if (!n.IsSequence()) {
      Error(n, "'channels' is a list of channel names, e.g. channels: [general]");
      return;
    }
    std::vector<std::string> known;
    for (const Batch& b : rules.batches) {
      for (const Stage& st : b.stages) {
        for (const Channel& ch : st.channels) {
          if (std::find(known.begin(), known.end(), ch.name) == known.end()) known.push_back(ch.name);
        }
      }
    }
    for (const auto& c : n) {
      std::string name = Scalar(c, "channels");
      if (name.empty()) continue;
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        Error(c, "no batch or stage has a channel '" + name + "'" + DidYouMean(name, known));
      } else if (std::find(ra->channels.begin(), ra->channels.end(), name) != ra->channels.end()) {
        Error(c, "channel '" + name + "' is listed twice; keep one");
      } else {
        ra->channels.push_back(std::move(name));
      }
    }
  }

  // A key of `order:`: a number, or a condition (true counts 1, false 0), with desc or asc.
  void LoadReassignmentKey(const YAML::Node& k, Reassignment* ra) {
    const std::string text = Scalar(k, "order key");
    if (text.empty()) return;
    ReassignmentKey key;
    key.text = text;
    key.pos = Pos(k);
    std::string expr;
    if (!SplitDirection(text, &expr, &key.descending)) {
      Error(k, "order key '" + text + "' must end with 'desc' (higher first) or 'asc' (lower first)");
      return;
    }
    ExpressionError unused;
    key.condition = !ParseExpression(expr, ValueType::kNumber, &unused) && ParseExpression(expr, ValueType::kBool, &unused);
    key.expr = ParseExpr(k, expr, key.condition ? ValueType::kBool : ValueType::kNumber, Scope::kChoice);
    if (!key.expr) return;
    if (ReferencesChoiceRank(*key.expr)) {
      Error(k, NoChoiceRankInReassignment());
      return;
    }
    ra->order.push_back(std::move(key));
  }

  void LoadKey(const YAML::Node& k, Ranking* r) {
    std::string text = Scalar(k, "ranking key");
    if (text.empty()) return;
    RankingKey key;
    key.text = text;
    key.pos = Pos(k);
    std::string expr;
    if (!SplitDirection(text, &expr, &key.descending)) {
      Error(k, "ranking key '" + text + "' must end with 'desc' (higher first) or 'asc' (lower first)");
      return;
    }
    key.expr = ParseExpr(k, expr, ValueType::kNumber, Scope::kKey);
    if (key.expr && ReferencesChoice(*key.expr)) r->per_program = true;
    if (key.expr) r->keys.push_back(std::move(key));
  }

  void LoadBatches(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "batches", true, "list the admission batches in order");
    if (!n) return;
    if (!n.IsSequence() || n.size() == 0) {
      Error(n, "'batches' must be a non-empty list of batches, run in the order given");
      return;
    }
    for (const auto& b : n) {
      if (!b.IsMap()) {
        Error(b, "each batch must be a mapping {name, channels} or {name, stages}");
        continue;
      }
      CheckKeys(b, {"name", "label", "channels", "stages", "max_choices", "mechanism"});
      Batch batch;
      if (auto label = Get(b, "label", false)) batch.label = Scalar(label, "label");
      batch.pos = Pos(b);
      if (auto name = Get(b, "name", true)) {
        batch.name = Scalar(name, "name");
        for (const auto& other : rules->batches) {
          if (other.name == batch.name) Error(name, "batch name '" + batch.name + "' is used twice; batch names must be unique");
        }
      }
      if (auto mc = Get(b, "max_choices", false)) Integer(mc, "max_choices", 1, &batch.max_choices);
      if (auto m = Get(b, "mechanism", false)) LoadMechanism(m, &batch.mechanism);
      const bool has_stages = static_cast<bool>(Get(b, "stages", false));
      const bool has_channels = static_cast<bool>(Get(b, "channels", false));
      if (has_stages && has_channels) {
        Error(b, "batch '" + batch.name + "' has both 'channels' and 'stages'; put the channels inside the stages");
      } else if (has_stages) {
        auto stages = Get(b, "stages", true);
        if (!stages.IsSequence() || stages.size() == 0) {
          Error(stages, "'stages' must be a non-empty list of {name, programs, channels}");
        } else {
          for (const auto& st : stages) LoadStage(st, rules, &batch);
        }
      } else {
        Stage stage;
        stage.pos = batch.pos;
        stage.mechanism = batch.mechanism;
        LoadChannels(Get(b, "channels", true, "list the batch's channels in precedence order (or its stages)"), rules, batch, &stage);
        batch.stages.push_back(std::move(stage));
      }
      rules->batches.push_back(std::move(batch));
    }
  }

  // `mechanism: deferred_acceptance | immediate_acceptance | {parallel: {band: E}}`.
  void LoadMechanism(const YAML::Node& n, Mechanism* out) {
    const std::string forms = "write " + Name(Mechanism::Kind::kDeferredAcceptance) + " (the default), " +
                              Name(Mechanism::Kind::kImmediateAcceptance) + " or {" + Name(Mechanism::Kind::kParallel) + ": {band: E}}";
    out->pos = Pos(n);
    if (n.IsScalar()) {
      const std::string word = n.Scalar();
      const std::optional<Mechanism::Kind> kind = FromName<Mechanism::Kind>(word);
      if (kind == Mechanism::Kind::kParallel) {
        Error(n, "mechanism '" + word + "' needs its band of choices: mechanism: {" + word + ": {band: 2}}");
      } else if (!kind) {
        Error(n, "mechanism '" + word + "' is not supported" + DidYouMean(word, AllNames<Mechanism::Kind>()) + "; " + forms);
      } else {
        out->kind = *kind;
      }
      return;
    }
    if (!n.IsMap() || n.size() != 1) {
      Error(n, "'mechanism' is a word or {" + Name(Mechanism::Kind::kParallel) + ": {band: E}}; " + forms);
      return;
    }
    CheckKeys(n, {Name(Mechanism::Kind::kParallel)});
    auto body = Get(n, Name(Mechanism::Kind::kParallel), false);
    if (!body) return;
    if (!body.IsMap()) {
      Error(body, "'" + Name(Mechanism::Kind::kParallel) + "' takes {band: E}: the number of choices per band, e.g. {band: 2}");
      return;
    }
    CheckKeys(body, {"band"});
    auto band = Get(body, "band", true, "the number of choices per band, e.g. band: 2");
    if (!band || !Integer(band, "band", 1, &out->band)) return;
    out->kind = Mechanism::Kind::kParallel;
  }

  void LoadStage(const YAML::Node& st, const Rules* rules, Batch* batch) {
    if (!st.IsMap()) {
      Error(st, "each stage must be a mapping {name, programs, channels}");
      return;
    }
    CheckKeys(st, {"name", "programs", "channels", "mechanism"});
    Stage stage;
    stage.pos = Pos(st);
    stage.mechanism = batch->mechanism;
    if (auto m = Get(st, "mechanism", false)) LoadMechanism(m, &stage.mechanism);
    if (auto name = Get(st, "name", true)) {
      stage.name = Scalar(name, "name");
      for (const auto& other : batch->stages) {
        if (other.name == stage.name) Error(name, "stage name '" + stage.name + "' is used twice in batch '" + batch->name + "'");
      }
    }
    if (auto pr = Get(st, "programs", false)) {
      stage.programs_text = Scalar(pr, "programs");
      if (!stage.programs_text.empty()) stage.programs = ParseExpr(pr, stage.programs_text, ValueType::kBool, Scope::kProgram);
    }
    LoadChannels(Get(st, "channels", true, "list the stage's channels in precedence order"), rules, *batch, &stage);
    batch->stages.push_back(std::move(stage));
  }

  void LoadChannels(const YAML::Node& channels, const Rules* rules, const Batch& batch, Stage* stage) {
    if (!channels) return;
    if (!channels.IsSequence() || channels.size() == 0) {
      Error(channels, "'channels' must be a non-empty list of {name, seats, ranking[, eligible]}");
      return;
    }
    if (channels.size() > static_cast<std::size_t>(kMaxChannelsPerBatch)) {
      Error(channels, "a stage may have at most " + std::to_string(kMaxChannelsPerBatch) + " channels");
    }
    for (const auto& c : channels) LoadChannel(c, rules, batch, stage);
    ResolveSeatShares(stage);
  }

  void LoadChannel(const YAML::Node& c, const Rules* rules, const Batch& batch, Stage* stage) {
    if (!c.IsMap()) {
      Error(c, "each channel must be a mapping {name, seats, ranking[, eligible]}");
      return;
    }
    CheckKeys(c, {"name", "label", "seats", "ranking", "eligible", "split_by", "allocation", "unfilled"});
    const std::string where = stage->name.empty() ? "batch '" + batch.name + "'" : "stage '" + stage->name + "'";
    Channel ch;
    if (auto label = Get(c, "label", false)) ch.label = Scalar(label, "label");
    ch.pos = Pos(c);
    if (auto name = Get(c, "name", true)) {
      ch.name = Scalar(name, "name");
      for (const auto& other : stage->channels) {
        if (other.name == ch.name) Error(name, "channel name '" + ch.name + "' is used twice in " + where);
      }
    }
    if (auto seats = Get(c, "seats", true, "name the capacity column of programs.csv, e.g. seats: general")) {
      ch.seats_pos = Pos(seats);
      if (seats.IsMap()) {
        LoadSeatShare(seats, &ch);
      } else {
        ch.seats = Scalar(seats, "seats");
        if (ch.seats.find('%') != std::string::npos) {
          Error(seats, "seats: '" + ch.seats + "' is not a column name; a share of a plan column is written seats: {share: " + ch.seats +
                           ", of: plan} (rounded down per program), with another channel taking seats: {rest_of: plan}");
        }
      }
      // Two channels reading one capacity column would both count its seats. Shares do not: two
      // channels with 25% of the plan each get their own quarter.
      for (const auto& other : stage->channels) {
        if (!ch.seats.empty() && !ch.share && other.seats == ch.seats)
          Error(seats, "seat column '" + ch.seats + "' is already used by channel '" + other.name + "'; each channel needs its own capacity column");
      }
    }
    if (auto ranking = Get(c, "ranking", true, "name one of the rankings")) {
      std::string r = Scalar(ranking, "ranking");
      ch.ranking = rules->FindRanking(r);
      std::vector<std::string> ranking_names;
      for (const auto& rk : rules->rankings) ranking_names.push_back(rk.name);
      if (ch.ranking < 0 && ranking.IsScalar() && !rankings_failed_) Error(ranking, "unknown ranking '" + r + "'" + DidYouMean(r, ranking_names));
    }
    if (auto el = Get(c, "eligible", false)) {
      ch.eligible_text = Scalar(el, "eligible");
      if (ch.eligible_text.empty() && el.IsScalar()) {
        Error(el, "'eligible' is empty; write a condition, or remove the key to admit every applicant");
      } else if (!ch.eligible_text.empty()) {
        ch.eligible = ParseExpr(el, ch.eligible_text, ValueType::kBool, Scope::kChoice);
      }
    }
    auto split = Get(c, "split_by", false);
    if (split) {
      ch.split_by = Scalar(split, "split_by");
      if (!ch.split_by.empty()) NoteColumnRef(Pos(split), ch.split_by, false, false);
    }
    auto alloc = Get(c, "allocation", false);
    if (alloc && !split) {
      Error(alloc, "'allocation' needs 'split_by' (the candidate column whose values share the seats, e.g. split_by: junior_school)");
    } else if (split && !alloc) {
      Error(c, "channel '" + ch.name + "' is split by '" + ch.split_by + "' but says no 'allocation'; write allocation: " + Name(Allocation::Kind::kTable) + " (" +
                   std::string(NameEntries<Allocation::Kind>()[1].description) + ") or allocation: " + ProportionalForm());
    } else if (alloc) {
      LoadAllocation(alloc, rules, &ch.allocation);
    }
    ch.unfilled.pos = ch.pos;
    if (auto un = Get(c, "unfilled", false)) {
      ch.unfilled.pos = Pos(un);
      if (un.IsScalar()) {
        if (un.Scalar() == NameOf(Unfilled::Kind::kStay)) {
          ch.unfilled.kind = Unfilled::Kind::kStay;
        } else {
          ch.unfilled.kind = Unfilled::Kind::kSameStage;
          ch.unfilled.channel = un.Scalar();
        }
      } else if (un.IsMap()) {
        CheckKeys(un, {"batch", "channel"});
        ch.unfilled.kind = Unfilled::Kind::kLaterBatch;
        if (auto b = Get(un, "batch", true)) ch.unfilled.batch = Scalar(b, "unfilled.batch");
        if (auto cc = Get(un, "channel", true)) ch.unfilled.channel = Scalar(cc, "unfilled.channel");
      } else {
        Error(un, "'unfilled' is a channel name, none, or {batch: B, channel: C}");
      }
    } else if (split) {
      ch.unfilled.kind = Unfilled::Kind::kSameStage;
      ch.unfilled.channel = "general";
      ch.unfilled.defaulted = true;
    }
    stage->channels.push_back(std::move(ch));
  }

  void LoadAllocation(const YAML::Node& a, const Rules* rules, Allocation* out) {
    if (a.IsScalar()) {
      const std::string table = Name(Allocation::Kind::kTable);
      if (a.Scalar() == table) {
        out->kind = Allocation::Kind::kTable;
        if (rules->inputs.allocations.empty()) {
          Error(a, "allocation: table reads the allocations file, but inputs names none; add inputs: {..., allocations: allocations.csv}");
        }
      } else {
        Error(a, "allocation '" + a.Scalar() + "' is not known; write " + table + " or " + ProportionalForm() + DidYouMean(a.Scalar(), {table}));
      }
      return;
    }
    if (!a.IsMap()) {
      Error(a, "'allocation' is " + Name(Allocation::Kind::kTable) + " or " + ProportionalForm());
      return;
    }
    const std::string proportional = Name(Allocation::Kind::kProportional);
    CheckKeys(a, {proportional, "rounding"});
    out->kind = Allocation::Kind::kProportional;
    // `rounding:` may be left out: largest_remainder, the only method, as the schema says.
    if (auto r = Get(a, "rounding", false)) {
      std::optional<Allocation::Rounding> rounding = FromName<Allocation::Rounding>(Scalar(r, "rounding"));
      if (rounding) {
        out->rounding = *rounding;
      } else if (r.IsScalar()) {
        Error(r, "rounding '" + r.Scalar() + "' is not supported; write " + NameList<Allocation::Rounding>(true));
      }
    }
    auto terms = Get(a, proportional, true, "list the weighted counts, e.g. [{count: \"true\", weight: 1}]");
    if (!terms) return;
    if (!terms.IsSequence() || terms.size() == 0 || terms.size() > 3) {
      Error(terms, "'" + proportional + "' must list 1 to 3 terms {count: CONDITION, weight: W}");
      return;
    }
    std::int64_t sum = 0;
    for (const auto& t : terms) {
      if (!t.IsMap()) {
        Error(t, "each term is {count: CONDITION, weight: W}");
        continue;
      }
      CheckKeys(t, {"count", "weight"});
      Allocation::Term term;
      if (auto cnt = Get(t, "count", true, "a condition on candidates, e.g. \"true\" or \"quality_grade = A\"")) {
        term.count_text = Scalar(cnt, "count");
        if (term.count_text == "true") {
          term.count = nullptr;  // every candidate
        } else if (!term.count_text.empty()) {
          term.count = ParseExpr(cnt, term.count_text, ValueType::kBool, Scope::kCandidate);
        }
      }
      if (auto w = Get(t, "weight", true, "a share between 0 and 1")) ParseFraction(w, "weight", &term.weight_ppm);
      sum += term.weight_ppm;
      out->terms.push_back(std::move(term));
    }
    if (sum != 1'000'000) Error(terms, "the weights must add up to 1 (they add up to " + FormatPpm(sum) + ")");
  }

  // Resolves every channel's `unfilled:` target now that all batches are known.
  // A mechanism other than deferred acceptance must change something: it is refused on a batch
  // whose lists hold one choice (or one band), and on channels whose ranking already orders by
  // choice_rank (the choice order would count twice; write it in one place).
  void CheckMechanisms(const Rules& rules) {
    std::set<std::pair<int, int>> reported;  // a batch's mechanism is checked in each of its stages: once is enough
    for (const Batch& batch : rules.batches) {
      for (const Stage& stage : batch.stages) {
        const Mechanism& m = stage.mechanism;
        if (m.kind == Mechanism::Kind::kDeferredAcceptance || reported.count({m.pos.line, m.pos.col})) continue;
        const std::string what = "mechanism " + (m.kind == Mechanism::Kind::kParallel ? "{parallel: {band: " + std::to_string(m.band) + "}}" : Name(m.kind));
        if (batch.max_choices > 0 && m.BandWidth() >= batch.max_choices) {
          sink_.Error(path_, m.pos.line, m.pos.col,
                      what + " puts every choice batch '" + batch.name + "' allows (max_choices: " + std::to_string(batch.max_choices) +
                          ") in one band, and that is deferred acceptance; write mechanism: " + Name(Mechanism::Kind::kDeferredAcceptance) +
                          (batch.max_choices > 1 ? " or a band below " + std::to_string(batch.max_choices) : std::string()));
          reported.insert({m.pos.line, m.pos.col});
          continue;
        }
        for (const Channel& ch : stage.channels) {
          if (ch.ranking < 0) continue;
          const Ranking& r = rules.rankings[static_cast<std::size_t>(ch.ranking)];
          const bool reads = std::any_of(r.keys.begin(), r.keys.end(), [](const RankingKey& k) { return k.expr && ReferencesChoiceRank(*k.expr); });
          if (!reads) continue;
          sink_.Error(path_, m.pos.line, m.pos.col,
                      what + " puts earlier choices first, but channel '" + ch.name + "' ranks by '" + r.name +
                          "', which already orders applicants by choice_rank; write the choice order in one place: in the ranking (with mechanism: " +
                          Name(Mechanism::Kind::kDeferredAcceptance) + ") or in the mechanism");
          reported.insert({m.pos.line, m.pos.col});
          break;
        }
      }
    }
  }

  void ResolveUnfilled(Rules* rules) {
    for (std::size_t b = 0; b < rules->batches.size(); ++b) {
      Batch& batch = rules->batches[b];
      for (std::size_t s = 0; s < batch.stages.size(); ++s) {
        Stage& stage = batch.stages[s];
        for (Channel& ch : stage.channels) {
          Unfilled& u = ch.unfilled;
          if (u.kind == Unfilled::Kind::kStay) continue;
          const bool defaulted = u.defaulted;
          if (u.kind == Unfilled::Kind::kSameStage) {
            std::vector<std::string> names;
            for (std::size_t h = 0; h < stage.channels.size(); ++h) {
              names.push_back(stage.channels[h].name);
              if (stage.channels[h].name == u.channel) u.channel_index = static_cast<int>(h);
            }
            u.batch_index = static_cast<int>(b);
            u.stage_index = static_cast<int>(s);
            if (u.channel_index < 0) {
              if (defaulted) {
                ErrorAt(ch.pos, "split channel '" + ch.name + "' sends unfilled seats to channel 'general' by default, but there is none here; write unfilled: CHANNEL or unfilled: none");
              } else {
                ErrorAt(u.pos, "unknown channel '" + u.channel + "' for unfilled seats" + DidYouMean(u.channel, names) + "; it must be a channel of the same stage (or write {batch: B, channel: C})");
              }
            } else if (&stage.channels[static_cast<std::size_t>(u.channel_index)] == &ch) {
              ErrorAt(u.pos, "channel '" + ch.name + "' cannot send its unfilled seats to itself");
            } else if (!stage.channels[static_cast<std::size_t>(u.channel_index)].split_by.empty()) {
              ErrorAt(u.pos, "unfilled seats cannot go to split channel '" + u.channel + "': it would not know which group gets them; send them to a channel that is not split, or write unfilled: none");
            }
            continue;
          }
          u.batch_index = rules->FindBatch(u.batch);
          if (u.batch_index < 0) {
            std::vector<std::string> names;
            for (const auto& bb : rules->batches) names.push_back(bb.name);
            ErrorAt(u.pos, "unknown batch '" + u.batch + "' for unfilled seats" + DidYouMean(u.batch, names));
            continue;
          }
          if (u.batch_index <= static_cast<int>(b)) {
            ErrorAt(u.pos, "unfilled seats can only move to a later batch; '" + u.batch + "' does not run after '" + batch.name + "' (use a channel name to move them within this stage)");
            continue;
          }
          const Batch& target = rules->batches[static_cast<std::size_t>(u.batch_index)];
          for (std::size_t ts = 0; ts < target.stages.size() && u.channel_index < 0; ++ts) {
            for (std::size_t h = 0; h < target.stages[ts].channels.size(); ++h) {
              if (target.stages[ts].channels[h].name == u.channel) {
                u.stage_index = static_cast<int>(ts);
                u.channel_index = static_cast<int>(h);
                break;
              }
            }
          }
          if (u.channel_index < 0) {
            ErrorAt(u.pos, "batch '" + u.batch + "' has no channel '" + u.channel + "'");
          } else if (!target.stages[static_cast<std::size_t>(u.stage_index)].channels[static_cast<std::size_t>(u.channel_index)].split_by.empty()) {
            ErrorAt(u.pos, "unfilled seats cannot go to split channel '" + u.channel + "': it would not know which group gets them; send them to a channel that is not split, or write unfilled: none");
          }
        }
        ReportFlowCycles(stage);
      }
    }
  }

  // Unfilled seats flowing in a circle inside a stage (a -> b -> a) would move back and forth
  // for ever whenever both channels have seats nobody takes. The flows of a stage form a graph
  // over its channels (each channel sends to at most one); a strongly connected component of
  // more than one channel is such a circle. (Flows to later batches cannot circle back.)
  void ReportFlowCycles(const Stage& stage) {
    const std::size_t nh = stage.channels.size();
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS> flows(nh);
    for (std::size_t h = 0; h < nh; ++h) {
      const Unfilled& u = stage.channels[h].unfilled;
      if (u.kind == Unfilled::Kind::kSameStage && u.channel_index >= 0 && static_cast<std::size_t>(u.channel_index) != h) {
        boost::add_edge(h, static_cast<std::size_t>(u.channel_index), flows);
      }
    }
    std::vector<int> component(nh);
    const int count = boost::strong_components(flows, boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, flows)));
    std::vector<int> size(static_cast<std::size_t>(count), 0);
    for (int c : component) ++size[static_cast<std::size_t>(c)];
    std::vector<std::uint8_t> reported(static_cast<std::size_t>(count), 0);
    for (std::size_t h = 0; h < nh; ++h) {
      const auto c = static_cast<std::size_t>(component[h]);
      if (size[c] < 2 || reported[c]) continue;
      reported[c] = 1;
      // Each channel sends to one other, so following the flows from h walks the circle.
      std::string circle = stage.channels[h].name;
      for (std::size_t at = static_cast<std::size_t>(stage.channels[h].unfilled.channel_index); at != h;
           at = static_cast<std::size_t>(stage.channels[at].unfilled.channel_index)) {
        circle += " -> " + stage.channels[at].name;
      }
      circle += " -> " + stage.channels[h].name;
      const Unfilled& u = stage.channels[h].unfilled;
      ErrorAt(u.pos, "unfilled seats flow in a circle (" + circle + "): seats nobody takes would move back and forth for ever; "
                  "write unfilled: none on one of these channels");
    }
  }

  // A share written as a decimal with up to 6 places, in millionths: 0.6 -> 600000.
  // "0.6" -> 600000: a decimal with at most 6 digits before and after the point.
  static bool ParseMillionths(const std::string& s, std::int64_t* out) {
    std::int64_t whole = 0, frac = 0;
    std::size_t i = 0, digits = 0, frac_digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 6; ++i, ++digits) whole = whole * 10 + (s[i] - '0');
    if (i < s.size() && s[i] == '.') {
      for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9' && frac_digits < 6; ++i, ++frac_digits) frac = frac * 10 + (s[i] - '0');
    }
    for (std::size_t k = frac_digits; k < 6; ++k) frac *= 10;
    *out = whole * 1'000'000 + frac;
    return !s.empty() && digits > 0 && i == s.size();
  }

  bool ParseFraction(const YAML::Node& n, const std::string& what, std::int64_t* ppm, std::int64_t max = 1'000'000) {
    std::string s = Scalar(n, what);
    std::int64_t v = 0;
    if (!ParseMillionths(s, &v) || v > max) {
      if (n.IsScalar()) Error(n, "'" + what + "' must be a number from 0 to " + FormatPpm(max) + " with at most 6 decimals, not '" + s + "'");
      return false;
    }
    *ppm = v;
    return true;
  }

  // `seats: {share: 40%, of: plan}` (or 0.4) or `seats: {rest_of: plan}`; the rest's shares are
  // filled in by ResolveSeatShares once the stage's channels are known.
  void LoadSeatShare(const YAML::Node& n, Channel* ch) {
    CheckKeys(n, {"share", "of", "rest_of"});
    SeatShare share;
    if (auto rest = Get(n, "rest_of", false)) {
      share.rest = true;
      share.of = Scalar(rest, "rest_of");
      if (Get(n, "share", false) || Get(n, "of", false)) Error(n, "write either {share: 40%, of: plan} or {rest_of: plan}, not both");
    } else {
      auto of = Get(n, "of", true, "name the plan column the share is taken of, e.g. seats: {share: 40%, of: plan}");
      auto amount = Get(n, "share", true, "give the share, e.g. seats: {share: 40%, of: plan}");
      if (!of || !amount) return;
      share.of = Scalar(of, "of");
      const std::string text = Scalar(amount, "share");
      const bool percent = !text.empty() && text.back() == '%';
      std::int64_t v = 0;
      if (!ParseMillionths(percent ? text.substr(0, text.size() - 1) : text, &v) || v > (percent ? 100'000'000 : 1'000'000) ||
          (percent && v % 100 != 0)) {
        if (amount.IsScalar()) Error(amount, "share must be a percentage from 0% to 100% (40%) or a fraction from 0 to 1 (0.4), not '" + text + "'");
        return;
      }
      share.ppm = percent ? v / 100 : v;
    }
    if (share.of.empty()) return;
    ch->seats = share.rest ? "rest of " + share.of : FormatPpm(share.ppm * 100) + "% of " + share.of;
    ch->share = std::move(share);
  }

  // In each stage: the shares of one plan column add up to at most 100%, and one channel takes
  // their rest (the remainder of the rounding included) -- else seats would be lost unseen.
  void ResolveSeatShares(Stage* stage) {
    std::map<std::string, std::vector<Channel*>> shares, rests;
    for (Channel& ch : stage->channels) {
      if (ch.share) (ch.share->rest ? rests : shares)[ch.share->of].push_back(&ch);
    }
    for (auto& [of, list] : shares) {
      std::int64_t total = 0;
      for (const Channel* ch : list) total += ch->share->ppm;
      const Channel& first = *list.front();
      if (total > 1'000'000) {
        ErrorAt(first.seats_pos, "the shares of '" + of + "' in this stage add up to " + FormatPpm(total * 100) + "%, more than the plan");
      }
      if (rests[of].empty()) {
        ErrorAt(first.seats_pos, "channel '" + first.name + "' takes " + first.seats + ", but no channel of the stage takes the rest of '" + of +
                                     "' (what the shares leave and their rounding); give one channel seats: {rest_of: " + of + "}");
      } else if (rests[of].size() > 1) {
        ErrorAt(rests[of][1]->seats_pos, "two channels take the rest of '" + of + "'; one channel takes it");
      }
      for (Channel* rest : rests[of]) {
        for (const Channel* ch : list) rest->share->minus.push_back(ch->share->ppm);
        std::string after;
        for (const Channel* ch : list) after += (after.empty() ? " after " : ", ") + FormatPpm(ch->share->ppm * 100) + "%";
        rest->seats = "rest of " + of + after;
      }
    }
  }

  static std::string FormatPpm(std::int64_t ppm) {
    std::string out = std::to_string(ppm / 1'000'000);
    std::int64_t frac = ppm % 1'000'000;
    if (frac) {
      std::string f = std::to_string(frac);
      f = std::string(6 - f.size(), '0') + f;
      while (!f.empty() && f.back() == '0') f.pop_back();
      out += "." + f;
    }
    return out;
  }

  void LoadLines(const YAML::Node& lines, Rules* rules) {
    std::vector<std::string> ranking_names;
    for (const auto& r : rules->rankings) ranking_names.push_back(r.name);
    // The keys that give a line its kind, from names.h.
    const std::string value = Name(Line::Kind::kValue), ratio_key = Name(Line::Kind::kAdmitRatio);
    const std::string offset = Name(Line::Kind::kOffset), factor = Name(Line::Kind::kFactor);
    for (const auto& kv : lines) {
      Line line;
      line.name = kv.first.Scalar();
      line.pos = Pos(kv.first);
      const YAML::Node& body = kv.second;
      if (!body.IsMap()) {
        Error(body, "line '" + line.name + "' must be {" + value + ": V}, {" + ratio_key + ": R, ranking: NAME}, {from: LINE, " + offset + ": D} or {from: LINE, " + factor + ": F}");
        rules->lines.push_back(std::move(line));
        continue;
      }
      CheckKeys(body, {value, ratio_key, "ranking", "score", "from", offset, factor, "label"});
      if (auto label = Get(body, "label", false)) line.label = Scalar(label, "label");
      const bool has_value = static_cast<bool>(Get(body, value, false)), has_ratio = static_cast<bool>(Get(body, ratio_key, false));
      const bool has_from = static_cast<bool>(Get(body, "from", false));
      if (has_value + has_ratio + has_from != 1) {
        Error(body, "line '" + line.name + "' needs exactly one of " + value + ", " + ratio_key + " or from");
      } else if (has_value) {
        line.kind = Line::Kind::kValue;
        ParseScore(Get(body, value, true), value, &line.value);
      } else if (has_ratio) {
        line.kind = Line::Kind::kAdmitRatio;
        auto ratio = Get(body, ratio_key, true);
        if (ParseFraction(ratio, ratio_key, &line.ratio_ppm) && line.ratio_ppm == 0) Error(ratio, ratio_key + " must be above 0");
        if (auto r = Get(body, "ranking", true, "the ranking that orders candidates for the ratio")) {
          std::string name = Scalar(r, "ranking");
          line.ranking = rules->FindRanking(name);
          if (line.ranking < 0 && r.IsScalar() && !rankings_failed_) Error(r, "unknown ranking '" + name + "'" + DidYouMean(name, ranking_names));
          if (line.ranking >= 0 && rules->rankings[static_cast<std::size_t>(line.ranking)].per_program) {
            // Name what it reads (an audit found choice_rank reported as program_score).
            bool score = false, choice = false;
            for (const RankingKey& key : rules->rankings[static_cast<std::size_t>(line.ranking)].keys) {
              score = score || (key.expr && ReferencesProgramScore(*key.expr));
              choice = choice || (key.expr && ReferencesChoiceRank(*key.expr));
            }
            const std::string reads = score && choice ? "program_score and choice_rank" : choice ? "choice_rank" : "program_score";
            Error(r, "ranking '" + name + "' reads " + reads + ", so it orders each program's applicants separately and cannot order all "
                     "candidates for a line; use a ranking over candidate columns, e.g. keys: [total desc]");
          }
        }
        std::string score_text = "total";
        YAML::Node score_node = Get(body, "score", false);
        if (score_node) score_text = Scalar(score_node, "score");
        line.score = score_node ? ParseExpr(score_node, score_text, ValueType::kNumber, Scope::kCandidate) : TotalExpression();
        line.score_text = score_text;
      } else {
        auto from = Get(body, "from", true);
        std::string name = Scalar(from, "from");
        line.from = FindName(line_names_, name);
        if (line.from < 0 && from.IsScalar()) Error(from, "unknown line '" + name + "'" + DidYouMean(name, line_names_));
        const bool has_offset = static_cast<bool>(Get(body, offset, false)), has_factor = static_cast<bool>(Get(body, factor, false));
        if (has_offset == has_factor) {
          Error(body, "line '" + line.name + "' derived from '" + name + "' needs exactly one of " + offset + " or " + factor);
        } else if (has_offset) {
          line.kind = Line::Kind::kOffset;
          ParseScore(Get(body, offset, true), offset, &line.value);
        } else {
          line.kind = Line::Kind::kFactor;
          ParseFraction(Get(body, factor, true), factor, &line.factor_ppm, 100'000'000);
        }
      }
      rules->lines.push_back(std::move(line));
    }
    OrderLines(rules);
  }

  // Orders lines so each comes after the lines it uses; reports cycles.
  void OrderLines(Rules* rules) {
    const std::size_t n = rules->lines.size();
    // uses[i]: the lines line i reads, each with where it reads it ("" for from:).
    std::vector<std::vector<std::pair<int, std::string>>> uses(n);
    for (std::size_t i = 0; i < n; ++i) {
      const Line& l = rules->lines[i];
      if (l.from >= 0) uses[i].emplace_back(l.from, "");
      if (l.kind != Line::Kind::kAdmitRatio) continue;
      auto add = [&](const Expression* e, const std::string& where) {
        std::vector<ColumnUse> refs;
        if (e) e->CollectColumns(&refs);
        for (const ColumnUse& u : refs) {
          const int j = u.line ? FindName(line_names_, u.name) : -1;
          if (j >= 0) uses[i].emplace_back(j, where);
        }
      };
      if (l.score) add(l.score.get(), "its score:");
      if (l.ranking >= 0) {
        const Ranking& r = rules->rankings[static_cast<std::size_t>(l.ranking)];
        for (const RankingKey& k : r.keys) add(k.expr.get(), "its ranking '" + r.name + "', key '" + k.text + "'");
      }
    }
    std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::pair<int, std::string>> path;  // lines on the path, each with how the next is read
    bool cycle = false;
    std::function<void(int)> visit = [&](int v) {
      if (cycle || state[static_cast<std::size_t>(v)] == 2) return;
      if (state[static_cast<std::size_t>(v)] == 1) {
        // Name every link: "a -> b" for from:, "a -> b (through its ranking 'r', key 'k')" else.
        std::string desc;
        bool through_admit_ratio = false;
        auto it = std::find_if(path.begin(), path.end(), [&](const auto& e) { return e.first == v; });
        for (; it != path.end(); ++it) {
          desc += rules->lines[static_cast<std::size_t>(it->first)].name + " -> ";
          if (!it->second.empty()) {
            desc += "(through " + it->second + ") ";
            through_admit_ratio = true;
          }
        }
        desc += rules->lines[static_cast<std::size_t>(v)].name;
        const Line& l = rules->lines[static_cast<std::size_t>(v)];
        ErrorAt(l.pos, "lines depend on each other in a cycle: " + desc +
                        (through_admit_ratio ? "; an admit_ratio line's ranking and score cannot read a line computed from it -- change the key or score, or give one of these lines a value:"
                                             : "; give one of them a value: or an admit_ratio: instead of from:"));
        cycle = true;
        return;
      }
      state[static_cast<std::size_t>(v)] = 1;
      path.emplace_back(v, "");
      for (const auto& [w, via] : uses[static_cast<std::size_t>(v)]) {
        path.back().second = via;
        visit(w);
      }
      path.pop_back();
      state[static_cast<std::size_t>(v)] = 2;
      rules->line_order.push_back(v);
    };
    for (std::size_t i = 0; i < n; ++i) visit(static_cast<int>(i));
  }

  static int FindName(const std::vector<std::string>& names, const std::string& name) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return static_cast<int>(i);
    }
    return -1;
  }

  std::shared_ptr<const Expression> TotalExpression() {
    ExpressionError err;
    auto e = ParseExpression("total", ValueType::kNumber, &err);
    BindExpression(e.get(), columns_candidate_, columns_program_, line_names_);
    return std::shared_ptr<const Expression>(std::move(e));
  }

  void ParseScore(const YAML::Node& n, const std::string& what, std::int64_t* out) {
    if (!n) return;
    std::string s = Scalar(n, what);
    std::string why;
    if (!ParseDecimal(s, out, &why) && n.IsScalar()) Error(n, "'" + what + "': " + why);
  }

  void LoadPolicy(const YAML::Node& root, Rules* rules) {
    auto n = Get(root, "policy", false);
    if (!n) return;
    if (!n.IsMap()) {
      Error(n, "'policy' is a mapping of public_private_sync, general_high_target and general_high");
      return;
    }
    rules->policy.pos = Pos(n);
    CheckKeys(n, {"public_private_sync", "general_high_target", "general_high"});
    if (auto s = Get(n, "public_private_sync", false)) {
      std::string v = Scalar(s, "public_private_sync");
      if (v == "true") {
        rules->policy.public_private_sync = true;
      } else if (v != "false" && s.IsScalar()) {
        Error(s, "public_private_sync is true or false, not '" + v + "'");
      }
    }
    if (auto t = Get(n, "general_high_target", false)) ParseFraction(t, "general_high_target", &rules->policy.general_high_target_ppm);
    if (auto g = Get(n, "general_high", false)) {
      std::string text = Scalar(g, "general_high");
      if (!text.empty()) {
        rules->policy.general_high = ParseExpr(g, text, ValueType::kBool, Scope::kProgram);
        rules->policy.general_high_text = text;
      }
    }
  }

  std::string path_;
  DiagnosticSink& sink_;
  const RulesFileMap* files_;  // a run bundle's copies of the files the rules name, or null
  // The text of each file read, for positions in characters: [0] the rules file, then the files
  // it extends, nearest first. `current_` is the one being scanned or positioned in.
  struct Source {
    std::string path, text;
    std::vector<std::size_t> line_starts;
    YAML::Node root;
  };
  std::vector<Source> sources_;
  mutable std::size_t current_ = 0;
  const std::string& Text() const { return sources_[current_].text; }
  const std::vector<std::size_t>& Starts() const { return sources_[current_].line_starts; }
  bool rankings_failed_ = false;         // suppresses "unknown ranking" after a broken rankings:
  bool program_score_used_ = false;      // some expression reads program_score (first use below)
  RulesPos program_score_pos_;
  std::vector<ColumnRef> columns_candidate_, columns_program_;
  RulesPos id_use_;  // the first expression reading the candidate id (line 0: none)
  std::vector<std::string> line_names_;  // known before anything that may refer to a line
};

}  // namespace

std::vector<std::pair<std::string, std::string>> RuleInputs::Files() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const std::string& role, const std::string& path) {
    if (!path.empty()) out.emplace_back(role, path);
  };
  add("candidates", candidates);
  for (const ChoicesFile& f : choices) add(f.role, f.path);
  add("programs", programs);
  add("allocations", allocations);
  add("program_scores", program_scores);
  add("declined", declined);
  add("parent_manifest", parent_manifest);
  add("parent_placements", parent_placements);
  add("parent_vacancies", parent_vacancies);
  return out;
}

std::string* RuleInputs::PathOf(const std::string& role) {
  if (role == "candidates") return &candidates;
  if (role == "programs") return &programs;
  if (role == "allocations") return &allocations;
  if (role == "program_scores") return &program_scores;
  if (role == "declined") return &declined;
  if (role == "parent_manifest") return &parent_manifest;
  if (role == "parent_placements") return &parent_placements;
  if (role == "parent_vacancies") return &parent_vacancies;
  for (ChoicesFile& f : choices) {
    if (f.role == role) return &f.path;
  }
  return nullptr;
}

std::string RuleInputs::Kind(const std::string& role) {
  return role.rfind("choices_", 0) == 0 ? std::string("choices") : role;
}

std::string Rules::HeaderFor(const std::string& logical_name) const {
  for (const auto& [logical, header] : columns) {
    if (logical == logical_name) return header;
  }
  return logical_name;
}

std::string Rules::HeaderFor(const std::string& role, const std::string& logical_name) const {
  if (auto it = inputs.formats.find(role); it != inputs.formats.end()) {
    for (const auto& [logical, header] : it->second.columns) {
      if (logical == logical_name) return header;
    }
  }
  return HeaderFor(logical_name);
}

bool Rules::EncodingGiven(const std::string& role) const {
  if (auto it = inputs.formats.find(role); it != inputs.formats.end() && !it->second.encoding.empty()) return true;
  return encoding_given;
}

std::string Rules::SheetFor(const std::string& role) const {
  if (auto it = inputs.formats.find(role); it != inputs.formats.end()) return it->second.sheet;
  return {};
}

const std::string& Rules::EncodingFor(const std::string& role) const {
  if (auto it = inputs.formats.find(role); it != inputs.formats.end() && !it->second.encoding.empty()) return it->second.encoding;
  return encoding;
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

namespace {

Result<Rules> ParseRulesWith(const std::string& text, const std::string& path, DiagnosticSink& sink, const RulesFileMap* files) {
  const std::size_t errors_before = sink.error_count();
  std::optional<Rules> rules = Loader(path, sink, files).Load(text);
  if (!rules) return Status::FromSink(sink, "the rules file " + path, errors_before);
  return std::move(*rules);
}

}  // namespace

Result<Rules> ParseRules(const std::string& text, const std::string& path, DiagnosticSink& sink) {
  const std::size_t errors_before = sink.error_count();
  std::optional<Rules> rules = Loader(path, sink).Load(text);
  if (!rules) return Status::FromSink(sink, "the rules file " + path, errors_before);
  return std::move(*rules);
}

namespace {

Result<Rules> LoadRulesWith(const std::string& path, DiagnosticSink& sink, const RulesFileMap* files) {
  // One read of a regular file (a FIFO would block, /dev/zero never end), refused over the
  // size limit before reading (ParseRules checks the text's size again).
  std::string text;
  const FileReadResult read = ReadRegularFile(path, kMaxRulesBytes, &text);
  switch (read.kind) {
    case FileReadResult::kOk: break;
    case FileReadResult::kDirectory:
      sink.Error(path, 0, 0, "is a directory; --rules names the rules file (YAML)");
      return Status::BadInput(path + " is a directory, not a rules file");
    case FileReadResult::kNotRegular:
      sink.Error(path, 0, 0, NotRegularMessage(read) + " (--rules names the rules file, YAML)");
      return Status::BadInput(path + " is not a regular file");
    case FileReadResult::kNotFound:
    case FileReadResult::kCannotOpen:
    case FileReadResult::kReadError:
      sink.Error(path, 0, 0, "cannot open the rules file; check the path given to --rules");
      return Status::BadInput("cannot open the rules file " + path);
    case FileReadResult::kTooLarge:
      sink.Error(path, 0, 0,
                 "the rules file is " + std::to_string(read.size) + " bytes; rules files are limited to " +
                     std::to_string(kMaxRulesBytes) + " bytes (1 MiB) -- is this the right file?");
      return Status::BadInput("the rules file " + path + " is too large");
  }
  auto rules = ParseRulesWith(text, path, sink, files);
  if (rules) {
    rules->source_sha256 = Sha256Hex(text);
    rules->source_bytes = text.size();
  }
  return rules;
}

}  // namespace

Result<Rules> LoadRules(const std::string& path, DiagnosticSink& sink) { return LoadRulesWith(path, sink, nullptr); }

Result<Rules> LoadRules(const std::string& path, DiagnosticSink& sink, const RulesFileMap& files) {
  return LoadRulesWith(path, sink, files.empty() ? nullptr : &files);
}

}  // namespace zkmatch
