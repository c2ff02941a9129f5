// Shared by the build tests: a tiny busybox image stored in a temporary
// store (busybox-static with one symlink per applet, /etc/passwd and
// /etc/group with root and a few users), a progress sink that records
// events, and a fixture that writes recipes and builds them.
#ifndef IMGBUILD_TESTS_BUILDER_BUILD_FIXTURES_H_
#define IMGBUILD_TESTS_BUILDER_BUILD_FIXTURES_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "builder/executor.h"
#include "builder/progress.h"
#include "layers/layer_builder.h"
#include "layers/store.h"
#include "tests/builder/sandbox_fixtures.h"
#include "util/temp_dir.h"

namespace imgbuild::builder::test_support {

/// The image's users: root, app (1000, also in wheel and web), web
/// (1001), svc (2000, primary group wheel), nobody.
inline constexpr const char* kBusyboxPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "app:x:1000:1000:App User:/home/app:/bin/sh\n"
    "web:x:1001:1001::/srv/web:/bin/sh\n"
    "svc:x:2000:10:service:/srv:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
inline constexpr const char* kBusyboxGroup =
    "root:x:0:root\n"
    "wheel:x:10:root,app\n"
    "app:x:1000:\n"
    "web:x:1001:app\n"
    "nogroup:x:65534:\n";

/// Writes the busybox image's tree into the existing directory `dir`:
/// bin/ (busybox hard-linked or copied, applet symlinks), etc/passwd,
/// etc/group, tmp/ (1777), root/.
inline void WriteBusyboxTree(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/bin");
  fs::create_directories(dir + "/etc");
  fs::create_directories(dir + "/root");
  fs::create_directories(dir + "/tmp");
  fs::permissions(dir + "/tmp", fs::perms(01777));
  std::error_code no_link;
  fs::create_hard_link(BusyboxRootfs::Shared().path() + "/bin/busybox", dir + "/bin/busybox",
                       no_link);
  if (no_link) fs::copy_file(kBusybox, dir + "/bin/busybox");
  for (const auto& entry : fs::directory_iterator(BusyboxRootfs::Shared().path() + "/bin")) {
    if (entry.is_symlink()) {
      fs::create_symlink("busybox", dir + "/bin/" + entry.path().filename().string());
    }
  }
  WriteTextFile(dir + "/etc/passwd", kBusyboxPasswd);
  WriteTextFile(dir + "/etc/group", kBusyboxGroup);
}

/// A busybox image in a store.
struct StoredBusybox {
  layers::Descriptor manifest;
  layers::Descriptor config;
};

/// Stores the busybox image (one uncompressed layer, config with PATH and
/// CMD ["sh"]) and names it `name` when not empty.
inline StoredBusybox PutBusyboxImage(const layers::Store& store,
                                     const std::string& name = "busybox:test") {
  TempDir tree("imgbuild-busybox-tree-");
  WriteBusyboxTree(tree.path());
  layers::BuiltLayer layer = layers::BuildDirectoryLayer(
      store, tree.path(), {.compression = layers::Compression::kNone, .source_date_epoch = 0});
  layers::ImageConfig config{
      .created = "2024-01-01T00:00:00Z", .architecture = "amd64", .os = "linux"};
  parser::Platform host = parser::Platform::Host();
  config.architecture = host.architecture;
  config.os = host.os;
  config.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  config.config.cmd = {"sh"};
  config.diff_ids = {layer.diff_id};
  config.history = {
      {.created = "2024-01-01T00:00:00Z", .created_by = "busybox tree"},
      {.created = "2024-01-01T00:00:00Z", .created_by = "CMD [\"sh\"]", .empty_layer = true}};
  layers::Descriptor config_descriptor = store.PutConfig(config);
  layers::Descriptor manifest = store.PutManifest(
      layers::Manifest{.config = config_descriptor, .layers = {layer.descriptor}});
  if (!name.empty()) store.Tag(name, manifest);
  return {manifest, config_descriptor};
}

/// Stores busybox with the label `key`=`value` in its config, unnamed: an
/// image whose manifest no other store has (push it to a registry to make
/// a base only the registry holds). Returns its manifest.
inline layers::Descriptor PutLabelledBusybox(const layers::Store& store, const std::string& key,
                                             const std::string& value) {
  layers::Manifest manifest = store.ReadManifest(PutBusyboxImage(store, "").manifest);
  layers::ImageConfig config = store.ReadConfig(manifest.config);
  config.config.labels[key] = value;
  manifest.config = store.PutConfig(config);
  return store.PutManifest(manifest);
}

/// A ProgressSink that records what it was told; thread-safe.
class RecordingSink final : public ProgressSink {
 public:
  void Started(ProgressId id, std::string_view title) override {
    std::lock_guard lock(mutex_);
    titles_[id] = std::string(title);
    started_.push_back(std::string(title));
  }
  void Output(ProgressId id, OutputStream, std::string_view chunk) override {
    std::lock_guard lock(mutex_);
    output_[titles_[id]] += chunk;
  }
  void Cached(ProgressId id) override {
    std::lock_guard lock(mutex_);
    cached_.push_back(titles_[id]);
  }
  void Finished(ProgressId id, std::chrono::nanoseconds, std::string_view error) override {
    std::lock_guard lock(mutex_);
    if (!error.empty()) errors_.push_back(titles_[id] + ": " + std::string(error));
  }
  void Message(std::string_view text) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::string(text));
  }
  void Close() override {}

  std::vector<std::string> started() const { return Locked(started_); }
  std::vector<std::string> cached() const { return Locked(cached_); }
  std::vector<std::string> errors() const { return Locked(errors_); }
  std::vector<std::string> messages() const { return Locked(messages_); }
  /// Everything the step whose title contains `text` printed.
  std::string OutputOf(const std::string& text) const {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& [title, output] : output_) {
      if (title.find(text) != std::string::npos) all += output;
    }
    return all;
  }
  /// Everything printed by every step.
  std::string AllOutput() const { return OutputOf(""); }

 private:
  template <typename T>
  T Locked(const T& value) const {
    std::lock_guard lock(mutex_);
    return value;
  }

  mutable std::mutex mutex_;
  std::map<ProgressId, std::string> titles_;
  std::vector<std::string> started_, cached_, errors_, messages_;
  std::map<std::string, std::string> output_;
};

/// A fresh store with busybox:test in it, a context directory, and Build.
class BuildFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    IMGBUILD_ASSERT_ROOT();
    busybox_ = PutBusyboxImage(store_);
    std::filesystem::create_directories(context());
  }

  std::string context() const { return dir_.path() + "/context"; }
  const std::string& dir() const { return dir_.path(); }

  /// Writes `recipe` as context/Buildfile and returns a request for it.
  BuildRequest Recipe(const std::string& recipe) {
    WriteTextFile(context() + "/Buildfile", recipe);
    BuildRequest request;
    request.recipe_path = context() + "/Buildfile";
    request.context_dir = context();
    request.compression = layers::Compression::kNone;  // fast; gzip is tested on its own
    return request;
  }

  /// Builds with a fresh sink_.
  BuildResult Run(const BuildRequest& request) {
    sink_ = std::make_unique<RecordingSink>();
    CancelToken never;
    return builder::Build(store_, request, *sink_, never);
  }

  /// Builds and returns the error message, or "" when the build succeeded.
  std::string BuildError(const BuildRequest& request) {
    try {
      Run(request);
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  }

  TempDir dir_{"imgbuild-build-test-"};
  layers::Store store_{dir_.path() + "/store"};
  std::optional<StoredBusybox> busybox_;
  std::unique_ptr<RecordingSink> sink_ = std::make_unique<RecordingSink>();
};

}  // namespace imgbuild::builder::test_support

#endif  // IMGBUILD_TESTS_BUILDER_BUILD_FIXTURES_H_
