#include "registry/docker_config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "registry/base64.h"
#include "tests/layers/store_testing.h"
#include "tests/registry/registry_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::registry {
namespace {

using layers::store_testing::WriteTextFile;
using testing::ErrorOf;

constexpr const char* kSecret = "pa55-word-never-printed";

// Puts tests/registry/docker-credential-test on PATH for one test.
class HelperOnPath {
 public:
  explicit HelperOnPath(const std::string& bin) : old_path_(std::getenv("PATH")) {
    std::filesystem::create_directories(bin);
    std::filesystem::copy_file(IMGBUILD_SOURCE_DIR "/tests/registry/docker-credential-test",
                               bin + "/docker-credential-test");
    setenv("PATH", (bin + ":" + old_path_).c_str(), 1);
  }
  ~HelperOnPath() { setenv("PATH", old_path_.c_str(), 1); }

 private:
  std::string old_path_;
};

class DockerConfigTest : public ::testing::Test {
 protected:
  nlohmann::json ReadJson() const {
    return nlohmann::json::parse(ReadFileToString(config_.Path(), 1 << 20));
  }

  TempDir dir_{"imgbuild-docker-config-"};
  DockerConfig config_{dir_.path() + "/docker"};
};

TEST_F(DockerConfigTest, ReadsTheFormsDockerWrites) {
  WriteTextFile(config_.Path(), nlohmann::json{
      {"auths",
       {{"host:5000", {{"auth", Base64Encode(std::string("alice:") + kSecret)}}},
        {"https://old.example.com/v1/", {{"username", "bob"}, {"password", "pw"}}},
        {"https://index.docker.io/v1/", {{"identitytoken", "refresh-me"}}},
        {"empty.example.com", nlohmann::json::object()}}}}.dump());
  auto alice = config_.Lookup("host:5000");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->username, "alice");
  EXPECT_EQ(alice->password, kSecret);
  auto bob = config_.Lookup("old.example.com");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->username, "bob");
  EXPECT_EQ(bob->password, "pw");
  auto hub = config_.Lookup("docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->identity_token, "refresh-me");
  EXPECT_FALSE(config_.Lookup("empty.example.com"));
  EXPECT_FALSE(config_.Lookup("other:5000"));
  EXPECT_FALSE(DockerConfig(dir_.path() + "/missing").Lookup("host:5000"));
}

TEST_F(DockerConfigTest, SavesBesideOtherSettingsPrivatelyAndErases) {
  WriteTextFile(config_.Path(), R"({"psFormat":"table {{.ID}}","auths":{"a:1":{"auth":"eDp5"}}})");
  config_.Save("host:5000", {"alice", kSecret});
  config_.Save("docker.io", {"hubuser", "hubpw"});
  nlohmann::json saved = ReadJson();
  EXPECT_EQ(saved["psFormat"], "table {{.ID}}");
  EXPECT_EQ(saved["auths"]["a:1"]["auth"], "eDp5");
  EXPECT_EQ(saved["auths"]["host:5000"]["auth"], Base64Encode(std::string("alice:") + kSecret));
  EXPECT_TRUE(saved["auths"].contains("https://index.docker.io/v1/"));
  struct stat info {};
  ASSERT_EQ(stat(config_.Path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(config_.Lookup("host:5000")->password, kSecret);
  EXPECT_EQ(config_.Lookup("index.docker.io")->username, "hubuser");

  EXPECT_TRUE(config_.Erase("host:5000"));
  EXPECT_FALSE(config_.Erase("host:5000"));
  EXPECT_FALSE(config_.Lookup("host:5000"));
  EXPECT_EQ(ReadJson()["psFormat"], "table {{.ID}}");
}

TEST_F(DockerConfigTest, ErrorsNameTheFileButNeverTheSecret) {
  WriteTextFile(config_.Path(), std::string(R"({"auths":{"h:1":{"auth":")") + kSecret + "\"}}}");
  std::string error = ErrorOf([&] { config_.Lookup("h:1"); });
  EXPECT_NE(error.find(config_.Path()), std::string::npos) << error;
  EXPECT_EQ(error.find(kSecret), std::string::npos) << error;

  WriteTextFile(config_.Path(), std::string(R"({"auths":{"h:1":{"auth":")") + kSecret + "\"");
  error = ErrorOf([&] { config_.Lookup("h:1"); });
  EXPECT_NE(error.find(config_.Path()), std::string::npos) << error;
  EXPECT_EQ(error.find(kSecret), std::string::npos) << error;
}

TEST_F(DockerConfigTest, CredentialHelpersKeepTheSecrets) {
  HelperOnPath helper(dir_.path() + "/bin");
  WriteTextFile(config_.Path(), R"({"credsStore":"test","credHelpers":{"other:1":"missing"}})");
  config_.Save("host:5000", {"alice", kSecret});
  EXPECT_EQ(ReadFileToString(config_.Path(), 1 << 20).find(kSecret), std::string::npos);
  EXPECT_EQ(ReadJson()["auths"]["host:5000"], nlohmann::json::object());
  EXPECT_NE(ReadFileToString(dir_.path() + "/bin/helper-store.json", 1 << 20).find(kSecret),
            std::string::npos);

  auto found = config_.Lookup("host:5000");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->password, kSecret);
  EXPECT_FALSE(config_.Lookup("unknown:1"));

  std::string error = ErrorOf([&] { config_.Lookup("other:1"); });
  EXPECT_NE(error.find("docker-credential-missing"), std::string::npos) << error;

  EXPECT_TRUE(config_.Erase("host:5000"));
  EXPECT_FALSE(config_.Lookup("host:5000"));
  EXPECT_FALSE(config_.Erase("host:5000"));
}

TEST(DockerConfigDirTest, FlagThenEnvironmentThenHome) {
  std::string saved = std::getenv("DOCKER_CONFIG") ? std::getenv("DOCKER_CONFIG") : "";
  setenv("DOCKER_CONFIG", "/from/env", 1);
  EXPECT_EQ(ResolveDockerConfigDir("/from/flag"), "/from/flag");
  EXPECT_EQ(ResolveDockerConfigDir(""), "/from/env");
  unsetenv("DOCKER_CONFIG");
  EXPECT_EQ(ResolveDockerConfigDir(""), std::string(std::getenv("HOME")) + "/.docker");
  if (!saved.empty()) setenv("DOCKER_CONFIG", saved.c_str(), 1);
}

TEST(Base64Test, RoundTripsAndRejectsGarbage) {
  for (std::string text : {"", "a", "ab", "abc", "alice:secret"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(text)), text);
  }
  EXPECT_EQ(Base64Encode("alice:secret"), "YWxpY2U6c2VjcmV0");
  EXPECT_EQ(Base64Decode("YWI"), "ab");  // Unpadded, as some tools write it.
  EXPECT_FALSE(Base64Decode("not base64!"));
}

}  // namespace
}  // namespace imgbuild::registry
