// zkmatch publish --run DIR --out PUBDIR --secret FILE [--key bureau.key] [--force]: the public,
// pseudonymized bundle of a run (zkmatch/publish.h).
#include <string>

#include "commands.h"
#include "zkmatch/publish.h"

namespace zkmatch::tools {
namespace {

int Publish(const PublishRequest& request) {
  StderrSink sink;
  NoteRunFormat("publish", request.run_dir);
  const Result<PublishSummary> published = Publish(request, sink);
  if (!published) {
    if (sink.has_errors()) return ReportFailure(published.status(), sink, "nothing was published");
    return ReportStatus("publish", published.status());
  }
  std::string columns;
  for (const std::string& c : published->columns) columns += (columns.empty() ? "" : ",") + c;
  std::printf("zkmatch publish: %s -> %s: %zu candidates under pseudonyms, candidates columns %s; public_of %s%s\n", request.run_dir.c_str(),
              request.out_dir.c_str(), published->candidates, columns.c_str(), published->parent_manifest_sha256.c_str(),
              request.key_path.empty() ? " (unsigned)" : ", signed");
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddPublishVerb(CLI::App& app, int* exit_code) {
  auto request = std::make_shared<PublishRequest>();
  CLI::App* cmd = app.add_subcommand("publish",
                                     "Write the public bundle of a run: candidate ids replaced by keyed pseudonyms, personal columns left out, "
                                     "a complete run bundle that zkmatch verify checks alone");
  cmd->add_option("--run", request->run_dir, "Run directory written by zkmatch run (it must verify)")->required();
  cmd->add_option("--out", request->out_dir, "The public bundle to create (refused if it exists and is not empty, unless --force)")->required();
  cmd->add_option("--secret", request->secret_path, "The pseudonym secret (zkmatch keygen --secret); keep it with the office, never publish it")->required();
  cmd->add_option("--key", request->key_path, "Sign the public manifest with this private key (NAME.key from zkmatch keygen): writes manifest.sig");
  cmd->add_option("--threads", request->threads, "Worker threads (default: all cores); never changes the output")->check(CLI::Range(1, 1024));
  cmd->add_flag("--force", request->force, "Replace an existing --out directory");
  cmd->callback([request, exit_code] { *exit_code = Publish(*request); });
}

}  // namespace zkmatch::tools
