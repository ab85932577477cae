// Loads candidates.csv, programs.csv and choices.csv and checks them against the rules and each
// other. Every problem is reported as file:row:column (header name) with what to do.
//
// Indices are assigned in byte order of candidate id / program code, so the in-memory instance
// does not depend on the order of rows in the files.
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <bit>
#include <atomic>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <tuple>
#include <string_view>
#include <unordered_map>

#include "csv.h"
#include "parallel.h"
#include "parent_run.h"
#include "decimal.h"
#include "edit_distance.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

// Spaces a spreadsheet hides: ASCII space and tab, no-break space (U+00A0) and the full-width
// ideographic space (U+3000). "C1" and "C1 " must never be two candidates. Returns what `s`
// begins or ends with ("ends with a no-break space (U+00A0)"), or empty.
std::string OuterSpace(std::string_view s) {
  if (s.empty()) return {};
  struct Kind {
    std::string_view bytes;
    const char* name;
  };
  static constexpr Kind kKinds[] = {{" ", "a space"}, {"\t", "a tab"}, {"\xC2\xA0", "a no-break space (U+00A0)"},
                                    {"\xE3\x80\x80", "a full-width space (U+3000)"}};
  for (const Kind& k : kKinds) {
    if (s.starts_with(k.bytes)) return std::string("begins with ") + k.name;
  }
  for (const Kind& k : kKinds) {
    if (s.ends_with(k.bytes)) return std::string("ends with ") + k.name;
  }
  return {};
}
bool HasOuterSpace(std::string_view s) { return !OuterSpace(s).empty(); }

// A line break or other control character inside an id or code (a quoted cell with Alt+Enter).
bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

// `s` with control characters written as \n, \r, \t or \xNN, so a message stays on one line.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7F) {
      out += c;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    }
  }
  return out;
}

// What makes an id or code look like another one to a person, or empty: "ends with a tab".
std::string HiddenCharacters(std::string_view s) {
  if (std::string space = OuterSpace(s); !space.empty()) return space;
  if (HasControl(s)) return "contains a line break or control character";
  return {};
}

// "candidate id 'C1 ' ends with a space; remove it ...": for ids and codes where they are defined.
std::string HiddenCharactersError(const char* what, std::string_view s) {
  return std::string(what) + " '" + Printable(s) + "' " + HiddenCharacters(s) +
         "; remove it -- ids and codes that differ only by invisible characters are taken for one by people";
}

// " (it ends with a space: remove it)" where an unknown id or code is reported, or empty.
std::string HiddenCharactersNote(std::string_view s) {
  const std::string why = HiddenCharacters(s);
  return why.empty() ? std::string() : " (it " + why + ": remove it)";
}

std::string HeaderList(const CsvReader& csv) {
  std::string list;
  for (std::size_t i = 0; i < csv.header().size(); ++i) list += (i ? ", " : "") + csv.header()[i];
  return list;
}

std::string AddColumnAdvice(const std::string& logical) {
  return "add the column, or map '" + logical + "' to an existing header in the rules (columns: {" + logical + ": HEADER})";
}

// Finds the header for logical column `logical`; reports it missing when `required`.
int RequireColumn(const CsvReader& csv, const Rules& rules, const std::string& role, const std::string& logical, bool required,
                  DiagnosticSink& sink) {
  const std::string header = rules.HeaderFor(role, logical);
  int idx = csv.Find(header);
  if (idx < 0 && required) {
    std::string msg = "missing column '" + header + "'";
    if (header != logical) msg += " (the rules map '" + logical + "' to it)";
    msg += DidYouMean(header, csv.header()) + "; the header has: " + HeaderList(csv) + "; " + AddColumnAdvice(logical);
    sink.Error(csv.display(), csv.header_line(), 0, msg);
  }
  return idx;
}

// Index of each name (candidate ids, program codes) by its text: open addressing over a flat
// array, linear probing. Names of up to 16 bytes (all ids and codes in practice) are kept in
// the slot itself, packed into two words, so a lookup -- one per choice row -- compares two
// integers and touches one cache line; longer names are compared with `names` (which the index
// views; names are unique).
// Errors of one CSV file that may repeat on many rows (a renamed batch, a misspelt program
// code, a list over max_choices): one message per mistake, at its first row, saying on how many
// more rows it repeats and which, instead of thousands of identical lines. Messages come out in
// the order of their first rows when Flush is called. Cost: one hash lookup per error.
class RowErrors {
 public:
  RowErrors(const CsvReader& csv, DiagnosticSink& sink, Severity severity = Severity::kError) : csv_(csv), sink_(sink), severity_(severity) {}
  // An error at (line, field); `key` identifies the mistake (rows with the same key are one
  // message); `message()` is called for its first row only.
  template <typename Message>
  void Add(int line, const std::string& field, const std::string& key, Message message) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      Group& g = groups_[it->second];
      ++g.count;
      if (g.rows.size() < kRowsShown) g.rows.push_back(line);
      return;
    }
    if (groups_.size() >= kMaxGroups) {  // more distinct mistakes than anyone reads: count them
      ++dropped_;
      return;
    }
    index_.emplace(key, groups_.size());
    groups_.push_back(Group{line, field, message(), 1, {}});
  }
  // A mistake that does not repeat (a bad number in one cell).
  void AddOnce(int line, const std::string& field, std::string message) {
    groups_.push_back(Group{line, field, std::move(message), 1, {}});
  }
  void Flush() {
    for (const Group& g : groups_) {
      std::string msg = g.message;
      if (g.count > 1) {
        const std::size_t more = g.count - 1;
        msg += " -- the same on " + std::to_string(more) + (more == 1 ? " more row: " : " more rows: ");
        for (std::size_t i = 0; i < g.rows.size(); ++i) msg += (i == 0 ? "" : i + 1 == g.rows.size() && more == g.rows.size() ? " and " : ", ") + std::to_string(g.rows[i]);
        if (more > g.rows.size()) msg += " and " + std::to_string(more - g.rows.size()) + " more";
      }
      sink_.CsvReport(severity_, csv_.display(), g.line, g.field, std::move(msg));
    }
    if (dropped_ > 0) {
      sink_.Error(csv_.display(), 0, 0, "and " + std::to_string(dropped_) + " more errors of other kinds; fix the ones above and check again");
    }
    groups_.clear();
    index_.clear();
    dropped_ = 0;
  }

 private:
  static constexpr std::size_t kRowsShown = 5;
  static constexpr std::size_t kMaxGroups = 1000;
  struct Group {
    int line;
    std::string field, message;
    std::size_t count;
    std::vector<int> rows;  // the next rows with the same mistake, up to kRowsShown
  };
  const CsvReader& csv_;
  DiagnosticSink& sink_;
  Severity severity_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<Group> groups_;
  std::size_t dropped_ = 0;
};

// The first 16 bytes of a name, zero-padded, as two integers in which the name's byte i is
// byte i % 8 counted from the least significant end of `first` (i < 8) or `second` -- the
// values memcpy would give on a little-endian machine. Read in at most three loads per
// integer, none past the name's end. (Copying the name byte by byte into a zeroed buffer and
// reading it back as words stalled on store-to-load forwarding: ~15% of the choices parser's
// samples.) NameIndex keys names by these; SortedIdLookup orders them by their byte swaps.
struct NameWords {
  std::uint64_t first = 0, second = 0;
};
inline std::uint64_t LoadUpTo8(const char* p, std::size_t n) {  // n <= 8
  if constexpr (std::endian::native != std::endian::little) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    return v;
  }
  if (n == 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  if (n >= 4) {  // two loads that overlap when n < 8; the overlap holds the same bytes
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return std::uint64_t{lo} | std::uint64_t{hi} << (8 * (n - 4));
  }
  if (n == 0) return 0;
  auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i); };
  return byte(0) | byte(n / 2) | byte(n - 1);  // n = 1, 2, 3: every byte at least once
}
inline NameWords LoadNameWords(std::string_view s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 16);
  return {LoadUpTo8(s.data(), std::min<std::size_t>(n, 8)), n > 8 ? LoadUpTo8(s.data() + 8, n - 8) : 0};
}

class NameIndex {
 public:
  explicit NameIndex(const std::vector<std::string>& names) : names_(names) {
    std::size_t size = 16;
    while (size < names.size() * 2) size <<= 1;
    mask_ = size - 1;
    slots_.assign(size, Slot{});
    // Names in order (the first of equal names is found), each hashed kAhead insertions before
    // its own and its slot prefetched then, so that the cache misses of successive insertions
    // overlap (the table is ~50 MB for 1M names).
    constexpr std::size_t kAhead = 16;
    std::array<Slot, kAhead> keys;
    std::array<std::size_t, kAhead> homes;
    const std::size_t n = names.size();
    for (std::size_t i = 0; i < n + kAhead; ++i) {
      const std::size_t r = i % kAhead;
      if (i >= kAhead) {
        std::size_t s = homes[r];
        while (slots_[s].index != kNone) s = (s + 1) & mask_;
        slots_[s] = keys[r];
      }
      if (i < n) {
        keys[r] = Pack(names[i]);
        keys[r].index = static_cast<std::uint32_t>(i);
        homes[r] = Hash(keys[r]) & mask_;
        __builtin_prefetch(&slots_[homes[r]], 1);
      }
    }
  }
  // The index of `name`, or kNone.
  std::uint32_t Find(std::string_view name) const {
    const Slot key = Pack(name);
    return Probe(key, Hash(key) & mask_, name);
  }

 private:
  struct Slot {
    std::uint64_t a = 0, b = 0;  // the first 16 bytes, zero-padded
    std::uint32_t length = 0;
    std::uint32_t index = kNone;
  };

 public:
  // Find in two steps, so that the lookups of successive rows overlap their cache misses
  // (LateIds): Locate hashes a name of at most 16 bytes and prefetches its slot; Resolve,
  // some lookups later, probes from there. Resolve(Locate(name)) == Find(name).
  struct Located {
    Slot key;
    std::size_t slot = 0;
  };
  static constexpr std::size_t kLocatable = 16;  // the longest name Locate takes (its key is the whole name)
  Located Locate(std::string_view name) const {
    Located at{Pack(name), 0};
    at.slot = Hash(at.key) & mask_;
    __builtin_prefetch(&slots_[at.slot]);
    return at;
  }
  std::uint32_t Resolve(const Located& at) const { return Probe(at.key, at.slot, std::string_view()); }

 private:
  // Linear probing from slot s for `key` (`name` is compared only when longer than 16 bytes).
  std::uint32_t Probe(const Slot& key, std::size_t s, std::string_view name) const {
    for (;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.index == kNone) return kNone;
      if (slot.a == key.a && slot.b == key.b && slot.length == key.length &&
          (key.length <= 16 || names_[slot.index] == name)) {
        return slot.index;
      }
    }
  }
  static Slot Pack(std::string_view s) {
    const NameWords words = LoadNameWords(s);
    Slot k;
    k.a = words.first;
    k.b = words.second;
    k.length = static_cast<std::uint32_t>(s.size());
    return k;
  }
  static std::size_t Hash(const Slot& k) {  // every input bit reaches the low bits (splitmix64's finalizer)
    std::uint64_t h = k.a * 0x9E3779B97F4A7C15ull ^ k.b ^ (static_cast<std::uint64_t>(k.length) << 56);
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
  const std::vector<std::string>& names_;
  std::size_t mask_ = 0;
  std::vector<Slot> slots_;
};

// Applies permutation `order` (new position -> old index) to a vector.
template <typename T>
void Permute(std::vector<T>* v, const std::vector<std::uint32_t>& order) {
  std::vector<T> out;
  out.reserve(v->size());
  for (std::uint32_t old : order) out.push_back(std::move((*v)[old]));
  *v = std::move(out);
}

// What to do about a column the rules read that the file lacks: a line of that name was meant
// (line.NAME), a text value was meant (quote it: district = '环翠区'), or add or map the column.
std::string MissingColumnAdvice(const Rules& rules, const std::string& name) {
  for (const Line& l : rules.lines) {
    if (l.name == name) return "did you mean the line, line." + name + "?";
  }
  const bool ascii = std::all_of(name.begin(), name.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
  if (!ascii) return "if you meant the text " + name + ", quote it: '" + name + "'; otherwise " + AddColumnAdvice(name);
  return AddColumnAdvice(name);
}

// A channel's seats at a program with `plan` seats in the share's plan column: a share rounded
// down, or the plan minus the stage's shares (which takes the rounding remainder).
std::int32_t SeatsOf(const SeatShare& share, std::int32_t plan) {
  auto part = [&](std::int64_t ppm) { return static_cast<std::int32_t>(static_cast<std::int64_t>(plan) * ppm / 1'000'000); };
  if (!share.rest) return part(share.ppm);
  std::int32_t rest = plan;
  for (const std::int64_t ppm : share.minus) rest -= part(ppm);
  return rest;
}

// Extra columns referenced by the rules: binds each to its header and stores cells.
struct ExtraColumns {
  std::vector<int> index;  // csv column per extra column
  std::vector<std::unordered_map<std::string, std::uint32_t>> intern;

  bool Setup(const CsvReader& csv, const Rules& rules, const std::vector<ColumnRef>& refs,
             const char* file_kind, const std::string& role, std::vector<Column>* columns, DiagnosticSink& sink) {
    bool ok = true;
    for (const ColumnRef& ref : refs) {
      Column col;
      col.name = ref.name;
      col.header = rules.HeaderFor(role, ref.name);
      col.numeric = ref.numeric;
      int idx = csv.Find(col.header);
      if (idx < 0) {
        sink.Error(rules.FileOf(ref.pos), ref.pos.line, ref.pos.col,
                   std::string("the rules use ") + file_kind + " column '" + col.header + "' but " + csv.display() + " has no such column" +
                       DidYouMean(col.header, csv.header()) + "; the header has: " + HeaderList(csv) + "; " + MissingColumnAdvice(rules, ref.name));
        ok = false;
      }
      index.push_back(idx);
      intern.emplace_back();
      columns->push_back(std::move(col));
    }
    return ok;
  }

  void Add(const CsvRecord& rec, const CsvReader& csv, std::vector<Column>* columns, DiagnosticSink& sink) {
    for (std::size_t i = 0; i < index.size(); ++i) {
      Column& col = (*columns)[i];
      std::string_view cell = rec.fields[static_cast<std::size_t>(index[i])];
      if (col.numeric) {
        Score v = kMissingScore;
        std::string why;
        if (!cell.empty() && !ParseDecimal(cell, &v, &why)) {
          sink.CsvError(csv.display(), rec.line, col.header,
                        why + " (the rules use '" + col.name + "' as a number; leave the cell empty if there is no value)");
          v = kMissingScore;
        }
        col.number.push_back(v);
      } else {
        auto [it, added] = intern[i].try_emplace(std::string(cell), static_cast<std::uint32_t>(col.dictionary.size()));
        if (added) col.dictionary.emplace_back(cell);
        col.text.push_back(it->second);
      }
    }
  }

  // Reorders rows by `order` and sorts each text column's dictionary, so that neither row
  // order nor first appearance leaks into any index.
  static void PermuteAll(std::vector<Column>* columns, const std::vector<std::uint32_t>& order) {
    for (Column& c : *columns) {
      if (c.numeric) {
        Permute(&c.number, order);
        continue;
      }
      Permute(&c.text, order);
      std::vector<std::uint32_t> by_name(c.dictionary.size());
      std::iota(by_name.begin(), by_name.end(), 0u);
      std::sort(by_name.begin(), by_name.end(), [&](std::uint32_t a, std::uint32_t b) { return c.dictionary[a] < c.dictionary[b]; });
      std::vector<std::uint32_t> new_id(by_name.size());
      for (std::uint32_t i = 0; i < by_name.size(); ++i) new_id[by_name[i]] = i;
      for (std::uint32_t& t : c.text) t = new_id[t];
      Permute(&c.dictionary, by_name);
    }
  }
};

// Sorts rows by key; returns the permutation (new position -> old index).
std::vector<std::uint32_t> SortOrder(const std::vector<std::string>& keys) {
  std::vector<std::uint32_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0u);
  ParallelSort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
  return order;
}

// After sorting by key: one error per key that appears more than once, at its second row,
// naming every row it is on in file order ("appears 4 times: rows 4, 27, 42 and 51"). The sort
// is unstable, so the rows of a run of equal keys are sorted here (runs are short; no cost
// when there are no duplicates).
void ReportDuplicates(const std::vector<std::string>& keys, const std::vector<std::uint32_t>& rows, const std::string& file,
                      const std::string& header, const char* what, const char* rule, DiagnosticSink& sink) {
  std::vector<std::uint32_t> run;
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i] != keys[i - 1]) continue;
    std::size_t end = i + 1;
    while (end < keys.size() && keys[end] == keys[i]) ++end;
    run.assign(rows.begin() + static_cast<std::ptrdiff_t>(i - 1), rows.begin() + static_cast<std::ptrdiff_t>(end));
    std::sort(run.begin(), run.end());
    std::string list;
    const std::size_t shown = std::min<std::size_t>(run.size(), 20);
    for (std::size_t k = 0; k < shown; ++k) {
      list += k == 0 ? "" : k + 1 == run.size() ? " and " : ", ";
      list += std::to_string(run[k]);
    }
    if (shown < run.size()) list += ", ... (" + std::to_string(run.size() - shown) + " more)";
    sink.CsvError(file, static_cast<int>(run[1]), header,
                  std::string(what) + " '" + QuoteLong(Printable(keys[i])) + "' appears " +
                      (run.size() == 2 ? std::string("twice") : std::to_string(run.size()) + " times") + ": rows " + list +
                      "; " + rule + ", keep one");
    i = end - 1;
  }
}

// Both loaders below set `*names` when the ids (codes) are complete and sorted even though some
// row had an error (a bad total, say): the other files can then still be checked against them.
bool LoadCandidates(const Rules& rules, Instance* inst, DiagnosticSink& sink, FileDigest* digest, bool* names) {
  CsvReader csv;
  csv.set_digest(digest);
  csv.set_role("candidates");
  csv.set_sheet(rules.SheetFor("candidates"));
  csv.set_detect_encoding(!rules.EncodingGiven("candidates"));
  if (!csv.Open(rules.inputs.candidates, rules.inputs.candidates, sink, rules.EncodingFor("candidates"))) return false;
  csv.set_max_records(CurrentInputLimits().max_candidates, "candidates");
  const std::size_t errors_before = sink.error_count();
  int id_col = RequireColumn(csv, rules, "candidates", "id", true, sink);
  int total_col = RequireColumn(csv, rules, "candidates", "total", true, sink);
  Candidates& c = inst->candidates;
  ExtraColumns extra;
  bool ok = extra.Setup(csv, rules, rules.candidate_columns, "candidate", "candidates", &c.columns, sink);
  if (id_col < 0 || total_col < 0 || !ok) return false;
  inst->candidate_headers = csv.header();
  const std::string& id_header = csv.header()[static_cast<std::size_t>(id_col)];
  const std::string& total_header = csv.header()[static_cast<std::size_t>(total_col)];
  CsvRecord rec;
  bool bad_id = false;  // an id itself is wrong: the other files' references to it would be too
  while (csv.Next(&rec)) {
    std::string_view id = rec.fields[static_cast<std::size_t>(id_col)];
    if (id.empty()) {
      sink.CsvError(csv.display(), rec.line, id_header, "empty candidate id; every candidate needs its exam number");
      bad_id = true;
    } else if (HasOuterSpace(id) || HasControl(id)) {
      sink.CsvError(csv.display(), rec.line, id_header, HiddenCharactersError("candidate id", id));
      bad_id = true;
    }
    Score total = 0;
    std::string why;
    if (!ParseDecimal(rec.fields[static_cast<std::size_t>(total_col)], &total, &why)) {
      sink.CsvError(csv.display(), rec.line, total_header, why);
    }
    c.id.emplace_back(id);
    c.total.push_back(total);
    c.row.push_back(static_cast<std::uint32_t>(rec.line));
    extra.Add(rec, csv, &c.columns, sink);
  }
  if (sink.error_count() != errors_before && !csv.read_whole()) return false;
  if (c.id.empty() && sink.error_count() == errors_before) {
    sink.Warning(csv.display(), csv.header_line(), 0,
                 csv.display() + " has no rows (only a header): nobody can be placed and every admit_ratio line has no "
                 "candidates to count -- is this the right file?");
  }
  auto order = SortOrder(c.id);
  Permute(&c.id, order);
  Permute(&c.total, order);
  Permute(&c.row, order);
  ExtraColumns::PermuteAll(&c.columns, order);
  ReportDuplicates(c.id, c.row, csv.display(), id_header, "candidate id", "ids must be unique", sink);
  *names = !bad_id;
  return sink.error_count() == errors_before;
}

// A seat column a continuing round takes from its parent (kRoundSeatsColumn), not from the file.
constexpr int kFromParent = -3;

bool LoadPrograms(const Rules& rules, Instance* inst, DiagnosticSink& sink, FileDigest* digest, bool* names, const ParentSeats& parent) {
  CsvReader csv;
  csv.set_digest(digest);
  csv.set_role("programs");
  csv.set_sheet(rules.SheetFor("programs"));
  csv.set_detect_encoding(!rules.EncodingGiven("programs"));
  if (!csv.Open(rules.inputs.programs, rules.inputs.programs, sink, rules.EncodingFor("programs"))) return false;
  const std::size_t errors_before = sink.error_count();
  Programs& p = inst->programs;
  int code_col = RequireColumn(csv, rules, "programs", "code", true, sink);
  int school_col = RequireColumn(csv, rules, "programs", "school", false, sink);
  int name_col = RequireColumn(csv, rules, "programs", "name", false, sink);
  int sector_col = RequireColumn(csv, rules, "programs", "sector", false, sink);
  // Capacity columns: every channel's seats, each once. Seats computed from a plan column
  // (SeatShare) are read from that column and computed after the rows are read.
  std::vector<const SeatShare*> share_of;  // per seat column: its share, or null
  for (const Batch& b : rules.batches) {
    for (const Stage& st : b.stages) {
      for (const Channel& ch : st.channels) {
        if (std::find(p.seat_columns.begin(), p.seat_columns.end(), ch.seats) != p.seat_columns.end()) continue;
        p.seat_columns.push_back(ch.seats);
        share_of.push_back(ch.share ? &*ch.share : nullptr);
      }
    }
  }
  std::vector<int> seat_idx;
  const bool continuing = !rules.inputs.parent_manifest.empty();  // a continuing round: `vacancies` comes from the parent
  for (std::size_t k = 0; k < p.seat_columns.size(); ++k) {
    const std::string& s = share_of[k] ? share_of[k]->of : p.seat_columns[k];
    int idx = csv.Find(rules.HeaderFor("programs", s));
    if (continuing && s == kRoundSeatsColumn) {
      if (idx >= 0) {
        sink.CsvError(csv.display(), csv.header_line(), csv.header()[static_cast<std::size_t>(idx)],
                      std::string("the file has its own column '") + kRoundSeatsColumn +
                          "'; in a continuing round that name stands for the seats the parent run left -- rename the file's column");
        idx = -2;
      } else {
        idx = kFromParent;
      }
    } else if (idx < 0) {
      // Point at the first channel that names this column.
      for (const Batch& b : rules.batches) {
        for (const Stage& st : b.stages) {
        for (const Channel& ch : st.channels) {
          if (ch.seats == p.seat_columns[k] && idx < 0) {
            sink.Error(rules.FileOf(ch.seats_pos), ch.seats_pos.line, ch.seats_pos.col,
                       "channel '" + ch.name + "' takes its seats from column '" + rules.HeaderFor("programs", s) + "' but " +
                           csv.display() + " has no such column" + DidYouMean(rules.HeaderFor("programs", s), csv.header()) +
                           (s == kRoundSeatsColumn ? std::string("; '") + kRoundSeatsColumn + "' is the seats a parent run left: run these rules with zkmatch run --continue DIR"
                                                   : std::string("; add the column (an empty cell means 0 seats)")));
            idx = -2;
          }
        }
        }
      }
    }
    seat_idx.push_back(idx);
  }
  p.seats.assign(p.seat_columns.size(), {});
  std::vector<std::size_t> plan_of(share_of.size(), 0);  // per seat column with a share: its plan
  for (std::size_t s = 0; s < share_of.size(); ++s) {
    if (!share_of[s]) continue;
    const auto at = std::find(p.plan_columns.begin(), p.plan_columns.end(), share_of[s]->of);
    plan_of[s] = static_cast<std::size_t>(at - p.plan_columns.begin());
    if (at == p.plan_columns.end()) p.plan_columns.push_back(share_of[s]->of);
  }
  p.plans.assign(p.plan_columns.size(), {});
  ExtraColumns extra;
  bool ok = extra.Setup(csv, rules, rules.program_columns, "program", "programs", &p.columns, sink);
  if (code_col < 0 || !ok || std::any_of(seat_idx.begin(), seat_idx.end(), [](int i) { return i < 0 && i != kFromParent; })) return false;
  inst->program_headers = csv.header();
  const std::string& code_header = csv.header()[static_cast<std::size_t>(code_col)];
  CsvRecord rec;
  bool bad_code = false;  // a code itself is wrong: the other files' references to it would be too
  auto cell = [&](int col) { return col < 0 ? std::string() : std::string(rec.fields[static_cast<std::size_t>(col)]); };
  while (csv.Next(&rec)) {
    std::string_view code = rec.fields[static_cast<std::size_t>(code_col)];
    if (code.empty()) {
      sink.CsvError(csv.display(), rec.line, code_header, "empty program code; every program needs a code");
      bad_code = true;
    } else if (HasOuterSpace(code) || HasControl(code)) {
      sink.CsvError(csv.display(), rec.line, code_header, HiddenCharactersError("program code", code));
      bad_code = true;
    }
    if (sector_col >= 0) {
      std::string_view s = rec.fields[static_cast<std::size_t>(sector_col)];
      if (s != "public" && s != "private") {
        sink.CsvError(csv.display(), rec.line, csv.header()[static_cast<std::size_t>(sector_col)],
                      "sector '" + std::string(s) + "' must be 'public' or 'private'");
      }
    }
    p.code.emplace_back(code);
    p.school.push_back(cell(school_col));
    p.name.push_back(cell(name_col));
    p.sector.push_back(cell(sector_col));
    p.row.push_back(static_cast<std::uint32_t>(rec.line));
    for (std::size_t s = 0; s < seat_idx.size(); ++s) {
      std::int32_t n = 0;
      std::string why;
      if (seat_idx[s] == kFromParent) {
        auto it = parent.by_code.find(std::string(code));
        n = it == parent.by_code.end() ? 0 : it->second;
      } else if (std::string_view v = rec.fields[static_cast<std::size_t>(seat_idx[s])]; !v.empty() && !ParseCount(v, &n, &why)) {
        sink.CsvError(csv.display(), rec.line, csv.header()[static_cast<std::size_t>(seat_idx[s])], "bad capacity: " + why);
      }
      if (const SeatShare* share = share_of[s]) {
        // Several channels may share one plan column: it is stored once per row.
        std::vector<std::int32_t>& plan = p.plans[plan_of[s]];
        if (plan.size() < p.code.size()) plan.push_back(n);
        n = SeatsOf(*share, n);
      }
      p.seats[s].push_back(n);
    }
    extra.Add(rec, csv, &p.columns, sink);
  }
  if (sink.error_count() != errors_before && !csv.read_whole()) return false;
  if (p.code.empty()) {
    // Said first, instead of one "unknown program" per choice row.
    sink.Error(csv.display(), csv.header_line(), 0,
               csv.display() + " has no rows (only a header); every program needs a row with its code and seats -- is this the right file?");
    return false;
  }
  auto order = SortOrder(p.code);
  Permute(&p.code, order);
  Permute(&p.school, order);
  Permute(&p.name, order);
  Permute(&p.sector, order);
  Permute(&p.row, order);
  for (auto& s : p.seats) Permute(&s, order);
  for (auto& s : p.plans) Permute(&s, order);
  ExtraColumns::PermuteAll(&p.columns, order);
  ReportDuplicates(p.code, p.row, csv.display(), code_header, "program code", "codes must be unique", sink);
  *names = !bad_code;
  return sink.error_count() == errors_before;
}

constexpr const char* kRankAdvice = "ranks must run 1, 2, 3, ... without gaps or repeats";

struct ChoiceRow {
  std::uint32_t batch, candidate, rank, program, line;
  std::uint32_t column;  // wide layout: the cell's column (errors name its header); long: unused
  std::uint32_t channel;  // the channel the entry is tied to: an index into BatchChannels' names, or kNone
};

// An allocator that leaves new elements of a trivial type uninitialized (resize does not zero
// them): the parallel reader sizes the rows for every line at once and each thread writes, and
// first touches, its own part.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using ChoiceRows = std::vector<ChoiceRow, DefaultInitAllocator<ChoiceRow>>;

// The channel names of each batch (every stage's channels), sorted, for the `channel` column.
std::vector<std::vector<std::string>> BatchChannels(const Rules& rules) {
  std::vector<std::vector<std::string>> names(rules.batches.size());
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    for (const Stage& stage : rules.batches[b].stages) {
      for (const Channel& ch : stage.channels) names[b].push_back(ch.name);
    }
    std::sort(names[b].begin(), names[b].end());
    names[b].erase(std::unique(names[b].begin(), names[b].end()), names[b].end());
  }
  return names;
}

// The optional `channel` cell of a long choices row: empty is kNone (any channel); a name
// must be a channel of the row's batch.
bool ParseChannelCell(const Rules& rules, const std::vector<std::vector<std::string>>& channels, std::string_view cell, int b, RowErrors& errors,
                      int line, const std::string& header, std::uint32_t* out) {
  *out = kNone;
  if (cell.empty() || b < 0) return true;
  const std::vector<std::string>& names = channels[static_cast<std::size_t>(b)];
  auto it = std::lower_bound(names.begin(), names.end(), cell);
  if (it != names.end() && *it == cell) {
    *out = static_cast<std::uint32_t>(it - names.begin());
    return true;
  }
  errors.Add(line, header, "channel\n" + rules.batches[static_cast<std::size_t>(b)].name + "\n" + std::string(cell), [&] {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return "unknown channel '" + QuoteLong(Printable(cell)) + "' in batch '" + rules.batches[static_cast<std::size_t>(b)].name + "'" + DidYouMean(cell, names) +
           "; its channels are: " + list + " (leave the cell empty to compete for every channel)";
  });
  return false;
}

// Candidate ids (sorted) looked up in a file whose rows mostly follow them (choices exported
// by candidate): each lookup first tries the ids just after the last one found, so such a file
// needs no hashing at all; past those, a gallop forward from it (a school's file: each
// program's applicants by increasing id, some hundred ids apart); a miss is a binary search,
// and once a cursor has missed often (rows in another order) a hash index, built once for
// every thread, answers instead. The same index as NameIndex gives (the first of equal ids).
// A wrong answer is impossible -- an id is only ever returned after an exact comparison --
// and a lookup that fails sends the file to the one-by-one reader.
//
// Past the next ids, they are compared by their first 16 bytes packed big-endian into two
// integers (the whole id for ids of up to 16 bytes; the strings only to break a tie between
// longer ids), made the first time a lookup needs them (16 bytes an id; a file in candidate
// order never does): with std::string compares, the gallop of a file sorted by program cost 5 s
// of CPU for 10M rows against 2 s for the same rows by candidate (bench/RESULTS.md, issue 18).
// Thread-safety: Find is safe from several threads, each with its own Cursor.
class SortedIdLookup {
 public:
  explicit SortedIdLookup(const std::vector<std::string>& ids) : ids_(ids) {}
  struct Cursor {
    std::uint32_t next = 0, misses = 0, far = 0;
  };
  std::uint32_t Find(std::string_view id, Cursor* cursor) const {
    // The next ids (candidates without choices are skipped), then further ahead (a school's
    // file: each program's rows by increasing id), then the whole list. The strings are
    // compared until a cursor has gone past the next ids kFarBeforePacking times (a slice of
    // a file in candidate order does so once, at its start); from then on, the packed keys,
    // and once they exist, for every cursor (the strings are elsewhere in memory).
    const std::size_t n = ids_.size(), k = cursor->next;
    bool packed = packed_ready_.load(std::memory_order_acquire);
    Key key;
    if (packed) key = Pack(id);
    for (std::size_t j = k; j < n && j < k + kLookAhead; ++j) {
      if (packed ? Equal(j, key, id) : ids_[j] == id) {
        cursor->next = static_cast<std::uint32_t>(j + 1);
        return static_cast<std::uint32_t>(j);
      }
    }
    if (!packed && ++cursor->far > kFarBeforePacking) {  // (std::call_once alone costs a call per lookup)
      std::call_once(packed_, [this] {
        keys_.resize(ids_.size());
        for (std::size_t i = 0; i < ids_.size(); ++i) keys_[i] = Pack(ids_[i]);
        packed_ready_.store(true, std::memory_order_release);
      });
      packed = true;
      key = Pack(id);
    }
    if (packed) {
      return Search(
          id, cursor, [&](std::size_t i) { return Less(i, key, id); }, [&](std::size_t i) { return Equal(i, key, id); },
          [&](std::size_t first, std::size_t last) { return LowerBound(first, last, key, id); });
    }
    auto less = [&](std::size_t i) { return std::string_view(ids_[i]) < id; };
    return Search(
        id, cursor, less, [&](std::size_t i) { return ids_[i] == id; },
        [&](std::size_t first, std::size_t last) { return FirstNotBelow(first, last, less); });
  }
  // Whether the last Find of `cursor` went past the look-ahead (its id was not among the next).
  static bool WentFar(const Cursor& before, const Cursor& after) {
    return after.next <= before.next || after.next > before.next + kLookAhead;
  }
  // The hash index of the ids, built by the first caller (the others wait for it).
  const NameIndex& Index() const {
    if (!index_ready_.load(std::memory_order_acquire)) {
      const std::lock_guard<std::mutex> lock(building_);
      BuildIndex();
    }
    return *index_;
  }
  // The same, or null while another thread builds it: that thread's slice goes on with its
  // cursor meanwhile, instead of waiting.
  const NameIndex* IndexIfFree() const {
    if (index_ready_.load(std::memory_order_acquire)) return &*index_;
    std::unique_lock<std::mutex> lock(building_, std::try_to_lock);
    if (!lock.owns_lock()) return nullptr;
    BuildIndex();
    return &*index_;
  }

 private:
  // The first index in [first, last) for which less(i) is false (binary search; less(i) is
  // ids_[i] < id).
  template <typename LessFn>
  static std::size_t FirstNotBelow(std::size_t first, std::size_t last, LessFn less) {
    std::size_t len = last - first;
    while (len > 0) {
      const std::size_t half = len / 2;
      if (less(first + half)) {
        first += half + 1;
        len -= half + 1;
      } else {
        len = half;
      }
    }
    return first;
  }

  // Past the look-ahead: gallop forward from the cursor, else the whole list (binary search,
  // then the hash index), with the comparisons given: less(i) is ids_[i] < id, equal(i) is
  // ids_[i] == id, lower_bound(first, last) the first index not below id.
  template <typename Less, typename Equal, typename LowerBoundFn>
  std::uint32_t Search(std::string_view id, Cursor* cursor, Less less, Equal equal, LowerBoundFn lower_bound) const {
    const std::size_t n = ids_.size(), k = cursor->next;
    if (k < n && less(k)) {
      // Galloping: ids_[lo] < id; double the step while ids_[k + step] < id, up to kNear.
      std::size_t lo = k, step = 1;
      while (step <= kNear && k + step < n && less(k + step)) {
        lo = k + step;
        step *= 2;
      }
      if (step <= kNear) {  // id, if anywhere, is in (lo, min(k + step, n - 1)]
        const std::size_t last = std::min(k + step, n - 1);
        const std::size_t at = lower_bound(lo + 1, last + 1);
        if (at > last || !equal(at)) return kNone;  // sorted: it is nowhere
        cursor->next = static_cast<std::uint32_t>(at + 1);
        return static_cast<std::uint32_t>(at);
      }
    }
    std::uint32_t found = kNone;
    if (++cursor->misses <= kMissesBeforeIndex) {
      const std::size_t at = lower_bound(0, n);
      if (at < n && equal(at)) found = static_cast<std::uint32_t>(at);
    } else {
      found = Index().Find(id);
    }
    if (found != kNone) cursor->next = found + 1;
    return found;
  }

  // The first 16 bytes, zero-padded, as two big-endian integers. Ids hold no NUL byte (the
  // reader refuses them), so the integers order ids as std::string does, and equal integers
  // are equal ids unless the 16th byte is not zero (ids of 16 bytes or more): only then are the
  // strings compared.
  struct Key {
    std::uint64_t hi = 0, lo = 0;
    bool Whole() const { return (lo & 0xFF) == 0; }  // the id has fewer than 16 bytes
  };
  static Key Pack(std::string_view s) {
    const NameWords words = LoadNameWords(s);  // byte 0 least significant: swapped, it is most
    return Key{__builtin_bswap64(words.first), __builtin_bswap64(words.second)};
  }
  bool Less(std::size_t i, const Key& key, std::string_view id) const {
    const Key& a = keys_[i];
    if (a.hi != key.hi) return a.hi < key.hi;
    if (a.lo != key.lo) return a.lo < key.lo;
    return !key.Whole() && std::string_view(ids_[i]) < id;
  }
  bool Equal(std::size_t i, const Key& key, std::string_view id) const {
    const Key& a = keys_[i];
    return a.hi == key.hi && a.lo == key.lo && (key.Whole() || ids_[i] == id);
  }
  // The first index in [first, last) whose id is not below `id`; for an id of under 16 bytes
  // without a branch per step (the packed keys decide).
  std::size_t LowerBound(std::size_t first, std::size_t last, const Key& key, std::string_view id) const {
    if (!key.Whole()) return FirstNotBelow(first, last, [&](std::size_t i) { return Less(i, key, id); });
    std::size_t len = last - first;
    const Key* keys = keys_.data();
    while (len > 1) {
      const std::size_t half = len / 2;
      const Key& a = keys[first + half - 1];
      const bool below = a.hi < key.hi || (a.hi == key.hi && a.lo < key.lo);
      first = below ? first + half : first;
      len -= half;
    }
    return len == 1 && Less(first, key, id) ? first + 1 : first;
  }

  static constexpr std::uint32_t kLookAhead = 8, kNear = 4096, kMissesBeforeIndex = 256, kFarBeforePacking = 64;
  const std::vector<std::string>& ids_;
  mutable std::once_flag packed_;
  mutable std::atomic<bool> packed_ready_{false};
  mutable std::vector<Key> keys_;  // Pack(ids_[i]), once a lookup needs them
  // With building_ held.
  void BuildIndex() const {
    if (index_ready_.load(std::memory_order_relaxed)) return;
    index_.emplace(ids_);
    index_ready_.store(true, std::memory_order_release);
  }
  mutable std::mutex building_;
  mutable std::atomic<bool> index_ready_{false};
  mutable std::optional<NameIndex> index_;  // once index_ready_
};

// A parser switches to LateIds once its cursor has gone past its look-ahead this many times (or
// at a later such jump, if another slice is building the index then: IndexIfFree).
constexpr std::uint32_t kFarBeforeLateIds = 64;

// Candidate ids looked up a few rows late: each row's slot in the hash index is prefetched
// when the row is read and probed kDepth rows later, so that the cache misses of successive
// rows overlap. For a file whose rows are not in candidate order (a school's file, program
// by program), where every row's lookup is a miss of its own. `Row` has a `candidate` field.
template <typename Row>
class LateIds {
 public:
  explicit LateIds(const NameIndex& index) : index_(&index) {}
  // row->candidate receives the index of `id` (at most NameIndex::kLocatable bytes) later: by
  // the kDepth-th Add after this one, or by Finish.
  void Add(std::string_view id, Row* row) {
    Pending& slot = ring_[added_ % kDepth];
    if (added_ >= kDepth) Settle(slot);
    slot = {index_->Locate(id), row};
    ++added_;
  }
  // Settles the lookups still pending. False when an id was not found (that row's candidate
  // is kNone).
  bool Finish() {
    for (std::size_t i = added_ > kDepth ? added_ - kDepth : 0; i < added_; ++i) Settle(ring_[i % kDepth]);
    added_ = 0;
    return all_found_;
  }
  bool all_found() const { return all_found_; }

 private:
  static constexpr std::size_t kDepth = 16;
  struct Pending {
    NameIndex::Located at;
    Row* row = nullptr;
  };
  void Settle(const Pending& p) {
    const std::uint32_t found = index_->Resolve(p.at);
    p.row->candidate = decltype(p.row->candidate){found};
    all_found_ = all_found_ && found != kNone;
  }
  const NameIndex* index_;
  std::array<Pending, kDepth> ring_{};
  std::size_t added_ = 0;
  bool all_found_ = true;
};

// The records `csv` has not returned yet, read on every thread: the file split into slices at
// line boundaries (CsvReader::SplitRest), each parsed into `*out` from its own offset, in file
// order. `make_parser()` gives each slice a parser (its own lookup cursors): `parse(rec, &row)`
// fills a row, or returns false for a row with anything to report. Returns false, with `*out`
// as it was, when the fast path does not apply or a row was refused: the caller then reads the
// file one record at a time, with every message.
template <typename Rows, typename MakeParser>
bool ReadRowsInParallel(const CsvReader& csv, MakeParser make_parser, Rows* out) {
  std::vector<CsvSlice> slices;
  const std::size_t threads = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
  if (threads < 2 || !csv.SplitRest(threads * 8, &slices)) return false;
  // Each slice writes its rows from its own offset (its records are at most its lines); the
  // gaps blank lines leave are closed afterwards, so the rows are held once.
  const std::size_t base = out->size();
  std::vector<std::size_t> offset(slices.size() + 1, base), count(slices.size(), 0);
  for (std::size_t i = 0; i < slices.size(); ++i) offset[i + 1] = offset[i] + slices[i].lines;
  out->resize(offset.back());
  std::atomic<bool> failed{false};
  ParallelFor(tbb::blocked_range<std::size_t>(0, slices.size(), 1), [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t i = range.begin(); i < range.end() && !failed.load(std::memory_order_relaxed); ++i) {
      CsvSlice slice = slices[i];
      auto* rows = out->data() + offset[i];
      auto parse = make_parser();
      CsvRecord rec;
      bool malformed = false;
      while (csv.NextInSlice(&slice, &rec, &malformed)) {
        if (!parse(rec, &rows[count[i]])) {
          malformed = true;
          break;
        }
        ++count[i];
      }
      // A parser that completes rows late (LateIds) completes them at the slice's end.
      if constexpr (requires { parse.Finish(); }) malformed = !parse.Finish() || malformed;
      if (malformed) failed = true;
    }
  });
  if (failed) {
    out->resize(base);
    return false;
  }
  std::size_t end = offset[0];
  for (std::size_t i = 0; i < slices.size(); ++i) {
    if (offset[i] != end) std::copy(out->begin() + static_cast<std::ptrdiff_t>(offset[i]), out->begin() + static_cast<std::ptrdiff_t>(offset[i] + count[i]), out->begin() + static_cast<std::ptrdiff_t>(end));
    end += count[i];
  }
  out->resize(end);
  return true;
}

// The long layout on every thread (ReadRowsInParallel): the rows ParseLongChoices makes.
bool ParseLongChoicesInParallel(const Rules& rules, const Instance& inst, const CsvReader& csv, int cand_col, int batch_col, int rank_col, int prog_col,
                                ChoiceRows* out) {
  const SortedIdLookup cand_index(inst.candidates.id);
  const NameIndex prog_index(inst.programs.code);
  auto make_parser = [&] {
    return [&, cursor = SortedIdLookup::Cursor{}, last_cid = std::string_view{}, last_batch_name = std::string_view{}, last_candidate = kNone,
            last_batch = -1, why = std::string()](const CsvRecord& rec, ChoiceRow* out_row) mutable {
      ChoiceRow row{};
      row.column = kNone;
      row.channel = kNone;
      row.line = static_cast<std::uint32_t>(rec.line);
      const std::string_view cid = rec.fields[static_cast<std::size_t>(cand_col)];
      if (last_candidate == kNone || cid != last_cid) {
        last_candidate = cand_index.Find(cid, &cursor);
        last_cid = cid;
      }
      const std::string_view bname = rec.fields[static_cast<std::size_t>(batch_col)];
      if (last_batch < 0 || bname != last_batch_name) {
        last_batch = rules.FindBatch(std::string(bname));
        last_batch_name = bname;
      }
      std::int32_t rank = 0;
      const std::uint32_t program = prog_index.Find(rec.fields[static_cast<std::size_t>(prog_col)]);
      if (last_candidate == kNone || last_batch < 0 || program == kNone || !ParseCount(rec.fields[static_cast<std::size_t>(rank_col)], &rank, &why) || rank < 1) {
        return false;
      }
      row.candidate = last_candidate;
      row.batch = static_cast<std::uint32_t>(last_batch);
      row.rank = static_cast<std::uint32_t>(rank);
      row.program = program;
      *out_row = row;
      return true;
    };
  };
  return ReadRowsInParallel(csv, make_parser, out);
}

// The long layout: candidate_id,batch,rank,program, one row per choice, in any order.
void ParseLongChoices(const Rules& rules, const Instance& inst, CsvReader& csv, DiagnosticSink& sink, int cand_col, int batch_col, int rank_col,
                      int prog_col, int channel_col, ChoiceRows* out) {
  // Nothing reported yet (an id with an error elsewhere could make a row's meaning differ):
  // every thread first; with anything to report, the rows again one by one, with messages.
  if (channel_col < 0 && sink.error_count() == 0 && ParseLongChoicesInParallel(rules, inst, csv, cand_col, batch_col, rank_col, prog_col, out)) return;
  ChoiceRows& rows = *out;
  auto header = [&](int col) { return csv.header()[static_cast<std::size_t>(col)]; };
  const Candidates& cands = inst.candidates;
  const Programs& progs = inst.programs;
  const auto cand_index = NameIndex(cands.id);
  const auto prog_index = NameIndex(progs.code);
  std::vector<std::string> batch_names;
  for (const Batch& b : rules.batches) batch_names.push_back(b.name);
  const std::vector<std::vector<std::string>> channels = channel_col >= 0 ? BatchChannels(rules) : std::vector<std::vector<std::string>>{};
  std::string last_batch_name;
  int last_batch = -1;
  // A candidate's rows usually come together: look the id up only when it changes.
  std::string last_cid;
  std::uint32_t last_candidate = kNone;
  RowErrors errors(csv, sink);
  CsvRecord rec;
  while (csv.Next(&rec)) {
    ChoiceRow row{};
    row.column = kNone;
    row.channel = kNone;
    row.line = static_cast<std::uint32_t>(rec.line);
    bool ok = true;
    std::string_view cid = rec.fields[static_cast<std::size_t>(cand_col)];
    if (last_candidate != kNone && cid == last_cid) {
      row.candidate = last_candidate;
    } else if (const std::uint32_t found = cand_index.Find(cid); found != kNone) {
      row.candidate = last_candidate = found;
      last_cid.assign(cid);
    } else {
      errors.Add(rec.line, header(cand_col), "candidate\n" + std::string(cid), [&] {
        return "unknown candidate '" + QuoteLong(Printable(cid)) + "'" + HiddenCharactersNote(cid) + "; every choice must belong to a candidate in " +
               rules.inputs.candidates;
      });
      ok = false;
    }
    // Rows of one batch come together: look the name up only when it changes.
    const std::string_view bname = rec.fields[static_cast<std::size_t>(batch_col)];
    if (bname != last_batch_name) {
      last_batch_name.assign(bname);
      last_batch = rules.FindBatch(last_batch_name);
    }
    const int b = last_batch;
    if (b < 0) {
      std::string list;
      for (const auto& n : batch_names) list += (list.empty() ? "" : ", ") + n;
      errors.Add(rec.line, header(batch_col), "batch\n" + std::string(bname),
                 [&] { return "unknown batch '" + std::string(bname) + "'" + DidYouMean(bname, batch_names) + "; the rules define: " + list; });
      ok = false;
    }
    row.batch = static_cast<std::uint32_t>(b);
    std::int32_t rank = 0;
    std::string why;
    if (!ParseCount(rec.fields[static_cast<std::size_t>(rank_col)], &rank, &why) || rank < 1) {
      // ParseCount's general advice ("a whole number >= 0, e.g. 40") is not a rank's; its
      // specific reasons (full-width digits, a decimal, ...) are kept.
      const std::string_view cell = rec.fields[static_cast<std::size_t>(rank_col)];
      const bool general = cell.empty() || why.find("is not a whole number >= 0") != std::string::npos;
      errors.AddOnce(rec.line, header(rank_col),
                     why.empty()  ? "rank must be 1 or more (1 is the first choice)"
                     : general ? (cell.empty() ? std::string("bad rank: the cell is empty") : "bad rank: '" + std::string(cell) + "' is not a choice number") +
                                     "; write it in digits, 1 for the first choice"
                               : "bad rank: " + why);
      ok = false;
    }
    row.rank = static_cast<std::uint32_t>(rank);
    std::string_view code = rec.fields[static_cast<std::size_t>(prog_col)];
    if (const std::uint32_t found = prog_index.Find(code); found != kNone) {
      row.program = found;
    } else {
      errors.Add(rec.line, header(prog_col), "program\n" + std::string(code), [&] {
        if (code.empty()) return "no program: the cell is empty; write the code of a program in " + rules.inputs.programs;
        return "unknown program '" + QuoteLong(Printable(code)) + "'" +
               (HiddenCharacters(code).empty() ? DidYouMean(code, progs.code) : HiddenCharactersNote(code)) + "; it is not in " + rules.inputs.programs;
      });
      ok = false;
    }
    if (channel_col >= 0 &&
        !ParseChannelCell(rules, channels, rec.fields[static_cast<std::size_t>(channel_col)], b, errors, rec.line, header(channel_col), &row.channel)) {
      ok = false;
    }
    if (ok) rows.push_back(row);
  }
  errors.Flush();
}

// The wide layout: one row per candidate, the columns of each batch in choice order. A list
// ends at its first empty cell; a filled cell after an empty one, an unknown program or a
// candidate's second row is an error at that cell.
void ParseWideChoices(const Rules& rules, const WideChoices& wide, const Instance& inst, CsvReader& csv, DiagnosticSink& sink, int id_col,
                      const std::vector<std::vector<int>>& batch_cols, ChoiceRows* out) {
  auto header = [&](int col) { return csv.header()[static_cast<std::size_t>(col)]; };
  const Candidates& cands = inst.candidates;
  const Programs& progs = inst.programs;
  const auto cand_index = NameIndex(cands.id);
  const auto prog_index = NameIndex(progs.code);
  std::vector<std::uint32_t> first_row(cands.size(), 0);  // the row holding each candidate's lists
  // Per batch entry of `wide.batches`, per column: the index of its tied channel in BatchChannels, or kNone.
  const std::vector<std::vector<std::string>> names = BatchChannels(rules);
  std::vector<std::vector<std::uint32_t>> tied(wide.batches.size());
  for (std::size_t i = 0; i < wide.batches.size(); ++i) {
    for (const std::string& ch : wide.batches[i].channels) {
      const std::vector<std::string>& batch_names = names[static_cast<std::size_t>(wide.batches[i].batch)];
      auto at = std::lower_bound(batch_names.begin(), batch_names.end(), ch);
      tied[i].push_back(ch.empty() || at == batch_names.end() || *at != ch ? kNone : static_cast<std::uint32_t>(at - batch_names.begin()));
    }
  }
  RowErrors errors(csv, sink);
  CsvRecord rec;
  while (csv.Next(&rec)) {
    const std::string_view cid = rec.fields[static_cast<std::size_t>(id_col)];
    const std::uint32_t c = cand_index.Find(cid);
    if (c == kNone) {
      errors.Add(rec.line, header(id_col), "candidate\n" + std::string(cid), [&] {
        return "unknown candidate '" + QuoteLong(Printable(cid)) + "'" + HiddenCharactersNote(cid) + "; every row must belong to a candidate in " +
               rules.inputs.candidates;
      });
      continue;
    }
    if (first_row[c] != 0) {
      errors.AddOnce(rec.line, header(id_col),
                    "candidate '" + cands.id[c] + "' has a second row (the first is row " + std::to_string(first_row[c]) +
                        "); a wide choices file has one row per candidate -- merge the two rows");
      continue;
    }
    first_row[c] = static_cast<std::uint32_t>(rec.line);
    for (std::size_t i = 0; i < wide.batches.size(); ++i) {
      const WideChoices::BatchColumns& cols = wide.batches[i];
      int empty_col = -1;  // the first empty cell of this batch's columns
      std::uint32_t rank = 0;
      for (std::size_t j = 0; j < batch_cols[i].size(); ++j) {
        const int col = batch_cols[i][j];
        const std::string_view code = rec.fields[static_cast<std::size_t>(col)];
        if (code.empty()) {
          if (empty_col < 0) empty_col = col;
          continue;
        }
        ++rank;
        if (empty_col >= 0) {
          errors.AddOnce(rec.line, header(col),
                        "'" + header(col) + "' is filled but '" + header(empty_col) + "' before it is empty (candidate '" + cands.id[c] + "', batch '" +
                            cols.batch_name + "'); a list fills its columns from the first, and only cells at its end may be empty");
          empty_col = -1;  // one error per gap
          continue;
        }
        const std::uint32_t p = prog_index.Find(code);
        if (p == kNone) {
          errors.Add(rec.line, header(col), "program\n" + std::string(code), [&] {
            return "unknown program '" + QuoteLong(Printable(code)) + "'" +
                   (HiddenCharacters(code).empty() ? DidYouMean(code, progs.code) : HiddenCharactersNote(code)) + "; it is not in " + rules.inputs.programs;
          });
          continue;
        }
        out->push_back(ChoiceRow{static_cast<std::uint32_t>(cols.batch), c, rank, p, static_cast<std::uint32_t>(rec.line), static_cast<std::uint32_t>(col), tied[i][j]});
      }
    }
  }
  errors.Flush();
}

// Column indices of a wide choices file's id and batch columns; -1 (reported) when missing.
bool FindWideColumns(const WideChoices& wide, const CsvReader& csv, DiagnosticSink& sink, int* id_col, std::vector<std::vector<int>>* batch_cols) {
  bool ok = true;
  auto missing = [&](const std::string& header, const std::string& role) {
    sink.Error(csv.display(), csv.header_line(), 0,
               "missing column '" + header + "', which the rules' inputs.choices reads as " + role + "; the header has: " + HeaderList(csv) +
                   "; correct the column name in the rules or in the file");
    ok = false;
  };
  *id_col = csv.Find(wide.id_header);
  if (*id_col < 0) missing(wide.id_header, "the id column");
  for (const WideChoices::BatchColumns& cols : wide.batches) {
    batch_cols->emplace_back();
    for (std::size_t k = 0; k < cols.headers.size(); ++k) {
      const int col = csv.Find(cols.headers[k]);
      if (col < 0) missing(cols.headers[k], "choice " + std::to_string(k + 1) + " of batch '" + cols.batch_name + "'");
      batch_cols->back().push_back(col);
    }
  }
  return ok;
}

// The channel ties of one batch's entries (rows in list order), when any entry names one:
// only the names written are kept, so the lists do not depend on channels nobody names.
void TieChannels(const std::vector<std::string>& names, ChoiceRows::const_iterator begin, ChoiceRows::const_iterator end,
                 ChoiceLists* lists) {
  std::vector<std::uint8_t> used(names.size(), 0);
  for (auto it = begin; it != end; ++it) {
    if (it->channel != kNone) used[it->channel] = 1;
  }
  std::vector<std::uint8_t> index(names.size(), kAnyChannel);
  for (std::size_t n = 0; n < names.size(); ++n) {
    if (!used[n]) continue;
    index[n] = static_cast<std::uint8_t>(lists->channel_names.size());
    lists->channel_names.push_back(names[n]);
  }
  if (lists->channel_names.empty()) return;
  for (auto it = begin; it != end; ++it) {
    lists->channel.push_back(it->channel == kNone ? kAnyChannel : index[it->channel]);
    lists->channel_line.push_back(it->line);
  }
}

// One choices file's rows (ChoiceRow), parsed in its layout; false (reported) when a column is
// missing or a row is wrong.
bool ParseChoicesFile(const Rules& rules, const ChoicesFile& file, const Instance& inst, CsvReader& csv, DiagnosticSink& sink, ChoiceRows* rows,
                      int* batch_col, int* rank_col, int* prog_col, int* channel_col) {
  const std::size_t errors_before = sink.error_count();
  int cand_col = -1;
  if (file.wide) {
    std::vector<std::vector<int>> batch_cols;
    if (!FindWideColumns(file.layout, csv, sink, &cand_col, &batch_cols)) return false;
    ParseWideChoices(rules, file.layout, inst, csv, sink, cand_col, batch_cols, rows);
  } else {
    cand_col = RequireColumn(csv, rules, file.role, "candidate_id", true, sink);
    *batch_col = RequireColumn(csv, rules, file.role, "batch", true, sink);
    *rank_col = RequireColumn(csv, rules, file.role, "rank", true, sink);
    *prog_col = RequireColumn(csv, rules, file.role, "program", true, sink);
    *channel_col = RequireColumn(csv, rules, file.role, "channel", false, sink);  // optional: channel-tied slots
    if (cand_col < 0 || *batch_col < 0 || *rank_col < 0 || *prog_col < 0) return false;
    ParseLongChoices(rules, inst, csv, sink, cand_col, *batch_col, *rank_col, *prog_col, *channel_col, rows);
  }
  return sink.error_count() == errors_before;
}

// Each batch's lists come from one file: a wide file owns the batches it declares, a long file
// those its rows name first. `owner[b]` is the owning file's path; a row of a batch another file
// owns is an error at its batch cell (at the first such row).
bool ClaimBatches(const Rules& rules, const ChoicesFile& file, const CsvReader& csv, const ChoiceRows& rows, int batch_col,
                  std::vector<std::string>* owner, DiagnosticSink& sink) {
  bool ok = true;
  for (std::size_t i = 0; i < rows.size();) {  // rows are sorted by batch
    const std::uint32_t b = rows[i].batch;
    std::uint32_t first = rows[i].line;
    const std::size_t begin = i;
    for (; i < rows.size() && rows[i].batch == b; ++i) first = std::min(first, rows[i].line);
    std::string& who = (*owner)[b];
    if (who.empty() || who == file.path) {
      who = file.path;
      continue;
    }
    sink.CsvError(csv.display(), static_cast<int>(first), csv.header()[static_cast<std::size_t>(batch_col)],
                  "batch '" + rules.batches[b].name + "' already has its lists in the choices file " + who +
                      (i - begin > 1 ? " (" + std::to_string(i - begin) + " rows of this file name it; this is the first)" : std::string()) +
                      "; each batch's lists come from one file -- remove this file's rows of the batch, or the other file's");
    ok = false;
  }
  return ok;
}

// A continuing round's rows: a candidate who keeps the parent's seat (locked, not in
// declined.csv) takes no part -- an error at their rows; a choice of a program with no seat in
// the round cannot be admitted and is kept (the outcome is the same as without it), with one
// warning per program at its first row (rules/README.md, "Continuing a run").
void CheckRoundRows(const Rules& rules, const Instance& inst, const CsvReader& csv, const ChoiceRows& rows, int prog_col, RowErrors& errors,
                    DiagnosticSink& sink) {
  const ParentRun& pr = inst.parent;
  if (!pr.present) return;
  const Programs& progs = inst.programs;
  std::vector<std::uint8_t> seatless(progs.size(), 1);
  for (const std::vector<std::int32_t>& column : progs.seats) {
    for (std::size_t p = 0; p < column.size(); ++p) {
      if (column[p] > 0) seatless[p] = 0;
    }
  }
  // Batches whose outcome depends on the order of the list (a band mechanism, or a ranking key
  // or condition reading choice_rank): there a seatless choice still holds its place, and the
  // warning says so.
  std::vector<std::string> order_counts(rules.batches.size());
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    for (const Stage& stage : rules.batches[b].stages) {
      bool reads = stage.mechanism.kind != Mechanism::Kind::kDeferredAcceptance;
      for (const Channel& ch : stage.channels) {
        reads = reads || (ch.eligible && ReferencesChoiceRank(*ch.eligible));
        if (ch.ranking < 0) continue;
        for (const RankingKey& key : rules.rankings[static_cast<std::size_t>(ch.ranking)].keys) reads = reads || ReferencesChoiceRank(*key.expr);
      }
      if (reads) {
        order_counts[b] = "; batch '" + rules.batches[b].name + "' counts the order of the list (" +
                          (stage.mechanism.kind != Mechanism::Kind::kDeferredAcceptance ? "its mechanism" : "a ranking or condition reads choice_rank") +
                          "), so the choice still takes its place there: the candidate's later choices keep their numbers, and the outcome can differ "
                          "from a list without it";
        break;
      }
    }
  }
  RowErrors warnings(csv, sink, Severity::kWarning);
  for (const ChoiceRow& r : rows) {
    const std::string header = csv.header()[prog_col >= 0 ? static_cast<std::size_t>(prog_col) : r.column];
    if (pr.state[r.candidate] == ParentRun::kLocked) {
      errors.Add(static_cast<int>(r.line), header, "locked", [&] {
        const CandidateIndex c{r.candidate};
        return "candidate '" + inst.candidates.id[c] + "' keeps the seat the parent run gave them (" + progs.code[pr.program[c]] + ", batch '" +
               pr.slots[pr.slot[c]].batch + "') and is not in declined.csv: only candidates the parent left unplaced, and those who declined their seat, take part "
               "in this round -- remove the row, or list the candidate in " + (rules.inputs.declined.empty() ? std::string("inputs.declined") : rules.inputs.declined);
      });
    } else if (seatless[r.program]) {
      warnings.Add(static_cast<int>(r.line), header, "seatless\n" + progs.code[r.program], [&] {
        return "program '" + progs.code[r.program] + "' has no seat in this round (the parent run left none, and nobody declined one there); the choice is kept "
               "but cannot be admitted" + order_counts[r.batch];
      });
    }
  }
  warnings.Flush();
}

// Checks one file's lists (ranks 1, 2, ... without gaps, each program once, max_choices) and
// builds the ChoiceLists of the batches its rows fill.
bool BuildChoiceLists(const Rules& rules, const ChoicesFile& file, const CsvReader& csv, ChoiceRows& rows, int rank_col, int prog_col,
                      int channel_col, Instance* inst, DiagnosticSink& sink) {
  const std::size_t errors_before = sink.error_count();
  const bool wide = file.wide;
  // Errors about a list name the rank column (long) or the cell's own column (wide).
  auto rank_header = [&](const ChoiceRow& r) { return csv.header()[wide ? r.column : static_cast<std::size_t>(rank_col)]; };
  auto program_header = [&](const ChoiceRow& r) { return csv.header()[wide ? r.column : static_cast<std::size_t>(prog_col)]; };
  const Candidates& cands = inst->candidates;
  const Programs& progs = inst->programs;
  RowErrors list_errors(csv, sink);
  std::vector<std::uint32_t> last_seen(progs.size(), kNone);  // program -> list serial that used it
  std::uint32_t serial = 0;
  CheckRoundRows(rules, *inst, csv, rows, wide ? -1 : prog_col, list_errors, sink);
  std::size_t i = 0;
  while (i < rows.size()) {
    const std::uint32_t b = rows[i].batch;
    ChoiceLists& lists = inst->choices[b];
    lists.file = static_cast<std::size_t>(&file - rules.inputs.choices.data());
    std::size_t begin = i;
    while (i < rows.size() && rows[i].batch == b) {
      // One candidate's list: rows[i .. j).
      std::size_t j = i;
      ++serial;
      std::uint32_t previous = 0;
      while (j < rows.size() && rows[j].batch == b && rows[j].candidate == rows[i].candidate) {
        const ChoiceRow& r = rows[j];
        // Built only when reporting: this loop runs once per choice row.
        auto who = [&] { return "candidate '" + cands.id[r.candidate] + "' in batch '" + rules.batches[b].name + "'"; };
        auto whose = [&] { return " for " + who(); };
        // Compared with the previous rank, not the position, so one mistake is one error.
        if (r.rank == previous) {
          list_errors.AddOnce(static_cast<int>(r.line), rank_header(r),
                        "rank " + std::to_string(r.rank) + " is given twice" + whose() + "; " + kRankAdvice);
        } else if (r.rank != previous + 1) {
          list_errors.AddOnce(static_cast<int>(r.line), rank_header(r),
                        (previous == 0 ? "the first rank is " + std::to_string(r.rank) + ", not 1,"
                                       : "rank " + std::to_string(r.rank) + " follows rank " + std::to_string(previous)) +
                            whose() + "; " + kRankAdvice);
        }
        previous = r.rank;
        if (last_seen[r.program] == serial) {
          list_errors.AddOnce(static_cast<int>(r.line), program_header(r),
                        "program '" + progs.code[r.program] + "' appears twice in the list of " + who() + "; list each program once");
        }
        last_seen[r.program] = serial;
        const std::size_t max = static_cast<std::size_t>(rules.batches[b].max_choices);
        if (max > 0 && j - i == max) {
          list_errors.Add(static_cast<int>(r.line), rank_header(r), "max\n" + rules.batches[b].name, [&] {
            return "candidate '" + cands.id[r.candidate] + "' lists more than " + std::to_string(max) + (max == 1 ? " choice" : " choices") +
                   " in batch '" + rules.batches[b].name + "' (max_choices: " + std::to_string(max) + "); remove the extra choices or raise max_choices";
          });
        }
        ++j;
      }
      lists.offset[rows[i].candidate + 1] = static_cast<std::uint32_t>(j - i);
      i = j;
    }
    for (std::size_t c = 0; c < cands.size(); ++c) lists.offset[c + 1] += lists.offset[c];
    lists.program.reserve(i - begin);
    for (std::size_t k = begin; k < i; ++k) lists.program.push_back(ProgramIndex{rows[k].program});
    if (channel_col >= 0 || (wide && !file.layout.slot_channels.empty())) {
      TieChannels(BatchChannels(rules)[b], rows.begin() + static_cast<std::ptrdiff_t>(begin), rows.begin() + static_cast<std::ptrdiff_t>(i), &lists);
      if (lists.channel_names.size() >= kAnyChannel) {  // entries hold one byte
        sink.Error(csv.display(), csv.header_line(), 0,
                   "batch '" + rules.batches[b].name + "' has choices tied to " + std::to_string(lists.channel_names.size()) +
                       " different channels; at most " + std::to_string(kAnyChannel - 1) + " can be named in one batch");
      }
    }
  }
  list_errors.Flush();
  return sink.error_count() == errors_before;
}

// The choices files, each in its own layout, encoding and columns. `digests` gets one entry per
// file, in RuleInputs::choices order.
bool LoadChoices(const Rules& rules, Instance* inst, DiagnosticSink& sink, std::vector<FileDigest>* digests) {
  const Candidates& cands = inst->candidates;
  inst->choices.assign(rules.batches.size(), {});
  for (ChoiceLists& lists : inst->choices) lists.offset.assign(cands.size() + 1, 0);
  if (digests) digests->assign(rules.inputs.choices.size(), {});
  std::vector<std::string> owner(rules.batches.size());  // batch -> the file its lists come from
  for (const ChoicesFile& file : rules.inputs.choices) {
    if (!file.wide) continue;
    for (const WideChoices::BatchColumns& cols : file.layout.batches) {
      if (cols.batch >= 0) owner[static_cast<std::size_t>(cols.batch)] = file.path;
    }
  }
  bool ok = true;
  for (std::size_t f = 0; f < rules.inputs.choices.size(); ++f) {
    const ChoicesFile& file = rules.inputs.choices[f];
    CsvReader csv;
    csv.set_digest(digests ? &(*digests)[f] : nullptr);
    csv.set_role(file.role);
    csv.set_sheet(rules.SheetFor(file.role));
    csv.set_detect_encoding(!rules.EncodingGiven(file.role));
    if (!csv.Open(file.path, file.path, sink, rules.EncodingFor(file.role))) {
      ok = false;
      continue;
    }
    csv.set_max_records(file.wide ? CurrentInputLimits().max_candidates : CurrentInputLimits().max_choices, file.wide ? "candidate rows" : "choice rows");
    int batch_col = -1, rank_col = -1, prog_col = -1, channel_col = -1;
    ChoiceRows rows;
    if (!ParseChoicesFile(rules, file, *inst, csv, sink, &rows, &batch_col, &rank_col, &prog_col, &channel_col)) {
      ok = false;
      continue;
    }
    csv.ReleaseText();  // the rows hold indices; messages from here on need only the header
    // Files written in candidate order (the usual case) are already sorted: checking is O(rows).
    auto before = [](const ChoiceRow& a, const ChoiceRow& b) {
      return std::tie(a.batch, a.candidate, a.rank, a.line) < std::tie(b.batch, b.candidate, b.rank, b.line);
    };
    if (!std::is_sorted(rows.begin(), rows.end(), before)) ParallelSort(rows.begin(), rows.end(), before);  // keys unique (line)
    if (!file.wide && !ClaimBatches(rules, file, csv, rows, batch_col, &owner, sink)) {
      ok = false;
      continue;
    }
    ok = BuildChoiceLists(rules, file, csv, rows, rank_col, prog_col, channel_col, inst, sink) && ok;
  }
  return ok;
}

// allocations.csv: program,channel,group,seats[,batch][,stage]. Each row is checked on its own
// here (known program, a channel with allocation: table, a group some candidate belongs to, no
// row twice); which stage a row belongs to, and that a program's rows add up to its seats,
// depend on the stages' programs (which may read lines) and are checked by CheckPolicy.
bool LoadAllocations(const Rules& rules, Instance* inst, DiagnosticSink& sink, FileDigest* digest) {
  struct Target {
    std::size_t batch, stage, channel;
  };
  std::vector<Target> targets;  // split channels with allocation: table
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    for (std::size_t s = 0; s < rules.batches[b].stages.size(); ++s) {
      const auto& chans = rules.batches[b].stages[s].channels;
      for (std::size_t h = 0; h < chans.size(); ++h) {
        if (chans[h].allocation.kind == Allocation::Kind::kTable) targets.push_back({b, s, h});
      }
    }
  }
  if (rules.inputs.allocations.empty()) return true;
  CsvReader csv;
  csv.set_digest(digest);
  csv.set_role("allocations");
  csv.set_sheet(rules.SheetFor("allocations"));
  csv.set_detect_encoding(!rules.EncodingGiven("allocations"));
  if (!csv.Open(rules.inputs.allocations, rules.inputs.allocations, sink, rules.EncodingFor("allocations"))) return false;
  const std::size_t errors_before = sink.error_count();
  int prog_col = RequireColumn(csv, rules, "allocations", "program", true, sink);
  int chan_col = RequireColumn(csv, rules, "allocations", "channel", true, sink);
  int group_col = RequireColumn(csv, rules, "allocations", "group", true, sink);
  int seats_col = RequireColumn(csv, rules, "allocations", "seats", true, sink);
  int batch_col = RequireColumn(csv, rules, "allocations", "batch", false, sink);
  int stage_col = RequireColumn(csv, rules, "allocations", "stage", false, sink);
  if (prog_col < 0 || chan_col < 0 || group_col < 0 || seats_col < 0) return false;
  auto header = [&](int col) { return csv.header()[static_cast<std::size_t>(col)]; };
  const Programs& progs = inst->programs;
  const auto prog_index = NameIndex(progs.code);
  std::vector<std::string> batch_names;
  for (const Batch& b : rules.batches) batch_names.push_back(b.name);
  AllocationTable& table = inst->allocations;
  std::map<std::tuple<std::string, std::int32_t, std::string, ProgramIndex, std::string>, int> seen;  // first row of each
  CsvRecord rec;
  while (csv.Next(&rec)) {
    auto field = [&](int col) { return rec.fields[static_cast<std::size_t>(col)]; };
    bool ok = true;
    ProgramIndex program;
    if (const std::uint32_t found = prog_index.Find(field(prog_col)); found != kNone) {
      program = ProgramIndex{found};
    } else if (field(prog_col).empty()) {
      sink.CsvError(csv.display(), rec.line, header(prog_col), "no program: the cell is empty; write the code of a program in " + rules.inputs.programs + " or remove the row");
      ok = false;
    } else {
      sink.CsvError(csv.display(), rec.line, header(prog_col),
                    "unknown program '" + QuoteLong(Printable(field(prog_col))) + "'" + DidYouMean(field(prog_col), progs.code) + "; it is not in " +
                        rules.inputs.programs + " -- fix the code or remove the row");
      ok = false;
    }
    std::int32_t batch = -1;
    if (batch_col >= 0 && !field(batch_col).empty()) {
      batch = rules.FindBatch(std::string(field(batch_col)));
      if (batch < 0) {
        sink.CsvError(csv.display(), rec.line, header(batch_col),
                      "unknown batch '" + std::string(field(batch_col)) + "'" + DidYouMean(field(batch_col), batch_names) +
                          "; leave the cell empty or name a batch of the rules");
        ok = false;
      }
    }
    const std::string stage = stage_col >= 0 ? std::string(field(stage_col)) : std::string();
    // The split channel: by name, narrowed by the batch and stage cells when given.
    const std::string chan(field(chan_col));
    bool named = false, fits = false;
    std::vector<std::string> names;
    for (const Target& t : targets) {
      const Stage& st = rules.batches[t.batch].stages[t.stage];
      names.push_back(st.channels[t.channel].name);
      if (st.channels[t.channel].name != chan) continue;
      named = true;
      fits = fits || ((batch < 0 || static_cast<std::size_t>(batch) == t.batch) && (stage.empty() || st.name == stage));
    }
    if (!named) {
      sink.CsvError(csv.display(), rec.line, header(chan_col),
                    "'" + chan + "' is not a channel with allocation: table" + DidYouMean(chan, names) +
                        (names.empty() ? "; no channel of the rules reads this file" : ""));
      ok = false;
    } else if (!fits && batch >= 0 && ok) {
      sink.CsvError(csv.display(), rec.line, header(stage.empty() ? batch_col : stage_col),
                    "channel '" + chan + "' has no allocation: table in batch '" + rules.batches[static_cast<std::size_t>(batch)].name + "'" +
                        (stage.empty() ? "" : ", stage '" + stage + "'") + "; fix the cell or leave it empty");
      ok = false;
    } else if (!fits && ok) {
      std::vector<std::string> stages;  // the stages that have the channel
      for (const Target& t : targets) {
        const Stage& st = rules.batches[t.batch].stages[t.stage];
        if (st.channels[t.channel].name == chan) stages.push_back(st.name);
      }
      sink.CsvError(csv.display(), rec.line, header(stage_col),
                    "no stage named '" + stage + "' has channel '" + chan + "' with allocation: table" + DidYouMean(stage, stages) +
                        "; fix the cell or leave it empty");
      ok = false;
    }
    const std::string group(field(group_col));
    if (group.empty()) {
      sink.CsvError(csv.display(), rec.line, header(group_col), "the group is empty; name the junior school (or other group) the seats are for");
      ok = false;
    }
    std::int32_t seats = 0;
    std::string why;
    if (!ParseCount(field(seats_col), &seats, &why)) {
      sink.CsvError(csv.display(), rec.line, header(seats_col), "bad seats: " + why);
      ok = false;
    }
    if (!ok) continue;
    auto [it, added] = seen.emplace(std::make_tuple(chan, batch, stage, program, group), rec.line);
    if (!added) {
      sink.CsvError(csv.display(), rec.line, header(group_col),
                    "program '" + progs.code[program] + "', channel '" + chan + "', group '" + group + "' is allocated twice (first at row " +
                        std::to_string(it->second) + "); keep one row");
      continue;
    }
    // Groups must exist among candidates (of some channel with this name: they split by the
    // same kind of column in practice, and CheckPolicy checks the channel the row resolves to).
    bool known_group = false;
    const std::vector<std::string>* dictionary = nullptr;
    std::string split_by;
    for (const Target& t : targets) {
      const Channel& ch = rules.batches[t.batch].stages[t.stage].channels[t.channel];
      if (ch.name != chan) continue;
      if (const Column* col = inst->candidates.FindColumn(ch.split_by)) {
        dictionary = &col->dictionary;
        split_by = ch.split_by;
        known_group = known_group || std::binary_search(col->dictionary.begin(), col->dictionary.end(), group);
      }
    }
    if (dictionary && !known_group) {
      sink.CsvError(csv.display(), rec.line, header(group_col),
                    "no candidate has " + split_by + " '" + group + "'" + DidYouMean(group, *dictionary) +
                        "; seats allocated to it could never be used -- fix the name or remove the row");
      continue;
    }
    table.channel.push_back(chan);
    table.batch.push_back(batch);
    table.stage.push_back(stage);
    table.program.push_back(program);
    table.group.push_back(group);
    table.seats.push_back(seats);
    table.row.push_back(static_cast<std::uint32_t>(rec.line));
  }
  return sink.error_count() == errors_before;
}

// program_scores.csv: program,candidate_id,score -- the score a program gave a candidate
// (its own specialty test or interview). Each pair at most once; any candidate and program of
// the other files; a candidate need not list the program (the score is then never read).
bool LoadProgramScores(const Rules& rules, Instance* inst, DiagnosticSink& sink, FileDigest* digest) {
  if (rules.inputs.program_scores.empty()) return true;
  CsvReader csv;
  csv.set_digest(digest);
  csv.set_role("program_scores");
  csv.set_sheet(rules.SheetFor("program_scores"));
  csv.set_detect_encoding(!rules.EncodingGiven("program_scores"));
  if (!csv.Open(rules.inputs.program_scores, rules.inputs.program_scores, sink, rules.EncodingFor("program_scores"))) return false;
  const std::size_t errors_before = sink.error_count();
  const int prog_col = RequireColumn(csv, rules, "program_scores", "program", true, sink);
  const int cand_col = RequireColumn(csv, rules, "program_scores", "candidate_id", true, sink);
  const int score_col = RequireColumn(csv, rules, "program_scores", "score", true, sink);
  if (prog_col < 0 || cand_col < 0 || score_col < 0) return false;
  auto header = [&](int col) { return csv.header()[static_cast<std::size_t>(col)]; };
  const Candidates& cands = inst->candidates;
  const Programs& progs = inst->programs;
  const auto prog_index = NameIndex(progs.code);
  std::optional<NameIndex> cand_index;  // for the rows read one by one only
  struct Row {
    CandidateIndex candidate;
    ProgramIndex program;
    Score score;
    std::uint32_t line;
  };
  std::vector<Row, DefaultInitAllocator<Row>> rows;
  // Every thread first (nothing reported yet); a row with anything to report: one by one.
  const SortedIdLookup sorted_ids(cands.id);
  // One slice's parser. Ids are looked up from the slice's cursor (the next ids first: a file
  // in candidate order) until the cursor has gone past its look-ahead kFarBeforeLateIds times (a
  // school's file, program by program, where each row's candidate is ~n/seats ids further on);
  // from then on, in the hash index, a few rows late (LateIds), so that the rows' cache misses
  // overlap.
  struct ScoreRowParser {
    const SortedIdLookup& sorted_ids;
    const NameIndex& prog_index;
    int cand_col, prog_col, score_col;
    SortedIdLookup::Cursor cursor{};
    std::string_view last_cid{};
    std::uint32_t last_candidate = kNone, far = 0;
    std::optional<LateIds<Row>> late{};
    std::string why{};
    bool operator()(const CsvRecord& rec, Row* row) {
      const std::string_view cid = rec.fields[static_cast<std::size_t>(cand_col)], score = rec.fields[static_cast<std::size_t>(score_col)];
      const std::uint32_t program = prog_index.Find(rec.fields[static_cast<std::size_t>(prog_col)]);
      if (late && cid.size() <= NameIndex::kLocatable) {
        *row = Row{CandidateIndex{kNone}, ProgramIndex{program}, 0, static_cast<std::uint32_t>(rec.line)};
        late->Add(cid, row);
        return late->all_found() && program != kNone && !score.empty() && ParseDecimal(score, &row->score, &why);
      }
      if (last_candidate == kNone || cid != last_cid) {
        const SortedIdLookup::Cursor before = cursor;
        last_candidate = sorted_ids.Find(cid, &cursor);
        last_cid = cid;
        if (!late && SortedIdLookup::WentFar(before, cursor) && ++far >= kFarBeforeLateIds) {
          if (const NameIndex* index = sorted_ids.IndexIfFree()) late.emplace(*index);  // else at a later jump
        }
      }
      *row = Row{CandidateIndex{last_candidate}, ProgramIndex{program}, 0, static_cast<std::uint32_t>(rec.line)};
      return last_candidate != kNone && program != kNone && !score.empty() && ParseDecimal(score, &row->score, &why);
    }
    bool Finish() { return !late || late->Finish(); }
  };
  auto make_parser = [&] { return ScoreRowParser{sorted_ids, prog_index, cand_col, prog_col, score_col}; };
  const bool read = sink.error_count() == 0 && ReadRowsInParallel(csv, make_parser, &rows);
  std::string last_cid;
  std::uint32_t last_candidate = kNone;
  CsvRecord rec;
  while (!read && csv.Next(&rec)) {
    auto field = [&](int col) { return rec.fields[static_cast<std::size_t>(col)]; };
    Row row{CandidateIndex{0}, ProgramIndex{0}, 0, static_cast<std::uint32_t>(rec.line)};
    bool ok = true;
    if (const std::uint32_t found = prog_index.Find(field(prog_col)); found != kNone) {
      row.program = ProgramIndex{found};
    } else if (field(prog_col).empty()) {
      sink.CsvError(csv.display(), rec.line, header(prog_col), "no program: the cell is empty; write the code of a program in " + rules.inputs.programs);
      ok = false;
    } else {
      sink.CsvError(csv.display(), rec.line, header(prog_col),
                    "unknown program '" + QuoteLong(Printable(field(prog_col))) + "'" + DidYouMean(field(prog_col), progs.code) + "; it is not in " +
                        rules.inputs.programs);
      ok = false;
    }
    if (!cand_index) cand_index.emplace(cands.id);
    if (last_candidate != kNone && field(cand_col) == last_cid) {
      row.candidate = CandidateIndex{last_candidate};  // a candidate's rows usually come together
    } else if (const std::uint32_t found = cand_index->Find(field(cand_col)); found != kNone) {
      row.candidate = CandidateIndex{last_candidate = found};
      last_cid.assign(field(cand_col));
    } else {
      sink.CsvError(csv.display(), rec.line, header(cand_col),
                    "unknown candidate '" + QuoteLong(Printable(field(cand_col))) + "'; every score must belong to a candidate in " + rules.inputs.candidates);
      ok = false;
    }
    std::string why;
    if (field(score_col).empty()) {
      sink.CsvError(csv.display(), rec.line, header(score_col), "empty score; give the score, or leave the row out if the program gave none");
      ok = false;
    } else if (!ParseDecimal(field(score_col), &row.score, &why)) {
      sink.CsvError(csv.display(), rec.line, header(score_col), why);
      ok = false;
    }
    if (ok) rows.push_back(row);
  }
  if (sink.error_count() != errors_before) return false;
  csv.ReleaseText();  // the rows hold indices and scores; messages from here on need only the header
  // By candidate with a counting sort (rows are one per choice: tens of millions), then each
  // candidate's few rows by program. Rows already by candidate (a file exported by candidate)
  // stay where they are. Others (a school's file, by program) go first to blocks of 4,096
  // candidates, then within each block, in parallel, to their candidate: two passes whose
  // writes stay in cache, where one scatter straight to the candidate missed it on every row.
  {
    const std::size_t n = cands.size();
    std::vector<std::uint32_t> start(n + 1, 0);
    bool by_candidate = true;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ++start[rows[i].candidate + 1];
      by_candidate = by_candidate && (i == 0 || rows[i - 1].candidate <= rows[i].candidate);
    }
    for (std::size_t c = 0; c < n; ++c) start[c + 1] += start[c];
    if (!by_candidate) {
      constexpr unsigned kBlockBits = 12;
      const std::size_t blocks = (n >> kBlockBits) + 1;
      // To blocks in parallel: the rows cut in kParts parts, each counted per block, then each
      // part's rows written from its own cursor in every block (a part's rows after the
      // earlier parts'; the order within a candidate is settled by the sort below anyway).
      constexpr std::size_t kParts = 16;
      const std::size_t part_rows = (rows.size() + kParts - 1) / kParts;
      std::vector<std::uint32_t> part_cursor(kParts * blocks, 0);  // [part][block]
      auto each_part = [&](auto body) {
        ParallelFor(tbb::blocked_range<std::size_t>(0, kParts, 1), [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t part = range.begin(); part != range.end(); ++part) {
            body(part, std::min(rows.size(), part * part_rows), std::min(rows.size(), (part + 1) * part_rows), &part_cursor[part * blocks]);
          }
        });
      };
      each_part([&](std::size_t, std::size_t first, std::size_t last, std::uint32_t* count) {
        for (std::size_t i = first; i < last; ++i) ++count[rows[i].candidate >> kBlockBits];
      });
      for (std::size_t b = 0; b < blocks; ++b) {
        std::uint32_t at = start[std::min(n, b << kBlockBits)];
        for (std::size_t part = 0; part < kParts; ++part) {
          const std::uint32_t count = part_cursor[part * blocks + b];
          part_cursor[part * blocks + b] = at;
          at += count;
        }
      }
      decltype(rows) by_block(rows.size());
      each_part([&](std::size_t, std::size_t first, std::size_t last, std::uint32_t* cursor) {
        for (std::size_t i = first; i < last; ++i) by_block[cursor[rows[i].candidate >> kBlockBits]++] = rows[i];
      });
      ParallelFor(tbb::blocked_range<std::size_t>(0, blocks, 1), [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t b = range.begin(); b != range.end(); ++b) {
          const std::size_t first = std::min(n, b << kBlockBits), last = std::min(n, (b + 1) << kBlockBits);
          std::vector<std::uint32_t> cursor(start.begin() + static_cast<std::ptrdiff_t>(first), start.begin() + static_cast<std::ptrdiff_t>(last));
          for (std::uint32_t i = start[first]; i < start[last]; ++i) {
            const Row& r = by_block[i];
            rows[cursor[r.candidate - first]++] = r;
          }
        }
      });
    }
    ParallelFor(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& range) {
      for (std::size_t c = range.begin(); c != range.end(); ++c) {
        std::sort(rows.begin() + start[c], rows.begin() + start[c + 1],
                  [](const Row& a, const Row& b) { return std::tie(a.program, a.line) < std::tie(b.program, b.line); });
      }
    });
  }
  ProgramScores& out = inst->program_scores;
  out.offset.assign(cands.size() + 1, 0);
  out.program.reserve(rows.size());
  out.score.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (i > 0 && rows[i - 1].candidate == r.candidate && rows[i - 1].program == r.program) {
      sink.CsvError(csv.display(), static_cast<int>(r.line), header(score_col),
                    "program '" + progs.code[r.program] + "' scores candidate '" + cands.id[r.candidate] + "' twice (first at row " +
                        std::to_string(rows[i - 1].line) + "); keep one row");
      continue;
    }
    ++out.offset[r.candidate + 1];
    out.program.push_back(r.program);
    out.score.push_back(r.score);
  }
  for (std::size_t c = 0; c < cands.size(); ++c) out.offset[c + 1] += out.offset[c];
  return sink.error_count() == errors_before;
}

}  // namespace

Result<Instance> LoadInputs(const Rules& rules, DiagnosticSink& sink, RunIdentity* identity) {
  const std::size_t errors_before = sink.error_count();
  Instance inst;
  FileDigest candidates, programs, allocations, program_scores;
  std::vector<FileDigest> choices;
  std::map<std::string, FileDigest> parent_files;  // declined and the parent's files, by role
  const bool hash = identity != nullptr;
  bool candidate_ids = false, program_codes = false;
  bool ok = LoadCandidates(rules, &inst, sink, hash ? &candidates : nullptr, &candidate_ids);
  // A continuing round's parent, before programs.csv: its seats are the column `vacancies`. Its
  // rows name candidates, so it is read once their ids are (an ordinary run only checks that the
  // rules name no declined.csv, which needs no ids).
  ParentSeats parent;
  const bool continuing = !rules.inputs.parent_manifest.empty();
  if (candidate_ids || !continuing) ok = LoadParentRun(rules, &inst, sink, &parent_files, &parent) && ok;
  ok = LoadPrograms(rules, &inst, sink, hash ? &programs : nullptr, &program_codes, parent) && ok;
  if (program_codes) ResolveParentPrograms(parent, &inst);
  // The other files refer to candidates and programs by id and code: they are checked whenever
  // those are complete, even when a row of candidates.csv or programs.csv has an error, so that
  // one `check` reports the problems of every file.
  if (candidate_ids && program_codes && !sink.full()) {
    ok = LoadChoices(rules, &inst, sink, hash ? &choices : nullptr) && ok;
    ok = LoadAllocations(rules, &inst, sink, hash ? &allocations : nullptr) && ok;
    ok = LoadProgramScores(rules, &inst, sink, hash ? &program_scores : nullptr) && ok;
  }
  if (identity) {
    identity->files.clear();
    auto add = [&](const char* role, const std::string& path, std::string sha256, std::uint64_t bytes) {
      if (path.empty()) return;
      std::error_code ec;
      const auto abs = std::filesystem::weakly_canonical(path, ec);
      identity->files.push_back({role, ec ? path : abs.string(), std::move(sha256), static_cast<std::size_t>(bytes), {}});
    };
    add("rules", rules.path, rules.source_sha256, rules.source_bytes);
    for (const Rules::BaseFile& base : rules.bases) add("rules_base", base.path, base.sha256, base.bytes);
    // Every input in RuleInputs::Files order, with the digest of the bytes parsed (empty when
    // the file was not read).
    std::map<std::string, FileDigest> digest = std::move(parent_files);
    digest["candidates"] = candidates;
    digest["programs"] = programs;
    digest["allocations"] = allocations;
    digest["program_scores"] = program_scores;
    for (std::size_t f = 0; f < choices.size(); ++f) digest[rules.inputs.choices[f].role] = choices[f];
    for (const auto& [role, path] : rules.inputs.Files()) add(role.c_str(), path, digest[role].sha256, digest[role].bytes);
  }
  if (!ok) return Status::FromSink(sink, "the input files", errors_before);
  return inst;
}

}  // namespace zkmatch
