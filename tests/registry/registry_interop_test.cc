// Registries shared with other tools: what imgbuild pushes, skopeo copies
// and podman pulls and runs; what skopeo pushes (single images, OCI
// indexes and Docker manifest lists from `skopeo copy --all`), imgbuild
// pulls for each platform.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/registry/cli_fixture.h"

namespace imgbuild::registry::testing {
namespace {

using ::testing::HasSubstr;

class RegistryInteropTest : public CliRegistryTest {
 protected:
  // podman with a private root on vfs, so the machine's images stay untouched.
  std::string Podman() {
    return "podman --root " + dir_.path() + "/podman-root --runroot " + dir_.path() +
           "/podman-run --storage-driver vfs --runtime runc --events-backend none "
           "--cgroup-manager cgroupfs ";
  }

  // Stores the two-platform test index (linux/amd64, linux/arm64).
  layers::Descriptor PutIndex() {
    std::filesystem::create_directories(dir_.path() + "/index-work");
    return layers::image_testing::BuildTestIndex(store_, dir_.path() + "/index-work");
  }

  // Pulls REFERENCE for `platform` into a new store; returns the
  // architecture of the image it named.
  std::string PullArchitecture(const std::string& reference, const std::string& platform) {
    std::string root = NewStoreRoot("pulled-" + std::to_string(++pulls_));
    CommandResult pull = MustImgbuild("pull --platform " + platform + " " + reference, root);
    if (pull.exit_code != 0) return "";
    layers::Store pulled(root);
    layers::Manifest manifest = pulled.ReadManifest(pulled.Resolve(reference));
    // The pull names the platform's manifest; the index stays as an orphan.
    ExpectStoreConsistent(root, {RemoteDigest(reference)});
    return pulled.ReadConfig(manifest.config).architecture;
  }

  // The media type of the manifest the registry serves for REFERENCE.
  std::string RemoteMediaType(const std::string& reference) {
    return nlohmann::json::parse(SkopeoInspect(reference, "--raw"), nullptr, false)
        .value("mediaType", "");
  }

  int pulls_ = 0;
};

TEST_F(RegistryInteropTest, WhatWePushSkopeoCopiesAndPodmanRuns) {
  RequireTools({"podman", "runc"});
  TestRegistry registry;
  std::string reference = registry.host() + "/interop/busybox:1";
  MustImgbuild("push busybox:1 " + reference);

  nlohmann::json inspect = nlohmann::json::parse(SkopeoInspect(reference));
  EXPECT_EQ(inspect["Digest"], busybox_->manifest.digest.ToString());
  EXPECT_EQ(inspect["Layers"], nlohmann::json::array({busybox_->layers[0].digest.ToString()}));
  EXPECT_EQ(SkopeoInspect(reference, "--raw"), store_.ReadBlob(busybox_->manifest));
  // skopeo copy verifies every blob against its digest.
  MustRun("skopeo copy --quiet --src-tls-verify=false docker://" + reference + " oci:" +
          dir_.path() + "/copied:x");

  MustRun(Podman() + "pull --quiet --tls-verify=false " + reference);
  std::string run_flags =
      "run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 ";
  EXPECT_EQ(MustRun(Podman() + run_flags + reference), "hello from busybox\n");
  EXPECT_EQ(MustRun(Podman() + run_flags + reference + " sh -c 'echo $((6 * 7))'"), "42\n");
  MustRun(Podman() + "rmi --all --force");
}

TEST_F(RegistryInteropTest, WhatSkopeoPushesWePull) {
  TestRegistry registry;
  std::filesystem::create_directories(dir_.path() + "/app-work");
  layers::image_testing::BuiltImage app =
      layers::image_testing::BuildTestImage(store_, dir_.path() + "/app-work");
  std::string reference = registry.host() + "/skopeo/app:1";
  SkopeoPush(app.manifest, reference);
  // skopeo compresses the uncompressed layer: the manifest it pushed is its own.
  std::string remote = RemoteDigest(reference);

  std::string root = NewStoreRoot("pulled");
  CommandResult pull = MustImgbuild("pull " + reference, root);
  EXPECT_THAT(pull.output, HasSubstr("Digest: " + remote));
  layers::Store pulled(root);
  layers::Descriptor named = pulled.Resolve(reference);
  EXPECT_EQ(named.digest.ToString(), remote);
  EXPECT_EQ(pulled.ReadConfig(pulled.ReadManifest(named).config).diff_ids, app.diff_ids);
  ExpectStoreClean(root);
}

TEST_F(RegistryInteropTest, OciIndexFromSkopeoCopyAllIsPulledPerPlatform) {
  TestRegistry registry;
  layers::Descriptor index = PutIndex();
  std::string reference = registry.host() + "/multi/app:1";
  SkopeoPush(index, reference, "--all");
  ASSERT_EQ(RemoteMediaType(reference), "application/vnd.oci.image.index.v1+json");

  EXPECT_EQ(PullArchitecture(reference, "linux/amd64"), "amd64");
  EXPECT_EQ(PullArchitecture(reference, "linux/arm64"), "arm64");

  CommandResult none = Imgbuild("pull --platform linux/s390x " + reference, NewStoreRoot("none"));
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.output, HasSubstr("linux/s390x"));
  EXPECT_THAT(none.output, HasSubstr("linux/amd64"));
  EXPECT_THAT(none.output, HasSubstr("linux/arm64"));
}

TEST_F(RegistryInteropTest, DockerManifestListFromSkopeoIsPulledPerPlatform) {
  TestRegistry registry;
  layers::Descriptor index = PutIndex();
  std::string reference = registry.host() + "/dockerlist/app:1";
  // --format v2s2 converts the index to a Docker manifest list of Docker
  // schema 2 manifests (compressing the uncompressed layer on the way).
  SkopeoPush(index, reference, "--all --format v2s2");
  ASSERT_EQ(RemoteMediaType(reference),
            "application/vnd.docker.distribution.manifest.list.v2+json");

  EXPECT_EQ(PullArchitecture(reference, "linux/amd64"), "amd64");
  EXPECT_EQ(PullArchitecture(reference, "linux/arm64"), "arm64");
}

}  // namespace
}  // namespace imgbuild::registry::testing
