#include "plugin/merkle.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace grens::plugin {
namespace {

// Largest power of two strictly below n (n > 1).
int64_t SplitPoint(int64_t n) {
  int64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

void SubProof(const std::vector<Hash>& leaves, int64_t m, int64_t begin, int64_t end, bool complete,
              std::vector<Hash>* out) {
  const int64_t n = end - begin;
  if (m == n) {
    if (!complete) out->push_back(SubtreeRoot(leaves, begin, end));
    return;
  }
  const int64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(leaves, m, begin, begin + k, complete, out);
    out->push_back(SubtreeRoot(leaves, begin + k, end));
  } else {
    SubProof(leaves, m - k, begin + k, end, false, out);
    out->push_back(SubtreeRoot(leaves, begin, begin + k));
  }
}

// OpenSSL 3 looks the algorithm up on every one-shot SHA256() call; fetching it
// once and reusing a context per thread makes a node hash several times
// cheaper, which verification (a million leaves) and the writer feel.
const EVP_MD* Sha256() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return ctx.get();
}

Hash Digest(absl::string_view a, absl::string_view b, absl::string_view c) {
  EVP_MD_CTX* ctx = ThreadContext();
  EVP_DigestInit_ex2(ctx, Sha256(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  if (!c.empty()) EVP_DigestUpdate(ctx, c.data(), c.size());
  Hash out;
  EVP_DigestFinal_ex(ctx, out.data(), nullptr);
  return out;
}

absl::string_view View(const Hash& h) { return absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()); }

}  // namespace

Hash LeafHash(absl::string_view record) { return Digest(absl::string_view("\x00", 1), record, ""); }

Hash NodeHash(const Hash& left, const Hash& right) {
  return Digest(absl::string_view("\x01", 1), View(left), View(right));
}

Hash EmptyRoot() {
  Hash out;
  SHA256(nullptr, 0, out.data());
  return out;
}

std::string HashToBytes(const Hash& hash) { return std::string(reinterpret_cast<const char*>(hash.data()), 32); }

std::string HashToHex(const Hash& hash) { return absl::BytesToHexString(HashToBytes(hash)); }

absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes) {
  if (bytes.size() != 32) return absl::DataLossError(absl::StrCat("hash of ", bytes.size(), " bytes, want 32"));
  Hash out;
  std::memcpy(out.data(), bytes.data(), 32);
  return out;
}

void MerkleFrontier::Append(const Hash& leaf) {
  Hash carry = leaf;
  // Merge equal-sized subtrees: one per trailing 1-bit of the old size.
  for (int64_t s = size_; s & 1; s >>= 1) {
    carry = NodeHash(subtrees_.back(), carry);
    subtrees_.pop_back();
  }
  subtrees_.push_back(carry);
  ++size_;
}

Hash MerkleFrontier::Root() const {
  if (subtrees_.empty()) return EmptyRoot();
  Hash root = subtrees_.back();
  for (size_t i = subtrees_.size() - 1; i-- > 0;) root = NodeHash(subtrees_[i], root);
  return root;
}

Hash SubtreeRoot(const std::vector<Hash>& leaves, int64_t begin, int64_t end) {
  if (end - begin == 0) return EmptyRoot();
  if (end - begin == 1) return leaves[begin];
  const int64_t k = SplitPoint(end - begin);
  return NodeHash(SubtreeRoot(leaves, begin, begin + k), SubtreeRoot(leaves, begin + k, end));
}

absl::StatusOr<std::vector<Hash>> InclusionProof(const std::vector<Hash>& leaves, int64_t index, int64_t size) {
  if (size > static_cast<int64_t>(leaves.size()) || index < 0 || index >= size) {
    return absl::OutOfRangeError(absl::StrCat("no leaf ", index, " in a tree of size ", size));
  }
  std::vector<Hash> path;
  int64_t begin = 0, end = size;
  std::vector<Hash> reversed;
  while (end - begin > 1) {
    const int64_t k = SplitPoint(end - begin);
    if (index < begin + k) {
      reversed.push_back(SubtreeRoot(leaves, begin + k, end));
      end = begin + k;
    } else {
      reversed.push_back(SubtreeRoot(leaves, begin, begin + k));
      begin += k;
    }
  }
  path.assign(reversed.rbegin(), reversed.rend());
  return path;
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(const std::vector<Hash>& leaves, int64_t first, int64_t second) {
  if (first < 0 || first > second || second > static_cast<int64_t>(leaves.size())) {
    return absl::OutOfRangeError(absl::StrCat("no consistency proof from ", first, " to ", second));
  }
  std::vector<Hash> proof;
  if (first == 0 || first == second) return proof;
  SubProof(leaves, first, 0, second, true, &proof);
  return proof;
}

absl::Status VerifyInclusion(const Hash& leaf, int64_t index, int64_t size, const std::vector<Hash>& path,
                             const Hash& root) {
  if (index < 0 || index >= size) return absl::DataLossError(absl::StrCat("index ", index, " outside size ", size));
  int64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return absl::DataLossError("inclusion proof too long");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::DataLossError("inclusion proof too short");
  if (r != root) return absl::DataLossError(absl::StrCat("record ", index, " is not in the tree of size ", size));
  return absl::OkStatus();
}

absl::Status VerifyConsistency(int64_t first, int64_t second, const Hash& first_root, const Hash& second_root,
                               const std::vector<Hash>& proof) {
  if (first < 0 || second < first) return absl::DataLossError(absl::StrCat("tree shrank from ", first, " to ", second));
  if (first == second) {
    if (!proof.empty() || first_root != second_root) {
      return absl::DataLossError(absl::StrCat("two different roots for tree size ", first));
    }
    return absl::OkStatus();
  }
  if (first == 0) return proof.empty() ? absl::OkStatus() : absl::DataLossError("proof from the empty tree must be empty");
  if (proof.empty()) return absl::DataLossError("empty consistency proof");
  std::vector<Hash> path = proof;
  if ((first & (first - 1)) == 0) path.insert(path.begin(), first_root);  // first is a power of two
  int64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return absl::DataLossError("consistency proof too long");
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(path[i], fr);
      sr = NodeHash(path[i], sr);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, path[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::DataLossError("consistency proof too short");
  if (fr != first_root) {
    return absl::DataLossError(absl::StrCat("the log of size ", second, " does not extend the checkpoint of size ",
                                            first, ": its first ", first, " records were rewritten"));
  }
  if (sr != second_root) return absl::DataLossError(absl::StrCat("consistency proof does not match the root of size ", second));
  return absl::OkStatus();
}

}  // namespace grens::plugin
