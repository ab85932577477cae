#include "zkmatch/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "splitmix.h"

namespace zkmatch {
namespace {

// splitmix64 (splitmix.h), with ranges and a bell shape for synthetic data.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() { return SplitMix64(&state_); }
  // Uniform in [0, n) by 128-bit multiply (Lemire), without rejection: the bias is below 2^-40
  // for the ranges used here and, unlike a distribution object, identical everywhere.
  std::uint64_t Below(std::uint64_t n) {
    __extension__ typedef unsigned __int128 U128;
    return static_cast<std::uint64_t>((static_cast<U128>(Next()) * n) >> 64);
  }
  // Approximately standard normal in hundredths: Irwin-Hall sum of 12 uniforms minus 6.
  std::int64_t NormalHundredths() {
    std::int64_t sum = 0;
    for (int i = 0; i < 12; ++i) sum += static_cast<std::int64_t>(Below(1'000'000));
    return (sum - 6'000'000) / 10'000;
  }

 private:
  std::uint64_t state_;
};

struct School {
  std::string code, name;
  bool private_sector;
  int district;
  int popularity;  // 0 = most popular
};

std::string Fixed(std::int64_t hundredths) {
  char buf[32];
  if (hundredths % 100 == 0) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(hundredths / 100));
  } else {
    std::snprintf(buf, sizeof buf, "%lld.%d", static_cast<long long>(hundredths / 100), static_cast<int>(hundredths % 100 / 10));
  }
  return buf;
}

std::vector<OutputFile> GenerateCity(const GeneratorOptions& opt) {
  Rng rng(opt.seed * 0x2545F4914F6CDD1Dull + 1);
  const std::uint64_t n = opt.candidates;
  const char* districts[] = {"环翠区", "高区", "经区"};
  // High schools in order of popularity; about 60% of candidates get a general-high seat.
  const std::vector<std::pair<const char*, bool>> school_names = {
      {"威海一中", false}, {"威海二中", false}, {"威海实验高中", false}, {"威海三中", false}, {"威海四中", false},
      {"威海文登一中", false}, {"威海育才高中", true}, {"威海华新高中", true}, {"威海五中", false}, {"威海职业学校普高班", false}};
  std::vector<School> schools;
  for (std::size_t i = 0; i < school_names.size(); ++i) {
    char code[32];
    std::snprintf(code, sizeof code, "H%02zu", i + 1);
    schools.push_back({code, school_names[i].first, school_names[i].second, static_cast<int>(i % 3), static_cast<int>(i)});
  }
  const std::uint64_t general_seats = n * 60 / 100;
  // Seats per school: more popular schools are a little larger; the shares sum to 1000.
  const int share[] = {130, 125, 115, 110, 105, 100, 90, 85, 75, 65};
  std::string programs = "code,school,name,sector,district,general,arts\n";
  std::vector<std::uint64_t> seats(schools.size());
  std::uint64_t assigned = 0;
  for (std::size_t i = 0; i < schools.size(); ++i) {
    seats[i] = i + 1 == schools.size() ? general_seats - assigned : general_seats * static_cast<std::uint64_t>(share[i]) / 1000;
    assigned += seats[i];
    const std::uint64_t arts = i < 4 ? std::max<std::uint64_t>(1, seats[i] / 40) : 0;
    programs += schools[i].code + "," + schools[i].name + "," + schools[i].name + "普通班," +
                (schools[i].private_sector ? "private," : "public,") + districts[schools[i].district] + "," +
                std::to_string(seats[i] - arts) + "," + (arts ? std::to_string(arts) : "") + "\n";
  }
  // Junior schools of different strength (offsets in points).
  const int juniors = 24;
  std::vector<std::int64_t> strength(juniors);
  for (int j = 0; j < juniors; ++j) strength[j] = static_cast<std::int64_t>(rng.Below(61)) - 30;
  std::string candidates = "id,name,junior_school,district,total,arts\n";
  std::string choices = "candidate_id,batch,rank,program\n";
  for (std::uint64_t i = 0; i < n; ++i) {
    char id[24];
    std::snprintf(id, sizeof id, "25%08llu", static_cast<unsigned long long>(i + 1));
    const int j = static_cast<int>(rng.Below(juniors));
    // Total: mean 540, sd 85, in halves, within [200, 720].
    std::int64_t total = 54000 + strength[j] * 100 + rng.NormalHundredths() * 85;
    total = std::clamp<std::int64_t>(total, 20000, 72000);
    total = total / 50 * 50;
    std::string arts;
    if (rng.Below(100) < 6) arts = Fixed(static_cast<std::int64_t>(60 + rng.Below(41)) * 100 + (rng.Below(2) ? 50 : 0));
    char junior[32];
    std::snprintf(junior, sizeof junior, "J%02d", j + 1);
    candidates += std::string(id) + ",考生" + std::to_string(i + 1) + "," + junior + "," + districts[j % 3] + "," + Fixed(total) + "," + arts + "\n";
    // Score level -> the school whose likely cut-off matches: level 0 (top) .. 9; below the
    // line candidates still apply to the weakest schools.
    const std::int64_t z = (total - 54000) / 85;  // in hundredths of sd
    int level = static_cast<int>(std::clamp<std::int64_t>((150 - z) / 40, 0, 9));
    int first = std::max(0, level - 1 - static_cast<int>(rng.Below(2)));
    const int length = 2 + static_cast<int>(rng.Below(5));  // 2..6 choices
    std::vector<int> list;
    for (int s = first; s < static_cast<int>(schools.size()) && static_cast<int>(list.size()) < length; ++s) {
      if (rng.Below(100) < 25 && s != level) continue;  // skip some schools: taste
      list.push_back(s);
    }
    for (std::size_t r = 0; r < list.size(); ++r) {
      choices += std::string(id) + ",general," + std::to_string(r + 1) + "," + schools[static_cast<std::size_t>(list[r])].code + "\n";
    }
  }
  std::string rules =
      "# Synthetic city, generated by: zkmatch gen --profile city --candidates " + std::to_string(n) + " --seed " +
      std::to_string(opt.seed) +
      "\n"
      "# One general batch (public and private programs admit together, 公民同招); inside each\n"
      "# program the arts specialist seats are filled first, ranked by arts score, then the open\n"
      "# seats by total. Ties after every key go to the smaller candidate id.\n"
      "version: 1\n"
      "name: city-demo\n"
      "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
      "rankings:\n"
      "  by_total: {keys: [total desc], last_tie: id}\n"
      "  by_arts: {keys: [arts desc, total desc], last_tie: id}\n"
      "batches:\n"
      "  - name: general\n"
      "    max_choices: 6\n"
      "    channels:\n"
      "      - {name: arts, seats: arts, ranking: by_arts, eligible: \"arts >= 60 and total >= 450\"}\n"
      "      - {name: general, seats: general, ranking: by_total}\n";
  return {{"rules.yaml", rules}, {"candidates.csv", candidates}, {"programs.csv", programs}, {"choices.csv", choices}};
}

// ---------------------------------------------------------------------------------------------
// Profile "weihai": Weihai central city 2025 (rules/weihai-2025.yaml models the rules).
//
// Published numbers: 12,394 candidates (the default), 7,440 general-high seats of which 1,500
// are private, 873 specialist seats (sports 203, music 195, art 310, science/tech 150, combined
// arts 15). With --candidates N every seat count is scaled by N / 12,394 (ScaledWeihaiPlan).
// Everything else is synthetic: 11 high schools in a fixed order of popularity (H01 most
// popular), a balanced-school plan at H01-H03, four 3+4 programs, 30 junior schools (28 in the
// central city, 2 in 文登区), scores, grades, specialty tests, bonus points and choice lists.

// The rules file the profile writes as rules.yaml. rules/weihai-2025.yaml is this text after
// two lines of schema comment and with `inputs:` pointing at ../fixtures/weihai-2025/
// (tests/weihai_test.cc keeps the two in step: edit both).
const char kWeihaiRules[] = R"yaml(# 威海市中心城区 2025 年普通高中招生录取规则 (模型)
# Weihai central city (中心城区: 环翠区, 高区, 经区) senior-high admission, 2025.
#
# Policy source: 威海市教育局 2025 年工作要点 (shared/seeds/000_01bc2afc6a5e68b2.txt)
#   item 21: 提高普通高中招生比例至 60% / raise general-high admission to 60%;
#            实施艺体特长生招考改革 / specialist admission; 调整"3+4"对口贯通录取办法 / 3+4 track;
#            严格落实公办民办普通高中同步招生 / public-private synchronized admission;
#            遏制违规跨区域掐尖招生 / no cross-region poaching of top students.
#   item 9:  继续设立校际均衡专项计划 / keep the balanced-school special plan;
#            扩大公办中职学校普通高中班 / general-high classes in public vocational schools.
# Published numbers used (中心城区 2025): 12,394 graduates; 7,440 general-high seats (60.03%),
# 1,500 of them private (民办); 873 specialist seats (艺体特长生): sports 体育 203,
# music 音乐 195, art 美术 310, science/tech 科技 150, combined arts 综合艺术 15.
# Everything else (school list, seat split, lines, choices, scores) is a synthetic model,
# marked ASSUMPTION where it is a choice of ours rather than a published rule.
#
# Data (synthetic): zkmatch gen --profile weihai --seed 2025 --out DIR writes the three CSVs
# and this file as DIR/rules.yaml (reading them from DIR); the shipped CSVs are
# fixtures/weihai-2025/, read by rules/weihai-2025.yaml.
# candidates.csv  id 准考证号, junior_school 毕业学校 (J01..J30), district 区市 (学籍所在区),
#                 total 总分 (halves), chinese/maths/english 语文/数学/英语,
#                 bonus 加分 (policy bonus, kept apart from total), quality_grade 综合素质评价 A-D,
#                 fresh 应届生 (1/0), <category>_passed 专业测试合格 (1/0) and <category>_score
#                 专业成绩 for sports, music, art, scitech, combined (empty: no test taken)
# programs.csv    one row per program: H01..H11 high schools in order of popularity (8 public,
#                 3 private: H05, H08, H10; H11 is the 普高班 of a public vocational school),
#                 V01..V04 3+4 programs; kind general_high or vocational (3+4); area 招生区域
#                 (;-list of districts); university 3+4 本科院校; one seat column per channel
#                 below (empty = 0 seats). A high school's plan is the sum of its general,
#                 balanced and five specialist cells. ASSUMPTION: the schools and the split,
#                 e.g. balanced plans of 340/325/300 seats at H01/H02/H03 (about 40% of their
#                 non-specialist seats).
# choices.csv     志愿: batch early (提前批) up to 4, batch general (普通批) up to 6. Both name
#                 programs; the channel is the one the candidate is eligible for (a sports
#                 specialist listing H01 in the early batch competes for H01's sports seats).
#
# programs.csv column 'university' (the 3+4 program's paired university, 对口本科院校) is used
# by no rule; it is part of the published plan, kept for readers, so it is declared descriptive
# and `zkmatch check` does not warn about it.
version: 1
name: weihai-2025
descriptive_columns: [university]
# What people read for the columns the conditions test (letters and explain in Chinese).
column_labels: {bonus: 加分, fresh: 应届生, quality_grade: 综合素质评价等级, sports_passed: 体育专业测试合格, music_passed: 音乐专业测试合格, art_passed: 美术专业测试合格, scitech_passed: 科技特长测试合格, combined_passed: 综合艺术测试合格, area: 招生区域}
inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}

# 同分排序 ties: candidates still equal after every key are ordered by a published-seed lottery
# (公开摇号): anyone can recompute it from this seed and the exam numbers. ASSUMPTION: the seed text.
seed: "weihai-2025 zhongkao public draw (synthetic)"

policy:
  public_private_sync: true                   # 公民同招: private programs admit in the general batch only
  general_high_target: 0.60                   # 普通高中招生比例 60%: check warns if seats fall short
  general_high: "program.kind = 'general_high'"  # 3+4 (vocational) seats do not count

lines:
  # 普通高中最低录取控制线: the score of the candidate at position ceil(60% x N) = 7,437, so
  # about as many candidates reach it as there are general-high seats (7,440 = 60.03%).
  # The score is total + bonus: 加分 counts for admission (投档), never folded into total.
  control: {admit_ratio: 0.60, ranking: by_admission, score: total + bonus, label: 控制线}
  # 艺体特长生文化课成绩: at least 80% of the control line. ASSUMPTION: the 80%.
  specialist: {from: control, factor: 0.80, label: 特长生文化课线}
  # "3+4" 对口贯通: at most 30 below the control line, so the track also serves candidates just
  # under it (the 2025 adjustment is not published; change the offset for a what-if). ASSUMPTION: -30.
  track_3p4: {from: control, offset: -30, label: "3+4 录取线"}
  # 校际均衡最低分数线: control line + 60. ASSUMPTION: the 60 points.
  balanced: {from: control, offset: 60, label: 校际均衡线}

rankings:
  # 投档排序: total + bonus, then the raw total (so bonus never decides a tie), then
  # 语数英 sum, then max(语文, 数学), then the lottery.
  by_admission: {keys: [total + bonus desc, total desc, chinese + maths + english desc, "max(chinese, maths) desc"], last_tie: lottery, label: 投档排序}
  # 艺体特长生: ranked by the specialty (专业) score, ties by the culture score (文化课).
  by_sports:   {keys: [sports_score desc, total + bonus desc], last_tie: lottery, label: 体育专业成绩排序}
  by_music:    {keys: [music_score desc, total + bonus desc], last_tie: lottery, label: 音乐专业成绩排序}
  by_art:      {keys: [art_score desc, total + bonus desc], last_tie: lottery, label: 美术专业成绩排序}
  by_scitech:  {keys: [scitech_score desc, total + bonus desc], last_tie: lottery, label: 科技专业成绩排序}
  by_combined: {keys: [combined_score desc, total + bonus desc], last_tie: lottery, label: 综合艺术专业成绩排序}

batches:
  # 第一批次 提前批 (early batch): specialist seats of the public high schools and the 3+4
  # programs, one choice list, one deferred-acceptance round (not sub-stages): a candidate who
  # lists both kinds gets the first one, in the order of the list, that admits them. Private
  # schools have no seats here (公民同招: no early admission).
  - name: early
    label: 提前批
    max_choices: 4
    channels:
      - {name: sports,   label: 体育特长生, seats: sports,   ranking: by_sports,   eligible: "sports_passed = 1 and total + bonus >= line.specialist and district in program.area", unfilled: {batch: general, channel: general}}
      - {name: music,    label: 音乐特长生, seats: music,    ranking: by_music,    eligible: "music_passed = 1 and total + bonus >= line.specialist and district in program.area", unfilled: {batch: general, channel: general}}
      - {name: art,      label: 美术特长生, seats: art,      ranking: by_art,      eligible: "art_passed = 1 and total + bonus >= line.specialist and district in program.area", unfilled: {batch: general, channel: general}}
      - {name: scitech,  label: 科技特长生, seats: scitech,  ranking: by_scitech,  eligible: "scitech_passed = 1 and total + bonus >= line.specialist and district in program.area", unfilled: {batch: general, channel: general}}
      - {name: combined, label: 综合艺术特长生, seats: combined, ranking: by_combined, eligible: "combined_passed = 1 and total + bonus >= line.specialist and district in program.area", unfilled: {batch: general, channel: general}}
      # 3+4 对口贯通 (vocational school + university): city-wide recruitment (area includes 文登区).
      # Seats left empty stay empty: vocational seats never become general-high seats.
      - {name: track_3p4, label: 3+4 对口贯通, seats: track_3p4, ranking: by_admission, eligible: "total + bonus >= line.track_3p4 and district in program.area", unfilled: none}
    # Unfilled specialist seats (未录满的特长生计划) move once, before the general batch, to the
    # same school's open seats (统招); they are listed in flows.csv.

  # 第二批次 普通批 (general batch): public and private programs together (公民同招), open seats
  # (统招) and the balanced-school special plan (校际均衡专项计划) of 一中, 二中, 实验高中.
  - name: general
    label: 普通批
    max_choices: 6
    channels:
      # 统招: anyone at or above the control line from inside the school's recruitment area
      # (招生区域: 中心城区; 文登区 candidates are not admitted, 不得跨区域招生).
      - {name: general, label: 统招, seats: general, ranking: by_admission, eligible: "total + bonus >= line.control and district in program.area"}
      # 校际均衡: listed AFTER general, so the open seats take the best totals first and the
      # reserved seats then go to the best remaining candidates of each junior school. Filled
      # first, they would mostly go to candidates who win an open seat anyway and the plan would
      # add little for weaker junior schools (Dur, Kominers, Pathak & Sonmez 2018). ASSUMPTION:
      # the published plan gives no order; "open first" is the one that serves the plan's aim.
      - name: balanced
        label: 校际均衡
        seats: balanced
        ranking: by_admission
        # 应届生, 综合素质评价 A/B, 校际均衡线, 中心城区学籍
        eligible: "fresh = 1 and quality_grade in [A, B] and total + bonus >= line.balanced and district in program.area"
        split_by: junior_school
        # 分配到校: each school's reserve is split over the central-city junior schools, 50% by
        # number of graduates and 50% by number of grade-A graduates (the Rongcheng 荣成 formula),
        # largest remainder; computed from the data, written to allocations.csv. 文登区 junior
        # schools get no share. ASSUMPTION: this formula for the central city.
        allocation:
          proportional_to:
            - {count: "district in [环翠区, 高区, 经区]", weight: 0.5}
            - {count: "district in [环翠区, 高区, 经区] and quality_grade = 'A'", weight: 0.5}
          rounding: largest_remainder
        # 未完成的校际均衡计划: seats a junior school cannot fill go back to the school's open
        # seats and the batch is matched again (flows.csv).
        unfilled: general
)yaml";

struct WeihaiProgram {
  const char* code;
  const char* school;
  const char* name;
  bool private_sector;
  const char* district;
  bool vocational;  // 3+4 program (kind vocational) instead of a general-high program
  const char* area;
  const char* university;
  int seats;  // every seat of the program: general + balanced + specialists, or 3+4 seats
  int balanced;
  int specialist[5];  // sports, music, art, scitech, combined
};

constexpr const char* kCentral = "环翠区;高区;经区";
constexpr const char* kCityWide = "环翠区;高区;经区;文登区";
constexpr int kWeihaiHigh = 11;  // H01..H11, in order of popularity; V01..V04 follow

const WeihaiProgram kWeihaiPrograms[] = {
    {"H01", "威海一中", "威海一中", false, "环翠区", false, kCentral, "", 1000, 340, {30, 25, 30, 60, 0}},
    {"H02", "威海二中", "威海二中", false, "环翠区", false, kCentral, "", 950, 325, {30, 25, 30, 50, 0}},
    {"H03", "威海实验高中", "威海实验高中", false, "高区", false, kCentral, "", 900, 300, {30, 30, 40, 40, 0}},
    {"H04", "威海三中", "威海三中", false, "环翠区", false, kCentral, "", 850, 0, {30, 30, 50, 0, 15}},
    {"H05", "威海育才高中", "威海育才高中", true, "高区", false, kCentral, "", 600, 0, {0, 0, 0, 0, 0}},
    {"H06", "威海四中", "威海四中", false, "经区", false, kCentral, "", 800, 0, {30, 30, 50, 0, 0}},
    {"H07", "威海第二实验高中", "威海第二实验高中", false, "高区", false, kCentral, "", 600, 0, {28, 30, 60, 0, 0}},
    {"H08", "威海华新高中", "威海华新高中", true, "经区", false, kCentral, "", 500, 0, {0, 0, 0, 0, 0}},
    {"H09", "威海五中", "威海五中", false, "经区", false, kCentral, "", 500, 0, {25, 25, 50, 0, 0}},
    {"H10", "威海海韵高中", "威海海韵高中", true, "环翠区", false, kCentral, "", 400, 0, {0, 0, 0, 0, 0}},
    {"H11", "威海职业中专", "威海职业中专普高班", false, "环翠区", false, kCentral, "", 340, 0, {0, 0, 0, 0, 0}},
    {"V01", "威海职业中专", "机电技术应用3+4", false, "环翠区", true, kCityWide, "山东交通学院", 50, 0, {0, 0, 0, 0, 0}},
    {"V02", "威海职业中专", "学前教育3+4", false, "环翠区", true, kCityWide, "齐鲁师范学院", 45, 0, {0, 0, 0, 0, 0}},
    {"V03", "威海海洋职业中专", "计算机应用3+4", false, "经区", true, kCityWide, "潍坊学院", 45, 0, {0, 0, 0, 0, 0}},
    {"V04", "威海海洋职业中专", "船舶制造与修理3+4", false, "经区", true, kCityWide, "山东交通学院", 40, 0, {0, 0, 0, 0, 0}},
};
constexpr int kWeihaiPrograms3p4 = 4;
const char* const kSpecialties[5] = {"sports", "music", "art", "scitech", "combined"};

struct WeihaiCandidate {
  int junior = 0;
  std::int64_t total = 0;  // hundredths, a multiple of 50
  int chinese = 0, maths = 0, english = 0;
  int bonus = 0;           // whole points
  char grade = 'A';
  bool fresh = true;
  int specialty = -1;      // index into kSpecialties, -1: no test taken
  bool passed = false;
  std::int64_t specialty_score = 0;  // hundredths
  std::int64_t Key() const { return total + bonus * 100; }
};

// The published plan scaled to a cohort of n candidates (the plan is for 12,394): every seat
// count times n / 12,394, rounded half up, so the seats keep their share of the cohort; the
// published plan itself at the default size.
std::vector<WeihaiProgram> ScaledWeihaiPlan(std::size_t n) {
  constexpr std::uint64_t kPublished = 12394;
  auto scale = [&](int v) { return static_cast<int>((static_cast<std::uint64_t>(v) * n + kPublished / 2) / kPublished); };
  std::vector<WeihaiProgram> plan(std::begin(kWeihaiPrograms), std::end(kWeihaiPrograms));
  if (n == kPublished) return plan;
  for (WeihaiProgram& p : plan) {
    p.seats = std::max(1, scale(p.seats));
    int specialists = 0;
    for (int& s : p.specialist) specialists += (s = scale(s));
    if (specialists > p.seats) p.seats = specialists;
    p.balanced = std::min(scale(p.balanced), p.seats - specialists);
  }
  return plan;
}

std::vector<OutputFile> GenerateWeihai(const GeneratorOptions& opt) {
  Rng rng(opt.seed * 0x2545F4914F6CDD1Dull + 0x5748);  // "WH": a stream of its own
  const std::size_t n = opt.candidates;
  const std::vector<WeihaiProgram> plan = ScaledWeihaiPlan(n);
  constexpr int kJuniors = 30;  // J01-J12 环翠区, J13-J20 高区, J21-J28 经区, J29-J30 文登区
  auto junior_district = [](int j) { return j < 12 ? "环翠区" : j < 20 ? "高区" : j < 28 ? "经区" : "文登区"; };
  std::vector<std::int64_t> strength(kJuniors), weight(kJuniors);
  std::int64_t weight_sum = 0;
  for (int j = 0; j < kJuniors; ++j) {
    // A quarter of the central junior schools are small and weak (town schools, 乡镇初中):
    // -40..-70 points and 100..250 graduates; the others -25..+35 points, 250..700 graduates.
    // The two 文登区 schools send only a few candidates.
    const bool weak = rng.Below(100) < 25;
    strength[j] = weak ? -40 - static_cast<std::int64_t>(rng.Below(31)) : static_cast<std::int64_t>(rng.Below(61)) - 25;  // points
    weight[j] = j >= 28 ? 20 + static_cast<std::int64_t>(rng.Below(20))
                : weak  ? 100 + static_cast<std::int64_t>(rng.Below(150))
                        : 250 + static_cast<std::int64_t>(rng.Below(450));
    weight_sum += weight[j];
  }

  // Candidates.
  std::vector<WeihaiCandidate> cands(n);
  for (WeihaiCandidate& c : cands) {
    std::int64_t pick = static_cast<std::int64_t>(rng.Below(static_cast<std::uint64_t>(weight_sum)));
    c.junior = 0;
    while (pick >= weight[c.junior]) pick -= weight[c.junior++];
    if (rng.Below(1000) < 115) {  // sat a specialty test, categories in proportion to the plan
      std::uint64_t u = rng.Below(873);
      const std::uint64_t category_seats[5] = {203, 195, 310, 150, 15};
      c.specialty = 0;
      while (u >= category_seats[c.specialty]) u -= category_seats[c.specialty++];
      c.passed = rng.Below(100) < 68;
      c.specialty_score = c.passed ? 6000 + static_cast<std::int64_t>(rng.Below(80)) * 50 : 3000 + static_cast<std::int64_t>(rng.Below(60)) * 50;
    }
    // Total: a bell around 520 (sd 75) shifted by the junior school, plus a weaker group (9%)
    // around 380 (sd 90) that gives the left tail; halves, within [120, 710].
    std::int64_t mean = 52000 + strength[c.junior] * 100;
    if (c.specialty == 3) mean += 3000;               // science/tech candidates score higher
    else if (c.specialty >= 0) mean -= 2500;          // arts and sports candidates lower
    if (rng.Below(100) < 9) {
      c.total = 38000 + strength[c.junior] * 100 + rng.NormalHundredths() * 90;
    } else {
      c.total = mean + rng.NormalHundredths() * 75;
    }
    c.total = std::clamp<std::int64_t>(c.total, 12000, 71000) / 50 * 50;
    // Chinese, maths, English out of 120 each, following the total (a sixth of it) with noise.
    int* subjects[3] = {&c.chinese, &c.maths, &c.english};
    for (int* s : subjects) {
      const std::int64_t v = (c.total / 6 + rng.NormalHundredths() * 9 + 50) / 100;
      *s = static_cast<int>(std::clamp<std::int64_t>(v, 10, 120));
    }
    // Quality grade, mostly A/B, better with the score.
    const std::int64_t z = (c.total - 52000) / 75;  // hundredths of an sd
    const std::int64_t r = static_cast<std::int64_t>(rng.Below(1000)) - std::clamp<std::int64_t>(z, -300, 300) / 3;
    c.grade = r < 450 ? 'A' : r < 860 ? 'B' : r < 970 ? 'C' : 'D';
    c.fresh = rng.Below(100) < 97;
    const std::uint64_t b = rng.Below(1000);
    c.bonus = b < 8 ? 20 : b < 20 ? 10 : b < 32 ? 5 : 0;
  }

  // Positions by total + bonus (best first, ties by id) overall and inside each junior school.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return cands[a].Key() != cands[b].Key() ? cands[a].Key() > cands[b].Key() : a < b;
  });
  std::vector<std::size_t> pos(n), junior_pos(n);
  std::vector<std::size_t> junior_count(kJuniors, 0);
  for (std::size_t k = 0; k < n; ++k) {
    pos[order[k]] = k;
    junior_pos[order[k]] = junior_count[static_cast<std::size_t>(cands[order[k]].junior)]++;
  }
  std::size_t central = 0;
  for (int j = 0; j < 28; ++j) central += junior_count[static_cast<std::size_t>(j)];
  int balanced_seats = 0;
  std::vector<std::size_t> cum(kWeihaiHigh);  // seats of the first s+1 schools by popularity
  for (int s = 0; s < kWeihaiHigh; ++s) {
    balanced_seats += plan[static_cast<std::size_t>(s)].balanced;
    cum[static_cast<std::size_t>(s)] = (s ? cum[static_cast<std::size_t>(s - 1)] : 0) + static_cast<std::size_t>(plan[static_cast<std::size_t>(s)].seats);
  }
  const std::size_t general_high_seats = cum.back();

  // Choices.
  std::string choices = "candidate_id,batch,rank,program\n";
  auto id_of = [](std::size_t i) {
    char id[24];
    std::snprintf(id, sizeof id, "25%08llu", static_cast<unsigned long long>(i + 1));
    return std::string(id);
  };
  auto emit = [&](std::size_t i, const char* batch, const std::vector<int>& list) {
    for (std::size_t r = 0; r < list.size(); ++r) {
      choices += id_of(i) + "," + batch + "," + std::to_string(r + 1) + "," + kWeihaiPrograms[list[r]].code + "\n";
    }
  };
  // Specialists rank themselves inside their category by specialty score.
  std::vector<std::size_t> cat_count(5, 0), cat_pos(n, 0);
  {
    std::vector<std::size_t> by_score;
    for (std::size_t i = 0; i < n; ++i) {
      if (cands[i].passed) by_score.push_back(i);
    }
    std::sort(by_score.begin(), by_score.end(), [&](std::size_t a, std::size_t b) {
      return cands[a].specialty_score != cands[b].specialty_score ? cands[a].specialty_score > cands[b].specialty_score : a < b;
    });
    for (std::size_t i : by_score) cat_pos[i] = cat_count[static_cast<std::size_t>(cands[i].specialty)]++;
  }
  const int first_3p4 = kWeihaiHigh;
  for (std::size_t i = 0; i < n; ++i) {
    const WeihaiCandidate& c = cands[i];
    const bool in_area = c.junior < 28;
    // Early batch (提前批): specialists list schools with seats in their category, more
    // ambitious the better their specialty rank; candidates around the control line (and many
    // from 文登区, for whom 3+4 is the only way in) list 3+4 programs.
    std::vector<int> early;
    if (c.passed) {
      std::vector<int> offering;
      for (int s = 0; s < kWeihaiHigh; ++s) {
        if (plan[static_cast<std::size_t>(s)].specialist[c.specialty] > 0) offering.push_back(s);
      }
      const std::size_t m = offering.size();
      std::size_t start = cat_pos[i] * m / std::max<std::size_t>(1, cat_count[static_cast<std::size_t>(c.specialty)]);
      const std::size_t reach = 1 + rng.Below(2);  // one or two schools more ambitious
      start = start >= reach ? start - reach : 0;
      const std::size_t want = 1 + rng.Below(3);
      for (std::size_t k = std::min(start, m - 1); k < m && early.size() < want; ++k) {
        if (rng.Below(100) < 20 && k + 1 < m) continue;  // taste
        early.push_back(offering[k]);
      }
      if (rng.Below(100) < 10) early.push_back(first_3p4 + static_cast<int>(rng.Below(kWeihaiPrograms3p4)));
    } else {
      const bool band = pos[i] * 100 >= n * 50 && pos[i] * 100 < n * 80;
      const bool wants = in_area ? band && rng.Below(100) < 9 : pos[i] * 100 < n * 85 && rng.Below(100) < 40;
      if (wants) {
        // Popularity 40/25/20/15 over V01..V04; some add a second one.
        auto pick3p4 = [&] {
          const std::uint64_t u = rng.Below(100);
          return first_3p4 + (u < 40 ? 0 : u < 65 ? 1 : u < 85 ? 2 : 3);
        };
        early.push_back(pick3p4());
        if (rng.Below(100) < 50) {
          const int second = pick3p4();
          if (second != early[0]) early.push_back(second);
        }
      }
    }
    emit(i, "early", early);

    // General batch (普通批): target the school whose seats reach this candidate's position
    // (with +-15% misjudgement), one or two ambitious choices before it, safer ones after;
    // the best of each junior school aim at the balanced plan of H01-H03; 15% never list a
    // private school (fees).
    const std::size_t judged = pos[i] * (85 + rng.Below(31)) / 100;
    int target = kWeihaiHigh - 1;
    for (int s = 0; s < kWeihaiHigh; ++s) {
      if (cum[static_cast<std::size_t>(s)] > judged) {
        target = s;
        break;
      }
    }
    const bool below = judged >= general_high_seats;
    if (below && pos[i] >= general_high_seats + 300 && rng.Below(100) < 40) {
      emit(i, "general", {});  // no general-high choices: heading for vocational school
      continue;
    }
    const bool no_private = rng.Below(100) < 15;
    // Aspirations above the target: the balanced plan, the dream school, one or two reaches.
    std::vector<std::uint8_t> aspire(kWeihaiHigh, 0);
    const std::size_t junior_share = central ? static_cast<std::size_t>(balanced_seats) * junior_count[static_cast<std::size_t>(c.junior)] / central : 0;
    if (in_area && c.fresh && (c.grade == 'A' || c.grade == 'B') && junior_pos[i] < 2 * junior_share) {
      for (int s = 0; s < 3; ++s) aspire[static_cast<std::size_t>(s)] = rng.Below(100) < 85;
    }
    if (target >= 1 && rng.Below(100) < 20) aspire[0] = 1;  // the dream choice
    for (int s = std::max(0, target - 2); s < target; ++s) {
      if (rng.Below(100) < 60) aspire[static_cast<std::size_t>(s)] = 1;
    }
    // The target and one to three safer schools after it; near the line, the general-high
    // class of the vocational school (H11) as the last resort.
    std::vector<int> tail;
    const std::size_t safer = below ? rng.Below(2) : 1 + rng.Below(3);
    for (int s = target; s < kWeihaiHigh && tail.size() < 1 + safer; ++s) {
      if (no_private && kWeihaiPrograms[s].private_sector) continue;
      if (s != target && rng.Below(100) < 15) continue;  // taste
      tail.push_back(s);
    }
    if (judged * 4 >= general_high_seats * 3 && (tail.empty() || tail.back() != kWeihaiHigh - 1) && rng.Below(100) < 70) {
      tail.push_back(kWeihaiHigh - 1);
    }
    std::vector<int> general;
    for (int s = 0; s < kWeihaiHigh; ++s) {
      if (aspire[static_cast<std::size_t>(s)] && !(no_private && kWeihaiPrograms[s].private_sector) &&
          std::find(tail.begin(), tail.end(), s) == tail.end()) {
        general.push_back(s);
      }
    }
    while (general.size() + tail.size() > 6) general.pop_back();  // the list holds 6: drop reaches
    general.insert(general.end(), tail.begin(), tail.end());
    if (general.size() >= 2 && rng.Below(100) < 8) {  // taste: two neighbours swapped
      const std::size_t k = rng.Below(general.size() - 1);
      std::swap(general[k], general[k + 1]);
    }
    emit(i, "general", general);
  }

  // Candidates file.
  std::string candidates =
      "id,name,junior_school,district,total,chinese,maths,english,bonus,quality_grade,fresh,"
      "sports_passed,sports_score,music_passed,music_score,art_passed,art_score,scitech_passed,scitech_score,combined_passed,combined_score\n";
  for (std::size_t i = 0; i < n; ++i) {
    const WeihaiCandidate& c = cands[i];
    char junior[32];
    std::snprintf(junior, sizeof junior, "J%02d", c.junior + 1);
    candidates += id_of(i) + ",考生" + std::to_string(i + 1) + "," + junior + "," + junior_district(c.junior) + "," + Fixed(c.total) + "," +
                  std::to_string(c.chinese) + "," + std::to_string(c.maths) + "," + std::to_string(c.english) + "," + std::to_string(c.bonus) +
                  "," + std::string(1, c.grade) + "," + (c.fresh ? "1" : "0");
    for (int k = 0; k < 5; ++k) {
      candidates += k == c.specialty ? std::string(c.passed ? ",1," : ",0,") + Fixed(c.specialty_score) : std::string(",,");
    }
    candidates += "\n";
  }

  // Programs file.
  std::string programs = "code,school,name,sector,district,kind,area,university,general,balanced,sports,music,art,scitech,combined,track_3p4\n";
  auto cell = [](int v) { return v > 0 ? std::to_string(v) : std::string(); };
  for (const WeihaiProgram& p : plan) {
    int general = p.vocational ? 0 : p.seats - p.balanced;
    for (int k = 0; k < 5; ++k) general -= p.specialist[k];
    programs += std::string(p.code) + "," + p.school + "," + p.name + "," + (p.private_sector ? "private," : "public,") + p.district + "," +
                (p.vocational ? "vocational," : "general_high,") + p.area + "," + p.university + "," + cell(general) + "," + cell(p.balanced);
    for (int k = 0; k < 5; ++k) programs += "," + cell(p.specialist[k]);
    programs += "," + cell(p.vocational ? p.seats : 0) + "\n";
  }
  return {{"rules.yaml", kWeihaiRules}, {"candidates.csv", candidates}, {"programs.csv", programs}, {"choices.csv", choices}};
}


// ---------------------------------------------------------------------------------------------
// Profile "province": a province-wide general batch, the scale benchmark's instance.
//
// Shape: one county-level area (县级区域) per 10,000 candidates, at most 100, grouped into
// prefectures (市) of about six. Each prefecture has 15 city-level programs (市直高中) open to
// all its counties; each county has 5 to 10 programs of its own (its 一中, 二中, ..., one or
// two private schools, the general-high class of its vocational centre last). That makes about
// 1,000 programs at 1,000,000 candidates. Seats: 52-68% of each county's candidates (rural
// counties lower), 30% of them in the city-level programs; more popular schools are larger.
// Candidates: a county drawn by size, a junior school of the county (a quarter are small weak
// town schools), an exam total out of 750 in halves -- a bell around 500 shifted by prefecture,
// county and junior school, a weaker tenth 150 points lower, the top squeezed above 690 -- so
// ties are common. Choices (up to 12): each county's pool (its programs and its prefecture's)
// is ordered by quality, and every program's place in it is turned into the position in the
// county it should admit down to; a candidate judges their own position with +-15% error,
// targets the program that reaches it, adds up to three ambitious choices just above it (15%
// also a dream choice: the best of the pool) and safer ones after it (passing over private
// schools 30% of the time, fees; other programs 8%); 60% want all 12, the others 5 to 11, and
// a list that runs out of safer programs takes more ambitious ones. Below every program's
// reach a candidate lists two to six of the weakest programs, or (40%, well below) nothing.
// Rules: one ranking, total desc with ties to the smaller id, one channel: every program's
// seats share the ranking, so the serial-dictatorship path applies.

// Appends without temporary strings: the province files reach hundreds of megabytes.
void PutUint(std::string& s, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}
void PutPadded(std::string& s, std::uint64_t v, int width) {  // zero-padded, `width` <= 16 digits
  char buf[16];
  for (int k = width - 1; k >= 0; --k) {
    buf[k] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  s.append(buf, static_cast<std::size_t>(width));
}
void PutExamId(std::string& s, std::uint64_t i) {  // candidate i (0-based): "25" and 8 digits
  s += "25";
  PutPadded(s, i + 1, 8);
}
void PutHalves(std::string& s, std::int64_t hundredths) {  // a non-negative multiple of 50
  PutUint(s, static_cast<std::uint64_t>(hundredths / 100));
  if (hundredths % 100 != 0) s += ".5";
}
std::string Padded(std::uint64_t v, int width) {
  std::string s;
  PutPadded(s, v, width);
  return s;
}

struct ProvinceProgram {
  std::string code, school, name, district, city, area;
  bool private_sector = false;
  bool vocational = false;  // the general-high class of a vocational centre: the last resort
  bool city_level = false;  // open to every county of its prefecture
  std::int64_t seats = 0;
  std::int64_t quality = 0;  // higher = more sought after
};

struct PoolEntry {
  std::uint32_t program = 0;
  std::uint32_t reach = 0;  // seats of this and every better program of the pool per expected candidate of the county, in millionths
  std::uint32_t skip = 0;   // percent of candidates who pass over it as a safer choice
};

struct ProvinceCounty {
  std::string name;
  std::size_t prefecture = 0;
  std::int64_t weight = 0;    // relative size
  std::int64_t strength = 0;  // points, prefecture's included
  std::int64_t expected = 0;  // expected candidates: n * weight / total weight
  std::size_t first_junior = 0, juniors = 0;
  std::vector<PoolEntry> pool;  // best first
};

struct ProvinceCandidate {
  std::uint32_t junior = 0;
  std::uint16_t county = 0;
  std::int32_t total = 0;  // hundredths, a multiple of 50
};

constexpr std::int64_t kProvinceMax = 75000;  // 750 points
constexpr std::size_t kProvinceChoices = 12;

// Splits `total` seats over programs in proportion to `weight`; the remainder goes to the first,
// every program gets at least one seat.
void SplitSeats(std::int64_t total, const std::vector<std::int64_t>& weight, std::vector<ProvinceProgram*>& progs) {
  std::int64_t sum = 0;
  for (std::int64_t w : weight) sum += w;
  std::int64_t given = 0;
  for (std::size_t i = 0; i < progs.size(); ++i) {
    progs[i]->seats = total * weight[i] / sum;
    given += progs[i]->seats;
  }
  progs[0]->seats += total - given;
  for (ProvinceProgram* p : progs) p->seats = std::max<std::int64_t>(1, p->seats);
}

std::vector<OutputFile> GenerateProvince(const GeneratorOptions& opt) {
  Rng rng(opt.seed * 0x2545F4914F6CDD1Dull + 0x5052);  // "PR": a stream of its own
  const std::uint64_t n = opt.candidates;
  const std::size_t counties = static_cast<std::size_t>(std::clamp<std::uint64_t>((n + 5000) / 10000, 1, 100));
  const std::size_t prefectures = std::max<std::size_t>(1, (counties * 16 + 99) / 100);

  // Prefectures and counties.
  std::vector<std::string> city_names(prefectures);
  std::vector<std::int64_t> city_strength(prefectures);
  for (std::size_t m = 0; m < prefectures; ++m) {
    city_names[m] = "市" + Padded(m + 1, 2);
    city_strength[m] = static_cast<std::int64_t>(rng.Below(31)) - 15;
  }
  std::vector<ProvinceCounty> county(counties);
  std::vector<std::int64_t> junior_strength, junior_weight;
  std::int64_t weight_sum = 0;
  for (std::size_t k = 0; k < counties; ++k) {
    ProvinceCounty& c = county[k];
    c.prefecture = k * prefectures / counties;
    const bool urban = k == 0 || (k - 1) * prefectures / counties != c.prefecture;  // the first county of its prefecture: 市区
    std::size_t index_in_city = 0;
    for (std::size_t j = k; j > 0 && (j - 1) * prefectures / counties == c.prefecture; --j) ++index_in_city;
    c.name = city_names[c.prefecture] + (urban ? std::string("市区") : "县" + Padded(index_in_city, 2));
    c.weight = (urban ? 120 : 60) + static_cast<std::int64_t>(rng.Below(101));
    c.strength = city_strength[c.prefecture] + (urban ? 10 : 0) + static_cast<std::int64_t>(rng.Below(41)) - 25;
    weight_sum += c.weight;
    c.first_junior = junior_strength.size();
    c.juniors = 6 + rng.Below(13);
    for (std::size_t j = 0; j < c.juniors; ++j) {
      // A quarter are small weak town schools (乡镇初中): -40..-70 points, 50..150 graduates;
      // the others -20..+30 points, 100..400 graduates.
      const bool weak = rng.Below(100) < 25;
      junior_strength.push_back(weak ? -40 - static_cast<std::int64_t>(rng.Below(31)) : static_cast<std::int64_t>(rng.Below(51)) - 20);
      junior_weight.push_back(weak ? 50 + static_cast<std::int64_t>(rng.Below(101)) : 100 + static_cast<std::int64_t>(rng.Below(301)));
    }
  }
  for (ProvinceCounty& c : county) c.expected = std::max<std::int64_t>(1, static_cast<std::int64_t>(n) * c.weight / weight_sum);

  // Programs: each prefecture's city-level programs, then each of its counties' own.
  struct Stem {
    const char* name;
    bool private_sector;
  };
  static constexpr Stem kCityStems[] = {
      {"第一中学", false}, {"实验中学", false}, {"第二中学", false}, {"师范大学附属中学", false}, {"外国语学校", true},
      {"第三中学", false}, {"第四中学", false}, {"育才中学", true},  {"第五中学", false},         {"第六中学", false},
      {"华侨中学", true},  {"第七中学", false}, {"第八中学", false}, {"第九中学", false}};
  constexpr std::size_t kCityPrograms = std::size(kCityStems) + 1;  // + the vocational centre's class
  static constexpr Stem kCountyStems[] = {{"第一中学", false}, {"第二中学", false}, {"实验中学", false}, {"第三中学", false}, {"育英学校", true},
                                          {"第四中学", false}, {"第五中学", false}, {"博文中学", true},  {"第六中学", false}};
  std::vector<ProvinceProgram> programs;
  std::vector<std::size_t> city_first(prefectures), county_first(counties), county_count(counties);
  programs.reserve(prefectures * kCityPrograms + counties * (std::size(kCountyStems) + 1));
  auto add = [&](const std::string& place, const std::string& district, const std::string& city, const std::string& area,
                 const char* stem, bool private_sector, bool vocational, std::int64_t quality) {
    ProvinceProgram p;
    p.city_level = place == city;
    p.school = place + (vocational ? "职业教育中心" : stem);
    p.name = p.school + (vocational ? "普高班" : "普通班");
    p.district = district;
    p.city = city;
    p.area = area;
    p.private_sector = private_sector;
    p.vocational = vocational;
    p.quality = quality;
    programs.push_back(std::move(p));
  };
  for (std::size_t m = 0; m < prefectures; ++m) {
    std::string area, urban;
    for (const ProvinceCounty& c : county) {
      if (c.prefecture != m) continue;
      if (urban.empty()) urban = c.name;
      area += (area.empty() ? "" : ";") + c.name;
    }
    city_first[m] = programs.size();
    for (std::size_t i = 0; i < std::size(kCityStems); ++i) {
      add(city_names[m], urban, city_names[m], area, kCityStems[i].name, kCityStems[i].private_sector, false,
          1000 - 40 * static_cast<std::int64_t>(i) + static_cast<std::int64_t>(rng.Below(25)));
    }
    add(city_names[m], urban, city_names[m], area, "", false, true, 60);
    for (std::size_t k = 0; k < counties; ++k) {
      if (county[k].prefecture != m) continue;
      county_first[k] = programs.size();
      county_count[k] = 5 + rng.Below(6);
      for (std::size_t j = 0; j + 1 < county_count[k]; ++j) {
        add(county[k].name, county[k].name, city_names[m], county[k].name, kCountyStems[j].name, kCountyStems[j].private_sector, false,
            880 - 75 * static_cast<std::int64_t>(j) + 3 * county[k].strength + static_cast<std::int64_t>(rng.Below(40)));
      }
      add(county[k].name, county[k].name, city_names[m], county[k].name, "", false, true, 50);
    }
  }
  for (std::size_t i = 0; i < programs.size(); ++i) programs[i].code = "P" + Padded(i + 1, 4);

  // Seats: 52-68% of each county's expected candidates, 30% of them in the city-level programs.
  // Within a group more popular programs are larger; the vocational class is small.
  auto weights_of = [&](std::size_t first, std::size_t count) {
    std::vector<std::int64_t> w(count);
    const std::int64_t ordinary = static_cast<std::int64_t>(count) - 1;  // the vocational class is last
    for (std::size_t i = 0; i < count; ++i) {
      const std::int64_t rank = static_cast<std::int64_t>(i);  // 0 = most popular: 150..170, least 100..120
      w[i] = programs[first + i].vocational ? 35 : 100 + 50 * (ordinary - 1 - rank) / std::max<std::int64_t>(1, ordinary - 1) + static_cast<std::int64_t>(rng.Below(21));
    }
    return w;
  };
  std::vector<std::int64_t> city_seats(prefectures, 0);
  for (std::size_t k = 0; k < counties; ++k) {
    const std::int64_t seats = county[k].expected * (52 + static_cast<std::int64_t>(rng.Below(17))) / 100;
    const std::int64_t to_city = seats * 30 / 100;
    city_seats[county[k].prefecture] += to_city;
    std::vector<ProvinceProgram*> group;
    for (std::size_t i = 0; i < county_count[k]; ++i) group.push_back(&programs[county_first[k] + i]);
    SplitSeats(seats - to_city, weights_of(county_first[k], county_count[k]), group);
  }
  for (std::size_t m = 0; m < prefectures; ++m) {
    std::vector<ProvinceProgram*> group;
    for (std::size_t i = 0; i < kCityPrograms; ++i) group.push_back(&programs[city_first[m] + i]);
    SplitSeats(city_seats[m], weights_of(city_first[m], kCityPrograms), group);
  }

  // Each county's pool, best first, and how far down each program should admit.
  std::vector<std::int64_t> city_weight(prefectures, 0);
  for (const ProvinceCounty& c : county) city_weight[c.prefecture] += c.weight;
  for (std::size_t k = 0; k < counties; ++k) {
    ProvinceCounty& c = county[k];
    std::vector<std::uint32_t> members;
    for (std::size_t i = 0; i < kCityPrograms; ++i) members.push_back(static_cast<std::uint32_t>(city_first[c.prefecture] + i));
    for (std::size_t i = 0; i < county_count[k]; ++i) members.push_back(static_cast<std::uint32_t>(county_first[k] + i));
    std::sort(members.begin(), members.end(), [&](std::uint32_t a, std::uint32_t b) {
      return programs[a].quality != programs[b].quality ? programs[a].quality > programs[b].quality : a < b;
    });
    std::int64_t cum = 0;  // millionths of seats
    for (std::uint32_t p : members) {
      const ProvinceProgram& prog = programs[p];
      cum += prog.city_level ? prog.seats * 1'000'000 * c.weight / city_weight[c.prefecture] : prog.seats * 1'000'000;
      const std::int64_t reach = std::min<std::int64_t>(cum / c.expected, 0xFFFFFFFF);
      const std::uint32_t skip = prog.vocational ? 0 : prog.private_sector ? 30 : 8;
      c.pool.push_back(PoolEntry{p, static_cast<std::uint32_t>(reach), skip});
    }
  }

  // Candidates: county, junior school, total.
  std::vector<std::int64_t> county_cum(counties), junior_cum(junior_weight.size());
  {
    std::int64_t acc = 0;
    for (std::size_t k = 0; k < counties; ++k) county_cum[k] = acc += county[k].weight;
    for (const ProvinceCounty& c : county) {
      acc = 0;
      for (std::size_t j = 0; j < c.juniors; ++j) junior_cum[c.first_junior + j] = acc += junior_weight[c.first_junior + j];
    }
  }
  constexpr std::size_t kLevels = kProvinceMax / 50 + 1;  // totals in halves: 0, 0.5, ..., 750
  std::vector<std::uint32_t> above(counties * kLevels, 0);  // first counts per total, then candidates strictly above
  std::vector<std::uint32_t> county_size(counties, 0);
  std::vector<ProvinceCandidate> cands(n);
  for (ProvinceCandidate& c : cands) {
    const std::int64_t pick = static_cast<std::int64_t>(rng.Below(static_cast<std::uint64_t>(weight_sum)));
    const std::size_t k = static_cast<std::size_t>(std::upper_bound(county_cum.begin(), county_cum.end(), pick) - county_cum.begin());
    const ProvinceCounty& co = county[k];
    const std::int64_t jpick = static_cast<std::int64_t>(rng.Below(static_cast<std::uint64_t>(junior_cum[co.first_junior + co.juniors - 1])));
    const auto jbegin = junior_cum.begin() + static_cast<std::ptrdiff_t>(co.first_junior);
    const std::size_t j = co.first_junior + static_cast<std::size_t>(std::upper_bound(jbegin, jbegin + static_cast<std::ptrdiff_t>(co.juniors), jpick) - jbegin);
    std::int64_t mean = 50000 + (co.strength + junior_strength[j]) * 100;
    std::int64_t sd = 80;
    if (rng.Below(100) < 10) {  // the weaker tenth: the long left tail
      mean -= 15000;
      sd = 90;
    }
    // The bell is in steps of sd hundredths: a uniform hundredth on top makes halves as common
    // as whole points.
    std::int64_t total = mean + rng.NormalHundredths() * sd + static_cast<std::int64_t>(rng.Below(100));
    if (total > 69000) total = 69000 + (total - 69000) / 3;  // few reach the top: the paper's ceiling
    total = std::clamp<std::int64_t>(total, 10000, kProvinceMax) / 50 * 50;
    c.county = static_cast<std::uint16_t>(k);
    c.junior = static_cast<std::uint32_t>(j);
    c.total = static_cast<std::int32_t>(total);
    ++above[k * kLevels + static_cast<std::size_t>(total / 50)];
    ++county_size[k];
  }
  for (std::size_t k = 0; k < counties; ++k) {
    std::uint32_t acc = 0;
    for (std::size_t v = kLevels; v-- > 0;) {
      const std::uint32_t here = above[k * kLevels + v];
      above[k * kLevels + v] = acc;
      acc += here;
    }
  }

  // The files, candidate by candidate.
  std::string candidates, choices;
  candidates.reserve(64 + n * 64);
  choices.reserve(64 + n * kProvinceChoices * 28);
  candidates += "id,name,junior_school,district,total\n";
  choices += "candidate_id,batch,rank,program\n";
  std::array<std::uint32_t, 64> list{};
  for (std::uint64_t i = 0; i < n; ++i) {
    const ProvinceCandidate& c = cands[i];
    const ProvinceCounty& co = county[c.county];
    PutExamId(candidates, i);
    candidates += ",考生";
    PutUint(candidates, i + 1);
    candidates += ",J";
    PutPadded(candidates, c.junior + 1, 4);
    candidates += ',';
    candidates += co.name;
    candidates += ',';
    PutHalves(candidates, c.total);
    candidates += '\n';

    // Position in the county (fraction strictly above, millionths) and as the candidate judges it.
    const std::uint64_t position = std::uint64_t{above[c.county * kLevels + static_cast<std::size_t>(c.total / 50)]} * 1'000'000 / county_size[c.county];
    const std::uint64_t judged = position * (85 + rng.Below(31)) / 100;
    const std::vector<PoolEntry>& pool = co.pool;
    std::size_t t = 0;
    while (t < pool.size() && pool[t].reach <= judged) ++t;
    std::size_t len = 0;
    if (t == pool.size()) {
      // Below every program's reach: the weakest programs, or nothing (vocational school next).
      if (!(position > pool.back().reach + 30'000 && rng.Below(100) < 40)) {
        const std::size_t m = std::min<std::size_t>(pool.size(), 2 + rng.Below(5));
        for (std::size_t q = pool.size() - m; q < pool.size(); ++q) list[len++] = pool[q].program;
      }
    } else {
      // 冲, 稳, 保: reaches, the target, safer ones; listed in pool order (ambitious first).
      // A list that runs out of safer programs takes more reaches instead.
      const std::size_t want = rng.Below(100) < 60 ? kProvinceChoices : 5 + rng.Below(7);
      std::uint64_t chosen = std::uint64_t{1} << t;  // the pool holds at most 25 programs
      std::size_t count = 1;
      if (t >= 2 && rng.Below(100) < 15) chosen |= 1, ++count;  // the dream choice
      for (std::size_t q = t >= 3 ? t - 3 : 0; q < t; ++q) {
        if (rng.Below(100) < 55 && !(chosen >> q & 1)) chosen |= std::uint64_t{1} << q, ++count;
      }
      for (std::size_t q = t + 1; q < pool.size() && count < want; ++q) {
        if (rng.Below(100) >= pool[q].skip) chosen |= std::uint64_t{1} << q, ++count;  // skipped: taste, fees
      }
      for (std::size_t q = t; q-- > 0 && count < want;) {
        if (!(chosen >> q & 1) && rng.Below(100) < 70) chosen |= std::uint64_t{1} << q, ++count;
      }
      for (std::size_t q = 0; q < pool.size(); ++q) {
        if (chosen >> q & 1) list[len++] = pool[q].program;
      }
      if (len >= 2 && rng.Below(100) < 8) {  // taste: two neighbours swapped
        const std::size_t q = rng.Below(len - 1);
        std::swap(list[q], list[q + 1]);
      }
    }
    for (std::size_t r = 0; r < len; ++r) {
      PutExamId(choices, i);
      choices += ",general,";
      PutUint(choices, r + 1);
      choices += ',';
      choices += programs[list[r]].code;
      choices += '\n';
    }
  }

  std::string programs_csv = "code,school,name,sector,district,city,area,general\n";
  for (const ProvinceProgram& p : programs) {
    programs_csv += p.code + "," + p.school + "," + p.name + "," + (p.private_sector ? "private," : "public,") + p.district + "," + p.city + "," +
                    p.area + "," + std::to_string(p.seats) + "\n";
  }
  const std::string rules =
      "# Synthetic province, generated by: zkmatch gen --profile province --candidates " + std::to_string(n) + " --seed " +
      std::to_string(opt.seed) +
      "\n"
      "# " + std::to_string(counties) + " county-level areas in " + std::to_string(prefectures) + " prefectures, " +
      std::to_string(programs.size()) +
      " programs. One general batch, lists of up to 12 choices, one\n"
      "# ranking: every program admits by total, ties to the smaller exam number, so the matcher\n"
      "# takes the serial-dictatorship path. Recruitment areas are kept by the lists themselves\n"
      "# (candidates list their county's and their prefecture's programs); programs.csv carries\n"
      "# them as `area` for a what-if: eligible: \"district in program.area\".\n"
      "version: 1\n"
      "name: province\n"
      "descriptive_columns: [city, area]\n"
      "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
      "rankings:\n"
      "  by_total: {keys: [total desc], last_tie: id}\n"
      "batches:\n"
      "  - name: general\n"
      "    max_choices: 12\n"
      "    channels:\n"
      "      - {name: general, seats: general, ranking: by_total}\n";
  std::vector<OutputFile> out;
  out.push_back({"rules.yaml", rules});
  out.push_back({"candidates.csv", std::move(candidates)});
  out.push_back({"programs.csv", std::move(programs_csv)});
  out.push_back({"choices.csv", std::move(choices)});
  return out;
}

// ---------------------------------------------------------------------------------------------
// Profile "hr": plain hospital/residents with per-program scores, for comparing matchers.
//
// Shape: one program per 1,000 candidates (at least 10), seats for 90% of the candidates,
// programs of Zipf-like popularity (weight 1 / (rank + 20)) whose seats grow with the square
// root of it, so popular programs are oversubscribed and the tail has seats to spare. Each
// candidate has a hidden ability; the exam total (in halves) follows it loosely. Lists: 10
// distinct programs drawn by popularity, ordered by popularity with personal taste (a random
// shift of up to a tenth of the programs). Every program listed scores the applicant out of 100
// in halves (program_scores.csv: ability plus the program's own noise, so programs disagree) --
// one row per choice. Rules: one batch, one channel ranked by [program_score desc, total desc],
// ties to the smaller id: each program orders its applicants its own way, so the general
// deferred acceptance runs (serial dictatorship does not apply).
std::vector<OutputFile> GenerateHospitalResidents(const GeneratorOptions& opt) {
  Rng rng(opt.seed * 0x9E3779B97F4A7C15ull + 7);
  const std::uint64_t n = opt.candidates;
  const std::uint64_t np = std::max<std::uint64_t>(10, n / 1000);
  constexpr std::size_t kChoices = 10;
  // Popularity (by program index: 0 most popular) and its cumulative sum for sampling.
  std::vector<double> weight(np), cumulative(np);
  double sum = 0, root_sum = 0;
  for (std::uint64_t j = 0; j < np; ++j) {
    weight[j] = 1.0 / (static_cast<double>(j) + 20.0);
    sum += weight[j];
    cumulative[j] = sum;
    root_sum += std::sqrt(weight[j]);
  }
  std::string programs = "code,school,name,sector,general\n";
  std::vector<std::string> codes(np);
  const std::uint64_t seat_total = n * 9 / 10;
  for (std::uint64_t j = 0; j < np; ++j) {
    codes[j] = "P" + Padded(j + 1, 5);
    const auto seats = std::max<std::uint64_t>(5, static_cast<std::uint64_t>(static_cast<double>(seat_total) * std::sqrt(weight[j]) / root_sum));
    programs += codes[j] + ",School " + std::to_string(j + 1) + ",Program " + std::to_string(j + 1) + (j % 7 == 6 ? ",private," : ",public,");
    PutUint(programs, seats);
    programs += '\n';
  }
  std::string candidates = "id,total\n";
  std::string choices = "candidate_id,batch,rank,program\n";
  std::string scores = "program,candidate_id,score\n";
  candidates.reserve(n * 16);
  choices.reserve(n * kChoices * 23);
  scores.reserve(n * kChoices * 20);
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kChoices, np));
  std::array<std::uint32_t, kChoices> list{};
  std::array<std::int64_t, kChoices> order_key{};
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::int64_t ability = rng.NormalHundredths();  // hundredths of a standard deviation
    std::int64_t total = 54000 + (ability * 8 + rng.NormalHundredths() * 6) * 85 / 10;
    total = std::clamp<std::int64_t>(total, 20000, 72000) / 50 * 50;
    PutExamId(candidates, i);
    candidates += ',';
    PutHalves(candidates, total);
    candidates += '\n';
    std::size_t len = 0;
    while (len < want) {
      const double u = static_cast<double>(rng.Below(1ull << 53)) / static_cast<double>(1ull << 53) * sum;
      const auto j = static_cast<std::uint32_t>(std::min<std::size_t>(np - 1, static_cast<std::size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin())));
      if (std::find(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(len), j) != list.begin() + static_cast<std::ptrdiff_t>(len)) continue;
      order_key[len] = static_cast<std::int64_t>(j) + static_cast<std::int64_t>(rng.Below(np / 10 + 1));
      list[len++] = j;
    }
    // Most popular first, shifted by taste (insertion sort: ten entries).
    for (std::size_t a = 1; a < len; ++a) {
      for (std::size_t b = a; b > 0 && order_key[b] < order_key[b - 1]; --b) {
        std::swap(order_key[b], order_key[b - 1]);
        std::swap(list[b], list[b - 1]);
      }
    }
    for (std::size_t r = 0; r < len; ++r) {
      PutExamId(choices, i);
      choices += ",main,";
      PutUint(choices, r + 1);
      choices += ',';
      choices += codes[list[r]];
      choices += '\n';
      // The program's score: 70 + 10 per sd of ability + its own noise (sd 8), in [0, 100], halves.
      std::int64_t score = 7000 + ability * 10 + rng.NormalHundredths() * 8;
      score = std::clamp<std::int64_t>(score, 0, 10000) / 50 * 50;
      scores += codes[list[r]];
      scores += ',';
      PutExamId(scores, i);
      scores += ',';
      PutHalves(scores, score);
      scores += '\n';
    }
  }
  const std::string rules =
      "# Synthetic hospital/residents instance, generated by: zkmatch gen --profile hr --candidates " + std::to_string(n) +
      " --seed " + std::to_string(opt.seed) +
      "\n"
      "# " + std::to_string(np) +
      " programs; every candidate lists 10 of them; each program scores its own applicants\n"
      "# (program_scores.csv) and admits by that score, then total, ties to the smaller id.\n"
      "version: 1\n"
      "name: hr\n"
      "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv, program_scores: program_scores.csv}\n"
      "rankings:\n"
      "  by_program_score: {keys: [program_score desc, total desc], last_tie: id}\n"
      "batches:\n"
      "  - name: main\n"
      "    max_choices: 10\n"
      "    channels:\n"
      "      - {name: main, seats: general, ranking: by_program_score}\n";
  std::vector<OutputFile> out;
  out.push_back({"rules.yaml", rules});
  out.push_back({"candidates.csv", std::move(candidates)});
  out.push_back({"programs.csv", std::move(programs)});
  out.push_back({"choices.csv", std::move(choices)});
  out.push_back({"program_scores.csv", std::move(scores)});
  return out;
}

}  // namespace

namespace {

// Every profile once: its name, default and smallest size, and generator.
struct Profile {
  const char* name;
  std::uint64_t default_candidates, min_candidates;
  std::vector<OutputFile> (*generate)(const GeneratorOptions&);
};
constexpr std::uint64_t kMaxCandidates = 99'999'999;  // exam numbers are "25" + 8 digits
const Profile kProfiles[] = {
    {"city", 12394, 10, GenerateCity},
    {"weihai", 12394, 100, GenerateWeihai},
    {"province", 1'000'000, 1000, GenerateProvince},
    {"hr", 100'000, 100, GenerateHospitalResidents},
};

const Profile* FindProfile(const std::string& name) {
  for (const Profile& p : kProfiles) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> GeneratorProfiles() {
  std::vector<std::string> names;
  for (const Profile& p : kProfiles) names.emplace_back(p.name);
  return names;
}

std::uint64_t DefaultCandidates(const std::string& profile) {
  const Profile* p = FindProfile(profile);
  return p ? p->default_candidates : 0;
}

Result<std::vector<OutputFile>> Generate(const GeneratorOptions& given) {
  const Profile* profile = FindProfile(given.profile);
  if (!profile) {
    std::string known;
    for (const std::string& p : GeneratorProfiles()) known += (known.empty() ? "" : ", ") + p;
    return Status::BadInput("unknown profile '" + given.profile + "'; known profiles: " + known);
  }
  GeneratorOptions options = given;
  if (options.candidates == 0) options.candidates = profile->default_candidates;
  if (options.candidates < profile->min_candidates || options.candidates > kMaxCandidates) {
    return Status::BadInput("--candidates must be between " + std::to_string(profile->min_candidates) + " and " +
                            std::to_string(kMaxCandidates) + " for the " + profile->name + " profile");
  }
  return profile->generate(options);
}

}  // namespace zkmatch
