// imgbuild pull, push, login and logout against a real docker-registry on
// loopback: round trips keep digests, unchanged blobs are neither uploaded
// nor downloaded again, and Basic auth works through `imgbuild login`.
#include <algorithm>
#include <cctype>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/registry/cli_fixture.h"

namespace imgbuild::registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

using RegistryCliTest = CliRegistryTest;

TEST_F(RegistryCliTest, PushThenPullKeepsTheDigest) {
  TestRegistry registry;
  std::string reference = registry.host() + "/cli/busybox:1";
  CommandResult push = MustImgbuild("push busybox:1 " + reference);
  std::string digest = busybox_->manifest.digest.ToString();
  EXPECT_THAT(push.output, HasSubstr("Digest: " + digest));
  EXPECT_EQ(RemoteDigest(reference), digest);

  std::string other = NewStoreRoot("other");
  CommandResult pull = MustImgbuild("pull " + reference, other);
  EXPECT_THAT(pull.output, HasSubstr("Digest: " + digest));
  layers::Store pulled(other);
  EXPECT_EQ(pulled.Resolve(reference).digest, busybox_->manifest.digest);
  EXPECT_EQ(pulled.ReadBlob(busybox_->layers[0].digest, 16 << 20), store_.ReadBlob(busybox_->layers[0].digest, 16 << 20));
  ExpectStoreClean(other);
}

TEST_F(RegistryCliTest, PushWithoutDestinationUsesTheImageName) {
  TestRegistry registry;
  std::string reference = registry.host() + "/named/busybox:2";
  store_.Tag(reference, busybox_->manifest);
  MustImgbuild("push --quiet " + reference);
  EXPECT_EQ(RemoteDigest(reference), busybox_->manifest.digest.ToString());
}

TEST_F(RegistryCliTest, RepushOfAnUnchangedImageIsOneHead) {
  TestRegistry registry;
  std::string reference = registry.host() + "/again/busybox:1";
  MustImgbuild("push busybox:1 " + reference);
  size_t before = registry.Requests().size();
  CommandResult again = MustImgbuild("push busybox:1 " + reference);
  std::vector<LoggedRequest> all = registry.Requests();
  std::vector<LoggedRequest> second(all.begin() + static_cast<long>(before), all.end());
  // No ping, no blob HEADs: the registry holds the manifest under the tag,
  // so it holds what the manifest references.
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].method, "HEAD");
  EXPECT_EQ(second[0].path, "/v2/again/busybox/manifests/1");
  EXPECT_THAT(again.output, HasSubstr("is there already"));
  EXPECT_THAT(again.output, HasSubstr(busybox_->manifest.digest.ToString()));
}

TEST_F(RegistryCliTest, PullFetchesOnlyMissingBlobs) {
  TestRegistry registry;
  std::string reference = registry.host() + "/skip/busybox:1";
  SkopeoPush(busybox_->manifest, reference);
  size_t before = registry.Requests().size();
  // The fixture's store has every blob already: only the manifest is read.
  CommandResult pull = MustImgbuild("pull " + reference);
  std::vector<LoggedRequest> all = registry.Requests();
  for (size_t i = before; i < all.size(); ++i) {
    EXPECT_EQ(all[i].path.find("/blobs/"), std::string::npos)
        << all[i].method << " " << all[i].path << ": a stored blob was fetched";
  }
  EXPECT_EQ(store_.Resolve(reference).digest, busybox_->manifest.digest);
}

TEST_F(RegistryCliTest, PullByDigestNamesTheImageByItsDigest) {
  TestRegistry registry;
  SkopeoPush(busybox_->manifest, registry.host() + "/bydigest/busybox:1");
  std::string root = NewStoreRoot("other");
  std::string repository = registry.host() + "/bydigest/busybox";
  CommandResult pull =
      MustImgbuild("pull " + repository + "@" + busybox_->manifest.digest.ToString(), root);
  std::string name = repository + ":sha256-" + busybox_->manifest.digest.hex();
  EXPECT_THAT(pull.output, HasSubstr(name));
  EXPECT_EQ(layers::Store(root).Resolve(name).digest, busybox_->manifest.digest);
}

TEST_F(RegistryCliTest, PullOfAnUnknownTagFailsNamingIt) {
  TestRegistry registry;
  SkopeoPush(busybox_->manifest, registry.host() + "/known/busybox:1");
  std::string root = NewStoreRoot("other");
  CommandResult pull = Imgbuild("pull " + registry.host() + "/known/busybox:2", root);
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_THAT(pull.output, HasSubstr("known/busybox:2"));
  EXPECT_THAT(Lower(pull.output), ::testing::AnyOf(HasSubstr("not found"), HasSubstr("unknown")));
  EXPECT_TRUE(layers::Store(root).List().empty());
}

class RegistryAuthTest : public RegistryCliTest {
 protected:
  static constexpr const char* kPassword = "s3cret-Pass word";
  TestRegistry registry_{{.auth = RegistryAuth::kHtpasswd, .users = {{"alice", kPassword}}}};

  nlohmann::json DockerConfig() {
    std::ifstream file(DockerConfigDir() + "/config.json");
    if (!file) return nlohmann::json::object();
    return nlohmann::json::parse(file, nullptr, false);
  }
};

TEST_F(RegistryAuthTest, WrongOrMissingCredentialsAreClearErrors) {
  std::string reference = registry_.host() + "/private/busybox:1";
  CommandResult anonymous = Imgbuild("push busybox:1 " + reference);
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.output, HasSubstr(registry_.host()));
  EXPECT_THAT(Lower(anonymous.output), HasSubstr("auth")) << anonymous.output;

  CommandResult wrong = Imgbuild("login -u alice --password-stdin " + registry_.host(), "",
                                 "not the password\n");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.output, HasSubstr(registry_.host()));
  EXPECT_THAT(wrong.output, Not(HasSubstr("not the password")));
  EXPECT_FALSE(DockerConfig().contains("auths") &&
               DockerConfig()["auths"].contains(registry_.host()))
      << "refused credentials were stored";
}

TEST_F(RegistryAuthTest, LoginPushPullLogout) {
  std::string reference = registry_.host() + "/private/busybox:1";
  CommandResult login = MustImgbuild("login -u alice --password-stdin " + registry_.host(),
                                     "", std::string(kPassword) + "\n");
  EXPECT_THAT(login.output, HasSubstr("Login Succeeded"));
  nlohmann::json config = DockerConfig();
  ASSERT_TRUE(config["auths"].contains(registry_.host())) << config.dump();
  // Docker's format: base64("user:password").
  EXPECT_EQ(config["auths"][registry_.host()]["auth"], "YWxpY2U6czNjcmV0LVBhc3Mgd29yZA==");

  CommandResult push = MustImgbuild("push busybox:1 " + reference);
  CommandResult pull = MustImgbuild("pull " + reference, NewStoreRoot("other"));
  for (const CommandResult* run : {&login, &push, &pull}) {
    EXPECT_THAT(run->output, Not(HasSubstr(kPassword)));
    EXPECT_THAT(run->output, Not(HasSubstr("YWxpY2U6czNjcmV0LVBhc3Mgd29yZA==")));
  }
  std::string inspect = MustRun("skopeo inspect --tls-verify=false --creds 'alice:" +
                                std::string(kPassword) + "' docker://" + reference);
  EXPECT_THAT(inspect, HasSubstr(busybox_->manifest.digest.ToString()));

  CommandResult logout = MustImgbuild("logout " + registry_.host());
  EXPECT_THAT(logout.output, HasSubstr("Removed login credentials for " + registry_.host()));
  EXPECT_FALSE(DockerConfig()["auths"].contains(registry_.host()));
  EXPECT_THAT(MustImgbuild("logout " + registry_.host()).output,
              HasSubstr("Not logged in to " + registry_.host()));
  EXPECT_EQ(Imgbuild("pull " + reference, NewStoreRoot("third")).exit_code, 1)
      << "logged out, the private image cannot be pulled";
}

}  // namespace
}  // namespace imgbuild::registry::testing
