// Helpers for snapshot tests: images made of real layers, overlay mounts of
// snapshot stacks, and child processes that hold or die with store state.
#ifndef IMGBUILD_TESTS_LAYERS_SNAPSHOT_TESTING_H_
#define IMGBUILD_TESTS_LAYERS_SNAPSHOT_TESTING_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/layer_builder.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::layers::testing {

/// An image whose manifest and config are in the store.
struct StoredImage {
  Manifest manifest;
  ImageConfig config;
  Descriptor descriptor;  // of the manifest
};

/// Stores a manifest and config for `layers`, base first.
inline StoredImage PutImage(const Store& store, const std::vector<BuiltLayer>& layers) {
  ImageConfig config{.architecture = "amd64", .os = "linux"};
  std::vector<Descriptor> blobs;
  for (const BuiltLayer& layer : layers) {
    blobs.push_back(layer.descriptor);
    config.diff_ids.push_back(layer.diff_id);
  }
  Manifest manifest{.config = store.PutConfig(config), .layers = blobs};
  Descriptor descriptor = store.PutManifest(manifest);
  return StoredImage{std::move(manifest), std::move(config), std::move(descriptor)};
}

/// overlayfs options stacking `lowers` (top first) read-only.
inline std::string LowerDirOption(const std::vector<std::string>& lowers) {
  std::string option = "lowerdir=";
  for (size_t i = 0; i < lowers.size(); ++i) option += (i > 0 ? ":" : "") + lowers[i];
  return option;
}

/// A forked child running `body`; it exits 0 when `body` returns, 1 when it
/// throws, without running the parent's destructors either way.
class Child {
 public:
  explicit Child(const std::function<void()>& body) {
    pid_ = fork();
    if (pid_ < 0) FailErrno("fork");
    if (pid_ == 0) {
      int code = 0;
      try {
        body();
      } catch (const std::exception& e) {
        fprintf(stderr, "child: %s\n", e.what());
        code = 1;
      }
      _exit(code);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }

  pid_t pid() const { return pid_; }
  /// Waits for the child; returns its exit code, or 128 + the signal that killed it.
  int Wait() {
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) FailErrno("waitpid");
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  /// True while the child has not exited (a zombie counts as exited).
  bool Running() const {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      FailErrno("waitid");
    }
    return info.si_pid == 0;
  }
  /// Kills the child and waits for it.
  void Kill() {
    kill(pid_, SIGKILL);
    Wait();
  }

 private:
  pid_t pid_ = -1;
};

/// A pipe a child closes its write end of, or writes a byte to, to say
/// "ready"; the parent waits on it.
class ReadySignal {
 public:
  ReadySignal() {
    if (pipe(fds_) != 0) FailErrno("pipe");
  }
  ~ReadySignal() {
    close(fds_[0]);
    close(fds_[1]);
  }
  /// In the child.
  void Signal() {
    char byte = 1;
    if (write(fds_[1], &byte, 1) != 1) FailErrno("write ready signal");
  }
  /// In the parent: waits for a Signal. False when every writer is gone first.
  bool Wait() {
    close(fds_[1]);
    fds_[1] = -1;
    char byte = 0;
    return read(fds_[0], &byte, 1) == 1;
  }

 private:
  int fds_[2] = {-1, -1};
};

/// A gate children wait at until the parent opens it, so that they start
/// racing at the same moment. Create it before forking.
class Gate {
 public:
  Gate() {
    if (pipe(fds_) != 0) FailErrno("pipe");
  }
  ~Gate() {
    close(fds_[0]);
    if (fds_[1] >= 0) close(fds_[1]);
  }
  /// In a child: blocks until the parent calls Open.
  void Pass() {
    close(fds_[1]);
    fds_[1] = -1;
    char byte;
    while (read(fds_[0], &byte, 1) > 0) {
    }
  }
  /// In the parent: lets every waiting child through.
  void Open() {
    close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace imgbuild::layers::testing

#endif  // IMGBUILD_TESTS_LAYERS_SNAPSHOT_TESTING_H_
