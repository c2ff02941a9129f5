// Helpers for store tests: synthetic images, real tar+gzip images built
// with the system tools, and running commands.
#ifndef IMGBUILD_TESTS_LAYERS_STORE_TESTING_H_
#define IMGBUILD_TESTS_LAYERS_STORE_TESTING_H_

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "layers/oci.h"
#include "layers/store.h"
#include "util/fd.h"

namespace imgbuild::layers::store_testing {

struct TestImage {
  Descriptor manifest;
  Descriptor config;
  std::vector<Descriptor> layers;
};

/// Stores an image whose layers are arbitrary bytes derived from `seed`
/// (layer contents do not matter to the store) plus `shared_layers`.
inline TestImage PutSyntheticImage(const Store& store, const std::string& seed, int layer_count = 2,
                                   const std::vector<Descriptor>& shared_layers = {}) {
  ImageConfig config{.architecture = "amd64", .os = "linux"};
  config.config.cmd = {"/bin/" + seed};
  std::vector<Descriptor> layers = shared_layers;
  for (int i = 0; i < layer_count; ++i) {
    std::string bytes = seed + "-layer-" + std::to_string(i) + std::string(1000 * (i + 1), 'x');
    store.PutBlob(bytes);
    layers.push_back(DescribeBytes(media_types::kOciLayerGzip, bytes));
  }
  for (const Descriptor& layer : layers) config.diff_ids.push_back(layer.digest);
  Descriptor config_descriptor = store.PutConfig(config);
  Descriptor manifest = store.PutManifest(Manifest{.config = config_descriptor, .layers = layers});
  return TestImage{manifest, config_descriptor, layers};
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

/// Runs `command` with sh -c; returns its exit code and output.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (size_t got = fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, got);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Whether `tool` is on PATH.
inline bool HaveTool(const std::string& tool) {
  return RunCommand("command -v " + tool).exit_code == 0;
}

inline void WriteTextFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

/// Stores a real image: one gzip layer made with tar(1) and gzip(1) from
/// the files under `tree` (deterministic flags), an OCI config and manifest.
inline TestImage PutTarImage(const Store& store, const std::string& tree,
                             const std::string& work_dir) {
  std::string tar = work_dir + "/layer.tar";
  CommandResult made =
      RunCommand("tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C '" + tree +
                 "' -cf '" + tar + "' . && gzip -n -k -f '" + tar + "'");
  if (made.exit_code != 0) throw Error("building the test layer failed: " + made.output);
  std::string gz = ReadFileToString(tar + ".gz", 64 << 20);
  store.PutBlob(gz);
  std::vector<Descriptor> layers = {DescribeBytes(media_types::kOciLayerGzip, gz)};
  ImageConfig config{.architecture = "amd64", .os = "linux"};
  config.config.cmd = {"/hello.sh"};
  config.config.env = {"PATH=/usr/bin:/bin"};
  config.diff_ids.push_back(DigestOf(ReadFileToString(tar, 64 << 20)));
  config.history.push_back({.created_by = "test layer"});
  Descriptor config_descriptor = store.PutConfig(config);
  Descriptor manifest = store.PutManifest(Manifest{.config = config_descriptor, .layers = layers});
  return TestImage{manifest, config_descriptor, layers};
}

}  // namespace imgbuild::layers::store_testing

#endif  // IMGBUILD_TESTS_LAYERS_STORE_TESTING_H_
