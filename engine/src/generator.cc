#include "zkmatch/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace zkmatch {
namespace {

// splitmix64: tiny, fast, fully specified, good enough for synthetic data.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
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
    char code[16];
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
    char junior[16];
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

}  // namespace

std::vector<std::string> GeneratorProfiles() { return {"city"}; }

std::vector<OutputFile> Generate(const GeneratorOptions& options, std::string* error) {
  if (options.profile == "city") {
    if (options.candidates < 10 || options.candidates > 99'999'999) {
      *error = "--candidates must be between 10 and 99999999 for the city profile";
      return {};
    }
    return GenerateCity(options);
  }
  *error = "unknown profile '" + options.profile + "'; known profiles: city";
  return {};
}

}  // namespace zkmatch
