// SHA-256 (OpenSSL EVP), as raw bytes and as lowercase hex, for the lottery, the audit hash
// chain and the manifest. Thread-safe; cost linear in the input.
#ifndef ZKMATCH_DIGEST_H_
#define ZKMATCH_DIGEST_H_

#include <openssl/types.h>

#include <array>
#include <string>
#include <string_view>

namespace zkmatch {

// Frees an OpenSSL digest context: std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>.
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* c) const;
};

std::array<unsigned char, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

// SHA-256 of a file's bytes as hex; empty when the file cannot be read.
std::string Sha256File(const std::string& path, std::size_t* bytes = nullptr);

// Incremental SHA-256 that keeps its OpenSSL context between messages: for hashing many small
// messages (the audit chain's records) without creating a context per message, or one large
// message in pieces. Not thread-safe; one per thread.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  // The hex digest of everything given since the last HexDigest (or construction); starts over.
  std::string HexDigest();
  // Same as Update(data) then HexDigest().
  std::string Hex(std::string_view data) {
    Update(data);
    return HexDigest();
  }

 private:
  struct Ctx;
  Ctx* ctx_;
};

}  // namespace zkmatch

#endif  // ZKMATCH_DIGEST_H_
