// zkmatch letters --run DIR --out DIR2 [--lang zh|en] [--force]: letters to families.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "zkmatch/letters.h"

namespace zkmatch::tools {
namespace {

struct LettersArgs {
  std::string run, out, lang = "zh";
  bool force = false;
};

int Letters(const LettersArgs& args) {
  StderrSink sink;
  NoteRunFormat("letters", args.run);
  const Result<LettersWritten> written = WriteLetters(args.run, args.out, args.lang == "en" ? Language::kEnglish : Language::kChinese, args.force, sink);
  if (!written) {
    if (!sink.has_errors()) {
      std::fprintf(stderr, "zkmatch letters: error: %s; no letters were written\n", written.status().message().c_str());
      return static_cast<int>(written.status().exit_code());
    }
    return ReportFailure(written.status(), sink, "no letters were written");
  }
  std::printf("zkmatch letters: %zu letters and %zu junior-school files in %s\n", written->candidates, written->junior_schools, args.out.c_str());
  return static_cast<int>(ExitCode::kSuccess);
}

}  // namespace

void AddLettersVerb(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<LettersArgs>();
  CLI::App* cmd = app.add_subcommand("letters",
                                     "Write a printable letter per candidate (DIR2/<exam number>.html: placement and the reason for each choice above it) "
                                     "and one file per junior school (DIR2/junior-<school>.html, a page per letter)");
  cmd->add_option("--run", args->run, "Run directory written by zkmatch run")->required();
  cmd->add_option("--out", args->out, "Directory to create for the letters (refused if it exists, unless --force)")->required();
  cmd->add_option("--lang", args->lang, "zh (default) or en")->check(CLI::IsMember({"en", "zh"}))->capture_default_str();
  cmd->add_flag("--force", args->force, "Replace an existing --out directory");
  cmd->callback([args, exit_code] { *exit_code = Letters(*args); });
}

}  // namespace zkmatch::tools
