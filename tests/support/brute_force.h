// Test-only, independent reference for the matcher: a plain description of small admission
// instances, a stability checker and an exhaustive search for the student-optimal stable
// matching.
//
// Nothing here calls the engine's matcher, ranking, eligibility or expression code: rankings,
// eligibility conditions and the programs' choice function are re-implemented from the rules
// contract (DESIGN.md "Contract: the rules file", DOMAIN.md "Stability with channels") over
// plain strings and integers, so that a bug in the engine cannot hide in a shared helper.
//
// Semantics implemented:
//   - a batch has channels in precedence order; each channel has a capacity per program
//     (an empty cell or 0: no seats), one of two rankings and one eligibility condition;
//   - rankings: by_total = [total desc], by_arts = [arts desc, total desc]; then last_tie: id
//     (candidate id ascending, byte by byte). A missing arts value ranks after every present
//     one, and every comparison with it is false (so "arts > 0" is false);
//   - a program's choice from a set S: channel by channel in precedence order, take from the
//     members of S eligible for the channel and not taken by an earlier channel the best by
//     the channel's ranking, up to its capacity;
//   - batches run in order; a candidate placed in a batch takes no part in later batches;
//   - stability per batch: every program's admitted set is exactly its own choice from that
//     set (with the same channels), and no candidate who took part has justified envy.
//
// Thread-safety: plain functions over values; reentrant. Cost: the checker is
// O(total choices x channels x capacity); the exhaustive search is exponential and refuses
// more than a million assignments per batch.
#ifndef ZKMATCH_TESTS_SUPPORT_BRUTE_FORCE_H_
#define ZKMATCH_TESTS_SUPPORT_BRUTE_FORCE_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace zkmatch::testing::brute {

// Fixed-point hundredths of a point (612.5 -> 61250).
using Hundredths = std::int64_t;
// An empty numeric cell.
inline constexpr Hundredths kMissing = std::numeric_limits<Hundredths>::min();

enum class RankingKind {
  kByTotal,  // keys [total desc], last_tie: id
  kByArts,   // keys [arts desc, total desc], last_tie: id; missing arts after present ones
};

enum class EligibilityKind {
  kEveryone,      // no condition
  kArtsPositive,  // "arts > 0" (false when arts is missing)
  kTotalAtLeast,  // "total >= threshold"
  kSameDistrict,  // "district = program.district"
};

struct PlainChannel {
  std::string name;
  std::string seats;  // capacity column of programs.csv
  RankingKind ranking = RankingKind::kByTotal;
  EligibilityKind eligibility = EligibilityKind::kEveryone;
  Hundredths threshold = 0;  // kTotalAtLeast only
};

struct PlainBatch {
  std::string name;
  std::vector<PlainChannel> channels;  // precedence order
};

struct PlainCandidate {
  std::string id;
  Hundredths total = 0;
  Hundredths arts = kMissing;
  std::string district;
  // One list per batch (same order as PlainInstance::batches), first choice first.
  std::vector<std::vector<std::string>> lists;
};

struct PlainProgram {
  std::string code;
  std::string district;
  // seats[b][h]: capacity of channel h of batch b; nullopt = empty cell (no seats).
  std::vector<std::vector<std::optional<int>>> seats;
};

struct PlainInstance {
  std::vector<PlainBatch> batches;
  std::vector<PlainCandidate> candidates;
  std::vector<PlainProgram> programs;
};

// One row of placements.csv (its first six columns).
struct PlainPlacement {
  std::string candidate_id;
  bool placed = false;
  std::string batch, program, channel;
  int choice_rank = 0;  // 1-based; 0 when unplaced

  bool operator==(const PlainPlacement&) const = default;
};

// Names as they appear in rules files.
const char* RankingName(RankingKind kind);
std::string EligibilityText(const PlainChannel& channel);  // empty for kEveryone

// "612.5", "600", "-3.25": the fewest decimals needed.
std::string FormatHundredths(Hundredths value);

// Checks the instance's own shape (list sizes, unique ids/codes, known programs, no program
// twice in a list). Returns a description of the first problem, or "" when well formed.
std::string ValidateInstance(const PlainInstance& instance);

// True when `a` ranks strictly before `b` (a and b index instance.candidates).
bool Outranks(const PlainInstance& instance, RankingKind kind, std::size_t a, std::size_t b);
// Whether candidate c may take a seat of `channel` at program p.
bool IsEligible(const PlainInstance& instance, const PlainChannel& channel, std::size_t c, std::size_t p);

// Program p's choice in batch b from `applicants` (candidate indices): the channel index
// each applicant gets, or -1 when not chosen (parallel to `applicants`).
std::vector<int> ChooseFrom(const PlainInstance& instance, std::size_t b, std::size_t p,
                            const std::vector<std::size_t>& applicants);

// Parses placements.csv text (header first; RFC 4180 quoting; LF or CRLF). On a malformed
// file returns nullopt and sets *error.
std::optional<std::vector<PlainPlacement>> ParsePlacements(const std::string& csv, std::string* error);

// Every violation of the contract found in `placements`: row set and order, statuses, batch /
// program / channel names, choice_rank, listed program, eligibility, capacity, channel
// assignment consistent with the choice function, and justified envy per batch. Empty = OK.
std::vector<std::string> CheckAssignment(const PlainInstance& instance, const std::vector<PlainPlacement>& placements);

// Every stable outcome of tiny instances, batch by batch (batch b's participants are the
// candidates not placed in an earlier batch of the student-optimal outcome), returning the
// student-optimal one. Fails (nullopt, *error set) when a batch has more than 10^6
// assignments or when no stable outcome is weakly preferred by every candidate to every other.
struct ExhaustiveResult {
  std::vector<PlainPlacement> placements;     // sorted by candidate id
  std::vector<std::size_t> stable_outcomes;   // how many stable assignments each batch had
};
std::optional<ExhaustiveResult> ExhaustiveStudentOptimal(const PlainInstance& instance, std::string* error);

// placements.csv and cutoffs.csv exactly as the contract lays them out, computed from the plain
// data and an assignment (which need not be valid; unknown names are skipped).
std::string RenderPlacementsCsv(const PlainInstance& instance, const std::vector<PlainPlacement>& placements);
std::string ExpectedCutoffsCsv(const PlainInstance& instance, const std::vector<PlainPlacement>& placements);

// A readable dump of the instance (for failure messages).
std::string Describe(const PlainInstance& instance);

}  // namespace zkmatch::testing::brute

#endif  // ZKMATCH_TESTS_SUPPORT_BRUTE_FORCE_H_
