// zkmatch receipt --run DIR --candidate ID [--public PUBDIR --secret FILE] [--lang zh|en] [--json]
// and zkmatch check-receipt --receipt R --pubkey P [--public PUBDIR]: a candidate's proof that
// their record is in the signed outcome (and under their pseudonym in the public bundle), and
// its offline check.
#include <fstream>
#include <sstream>
#include <string>

#include "commands.h"
#include "zkmatch/receipt.h"

namespace zkmatch::tools {
namespace {

int Receipt(const std::string& run, const std::string& id, const PublicSide& side, const std::string& lang, bool json) {
  NoteRunFormat("receipt", run);
  if (side.dir.empty() != side.secret_path.empty()) return ReportStatus("receipt", Status::BadInput("--public and --secret go together: the secret names the candidate in the public bundle"));
  const Result<std::string> receipt = MakeReceipt(run, id, side.dir.empty() ? nullptr : &side);
  if (!receipt) return ReportStatus("receipt", receipt.status());
  std::fputs(json ? receipt->c_str() : ReceiptText(*receipt, lang == "zh").c_str(), stdout);
  return static_cast<int>(ExitCode::kSuccess);
}

int CheckReceiptFile(const std::string& path, const std::string& pubkey, const std::string& public_dir) {
  StderrSink sink;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  if (!in) return ReportStatus("check-receipt", Status::BadInput("cannot read the receipt " + path + "; check the path given to --receipt"));
  const Result<ReceiptCheck> check = CheckReceipt(path, text, pubkey, sink, public_dir);
  if (!check) return ReportFailure(check.status(), sink, "the receipt was not checked");
  if (!check->holds()) {
    std::printf("check-receipt: REFUSED: %s\n", check->reason.c_str());
    return static_cast<int>(ExitCode::kViolation);
  }
  std::printf("check-receipt: holds: candidate %s %s, in the run signed by the key with SHA-256 %s%s\n", check->candidate.c_str(), check->outcome.c_str(),
              check->key.c_str(), public_dir.empty() ? "" : (", and as pseudonym " + check->pseudonym + " in the public bundle " + public_dir).c_str());
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddReceiptVerbs(CLI::App& app, int* exit_code) {
  {
    auto run = std::make_shared<std::string>();
    auto id = std::make_shared<std::string>();
    auto lang = std::make_shared<std::string>("zh");
    auto json = std::make_shared<bool>(false);
    auto side = std::make_shared<PublicSide>();
    CLI::App* cmd = app.add_subcommand("receipt", "A candidate's receipt: their audit record, its Merkle inclusion proof and the signed manifest");
    cmd->add_option("--run", *run, "Run directory written by zkmatch run")->required();
    cmd->add_option("--candidate", *id, "The candidate's id, as in candidates.csv")->required();
    cmd->add_option("--lang", *lang, "Language of the text: zh (default) or en")->check(CLI::IsMember({"en", "zh"}))->capture_default_str();
    cmd->add_flag("--json", *json, "Print the receipt file itself (one JSON line) for check-receipt, instead of the text for a letter");
    cmd->add_option("--public", side->dir, "Also prove the candidate's record in this public bundle (zkmatch publish of --run), under their pseudonym");
    cmd->add_option("--secret", side->secret_path, "With --public: the pseudonym secret the bundle was published with");
    cmd->callback([=] { *exit_code = Receipt(*run, *id, *side, *lang, *json); });
  }
  {
    auto receipt = std::make_shared<std::string>();
    auto pubkey = std::make_shared<std::string>();
    auto public_dir = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("check-receipt", "Check a receipt offline: its record is in the outcome the bureau's key signed");
    cmd->add_option("--receipt", *receipt, "The receipt (zkmatch receipt --json)")->required();
    cmd->add_option("--pubkey", *pubkey, "The bureau's public key (NAME.pub from zkmatch keygen)")->required();
    cmd->add_option("--public", *public_dir, "Also check the receipt's public side against this downloaded public bundle (signed by the same key)");
    cmd->callback([=] { *exit_code = CheckReceiptFile(*receipt, *pubkey, *public_dir); });
  }
}

}  // namespace zkmatch::tools
