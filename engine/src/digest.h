// SHA-256 (OpenSSL EVP), as raw bytes and as lowercase hex, for the lottery, the audit hash
// chain and the manifest. Thread-safe; cost linear in the input.
#ifndef ZKMATCH_DIGEST_H_
#define ZKMATCH_DIGEST_H_

#include <array>
#include <string>
#include <string_view>

namespace zkmatch {

std::array<unsigned char, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

// SHA-256 of a file's bytes as hex; empty when the file cannot be read.
std::string Sha256File(const std::string& path, std::size_t* bytes = nullptr);

}  // namespace zkmatch

#endif  // ZKMATCH_DIGEST_H_
