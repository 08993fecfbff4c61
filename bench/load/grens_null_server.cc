// A Guard server that answers every call at once without evaluating or
// logging anything: the ceiling this machine's gRPC stack allows, measured in
// the same run as grensd so that grensd's figures can be read as ratios.

#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "address to listen on");
ABSL_FLAG(std::string, ready_file, "", "write the bound address here once serving");

namespace {

using grens::v1::EvaluateStreamRequest;
using grens::v1::EvaluateStreamResponse;

// Echoes one answer per request, one write at a time, like grensd's stream.
class NullStream final : public grpc::ServerBidiReactor<EvaluateStreamRequest, EvaluateStreamResponse> {
 public:
  NullStream() { StartRead(&request_); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    if (request_.events().empty()) {
      response_.set_event_id(request_.event().id());
      response_.mutable_decision()->set_effect(grens::v1::EFFECT_ALLOW);
    } else {
      for (const grens::v1::MonitoringEvent& e : request_.events()) {
        grens::v1::Decision* d = response_.add_decisions();
        d->set_effect(grens::v1::EFFECT_ALLOW);
        d->set_event_id(e.id());
      }
    }
    StartWrite(&response_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  EvaluateStreamRequest request_;
  EvaluateStreamResponse response_;
};

class NullGuard final : public grens::v1::Guard::CallbackService {
  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context, const grens::v1::EvaluateRequest* request,
                                     grens::v1::EvaluateResponse* response) override {
    response->mutable_decision()->set_effect(grens::v1::EFFECT_ALLOW);
    response->mutable_decision()->set_event_id(request->event().id());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerBidiReactor<EvaluateStreamRequest, EvaluateStreamResponse>* EvaluateStream(
      grpc::CallbackServerContext*) override {
    return new NullStream();
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  NullGuard service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string address = listen.substr(0, listen.rfind(':')) + ":" + std::to_string(port);
  if (!absl::GetFlag(FLAGS_ready_file).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_ready_file) + ".tmp") << address << "\n";
    std::rename((absl::GetFlag(FLAGS_ready_file) + ".tmp").c_str(), absl::GetFlag(FLAGS_ready_file).c_str());
  }
  server->Wait();
  return 0;
}
