#include "support/test_env.h"

#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <zstd.h>

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

namespace {

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string ZstdDecompress(const std::string& compressed) {
  std::string text;
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  while (in.pos < in.size) {
    const std::size_t at = text.size();
    text.resize(at + ZSTD_DStreamOutSize());
    ZSTD_outBuffer out{text.data() + at, text.size() - at, 0};
    const std::size_t r = ZSTD_decompressStream(d, &out, &in);
    text.resize(at + out.pos);
    if (ZSTD_isError(r)) throw std::runtime_error(std::string("not zstd: ") + ZSTD_getErrorName(r));
  }
  ZSTD_freeDCtx(d);
  return text;
}

std::string ZstdCompress(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
  return out;
}

std::string ZstdCompressUnsized(const std::string& text) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(text.size()) + 64, '\0');
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  ZSTD_inBuffer i{text.data(), text.size(), 0};
  ZSTD_compressStream2(c, &o, &i, ZSTD_e_continue);  // no size pledged: the frame does not record it
  while (ZSTD_compressStream2(c, &o, &i, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(c);
  out.resize(o.pos);
  return out;
}

bool IsCompressedAuditLog(const std::string& path) {
  return std::filesystem::path(path).filename() == "audit.jsonl" && !std::filesystem::exists(path) && std::filesystem::exists(path + ".zst");
}

std::string ReadFile(const std::string& path) {
  if (IsCompressedAuditLog(path)) return ZstdDecompress(ReadBytes(path + ".zst"));
  return ReadBytes(path);
}

bool FileExists(const std::string& path) { return std::filesystem::exists(path); }

bool UpdatingGolden() {
  const char* v = std::getenv("ZKMATCH_UPDATE_GOLDEN");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

void ExpectGolden(const std::string& golden_path, const std::string& actual, const std::string& what) {
  const std::string expected = ReadFile(golden_path);
  if (expected == actual) return;
  if (!UpdatingGolden()) {
    EXPECT_EQ(actual, expected) << what << " differs from " << golden_path
                                << " (if the new output is right: ZKMATCH_UPDATE_GOLDEN=1 ctest ..., then review git diff)";
    return;
  }
  const std::string tmp = golden_path + ".update-" + std::to_string(::getpid());
  std::ofstream(tmp, std::ios::binary) << actual;
  std::filesystem::rename(tmp, golden_path);
  ADD_FAILURE() << "updated " << golden_path << " (" << what << "); review it with git diff";
}

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
