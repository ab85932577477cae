// Checks of rules against data that loading alone cannot make. See CheckPolicy in
// zkmatch/pipeline.h.
#include <algorithm>
#include <cstdio>
#include <set>

#include "eligibility.h"
#include "expression.h"
#include "zkmatch/pipeline.h"

namespace zkmatch {
namespace {

std::string StageName(const Rules& rules, std::size_t b, std::size_t s) {
  const Batch& batch = rules.batches[b];
  return batch.stages[s].name.empty() ? "batch '" + batch.name + "'" : "batch '" + batch.name + "', stage '" + batch.stages[s].name + "'";
}

std::string Percent(std::int64_t num, std::int64_t den) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", den ? 100.0 * static_cast<double>(num) / static_cast<double>(den) : 0.0);
  return buf;
}

}  // namespace

bool CheckPolicy(const Rules& rules, const Instance& instance, DiagnosticSink& sink, const std::vector<Score>* given_lines) {
  const std::size_t errors_before = sink.error_count();
  const Programs& progs = instance.programs;
  const std::size_t np = progs.size();
  std::vector<std::string> notes;
  const std::vector<Score> lines = given_lines ? *given_lines : ComputeLines(rules, instance, &notes);
  const EvalContext ctx{instance.candidates, progs, &lines, &instance.program_scores};

  // Which programs each stage selects, and the stages in run order.
  struct StageRef {
    std::size_t b, s;
    std::vector<std::uint8_t> in;
  };
  std::vector<StageRef> stages;
  for (std::size_t b = 0; b < rules.batches.size(); ++b) {
    for (std::size_t s = 0; s < rules.batches[b].stages.size(); ++s) {
      const Stage& st = rules.batches[b].stages[s];
      stages.push_back(StageRef{b, s, ProgramsInStage(st, ctx)});
    }
  }

  // A program's seat column offered in two stages would offer the same seats twice.
  for (std::size_t p = 0; p < np; ++p) {
    std::vector<std::pair<std::string, std::size_t>> used;  // seat column -> stage position
    for (std::size_t i = 0; i < stages.size(); ++i) {
      if (!stages[i].in[p]) continue;
      for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
        if (instance.programs.SeatsIn(ch.seats)[p] <= 0) continue;
        for (const auto& [col, j] : used) {
          if (col == ch.seats && j != i) {
            sink.Error(rules.path, ch.seats_pos.line, ch.seats_pos.col,
                       "program '" + progs.code[p] + "' offers its '" + ch.seats + "' seats in " + StageName(rules, stages[j].b, stages[j].s) +
                           " and again in " + StageName(rules, stages[i].b, stages[i].s) +
                           "; give each stage its own capacity column or narrow the stages' programs");
          }
        }
        used.emplace_back(ch.seats, i);
      }
    }
  }

  // 公民同招: no private program may admit through a channel earlier than public programs do.
  if (rules.policy.public_private_sync) {
    const bool has_sector = std::any_of(progs.sector.begin(), progs.sector.end(), [](const std::string& s) { return !s.empty(); });
    if (!has_sector) {
      sink.Error(rules.path, rules.policy.pos.line, rules.policy.pos.col,
                 "public_private_sync needs a 'sector' column (public or private) in " + rules.inputs.programs);
    } else {
      std::set<std::string> names;
      for (const Batch& b : rules.batches) {
        for (const Stage& st : b.stages) {
          for (const Channel& ch : st.channels) names.insert(ch.name);
        }
      }
      // The first stage in which any public program has seats in any channel.
      std::size_t first_public_any = stages.size();
      for (std::size_t i = 0; i < stages.size() && first_public_any == stages.size(); ++i) {
        for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
          const auto& seats = instance.programs.SeatsIn(ch.seats);
          for (std::size_t p = 0; p < np; ++p) {
            if (stages[i].in[p] && seats[p] > 0 && progs.sector[p] == "public") first_public_any = i;
          }
        }
      }
      for (const std::string& name : names) {
        std::size_t first_public = stages.size();
        for (std::size_t i = 0; i < stages.size() && first_public == stages.size(); ++i) {
          for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
            if (ch.name != name) continue;
            const auto& seats = instance.programs.SeatsIn(ch.seats);
            for (std::size_t p = 0; p < np; ++p) {
              if (stages[i].in[p] && seats[p] > 0 && progs.sector[p] == "public") first_public = i;
            }
          }
        }
        // A channel no public program uses is measured against the first stage in which any
        // public program admits at all: private schools never admit before public ones do.
        if (first_public == stages.size()) first_public = first_public_any;
        for (std::size_t i = 0; i < first_public; ++i) {
          for (const Channel& ch : rules.batches[stages[i].b].stages[stages[i].s].channels) {
            if (ch.name != name) continue;
            const auto& seats = instance.programs.SeatsIn(ch.seats);
            for (std::size_t p = 0; p < np; ++p) {
              if (!stages[i].in[p] || seats[p] <= 0 || progs.sector[p] != "private") continue;
              sink.CsvError(rules.inputs.programs, static_cast<int>(progs.row[p]), rules.HeaderFor("sector"),
                            "private program '" + progs.code[p] + "' admits through channel '" + name + "' in " +
                                StageName(rules, stages[i].b, stages[i].s) + ", before public programs do" +
                                (first_public < stages.size() ? " (" + StageName(rules, stages[first_public].b, stages[first_public].s) + ")" : std::string()) +
                                "; public_private_sync (公民同招) requires private schools to admit with the public ones -- move its seats to that batch");
            }
          }
        }
      }
    }
  }

  // General-high seats against the target share of candidates.
  if (rules.policy.general_high_target_ppm > 0) {
    std::int64_t seats = 0;
    for (std::size_t p = 0; p < np; ++p) {
      if (rules.policy.general_high && !EvaluateCondition(*rules.policy.general_high, ctx, kNone, static_cast<ProgramIndex>(p))) continue;
      for (const std::string& col : progs.seat_columns) seats += std::max(0, instance.programs.SeatsIn(col)[p]);
    }
    const auto n = static_cast<std::int64_t>(instance.candidates.size());
    const std::int64_t target = rules.policy.general_high_target_ppm;
    if (seats * 1'000'000 < target * n) {
      sink.Warning(rules.path, rules.policy.pos.line, rules.policy.pos.col,
                   "general-high seats " + std::to_string(seats) + " for " + std::to_string(n) + " candidates are " + Percent(seats, n) +
                       ", below the target " + Percent(target, 1'000'000) + " (" + std::to_string((target * n + 999'999) / 1'000'000) +
                       " seats needed)");
    }
  }

  // Channels nobody can use.
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const Stage& st = rules.batches[stages[i].b].stages[stages[i].s];
    for (const Channel& ch : st.channels) {
      const auto& seats = instance.programs.SeatsIn(ch.seats);
      std::int64_t total = 0;
      for (std::size_t p = 0; p < np; ++p) total += stages[i].in[p] ? std::max(0, seats[p]) : 0;
      if (total == 0) {
        sink.Warning(rules.path, ch.pos.line, ch.pos.col,
                     "channel '" + ch.name + "' in " + StageName(rules, stages[i].b, stages[i].s) + " has no seats in any program (column '" +
                         ch.seats + "' is empty or 0)");
        continue;
      }
      if (ch.eligible && !ReferencesProgram(*ch.eligible) && instance.candidates.size() > 0) {
        bool any = false;
        for (std::size_t c = 0; c < instance.candidates.size() && !any; ++c) any = EvaluateCondition(*ch.eligible, ctx, static_cast<CandidateIndex>(c), kNone);
        if (!any) {
          sink.Warning(rules.path, ch.pos.line, ch.pos.col,
                       "no candidate meets the condition of channel '" + ch.name + "' (" + ch.eligible_text + "); its " + std::to_string(total) + " seats cannot be filled");
        }
      }
    }
  }

  // Input columns no rule reads: often a misspelt mapping.
  auto warn_unused = [&](const std::vector<std::string>& headers, std::vector<std::string> used, const std::string& file) {
    used.insert(used.end(), rules.descriptive_columns.begin(), rules.descriptive_columns.end());
    for (std::string& u : used) u = rules.HeaderFor(u);
    for (const std::string& h : headers) {
      if (std::find(used.begin(), used.end(), h) == used.end()) {
        sink.Warning(file, 1, 0, "column '" + h + "' is not used by any rule; if a rule should use it, check the name in the rules, otherwise list it under descriptive_columns:");
      }
    }
  };
  std::vector<std::string> used_c = {"id", "total", "name", "junior_school", "district"};
  for (const ColumnRef& r : rules.candidate_columns) used_c.push_back(r.name);
  warn_unused(instance.candidate_headers, used_c, rules.inputs.candidates);
  std::vector<std::string> used_p = {"code", "school", "name", "sector", "district"};
  for (const ColumnRef& r : rules.program_columns) used_p.push_back(r.name);
  for (const std::string& s : progs.seat_columns) used_p.push_back(s);
  warn_unused(instance.program_headers, used_p, rules.inputs.programs);
  return sink.error_count() == errors_before;
}

}  // namespace zkmatch
