// RFC 6962 hashing, checked against a direct transcription of the RFC's
// recursive definitions (MTH, PATH, PROOF/SUBPROOF in section 2.1), for every
// tree size up to 8 and every pair of sizes.

#include "plugin/merkle.h"

#include <openssl/sha.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace grens::plugin {
namespace {

using Leaves = std::vector<std::string>;

Hash Sha(const std::string& bytes) {
  Hash h;
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), h.data());
  return h;
}

// RFC 6962: k is the largest power of two smaller than n.
size_t K(size_t n) {
  size_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

Leaves Slice(const Leaves& d, size_t begin, size_t end) { return Leaves(d.begin() + begin, d.begin() + end); }

Hash Mth(const Leaves& d) {
  if (d.empty()) return Sha("");
  if (d.size() == 1) return Sha(std::string(1, '\0') + d[0]);
  const size_t k = K(d.size());
  return Sha(std::string(1, '\1') + HashToBytes(Mth(Slice(d, 0, k))) + HashToBytes(Mth(Slice(d, k, d.size()))));
}

std::vector<Hash> Path(size_t m, const Leaves& d) {
  if (d.size() == 1) return {};
  const size_t k = K(d.size());
  std::vector<Hash> out;
  if (m < k) {
    out = Path(m, Slice(d, 0, k));
    out.push_back(Mth(Slice(d, k, d.size())));
  } else {
    out = Path(m - k, Slice(d, k, d.size()));
    out.push_back(Mth(Slice(d, 0, k)));
  }
  return out;
}

std::vector<Hash> SubProof(size_t m, const Leaves& d, bool b) {
  if (m == d.size()) return b ? std::vector<Hash>{} : std::vector<Hash>{Mth(d)};
  const size_t k = K(d.size());
  std::vector<Hash> out;
  if (m <= k) {
    out = SubProof(m, Slice(d, 0, k), b);
    out.push_back(Mth(Slice(d, k, d.size())));
  } else {
    out = SubProof(m - k, Slice(d, k, d.size()), false);
    out.push_back(Mth(Slice(d, 0, k)));
  }
  return out;
}

Leaves Data(size_t n) {
  Leaves d;
  for (size_t i = 0; i < n; ++i) d.push_back("record " + std::to_string(i));
  return d;
}

std::vector<Hash> LeafHashes(const Leaves& d) {
  std::vector<Hash> out;
  for (const std::string& r : d) out.push_back(LeafHash(r));
  return out;
}

TEST(Merkle, EmptyTreeIsTheHashOfNothing) {
  EXPECT_EQ(HashToHex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(MerkleFrontier().Root(), EmptyRoot());
}

TEST(Merkle, FrontierRootsMatchTheDefinitionForOneToSixtyFourLeaves) {
  MerkleFrontier frontier;
  const Leaves d = Data(64);
  for (size_t n = 1; n <= d.size(); ++n) {
    frontier.Append(LeafHash(d[n - 1]));
    ASSERT_EQ(frontier.Root(), Mth(Slice(d, 0, n))) << "size " << n;
    ASSERT_EQ(SubtreeRoot(LeafHashes(d), 0, static_cast<int64_t>(n)), Mth(Slice(d, 0, n)));
  }
}

TEST(Merkle, InclusionProofsForEveryLeafOfEverySizeUpToEight) {
  for (size_t n = 1; n <= 8; ++n) {
    const Leaves d = Data(n);
    const Hash root = Mth(d);
    for (size_t m = 0; m < n; ++m) {
      auto proof = InclusionProof(LeafHashes(d), static_cast<int64_t>(m), static_cast<int64_t>(n));
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, Path(m, d)) << "leaf " << m << " of " << n;
      EXPECT_TRUE(VerifyInclusion(LeafHash(d[m]), static_cast<int64_t>(m), static_cast<int64_t>(n), *proof, root).ok());
      // Another leaf, or another position, does not verify.
      EXPECT_FALSE(VerifyInclusion(LeafHash("forged"), static_cast<int64_t>(m), static_cast<int64_t>(n), *proof, root).ok());
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion(LeafHash(d[m]), static_cast<int64_t>((m + 1) % n), static_cast<int64_t>(n),
                                     *proof, root).ok());
      }
    }
  }
}

TEST(Merkle, ConsistencyProofsForEveryPairOfSizesUpToEight) {
  const Leaves all = Data(8);
  for (size_t second = 1; second <= 8; ++second) {
    for (size_t first = 1; first <= second; ++first) {
      const Leaves d = Slice(all, 0, second);
      auto proof = ConsistencyProof(LeafHashes(d), static_cast<int64_t>(first), static_cast<int64_t>(second));
      ASSERT_TRUE(proof.ok());
      const std::vector<Hash> expected = first == second ? std::vector<Hash>{} : SubProof(first, d, true);
      EXPECT_EQ(*proof, expected) << first << " -> " << second;
      const Hash first_root = Mth(Slice(d, 0, first));
      const Hash second_root = Mth(d);
      EXPECT_TRUE(VerifyConsistency(static_cast<int64_t>(first), static_cast<int64_t>(second), first_root,
                                    second_root, *proof).ok())
          << first << " -> " << second;
      // A rewritten history (different first root) is caught.
      Leaves rewritten = d;
      rewritten[0] = "rewritten";
      EXPECT_FALSE(VerifyConsistency(static_cast<int64_t>(first), static_cast<int64_t>(second),
                                     Mth(Slice(rewritten, 0, first)), second_root, *proof).ok());
    }
  }
}

TEST(Merkle, ATreeThatShrankIsNotConsistent) {
  const Leaves d = Data(5);
  EXPECT_FALSE(VerifyConsistency(5, 4, Mth(d), Mth(Slice(d, 0, 4)), {}).ok());
  EXPECT_FALSE(InclusionProof(LeafHashes(d), 5, 5).ok());
  EXPECT_FALSE(ConsistencyProof(LeafHashes(d), 3, 6).ok());
}

}  // namespace
}  // namespace grens::plugin
