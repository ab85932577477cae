// The admission report: loading a run into a RunReport, then rendering it as HTML with inline
// SVG charts or as an .xlsx workbook. See zkmatch/report.h.
#include "zkmatch/report.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "decimal.h"
#include "expression.h"
#include "json.h"
#include "run_format.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/run_diff.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/replay.h"
#include "zkmatch/verify.h"

namespace zkmatch {
namespace {

// ---------------------------------------------------------------------------------------------
// Loading

const Channel* FindChannel(const Rules& rules, const std::string& batch, const std::string& stage, const std::string& channel) {
  for (const Batch& b : rules.batches) {
    if (b.name != batch) continue;
    for (const Stage& s : b.stages) {
      if (s.name != stage) continue;
      for (const Channel& c : s.channels) {
        if (c.name == channel) return &c;
      }
    }
  }
  return nullptr;
}

template <typename T>
std::uint32_t IndexOf(const std::vector<T>& sorted, const T& key) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), key);
  return it != sorted.end() && *it == key ? static_cast<std::uint32_t>(it - sorted.begin()) : kNone;
}

// Reads the identity parts of manifest.json (already checked by CheckRecordedInputs).
void ReadIdentity(const std::string& run_dir, RunReport* r) {
  Manifest m;
  std::vector<Finding> findings;
  if (ReadManifest(run_dir, &m, &findings) != ReadStatus::kRead) return;
  r->engine_version = m.engine;
  for (const ManifestInput& f : m.inputs) r->inputs.push_back(RunReport::InputFile{f.role, f.path, f.sha256});
}

}  // namespace

Result<RunReport> LoadRunReport(const std::string& run_dir, DiagnosticSink& sink) {
  const Result<std::string> rules_path = CheckRecordedInputs(run_dir);
  if (!rules_path) return Status::BadInput("refusing to report: " + rules_path.status().message());
  auto rules = LoadRules(*rules_path, sink);
  if (!rules) return rules.status();
  auto instance = LoadInputs(*rules, sink);
  if (!instance) return instance.status();
  std::vector<PlacementRow> placements;
  std::vector<CutoffRow> cutoffs;
  std::vector<LineRow> lines;
  if (!ReadPlacementsCsv(run_dir, &placements, sink) || !ReadCutoffsCsv(run_dir, &cutoffs, sink) || !ReadLinesCsv(run_dir, &lines, sink)) {
    return Status::FromSink(sink, "the run's published files");
  }
  RunReport r;
  r.run_dir = run_dir;
  r.rules_name = rules->name;
  ReadIdentity(run_dir, &r);
  for (const LineRow& l : lines) r.lines.push_back(RunReport::ScoreLine{l.name, l.value, l.note});
  {
    DiagnosticSink verify_sink;
    const Result<VerifyReport> v = VerifyRun("", run_dir, verify_sink);
    r.verified = v.ok() && v->status().ok();
    if (!v.ok()) {
      r.verify_lines.push_back("the run could not be verified");
    } else {
      r.verify_lines = r.verified ? v->passed : v->violations;
    }
  }

  const Candidates& cands = instance->candidates;
  const Programs& progs = instance->programs;
  std::vector<std::string> notes;
  const std::vector<Score> line_values = ComputeLines(*rules, *instance, &notes);
  const EvalContext ctx{cands, progs, &line_values};
  std::vector<std::uint8_t> general_high(progs.size(), 1);
  if (rules->policy.general_high) {
    r.has_general_high_condition = true;
    for (std::size_t p = 0; p < progs.size(); ++p) {
      general_high[p] = EvaluateCondition(*rules->policy.general_high, ctx, kNone, static_cast<ProgramIndex>(p)) ? 1 : 0;
    }
  }
  r.general_high_target_ppm = rules->policy.general_high_target_ppm;
  r.candidates = static_cast<std::int64_t>(cands.size());

  // Placements joined to candidates: totals per program, general-high admissions.
  std::vector<CandidateIndex> who(placements.size(), kNone);
  std::vector<ProgramIndex> where(placements.size(), kNone);
  std::vector<std::vector<Score>> totals(progs.size());
  for (std::size_t i = 0; i < placements.size(); ++i) {
    const PlacementRow& pl = placements[i];
    who[i] = IndexOf(cands.id, pl.id);
    if (!pl.placed()) continue;
    ++r.placed;
    where[i] = IndexOf(progs.code, pl.program);
    if (where[i] == kNone || who[i] == kNone) continue;  // verify reports it
    totals[where[i]].push_back(cands.total[who[i]]);
    if (general_high[where[i]]) ++r.general_high_admitted;
  }
  for (std::size_t p = 0; p < progs.size(); ++p) {
    if (totals[p].empty()) continue;
    std::sort(totals[p].begin(), totals[p].end());
    r.scores.push_back(RunReport::ProgramScores{progs.code[p], progs.school[p], std::move(totals[p])});
  }

  // Seat lines: cutoffs.csv rows, a split channel's groups summed into one line.
  using GroupKey = std::tuple<std::string, std::string, std::string, std::string>;  // batch, stage, channel, group
  std::map<GroupKey, RunReport::GroupLine> groups;
  for (const CutoffRow& c : cutoffs) {
    const ProgramIndex p = IndexOf(progs.code, c.program);
    Score cut = kMissingScore;
    std::string why;
    if (!c.cutoff_total.empty() && !ParseDecimal(c.cutoff_total, &cut, &why)) cut = kMissingScore;
    RunReport::SeatLine* line = nullptr;
    if (!c.group.empty() && !r.seats.empty()) {
      RunReport::SeatLine& last = r.seats.back();
      if (last.split && last.batch == c.batch && last.stage == c.stage && last.program == c.program && last.channel == c.channel) line = &last;
    }
    if (!line) {
      RunReport::SeatLine s;
      s.batch = c.batch;
      s.stage = c.stage;
      s.program = c.program;
      s.channel = c.channel;
      s.split = !c.group.empty();
      if (p != kNone) {
        s.school = progs.school[p];
        s.sector = progs.sector[p];
        s.general_high = general_high[p] != 0;
      }
      r.seats.push_back(std::move(s));
      line = &r.seats.back();
    }
    line->initial += c.initial;
    line->flowed_in += c.flowed_in;
    line->flowed_out += c.flowed_out;
    line->capacity += c.capacity;
    line->admitted += c.admitted;
    if (cut != kMissingScore && (line->cutoff == kMissingScore || cut < line->cutoff)) line->cutoff = cut;
    if (line->general_high) r.general_high_seats += c.capacity;
    if (!c.group.empty()) {
      RunReport::GroupLine& g = groups[{c.batch, c.stage, c.channel, c.group}];
      g.batch = c.batch;
      g.stage = c.stage;
      g.channel = c.channel;
      g.group = c.group;
      g.seats += c.initial;
      g.returned += c.flowed_out;
      g.admitted += c.admitted;
    }
  }

  // Blocks a program does not offer at all (no seats, none flowed, nobody admitted) say nothing.
  std::erase_if(r.seats, [](const RunReport::SeatLine& s) { return s.initial == 0 && s.flowed_in == 0 && s.capacity == 0 && s.admitted == 0; });

  // The split plans' effect: each group's candidates, and its admissions to the programs that
  // offer the split channel through the stage's other channels.
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::uint8_t>> offering;  // batch, stage, channel -> programs
  for (const RunReport::SeatLine& s : r.seats) {
    if (!s.split || s.initial <= 0) continue;
    auto& v = offering[{s.batch, s.stage, s.channel}];
    v.resize(progs.size());
    const ProgramIndex p = IndexOf(progs.code, s.program);
    if (p != kNone) v[p] = 1;
  }
  for (const auto& [key, programs] : offering) {
    const auto& [batch, stage, channel] = key;
    const Channel* ch = FindChannel(*rules, batch, stage, channel);
    const Column* col = ch ? cands.FindColumn(ch->split_by) : nullptr;
    if (!col || col->numeric) continue;
    std::vector<std::int64_t> count(col->dictionary.size()), other(col->dictionary.size());
    for (std::size_t c = 0; c < cands.size(); ++c) ++count[col->text[c]];
    for (std::size_t i = 0; i < placements.size(); ++i) {
      const PlacementRow& pl = placements[i];
      if (!pl.placed() || who[i] == kNone || where[i] == kNone || !programs[where[i]]) continue;
      if (pl.batch == batch && pl.stage == stage && pl.channel != channel) ++other[col->text[who[i]]];
    }
    for (std::size_t g = 0; g < col->dictionary.size(); ++g) {
      RunReport::GroupLine& line = groups[{batch, stage, channel, col->dictionary[g]}];
      line.batch = batch;
      line.stage = stage;
      line.channel = channel;
      line.group = col->dictionary[g];
      line.candidates = count[g];
      line.admitted_other = other[g];
    }
  }
  for (auto& [key, g] : groups) r.groups.push_back(std::move(g));
  return r;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Words

struct Words {
  const char* html_lang;
  const char* title;             // %1: rules name
  const char* identity;
  const char* rules_name;
  const char* engine;
  const char* run_dir;
  const char* verify;
  const char* verify_ok;
  const char* verify_failed;
  const char* inputs;
  const char* role;
  const char* path;
  const char* sha256;
  const char* summary;
  const char* candidates;
  const char* placed;
  const char* unplaced;
  const char* lines;
  const char* line;
  const char* value;
  const char* how;
  const char* policy;
  const char* gh_ratio;
  const char* gh_admitted;
  const char* gh_seats;
  const char* gh_target;
  const char* gh_meets;
  const char* gh_below;
  const char* no_target;
  const char* sectors;
  const char* sector;
  const char* programs_count;
  const char* channels;
  const char* other_programs;
  const char* groups;
  const char* group;
  const char* group_candidates;
  const char* group_seats;
  const char* group_returned;
  const char* group_admitted;
  const char* group_other;
  const char* seats_title;
  const char* batch;
  const char* stage;
  const char* program;
  const char* school;
  const char* channel;
  const char* plan;
  const char* flowed_in;
  const char* flowed_out;
  const char* capacity;
  const char* admitted;
  const char* cutoff;
  const char* fill;
  const char* charts;
  const char* chart_scores;
  const char* chart_cutoffs;
  const char* chart_fill;
  const char* chart_groups;
  const char* axis_total;
  const char* axis_fill;
  const char* axis_admitted;
  const char* legend_other;
  const char* legend_split;
  const char* sector_public;
  const char* sector_private;
  const char* diff_title;        // %1: the other run
  const char* diff_counts;
  const char* diff_moved;
  const char* diff_only;
  const char* diff_channel_only;
  const char* diff_moves;
  const char* diff_from;
  const char* diff_to;
  const char* diff_count;
  const char* diff_channels;
  const char* diff_seats;
  const char* diff_movers;
  const char* candidate;
  const char* before;
  const char* after;
};

const Words kEn = {
    "en", "Admission report: %1", "Run", "Rules", "Engine", "Run directory", "Verify", "holds (zkmatch verify found no violation)",
    "FAILED (zkmatch verify found violations)", "Inputs", "Role", "Path", "SHA-256", "Summary", "Candidates", "Placed", "Unplaced", "Score lines",
    "Line", "Value", "How computed", "Policy checks", "General-high admission ratio", "Admitted to general high", "General-high seats (after flows)",
    "Target", "meets the target", "BELOW the target", "no target in the rules", "Public and private general-high programs", "Sector", "Programs",
    "Admissions per channel (specialists per category, 3+4, reserved plans)", "Programs outside general high (e.g. 3+4)",
    "Reserved seats per group (balanced plan per junior school)", "Group", "Candidates", "Seats allocated", "Seats returned", "Admitted (reserved)",
    "Admitted (other channels, same schools)", "Per school and channel", "Batch", "Stage", "Program", "School", "Channel", "Plan", "Flowed in",
    "Flowed out", "Seats", "Admitted", "Cut-off total", "Fill (%)", "Charts", "Totals of admitted candidates per program (min, quartiles, max)",
    "Cut-off total per program and channel", "Fill rate per program (%)", "Reserved plan's effect per junior school: admissions to the schools offering it",
    "total", "fill %", "admitted", "other channels", "reserved channel", "public", "private", "Compared with %1", "Counts", "Candidates moved",
    "Candidates in one run only", "Of whom only the channel changed (same program)", "Moves by program", "From", "To", "Candidates", "Cut-offs that changed, per program and channel (groups summed, lowest cut-off)", "Seat blocks that changed, per group", "Every candidate who moved",
    "Candidate", "Before", "After"};

const Words kZh = {
    "zh-CN", "录取报告：%1", "本次录取", "规则", "引擎版本", "运行目录", "校验 (verify)", "通过（zkmatch verify 未发现问题）",
    "未通过（zkmatch verify 发现问题）", "输入文件", "类别", "路径", "SHA-256", "概况", "考生数", "已录取", "未录取", "分数线", "分数线",
    "数值", "计算方法", "政策核查", "普通高中录取比例", "普通高中录取人数", "普通高中计划（流转后）", "目标", "达到目标", "低于目标",
    "规则未设目标", "公办与民办普通高中", "办学性质", "计划数", "各通道录取（特长生各类别、3+4、专项计划）", "普通高中以外的计划（如 3+4）",
    "分配名额（各初中学校的校际均衡计划）", "初中学校", "考生数", "分配名额", "退回名额", "专项录取", "同校其他通道录取", "各学校、各通道",
    "批次", "阶段", "计划代码", "学校", "通道", "计划", "流入", "流出", "名额", "录取", "最低录取分", "满额率 (%)", "图表",
    "各计划录取考生总分分布（最低、四分位、最高）", "各计划、各通道最低录取分", "各计划满额率 (%)", "校际均衡计划对各初中学校的作用：录取到提供专项计划学校的人数",
    "总分", "满额率 %", "录取人数", "其他通道", "专项通道", "公办", "民办", "与 %1 对比", "数量", "录取结果变化的考生",
    "只在一次运行中的考生", "其中仅通道变化（同一计划）", "按计划统计的变化", "原", "现", "人数", "各计划、各通道最低录取分的变化（分组合计，取最低分）", "各分组名额块的变化", "每一位结果变化的考生", "考生", "原结果", "现结果"};

const Words& WordsFor(Language lang) { return lang == Language::kChinese ? kZh : kEn; }

std::string Fill(const char* pattern, const std::string& a) {
  std::string out = pattern;
  const std::size_t at = out.find("%1");
  if (at != std::string::npos) out.replace(at, 2, a);
  return out;
}

// Hundredths of a percent of num/den, rounded half up, as "60.03"; "" when den is 0.
std::string Percent(std::int64_t num, std::int64_t den) {
  if (den <= 0) return {};
  const std::int64_t h = (num * 20000 + den) / (2 * den);
  std::string frac = std::to_string(h % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return std::to_string(h / 100) + "." + frac;
}

std::string SectorName(const std::string& s, const Words& w) {
  if (s == "public") return w.sector_public;
  if (s == "private") return w.sector_private;
  return s.empty() ? "-" : s;
}

// ---------------------------------------------------------------------------------------------
// Tables: what HTML and XLSX both show.

struct Table {
  std::string id;       // HTML id and sheet name (ASCII, at most 31 characters)
  std::string title;
  std::vector<std::string> header;
  std::vector<std::uint8_t> numeric;  // per column: written as a number in the workbook
  std::vector<std::vector<std::string>> rows;
};

std::string Num(std::int64_t v) { return std::to_string(v); }

std::vector<Table> BuildTables(const RunReport& r, const Words& w) {
  std::vector<Table> tables;
  {
    Table t{"summary", "", {w.value, ""}, {0, 1}, {}};  // under the section's own heading
    t.header = {"", w.value};
    t.rows.push_back({w.candidates, Num(r.candidates)});
    t.rows.push_back({w.placed, Num(r.placed)});
    t.rows.push_back({w.unplaced, Num(r.candidates - r.placed)});
    tables.push_back(std::move(t));
  }
  {
    Table t{"general_high", w.gh_ratio, {"", w.value}, {0, 1}, {}};
    t.rows.push_back({w.candidates, Num(r.candidates)});
    t.rows.push_back({w.gh_admitted, Num(r.general_high_admitted)});
    t.rows.push_back({w.gh_seats, Num(r.general_high_seats)});
    t.rows.push_back({w.gh_ratio + std::string(" (%)"), Percent(r.general_high_admitted, r.candidates)});
    t.rows.push_back({w.gh_target + std::string(" (%)"), r.general_high_target_ppm ? Percent(r.general_high_target_ppm, 1'000'000) : ""});
    tables.push_back(std::move(t));
  }
  {
    Table t{"lines", w.lines, {w.line, w.value, w.how}, {0, 1, 0}, {}};
    for (const auto& l : r.lines) t.rows.push_back({l.name, l.value, l.note});
    tables.push_back(std::move(t));
  }
  {
    std::map<std::string, std::tuple<std::int64_t, std::int64_t, std::map<std::string, int>>> by;  // sector -> seats, admitted, programs
    for (const auto& s : r.seats) {
      if (!s.general_high) continue;  // the policy is about general-high seats (3+4 are public)
      auto& [seats, admitted, programs] = by[s.sector];
      seats += s.capacity;
      admitted += s.admitted;
      programs[s.program] = 1;
    }
    Table t{"sectors", w.sectors, {w.sector, w.programs_count, w.capacity, w.admitted, w.fill}, {0, 1, 1, 1, 1}, {}};
    for (const auto& [sector, v] : by) {
      const auto& [seats, admitted, programs] = v;
      t.rows.push_back({SectorName(sector, w), Num(static_cast<std::int64_t>(programs.size())), Num(seats), Num(admitted), Percent(admitted, seats)});
    }
    tables.push_back(std::move(t));
  }
  {
    // Channels in first-seen order (batch, stage, rule order within cutoffs.csv's program order).
    std::vector<std::tuple<std::string, std::string, std::string>> order;
    std::map<std::tuple<std::string, std::string, std::string>, RunReport::SeatLine> sum;
    for (const auto& s : r.seats) {
      auto key = std::make_tuple(s.batch, s.stage, s.channel);
      auto [it, fresh] = sum.try_emplace(key);
      if (fresh) order.push_back(key);
      it->second.initial += s.initial;
      it->second.flowed_in += s.flowed_in;
      it->second.flowed_out += s.flowed_out;
      it->second.capacity += s.capacity;
      it->second.admitted += s.admitted;
    }
    Table t{"channels", w.channels, {w.batch, w.stage, w.channel, w.plan, w.flowed_in, w.flowed_out, w.capacity, w.admitted, w.fill}, {0, 0, 0, 1, 1, 1, 1, 1, 1}, {}};
    for (const auto& key : order) {
      const auto& s = sum[key];
      t.rows.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), Num(s.initial), Num(s.flowed_in), Num(s.flowed_out), Num(s.capacity),
                        Num(s.admitted), Percent(s.admitted, s.capacity)});
    }
    tables.push_back(std::move(t));
  }
  auto seat_row = [&](const RunReport::SeatLine& s) {
    return std::vector<std::string>{s.school, s.program, s.batch, s.stage, s.channel, Num(s.initial), Num(s.flowed_in), Num(s.flowed_out),
                                    Num(s.capacity), Num(s.admitted), FormatScore(s.cutoff), Percent(s.admitted, s.capacity)};
  };
  const std::vector<std::string> seat_header = {w.school, w.program, w.batch, w.stage, w.channel, w.plan, w.flowed_in, w.flowed_out, w.capacity, w.admitted, w.cutoff, w.fill};
  const std::vector<std::uint8_t> seat_numeric = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
  if (r.has_general_high_condition) {
    Table t{"other_programs", w.other_programs, seat_header, seat_numeric, {}};
    for (const auto& s : r.seats) {
      if (!s.general_high) t.rows.push_back(seat_row(s));
    }
    tables.push_back(std::move(t));
  }
  if (!r.groups.empty()) {
    Table t{"groups", w.groups, {w.batch, w.stage, w.channel, w.group, w.group_candidates, w.group_seats, w.group_returned, w.group_admitted, w.group_other},
            {0, 0, 0, 0, 1, 1, 1, 1, 1}, {}};
    for (const auto& g : r.groups) {
      t.rows.push_back({g.batch, g.stage, g.channel, g.group, Num(g.candidates), Num(g.seats), Num(g.returned), Num(g.admitted), Num(g.admitted_other)});
    }
    tables.push_back(std::move(t));
  }
  {
    Table t{"seats", w.seats_title, seat_header, seat_numeric, {}};
    for (const auto& s : r.seats) t.rows.push_back(seat_row(s));
    tables.push_back(std::move(t));
  }
  return tables;
}

// ---------------------------------------------------------------------------------------------
// HTML

void Escape(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': *out += "&amp;"; break;
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '"': *out += "&quot;"; break;
      case '\'': *out += "&#39;"; break;
      default: out->push_back(c);
    }
  }
}

std::string Esc(std::string_view s) {
  std::string out;
  Escape(&out, s);
  return out;
}

void RenderTable(std::string* out, const Table& t, int level = 3) {
  const std::string h = "h" + std::to_string(level);
  if (!t.title.empty()) *out += "<" + h + ">" + Esc(t.title) + "</" + h + ">\n";
  *out += "<table id=\"" + t.id + "\">\n<thead><tr>";
  for (const std::string& c : t.header) *out += "<th>" + Esc(c) + "</th>";
  *out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    *out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      *out += i < t.numeric.size() && t.numeric[i] ? "<td class=\"n\">" : "<td>";
      Escape(out, row[i]);
      *out += "</td>";
    }
    *out += "</tr>\n";
  }
  *out += "</tbody>\n</table>\n";
}

// Integer SVG geometry: a horizontal chart with one row per label.
struct Axis {
  std::int64_t lo = 0, hi = 1;  // value range (hundredths for scores)
  int x0 = 0, width = 1;        // pixels
  int X(std::int64_t v) const {
    v = std::clamp(v, lo, hi);
    return x0 + static_cast<int>((v - lo) * width / std::max<std::int64_t>(1, hi - lo));
  }
};

constexpr int kLabelWidth = 190, kPlotWidth = 560, kRowHeight = 18, kTop = 44;

// Opens an SVG with a title, and draws the x axis with `ticks` labelled by `label`.
template <typename Label>
void OpenChart(std::string* out, const std::string& id, const std::string& title, const std::string& axis_name, int rows, const Axis& axis,
               const std::vector<std::int64_t>& ticks, Label label) {
  const int height = kTop + rows * kRowHeight + 36;
  const int width = kLabelWidth + kPlotWidth + 90;  // room for the value after a full bar
  *out += "<figure><svg id=\"" + id + "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" + std::to_string(width) + "\" height=\"" +
          std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) + "\"><title>" + Esc(title) + "</title>\n";
  *out += "<text x=\"4\" y=\"16\" class=\"ct\">" + Esc(title) + "</text>\n";
  const int bottom = kTop + rows * kRowHeight;
  *out += "<line x1=\"" + std::to_string(axis.x0) + "\" y1=\"" + std::to_string(bottom) + "\" x2=\"" + std::to_string(axis.x0 + axis.width) + "\" y2=\"" +
          std::to_string(bottom) + "\" class=\"ax\"/>\n";
  *out += "<line x1=\"" + std::to_string(axis.x0) + "\" y1=\"" + std::to_string(kTop - 4) + "\" x2=\"" + std::to_string(axis.x0) + "\" y2=\"" +
          std::to_string(bottom) + "\" class=\"ax\"/>\n";
  for (std::int64_t t : ticks) {
    const int x = axis.X(t);
    *out += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(kTop - 4) + "\" x2=\"" + std::to_string(x) + "\" y2=\"" +
            std::to_string(bottom + 4) + "\" class=\"grid\"/><text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(bottom + 16) +
            "\" text-anchor=\"middle\">" + Esc(label(t)) + "</text>\n";
  }
  *out += "<text x=\"" + std::to_string(axis.x0 + axis.width) + "\" y=\"" + std::to_string(bottom + 30) + "\" text-anchor=\"end\">" + Esc(axis_name) +
          "</text>\n";
}

void RowLabel(std::string* out, int row, const std::string& text) {
  *out += "<text x=\"" + std::to_string(kLabelWidth - 6) + "\" y=\"" + std::to_string(kTop + row * kRowHeight + 13) + "\" text-anchor=\"end\">" +
          Esc(text) + "</text>";
}

void Rect(std::string* out, int x, int y, int width, int height, const char* cls, const std::string& tip) {
  *out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(std::max(width, 0)) + "\" height=\"" +
          std::to_string(height) + "\" class=\"" + cls + "\"><title>" + Esc(tip) + "</title></rect>";
}

// A score axis over [lo, hi] hundredths, widened to multiples of 50 points, ticks every 50.
Axis ScoreAxis(Score lo, Score hi, std::vector<std::int64_t>* ticks) {
  const Score step = 50 * kScoreScale;
  Axis a;
  a.lo = (lo / step) * step;
  a.hi = std::max(a.lo + step, ((hi + step - 1) / step) * step);
  a.x0 = kLabelWidth;
  a.width = kPlotWidth;
  for (Score t = a.lo; t <= a.hi; t += step) ticks->push_back(t);
  return a;
}

void ScoreChart(std::string* out, const RunReport& r, const Words& w) {
  if (r.scores.empty()) return;
  Score lo = r.scores[0].totals.front(), hi = lo;
  for (const auto& s : r.scores) {
    lo = std::min(lo, s.totals.front());
    hi = std::max(hi, s.totals.back());
  }
  std::vector<std::int64_t> ticks;
  const Axis axis = ScoreAxis(lo, hi, &ticks);
  OpenChart(out, "chart-scores", w.chart_scores, w.axis_total, static_cast<int>(r.scores.size()), axis, ticks, [](std::int64_t t) { return FormatScore(t); });
  for (std::size_t i = 0; i < r.scores.size(); ++i) {
    const auto& v = r.scores[i].totals;
    const std::size_t n = v.size();
    const Score q[5] = {v[0], v[(n - 1) / 4], v[(n - 1) / 2], v[3 * (n - 1) / 4], v[n - 1]};
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    RowLabel(out, static_cast<int>(i), r.scores[i].program + " " + r.scores[i].school);
    const std::string tip = r.scores[i].program + ": n=" + std::to_string(n) + ", " + FormatScore(q[0]) + " / " + FormatScore(q[1]) + " / " + FormatScore(q[2]) +
                            " / " + FormatScore(q[3]) + " / " + FormatScore(q[4]);
    *out += "<line x1=\"" + std::to_string(axis.X(q[0])) + "\" y1=\"" + std::to_string(y + 9) + "\" x2=\"" + std::to_string(axis.X(q[4])) + "\" y2=\"" +
            std::to_string(y + 9) + "\" class=\"wh\"/>";
    Rect(out, axis.X(q[1]), y + 3, axis.X(q[3]) - axis.X(q[1]) + 1, kRowHeight - 6, "box", tip);
    *out += "<line x1=\"" + std::to_string(axis.X(q[2])) + "\" y1=\"" + std::to_string(y + 2) + "\" x2=\"" + std::to_string(axis.X(q[2])) + "\" y2=\"" +
            std::to_string(y + kRowHeight - 2) + "\" class=\"med\"/>\n";
  }
  *out += "</svg></figure>\n";
}

void CutoffChart(std::string* out, const RunReport& r, const Words& w) {
  std::vector<const RunReport::SeatLine*> rows;
  for (const auto& s : r.seats) {
    if (s.cutoff != kMissingScore) rows.push_back(&s);
  }
  if (rows.empty()) return;
  Score lo = rows[0]->cutoff, hi = lo;
  for (const auto* s : rows) {
    lo = std::min(lo, s->cutoff);
    hi = std::max(hi, s->cutoff);
  }
  std::vector<std::int64_t> ticks;
  const Axis axis = ScoreAxis(lo, hi, &ticks);
  OpenChart(out, "chart-cutoffs", w.chart_cutoffs, w.axis_total, static_cast<int>(rows.size()), axis, ticks, [](std::int64_t t) { return FormatScore(t); });
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& s = *rows[i];
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    RowLabel(out, static_cast<int>(i), s.program + " " + s.channel + (s.stage.empty() ? "" : " (" + s.stage + ")"));
    Rect(out, axis.x0, y + 3, axis.X(s.cutoff) - axis.x0, kRowHeight - 6, s.split ? "bar2" : "bar", s.program + " " + s.channel + ": " + FormatScore(s.cutoff));
    *out += "<text x=\"" + std::to_string(axis.X(s.cutoff) + 4) + "\" y=\"" + std::to_string(y + 13) + "\">" + FormatScore(s.cutoff) + "</text>\n";
  }
  *out += "</svg></figure>\n";
}

void FillChart(std::string* out, const RunReport& r, const Words& w) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by;  // program -> admitted, seats
  for (const auto& s : r.seats) {
    auto [it, fresh] = by.try_emplace(s.program);
    if (fresh) order.push_back(s.program);
    it->second.first += s.admitted;
    it->second.second += s.capacity;
  }
  if (order.empty()) return;
  Axis axis;
  axis.lo = 0;
  axis.hi = 10000;  // hundredths of a percent
  axis.x0 = kLabelWidth;
  axis.width = kPlotWidth;
  OpenChart(out, "chart-fill", w.chart_fill, w.axis_fill, static_cast<int>(order.size()), axis, {0, 2500, 5000, 7500, 10000},
            [](std::int64_t t) { return std::to_string(t / 100); });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto [admitted, seats] = by[order[i]];
    const std::int64_t h = seats > 0 ? admitted * 10000 / seats : 0;
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    RowLabel(out, static_cast<int>(i), order[i]);
    const std::string pct = Percent(admitted, seats);
    Rect(out, axis.x0, y + 3, axis.X(h) - axis.x0, kRowHeight - 6, "bar", order[i] + ": " + std::to_string(admitted) + " / " + std::to_string(seats));
    *out += "<text x=\"" + std::to_string(axis.X(h) + 4) + "\" y=\"" + std::to_string(y + 13) + "\">" + (pct.empty() ? "-" : pct) + "</text>\n";
  }
  *out += "</svg></figure>\n";
}

void GroupChart(std::string* out, const RunReport& r, const Words& w) {
  if (r.groups.empty()) return;
  std::int64_t most = 1;
  for (const auto& g : r.groups) most = std::max(most, g.admitted + g.admitted_other);
  Axis axis;
  axis.lo = 0;
  // Ticks at 1, 2 or 5 times a power of ten, about five of them.
  std::int64_t step = 1, power = 1;
  for (int i = 0; step * 5 < most; ++i) {
    if (i % 3 == 2) power *= 10;
    step = power * (i % 3 == 0 ? 2 : i % 3 == 1 ? 5 : 1);
  }
  axis.hi = (most + step - 1) / step * step;
  axis.x0 = kLabelWidth;
  axis.width = kPlotWidth;
  std::vector<std::int64_t> ticks;
  for (std::int64_t t = 0; t <= axis.hi; t += step) ticks.push_back(t);
  OpenChart(out, "chart-groups", w.chart_groups, w.axis_admitted, static_cast<int>(r.groups.size()), axis, ticks, [](std::int64_t t) { return std::to_string(t); });
  const int legend_y = kTop - 10;
  *out += "<rect x=\"" + std::to_string(kLabelWidth) + "\" y=\"" + std::to_string(legend_y - 9) + "\" width=\"10\" height=\"10\" class=\"bar\"/><text x=\"" +
          std::to_string(kLabelWidth + 14) + "\" y=\"" + std::to_string(legend_y) + "\">" + Esc(w.legend_other) + "</text>";
  *out += "<rect x=\"" + std::to_string(kLabelWidth + 180) + "\" y=\"" + std::to_string(legend_y - 9) + "\" width=\"10\" height=\"10\" class=\"bar2\"/><text x=\"" +
          std::to_string(kLabelWidth + 194) + "\" y=\"" + std::to_string(legend_y) + "\">" + Esc(w.legend_split) + "</text>\n";
  for (std::size_t i = 0; i < r.groups.size(); ++i) {
    const auto& g = r.groups[i];
    const int y = kTop + static_cast<int>(i) * kRowHeight;
    RowLabel(out, static_cast<int>(i), g.group + (r.groups.front().channel == r.groups.back().channel ? "" : " (" + g.channel + ")"));
    const int mid = axis.X(g.admitted_other);
    Rect(out, axis.x0, y + 3, mid - axis.x0, kRowHeight - 6, "bar", g.group + ": " + std::to_string(g.admitted_other));
    Rect(out, mid, y + 3, axis.X(g.admitted_other + g.admitted) - mid, kRowHeight - 6, "bar2", g.group + " " + g.channel + ": " + std::to_string(g.admitted));
    *out += "<text x=\"" + std::to_string(axis.X(g.admitted_other + g.admitted) + 4) + "\" y=\"" + std::to_string(y + 13) + "\">" +
            std::to_string(g.admitted_other) + " + " + std::to_string(g.admitted) + "</text>\n";
  }
  *out += "</svg></figure>\n";
}

void RenderDiff(std::string* out, const RunDiff& d, const Words& w) {
  *out += "<section id=\"diff\">\n<h2>" + Esc(Fill(w.diff_title, d.a_dir)) + "</h2>\n";
  Table counts{"diff_counts", w.diff_counts, {"", w.value}, {0, 1}, {}};
  counts.rows.push_back({w.candidates, Num(d.candidates_a) + " → " + Num(d.candidates_b)});
  counts.rows.push_back({w.placed, Num(d.placed_a) + " → " + Num(d.placed_b)});
  counts.rows.push_back({w.diff_moved, Num(static_cast<std::int64_t>(d.movers.size()))});
  counts.rows.push_back({w.diff_channel_only, Num(d.channel_only)});
  counts.rows.push_back({w.diff_only, Num(d.only_a) + " / " + Num(d.only_b)});
  RenderTable(out, counts);
  Table moves{"diff_moves", w.diff_moves, {w.diff_from, w.diff_to, w.diff_count}, {0, 0, 1}, {}};
  for (const auto& m : d.moves) moves.rows.push_back({m.from, m.to, Num(m.count)});
  RenderTable(out, moves);
  auto side = [](bool in, std::int64_t v) { return in ? std::to_string(v) : std::string("-"); };
  auto changes = [&](const char* id, const char* title, const std::vector<RunDiff::SeatChange>& list) {
    Table t{id, title, {w.batch, w.stage, w.program, w.channel, w.group, w.capacity, w.admitted, w.cutoff}, {0, 0, 0, 0, 0, 0, 0, 0}, {}};
    for (const auto& s : list) {
      t.rows.push_back({s.batch, s.stage, s.program, s.channel, s.group, side(s.in_a, s.capacity_a) + " → " + side(s.in_b, s.capacity_b),
                        side(s.in_a, s.admitted_a) + " → " + side(s.in_b, s.admitted_b),
                        (s.cutoff_a.empty() ? "-" : s.cutoff_a) + " → " + (s.cutoff_b.empty() ? "-" : s.cutoff_b)});
    }
    RenderTable(out, t);
  };
  changes("diff_channels", w.diff_channels, d.channel_changes);
  changes("diff_seats", w.diff_seats, d.seat_changes);
  Table movers{"diff_movers", w.diff_movers, {w.candidate, w.before, w.after}, {0, 0, 0}, {}};
  for (const auto& m : d.movers) movers.rows.push_back({m.id, m.a.Describe(), m.b.Describe()});
  RenderTable(out, movers);
  *out += "</section>\n";
}

constexpr const char* kStyle = R"(body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",sans-serif;margin:24px;color:#111;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #999;margin-top:28px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #bbb;padding:2px 6px;text-align:left}
th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#060;font-weight:bold}.bad{color:#b00;font-weight:bold}
figure{margin:8px 0 20px}svg{font-size:11px;font-family:inherit}svg text{fill:#111}.ct{font-size:13px;font-weight:bold}
.ax{stroke:#333}.grid{stroke:#ddd}.bar{fill:#4a78b0}.bar2{fill:#e0913a}.box{fill:#9cc0e6;stroke:#2a5685}.wh{stroke:#2a5685}.med{stroke:#111;stroke-width:2}
code{font-size:12px;word-break:break-all}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}
)";

}  // namespace

std::string RenderReportHtml(const RunReport& r, Language lang, const RunDiff* diff) {
  const Words& w = WordsFor(lang);
  const std::vector<Table> tables = BuildTables(r, w);
  auto table = [&](const char* id) -> const Table& {
    for (const Table& t : tables) {
      if (t.id == id) return t;
    }
    return tables.front();
  };
  auto has = [&](const char* id) { return std::any_of(tables.begin(), tables.end(), [&](const Table& t) { return t.id == id; }); };
  std::string out;
  out.reserve(1 << 16);
  out += "<!DOCTYPE html>\n<html lang=\"" + std::string(w.html_lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Self-contained by construction, and the browser is told so: nothing may be fetched or run.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + Esc(Fill(w.title, r.rules_name)) + "</title>\n";
  out += "<style>\n" + std::string(kStyle) + "</style>\n</head>\n<body>\n<h1>" + Esc(Fill(w.title, r.rules_name)) + "</h1>\n";

  out += "<section id=\"identity\">\n<h2>" + Esc(w.identity) + "</h2>\n<table id=\"run\">\n<tbody>\n";
  out += "<tr><th>" + Esc(w.rules_name) + "</th><td>" + Esc(r.rules_name) + "</td></tr>\n";
  out += "<tr><th>" + Esc(w.engine) + "</th><td>" + Esc(r.engine_version) + "</td></tr>\n";
  out += "<tr><th>" + Esc(w.run_dir) + "</th><td><code>" + Esc(r.run_dir) + "</code></td></tr>\n";
  out += "<tr><th>" + Esc(w.verify) + "</th><td id=\"verify\" class=\"" + (r.verified ? "ok" : "bad") + "\">" + Esc(r.verified ? w.verify_ok : w.verify_failed) +
         "</td></tr>\n</tbody>\n</table>\n";
  if (!r.verified) {
    out += "<ul>\n";
    for (const std::string& v : r.verify_lines) out += "<li>" + Esc(v) + "</li>\n";
    out += "</ul>\n";
  }
  out += "<h3>" + Esc(w.inputs) + "</h3>\n<table id=\"inputs\">\n<thead><tr><th>" + Esc(w.role) + "</th><th>" + Esc(w.path) + "</th><th>" + Esc(w.sha256) +
         "</th></tr></thead>\n<tbody>\n";
  for (const auto& f : r.inputs) out += "<tr><td>" + Esc(f.role) + "</td><td><code>" + Esc(f.path) + "</code></td><td><code>" + Esc(f.sha256) + "</code></td></tr>\n";
  out += "</tbody>\n</table>\n</section>\n";

  out += "<section id=\"overview\">\n<h2>" + Esc(w.summary) + "</h2>\n";
  RenderTable(&out, table("summary"));
  RenderTable(&out, table("lines"));
  out += "</section>\n";

  out += "<section id=\"policy\">\n<h2>" + Esc(w.policy) + "</h2>\n";
  const std::string ratio = Percent(r.general_high_admitted, r.candidates);
  out += "<p id=\"gh-ratio\">" + Esc(w.gh_ratio) + ": <b>" + Esc(ratio) + "%</b> (" + std::to_string(r.general_high_admitted) + " / " + std::to_string(r.candidates) +
         ")";
  if (r.general_high_target_ppm > 0) {
    const bool meets = r.general_high_admitted * 1'000'000 >= r.general_high_target_ppm * r.candidates;
    out += "; " + Esc(w.gh_target) + " " + Percent(r.general_high_target_ppm, 1'000'000) + "%: <span class=\"" + (meets ? "ok" : "bad") + "\">" +
           Esc(meets ? w.gh_meets : w.gh_below) + "</span>";
  } else {
    out += "; " + Esc(w.no_target);
  }
  out += "</p>\n";
  RenderTable(&out, table("general_high"));
  RenderTable(&out, table("sectors"));
  RenderTable(&out, table("channels"));
  if (has("other_programs")) RenderTable(&out, table("other_programs"));
  if (has("groups")) RenderTable(&out, table("groups"));
  out += "</section>\n";

  out += "<section id=\"schools\">\n";
  RenderTable(&out, table("seats"), 2);
  out += "</section>\n";

  out += "<section id=\"charts\">\n<h2>" + Esc(w.charts) + "</h2>\n";
  ScoreChart(&out, r, w);
  CutoffChart(&out, r, w);
  FillChart(&out, r, w);
  GroupChart(&out, r, w);
  out += "</section>\n";
  if (diff) RenderDiff(&out, *diff, w);
  out += "</body>\n</html>\n";
  return out;
}

Status WriteReportXlsx(const RunReport& r, Language lang, const std::string& path) {
  const Words& w = WordsFor(lang);
  std::vector<Table> tables = BuildTables(r, w);
  Table run{"run", w.identity, {"", w.value}, {0, 0}, {}};
  run.rows.push_back({w.rules_name, r.rules_name});
  run.rows.push_back({w.engine, r.engine_version});
  run.rows.push_back({w.run_dir, r.run_dir});
  run.rows.push_back({w.verify, r.verified ? w.verify_ok : w.verify_failed});
  for (const auto& f : r.inputs) run.rows.push_back({f.role, f.path + "  sha256 " + f.sha256});
  tables.insert(tables.begin(), std::move(run));

  const Result<std::string> temporary = CreateTemporarySibling(path);
  if (!temporary) return temporary.status();
  const std::string& tmp = *temporary;
  lxw_workbook_options options = {};
  options.constant_memory = LXW_FALSE;
  lxw_workbook* book = workbook_new_opt(tmp.c_str(), &options);
  if (!book) {
    std::filesystem::remove(tmp);
    return Status::IoError("cannot create the workbook " + tmp);
  }
  // A fixed creation time keeps the file the same for the same run (no clock in outputs).
  lxw_doc_properties props = {};
  char title[] = "zkmatch report";
  props.title = title;
  props.created = 1;
  workbook_set_properties(book, &props);
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  for (const Table& t : tables) {
    lxw_worksheet* sheet = workbook_add_worksheet(book, t.id.c_str());
    lxw_row_t row = 0;
    worksheet_write_string(sheet, row++, 0, t.title.empty() ? w.summary : t.title.c_str(), bold);
    for (std::size_t c = 0; c < t.header.size(); ++c) worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c), t.header[c].c_str(), bold);
    ++row;
    for (const auto& cells : t.rows) {
      for (std::size_t c = 0; c < cells.size(); ++c) {
        const auto col = static_cast<lxw_col_t>(c);
        Score v = 0;
        std::string why;
        if (c < t.numeric.size() && t.numeric[c] && !cells[c].empty() && ParseDecimal(cells[c], &v, &why)) {
          worksheet_write_number(sheet, row, col, static_cast<double>(v) / static_cast<double>(kScoreScale), nullptr);
        } else if (!cells[c].empty()) {
          worksheet_write_string(sheet, row, col, cells[c].c_str(), nullptr);
        }
      }
      ++row;
    }
    worksheet_set_column(sheet, 0, static_cast<lxw_col_t>(std::max<std::size_t>(1, t.header.size()) - 1), 14, nullptr);
  }
  const lxw_error e = workbook_close(book);
  if (e != LXW_NO_ERROR) {
    std::filesystem::remove(tmp);
    return Status::IoError(std::string("cannot write the workbook: ") + lxw_strerror(e));
  }
  return CommitTemporaryFile(tmp, path);
}

}  // namespace zkmatch
