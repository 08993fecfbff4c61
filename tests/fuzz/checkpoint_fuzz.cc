// Checkpoint verification (plugin/checkpoint.h), which the works council's
// tools run on checkpoints the log or a server hands them. Two kinds of input:
//   first byte odd:  the rest is a grens.v1.Checkpoint (binary) to verify with
//                    its own key and with a pinned key;
//   first byte even: a checkpoint signed by a real key over fuzzed origin,
//                    size, root and time, then one field changed by the input.
// Properties: an honest checkpoint verifies; a checkpoint with any signed fact
// changed (origin, size, root, time, text, signature) does not; nothing
// verifies under a key that did not sign it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/checkpoint.h"
#include "plugin/merkle.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::fuzzing::ByteReader;
using grens::fuzzing::Check;

struct Keys {
  std::unique_ptr<grens::plugin::CheckpointSigner> signer;
  std::string other_public_key;
};

const Keys& TheKeys() {
  static const Keys* keys = [] {
    auto* k = new Keys();
    auto signer = grens::plugin::CheckpointSigner::FromKeyFile(grens::fuzzing::ScratchPath("a.key"), true);
    auto other = grens::plugin::CheckpointSigner::FromKeyFile(grens::fuzzing::ScratchPath("b.key"), true);
    Check(signer.ok() && other.ok(), "cannot make checkpoint keys");
    k->signer = std::move(*signer);
    k->other_public_key = (*other)->public_key();
    return k;
  }();
  return *keys;
}

// Changes one field of `c` as the input says; false when nothing changed.
bool Tamper(ByteReader* in, grens::v1::Checkpoint* c) {
  const grens::v1::Checkpoint before = *c;
  const uint8_t what = in->Byte();
  const std::string bytes(in->Bytes(in->Byte()));
  switch (what % 7) {
    case 0: c->set_origin(bytes); break;
    case 1: c->set_tree_size(c->tree_size() + static_cast<int8_t>(what)); break;
    case 2: c->set_root_hash(bytes); break;
    case 3: c->mutable_time()->set_seconds(c->time().seconds() + static_cast<int8_t>(what)); break;
    case 4: c->set_signed_text(bytes); break;
    case 5: c->set_signature(bytes); break;
    default: c->mutable_signed_text()->append(bytes); break;
  }
  return c->SerializeAsString() != before.SerializeAsString();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Keys& keys = TheKeys();
  ByteReader in(grens::fuzzing::AsText(data, size));
  const uint8_t mode = in.Byte();
  if (mode & 1) {
    grens::v1::Checkpoint c;
    if (!c.ParseFromString(std::string(in.Rest()))) return 0;
    (void)grens::plugin::VerifyCheckpoint(c, "");
    (void)grens::plugin::VerifyCheckpoint(c, keys.signer->public_key());
    return 0;
  }
  const std::string origin(in.Bytes(in.Byte() % 32));
  const int64_t tree_size = in.I64();
  grens::plugin::Hash root{};
  const absl::string_view root_bytes = in.Bytes(32);
  std::copy(root_bytes.begin(), root_bytes.end(), root.begin());
  const absl::Time time = absl::FromUnixSeconds(in.I64() % (int64_t{1} << 33));
  absl::StatusOr<grens::v1::Checkpoint> signed_checkpoint = keys.signer->Sign(origin, tree_size, root, time);
  Check(signed_checkpoint.ok(), "cannot sign a checkpoint");
  grens::v1::Checkpoint c = *signed_checkpoint;
  Check(grens::plugin::VerifyCheckpoint(c, keys.signer->public_key()).ok(), "an honest checkpoint does not verify");
  Check(!grens::plugin::VerifyCheckpoint(c, keys.other_public_key).ok(), "a checkpoint verifies under another key");
  if (Tamper(&in, &c)) {
    Check(!grens::plugin::VerifyCheckpoint(c, keys.signer->public_key()).ok(), "a changed checkpoint still verifies");
  }
  return 0;
}
