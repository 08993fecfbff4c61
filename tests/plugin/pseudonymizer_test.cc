// Pseudonyms are HMAC-SHA256(key, tenant || 0x1f || id), checked against
// OpenSSL's own HMAC and the RFC 4231 test vector.

#include "plugin/pseudonymizer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "tests/support/grensd_process.h"

namespace grens::plugin {
namespace {

std::string ReferenceHmac(const std::string& key, const std::string& message) {
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), length));
}

TEST(Pseudonymizer, MatchesHmacSha256ForShortAndLongKeys) {
  for (const std::string& key : {std::string(32, 'k'), std::string(64, 'x'), std::string(100, 'y')}) {
    auto p = Pseudonymizer::FromKey(key);
    EXPECT_EQ(p->Pseudonym("acme", "u-1"), ReferenceHmac(key, std::string("acme\x1fu-1")));
  }
}

TEST(Pseudonymizer, Rfc4231TestCase2) {
  // Key "Jefe", data "what do ya want for nothing?": the separator makes the
  // message "what do ya want " 0x1f "for nothing?", so compare via the reference.
  auto p = Pseudonymizer::FromKey("Jefe");
  EXPECT_EQ(ReferenceHmac("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(p->Pseudonym("what do ya want ", "for nothing?"),
            ReferenceHmac("Jefe", "what do ya want \x1f" "for nothing?"));
}

TEST(Pseudonymizer, TenantAndIdAreSeparated) {
  auto p = Pseudonymizer::FromKey(std::string(32, 'k'));
  EXPECT_NE(p->Pseudonym("ab", "c"), p->Pseudonym("a", "bc"));
  EXPECT_EQ(p->key_id().size(), 16u);
}

TEST(Pseudonymizer, KeyFilesAreCreatedPrivateAndReused) {
  grens::testing::TempDir dir;
  const std::string path = dir.path() + "/pseudonym.key";
  auto created = Pseudonymizer::FromKeyFile(path, true);
  ASSERT_TRUE(created.ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = Pseudonymizer::FromKeyFile(path, false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*created)->Pseudonym("t", "s"), (*again)->Pseudonym("t", "s"));
  dir.Write("short.key", "too short");
  EXPECT_EQ(Pseudonymizer::FromKeyFile(dir.path() + "/short.key", false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace grens::plugin
