// The works council's witness (`grensctl audit witness`) against a server that
// lies: grensctl is the party that must not trust the employer's grensd, so
// malformed answers are reported as such, never read as if they were valid.
// The server here is a fake AuditLog in this process that signs its
// checkpoints with a real key and answers with a broken consistency proof.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grens/v1/audit_log.grpc.pb.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "plugin/checkpoint.h"
#include "plugin/merkle.h"
#include "tests/support/grensd_process.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

// Answers GetLatestCheckpoint honestly (signed) and GetConsistencyProof with
// `proof`, whatever that is.
class LyingAuditLog final : public v1::AuditLog::Service {
 public:
  LyingAuditLog(v1::Checkpoint latest, std::vector<std::string> proof)
      : latest_(std::move(latest)), proof_(std::move(proof)) {}

  grpc::Status GetLatestCheckpoint(grpc::ServerContext*, const v1::GetLatestCheckpointRequest*,
                                   v1::GetLatestCheckpointResponse* response) override {
    *response->mutable_checkpoint() = latest_;
    return grpc::Status::OK;
  }
  grpc::Status GetConsistencyProof(grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
                                   v1::GetConsistencyProofResponse* response) override {
    response->set_first(request->first());
    response->set_second(request->second());
    for (const std::string& h : proof_) response->add_proof(h);
    return grpc::Status::OK;
  }

 private:
  const v1::Checkpoint latest_;
  const std::vector<std::string> proof_;
};

int CommandExit(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  char buffer[4096];
  size_t n;
  output->clear();
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signer = plugin::CheckpointSigner::FromKeyFile(dir_.path() + "/checkpoint.key", true);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = std::move(*signer);
    for (int i = 0; i < 2; ++i) leaves_.push_back(plugin::LeafHash(absl::StrCat("record ", i)));
    // The council saw the log at one record and stored that checkpoint.
    auto old = signer_->Sign("grens", 1, plugin::SubtreeRoot(leaves_, 0, 1), absl::FromUnixSeconds(1773133200));
    ASSERT_TRUE(old.ok());
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*old, &json).ok());
    store_ = dir_.Write("council.jsonl", json + "\n");
  }

  // Runs the witness against a fake server answering with `proof`.
  int Witness(const std::vector<std::string>& proof, std::string* out) {
    auto latest = signer_->Sign("grens", 2, plugin::SubtreeRoot(leaves_, 0, 2), absl::FromUnixSeconds(1773136800));
    EXPECT_TRUE(latest.ok());
    LyingAuditLog service(*latest, proof);
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    EXPECT_NE(server, nullptr);
    const int code = CommandExit(absl::StrCat(GRENS_BIN_DIR, "/grensctl audit witness --server 127.0.0.1:", port,
                                              " --store ", store_),
                                 out);
    server->Shutdown();
    return code;
  }

  TempDir dir_;
  std::unique_ptr<plugin::CheckpointSigner> signer_;
  std::vector<plugin::Hash> leaves_;
  std::string store_;
};

TEST_F(WitnessTest, AcceptsAnHonestProof) {
  std::string out;
  EXPECT_EQ(Witness({plugin::HashToBytes(leaves_[1])}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("extends all 1 stored"));
}

// Found by review while building the Merkle fuzz target: the proof's hashes
// were dereferenced unchecked, so one 31-byte "hash" from the server aborted
// grensctl (absl's StatusOr on an error) instead of being reported.
TEST_F(WitnessTest, RefusesAProofWithAHashOfTheWrongLength) {
  std::string out;
  EXPECT_EQ(Witness({plugin::HashToBytes(leaves_[1]).substr(0, 31)}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("consistency proof"));
  EXPECT_THAT(out, HasSubstr("31 bytes"));
}

TEST_F(WitnessTest, RefusesAProofThatDoesNotHold) {
  std::string out;
  EXPECT_EQ(Witness({plugin::HashToBytes(leaves_[0])}, &out), 1) << out;
}

}  // namespace
}  // namespace grens::testing
