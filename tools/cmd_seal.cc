// zkmatch seal --rules R --key K --out seal.json [--force]: the signed commitment to a run's
// inputs, made before the run (zkmatch/seal.h).
#include <filesystem>
#include <string>

#include "commands.h"
#include "zkmatch/audit.h"
#include "zkmatch/run_directory.h"
#include "zkmatch/seal.h"

namespace zkmatch::tools {
namespace {

struct SealArgs {
  std::string rules, key, out;
  bool force = false;
};

int MakeSealFile(const SealArgs& args) {
  std::error_code ec;
  if (!args.force && std::filesystem::exists(std::filesystem::symlink_status(args.out, ec))) {
    return ReportStatus("seal", Status::BadInput(args.out + " already exists; choose another --out or add --force to replace it"));
  }
  StderrSink sink;
  const Result<std::string> seal = MakeSeal(args.rules, args.key, EngineVersion(), sink);
  if (!seal) return ReportFailure(seal.status(), sink);
  if (Status written = WriteFileAtomically(args.out, *seal); !written.ok()) return ReportStatus("seal", written);
  std::printf("zkmatch seal: %s (publish it now; run --seal %s refuses other inputs, verify --seal %s --pubkey NAME.pub proves a run used them)\n",
              args.out.c_str(), args.out.c_str(), args.out.c_str());
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddSealVerb(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SealArgs>();
  CLI::App* cmd = app.add_subcommand("seal", "Before the run: a signed commitment to the rules, every input's digest and rows, the seed and the engine version");
  cmd->add_option("--rules", args->rules, "Rules file (YAML), as run would be given it")->required();
  cmd->add_option("--key", args->key, "The bureau's private key (NAME.key from zkmatch keygen)")->required();
  cmd->add_option("--out", args->out, "Seal file to write (refused if it exists, unless --force)")->required();
  cmd->add_flag("--force", args->force, "Replace an existing --out file");
  cmd->callback([args, exit_code] { *exit_code = MakeSealFile(*args); });
}

}  // namespace zkmatch::tools
