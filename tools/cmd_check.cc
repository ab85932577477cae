// zkmatch check --rules R.yaml: validate rules and inputs without matching.
#include <string>

#include "commands.h"
#include "zkmatch/pipeline.h"

namespace zkmatch::tools {
namespace {

int Check(const std::string& rules_path, const std::string& parent) {
  StderrSink sink;
  auto rules = LoadRules(rules_path, sink);
  if (!rules) return ReportFailure(rules.status(), sink);
  if (!parent.empty()) rules->inputs.ContinueFrom(parent);
  auto instance = LoadInputs(*rules, sink);
  if (!instance) return ReportFailure(instance.status(), sink);
  if (Status policy = CheckPolicy(*rules, *instance, sink); !policy.ok()) return ReportFailure(policy, sink);
  std::vector<std::string> notes;
  const std::vector<Score> lines = ComputeLines(*rules, *instance, &notes);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::printf("line %s = %s (%s)\n", rules->lines[i].name.c_str(), FormatScore(lines[i]).c_str(), notes[i].c_str());
  }
  std::size_t choices = 0;
  for (const ChoiceLists& l : instance->choices) choices += l.program.size();
  std::printf("%s: ok: %zu candidates, %zu programs, %zu choices in %zu batch%s\n", rules_path.c_str(),
              instance->candidates.size(), instance->programs.size(), choices, rules->batches.size(),
              rules->batches.size() == 1 ? "" : "es");
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddCheckVerb(CLI::App& app, int* exit_code) {
  auto rules = std::make_shared<std::string>();
  auto parent = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("check", "Validate the rules and inputs without matching; print every diagnostic");
  cmd->add_option("--rules", *rules, "Rules file (YAML)")->required();
  cmd->add_option("--continue", *parent, "Check a continuing round's rules against the finished run DIR (as run --continue DIR reads it)")->type_name("DIR");
  cmd->callback([rules, parent, exit_code] { *exit_code = Check(*rules, *parent); });
}

}  // namespace zkmatch::tools
