// Small real images for registry tests: a runnable busybox image made from
// the machine's static /bin/busybox (busybox-static), and OCI layouts of
// stored images for skopeo to copy from.
#ifndef IMGBUILD_TESTS_REGISTRY_TEST_IMAGES_H_
#define IMGBUILD_TESTS_REGISTRY_TEST_IMAGES_H_

#include <filesystem>
#include <string>
#include <vector>

#include "layers/image_export.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "tests/layers/image_testing.h"
#include "util/error.h"

namespace imgbuild::registry::testing {

inline const std::string kBusybox = "/bin/busybox";

/// Stores an image of one gzip layer holding /bin/busybox, /bin/sh and
/// /bin/echo (links to it) and /etc/motd, whose command prints the motd;
/// `architecture` goes into the config only. About 1 MB. Throws Error when
/// /bin/busybox (a static one) is missing.
inline layers::image_testing::BuiltImage BuildBusyboxImage(const layers::Store& store,
                                                           const std::string& work,
                                                           const std::string& architecture =
                                                               "amd64") {
  namespace fs = std::filesystem;
  if (!fs::exists(kBusybox)) Fail("{} is missing; scripts/setup.sh installs busybox-static", kBusybox);
  std::string tree = work + "/busybox-tree";
  fs::create_directories(tree + "/bin");
  fs::create_directories(tree + "/etc");
  fs::copy_file(kBusybox, tree + "/bin/busybox", fs::copy_options::overwrite_existing);
  for (const char* applet : {"sh", "echo", "cat"}) {
    if (!fs::is_symlink(tree + "/bin/" + applet)) fs::create_symlink("busybox", tree + "/bin/" + applet);
  }
  layers::store_testing::WriteTextFile(tree + "/etc/motd", "hello from busybox\n");

  std::string tar = layers::image_testing::WriteLayerFile(tree, work + "/busybox.tar");
  layers::store_testing::CommandResult gzip = layers::store_testing::RunCommand(
      "gzip -n -c '" + work + "/busybox.tar' > '" + work + "/busybox.tar.gz'");
  if (gzip.exit_code != 0) Fail("gzip failed: {}", gzip.output);
  std::string gz = ReadFileToString(work + "/busybox.tar.gz", 64 << 20);
  store.PutBlob(gz);
  layers::Descriptor layer = layers::DescribeBytes(layers::media_types::kOciLayerGzip, gz);

  layers::ImageConfig config{.created = "2024-01-02T03:04:05Z", .architecture = architecture,
                             .os = "linux"};
  config.config.cmd = {"/bin/cat", "/etc/motd"};
  config.config.env = {"PATH=/bin"};
  config.diff_ids = {layers::DigestOf(tar)};
  config.history = {{.created_by = "busybox"}};
  layers::Descriptor config_descriptor = store.PutConfig(config);
  layers::Descriptor manifest =
      store.PutManifest(layers::Manifest{.config = config_descriptor, .layers = {layer}});
  return {{manifest, config_descriptor, {layer}}, config.diff_ids};
}

/// Exports `image` of `store` as the OCI layout `directory` (ref name
/// `tag`), for `skopeo copy oci:DIRECTORY:TAG`. Returns that source string.
inline std::string ExportLayout(const layers::Store& store, const layers::Descriptor& image,
                                const std::string& directory, const std::string& tag = "1") {
  layers::ExportLayoutDirectory(store, {{"app:" + tag, image}}, directory);
  return "oci:" + directory + ":" + tag;
}

}  // namespace imgbuild::registry::testing

#endif  // IMGBUILD_TESTS_REGISTRY_TEST_IMAGES_H_
