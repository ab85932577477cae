// zkmatch letters (engine/src/letters.cc, tools/cmd_letters.cc): letters to families on the
// Weihai demo (rules/weihai-2025.yaml).
//
//   - Three hand-picked candidates, word for word in Chinese and English: 2500000014 admitted at
//     their first choice; 2500000003 admitted at their fifth, each choice above it refused with
//     the scores that decided (the last admitted's ranking value from audit.jsonl's seats
//     record, never their exam number) and the clause that failed (536 below the balanced line
//     544.5 = control 484.5 + 60); 2500000005 not admitted (365.5 below the control line 484.5);
//     and 2500000002, who listed no choice and is told so.
//   - No letter holds an exam number but its candidate's; one file per junior school holds its
//     graduates' letters, a page each.
//   - An existing --out is refused without --force; a changed input refuses, nothing written.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }
CommandResult Zk(const std::string& args) { return RunCommand(Q(ZkmatchBinary()) + " " + args, "/"); }

// The text of a letter between <p class="result"> and </article>, tags kept.
std::string Body(const std::string& html) {
  const std::size_t from = html.find("<p class=\"result\">"), to = html.find("</article>");
  return from == std::string::npos || to == std::string::npos ? "" : html.substr(from, to - from);
}

// ctest runs every test in its own process, and writing 2 x 12,394 letters takes seconds: the
// run and its letters are made once per build of zkmatch (and of the demo's rules and data) and
// kept beside the binary, keyed by those files' sizes and times; another build makes them anew.
class WeihaiLettersTest : public ::testing::Test {
 protected:
  static std::string Key() {
    std::string key;
    for (const std::string& f : {ZkmatchBinary(), SourceDir() + "/rules/weihai-2025.yaml", SourceDir() + "/fixtures/weihai-2025/candidates.csv",
                                 SourceDir() + "/fixtures/weihai-2025/choices.csv", SourceDir() + "/fixtures/weihai-2025/programs.csv"}) {
      const auto time = fs::last_write_time(f).time_since_epoch().count();
      key += std::to_string(fs::file_size(f)) + "-" + std::to_string(time) + "_";
    }
    return std::to_string(std::hash<std::string>{}(key));
  }
  static void SetUpTestSuite() {
    const fs::path cache = fs::path(ZkmatchBinary()).parent_path() / "letters-test-cache";
    dir_ = (cache / Key()).string();
    run_ = dir_ + "/run";
    if (FileExists(dir_ + "/complete")) return;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cache, ec)) {  // letters of earlier builds (not another process's work)
      if (e.path().filename().string().rfind(".tmp-", 0) != 0 && e.path() != fs::path(dir_)) fs::remove_all(e.path(), ec);
    }
    const std::string work = (cache / (".tmp-" + std::to_string(::getpid()))).string();
    fs::create_directories(work);
    CommandResult r = Zk("run -q --rules " + Q(SourceDir() + "/rules/weihai-2025.yaml") + " --out " + Q(work + "/run"));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const char* lang : {"zh", "en"}) {
      r = Zk("letters --run " + Q(work + "/run") + " --out " + Q(work + "/" + lang) + " --lang " + lang);
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      EXPECT_EQ(r.out, "zkmatch letters: 12394 letters and 30 junior-school files in " + work + "/" + lang + "\n");
    }
    std::ofstream(work + "/complete") << "ok\n";
    fs::rename(work, dir_, ec);  // another test process may have won: its copy is as good
    if (ec) fs::remove_all(work, ec);
  }
  static std::string Letter(const std::string& lang, const std::string& id) { return ReadFile(dir_ + "/" + lang + "/" + id + ".html"); }
  static std::string dir_;
  static std::string run_;
};
std::string WeihaiLettersTest::dir_;
std::string WeihaiLettersTest::run_;

// The numbers the letters quote, from the run's own files and the inputs (not from letters.cc).
TEST_F(WeihaiLettersTest, QuotedNumbersAreTheRunsAndTheInputs) {
  const std::string lines = ReadFile(run_ + "/lines.csv");
  EXPECT_NE(lines.find("\ncontrol,484.5,"), std::string::npos);
  EXPECT_NE(lines.find("\nbalanced,544.5,control + 60\n"), std::string::npos);
  const std::string audit = ReadFile(run_ + "/audit.jsonl");
  for (const auto& [program, key] : std::vector<std::pair<std::string, std::string>>{{"H01", "622"}, {"H03", "582"}, {"H04", "555"}, {"H05", "540"}}) {
    const std::string seats = "{\"record\":\"seats\",\"batch\":\"general\",\"stage\":\"\",\"program\":\"" + program + "\",\"channel\":\"general\",\"group\":null,";
    const std::size_t at = audit.find(seats);
    ASSERT_NE(at, std::string::npos) << program;
    const std::string record = audit.substr(at, audit.find('\n', at) - at);
    EXPECT_NE(record.find("\"ranking\":\"by_admission\",\"key\":[\"" + key + "\","), std::string::npos) << record;
  }
  const std::string cands = ReadFile(SourceDir() + "/fixtures/weihai-2025/candidates.csv");
  // id, name, junior_school, district, total, chinese, maths, english, bonus
  for (const char* row : {"\n2500000002,考生2,J11,环翠区,463,", "\n2500000003,考生3,J25,经区,536,92,101,93,0,", "\n2500000005,考生5,J22,经区,365.5,63,72,68,0,",
                          "\n2500000014,考生14,J14,高区,678.5,"}) {
    EXPECT_NE(cands.find(row), std::string::npos) << row;
  }
}

TEST_F(WeihaiLettersTest, ThreeCandidatesWordForWordInChinese) {
  EXPECT_EQ(Body(Letter("zh", "2500000014")),
            "<p class=\"result\">你已被威海一中录取（普通批，统招名额），第 1 志愿。</p>\n<h2>你的志愿</h2>\n<ul>\n"
            "<li>第 1 志愿（普通批）：威海一中 已被录取（统招名额）。</li>\n</ul>\n");
  EXPECT_EQ(Body(Letter("zh", "2500000003")),
            "<p class=\"result\">你已被威海四中录取（普通批，统招名额），第 5 志愿。</p>\n<h2>你的志愿</h2>\n<ul>\n"
            "<li>第 1 志愿（普通批）：威海一中 未录取：统招名额已录满（按投档排序），最后录取的考生成绩为 622，你的成绩为 536；"
            "你不符合校际均衡名额的条件：你的成绩 536 低于校际均衡线 544.5。</li>\n"
            "<li>第 2 志愿（普通批）：威海实验高中 未录取：统招名额已录满（按投档排序），最后录取的考生成绩为 582，你的成绩为 536；"
            "你不符合校际均衡名额的条件：你的成绩 536 低于校际均衡线 544.5。</li>\n"
            "<li>第 3 志愿（普通批）：威海三中 未录取：统招名额已录满（按投档排序），最后录取的考生成绩为 555，你的成绩为 536。</li>\n"
            "<li>第 4 志愿（普通批）：威海育才高中 未录取：统招名额已录满（按投档排序），最后录取的考生成绩为 540，你的成绩为 536。</li>\n"
            "<li>第 5 志愿（普通批）：威海四中 已被录取（统招名额）。</li>\n</ul>\n");
  EXPECT_EQ(Body(Letter("zh", "2500000005")),
            "<p class=\"result\">你填报的志愿均未被录取。</p>\n<h2>你的志愿</h2>\n<ul>\n"
            "<li>第 1 志愿（普通批）：威海海韵高中 未录取：你不符合统招名额的条件：你的成绩 365.5 低于控制线 484.5。</li>\n"
            "<li>第 2 志愿（普通批）：威海职业中专 威海职业中专普高班 未录取：你不符合统招名额的条件：你的成绩 365.5 低于控制线 484.5。</li>\n</ul>\n");
  EXPECT_EQ(Body(Letter("zh", "2500000002")), "<p class=\"result\">你没有填报志愿，因此未被任何学校录取。</p>\n");
  const std::string page = Letter("zh", "2500000003");
  EXPECT_NE(page.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(page.find("<tr><th>准考证号</th><td>2500000003</td></tr>\n<tr><th>毕业学校</th><td>J25</td></tr>\n<tr><th>总分</th><td>536</td></tr>"),
            std::string::npos);
  // No code word of the rules in these letters: labels stand for batches, channels, lines, rankings.
  for (const char* id : {"2500000014", "2500000003", "2500000005", "2500000002"}) {
    const std::string body = Body(Letter("zh", id));
    for (const char* code : {"general", "balanced", "control", "by_admission", "H0", "H1"}) EXPECT_EQ(body.find(code), std::string::npos) << id << ": " << code;
  }
}

TEST_F(WeihaiLettersTest, ThreeCandidatesWordForWordInEnglish) {
  EXPECT_EQ(Body(Letter("en", "2500000014")),
            "<p class=\"result\">You are admitted to 威海一中 (batch general, general seats), your choice 1.</p>\n<h2>Your choices</h2>\n<ul>\n"
            "<li>Choice 1 (batch general): 威海一中 admitted on its general seats.</li>\n</ul>\n");
  EXPECT_EQ(Body(Letter("en", "2500000003")),
            "<p class=\"result\">You are admitted to 威海四中 (batch general, general seats), your choice 5.</p>\n<h2>Your choices</h2>\n<ul>\n"
            "<li>Choice 1 (batch general): 威海一中 not admitted: its general seats were filled, ranked by total + bonus: the last admitted candidate had 622, you had 536; "
            "you do not meet the condition of its balanced seats: your score 536 is below the balanced line 544.5.</li>\n"
            "<li>Choice 2 (batch general): 威海实验高中 not admitted: its general seats were filled, ranked by total + bonus: the last admitted candidate had 582, you had 536; "
            "you do not meet the condition of its balanced seats: your score 536 is below the balanced line 544.5.</li>\n"
            "<li>Choice 3 (batch general): 威海三中 not admitted: its general seats were filled, ranked by total + bonus: the last admitted candidate had 555, you had 536.</li>\n"
            "<li>Choice 4 (batch general): 威海育才高中 not admitted: its general seats were filled, ranked by total + bonus: the last admitted candidate had 540, you had 536.</li>\n"
            "<li>Choice 5 (batch general): 威海四中 admitted on its general seats.</li>\n</ul>\n");
  EXPECT_EQ(Body(Letter("en", "2500000005")),
            "<p class=\"result\">You are not admitted to any of your choices.</p>\n<h2>Your choices</h2>\n<ul>\n"
            "<li>Choice 1 (batch general): 威海海韵高中 not admitted: you do not meet the condition of its general seats: your score 365.5 is below "
            "the control line 484.5.</li>\n"
            "<li>Choice 2 (batch general): 威海职业中专 威海职业中专普高班 not admitted: you do not meet the condition of its general seats: your score "
            "365.5 is below the control line 484.5.</li>\n</ul>\n");
  EXPECT_EQ(Body(Letter("en", "2500000002")), "<p class=\"result\">You listed no choices, so you could not be admitted to any program.</p>\n");
}

// A split channel (校际均衡, per junior school): the share of the candidate's own junior school
// was filled. 2500000024 (J16, 565): H01's J16 share ends at 605 (audit.jsonl's seats record for
// general/H01/balanced/J16), H02's at 580; admitted at H03 through the same plan.
TEST_F(WeihaiLettersTest, SplitChannelNamesTheJuniorSchoolsShare) {
  const std::string audit = ReadFile(run_ + "/audit.jsonl");
  const std::size_t at = audit.find("\"program\":\"H01\",\"channel\":\"balanced\",\"group\":\"J16\",");
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(audit.substr(at, 400).find("\"key\":[\"605\","), std::string::npos);
  EXPECT_NE(ReadFile(SourceDir() + "/fixtures/weihai-2025/candidates.csv").find("\n2500000024,考生24,J16,高区,565,"), std::string::npos);
  const std::string zh = Body(Letter("zh", "2500000024")), en = Body(Letter("en", "2500000024"));
  EXPECT_NE(zh.find("<li>第 1 志愿（普通批）：威海一中 未录取：统招名额已录满（按投档排序），最后录取的考生成绩为 622，你的成绩为 565；"
                    "校际均衡名额中分配给你的毕业学校 J16 的部分已录满（按投档排序），最后录取的考生成绩为 605，你的成绩为 565。</li>"),
            std::string::npos)
      << zh;
  EXPECT_NE(en.find("its balanced seats for your junior school J16 were filled, ranked by total + bonus: the last admitted candidate had 605, you had 565."), std::string::npos) << en;
  EXPECT_NE(zh.find("<p class=\"result\">你已被威海实验高中录取（普通批，校际均衡名额），第 3 志愿。</p>"), std::string::npos) << zh;
}

// Every letter names one exam number: its own (the last admitted candidates' numbers, which
// audit.jsonl records, are never quoted). Every ten-digit run in a letter is checked.
TEST_F(WeihaiLettersTest, NoLetterHoldsAnotherCandidatesExamNumber) {
  std::set<std::string> ids;
  {
    std::ifstream in(SourceDir() + "/fixtures/weihai-2025/candidates.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) ids.insert(line.substr(0, line.find(',')));
  }
  ASSERT_EQ(ids.size(), 12394u);
  const std::regex number("[0-9]{10,}");
  for (const char* lang : {"zh", "en"}) {
    std::size_t letters = 0, junior_articles = 0;
    for (const auto& e : fs::directory_iterator(dir_ + "/" + lang)) {
      const std::string name = e.path().filename().string();
      const std::string html = ReadFile(e.path().string());
      if (name.rfind("junior-", 0) == 0) {
        for (std::size_t at = 0; (at = html.find("<article>", at)) != std::string::npos; ++at) ++junior_articles;
        EXPECT_NE(html.find("article{break-after:page}"), std::string::npos) << name;
        continue;
      }
      const std::string own = name.substr(0, name.size() - 5);
      ASSERT_TRUE(ids.count(own)) << name;
      ++letters;
      for (auto m = std::sregex_iterator(html.begin(), html.end(), number); m != std::sregex_iterator(); ++m) {
        ASSERT_EQ(m->str(), own) << lang << "/" << name << " holds " << m->str();
      }
    }
    EXPECT_EQ(letters, 12394u) << lang;
    EXPECT_EQ(junior_articles, 12394u) << lang;  // every candidate has a junior school in the demo
  }
  // J25's file holds 2500000003's letter.
  EXPECT_NE(ReadFile(dir_ + "/zh/junior-J25.html").find("<td>2500000003</td>"), std::string::npos);
}

// The Chinese letters name every column a failed condition tests by its label
// (rules/weihai-2025.yaml's column_labels), never by the file's English header.
TEST_F(WeihaiLettersTest, ChineseLettersUseNoColumnCodeWords) {
  const std::vector<std::string> code_words = {"sports_passed", "music_passed", "art_passed", "scitech_passed", "combined_passed",
                                               "fresh", "quality_grade", "bonus", "program.area"};
  std::size_t with_specialist_refusal = 0;
  for (const auto& e : fs::directory_iterator(dir_ + "/zh")) {
    const std::string body = Body(ReadFile(e.path().string()));
    for (const std::string& w : code_words) EXPECT_EQ(body.find(w), std::string::npos) << e.path().filename() << " says " << w;
    with_specialist_refusal += body.find("你没有体育专业测试合格") != std::string::npos ? 1 : 0;
  }
  EXPECT_GT(with_specialist_refusal, 0u);  // the label is used where the code word stood
}

TEST_F(WeihaiLettersTest, ExistingOutputIsRefusedWithoutForce) {
  const CommandResult again = Zk("letters --run " + Q(run_) + " --out " + Q(dir_ + "/zh"));
  EXPECT_EQ(again.exit_code, 2) << again.out << again.err;
  EXPECT_NE(again.err.find("no letters were written"), std::string::npos) << again.err;
}

TEST(LettersRefusal, ChangedInputIsRefusedAndNothingWritten) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/case";
  fs::copy(SourceDir() + "/fixtures/cases/reserve-order", dir, fs::copy_options::recursive);
  ASSERT_EQ(Zk("run -q --rules " + Q(dir + "/open-first.yaml") + " --out " + Q(tmp.path() + "/run")).exit_code, 0);
  { std::ofstream(tmp.path() + "/run/inputs/candidates.csv", std::ios::app) << "R8,600,J1\n"; }
  const CommandResult r = Zk("letters --run " + Q(tmp.path() + "/run") + " --out " + Q(tmp.path() + "/letters"));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("zkmatch letters: error: refusing to write letters: candidates file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() + "/letters"));
}

// A junior_school column no rule reads, and no split channel: the publications still show it
// (README, admitted.csv: "the column split channels divide by (else junior_school)") -- declared
// descriptive or not. An independent audit found it dropped: admitted.csv's column empty,
// junior_outcomes.csv without rows, letters without the school and no junior-school files.
TEST(JuniorSchoolColumn, ShownByTheReportAndTheLettersWhenNoRuleReadsIt) {
  for (const bool declared : {false, true}) {
    SCOPED_TRACE(declared ? "declared descriptive" : "not declared");
    TempDir dir;
    dir.Write("candidates.csv", "id,total,毕业学校\na,700,J1\nb,690,J2\nc,680,J1\n");
    dir.Write("programs.csv", "code,school,name,general\nP,S,P班,1\nQ,T,Q班,1\n");
    dir.Write("choices.csv", "candidate_id,batch,rank,program\na,main,1,P\nb,main,1,P\nb,main,2,Q\nc,main,1,P\n");
    dir.Write("rules.yaml", std::string("version: 1\nname: junior\ncolumns: {junior_school: 毕业学校}\n") +
                                (declared ? "descriptive_columns: [junior_school]\n" : "") +
                                "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
                                "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n"
                                "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, ranking: by_total}\n");
    const std::string run = dir.path() + "/run";
    CommandResult r = Zk("run -q --rules " + Q(dir.path() + "/rules.yaml") + " --out " + Q(run));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Zk("report --csv --run " + Q(run));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(ReadFile(run + "/admitted.csv"),
              "school,program,program_name,position,candidate_id,name,junior_school,total,batch,stage,channel,choice_rank\n"
              "S,P,P班,1,a,,J1,700,main,,general,1\n"
              "T,Q,Q班,1,b,,J2,690,main,,general,2\n");
    EXPECT_EQ(ReadFile(run + "/junior_outcomes.csv"),
              "junior_school,school,program,program_name,candidates\nJ1,S,P,P班,1\nJ1,,,,1\nJ2,T,Q,Q班,1\n");
    r = Zk("letters --lang en --run " + Q(run) + " --out " + Q(dir.path() + "/letters"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(ReadFile(dir.path() + "/letters/c.html").find("<tr><th>Junior school</th><td>J1</td></tr>"), std::string::npos);
    EXPECT_TRUE(FileExists(dir.path() + "/letters/junior-J1.html"));
    EXPECT_TRUE(FileExists(dir.path() + "/letters/junior-J2.html"));
  }
}

// A run does not require a descriptive column, so the publications show one only where the
// candidates file has it: report and letters of a run whose rules declare name, district and
// junior_school descriptive, over a file with none of them, are written (report refused before).
TEST(JuniorSchoolColumn, DescriptiveColumnsTheFileLacksAreLeftOut) {
  TempDir dir;
  dir.Write("candidates.csv", "id,total\na,700\nb,690\n");
  dir.Write("programs.csv", "code,general\nP,1\n");
  dir.Write("choices.csv", "candidate_id,batch,rank,program\na,main,1,P\nb,main,1,P\n");
  dir.Write("rules.yaml",
            "version: 1\nname: lacking\ndescriptive_columns: [name, district, junior_school]\n"
            "inputs: {candidates: candidates.csv, choices: choices.csv, programs: programs.csv}\n"
            "rankings:\n  by_total: {keys: [total desc], last_tie: id}\n"
            "batches:\n  - name: main\n    channels:\n      - {name: general, seats: general, ranking: by_total}\n");
  const std::string run = dir.path() + "/run";
  ASSERT_EQ(Zk("run -q --rules " + Q(dir.path() + "/rules.yaml") + " --out " + Q(run)).exit_code, 0);
  CommandResult r = Zk("report --csv --run " + Q(run));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(run + "/admitted.csv"),
            "school,program,program_name,position,candidate_id,name,junior_school,total,batch,stage,channel,choice_rank\n,P,,1,a,,,700,main,,general,1\n");
  r = Zk("letters --run " + Q(run) + " --out " + Q(dir.path() + "/letters"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(FileExists(dir.path() + "/letters/b.html"));
}

// In a batch of stages a choice has a line per stage that runs the program: each names its
// stage, and the placed choice has no "not considered" line after its "admitted" (fixture
// cases/stages, W2: 一中 full in top-ordinary, 二中 admitted there). An independent audit found
// "Choice 1 ... not admitted" beside "Choice 1 ... not considered", no stage named.
TEST(LetterWording, StagedChoicesNameTheirStage) {
  TempDir tmp;
  ASSERT_EQ(Zk("run -q --rules " + Q(SourceDir() + "/fixtures/cases/stages/rules.yaml") + " --out " + Q(tmp.path() + "/run")).exit_code, 0);
  const CommandResult en = Zk("explain --run " + Q(tmp.path() + "/run") + " --candidate W2 --lang en");
  EXPECT_EQ(en.out,
            "Candidate W2: You are admitted to 二中 General (batch early, general seats), your choice 2.\n"
            "Choice 1 (batch early, stage top-ordinary): 一中 General not admitted: its general seats were filled: the last admitted candidate had 700, "
            "you had 690.\n"
            "Choice 1 (batch early, stage top-specialists): 一中 General not considered, because you were already admitted in an earlier stage "
            "(top-ordinary).\n"
            "Choice 2 (batch early, stage top-ordinary): 二中 General admitted on its general seats.\n");
  const CommandResult zh = Zk("explain --run " + Q(tmp.path() + "/run") + " --candidate W2 --lang zh");
  EXPECT_NE(zh.out.find("第 1 志愿（early，top-specialists 阶段）：一中 General 你已在前一阶段（top-ordinary）被录取，不再参加。"), std::string::npos) << zh.out;
}

// A programs file without school and name columns: the program is shown by its code, not as
// an empty name (fixture cases/lines-shared-place; found by an independent audit).
TEST(LetterWording, AProgramWithoutNamesIsShownByItsCode) {
  TempDir tmp;
  ASSERT_EQ(Zk("run -q --rules " + Q(SourceDir() + "/fixtures/cases/lines-shared-place/rules.yaml") + " --out " + Q(tmp.path() + "/run")).exit_code, 0);
  const CommandResult en = Zk("explain --run " + Q(tmp.path() + "/run") + " --candidate B --lang en");
  EXPECT_EQ(en.out.rfind("Candidate B: You are admitted to P (batch main, general seats), your choice 1.\n", 0), 0u) << en.out;
}

}  // namespace
}  // namespace zkmatch::testing
