// The Merkle tree over audit.jsonl (engine/audit-format.md, "The Merkle tree"): RFC 6962
// (Certificate Transparency) hashing over the log's lines in file order.
//
//   leaf  = SHA-256(0x00 || line bytes, without the '\n')
//   node  = SHA-256(0x01 || left || right)
//   root of n leaves: the leaf for n = 1; for n > 1, node(root of the first k, root of the
//   rest), k the largest power of two below n. The root of no leaves is SHA-256("").
//
// The tree belongs to the run format (like the JSON and SHA-256 of the manifest), not to the
// matching: the writer, verify and check-receipt must all compute the same thing, so they share
// this one small module in zkmatch_core instead of three copies that could drift apart. It is
// checked against the recursive definition above, written separately in tests/merkle_test.cc.
//
// Thread-safety: every function is reentrant. MerkleRoot hashes in parallel (TBB) and gives the
// same bytes whatever the thread count. Cost: n-1 node hashes of 65 bytes for a root; a proof
// costs the same (the levels are rebuilt) and holds ceil(log2 n) hashes; checking one costs
// ceil(log2 n) node hashes.
#ifndef ZKMATCH_MERKLE_H_
#define ZKMATCH_MERKLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zkmatch {

using MerkleHash = std::array<unsigned char, 32>;

MerkleHash MerkleLeafHash(std::string_view line);
MerkleHash MerkleNodeHash(const MerkleHash& left, const MerkleHash& right);

// The root over `leaves` (leaf hashes, in order). Parallel over aligned subtrees of 2^12 leaves,
// which are nodes of the tree, then serial over their roots.
MerkleHash MerkleRoot(const std::vector<MerkleHash>& leaves);

// The audit path of leaf `index` (< leaves.size()): the sibling hashes from the leaf up to the
// root, RFC 6962 section 2.1.1's PATH(index, D[n]).
std::vector<MerkleHash> MerkleInclusionProof(const std::vector<MerkleHash>& leaves, std::uint64_t index);

// The root that `leaf` at `index` of a tree of `size` leaves leads to through `proof` (RFC 9162
// section 2.1.3.2); false when the proof has the wrong length for that place in that tree.
bool MerkleRootFromProof(const MerkleHash& leaf, std::uint64_t index, std::uint64_t size, const std::vector<MerkleHash>& proof, MerkleHash* root);

// Lowercase hex (64 digits) and back; ParseMerkleHex is false unless `hex` is exactly 64
// lowercase hex digits.
std::string MerkleHex(const MerkleHash& h);
bool ParseMerkleHex(std::string_view hex, MerkleHash* out);

}  // namespace zkmatch

#endif  // ZKMATCH_MERKLE_H_
