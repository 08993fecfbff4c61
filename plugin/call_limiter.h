#ifndef GRENS_PLUGIN_CALL_LIMITER_H_
#define GRENS_PLUGIN_CALL_LIMITER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "plugin/access_policy.h"

namespace grens::plugin {

// Bounds the calls each client has in flight (limits.max_in_flight_per_client),
// so one caller cannot fill the decision log's queue or the audit query queue
// for everyone. A client is named by AccessPolicy::ClientKey: its certificate
// name, its token, or its peer address when anonymous. A stream holds one
// place while it is open.
//
// Admission is checked in the handlers, not in the ListenerGate, because a
// place must be given back when the call ends, which only the handler sees.
// Cost per call: one short critical section and one hash lookup on admission
// and on release. Safe for concurrent use; never blocks beyond that section.
class CallLimiter {
 public:
  // A held place. Copyable so that it can ride in a std::function; the place
  // is given back by the first Release() on any copy, or when the last copy
  // goes. Give it back before finishing the call, so that a client that
  // starts its next call as soon as it has the answer is not refused. Copies
  // may be released from different threads.
  class Ticket {
   public:
    Ticket() = default;
    void Release();

   private:
    friend class CallLimiter;
    struct Hold;
    std::shared_ptr<Hold> hold_;
  };

  // `max_per_client` <= 0: unlimited. `policy` names the clients; borrowed,
  // not null, must outlive the limiter.
  CallLimiter(int max_per_client, const AccessPolicy* policy);
  CallLimiter(const CallLimiter&) = delete;
  CallLimiter& operator=(const CallLimiter&) = delete;

  // A place for the call's client, or RESOURCE_EXHAUSTED naming the limit.
  // `limiter` may be null (no limit): an empty ticket.
  static absl::StatusOr<Ticket> Admit(CallLimiter* limiter, const grpc::ServerContextBase& context);

  // Counts a stream refused for limits.max_stream_messages (counted here so
  // that all limit refusals are read in one place).
  void CountStreamRefusal() { stream_refusals_.fetch_add(1, std::memory_order_relaxed); }

  int64_t in_flight_refusals() const { return in_flight_refusals_.load(std::memory_order_relaxed); }
  int64_t stream_refusals() const { return stream_refusals_.load(std::memory_order_relaxed); }

 private:
  absl::StatusOr<Ticket> Acquire(std::string client);
  void Release(const std::string& client);

  const int max_per_client_;
  const AccessPolicy* const policy_;

  absl::Mutex mu_;
  // Clients with calls in flight; an entry goes when its count reaches zero,
  // so the map is bounded by the calls in flight.
  absl::flat_hash_map<std::string, int> in_flight_ ABSL_GUARDED_BY(mu_);

  // Atomic: bumped by concurrent calls, read by the metrics endpoint.
  std::atomic<int64_t> in_flight_refusals_{0};
  std::atomic<int64_t> stream_refusals_{0};
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CALL_LIMITER_H_
