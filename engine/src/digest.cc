#include "digest.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace zkmatch {
namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

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
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
  std::string buf(1 << 20, '\0');
  std::size_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    total += got;
    if (got && EVP_DigestUpdate(ctx.get(), buf.data(), got) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  if (in.bad()) return {};
  unsigned char d[32];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), d, &len) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
  if (bytes) *bytes = total;
  return HexOf(d, len);
}

struct Sha256Hasher::Ctx {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx{EVP_MD_CTX_new()};
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
