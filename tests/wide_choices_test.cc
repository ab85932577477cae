// The wide layout of the choices file (rules/README.md, "Choices in the wide layout") must give
// the same outcome as the long one: this test converts a long choices.csv into a wide sheet --
// with its own code, from the documented layout -- and compares every published CSV of the two
// runs byte for byte, on the Weihai demo and on generated instances; the wide sheet's rows are
// shuffled, its columns get Chinese headers and an unread name column.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/forge.h"
#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

namespace fs = std::filesystem;

// A long choices file's rows as per-candidate lists per batch.
struct Lists {
  std::vector<std::string> batches;                                      // in first-seen order
  std::map<std::string, std::map<std::string, std::vector<std::string>>> by_candidate;  // id -> batch -> programs in rank order
};

Lists ReadLong(const std::string& path) {
  Lists out;
  std::vector<std::string> lines = SplitLines(ReadFile(path));
  EXPECT_EQ(lines.at(0), "candidate_id,batch,rank,program");
  std::map<std::string, std::map<std::string, std::map<int, std::string>>> ranked;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<std::string> f;
    std::size_t at = 0;
    for (std::size_t comma; (comma = lines[i].find(',', at)) != std::string::npos; at = comma + 1) f.push_back(lines[i].substr(at, comma - at));
    f.push_back(lines[i].substr(at));
    EXPECT_EQ(f.size(), 4u) << lines[i];
    if (std::find(out.batches.begin(), out.batches.end(), f[1]) == out.batches.end()) out.batches.push_back(f[1]);
    ranked[f[0]][f[1]][std::stoi(f[2])] = f[3];
  }
  for (const auto& [id, batches] : ranked) {
    for (const auto& [batch, by_rank] : batches) {
      for (const auto& [rank, program] : by_rank) out.by_candidate[id][batch].push_back(program);
    }
  }
  return out;
}

// Writes the wide sheet (准考证号, 姓名, then for batch i columns 批i志愿1..N) with rows in a
// shuffled order, and returns the `choices:` mapping for the rules. With `only` set, the sheet
// holds that batch's columns alone (one export per batch).
std::string WriteWide(Lists lists, const std::string& path, std::uint32_t seed, const std::string& only = {}) {
  if (!only.empty()) lists.batches = {only};
  std::map<std::string, std::size_t> width;
  for (const auto& [id, batches] : lists.by_candidate) {
    for (const auto& [batch, programs] : batches) width[batch] = std::max(width[batch], programs.size());
  }
  std::string header = "准考证号,姓名";
  std::string mapping = "{file: " + path + ", layout: wide, id: 准考证号, batches: {";
  for (std::size_t b = 0; b < lists.batches.size(); ++b) {
    mapping += (b ? ", " : "") + lists.batches[b] + ": [";
    for (std::size_t k = 1; k <= width[lists.batches[b]]; ++k) {
      const std::string col = "批" + std::to_string(b + 1) + "志愿" + std::to_string(k);
      header += "," + col;
      mapping += (k > 1 ? ", " : "") + col;
    }
    mapping += "]";
  }
  mapping += "}}";
  std::vector<std::string> rows;
  for (const auto& [id, batches] : lists.by_candidate) {
    std::string row = id + ",某某";
    for (const std::string& batch : lists.batches) {
      const auto it = batches.find(batch);
      for (std::size_t k = 0; k < width[batch]; ++k) row += "," + (it != batches.end() && k < it->second.size() ? it->second[k] : std::string());
    }
    rows.push_back(row);
  }
  std::mt19937 rng(seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  std::string text = header + "\n";
  for (const std::string& r : rows) text += r + "\n";
  WriteBytes(path, text);
  return mapping;
}

// The long file's rows of one batch, in their order, under the long header.
std::string WriteLongBatch(const std::string& choices_path, const std::string& batch, const std::string& path) {
  std::vector<std::string> lines = SplitLines(ReadFile(choices_path));
  std::string text = lines.at(0) + "\n";
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t a = lines[i].find(','), b = a == std::string::npos ? a : lines[i].find(',', a + 1);
    if (b != std::string::npos && lines[i].substr(a + 1, b - a - 1) == batch) text += lines[i] + "\n";
  }
  WriteBytes(path, text);
  return path;
}

// How the second run gives the choices: one wide sheet, or one file per batch (rules/README.md,
// "Several choices files") -- the first batch's in a wide sheet, every other batch's in a long file.
enum class Layout { kOneWideSheet, kFilePerBatch };

// Runs `rules` as given and with its choices replaced as `layout` says; compares the outputs.
void ExpectSameOutcome(const std::string& rules_path, const std::string& choices_path, std::uint32_t seed, Layout layout = Layout::kOneWideSheet) {
  TempDir tmp;
  const std::string rules_text = ReadFile(rules_path);
  const std::string long_ref = "choices: " + fs::path(choices_path).filename().string();
  const std::string rules_dir = fs::path(rules_path).parent_path().string();
  const Lists lists = ReadLong(choices_path);
  std::string mapping;
  if (layout == Layout::kOneWideSheet) {
    mapping = WriteWide(lists, tmp.path() + "/志愿.csv", seed);
  } else {
    mapping = "[" + WriteWide(lists, tmp.path() + "/" + lists.batches.at(0) + ".csv", seed, lists.batches.at(0));
    for (std::size_t b = 1; b < lists.batches.size(); ++b) {
      mapping += ", " + WriteLongBatch(choices_path, lists.batches[b], tmp.path() + "/" + lists.batches[b] + ".csv");
    }
    mapping += "]";
  }
  // The inputs line names choices by a path relative to the rules: replace that path.
  std::string wide_text = rules_text;
  const std::string relative = fs::relative(choices_path, rules_dir).string();
  const std::size_t at = wide_text.find("choices: " + relative);
  ASSERT_NE(at, std::string::npos) << "cannot find the choices path in " << rules_path << " (" << long_ref << ")";
  wide_text.replace(at, std::string("choices: " + relative).size(), "choices: " + mapping);
  // The copy lives in the temporary directory: the other inputs by absolute path.
  for (const std::string key : {"candidates: ", "programs: "}) {
    const std::size_t from = wide_text.find(key);
    ASSERT_NE(from, std::string::npos) << key;
    const std::size_t begin = from + key.size(), end = wide_text.find_first_of(",}\n", begin);
    const std::string path = wide_text.substr(begin, end - begin);
    wide_text.replace(begin, end - begin, fs::weakly_canonical(fs::path(rules_dir) / path).string());
  }
  const std::string wide_rules = tmp.path() + "/wide.yaml";
  WriteBytes(wide_rules, wide_text);
  const CommandResult a = Zk("run --rules " + Q(rules_path) + " --out " + Q(tmp.path() + "/long") + " -q", tmp.path());
  const CommandResult b = Zk("run --rules " + Q(wide_rules) + " --out " + Q(tmp.path() + "/wide") + " -q", tmp.path());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err << "\n" << mapping;
  for (const std::string& name : CsvOutputs()) {
    EXPECT_TRUE(ReadFile(tmp.path() + "/long/" + name) == ReadFile(tmp.path() + "/wide/" + name)) << name << " differs between the long and wide layouts";
  }
  const CommandResult v = Zk("verify --run " + Q(tmp.path() + "/wide"), tmp.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  if (layout == Layout::kFilePerBatch) {  // each file recorded and copied into the bundle under its own role
    const std::string manifest = ReadFile(tmp.path() + "/wide/manifest.json");
    EXPECT_NE(manifest.find("\"role\":\"choices\""), std::string::npos) << manifest;
    EXPECT_NE(manifest.find("\"role\":\"choices_2\""), std::string::npos) << manifest;
    const CommandResult r = Zk("replay --run " + Q(tmp.path() + "/wide"), tmp.path());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
}

TEST(WideChoices, WeihaiDemoGivesTheSameOutcomeAsTheLongFile) {
  ExpectSameOutcome(SourceDir() + "/rules/weihai-2025.yaml", SourceDir() + "/fixtures/weihai-2025/choices.csv", 1);
}

// 提前批 in a wide sheet of its own, 普通批 in a long file: placements byte-identical, and the
// bundle (two choices files, roles choices and choices_2) verifies.
TEST(WideChoices, OneFilePerBatchGivesTheSameOutcome) {
  ExpectSameOutcome(SourceDir() + "/rules/weihai-2025.yaml", SourceDir() + "/fixtures/weihai-2025/choices.csv", 5, Layout::kFilePerBatch);
}

TEST(WideChoices, GeneratedInstancesGiveTheSameOutcome) {
  for (std::uint32_t seed : {3u, 17u, 2025u}) {
    SCOPED_TRACE(seed);
    TempDir tmp;
    for (const char* profile : {"city", "weihai"}) {
      const std::string dir = tmp.path() + "/" + profile;
      const CommandResult g = Zk(std::string("gen --profile ") + profile + " --candidates 3000 --seed " + std::to_string(seed) + " --out " + Q(dir), tmp.path());
      ASSERT_EQ(g.exit_code, 0) << g.err;
      ExpectSameOutcome(dir + "/rules.yaml", dir + "/choices.csv", seed);
    }
  }
}

}  // namespace
}  // namespace zkmatch::testing
