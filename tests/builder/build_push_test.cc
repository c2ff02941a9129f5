// `imgbuild build --push` and -o type=image against a real docker-registry
// (tests/registry/registry_fixture.h): every name is pushed with the built
// digest, credentials come from config.json, a refused push fails the build
// after the image is stored, and transient faults on the way (the fault
// proxy) neither stop the pull of the base nor the push.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "registry/base64.h"
#include "registry/registry.h"
#include "tests/builder/build_fixtures.h"
#include "tests/layers/store_testing.h"
#include "tests/registry/fault_proxy.h"
#include "tests/registry/registry_fixture.h"

namespace imgbuild::builder {
namespace {

using layers::store_testing::CommandResult;
using layers::store_testing::HaveTool;
using layers::store_testing::RunCommand;
using registry::testing::Count;
using registry::testing::FaultProxy;
using registry::testing::RegistryAuth;
using registry::testing::TestRegistry;
using test_support::ReadTextFile;
using test_support::WriteTextFile;
using ::testing::HasSubstr;

const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";

class BuildPushTest : public test_support::BuildFixture {
 protected:
  void SetUp() override {
    BuildFixture::SetUp();
    ASSERT_TRUE(std::filesystem::exists(kImgbuild)) << kImgbuild << " is not built";
    ASSERT_TRUE(HaveTool("skopeo")) << "install skopeo (scripts/setup.sh)";
    WriteTextFile(context() + "/hello", "hello from the build\n");
    WriteTextFile(context() + "/Buildfile", "FROM busybox:test\nCOPY hello /hello\n");
    std::filesystem::create_directories(docker_config());
  }

  std::string docker_config() const { return dir() + "/docker"; }

  // Runs `imgbuild build ARGS CONTEXT` on the fixture's store and DOCKER_CONFIG.
  CommandResult Build(const std::string& args) {
    return RunCommand("DOCKER_CONFIG='" + docker_config() + "' " + kImgbuild +
                      " build --progress plain --root '" + store_.root() + "' " + args + " '" +
                      context() + "' </dev/null");
  }

  // config.json with `user`:`password` for `host`.
  void WriteCredentials(const std::string& host, const std::string& user,
                        const std::string& password) {
    nlohmann::json config;
    config["auths"][host]["auth"] = registry::Base64Encode(user + ":" + password);
    WriteTextFile(docker_config() + "/config.json", config.dump());
  }

  // The digest the registry serves for docker://REFERENCE.
  static std::string RemoteDigest(const std::string& reference, const std::string& flags = "") {
    CommandResult inspect =
        RunCommand("skopeo inspect --tls-verify=false " + flags + " docker://" + reference);
    EXPECT_EQ(inspect.exit_code, 0) << reference << ": " << inspect.output;
    return nlohmann::json::parse(inspect.output, nullptr, false).value("Digest", "");
  }

  // The digest a build printed last.
  static std::string PrintedDigest(const CommandResult& built) {
    size_t at = built.output.rfind("sha256:");
    return at == std::string::npos ? "" : built.output.substr(at, 71);
  }
};

TEST_F(BuildPushTest, PushPublishesEveryTagWithTheBuiltDigest) {
  TestRegistry registry;
  std::string first = registry.host() + "/team/app:1";
  std::string second = registry.host() + "/team/app:latest";
  std::string metadata = dir() + "/metadata.json";
  CommandResult built =
      Build("--push -t " + first + " -t " + second + " --metadata-file " + metadata);
  ASSERT_EQ(built.exit_code, 0) << built.output;
  std::string digest = store_.Resolve(first).digest.ToString();
  EXPECT_EQ(PrintedDigest(built), digest);
  EXPECT_EQ(RemoteDigest(first), digest);
  EXPECT_EQ(RemoteDigest(second), digest);
  EXPECT_THAT(built.output, HasSubstr("pushing " + first));
  nlohmann::json written = nlohmann::json::parse(ReadTextFile(metadata));
  EXPECT_EQ(written["containerimage.digest"], digest);
  EXPECT_EQ(written["image.name"], first + "," + second);
  // The second name's blobs were there already: one upload each.
  EXPECT_EQ(Count(registry.Requests(), "PUT", "/manifests/"), 2u);
  EXPECT_EQ(Count(registry.Requests(), "PUT", "/blobs/uploads/"), 3u);  // layers and config
}

TEST_F(BuildPushTest, ImageOutputPushesItsNamesAndTagsWithoutPush) {
  TestRegistry registry;
  std::string a = registry.host() + "/out/a:1";
  std::string b = registry.host() + "/out/b:1";
  std::string metadata = dir() + "/metadata.json";
  CommandResult built = Build("-o 'type=image,\"name=" + a + "," + b +
                              "\",push=true' -o type=image,name=local/only:1 --metadata-file " +
                              metadata);
  ASSERT_EQ(built.exit_code, 0) << built.output;
  std::string digest = PrintedDigest(built);
  EXPECT_EQ(RemoteDigest(a), digest);
  EXPECT_EQ(RemoteDigest(b), digest);
  EXPECT_EQ(store_.Resolve(a).digest.ToString(), digest);
  EXPECT_EQ(store_.Resolve("local/only:1").digest.ToString(), digest);
  EXPECT_EQ(nlohmann::json::parse(ReadTextFile(metadata))["image.name"],
            a + "," + b + ",docker.io/local/only:1");
}

TEST_F(BuildPushTest, PushUsesLoginAndRefusedCredentialsFailAfterStoring) {
  TestRegistry registry({.auth = RegistryAuth::kHtpasswd, .users = {{"alice", "s3cret"}}});
  std::string name = registry.host() + "/private/app:1";
  WriteCredentials(registry.host(), "alice", "wrong");
  // A fixed time makes the second build the same image.
  CommandResult refused = Build("--source-date-epoch 1 --push -t " + name);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("imgbuild: error: pushing sha256:"));
  EXPECT_THAT(refused.output, HasSubstr("refused user \"alice\""));
  EXPECT_THAT(refused.output, HasSubstr("the image is in the store"));
  EXPECT_THAT(refused.output, testing::Not(HasSubstr("wrong")));
  std::string digest = store_.Resolve(name).digest.ToString();
  EXPECT_TRUE(store_.HasBlob(store_.Resolve(name).digest));

  WriteCredentials(registry.host(), "alice", "s3cret");
  CommandResult pushed = Build("--source-date-epoch 1 --push -t " + name);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
  EXPECT_EQ(PrintedDigest(pushed), digest);
  EXPECT_EQ(RemoteDigest(name, "--creds alice:s3cret"), digest);
}

TEST_F(BuildPushTest, APushWithoutANameFailsBeforeBuilding) {
  CommandResult built = Build("--push");
  EXPECT_EQ(built.exit_code, 1) << built.output;
  EXPECT_THAT(built.output, HasSubstr("no name to push to; give one with -t"));
  EXPECT_THAT(built.output, testing::Not(HasSubstr("COPY hello")));
}

TEST_F(BuildPushTest, BuildsFromAndPushesThroughTransientFaults) {
  TestRegistry registry;
  // A base only the registry has: busybox with another config.
  layers::Store other(dir() + "/other-store");
  registry::Push(other, test_support::PutLabelledBusybox(other, "base", "remote"),
                 registry.host() + "/tools/base:1", {});

  FaultProxy proxy(registry.host(), {"GET /manifests/ 1 503", "GET /blobs/ 1 500",
                                     "GET /blobs/ 2 reset", "GET /blobs/ 3 truncate",
                                     "HEAD /blobs/ 1 reset", "POST /blobs/uploads/ 1 502",
                                     "PUT /blobs/uploads/ 1 500", "PUT /manifests/ 1 503"});
  WriteTextFile(context() + "/Buildfile",
                "FROM " + proxy.address() + "/tools/base:1\nCOPY hello /hello\n");
  std::string name = proxy.address() + "/team/app:1";
  CommandResult built = Build("--push -t " + name);
  ASSERT_EQ(built.exit_code, 0) << built.output << proxy.LogText();
  for (std::string fault : {"503", "500", "reset", "truncate", "502"}) {
    EXPECT_GE(proxy.FaultCount(fault), 1u) << fault << "\n" << proxy.LogText();
  }
  std::string digest = PrintedDigest(built);
  EXPECT_EQ(RemoteDigest(registry.host() + "/team/app:1"), digest);
  layers::ImageConfig built_config =
      store_.ReadConfig(store_.ReadManifest(store_.Resolve(name)).config);
  EXPECT_EQ(built_config.config.labels.at("base"), "remote");
  // skopeo verifies every blob the registry now holds.
  CommandResult copy = RunCommand("skopeo copy --quiet --src-tls-verify=false docker://" +
                                  registry.host() + "/team/app:1 oci:" + dir() + "/check:x");
  EXPECT_EQ(copy.exit_code, 0) << copy.output;
}

}  // namespace
}  // namespace imgbuild::builder
