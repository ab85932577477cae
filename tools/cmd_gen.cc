// zkmatch gen --profile NAME --candidates N --seed S --out DIR
// zkmatch gen --supplementary RUN [--declines N] --seed S --out DIR
#include "commands.h"
#include "zkmatch/generator.h"
#include "zkmatch/supplementary.h"
#include "zkmatch/run_directory.h"

namespace zkmatch::tools {

void AddGenVerb(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<GeneratorOptions>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("gen", "Write synthetic, seeded inputs and a rules file to --out");
  std::string profiles, defaults;
  for (const std::string& p : GeneratorProfiles()) {
    profiles += (profiles.empty() ? "" : ", ") + p;
    defaults += (defaults.empty() ? "" : ", ") + p + " " + std::to_string(DefaultCandidates(p));
  }
  cmd->add_option("--profile", opt->profile, "Data shape: " + profiles + " (see README)")->capture_default_str();
  cmd->add_option("--candidates", opt->candidates, "Number of candidates, 1 to 25,000,000 (default: " + defaults + ")")->check(CLI::Range(1, 25'000'000));
  cmd->add_option("--seed", opt->seed, "Seed; the same seed gives the same bytes")->capture_default_str();
  auto round = std::make_shared<SupplementaryOptions>();
  auto parent = std::make_shared<std::string>();
  CLI::Option* supplementary = cmd->add_option(
      "--supplementary", *parent,
      "Instead of a profile: a supplementary round (征求志愿) for the finished run DIR -- round.yaml, 征求志愿.csv, declined.csv -- to run with "
      "zkmatch run --rules OUT/round.yaml --continue DIR");
  supplementary->type_name("DIR");
  cmd->add_option("--declines", round->declines, "With --supplementary: how many placed candidates give up their seat (declined.csv)")->needs(supplementary);
  cmd->get_option("--profile")->excludes(supplementary);
  cmd->get_option("--candidates")->excludes(supplementary);
  cmd->add_option("--out", *out, "Directory to create")->required();
  cmd->add_flag("--force", *force, "Replace an existing --out directory");
  cmd->callback([=] {
    if (!parent->empty()) {
      StderrSink sink;
      round->seed = opt->seed;
      const Result<std::vector<OutputFile>> files = GenerateSupplementaryRound(*parent, *out, *round, sink);
      if (!files) {
        *exit_code = ReportFailure(files.status(), sink);
        return;
      }
      Status written = WriteRunDirectory(*out, *files, *force);
      *exit_code = written.ok() ? static_cast<int>(ExitCode::kSuccess) : ReportStatus("gen", written);
      return;
    }
    const Result<std::vector<OutputFile>> files = Generate(*opt);
    if (!files) {
      *exit_code = ReportStatus("gen", files.status());
      return;
    }
    if (Status written = WriteRunDirectory(*out, *files, *force); !written.ok()) {
      *exit_code = ReportStatus("gen", written);
      return;
    }
    *exit_code = static_cast<int>(ExitCode::kSuccess);
  });
}

}  // namespace zkmatch::tools
