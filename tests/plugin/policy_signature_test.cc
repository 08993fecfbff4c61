// Policy co-signature: Ed25519 keys and PEM files, the signature file with one
// line per signer, and what the check says for a valid, missing, stale,
// forged or malformed signature.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/ed25519.h"
#include "plugin/policy_signature.h"
#include "policy/file_util.h"
#include "tests/support/grensd_process.h"

namespace grens::plugin {
namespace {

using ::grens::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::unique_ptr<Ed25519Key> NewKey() {
  auto key = Ed25519Key::Generate();
  EXPECT_TRUE(key.ok());
  return *std::move(key);
}

TEST(Ed25519, SignsAndVerifiesAndRoundTripsThroughPem) {
  TempDir dir;
  auto key = NewKey();
  auto signature = key->Sign("hello");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_TRUE(VerifyEd25519(key->public_key(), "hello", *signature));
  EXPECT_FALSE(VerifyEd25519(key->public_key(), "hellO", *signature));
  EXPECT_FALSE(VerifyEd25519(NewKey()->public_key(), "hello", *signature));
  EXPECT_FALSE(VerifyEd25519("short", "hello", *signature));

  ASSERT_TRUE(key->WritePrivatePem(dir.path() + "/k.key").ok());
  EXPECT_EQ(key->WritePrivatePem(dir.path() + "/k.key").code(), absl::StatusCode::kAlreadyExists);
  auto loaded = Ed25519Key::FromPemFile(dir.path() + "/k.key");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->public_key(), key->public_key());
  dir.Write("k.pub", PublicKeyToPem(key->public_key()));
  auto pub = ReadPublicKeyPem(dir.path() + "/k.pub");
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(*pub, key->public_key());
  EXPECT_EQ(PublicKeyId(*pub).size(), 16u);

  dir.Write("junk.pem", "not a key");
  EXPECT_THAT(ReadPublicKeyPem(dir.path() + "/junk.pem").status().message(), HasSubstr("junk.pem: not a PEM public key"));
  EXPECT_THAT(Ed25519Key::FromPemFile(dir.path() + "/junk.pem").status().message(), HasSubstr("not a PEM private key"));
  EXPECT_EQ(Ed25519Key::FromPemFile(dir.path() + "/missing").status().code(), absl::StatusCode::kNotFound);
}

class SignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("council.pub", PublicKeyToPem(council_->public_key()));
    dir_.Write("employer.pub", PublicKeyToPem(employer_->public_key()));
    auto required = SignatureRequirement::FromPemFiles({dir_.path() + "/council.pub", dir_.path() + "/employer.pub"});
    ASSERT_TRUE(required.ok()) << required.status();
    required_ = *std::move(required);
  }
  std::string Signed(const std::string& existing, const Ed25519Key& key, const std::string& revision) {
    auto text = AddPolicySignature(existing, key, revision);
    EXPECT_TRUE(text.ok());
    return *text;
  }

  TempDir dir_;
  std::unique_ptr<Ed25519Key> council_ = NewKey();
  std::unique_ptr<Ed25519Key> employer_ = NewKey();
  std::unique_ptr<const SignatureRequirement> required_;
  const std::string revision_ = policy::Sha256Hex("id: policy v1\n");
};

TEST_F(SignatureTest, EverySignerOnItsOwnLine) {
  std::string file = Signed("", *council_, revision_);
  file = Signed(file, *employer_, revision_);
  EXPECT_THAT(file, HasSubstr(absl::StrCat("ed25519 ", PublicKeyId(council_->public_key()), " ", revision_, " ")));
  const std::vector<SignerCheck> checks = required_->Check(file, revision_);
  ASSERT_THAT(checks, SizeIs(2));
  EXPECT_TRUE(checks[0].valid) << checks[0].problem;
  EXPECT_EQ(checks[0].signer, "council.pub");
  EXPECT_TRUE(checks[1].valid) << checks[1].problem;
  // Signing again replaces the signer's line and keeps the other.
  const std::string newer = policy::Sha256Hex("id: policy v2\n");
  file = Signed(file, *council_, newer);
  EXPECT_EQ(std::count(file.begin(), file.end(), '\n'), 3);  // header, employer, council
  EXPECT_TRUE(required_->Check(file, revision_)[1].valid);
  EXPECT_FALSE(required_->Check(file, revision_)[0].valid);
}

TEST_F(SignatureTest, AMissingSignerIsNamed) {
  const std::string file = Signed("", *employer_, revision_);
  const std::vector<SignerCheck> checks = required_->Check(file, revision_);
  EXPECT_FALSE(checks[0].valid);
  EXPECT_THAT(checks[0].problem, HasSubstr("no signature by council.pub (key "));
  EXPECT_TRUE(checks[1].valid);
}

TEST_F(SignatureTest, AChangedFileIsCaughtByItsRevision) {
  const std::string file = Signed(Signed("", *council_, revision_), *employer_, revision_);
  const std::string altered = policy::Sha256Hex("id: policy v1 with a new rule\n");
  const std::vector<SignerCheck> checks = required_->Check(file, altered);
  EXPECT_FALSE(checks[0].valid);
  EXPECT_THAT(checks[0].problem, HasSubstr("the file changed after it was signed"));
  EXPECT_THAT(checks[0].problem, HasSubstr(revision_.substr(0, 12)));
}

TEST_F(SignatureTest, AForgedOrForeignSignatureDoesNotVerify) {
  // The council's key id on a line signed by someone else.
  auto other = NewKey();
  std::string line = Signed("", *other, revision_);
  line = absl::StrReplaceAll(line, {{PublicKeyId(other->public_key()), PublicKeyId(council_->public_key())}});
  const std::vector<SignerCheck> checks = required_->Check(line, revision_);
  EXPECT_FALSE(checks[0].valid);
  EXPECT_THAT(checks[0].problem, HasSubstr("does not verify"));
}

TEST_F(SignatureTest, CheckFileNamesTheFileEachProblemAndMalformedLines) {
  const std::string policy = dir_.Write("policy.yaml", "id: policy v1\n");
  const std::string revision = policy::Sha256Hex("id: policy v1\n");
  absl::Status missing_file = required_->CheckFile(policy, revision);
  EXPECT_EQ(missing_file.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(missing_file.message(), HasSubstr("must be signed by council.pub"));
  EXPECT_THAT(missing_file.message(), HasSubstr("policy.yaml.sig"));

  dir_.Write("policy.yaml.sig", Signed("garbage line\n", *employer_, revision));
  absl::Status one_missing = required_->CheckFile(policy, revision);
  EXPECT_THAT(one_missing.message(), HasSubstr("no signature by council.pub"));
  EXPECT_THAT(one_missing.message(), HasSubstr("lines ignored as malformed: 1"));

  dir_.Write("policy.yaml.sig", Signed(Signed("", *employer_, revision), *council_, revision));
  EXPECT_TRUE(required_->CheckFile(policy, revision).ok());
}

TEST(SignatureRequirement, AnUnreadableKeyFileIsNamed) {
  TempDir dir;
  dir.Write("bad.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  auto required = SignatureRequirement::FromPemFiles({dir.path() + "/bad.pub"});
  EXPECT_FALSE(required.ok());
  EXPECT_THAT(required.status().message(), HasSubstr("bad.pub"));
  EXPECT_FALSE(SignatureRequirement::FromPemFiles({dir.path() + "/none.pub"}).ok());
}

TEST(PolicySignedText, IsDomainSeparated) {
  EXPECT_EQ(PolicySignedText("ABCDEF"), "grens policy v1\nabcdef\n");
}

}  // namespace
}  // namespace grens::plugin
