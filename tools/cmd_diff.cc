// zkmatch diff --run A --run B [--out DIR] [--html [--lang zh|en]]: what changed between runs.
#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"
#include "zkmatch/replay.h"
#include "zkmatch/run_diff.h"
#include "zkmatch/run_directory.h"

namespace zkmatch::tools {
namespace {

struct DiffArgs {
  std::vector<std::string> runs;
  std::string out;  // default: the second run's directory
  bool html = false;
  std::string lang = "zh";
  bool force = false;
};

int Diff(const DiffArgs& args) {
  if (args.runs.size() != 2) {
    std::fprintf(stderr, "zkmatch diff: error: give exactly two runs, --run A --run B (before, after); got %zu\n", args.runs.size());
    return static_cast<int>(ExitCode::kBadInput);
  }
  // What moved is told from the published files: each run must be one (a manifest), and its files
  // the ones the manifest records.
  for (const std::string& run : args.runs) {
    if (Status intact = CheckRecordedOutputs(run, {"placements.csv", "cutoffs.csv"}, "refusing to compare: "); !intact.ok()) return ReportStatus("diff", intact);
  }
  const std::filesystem::path out = args.out.empty() ? std::filesystem::path(args.runs[1]) : std::filesystem::path(args.out);
  if (!args.out.empty()) {  // B's own directory is the default place, rewritten freely; a named one may hold someone's files
    std::vector<std::string> paths = {(out / "diff.csv").string(), (out / "cutoff_diff.csv").string()};
    if (args.html) paths.push_back((out / "report.html").string());
    if (const int refused = RefuseToReplace("diff", paths, args.force, "nothing was written")) return refused;
  }
  StderrSink sink;
  for (const std::string& run : args.runs) NoteRunFormat("diff", run);
  const Result<RunDiff> diff = DiffRuns(args.runs[0], args.runs[1], sink);
  if (!diff) return ReportFailure(diff.status(), sink);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  for (const auto& [name, content] : {std::pair<std::string, std::string>{"diff.csv", RenderDiffCsv(*diff)}, {"cutoff_diff.csv", RenderSeatChangesCsv(*diff)}}) {
    if (Status written = WriteFileAtomically((out / name).string(), content); !written.ok()) return ReportStatus("diff", written);
  }
  std::fputs(RenderDiffSummary(*diff).c_str(), stdout);
  std::printf("zkmatch diff: wrote %s and %s\n", (out / "diff.csv").c_str(), (out / "cutoff_diff.csv").c_str());
  if (args.html) return WriteReport("diff", args.runs[1], args.lang, (out / "report.html").string(), false, &*diff);
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddDiffVerb(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand("diff", "Compare two runs (before, after): who moved where, changed cut-offs; writes diff.csv and cutoff_diff.csv");
  cmd->add_option("--run", args->runs, "Run directory; give it twice: --run A --run B")->required();
  cmd->add_option("--out", args->out, "Directory for diff.csv, cutoff_diff.csv and report.html (default: B, whose files of those names are replaced each time); in a --out "
                  "given here, files of those names are refused unless --force");
  cmd->add_flag("--force", args->force, "Replace diff.csv, cutoff_diff.csv and report.html in --out");
  cmd->add_flag("--html", args->html, "Also write B's report.html with a section comparing it with A");
  cmd->add_option("--lang", args->lang, "Language of the HTML: zh (default) or en")->check(CLI::IsMember({"en", "zh"}))->capture_default_str();
  cmd->callback([args, exit_code] { *exit_code = Diff(*args); });
}

}  // namespace zkmatch::tools
