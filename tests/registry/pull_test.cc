// Pulls from a real docker-registry into which skopeo (an independent
// client) copied the images.
#include "registry/registry.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/oci.h"
#include "layers/store.h"
#include "tests/registry/registry_fixture.h"
#include "tests/registry/registry_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::registry {
namespace {

using testing::BuildTinyImage;
using testing::BuildTinyIndex;
using testing::ErrorOf;
using testing::SkopeoPush;
using testing::TinyImage;

class PullTest : public testing::RegistryTest {};

TEST_F(PullTest, PullsByTagAndByDigestWithEveryBlobVerified) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "by-tag", 20000);
  source_.Tag("app:v1", image.manifest);
  SkopeoPush(source_, "app:v1", Ref("test/app:v1"));

  PullResult result = Pull(store_, Ref("test/app:v1"), "linux/amd64", options_);
  EXPECT_EQ(result.reference, Ref("test/app:v1"));
  EXPECT_EQ(result.manifest.digest, image.manifest.digest);
  EXPECT_EQ(result.manifest.media_type, layers::media_types::kOciManifest);
  EXPECT_EQ(result.resolved, result.manifest);
  EXPECT_EQ(store_.ReadBlob(result.manifest), source_.ReadBlob(image.manifest));
  EXPECT_EQ(store_.ReadBlob(image.config), source_.ReadBlob(image.config));
  EXPECT_EQ(store_.BlobSize(image.layers[0].digest), image.layers[0].size);
  EXPECT_EQ(layers::DigestOfFile(store_.BlobPath(image.layers[0].digest)), image.layers[0].digest);
  store_.Tag("app:v1", result.manifest);  // Complete: Tag checks every blob.

  layers::Store by_digest_store(work_.path() + "/by-digest");
  std::string by_digest = Ref("test/app@" + image.manifest.digest.ToString());
  PullResult pinned = Pull(by_digest_store, by_digest, "", options_);
  EXPECT_EQ(pinned.reference, by_digest);
  EXPECT_EQ(pinned.manifest.digest, image.manifest.digest);
  EXPECT_TRUE(by_digest_store.HasBlob(image.layers[0].digest));
}

TEST_F(PullTest, BlobsInTheStoreAreNotFetchedAgain) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "again", 5000);
  source_.Tag("app:v1", image.manifest);
  SkopeoPush(source_, "app:v1", Ref("test/again:v1"));

  Pull(store_, Ref("test/again:v1"), "linux/amd64", options_);
  EXPECT_EQ(CountLog("pulling sha256:"), 2u);  // config and layer
  log_.clear();
  Pull(store_, Ref("test/again:v1"), "linux/amd64", options_);
  EXPECT_EQ(CountLog("pulling sha256:"), 0u);
  EXPECT_EQ(CountLog("0 of 2 blobs to fetch"), 1u);
}

TEST_F(PullTest, ChoosesThePlatformOfAnIndexAndListsThemWhenNoneFits) {
  layers::Descriptor index = BuildTinyIndex(source_, work_.path(), "multi", {"amd64", "arm64"});
  source_.Tag("multi:v1", index);
  SkopeoPush(source_, "multi:v1", Ref("test/multi:v1"), "--all");
  layers::Index local = source_.ReadIndex(index);

  PullResult arm = Pull(store_, Ref("test/multi:v1"), "linux/arm64", options_);
  EXPECT_EQ(arm.resolved.digest, index.digest);
  EXPECT_EQ(arm.resolved.media_type, layers::media_types::kOciIndex);
  EXPECT_EQ(arm.manifest.digest, local.manifests[1].digest);
  ASSERT_TRUE(arm.manifest.platform);
  EXPECT_EQ(arm.manifest.platform->architecture, "arm64");
  EXPECT_TRUE(store_.HasBlob(index.digest));
  EXPECT_FALSE(store_.HasBlob(local.manifests[0].digest));  // Only the chosen platform.
  store_.Tag("multi:arm64", arm.manifest);

  PullResult amd = Pull(store_, Ref("test/multi:v1"), "linux/amd64", options_);
  EXPECT_EQ(amd.manifest.digest, local.manifests[0].digest);

  std::string error = ErrorOf([&] { Pull(store_, Ref("test/multi:v1"), "linux/s390x", options_); });
  EXPECT_NE(error.find(Ref("test/multi:v1")), std::string::npos) << error;
  EXPECT_NE(error.find("linux/s390x"), std::string::npos) << error;
  EXPECT_NE(error.find("available: linux/amd64, linux/arm64/v8"), std::string::npos) << error;
}

TEST_F(PullTest, PullsDockerSchema2ManifestsAndLists) {
  // skopeo converts the OCI index into a Docker manifest list of schema 2
  // manifests; configs and layers keep their bytes.
  layers::Descriptor index = BuildTinyIndex(source_, work_.path(), "docker", {"amd64", "arm64"});
  source_.Tag("docker:v1", index);
  SkopeoPush(source_, "docker:v1", Ref("test/docker:v1"), "--all --format v2s2");
  layers::Manifest local = source_.ReadManifest(source_.ReadIndex(index).manifests[1]);

  PullResult result = Pull(store_, Ref("test/docker:v1"), "linux/arm64/v8", options_);
  EXPECT_EQ(result.resolved.media_type, layers::media_types::kDockerManifestList);
  EXPECT_EQ(result.manifest.media_type, layers::media_types::kDockerManifest);
  layers::Manifest pulled = store_.ReadManifest(result.manifest);
  EXPECT_EQ(pulled.config.media_type, layers::media_types::kDockerConfig);
  EXPECT_EQ(pulled.config.digest, local.config.digest);
  ASSERT_EQ(pulled.layers.size(), 1u);
  EXPECT_EQ(pulled.layers[0].media_type, layers::media_types::kDockerLayerGzip);
  EXPECT_EQ(pulled.layers[0].digest, local.layers[0].digest);
  store_.Tag("docker:v1", result.manifest);

  PullResult single = Pull(store_, Ref("test/docker@" + result.manifest.digest.ToString()), "",
                           options_);
  EXPECT_EQ(single.resolved, single.manifest);
  EXPECT_EQ(single.manifest.media_type, layers::media_types::kDockerManifest);
}

TEST_F(PullTest, ABlobWithTheWrongContentIsRefusedAndNothingOfItKept) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "corrupt", 30000);
  source_.Tag("app:v1", image.manifest);
  SkopeoPush(source_, "app:v1", Ref("test/corrupt:v1"));
  // Same size, other bytes: only the digest tells.
  std::string data_path = registry_.BlobDataPath(image.layers[0].digest);
  std::string bytes = ReadFileToString(data_path, 1 << 20);
  std::reverse(bytes.begin(), bytes.end());
  std::ofstream(data_path, std::ios::binary | std::ios::trunc) << bytes;

  std::string error = ErrorOf([&] { Pull(store_, Ref("test/corrupt:v1"), "", options_); });
  EXPECT_NE(error.find(image.layers[0].digest.ToString()), std::string::npos) << error;
  EXPECT_NE(error.find(registry_.host() + "/test/corrupt"), std::string::npos) << error;
  EXPECT_FALSE(store_.HasBlob(image.layers[0].digest));
  EXPECT_TRUE(store_.ListTempFiles().empty());
}

TEST_F(PullTest, UnknownImagesAndRegistriesGiveClearErrors) {
  std::string error = ErrorOf([&] { Pull(store_, Ref("test/none:v1"), "", options_); });
  EXPECT_NE(error.find(Ref("test/none:v1")), std::string::npos) << error;
  EXPECT_NE(error.find("MANIFEST_UNKNOWN"), std::string::npos) << error;
  EXPECT_NE(error.find("HTTP 404"), std::string::npos) << error;

  options_.max_attempts = 2;
  std::string nowhere = "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  error = ErrorOf([&] { Pull(store_, nowhere + "/app:v1", "", options_); });
  EXPECT_NE(error.find(nowhere), std::string::npos) << error;
  EXPECT_NE(error.find("gave up after 2 attempts"), std::string::npos) << error;
}

}  // namespace
}  // namespace imgbuild::registry
