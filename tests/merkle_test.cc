// The Merkle tree over audit.jsonl (issue 13, item 4): engine/src/merkle.cc, shared by the
// writer, verify and check-receipt, against RFC 6962's recursive definition written separately
// in tests/support/forge.cc: roots for every size 0..70 and sizes past the parallel block
// (4,096 leaves), proofs for every leaf of every size 1..40, and proofs that must not lead to
// the root (a step changed, dropped or added, another leaf's bytes or place).
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "merkle.h"
#include "support/forge.h"

namespace zkmatch::testing {
namespace {

std::vector<std::string> Leaves(std::size_t n) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < n; ++i) lines.push_back("{\"record\":\"line\",\"n\":" + std::to_string(i) + "}");
  return lines;
}

std::vector<MerkleHash> Hashed(const std::vector<std::string>& lines) {
  std::vector<MerkleHash> leaves;
  for (const std::string& l : lines) leaves.push_back(MerkleLeafHash(l));
  return leaves;
}

std::string Raw(const MerkleHash& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

TEST(MerkleTree, RootIsRfc6962sTreeHash) {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 70; ++n) sizes.push_back(n);
  for (std::size_t n : {4095u, 4096u, 4097u, 8192u, 3 * 4096u + 5}) sizes.push_back(n);
  for (std::size_t n : sizes) {
    const std::vector<std::string> lines = Leaves(n);
    EXPECT_EQ(Raw(MerkleRoot(Hashed(lines))), ReferenceMerkleRoot(lines)) << n << " leaves";
  }
  // RFC 6962's empty tree: SHA-256 of nothing.
  EXPECT_EQ(MerkleHex(MerkleRoot({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MerkleTree, ProofsAreRfc6962sAuditPathsAndLeadToTheRoot) {
  for (std::size_t n = 1; n <= 40; ++n) {
    const std::vector<std::string> lines = Leaves(n);
    const std::vector<MerkleHash> leaves = Hashed(lines);
    const MerkleHash root = MerkleRoot(leaves);
    for (std::size_t m = 0; m < n; ++m) {
      const std::vector<MerkleHash> proof = MerkleInclusionProof(leaves, m);
      std::vector<std::string> raw;
      for (const MerkleHash& h : proof) raw.push_back(Raw(h));
      ASSERT_EQ(raw, ReferenceMerklePath(m, lines)) << "leaf " << m << " of " << n;
      MerkleHash got{};
      ASSERT_TRUE(MerkleRootFromProof(leaves[m], m, n, proof, &got)) << "leaf " << m << " of " << n;
      EXPECT_EQ(got, root) << "leaf " << m << " of " << n;
      // Another leaf's bytes, a step changed, a step dropped or added, another place: never the root.
      EXPECT_FALSE(MerkleRootFromProof(MerkleLeafHash(lines[m] + " "), m, n, proof, &got) && got == root);
      for (std::size_t s = 0; s < proof.size(); ++s) {
        std::vector<MerkleHash> bad = proof;
        bad[s][0] ^= 1;
        EXPECT_FALSE(MerkleRootFromProof(leaves[m], m, n, bad, &got) && got == root) << "step " << s << " of leaf " << m << " of " << n;
      }
      if (!proof.empty()) {
        std::vector<MerkleHash> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(MerkleRootFromProof(leaves[m], m, n, shorter, &got) && got == root);
      }
      std::vector<MerkleHash> longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(MerkleRootFromProof(leaves[m], m, n, longer, &got) && got == root);
      if (n > 1) {
        EXPECT_FALSE(MerkleRootFromProof(leaves[m], (m + 1) % n, n, proof, &got) && got == root);
      }
    }
  }
}

TEST(MerkleTree, HexRoundTripsAndRejectsOtherText) {
  const MerkleHash h = MerkleLeafHash("x");
  MerkleHash back{};
  ASSERT_TRUE(ParseMerkleHex(MerkleHex(h), &back));
  EXPECT_EQ(back, h);
  std::string upper = MerkleHex(h);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(ParseMerkleHex(upper == MerkleHex(h) ? "x" : upper, &back));
  EXPECT_FALSE(ParseMerkleHex(MerkleHex(h).substr(1), &back));
}

}  // namespace
}  // namespace zkmatch::testing
