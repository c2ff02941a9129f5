// Small real images for comparison tests: layers built from directory trees
// by the layer builder with every mtime clamped to one epoch, so that two
// images differ in exactly what a test changes.
#ifndef IMGBUILD_TESTS_LAYERS_DIFF_TESTING_H_
#define IMGBUILD_TESTS_LAYERS_DIFF_TESTING_H_

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "layers/layer_builder.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "tests/layers/layer_test_util.h"

namespace imgbuild::layers::diff_testing {

/// SOURCE_DATE_EPOCH of every test layer: 2023-11-14T22:13:20Z.
inline constexpr int64_t kEpoch = 1700000000;

class ImageFactory {
 public:
  /// Builds into `store`; trees go under `work`, which must exist.
  ImageFactory(const Store& store, std::string work) : store_(store), work_(std::move(work)) {}

  /// Creates the tree `name` under the work directory: etc/config (0644,
  /// "key=value\n"), bin/tool (0755), link -> etc/config. Returns its path.
  std::string BaseTree(const std::string& name) const {
    std::string root = Path(name);
    testing::MakeDir(root);
    testing::MakeDir(root + "/etc");
    testing::MakeDir(root + "/bin");
    testing::WriteFile(root + "/etc/config", "key=value\n");
    testing::WriteFile(root + "/bin/tool", "#!/bin/sh\necho tool\n", 0755);
    testing::Check(symlink("etc/config", (root + "/link").c_str()) == 0, "symlink " + root);
    return root;
  }

  /// An empty directory `name` under the work directory.
  std::string EmptyTree(const std::string& name) const {
    testing::MakeDir(Path(name));
    return Path(name);
  }

  /// Makes `path` an overlayfs whiteout (char device 0/0).
  static void MakeWhiteout(const std::string& path) {
    testing::Check(mknod(path.c_str(), S_IFCHR | 0, makedev(0, 0)) == 0, "mknod " + path);
  }

  /// Stores the layer of `tree` (gzip, mtimes clamped to kEpoch).
  BuiltLayer Layer(const std::string& tree) const {
    return BuildDirectoryLayer(store_, tree, Options());
  }

  /// Stores the layer an overlay upper directory stands for.
  BuiltLayer UpperLayer(const std::string& upper) const {
    return BuildOverlayUpperLayer(store_, upper, Options());
  }

  /// Stores an image of `layers` (linux/amd64, two Env entries, a history
  /// entry per layer), changed by `edit` before it is stored. Returns its
  /// manifest.
  Descriptor Image(const std::vector<BuiltLayer>& layers,
                   const std::function<void(ImageConfig&)>& edit = {}) const {
    ImageConfig config{.created = "2024-01-02T03:04:05Z", .architecture = "amd64", .os = "linux"};
    config.config.env = {"PATH=/usr/bin:/bin", "MODE=test"};
    std::vector<Descriptor> descriptors;
    for (size_t i = 0; i < layers.size(); ++i) {
      config.diff_ids.push_back(layers[i].diff_id);
      config.history.push_back(
          {.created = config.created, .created_by = "layer " + std::to_string(i)});
      descriptors.push_back(layers[i].descriptor);
    }
    if (edit) edit(config);
    return store_.PutManifest(Manifest{.config = store_.PutConfig(config), .layers = descriptors});
  }

 private:
  std::string Path(const std::string& name) const { return work_ + "/" + name; }
  static LayerBuildOptions Options() { return {.threads = 1, .source_date_epoch = kEpoch}; }

  const Store& store_;
  std::string work_;
};

}  // namespace imgbuild::layers::diff_testing

#endif  // IMGBUILD_TESTS_LAYERS_DIFF_TESTING_H_
