// Writes audit.jsonl and manifest.json. The format is specified in engine/audit-format.md;
// this file and that document change together.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "audit_log.h"
#include "csv.h"
#include "decimal.h"
#include "digest.h"
#include "eligibility.h"
#include "expression.h"
#include "json.h"
#include "merkle.h"
#include "names.h"
#include "parallel.h"
#include "ranking.h"
#include "run_format.h"
#include "zkmatch/audit.h"

namespace zkmatch {
namespace {

std::string Hex16(std::uint64_t v) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kDigits[v & 15];
  return out;
}

// Lookups over one stage's result: which row counts (program, channel[, group]), and the
// worst admitted candidate of each row by the channel's ranking (the cut-off).
struct StageIndex {
  const StageResult* result = nullptr;
  std::vector<std::uint8_t> in_stage;
  std::vector<std::int32_t> row_of;                 // [p * nh + h]
  std::vector<std::vector<std::int32_t>> group_row; // [h][p * groups + g]
  std::vector<const Column*> split;                 // per channel, null when not split
  std::vector<CandidateIndex> worst;                // per row
  std::vector<std::uint64_t> worst_rank;            // per row with a worst: PlacedRank of it by the row's channel's ranking
  std::vector<std::uint8_t> split_has_seats;        // [p * nh + h]: some group has seats
  std::vector<std::string> channel_key, channel_json;  // per channel: its name as a JSON key ("name":) and value
};

class AuditWriter {
 public:
  AuditWriter(const Rules& rules, const Instance& instance, const Outcome& outcome)
      : rules_(rules), instance_(instance), outcome_(outcome), ctx_{instance.candidates, instance.programs, &outcome.lines, &instance.program_scores} {
    BuildIndexes();
  }

  // The audit log, as stored: plain JSON lines, or with `compress` zstd frames of them
  // (audit_log.h). `outputs` and `digests` (their SHA-256, hex) go into the end record;
  // `*root` receives the Merkle root of its lines (merkle.h), `*records` their number,
  // `*file_digest` the SHA-256 of the bytes returned.
  std::string Render(const RunIdentity& identity, const std::vector<OutputFile>& outputs, const std::vector<std::string>& digests, bool compress,
                     std::string* root, std::size_t* line_count, std::string* file_digest) {
    std::string out, pending;  // pending: lines not yet stored (compressed as one frame)
    std::vector<MerkleHash> leaves;
    Sha256Hasher whole;
    AuditFrameCompressor compressor;
    auto store = [&](std::string_view bytes) {
      const std::size_t at = out.size();
      if (compress) {
        compressor.AppendFrame(bytes, &out);
      } else {
        out.append(bytes);
      }
      whole.Update(std::string_view(out).substr(at));
    };
    auto emit = [&](std::string& record) {
      leaves.push_back(MerkleLeafHash(record));
      pending += record;
      pending.push_back('\n');
    };
    std::string header = Header(identity);
    emit(header);
    for (const StageResult& st : outcome_.stages) {  // run order
      for (std::size_t r = 0; r < st.seats.size(); ++r) {
        std::string record = SeatsRecord(stage_index_[st.batch][st.stage], r);
        emit(record);
      }
    }
    for (const Flow& f : outcome_.flows) {
      std::string record = FlowRecord(f);
      emit(record);
    }
    store(pending);
    pending.clear();
    const std::size_t n = instance_.candidates.size();
    std::size_t records = leaves.size();
    bool first = true;
    records += RenderCandidates(compress, &leaves, [&](const std::string& stored, std::size_t count) {
      if (first) {
        // Reserve for every candidate at once, from the first block's size: growing a string
        // of hundreds of megabytes by doubling copies it again and again.
        out.reserve(out.size() + stored.size() / count * n * 17 / 16 + 4096);
        first = false;
      }
      out += stored;
      whole.Update(stored);
    });
    JsonWriter w;
    w.BeginObject().Key(audit_keys::kRecord).String(audit_keys::kEnd).Key(audit_keys::kRecords).Int(static_cast<std::int64_t>(records + 1));
    w.Key(audit_keys::kOutputs).BeginObject();
    for (std::size_t i = 0; i < outputs.size(); ++i) w.Key(outputs[i].name).String(digests[i]);
    w.EndObject().EndObject();
    std::string end_record = w.Take();
    emit(end_record);
    store(pending);
    *root = MerkleHex(MerkleRoot(leaves));
    *line_count = leaves.size();
    *file_digest = whole.HexDigest();
    return out;
  }

  // The candidate records, in candidate order, appended to `leaves` and handed to `take` as
  // stored (a block of lines, or with `compress` one zstd frame of them). Blocks are rendered,
  // their leaves hashed and compressed in parallel while the blocks before them are taken in
  // order. Returns the number of records.
  template <typename Take>
  std::size_t RenderCandidates(bool compress, std::vector<MerkleHash>* leaves, Take take) {
    struct Chunk {
      std::size_t begin = 0, end = 0;
      std::string bytes;  // the block as stored
      std::vector<MerkleHash> leaves;
    };
    const std::size_t n = instance_.candidates.size();
    leaves->reserve(leaves->size() + n + 1);
    constexpr std::size_t kChunk = 1 << 12;
    std::size_t next = 0;
    tbb::enumerable_thread_specific<AuditFrameCompressor> compressors;
    tbb::enumerable_thread_specific<RecordScratch> scratches;
    const std::size_t tokens = 2 * static_cast<std::size_t>(tbb::this_task_arena::max_concurrency()) + 1;
    // For ThreadSanitizer (see parallel.h): what this thread wrote before the pipeline, and each
    // serial filter's previous invocation, happen before a filter runs; a chunk is handed from
    // filter to filter. Static tokens, so no filter reads its captures before acquiring.
    static const char kFork = 0, kFirst = 0, kLast = 0;
    const auto filters =
        tbb::make_filter<void, Chunk*>(tbb::filter_mode::serial_in_order,
                                       [&](tbb::flow_control& fc) -> Chunk* {
                                         HappensAfter(&kFork);
                                         HappensAfter(&kFirst);
                                         Chunk* chunk = nullptr;
                                         if (next >= n) {
                                           fc.stop();
                                         } else {
                                           chunk = new Chunk{next, std::min(n, next + kChunk), {}, {}};
                                           next = chunk->end;
                                           HappensBefore(chunk);
                                         }
                                         HappensBefore(&kFirst);
                                         return chunk;
                                       }) &
        tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel,
                                         [&](Chunk* chunk) {
                                           HappensAfter(&kFork);
                                           HappensAfter(chunk);
                                           chunk->leaves.reserve(chunk->end - chunk->begin);
                                           std::string lines;
                                           RecordScratch& scratch = scratches.local();
                                           for (std::size_t c = chunk->begin; c < chunk->end; ++c) {
                                             CandidateRecord(static_cast<CandidateIndex>(c), &scratch);
                                             const std::string& record = scratch.writer.str();
                                             chunk->leaves.push_back(MerkleLeafHash(record));
                                             if (lines.empty()) lines.reserve((record.size() + 1) * (chunk->end - chunk->begin) * 9 / 8);
                                             lines += record;
                                             lines.push_back('\n');
                                           }
                                           if (compress) {
                                             compressors.local().AppendFrame(lines, &chunk->bytes);
                                           } else {
                                             chunk->bytes = std::move(lines);
                                           }
                                           HappensBefore(chunk);
                                           return chunk;
                                         }) &
        tbb::make_filter<Chunk*, void>(tbb::filter_mode::serial_in_order, [&](Chunk* chunk) {
              HappensAfter(&kFork);
              HappensAfter(&kLast);
              HappensAfter(chunk);
              std::unique_ptr<Chunk> owned(chunk);
              leaves->insert(leaves->end(), chunk->leaves.begin(), chunk->leaves.end());
              take(chunk->bytes, chunk->end - chunk->begin);
              HappensBefore(&kLast);
            });
    HappensBefore(&kFork);
    tbb::parallel_pipeline(tokens, filters);
    HappensAfter(&kLast);
    HappensAfter(&kFirst);  // the splitter's last call (the one that stopped) read `next` on this stack
    return n;
  }

 private:
  void BuildIndexes() {
    const std::size_t np = instance_.programs.size();
    for (const std::string& code : instance_.programs.code) program_json_.push_back(JsonWriter::Quote(code));
    stage_index_.resize(rules_.batches.size());
    for (std::size_t b = 0; b < rules_.batches.size(); ++b) stage_index_[b].resize(rules_.batches[b].stages.size());
    for (const StageResult& st : outcome_.stages) {
      const Stage& stage = rules_.batches[st.batch].stages[st.stage];
      const std::size_t nh = stage.channels.size();
      StageIndex idx;
      idx.result = &st;
      idx.in_stage = ProgramsInStage(stage, ctx_);
      idx.row_of.assign(np * nh, -1);
      idx.group_row.resize(nh);
      idx.split.assign(nh, nullptr);
      for (std::size_t h = 0; h < nh; ++h) {
        idx.split[h] = instance_.candidates.FindColumn(stage.channels[h].split_by);
        if (idx.split[h]) idx.group_row[h].assign(np * idx.split[h]->dictionary.size(), -1);
      }
      idx.split_has_seats.assign(np * nh, 0);
      for (const Channel& ch : stage.channels) {
        idx.channel_key.push_back(JsonWriter::QuoteKey(ch.name));
        idx.channel_json.push_back(JsonWriter::Quote(ch.name));
      }
      for (std::size_t r = 0; r < st.seats.size(); ++r) {
        const SeatRow& row = st.seats[r];
        if (row.group != kNone && row.capacity() > 0) idx.split_has_seats[row.program * nh + row.channel] = 1;
        if (row.group == kNone) {
          idx.row_of[row.program * nh + row.channel] = static_cast<std::int32_t>(r);
        } else {
          idx.group_row[row.channel][row.program * idx.split[row.channel]->dictionary.size() + row.group] = static_cast<std::int32_t>(r);
        }
      }
      idx.worst.assign(st.seats.size(), kNoCandidate);
      for (const Column* col : idx.split) {
        if (col && std::find(split_columns_.begin(), split_columns_.end(), col) == split_columns_.end()) split_columns_.push_back(col);
      }
      stage_index_[st.batch][st.stage] = std::move(idx);
    }
    // The worst admitted per row.
    for (std::size_t c = 0; c < instance_.candidates.size(); ++c) {
      if (outcome_.batch[c] < 0) continue;
      StageIndex& idx = stage_index_[static_cast<std::size_t>(outcome_.batch[c])][static_cast<std::size_t>(outcome_.stage[c])];
      const std::int32_t r = RowOf(idx, outcome_.program[c], outcome_.channel[c], static_cast<CandidateIndex>(c));
      if (r < 0) continue;
      const int ranking = StageRules(idx).channels[outcome_.channel[c]].ranking;
      CandidateIndex& w = idx.worst[static_cast<std::size_t>(r)];
      const auto ci = static_cast<CandidateIndex>(c);
      if (w == kNone) {
        w = ci;
        continue;
      }
      const std::uint64_t rc = PlacedRank(ranking, ci), rw = PlacedRank(ranking, w);
      if (rc > rw || (rc == rw && c > w)) w = ci;
    }
    // The worst's rank, which every refusal of a full row is compared with.
    for (std::vector<StageIndex>& stages : stage_index_) {
      for (StageIndex& idx : stages) {
        if (idx.result == nullptr) continue;
        idx.worst_rank.assign(idx.worst.size(), 0);
        for (std::size_t r = 0; r < idx.worst.size(); ++r) {
          if (idx.worst[r] == kNone) continue;
          const int ranking = StageRules(idx).channels[idx.result->seats[r].channel].ranking;
          idx.worst_rank[r] = PlacedRank(ranking, idx.worst[r]);
        }
      }
    }
  }

  const Stage& StageRules(const StageIndex& idx) const { return rules_.batches[idx.result->batch].stages[idx.result->stage]; }

  // Rank of placed candidate c in ranking r at the program where c is placed, under the
  // priorities its stage's mechanism gives: the band of the choice first (always 0 under
  // deferred acceptance), then the rank.
  std::uint64_t PlacedRank(int r, CandidateIndex c) const {
    const auto b = static_cast<std::size_t>(outcome_.batch[c]);
    const Mechanism& m = rules_.batches[b].stages[static_cast<std::size_t>(outcome_.stage[c])].mechanism;
    const std::uint64_t rank = outcome_.RankOf(static_cast<std::size_t>(r), b, instance_.choices[b].offset[c] + outcome_.choice[c], c);
    return static_cast<std::uint64_t>(m.BandOf(outcome_.choice[c] + 1)) << 32 | rank;
  }

  std::int32_t RowOf(const StageIndex& idx, std::size_t p, std::size_t h, CandidateIndex c) const {
    const std::size_t nh = StageRules(idx).channels.size();
    if (!idx.split[h]) return idx.row_of[p * nh + h];
    return idx.group_row[h][p * idx.split[h]->dictionary.size() + idx.split[h]->text[c]];
  }

  // The values of ranking r's keys for candidate c applying to program p: [...].
  // `choice_rank`: where c listed p (0 for a ranking over candidates).
  void KeyValues(JsonWriter& w, std::size_t r, CandidateIndex c, ProgramIndex p, std::int32_t choice_rank) const {
    w.BeginArray();
    for (const RankingKey& k : rules_.rankings[r].keys) {
      const Score v = EvaluateNumber(*k.expr, ctx_, c, p, choice_rank);
      if (v == kMissingScore) {
        w.Null();
      } else {
        char text[kFormattedScoreMax];
        w.PlainString(std::string_view(text, FormatScoreTo(v, text)));  // digits, '.', '-'
      }
    }
    w.EndArray();
  }

  // {"ranking":R,"key":[...],"tie":...}: the candidate's place in a ranking at program p, as values.
  void Key(JsonWriter& w, std::size_t r, CandidateIndex c, ProgramIndex p, std::int32_t choice_rank) const {
    const Ranking& ranking = rules_.rankings[r];
    w.BeginObject().Key(audit_keys::kRanking).String(ranking.name).Key(audit_keys::kKey);
    KeyValues(w, r, c, p, choice_rank);
    w.Key(audit_keys::kTie);
    switch (ranking.last_tie) {
      case LastTie::kId: w.String(instance_.candidates.id[c]); break;
      case LastTie::kLottery: w.String(Hex16(LotteryNumber(rules_.seed, instance_.candidates.id[c]))); break;
      case LastTie::kAdmitAll: w.Null(); break;
    }
    w.EndObject();
  }

  std::string Header(const RunIdentity& identity) const {
    JsonWriter w;
    namespace a = audit_keys;
    namespace m = manifest_keys;
    w.BeginObject().Key(a::kRecord).String(a::kHeader).Key(a::kFormat).String(kAuditFormat).Key(a::kEngine).String(EngineVersion());
    w.Key(a::kRulesName).String(rules_.name).Key(a::kFiles).BeginArray();
    for (const RunIdentity::File& f : identity.files) {  // the same entries as the manifest's inputs
      w.BeginObject().Key(m::kRole).String(f.role).Key(m::kPath).String(f.path).Key(m::kSha256).String(f.sha256);
      w.Key(m::kBytes).Int(static_cast<std::int64_t>(f.bytes)).EndObject();
    }
    w.EndArray().Key(a::kSeed).StringOrNull(rules_.seed).Key(a::kRankings).BeginArray();
    for (const Ranking& r : rules_.rankings) {
      w.BeginObject().Key(audit_keys::kName).String(r.name).Key(audit_keys::kKeys).BeginArray();
      for (const RankingKey& k : r.keys) w.String(k.text);
      w.EndArray().Key(audit_keys::kLastTie).String(NameOf(r.last_tie));
      if (r.per_program) w.Key(audit_keys::kPerProgram).Bool(true);  // keys read program_score or choice_rank: values per choice, from the inputs
      w.EndObject();
    }
    w.EndArray().Key(a::kChannels).BeginArray();
    for (const Batch& b : rules_.batches) {
      for (const Stage& st : b.stages) {
        for (const Channel& ch : st.channels) {
          w.BeginObject().Key(audit_keys::kBatch).String(b.name).Key(audit_keys::kStage).String(st.name).Key(audit_keys::kChannel).String(ch.name).Key(audit_keys::kSeats).String(ch.seats);
          w.Key(audit_keys::kRanking).String(rules_.rankings[static_cast<std::size_t>(ch.ranking)].name).Key(audit_keys::kEligible).StringOrNull(ch.eligible_text);
          w.Key(audit_keys::kSplitBy).StringOrNull(ch.split_by);
          // Written only for the mechanisms other than deferred acceptance, so older logs read the same.
          if (st.mechanism.kind == Mechanism::Kind::kImmediateAcceptance) w.Key(audit_keys::kMechanism).String(NameOf(st.mechanism.kind));
          if (st.mechanism.kind == Mechanism::Kind::kParallel) {
            w.Key(audit_keys::kMechanism).BeginObject().Key(Name(Mechanism::Kind::kParallel)).BeginObject().Key(audit_keys::kBand).Int(st.mechanism.band).EndObject().EndObject();
          }
          w.EndObject();
        }
      }
    }
    w.EndArray().Key(a::kLines).BeginArray();
    for (std::size_t i = 0; i < rules_.lines.size(); ++i) {
      w.BeginObject().Key(audit_keys::kName).String(rules_.lines[i].name).Key(audit_keys::kValue).StringOrNull(FormatScore(outcome_.lines[i]));
      w.Key(audit_keys::kHow).String(outcome_.line_notes[i]).EndObject();
    }
    w.EndArray();
    if (rules_.reassignment) ReassignmentHeader(w);
    w.Key(a::kCandidates).Int(static_cast<std::int64_t>(instance_.candidates.size()));
    w.Key(a::kPrograms).Int(static_cast<std::int64_t>(instance_.programs.size()));
    if (const ParentRun& parent = instance_.parent; parent.present) {
      w.Key(a::kParent).BeginObject().Key(a::kManifestSha256).String(parent.manifest_sha256);
      w.Key(a::kLocked).Int(static_cast<std::int64_t>(parent.locked)).Key(a::kDeclined).Int(static_cast<std::int64_t>(parent.declined)).EndObject();
    }
    w.EndObject();
    return w.Take();
  }

  // The header's "reassignment": {"flag","ranking","eligible","channels","order"}, as written
  // (eligible null when absent; channels [] for every channel).
  void ReassignmentHeader(JsonWriter& w) const {
    const Reassignment& ra = *rules_.reassignment;
    w.Key(audit_keys::kReassignment).BeginObject().Key(audit_keys::kFlag).String(ra.flag);
    w.Key(audit_keys::kRanking).String(rules_.rankings[static_cast<std::size_t>(ra.ranking)].name).Key(audit_keys::kEligible).StringOrNull(ra.eligible_text);
    w.Key(audit_keys::kChannels).BeginArray();
    for (const std::string& ch : ra.channels) w.String(ch);
    w.EndArray().Key(audit_keys::kOrder).BeginArray();
    for (const ReassignmentKey& k : ra.order) w.String(k.text);
    w.EndArray().EndObject();
  }

  std::string SeatsRecord(const StageIndex& idx, std::size_t r) const {
    const StageResult& st = *idx.result;
    const SeatRow& row = st.seats[r];
    const Stage& stage = StageRules(idx);
    const Channel& ch = stage.channels[row.channel];
    JsonWriter w;
    w.BeginObject().Key(audit_keys::kRecord).String(audit_keys::kSeats).Key(audit_keys::kBatch).String(rules_.batches[st.batch].name).Key(audit_keys::kStage).String(stage.name);
    w.Key(audit_keys::kProgram).String(instance_.programs.code[row.program]).Key(audit_keys::kChannel).String(ch.name);
    w.Key(audit_keys::kGroup);
    if (row.group == kNone) {
      w.Null();
    } else {
      w.String(idx.split[row.channel]->dictionary[row.group]);
    }
    w.Key(audit_keys::kInitial).Int(row.initial).Key(audit_keys::kFlowedIn).Int(row.flowed_in).Key(audit_keys::kFlowedOut).Int(row.flowed_out);
    w.Key(audit_keys::kCapacity).Int(row.capacity()).Key(audit_keys::kAdmitted).Int(row.admitted).Key(audit_keys::kCutoffTotal).StringOrNull(FormatScore(row.cutoff_total));
    w.Key(audit_keys::kCutoff);
    const CandidateIndex worst = idx.worst[r];
    if (worst == kNone) {
      w.Null();
    } else {
      w.BeginObject().Key(audit_keys::kCandidate).String(instance_.candidates.id[worst]).Key(audit_keys::kRank);
      Key(w, static_cast<std::size_t>(ch.ranking), worst, row.program, static_cast<std::int32_t>(outcome_.choice[worst]) + 1);
      // Under a band mechanism the choice position decides first: say where they listed it.
      if (stage.mechanism.kind != Mechanism::Kind::kDeferredAcceptance) w.Key(audit_keys::kChoiceRank).Int(outcome_.choice[worst] + 1);
      w.EndObject();
    }
    w.EndObject();
    return w.Take();
  }

  std::string FlowRecord(const Flow& f) const {
    const Stage& from = rules_.batches[f.batch].stages[f.stage];
    const Stage& to = rules_.batches[f.to_batch].stages[f.to_stage];
    JsonWriter w;
    w.BeginObject().Key(audit_keys::kRecord).String(audit_keys::kFlow).Key(audit_keys::kBatch).String(rules_.batches[f.batch].name).Key(audit_keys::kStage).String(from.name);
    w.Key(audit_keys::kPass).Int(f.pass).Key(audit_keys::kProgram).String(instance_.programs.code[f.program]).Key(audit_keys::kChannel).String(from.channels[f.channel].name);
    w.Key(audit_keys::kGroup);
    const Column* split = instance_.candidates.FindColumn(from.channels[f.channel].split_by);
    if (f.group == kNone || !split) {
      w.Null();
    } else {
      w.String(split->dictionary[f.group]);
    }
    w.Key(audit_keys::kToBatch).String(rules_.batches[f.to_batch].name).Key(audit_keys::kToStage).String(to.name);
    w.Key(audit_keys::kToChannel).String(to.channels[f.to_channel].name).Key(audit_keys::kSeats).Int(f.seats).EndObject();
    return w.Take();
  }

  // What happened at one choice in one stage, for a candidate not placed there:
  // {"CHANNEL": REASON, ...} over the program's channels that have seats, in precedence order
  // (for an entry tied to a channel, that channel alone).
  // Rankings met with a reason that needs the candidate's key are added to `used`.
  // `k` is the entry of p on c's list.
  void Rejection(JsonWriter& w, const StageIndex& idx, std::uint32_t k, ProgramIndex p, CandidateIndex c, std::vector<std::uint8_t>* used) const {
    const Stage& stage = StageRules(idx);
    const std::size_t nh = stage.channels.size();
    const std::string* tied = instance_.choices[idx.result->batch].TiedChannel(k);
    w.BeginObject();
    for (std::size_t h = 0; h < nh; ++h) {
      const Channel& ch = stage.channels[h];
      if (tied && *tied != ch.name) continue;  // the entry competes for its own channel only
      const bool has_seats = idx.split[h] ? idx.split_has_seats[p * nh + h] != 0
                                          : idx.row_of[p * nh + h] >= 0 && idx.result->seats[static_cast<std::size_t>(idx.row_of[p * nh + h])].capacity() > 0;
      if (!has_seats) continue;  // the program offers no seats in this channel
      w.QuotedKey(idx.channel_key[h]);
      const auto choice_rank = static_cast<std::int32_t>(k - instance_.choices[idx.result->batch].offset[c] + 1);
      if (ch.eligible && !EvaluateCondition(*ch.eligible, ctx_, c, p, choice_rank)) {
        w.PlainString(NameOf(Rejection::kIneligible));
        continue;
      }
      const std::int32_t r = RowOf(idx, p, h, c);
      if (r < 0 || idx.result->seats[static_cast<std::size_t>(r)].capacity() <= 0) {
        w.PlainString(NameOf(Rejection::kNoGroupSeats));
        continue;
      }
      const SeatRow& row = idx.result->seats[static_cast<std::size_t>(r)];
      const CandidateIndex worst = idx.worst[static_cast<std::size_t>(r)];
      (*used)[static_cast<std::size_t>(ch.ranking)] = 1;
      if (row.admitted < row.capacity() || worst == kNone) {
        w.PlainString(NameOf(Rejection::kFreeSeat));  // never in a stable outcome: verify reports it
      } else {
        const std::uint64_t mine = static_cast<std::uint64_t>(stage.mechanism.BandOf(choice_rank)) << 32 |
                                   outcome_.RankOf(static_cast<std::size_t>(ch.ranking), idx.result->batch, k, c);
        w.PlainString(NameOf(mine > idx.worst_rank[static_cast<std::size_t>(r)] ? Rejection::kBelow : Rejection::kNotBelow));
      }
    }
    w.EndObject();
  }

  // A reassigned candidate's seat: "batch", "stage", "program", "channel" of its row, then
  // "reassignment": {"turn": T, "order": [v1, ...]} -- the T-th seat reassignment gave (1-based),
  // and the values of the order keys for the candidate at the program (score strings or null).
  void ReassignedSeat(JsonWriter& w, std::uint32_t turn) const {
    const Reassigned& r = outcome_.reassigned[turn];
    const StageResult& st = outcome_.stages[r.stage];
    const SeatRow& row = st.seats[r.seat];
    const Stage& stage = rules_.batches[st.batch].stages[st.stage];
    w.Key(audit_keys::kBatch).String(rules_.batches[st.batch].name).Key(audit_keys::kStage).String(stage.name);
    w.Key(audit_keys::kProgram).String(instance_.programs.code[row.program]).Key(audit_keys::kChannel).String(stage.channels[row.channel].name);
    w.Key(audit_keys::kReassignment).BeginObject().Key(audit_keys::kTurn).Int(static_cast<std::int64_t>(turn) + 1).Key(audit_keys::kOrder).BeginArray();
    for (const ReassignmentKey& k : rules_.reassignment->order) {
      const Score v = k.condition ? (EvaluateCondition(*k.expr, ctx_, r.candidate, row.program, 0) ? kScoreScale : 0)
                                  : EvaluateNumber(*k.expr, ctx_, r.candidate, row.program, 0);
      if (v == kMissingScore) {
        w.Null();
      } else {
        w.String(FormatScore(v));
      }
    }
    w.EndArray().EndObject();
  }

  // Scratch space a thread reuses from record to record (no allocation per record).
  struct RecordScratch {
    JsonWriter writer{1024};
    std::vector<std::uint8_t> used;  // the rankings the steps refer to
  };

  // The candidate's record, in scratch->writer (cleared first).
  void CandidateRecord(CandidateIndex c, RecordScratch* scratch) const {
    const Candidates& cands = instance_.candidates;
    const std::int32_t pb = outcome_.batch[c];
    std::vector<std::uint8_t>& used = scratch->used;
    used.assign(rules_.rankings.size(), 0);
    JsonWriter& w = scratch->writer;
    w.Clear();
    w.BeginObject().Key(audit_keys::kRecord).String(audit_keys::kCandidate).Key(audit_keys::kId).String(cands.id[c]);
    const ParentRun& parent = instance_.parent;
    const std::uint8_t from_parent = parent.present ? parent.state[c] : static_cast<std::uint8_t>(ParentRun::kFree);
    // The parent's seat: kept (the record's placement) or given up (`declined`).
    auto parent_seat = [&] {
      const ParentRun::Slot& slot = parent.slots[parent.slot[c]];
      w.Key(audit_keys::kBatch).String(slot.batch).Key(audit_keys::kStage).String(slot.stage).Key(audit_keys::kProgram).String(instance_.programs.code[parent.program[c]]);
      w.Key(audit_keys::kChannel).String(slot.channel).Key(audit_keys::kChoiceRank).Int(parent.choice_rank[c]);
    };
    if (from_parent == ParentRun::kLocked) {
      w.Key(audit_keys::kStatus).String(audit_keys::kStatusLocked);
      parent_seat();
      w.Key(audit_keys::kBatches).BeginArray().EndArray().Key(audit_keys::kKeys).BeginObject().EndObject().EndObject();
      return;
    }
    const std::uint32_t turn = outcome_.reassigned_turn.empty() ? kNone : outcome_.reassigned_turn[c];
    w.Key(audit_keys::kStatus).String(pb >= 0 ? audit_keys::kStatusPlaced : turn != kNone ? audit_keys::kStatusReassigned : audit_keys::kStatusUnplaced);
    if (turn != kNone) ReassignedSeat(w, turn);
    if (from_parent == ParentRun::kDeclined) {
      w.Key(audit_keys::kDeclined).BeginObject();
      parent_seat();
      w.EndObject();
    }
    if (pb >= 0) {
      const Stage& stage = rules_.batches[static_cast<std::size_t>(pb)].stages[static_cast<std::size_t>(outcome_.stage[c])];
      w.Key(audit_keys::kBatch).String(rules_.batches[static_cast<std::size_t>(pb)].name).Key(audit_keys::kStage).String(stage.name);
      w.Key(audit_keys::kProgram).String(instance_.programs.code[outcome_.program[c]]).Key(audit_keys::kChannel).String(stage.channels[outcome_.channel[c]].name);
      w.Key(audit_keys::kChoiceRank).Int(outcome_.choice[c] + 1);
    }
    w.Key(audit_keys::kBatches).BeginArray();
    for (std::size_t b = 0; b < rules_.batches.size(); ++b) {
      const Batch& batch = rules_.batches[b];
      const ChoiceLists& lists = instance_.choices[b];
      const std::uint32_t begin = lists.offset[c], end = lists.offset[c + 1];
      if (begin == end) continue;
      w.BeginObject().Key(audit_keys::kBatch).String(batch.name);
      if (pb >= 0 && b > static_cast<std::size_t>(pb)) {
        w.Key(audit_keys::kLockedBy).String(rules_.batches[static_cast<std::size_t>(pb)].name).EndObject();
        continue;
      }
      const bool staged = batch.stages.size() > 1 || !batch.stages[0].name.empty();
      const bool placed_here = pb >= 0 && b == static_cast<std::size_t>(pb);
      const std::uint32_t last = placed_here ? begin + outcome_.choice[c] : end - 1;
      w.Key(audit_keys::kChoices).BeginArray();
      for (std::uint32_t k = begin; k <= last; ++k) {
        const ProgramIndex p = lists.program[k];
        bool any_stage = false;
        for (std::size_t s = 0; s < batch.stages.size(); ++s) {
          const StageIndex& idx = stage_index_[b][s];
          if (!idx.in_stage[p]) continue;
          any_stage = true;
          w.BeginObject().QuotedKey(quoted_.rank).Int(k - begin + 1).QuotedKey(quoted_.program).Raw(program_json_[p]);
          if (const std::string* tied = lists.TiedChannel(k)) w.Key(audit_keys::kTiedTo).String(*tied);
          if (staged) w.Key(audit_keys::kStage).String(batch.stages[s].name);
          if (placed_here && static_cast<std::int32_t>(s) > outcome_.stage[c]) {
            w.Key(audit_keys::kLockedByStage).String(batch.stages[static_cast<std::size_t>(outcome_.stage[c])].name);
          } else if (placed_here && k == last && static_cast<std::int32_t>(s) == outcome_.stage[c]) {
            const Channel& ch = StageRules(idx).channels[outcome_.channel[c]];
            used[static_cast<std::size_t>(ch.ranking)] = 1;
            w.QuotedKey(quoted_.placed).Raw(idx.channel_json[outcome_.channel[c]]);
          } else {
            w.QuotedKey(quoted_.rejected);
            Rejection(w, idx, k, p, c, &used);
          }
          w.EndObject();
        }
        if (!any_stage) w.BeginObject().Key(audit_keys::kRank).Int(k - begin + 1).Key(audit_keys::kProgram).String(instance_.programs.code[p]).Key(audit_keys::kNotOffered).Bool(true).EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray();
    // The candidate's place in every ranking the steps refer to (the cut-offs it was compared
    // with are in the seats records).
    w.Key(audit_keys::kKeys).BeginObject();
    bool lottery = false;
    for (std::size_t r = 0; r < used.size(); ++r) {
      if (!used[r]) continue;
      lottery = lottery || rules_.rankings[r].last_tie == LastTie::kLottery;
      // A per-program ranking's values depend on the program: they are not copied into the log
      // (audit-format.md, zkmatch-audit/3); the recorded inputs give them at every step.
      if (rules_.rankings[r].per_program) continue;
      w.Key(rules_.rankings[r].name);
      KeyValues(w, r, c, kNoProgram, 0);
    }
    w.EndObject();
    if (lottery) w.Key(audit_keys::kLottery).String(Hex16(LotteryNumber(rules_.seed, cands.id[c])));
    if (!split_columns_.empty()) {
      w.Key(audit_keys::kGroups).BeginObject();
      for (const Column* col : split_columns_) w.Key(col->name).String(col->dictionary[col->text[c]]);
      w.EndObject();
    }
    w.EndObject();
  }

  const Rules& rules_;
  const Instance& instance_;
  const Outcome& outcome_;
  const EvalContext ctx_;
  std::vector<std::vector<StageIndex>> stage_index_;  // [batch][stage]: every stage has a result
  std::vector<const Column*> split_columns_;          // split_by columns, in first-use order
  // Names the candidate records write millions of times, made JSON once.
  struct QuotedKeys {
    std::string rank = JsonWriter::QuoteKey(audit_keys::kRank), program = JsonWriter::QuoteKey(audit_keys::kProgram),
                placed = JsonWriter::QuoteKey(audit_keys::kPlaced), rejected = JsonWriter::QuoteKey(audit_keys::kRejected);
  };
  const QuotedKeys quoted_;
  std::vector<std::string> program_json_;  // per program: its code as a JSON string
};

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

}  // namespace

std::string EngineVersion() { return std::string("zkmatch ") + ZKMATCH_VERSION; }

RunIdentity IdentifyRun(const Rules& rules) {
  RunIdentity id;
  auto add = [&](const char* role, const std::string& path) {
    if (path.empty()) return;
    RunIdentity::File f;
    f.role = role;
    f.path = AbsolutePath(path);
    // A file over the input size limit is refused by LoadInputs right after: do not spend
    // minutes hashing it first (its digest stays empty).
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > CurrentInputLimits().max_file_bytes) {
      f.bytes = static_cast<std::size_t>(size);
      id.files.push_back(std::move(f));
      return;
    }
    f.sha256 = Sha256File(path, &f.bytes);
    id.files.push_back(std::move(f));
  };
  add("rules", rules.path);
  for (const auto& [role, path] : rules.inputs.Files()) add(role.c_str(), path);
  return id;
}

void PlaceInBundle(RunIdentity* identity) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> placed;  // (source, name) in order
  for (RunIdentity::File& f : identity->files) {
    f.source = f.path;
    auto same = std::find_if(placed.begin(), placed.end(), [&](const auto& p) { return p.first == f.source; });
    std::string name = fs::path(f.source).filename().string();
    if (same != placed.end()) {
      name = same->second;
    } else {
      const std::string stem = fs::path(name).stem().string(), ext = fs::path(name).extension().string();
      auto taken = [&](const std::string& n) { return std::any_of(placed.begin(), placed.end(), [&](const auto& p) { return p.second == n; }); };
      for (int k = 2; taken(name); ++k) name = stem + "-" + std::to_string(k) + ext;
      placed.emplace_back(f.source, name);
    }
    f.path = std::string(kBundleInputsDir) + "/" + name;
  }
}

std::vector<OutputFile> BundleFiles(const RunIdentity& identity) {
  std::vector<OutputFile> files;
  for (const RunIdentity::File& f : identity.files) {
    if (std::any_of(files.begin(), files.end(), [&](const OutputFile& o) { return o.name == f.path; })) continue;
    files.push_back(OutputFile{f.path, {}, f.source, f.sha256});
  }
  return files;
}

std::vector<OutputFile> RenderRun(const Rules& rules, const Instance& instance, const Outcome& outcome, const RunIdentity& identity,
                                  AuditStorage storage) {
  // Moved in, not listed in braces: an initializer list's elements are copied (placements.csv
  // is 36 MB at 1M candidates).
  std::vector<OutputFile> files;
  files.reserve(8);
  files.push_back({kPlacementsFile, RenderPlacements(rules, instance, outcome)});
  files.push_back({kCutoffsFile, RenderCutoffs(rules, instance, outcome)});
  files.push_back({kFlowsFile, RenderFlows(rules, instance, outcome)});
  files.push_back({kAllocationsFile, RenderAllocations(rules, instance, outcome)});
  files.push_back({kLinesFile, RenderLines(rules, outcome)});
  files.push_back({kVacanciesFile, RenderVacancies(rules, instance, outcome)});
  std::vector<std::string> digests;  // of each file, computed once
  for (const OutputFile& f : files) digests.push_back(Sha256Hex(f.content));
  std::string root, audit_digest;
  std::size_t audit_records = 0;
  const bool compress = storage == AuditStorage::kCompressed;
  files.push_back({compress ? kCompressedAuditFile : kAuditFile,
                   AuditWriter(rules, instance, outcome).Render(identity, files, digests, compress, &root, &audit_records, &audit_digest)});
  digests.push_back(audit_digest);
  namespace k = manifest_keys;
  JsonWriter w;
  w.BeginObject().Key(k::kFormat).String(kManifestFormat).Key(k::kEngine).String(EngineVersion()).Key(k::kInputs).BeginArray();
  for (const RunIdentity::File& f : identity.files) {
    w.BeginObject().Key(k::kRole).String(f.role).Key(k::kPath).String(f.path).Key(k::kSha256).String(f.sha256);
    w.Key(k::kBytes).Int(static_cast<std::int64_t>(f.bytes)).EndObject();
  }
  w.EndArray().Key(k::kOutputs).BeginArray();
  for (std::size_t i = 0; i < files.size(); ++i) {
    w.BeginObject().Key(k::kFile).String(files[i].name).Key(k::kSha256).String(digests[i]);
    w.Key(k::kBytes).Int(static_cast<std::int64_t>(files[i].content.size())).EndObject();
  }
  w.EndArray().Key(k::kAuditRecords).Int(static_cast<std::int64_t>(audit_records)).Key(k::kAuditRoot).String(root);
  if (!identity.public_of.empty()) w.Key(k::kPublicOf).String(identity.public_of);
  w.EndObject();
  files.push_back({kManifestFile, w.Take() + "\n"});
  return files;
}

}  // namespace zkmatch
