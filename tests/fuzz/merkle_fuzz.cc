// Merkle proof verification (plugin/merkle.h) with fuzzed proofs, as the works
// council's tools verify proofs a server sends. A tree of up to 40 distinct
// leaves is built; the input picks indices and sizes (small, or any int64) and
// edits the honest proof (drop, repeat, replace, swap an element, or add bytes
// of its own). Properties: an honest proof verifies (completeness), and an
// accepted proof proves only what is true (soundness): the leaf is the one at
// that index, and a log whose first records differ never passes as an
// extension of the checkpoint.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugin/merkle.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::fuzzing::ByteReader;
using grens::fuzzing::Check;
using grens::plugin::Hash;

std::vector<Hash> Leaves(int n, const std::string& salt) {
  std::vector<Hash> leaves;
  for (int i = 0; i < n; ++i) leaves.push_back(grens::plugin::LeafHash(absl::StrCat(salt, i)));
  return leaves;
}

// A size or index: mostly near the tree, sometimes any int64.
int64_t Number(ByteReader* in, int n, bool wide) {
  return wide ? in->I64() : static_cast<int64_t>(in->Byte() % (n + 3)) - 1;
}

// Applies the input's edits to `path`; true when any was made.
bool Edit(ByteReader* in, const std::vector<Hash>& leaves, std::vector<Hash>* path) {
  bool edited = false;
  for (int edits = in->Byte() % 4; edits > 0; --edits) {
    const uint8_t op = in->Byte();
    const size_t at = path->empty() ? 0 : in->Byte() % path->size();
    edited = true;
    switch (op % 5) {
      case 0: if (!path->empty()) path->erase(path->begin() + at); break;
      case 1: path->insert(path->begin() + at, path->empty() ? leaves[0] : (*path)[at]); break;
      case 2: if (!path->empty()) (*path)[at] = leaves[op % leaves.size()]; break;
      case 3: if (!path->empty()) std::swap((*path)[at], path->back()); break;
      default: {
        Hash h{};
        const absl::string_view bytes = in->Bytes(32);
        std::copy(bytes.begin(), bytes.end(), h.begin());
        path->insert(path->begin() + at, h);
      }
    }
  }
  return edited;
}

void Inclusion(ByteReader* in, const std::vector<Hash>& leaves, bool wide) {
  const int n = static_cast<int>(leaves.size());
  const int64_t index = Number(in, n, wide);
  const int64_t size = Number(in, n, wide);
  const int64_t claimed = Number(in, n, false);  // which leaf is claimed to be there
  const bool honest_tree = size >= 0 && size <= n;
  const Hash root = honest_tree ? grens::plugin::SubtreeRoot(leaves, 0, size) : leaves[0];
  const Hash leaf = claimed >= 0 && claimed < n ? leaves[claimed] : root;
  std::vector<Hash> path;
  if (honest_tree && index >= 0 && index < size) path = *grens::plugin::InclusionProof(leaves, index, size);
  const bool edited = Edit(in, leaves, &path);
  const absl::Status status = grens::plugin::VerifyInclusion(leaf, index, size, path, root);
  if (!honest_tree) return;
  if (!edited && index >= 0 && index < size && claimed == index) {
    Check(status.ok(), "an honest inclusion proof does not verify");
  }
  if (status.ok()) {
    Check(index >= 0 && index < size && leaf == leaves[index], "an inclusion proof proves a leaf where it is not");
  }
}

void Consistency(ByteReader* in, const std::vector<Hash>& leaves, bool wide) {
  const int n = static_cast<int>(leaves.size());
  const int64_t first = Number(in, n, wide);
  const int64_t second = Number(in, n, wide);
  // The checkpoint the council holds may be of a log whose record `changed` differed.
  const int64_t changed = Number(in, n, false);
  std::vector<Hash> other = leaves;
  if (changed >= 0 && changed < n) other[changed] = grens::plugin::LeafHash("rewritten");
  const bool honest_sizes = first >= 0 && first <= second && second <= n;
  const Hash first_root = first >= 0 && first <= n ? grens::plugin::SubtreeRoot(other, 0, first) : leaves[0];
  const Hash second_root = second >= 0 && second <= n ? grens::plugin::SubtreeRoot(leaves, 0, second) : leaves[0];
  std::vector<Hash> proof;
  if (honest_sizes) proof = *grens::plugin::ConsistencyProof(leaves, first, second);
  const bool edited = Edit(in, leaves, &proof);
  const absl::Status status = grens::plugin::VerifyConsistency(first, second, first_root, second_root, proof);
  if (!honest_sizes) return;
  const bool prefix_rewritten = changed >= 0 && changed < first;
  if (!edited && !prefix_rewritten) Check(status.ok(), "an honest consistency proof does not verify");
  if (status.ok()) Check(!prefix_rewritten, "a rewritten log passes as an extension of the checkpoint");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(grens::fuzzing::AsText(data, size));
  const std::vector<Hash> leaves = Leaves(in.Byte() % 40 + 1, "leaf ");
  const uint8_t mode = in.Byte();
  if (mode & 1) {
    Inclusion(&in, leaves, mode & 2);
  } else {
    Consistency(&in, leaves, mode & 2);
  }
  return 0;
}
