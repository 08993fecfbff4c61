// Works-council co-signature through the real binaries: keys from `grensctl
// policy keygen`, signatures from `grensctl policy sign`, and grensd with
// require_signature_from activating only a policy every listed key signed, at
// start-up, by PolicyAdmin.Reload, by SIGHUP and by the file watch. Rejections
// keep the old policy and reach PolicyAdmin.Status and the decision log.

#include <signal.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grens/v1/policy_admin.grpc.pb.h"
#include "gtest/gtest.h"
#include "plugin/log_reader.h"
#include "policy/file_util.h"
#include "tests/support/cli_testing.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

class PolicySignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = WriteNlPolicy(dir_);
    std::string out;
    for (const char* who : {"council", "employer"}) {
      ASSERT_EQ(RunGrensctl(absl::StrCat("policy keygen --out ", dir_.path(), "/", who), &out), 0) << out;
      key_ids_[who] = LineValue(out, "key id");
      EXPECT_EQ(key_ids_[who].size(), 16u);
    }
  }

  void Sign(const std::string& who) {
    std::string out;
    ASSERT_EQ(RunGrensctl(absl::StrCat("policy sign --key ", dir_.path(), "/", who, ".key ", policy_), &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("signed revision"));
  }

  std::string Config(const std::string& extra = "") const {
    return absl::StrCat("policy_path: ", policy_, "\ndata_dir: ", dir_.path(), "/data\nrequire_signature_from: [",
                        dir_.path(), "/council.pub, ", dir_.path(), "/employer.pub]\n", extra);
  }

  void Start(const std::string& extra = "") {
    auto process = GrensdProcess::Start(dir_, Config(extra));
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = *std::move(process);
    admin_ = v1::PolicyAdmin::NewStub(grensd_->Channel());
  }

  v1::StatusResponse Status() { return GetPolicyStatus(*admin_); }
  v1::ReloadResponse Reload() { return ReloadPolicy(*admin_); }

  std::string Revision() const { return policy::Sha256Hex(*policy::ReadFileToString(policy_)); }

  // Written in place: no rename for the watcher to see before the test acts.
  void Alter(const std::string& title) {
    const std::string text = *policy::ReadFileToString(policy_);
    FILE* f = std::fopen(policy_.c_str(), "w");
    const std::string altered = absl::StrReplaceAll(
        text, {{"title: \"Regeling digitale monitoring Voorbeeld B.V. 2026-2027\"", absl::StrCat("title: \"", title, "\"")}});
    std::fwrite(altered.data(), 1, altered.size(), f);
    std::fclose(f);
  }

  // The rejection texts of the POLICY_REJECTED records in the decision log.
  std::vector<std::string> Rejections() {
    std::vector<std::string> out;
    auto reader = plugin::LogReader::Open(dir_.path() + "/data");
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return out;
    v1::RecordFilter filter;
    filter.add_kinds(v1::RECORD_KIND_POLICY_REJECTED);
    int64_t next = 0;
    auto records = (*reader)->List(filter, 0, 100, &next);
    EXPECT_TRUE(records.ok());
    for (const v1::LogRecord& r : *records) out.push_back(r.policy_change().rejection());
    return out;
  }

  TempDir dir_;
  std::string policy_;
  std::map<std::string, std::string> key_ids_;
  std::unique_ptr<GrensdProcess> grensd_;
  std::unique_ptr<v1::PolicyAdmin::Stub> admin_;
};

TEST_F(PolicySignatureTest, APolicySignedByEveryListedKeyActivates) {
  Sign("council");
  Sign("employer");
  std::string out;
  EXPECT_EQ(RunGrensctl(absl::StrCat("policy verify-signature --pub ", dir_.path(), "/council.pub --pub ", dir_.path(),
                                     "/employer.pub ", policy_),
                        &out),
            0)
      << out;
  Start();
  EXPECT_EQ(Status().revision(), Revision());
  EXPECT_TRUE(Rejections().empty());
}

TEST_F(PolicySignatureTest, AMissingSignatureStopsStartUpNamingTheSignerAndIsLogged) {
  Sign("employer");
  const auto [code, err] = GrensdProcess::RunToExit(dir_, Config());
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err, HasSubstr("no signature by council.pub (key "));
  const std::vector<std::string> rejections = Rejections();
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_THAT(rejections[0], HasSubstr("no signature by council.pub"));
}

TEST_F(PolicySignatureTest, AnUnsignedFileStopsStartUp) {
  const auto [code, err] = GrensdProcess::RunToExit(dir_, Config());
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err, HasSubstr("the policy must be signed by council.pub"));
  EXPECT_THAT(err, HasSubstr("policy.yaml.sig"));
}

TEST_F(PolicySignatureTest, AnAlteredFileIsRejectedTheOldPolicyStaysAndANewSignatureActivatesIt) {
  Sign("council");
  Sign("employer");
  Start();
  const std::string signed_revision = Revision();
  Alter("changed by the employer alone");
  const v1::ReloadResponse rejected = Reload();
  EXPECT_FALSE(rejected.activated());
  EXPECT_EQ(rejected.revision(), signed_revision);
  ASSERT_FALSE(rejected.diagnostics().empty());
  EXPECT_THAT(rejected.diagnostics(0).file(), HasSubstr("policy.yaml.sig"));
  EXPECT_THAT(rejected.diagnostics(0).message(), HasSubstr("the file changed after it was signed"));
  const v1::StatusResponse status = Status();
  EXPECT_EQ(status.revision(), signed_revision);
  EXPECT_THAT(status.last_rejection(), HasSubstr("the signature by council.pub"));
  EXPECT_THAT(status.last_rejection(), HasSubstr("the signature by employer.pub"));
  ASSERT_FALSE(Rejections().empty());
  EXPECT_THAT(Rejections().back(), HasSubstr("council.pub"));
  // The works council consents: both sign, and the watcher sees FILE.sig change.
  Sign("council");
  Sign("employer");
  EXPECT_TRUE(Eventually([&] { return Status().revision() == Revision(); }, absl::Seconds(10)));
}

TEST_F(PolicySignatureTest, AForgedSignatureLineIsRejected) {
  Sign("council");
  Sign("employer");
  Start();
  const std::string before = Status().revision();
  Alter("second edition");
  // Someone re-signs the new revision with a key of their own but keeps the
  // council's key id on the line.
  std::string out;
  ASSERT_EQ(RunGrensctl(absl::StrCat("policy keygen --out ", dir_.path(), "/mallory"), &out), 0);
  const std::string mallory_id = LineValue(out, "key id");
  const std::string council_id = key_ids_["council"];
  Sign("employer");
  ASSERT_EQ(RunGrensctl(absl::StrCat("policy sign --key ", dir_.path(), "/mallory.key ", policy_), &out), 0) << out;
  const std::string sig = *policy::ReadFileToString(policy_ + ".sig");
  std::string forged;
  for (absl::string_view line : absl::StrSplit(sig, '\n')) {
    if (line.find(council_id) != absl::string_view::npos) continue;  // drop the council's stale line
    forged += absl::StrCat(absl::StrReplaceAll(line, {{mallory_id, council_id}}), "\n");
  }
  dir_.Write("policy.yaml.sig", forged);
  const v1::ReloadResponse r = Reload();
  EXPECT_FALSE(r.activated());
  EXPECT_THAT(r.diagnostics(0).message(), HasSubstr("the signature by council.pub"));
  EXPECT_THAT(r.diagnostics(0).message(), HasSubstr("does not verify"));
  EXPECT_EQ(Status().revision(), before);
}

TEST_F(PolicySignatureTest, SighupChecksSignaturesToo) {
  Sign("council");
  Sign("employer");
  Start("disable_policy_watch: true\n");
  const int64_t rejected = Status().rejected_reloads();
  Alter("changed without consent");
  grensd_->Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] { return Status().rejected_reloads() > rejected; }, absl::Seconds(10)));
  EXPECT_THAT(Status().last_rejection(), HasSubstr("council.pub"));
}

TEST_F(PolicySignatureTest, AMissingKeyFileIsAConfigurationError) {
  ::unlink((dir_.path() + "/council.pub").c_str());
  const auto [code, err] = GrensdProcess::RunToExit(dir_, Config());
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("require_signature_from"));
  EXPECT_THAT(err, HasSubstr("council.pub"));
}

TEST(GrensctlSign, RefusesToSignAPolicyGrensdWouldReject) {
  TempDir dir;
  const std::string policy = dir.Write("bad.yaml", "id: x\nclauses: [{id: \"1\"}]\nrulez: []\n");
  std::string out;
  ASSERT_EQ(RunGrensctl(absl::StrCat("policy keygen --out ", dir.path(), "/k"), &out), 0);
  EXPECT_EQ(RunGrensctl(absl::StrCat("policy sign --key ", dir.path(), "/k.key ", policy), &out), 1);
  EXPECT_THAT(out, HasSubstr("not signed: grensd would not activate it"));
  EXPECT_EQ(RunGrensctl(absl::StrCat("policy keygen --out ", dir.path(), "/k"), &out), 2);  // never overwrites
}

}  // namespace
}  // namespace grens::testing
