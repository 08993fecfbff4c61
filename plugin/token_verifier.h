#ifndef GRENS_PLUGIN_TOKEN_VERIFIER_H_
#define GRENS_PLUGIN_TOKEN_VERIFIER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace grens::plugin {

// Recognises bearer tokens by the SHA-256 digests in the config (the config
// never holds a token itself).
//
// Hashing on every call would cost more than the rest of the access check, so
// the first call that presents a token matching a digest stores the token in
// that digest's slot; later calls compare bytes (in constant time) against
// the stored tokens and hash only when none matches. Only tokens that match a
// configured digest are stored, one per slot, so memory is bounded by the
// config whatever callers send. A slot is written once and never changes
// afterwards, which is what makes the lock-free reads safe.
//
// Safe for concurrent use; never blocks.
class TokenVerifier {
 public:
  // `digests`: lower-case hex SHA-256 of a token, and an opaque value (the
  // roles it grants) returned on a match. Each digest should appear once.
  explicit TokenVerifier(const std::vector<std::pair<std::string, uint32_t>>& digests);
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  struct Match {
    int slot = -1;        // index of the matching digest; -1 if none matches
    uint32_t value = 0;   // its value
  };
  // Which configured digest `token` hashes to, if any.
  Match Find(absl::string_view token) const;

  bool empty() const { return size_ == 0; }

 private:
  struct Slot {
    std::string digest_hex;
    uint32_t value = 0;
    // 0: no token seen yet; 1: one thread is writing `token`; 2: `token` is
    // final. Atomic because readers check it without a lock.
    mutable std::atomic<int> state{0};
    mutable std::string token;
  };
  const Slot* FindRemembered(absl::string_view token, int* index) const;

  std::unique_ptr<Slot[]> slots_;
  size_t size_ = 0;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_TOKEN_VERIFIER_H_
