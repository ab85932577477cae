// Generated benchmark inputs, shared by match_bench and floor_bench: `zkmatch gen` data for a
// profile and size, written once per process to a temporary directory (removed at exit) and
// loaded on first use.
#ifndef ZKMATCH_BENCH_BENCH_DATA_H_
#define ZKMATCH_BENCH_BENCH_DATA_H_

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "zkmatch/generator.h"
#include "zkmatch/pipeline.h"
#include "zkmatch/run_directory.h"

namespace zkmatch::bench {

inline constexpr std::uint64_t kSeed = 2025;

struct Dataset {
  std::string profile;
  std::uint64_t n = 0;
  std::string root;  // the temporary directory, removed with the Dataset
  std::string dir;   // root/data: rules.yaml and the CSV files
  std::size_t bytes = 0;  // input bytes (every generated file: the CSV files and rules.yaml)
  std::optional<Rules> rules;
  std::optional<Instance> instance;

  Dataset() = default;
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;
  ~Dataset() {
    std::error_code ec;
    if (!root.empty()) std::filesystem::remove_all(root, ec);
  }
};

// The files only (the floor needs nothing more).
inline Dataset& Files(const std::string& profile, std::uint64_t n) {
  static std::map<std::pair<std::string, std::uint64_t>, std::unique_ptr<Dataset>> cache;
  auto& slot = cache[{profile, n}];
  if (slot) return *slot;
  auto d = std::make_unique<Dataset>();
  d->profile = profile;
  d->n = n;
  std::string tmpl = (std::filesystem::temp_directory_path() / "zkmatch-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) std::abort();
  d->root = tmpl;
  d->dir = tmpl + "/data";
  const auto files = Generate(GeneratorOptions{profile, n, kSeed});
  if (!files) std::abort();
  for (const auto& f : *files) d->bytes += f.content.size();
  if (!WriteRunDirectory(d->dir, *files, false).ok()) std::abort();
  slot = std::move(d);
  return *slot;
}

// The files, the rules and the loaded instance.
inline const Dataset& Data(const std::string& profile, std::uint64_t n) {
  Dataset& d = Files(profile, n);
  if (!d.instance) {
    DiagnosticSink sink;
    auto rules = LoadRules(d.dir + "/rules.yaml", sink);
    if (!rules) std::abort();
    d.rules = std::move(*rules);
    auto instance = LoadInputs(*d.rules, sink);
    if (!instance) std::abort();
    d.instance = std::move(*instance);
  }
  return d;
}

}  // namespace zkmatch::bench

#endif  // ZKMATCH_BENCH_BENCH_DATA_H_
