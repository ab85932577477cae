// zkmatch report --run DIR [--lang zh|en] [--xlsx] [--out FILE]: the admission report.
#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"
#include "zkmatch/report.h"
#include "zkmatch/run_directory.h"

namespace zkmatch::tools {

namespace {
constexpr const char* kPublicationCsvs[] = {"score_bands.csv", "admitted.csv", "quota_matrix.csv", "junior_outcomes.csv"};
}  // namespace

std::vector<std::string> ReportPaths(const std::string& html_path, bool xlsx, bool csv) {
  std::vector<std::string> paths = {html_path};
  if (xlsx) paths.push_back(std::filesystem::path(html_path).replace_extension(".xlsx").string());
  if (csv) {
    const std::filesystem::path dir = std::filesystem::path(html_path).parent_path();
    for (const char* name : kPublicationCsvs) paths.push_back(((dir.empty() ? std::filesystem::path(".") : dir) / name).string());
  }
  return paths;
}

int WriteReport(const char* verb, const std::string& run, const std::string& lang, const std::string& html_path, bool xlsx, const RunDiff* diff, bool csv) {
  StderrSink sink;
  if (diff == nullptr) NoteRunFormat(verb, run);  // diff has told already
  const Result<RunReport> report = LoadRunReport(run, sink);
  if (!report) {
    if (!sink.has_errors()) {
      std::fprintf(stderr, "zkmatch %s: error: %s; no report was written\n", verb, report.status().message().c_str());
      return static_cast<int>(report.status().exit_code());
    }
    return ReportFailure(report.status(), sink, "no report was written");
  }
  const Language language = lang == "en" ? Language::kEnglish : Language::kChinese;
  if (Status written = WriteFileAtomically(html_path, RenderReportHtml(*report, language, diff)); !written.ok()) {
    return ReportStatus(verb, written);
  }
  std::printf("zkmatch %s: %s (verify %s)\n", verb, html_path.c_str(), report->verified ? "holds" : "FAILED");
  if (xlsx) {
    const std::string xlsx_path = std::filesystem::path(html_path).replace_extension(".xlsx").string();
    if (Status written = WriteReportXlsx(*report, language, xlsx_path); !written.ok()) return ReportStatus(verb, written);
    std::printf("zkmatch %s: %s\n", verb, xlsx_path.c_str());
  }
  if (csv) {
    const std::filesystem::path dir = std::filesystem::path(html_path).parent_path();
    if (Status written = WritePublicationCsvs(*report, dir.empty() ? "." : dir.string()); !written.ok()) return ReportStatus(verb, written);
    for (const char* name : kPublicationCsvs) std::printf("zkmatch %s: %s\n", verb, (dir / name).string().c_str());
  }
  if (!report->verified) {
    // The report is written (so the office sees what went wrong) but is no report of a result.
    std::fprintf(stderr,
                 "zkmatch %s: error: the run FAILED verification (%zu violations); %s says so at its top and lists them by kind; "
                 "zkmatch verify --run %s --all lists up to 100 of each kind\n",
                 verb, report->violation_count, html_path.c_str(), run.c_str());
    return static_cast<int>(ExitCode::kViolation);
  }
  return static_cast<int>(ExitCode::kSuccess);
}

namespace {

struct ReportArgs {
  std::string run;
  std::string lang = "zh";
  bool xlsx = false;
  bool csv = false;
  std::string out;  // default: DIR/report.html
  bool force = false;
};

}  // namespace

void AddReportVerb(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Write report.html (and report.xlsx): seats, cut-offs, fill rates, policy checks and charts of a finished run");
  cmd->add_option("--run", args->run, "Run directory written by zkmatch run")->required();
  cmd->add_option("--lang", args->lang, "zh (default) or en")->check(CLI::IsMember({"en", "zh"}))->capture_default_str();
  cmd->add_flag("--xlsx", args->xlsx, "Also write the tables as an Excel workbook beside the HTML (report.xlsx)");
  cmd->add_flag("--csv", args->csv,
                "Also write the publications beside the HTML as CSV: score_bands.csv (一分一段表), admitted.csv (录取名单), quota_matrix.csv, junior_outcomes.csv");
  cmd->add_option("--out", args->out,
                  "HTML file to write (default: DIR/report.html, replaced each time); an --out that exists -- or the .xlsx and CSVs beside it -- is refused, unless --force");
  cmd->add_flag("--force", args->force, "Replace existing files at --out");
  cmd->callback([args, exit_code] {
    const std::string html = args->out.empty() ? (std::filesystem::path(args->run) / "report.html").string() : args->out;
    // The report's own place in the run directory is rewritten freely; a place the user named
    // may hold someone's file.
    if (!args->out.empty()) {
      if (const int refused = RefuseToReplace("report", ReportPaths(html, args->xlsx, args->csv), args->force, "no report was written")) {
        *exit_code = refused;
        return;
      }
    }
    *exit_code = WriteReport("report", args->run, args->lang, html, args->xlsx, nullptr, args->csv);
  });
}

}  // namespace zkmatch::tools
