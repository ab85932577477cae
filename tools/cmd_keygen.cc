// zkmatch keygen --out NAME [--secret] [--force]: the bureau's Ed25519 key pair, NAME.key and
// NAME.pub, and with --secret the pseudonym secret NAME.secret (zkmatch publish).
#include <filesystem>
#include <string>

#include "commands.h"
#include "zkmatch/signature.h"

namespace zkmatch::tools {
namespace {

int Keygen(const std::string& prefix, bool secret, bool force) {
  // Every file refused before any is written: a secret written beside a key pair that is then
  // refused would be half a result (an independent audit found NAME.secret left so).
  if (!force) {
    std::error_code ec;
    for (const char* ext : {".key", ".pub"}) {
      if (std::filesystem::exists(std::filesystem::symlink_status(prefix + ext, ec))) {
        return ReportStatus("keygen", Status::BadInput(prefix + ext + " already exists; choose another --out or add --force to replace the key pair; nothing was written"));
      }
    }
  }
  if (secret) {
    if (Status made = GeneratePseudonymSecret(prefix + ".secret", force); !made.ok()) return ReportStatus("keygen", made);
    std::printf("zkmatch keygen: %s.secret (the pseudonym secret, mode 0600: whoever holds it can link every public pseudonym to its candidate; "
                "keep it with the office, offline, and never publish it)\n",
                prefix.c_str());
  }
  if (Status made = GenerateSigningKey(prefix, force); !made.ok()) return ReportStatus("keygen", made);
  DiagnosticSink quiet;
  const Result<std::string> fp = PublicKeyFingerprint(prefix + ".pub", quiet);
  std::printf("zkmatch keygen: %s.key (private, mode 0600: keep it on the machine that signs runs) and %s.pub (public: give it to auditors); "
              "public key sha256 %s\n",
              prefix.c_str(), prefix.c_str(), fp ? fp->c_str() : "?");
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddKeygenVerb(CLI::App& app, int* exit_code) {
  auto prefix = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto secret = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("keygen", "Write an Ed25519 key pair for signing runs: NAME.key (private, mode 0600) and NAME.pub (public)");
  cmd->add_option("--out", *prefix, "NAME: the files written are NAME.key and NAME.pub")->required();
  cmd->add_flag("--secret", *secret, "Also write NAME.secret, the pseudonym secret zkmatch publish keys the public bundle's pseudonyms with (mode 0600)");
  cmd->add_flag("--force", *force, "Replace an existing key pair (and secret)");
  cmd->callback([=] { *exit_code = Keygen(*prefix, *secret, *force); });
}

}  // namespace zkmatch::tools
