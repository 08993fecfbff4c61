#ifndef GRENS_PLUGIN_ARENA_MESSAGES_H_
#define GRENS_PLUGIN_ARENA_MESSAGES_H_

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace grens::plugin {

// The first block of every per-call arena: room for a parsed event, its
// decision and the answer, so that a typical call allocates nothing else.
inline constexpr size_t kCallArenaBlock = 4096;

// A protobuf arena whose first block lives inside the object, for messages
// that live exactly as long as one call (or one stream message): parsing the
// event and building its decision then cost one allocation instead of the
// dozens that strings and sub-messages take on the heap, which is most of the
// allocator's work on the decision path. Not copyable (the arena points into
// it); external synchronization required if any caller mutates.
class CallArena {
 public:
  CallArena() : arena_(Options(block_)) {}
  CallArena(const CallArena&) = delete;
  CallArena& operator=(const CallArena&) = delete;

  google::protobuf::Arena* get() { return &arena_; }

 private:
  static google::protobuf::ArenaOptions Options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kCallArenaBlock;
    return options;
  }

  alignas(8) char block_[kCallArenaBlock];
  google::protobuf::Arena arena_;  // after block_, which it uses
};

// Gives each unary call of a callback service its request and response on one
// CallArena (set with the generated SetMessageAllocatorFor_<Method>). Stateless,
// so safe for concurrent use.
template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(arena_.get()));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(arena_.get()));
    }
    // gRPC calls this once the call is done with both messages.
    void Release() override { delete this; }

   private:
    CallArena arena_;
  };
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_ARENA_MESSAGES_H_
