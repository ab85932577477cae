// The floor: the least work any matcher must do on a generated instance, as a yardstick for the
// engine's figures (bench/RESULTS.md reports every row as a multiple of it).
//
// Parse candidates.csv (id, total), programs.csv (code, `general` seats) and choices.csv
// (candidate_id, program; rows taken in file order as the candidate's list) with
// std::from_chars and no validation, sort the candidates by total desc then id, and run one
// serial-dictatorship pass with plain capacity counters. Assumes what `zkmatch gen` writes:
// numeric ids, no quoted fields, one batch, each candidate's choices together and in rank
// order. On the province profile (one ranking, one channel) it places exactly whom the engine
// places; on the city profile it ignores the arts channel (a yardstick, not an answer).
//
// Header-only so that floor_bench and match_bench measure the same code.
#ifndef ZKMATCH_BENCH_FLOOR_H_
#define ZKMATCH_BENCH_FLOOR_H_

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zkmatch::bench {

struct FloorResult {
  std::size_t candidates = 0, programs = 0, choices = 0, placed = 0;
  double parse_s = 0, sort_s = 0, match_s = 0;
  double total_s() const { return parse_s + sort_s + match_s; }
};

namespace floor_detail {

struct File {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::string_view view() const { return {data.get(), size}; }
};

// One read of the whole file, no initialisation of the buffer.
inline File ReadAll(const std::string& path) {
  File f;
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) std::abort();
  struct stat st {};
  if (::fstat(fd, &st) != 0) std::abort();
  f.size = static_cast<std::size_t>(st.st_size);
  f.data = std::make_unique_for_overwrite<char[]>(f.size);
  std::size_t got = 0;
  while (got < f.size) {
    const ssize_t r = ::read(fd, f.data.get() + got, f.size - got);
    if (r <= 0) std::abort();
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  return f;
}

// Splits a line into fields at commas (no quoting); returns the number of fields found.
inline std::size_t Fields(std::string_view line, std::string_view* out, std::size_t max) {
  std::size_t k = 0;
  std::size_t start = 0;
  while (k < max) {
    const std::size_t comma = line.find(',', start);
    out[k++] = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return k;
}

inline std::size_t Column(std::string_view header, std::string_view name) {
  std::string_view f[64];
  const std::size_t k = Fields(header, f, 64);
  for (std::size_t i = 0; i < k; ++i) {
    if (f[i] == name || (!f[i].empty() && f[i].back() == '\r' && f[i].substr(0, f[i].size() - 1) == name)) return i;
  }
  std::abort();
}

inline std::uint64_t Uint(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// "612.5" -> 61250 (at most two decimals).
inline std::int32_t Hundredths(std::string_view s) {
  std::int32_t whole = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), whole);
  std::int32_t frac = 0;
  if (r.ptr < s.data() + s.size() && *r.ptr == '.') {
    const char* p = r.ptr + 1;
    const char* end = s.data() + s.size();
    frac = p < end && *p >= '0' && *p <= '9' ? (*p - '0') * 10 : 0;
    if (p + 1 < end && p[1] >= '0' && p[1] <= '9') frac += p[1] - '0';
  }
  return whole * 100 + frac;
}

// Program code -> index: open addressing, FNV-1a, linear probing (what a hand-written matcher
// would use; std::unordered_map costs a quarter of the floor's parse).
class CodeTable {
 public:
  void Build(const std::vector<std::string_view>& codes) {
    std::size_t size = 16;
    while (size < codes.size() * 4) size *= 2;
    mask_ = size - 1;
    slots_.assign(size, Slot{});
    for (std::size_t i = 0; i < codes.size(); ++i) {
      std::size_t h = Hash(codes[i]) & mask_;
      while (slots_[h].index != kEmpty) h = (h + 1) & mask_;
      slots_[h] = Slot{codes[i], static_cast<std::uint32_t>(i)};
    }
  }
  std::uint32_t Find(std::string_view code) const {  // REQUIRES: code is in the table
    std::size_t h = Hash(code) & mask_;
    while (!Same(slots_[h].code, code)) h = (h + 1) & mask_;
    return slots_[h].index;
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::string_view code;
    std::uint32_t index = kEmpty;
  };
  static bool Same(std::string_view a, std::string_view b) {  // short codes: no memcmp call
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  static std::size_t Hash(std::string_view s) {
    std::uint64_t h = 14695981039346656037ull;
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

// Calls fn(line) for every non-empty line after the header.
template <typename Fn>
void EachLine(std::string_view text, Fn&& fn) {
  std::size_t nl = text.find('\n');
  std::size_t pos = nl == std::string_view::npos ? text.size() : nl + 1;
  while (pos < text.size()) {
    nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    if (end > pos) fn(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

// One forward pass over the rows after the header: calls fn(column, field) for columns
// 0..last of every row (fewer if the row is shorter) and skips the rest of the row. Fields
// keep a trailing '\r' of CRLF files.
template <typename Fn>
void EachField(std::string_view text, std::size_t last, Fn&& fn) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end && *p != '\n') ++p;  // the header
  while (p < end) {
    ++p;  // the '\n'
    if (p >= end) break;
    for (std::size_t col = 0;; ++col) {
      const char* f = p;
      while (p < end && *p != ',' && *p != '\n') ++p;
      fn(col, std::string_view(f, static_cast<std::size_t>(p - f)));
      if (col == last || p >= end || *p != ',') break;
      ++p;
    }
    if (p < end && *p != '\n') {
      const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      p = nl ? static_cast<const char*>(nl) : end;
    }
  }
}

}  // namespace floor_detail

// Runs the floor on the generated files in `dir`; `placed_at` (optional) receives each
// candidate's program index (UINT32_MAX: unplaced), candidates in file order.
inline FloorResult RunFloor(const std::string& dir, std::vector<std::uint32_t>* placed_at = nullptr) {
  using namespace floor_detail;
  using Clock = std::chrono::steady_clock;
  FloorResult res;
  const auto t0 = Clock::now();

  // programs.csv: code -> index, seats.
  const File pf = ReadAll(dir + "/programs.csv");
  const std::string_view ptext = pf.view();
  const std::string_view pheader = ptext.substr(0, ptext.find('\n'));
  const std::size_t code_col = Column(pheader, "code"), seat_col = Column(pheader, "general");
  std::vector<std::string_view> codes;
  std::vector<std::int32_t> seats;
  EachLine(ptext, [&](std::string_view line) {
    std::string_view f[64];
    Fields(line, f, 64);
    codes.push_back(f[code_col]);
    std::int32_t s = 0;
    std::from_chars(f[seat_col].data(), f[seat_col].data() + f[seat_col].size(), s);
    seats.push_back(s);
  });
  CodeTable code_index;
  code_index.Build(codes);

  // candidates.csv: id, total.
  const File cf = ReadAll(dir + "/candidates.csv");
  const std::string_view ctext = cf.view();
  const std::string_view cheader = ctext.substr(0, ctext.find('\n'));
  const std::size_t id_col = Column(cheader, "id"), total_col = Column(cheader, "total");
  std::vector<std::uint64_t> id;
  std::vector<std::int32_t> total;
  id.reserve(ctext.size() / 32);
  total.reserve(ctext.size() / 32);
  EachField(ctext, std::max(id_col, total_col), [&](std::size_t col, std::string_view f) {
    if (col == id_col) id.push_back(Uint(f));
    if (col == total_col) total.push_back(Hundredths(f));
  });
  const std::size_t n = id.size();
  // Candidate index by id: the generated file is sorted by id, so a binary search.
  if (!std::is_sorted(id.begin(), id.end())) std::abort();

  // choices.csv: candidate_id, program; each candidate's rows together, in rank order.
  const File hf = ReadAll(dir + "/choices.csv");
  const std::string_view htext = hf.view();
  const std::string_view hheader = htext.substr(0, htext.find('\n'));
  const std::size_t cid_col = Column(hheader, "candidate_id"), prog_col = Column(hheader, "program");
  if (prog_col < cid_col) std::abort();  // the candidate before their choice
  std::vector<std::uint32_t> offset(n + 1, 0);  // CSR: candidate c's list is list[offset[c], offset[c + 1])
  std::vector<std::uint32_t> list;
  list.reserve(htext.size() / 24);
  std::uint64_t current_id = ~std::uint64_t{0};
  std::size_t current = 0;
  EachField(htext, std::max(cid_col, prog_col), [&](std::size_t col, std::string_view f) {
    if (col == cid_col) {
      const std::uint64_t cid = Uint(f);
      if (cid != current_id) {
        const std::size_t c = static_cast<std::size_t>(std::lower_bound(id.begin(), id.end(), cid) - id.begin());
        if (c >= n || id[c] != cid || c < current) std::abort();  // unknown, or not grouped in id order
        for (std::size_t k = current; k < c; ++k) offset[k + 1] = static_cast<std::uint32_t>(list.size());
        current = c;
        current_id = cid;
      }
    } else if (col == prog_col) {
      if (!f.empty() && f.back() == '\r') f.remove_suffix(1);
      list.push_back(code_index.Find(f));
    }
  });
  for (std::size_t k = current; k < n; ++k) offset[k + 1] = static_cast<std::uint32_t>(list.size());
  const auto t1 = Clock::now();

  // Best first: total desc, then id (= index order).
  std::vector<std::uint64_t> order(n);
  for (std::size_t c = 0; c < n; ++c) {
    order[c] = (static_cast<std::uint64_t>(0x7FFFFFFF - total[c]) << 32) | c;
  }
  std::sort(order.begin(), order.end());
  const auto t2 = Clock::now();

  // Serial dictatorship: each candidate takes the first listed program with a seat left.
  std::vector<std::uint32_t> at(n, UINT32_MAX);
  std::size_t placed = 0;
  for (const std::uint64_t key : order) {
    const std::size_t c = static_cast<std::size_t>(key & 0xFFFFFFFF);
    for (std::uint32_t k = offset[c]; k < offset[c + 1]; ++k) {
      if (seats[list[k]] > 0) {
        --seats[list[k]];
        at[c] = list[k];
        ++placed;
        break;
      }
    }
  }
  const auto t3 = Clock::now();

  res.candidates = n;
  res.programs = seats.size();
  res.choices = list.size();
  res.placed = placed;
  res.parse_s = std::chrono::duration<double>(t1 - t0).count();
  res.sort_s = std::chrono::duration<double>(t2 - t1).count();
  res.match_s = std::chrono::duration<double>(t3 - t2).count();
  if (placed_at) *placed_at = std::move(at);
  return res;
}

}  // namespace zkmatch::bench

#endif  // ZKMATCH_BENCH_FLOOR_H_
