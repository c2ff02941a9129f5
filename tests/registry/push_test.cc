// Pushes to a real docker-registry, checked by pulling back and with skopeo.
#include "registry/registry.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/oci.h"
#include "layers/store.h"
#include "registry/blob_sources.h"
#include "tests/registry/registry_fixture.h"
#include "tests/registry/registry_testing.h"
#include "util/temp_dir.h"

namespace imgbuild::registry {
namespace {

using testing::BuildTinyImage;
using testing::BuildTinyIndex;
using testing::ErrorOf;
using testing::RunCommand;
using testing::TinyImage;

class PushTest : public testing::RegistryTest {
 protected:
  // The manifest bytes the registry serves for `reference`, read by skopeo.
  std::string SkopeoRawManifest(const std::string& reference) {
    auto raw = RunCommand("skopeo inspect --raw --tls-verify=false 'docker://" + reference + "'");
    EXPECT_EQ(raw.exit_code, 0) << raw.output;
    return raw.output;
  }
};

TEST_F(PushTest, PushedImagesComeBackWithTheSameDigests) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "round-trip", 50000);
  layers::Descriptor pushed = Push(source_, image.manifest, Ref("test/rt:v1"), options_);
  EXPECT_EQ(pushed.digest, image.manifest.digest);
  EXPECT_EQ(pushed.media_type, image.manifest.media_type);
  EXPECT_EQ(CountLog("pushing sha256:"), 2u);
  EXPECT_EQ(SkopeoRawManifest(Ref("test/rt:v1")), source_.ReadBlob(image.manifest));

  PullResult pulled = Pull(store_, Ref("test/rt:v1"), "linux/amd64", options_);
  EXPECT_EQ(pulled.manifest.digest, image.manifest.digest);
  EXPECT_EQ(store_.ReadBlob(image.config), source_.ReadBlob(image.config));
  EXPECT_EQ(layers::DigestOfFile(store_.BlobPath(image.layers[0].digest)), image.layers[0].digest);
}

TEST_F(PushTest, ARepushOnlyAsksWhatExists) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "repush", 5000);
  Push(source_, image.manifest, Ref("test/repush:v1"), options_);
  log_.clear();
  Push(source_, image.manifest, Ref("test/repush:v2"), options_);
  EXPECT_EQ(CountLog("pushing sha256:"), 0u);
  EXPECT_EQ(CountLog("0 of 2 blobs transferred"), 1u);
  EXPECT_EQ(SkopeoRawManifest(Ref("test/repush:v2")), source_.ReadBlob(image.manifest));

  // The same tag again: HEAD requests only, the manifest is not PUT.
  log_.clear();
  Push(source_, image.manifest, Ref("test/repush:v2"), options_);
  EXPECT_EQ(CountLog("manifest " + image.manifest.digest.ToString() + " is there already"),
            1u);
  std::string registry_log = registry_.Log();
  EXPECT_EQ(std::count(registry_log.begin(), registry_log.end(), '\n') > 0, true);
  size_t puts = 0;
  for (size_t at = registry_log.find("\"PUT /v2/test/repush/manifests/v2"); at != std::string::npos;
       at = registry_log.find("\"PUT /v2/test/repush/manifests/v2", at + 1)) {
    ++puts;
  }
  EXPECT_EQ(puts, 1u);
}

TEST_F(PushTest, AnIndexIsPushedAfterItsManifests) {
  layers::Descriptor index = BuildTinyIndex(source_, work_.path(), "index", {"amd64", "arm64"});
  layers::Descriptor pushed = Push(source_, index, Ref("test/index:v1"), options_);
  EXPECT_EQ(pushed.digest, index.digest);
  EXPECT_EQ(SkopeoRawManifest(Ref("test/index:v1")), source_.ReadBlob(index));

  PullResult arm = Pull(store_, Ref("test/index:v1"), "linux/arm64", options_);
  EXPECT_EQ(arm.resolved.digest, index.digest);
  EXPECT_EQ(arm.manifest.digest, source_.ReadIndex(index).manifests[1].digest);

  // The pulled index lacks the amd64 manifest: pushing it says so.
  std::string error = ErrorOf([&] { Push(store_, arm.resolved, Ref("test/copy:v1"), options_); });
  EXPECT_NE(error.find("not in the store"), std::string::npos) << error;
  EXPECT_NE(error.find("linux/amd64"), std::string::npos) << error;
  EXPECT_NE(error.find(Ref("test/copy:v1")), std::string::npos) << error;
}

TEST_F(PushTest, BlobsKnownInAnotherRepositoryAreMounted) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "mount", 5000);
  Push(source_, image.manifest, Ref("test/first:v1"), options_);
  EXPECT_EQ(BlobSources(source_).RepositoriesWith(image.layers[0].digest, registry_.host()),
            std::vector<std::string>{"test/first"});
  log_.clear();
  Push(source_, image.manifest, Ref("test/second:v1"), options_);
  EXPECT_EQ(CountLog("mounted sha256:"), 2u);
  EXPECT_EQ(CountLog("pushing sha256:"), 0u);
  EXPECT_EQ(SkopeoRawManifest(Ref("test/second:v1")), source_.ReadBlob(image.manifest));

  // Pulled blobs are remembered too: pushing them to another repository mounts them.
  Pull(store_, Ref("test/second:v1"), "", options_);
  log_.clear();
  Push(store_, image.manifest, Ref("test/third:v1"), options_);
  EXPECT_EQ(CountLog("mounted sha256:"), 2u);
}

TEST_F(PushTest, LargeBlobsGoInChunks) {
  TinyImage image = BuildTinyImage(source_, work_.path(), "chunks", 300000);
  options_.upload_chunk_size = 64 << 10;
  Push(source_, image.manifest, Ref("test/chunks:v1"), options_);
  std::string registry_log = registry_.Log();
  size_t patches = 0;
  for (size_t at = registry_log.find("PATCH /v2/test/chunks/blobs/uploads/");
       at != std::string::npos;
       at = registry_log.find("PATCH /v2/test/chunks/blobs/uploads/", at + 1)) {
    ++patches;
  }
  EXPECT_EQ(patches, (static_cast<size_t>(image.layers[0].size) + (64 << 10) - 1) / (64 << 10));
  PullResult pulled = Pull(store_, Ref("test/chunks:v1"), "", options_);
  EXPECT_EQ(layers::DigestOfFile(store_.BlobPath(image.layers[0].digest)), image.layers[0].digest);
  EXPECT_EQ(pulled.manifest.digest, image.manifest.digest);
}

TEST_F(PushTest, DockerSchema2ImagesKeepTheirMediaTypes) {
  layers::Descriptor list =
      BuildTinyIndex(source_, work_.path(), "docker", {"amd64", "arm64"}, /*docker=*/true);
  Push(source_, list, Ref("test/docker:v1"), options_);
  EXPECT_EQ(SkopeoRawManifest(Ref("test/docker:v1")), source_.ReadBlob(list));
  PullResult pulled = Pull(store_, Ref("test/docker:v1"), "linux/amd64", options_);
  EXPECT_EQ(pulled.resolved.media_type, layers::media_types::kDockerManifestList);
  EXPECT_EQ(pulled.manifest.media_type, layers::media_types::kDockerManifest);
  EXPECT_EQ(pulled.manifest.digest, source_.ReadIndex(list).manifests[0].digest);
}

}  // namespace
}  // namespace imgbuild::registry
