// Authentication: challenge parsing, and logins, pulls and pushes against
// docker-registry behind htpasswd Basic auth and behind token auth.
#include "registry/auth.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/store.h"
#include "registry/base64.h"
#include "registry/registry.h"
#include "tests/registry/registry_fixture.h"
#include "tests/registry/registry_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::registry {
namespace {

using testing::BuildTinyImage;
using testing::ErrorOf;
using testing::RegistryAuth;
using testing::TinyImage;

constexpr const char* kAlicePassword = "alice-Pa55-never-shown";
constexpr const char* kBobPassword = "bob-Pa55-never-shown";

TEST(ChallengeTest, ParsesBearerAndBasicChallenges) {
  std::vector<Challenge> challenges = ParseChallenges(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",)"
      R"(scope="repository:ns/app:pull,push",error="insufficient_scope")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].Param("realm"), "https://auth.example.com/token");
  EXPECT_EQ(challenges[0].Param("service"), "registry.example.com");
  EXPECT_EQ(challenges[0].Param("scope"), "repository:ns/app:pull,push");
  EXPECT_EQ(challenges[0].Param("error"), "insufficient_scope");

  challenges = ParseChallenges(R"(Basic realm="say \"hi\"", Bearer Realm=token-url ,service=x)");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].Param("realm"), "say \"hi\"");
  EXPECT_EQ(challenges[1].Param("realm"), "token-url");
  EXPECT_EQ(challenges[1].Param("service"), "x");
  EXPECT_TRUE(ParseChallenges("").empty());
  EXPECT_EQ(ParseChallenges("Negotiate")[0].scheme, "negotiate");
}

TEST(ChallengeTest, RepositoryScopes) {
  EXPECT_EQ(RepositoryScope("ns/app", false), "repository:ns/app:pull");
  EXPECT_EQ(RepositoryScope("ns/app", true), "repository:ns/app:pull,push");
}

// Every error and log line of a test, checked for secrets at the end.
class AuthTest : public testing::RegistryTest {
 protected:
  explicit AuthTest(testing::TestRegistryOptions registry_options)
      : RegistryTest(std::move(registry_options)) {}

  void TearDown() override {
    std::vector<std::string> texts = errors_;
    texts.insert(texts.end(), log_.begin(), log_.end());
    for (const std::string& text : texts) {
      EXPECT_EQ(text.find(kAlicePassword), std::string::npos) << text;
      EXPECT_EQ(text.find(kBobPassword), std::string::npos) << text;
      EXPECT_EQ(text.find(Base64Encode(std::string("alice:") + kAlicePassword)), std::string::npos)
          << text;
      EXPECT_EQ(text.find("Bearer ey"), std::string::npos) << text;
    }
  }

  template <typename Action>
  std::string Error(Action&& action) {
    errors_.push_back(ErrorOf(std::forward<Action>(action)));
    return errors_.back();
  }

  std::vector<std::string> errors_;
};

class BasicAuthTest : public AuthTest {
 protected:
  BasicAuthTest()
      : AuthTest({.auth = RegistryAuth::kHtpasswd, .users = {{"alice", kAlicePassword}}}) {}
};

TEST_F(BasicAuthTest, LoginStoresWorkingCredentialsAndWrongOnesAreRefused) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "basic", 3000);
  std::string error = Error([&] { Push(source_, image.manifest, Ref("test/app:v1"), options_); });
  EXPECT_NE(error.find("refused anonymous access"), std::string::npos) << error;
  EXPECT_NE(error.find("imgbuild login " + registry_.host()), std::string::npos) << error;

  error = Error([&] { Login(registry_.host(), "alice", "wrong-password", options_); });
  EXPECT_NE(error.find("refused user \"alice\""), std::string::npos) << error;
  EXPECT_NE(error.find(registry_.host()), std::string::npos) << error;
  EXPECT_EQ(error.find("wrong-password"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(work_.path() + "/docker/config.json"));

  Login(registry_.host(), "alice", kAlicePassword, options_);
  nlohmann::json config =
      nlohmann::json::parse(ReadFileToString(work_.path() + "/docker/config.json", 1 << 20));
  EXPECT_EQ(config["auths"][registry_.host()]["auth"],
            Base64Encode(std::string("alice:") + kAlicePassword));
  EXPECT_EQ(Push(source_, image.manifest, Ref("test/app:v1"), options_).digest,
            image.manifest.digest);
  EXPECT_EQ(Pull(store_, Ref("test/app:v1"), "", options_).manifest.digest, image.manifest.digest);

  // Credentials that stopped working name the user, not the password.
  config["auths"][registry_.host()]["auth"] = Base64Encode("alice:" + std::string(kBobPassword));
  layers::store_testing::WriteTextFile(work_.path() + "/docker/config.json", config.dump());
  error = Error([&] { Pull(store_, Ref("test/app:v1"), "", options_); });
  EXPECT_NE(error.find("refused user \"alice\""), std::string::npos) << error;

  EXPECT_TRUE(Logout(registry_.host(), options_));
  EXPECT_FALSE(Logout(registry_.host(), options_));
}

TEST_F(BasicAuthTest, ARepushAnswersTheChallengeOfItsOnlyHead) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "again", 3000);
  Login(registry_.host(), "alice", kAlicePassword, options_);
  Push(source_, image.manifest, Ref("test/again:v1"), options_);
  size_t before = registry_.Requests().size();
  EXPECT_EQ(Push(source_, image.manifest, Ref("test/again:v1"), options_).digest,
            image.manifest.digest);
  std::vector<testing::LoggedRequest> all = registry_.Requests();
  std::vector<std::pair<std::string, int>> asked;
  for (size_t i = before; i < all.size(); ++i) asked.push_back({all[i].method, all[i].status});
  // The challenge comes with the HEAD itself: no /v2/ ping before it.
  EXPECT_EQ(asked, (std::vector<std::pair<std::string, int>>{{"HEAD", 401}, {"HEAD", 200}}));
}

class TokenAuthTest : public AuthTest {
 protected:
  TokenAuthTest()
      : AuthTest({.auth = RegistryAuth::kToken,
                  .users = {{"alice", kAlicePassword}, {"bob", kBobPassword}},
                  .grants = {{"alice", "test/*", {"pull", "push"}},
                             {"bob", "test/*", {"pull"}},
                             {"", "public/*", {"pull"}}}}) {}
};

TEST_F(TokenAuthTest, TokensAreFetchedPerScopeAndReused) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "token", 3000);
  Login(registry_.host(), "alice", kAlicePassword, options_);
  size_t after_login = registry_.TokenRequests().size();
  EXPECT_EQ(after_login, 1u);
  EXPECT_EQ(Push(source_, image.manifest, Ref("test/app:v1"), options_).digest,
            image.manifest.digest);
  // One push token for HEADs, uploads and the manifest of this repository.
  EXPECT_EQ(registry_.TokenRequests().size(), after_login + 1);
  EXPECT_EQ(Pull(store_, Ref("test/app:v1"), "", options_).manifest.digest, image.manifest.digest);
  EXPECT_EQ(registry_.TokenRequests().size(), after_login + 2);
  nlohmann::json last = nlohmann::json::parse(registry_.TokenRequests().back());
  EXPECT_EQ(last["user"], "alice");
  EXPECT_EQ(last["access"][0]["name"], "test/app");

  // Pushing to a second repository asks for its push scope and a pull of
  // the first, to mount from it.
  Push(store_, image.manifest, Ref("test/copy:v1"), options_);
  std::vector<std::string> requests = registry_.TokenRequests();
  // The push token of the manifest HEAD that comes first, then the mount token.
  EXPECT_EQ(requests.size(), after_login + 4);
  EXPECT_EQ(nlohmann::json::parse(requests[after_login + 2])["access"].size(), 1u);
  nlohmann::json mount = nlohmann::json::parse(requests[after_login + 3]);
  ASSERT_EQ(mount["access"].size(), 2u) << mount.dump();
  std::set<std::string> names = {mount["access"][0]["name"], mount["access"][1]["name"]};
  EXPECT_EQ(names, (std::set<std::string>{"test/app", "test/copy"}));
  EXPECT_EQ(CountLog("mounted sha256:"), 2u);
}

TEST_F(TokenAuthTest, WrongPasswordsMissingScopesAndAnonymousAccessAreExplained) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "scopes", 3000);
  std::string error = Error([&] { Login(registry_.host(), "bob", "not-bobs", options_); });
  EXPECT_NE(error.find("refused the credentials of user \"bob\""), std::string::npos) << error;
  EXPECT_NE(error.find(registry_.host()), std::string::npos) << error;

  Login(registry_.host(), "bob", kBobPassword, options_);
  error = Error([&] { Push(source_, image.manifest, Ref("test/app:v1"), options_); });
  EXPECT_NE(error.find("refused user \"bob\""), std::string::npos) << error;
  EXPECT_NE(error.find("repository:test/app:pull,push"), std::string::npos) << error;
  EXPECT_NE(error.find(Ref("test/app")), std::string::npos) << error;

  Logout(registry_.host(), options_);
  error = Error([&] { Pull(store_, Ref("test/app:v1"), "", options_); });
  EXPECT_NE(error.find("refused anonymous access"), std::string::npos) << error;
  EXPECT_NE(error.find("imgbuild login " + registry_.host()), std::string::npos) << error;
}

TEST_F(TokenAuthTest, CredentialsComeFromACredentialHelper) {
  std::string bin = work_.path() + "/bin";
  std::filesystem::create_directories(bin);
  std::filesystem::copy_file(IMGBUILD_SOURCE_DIR "/tests/registry/docker-credential-test",
                             bin + "/docker-credential-test");
  std::string old_path = std::getenv("PATH");
  setenv("PATH", (bin + ":" + old_path).c_str(), 1);
  layers::store_testing::WriteTextFile(work_.path() + "/docker/config.json",
                                       R"({"credsStore":"test"})");
  Login(registry_.host(), "alice", kAlicePassword, options_);
  EXPECT_EQ(ReadFileToString(work_.path() + "/docker/config.json", 1 << 20).find(kAlicePassword),
            std::string::npos);
  TinyImage image = BuildTinyImage(source_, work_.path(), "helper", 3000);
  EXPECT_EQ(Push(source_, image.manifest, Ref("test/helper:v1"), options_).digest,
            image.manifest.digest);
  EXPECT_TRUE(Logout(registry_.host(), options_));
  std::string error = Error([&] { Pull(store_, Ref("test/helper:v1"), "", options_); });
  EXPECT_NE(error.find("refused anonymous access"), std::string::npos) << error;
  setenv("PATH", old_path.c_str(), 1);
}

}  // namespace
}  // namespace imgbuild::registry
