// zkmatch report --run DIR [--lang zh|en] [--xlsx] [--out FILE]: the admission report.
#include <filesystem>
#include <string>

#include "commands.h"
#include "zkmatch/report.h"
#include "zkmatch/run_directory.h"

namespace zkmatch::tools {
namespace {

struct ReportArgs {
  std::string run;
  std::string lang = "zh";
  bool xlsx = false;
  std::string out;  // default: DIR/report.html
};

int Report(const ReportArgs& args) {
  StderrSink sink;
  std::string refusal;
  const std::optional<RunReport> report = LoadRunReport(args.run, sink, &refusal);
  if (!report) {
    if (!refusal.empty()) {
      std::fprintf(stderr, "zkmatch report: error: refusing to report: %s; nothing was written\n", refusal.c_str());
      return static_cast<int>(ExitCode::kBadInput);
    }
    return ReportFailure(sink);
  }
  const Language lang = args.lang == "en" ? Language::kEnglish : Language::kChinese;
  const std::string html_path = args.out.empty() ? (std::filesystem::path(args.run) / "report.html").string() : args.out;
  if (std::string err = WriteFileAtomically(html_path, RenderReportHtml(*report, lang)); !err.empty()) {
    std::fprintf(stderr, "zkmatch report: error: %s\n", err.c_str());
    return static_cast<int>(ExitCode::kBadInput);
  }
  std::printf("zkmatch report: %s (verify %s)\n", html_path.c_str(), report->verified ? "holds" : "FAILED");
  if (args.xlsx) {
    const std::string xlsx_path = std::filesystem::path(html_path).replace_extension(".xlsx").string();
    if (std::string err = WriteReportXlsx(*report, lang, xlsx_path); !err.empty()) {
      std::fprintf(stderr, "zkmatch report: error: %s\n", err.c_str());
      return static_cast<int>(ExitCode::kBadInput);
    }
    std::printf("zkmatch report: %s\n", xlsx_path.c_str());
  }
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddReportVerb(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Write report.html (and report.xlsx): seats, cut-offs, fill rates, policy checks and charts of a finished run");
  cmd->add_option("--run", args->run, "Run directory written by zkmatch run")->required();
  cmd->add_option("--lang", args->lang, "zh (default) or en")->check(CLI::IsMember({"en", "zh"}))->capture_default_str();
  cmd->add_flag("--xlsx", args->xlsx, "Also write the tables as an Excel workbook beside the HTML (report.xlsx)");
  cmd->add_option("--out", args->out, "HTML file to write (default: DIR/report.html)");
  cmd->callback([args, exit_code] { *exit_code = Report(*args); });
}

}  // namespace zkmatch::tools
