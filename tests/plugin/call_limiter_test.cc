// CallLimiter: places per client, given back once by Release or by the last
// copy of a ticket, refusals naming the limit and counted.

#include "plugin/call_limiter.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"

namespace grens::plugin {
namespace {

using ::testing::HasSubstr;

class CallLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = AccessPolicy::Create(v1::SidecarConfig());
    ASSERT_TRUE(created.ok());
    policy_ = std::move(*created);
  }

  // A server context outside a call: every one names the same anonymous client.
  grpc::ServerContext context_;
  std::unique_ptr<AccessPolicy> policy_;
};

TEST_F(CallLimiterTest, AClientGetsItsPlacesThenARefusalNamingTheLimit) {
  CallLimiter limiter(2, policy_.get());
  absl::StatusOr<CallLimiter::Ticket> a = CallLimiter::Admit(&limiter, context_);
  absl::StatusOr<CallLimiter::Ticket> b = CallLimiter::Admit(&limiter, context_);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  absl::StatusOr<CallLimiter::Ticket> c = CallLimiter::Admit(&limiter, context_);
  ASSERT_TRUE(absl::IsResourceExhausted(c.status()));
  EXPECT_THAT(c.status().message(), HasSubstr("limits.max_in_flight_per_client (2) reached"));
  EXPECT_EQ(limiter.in_flight_refusals(), 1);
  a->Release();
  EXPECT_TRUE(CallLimiter::Admit(&limiter, context_).ok());  // a temporary: its place goes with it
  EXPECT_TRUE(CallLimiter::Admit(&limiter, context_).ok());
}

TEST_F(CallLimiterTest, CopiesOfATicketGiveThePlaceBackOnce) {
  CallLimiter limiter(2, policy_.get());
  std::vector<CallLimiter::Ticket> copies;
  {
    absl::StatusOr<CallLimiter::Ticket> a = CallLimiter::Admit(&limiter, context_);
    ASSERT_TRUE(a.ok());
    copies = {*a, *a, *a};
  }
  absl::StatusOr<CallLimiter::Ticket> b = CallLimiter::Admit(&limiter, context_);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(CallLimiter::Admit(&limiter, context_).ok());  // the copies still hold one place
  copies[0].Release();
  copies[1].Release();
  copies.clear();
  absl::StatusOr<CallLimiter::Ticket> c = CallLimiter::Admit(&limiter, context_);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(CallLimiter::Admit(&limiter, context_).ok());  // b and c: released once, not three times
}

TEST_F(CallLimiterTest, NoLimiterOrNoLimitAdmitsEverything) {
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(CallLimiter::Admit(nullptr, context_).ok());
  CallLimiter unlimited(0, policy_.get());
  std::vector<CallLimiter::Ticket> held;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<CallLimiter::Ticket> t = CallLimiter::Admit(&unlimited, context_);
    ASSERT_TRUE(t.ok());
    held.push_back(*t);
  }
  EXPECT_EQ(unlimited.in_flight_refusals(), 0);
}

}  // namespace
}  // namespace grens::plugin
