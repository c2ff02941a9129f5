// Shared by the COPY/ADD tests: a root-only fixture with a build context, a
// root filesystem and a staging directory, and shorthands for instructions.
#ifndef IMGBUILD_TESTS_BUILDER_COPY_TESTING_H_
#define IMGBUILD_TESTS_BUILDER_COPY_TESTING_H_

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "builder/copy_step.h"
#include "tests/layers/layer_test_util.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::builder::testing {

using layers::testing::MakeDir;
using layers::testing::ReadFile;
using layers::testing::SetMtime;
using layers::testing::WriteFile;

inline struct stat Lstat(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) FailErrno("lstat " + path);
  return st;
}

inline bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

inline parser::CopyCommand Copy(std::vector<std::string> sources, std::string destination) {
  parser::CopyCommand copy;
  copy.sources = std::move(sources);
  copy.destination = std::move(destination);
  return copy;
}

inline parser::CopyCommand Add(std::vector<std::string> sources, std::string destination) {
  parser::CopyCommand copy = Copy(std::move(sources), std::move(destination));
  copy.is_add = true;
  return copy;
}

/// COPY/ADD tests chown, mknod and set security.capability: they need root.
class CopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "COPY tests chown files, create devices and set file "
                                "capabilities: run them as root";
    MakeDir(context_);
    MakeDir(rootfs_);
    MakeDir(staging_);
  }

  /// A file in the context with an old mtime (so the stat cache trusts it).
  std::string ContextFile(const std::string& rel, const std::string& content, mode_t mode = 0644) {
    std::string path = context_ + "/" + rel;
    WriteFile(path, content, mode);
    SetMtime(path, 1500000000, 250);
    return path;
  }
  void ContextDir(const std::string& rel, mode_t mode = 0755) {
    MakeDir(context_ + "/" + rel, mode);
  }

  PreparedCopy Prepare(const parser::CopyCommand& copy, const IgnoreRules* ignore = nullptr,
                       bool keep_owners = false) {
    SourceTree tree{context_, ignore, "build context", keep_owners};
    return PrepareCopy(copy, tree, stat_cache_, {"Dockerfile:3", staging_, nullptr});
  }

  CopyTarget Target(std::string workdir = "/") const {
    CopyTarget target;
    target.rootfs = rootfs_;
    target.workdir = std::move(workdir);
    target.where = "Dockerfile:3";
    return target;
  }

  void Run(const parser::CopyCommand& copy, const IgnoreRules* ignore = nullptr) {
    ApplyCopy(Prepare(copy, ignore), Target());
  }

  /// The message of the Error `action` throws; fails the test when none.
  template <typename Action>
  std::string ErrorOf(Action action) {
    try {
      action();
    } catch (const Error& error) {
      return error.what();
    }
    ADD_FAILURE() << "no error was thrown";
    return "";
  }

  TempDir dir_{"imgbuild-copy-"};
  std::string context_ = dir_.path() + "/context";
  std::string rootfs_ = dir_.path() + "/rootfs";
  std::string staging_ = dir_.path() + "/staging";
  StatCache stat_cache_;
};

}  // namespace imgbuild::builder::testing

#endif  // IMGBUILD_TESTS_BUILDER_COPY_TESTING_H_
