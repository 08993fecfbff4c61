#include "plugin/call_limiter.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace grens::plugin {

struct CallLimiter::Ticket::Hold {
  Hold(CallLimiter* limiter, std::string client) : limiter(limiter), client(std::move(client)) {}
  ~Hold() { Release(); }
  void Release() {
    if (!released.exchange(true, std::memory_order_acq_rel)) limiter->Release(client);
  }
  CallLimiter* const limiter;
  const std::string client;
  // Atomic: copies of a ticket may be released from different threads.
  std::atomic<bool> released{false};
};

void CallLimiter::Ticket::Release() {
  if (hold_ != nullptr) hold_->Release();
}

CallLimiter::CallLimiter(int max_per_client, const AccessPolicy* policy)
    : max_per_client_(max_per_client), policy_(policy) {}

absl::StatusOr<CallLimiter::Ticket> CallLimiter::Admit(CallLimiter* limiter, const grpc::ServerContextBase& context) {
  if (limiter == nullptr || limiter->max_per_client_ <= 0) return Ticket();
  const AccessPolicy* policy = limiter->policy_;
  if (!policy->knows_identities()) {
    return limiter->Acquire(policy->ClientKey(nullptr, absl::nullopt, context.peer()));
  }
  absl::optional<absl::string_view> authorization;
  const auto& metadata = context.client_metadata();
  const auto header = metadata.find("authorization");
  if (header != metadata.end()) authorization = absl::string_view(header->second.data(), header->second.size());
  const std::shared_ptr<const grpc::AuthContext> auth_context = context.auth_context();
  return limiter->Acquire(policy->ClientKey(auth_context.get(), authorization, context.peer()));
}

absl::StatusOr<CallLimiter::Ticket> CallLimiter::Acquire(std::string client) {
  {
    absl::MutexLock lock(&mu_);
    int& count = in_flight_[client];
    if (count >= max_per_client_) {
      in_flight_refusals_.fetch_add(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(absl::StrCat("limits.max_in_flight_per_client (", max_per_client_,
                                                       ") reached for this client; retry when a call has finished"));
    }
    ++count;
  }
  Ticket ticket;
  ticket.hold_ = std::make_shared<Ticket::Hold>(this, std::move(client));
  return ticket;
}

void CallLimiter::Release(const std::string& client) {
  absl::MutexLock lock(&mu_);
  const auto it = in_flight_.find(client);
  if (it == in_flight_.end()) return;
  if (--it->second <= 0) in_flight_.erase(it);
}

}  // namespace grens::plugin
