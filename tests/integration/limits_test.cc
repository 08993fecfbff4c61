// Limits through the real grensd: an oversize message, an oversize content
// field, too many calls in flight from one client, and a stream longer than
// its limit; each refused with a status naming the limit while the server
// keeps serving.
//
// Calls in flight are held deterministically by open EvaluateStream calls: a
// stream holds its client's place until it finishes, so no slow log or
// timing is needed.

#include <signal.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "policy/file_util.h"
#include "tests/support/grensd_process.h"
#include "tests/support/security_testing.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kTokenA[] = "platform-a-token";
constexpr char kTokenB[] = "platform-b-token";

using Stream = grpc::ClientReaderWriter<v1::EvaluateStreamRequest, v1::EvaluateStreamResponse>;

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
    const std::string config = absl::StrCat(
        "policy_path: ", dir_.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml")),
        "\ndata_dir: ", dir_.path(), "/data\n",
        "limits: {max_message_bytes: 65536, max_content_bytes: 100, max_in_flight_per_client: 2, "
        "max_stream_messages: 3, max_events_per_payload: 2}\n",
        "roles:\n  - role: platform\n    token_sha256: [", policy::Sha256Hex(kTokenA), ", ",
        policy::Sha256Hex(kTokenB), "]\n");
    auto process = GrensdProcess::Start(dir_, config);
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = std::move(*process);
    guard_ = v1::Guard::NewStub(grensd_->Channel());
  }

  grpc::Status Evaluate(const v1::MonitoringEvent& event, const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    v1::EvaluateRequest request;
    *request.mutable_event() = event;
    v1::EvaluateResponse response;
    return guard_->Evaluate(&context, request, &response);
  }

  // Sends one event on `stream` and reads its answer: the stream is then
  // certainly admitted and open on the server.
  static bool RoundTrip(Stream* stream, const std::string& id) {
    v1::EvaluateStreamRequest request;
    *request.mutable_event() = AllowedPresence(id);
    v1::EvaluateStreamResponse response;
    return stream->Write(request) && stream->Read(&response) && response.event_id() == id;
  }

  TempDir dir_;
  std::unique_ptr<GrensdProcess> grensd_;
  std::unique_ptr<v1::Guard::Stub> guard_;
};

TEST_F(LimitsTest, AnOversizeMessageIsRefusedAndTheServerKeepsServing) {
  v1::MonitoringEvent huge = AllowedPresence("huge");
  huge.add_content()->set_text(std::string(70000, 'x'));
  const grpc::Status status = Evaluate(huge, kTokenA);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("65536"));  // gRPC's own message names the byte limit
  EXPECT_TRUE(Evaluate(AllowedPresence("after"), kTokenA).ok());
}

TEST_F(LimitsTest, AnOversizeContentFieldNamesTheLimit) {
  v1::MonitoringEvent e = AllowedPresence("long-content");
  e.add_content()->set_text(std::string(101, 'x'));
  const grpc::Status status = Evaluate(e, kTokenA);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("limits.max_content_bytes"));
  e.mutable_content(0)->set_text(std::string(100, 'x'));
  EXPECT_TRUE(Evaluate(e, kTokenA).ok());
}

TEST_F(LimitsTest, AClientAtItsInFlightLimitIsRefusedOthersAreNot) {
  grpc::ClientContext c1, c2, c3;
  for (grpc::ClientContext* c : {&c1, &c2, &c3}) c->AddMetadata("authorization", absl::StrCat("Bearer ", kTokenA));
  std::unique_ptr<Stream> first = guard_->EvaluateStream(&c1);
  std::unique_ptr<Stream> second = guard_->EvaluateStream(&c2);
  ASSERT_TRUE(RoundTrip(first.get(), "first-1"));
  ASSERT_TRUE(RoundTrip(second.get(), "second-1"));

  const grpc::Status refused = Evaluate(AllowedPresence("third"), kTokenA);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("limits.max_in_flight_per_client (2) reached"));
  std::unique_ptr<Stream> third = guard_->EvaluateStream(&c3);
  EXPECT_FALSE(RoundTrip(third.get(), "third-stream"));
  EXPECT_EQ(third->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Evaluate(AllowedPresence("other-client"), kTokenB).ok());

  first->WritesDone();
  ASSERT_TRUE(first->Finish().ok());
  // The place is given back before the stream's status is sent.
  EXPECT_TRUE(Evaluate(AllowedPresence("after-first"), kTokenA).ok());
  EXPECT_TRUE(RoundTrip(second.get(), "second-2"));
  second->WritesDone();
  EXPECT_TRUE(second->Finish().ok());
}

TEST_F(LimitsTest, AStreamEndsAtItsLimitAfterAnsweringWhatItAccepted) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kTokenA));
  std::unique_ptr<Stream> stream = guard_->EvaluateStream(&context);
  std::thread writer([&] {
    for (int i = 0; i < 5; ++i) {
      v1::EvaluateStreamRequest request;
      *request.mutable_event() = AllowedPresence(absl::StrCat("s", i));
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  v1::EvaluateStreamResponse response;
  int answered = 0;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.event_id(), absl::StrCat("s", answered));
    ++answered;
  }
  writer.join();
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("limits.max_stream_messages (3) reached"));

  grpc::ClientContext again;
  again.AddMetadata("authorization", absl::StrCat("Bearer ", kTokenA));
  std::unique_ptr<Stream> exactly_three = guard_->EvaluateStream(&again);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(RoundTrip(exactly_three.get(), absl::StrCat("t", i)));
  exactly_three->WritesDone();
  EXPECT_TRUE(exactly_three->Finish().ok());
}

TEST_F(LimitsTest, LimitRefusalsAreCounted) {
  {
    grpc::ClientContext c1, c2;
    for (grpc::ClientContext* c : {&c1, &c2}) c->AddMetadata("authorization", absl::StrCat("Bearer ", kTokenA));
    std::unique_ptr<Stream> first = guard_->EvaluateStream(&c1);
    std::unique_ptr<Stream> second = guard_->EvaluateStream(&c2);
    ASSERT_TRUE(RoundTrip(first.get(), "a0"));
    ASSERT_TRUE(RoundTrip(second.get(), "b0"));
    EXPECT_EQ(Evaluate(AllowedPresence("refused"), kTokenA).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    ASSERT_TRUE(RoundTrip(first.get(), "a1"));
    ASSERT_TRUE(RoundTrip(first.get(), "a2"));
    EXPECT_FALSE(RoundTrip(first.get(), "a3"));
    EXPECT_EQ(first->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    second->WritesDone();
    EXPECT_TRUE(second->Finish().ok());
    guard_.reset();
  }  // the channel is closed: grensd's stop does not wait on its idle connection
  grensd_->Signal(SIGTERM);
  ASSERT_EQ(grensd_->WaitForExit(absl::Seconds(30)), 0);
  EXPECT_THAT(grensd_->Stderr(), HasSubstr("limits.max_in_flight_per_client=1,limits.max_stream_messages=1"));
}

TEST_F(LimitsTest, BatchedStreamMessagesCountEveryEventAndAreBounded) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kTokenA));
  std::unique_ptr<Stream> stream = guard_->EvaluateStream(&context);
  v1::EvaluateStreamRequest two;
  *two.add_events() = AllowedPresence("b0");
  *two.add_events() = AllowedPresence("b1");
  ASSERT_TRUE(stream->Write(two));
  v1::EvaluateStreamResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.decisions_size(), 2);
  // Two more would make four events on a stream limited to three: refused whole.
  stream->Write(two);
  stream->WritesDone();
  while (stream->Read(&response)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("limits.max_stream_messages (3) reached"));

  grpc::ClientContext big_context;
  big_context.AddMetadata("authorization", absl::StrCat("Bearer ", kTokenA));
  std::unique_ptr<Stream> big = guard_->EvaluateStream(&big_context);
  v1::EvaluateStreamRequest three;
  for (int i = 0; i < 3; ++i) *three.add_events() = AllowedPresence(absl::StrCat("c", i));
  big->Write(three);
  big->WritesDone();
  EXPECT_FALSE(big->Read(&response));
  status = big->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("limits.max_events_per_payload (2)"));
}

}  // namespace
}  // namespace grens::testing
