#include "merkle.h"

#include <openssl/evp.h>
#include <tbb/blocked_range.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "digest.h"
#include "parallel.h"

namespace zkmatch {
namespace {

// SHA-256 fetched once (an EVP_sha256() given to every init makes OpenSSL 3 look the
// implementation up again, which costs as much as hashing a tree node).
const EVP_MD* Sha256Md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!m) throw std::runtime_error("SHA-256 is not available in OpenSSL");
    return m;
  }();
  return md;
}

MerkleHash Hash(unsigned char prefix, std::string_view a, std::string_view b) {
  thread_local std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  MerkleHash out{};
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), Sha256Md(), nullptr) != 1 || EVP_DigestUpdate(ctx.get(), &prefix, 1) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 || EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != 32) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  return out;
}

std::string_view View(const MerkleHash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

// One level up: pairs combined, an unpaired last node carried up unchanged. Level by level this
// builds exactly the RFC 6962 tree (its left subtrees are the complete ones).
std::vector<MerkleHash> Up(const std::vector<MerkleHash>& level) {
  std::vector<MerkleHash> next((level.size() + 1) / 2);
  for (std::size_t i = 0; i + 1 < level.size(); i += 2) next[i / 2] = MerkleNodeHash(level[i], level[i + 1]);
  if (level.size() % 2 == 1) next.back() = level.back();
  return next;
}

MerkleHash SerialRoot(std::vector<MerkleHash> level) {
  while (level.size() > 1) level = Up(level);
  return level.front();
}

}  // namespace

MerkleHash MerkleLeafHash(std::string_view line) { return Hash(0x00, line, {}); }

MerkleHash MerkleNodeHash(const MerkleHash& left, const MerkleHash& right) { return Hash(0x01, View(left), View(right)); }

MerkleHash MerkleRoot(const std::vector<MerkleHash>& leaves) {
  if (leaves.empty()) {
    MerkleHash h{};
    unsigned int len = 0;
    if (EVP_Digest("", 0, h.data(), &len, EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed in OpenSSL");
    return h;
  }
  // Blocks of 2^12 leaves aligned at multiples of 2^12 are complete subtrees of the RFC 6962
  // tree, and the tree over their roots splits where the whole tree does: the same root.
  constexpr std::size_t kBlock = std::size_t{1} << 12;
  if (leaves.size() <= kBlock) return SerialRoot(leaves);
  std::vector<MerkleHash> roots((leaves.size() + kBlock - 1) / kBlock);
  ParallelFor(tbb::blocked_range<std::size_t>(0, roots.size()), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t b = r.begin(); b < r.end(); ++b) {
      const auto first = leaves.begin() + static_cast<std::ptrdiff_t>(b * kBlock);
      const auto last = leaves.begin() + static_cast<std::ptrdiff_t>(std::min(leaves.size(), (b + 1) * kBlock));
      roots[b] = SerialRoot(std::vector<MerkleHash>(first, last));
    }
  });
  return SerialRoot(std::move(roots));
}

std::vector<MerkleHash> MerkleInclusionProof(const std::vector<MerkleHash>& leaves, std::uint64_t index) {
  std::vector<MerkleHash> proof;
  std::vector<MerkleHash> level = leaves;
  for (std::uint64_t i = index; level.size() > 1; i /= 2) {
    const std::uint64_t sibling = i ^ 1;
    if (sibling < level.size()) proof.push_back(level[sibling]);  // else: carried up, no step
    level = Up(level);
  }
  return proof;
}

bool MerkleRootFromProof(const MerkleHash& leaf, std::uint64_t index, std::uint64_t size, const std::vector<MerkleHash>& proof, MerkleHash* root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  MerkleHash r = leaf;
  for (const MerkleHash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return false;
  *root = r;
  return true;
}

std::string MerkleHex(const MerkleHash& h) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < 32; ++i) {
    out[2 * i] = kDigits[h[i] >> 4];
    out[2 * i + 1] = kDigits[h[i] & 15];
  }
  return out;
}

bool ParseMerkleHex(std::string_view hex, MerkleHash* out) {
  if (hex.size() != 64) return false;
  auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

}  // namespace zkmatch
