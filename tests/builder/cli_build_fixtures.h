// Shared by the tests that run the imgbuild binary on stores of their own
// (reproducible builds, verify): where the binary and the busybox fixture
// are, a store with the fixture loaded, and waiting for the clock.
#ifndef IMGBUILD_TESTS_BUILDER_CLI_BUILD_FIXTURES_H_
#define IMGBUILD_TESTS_BUILDER_CLI_BUILD_FIXTURES_H_

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/layers/store_testing.h"

namespace imgbuild::builder::test_support {

inline const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";
/// scripts/make-fixtures.sh's busybox image (target `fixtures`).
inline const std::string kBusyboxLayout = IMGBUILD_FIXTURES_DIR "/busybox-oci";

/// Makes a store at `root` holding the busybox fixture as busybox:latest
/// (what scripts/example.sh does); returns `root`.
inline std::string LoadBusyboxStore(const std::string& root) {
  layers::store_testing::CommandResult loaded = layers::store_testing::RunCommand(
      kImgbuild + " load --root '" + root + "' -t busybox:latest '" + kBusyboxLayout + "'");
  EXPECT_EQ(loaded.exit_code, 0) << loaded.output;
  return root;
}

/// Sleeps into the next second of the wall clock, so that two builds
/// cannot share one whole-second timestamp.
inline void WaitForTheNextSecond() {
  auto next = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now());
  std::this_thread::sleep_until(next + std::chrono::milliseconds(50));
}

}  // namespace imgbuild::builder::test_support

#endif  // IMGBUILD_TESTS_BUILDER_CLI_BUILD_FIXTURES_H_
