#ifndef GRENS_PLUGIN_MERKLE_H_
#define GRENS_PLUGIN_MERKLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::plugin {

// RFC 6962 section 2.1 Merkle tree hashing over the decision log:
// leaf = SHA-256(0x00 || record), node = SHA-256(0x01 || left || right).
using Hash = std::array<uint8_t, 32>;

Hash LeafHash(absl::string_view record);
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the empty tree.
Hash EmptyRoot();
std::string HashToHex(const Hash& hash);
std::string HashToBytes(const Hash& hash);
absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes);

// The right edge of an append-only Merkle tree: the roots of its perfect
// subtrees, largest first. O(log n) memory and work per append, root at any
// time. External synchronization required if any caller mutates.
class MerkleFrontier {
 public:
  void Append(const Hash& leaf);
  Hash Root() const;
  int64_t size() const { return size_; }

 private:
  std::vector<Hash> subtrees_;  // subtrees_[i] covers 2^k leaves, k decreasing
  int64_t size_ = 0;
};

// MTH over leaves[begin, end), by the RFC's recursive definition.
Hash SubtreeRoot(const std::vector<Hash>& leaves, int64_t begin, int64_t end);

// RFC 6962 2.1.1 audit path of leaf `index` in the tree of the first `size` leaves.
absl::StatusOr<std::vector<Hash>> InclusionProof(const std::vector<Hash>& leaves, int64_t index, int64_t size);
// RFC 6962 2.1.2 proof that the tree of size `second` extends that of size `first`.
absl::StatusOr<std::vector<Hash>> ConsistencyProof(const std::vector<Hash>& leaves, int64_t first, int64_t second);

// RFC 9162 2.1.3.2: checks an audit path against a root. OK or DataLoss naming the mismatch.
absl::Status VerifyInclusion(const Hash& leaf, int64_t index, int64_t size, const std::vector<Hash>& path,
                             const Hash& root);
// RFC 9162 2.1.4.2: checks that `second_root` (size second) extends `first_root` (size first).
absl::Status VerifyConsistency(int64_t first, int64_t second, const Hash& first_root, const Hash& second_root,
                               const std::vector<Hash>& proof);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_MERKLE_H_
