// Test-only, independent reference for the matcher: a plain description of small admission
// instances, a stability checker, a slow reference run (one proposal at a time, with unfilled
// seats flowing and the batch rerun) and an exhaustive search for the student-optimal stable
// matching.
//
// Nothing here calls the engine's matcher, ranking, eligibility, allocation or expression code
// (nor OpenSSL, which the engine uses for lotteries: SHA-256 is re-implemented here): rankings,
// eligibility conditions, seat splits, lottery numbers and the programs' choice function are
// re-implemented from the rules contract (rules/README.md, DOMAIN.md "Stability with channels")
// over plain strings and integers, so that a bug in the engine cannot hide in a shared helper.
//
// Semantics implemented:
//   - a batch has channels in precedence order; each channel has a capacity per program
//     (an empty cell or 0: no seats), one ranking and one eligibility condition;
//   - a split channel (split_by: junior_school, allocation: table) divides each program's seats
//     among groups (PlainProgram::group_seats, the rows of allocations.csv): only candidates of
//     group g compete for g's seats, by the channel's ranking and condition;
//   - rankings: by_total = [total desc], by_arts = [arts desc, total desc], by_score =
//     [program_score desc, total desc] (the score the program being applied to gave the
//     candidate, PlainCandidate::program_scores; a program without a score for the candidate
//     ranks it after every scored one), each with one of
//     three last_tie rules: id (candidate id ascending, byte by byte), lottery (SHA-256 of seed,
//     a 0 byte and the id; first 8 bytes big-endian ascending; then id) or admit_all (candidates
//     equal on every key are tied). A missing arts value ranks after every present one, and
//     every comparison with it is false (so "arts > 0" is false);
//   - channel-tied slots (PlainCandidate::tied, choices.csv's `channel` column): an entry tied
//     to channel X competes only for X at its program -- everywhere below, "eligible for a
//     channel" includes "not tied to another channel of the program";
//   - a program's choice from a set S: channel by channel in precedence order (for a split
//     channel, group by group), take from the members of S eligible for the channel and not
//     taken by an earlier channel the best `cap` by the channel's ranking, plus everyone tied
//     (admit_all) with the last one taken;
//   - batches run in order; a candidate placed in a batch takes no part in later batches;
//   - stages (PlainBatch::stages): a batch may consist of ordered stages sharing the batch's
//     choice list; a stage only considers the programs it runs (PlainProgram::tier) and only its
//     own channels; a candidate placed in a stage takes no part in later stages of the batch
//     (nor later batches); choice_rank is the position in the full list; flows are per stage.
//     Each program is run by at most one stage of a batch;
//   - unfilled seats (PlainChannel::unfilled): after a stage is matched, the seats each channel
//     left EMPTY IN THAT PASS'S MATCH (per program, per group for a split channel) move to its
//     `unfilled:` target (a channel of the same stage and program, not split); all moves of a
//     pass are computed from that pass's match and applied together; then the stage is matched
//     again from the start with the new capacities; repeat until no seat moves. Chains are
//     allowed (a target may send its own empty seats on), circles are not;
//   - stability per batch and stage, with the seats after the flows: every program's admitted set is
//     exactly its own choice from that set (with the same channels), nobody who took part has
//     justified envy (a channel of a program ranked higher, eligible, with admitted < capacity
//     or holding someone strictly lower in its ranking; for a split channel, within the
//     candidate's group), and nobody is blocked (a program ranked higher whose choice from its
//     admitted set plus the candidate takes the candidate -- with admit_all this also catches
//     a candidate tied with the last seat's holder who was left out);
//   - capacity: a channel (group) holds at most its seats, more only when everyone beyond the
//     last seat is tied with the holder of the last seat under an admit_all ranking.
//   - mechanisms (PlainBatch::band), from their textbook definitions, nothing else: immediate
//     acceptance (Boston): in round k every candidate still unplaced applies to their k-th
//     choice (skipped when another stage runs it), and each program takes, by its choice
//     function over the seats still free, from that round's applicants only -- for good;
//     Chen-Kesten with bands of e: band t holds choices t*e+1 .. (t+1)*e; inside a band,
//     deferred acceptance among the candidates still unplaced, over the seats still free, on
//     the band's choices only; the places made in a band are final. The stability and
//     choice-function checks of CheckAssignment are deferred acceptance's certificate and are
//     skipped for a stage with another mechanism: compare with ReferenceRun instead.
//
// Thread-safety: plain functions over values; reentrant. Cost: the checker is
// O(total choices x channels x capacity log capacity); the exhaustive search is exponential and
// refuses more than a million assignments per batch.
#ifndef ZKMATCH_TESTS_SUPPORT_BRUTE_FORCE_H_
#define ZKMATCH_TESTS_SUPPORT_BRUTE_FORCE_H_

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zkmatch::testing::brute {

// Fixed-point hundredths of a point (612.5 -> 61250).
using Hundredths = std::int64_t;
// An empty numeric cell.
inline constexpr Hundredths kMissing = std::numeric_limits<Hundredths>::min();

enum class RankingKind {
  kByTotal,           // keys [total desc], last_tie: id
  kByArts,            // keys [arts desc, total desc], last_tie: id; missing arts after present ones
  kByTotalAdmitAll,   // keys [total desc], last_tie: admit_all
  kByArtsAdmitAll,    // keys [arts desc, total desc], last_tie: admit_all
  kByTotalLottery,    // keys [total desc], last_tie: lottery (needs PlainInstance::seed)
  kByArtsLottery,     // keys [arts desc, total desc], last_tie: lottery
  kByScore,           // keys [program_score desc, total desc], last_tie: id
  kByScoreAdmitAll,   // the same, last_tie: admit_all
  kByScoreLottery,    // the same, last_tie: lottery
};

enum class LastTie { kId, kAdmitAll, kLottery };

LastTie TieOf(RankingKind kind);
bool RanksByArts(RankingKind kind);
bool RanksByProgramScore(RankingKind kind);
RankingKind MakeRanking(bool by_arts, LastTie tie);
RankingKind MakeProgramScoreRanking(LastTie tie);

enum class EligibilityKind {
  kEveryone,      // no condition
  kArtsPositive,  // "arts > 0" (false when arts is missing)
  kTotalAtLeast,  // "total >= threshold"
  kSameDistrict,  // "district = program.district"
  kProgramScoreAtLeast,  // "program_score >= threshold" (false when the program gave no score)
};

struct PlainChannel {
  std::string name;
  std::string seats;  // capacity column of programs.csv
  RankingKind ranking = RankingKind::kByTotal;
  EligibilityKind eligibility = EligibilityKind::kEveryone;
  Hundredths threshold = 0;  // kTotalAtLeast and kProgramScoreAtLeast only
  // split_by: junior_school, allocation: table. The seats per group are in
  // PlainProgram::group_seats; the programs.csv cell is their sum.
  bool split = false;
  // Channel of the same batch and stage that receives this channel's unfilled seats; "" = they
  // stay. The target is not split; it may itself send its unfilled seats on (a chain), but no
  // circle.
  std::string unfilled = {};
  // Index into PlainBatch::stages of the stage this channel belongs to (0 without stages).
  std::size_t stage = 0;
  // How the rules give the seats (rendering only: PlainProgram::seats holds the seats that
  // result, worked out by the generator): share_percent > 0 is `{share: P%, of: plan}`, rest_of
  // is `{rest_of: plan}`, the plan being PlainProgram::plan of the batch. Never split.
  int share_percent = 0;
  bool rest_of = false;
};

// A stage of a batch: runs the programs whose `tier` column equals `tier` (rendered as
// programs: "program.tier = T").
struct PlainStage {
  std::string name;
  int tier = 0;
  int band = -1;  // the stage's own mechanism (see PlainBatch::band); -1: the batch's
};

struct PlainBatch {
  std::string name;
  // Every channel of the batch: grouped by stage (stage 0 first), each stage's in precedence
  // order. Two stages may have channels of the same name.
  std::vector<PlainChannel> channels;
  // Ordered stages; empty = one unnamed stage running every program (the plain form).
  std::vector<PlainStage> stages = {};
  // The mechanism: 0 = deferred acceptance (the default), 1 = immediate acceptance (Boston),
  // e >= 2 = Chen-Kesten parallel with bands of e choices.
  int band = 0;
};

// The mechanism stage s of the batch runs (PlainBatch::band).
int BandOf(const PlainBatch& batch, std::size_t s);

struct PlainCandidate {
  std::string id;
  Hundredths total = 0;
  Hundredths arts = kMissing;
  std::string district;
  // One list per batch (same order as PlainInstance::batches), first choice first.
  std::vector<std::vector<std::string>> lists;
  std::string group = {};  // junior_school (the split_by column)
  // program_scores.csv: program code -> the score that program gave the candidate.
  std::map<std::string, Hundredths> program_scores = {};
  // choices.csv's channel column, per batch and parallel to `lists`: the channel name an entry
  // is tied to ("" = any channel); an empty vector (or none for a batch) = no entry tied.
  std::vector<std::vector<std::string>> tied = {};
  bool accepts = false;  // candidates.csv's `accepts` column is 1: the candidate accepts reassignment
};

struct PlainProgram {
  std::string code;
  std::string district;
  // seats[b][h]: capacity of channel h of batch b; nullopt = empty cell (no seats).
  std::vector<std::vector<std::optional<int>>> seats;
  // group_seats[b][h]: rows of allocations.csv for split channel h of batch b, group -> seats
  // (a group without a row has no seats). Empty, or one entry per batch and channel.
  std::vector<std::vector<std::map<std::string, int>>> group_seats = {};
  // programs.csv column `tier`: which stage of a staged batch runs the program.
  int tier = 0;
  // plan[b]: the program's plan seats in batch b, which shares are taken of (column plan_<batch>);
  // nullopt: the batch has no shares. Empty, or one entry per batch.
  std::vector<std::optional<int>> plan = {};
  Hundredths last_cutoff = kMissing;  // programs.csv's `last_cutoff` column (reassignment's order)
};

// Reassignment (调剂, rules/README.md "Reassignment"), as the property test draws it:
//   reassignment: {flag: accepts, ranking: RANKING[, eligible: "total >= T"][, channels: [...]],
//                  order: ORDER}
// After every batch (and flow), the candidates with `accepts` whom no batch placed take turns in
// the ranking's order (ties by id); each takes the first seat left empty -- a cutoffs.csv row
// whose capacity exceeds the batch's placements there, minus the seats earlier turns took -- of a
// listed channel (all when none is listed) that they are eligible for (the channel's condition,
// their group for a split channel, and total >= T), first by the order keys, then by the row's
// place in cutoffs.csv. ORDER: kDistrictThenCutoff = [district = program.district desc,
// program.last_cutoff desc]; kCutoffAsc = [program.last_cutoff asc]; kNone = []. A missing
// last_cutoff comes after every present one.
struct PlainReassignment {
  enum class Order { kNone, kDistrictThenCutoff, kCutoffAsc };
  bool present = false;
  RankingKind ranking = RankingKind::kByTotal;
  std::vector<std::string> channels = {};  // empty: every channel
  Hundredths threshold = kMissing;         // kMissing: no eligible condition
  Order order = Order::kDistrictThenCutoff;
};

struct PlainInstance {
  std::vector<PlainBatch> batches;
  std::vector<PlainCandidate> candidates;
  std::vector<PlainProgram> programs;
  std::string seed = {};  // top-level seed: for lottery rankings
  PlainReassignment reassignment = {};
};

// One row of placements.csv (its first six columns).
struct PlainPlacement {
  std::string candidate_id;
  bool placed = false;
  std::string batch, program, channel;
  int choice_rank = 0;  // 1-based; 0 when unplaced
  // Placed by reassignment after the batches (status `reassigned`): batch, program and channel
  // name the seat's row; placed is false and choice_rank 0.
  bool reassigned = false;

  bool operator==(const PlainPlacement&) const = default;
};

// Stages of batch b (1 when it has none); whether stage s of batch b runs program p (every
// program when the batch has no stages); the stage's name ("" without stages); the stage of
// batch b that runs p (StageCount when none does).
std::size_t StageCount(const PlainBatch& batch);
bool StageRuns(const PlainInstance& instance, std::size_t b, std::size_t s, std::size_t p);
std::string StageName(const PlainInstance& instance, std::size_t b, std::size_t s);
std::size_t StageOfProgram(const PlainInstance& instance, std::size_t b, std::size_t p);
// Whether channel h of batch b belongs to the stage that runs program p.
bool ChannelRuns(const PlainInstance& instance, std::size_t b, std::size_t h, std::size_t p);
// The channel of batch b named `name` in the stage that runs program p; npos when none.
std::size_t ChannelIndex(const PlainInstance& instance, std::size_t b, std::size_t p, const std::string& name);

// Names as they appear in rules files.
const char* RankingName(RankingKind kind);
std::string EligibilityText(const PlainChannel& channel);  // empty for kEveryone

// "612.5", "600", "-3.25": the fewest decimals needed.
std::string FormatHundredths(Hundredths value);

// SHA-256 (FIPS 180-4), self-contained.
std::array<std::uint8_t, 32> Sha256(const std::string& message);
// The lottery number of a candidate: the first 8 bytes, big-endian, of SHA-256(seed, 0, id).
std::uint64_t LotteryNumber(const std::string& seed, const std::string& id);

// Checks the instance's own shape (list sizes, unique ids/codes, known programs, no program
// twice in a list, split seats adding up, groups that exist, flow targets, a seed for
// lotteries). Returns a description of the first problem, or "" when well formed.
std::string ValidateInstance(const PlainInstance& instance);

// No program: for rankings that do not read program_score.
inline constexpr std::size_t kAnyProgram = static_cast<std::size_t>(-1);
// < 0 when `a` ranks before `b` among the applicants of program p, > 0 when after, 0 when tied
// (only under admit_all, or a == b). p may be kAnyProgram unless RanksByProgramScore(kind).
int Compare(const PlainInstance& instance, RankingKind kind, std::size_t a, std::size_t b, std::size_t p = kAnyProgram);
// True when `a` ranks strictly before `b` (a and b index instance.candidates) at program p.
bool Outranks(const PlainInstance& instance, RankingKind kind, std::size_t a, std::size_t b, std::size_t p = kAnyProgram);
// Whether candidate c satisfies `channel`'s condition at program p (seats are not looked at).
bool IsEligible(const PlainInstance& instance, const PlainChannel& channel, std::size_t c, std::size_t p);
// The channel candidate c tied program p to in batch b ("" when any channel, or not listed).
std::string TiedChannel(const PlainInstance& instance, std::size_t b, std::size_t c, std::size_t p);
// Whether c may take a seat of channel h of batch b at p: eligible, and the entry is not tied
// to another channel.
bool Competes(const PlainInstance& instance, std::size_t b, std::size_t h, std::size_t c, std::size_t p);
// The seats candidate c competes for in channel h of batch b at program p: the channel's
// capacity, or for a split channel the seats of c's group.
int SeatsFor(const PlainInstance& instance, std::size_t b, std::size_t p, std::size_t h, std::size_t c);

// Program p's choice in batch b from `applicants` (candidate indices): the channel index
// each applicant gets, or -1 when not chosen (parallel to `applicants`).
std::vector<int> ChooseFrom(const PlainInstance& instance, std::size_t b, std::size_t p,
                            const std::vector<std::size_t>& applicants);

// Parses placements.csv text (header first; RFC 4180 quoting; LF or CRLF). On a malformed
// file returns nullopt and sets *error.
std::optional<std::vector<PlainPlacement>> ParsePlacements(const std::string& csv, std::string* error);

// Every violation of the contract found in `placements`, with the seats as the instance gives
// them: row set and order, statuses, batch / program / channel names, choice_rank, listed
// program, eligibility (incl. the group's seats), capacity (overflow only by a tie at the last
// seat), channel assignment consistent with the choice function, justified envy and blocking
// per batch. Empty = OK. For an outcome where seats flowed, pass WithFinalSeats(...).
std::vector<std::string> CheckAssignment(const PlainInstance& instance, const std::vector<PlainPlacement>& placements);

// Unfilled seats that moved. in[b][p][h]: seats channel h of program p in batch b received;
// out[b][p][h]: seats it gave away, per group for a split channel (key "" otherwise).
struct SeatFlows {
  std::vector<std::vector<std::vector<int>>> in;
  std::vector<std::vector<std::vector<std::map<std::string, int>>>> out;
  bool operator==(const SeatFlows&) const = default;
};
SeatFlows NoFlows(const PlainInstance& instance);
// The instance with the seats after `flows` (targets gain, sources lose) and no channel sending
// unfilled seats anywhere: what the last matching pass ran with.
PlainInstance WithFinalSeats(const PlainInstance& instance, const SeatFlows& flows);

// Reads the seat rows of the engine's cutoffs.csv: checks that the rows are exactly those the
// contract lays out (batch, program in code order, channel, group in byte order; one row per
// channel that is not split, one per group with allocated seats) with the instance's initial
// seats and capacity = initial + flowed_in - flowed_out, and returns the flows they report.
// Problems are appended to *problems (nullopt when the file cannot be read at all).
std::optional<SeatFlows> FlowsFromCutoffs(const PlainInstance& instance, const std::string& cutoffs_csv,
                                          std::vector<std::string>* problems);

// Checks seat flows against the rules and the final placements: seats leave only channels with
// an unfilled target and arrive only at a target, the target of each program receives exactly
// what its sources gave (so per program the seats before and after add up to the same), no
// source gives more than it had, and the flows reached their fixpoint: no channel (group) with
// an unfilled target has admitted < capacity. Empty = OK.
std::vector<std::string> CheckFlows(const PlainInstance& instance, const SeatFlows& flows,
                                    const std::vector<PlainPlacement>& placements);

// The reference outcome: per batch and stage, its mechanism (deferred acceptance, or the bands
// above, each band's deferred acceptance run the same way), student-proposing deferred acceptance one
// proposal at a time (candidates in id order, a stack of free candidates; only the stage's
// programs), then the seats each channel left empty in that pass's match move to its unfilled
// target, all at once, and the stage is matched again, until no seat moves.
struct ReferenceResult {
  std::vector<PlainPlacement> placements;  // sorted by candidate id
  SeatFlows flows;
  std::vector<int> passes;                 // matching passes per stage (batch by batch, stage by stage)
};
ReferenceResult ReferenceRun(const PlainInstance& instance);

// Every stable outcome of tiny instances, batch by batch (batch b's participants are the
// candidates not placed in an earlier batch of the student-optimal outcome), returning the
// student-optimal one. Fails (nullopt, *error set) when a batch has more than 10^6
// assignments, when a channel sends unfilled seats (flows are not searched), or when no stable
// outcome is weakly preferred by every candidate to every other.
struct ExhaustiveResult {
  std::vector<PlainPlacement> placements;     // sorted by candidate id
  std::vector<std::size_t> stable_outcomes;   // how many stable assignments each batch (stage) had
};
std::optional<ExhaustiveResult> ExhaustiveStudentOptimal(const PlainInstance& instance, std::string* error);

// placements.csv and cutoffs.csv exactly as the contract lays them out, computed from the plain
// data, an assignment (which need not be valid; unknown names are skipped) and, for cutoffs,
// the seat flows (none when null).
std::string RenderPlacementsCsv(const PlainInstance& instance, const std::vector<PlainPlacement>& placements);
std::string ExpectedCutoffsCsv(const PlainInstance& instance, const std::vector<PlainPlacement>& placements,
                               const SeatFlows* flows = nullptr);

// Reassignment applied literally, as PlainReassignment describes it, to the placements of every
// batch (`placements`, sorted by candidate id, as ReferenceRun gives them) with the seats after
// `flows`: the same placements with the reassigned candidates marked. REQUIRES:
// instance.reassignment.present.
std::vector<PlainPlacement> ReferenceReassign(const PlainInstance& instance, const std::vector<PlainPlacement>& placements, const SeatFlows& flows);

// A readable dump of the instance (for failure messages).
std::string Describe(const PlainInstance& instance);

}  // namespace zkmatch::testing::brute

#endif  // ZKMATCH_TESTS_SUPPORT_BRUTE_FORCE_H_
