// End-to-end tests build with the imgbuild binary into a temporary store that
// holds the project's busybox image (scripts/make-fixtures.sh), export the
// result and run it with real runtimes: runc on a `umoci unpack` bundle, and
// podman on a docker-archive. They need root, as runc and podman do here.
#ifndef IMGBUILD_TESTS_E2E_E2E_TESTING_H_
#define IMGBUILD_TESTS_E2E_E2E_TESTING_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/layers/store_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::e2e {

using layers::store_testing::CommandResult;
using layers::store_testing::RunCommand;

inline const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";
inline const std::string kSourceDir = IMGBUILD_SOURCE_DIR;
inline const std::string kBusyboxLayout = IMGBUILD_FIXTURES_DIR "/busybox-oci";

/// `text` as one sh word.
inline std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string QuoteAll(const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) joined += " " + Quote(word);
  return joined;
}

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "the end-to-end tests need root: imgbuild's RUN sandbox, "
                                "umoci unpack, runc and podman all do; run ctest as root";
    ASSERT_TRUE(std::filesystem::exists(kImgbuild)) << kImgbuild << " is not built";
    ASSERT_TRUE(std::filesystem::exists(kBusyboxLayout + "/index.json"))
        << "no base image at " << kBusyboxLayout << "; the build makes it "
        << "(scripts/make-fixtures.sh)";
    for (const char* tool : {"umoci", "runc", "podman"}) {
      ASSERT_TRUE(layers::store_testing::HaveTool(tool))
          << tool << " is not installed; run scripts/setup.sh";
    }
    CommandResult loaded = Imgbuild("load -t busybox:latest " + Quote(kBusyboxLayout));
    ASSERT_EQ(loaded.exit_code, 0) << loaded.output;
  }

  /// Runs `imgbuild ARGS --root STORE`; ARGS are shell words.
  CommandResult Imgbuild(const std::string& args) {
    return RunCommand(kImgbuild + " " + args + " --root " + Quote(store_) + " </dev/null");
  }

  /// Writes `files` (relative path -> contents) into a new context directory.
  std::string WriteContext(const std::string& name,
                           const std::map<std::string, std::string>& files) {
    std::string context = dir_.path() + "/" + name;
    for (const auto& [path, text] : files) {
      layers::store_testing::WriteTextFile(context + "/" + path, text);
    }
    return context;
  }

  /// Builds CONTEXT with `flags` (shell words, e.g. "-t app -f FILE"); fails
  /// the test unless it succeeds. Returns the image ID from --iidfile.
  std::string MustBuild(const std::string& context, const std::string& flags) {
    std::string iidfile = dir_.path() + "/iid-" + std::to_string(++builds_);
    CommandResult built =
        Imgbuild("build --progress plain --iidfile " + Quote(iidfile) + " " + flags + " " +
                 Quote(context));
    EXPECT_EQ(built.exit_code, 0) << "imgbuild build " << flags << " " << context << "\n"
                                  << built.output;
    if (built.exit_code != 0 || !std::filesystem::exists(iidfile)) return "";
    return ReadFileToString(iidfile, 1024);
  }

  /// Builds CONTEXT into an OCI layout directory (-o type=oci,tar=false)
  /// tagged `name`; returns the layout's path.
  std::string BuildLayout(const std::string& context, const std::string& name,
                          const std::string& flags = "") {
    std::string layout = dir_.path() + "/layout-" + name + "-" + std::to_string(builds_);
    MustBuild(context, "-t " + Quote(name) + " -o " + Quote("type=oci,dest=" + layout +
                                                            ",tar=false") + " " + flags);
    return layout;
  }

  /// The tag (org.opencontainers.image.ref.name) of the layout's only image.
  static std::string LayoutTag(const std::string& layout) {
    nlohmann::json index =
        nlohmann::json::parse(ReadFileToString(layout + "/index.json", 1 << 20), nullptr, false);
    if (index.is_discarded() || index["manifests"].size() != 1) return "";
    return index["manifests"][0]["annotations"].value("org.opencontainers.image.ref.name", "");
  }

  /// Unpacks `layout` with umoci and runs it with runc (no terminal, its own
  /// network namespace with nothing but lo); `args` replace the image's
  /// command when given. Returns the container's output; fails the test when
  /// it exits non-zero.
  std::string RunWithRunc(const std::string& layout, const std::vector<std::string>& args = {}) {
    std::string tag = LayoutTag(layout);
    EXPECT_FALSE(tag.empty()) << layout << "/index.json names no single tagged image";
    std::string bundle = dir_.path() + "/bundle-" + std::to_string(++runs_);
    CommandResult unpacked =
        RunCommand("umoci unpack --image " + Quote(layout + ":" + tag) + " " + Quote(bundle));
    EXPECT_EQ(unpacked.exit_code, 0) << unpacked.output;
    nlohmann::json config =
        nlohmann::json::parse(ReadFileToString(bundle + "/config.json", 1 << 20), nullptr, false);
    if (unpacked.exit_code != 0 || config.is_discarded()) return "";
    config["process"]["terminal"] = false;
    if (!args.empty()) config["process"]["args"] = args;
    std::ofstream(bundle + "/config.json") << config.dump();
    std::string id = "imgbuild-e2e-" + std::to_string(getpid()) + "-" + std::to_string(runs_);
    CommandResult ran = RunCommand("runc --root " + Quote(dir_.path() + "/runc-state") +
                                   " run --bundle " + Quote(bundle) + " " + id + " </dev/null");
    EXPECT_EQ(ran.exit_code, 0) << "runc run " << layout << ":" << tag << QuoteAll(args) << "\n"
                                << ran.output;
    return ran.output;
  }

  /// Builds CONTEXT as a docker-archive, loads it into a private podman
  /// store and runs it there (runc, no network, the ulimits).
  /// Returns the container's output; fails the test when anything fails.
  std::string RunWithPodman(const std::string& context, const std::string& name,
                            const std::vector<std::string>& args = {}) {
    std::string archive = dir_.path() + "/" + name + ".tar";
    MustBuild(context, "-t " + Quote(name) + " -o " + Quote("type=docker,dest=" + archive));
    std::string podman = "podman --root " + Quote(dir_.path() + "/podman-root") + " --runroot " +
                         Quote(dir_.path() + "/podman-run") +
                         " --storage-driver vfs --events-backend none ";
    CommandResult loaded = RunCommand(podman + "load -i " + Quote(archive));
    EXPECT_EQ(loaded.exit_code, 0) << loaded.output;
    std::string marker = "Loaded image: ";
    size_t at = loaded.output.find(marker);
    if (loaded.exit_code != 0 || at == std::string::npos) return "";
    std::string image = loaded.output.substr(at + marker.size());
    image = image.substr(0, image.find('\n'));
    CommandResult ran = RunCommand(podman +
                                   "run --rm --runtime runc --network none "
                                   "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 " +
                                   Quote(image) + QuoteAll(args) + " </dev/null");
    EXPECT_EQ(ran.exit_code, 0) << "podman run " << image << QuoteAll(args) << "\n" << ran.output;
    return ran.output;
  }

  TempDir dir_{"imgbuild-e2e-"};
  std::string store_ = dir_.path() + "/store";
  int builds_ = 0;
  int runs_ = 0;
};

}  // namespace imgbuild::e2e

#endif  // IMGBUILD_TESTS_E2E_E2E_TESTING_H_
