#ifndef GRENS_PLUGIN_GUARD_SERVICE_H_
#define GRENS_PLUGIN_GUARD_SERVICE_H_

#include <functional>

#include "grens/v1/guard.grpc.pb.h"
#include "plugin/call_limiter.h"
#include "plugin/arena_messages.h"
#include "plugin/decision_pipeline.h"

namespace grens::plugin {

// Handles Guard.EvaluatePlatformEvent; set by the adapters layer. Receives the
// request and response (valid until the reactor finishes) and must call
// reactor->Finish exactly once.
using PlatformEventHandler =
    std::function<void(const v1::EvaluatePlatformEventRequest*, v1::EvaluatePlatformEventResponse*,
                       grpc::ServerUnaryReactor*)>;

// Per-call limits of the Guard service.
struct GuardLimits {
  // Calls in flight per client; null for no limit. Borrowed, must outlive the service.
  CallLimiter* in_flight = nullptr;
  // Events one EvaluateStream call may send (a batched message counts each
  // of its events); 0 for no limit.
  int64_t max_stream_messages = 0;
  // Events one batched stream message may hold; 0 for no limit.
  int max_events_per_message = 0;
};

// grens.v1.Guard on gRPC's callback API: no thread per call, and no reactor
// callback ever blocks; answers are sent from the decision log's commit
// callback. Safe for concurrent use.
class GuardService final : public v1::Guard::CallbackService {
 public:
  // `pipeline` must outlive the service. `window` bounds the decisions a stream
  // may have outstanding before the server stops reading from it.
  GuardService(DecisionPipeline* pipeline, PlatformEventHandler platform_events, int window = 64,
               GuardLimits limits = {});

  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context, const v1::EvaluateRequest* request,
                                     v1::EvaluateResponse* response) override;
  grpc::ServerBidiReactor<v1::EvaluateStreamRequest, v1::EvaluateStreamResponse>* EvaluateStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* EvaluatePlatformEvent(grpc::CallbackServerContext* context,
                                                  const v1::EvaluatePlatformEventRequest* request,
                                                  v1::EvaluatePlatformEventResponse* response) override;

 private:
  DecisionPipeline* const pipeline_;
  const PlatformEventHandler platform_events_;
  const int window_;
  const GuardLimits limits_;
  ArenaMessageAllocator<v1::EvaluateRequest, v1::EvaluateResponse> evaluate_messages_;
  ArenaMessageAllocator<v1::EvaluatePlatformEventRequest, v1::EvaluatePlatformEventResponse> platform_messages_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_GUARD_SERVICE_H_
