#include "digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <memory>
#include <stdexcept>

namespace zkmatch {
namespace {

std::string HexOf(const unsigned char* d, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[d[i] >> 4];
    out[2 * i + 1] = kDigits[d[i] & 15];
  }
  return out;
}

}  // namespace

void EvpMdCtxFree::operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }

std::array<unsigned char, 32> Sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  const auto d = Sha256(data);
  return HexOf(d.data(), d.size());
}

std::string Sha256File(const std::string& path, std::size_t* bytes) {
  // Only a regular file: a FIFO must not block (O_NONBLOCK) and /dev/zero must not hash forever.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return {};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return {};
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
  std::string buf(1 << 20, '\0');
  std::size_t total = 0;
  while (true) {
    const ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return {};
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
    if (EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(got)) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  unsigned char d[32];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), d, &len) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
  if (bytes) *bytes = total;
  return HexOf(d, len);
}

struct Sha256Hasher::Ctx {
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx{EVP_MD_CTX_new()};
  bool started = false;
};

Sha256Hasher::Sha256Hasher() : ctx_(new Ctx) {
  if (!ctx_->ctx) throw std::runtime_error("SHA-256 failed in OpenSSL");
}

Sha256Hasher::~Sha256Hasher() { delete ctx_; }

void Sha256Hasher::Update(std::string_view data) {
  if (!ctx_->started) {
    if (EVP_DigestInit_ex(ctx_->ctx.get(), EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
    ctx_->started = true;
  }
  if (!data.empty() && EVP_DigestUpdate(ctx_->ctx.get(), data.data(), data.size()) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
}

std::string Sha256Hasher::HexDigest() {
  Update({});  // an empty message still gets a digest
  unsigned char d[32];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->ctx.get(), d, &len) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
  ctx_->started = false;
  return HexOf(d, len);
}

}  // namespace zkmatch
