// zkmatch gen --profile NAME --candidates N --seed S --out DIR
#include "commands.h"
#include "zkmatch/generator.h"
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
  cmd->add_option("--candidates", opt->candidates, "Number of candidates (default: " + defaults + ")");
  cmd->add_option("--seed", opt->seed, "Seed; the same seed gives the same bytes")->capture_default_str();
  cmd->add_option("--out", *out, "Directory to create")->required();
  cmd->add_flag("--force", *force, "Replace an existing --out directory");
  cmd->callback([=] {
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
