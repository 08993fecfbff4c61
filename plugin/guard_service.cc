#include "plugin/guard_service.h"

#include <deque>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "plugin/status_util.h"

namespace grens::plugin {
namespace {

// One EvaluateStream call. Reads requests, decides each, and writes the answers
// in request order. At most `window` decisions are outstanding: the next read
// starts only when one is answered, so a client that writes faster than it
// reads is slowed by gRPC flow control instead of growing a buffer here.
//
// Lifetime: gRPC calls OnDone once; the reactor deletes itself when OnDone has
// run and no decision callback is outstanding (callbacks arrive on the log's
// thread and may outlive the RPC after a cancellation).
//
// limits.max_stream_messages: the message after the last allowed one is not
// decided; the answers before it are written, then the stream ends with
// RESOURCE_EXHAUSTED naming the limit. The stream holds its place among the
// client's calls in flight (`ticket`) until it finishes.
class StreamReactor final : public grpc::ServerBidiReactor<v1::EvaluateStreamRequest, v1::EvaluateStreamResponse> {
 public:
  StreamReactor(DecisionPipeline* pipeline, int window, const GuardLimits& limits, CallLimiter::Ticket ticket)
      : pipeline_(pipeline), window_(window), limits_(limits), ticket_(std::move(ticket)) {
    absl::MutexLock lock(&mu_);
    StartNextRead();
  }

  void OnReadDone(bool ok) override {
    Slot* slot = nullptr;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (!ok) {  // the client is done sending; drop the slot that was being read into
        reads_done_ = true;
        slots_.pop_back();
        MaybeFinish();
        return;
      }
      slot = slots_.back().get();
      Refusal why = Refusal::kNone;
      const absl::Status refused = Admit(slot->request, &why);
      if (!refused.ok()) {
        slots_.pop_back();
        if (why == Refusal::kStreamTooLong) {
          reads_done_ = true;  // read no further; answer what was accepted, then refuse
          over_limit_ = true;
          if (limits_.in_flight != nullptr) limits_.in_flight->CountStreamRefusal();
        } else {
          if (why == Refusal::kTooManyEvents) pipeline_->Refused(RefusalReason::kTooManyEvents);
          failed_ = true;
          if (error_.ok()) error_ = refused;
        }
        MaybeFinish();
        return;
      }
      received_ += slot->request.events().empty() ? 1 : slot->request.events_size();
      ++outstanding_;
      deciding_ = true;
    }
    // Outside the lock: answers may come back on this thread (bad input) or
    // on the log's thread before Decide returns. The next read starts only
    // after these events are queued for the log, so log order is request order.
    if (slot->request.events().empty()) {
      pipeline_->Decide(slot->request.event(), slot->response.mutable_decision(),
                        [this, slot](absl::Status status) { OnDecided(slot, false, std::move(status)); });
    } else {
      // The whole message is one group in the log: one lock, one commit
      // callback, one answer.
      pipeline_->DecideAll(absl::MakeConstSpan(slot->request.events().data(), slot->request.events_size()),
                           slot->response.mutable_decisions(),
                           [this, slot](absl::Status status) { OnDecided(slot, true, std::move(status)); });
    }
    absl::MutexLock lock(&mu_);
    deciding_ = false;
    if (static_cast<int>(slots_.size()) < window_) StartNextRead();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    slots_.pop_front();
    if (!ok) {  // the stream broke (client gone or cancelled): end it, OnDone follows
      failed_ = true;
      if (error_.ok()) error_ = absl::CancelledError("the stream was cancelled");
      MaybeFinish();
      return;
    }
    WriteNext();
    if (!reading_ && static_cast<int>(slots_.size()) < window_) StartNextRead();
    MaybeFinish();
  }

  void OnDone() override {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      last = outstanding_ == 0;
    }
    if (last) delete this;
  }

 private:
  // One stream message and its answer, on an arena of their own.
  struct Slot {
    CallArena arena;
    v1::EvaluateStreamRequest& request = *google::protobuf::Arena::CreateMessage<v1::EvaluateStreamRequest>(arena.get());
    v1::EvaluateStreamResponse& response =
        *google::protobuf::Arena::CreateMessage<v1::EvaluateStreamResponse>(arena.get());
    bool decided = false;
  };

  enum class Refusal { kNone, kBothForms, kTooManyEvents, kStreamTooLong };

  // OK, or why `request` is refused before any of its events is judged (and
  // `why` says which): both forms at once, an oversized batch, or the
  // stream's length limit.
  absl::Status Admit(const v1::EvaluateStreamRequest& request, Refusal* why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int64_t n = request.events().empty() ? 1 : request.events_size();
    if (!request.events().empty() && request.has_event()) {
      *why = Refusal::kBothForms;
      return absl::InvalidArgumentError("request: set either event or events, not both");
    }
    if (limits_.max_events_per_message > 0 && n > limits_.max_events_per_message) {
      *why = Refusal::kTooManyEvents;
      return absl::ResourceExhaustedError(absl::StrCat("events: ", n, " events in one message exceed "
                                                       "limits.max_events_per_payload (",
                                                       limits_.max_events_per_message, ")"));
    }
    if (limits_.max_stream_messages > 0 && received_ + n > limits_.max_stream_messages) {
      *why = Refusal::kStreamTooLong;
      return absl::ResourceExhaustedError("limits.max_stream_messages");
    }
    return absl::OkStatus();
  }

  // `batched`: the message's events were decided together (DecideAll).
  void OnDecided(Slot* slot, bool batched, absl::Status status) {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      --outstanding_;
      if (!status.ok() && error_.ok()) {
        // One bad event ends the stream with a status naming it; answers
        // already written stand.
        // A batched message's status names the event already (DecideAll).
        error_ = batched ? status
                           : absl::Status(status.code(), absl::StrCat("event '", slot->request.event().id(), "': ",
                                                                      status.message()));
        failed_ = true;
      }
      slot->decided = true;  // one callback per message, batched or not
      if (slot->request.events().empty()) slot->response.set_event_id(slot->request.event().id());
      WriteNext();
      MaybeFinish();
      last = done_ && outstanding_ == 0;
    }
    if (last) delete this;
  }

  void StartNextRead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (failed_ || reads_done_ || reading_ || deciding_) return;
    slots_.push_back(std::make_unique<Slot>());
    reading_ = true;
    StartRead(&slots_.back()->request);
  }

  // Writes the oldest answer if it is ready and no write is in flight.
  void WriteNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || failed_ || slots_.empty() || !slots_.front()->decided) return;
    writing_ = true;
    StartWrite(&slots_.front()->response);
  }

  // Finishes once nothing is in flight: after the last answer, or after an error.
  void MaybeFinish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_) return;
    if (failed_ && !error_.ok()) {
      finished_ = true;
      ticket_.Release();
      Finish(ToGrpcStatus(error_));
    } else if (reads_done_ && slots_.empty() && !failed_) {
      finished_ = true;
      ticket_.Release();
      Finish(over_limit_ ? grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                        absl::StrCat("limits.max_stream_messages (", limits_.max_stream_messages,
                                                     ") reached: the stream ended after that many events; "
                                                     "open a new stream for more"))
                         : grpc::Status::OK);
    }
  }

  DecisionPipeline* const pipeline_;
  const int window_;
  const GuardLimits limits_;

  absl::Mutex mu_;
  CallLimiter::Ticket ticket_ ABSL_GUARDED_BY(mu_);
  int64_t received_ ABSL_GUARDED_BY(mu_) = 0;  // requests accepted for a decision
  bool over_limit_ ABSL_GUARDED_BY(mu_) = false;
  // Requests in arrival order; the back one is being read into while reading_.
  std::deque<std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;  // decisions not yet called back
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool deciding_ ABSL_GUARDED_BY(mu_) = false;  // OnReadDone is handing an event to the pipeline
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

// A stream refused before it started (too many calls in flight).
class RefusedStream final : public grpc::ServerBidiReactor<v1::EvaluateStreamRequest, v1::EvaluateStreamResponse> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// A unary reactor that holds the call's place among its client's calls in
// flight until gRPC is done with the call. For handlers that finish the
// reactor themselves (platform events), where the place cannot be given back
// just before Finish.
class TicketedUnaryReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit TicketedUnaryReactor(CallLimiter::Ticket ticket) : ticket_(std::move(ticket)) {}
  void OnDone() override { delete this; }

 private:
  CallLimiter::Ticket ticket_;
};

}  // namespace

GuardService::GuardService(DecisionPipeline* pipeline, PlatformEventHandler platform_events, int window,
                           GuardLimits limits)
    : pipeline_(pipeline), platform_events_(std::move(platform_events)), window_(window), limits_(limits) {
  SetMessageAllocatorFor_Evaluate(&evaluate_messages_);
  SetMessageAllocatorFor_EvaluatePlatformEvent(&platform_messages_);
}

grpc::ServerUnaryReactor* GuardService::Evaluate(grpc::CallbackServerContext* context,
                                                 const v1::EvaluateRequest* request, v1::EvaluateResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<CallLimiter::Ticket> ticket = CallLimiter::Admit(limits_.in_flight, *context);
  if (!ticket.ok()) {
    reactor->Finish(ToGrpcStatus(ticket.status()));
    return reactor;
  }
  pipeline_->Decide(request->event(), response->mutable_decision(),
                    [reactor, ticket = *std::move(ticket)](absl::Status status) mutable {
                      ticket.Release();
                      reactor->Finish(ToGrpcStatus(status));
                    });
  return reactor;
}

grpc::ServerBidiReactor<v1::EvaluateStreamRequest, v1::EvaluateStreamResponse>* GuardService::EvaluateStream(
    grpc::CallbackServerContext* context) {
  absl::StatusOr<CallLimiter::Ticket> ticket = CallLimiter::Admit(limits_.in_flight, *context);
  if (!ticket.ok()) return new RefusedStream(ticket.status());
  return new StreamReactor(pipeline_, window_, limits_, *std::move(ticket));
}

grpc::ServerUnaryReactor* GuardService::EvaluatePlatformEvent(grpc::CallbackServerContext* context,
                                                              const v1::EvaluatePlatformEventRequest* request,
                                                              v1::EvaluatePlatformEventResponse* response) {
  absl::StatusOr<CallLimiter::Ticket> ticket = CallLimiter::Admit(limits_.in_flight, *context);
  if (!ticket.ok()) {
    grpc::ServerUnaryReactor* refused = context->DefaultReactor();
    refused->Finish(ToGrpcStatus(ticket.status()));
    return refused;
  }
  grpc::ServerUnaryReactor* reactor = new TicketedUnaryReactor(*std::move(ticket));
  if (!platform_events_) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no platform adapters are configured"));
  } else {
    platform_events_(request, response, reactor);
  }
  return reactor;
}

}  // namespace grens::plugin
