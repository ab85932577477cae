// zkmatch run --rules R.yaml --out DIR [--threads N] [--force] [--quiet] [--json]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "commands.h"
#include "progress.h"
#include "zkmatch/admission.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/seal.h"
#include "zkmatch/signature.h"
#include "zkmatch/verify.h"

namespace zkmatch::tools {
namespace {

struct RunArgs {
  std::string rules;
  std::string out;
  int threads = 0;
  bool force = false;
  bool quiet = false;
  bool json = false;
  std::string matcher = "auto";
  std::string lang = "en";
  std::string key;   // the bureau's private key: sign manifest.json (manifest.sig)
  std::string seal;  // a seal the inputs must match
  bool link_inputs = false;
  bool plain_audit = false;  // audit.jsonl instead of audit.jsonl.zst
  std::string parent;  // --continue DIR: a continuing round of that run
};

// A continuing round builds only on a parent that verifies: checked before anything is read.
Status CheckParent(const std::string& dir, DiagnosticSink& sink) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / "manifest.json", ec)) {  // said as `check --continue` says it
    sink.Error((std::filesystem::path(dir) / "manifest.json").string(), 0, 0,
               "cannot read the manifest of the run to continue: is '" + dir + "' a directory written by zkmatch run? --continue takes the earlier round's run directory");
    return Status::BadInput("the parent run cannot be read");
  }
  DiagnosticSink quiet;
  Result<VerifyReport> report = VerifyRun("", dir, quiet);
  if (!report) {
    for (const Diagnostic& d : quiet.diagnostics()) sink.Report(d);
    sink.Error(dir, 0, 0, "cannot read the parent run (--continue); give the directory of a finished zkmatch run");
    return Status::BadInput("the parent run cannot be read");
  }
  if (!report->violations.empty()) {
    sink.Error(dir, 0, 0, "the parent run does not verify (" + std::to_string(report->count()) + (report->count() == 1 ? " violation" : " violations") +
                              ", the first: " + report->violations.front() + "); a continuing round builds only on a run that holds -- see zkmatch verify --run " + dir);
    return Status::BadInput("the parent run does not verify");
  }
  return Status::Ok();
}

int Run(const RunArgs& args) {
  StderrSink sink;
  Progress progress(!args.quiet && !args.json);
  sink.before_print = [&progress] { progress.Interrupt(); };
  AdmissionRequest request;
  request.rules_path = args.rules;
  request.options.threads = args.threads;
  request.plain_audit = args.plain_audit;
  request.options.path = args.matcher == "general" ? MatchPath::kGeneral
                       : args.matcher == "serial"  ? MatchPath::kSerialDictatorship
                                                   : MatchPath::kAuto;
  request.options.progress = [&progress](const std::string& step) { progress.Detail(step); };
  request.step = [&progress](const std::string& step) { progress.Step(step); };
  // Test hook (tests/input_files_test.cc): a shell command run after the inputs are parsed,
  // e.g. to replace an input file mid-run.
  if (const char* hook = std::getenv("ZKMATCH_TEST_AFTER_PARSE"); hook != nullptr && *hook != '\0') {
    request.after_load = [hook] {
      if (std::system(hook) != 0) std::fprintf(stderr, "zkmatch: warning: ZKMATCH_TEST_AFTER_PARSE command failed\n");
    };
  }
  if (!args.key.empty()) {  // a key that cannot sign is refused before the run, not after it
    if (Status key = CheckSigningKey(args.key, sink); !key.ok()) return ReportFailure(key, sink);
  }
  std::optional<Seal> seal;
  if (!args.seal.empty()) {
    Result<Seal> read = ReadSeal(args.seal, sink);
    if (!read) return ReportFailure(read.status(), sink);
    seal = std::move(*read);
  }
  if (!args.parent.empty()) {
    if (Status parent = CheckParent(args.parent, sink); !parent.ok()) return ReportFailure(parent, sink);
    request.parent_dir = args.parent;
  }
  // The bundle's input copies are made while the run matches and renders (a copy of the
  // country's 4 GB of inputs, flushed, is otherwise a third of the write step).
  std::unique_ptr<StagedInputs> staged;
  if (!args.link_inputs) {
    request.inputs_read = [&staged, &args](const RunIdentity& identity) {
      std::vector<std::pair<std::string, std::string>> sources;
      for (const RunIdentity::File& f : identity.files) {
        const bool seen = std::any_of(sources.begin(), sources.end(), [&](const auto& s) { return s.first == f.path; });
        if (!seen) sources.emplace_back(f.path, f.sha256);
      }
      staged = std::make_unique<StagedInputs>(args.out, std::move(sources));
      return Status::Ok();
    };
  }
  Result<Admission> run = RunAdmission(request, sink);
  if (!run) return ReportFailure(run.status(), sink);
  if (seal) {  // the inputs read must be the sealed ones, byte for byte
    const std::vector<std::string> differences = DifferencesFromSeal(*seal, run->identity, run->rules, args.seal);
    for (const std::string& d : differences) sink.Error(args.seal, 0, 0, d);
    if (!differences.empty()) return ReportFailure(Status::BadInput("the inputs are not the sealed ones"), sink);
  }
  if (!args.key.empty()) {
    const auto manifest = std::find_if(run->files.begin(), run->files.end(), [](const OutputFile& f) { return f.name == "manifest.json"; });
    Result<std::string> signature = SignFile(args.key, manifest->name, manifest->content, sink);
    if (!signature) return ReportFailure(signature.status(), sink);
    run->files.push_back(OutputFile{kManifestSignatureFile, std::move(*signature)});
  }
  if (args.link_inputs) {
    for (OutputFile& f : run->files) f.link = true;
  }
  if (staged) staged->Finish(&run->files);
  progress.Step("write " + args.out);
  if (Status written = WriteRunDirectory(args.out, run->files, args.force); !written.ok()) {
    progress.Done();
    std::fprintf(stderr, "zkmatch: error: %s\n", written.message().c_str());
    return static_cast<int>(written.exit_code());
  }
  progress.Done();
  if (args.json) {
    std::fputs(RenderSummaryJson(run->rules, run->instance, run->outcome, args.out, progress.seconds()).c_str(), stdout);
  } else if (!args.quiet) {
    std::printf("zkmatch run: rules '%s' -> %s\n%s", run->rules.name.c_str(), args.out.c_str(),
                RenderSummary(run->rules, run->instance, run->outcome, args.lang == "zh" ? Language::kChinese : Language::kEnglish).c_str());
  }
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddRunVerb(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Match every batch and write placements.csv, cutoffs.csv, flows.csv, allocations.csv, lines.csv and vacancies.csv (with the audit log audit.jsonl.zst, manifest.json and the inputs) to --out, atomically");
  cmd->add_option("--rules", args->rules, "Rules file (YAML); input paths in it are relative to it")->required();
  cmd->add_option("--out", args->out, "Run directory to create (refused if it exists, unless --force)")->required();
  cmd->add_option("--threads", args->threads, "Worker threads (default: all cores); never changes the output")->check(CLI::Range(1, 1024));
  cmd->add_flag("--force", args->force, "Replace an existing --out directory");
  cmd->add_flag("--plain-audit", args->plain_audit,
                "Store the audit log as plain JSON lines (audit.jsonl) instead of zstd-compressed (audit.jsonl.zst, about 18 times smaller; "
                "read it with zstdcat); the lines, the Merkle root and every receipt are the same");
  cmd->add_flag("--link-inputs", args->link_inputs,
                "Hard-link the inputs into DIR/inputs/ where the file system allows, instead of copying them (saves disk and time at national scale; "
                "a hard link shares the bytes: an original edited in place would change the run's copy)");
  cmd->add_option("--continue", args->parent,
                  "Run a continuing round (征求志愿, 补录) of the finished run DIR: its placements stay locked, its vacancies (plus the seats of "
                  "inputs.declined) are the round's seats (channels write seats: vacancies), only its unplaced candidates and those who declined "
                  "take part; DIR must verify")
      ->type_name("DIR");
  cmd->add_option("--seal", args->seal, "Refuse to run unless the rules and every input are the ones sealed in this file (zkmatch seal)");
  cmd->add_option("--key", args->key, "Sign manifest.json with this private key (NAME.key from zkmatch keygen): writes manifest.sig");
  CLI::Option* quiet = cmd->add_flag("--quiet,-q", args->quiet, "Print nothing on success, and no progress");
  cmd->add_flag("--json", args->json, "Print the run summary as one JSON object (lines, channels, totals, seconds per step) instead of the table")
      ->excludes(quiet);  // one or the other: given both, one of them would be ignored in silence
  cmd->add_option("--lang", args->lang, "Language of the printed summary: en (default) or zh (the rules' labels, Chinese notes)")
      ->check(CLI::IsMember({"en", "zh"}))
      ->capture_default_str();
  cmd->add_option("--matcher", args->matcher, "Matcher implementation: auto, general or serial (for testing; results are identical)")
      ->check(CLI::IsMember({"auto", "general", "serial"}));
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace zkmatch::tools
