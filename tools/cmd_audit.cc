// zkmatch verify | replay | explain: the auditor's verbs.
#include "commands.h"
#include "progress.h"
#include "zkmatch/explain.h"
#include "zkmatch/publish.h"
#include "zkmatch/replay.h"
#include "zkmatch/verify.h"

namespace zkmatch::tools {
namespace {

// The violations grouped by kind: one line per kind with its count, then its first examples.
void PrintGroupedViolations(const VerifyReport& report) {
  constexpr std::size_t kExamples = 3;
  for (const ViolationGroup& g : GroupViolations(report, kExamples)) {
    std::printf("VIOLATION [%s] x%zu%s\n", g.kind.c_str(), g.count, g.count > g.examples.size() ? (", the first " + std::to_string(g.examples.size()) + ":").c_str() : ":");
    for (const std::string& e : g.examples) std::printf("    %s\n", e.c_str());
    if (g.count > g.examples.size()) std::printf("    ... %zu more (zkmatch verify --all lists up to 100 of each kind)\n", g.count - g.examples.size());
  }
}

int Verify(const std::string& rules, const std::string& run, bool all, const VerifyKeys& keys) {
  StderrSink sink;
  NoteRunFormat("verify", run);
  Result<VerifyReport> verified = Status::Internal("verify did not run");
  {
    Progress progress(true);  // on stderr, and only when it is a terminal
    sink.before_print = [&progress] { progress.Interrupt(); };
    verified = VerifyRun(rules, run, sink, [&progress](const std::string& step) { progress.Step("verify: " + step); }, keys);
  }
  if (!verified) return ReportFailure(verified.status(), sink, "the run could not be verified");
  const VerifyReport& report = *verified;
  if (const std::string parent = PublicBundleOf(run); !parent.empty()) {
    std::printf("note: %s is a public bundle (zkmatch publish): candidates are named by pseudonyms; it was published from the run whose manifest.json has SHA-256 %s\n",
                run.c_str(), parent.c_str());
  }
  for (const std::string& n : report.notes) std::printf("note: %s\n", n.c_str());
  for (const std::string& p : report.passed) std::printf("ok: %s\n", p.c_str());
  if (all) {
    for (const std::string& v : report.violations) std::printf("VIOLATION: %s\n", v.c_str());
  } else {
    PrintGroupedViolations(report);
  }
  const Status status = report.status();
  if (!status.ok()) {
    std::printf("verify: %s in %s\n", status.message().c_str(), run.c_str());
    return static_cast<int>(status.exit_code());
  }
  std::printf("verify: %s holds\n", run.c_str());
  return static_cast<int>(ExitCode::kSuccess);
}

int Replay(const std::string& run, int threads) {
  StderrSink sink;
  NoteRunFormat("replay", run);
  const Result<ReplayReport> report = ReplayRun(run, sink, threads);
  if (!report) return ReportStatus("replay", report.status());
  std::printf("replay: %s\n", report->message.c_str());
  return static_cast<int>(report->status().exit_code());
}

int Explain(const std::string& run, const std::string& id, const std::string& lang) {
  NoteRunFormat("explain", run);
  const Result<std::string> text = ExplainCandidate(run, id, lang == "zh" ? Language::kChinese : Language::kEnglish);
  if (!text) return ReportStatus("explain", text.status());
  std::fputs(text->c_str(), stdout);
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddAuditVerbs(CLI::App& app, int* exit_code) {
  {
    auto rules = std::make_shared<std::string>();
    auto run = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("verify", "Independently check a finished run: digests, the audit log's Merkle root, lines, capacities, seat flows pass by pass, eligibility, stability, explanations");
    cmd->add_option("--rules", *rules, "Rules file (default: the one recorded in the run's manifest)");
    cmd->add_option("--run", *run, "Run directory written by zkmatch run")->required();
    auto all = std::make_shared<bool>(false);
    cmd->add_flag("--all", *all, "List every finding, one 'VIOLATION: ' line each, instead of one line per kind with a count and the first 3");
    auto keys = std::make_shared<VerifyKeys>();
    cmd->add_option("--pubkey", keys->pubkey, "The bureau's public key (NAME.pub from zkmatch keygen): manifest.sig must be its signature of manifest.json");
    CLI::Option* pubkey = cmd->get_option("--pubkey");
    cmd->add_option("--seal", keys->seal, "A seal (zkmatch seal) the run must have used exactly; needs --pubkey, which checks the seal's signature")->needs(pubkey);
    cmd->add_option("--parent", keys->parent,
                    "A continuing round's parent run directory (run --continue): verify it too, and that it is the one this round continues")
        ->type_name("DIR");
    cmd->callback([=] { *exit_code = Verify(*rules, *run, *all, *keys); });
  }
  {
    auto run = std::make_shared<std::string>();
    auto threads = std::make_shared<int>(0);
    CLI::App* cmd = app.add_subcommand("replay", "Re-run from the inputs recorded in the run and confirm byte-identical outputs");
    cmd->add_option("--run", *run, "Run directory written by zkmatch run")->required();
    cmd->add_option("--threads", *threads, "Worker threads (never changes the output)")->check(CLI::Range(1, 1024));
    cmd->callback([=] { *exit_code = Replay(*run, *threads); });
  }
  {
    auto run = std::make_shared<std::string>();
    auto id = std::make_shared<std::string>();
    auto lang = std::make_shared<std::string>("en");
    CLI::App* cmd = app.add_subcommand("explain", "Why a candidate got their outcome, choice by choice");
    cmd->add_option("--run", *run, "Run directory written by zkmatch run")->required();
    cmd->add_option("--candidate", *id, "Candidate id (exam number)")->required();
    cmd->add_option("--lang", *lang, "en or zh")->check(CLI::IsMember({"en", "zh"}))->capture_default_str();
    cmd->callback([=] { *exit_code = Explain(*run, *id, *lang); });
  }
}

}  // namespace zkmatch::tools
