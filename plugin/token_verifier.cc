#include "plugin/token_verifier.h"

#include <openssl/crypto.h>

#include "policy/file_util.h"

namespace grens::plugin {
namespace {

bool SameBytes(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

TokenVerifier::TokenVerifier(const std::vector<std::pair<std::string, uint32_t>>& digests)
    : slots_(new Slot[digests.size()]), size_(digests.size()) {
  for (size_t i = 0; i < size_; ++i) {
    slots_[i].digest_hex = digests[i].first;
    slots_[i].value = digests[i].second;
  }
}

const TokenVerifier::Slot* TokenVerifier::FindRemembered(absl::string_view token, int* index) const {
  for (size_t i = 0; i < size_; ++i) {
    const Slot& slot = slots_[i];
    if (slot.state.load(std::memory_order_acquire) == 2 && SameBytes(slot.token, token)) {
      *index = static_cast<int>(i);
      return &slot;
    }
  }
  return nullptr;
}

TokenVerifier::Match TokenVerifier::Find(absl::string_view token) const {
  int index = -1;
  if (const Slot* slot = FindRemembered(token, &index)) return {index, slot->value};
  const std::string digest = policy::Sha256Hex(token);
  for (size_t i = 0; i < size_; ++i) {
    const Slot& slot = slots_[i];
    if (!SameBytes(slot.digest_hex, digest)) continue;
    // Remember the token for the next call. Whoever wins 0 -> 1 writes it;
    // a loser simply answers from the digest this time.
    int expected = 0;
    if (slot.state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      slot.token.assign(token.data(), token.size());
      slot.state.store(2, std::memory_order_release);
    }
    return {static_cast<int>(i), slot.value};
  }
  return {};
}

}  // namespace grens::plugin
