// Helpers for registry tests: tiny real images built in the store, a
// fresh store, and copying images into a test registry with skopeo (an
// independent client).
#ifndef IMGBUILD_TESTS_REGISTRY_REGISTRY_TESTING_H_
#define IMGBUILD_TESTS_REGISTRY_REGISTRY_TESTING_H_

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/layer_builder.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "registry/registry.h"
#include "tests/layers/store_testing.h"
#include "tests/registry/registry_fixture.h"
#include "util/temp_dir.h"

namespace imgbuild::registry::testing {

using layers::store_testing::RunCommand;

struct TinyImage {
  layers::Descriptor manifest;
  layers::Descriptor config;
  std::vector<layers::Descriptor> layers;
};

/// Random bytes derived from `seed`, so that layers differ between images.
inline std::string SeededBytes(const std::string& seed, size_t size) {
  std::mt19937_64 random(std::hash<std::string>{}(seed));
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

/// Builds a real image in `store`: one gzip layer (BuildDirectoryLayer)
/// holding /seed.txt and /payload.bin (`payload` random bytes, which do
/// not compress), a config for linux/`architecture`, and a manifest.
/// `docker` makes it a Docker schema 2 image (Docker media types).
inline TinyImage BuildTinyImage(const layers::Store& store, const std::string& work,
                                const std::string& seed, size_t payload = 1000,
                                const std::string& architecture = "amd64", bool docker = false) {
  namespace media = layers::media_types;
  std::string tree = work + "/tree-" + seed + "-" + architecture;
  std::filesystem::create_directories(tree);
  layers::store_testing::WriteTextFile(tree + "/seed.txt", seed + "\n");
  layers::store_testing::WriteTextFile(tree + "/payload.bin", SeededBytes(seed, payload));
  layers::BuiltLayer layer =
      layers::BuildDirectoryLayer(store, tree, {.source_date_epoch = 0});
  if (docker) layer.descriptor.media_type = media::kDockerLayerGzip;
  layers::ImageConfig config{.architecture = architecture, .os = "linux"};
  config.config.cmd = {"/bin/sh"};
  config.diff_ids = {layer.diff_id};
  layers::Descriptor config_descriptor = store.PutConfig(config);
  if (docker) config_descriptor.media_type = media::kDockerConfig;
  layers::Manifest manifest{.media_type = std::string(docker ? media::kDockerManifest
                                                             : media::kOciManifest),
                            .config = config_descriptor,
                            .layers = {layer.descriptor}};
  return TinyImage{store.PutManifest(manifest), config_descriptor, {layer.descriptor}};
}

/// An OCI index (or Docker manifest list) of tiny images for `architectures`.
inline layers::Descriptor BuildTinyIndex(const layers::Store& store, const std::string& work,
                                         const std::string& seed,
                                         const std::vector<std::string>& architectures,
                                         bool docker = false) {
  layers::Index index{.media_type = std::string(docker ? layers::media_types::kDockerManifestList
                                                       : layers::media_types::kOciIndex)};
  for (const std::string& architecture : architectures) {
    layers::Descriptor manifest =
        BuildTinyImage(store, work, seed + architecture, 1000, architecture, docker).manifest;
    manifest.platform = layers::Platform{.architecture = architecture, .os = "linux"};
    if (architecture == "arm64") manifest.platform->variant = "v8";
    index.manifests.push_back(manifest);
  }
  return store.PutIndex(index);
}

/// Copies `name` (tagged in `store`) to `destination` on a loopback
/// registry with skopeo; `extra` adds flags (--all, --format v2s2). Fails
/// the test with skopeo's output on error.
inline void SkopeoPush(const layers::Store& store, const std::string& name,
                       const std::string& destination, const std::string& extra = "") {
  auto copied = RunCommand("skopeo copy --quiet --dest-tls-verify=false " + extra + " 'oci:" +
                           store.root() + ":" + name + "' 'docker://" + destination + "'");
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
}

/// Options for a test registry: no config.json of the user's, quick
/// retries, log lines collected into `log` when given.
inline RegistryOptions TestOptions(const std::string& docker_config_dir,
                                   std::vector<std::string>* log = nullptr) {
  RegistryOptions options;
  options.docker_config_dir = docker_config_dir;
  options.retry_initial_delay = std::chrono::milliseconds(10);
  options.retry_max_delay = std::chrono::milliseconds(200);
  if (log != nullptr) {
    auto mutex = std::make_shared<std::mutex>();
    options.log = [log, mutex](std::string_view line) {
      std::lock_guard lock(*mutex);
      log->emplace_back(line);
    };
  }
  return options;
}

/// A test with a registry, a work directory, a store of images to push
/// (source_), a store to pull into (store_), and options that collect the
/// client's log lines in log_.
class RegistryTest : public ::testing::Test {
 protected:
  explicit RegistryTest(TestRegistryOptions registry_options = {})
      : registry_(std::move(registry_options)) {}

  /// "127.0.0.1:<port>/<repository_and_tag>".
  std::string Ref(const std::string& repository_and_tag) const {
    return registry_.host() + "/" + repository_and_tag;
  }
  /// How many log lines contain `fragment`.
  size_t CountLog(std::string_view fragment) const {
    return std::count_if(log_.begin(), log_.end(), [&](const std::string& line) {
      return line.find(fragment) != std::string::npos;
    });
  }

  TestRegistry registry_;
  TempDir work_{"imgbuild-registry-test-"};
  layers::Store source_{work_.path() + "/source"};
  layers::Store store_{work_.path() + "/store"};
  std::vector<std::string> log_;
  RegistryOptions options_ = TestOptions(work_.path() + "/docker", &log_);
};

/// The message of the Error `action` throws; fails the test when none.
template <typename Action>
std::string ErrorOf(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an Error";
  return "";
}

}  // namespace imgbuild::registry::testing

#endif  // IMGBUILD_TESTS_REGISTRY_REGISTRY_TESTING_H_
