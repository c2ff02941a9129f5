// Small real images for export and import tests: two layers written by the
// tar writer (the second gzip-compressed with gzip -n), a few files and a
// symlink, an OCI config and manifest; and a two-platform index of them.
#ifndef IMGBUILD_TESTS_LAYERS_IMAGE_TESTING_H_
#define IMGBUILD_TESTS_LAYERS_IMAGE_TESTING_H_

#include <fcntl.h>

#include <filesystem>
#include <string>
#include <vector>

#include "layers/oci.h"
#include "layers/store.h"
#include "layers/tar_writer.h"
#include "tests/layers/store_testing.h"
#include "util/fd.h"

namespace imgbuild::layers::image_testing {

struct BuiltImage : store_testing::TestImage {
  std::vector<Digest> diff_ids;
};

inline std::string WriteLayerFile(const std::string& tree, const std::string& path) {
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  FdSink sink(fd.get(), path);
  WriteDirectoryLayer(tree, sink, {.epoch = 0});
  return ReadFileToString(path, 64 << 20);
}

/// Builds the test image in `store` from trees under `work` (which must
/// exist): layer 1 (tar) has hello.sh, etc/app/config.txt and the symlink
/// config-link; layer 2 (tar+gzip) has data/greeting.txt. `architecture`
/// goes into the config, so other values give other images over the same
/// layers. Throws Error when gzip fails.
inline BuiltImage BuildTestImage(const Store& store, const std::string& work,
                                 const std::string& architecture = "amd64") {
  namespace fs = std::filesystem;
  std::string base = work + "/base", top = work + "/top";
  fs::create_directories(base + "/etc/app");
  fs::create_directories(top + "/data");
  store_testing::WriteTextFile(base + "/hello.sh", "#!/bin/sh\necho hello\n");
  fs::permissions(base + "/hello.sh", fs::perms::owner_exec, fs::perm_options::add);
  store_testing::WriteTextFile(base + "/etc/app/config.txt", "key=value\n");
  if (!fs::is_symlink(base + "/config-link")) {
    fs::create_symlink("etc/app/config.txt", base + "/config-link");
  }
  store_testing::WriteTextFile(top + "/data/greeting.txt", "greetings from layer two\n");

  std::vector<Descriptor> layers;
  std::string tar1 = WriteLayerFile(base, work + "/layer1.tar");
  layers.push_back(DescribeBytes(media_types::kOciLayerTar, tar1));
  store.PutBlob(tar1);
  std::string tar2 = WriteLayerFile(top, work + "/layer2.tar");
  store_testing::CommandResult gzip =
      store_testing::RunCommand("gzip -n -c '" + work + "/layer2.tar' > '" + work + "/layer2.gz'");
  if (gzip.exit_code != 0) throw Error("gzip failed: " + gzip.output);
  std::string gz = ReadFileToString(work + "/layer2.gz", 64 << 20);
  layers.push_back(DescribeBytes(media_types::kOciLayerGzip, gz));
  store.PutBlob(gz);

  ImageConfig config{.created = "2024-01-02T03:04:05Z", .architecture = architecture,
                     .os = "linux"};
  config.config.cmd = {"/hello.sh"};
  config.config.env = {"PATH=/usr/bin:/bin"};
  config.diff_ids = {DigestOf(tar1), DigestOf(tar2)};
  config.history = {{.created_by = "layer one"}, {.created_by = "layer two"}};
  Descriptor config_descriptor = store.PutConfig(config);
  Descriptor manifest = store.PutManifest(Manifest{.config = config_descriptor, .layers = layers});
  return BuiltImage{{manifest, config_descriptor, layers}, config.diff_ids};
}

/// An index of the test image for linux/amd64 and linux/arm64.
inline Descriptor BuildTestIndex(const Store& store, const std::string& work) {
  Index index;
  for (const char* architecture : {"amd64", "arm64"}) {
    Descriptor manifest = BuildTestImage(store, work, architecture).manifest;
    manifest.platform = Platform{.architecture = architecture, .os = "linux"};
    index.manifests.push_back(manifest);
  }
  return store.PutIndex(index);
}

}  // namespace imgbuild::layers::image_testing

#endif  // IMGBUILD_TESTS_LAYERS_IMAGE_TESTING_H_
