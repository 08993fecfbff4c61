// Closed-loop load generator for grens.v1.Guard: keeps N unary Evaluate calls
// in flight on gRPC's async API (one completion-queue thread, so the tool's own
// cost on the shared cores stays small), or streams events over EvaluateStream.
// Prints one JSON line: calls/s and latency percentiles over the measured window.
//
//   grens_load --target 127.0.0.1:50051 --inflight 64 --seconds 5
//   grens_load --target 127.0.0.1:50051 --mode stream --seconds 5

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "server address");
ABSL_FLAG(std::string, mode, "unary", "unary or stream");
ABSL_FLAG(int, inflight, 16, "unary calls kept in flight");
ABSL_FLAG(int, batch, 1, "stream mode: events per stream message (EvaluateStreamRequest.events when > 1)");
ABSL_FLAG(double, seconds, 5, "measured duration");
ABSL_FLAG(double, warmup, 1, "unmeasured warm-up before the measured window");

namespace {

using Clock = std::chrono::steady_clock;

// A presence event on a Tuesday at 10:00 in Amsterdam: allowed with
// obligations by the Dutch example agreement, so it is evaluated and logged.
grens::v1::EvaluateRequest Request() {
  grens::v1::EvaluateRequest r;
  grens::v1::MonitoringEvent* e = r.mutable_event();
  e->set_id("load");
  e->set_platform("teams");
  e->set_tenant("acme");
  e->set_collector("teams-presence");
  e->set_category(grens::v1::CATEGORY_PRESENCE);
  e->set_purpose("colleague_availability");
  e->mutable_subject()->set_id("8f1c2d3e-aaaa-bbbb-cccc-1234567890ab");
  e->mutable_occurred_at()->set_seconds(1773133200);
  return r;
}

struct Result {
  int64_t calls = 0;
  int64_t errors = 0;
  double seconds = 0;
  std::vector<uint32_t> latencies_us;
};

void Print(const std::string& mode, int inflight, Result r) {
  std::sort(r.latencies_us.begin(), r.latencies_us.end());
  auto pct = [&](double p) -> double {
    if (r.latencies_us.empty()) return 0;
    return r.latencies_us[std::min(r.latencies_us.size() - 1, static_cast<size_t>(p * r.latencies_us.size()))];
  };
  std::printf(
      "{\"mode\":\"%s\",\"inflight\":%d,\"calls\":%lld,\"errors\":%lld,\"seconds\":%.3f,\"calls_per_s\":%.0f,"
      "\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f}\n",
      mode.c_str(), inflight, static_cast<long long>(r.calls), static_cast<long long>(r.errors), r.seconds,
      r.calls / r.seconds, pct(0.50), pct(0.90), pct(0.99), pct(0.999));
}

// One unary call slot: restarted with a fresh context each time it completes.
struct Slot {
  std::optional<grpc::ClientContext> context;
  grens::v1::EvaluateResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grens::v1::EvaluateResponse>> call;
  Clock::time_point started;
};

Result RunUnary(const std::shared_ptr<grpc::Channel>& channel, int inflight, double warmup, double seconds) {
  auto stub = grens::v1::Guard::NewStub(channel);
  grpc::CompletionQueue cq;
  const grens::v1::EvaluateRequest request = Request();
  std::vector<Slot> slots(inflight);
  auto start = [&](Slot* s) {
    s->context.emplace();
    s->started = Clock::now();
    s->call = stub->AsyncEvaluate(&*s->context, request, &cq);
    s->call->Finish(&s->response, &s->status, s);
  };
  for (Slot& s : slots) start(&s);
  Result result;
  result.latencies_us.reserve(4'000'000);
  const Clock::time_point begin = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  const Clock::time_point end = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  void* tag;
  bool ok;
  int outstanding = inflight;
  while (outstanding > 0 && cq.Next(&tag, &ok)) {
    Slot* s = static_cast<Slot*>(tag);
    const Clock::time_point now = Clock::now();
    if (now >= begin && s->started >= begin && now < end) {
      ++result.calls;
      if (!s->status.ok()) ++result.errors;
      result.latencies_us.push_back(
          static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - s->started).count()));
    }
    if (now < end) {
      start(s);
    } else {
      --outstanding;
    }
  }
  result.seconds = seconds;
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

// One stream: a writer thread sends as fast as flow control allows; this thread
// reads the answers and times each against its send time.
Result RunStream(const std::shared_ptr<grpc::Channel>& channel, int batch, double warmup, double seconds) {
  auto stub = grens::v1::Guard::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->EvaluateStream(&context);
  constexpr size_t kMaxMessages = 20'000'000;
  std::vector<Clock::time_point> sent(kMaxMessages);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    grens::v1::EvaluateStreamRequest r;
    const grens::v1::MonitoringEvent event = Request().event();
    if (batch <= 1) {
      *r.mutable_event() = event;
    } else {
      for (int i = 0; i < batch; ++i) *r.add_events() = event;
    }
    for (size_t i = 0; i < kMaxMessages && !stop.load(std::memory_order_relaxed); ++i) {
      if (batch <= 1) r.mutable_event()->set_id(std::to_string(i));
      sent[i] = Clock::now();
      if (!stream->Write(r)) break;
    }
    stream->WritesDone();
  });
  const Clock::time_point begin = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  const Clock::time_point end = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  Result result;
  result.latencies_us.reserve(8'000'000);
  grens::v1::EvaluateStreamResponse response;
  size_t index = 0;
  while (stream->Read(&response)) {
    const Clock::time_point now = Clock::now();
    if (now >= end) stop.store(true);
    if (now >= begin && now < end) {
      // One latency sample per message; throughput counts decisions.
      const int decisions = batch <= 1 ? 1 : response.decisions_size();
      result.calls += decisions;
      if (batch <= 1 && response.decision().effect() == grens::v1::EFFECT_UNSPECIFIED) ++result.errors;
      if (batch > 1 && decisions != batch) ++result.errors;
      result.latencies_us.push_back(
          static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - sent[index]).count()));
    }
    ++index;
  }
  writer.join();
  const grpc::Status status = stream->Finish();
  if (!status.ok()) std::fprintf(stderr, "stream ended: %s\n", status.error_message().c_str());
  result.seconds = seconds;
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 16 << 20);
  auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    std::fprintf(stderr, "cannot connect to %s\n", absl::GetFlag(FLAGS_target).c_str());
    return 1;
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "stream") {
    Print(mode, absl::GetFlag(FLAGS_batch),
          RunStream(channel, absl::GetFlag(FLAGS_batch), absl::GetFlag(FLAGS_warmup), absl::GetFlag(FLAGS_seconds)));
  } else {
    const int inflight = absl::GetFlag(FLAGS_inflight);
    Print(mode, inflight, RunUnary(channel, inflight, absl::GetFlag(FLAGS_warmup), absl::GetFlag(FLAGS_seconds)));
  }
  return 0;
}
