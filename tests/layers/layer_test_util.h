// Helpers shared by the layer tests: a root-only fixture, mounts, an
// in-memory sink, small file helpers and running peer tools.
#ifndef IMGBUILD_TESTS_LAYERS_LAYER_TEST_UTIL_H_
#define IMGBUILD_TESTS_LAYERS_LAYER_TEST_UTIL_H_

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/sink.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers::testing {

/// Layer tests create devices, chown and set trusted xattrs: they need root.
class RootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "layer tests must run as root (they mknod, chown, set trusted.* "
                                "xattrs and mount overlayfs); run ctest as root";
  }
};

/// A mount that is lazily unmounted when the object dies.
class ScopedMount {
 public:
  ScopedMount(const std::string& source, const std::string& target, const std::string& type,
              const std::string& options)
      : target_(target) {
    if (mount(source.c_str(), target.c_str(), type.c_str(), 0, options.c_str()) != 0) {
      FailErrno("mount -t " + type + " -o " + options + " " + target);
    }
  }
  ~ScopedMount() { umount2(target_.c_str(), MNT_DETACH); }
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;

 private:
  std::string target_;
};

/// Collects a stream in memory.
class StringSink : public ByteSink {
 public:
  void Write(const void* data, size_t size) override {
    bytes.append(static_cast<const char*>(data), size);
  }
  void Close() override { closed = true; }
  std::string bytes;
  bool closed = false;
};

inline void Check(bool ok, const std::string& what) {
  if (!ok) FailErrno(what);
}

inline void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0644) {
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  WriteAll(fd.get(), content.data(), content.size(), path);
  Check(fchmod(fd.get(), mode) == 0, "chmod " + path);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void MakeDir(const std::string& path, mode_t mode = 0755) {
  Check(mkdir(path.c_str(), 0700) == 0, "mkdir " + path);
  Check(chmod(path.c_str(), mode) == 0, "chmod " + path);
}

inline void SetMtime(const std::string& path, time_t seconds, long nanos = 0) {
  struct timespec times[2] = {{seconds, nanos}, {seconds, nanos}};
  Check(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0, "utimensat " + path);
}

inline void SetXattr(const std::string& path, const std::string& name, const std::string& value) {
  Check(lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) == 0,
        "setxattr " + name + " on " + path);
}

/// Runs a shell command; returns its exit status and fills `output` with
/// stdout and stderr.
inline int Run(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) FailErrno("popen " + command);
  std::string text;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, got);
  int status = pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace imgbuild::layers::testing

#endif  // IMGBUILD_TESTS_LAYERS_LAYER_TEST_UTIL_H_
