// The fixture of the end-to-end tests of imgbuild's registry commands: a
// temporary store holding the busybox image as "busybox:1", a private
// DOCKER_CONFIG, and the built imgbuild binary and peer tools (skopeo,
// podman) run against them. The registry itself is registry_fixture.h's.
#ifndef IMGBUILD_TESTS_REGISTRY_CLI_FIXTURE_H_
#define IMGBUILD_TESTS_REGISTRY_CLI_FIXTURE_H_

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/store.h"
#include "layers/store_fsck.h"
#include "tests/layers/store_testing.h"
#include "tests/registry/registry_fixture.h"
#include "tests/registry/test_images.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::registry::testing {

inline const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";

using layers::store_testing::CommandResult;

/// Quotes `word` for sh.
inline std::string ShellQuote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

/// Runs `imgbuild ARGS` (shell words, already quoted) with stdin from
/// /dev/null; returns its exit code and output (stdout and stderr).
inline CommandResult RunImgbuild(const std::string& args) {
  return layers::store_testing::RunCommand(kImgbuild + " " + args + " </dev/null");
}

/// Fails with a clear message unless every tool in `tools` is on PATH.
inline void RequireTools(const std::vector<std::string>& tools) {
  for (const std::string& tool : tools) {
    if (!layers::store_testing::HaveTool(tool)) {
      Fail("{} is not installed; scripts/setup.sh installs the test tools", tool);
    }
  }
}

/// A store with busybox:1, a private DOCKER_CONFIG, and imgbuild to run.
class CliRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kImgbuild)) << kImgbuild << " is not built";
    RequireTools({"docker-registry", "skopeo", "gzip"});
    std::filesystem::create_directories(dir_.path() + "/work");
    busybox_.emplace(BuildBusyboxImage(store_, dir_.path() + "/work"));
    store_.Tag("busybox:1", busybox_->manifest);
  }

  /// Runs `imgbuild ARGS` on the store ROOT ("" = the fixture's) with the
  /// fixture's DOCKER_CONFIG and `input` on stdin.
  CommandResult Imgbuild(const std::string& args, const std::string& root = "",
                         const std::string& input = "") {
    std::string input_path = dir_.path() + "/stdin";
    layers::store_testing::WriteTextFile(input_path, input);
    return layers::store_testing::RunCommand(
        "DOCKER_CONFIG=" + ShellQuote(DockerConfigDir()) +
        " IMGBUILD_ROOT=" + ShellQuote(root.empty() ? store_.root() : root) + " " + kImgbuild +
        " " + args + " <" + ShellQuote(input_path));
  }

  /// Imgbuild, expecting success.
  CommandResult MustImgbuild(const std::string& args, const std::string& root = "",
                             const std::string& input = "") {
    CommandResult result = Imgbuild(args, root, input);
    EXPECT_EQ(result.exit_code, 0) << "imgbuild " << args << "\n" << result.output;
    return result;
  }

  /// Runs a shell command, expecting success; returns its output.
  std::string MustRun(const std::string& command) {
    CommandResult result = layers::store_testing::RunCommand(command);
    EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
    return result.output;
  }

  /// A new, empty store under the fixture's directory.
  std::string NewStoreRoot(const std::string& name) { return dir_.path() + "/" + name; }

  /// Pushes `image` of the fixture's store to docker://DESTINATION with
  /// skopeo, blobs as they are (so tests of pulling do not depend on our push).
  void SkopeoPush(const layers::Descriptor& image, const std::string& destination,
                  const std::string& flags = "") {
    std::string layout = dir_.path() + "/layout-" + std::to_string(++layouts_);
    std::string source = ExportLayout(store_, image, layout);
    MustRun("skopeo copy --quiet --dest-tls-verify=false " + flags + " " + source +
            " docker://" + destination);
  }

  /// skopeo inspect (--raw: the manifest itself) of docker://REFERENCE.
  std::string SkopeoInspect(const std::string& reference, const std::string& flags = "") {
    return MustRun("skopeo inspect --tls-verify=false " + flags + " docker://" + reference);
  }

  /// The digest the registry serves for REFERENCE.
  std::string RemoteDigest(const std::string& reference) {
    return nlohmann::json::parse(SkopeoInspect(reference), nullptr, false).value("Digest", "");
  }

  /// Expects `root`'s store to pass fsck.
  static void ExpectStoreClean(const std::string& root) {
    layers::FsckReport report = layers::Fsck(layers::Store(root));
    EXPECT_TRUE(report.issues.empty()) << report.Summary();
  }

  /// Expects `root`'s store to be consistent, its only waste orphan blobs
  /// among `allowed_orphans` (what a pull keeps for its next attempt, or the
  /// index of a platform image it named).
  static void ExpectStoreConsistent(const std::string& root,
                                    const std::vector<std::string>& allowed_orphans) {
    layers::FsckReport report = layers::Fsck(layers::Store(root));
    EXPECT_TRUE(report.consistent()) << report.Summary();
    for (const layers::FsckIssue& issue : report.issues) {
      EXPECT_TRUE(issue.kind == layers::FsckIssue::Kind::kOrphanBlob &&
                  std::find(allowed_orphans.begin(), allowed_orphans.end(), issue.subject) !=
                      allowed_orphans.end())
          << report.Summary();
    }
  }

  std::string DockerConfigDir() const { return dir_.path() + "/docker"; }

  TempDir dir_;
  layers::Store store_{dir_.path() + "/store"};
  std::optional<layers::image_testing::BuiltImage> busybox_;
  int layouts_ = 0;
};

}  // namespace imgbuild::registry::testing

#endif  // IMGBUILD_TESTS_REGISTRY_CLI_FIXTURE_H_
