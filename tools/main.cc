// zkmatch: admission matching for the high-school entrance exam. See README.md.
#include <exception>
#include <filesystem>
#include <new>

#include "commands.h"
#include "zkmatch/replay.h"

namespace zkmatch::tools {

int ReportFailure(const Status& status, const DiagnosticSink& sink, const char* consequence) {
  if (!sink.has_errors()) {
    std::fprintf(stderr, "zkmatch: error: %s; %s\n", status.message().c_str(), consequence);
  } else if (sink.truncated()) {
    std::fprintf(stderr, "zkmatch: %zu errors (only the first %zu shown); fix these and run again\n", sink.error_count(),
                 sink.diagnostics().size());
  } else {
    std::fprintf(stderr, "zkmatch: %zu error%s; %s\n", sink.error_count(), sink.error_count() == 1 ? "" : "s", consequence);
  }
  return static_cast<int>(status.exit_code());
}

void NoteRunFormat(const char* verb, const std::string& run) {
  if (const std::string note = RunFormatNote(run); !note.empty()) std::fprintf(stderr, "zkmatch %s: note: %s\n", verb, note.c_str());
}

int ReportStatus(const char* verb, const Status& status) {
  std::fprintf(stderr, "zkmatch %s: error: %s\n", verb, status.message().c_str());
  return static_cast<int>(status.exit_code());
}

int RefuseToReplace(const char* verb, const std::vector<std::string>& paths, bool force, const char* what) {
  if (force) return 0;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
      std::fprintf(stderr, "zkmatch %s: error: %s already exists; choose another --out or add --force to replace it; %s\n", verb, path.c_str(), what);
      return static_cast<int>(ExitCode::kBadInput);
    }
  }
  return 0;
}

}  // namespace zkmatch::tools

int main(int argc, char** argv) {
  using zkmatch::ExitCode;
  CLI::App app{"zkmatch: deferred-acceptance admission matching with YAML-configured quotas"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("zkmatch ") + ZKMATCH_VERSION);
  int exit_code = static_cast<int>(ExitCode::kSuccess);
  zkmatch::tools::AddRunVerb(app, &exit_code);
  zkmatch::tools::AddCheckVerb(app, &exit_code);
  zkmatch::tools::AddGenVerb(app, &exit_code);
  zkmatch::tools::AddAuditVerbs(app, &exit_code);
  zkmatch::tools::AddReportVerb(app, &exit_code);
  zkmatch::tools::AddLettersVerb(app, &exit_code);
  zkmatch::tools::AddDiffVerb(app, &exit_code);
  zkmatch::tools::AddKeygenVerb(app, &exit_code);
  zkmatch::tools::AddSealVerb(app, &exit_code);
  zkmatch::tools::AddReceiptVerbs(app, &exit_code);
  zkmatch::tools::AddPublishVerb(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::kBadInput);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "zkmatch: internal error: out of memory; nothing was written\n");
    return static_cast<int>(ExitCode::kInternalError);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zkmatch: internal error: %s; nothing was written. Please report this with the inputs.\n", e.what());
    return static_cast<int>(ExitCode::kInternalError);
  }
  return exit_code;
}
