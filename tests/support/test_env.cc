#include "support/test_env.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace zkmatch::testing {

std::string SourceDir() { return ZKMATCH_SOURCE_DIR; }
std::string ZkmatchBinary() { return ZKMATCH_BIN; }

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "zkmatch-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string p = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool FileExists(const std::string& path) { return std::filesystem::exists(path); }

CommandResult RunCommand(const std::string& command, const std::string& cwd) {
  TempDir capture;
  const std::string out = capture.path() + "/stdout", err = capture.path() + "/stderr";
  const std::string full = "cd '" + cwd + "' && " + command + " >'" + out + "' 2>'" + err + "'";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

}  // namespace zkmatch::testing
